//! The fake ESI's cache headers, as strict as ESI's: per-resource cache windows with their own
//! phase, `Expires` at a window's end and `Last-Modified` at its start (moving every window with
//! the same `ETag`), `max-age` rounded up, `Date` on every answer, 304s with the new headers,
//! a skewed server clock, and early requests counted in every mode. Time moves with the fake's
//! clock, never by sleeping.

mod support;

use std::collections::HashSet;
use std::time::{Duration, UNIX_EPOCH};

use esi_fake::esi::{CachePhase, ClockSkew, FakeEsi, FakeEsiConfig, FleetConfig, PageShape};
use support::{client, date_secs, header, max_age, to_window_start};

const SPEC: &str = "esi-openapi-2026-08-18.json";
/// `x-cache-age` of `/markets/{region_id}/orders`.
const ORDERS_SECONDS: u64 = 300;

/// A fake ESI with `change`s and small market order sets (5 pages of 10).
async fn start(change: impl FnOnce(FakeEsiConfig) -> FakeEsiConfig) -> FakeEsi {
    support::start(SPEC, |c| {
        change(c.pages("/markets/{region_id}/orders", PageShape::new(5, 10)))
    })
    .await
    .0
}

async fn get(esi: &FakeEsi, path: &str) -> reqwest::Response {
    get_with(esi, path, &[]).await
}

async fn get_with(esi: &FakeEsi, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = client().get(format!("{}{path}", esi.base_url()));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("request")
}

/// Moves the fake's clock past the `Expires` of `resp`, to less than a second into the next
/// window (whatever the skew): the test then has a whole window of real time before the next
/// boundary.
fn to_next_window(esi: &FakeEsi, resp: &reqwest::Response) {
    let left = date_secs(resp, "expires") - date_secs(resp, "date");
    esi.advance(Duration::from_secs(left));
}

/// The fake's clock in whole seconds (without skew).
fn clock_secs(esi: &FakeEsi) -> u64 {
    esi.clock()
        .wall()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

#[tokio::test]
async fn expires_ends_a_window_whose_phase_is_per_resource() {
    let esi = start(|c| c).await;
    let mut phases = HashSet::new();
    for region in 10_000_001..10_000_013 {
        let resp = get(&esi, &format!("/markets/{region}/orders")).await;
        assert_eq!(resp.status(), 200);
        let (date, expires) = (date_secs(&resp, "date"), date_secs(&resp, "expires"));
        let last_modified = date_secs(&resp, "last-modified");
        assert_eq!(expires - last_modified, ORDERS_SECONDS, "one window long");
        assert!(
            last_modified <= date && date < expires,
            "Date inside the window"
        );
        assert_eq!(max_age(&resp), expires - date);
        phases.insert(expires % ORDERS_SECONDS);
    }
    assert!(
        phases.len() > 6,
        "each region refreshes on its own: {phases:?}"
    );
}

#[tokio::test]
async fn max_age_is_rounded_up_to_expires() {
    let esi = start(|c| c.cache_phase(CachePhase::EPOCH)).await;
    // Half a second into a window: the seconds left are ORDERS_SECONDS - 0.5 and a bit.
    to_window_start(&esi, ORDERS_SECONDS, Duration::from_millis(500));
    let resp = get(&esi, "/markets/10000002/orders").await;
    let (date, expires) = (date_secs(&resp, "date"), date_secs(&resp, "expires"));
    assert_eq!(expires % ORDERS_SECONDS, 0, "aligned on the epoch");
    assert_eq!(max_age(&resp), ORDERS_SECONDS, "rounded up, not down");
    assert_eq!(date + max_age(&resp), expires);
}

#[tokio::test]
async fn last_modified_moves_every_window_with_the_same_etag() {
    let esi = start(|c| c).await;
    let path = "/markets/10000002/orders?page=2";
    let warm = get(&esi, path).await;
    to_next_window(&esi, &warm);
    let first = get(&esi, path).await;
    esi.advance(Duration::from_secs(ORDERS_SECONDS));
    let second = get(&esi, path).await;
    assert_eq!(header(&first, "etag"), header(&second, "etag"), "same data");
    for name in ["last-modified", "expires"] {
        assert_eq!(
            date_secs(&second, name) - date_secs(&first, name),
            ORDERS_SECONDS,
            "{name} moved one window"
        );
    }
}

#[tokio::test]
async fn a_304_carries_the_new_window() {
    let esi = start(|c| c).await;
    let path = "/markets/10000002/orders";
    let warm = get(&esi, path).await;
    to_next_window(&esi, &warm);
    let first = get(&esi, path).await;
    let etag = header(&first, "etag").expect("etag");
    let old_modified = header(&first, "last-modified").expect("last-modified");
    esi.advance(Duration::from_secs(ORDERS_SECONDS));

    let resp = get_with(&esi, path, &[("if-none-match", &etag)]).await;
    assert_eq!(resp.status(), 304);
    assert_eq!(header(&resp, "etag").as_ref(), Some(&etag));
    let (date, expires) = (date_secs(&resp, "date"), date_secs(&resp, "expires"));
    assert_eq!(expires, date_secs(&first, "expires") + ORDERS_SECONDS);
    assert_eq!(
        date_secs(&resp, "last-modified"),
        date_secs(&first, "last-modified") + ORDERS_SECONDS
    );
    assert_eq!(max_age(&resp), expires - date);
    assert!(resp.bytes().await.expect("body").is_empty());

    // If-Modified-Since with the old window's Last-Modified: the entry is newer, so 200.
    let resp = get_with(&esi, path, &[("if-modified-since", &old_modified)]).await;
    assert_eq!(resp.status(), 200);
    let current = header(&resp, "last-modified").expect("last-modified");
    let resp = get_with(&esi, path, &[("if-modified-since", &current)]).await;
    assert_eq!(resp.status(), 304);
}

#[tokio::test]
async fn every_answer_has_the_servers_date() {
    let esi = start(|c| c).await;
    esi.advance(Duration::from_secs(86_400));
    let ok = get(&esi, "/markets/10000002/orders").await;
    let etag = header(&ok, "etag").expect("etag");
    let not_modified = get_with(
        &esi,
        "/markets/10000002/orders",
        &[("if-none-match", &etag)],
    )
    .await;
    let missing = get(&esi, "/no/such/route").await;
    let bad = get(&esi, "/markets/abc/orders").await;
    let statuses = [&ok, &not_modified, &missing, &bad].map(|r| r.status().as_u16());
    assert_eq!(statuses, [200, 304, 404, 400]);
    let now = clock_secs(&esi);
    for resp in [&ok, &not_modified, &missing, &bad] {
        let date = date_secs(resp, "date");
        assert!(
            now - date <= 2,
            "Date {date}, server {now}: the fake's clock, not real time"
        );
    }
}

#[tokio::test]
async fn all_pages_of_a_set_share_one_window() {
    let esi = start(|c| c).await;
    let warm = get(&esi, "/markets/10000002/orders").await;
    to_next_window(&esi, &warm);
    let mut windows = HashSet::new();
    for page in 1..=5 {
        let resp = get(&esi, &format!("/markets/10000002/orders?page={page}")).await;
        windows.insert((
            date_secs(&resp, "last-modified"),
            date_secs(&resp, "expires"),
        ));
    }
    // Another region is another resource, with its own window.
    let other = get(&esi, "/markets/10000043/orders?page=2").await;
    assert_eq!(windows.len(), 1, "{windows:?}");
    assert!(!windows.contains(&(
        date_secs(&other, "last-modified"),
        date_secs(&other, "expires")
    )));
}

#[tokio::test]
async fn a_skewed_server_clock_shows_in_every_date_and_counts_early_requests() {
    let skew = Duration::from_secs(7_200);
    for (skewed, sign) in [(ClockSkew::ahead(skew), 1), (ClockSkew::behind(skew), -1)] {
        let esi = start(|c| c.date_skew(skewed)).await;
        let path = "/markets/10000002/orders";
        let warm = get(&esi, path).await;
        to_next_window(&esi, &warm);
        let first = get(&esi, path).await;
        let date = date_secs(&first, "date") as i64;
        let clock = clock_secs(&esi) as i64;
        let shown = date - clock;
        assert!(
            (shown - sign * 7_200).abs() <= 2,
            "Date is {shown} s off the clock"
        );
        let expires = date_secs(&first, "expires") as i64;
        assert!(expires > date && expires - date <= ORDERS_SECONDS as i64);

        // Asked again before that Expires (server time): early. After it: not.
        get(&esi, path).await;
        assert_eq!(esi.freshness().counts().early, 1);
        esi.advance(Duration::from_secs(ORDERS_SECONDS));
        get(&esi, path).await;
        let counts = esi.freshness().counts();
        assert_eq!((counts.served, counts.early), (4, 1));
        let early = esi.freshness().early_fetches();
        assert_eq!(early[0].url, path);
        let early_expires = early[0].expires.duration_since(UNIX_EPOCH).expect("secs");
        assert_eq!(early_expires.as_secs() as i64, expires);
    }
}

#[tokio::test]
async fn fleet_windows_are_aligned_on_the_epoch_and_move_last_modified() {
    let esi = start(|c| c.fleet(FleetConfig::new(5, 2))).await;
    to_window_start(&esi, 10, Duration::from_millis(100));
    let path = "/markets/10000002/orders";
    let first = get(&esi, path).await;
    let expires = date_secs(&first, "expires");
    assert_eq!(expires % 5, 0);
    assert_eq!(date_secs(&first, "last-modified"), expires - 5);
    assert_eq!(max_age(&first), 5);
    esi.advance(Duration::from_secs(5));
    let second = get(&esi, path).await;
    assert_eq!(
        header(&second, "etag"),
        header(&first, "etag"),
        "the same generation"
    );
    assert_eq!(date_secs(&second, "last-modified"), expires);
    esi.advance(Duration::from_secs(5));
    let third = get(&esi, path).await;
    assert_ne!(
        header(&third, "etag"),
        header(&first, "etag"),
        "a new generation"
    );
    assert_eq!(esi.freshness().counts().early, 0);
}
