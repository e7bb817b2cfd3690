//! Storage of EVE SSO tokens, their scopes and pending logins, through sea-orm (SQLite by
//! default, in a file or in memory; PostgreSQL through `DATABASE_URL`), and the logic that keeps
//! tokens valid: a Rust take on django-esi's `Token` model, managers and tasks.
//!
//! ```no_run
//! # async fn demo(session: &str, query: &str) -> Result<(), esi_store::StoreError> {
//! use esi_store::{StoreConfig, TokenStore};
//!
//! let sso = esi_sso::Sso::from_env()?; // ESI_SSO_CLIENT_ID, _SECRET, _CALLBACK_URL
//! let store = TokenStore::connect(StoreConfig::new("sqlite://tokens.db?mode=rwc"), sso).await?;
//!
//! // Login: redirect the browser, then handle the callback.
//! let go = store.start_login(session, "esi-wallet.read_character_wallet.v1", "/wallet").await?;
//! # let _ = go.url;
//! let callback = esi_sso::Callback::from_query(query)?;
//! let done = store.finish_login(session, &callback, Some("user-42")).await?;
//!
//! // Later, anywhere: a valid access token, refreshed once even under concurrency.
//! let token = store
//!     .get_token(done.token.character_id, "esi-wallet.read_character_wallet.v1")
//!     .await?
//!     .expect("stored above");
//! let access = store.valid_access_token(&token).await?;
//! # let _ = access;
//! // Or let the ESI client ask, on any authenticated call made for this user:
//! // `.token_source(&store.for_user("user-42"))`.
//! # Ok(()) }
//! ```
//!
//! # Policies
//!
//! - A refresh answered `invalid_grant` **deletes** the token (as django-esi's
//!   `refresh_or_delete`); so does an owner-hash change (the character changed hands). An
//!   unavailable SSO never deletes anything.
//! - Refreshes are single-flight per token in a process and guarded across processes by a
//!   lease taken with a compare-and-swap on the refresh token (see the `refresh` module docs).
//!   With the `redis` feature, `TokenStore::with_redis_lock` adds a per-token lock in Redis
//!   in front of it (one database write per refresh; the row lease still fences).
//! - A login updates the equivalent token (same character, exact scopes, same user) unless
//!   [`StoreConfig::always_create_token`] is set.
//! - As the ESI client's token source, [`TokenStore::for_user`] hands out only one user's
//!   tokens: the shape for applications with several users.
//!   [`TokenStore::all_users_source`] hands out any stored token of the call's character: for
//!   single-user tools and backends that own every token. The store itself is no token source,
//!   so neither can be chosen by accident.
//! - A login's `state` works once: it is consumed before the code is exchanged.
//! - A SQLite file the store creates is private to its owner (0600, new folders 0700, on Unix).
//! - Secrets are wrapped in [`esi_sso::Secret`]; entity and configuration `Debug` output
//!   redacts them (and database passwords, and token keys); SQL statement logging is off so
//!   bound values never reach the logs.
//! - With token keys ([`StoreConfig::token_keys`], `ESI_TOKEN_KEY`), access and refresh tokens
//!   are sealed at rest with XChaCha20-Poly1305, each value bound to its row; one key writes,
//!   older ones still open, and [`TokenStore::reencrypt_tokens`] moves every row to the
//!   writing key. Rows written before the keys are read as they are and sealed when next
//!   written. A value no configured key opens is a [`StoreError::Sealed`]; the row is kept.
//!   Without keys, tokens are stored in plain text (logged once per process): protect the
//!   database.

#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod bulk;
mod cleanup;
mod config;
mod create;
mod crypt;
mod db;
// The store's own tables. Other crates ask the store through its methods; this module stays
// reachable for this workspace's tests, which age rows to test expiry, and is no API.
#[doc(hidden)]
pub mod entity;
mod error;
mod keys;
mod lock;
mod login;
mod login_kind;
pub mod migration;
mod pending;
mod query;
mod reencrypt;
mod refresh;
mod scopes;
mod secrets;
mod source;
mod store;
mod token;

pub use bulk::BulkRefreshReport;
pub use cleanup::{CleanupRunner, CleanupSchedule, DEFAULT_CALLBACK_MAX_AGE, TokenCleanupReport};
pub use config::{DEFAULT_DATABASE_URL, ENV_ALWAYS_CREATE_TOKEN, ENV_DATABASE_URL, StoreConfig};
pub use crypt::CryptError;
pub use error::StoreError;
pub use keys::{ENV_TOKEN_KEY, ENV_TOKEN_KEY_FILE, KeyError, TokenKey, TokenKeys};
pub use login::{FinishedLogin, LoginRedirect, MAX_PENDING_LOGINS_PER_SESSION, PendingLogin};
pub use login_kind::LoginKind;
pub use migration::Migrator;
pub use query::TokenQuery;
pub use reencrypt::ReencryptReport;
pub use source::{AllUsersTokenSource, UserTokenSource};
pub use store::TokenStore;
pub use token::Token;

/// The tables the store's migrations create, with its migration table: what a tool can look
/// for before it lets the store migrate a database that may belong to someone else.
pub fn table_names() -> Vec<String> {
    use entity::{callback_redirect, scope, token, token_scope};
    use sea_orm::EntityName as _;
    use sea_orm_migration::MigratorTrait as _;
    vec![
        token::Entity.table_name().to_owned(),
        scope::Entity.table_name().to_owned(),
        token_scope::Entity.table_name().to_owned(),
        callback_redirect::Entity.table_name().to_owned(),
        Migrator::migration_table_name().to_string(),
    ]
}

/// A random id (lease owners): 16 random bytes as hex.
pub(crate) fn random_id() -> String {
    use rand::RngCore as _;
    let mut b = [0u8; 16];
    rand::rng().fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}
