//! The SSO's endpoint paths, as EVE's SSO has them (and this fake's own `grant` and
//! `/_fake/faults`).

/// OAuth authorization server metadata (RFC 8414).
pub const METADATA_PATH: &str = "/.well-known/oauth-authorization-server";
/// Login page.
pub const AUTHORIZE_PATH: &str = "/v2/oauth/authorize";
/// Where the login page's form posts (this fake's own route).
pub const GRANT_PATH: &str = "/v2/oauth/authorize/grant";
/// Token endpoint.
pub const TOKEN_PATH: &str = "/v2/oauth/token";
/// Revocation endpoint (RFC 7009).
pub const REVOKE_PATH: &str = "/v2/oauth/revoke";
/// Signing keys.
pub const JWKS_PATH: &str = "/oauth/jwks";
/// Fault control endpoint (never faulted, never logged).
pub const FAULTS_PATH: &str = "/_fake/faults";
