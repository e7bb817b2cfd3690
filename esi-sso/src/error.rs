//! Errors of the SSO client: what the SSO refused, when it could not be reached, and which JWT
//! check failed.

use std::time::Duration;

/// Why an SSO call or a token check failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SsoError {
    /// The SSO answered `invalid_grant` (or `invalid_token`): the code or refresh token is
    /// revoked, used or expired for good. A stored token that gets this is dead.
    #[error("invalid grant: {description}")]
    InvalidGrant {
        /// The SSO's `error_description`, if any.
        description: String,
    },
    /// The SSO answered `invalid_client` or `unauthorized_client`: check the client id, secret
    /// and callback URL.
    #[error("invalid client (check ESI_SSO_CLIENT_ID / ESI_SSO_CLIENT_SECRET): {description}")]
    InvalidClient {
        /// The SSO's `error_description`, if any.
        description: String,
    },
    /// Another OAuth 2.0 error answer (`invalid_request`, `invalid_scope`...).
    #[error("SSO refused the request: {error}: {description}")]
    OAuth {
        /// The `error` code.
        error: String,
        /// The `error_description`.
        description: String,
    },
    /// The SSO could not be reached, timed out, answered 5xx or 429, or sent something that is
    /// not an answer; retries (if allowed) were used up. Nothing is known to be wrong with the
    /// token: keep it and try later.
    #[error("SSO unavailable: {reason}")]
    Unavailable {
        /// What went wrong on the last attempt.
        reason: String,
        /// The last `Retry-After` the SSO asked for, if any.
        retry_after: Option<Duration>,
    },
    /// The SSO's answer (metadata, JWKS, token or revocation endpoint) was longer than
    /// [`crate::SsoConfig::max_answer_bytes`]; it was not read past that. Not retried. After a
    /// code exchange or a refresh the SSO may have processed the request.
    #[error("{what}: the SSO's answer is longer than {limit} bytes; refused")]
    AnswerTooLarge {
        /// Which request (`SSO JWKS`, `SSO metadata`, `code exchange`, `refresh`, `revoke`).
        what: String,
        /// The cap in bytes.
        limit: usize,
    },
    /// The access token failed a check.
    #[error("invalid access token: {0}")]
    InvalidJwt(#[from] JwtError),
    /// The configuration is incomplete or inconsistent.
    #[error("SSO configuration: {0}")]
    Config(String),
}

impl SsoError {
    /// True for [`SsoError::Unavailable`]: a temporary condition, the token is fine.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable { .. })
    }

    /// True for [`SsoError::InvalidGrant`]: the grant is dead.
    pub fn is_invalid_grant(&self) -> bool {
        matches!(self, Self::InvalidGrant { .. })
    }

    pub(crate) fn unavailable(reason: impl Into<String>) -> Self {
        Self::Unavailable {
            reason: reason.into(),
            retry_after: None,
        }
    }
}

/// Which check an access token failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwtError {
    /// Not a JWT, or claims of the wrong shape.
    #[error("malformed token: {0}")]
    Malformed(String),
    /// The header's `alg` is not one this client verifies (RS256).
    #[error("unsupported algorithm {0}")]
    UnsupportedAlgorithm(String),
    /// No published key has the token's `kid`, even after refetching the JWKS.
    #[error("no published key has kid {0:?}")]
    UnknownKid(String),
    /// The signature does not verify with the key named by `kid`.
    #[error("bad signature")]
    BadSignature,
    /// `exp` is in the past (beyond the leeway).
    #[error("token expired")]
    Expired,
    /// `iss` is neither `login.eveonline.com` nor `https://login.eveonline.com`.
    #[error("wrong issuer {0:?}")]
    WrongIssuer(String),
    /// `aud` lacks the client id or `"EVE Online"`.
    #[error("wrong audience {0:?}")]
    WrongAudience(Vec<String>),
    /// `sub` is not exactly `CHARACTER:EVE:<id>` with a positive decimal id.
    #[error("bad subject {0:?}")]
    BadSubject(String),
    /// A claim the checks rely on is missing or empty (`owner`: without it a change of owner
    /// could not be noticed).
    #[error("missing claim {0:?}")]
    MissingClaim(&'static str),
    /// `nbf` is later than now (beyond the leeway): the token is not valid yet.
    #[error("token not valid yet (nbf)")]
    NotYetValid,
    /// `iat` is later than now (beyond the leeway).
    #[error("token issued in the future (iat)")]
    IssuedInFuture,
}
