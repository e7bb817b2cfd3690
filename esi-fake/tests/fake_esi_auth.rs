//! Authenticated routes with tokens of the real fake SSO, started through the harness.

mod support;

use esi_fake::harness::Harness;
use esi_fake::sso::{DEFAULT_WEB_CLIENT_ID, MintOptions};
use serde_json::Value;
use support::client;

const WALLET: &str = "esi-wallet.read_character_wallet.v1";

#[tokio::test]
async fn sso_tokens_are_checked_for_signature_expiry_scope_and_character() {
    let h = Harness::start().await.expect("harness starts");
    let client = client();
    let url = format!("{}/characters/90000001/wallet", h.esi_url());
    let call = |token: Option<String>| {
        let mut request = client.get(&url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move {
            let resp = request.send().await.expect("request");
            let status = resp.status().as_u16();
            let body: Value = resp.json().await.expect("json");
            (status, body)
        }
    };

    let (status, body) = call(None).await;
    assert_eq!(status, 401);
    assert!(body["error"].is_string());
    assert_eq!(call(Some("not.a.jwt".into())).await.0, 401);
    let expired = h
        .sso
        .mint_with(&MintOptions::new(90_000_001, [WALLET], DEFAULT_WEB_CLIENT_ID).expires_in(-60))
        .expect("mint");
    assert_eq!(call(Some(expired)).await.0, 401);
    let other_key = h
        .sso
        .mint_with(&MintOptions::new(90_000_001, [WALLET], DEFAULT_WEB_CLIENT_ID).kid("nobody"))
        .expect("mint");
    assert_eq!(call(Some(other_key)).await.0, 401);

    let no_scope = h
        .token(90_000_001, &["esi-skills.read_skills.v1"])
        .expect("mint");
    let (status, body) = call(Some(no_scope)).await;
    assert_eq!(status, 403);
    assert!(body["error"].as_str().expect("error").contains(WALLET));
    let other_character = h.token(90_000_002, &[WALLET]).expect("mint");
    assert_eq!(call(Some(other_character)).await.0, 403);

    let good = h.token(90_000_001, &[WALLET]).expect("mint");
    let (status, body) = call(Some(good)).await;
    assert_eq!(status, 200);
    assert!(body.is_number());

    assert_eq!(h.count_for("/characters/90000001/wallet"), 7);
    let authorizations: Vec<bool> = h
        .requests()
        .iter()
        .map(|r| r.header("authorization").is_some())
        .collect();
    assert_eq!(authorizations, [false, true, true, true, true, true, true]);
    assert_eq!(h.paths().len(), 7);
    assert!(h.sso_url().starts_with("http://127.0.0.1:"));
    h.shutdown().await;
}
