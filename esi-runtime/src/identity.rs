//! What the client reads from an access token without verifying it, once per call: the scopes
//! it carries and when it expires, to refuse a call before it is sent. Whose data a call reads
//! (cache keys, shared requests, rate-limit buckets) is never taken from these unchecked
//! claims: it is the character a token source or the client's verifier vouched for, or else a
//! hash of the whole token ([`token_hash`]).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// The unchecked claims of an access token the runtime uses, read once per call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TokenClaims {
    /// The `scp` claim (an array, or a string for one scope); `None` when the token is not a
    /// JWT.
    pub scopes: Option<Vec<String>>,
    /// The `exp` claim, in seconds since the epoch.
    pub expires: Option<i64>,
}

impl TokenClaims {
    /// Reads the token's payload (once).
    pub(crate) fn read(token: &str) -> Self {
        let claims = payload(token);
        let expires = claims
            .as_ref()
            .and_then(|c| c.get("exp"))
            .and_then(serde_json::Value::as_i64);
        let scopes = claims.map(|claims| match claims.get("scp") {
            Some(serde_json::Value::Array(list)) => list
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            Some(serde_json::Value::String(one)) => vec![one.clone()],
            _ => Vec::new(),
        });
        TokenClaims { scopes, expires }
    }
}

/// The identity of a token nobody vouched for: a hash of the whole token (never the token).
pub(crate) fn token_hash(token: &str) -> String {
    format!("token:{}", short_hex(&Sha256::digest(token.as_bytes())))
}

/// The first 16 bytes of a digest in lowercase hex: enough to tell versions and tokens apart.
pub(crate) fn short_hex(digest: &[u8]) -> String {
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// The identity of a character's vouched-for tokens.
pub(crate) fn character(character_id: i64) -> String {
    format!("character:{character_id}")
}

fn payload(token: &str) -> Option<serde_json::Value> {
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: &str) -> String {
        format!(
            "eyJhbGciOiJSUzI1NiJ9.{}.sig",
            URL_SAFE_NO_PAD.encode(claims)
        )
    }

    #[test]
    fn reads_scopes_and_expiry_but_never_an_identity() {
        let t = TokenClaims::read(&jwt(
            r#"{"sub":"CHARACTER:EVE:90000001","scp":["a","b"],"exp":1700000000}"#,
        ));
        assert_eq!(t.scopes, Some(vec!["a".to_string(), "b".to_string()]));
        assert_eq!(t.expires, Some(1_700_000_000));
        let one = TokenClaims::read(&jwt(r#"{"sub":"CHARACTER:EVE:1","scp":"only"}"#));
        assert_eq!(one.scopes, Some(vec!["only".to_string()]));
        let opaque = TokenClaims::read("opaque-token");
        assert_eq!(opaque.scopes, None);
        // Two tokens claiming the same character are two identities until someone vouches.
        let forged = jwt(r#"{"sub":"CHARACTER:EVE:90000001"}"#);
        let other = jwt(r#"{"sub":"CHARACTER:EVE:90000001","x":1}"#);
        assert_ne!(token_hash(&forged), token_hash(&other));
        assert!(token_hash("opaque-token").starts_with("token:"));
        assert!(!token_hash("opaque-token").contains("opaque"));
    }
}
