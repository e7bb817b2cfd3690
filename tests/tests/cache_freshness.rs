//! The client's cache against ESI-shaped cache headers: many URLs, each with cache windows of
//! its own phase (`Expires` at the window's end, `max-age` rounded up, `Last-Modified` moving
//! every window), polled far more often than they expire, with the server's `Date` equal to
//! the client's clock and one second ahead of it.
//!
//! What must hold: no request before the `Expires` the fake served for that URL (its freshness
//! log counts them, by the server's clock); one request per URL per window; unchanged data
//! revalidated (304s); cache hits at most a second past the server's `Expires`.
//!
//! `polling_many_urls_asks_once_per_window_and_never_early` is the suite's check (100 URLs,
//! 3 windows); the ignored `measure_freshness_over_ten_windows` prints the figures for 1,000
//! URLs over 10 windows (`cargo test -p esi-tests --test cache_freshness -- --ignored
//! --nocapture`).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use esi_client::{Client, UserAgent};
use esi_fake::esi::{ClockSkew, FakeEsi, FakeEsiConfig};

/// Calls in flight at once.
const CONCURRENT_CALLS: usize = 32;

/// What one polling run saw.
#[derive(Debug)]
struct Figures {
    urls: usize,
    /// GETs the fake received.
    requests: u64,
    /// GETs before the `Expires` served for the same URL (server clock).
    early: u64,
    /// Of the requests, those answered 304.
    not_modified: u64,
    /// Requests divided by the cache windows each URL was polled in.
    per_url_window: f64,
    /// The latest a cache hit came after its answer's `Expires`, on the server's clock.
    latest_hit_past_expires: Duration,
}

/// Polls `urls` type ids every `every` for `windows` windows of `window_secs`.
async fn poll(
    urls: usize,
    windows: u64,
    window_secs: u64,
    skew: ClockSkew,
    every: Duration,
) -> Figures {
    let mut config = FakeEsiConfig::default().date_skew(skew);
    // `/universe/types/{type_id}` has no cache time in the spec: this one, per-URL phase.
    config.default_cache_seconds = window_secs;
    let esi = FakeEsi::start(config).await.expect("fake ESI");
    let client = Client::builder()
        .base_url(esi.base_url())
        .user_agent(UserAgent::new("esi-rs freshness", "1.0").email("tests@esi-rs.invalid"))
        .build()
        .expect("client");
    let seen_windows: Arc<Mutex<HashMap<i64, HashSet<i64>>>> = Arc::default();
    let latest_late: Arc<Mutex<Duration>> = Arc::default();
    let skew_ahead = skew.apply(SystemTime::UNIX_EPOCH);
    let calls = Arc::new(tokio::sync::Semaphore::new(CONCURRENT_CALLS));
    let until = tokio::time::Instant::now() + Duration::from_secs(windows * window_secs);
    let tasks: Vec<_> = (0..urls as i64)
        .map(|i| {
            let (client, seen, late) = (client.clone(), seen_windows.clone(), latest_late.clone());
            let calls = calls.clone();
            tokio::spawn(async move {
                let type_id = 1_000 + i;
                while tokio::time::Instant::now() < until {
                    // As an application would: a bounded number of calls at once (the
                    // client holds requests that could spend the error window's reserve).
                    let permit = calls.acquire().await.expect("semaphore");
                    let answer = client
                        .universe()
                        .get_universe_types_type_id(type_id)
                        .with_response()
                        .await;
                    let answer = match answer {
                        Ok(answer) => answer,
                        Err(error) => panic!("type {type_id}: {error:?}"),
                    };
                    drop(permit);
                    let expires = answer.expires.expect("Expires");
                    seen.lock()
                        .unwrap()
                        .entry(type_id)
                        .or_default()
                        .insert(expires.timestamp());
                    if answer.from_cache {
                        // The server's now: our clock moved by the skew.
                        let server_now = skew_ahead_of(SystemTime::now(), skew_ahead);
                        if let Ok(past) = server_now.duration_since(SystemTime::from(expires)) {
                            let mut late = late.lock().unwrap();
                            *late = (*late).max(past);
                        }
                    }
                    tokio::time::sleep(every).await;
                }
            })
        })
        .collect();
    for task in tasks {
        if task.await.is_err() {
            let mut refused: HashMap<(Option<u16>, Option<String>), usize> = HashMap::new();
            for r in esi
                .requests()
                .iter()
                .filter(|r| r.status != Some(200) && r.status != Some(304))
            {
                *refused.entry((r.status, r.fault.clone())).or_default() += 1;
            }
            panic!("a poller failed; refusals: {refused:?}");
        }
    }
    let counts = esi.freshness().counts();
    let windows_polled: usize = seen_windows
        .lock()
        .unwrap()
        .values()
        .map(HashSet::len)
        .sum();
    let latest_hit_past_expires = *latest_late.lock().unwrap();
    Figures {
        urls,
        requests: counts.served,
        early: counts.early,
        not_modified: counts.not_modified,
        per_url_window: counts.served as f64 / windows_polled as f64,
        latest_hit_past_expires,
    }
}

/// `at` on the server's clock, which is ahead by `skew` (the skew applied to the epoch).
fn skew_ahead_of(at: SystemTime, skew: SystemTime) -> SystemTime {
    match skew.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(ahead) => at + ahead,
        Err(behind) => at - behind.duration(),
    }
}

fn check(figures: &Figures) {
    assert_eq!(figures.early, 0, "no request before Expires: {figures:?}");
    assert!(
        (figures.per_url_window - 1.0).abs() <= 0.02,
        "one request per URL per window: {figures:?}"
    );
    assert!(
        figures.not_modified > 0,
        "unchanged data is revalidated: {figures:?}"
    );
    assert!(
        figures.latest_hit_past_expires <= Duration::from_millis(1_500),
        "cache hits at most a second (and transit) past Expires: {figures:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_many_urls_asks_once_per_window_and_never_early() {
    for skew in [ClockSkew::NONE, ClockSkew::ahead(Duration::from_secs(1))] {
        let figures = poll(100, 3, 2, skew, Duration::from_millis(100)).await;
        check(&figures);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: prints figures (about 45 s)"]
async fn measure_freshness_over_ten_windows() {
    for (name, skew) in [
        ("Date equal", ClockSkew::NONE),
        ("Date 1 s ahead", ClockSkew::ahead(Duration::from_secs(1))),
    ] {
        let figures = poll(1_000, 10, 2, skew, Duration::from_millis(200)).await;
        println!(
            "{name}: {} URLs, {} requests, {} before Expires, {:.3} requests per URL per window, \
             {:.1} % 304s, latest cache hit {:.2} s past Expires",
            figures.urls,
            figures.requests,
            figures.early,
            figures.per_url_window,
            100.0 * figures.not_modified as f64 / figures.requests.max(1) as f64,
            figures.latest_hit_past_expires.as_secs_f64()
        );
        check(&figures);
    }
}
