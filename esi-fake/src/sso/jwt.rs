//! EVE-shaped access tokens: the claims on the wire, minting options, and typed verification.
//!
//! A token looks like EVE's: header `{"alg":"RS256","kid":..,"typ":"JWT"}` and claims `scp`
//! (an array, or a plain string when there is exactly one scope), `jti`, `kid`,
//! `sub: "CHARACTER:EVE:<id>"`, `azp`, `tenant`, `tier`, `region`, `aud: [client_id, "EVE Online"]`,
//! `name`, `owner`, `exp`, `iat`, `iss`. With no scopes the `scp` claim is left out.

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// The audience every EVE access token carries next to the client id.
pub const EVE_AUDIENCE: &str = "EVE Online";

/// `scp` on the wire: EVE sends a plain string for a single scope and an array otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Scp {
    /// Exactly one scope.
    One(String),
    /// Any number of scopes.
    Many(Vec<String>),
}

impl Scp {
    /// Shapes `scopes` the way EVE does; `None` when empty.
    pub fn from_scopes(scopes: &[String]) -> Option<Self> {
        match scopes {
            [] => None,
            [one] => Some(Self::One(one.clone())),
            many => Some(Self::Many(many.to_vec())),
        }
    }

    /// The scopes as a list.
    pub fn into_vec(self) -> Vec<String> {
        match self {
            Self::One(s) => vec![s],
            Self::Many(v) => v,
        }
    }
}

/// The JWT claims exactly as serialised in the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EveClaims {
    /// Granted scopes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scp: Option<Scp>,
    /// Unique token id.
    pub jti: String,
    /// Key id (repeated from the header, as EVE does).
    pub kid: String,
    /// `CHARACTER:EVE:<character_id>`.
    pub sub: String,
    /// Client id of the application.
    pub azp: String,
    /// Always `tranquility`.
    pub tenant: String,
    /// Always `live`.
    pub tier: String,
    /// Always `world`.
    pub region: String,
    /// `[client_id, "EVE Online"]`.
    pub aud: Vec<String>,
    /// Character name.
    pub name: String,
    /// Owner hash.
    pub owner: String,
    /// Expiry, Unix seconds.
    pub exp: i64,
    /// Issued at, Unix seconds.
    pub iat: i64,
    /// Issuer.
    pub iss: String,
}

/// Typed claims of a verified access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessClaims {
    /// Character id parsed from `sub`.
    pub character_id: i64,
    /// Character name.
    pub name: String,
    /// Owner hash.
    pub owner: String,
    /// Granted scopes (empty when the token has no `scp`).
    pub scopes: Vec<String>,
    /// Client id (`azp`).
    pub client_id: String,
    /// Expiry, Unix seconds.
    pub expires_at: i64,
    /// Issued at, Unix seconds.
    pub issued_at: i64,
    /// Unique token id.
    pub jti: String,
    /// Issuer as found in the token.
    pub issuer: String,
}

impl AccessClaims {
    /// Whether the token grants `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// Not a JWT, or claims of the wrong shape.
    #[error("malformed token: {0}")]
    Malformed(String),
    /// Header `alg` is not RS256.
    #[error("unsupported algorithm {0}")]
    UnsupportedAlgorithm(String),
    /// Header has no `kid`.
    #[error("token header has no kid")]
    MissingKid,
    /// Header `kid` is not among the published keys.
    #[error("unknown kid {0:?}")]
    UnknownKid(String),
    /// Signature does not match the key named by `kid`.
    #[error("bad signature")]
    BadSignature,
    /// `exp` is in the past.
    #[error("token expired")]
    Expired,
    /// `iss` is not an accepted issuer.
    #[error("wrong issuer")]
    WrongIssuer,
    /// `aud` does not contain `"EVE Online"`.
    #[error("wrong audience")]
    WrongAudience,
    /// `sub` is not `CHARACTER:EVE:<id>`.
    #[error("bad subject {0:?}")]
    BadSubject(String),
}

/// What to put in a minted token. [`MintOptions::new`] gives a normal token; the builder methods
/// make broken ones (expired, wrong issuer, wrong audience, signed by another key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MintOptions {
    /// Character the token is for; must be a known character.
    pub character_id: i64,
    /// Scopes to grant.
    pub scopes: Vec<String>,
    /// Client id (`azp` and first `aud`).
    pub client_id: String,
    /// Seconds from now until `exp`; negative for an already expired token. `None`: the
    /// configured lifetime.
    pub expires_in: Option<i64>,
    /// Issuer override.
    pub issuer: Option<String>,
    /// Audience override (replaces `[client_id, "EVE Online"]`).
    pub audience: Option<Vec<String>>,
    /// Sign with shipped key `index` (0-based) instead of the current signing key.
    pub key_index: Option<usize>,
    /// Header `kid` override, e.g. the current kid on a token signed by another key
    /// (bad signature) or a kid nobody publishes.
    pub kid: Option<String>,
}

impl MintOptions {
    /// A valid token for `character_id` with `scopes`, issued to `client_id`.
    pub fn new(
        character_id: i64,
        scopes: impl IntoIterator<Item = impl Into<String>>,
        client_id: impl Into<String>,
    ) -> Self {
        Self {
            character_id,
            scopes: scopes.into_iter().map(Into::into).collect(),
            client_id: client_id.into(),
            expires_in: None,
            issuer: None,
            audience: None,
            key_index: None,
            kid: None,
        }
    }

    /// Sets `exp` to now + `seconds` (negative: already expired).
    pub fn expires_in(mut self, seconds: i64) -> Self {
        self.expires_in = Some(seconds);
        self
    }

    /// Sets the issuer.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Replaces the audience.
    pub fn audience(mut self, audience: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.audience = Some(audience.into_iter().map(Into::into).collect());
        self
    }

    /// Signs with shipped key `index` (0-based).
    pub fn signed_with(mut self, index: usize) -> Self {
        self.key_index = Some(index);
        self
    }

    /// Puts `kid` in the header (and the `kid` claim) whatever key signs.
    pub fn kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }
}

/// Current Unix time in seconds.
pub(crate) fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Signs `claims` with RS256 under `kid`.
pub(crate) fn encode(
    claims: &EveClaims,
    kid: &str,
    key: &EncodingKey,
) -> Result<String, jsonwebtoken::errors::Error> {
    encode_json(claims, kid, key)
}

/// Signs any serialisable claims with RS256 under `kid` (tests forge odd claims with it).
pub(crate) fn encode_json<T: Serialize>(
    claims: &T,
    kid: &str,
    key: &EncodingKey,
) -> Result<String, jsonwebtoken::errors::Error> {
    install_crypto_provider();
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, claims, key)
}

/// RustCrypto as jsonwebtoken's provider when none is installed yet (jsonwebtoken panics when
/// an application also turns its `aws_lc_rs` feature on); one installed first is kept.
pub(crate) fn install_crypto_provider() {
    let _ = jsonwebtoken::crypto::CryptoProvider::install_default(
        &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER,
    );
}

/// Checks signature, `exp` (no leeway), `iss` and `aud`, and types the claims.
pub(crate) fn decode(
    token: &str,
    key: &DecodingKey,
    issuers: &[String],
) -> Result<AccessClaims, VerifyError> {
    install_crypto_provider();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.leeway = 0;
    validation.set_issuer(issuers);
    validation.set_audience(&[EVE_AUDIENCE]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    let data =
        jsonwebtoken::decode::<EveClaims>(token, key, &validation).map_err(|e| match e.kind() {
            ErrorKind::InvalidSignature => VerifyError::BadSignature,
            ErrorKind::ExpiredSignature => VerifyError::Expired,
            ErrorKind::InvalidIssuer => VerifyError::WrongIssuer,
            ErrorKind::InvalidAudience => VerifyError::WrongAudience,
            _ => VerifyError::Malformed(e.to_string()),
        })?;
    let c = data.claims;
    let character_id = c
        .sub
        .strip_prefix("CHARACTER:EVE:")
        .and_then(|id| id.parse::<i64>().ok())
        .ok_or_else(|| VerifyError::BadSubject(c.sub.clone()))?;
    Ok(AccessClaims {
        character_id,
        name: c.name,
        owner: c.owner,
        scopes: c.scp.map(Scp::into_vec).unwrap_or_default(),
        client_id: c.azp,
        expires_at: c.exp,
        issued_at: c.iat,
        jti: c.jti,
        issuer: c.iss,
    })
}
