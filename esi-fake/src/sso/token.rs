//! `POST /v2/oauth/token` (authorization code with Basic auth or PKCE, refresh with optional
//! rotation and scope narrowing) and `POST /v2/oauth/revoke` (RFC 7009).
//!
//! Client authentication: HTTP Basic `client_id:secret`, or `client_id` (+ `client_secret`) in the
//! form. Applications without a secret send only `client_id` and must use PKCE.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use sha2::Digest as _;

use super::authorize::{single_params, split_scopes};
use super::config::ClientConfig;
use super::error::{OAuthError, OAuthErrorCode};
use super::jwt::MintOptions;
use super::keys::b64url;
use super::state::{MintError, RefreshGrant, Shared};

type Form = HashMap<String, String>;

/// `POST /v2/oauth/token`.
pub(crate) async fn token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match exchange(&shared, &headers, &body) {
        Ok(answer) => {
            let mut resp = Json(answer).into_response();
            let h = resp.headers_mut();
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
            resp
        }
        Err(e) => e.into_response(),
    }
}

/// `POST /v2/oauth/revoke`: revokes a refresh token; 200 even for unknown tokens.
pub(crate) async fn revoke(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = match parse_form(&body) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let client = match authenticate(&shared, &headers, &form) {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let Some(token) = form.get("token") else {
        return OAuthError::request("token is required").into_response();
    };
    let mut grants = shared.grants();
    if grants
        .refresh(token)
        .is_some_and(|g| g.client_id == client.client_id)
    {
        grants.revoke_refresh(token);
    }
    StatusCode::OK.into_response()
}

fn parse_form(body: &[u8]) -> Result<Form, OAuthError> {
    single_params(body).ok_or_else(|| OAuthError::request("a parameter is repeated"))
}

/// Runs one token request to its JSON answer.
fn exchange(
    shared: &Shared,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<serde_json::Value, OAuthError> {
    let form = parse_form(body)?;
    let grant_type = form
        .get("grant_type")
        .ok_or_else(|| OAuthError::request("grant_type is required"))?;
    if grant_type != "authorization_code" && grant_type != "refresh_token" {
        return Err(OAuthError::new(
            OAuthErrorCode::UnsupportedGrantType,
            format!("grant_type {grant_type:?} is not supported"),
        ));
    }
    let client = authenticate(shared, headers, &form)?;
    let (grant, scopes, refresh_token) = if grant_type == "authorization_code" {
        redeem_code(shared, client, &form)?
    } else {
        redeem_refresh(shared, client, &form)?
    };
    let opts = MintOptions::new(grant.character_id, scopes, &client.client_id);
    let access_token = shared.mint(&opts).map_err(|e| match e {
        MintError::UnknownCharacter(_) => OAuthError::grant("character no longer exists"),
        other => OAuthError::new(OAuthErrorCode::ServerError, other.to_string()),
    })?;
    Ok(serde_json::json!({
        "access_token": access_token,
        "expires_in": shared.config.access_token_lifetime.as_secs(),
        "token_type": "Bearer",
        "refresh_token": refresh_token,
    }))
}

/// `grant_type=authorization_code`: returns the grant, the scopes and a new refresh token.
fn redeem_code(
    shared: &Shared,
    client: &ClientConfig,
    form: &Form,
) -> Result<(RefreshGrant, Vec<String>, String), OAuthError> {
    let code = form
        .get("code")
        .ok_or_else(|| OAuthError::request("code is required"))?;
    let mut grants = shared.grants();
    let grant = grants
        .take_code(code)
        .ok_or_else(|| OAuthError::grant("unknown, used or expired authorization code"))?;
    if grant.client_id != client.client_id {
        return Err(OAuthError::grant("code was issued to another client"));
    }
    if form
        .get("redirect_uri")
        .is_some_and(|r| *r != grant.redirect_uri)
    {
        return Err(OAuthError::grant(
            "redirect_uri does not match the authorization request",
        ));
    }
    match (&grant.code_challenge, form.get("code_verifier")) {
        (Some(challenge), Some(verifier)) => check_pkce(challenge, verifier)?,
        (Some(_), None) => return Err(OAuthError::grant("code_verifier is required")),
        (None, _) if client.client_secret.is_none() => {
            return Err(OAuthError::grant(
                "PKCE is required for clients without a secret",
            ));
        }
        (None, _) => {}
    }
    let refresh = RefreshGrant {
        client_id: grant.client_id,
        character_id: grant.character_id,
        scopes: grant.scopes.clone(),
    };
    let token = grants.add_refresh(refresh.clone());
    Ok((refresh, grant.scopes, token))
}

/// `grant_type=refresh_token`: returns the grant, the (possibly narrowed) scopes and the refresh
/// token to answer (a new one when rotating).
fn redeem_refresh(
    shared: &Shared,
    client: &ClientConfig,
    form: &Form,
) -> Result<(RefreshGrant, Vec<String>, String), OAuthError> {
    let token = form
        .get("refresh_token")
        .ok_or_else(|| OAuthError::request("refresh_token is required"))?;
    let mut grants = shared.grants();
    let grant = grants
        .refresh(token)
        .cloned()
        .ok_or_else(|| OAuthError::grant("unknown, revoked or rotated refresh token"))?;
    if grant.client_id != client.client_id {
        return Err(OAuthError::grant(
            "refresh token was issued to another client",
        ));
    }
    let scopes = match form.get("scope") {
        None => grant.scopes.clone(),
        Some(raw) => {
            let wanted = split_scopes(raw);
            if let Some(extra) = wanted.iter().find(|s| !grant.scopes.contains(s)) {
                return Err(OAuthError::new(
                    OAuthErrorCode::InvalidScope,
                    format!("scope {extra:?} was not granted"),
                ));
            }
            wanted
        }
    };
    let answered = if shared.config.rotate_refresh_tokens {
        grants.revoke_refresh(token);
        grants.add_refresh(grant.clone())
    } else {
        token.clone()
    };
    Ok((grant, scopes, answered))
}

/// PKCE S256: base64url(sha256(verifier)) without padding must equal the challenge.
fn check_pkce(challenge: &str, verifier: &str) -> Result<(), OAuthError> {
    let valid_chars = verifier
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    if !(43..=128).contains(&verifier.len()) || !valid_chars {
        return Err(OAuthError::grant("code_verifier is malformed"));
    }
    if b64url(&sha2::Sha256::digest(verifier.as_bytes())) != challenge {
        return Err(OAuthError::grant(
            "code_verifier does not match code_challenge",
        ));
    }
    Ok(())
}

/// Identifies and authenticates the client (Basic, or form `client_id` [+ `client_secret`]).
fn authenticate<'a>(
    shared: &'a Shared,
    headers: &HeaderMap,
    form: &Form,
) -> Result<&'a ClientConfig, OAuthError> {
    let basic = basic_credentials(headers)?;
    let form_id = form.get("client_id").map(String::as_str);
    let form_secret = form.get("client_secret").map(String::as_str);
    let (client_id, secret) = match (basic, form_id, form_secret) {
        (Some((id, _)), Some(fid), _) if id != fid => {
            return Err(OAuthError::request(
                "client_id differs from Basic credentials",
            ));
        }
        (Some(_), _, Some(_)) => {
            return Err(OAuthError::request("use one client authentication method"));
        }
        (Some((id, secret)), _, _) => (id, Some(secret)),
        (None, Some(id), secret) => (id.to_owned(), secret.map(str::to_owned)),
        (None, None, _) => return Err(OAuthError::client("client authentication is required")),
    };
    let client = shared
        .config
        .client(&client_id)
        .ok_or_else(|| OAuthError::client("unknown client"))?;
    match (&client.client_secret, secret) {
        (Some(expected), Some(given)) if *expected == given => Ok(client),
        (Some(_), Some(_)) => Err(OAuthError::client("bad client secret")),
        (Some(_), None) => Err(OAuthError::client("client secret is required")),
        (None, Some(_)) => Err(OAuthError::client("this client has no secret; use PKCE")),
        (None, None) => Ok(client),
    }
}

/// `Authorization: Basic base64(id:secret)`, if present.
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let bad = || OAuthError::client("malformed Basic credentials");
    let value = value.to_str().map_err(|_| bad())?;
    let (scheme, encoded) = value.split_once(' ').ok_or_else(bad)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(bad());
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| bad())?;
    let text = String::from_utf8(decoded).map_err(|_| bad())?;
    let (id, secret) = text.split_once(':').ok_or_else(bad)?;
    Ok(Some((id.to_owned(), secret.to_owned())))
}
