//! sea-orm entities of the four tables. Most code should use [`crate::TokenStore`]; these are
//! public for applications that need their own queries (joins with their user table, reports).

pub mod callback_redirect;
pub mod scope;
pub mod token;
pub mod token_scope;
