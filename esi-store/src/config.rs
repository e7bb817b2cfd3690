//! [`StoreConfig`]: the database URL and the store's policies (token de-duplication, refresh
//! margin and lease, bulk concurrency, cleanup of tokens without a user), and the keys that
//! seal stored tokens.

use std::fmt;
use std::time::Duration;

use crate::error::StoreError;
use crate::keys::TokenKeys;

/// Environment variable holding the database URL.
pub const ENV_DATABASE_URL: &str = "DATABASE_URL";
/// Environment variable turning token de-duplication off (`1`/`true`), like django-esi's
/// `ESI_ALWAYS_CREATE_TOKEN`.
pub const ENV_ALWAYS_CREATE_TOKEN: &str = "ESI_ALWAYS_CREATE_TOKEN";
/// The database used when `DATABASE_URL` is unset: a SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://esi-tokens.sqlite?mode=rwc";

/// How a [`crate::TokenStore`] behaves. `Debug` shows the database URL without its password,
/// and the token keys by id.
///
/// ```
/// let config = esi_store::StoreConfig::new("sqlite::memory:");
/// assert!(!config.always_create_token);
/// assert_eq!(config.refresh_margin.as_secs(), 60);
/// let pg = esi_store::StoreConfig::new("postgres://esi:hunter2@db.internal/esi");
/// assert!(!format!("{pg:?}").contains("hunter2"));
///
/// // Tokens sealed with a site key (in production, from ESI_TOKEN_KEY or a secret manager).
/// let key = esi_store::TokenKey::generate("2026-12")?;
/// let sealed = esi_store::StoreConfig::new("sqlite://tokens.db?mode=rwc")
///     .with_token_keys(esi_store::TokenKeys::new(key));
/// assert!(format!("{sealed:?}").contains("2026-12"));
/// # Ok::<(), esi_store::KeyError>(())
/// ```
#[derive(Clone)]
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
    /// The keys that seal access and refresh tokens in the database (one writes, older ones
    /// still open: rotation). `None` (the default without `ESI_TOKEN_KEY`): tokens are stored
    /// as they come, and the store says so once in the log.
    pub token_keys: Option<TokenKeys>,
}

impl fmt::Debug for StoreConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreConfig")
            .field("database_url", &crate::db::redact_url(&self.database_url))
            .field("always_create_token", &self.always_create_token)
            .field("refresh_margin", &self.refresh_margin)
            .field("refresh_lease", &self.refresh_lease)
            .field("bulk_concurrency", &self.bulk_concurrency)
            .field(
                "delete_tokens_without_user",
                &self.delete_tokens_without_user,
            )
            .field("max_connections", &self.max_connections)
            .field("run_migrations", &self.run_migrations)
            .field("token_keys", &self.token_keys)
            .finish()
    }
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
            token_keys: None,
        }
    }

    /// This configuration, sealing tokens with `keys`.
    pub fn with_token_keys(mut self, keys: TokenKeys) -> Self {
        self.token_keys = Some(keys);
        self
    }

    /// Reads `DATABASE_URL` (default: a SQLite file `esi-tokens.sqlite`),
    /// `ESI_ALWAYS_CREATE_TOKEN` and the token keys (`ESI_TOKEN_KEY` or `ESI_TOKEN_KEY_FILE`,
    /// see [`TokenKeys::from_env`]).
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
        config.token_keys = TokenKeys::from_env()?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_database_passwords() {
        for url in [
            "postgres://esi:hunter2@127.0.0.1:5432/esi",
            "postgresql://esi:hunter2@db.internal/esi?sslmode=disable",
            "postgres://esi@127.0.0.1/esi?password=hunter2",
            "postgres://127.0.0.1/esi?user=esi&Password=hunter2&sslmode=disable",
            "postgres://esi:hunter2@[::1]/esi",
            "postgres://esi:hunter2@/esi?host=/run/postgresql",
        ] {
            let debug = format!("{:?}", StoreConfig::new(url));
            assert!(!debug.contains("hunter2"), "{debug}");
            assert!(debug.contains("database_url"), "{debug}");
        }
        let sqlite = format!("{:?}", StoreConfig::new("sqlite://tokens.db?mode=rwc"));
        assert!(sqlite.contains("sqlite://tokens.db?mode=rwc"), "{sqlite}");
    }
}
