//! Opening the database: SQLite (a file in WAL mode with a busy timeout and `secure_delete`, or
//! in memory on a single connection) or PostgreSQL, with statement logging off so no token
//! reaches the logs; and [`scrub`], which leaves no old version of a row in a SQLite file.
//!
//! A SQLite file the store creates (the default `esi-tokens.sqlite`, or any `mode=rwc` URL whose
//! file does not exist yet) is created here first, before sqlx opens it: on Unix the file 0600
//! and any folder made for it 0700, since it holds refresh tokens (sealed with token keys, in
//! clear text without). SQLite gives its `-wal` and `-shm` files the database file's permissions.

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
pub(crate) fn is_sqlite_memory(url: &str) -> bool {
    url.starts_with("sqlite:") && (url.contains(":memory:") || url.contains("mode=memory"))
}

/// Connects with pool settings fit for the backend.
pub(crate) async fn connect(
    raw_url: &str,
    max_connections: u32,
) -> Result<DatabaseConnection, StoreError> {
    let url = normalise_url(raw_url)?;
    if let Some(path) = sqlite_file_to_create(&url) {
        create_private_file(&path).map_err(|e| {
            StoreError::Config(format!(
                "cannot create the database file {}: {e}",
                path.display()
            ))
        })?;
    }
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
                // Space freed by an update or delete (an old token) is zeroed, not left behind.
                .pragma("secure_delete", "on")
        });
    }
    Database::connect(opts)
        .await
        .map_err(|e| StoreError::Config(format!("cannot open {}: {e}", redact_url(&url))))
}

/// Leaves no earlier version of any row in a SQLite database's files: rewrites the file
/// (`VACUUM`, for free pages written before `secure_delete` was on) and empties the write-ahead
/// log, which keeps old page images until it is reused. Nothing to do on PostgreSQL, whose old
/// row versions only its own `VACUUM FULL` rewrites (see the README).
pub(crate) async fn scrub(db: &DatabaseConnection) -> Result<(), StoreError> {
    use sea_orm::ConnectionTrait as _;
    if db.get_database_backend() == sea_orm::DbBackend::Sqlite {
        db.execute_unprepared("VACUUM").await?;
        db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await?;
    }
    Ok(())
}

/// The file of a SQLite URL that SQLite would create: a file (not `:memory:`) with `mode=rwc`
/// that does not exist yet. The path is read as sqlx reads it: after `sqlite://` or `sqlite:`,
/// up to `?`, percent-decoded.
fn sqlite_file_to_create(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let (database, params) = rest.split_once('?').unwrap_or((rest, ""));
    if database.is_empty() || database == ":memory:" {
        return None;
    }
    let creates =
        url::form_urlencoded::parse(params.as_bytes()).any(|(k, v)| k == "mode" && v == "rwc");
    if !creates {
        return None;
    }
    let decoded = percent_encoding::percent_decode_str(database)
        .decode_utf8()
        .ok()?;
    let path = std::path::PathBuf::from(decoded.as_ref());
    (!path.exists()).then_some(path)
}

/// Creates `path` empty and private to its owner (0600), and its missing parent folders 0700,
/// on Unix; elsewhere SQLite creates it as usual. An existing file is left alone.
#[cfg(unix)]
fn create_private_file(path: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
        && !parent.exists()
    {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(parent)?;
    }
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        // Created meanwhile by another process: it is theirs to have set up.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(not(unix))]
fn create_private_file(_path: &std::path::Path) -> std::io::Result<()> {
    Ok(())
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
    fn files_to_create() {
        let dir = std::env::temp_dir().join(format!("esi-store-db-{}", crate::random_id()));
        let file = dir.join("a b.sqlite");
        let url = format!("sqlite://{}?mode=rwc", dir.join("a%20b.sqlite").display());
        assert_eq!(sqlite_file_to_create(&url), Some(file));
        assert_eq!(
            sqlite_file_to_create("sqlite://esi-tokens.sqlite?mode=rwc").is_some(),
            !std::path::Path::new("esi-tokens.sqlite").exists()
        );
        assert_eq!(sqlite_file_to_create("sqlite::memory:"), None);
        assert_eq!(sqlite_file_to_create("sqlite://x.db?mode=memory"), None);
        assert_eq!(sqlite_file_to_create("sqlite://x.db?mode=rw"), None);
        assert_eq!(sqlite_file_to_create("sqlite://x.db"), None);
        assert_eq!(sqlite_file_to_create("postgres://h/db?mode=rwc"), None);
        let here = std::env::temp_dir();
        let existing = format!("sqlite://{}?mode=rwc", here.display());
        assert_eq!(sqlite_file_to_create(&existing), None, "exists");
    }

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
