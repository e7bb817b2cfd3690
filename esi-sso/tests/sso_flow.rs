//! esi-sso against the fake EVE SSO on 127.0.0.1: login through the HTML page, PKCE, refresh
//! with rotation, revoke, typed errors and retries.

use std::time::{Duration, Instant};

use esi_fake::sso::{
    DEFAULT_CALLBACK_URL, DEFAULT_NATIVE_CLIENT_ID, DEFAULT_WEB_CLIENT_ID,
    DEFAULT_WEB_CLIENT_SECRET, FakeSso, JWKS_PATH, METADATA_PATH, SsoConfig as FakeConfig,
};
use esi_sso::{Callback, RetryPolicy, Scopes, Secret, Sso, SsoConfig, SsoError};

const WALLET: &str = "esi-wallet.read_character_wallet.v1";
const SKILLS: &str = "esi-skills.read_skills.v1";

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
        max_retry_after: Duration::from_secs(5),
    }
}

async fn fake() -> FakeSso {
    FakeSso::start(FakeConfig::default())
        .await
        .expect("fake SSO starts")
}

fn web(fake: &FakeSso) -> Sso {
    let config = SsoConfig::new(DEFAULT_WEB_CLIENT_ID, DEFAULT_CALLBACK_URL)
        .client_secret(DEFAULT_WEB_CLIENT_SECRET)
        .base_url(&fake.base_url())
        .expect("base url")
        .retry(fast_retries())
        .request_timeout(Duration::from_secs(5));
    Sso::new(config).expect("sso")
}

fn native(fake: &FakeSso) -> Sso {
    let config = SsoConfig::new(DEFAULT_NATIVE_CLIENT_ID, DEFAULT_CALLBACK_URL)
        .base_url(&fake.base_url())
        .expect("base url")
        .retry(fast_retries());
    Sso::new(config).expect("sso")
}

/// Logs in through the fake's HTML page as `character_id`; returns the callback query string.
async fn browser_login(url: &url::Url, character_id: i64) -> String {
    let back = esi_fake::sso::play_login_page(url, character_id)
        .await
        .expect("login page");
    assert_eq!(back.path(), "/callback");
    back.query().unwrap_or("").to_owned()
}

#[tokio::test]
async fn web_login_through_the_login_page() {
    let fake = fake().await;
    let sso = web(&fake);
    let auth = sso
        .authorize(format!("{WALLET} {SKILLS}"))
        .await
        .expect("authorize");
    let q: Vec<(String, String)> = auth.url.query_pairs().into_owned().collect();
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(get("response_type"), Some("code"));
    assert_eq!(get("client_id"), Some(DEFAULT_WEB_CLIENT_ID));
    assert_eq!(get("scope"), Some(format!("{SKILLS} {WALLET}").as_str()));
    assert_eq!(get("state"), Some(auth.state.as_str()));
    assert_eq!(get("code_challenge"), None, "web clients use the secret");
    assert!(auth.pkce_verifier.is_none());

    let query = browser_login(&auth.url, 90_000_002).await;
    let callback = Callback::from_query(&query).expect("callback");
    assert_eq!(callback.state, auth.state);
    let login = sso
        .exchange_code(&callback.code, None)
        .await
        .expect("exchange");
    assert_eq!(login.claims.character_id, 90_000_002);
    assert_eq!(login.claims.character_name, "Fake Pilot Two");
    assert_eq!(login.claims.scopes, Scopes::from([WALLET, SKILLS]));
    assert_eq!(login.claims.subject_type, "character");
    assert!(login.claims.expires_at > chrono::Utc::now());
    assert!(login.tokens.refresh_token.is_some());
    // The token request used Basic auth.
    let token_req = &fake.requests_to("/v2/oauth/token")[0];
    assert!(
        token_req
            .header("authorization")
            .is_some_and(|h| h.starts_with("Basic ")),
        "web clients authenticate with HTTP Basic"
    );
    assert_eq!(token_req.param("client_secret"), None);
    // The metadata was read once and cached.
    assert_eq!(fake.request_count("GET", METADATA_PATH), 1);
    // A used code is dead.
    let again = sso.exchange_code(&callback.code, None).await;
    assert!(
        matches!(again, Err(SsoError::InvalidGrant { .. })),
        "{again:?}"
    );
}

#[tokio::test]
async fn cancelled_login_is_an_oauth_error() {
    let err = Callback::from_query("error=access_denied&state=abc").expect_err("denied");
    assert!(matches!(err, SsoError::OAuth { error, .. } if error == "access_denied"));
    assert!(Callback::from_query("state=abc").is_err());
}

#[tokio::test]
async fn native_login_with_pkce() {
    let fake = fake().await;
    let sso = native(&fake);
    let auth = sso.authorize([SKILLS]).await.expect("authorize");
    let q: Vec<(String, String)> = auth.url.query_pairs().into_owned().collect();
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let verifier = auth.pkce_verifier.clone().expect("verifier");
    assert_eq!(get("code_challenge_method").as_deref(), Some("S256"));
    assert_eq!(
        get("code_challenge"),
        Some(esi_sso::pkce_challenge(verifier.expose()))
    );

    let query = browser_login(&auth.url, 90_000_001).await;
    let callback = Callback::from_query(&query).expect("callback");
    let login = sso
        .exchange_code(&callback.code, Some(&verifier))
        .await
        .expect("exchange with the verifier");
    assert_eq!(login.claims.character_id, 90_000_001);
    assert_eq!(login.claims.scopes, Scopes::from(SKILLS));

    // A wrong verifier is refused; a missing one is caught before any request.
    let challenge = esi_sso::pkce_challenge(verifier.expose());
    let code = fake
        .authorize_code(
            DEFAULT_NATIVE_CLIENT_ID,
            DEFAULT_CALLBACK_URL,
            90_000_001,
            &[SKILLS],
            Some(&challenge),
        )
        .expect("code");
    let wrong = Secret::new("x".repeat(43));
    let err = sso.exchange_code(&Secret::new(code), Some(&wrong)).await;
    assert!(matches!(err, Err(SsoError::InvalidGrant { .. })), "{err:?}");
    let err = sso.exchange_code(&Secret::new("c"), None).await;
    assert!(matches!(err, Err(SsoError::Config(_))), "{err:?}");

    // Native refresh sends client_id in the body, no secret.
    fake.clear_requests();
    let refreshed = sso
        .refresh(login.tokens.refresh_token.as_ref().expect("rt"), None)
        .await
        .expect("refresh");
    assert_eq!(refreshed.claims.character_id, 90_000_001);
    let req = &fake.requests_to("/v2/oauth/token")[0];
    assert_eq!(req.param("client_id"), Some(DEFAULT_NATIVE_CLIENT_ID));
    assert_eq!(req.header("authorization"), None);
}

#[tokio::test]
async fn refresh_rotates_and_the_old_token_dies() {
    let fake = fake().await;
    let sso = web(&fake);
    let first = Secret::new(
        fake.issue_refresh_token(DEFAULT_WEB_CLIENT_ID, 90_000_003, &[WALLET, SKILLS])
            .expect("rt"),
    );
    let refreshed = sso.refresh(&first, None).await.expect("refresh");
    let second = refreshed.tokens.refresh_token.clone().expect("rotated");
    assert_ne!(second, first);
    assert_eq!(refreshed.claims.character_id, 90_000_003);
    let err = sso.refresh(&first, None).await.expect_err("old is dead");
    assert!(err.is_invalid_grant(), "{err:?}");

    // Narrowing the scopes.
    let narrowed = sso
        .refresh(&second, Some(&Scopes::from(WALLET)))
        .await
        .expect("narrowed");
    assert_eq!(narrowed.claims.scopes, Scopes::from(WALLET));
}

#[tokio::test]
async fn revoke_ends_a_refresh_token() {
    let fake = fake().await;
    let sso = web(&fake);
    let rt = Secret::new(
        fake.issue_refresh_token(DEFAULT_WEB_CLIENT_ID, 90_000_001, &[WALLET])
            .expect("rt"),
    );
    sso.revoke(&rt).await.expect("revoke");
    sso.revoke(&rt)
        .await
        .expect("revoking twice is fine (RFC 7009)");
    let err = sso.refresh(&rt, None).await.expect_err("revoked");
    assert!(err.is_invalid_grant(), "{err:?}");
}

#[tokio::test]
async fn bad_secret_is_invalid_client() {
    let fake = fake().await;
    let config = SsoConfig::new(DEFAULT_WEB_CLIENT_ID, DEFAULT_CALLBACK_URL)
        .client_secret("wrong")
        .base_url(&fake.base_url())
        .expect("base")
        .retry(fast_retries());
    let sso = Sso::new(config).expect("sso");
    let err = sso
        .refresh(&Secret::new("whatever"), None)
        .await
        .expect_err("refused");
    assert!(matches!(err, SsoError::InvalidClient { .. }), "{err:?}");
}

#[tokio::test]
async fn refresh_retries_through_a_short_outage() {
    let fake = fake().await;
    let sso = web(&fake);
    sso.metadata().await.expect("metadata before the outage");
    let rt = Secret::new(
        fake.issue_refresh_token(DEFAULT_WEB_CLIENT_ID, 90_000_001, &[WALLET])
            .expect("rt"),
    );
    fake.outage(502, Some(2)).expect("outage");
    let ok = sso.refresh(&rt, None).await.expect("third attempt works");
    assert_eq!(ok.claims.character_id, 90_000_001);
    assert_eq!(fake.token_requests_count(), 3);

    fake.outage(503, None).expect("long outage");
    let err = sso
        .refresh(ok.tokens.refresh_token.as_ref().expect("rt"), None)
        .await
        .expect_err("down");
    assert!(err.is_unavailable(), "{err:?}");
    assert_eq!(fake.token_requests_count(), 6);
}

#[tokio::test]
async fn retry_after_is_honoured_up_to_the_cap() {
    let fake = fake().await;
    let sso = web(&fake);
    sso.metadata().await.expect("metadata");
    let rt = Secret::new(
        fake.issue_refresh_token(DEFAULT_WEB_CLIENT_ID, 90_000_001, &[WALLET])
            .expect("rt"),
    );
    fake.rate_limit_token(1, 1);
    let started = Instant::now();
    let ok = sso.refresh(&rt, None).await.expect("after waiting");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited for Retry-After"
    );

    fake.rate_limit_token(120, 1);
    let started = Instant::now();
    let err = sso
        .refresh(ok.tokens.refresh_token.as_ref().expect("rt"), None)
        .await
        .expect_err("too long to wait");
    assert!(started.elapsed() < Duration::from_secs(5));
    match err {
        SsoError::Unavailable { retry_after, .. } => {
            assert_eq!(retry_after, Some(Duration::from_secs(120)));
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn code_exchange_is_retried_only_when_unprocessed() {
    let fake = fake().await;
    let sso = web(&fake);
    sso.metadata().await.expect("metadata");
    let code = || {
        Secret::new(
            fake.authorize_code(
                DEFAULT_WEB_CLIENT_ID,
                DEFAULT_CALLBACK_URL,
                90_000_001,
                &[WALLET],
                None,
            )
            .expect("code"),
        )
    };
    // 502 may have been processed by the SSO: no retry.
    fake.outage(502, Some(1)).expect("outage");
    let err = sso
        .exchange_code(&code(), None)
        .await
        .expect_err("no retry on 502");
    assert!(err.is_unavailable(), "{err:?}");
    assert_eq!(fake.token_requests_count(), 1);
    // 503 and 429 say the request was turned away: retried.
    fake.clear_requests();
    fake.outage(503, Some(1)).expect("outage");
    sso.exchange_code(&code(), None)
        .await
        .expect("retried after 503");
    assert_eq!(fake.token_requests_count(), 2);
    // Connection refused: retried, then unavailable.
    let dead = SsoConfig::new(DEFAULT_WEB_CLIENT_ID, DEFAULT_CALLBACK_URL)
        .client_secret(DEFAULT_WEB_CLIENT_SECRET)
        .base_url("http://127.0.0.1:9")
        .expect("base")
        .retry(fast_retries());
    let err = Sso::new(dead)
        .expect("sso")
        .exchange_code(&code(), None)
        .await
        .expect_err("nothing listens on port 9");
    assert!(err.is_unavailable(), "{err:?}");
}

#[tokio::test]
async fn jwks_is_fetched_once_for_many_verifications() {
    let fake = fake().await;
    let sso = web(&fake);
    for _ in 0..5 {
        let t = fake
            .mint_access_token(90_000_001, &[WALLET], DEFAULT_WEB_CLIENT_ID)
            .expect("mint");
        sso.verify(&t).await.expect("valid");
    }
    assert_eq!(fake.request_count("GET", JWKS_PATH), 1);
}
