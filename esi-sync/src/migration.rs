//! The sync engine's migrations: [`Migrator`] creates the job table `esi_sync_job` (with its
//! index), and tracks what it ran in its own table (`esi_sync_migrations`) beside the token
//! store's, in the same database.
//!
//! Times are Unix milliseconds (`BIGINT`): one representation on SQLite and PostgreSQL, and
//! exact comparisons in the lease statements.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// The sync engine's migrations, oldest first. [`crate::SyncDb::migrate`] runs them.
#[derive(Debug)]
pub struct Migrator;

#[sea_orm_migration::async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(Initial), Box::new(RunRecord)]
    }

    fn migration_table_name() -> DynIden {
        "esi_sync_migrations".into_iden()
    }
}

#[derive(DeriveIden)]
enum EsiSyncJob {
    Table,
    Id,
    JobKey,
    Name,
    SubjectKind,
    SubjectId,
    ActingId,
    Operation,
    Params,
    NextRun,
    Expires,
    Etag,
    LastModified,
    LastError,
    Attempts,
    Paused,
    LeaseOwner,
    LeaseUntil,
    Runs,
    Changes,
    Updated,
    LastRun,
    LastOutcome,
}

/// Creates `esi_sync_job` with its indexes.
struct Initial;

impl MigrationName for Initial {
    fn name(&self) -> &str {
        "m20261130_000001_esi_sync_job"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Initial {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(EsiSyncJob::Table)
                .if_not_exists()
                .col(big_pk_auto(EsiSyncJob::Id))
                .col(string(EsiSyncJob::JobKey).unique_key())
                .col(string(EsiSyncJob::Name))
                .col(string(EsiSyncJob::SubjectKind))
                .col(big_integer(EsiSyncJob::SubjectId))
                .col(big_integer(EsiSyncJob::ActingId))
                .col(string(EsiSyncJob::Operation))
                .col(text(EsiSyncJob::Params))
                .col(big_integer(EsiSyncJob::NextRun))
                .col(big_integer_null(EsiSyncJob::Expires))
                .col(string_null(EsiSyncJob::Etag))
                .col(big_integer_null(EsiSyncJob::LastModified))
                .col(text_null(EsiSyncJob::LastError))
                .col(integer(EsiSyncJob::Attempts).default(0))
                .col(text_null(EsiSyncJob::Paused))
                .col(string_null(EsiSyncJob::LeaseOwner))
                .col(big_integer_null(EsiSyncJob::LeaseUntil))
                .col(big_integer(EsiSyncJob::Runs).default(0))
                .col(big_integer(EsiSyncJob::Changes).default(0))
                .col(big_integer(EsiSyncJob::Updated))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .if_not_exists()
                .name("idx_esi_sync_job_next_run")
                .table(EsiSyncJob::Table)
                .col(EsiSyncJob::NextRun)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(EsiSyncJob::Table).to_owned())
            .await
    }
}

/// Adds what a job's last run did: when it ended (`last_run`, Unix ms) and how
/// (`last_outcome`: changed, unchanged, not modified, failed), for `esi sync status`.
struct RunRecord;

impl MigrationName for RunRecord {
    fn name(&self) -> &str {
        "m20261208_000001_esi_sync_job_run_record"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for RunRecord {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        for column in [
            big_integer_null(EsiSyncJob::LastRun),
            string_null(EsiSyncJob::LastOutcome),
        ] {
            let mut column = column;
            m.alter_table(
                Table::alter()
                    .table(EsiSyncJob::Table)
                    .add_column(&mut column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [EsiSyncJob::LastOutcome, EsiSyncJob::LastRun] {
            m.alter_table(
                Table::alter()
                    .table(EsiSyncJob::Table)
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
