//! Counters for dashboards (the `metrics` feature): requests by outcome, cache hits, 304s and
//! retries, read back through a recorder of the test's own.

use std::time::{Duration, SystemTime};

use esi_client::{Client, RetryPolicy, UserAgent};
use esi_fake::esi::{CachePhase, FakeEsiConfig, Fault};
use esi_fake::harness::Harness;
use esi_fake::sso::SsoConfig;
use metrics_util::debugging::{DebugValue, DebuggingRecorder};

/// The counter `name` with all of `labels`, summed over its other labels.
fn counter(
    snapshot: &[(metrics_util::CompositeKey, DebugValue)],
    name: &str,
    labels: &[(&str, &str)],
) -> u64 {
    snapshot
        .iter()
        .filter(|(key, _)| key.key().name() == name)
        .filter(|(key, _)| {
            labels.iter().all(|(k, v)| {
                key.key()
                    .labels()
                    .any(|label| label.key() == *k && label.value() == *v)
            })
        })
        .map(|(_, value)| match value {
            DebugValue::Counter(n) => *n,
            _ => 0,
        })
        .sum()
}

#[tokio::test]
async fn requests_cache_hits_304s_and_retries_are_counted() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    recorder
        .install()
        .expect("the only recorder of this test binary");

    let config = FakeEsiConfig::default().cache_phase(CachePhase::starting_at(SystemTime::now()));
    let h = Harness::start_with(config, SsoConfig::default())
        .await
        .unwrap();
    let client = Client::builder()
        .base_url(h.esi_url())
        .user_agent(UserAgent::new("metrics", "1").email("t@esi-rs.invalid"))
        .retry(RetryPolicy {
            base_delay: Duration::ZERO,
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    // A 503 then the answer (a retry), a cache hit, then a 304 (a new client revalidating
    // the tag it kept).
    h.esi.inject(Fault::status(503).times(1).on("/status"));
    let first = client.status().get_status().with_response().await.unwrap();
    client.status().get_status().await.unwrap();
    let restarted = Client::builder()
        .base_url(h.esi_url())
        .user_agent(UserAgent::new("metrics", "1").email("t@esi-rs.invalid"))
        .build()
        .unwrap();
    let etag = first.etag.unwrap();
    let outcome = restarted
        .status()
        .get_status()
        .if_none_match(etag)
        .conditional()
        .await
        .unwrap();
    assert!(!outcome.is_modified());

    let snapshot: Vec<_> = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .map(|(key, _, _, value)| (key, value))
        .collect();
    let op = ("operation", "GetStatus");
    assert_eq!(
        counter(&snapshot, "esi_requests_total", &[op, ("status", "503")]),
        1
    );
    assert_eq!(
        counter(
            &snapshot,
            "esi_requests_total",
            &[op, ("served", "network"), ("status", "200")]
        ),
        1
    );
    assert_eq!(
        counter(&snapshot, "esi_requests_total", &[op, ("served", "cache")]),
        1
    );
    assert_eq!(
        counter(
            &snapshot,
            "esi_requests_total",
            &[op, ("served", "not_modified")]
        ),
        1
    );
    assert_eq!(counter(&snapshot, "esi_retries_total", &[op]), 1);
    assert!(
        snapshot
            .iter()
            .any(|(key, _)| key.key().name() == "esi_request_duration_seconds"),
        "durations recorded"
    );
}
