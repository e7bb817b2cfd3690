//! Helpers shared by the fake SSO tests: a loopback-only HTTP client, PKCE pairs, form parsing.

use std::time::Duration;

use base64::Engine as _;
use sha2::Digest as _;

use crate::sso::{
    DEFAULT_CALLBACK_URL, DEFAULT_WEB_CLIENT_ID, DEFAULT_WEB_CLIENT_SECRET, FakeSso, SsoConfig,
};

/// Starts a fake SSO with the default configuration.
pub(super) async fn start() -> FakeSso {
    start_with(SsoConfig::default()).await
}

/// Starts a fake SSO with `config`.
pub(super) async fn start_with(config: SsoConfig) -> FakeSso {
    FakeSso::start(config).await.expect("fake SSO starts")
}

/// An HTTP client that never follows redirects, never uses a proxy and gives up after 5 s.
pub(super) fn client() -> reqwest::Client {
    client_with_timeout(Duration::from_secs(5))
}

/// Like [`client`] with another timeout.
pub(super) fn client_with_timeout(timeout: Duration) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(timeout)
        .build()
        .expect("client builds")
}

/// A PKCE verifier (base64url of 32 random bytes) and its S256 challenge.
pub(super) fn pkce_pair() -> (String, String) {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let verifier = b64.encode(rand::random::<[u8; 32]>());
    let challenge = b64.encode(sha2::Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// Callback URL used by the tests (a registered loopback callback on some port).
pub(super) fn callback() -> String {
    DEFAULT_CALLBACK_URL.replace("127.0.0.1", "127.0.0.1:8123")
}

/// Value of the `<input ... name="NAME" value="...">` in `html`.
pub(super) fn input_value(html: &str, name: &str) -> Option<String> {
    let start = html.find(&format!("name=\"{name}\" value=\""))?;
    let rest = &html[start + name.len() + 15..];
    Some(rest[..rest.find('"')?].to_owned())
}

/// Query parameter `name` of URL `url`.
pub(super) fn query_param(url: &str, name: &str) -> Option<String> {
    let url = url::Url::parse(url).ok()?;
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// POSTs `form` to the token endpoint with the default web client's Basic credentials.
pub(super) async fn token_basic(sso: &FakeSso, form: &[(&str, &str)]) -> reqwest::Response {
    client()
        .post(sso.token_url())
        .basic_auth(DEFAULT_WEB_CLIENT_ID, Some(DEFAULT_WEB_CLIENT_SECRET))
        .form(form)
        .send()
        .await
        .expect("token request answers")
}

/// A JSON body.
pub(super) async fn json(resp: reqwest::Response) -> serde_json::Value {
    resp.json().await.expect("JSON body")
}

/// Asserts an OAuth error answer with `status` and `error`.
pub(super) async fn assert_oauth_error(resp: reqwest::Response, status: u16, error: &str) {
    assert_eq!(resp.status().as_u16(), status);
    let body = json(resp).await;
    assert_eq!(body["error"], error, "body: {body}");
    assert!(body["error_description"].is_string());
}

/// Runs a web-client code flow without the HTML page; answers the token JSON.
pub(super) async fn login_web(
    sso: &FakeSso,
    character_id: i64,
    scopes: &[&str],
) -> serde_json::Value {
    let code = sso
        .authorize_code(
            DEFAULT_WEB_CLIENT_ID,
            &callback(),
            character_id,
            scopes,
            None,
        )
        .expect("code");
    let resp = token_basic(
        sso,
        &[("grant_type", "authorization_code"), ("code", &code)],
    )
    .await;
    assert_eq!(resp.status(), 200);
    json(resp).await
}
