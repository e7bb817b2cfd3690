//! What the client reads from an access token without verifying it (verification is the SSO
//! crate's job): whose it is, for cache keys and rate-limit buckets, and which scopes it
//! carries, to refuse a call before it is sent.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

fn claims(token: &str) -> Option<serde_json::Value> {
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The character id of an EVE JWT (`sub` = `CHARACTER:EVE:<id>`).
pub(crate) fn character_id(token: &str) -> Option<i64> {
    claims(token)?
        .get("sub")?
        .as_str()?
        .rsplit(':')
        .next()?
        .parse()
        .ok()
}

/// A stable identity for cache keys and buckets: `character:<id>` for EVE JWTs, otherwise a
/// hash of the token (never the token itself).
pub(crate) fn token_identity(token: &str) -> String {
    match character_id(token) {
        Some(id) => format!("character:{id}"),
        None => {
            let digest = Sha256::digest(token.as_bytes());
            let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
            format!("token:{hex}")
        }
    }
}

/// The `scp` claim (an array, or a string for one scope); `None` when the token is not a JWT.
pub(crate) fn token_scopes(token: &str) -> Option<Vec<String>> {
    let claims = claims(token)?;
    match claims.get("scp") {
        Some(serde_json::Value::Array(list)) => Some(
            list.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
        ),
        Some(serde_json::Value::String(one)) => Some(vec![one.clone()]),
        _ => Some(Vec::new()),
    }
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
        let t = jwt(r#"{"sub":"CHARACTER:EVE:90000001","scp":["a","b"]}"#);
        assert_eq!(character_id(&t), Some(90000001));
        assert_eq!(token_identity(&t), "character:90000001");
        assert_eq!(
            token_scopes(&t),
            Some(vec!["a".to_string(), "b".to_string()])
        );
        let one = jwt(r#"{"sub":"CHARACTER:EVE:1","scp":"only"}"#);
        assert_eq!(token_scopes(&one), Some(vec!["only".to_string()]));
        assert_eq!(token_scopes("opaque"), None);
        let hashed = token_identity("opaque-token");
        assert!(hashed.starts_with("token:") && !hashed.contains("opaque"));
    }
}
