//! Where access tokens come from: given directly per call, or from a [`TokenSource`] (the token
//! store implements it) that hands out a valid token for a character and the scopes an
//! operation needs; and the [`AccessToken`] a call carries, whose owner only a source or a
//! [`TokenVerifier`] can vouch for.

use crate::future::BoxFuture;

/// An access token, kept out of `Debug` output and logs.
///
/// Whose token it is decides which cached answers, shared in-flight requests and rate-limit
/// bucket a call may use. The runtime takes that from a token only when it can vouch for it:
/// a token handed out by a [`TokenSource`] vouched for its character
/// ([`AccessToken::vouched_for`]), or one the client's [`TokenVerifier`](crate::TokenVerifier)
/// checked. Any other token shares nothing: its calls are keyed by a hash of the whole token,
/// whatever its (unchecked) claims say.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken {
    secret: String,
    character_id: Option<i64>,
}

impl AccessToken {
    /// Wraps a token the runtime cannot vouch for (its calls share nothing with other tokens'
    /// unless the client has a [`TokenVerifier`](crate::TokenVerifier)).
    pub fn new(token: impl Into<String>) -> Self {
        AccessToken {
            secret: token.into(),
            character_id: None,
        }
    }

    /// Wraps a token whose signature was verified and whose subject is `character_id`: for
    /// [`TokenSource`]s (a token store verifies its tokens at login and refresh). Its calls
    /// share cached answers and the rate-limit bucket with every other vouched token of the
    /// character. Never use it for a token a caller handed in unchecked.
    pub fn vouched_for(token: impl Into<String>, character_id: i64) -> Self {
        AccessToken {
            secret: token.into(),
            character_id: Some(character_id),
        }
    }

    /// The token itself, for the `Authorization` header.
    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// The character it was vouched for, if any.
    pub fn vouched_character(&self) -> Option<i64> {
        self.character_id
    }
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken")
            .field("secret", &"<redacted>")
            .field("vouched_for", &self.character_id)
            .finish()
    }
}

impl From<&str> for AccessToken {
    fn from(token: &str) -> Self {
        AccessToken::new(token)
    }
}

impl From<String> for AccessToken {
    fn from(token: String) -> Self {
        AccessToken::new(token)
    }
}

impl From<&String> for AccessToken {
    fn from(token: &String) -> Self {
        AccessToken::new(token.clone())
    }
}

/// What a call asks a [`TokenSource`] for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenRequest<'a> {
    /// The character the call acts as: the `character_id` path parameter, or the one given
    /// with `.character(..)`.
    pub character_id: Option<i64>,
    /// Scopes the operation requires.
    pub scopes: &'a [&'static str],
    /// The operation id, for messages.
    pub operation: &'static str,
}

/// Why a token source could not produce a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenSourceError {
    /// No stored token for that character has all the scopes.
    #[error("no token for character {character_id:?} with scopes {scopes:?}")]
    NoToken {
        /// The character asked for.
        character_id: Option<i64>,
        /// Scopes asked for.
        scopes: Vec<String>,
    },
    /// The SSO refused the refresh token for good (it was revoked or expired).
    #[error("the refresh token was rejected by the SSO (revoked or expired)")]
    Revoked,
    /// The SSO or the store is unavailable right now; the token is kept.
    #[error("token source unavailable: {0}")]
    Unavailable(String),
    /// Anything else.
    #[error("{0}")]
    Other(String),
}

/// Hands out valid access tokens. Implemented by `esi-store`'s token store; implement it for
/// your own storage too. Hand out tokens with [`AccessToken::vouched_for`] when you verified
/// them (at login and refresh): only then do calls of one character share cached answers and
/// their rate-limit bucket across token refreshes.
///
/// ```
/// use esi_runtime::{AccessToken, TokenRequest, TokenSource, TokenSourceError, BoxFuture};
///
/// struct Fixed(String);
///
/// impl TokenSource for Fixed {
///     fn access_token<'a>(&'a self, _: TokenRequest<'a>) -> BoxFuture<'a, Result<AccessToken, TokenSourceError>> {
///         Box::pin(async move { Ok(AccessToken::new(self.0.clone())) })
///     }
/// }
/// ```
pub trait TokenSource: Send + Sync {
    /// A valid (refreshed if needed) access token for the request's character and scopes.
    fn access_token<'a>(
        &'a self,
        request: TokenRequest<'a>,
    ) -> BoxFuture<'a, Result<AccessToken, TokenSourceError>>;
}

impl<T: TokenSource + ?Sized> TokenSource for std::sync::Arc<T> {
    fn access_token<'a>(
        &'a self,
        request: TokenRequest<'a>,
    ) -> BoxFuture<'a, Result<AccessToken, TokenSourceError>> {
        (**self).access_token(request)
    }
}

/// What a [`TokenVerifier`] found in a token whose signature it checked.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedToken {
    /// The character of its `sub` claim.
    pub character_id: i64,
}

impl VerifiedToken {
    /// A token verified to be `character_id`'s.
    pub fn new(character_id: i64) -> Self {
        VerifiedToken { character_id }
    }
}

/// Checks tokens that callers hand in with `.token(..)`, so that calls made with them may share
/// cached answers, identical requests in flight and the rate-limit bucket of their character.
/// `esi-sso`'s `Sso` implements it (signature against EVE SSO's keys, issuer, audience,
/// expiry); set it with `ClientBuilder::token_verifier`. Without one, such tokens share
/// nothing: each is keyed by a hash of the whole token.
pub trait TokenVerifier: Send + Sync {
    /// Verifies `token`; an error refuses the call before anything is sent.
    fn verify<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<VerifiedToken, String>>;
}

impl<T: TokenVerifier + ?Sized> TokenVerifier for std::sync::Arc<T> {
    fn verify<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<VerifiedToken, String>> {
        (**self).verify(token)
    }
}
