//! A fake EVE SSO v2 on loopback, issuing real RS256 JWTs shaped like EVE's.
//!
//! Start one with [`FakeSso::start`] and point a client at [`FakeSso::base_url`] (or its
//! metadata document). Endpoints:
//!
//! | Method | Path | Does |
//! |---|---|---|
//! | GET | `/.well-known/oauth-authorization-server` | metadata pointing at this server |
//! | GET | `/v2/oauth/authorize` | HTML login page: pick a character |
//! | POST | `/v2/oauth/authorize/grant` | the page's form; 302 to `redirect_uri?code&state` |
//! | POST | `/v2/oauth/token` | `authorization_code` (Basic or PKCE) and `refresh_token` |
//! | POST | `/v2/oauth/revoke` | RFC 7009 refresh-token revocation |
//! | GET | `/oauth/jwks` | published signing keys |
//! | GET/POST/DELETE | `/_fake/faults` | scripted faults (see [`faults`]) |
//! | GET | `/_fake/images/characters/{id}/portrait` (and corporation, alliance logos) | placeholder images shaped like EVE's image server |
//!
//! A browser (or a headless-browser test) logs in through the HTML page; plain tests can skip it
//! with [`FakeSso::authorize_code`]. The fake ESI verifies bearer tokens in-process through
//! [`SsoKeys`] ([`FakeSso::keys`]). Signing keys are three RSA-2048 PEM files shipped in
//! `src/sso/keys/`; [`FakeSso::rotate_keys`] moves to the next one.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use esi_fake::sso::{FakeSso, SsoConfig, DEFAULT_WEB_CLIENT_ID};
//! let sso = FakeSso::start(SsoConfig::default()).await?;
//! let token = sso.mint_access_token(90_000_001, &["esi-skills.read_skills.v1"], DEFAULT_WEB_CLIENT_ID)?;
//! assert_eq!(sso.verify(&token)?.character_id, 90_000_001);
//! sso.shutdown().await;
//! # Ok(()) }
//! ```

mod authorize;
mod browser;
mod config;
mod error;
pub mod faults;
mod images;
mod jwt;
mod keys;
mod layers;
mod log;
mod paths;
mod routes;
mod server;
mod state;
mod token;

#[cfg(test)]
mod tests;

pub use authorize::AuthorizeError;
pub use browser::{BrowseError, play_login_page};
pub use config::{
    ClientConfig, DEFAULT_CALLBACK_URL, DEFAULT_ISSUER, DEFAULT_NATIVE_CLIENT_ID,
    DEFAULT_WEB_CLIENT_ID, DEFAULT_WEB_CLIENT_SECRET, FakeCharacter, SsoConfig, derived_owner_hash,
};
pub use error::{OAuthError, OAuthErrorCode, StartError};
pub use faults::{FaultError, FaultPlan, Outage, RateLimit};
pub use images::IMAGES_PATH;
pub use jwt::{AccessClaims, EVE_AUDIENCE, EveClaims, MintOptions, Scp, VerifyError};
pub use keys::{KeyError, SHIPPED_KEY_COUNT, SsoKeys};
pub use log::RecordedRequest;
pub use paths::{
    AUTHORIZE_PATH, FAULTS_PATH, GRANT_PATH, JWKS_PATH, METADATA_PATH, REVOKE_PATH, TOKEN_PATH,
};
pub use server::FakeSso;
pub use state::MintError;
