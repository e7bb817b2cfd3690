//! The `esi_scope` table: every scope name ever granted, with a help text derived from the name.

use sea_orm::entity::prelude::*;

/// One scope.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "esi_scope")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The scope name, e.g. `esi-wallet.read_character_wallet.v1` (unique).
    #[sea_orm(unique)]
    pub name: String,
    /// A readable text, e.g. `Read character wallet`.
    pub help_text: String,
}

/// No declared relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The help text of a scope name, as django-esi derives it: the part after the first dot, up to
/// the next dot, underscores as spaces, first letter upper case.
///
/// ```
/// use esi_store::entity::scope::help_text;
/// assert_eq!(help_text("esi-wallet.read_character_wallet.v1"), "Read character wallet");
/// assert_eq!(help_text("publicData"), "PublicData");
/// ```
pub fn help_text(name: &str) -> String {
    let part = name.split('.').nth(1).unwrap_or(name).replace('_', " ");
    let mut chars = part.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
