//! EVE SSO v2 for the ESI client: authorization code flow (web applications, HTTP Basic) and
//! PKCE S256 (native applications without a secret), access-token (JWT) verification against the
//! JWKS, refresh (keeping rotated refresh tokens) and RFC 7009 revocation. The protocol lives
//! here; storing tokens is `esi-store`'s job.
//!
//! ```no_run
//! # async fn demo(query_string: &str) -> Result<(), esi_sso::SsoError> {
//! use esi_sso::{Callback, Sso, SsoConfig};
//!
//! // ESI_SSO_CLIENT_ID, ESI_SSO_CLIENT_SECRET (unset for PKCE), ESI_SSO_CALLBACK_URL,
//! // and optionally ESI_SSO_BASE_URL.
//! let sso = Sso::new(SsoConfig::from_env()?)?;
//! let auth = sso.authorize(["esi-skills.read_skills.v1"]).await?;
//! // ... keep auth.state and auth.pkce_verifier in the session, redirect to auth.url ...
//! let callback = Callback::from_query(query_string)?;
//! assert_eq!(callback.state, auth.state);
//! let login = sso.exchange_code(&callback.code, auth.pkce_verifier.as_ref()).await?;
//! println!("character {} scopes {}", login.claims.character_id, login.claims.scopes);
//! let refresh_token = login.tokens.refresh_token.expect("EVE sends one");
//! let later = sso.refresh(&refresh_token, None).await?; // store later.tokens.refresh_token
//! sso.revoke(later.tokens.refresh_token.as_ref().unwrap_or(&refresh_token)).await?;
//! # Ok(()) }
//! ```
//!
//! # Behaviour
//!
//! - Endpoints come from `<base>/.well-known/oauth-authorization-server`, cached for an hour
//!   (a failed re-read keeps the old copy).
//! - The JWKS is cached as its `Cache-Control`/`Expires` headers say (5 minutes without them).
//!   A token with an unknown `kid` forces one refetch, at most once a minute.
//! - Retries: 5xx, 429 and connection errors, up to 3 attempts, waiting `Retry-After` (seconds
//!   or HTTP date) when given and not above 60 s, else exponential backoff. The code exchange is
//!   retried only on failures that prove the SSO did not process it (connection not opened, 429,
//!   503), because a code works once. A refresh that gets `invalid_grant` after an attempt whose
//!   answer was lost reports [`SsoError::Unavailable`], not [`SsoError::InvalidGrant`]: the
//!   lost attempt may have rotated the token, and a caller must not delete a token on our retry.
//! - Answer bodies are read up to [`SsoConfig::max_answer_bytes`] (1 MiB by default) and
//!   refused past it ([`SsoError::AnswerTooLarge`]), never buffered whole.
//! - Secrets ([`Secret`]: client secret, tokens, codes, verifiers) never appear in `Debug`
//!   output or logs.
//!
//! # Dependencies, and why not the `oauth2` crate
//!
//! The three SSO calls (code exchange, refresh, revoke) are plain form POSTs made here with the
//! workspace's reqwest 0.13 (rustls with the ring provider: the same single TLS stack as
//! `esi-client`). The `oauth2` crate would need its defaults off and an adapter for its HTTP
//! client trait, and would still leave the parts that matter here to us: which failures may be
//! retried (its request futures do not tell whether a request left the machine), `Retry-After`,
//! EVE's error mapping, rotated refresh tokens, and JWT checks. PKCE is twenty lines over `sha2`,
//! `base64` and `rand`. JWTs are checked with `jsonwebtoken` 11 with exactly its `rust_crypto`
//! backend enabled (with none or both it panics at run time).

#![warn(missing_docs)]

mod authorize;
mod client;
mod config;
mod error;
mod http;
mod jwks;
mod jwt;
mod metadata;
mod random;
mod retry;
mod scopes;
mod secret;
mod token;
mod verifier;

pub use authorize::{Authorization, Callback};
pub use client::Sso;
pub use config::{
    DEFAULT_BASE_URL, DEFAULT_MAX_ANSWER_BYTES, ENV_BASE_URL, ENV_CALLBACK_URL, ENV_CLIENT_ID,
    ENV_CLIENT_SECRET, SsoConfig,
};
pub use error::{JwtError, SsoError};
pub use jwt::{ACCEPTED_ISSUERS, Claims, EVE_AUDIENCE};
pub use metadata::Metadata;
pub use random::pkce_challenge;
pub use retry::RetryPolicy;
pub use scopes::Scopes;
pub use secret::Secret;
pub use token::{Tokens, VerifiedTokens};
