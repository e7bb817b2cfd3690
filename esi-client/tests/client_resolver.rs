//! `client.names()` against the fake ESI, which refuses a whole `/universe/names` batch over
//! one unknown id: bad ids isolated within their error bound, names and bad ids remembered,
//! and the client's error reserve never spent.

use std::time::Duration;

use esi_client::{Client, Unresolved, UserAgent};
use esi_fake::esi::FakeEsiConfig;
use esi_fake::harness::Harness;
use esi_fake::sso::SsoConfig;

/// 1,000 player character ids.
fn ids() -> Vec<i64> {
    (90_000_000..90_001_000).collect()
}

/// Five of them, spread over the list, that the fake does not know.
const BAD: [i64; 5] = [90_000_003, 90_000_250, 90_000_251, 90_000_640, 90_000_999];

async fn setup(config: FakeEsiConfig) -> (Harness, Client) {
    let h = Harness::start_with(config.invalid_ids(BAD), SsoConfig::default())
        .await
        .unwrap();
    let client = Client::builder()
        .base_url(h.esi_url())
        .user_agent(UserAgent::new("resolver", "1").email("t@esi-rs.invalid"))
        .build()
        .unwrap();
    (h, client)
}

/// Requests to `/universe/names` the fake received, and how many it answered with `status`.
fn spent(h: &Harness, status: u16) -> (usize, usize) {
    let names: Vec<_> = h
        .requests()
        .into_iter()
        .filter(|r| r.path == "/universe/names")
        .collect();
    let with = names.iter().filter(|r| r.status == Some(status)).count();
    (names.len(), with)
}

fn bad_ones(resolved: &esi_client::Resolved) -> Vec<i64> {
    let mut bad: Vec<i64> = resolved
        .unresolved
        .iter()
        .filter(|(_, why)| *why == Unresolved::Invalid)
        .map(|(id, _)| *id)
        .collect();
    bad.sort();
    bad
}

#[tokio::test]
async fn bad_ids_are_isolated_within_their_error_bound_and_remembered() {
    let (h, client) = setup(FakeEsiConfig::default()).await;
    let cold = client.names().resolve(ids()).await.unwrap();
    assert_eq!(cold.names.len(), 995, "every good id resolved");
    assert_eq!(bad_ones(&cold), BAD, "exactly the bad ids reported");
    assert_eq!(cold.unresolved.len(), 5);
    assert_eq!(cold.name(90_000_000), Some("Character 90000000"));
    assert_eq!(cold.names[&90_000_000].category, "character");

    let (requests, errors) = spent(&h, 404);
    // ⌈log2 1000⌉ + 1 = 11 errors per bad id at most; each of the 10 halvings on a bad id's
    // way sends at most two requests.
    assert!(errors <= 5 * 11, "{errors} errors");
    assert!(requests <= 1 + 5 * 10 * 2, "{requests} requests");
    assert_eq!(
        (cold.requests as usize, cold.errors as usize),
        (requests, errors)
    );
    eprintln!("cold: 1000 ids, 5 bad: {requests} requests, {errors} errors (404)");

    let warm = client.names().resolve(ids()).await.unwrap();
    let (after, _) = spent(&h, 404);
    assert_eq!(after, requests, "a second resolve sends nothing");
    assert_eq!((warm.requests, warm.errors, warm.remembered), (0, 0, 1000));
    assert_eq!(warm.names, cold.names);
    assert_eq!(bad_ones(&warm), BAD, "bad ids remembered too");
    eprintln!("warm: 0 requests, 0 errors, 1000 ids remembered");
}

#[tokio::test]
async fn the_resolver_stops_before_the_error_reserve() {
    // 20 errors a minute; the client keeps its default reserve of 10.
    let (h, client) =
        setup(FakeEsiConfig::default().error_limit(20, Duration::from_secs(60))).await;
    let resolved = client.names().resolve(ids()).await.unwrap();
    let (requests, errors) = spent(&h, 404);
    let (_, limited) = spent(&h, 420);
    eprintln!(
        "small window (20, reserve 10): {requests} requests, {errors} errors, {} resolved, {} unresolved",
        resolved.names.len(),
        resolved.unresolved.len()
    );
    assert_eq!(limited, 0, "never error limited");
    assert!(
        errors <= 10,
        "{errors} errors: the reserve of 10 is untouched"
    );
    assert!(client.error_window().remain >= Some(10));
    assert_eq!(resolved.names.len() + resolved.unresolved.len(), 1000);
    let postponed = resolved
        .unresolved
        .iter()
        .filter(|(_, why)| matches!(why, Unresolved::ErrorBudget { .. }))
        .count();
    assert!(postponed > 0, "the rest is returned as not asked");
    assert!(bad_ones(&resolved).iter().all(|id| BAD.contains(id)));
    assert!(resolved.names.keys().all(|id| !BAD.contains(id)));
}

#[tokio::test]
async fn duplicates_are_asked_once_and_a_clean_list_costs_one_request() {
    let (h, client) = setup(FakeEsiConfig::default()).await;
    let resolved = client
        .names()
        .resolve([30_000_142, 30_000_142, 99_000_001])
        .await
        .unwrap();
    assert_eq!(resolved.name(30_000_142), Some("Solar System 30000142"));
    assert_eq!(resolved.names[&99_000_001].category, "alliance");
    assert_eq!(spent(&h, 404), (1, 0));
}

/// Names back to ids (`/universe/ids`): exact matches found, unknown names listed (ESI leaves
/// them out, no 404), both remembered so a second resolve sends nothing.
#[tokio::test]
async fn names_resolve_to_ids_and_are_remembered() {
    let (h, client) = setup(FakeEsiConfig::default()).await;
    let named = client
        .names()
        .resolve([90_000_010, 30_000_142])
        .await
        .unwrap();
    let mut wanted: Vec<String> = named.names.values().map(|n| n.name.clone()).collect();
    wanted.sort();
    wanted.push("No Such Pilot".into());
    wanted.push(wanted[0].clone()); // a duplicate, asked once
    let found = client.ids().resolve(wanted.clone()).await.unwrap();
    assert_eq!(found.requests, 1);
    assert_eq!(found.ids.len(), 2, "{found:?}");
    for (id, name) in &named.names {
        assert_eq!(found.ids[&name.name].id, *id);
    }
    assert_eq!(found.unknown, ["No Such Pilot"]);
    let sent = h.requests().len();
    let again = client.ids().resolve(wanted).await.unwrap();
    assert_eq!((again.requests, again.remembered), (0, 3));
    assert_eq!(again.ids, found.ids);
    assert_eq!(h.requests().len(), sent, "remembered: no request");
}
