//! The `esi_token_scope` link table: which scopes a token holds.

use sea_orm::entity::prelude::*;

/// One token–scope pair.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "esi_token_scope")]
pub struct Model {
    /// The token.
    #[sea_orm(primary_key, auto_increment = false)]
    pub token_id: i64,
    /// The scope.
    #[sea_orm(primary_key, auto_increment = false)]
    pub scope_id: i64,
}

/// No declared relations (the foreign keys live in the migration).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
