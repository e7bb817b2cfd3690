//! Fake ESI and fake EVE SSO servers, bound to loopback only, for tests and the offline demo.
//!
//! - [`esi`]: a fake ESI driven by any spec `esi-codegen` reads.
//! - [`sso`]: a fake EVE SSO v2 issuing real RS256 JWTs.
//! - [`harness`]: start both in-process on free ports and inspect what arrived.

#![warn(missing_docs)]

pub mod esi;
pub mod harness;
pub mod sso;
