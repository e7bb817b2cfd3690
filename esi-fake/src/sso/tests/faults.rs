//! Scripted faults (library API and `/_fake/faults`) and the request log.

use std::time::{Duration, Instant};

use super::support::*;
use crate::sso::{
    DEFAULT_WEB_CLIENT_ID, DEFAULT_WEB_CLIENT_SECRET, FAULTS_PATH, FaultPlan, TOKEN_PATH,
};

fn refresh_form(token: &str) -> [(&str, &str); 2] {
    [("grant_type", "refresh_token"), ("refresh_token", token)]
}

#[tokio::test]
async fn outage_for_n_requests_then_recovers() {
    let sso = start().await;
    sso.outage(502, Some(2)).unwrap();
    let http = client();
    for _ in 0..2 {
        let resp = http.get(sso.metadata_url()).send().await.unwrap();
        assert_eq!(resp.status(), 502);
    }
    assert_eq!(http.get(sso.jwks_url()).send().await.unwrap().status(), 200);
    assert!(sso.outage(404, None).is_err());
}

#[tokio::test]
async fn outage_until_cleared_via_control_endpoint() {
    let sso = start().await;
    let http = client();
    let control = format!("{}{FAULTS_PATH}", sso.base_url());
    let resp = http
        .post(&control)
        .json(&serde_json::json!({"outage": {"status": 503}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    for _ in 0..3 {
        let resp = token_basic(&sso, &refresh_form("x")).await;
        assert_eq!(resp.status(), 503);
        assert_eq!(json(resp).await["error"], "temporarily_unavailable");
    }
    let plan: FaultPlan = http
        .get(&control)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(plan.outage.map(|o| o.status), Some(503));
    assert_eq!(http.delete(&control).send().await.unwrap().status(), 204);
    assert_eq!(
        http.get(sso.metadata_url()).send().await.unwrap().status(),
        200
    );
    assert_eq!(sso.faults(), FaultPlan::default());

    let resp = http.post(&control).body("{not json").send().await.unwrap();
    assert_eq!(resp.status(), 400);
    let resp = http
        .post(&control)
        .json(&serde_json::json!({"outage": {"status": 200}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn slow_token_endpoint() {
    let sso = start().await;
    let token = sso
        .issue_refresh_token(DEFAULT_WEB_CLIENT_ID, 90_000_001, &[])
        .unwrap();
    sso.slow_token_endpoint(Duration::from_millis(300));
    let started = Instant::now();
    let resp = token_basic(&sso, &refresh_form(&token)).await;
    assert_eq!(resp.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    // A client with a shorter timeout gives up.
    let impatient = client_with_timeout(Duration::from_millis(100));
    let result = impatient
        .post(sso.token_url())
        .basic_auth(DEFAULT_WEB_CLIENT_ID, Some(DEFAULT_WEB_CLIENT_SECRET))
        .form(&refresh_form("whatever"))
        .send()
        .await;
    assert!(result.is_err_and(|e| e.is_timeout()));
    // Other endpoints are not slowed.
    sso.slow_token_endpoint(Duration::from_secs(5));
    let started = Instant::now();
    assert_eq!(
        client().get(sso.jwks_url()).send().await.unwrap().status(),
        200
    );
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[tokio::test]
async fn rate_limited_token_requests_carry_retry_after() {
    let sso = start().await;
    let token = sso
        .issue_refresh_token(DEFAULT_WEB_CLIENT_ID, 90_000_001, &[])
        .unwrap();
    let control = format!("{}{FAULTS_PATH}", sso.base_url());
    let resp = client()
        .post(&control)
        .json(&serde_json::json!({"token_rate_limit": {"retry_after": 7, "requests": 2}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    for _ in 0..2 {
        let resp = token_basic(&sso, &refresh_form(&token)).await;
        assert_eq!(resp.status(), 429);
        assert_eq!(resp.headers()["retry-after"], "7");
    }
    // Only the token endpoint is limited, and the budget is spent.
    assert_eq!(
        client().get(sso.jwks_url()).send().await.unwrap().status(),
        200
    );
    assert_eq!(token_basic(&sso, &refresh_form(&token)).await.status(), 200);

    sso.rate_limit_token(1, 1);
    assert_eq!(token_basic(&sso, &refresh_form("x")).await.status(), 429);
    assert_eq!(sso.token_requests_count(), 4);
}

#[tokio::test]
async fn request_log_keeps_params_and_redacts_debug() {
    let sso = start().await;
    let token = sso
        .issue_refresh_token(DEFAULT_WEB_CLIENT_ID, 90_000_001, &[])
        .unwrap();
    let _ = client().get(sso.metadata_url()).send().await.unwrap();
    let resp = token_basic(&sso, &refresh_form(&token)).await;
    assert_eq!(resp.status(), 200);
    let _ = client()
        .get(format!("{}{FAULTS_PATH}", sso.base_url()))
        .send()
        .await
        .unwrap();

    let all = sso.requests();
    assert_eq!(all.len(), 2, "control endpoint is not logged");
    assert_eq!(sso.token_requests_count(), 1);
    let req = &sso.requests_to(TOKEN_PATH)[0];
    assert_eq!(req.method, "POST");
    assert_eq!(req.status, Some(200));
    assert_eq!(req.param("grant_type"), Some("refresh_token"));
    assert_eq!(req.param("refresh_token"), Some(token.as_str()));
    assert!(
        req.header("Authorization")
            .is_some_and(|h| h.starts_with("Basic "))
    );
    let debug = format!("{req:?}");
    assert!(!debug.contains(&token));
    assert!(!debug.contains(req.header("authorization").unwrap()));
    sso.clear_requests();
    assert!(sso.requests().is_empty());
}
