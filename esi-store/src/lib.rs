//! Storage of EVE SSO tokens, their scopes and pending callback redirects, through sea-orm
//! (SQLite by default, PostgreSQL for sites that outgrow one machine).
//!
//! This crate is being built; see the workspace README for its status.
