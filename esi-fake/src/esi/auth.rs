//! Bearer tokens on authenticated routes: who checks them, and what a route demands.
//!
//! The fake ESI does not know how tokens are made. A [`TokenVerifier`] turns a token into a
//! [`VerifiedToken`] (the fake SSO's keys are one, [`StaticTokens`] is a fixed table for tests),
//! and `authorize` applies ESI's rules: 401 without a valid token, 403 without the route's
//! scopes or when the token's character is not the one in the path.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use esi_codegen::model::Operation;

/// What a valid token says about its bearer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    /// The character the token is for.
    pub character_id: i64,
    /// Scopes granted.
    pub scopes: Vec<String>,
    /// The application (SSO client id) the token was issued to.
    pub client_id: String,
}

/// Checks a bearer token (signature, expiry) and says whose it is.
pub trait TokenVerifier: Send + Sync + 'static {
    /// The token's claims, or why it is not acceptable.
    fn verify(&self, token: &str) -> Result<VerifiedToken, String>;
}

/// Rejects every token (the default when no SSO is attached).
#[derive(Debug, Clone, Copy, Default)]
pub struct RejectAll;

impl TokenVerifier for RejectAll {
    fn verify(&self, _token: &str) -> Result<VerifiedToken, String> {
        Err("no token verifier is configured".into())
    }
}

/// A fixed table of tokens, for tests that need no real SSO.
#[derive(Debug, Default)]
pub struct StaticTokens {
    tokens: Mutex<HashMap<String, Result<VerifiedToken, String>>>,
}

impl StaticTokens {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Accepts `token` as `claims`.
    pub fn allow(&self, token: impl Into<String>, claims: VerifiedToken) -> &Self {
        self.tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(token.into(), Ok(claims));
        self
    }

    /// Rejects `token` with `reason` (e.g. "token expired").
    pub fn reject(&self, token: impl Into<String>, reason: impl Into<String>) -> &Self {
        self.tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(token.into(), Err(reason.into()));
        self
    }
}

impl TokenVerifier for StaticTokens {
    fn verify(&self, token: &str) -> Result<VerifiedToken, String> {
        self.tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(token)
            .cloned()
            .unwrap_or_else(|| Err("invalid token".into()))
    }
}

/// Why a request may not use a route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Denied {
    /// 401: no token, or a token that does not verify.
    Unauthorized(String),
    /// 403: a valid token without the scope, or for another character.
    Forbidden(String),
}

/// The bearer token of a request: `Authorization: Bearer ...`, else Swagger's `token` query
/// parameter.
pub(crate) fn bearer<'r>(
    authorization: Option<&'r str>,
    query_token: Option<&'r str>,
) -> Option<&'r str> {
    match authorization {
        Some(value) => {
            let (scheme, token) = value.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        }
        None => query_token,
    }
}

/// Applies ESI's token rules for `op`, given what the verifier said about the request's token
/// (`None`: no token sent). Public routes accept any request.
pub(crate) fn authorize(
    op: &Operation,
    path_params: &[(String, String)],
    verified: Option<&Result<VerifiedToken, String>>,
) -> Result<(), Denied> {
    if !op.is_authenticated() {
        return Ok(());
    }
    let claims = match verified {
        None => return Err(Denied::Unauthorized("authentication required".into())),
        Some(Err(reason)) => {
            return Err(Denied::Unauthorized(format!(
                "token is not valid: {reason}"
            )));
        }
        Some(Ok(claims)) => claims,
    };
    if let Some(missing) = op.scopes.iter().find(|s| !claims.scopes.contains(s)) {
        return Err(Denied::Forbidden(format!(
            "token is missing the scope `{missing}`"
        )));
    }
    let path_character = path_params
        .iter()
        .find(|(name, _)| name == "character_id")
        .map(|(_, value)| value.as_str());
    if let Some(character) = path_character
        && character.parse::<i64>().ok() != Some(claims.character_id)
    {
        return Err(Denied::Forbidden(
            "token is not valid for this character".into(),
        ));
    }
    Ok(())
}

/// The rate-limit user of a request: `<application>:<character>` with a valid token on an
/// authenticated route, `<ip>:<application>` with a valid token on a public route, else `<ip>`.
pub(crate) fn bucket_user(
    op: &Operation,
    ip: std::net::IpAddr,
    verified: Option<&Result<VerifiedToken, String>>,
) -> String {
    match verified {
        Some(Ok(claims)) if op.is_authenticated() => {
            format!("{}:{}", claims.client_id, claims.character_id)
        }
        Some(Ok(claims)) => format!("{ip}:{}", claims.client_id),
        _ => ip.to_string(),
    }
}

/// The fake SSO's keys verify its tokens (signature, issuer, audience, expiry) in-process.
impl TokenVerifier for crate::sso::SsoKeys {
    fn verify(&self, token: &str) -> Result<VerifiedToken, String> {
        crate::sso::SsoKeys::verify(self, token)
            .map(|claims| VerifiedToken {
                character_id: claims.character_id,
                scopes: claims.scopes,
                client_id: claims.client_id,
            })
            .map_err(|e| e.to_string())
    }
}
