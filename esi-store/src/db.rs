//! Opening the database: SQLite (a file in WAL mode with a busy timeout, or in memory on a single
//! connection) or PostgreSQL, with statement logging off so no token reaches the logs.

use std::time::Duration;

use sea_orm::{ConnectOptions, Database, DatabaseConnection};

use crate::error::StoreError;

/// Normalises a URL or a plain SQLite file path.
pub(crate) fn normalise_url(raw: &str) -> Result<String, StoreError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(StoreError::Config("the database URL is empty".into()));
    }
    if raw.starts_with("sqlite:")
        || raw.starts_with("postgres://")
        || raw.starts_with("postgresql://")
    {
        return Ok(raw.to_owned());
    }
    if raw.contains("://") {
        return Err(StoreError::Config(format!(
            "unsupported database URL scheme in {:?} (use sqlite: or postgres://)",
            redact_url(raw)
        )));
    }
    Ok(format!("sqlite://{raw}?mode=rwc"))
}

/// Whether the URL names an in-memory SQLite database.
fn is_sqlite_memory(url: &str) -> bool {
    url.starts_with("sqlite:") && (url.contains(":memory:") || url.contains("mode=memory"))
}

/// Connects with pool settings fit for the backend.
pub(crate) async fn connect(
    raw_url: &str,
    max_connections: u32,
) -> Result<DatabaseConnection, StoreError> {
    let url = normalise_url(raw_url)?;
    let mut opts = ConnectOptions::new(url.clone());
    opts.sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30));
    if is_sqlite_memory(&url) {
        // Every connection to `:memory:` is its own database: keep exactly one, forever.
        opts.max_connections(1)
            .min_connections(1)
            .idle_timeout(None::<Duration>)
            .max_lifetime(None::<Duration>);
    } else {
        opts.max_connections(max_connections.max(1));
    }
    if url.starts_with("sqlite:") {
        opts.map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(15))
                .foreign_keys(true)
        });
    }
    Database::connect(opts)
        .await
        .map_err(|e| StoreError::Config(format!("cannot open {}: {e}", redact_url(&url))))
}

/// The URL with any password replaced, for messages and `Debug`: the one in the user info and
/// any query parameter naming a password (PostgreSQL takes `password=` and `sslpassword=`
/// there). A URL with `://` that does not parse is shown only up to its scheme, since where a
/// password sits in it cannot be told.
pub(crate) fn redact_url(url: &str) -> String {
    let Ok(mut u) = url::Url::parse(url) else {
        // A plain SQLite file path holds no password; anything else is cut at its scheme.
        return match url.split_once("://") {
            Some((scheme, _)) => format!("{scheme}://<unparsable URL redacted>"),
            None => url.to_owned(),
        };
    };
    if u.password().is_some() {
        let _ = u.set_password(Some("redacted"));
    }
    let secret_key = |k: &str| k.to_ascii_lowercase().contains("password");
    if u.query_pairs().any(|(k, _)| secret_key(&k)) {
        let pairs: Vec<(String, String)> = u
            .query_pairs()
            .map(|(k, v)| {
                let v = if secret_key(&k) {
                    "redacted".to_owned()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        u.query_pairs_mut().clear().extend_pairs(pairs);
    }
    u.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            normalise_url("tokens.db").expect("path"),
            "sqlite://tokens.db?mode=rwc"
        );
        assert_eq!(
            normalise_url("sqlite::memory:").expect("mem"),
            "sqlite::memory:"
        );
        assert!(normalise_url("mysql://x").is_err());
        assert!(is_sqlite_memory("sqlite::memory:"));
        assert_eq!(
            redact_url("postgres://esi:hunter2@127.0.0.1/db"),
            "postgres://esi:redacted@127.0.0.1/db"
        );
    }
}
