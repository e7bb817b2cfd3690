//! Error-limit and rate-limit arithmetic, with the clock advanced instead of waiting.

mod support;

use std::time::Duration;

use esi_fake::esi::{FakeEsi, FakeEsiConfig, Fault};
use support::{client, header, number, start};

const SPEC: &str = "esi-openapi-2026-08-18.json";

async fn get(client: &reqwest::Client, url: String) -> reqwest::Response {
    client.get(url).send().await.expect("request")
}

#[tokio::test]
async fn error_limit_counts_down_then_420s_everywhere_until_the_window_resets() {
    let (esi, _) = start(SPEC, |c| c.error_limit(5, Duration::from_secs(60))).await;
    let client = client();
    let base = esi.base_url();
    for remain in (0..5).rev() {
        let resp = get(&client, format!("{base}/no/such/route")).await;
        assert_eq!(resp.status(), 404);
        assert_eq!(number(&resp, "x-esi-error-limit-remain"), remain);
        assert!(number(&resp, "x-esi-error-limit-reset") <= 60);
    }
    // Successes do not count; but now every route, rate-limited or not, answers 420.
    for path in ["/alliances", "/status", "/no/such/route"] {
        let resp = get(&client, format!("{base}{path}")).await;
        assert_eq!(resp.status(), 420, "{path}");
        assert_eq!(number(&resp, "x-esi-error-limit-remain"), 0);
        assert!(header(&resp, "x-ratelimit-group").is_none());
        let body: serde_json::Value = resp.json().await.expect("json");
        assert_eq!(body["error"], "error limited");
    }
    esi.advance(Duration::from_secs(60));
    let fresh = get(&client, format!("{base}/alliances")).await;
    assert_eq!(fresh.status(), 200);
    assert_eq!(number(&fresh, "x-esi-error-limit-remain"), 5);
    let error = get(&client, format!("{base}/alliances/abc")).await;
    assert_eq!(error.status(), 400);
    assert_eq!(number(&error, "x-esi-error-limit-remain"), 4);
}

#[tokio::test]
async fn errors_on_rate_limited_routes_cost_tokens_not_errors() {
    let (esi, _) = start(SPEC, |c| c.error_limit(2, Duration::from_secs(60))).await;
    let client = client();
    for _ in 0..4 {
        let resp = get(&client, format!("{}/markets/x/orders", esi.base_url())).await;
        assert_eq!(resp.status(), 400);
        assert!(header(&resp, "x-esi-error-limit-remain").is_none());
    }
    let resp = get(&client, format!("{}/alliances", esi.base_url())).await;
    assert_eq!(number(&resp, "x-esi-error-limit-remain"), 2);
}

#[tokio::test]
async fn rate_limit_costs_2_1_5_0_and_429_until_tokens_return() {
    let (esi, _) = start(SPEC, |c| c.bucket("status", 12, Duration::from_secs(900))).await;
    let client = client();
    let url = format!("{}/status", esi.base_url());
    let ok = get(&client, url.clone()).await;
    assert_eq!(
        (
            number(&ok, "x-ratelimit-used"),
            number(&ok, "x-ratelimit-remaining")
        ),
        (2, 10)
    );
    assert_eq!(header(&ok, "x-ratelimit-limit").as_deref(), Some("12/15m"));
    let etag = header(&ok, "etag").expect("etag");
    let not_modified = client
        .get(&url)
        .header("If-None-Match", etag)
        .send()
        .await
        .expect("request");
    assert_eq!(not_modified.status(), 304);
    assert_eq!(
        (
            number(&not_modified, "x-ratelimit-used"),
            number(&not_modified, "x-ratelimit-remaining")
        ),
        (1, 9)
    );
    let bad = client
        .get(&url)
        .header("X-Compatibility-Date", "1999-01-01")
        .send()
        .await
        .expect("request");
    assert_eq!(bad.status(), 400);
    assert_eq!(
        (
            number(&bad, "x-ratelimit-used"),
            number(&bad, "x-ratelimit-remaining")
        ),
        (5, 4)
    );
    esi.inject(Fault::status(503));
    let unavailable = get(&client, url.clone()).await;
    assert_eq!(unavailable.status(), 503);
    assert_eq!(
        (
            number(&unavailable, "x-ratelimit-used"),
            number(&unavailable, "x-ratelimit-remaining")
        ),
        (0, 4)
    );
    esi.advance(Duration::from_secs(100));
    for remaining in [2, 0] {
        let resp = get(&client, url.clone()).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(number(&resp, "x-ratelimit-remaining"), remaining);
    }
    let limited = get(&client, url.clone()).await;
    assert_eq!(limited.status(), 429);
    assert_eq!(number(&limited, "x-ratelimit-used"), 0);
    assert_eq!(number(&limited, "x-ratelimit-remaining"), 0);
    // The first 2 tokens come back 900 s after they were spent, 800 s from now.
    let retry = number(&limited, "retry-after");
    assert!((799..=800).contains(&retry), "retry-after {retry}");
    esi.advance(Duration::from_secs(retry as u64));
    let back = get(&client, url).await;
    assert_eq!(back.status(), 200);
    // All three requests of t0 (8 tokens) are back; 4 still spent at t0 + 100, 2 more now.
    assert_eq!(number(&back, "x-ratelimit-remaining"), 6);
}

#[tokio::test]
async fn rate_limit_buckets_are_per_character_and_application() {
    let api = support::load(SPEC);
    let scope = ["esi-wallet.read_character_wallet.v1"];
    let tokens = [
        ("pilot-one", 90_000_001, &scope[..]),
        ("pilot-two", 90_000_002, &scope[..]),
    ];
    let config = FakeEsiConfig::default()
        .verifier(support::verifier(&api, &tokens))
        .bucket("char-wallet", 4, Duration::from_secs(900));
    let esi = FakeEsi::start(config).await.expect("starts");
    let client = client();
    let wallet = |character: i64, token: &str| {
        client
            .get(format!("{}/characters/{character}/wallet", esi.base_url()))
            .bearer_auth(token)
            .send()
    };
    for remaining in [2, 0] {
        let resp = wallet(90_000_001, "pilot-one").await.expect("request");
        assert_eq!(resp.status(), 200);
        assert_eq!(number(&resp, "x-ratelimit-remaining"), remaining);
    }
    let limited = wallet(90_000_001, "pilot-one").await.expect("request");
    assert_eq!(limited.status(), 429);
    assert!(number(&limited, "retry-after") > 0);
    let other = wallet(90_000_002, "pilot-two").await.expect("request");
    assert_eq!(other.status(), 200);
    assert_eq!(number(&other, "x-ratelimit-remaining"), 2);
    // Unauthenticated callers have their own (per IP) bucket.
    let anonymous = client
        .get(format!("{}/characters/90000001/wallet", esi.base_url()))
        .send()
        .await
        .expect("request");
    assert_eq!(anonymous.status(), 401);
    assert_eq!(number(&anonymous, "x-ratelimit-used"), 5);
    esi.reset_limits();
    let again = wallet(90_000_001, "pilot-one").await.expect("request");
    assert_eq!(number(&again, "x-ratelimit-remaining"), 2);
}
