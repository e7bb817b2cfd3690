//! Access-token verification: the signature against the JWKS key named by `kid`, `exp` with a
//! small leeway, `iss` (`login.eveonline.com` with or without `https://`), `aud` (the client id
//! and `"EVE Online"`), and the typed [`Claims`].

use chrono::{DateTime, Utc};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Validation};
use serde::Deserialize;

use crate::error::JwtError;
use crate::scopes::Scopes;

/// Issuers EVE SSO signs with; both spellings occur.
pub const ACCEPTED_ISSUERS: [&str; 2] = ["login.eveonline.com", "https://login.eveonline.com"];
/// The audience every EVE access token carries besides the client id.
pub const EVE_AUDIENCE: &str = "EVE Online";

/// Makes sure jsonwebtoken has a process-wide crypto provider before the first check: ours
/// (RustCrypto) when none is installed yet. jsonwebtoken picks one from its cargo features
/// otherwise, and panics on every check when another crate of the application turns its
/// `aws_lc_rs` feature on beside our `rust_crypto`. A provider the application installed first
/// is kept.
pub(crate) fn install_crypto_provider() {
    let _ = jsonwebtoken::crypto::CryptoProvider::install_default(
        &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER,
    );
}

/// The claims of a verified access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    /// The id from `sub` (`CHARACTER:EVE:<id>`).
    pub character_id: i64,
    /// The kind of subject from `sub`, lower case (`character`).
    pub subject_type: String,
    /// `name`: the character's name.
    pub character_name: String,
    /// `owner`: the owner hash; it changes when the character changes hands.
    pub owner_hash: String,
    /// `scp`: granted scopes (EVE sends an array, or a string for a single scope).
    pub scopes: Scopes,
    /// `exp`.
    pub expires_at: DateTime<Utc>,
    /// `iat`, when present.
    pub issued_at: Option<DateTime<Utc>>,
    /// `azp`: the client id the token was issued to, when present.
    pub authorized_party: Option<String>,
    /// `jti`, when present.
    pub jti: Option<String>,
    /// `iss` as found.
    pub issuer: String,
}

/// A string or a list of strings.
#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            Self::One(s) => vec![s],
            Self::Many(v) => v,
        }
    }
}

/// The claims as they come, before checks.
#[derive(Deserialize)]
struct RawClaims {
    sub: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    scp: Option<OneOrMany>,
    exp: i64,
    #[serde(default)]
    iat: Option<i64>,
    #[serde(default)]
    iss: Option<String>,
    #[serde(default)]
    aud: Option<OneOrMany>,
    #[serde(default)]
    azp: Option<String>,
    #[serde(default)]
    jti: Option<String>,
}

/// The header fields verification needs.
pub(crate) struct TokenHeader {
    pub(crate) kid: Option<String>,
    pub(crate) alg: Algorithm,
}

/// Reads the header and checks the algorithm is one we verify.
pub(crate) fn header(token: &str) -> Result<TokenHeader, JwtError> {
    let h = jsonwebtoken::decode_header(token).map_err(|e| JwtError::Malformed(e.to_string()))?;
    match h.alg {
        Algorithm::RS256 | Algorithm::ES256 => Ok(TokenHeader {
            kid: h.kid,
            alg: h.alg,
        }),
        other => Err(JwtError::UnsupportedAlgorithm(format!("{other:?}"))),
    }
}

/// Verifies `token` with `key` and checks the claims for `client_id`.
pub(crate) fn verify(
    token: &str,
    key: &crate::jwks::Key,
    client_id: &str,
    leeway: std::time::Duration,
) -> Result<Claims, JwtError> {
    let mut validation = Validation::new(key.alg);
    validation.leeway = leeway.as_secs();
    validation.validate_exp = true;
    validation.validate_aud = false; // checked below: both values must be present
    validation.set_required_spec_claims(&["exp", "sub"]);
    let data =
        jsonwebtoken::decode::<RawClaims>(token, &key.key, &validation).map_err(|e| {
            match e.kind() {
                ErrorKind::InvalidSignature => JwtError::BadSignature,
                ErrorKind::ExpiredSignature => JwtError::Expired,
                ErrorKind::InvalidAlgorithm => {
                    JwtError::UnsupportedAlgorithm(format!("{:?}", key.alg))
                }
                _ => JwtError::Malformed(e.to_string()),
            }
        })?;
    check_claims(data.claims, client_id)
}

fn check_claims(c: RawClaims, client_id: &str) -> Result<Claims, JwtError> {
    let issuer = c.iss.unwrap_or_default();
    if !ACCEPTED_ISSUERS.contains(&issuer.as_str()) {
        return Err(JwtError::WrongIssuer(issuer));
    }
    let aud = c.aud.map(OneOrMany::into_vec).unwrap_or_default();
    if !aud.iter().any(|a| a == client_id) || !aud.iter().any(|a| a == EVE_AUDIENCE) {
        return Err(JwtError::WrongAudience(aud));
    }
    let (subject_type, character_id) = parse_subject(&c.sub)?;
    let timestamp = |secs: i64| DateTime::<Utc>::from_timestamp(secs, 0);
    let expires_at = timestamp(c.exp)
        .ok_or_else(|| JwtError::Malformed(format!("exp {} is out of range", c.exp)))?;
    Ok(Claims {
        character_id,
        subject_type,
        character_name: c.name,
        owner_hash: c.owner,
        scopes: c
            .scp
            .map(OneOrMany::into_vec)
            .unwrap_or_default()
            .into_iter()
            .collect(),
        expires_at,
        issued_at: c.iat.and_then(timestamp),
        authorized_party: c.azp,
        jti: c.jti,
        issuer,
    })
}

/// `CHARACTER:EVE:<id>` → (`character`, id).
fn parse_subject(sub: &str) -> Result<(String, i64), JwtError> {
    let bad = || JwtError::BadSubject(sub.to_owned());
    let mut parts = sub.split(':');
    let (Some(kind), Some("EVE"), Some(id), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let id = id.parse::<i64>().map_err(|_| bad())?;
    if kind.is_empty() {
        return Err(bad());
    }
    Ok((kind.to_ascii_lowercase(), id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(iss: &str, aud: &[&str], scp: Option<OneOrMany>) -> RawClaims {
        RawClaims {
            sub: "CHARACTER:EVE:90000001".into(),
            name: "Pilot".into(),
            owner: "hash".into(),
            scp,
            exp: 2_000_000_000,
            iat: Some(1_999_998_800),
            iss: Some(iss.into()),
            aud: Some(OneOrMany::Many(aud.iter().map(|s| s.to_string()).collect())),
            azp: Some("cid".into()),
            jti: None,
        }
    }

    #[test]
    fn both_issuers_pass_and_others_fail() {
        for iss in ACCEPTED_ISSUERS {
            let c = check_claims(raw(iss, &["cid", EVE_AUDIENCE], None), "cid").expect("valid");
            assert_eq!(c.character_id, 90_000_001);
            assert_eq!(c.subject_type, "character");
        }
        let e = check_claims(
            raw("logineveonline.com", &["cid", EVE_AUDIENCE], None),
            "cid",
        );
        assert_eq!(e, Err(JwtError::WrongIssuer("logineveonline.com".into())));
    }

    #[test]
    fn audience_needs_both_values() {
        assert!(matches!(
            check_claims(raw(ACCEPTED_ISSUERS[0], &["cid"], None), "cid"),
            Err(JwtError::WrongAudience(_))
        ));
        assert!(matches!(
            check_claims(
                raw(ACCEPTED_ISSUERS[0], &["other", EVE_AUDIENCE], None),
                "cid"
            ),
            Err(JwtError::WrongAudience(_))
        ));
    }

    #[test]
    fn scp_as_string_or_list() {
        let one = check_claims(
            raw(
                ACCEPTED_ISSUERS[0],
                &["cid", EVE_AUDIENCE],
                Some(OneOrMany::One("a.b".into())),
            ),
            "cid",
        )
        .expect("valid");
        assert_eq!(one.scopes, Scopes::from("a.b"));
        let many = check_claims(
            raw(
                ACCEPTED_ISSUERS[0],
                &["cid", EVE_AUDIENCE],
                Some(OneOrMany::Many(vec!["a.b".into(), "c.d".into()])),
            ),
            "cid",
        )
        .expect("valid");
        assert_eq!(many.scopes, Scopes::from("c.d a.b"));
    }

    #[test]
    fn subjects() {
        assert_eq!(
            parse_subject("CHARACTER:EVE:42"),
            Ok(("character".to_owned(), 42))
        );
        assert!(parse_subject("CHARACTER:EVE:x").is_err());
        assert!(parse_subject("CHARACTER:EVE:1:2").is_err());
        assert!(parse_subject("42").is_err());
    }
}
