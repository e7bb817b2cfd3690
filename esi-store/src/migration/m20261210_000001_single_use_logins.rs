//! Logins remember whether they are single-use: `esi_callback_redirect.single_use`, false for
//! the rows that were there before.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Adds `esi_callback_redirect.single_use`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261210_000001_single_use_logins"
    }
}

#[derive(DeriveIden)]
enum EsiCallbackRedirect {
    Table,
    SingleUse,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(EsiCallbackRedirect::Table)
                .add_column(boolean(EsiCallbackRedirect::SingleUse).default(false))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(EsiCallbackRedirect::Table)
                .drop_column(EsiCallbackRedirect::SingleUse)
                .to_owned(),
        )
        .await
    }
}
