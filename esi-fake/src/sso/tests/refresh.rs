//! Refresh (rotation, scope narrowing), revocation and character-level controls.

use super::support::*;
use crate::sso::{
    DEFAULT_NATIVE_CLIENT_ID, DEFAULT_WEB_CLIENT_ID, DEFAULT_WEB_CLIENT_SECRET, SsoConfig,
};

const SKILLS: &str = "esi-skills.read_skills.v1";
const WALLET: &str = "esi-wallet.read_character_wallet.v1";

fn refresh_form(token: &str) -> [(&str, &str); 2] {
    [("grant_type", "refresh_token"), ("refresh_token", token)]
}

#[tokio::test]
async fn refresh_rotates_and_old_token_dies() {
    let sso = start().await;
    let first = login_web(&sso, 90_000_001, &[SKILLS]).await;
    let old = first["refresh_token"].as_str().unwrap();
    let resp = token_basic(&sso, &refresh_form(old)).await;
    assert_eq!(resp.status(), 200);
    let second = json(resp).await;
    let new = second["refresh_token"].as_str().unwrap();
    assert_ne!(new, old);
    assert!(sso.verify(second["access_token"].as_str().unwrap()).is_ok());
    assert_oauth_error(
        token_basic(&sso, &refresh_form(old)).await,
        400,
        "invalid_grant",
    )
    .await;
    assert_eq!(token_basic(&sso, &refresh_form(new)).await.status(), 200);
    assert_eq!(sso.live_refresh_tokens(), 1);
}

#[tokio::test]
async fn refresh_without_rotation_keeps_token() {
    let sso = start_with(SsoConfig {
        rotate_refresh_tokens: false,
        ..Default::default()
    })
    .await;
    let first = login_web(&sso, 90_000_001, &[SKILLS]).await;
    let old = first["refresh_token"].as_str().unwrap();
    for _ in 0..2 {
        let body = json(token_basic(&sso, &refresh_form(old)).await).await;
        assert_eq!(body["refresh_token"], old);
    }
}

#[tokio::test]
async fn refresh_scope_subset_and_superset() {
    let sso = start().await;
    let first = login_web(&sso, 90_000_001, &[SKILLS, WALLET]).await;
    let token = first["refresh_token"].as_str().unwrap();
    let mut form = refresh_form(token).to_vec();
    form.push(("scope", SKILLS));
    let body = json(token_basic(&sso, &form).await).await;
    let claims = sso.verify(body["access_token"].as_str().unwrap()).unwrap();
    assert_eq!(claims.scopes, [SKILLS]);

    // The new refresh token still carries both scopes.
    let token = body["refresh_token"].as_str().unwrap();
    let body = json(token_basic(&sso, &refresh_form(token)).await).await;
    let claims = sso.verify(body["access_token"].as_str().unwrap()).unwrap();
    assert_eq!(claims.scopes, [SKILLS, WALLET]);

    let token = body["refresh_token"].as_str().unwrap();
    let mut form = refresh_form(token).to_vec();
    form.push(("scope", "esi-mail.send_mail.v1"));
    assert_oauth_error(token_basic(&sso, &form).await, 400, "invalid_scope").await;
}

#[tokio::test]
async fn native_refresh_with_client_id_and_wrong_client() {
    let sso = start().await;
    let token = sso
        .issue_refresh_token(DEFAULT_NATIVE_CLIENT_ID, 90_000_003, &[SKILLS])
        .unwrap();
    let http = client();
    let resp = http
        .post(sso.token_url())
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", token.as_str()),
            ("client_id", DEFAULT_NATIVE_CLIENT_ID),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let token = json(resp).await["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    // The web client cannot use the native client's token.
    assert_oauth_error(
        token_basic(&sso, &refresh_form(&token)).await,
        400,
        "invalid_grant",
    )
    .await;
}

#[tokio::test]
async fn revoke_then_refresh_fails() {
    let sso = start().await;
    let first = login_web(&sso, 90_000_001, &[SKILLS]).await;
    let token = first["refresh_token"].as_str().unwrap();
    let http = client();
    let resp = http
        .post(sso.revoke_url())
        .basic_auth(DEFAULT_WEB_CLIENT_ID, Some(DEFAULT_WEB_CLIENT_SECRET))
        .form(&[("token_type_hint", "refresh_token"), ("token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_oauth_error(
        token_basic(&sso, &refresh_form(token)).await,
        400,
        "invalid_grant",
    )
    .await;

    // Unknown tokens are fine too (RFC 7009).
    let resp = http
        .post(sso.revoke_url())
        .basic_auth(DEFAULT_WEB_CLIENT_ID, Some(DEFAULT_WEB_CLIENT_SECRET))
        .form(&[("token_type_hint", "refresh_token"), ("token", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // Bad credentials are not.
    let resp = http
        .post(sso.revoke_url())
        .basic_auth(DEFAULT_WEB_CLIENT_ID, Some("wrong"))
        .form(&[("token", "nope")])
        .send()
        .await
        .unwrap();
    assert_oauth_error(resp, 401, "invalid_client").await;
}

#[tokio::test]
async fn revoke_all_and_owner_change() {
    let sso = start().await;
    let a = login_web(&sso, 90_000_002, &[SKILLS]).await;
    let _b = login_web(&sso, 90_000_002, &[WALLET]).await;
    let _other = login_web(&sso, 90_000_001, &[SKILLS]).await;
    let before = sso.verify(a["access_token"].as_str().unwrap()).unwrap();

    assert!(sso.set_owner_hash(90_000_002, "newOwnerHash0000000000000000="));
    assert!(!sso.set_owner_hash(1, "x"));
    let token = a["refresh_token"].as_str().unwrap();
    let body = json(token_basic(&sso, &refresh_form(token)).await).await;
    let after = sso.verify(body["access_token"].as_str().unwrap()).unwrap();
    assert_ne!(before.owner, after.owner);
    assert_eq!(after.owner, "newOwnerHash0000000000000000=");

    assert_eq!(sso.revoke_all_for_character(90_000_002), 2);
    assert_eq!(sso.live_refresh_tokens(), 1);
    let token = body["refresh_token"].as_str().unwrap();
    assert_oauth_error(
        token_basic(&sso, &refresh_form(token)).await,
        400,
        "invalid_grant",
    )
    .await;
}
