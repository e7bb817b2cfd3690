//! The request pipeline's seams: the application's own `reqwest::Client`, and the hook that may
//! change a request before it is sent. Against the fake ESI on 127.0.0.1.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use esi_client::{Client, ClientBuilder, Error, LimitPolicy, RetryPolicy, UserAgent};
use esi_fake::esi::{CachePhase, FakeEsiConfig, Fault};
use esi_fake::harness::Harness;
use esi_fake::sso::SsoConfig;

fn builder(h: &Harness) -> ClientBuilder {
    Client::builder()
        .base_url(h.esi_url())
        .user_agent(UserAgent::new("esi-rs tests", "1.0").email("tests@esi-rs.invalid"))
        .retry(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
        })
}

// Every resource's first cache window opens as the fake starts (`CachePhase::starting_at`):
// what these tests count (requests, cache hits) must not hang on where a window boundary falls
// by chance. Boundaries are tested on purpose elsewhere (esi-fake's fake_esi_cache.rs).
async fn harness() -> Harness {
    let config = FakeEsiConfig::default().cache_phase(CachePhase::starting_at(SystemTime::now()));
    Harness::start_with(config, SsoConfig::default())
        .await
        .expect("fake servers start")
}

#[tokio::test]
async fn the_send_hook_changes_every_attempt_and_sees_its_number() {
    let h = harness().await;
    h.esi.inject(Fault::status(503).times(1).on("/status"));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let client = builder(&h)
        .before_send(move |request| {
            log.lock().unwrap().push((
                request.operation(),
                request.attempt(),
                request.url().path().to_string(),
            ));
            let value = format!("attempt-{}", request.attempt());
            request
                .headers_mut()
                .insert("x-trace", value.parse().expect("header text"));
        })
        .build()
        .unwrap();
    client.status().get_status().await.unwrap();

    let traces: Vec<Option<String>> = h
        .requests()
        .iter()
        .filter(|r| r.path == "/status")
        .map(|r| r.header("x-trace").map(str::to_string))
        .collect();
    assert_eq!(
        traces,
        [Some("attempt-1".into()), Some("attempt-2".into())],
        "the hook ran on both attempts (503, then 200) and its header went out"
    );
    assert_eq!(
        *seen.lock().unwrap(),
        [
            ("GetStatus", 1, "/status".to_string()),
            ("GetStatus", 2, "/status".to_string())
        ]
    );
    // A cache hit sends nothing, so the hook does not run.
    client.status().get_status().await.unwrap();
    assert_eq!(seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn a_passed_in_http_client_is_used_and_the_runtime_keeps_its_own_rules() {
    let h = harness().await;
    let mut defaults = reqwest::header::HeaderMap::new();
    defaults.insert("x-own-client", "yes".parse().unwrap());
    let http = esi_client::http_client_builder()
        .unwrap()
        .user_agent("someone-else/0.0")
        .default_headers(defaults)
        .build()
        .unwrap();
    let client = builder(&h)
        .http_client(http)
        .limit_policy(LimitPolicy::FailFast)
        .build()
        .unwrap();
    client.status().get_status().await.unwrap();
    let requests = h.requests();
    let r = requests.last().unwrap();
    assert_eq!(
        r.header("x-own-client"),
        Some("yes"),
        "sent through our client"
    );
    let ua = r.header("user-agent").unwrap();
    assert!(
        ua.starts_with("esi-rstests/1.0 (tests@esi-rs.invalid)"),
        "the runtime's user agent wins over the passed-in client's: {ua}"
    );

    // ESI's limits still hold: after an error-limited answer the client refuses to send.
    h.esi.inject(Fault::error_limited().on("/alliances/"));
    let refused = client.alliance().get_alliances().await.unwrap_err();
    assert!(matches!(refused, Error::ErrorLimited { .. }), "{refused}");
    let sent_before = h.requests().len();
    let held = client.alliance().get_alliances().await.unwrap_err();
    assert!(matches!(held, Error::ErrorLimited { .. }), "{held}");
    assert_eq!(
        h.requests().len(),
        sent_before,
        "nothing sent while the error window is closed"
    );
}
