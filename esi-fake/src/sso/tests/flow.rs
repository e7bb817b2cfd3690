//! Metadata, the HTML login page and the authorization-code exchange (Basic and PKCE).

use super::support::*;
use crate::sso::{
    DEFAULT_NATIVE_CLIENT_ID, DEFAULT_WEB_CLIENT_ID, DEFAULT_WEB_CLIENT_SECRET, GRANT_PATH,
};

#[tokio::test]
async fn metadata_points_at_this_server() {
    let sso = start().await;
    let resp = client().get(sso.metadata_url()).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let m = json(resp).await;
    let base = sso.base_url();
    assert!(base.starts_with("http://127.0.0.1:"));
    assert_eq!(m["issuer"], "login.eveonline.com");
    assert_eq!(
        m["authorization_endpoint"],
        format!("{base}/v2/oauth/authorize")
    );
    assert_eq!(m["token_endpoint"], format!("{base}/v2/oauth/token"));
    assert_eq!(m["jwks_uri"], format!("{base}/oauth/jwks"));
    assert_eq!(m["revocation_endpoint"], format!("{base}/v2/oauth/revoke"));
    assert_eq!(
        m["response_types_supported"],
        serde_json::json!(["code", "token"])
    );
    assert_eq!(
        m["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert!(
        m["token_endpoint_auth_methods_supported"]
            .as_array()
            .unwrap()
            .contains(&"client_secret_basic".into())
    );
}

#[tokio::test]
async fn html_code_flow_with_basic_auth() {
    let sso = start().await;
    let http = client();
    let scopes = "esi-skills.read_skills.v1 esi-wallet.read_character_wallet.v1";
    let page = http
        .get(sso.authorize_url())
        .query(&[
            ("response_type", "code"),
            ("client_id", DEFAULT_WEB_CLIENT_ID),
            ("redirect_uri", &callback()),
            ("scope", scopes),
            ("state", "xyz-123"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("id=\"character-90000001\""));
    assert!(html.contains("Fake Pilot One"));
    assert!(html.contains("<li class=\"scope\">esi-wallet.read_character_wallet.v1</li>"));
    let request_id = input_value(&html, "request_id").expect("hidden request_id");

    let grant = http
        .post(format!("{}{GRANT_PATH}", sso.base_url()))
        .form(&[
            ("request_id", request_id.as_str()),
            ("character_id", "90000002"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(grant.status(), 302);
    let location = grant.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(&callback()));
    assert_eq!(query_param(&location, "state").as_deref(), Some("xyz-123"));
    let code = query_param(&location, "code").expect("code in redirect");

    let resp = token_basic(
        &sso,
        &[("grant_type", "authorization_code"), ("code", &code)],
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let body = json(resp).await;
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 1200);
    assert_eq!(body["refresh_token"].as_str().unwrap().len(), 24);
    let claims = sso.verify(body["access_token"].as_str().unwrap()).unwrap();
    assert_eq!(claims.character_id, 90_000_002);
    assert_eq!(claims.name, "Fake Pilot Two");
    assert_eq!(claims.client_id, DEFAULT_WEB_CLIENT_ID);
    assert_eq!(
        claims.scopes,
        [
            "esi-skills.read_skills.v1",
            "esi-wallet.read_character_wallet.v1"
        ]
    );

    // The login page was used once; the grant form cannot be replayed.
    let replay = http
        .post(format!("{}{GRANT_PATH}", sso.base_url()))
        .form(&[
            ("request_id", request_id.as_str()),
            ("character_id", "90000002"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 400);
}

#[tokio::test]
async fn deny_button_redirects_with_access_denied() {
    let sso = start().await;
    let http = client();
    let html = http
        .get(sso.authorize_url())
        .query(&[
            ("response_type", "code"),
            ("client_id", DEFAULT_WEB_CLIENT_ID),
            ("redirect_uri", &callback()),
            ("state", "s1"),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let request_id = input_value(&html, "request_id").unwrap();
    let resp = http
        .post(format!("{}{GRANT_PATH}", sso.base_url()))
        .form(&[("request_id", request_id.as_str()), ("deny", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    let location = resp.headers()["location"].to_str().unwrap();
    assert_eq!(
        query_param(location, "error").as_deref(),
        Some("access_denied")
    );
    assert_eq!(query_param(location, "state").as_deref(), Some("s1"));
}

#[tokio::test]
async fn authorize_rejects_unknown_client_and_foreign_callback() {
    let sso = start().await;
    let http = client();
    for (client_id, redirect) in [
        ("nobody", callback()),
        (DEFAULT_WEB_CLIENT_ID, "https://evil.example/cb".to_owned()),
        (DEFAULT_WEB_CLIENT_ID, "http://127.0.0.1:9/other".to_owned()),
    ] {
        let resp = http
            .get(sso.authorize_url())
            .query(&[
                ("response_type", "code"),
                ("client_id", client_id),
                ("redirect_uri", &redirect),
                ("state", "s"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400, "{client_id} {redirect}");
    }
    let resp = http
        .get(sso.authorize_url())
        .query(&[
            ("response_type", "token"),
            ("client_id", DEFAULT_WEB_CLIENT_ID),
            ("redirect_uri", &callback()),
            ("state", "s"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    let location = resp.headers()["location"].to_str().unwrap();
    assert_eq!(
        query_param(location, "error").as_deref(),
        Some("unsupported_response_type")
    );
}

#[tokio::test]
async fn pkce_flow_succeeds_and_wrong_verifier_fails() {
    let sso = start().await;
    let (verifier, challenge) = pkce_pair();
    let http = client();
    let html = http
        .get(sso.authorize_url())
        .query(&[
            ("response_type", "code"),
            ("client_id", DEFAULT_NATIVE_CLIENT_ID),
            ("redirect_uri", &callback()),
            ("scope", "esi-skills.read_skills.v1"),
            ("state", "p"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let request_id = input_value(&html, "request_id").unwrap();
    let resp = http
        .post(format!("{}{GRANT_PATH}", sso.base_url()))
        .form(&[
            ("request_id", request_id.as_str()),
            ("character_id", "90000001"),
        ])
        .send()
        .await
        .unwrap();
    let code = query_param(resp.headers()["location"].to_str().unwrap(), "code").unwrap();
    let resp = http
        .post(sso.token_url())
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", DEFAULT_NATIVE_CLIENT_ID),
            ("code_verifier", &verifier),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body = json(resp).await;
    let claims = sso.verify(body["access_token"].as_str().unwrap()).unwrap();
    assert_eq!(claims.client_id, DEFAULT_NATIVE_CLIENT_ID);

    let (other_verifier, _) = pkce_pair();
    let code = sso
        .authorize_code(
            DEFAULT_NATIVE_CLIENT_ID,
            &callback(),
            90_000_001,
            &[],
            Some(&challenge),
        )
        .unwrap();
    let resp = http
        .post(sso.token_url())
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", DEFAULT_NATIVE_CLIENT_ID),
            ("code_verifier", &other_verifier),
        ])
        .send()
        .await
        .unwrap();
    assert_oauth_error(resp, 400, "invalid_grant").await;
}

#[tokio::test]
async fn native_client_without_pkce_is_refused() {
    let sso = start().await;
    let code = sso
        .authorize_code(DEFAULT_NATIVE_CLIENT_ID, &callback(), 90_000_001, &[], None)
        .unwrap();
    let resp = client()
        .post(sso.token_url())
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("client_id", DEFAULT_NATIVE_CLIENT_ID),
        ])
        .send()
        .await
        .unwrap();
    assert_oauth_error(resp, 400, "invalid_grant").await;
}

#[tokio::test]
async fn code_is_single_use() {
    let sso = start().await;
    let code = sso
        .authorize_code(DEFAULT_WEB_CLIENT_ID, &callback(), 90_000_001, &[], None)
        .unwrap();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
    ];
    assert_eq!(token_basic(&sso, &form).await.status(), 200);
    assert_oauth_error(token_basic(&sso, &form).await, 400, "invalid_grant").await;
}

#[tokio::test]
async fn expired_code_is_refused() {
    let config = crate::sso::SsoConfig {
        code_lifetime: std::time::Duration::from_millis(1),
        ..Default::default()
    };
    let sso = start_with(config).await;
    let code = sso
        .authorize_code(DEFAULT_WEB_CLIENT_ID, &callback(), 90_000_001, &[], None)
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let resp = token_basic(
        &sso,
        &[("grant_type", "authorization_code"), ("code", &code)],
    )
    .await;
    assert_oauth_error(resp, 400, "invalid_grant").await;
}

#[tokio::test]
async fn bad_secret_and_unknown_client_are_invalid_client() {
    let sso = start().await;
    let code = sso
        .authorize_code(DEFAULT_WEB_CLIENT_ID, &callback(), 90_000_001, &[], None)
        .unwrap();
    let http = client();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
    ];
    let resp = http
        .post(sso.token_url())
        .basic_auth(DEFAULT_WEB_CLIENT_ID, Some("wrong"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert!(resp.headers().contains_key("www-authenticate"));
    assert_oauth_error(resp, 401, "invalid_client").await;
    let resp = http
        .post(sso.token_url())
        .basic_auth("nobody", Some(DEFAULT_WEB_CLIENT_SECRET))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_oauth_error(resp, 401, "invalid_client").await;
    let resp = http
        .post(sso.token_url())
        .header("authorization", "Basic !!!not-base64")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_oauth_error(resp, 401, "invalid_client").await;
    // Client authentication failed before the code was looked at: it still works.
    assert_eq!(token_basic(&sso, &form).await.status(), 200);
}

#[tokio::test]
async fn malformed_token_requests() {
    let sso = start().await;
    let resp = token_basic(&sso, &[("grant_type", "password")]).await;
    assert_oauth_error(resp, 400, "unsupported_grant_type").await;
    let resp = token_basic(&sso, &[("code", "x")]).await;
    assert_oauth_error(resp, 400, "invalid_request").await;
    let resp = token_basic(&sso, &[("grant_type", "authorization_code")]).await;
    assert_oauth_error(resp, 400, "invalid_request").await;
    let resp = token_basic(
        &sso,
        &[
            ("grant_type", "refresh_token"),
            ("grant_type", "refresh_token"),
        ],
    )
    .await;
    assert_oauth_error(resp, 400, "invalid_request").await;
    let resp = client()
        .post(sso.token_url())
        .body(vec![0xff, 0xfe, 0x00])
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_client_error());
}

#[tokio::test]
async fn shutdown_is_prompt_and_stops_serving() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<crate::sso::FakeSso>();
    assert_send_sync::<crate::sso::SsoKeys>();

    let sso = start().await;
    let http = client();
    assert_eq!(
        http.get(sso.metadata_url()).send().await.unwrap().status(),
        200
    );
    let url = sso.metadata_url();
    let started = std::time::Instant::now();
    sso.shutdown().await;
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    assert!(client().get(url).send().await.is_err());
}
