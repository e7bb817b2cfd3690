//! The token database the CLI opens, and the checks before the store connects (and so
//! migrates) it. Called by [`crate::context::Context::store`].
//!
//! Invariants: the default SQLite file lives in a folder of mode 0700 and has mode 0600 (on
//! Unix), existing looser ones are tightened; a database that holds tables the store did not
//! create is never migrated unless the user says so (`--migrate-foreign-database`).

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use sea_orm::sqlx::{self, ConnectOptions as _, Connection as _};

use crate::Failure;

/// Whether the store may create its tables in a database that holds other tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ForeignTables {
    /// Refuse (the default): the database is probably another application's.
    Refuse,
    /// The user said so (`--migrate-foreign-database`).
    Migrate,
}

/// The default token database: `tokens.sqlite` in `<data dir>/esi`, both created private.
pub(crate) fn default_url() -> anyhow::Result<String> {
    let dir = dirs::data_dir()
        .context(
            "no data directory for the token database (set HOME or XDG_DATA_HOME, or pass \
             --database-url)",
        )?
        .join("esi");
    private_dir(&dir)?;
    let file = dir.join("tokens.sqlite");
    private_file(&file)?;
    // SQLite gives its journal files the database file's mode; older ones may be looser.
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut name = file.clone().into_os_string();
        name.push(suffix);
        let journal = PathBuf::from(name);
        if journal.exists() {
            private_file(&journal)?;
        }
    }
    Ok(sqlite_url(&file))
}

/// A `sqlite://` URL that creates the file when missing.
pub(crate) fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// Creates `dir` (and missing parents) with mode 0700, or tightens an existing one.
#[cfg(unix)]
fn private_dir(dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::DirBuilderExt as _;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("creating {}", dir.display()))?;
    tighten(dir, 0o700)
}

/// Creates `file` with mode 0600 when missing, or tightens an existing one.
#[cfg(unix)]
fn private_file(file: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt as _;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(file)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => tighten(file, 0o600),
        Err(e) => Err(e).with_context(|| format!("creating {}", file.display())),
    }
}

/// Sets `path` to `mode` when group or others have any access to it; says so on stderr.
#[cfg(unix)]
fn tighten(path: &Path, mode: u32) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    let meta = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    let current = meta.permissions().mode() & 0o777;
    if current & 0o077 == 0 {
        return Ok(());
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).with_context(|| {
        format!(
            "{} is open to other users (mode {current:o}) and cannot be made private; fix \
             its permissions or pass --database-url",
            path.display()
        )
    })?;
    tracing::warn!(
        "{} was open to other users (mode {current:o}); set it to {mode:o}",
        path.display()
    );
    Ok(())
}

#[cfg(not(unix))]
fn private_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))
}

#[cfg(not(unix))]
fn private_file(_file: &Path) -> anyhow::Result<()> {
    Ok(())
}

/// Refuses (exit code 2) a database that holds tables the store did not create, unless
/// `foreign` says to go ahead. Reads only the table names; creates nothing.
pub(crate) async fn check_tables(url: &str, foreign: ForeignTables) -> Result<(), Failure> {
    if foreign == ForeignTables::Migrate {
        return Ok(());
    }
    let ours = store_tables();
    let mut others: Vec<String> = existing_tables(url)
        .await?
        .into_iter()
        .filter(|t| !ours.contains(t))
        .collect();
    if others.is_empty() {
        return Ok(());
    }
    others.sort();
    let shown = others.len().min(5);
    Err(Failure::usage(format!(
        "the token database already holds tables the esi store did not create ({}{}); it \
         looks like another application's database, so esi will not add its tables there. Use \
         a database of its own (--database-url or ESI_DATABASE_URL), or pass \
         --migrate-foreign-database to add them anyway",
        others[..shown].join(", "),
        if others.len() > shown { ", ..." } else { "" }
    )))
}

/// The tables the store's migrations create, with its migration table, and those of the sync
/// engine (`esi sync`) beside them.
fn store_tables() -> Vec<String> {
    let mut tables = esi_store::table_names();
    tables.extend(esi_sync::table_names());
    tables
}

/// The names of the tables and views in the database (none for a SQLite file that does not
/// exist yet); SQLite's own `sqlite_*` tables are left out.
async fn existing_tables(url: &str) -> anyhow::Result<Vec<String>> {
    let url = url.trim();
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let options: sqlx::postgres::PgConnectOptions = url
            .parse()
            .context("the PostgreSQL database URL is not valid")?;
        let mut conn = options
            .disable_statement_logging()
            .connect()
            .await
            .context("cannot open the token database to look at its tables")?;
        let names = sqlx::query_scalar::<_, String>(
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema()",
        )
        .fetch_all(&mut conn)
        .await
        .context("listing the tables of the token database")?;
        let _ = conn.close().await;
        return Ok(names);
    }
    let path = if url.starts_with("sqlite:") {
        let options: sqlx::sqlite::SqliteConnectOptions = url
            .parse()
            .context("the SQLite database URL is not valid")?;
        options.get_filename().to_path_buf()
    } else if url.contains("://") {
        // Not a database the store opens; it says so when it connects.
        return Ok(Vec::new());
    } else {
        // A plain path, which the store opens as a SQLite file.
        PathBuf::from(url)
    };
    if !path.is_file() {
        // A new file, or `sqlite::memory:`: nothing there yet.
        return Ok(Vec::new());
    }
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&path)
        .read_only(true)
        .create_if_missing(false)
        .disable_statement_logging()
        .connect()
        .await
        .with_context(|| format!("cannot open {} to look at its tables", path.display()))?;
    let names = sqlx::query_scalar::<_, String>(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') \
         AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
    )
    .fetch_all(&mut conn)
    .await
    .with_context(|| format!("listing the tables of {}", path.display()))?;
    let _ = conn.close().await;
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_db(name: &str) -> PathBuf {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        std::env::temp_dir().join(format!(
            "esi-cli-{name}-{}-{nanos}.sqlite",
            std::process::id()
        ))
    }

    fn remove(path: &Path) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut name = path.to_path_buf().into_os_string();
            name.push(suffix);
            let _ = std::fs::remove_file(name);
        }
    }

    /// If the store ever creates a table this module does not know, the CLI would refuse its
    /// own database: this test catches that.
    #[tokio::test]
    async fn every_table_the_store_creates_is_known_as_ours() {
        let path = temp_db("own");
        let url = sqlite_url(&path);
        let sso = esi_sso::Sso::new(esi_sso::SsoConfig::new("id", "http://127.0.0.1:9/callback"))
            .unwrap();
        let store = esi_store::TokenStore::connect(esi_store::StoreConfig::new(&url), sso)
            .await
            .unwrap();
        drop(store);
        let tables = existing_tables(&url).await.unwrap();
        remove(&path);
        assert!(tables.len() >= 5, "{tables:?}");
        let ours = store_tables();
        for table in tables {
            assert!(ours.contains(&table), "{table} is not in store_tables()");
        }
    }

    #[tokio::test]
    async fn a_missing_file_or_memory_is_empty() {
        let path = temp_db("missing");
        assert!(
            existing_tables(&sqlite_url(&path))
                .await
                .unwrap()
                .is_empty()
        );
        assert!(!path.exists(), "looking created nothing");
        assert!(existing_tables("sqlite::memory:").await.unwrap().is_empty());
        check_tables(path.to_str().unwrap(), ForeignTables::Refuse)
            .await
            .unwrap();
    }
}
