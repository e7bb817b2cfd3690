//! Calls built by name (what the `esi` command line uses) against the fake ESI: parameters
//! checked against the spec before sending, answers as JSON, all pages.

use esi_client::{Client, Error, UserAgent, find_operation};
use std::time::SystemTime;

use esi_fake::esi::{CachePhase, FakeEsiConfig, Fault, PageShape};
use esi_fake::harness::Harness;
use esi_fake::sso::SsoConfig;

async fn setup() -> (Harness, Client) {
    setup_with_orders(PageShape::new(4, 25)).await
}

// Every resource's first cache window opens as the fake starts (`CachePhase::starting_at`):
// what these tests count (requests, cache hits) must not hang on where a window boundary falls
// by chance. Boundaries are tested on purpose elsewhere (esi-fake's fake_esi_cache.rs).
/// The fakes, with the market orders route in `shape`, and a client of the fake ESI.
async fn setup_with_orders(shape: PageShape) -> (Harness, Client) {
    let config = FakeEsiConfig::default()
        .pages("/markets/{region_id}/orders", shape)
        .cache_phase(CachePhase::starting_at(SystemTime::now()));
    let h = Harness::start_with(config, SsoConfig::default())
        .await
        .unwrap();
    let client = Client::builder()
        .base_url(h.esi_url())
        .user_agent(UserAgent::new("dyn", "1").email("t@esi-rs.invalid"))
        .build()
        .unwrap();
    (h, client)
}

#[test]
fn operations_are_found_by_resource_and_name_or_id() {
    let by_name = find_operation("market", "get_markets_region_id_orders").unwrap();
    let by_id = find_operation("Market", "GetMarketsRegionIdOrders").unwrap();
    assert_eq!(by_name, by_id);
    assert!(find_operation("faction-warfare", "get_fw_stats").is_some());
    assert!(find_operation("market", "nope").is_none());
    let order_type = by_name
        .params
        .iter()
        .find(|p| p.name == "order_type")
        .unwrap();
    assert_eq!(order_type.default, Some("all"));
}

#[tokio::test]
async fn bad_parameters_are_refused_before_sending() {
    let (h, client) = setup().await;
    let op = find_operation("market", "get_markets_region_id_orders").unwrap();
    let err = client.call(op).param("region_id", "the-forge").unwrap_err();
    assert!(err.to_string().contains("is not an integer"), "{err}");
    let err = client.call(op).param("order_type", "swap").unwrap_err();
    assert!(err.to_string().contains("one of buy, sell, all"), "{err}");
    let err = client.call(op).param("colour", "red").unwrap_err();
    assert!(err.to_string().contains("it takes: order_type"), "{err}");
    let err = client.call(op).send().await.unwrap_err();
    assert!(matches!(err, Error::InvalidOption { .. }));
    assert!(
        err.to_string()
            .contains("missing required parameter(s): region_id")
    );
    assert!(h.requests().is_empty());
}

#[tokio::test]
async fn by_name_calls_answer_json_and_walk_all_pages() {
    let (h, client) = setup().await;
    let status = client
        .call(find_operation("status", "get_status").unwrap())
        .send()
        .await
        .unwrap();
    assert!(status.data["players"].is_i64());

    let op = find_operation("market", "get_markets_region_id_orders").unwrap();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    let all = client
        .call(op)
        .param("region_id", "10000002")
        .unwrap()
        .param("order_type", "sell")
        .unwrap()
        .on_page(move |done, total| log.lock().unwrap().push((done, total)))
        .all_pages()
        .await
        .unwrap();
    assert_eq!(all.data.as_array().unwrap().len(), 100);
    assert_eq!(*seen.lock().unwrap(), [(1, 4), (2, 4), (3, 4), (4, 4)]);
    assert_eq!(h.count_for("/markets/10000002/orders"), 4);
    assert!(
        h.requests()
            .iter()
            .filter(|r| r.path.starts_with("/markets"))
            .all(|r| r.query_param("order_type").as_deref() == Some("sell"))
    );
}

/// A by-name call of `get_markets_region_id_orders` for The Forge, walking all pages.
async fn all_orders(client: &Client) -> Result<esi_client::Response<serde_json::Value>, Error> {
    let op = find_operation("market", "get_markets_region_id_orders").unwrap();
    client
        .call(op)
        .param("region_id", "10000002")
        .unwrap()
        .all_pages()
        .await
}

#[tokio::test]
async fn by_name_paging_refuses_more_than_max_pages() {
    let (h, client) = setup_with_orders(PageShape::new(esi_client::MAX_PAGES + 1, 1)).await;
    let error = all_orders(&client).await.unwrap_err();
    assert!(
        matches!(error, Error::TooManyPages { pages, max, .. }
            if pages == esi_client::MAX_PAGES + 1 && max == esi_client::MAX_PAGES),
        "{error}"
    );
    assert_eq!(h.count_for("/markets/"), 1, "page 1, nothing more");
}

#[tokio::test]
async fn by_name_paging_starts_over_when_the_pages_change_and_never_mixes_them() {
    for fault in [Fault::x_pages_change(7), Fault::last_modified_change(60)] {
        // Once: the walk starts over (page 1 past the cache) and completes.
        let (h, client) = setup().await;
        h.esi.inject(fault.clone().times(1));
        let all = all_orders(&client).await.unwrap();
        assert_eq!(all.data.as_array().unwrap().len(), 100);
        assert_eq!(all.pages, Some(4));
        assert!(h.count_for("/markets/") > 4, "started over");

        // Always: refused after the typed walker's restarts, never a mix of two versions.
        let (h, client) = setup().await;
        h.esi.inject(fault.clone().always());
        let error = all_orders(&client).await.unwrap_err();
        assert!(matches!(error, Error::PagesChanged { .. }), "{error}");
        // Three walks of page 1 at least (the first and two restarts).
        assert!(
            h.requests()
                .iter()
                .filter(|r| r.query_param("page").as_deref() == Some("1"))
                .count()
                >= 3
        );
    }
}

/// A walk that meets a page of a newer cache window (ESI refreshed between pages) starts over
/// by revalidating: page 1 is asked with its `ETag` (`If-None-Match`, a 304), never downloaded
/// again, and no page is asked twice without its validator.
#[tokio::test]
async fn a_walk_across_two_cache_windows_revalidates_instead_of_downloading_again() {
    let (h, client) = setup().await;
    h.esi
        .inject(Fault::last_modified_change(60).times(1).on("/markets/"));
    let all = all_orders(&client).await.unwrap();
    assert_eq!(all.data.as_array().unwrap().len(), 100);
    let requests = h.esi.log().requests_for("/markets/");
    for page in ["1", "2", "3", "4"] {
        let asked: Vec<_> = requests
            .iter()
            .filter(|r| r.query_param("page").as_deref() == Some(page))
            .collect();
        let downloads = asked
            .iter()
            .filter(|r| r.header("if-none-match").is_none())
            .count();
        assert_eq!(downloads, 1, "page {page} downloaded once: {asked:#?}");
    }
    let page_one: Vec<_> = requests
        .iter()
        .filter(|r| r.query_param("page").as_deref() == Some("1"))
        .collect();
    assert_eq!(page_one.len(), 2, "page 1 asked again once: {page_one:#?}");
    assert_eq!(page_one[1].status, Some(304));
}

/// A by-name call with the caller's `ETag` and no cached body still returns the data when ESI
/// answers 304 (asked again without the tag), as a typed call does.
#[tokio::test]
async fn a_by_name_call_with_a_current_etag_still_returns_the_data() {
    let (h, client) = setup().await;
    let status = find_operation("status", "get_status").unwrap();
    let first = client.call(status).send().await.unwrap();
    let etag = first.etag.clone().unwrap();
    // A new process: nothing cached.
    let fresh_client = Client::builder()
        .base_url(h.esi_url())
        .user_agent(UserAgent::new("dyn", "1").email("t@esi-rs.invalid"))
        .build()
        .unwrap();
    let again = fresh_client
        .call(status)
        .if_none_match(etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.data, first.data);
    let statuses: Vec<_> = h.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Some(200), Some(304), Some(200)]);
}
