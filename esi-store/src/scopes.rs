//! Scope rows: created on first sight (help text derived from the name), linked to tokens, and
//! loaded back for a batch of tokens in one query per chunk.

use std::collections::HashMap;

use esi_sso::Scopes;
use sea_orm::sea_query::{Expr, ExprTrait as _, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::entity::{scope, token_scope};
use crate::error::StoreError;

/// Ids in one `IN (...)`; well under SQLite's and PostgreSQL's parameter limits.
pub(crate) const CHUNK: usize = 1000;

/// Ids of `names`, creating the unknown ones.
pub(crate) async fn ensure<C: ConnectionTrait>(
    db: &C,
    names: &Scopes,
) -> Result<Vec<i64>, StoreError> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let rows = names.iter().map(|n| scope::ActiveModel {
        name: Set(n.to_owned()),
        help_text: Set(scope::help_text(n)),
        ..Default::default()
    });
    scope::Entity::insert_many(rows)
        .on_conflict_do_nothing_on([scope::Column::Name])
        .exec(db)
        .await?;
    let found = scope::Entity::find()
        .filter(scope::Column::Name.is_in(names.iter()))
        .all(db)
        .await?;
    Ok(found.into_iter().map(|s| s.id).collect())
}

/// Replaces the scopes of `token_id` with `scope_ids`.
pub(crate) async fn link<C: ConnectionTrait>(
    db: &C,
    token_id: i64,
    scope_ids: &[i64],
) -> Result<(), StoreError> {
    token_scope::Entity::delete_many()
        .filter(token_scope::Column::TokenId.eq(token_id))
        .exec(db)
        .await?;
    if scope_ids.is_empty() {
        return Ok(());
    }
    let rows = scope_ids.iter().map(|&scope_id| token_scope::ActiveModel {
        token_id: Set(token_id),
        scope_id: Set(scope_id),
    });
    token_scope::Entity::insert_many(rows).exec(db).await?;
    Ok(())
}

/// `SELECT token_scope.token_id FROM token_scope JOIN scope ON scope.id =
/// token_scope.scope_id`: every token-scope link with its scope row, for callers to add
/// columns and conditions to.
pub(crate) fn token_links() -> SelectStatement {
    Query::select()
        .column((token_scope::Entity, token_scope::Column::TokenId))
        .from(token_scope::Entity)
        .inner_join(
            scope::Entity,
            Expr::col((scope::Entity, scope::Column::Id))
                .equals((token_scope::Entity, token_scope::Column::ScopeId)),
        )
        .to_owned()
}

/// The scopes of each token in `token_ids`.
pub(crate) async fn load<C: ConnectionTrait>(
    db: &C,
    token_ids: &[i64],
) -> Result<HashMap<i64, Scopes>, StoreError> {
    let mut out: HashMap<i64, Scopes> = HashMap::new();
    for chunk in token_ids.chunks(CHUNK) {
        let stmt = token_links()
            .column((scope::Entity, scope::Column::Name))
            .and_where(
                Expr::col((token_scope::Entity, token_scope::Column::TokenId))
                    .is_in(chunk.iter().copied()),
            )
            .to_owned();
        for row in db.query_all(&stmt).await? {
            let token_id: i64 = row.try_get("", "token_id")?;
            let name: String = row.try_get("", "name")?;
            out.entry(token_id).or_default().insert(&name);
        }
    }
    Ok(out)
}
