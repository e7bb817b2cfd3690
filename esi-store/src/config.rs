//! [`StoreConfig`]: the database URL and the store's policies (token de-duplication, refresh
//! margin and lease, bulk concurrency, cleanup of tokens without a user).

use std::time::Duration;

use crate::error::StoreError;

/// Environment variable holding the database URL.
pub const ENV_DATABASE_URL: &str = "DATABASE_URL";
/// Environment variable turning token de-duplication off (`1`/`true`), like django-esi's
/// `ESI_ALWAYS_CREATE_TOKEN`.
pub const ENV_ALWAYS_CREATE_TOKEN: &str = "ESI_ALWAYS_CREATE_TOKEN";
/// The database used when `DATABASE_URL` is unset: a SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://esi-tokens.sqlite?mode=rwc";

/// How a [`crate::TokenStore`] behaves.
///
/// ```
/// let config = esi_store::StoreConfig::new("sqlite::memory:");
/// assert!(!config.always_create_token);
/// assert_eq!(config.refresh_margin.as_secs(), 60);
/// ```
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// `sqlite::memory:`, `sqlite://path?mode=rwc`, a plain file path (SQLite), or
    /// `postgres://user:pass@host/db`.
    pub database_url: String,
    /// Always store a new token from a login, even when an equivalent one (same character,
    /// scopes and user) exists. Off by default: the equivalent is updated instead.
    pub always_create_token: bool,
    /// An access token expiring within this margin counts as expired and is refreshed.
    pub refresh_margin: Duration,
    /// How long one process may hold a token's refresh lease. Longer than a refresh with all
    /// its retries can take; a crashed holder's lease is taken over after it.
    pub refresh_lease: Duration,
    /// Refreshes running at once in [`crate::TokenStore::bulk_refresh`].
    pub bulk_concurrency: usize,
    /// [`crate::TokenStore::cleanup_token`] deletes tokens that belong to no user, as
    /// django-esi does. Turn it off in applications without users (CLI tools, bots).
    pub delete_tokens_without_user: bool,
    /// Database pool size (SQLite in memory always uses one connection).
    pub max_connections: u32,
    /// Run the migrations when connecting.
    pub run_migrations: bool,
}

impl StoreConfig {
    /// Defaults for `database_url`.
    pub fn new(database_url: impl Into<String>) -> Self {
        Self {
            database_url: database_url.into(),
            always_create_token: false,
            refresh_margin: Duration::from_secs(60),
            refresh_lease: Duration::from_secs(120),
            bulk_concurrency: 8,
            delete_tokens_without_user: true,
            max_connections: 10,
            run_migrations: true,
        }
    }

    /// Reads `DATABASE_URL` (default: a SQLite file `esi-tokens.sqlite`) and
    /// `ESI_ALWAYS_CREATE_TOKEN`.
    pub fn from_env() -> Result<Self, StoreError> {
        let url = std::env::var(ENV_DATABASE_URL)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        let mut config = Self::new(url);
        if let Ok(v) = std::env::var(ENV_ALWAYS_CREATE_TOKEN) {
            config.always_create_token = match v.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => true,
                "" | "0" | "false" | "no" | "off" => false,
                other => {
                    return Err(StoreError::Config(format!(
                        "{ENV_ALWAYS_CREATE_TOKEN}={other:?} is not a boolean"
                    )));
                }
            };
        }
        Ok(config)
    }
}
