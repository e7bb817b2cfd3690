//! Schema migrations (sea-orm-migration). [`Migrator::up`] is run by
//! [`crate::TokenStore::connect`] unless turned off; run it yourself from your own migrator
//! otherwise.

use sea_orm_migration::prelude::*;

mod m20260101_000001_initial;
mod m20261210_000001_single_use_logins;

/// The store's migrations, oldest first.
pub struct Migrator;

#[sea_orm_migration::async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20260101_000001_initial::Migration),
            Box::new(m20261210_000001_single_use_logins::Migration),
        ]
    }

    fn migration_table_name() -> DynIden {
        "esi_store_migrations".into_iden()
    }
}
