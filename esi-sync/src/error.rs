//! [`SyncError`]: why the engine itself could not go on (the database, the token store).
//! A job's own failures (ESI errors, failing handlers) are not errors of the engine: they are
//! recorded on the job and retried with backoff.

/// Why a sync operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// The database refused or failed a statement.
    #[error("sync state database: {0}")]
    Database(#[from] sea_orm::DbErr),
    /// The token store failed while the jobs were matched to its tokens.
    #[error("token store: {0}")]
    Store(#[from] esi_store::StoreError),
    /// The configuration cannot work (two jobs with one name, a zero lease).
    #[error("sync configuration: {0}")]
    Config(String),
}
