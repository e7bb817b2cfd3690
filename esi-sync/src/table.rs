//! The job table `esi_sync_job` and its migrations, tracked in their own table
//! (`esi_sync_migrations`) beside the token store's, in the same database.
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
        vec![Box::new(Initial)]
    }

    fn migration_table_name() -> DynIden {
        "esi_sync_migrations".into_iden()
    }
}

#[derive(DeriveIden)]
pub(crate) enum EsiSyncJob {
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
        use EsiSyncJob::*;
        m.create_table(
            Table::create()
                .table(EsiSyncJob::Table)
                .if_not_exists()
                .col(big_pk_auto(Id))
                .col(string(JobKey).unique_key())
                .col(string(Name))
                .col(string(SubjectKind))
                .col(big_integer(SubjectId))
                .col(big_integer(ActingId))
                .col(string(Operation))
                .col(text(Params))
                .col(big_integer(NextRun))
                .col(big_integer_null(Expires))
                .col(string_null(Etag))
                .col(big_integer_null(LastModified))
                .col(text_null(LastError))
                .col(integer(Attempts).default(0))
                .col(text_null(Paused))
                .col(string_null(LeaseOwner))
                .col(big_integer_null(LeaseUntil))
                .col(big_integer(Runs).default(0))
                .col(big_integer(Changes).default(0))
                .col(big_integer(Updated))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .if_not_exists()
                .name("idx_esi_sync_job_next_run")
                .table(EsiSyncJob::Table)
                .col(NextRun)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(EsiSyncJob::Table).to_owned())
            .await
    }
}
