//! Each scripted fault, through the library API and the control endpoint.

mod support;

use std::time::{Duration, Instant};

use esi_fake::esi::{CachePhase, Fault};
use serde_json::{Value, json};
use support::{client, header, number, start, to_window_start};

const SPEC: &str = "esi-openapi-2026-08-18.json";

#[tokio::test]
async fn bursts_of_5xx_hit_only_their_path_and_count() {
    let (esi, _) = start(SPEC, |c| c).await;
    let client = client();
    esi.inject(Fault::status(503).times(2).on("/status"));
    esi.inject(Fault::status(502).on("/alliances"));
    let status = format!("{}/status", esi.base_url());
    let other = client
        .get(format!("{}/universe/races", esi.base_url()))
        .send()
        .await
        .expect("request");
    assert_eq!(other.status(), 200);
    for expected in [503, 503, 200] {
        let resp = client.get(&status).send().await.expect("request");
        assert_eq!(resp.status(), expected);
        if expected == 503 {
            assert!(resp.json::<Value>().await.expect("json")["error"].is_string());
        }
    }
    let bad_gateway = client
        .get(format!("{}/alliances", esi.base_url()))
        .send()
        .await
        .expect("request");
    assert_eq!(bad_gateway.status(), 502);
    assert_eq!(number(&bad_gateway, "x-esi-error-limit-remain"), 99);
    let faults: Vec<Option<String>> = esi.requests().into_iter().map(|r| r.fault).collect();
    assert_eq!(faults.iter().flatten().count(), 3);
}

#[tokio::test]
async fn gateway_timeout_comes_as_an_html_page() {
    let (esi, _) = start(SPEC, |c| c).await;
    esi.inject(Fault::html_gateway_timeout());
    let resp = client()
        .get(format!("{}/status", esi.base_url()))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 504);
    assert_eq!(header(&resp, "content-type").as_deref(), Some("text/html"));
    assert!(
        resp.text()
            .await
            .expect("body")
            .contains("504 Gateway Time-out")
    );
}

#[tokio::test]
async fn slow_answers_wait_first() {
    let (esi, _) = start(SPEC, |c| c).await;
    esi.inject(Fault::delay(300));
    let started = Instant::now();
    let resp = client()
        .get(format!("{}/status", esi.base_url()))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn dropped_connections_get_no_answer() {
    let (esi, _) = start(SPEC, |c| c).await;
    esi.inject(Fault::drop_connection());
    let client = client();
    let url = format!("{}/status", esi.base_url());
    let error = client.get(&url).send().await.expect_err("no answer");
    assert!(!error.is_status() && !error.is_timeout(), "{error:?}");
    assert_eq!(
        client.get(&url).send().await.expect("request").status(),
        200
    );
    let records = esi.requests();
    assert_eq!(records[0].status, None);
    assert_eq!(records[0].fault.as_deref(), Some("drop_connection"));
}

#[tokio::test]
async fn truncated_answers() {
    let (esi, _) = start(SPEC, |c| c).await;
    let client = client();
    let url = format!("{}/alliances", esi.base_url());
    let whole = client
        .get(&url)
        .send()
        .await
        .expect("request")
        .bytes()
        .await
        .expect("body");

    esi.inject(Fault::truncated_json());
    let resp = client.get(&url).send().await.expect("request");
    assert_eq!(resp.status(), 200);
    let cut = resp.bytes().await.expect("a complete HTTP message");
    assert_eq!(cut.len(), whole.len() / 2);
    assert!(serde_json::from_slice::<Value>(&cut).is_err());

    esi.inject(Fault::truncated_body());
    let resp = client.get(&url).send().await.expect("headers arrive");
    assert_eq!(resp.status(), 200);
    assert!(resp.bytes().await.is_err(), "the body stops early");
}

#[tokio::test]
async fn pages_can_change_between_page_one_and_later_pages() {
    let (esi, _) = start(SPEC, |c| c.cache_phase(CachePhase::EPOCH)).await;
    // The pages inside one cache window of /universe/types.
    to_window_start(&esi, 3600, Duration::ZERO);
    let client = client();
    let page = |n: u32| {
        client
            .get(format!("{}/universe/types?page={n}", esi.base_url()))
            .send()
    };
    esi.inject(Fault::x_pages_change(5));
    esi.inject(Fault::last_modified_change(120));
    let first = page(1).await.expect("request");
    assert_eq!(number(&first, "x-pages"), 3);
    let modified = header(&first, "last-modified").expect("last-modified");
    let second = page(2).await.expect("request");
    assert_eq!(number(&second, "x-pages"), 5);
    assert_eq!(header(&second, "last-modified").as_ref(), Some(&modified));
    let third = page(3).await.expect("request");
    assert_eq!(number(&third, "x-pages"), 3);
    let later = header(&third, "last-modified").expect("last-modified");
    let parse = |t: &str| chrono::DateTime::parse_from_rfc2822(t).expect("date");
    assert_eq!((parse(&later) - parse(&modified)).num_seconds(), 120);
}

#[tokio::test]
async fn error_limit_and_rate_limit_storms() {
    let (esi, _) = start(SPEC, |c| c).await;
    let client = client();
    let url = format!("{}/status", esi.base_url());
    esi.inject(Fault::error_limited().times(2));
    for _ in 0..2 {
        let resp = client.get(&url).send().await.expect("request");
        assert_eq!(resp.status(), 420);
        assert_eq!(number(&resp, "x-esi-error-limit-remain"), 0);
        assert_eq!(number(&resp, "x-esi-error-limit-reset"), 60);
    }
    esi.inject(Fault::rate_limited(7).times(3));
    for _ in 0..3 {
        let resp = client.get(&url).send().await.expect("request");
        assert_eq!(resp.status(), 429);
        assert_eq!(number(&resp, "retry-after"), 7);
    }
    assert_eq!(
        client.get(&url).send().await.expect("request").status(),
        200
    );
}

#[tokio::test]
async fn faults_scripted_over_http_apply_the_same_way() {
    let (esi, _) = start(SPEC, |c| c).await;
    let client = client();
    client
        .post(format!("{}/_fake/faults", esi.base_url()))
        .json(&json!({"kind": "status", "status": 504, "count": null, "path": "/alliances"}))
        .send()
        .await
        .expect("request");
    for _ in 0..3 {
        let resp = client
            .get(format!("{}/alliances", esi.base_url()))
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), 504);
    }
    client
        .post(format!("{}/_fake/reset", esi.base_url()))
        .send()
        .await
        .expect("request");
    let resp = client
        .get(format!("{}/alliances", esi.base_url()))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 200);
    assert_eq!(number(&resp, "x-esi-error-limit-remain"), 100);
}
