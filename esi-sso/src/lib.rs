//! EVE SSO v2 for the ESI client: authorization code flow, PKCE, JWT checks against the JWKS,
//! refresh and revoke. The protocol lives here; storage of tokens is `esi-store`'s job.
//!
//! This crate is being built; see the workspace README for its status.
