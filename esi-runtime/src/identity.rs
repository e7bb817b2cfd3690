//! What the client reads from an access token without verifying it (verification is the SSO
//! crate's job), once per call: whose it is, for cache keys and rate-limit buckets, and which
//! scopes it carries, to refuse a call before it is sent.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// The claims of an access token the runtime uses, read once per call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TokenClaims {
    /// Whose data the call reads: `character:<id>` for EVE JWTs, otherwise a hash of the token
    /// (never the token itself).
    pub identity: String,
    /// The `scp` claim (an array, or a string for one scope); `None` when the token is not a
    /// JWT.
    pub scopes: Option<Vec<String>>,
}

impl TokenClaims {
    /// Reads the token's payload (once).
    pub(crate) fn read(token: &str) -> Self {
        let claims = payload(token);
        let character = claims
            .as_ref()
            .and_then(|c| c.get("sub"))
            .and_then(serde_json::Value::as_str)
            .and_then(|sub| sub.rsplit(':').next())
            .and_then(|id| id.parse::<i64>().ok());
        let identity = match character {
            Some(id) => format!("character:{id}"),
            None => {
                let digest = Sha256::digest(token.as_bytes());
                let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
                format!("token:{hex}")
            }
        };
        let scopes = claims.map(|claims| match claims.get("scp") {
            Some(serde_json::Value::Array(list)) => list
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            Some(serde_json::Value::String(one)) => vec![one.clone()],
            _ => Vec::new(),
        });
        TokenClaims { identity, scopes }
    }
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
    fn reads_character_and_scopes() {
        let t = TokenClaims::read(&jwt(r#"{"sub":"CHARACTER:EVE:90000001","scp":["a","b"]}"#));
        assert_eq!(t.identity, "character:90000001");
        assert_eq!(t.scopes, Some(vec!["a".to_string(), "b".to_string()]));
        let one = TokenClaims::read(&jwt(r#"{"sub":"CHARACTER:EVE:1","scp":"only"}"#));
        assert_eq!(one.scopes, Some(vec!["only".to_string()]));
        let opaque = TokenClaims::read("opaque-token");
        assert_eq!(opaque.scopes, None);
        assert!(opaque.identity.starts_with("token:") && !opaque.identity.contains("opaque"));
    }
}
