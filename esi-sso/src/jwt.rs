//! Access-token verification: the signature against the JWKS key named by `kid`; `exp`, `nbf`
//! (when present) and `iat` (not in the future) with one small leeway; `iss`
//! (`login.eveonline.com` with or without `https://`); `aud` (the client id and `"EVE Online"`);
//! `sub` exactly `CHARACTER:EVE:<positive id>`; a non-empty `owner`; and the typed [`Claims`].
//!
//! A token that passes is trusted by the store and the web layer as naming the character: so
//! every claim they rely on (`sub`, `owner`) is checked here, strictly, and a missing one is an
//! error rather than a default.

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
    /// The kind of subject from `sub`, lower case: always `character` (other subjects are
    /// refused).
    pub subject_type: String,
    /// `name`: the character's name.
    pub character_name: String,
    /// `owner`: the owner hash; it changes when the character changes hands. Never empty: a
    /// token without one is refused.
    pub owner_hash: String,
    /// `scp`: granted scopes (EVE sends an array, or a string for a single scope).
    pub scopes: Scopes,
    /// `exp`.
    pub expires_at: DateTime<Utc>,
    /// `iat`, when present (never later than now plus the leeway).
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
    owner: Option<String>,
    #[serde(default)]
    scp: Option<OneOrMany>,
    exp: i64,
    #[serde(default)]
    iat: Option<i64>,
    #[serde(default)]
    nbf: Option<i64>,
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
    // `nbf` and `iat` are checked below with the same leeway, as typed errors.
    validation.validate_nbf = false;
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
    let now = Utc::now().timestamp();
    check_claims(data.claims, client_id, now, leeway)
}

/// The checks on the claims themselves (the signature and `exp` were checked by the caller),
/// at time `now` (Unix seconds) with `leeway` for clock skew.
fn check_claims(
    c: RawClaims,
    client_id: &str,
    now: i64,
    leeway: std::time::Duration,
) -> Result<Claims, JwtError> {
    let issuer = c.iss.unwrap_or_default();
    if !ACCEPTED_ISSUERS.contains(&issuer.as_str()) {
        return Err(JwtError::WrongIssuer(issuer));
    }
    let aud = c.aud.map(OneOrMany::into_vec).unwrap_or_default();
    if !aud.iter().any(|a| a == client_id) || !aud.iter().any(|a| a == EVE_AUDIENCE) {
        return Err(JwtError::WrongAudience(aud));
    }
    let character_id = parse_subject(&c.sub)?;
    // Without an owner hash the store could not notice a character changing hands.
    let owner_hash = c
        .owner
        .filter(|o| !o.is_empty())
        .ok_or(JwtError::MissingClaim("owner"))?;
    let leeway = i64::try_from(leeway.as_secs()).unwrap_or(i64::MAX);
    let latest = now.saturating_add(leeway);
    if c.nbf.is_some_and(|nbf| nbf > latest) {
        return Err(JwtError::NotYetValid);
    }
    if c.iat.is_some_and(|iat| iat > latest) {
        return Err(JwtError::IssuedInFuture);
    }
    let timestamp = |secs: i64| DateTime::<Utc>::from_timestamp(secs, 0);
    let expires_at = timestamp(c.exp)
        .ok_or_else(|| JwtError::Malformed(format!("exp {} is out of range", c.exp)))?;
    Ok(Claims {
        character_id,
        subject_type: "character".to_owned(),
        character_name: c.name,
        owner_hash,
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

/// The prefix of every subject this client accepts.
const SUBJECT_PREFIX: &str = "CHARACTER:EVE:";

/// `CHARACTER:EVE:<id>` → id, where id is a positive decimal number written plainly: ASCII
/// digits only, no sign, no leading zero, no other colon. One spelling per character, so two
/// different subjects never name the same one.
fn parse_subject(sub: &str) -> Result<i64, JwtError> {
    let bad = || JwtError::BadSubject(sub.to_owned());
    let digits = sub.strip_prefix(SUBJECT_PREFIX).ok_or_else(bad)?;
    if digits.is_empty() || digits.starts_with('0') || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    match digits.parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod props;

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const NOW: i64 = 1_999_999_000;
    const LEEWAY: Duration = Duration::from_secs(30);

    fn raw(iss: &str, aud: &[&str], scp: Option<OneOrMany>) -> RawClaims {
        RawClaims {
            sub: "CHARACTER:EVE:90000001".into(),
            name: "Pilot".into(),
            owner: Some("hash".into()),
            scp,
            exp: 2_000_000_000,
            iat: Some(1_999_998_800),
            nbf: None,
            iss: Some(iss.into()),
            aud: Some(OneOrMany::Many(aud.iter().map(|s| s.to_string()).collect())),
            azp: Some("cid".into()),
            jti: None,
        }
    }

    fn good() -> RawClaims {
        raw(ACCEPTED_ISSUERS[0], &["cid", EVE_AUDIENCE], None)
    }

    fn check(c: RawClaims) -> Result<Claims, JwtError> {
        check_claims(c, "cid", NOW, LEEWAY)
    }

    #[test]
    fn both_issuers_pass_and_others_fail() {
        for iss in ACCEPTED_ISSUERS {
            let c = check(raw(iss, &["cid", EVE_AUDIENCE], None)).expect("valid");
            assert_eq!(c.character_id, 90_000_001);
            assert_eq!(c.subject_type, "character");
        }
        let e = check(raw("logineveonline.com", &["cid", EVE_AUDIENCE], None));
        assert_eq!(e, Err(JwtError::WrongIssuer("logineveonline.com".into())));
    }

    #[test]
    fn audience_needs_both_values() {
        assert!(matches!(
            check(raw(ACCEPTED_ISSUERS[0], &["cid"], None)),
            Err(JwtError::WrongAudience(_))
        ));
        assert!(matches!(
            check(raw(ACCEPTED_ISSUERS[0], &["other", EVE_AUDIENCE], None)),
            Err(JwtError::WrongAudience(_))
        ));
    }

    #[test]
    fn scp_as_string_or_list() {
        let one = check(raw(
            ACCEPTED_ISSUERS[0],
            &["cid", EVE_AUDIENCE],
            Some(OneOrMany::One("a.b".into())),
        ))
        .expect("valid");
        assert_eq!(one.scopes, Scopes::from("a.b"));
        let many = check(raw(
            ACCEPTED_ISSUERS[0],
            &["cid", EVE_AUDIENCE],
            Some(OneOrMany::Many(vec!["a.b".into(), "c.d".into()])),
        ))
        .expect("valid");
        assert_eq!(many.scopes, Scopes::from("c.d a.b"));
    }

    #[test]
    fn subjects() {
        assert_eq!(parse_subject("CHARACTER:EVE:42"), Ok(42));
        assert_eq!(
            parse_subject("CHARACTER:EVE:9223372036854775807"),
            Ok(i64::MAX)
        );
        for bad in [
            "CHARACTER:EVE:x",
            "CHARACTER:EVE:1:2",
            "CHARACTER:EVE:",
            "CHARACTER:EVE:0",
            "CHARACTER:EVE:00",
            "CHARACTER:EVE:042",
            "CHARACTER:EVE:-42",
            "CHARACTER:EVE:+42",
            "CHARACTER:EVE: 42",
            "CHARACTER:EVE:42 ",
            "CHARACTER:EVE:４２",
            "CHARACTER:EVE:9223372036854775808",
            "CORPORATION:EVE:42",
            "character:eve:42",
            "CHARACTER:EVE::42",
            ":CHARACTER:EVE:42",
            "CHARACTER:SISI:42",
            "42",
            "",
        ] {
            assert_eq!(
                parse_subject(bad),
                Err(JwtError::BadSubject(bad.to_owned())),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn bad_subject_is_refused_by_the_claim_checks() {
        let c = RawClaims {
            sub: "CORPORATION:EVE:98000001".into(),
            ..good()
        };
        assert_eq!(
            check(c),
            Err(JwtError::BadSubject("CORPORATION:EVE:98000001".into()))
        );
    }

    #[test]
    fn owner_is_required() {
        let missing = RawClaims {
            owner: None,
            ..good()
        };
        assert_eq!(check(missing), Err(JwtError::MissingClaim("owner")));
        let empty = RawClaims {
            owner: Some(String::new()),
            ..good()
        };
        assert_eq!(check(empty), Err(JwtError::MissingClaim("owner")));
    }

    #[test]
    fn nbf_is_checked_when_present() {
        let ok = RawClaims {
            nbf: Some(NOW + 30),
            ..good()
        };
        check(ok).expect("within the leeway");
        let early = RawClaims {
            nbf: Some(NOW + 31),
            ..good()
        };
        assert_eq!(check(early), Err(JwtError::NotYetValid));
    }

    #[test]
    fn iat_in_the_future_is_refused() {
        let ok = RawClaims {
            iat: Some(NOW + 30),
            ..good()
        };
        check(ok).expect("within the leeway");
        let future = RawClaims {
            iat: Some(NOW + 31),
            ..good()
        };
        assert_eq!(check(future), Err(JwtError::IssuedInFuture));
        let absent = RawClaims {
            iat: None,
            ..good()
        };
        check(absent).expect("iat is optional");
    }
}
