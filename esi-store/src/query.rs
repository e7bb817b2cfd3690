//! Finding tokens: [`TokenQuery`] (by character, by user, by scopes, superset or exact; expired
//! ones; the valid ones, refreshing as needed), [`TokenStore::get_token`] and
//! [`TokenStore::equivalent_to`].
//!
//! Scope filters run in SQL (one grouped subquery), so they scale with the table. An empty
//! scope set means "any token" for [`TokenQuery::require_scopes`] and "tokens without scopes"
//! for [`TokenQuery::require_scopes_exact`]; a scope nobody holds matches nothing.

use std::collections::HashMap;

use chrono::Utc;
use esi_sso::{Scopes, Secret};
use sea_orm::sea_query::{Expr, ExprTrait as _, Func, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};

use crate::entity::{scope, token, token_scope};
use crate::error::StoreError;
use crate::store::TokenStore;
use crate::token::Token;

/// A query over stored tokens; build it with [`TokenStore::tokens`].
///
/// ```no_run
/// # async fn demo(store: esi_store::TokenStore) -> Result<(), esi_store::StoreError> {
/// let tokens = store
///     .tokens()
///     .user("42")
///     .require_scopes("esi-wallet.read_character_wallet.v1")
///     .require_valid()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a query does nothing until it is run"]
pub struct TokenQuery {
    store: TokenStore,
    character_id: Option<i64>,
    user: Option<Option<String>>,
    scopes: Option<(Scopes, bool)>,
}

impl TokenStore {
    /// Starts a query over every token.
    pub fn tokens(&self) -> TokenQuery {
        TokenQuery {
            store: self.clone(),
            character_id: None,
            user: None,
            scopes: None,
        }
    }

    /// A token of `character_id` holding at least `scopes` whose access token is valid now
    /// (refreshed if needed), newest first; `None` when there is none. Tokens that turn out to
    /// be revoked are deleted and skipped; if every candidate failed because the SSO is
    /// unavailable, that error is returned.
    pub async fn get_token(
        &self,
        character_id: i64,
        scopes: impl Into<Scopes>,
    ) -> Result<Option<Token>, StoreError> {
        Ok(self
            .get_valid(character_id, scopes.into())
            .await?
            .map(|(token, _)| token))
    }

    /// [`TokenStore::get_token`] with the valid access token.
    pub(crate) async fn get_valid(
        &self,
        character_id: i64,
        scopes: Scopes,
    ) -> Result<Option<(Token, Secret)>, StoreError> {
        self.first_valid(self.tokens().character(character_id).require_scopes(scopes))
            .await
    }

    /// The newest token matching `query` whose access token is valid now (refreshed if
    /// needed), with that access token. Revoked tokens are deleted and skipped; if every
    /// candidate failed because the SSO is unavailable, that error is returned.
    pub(crate) async fn first_valid(
        &self,
        query: TokenQuery,
    ) -> Result<Option<(Token, Secret)>, StoreError> {
        let candidates = query.all().await?;
        let mut last_err = None;
        for token in candidates {
            match self.valid_access_token(&token).await {
                Ok(access) => {
                    let fresh = self.token(token.id).await?.unwrap_or(token);
                    return Ok(Some((fresh, access)));
                }
                Err(e) if e.token_deleted() || matches!(e, StoreError::NotRefreshable { .. }) => {}
                Err(e) => last_err = Some(e),
            }
        }
        match last_err {
            Some(e) => Err(e),
            None => Ok(None),
        }
    }

    /// Tokens equivalent to `token`: same character, exactly the same scopes, and the same
    /// user or no user; `token` itself excluded.
    pub async fn equivalent_to(&self, token: &Token) -> Result<Vec<Token>, StoreError> {
        let mut q = self
            .tokens()
            .character(token.character_id)
            .require_scopes_exact(token.scopes.clone());
        q.user = None;
        let all = q.all().await?;
        Ok(all
            .into_iter()
            .filter(|t| t.id != token.id && (t.user_id.is_none() || t.user_id == token.user_id))
            .collect())
    }
}

impl TokenQuery {
    /// Only tokens of this character.
    pub fn character(mut self, character_id: i64) -> Self {
        self.character_id = Some(character_id);
        self
    }

    /// Only tokens of this user.
    pub fn user(mut self, user_id: impl Into<String>) -> Self {
        self.user = Some(Some(user_id.into()));
        self
    }

    /// Only tokens that belong to no user.
    pub fn without_user(mut self) -> Self {
        self.user = Some(None);
        self
    }

    /// Only tokens holding every scope in `scopes` (a list or a space-delimited string).
    pub fn require_scopes(mut self, scopes: impl Into<Scopes>) -> Self {
        self.scopes = Some((scopes.into(), false));
        self
    }

    /// Only tokens holding exactly `scopes`.
    pub fn require_scopes_exact(mut self, scopes: impl Into<Scopes>) -> Self {
        self.scopes = Some((scopes.into(), true));
        self
    }

    /// The matching tokens, newest first.
    pub async fn all(self) -> Result<Vec<Token>, StoreError> {
        let models = token::Entity::find()
            .filter(self.condition())
            .order_by_desc(token::Column::Id)
            .all(self.store.db())
            .await?;
        self.store.with_scopes(models).await
    }

    /// The newest matching token.
    pub async fn first(self) -> Result<Option<Token>, StoreError> {
        let model = token::Entity::find()
            .filter(self.condition())
            .order_by_desc(token::Column::Id)
            .one(self.store.db())
            .await?;
        match model {
            Some(m) => Ok(self.store.with_scopes(vec![m]).await?.pop()),
            None => Ok(None),
        }
    }

    /// How many tokens match.
    pub async fn count(self) -> Result<u64, StoreError> {
        Ok(token::Entity::find()
            .filter(self.condition())
            .count(self.store.db())
            .await?)
    }

    /// The matching tokens whose access token has expired (or expires within
    /// [`crate::StoreConfig::refresh_margin`]).
    pub async fn expired(self) -> Result<Vec<Token>, StoreError> {
        let models = token::Entity::find()
            .filter(self.condition())
            .filter(token::Column::Expires.lte(self.store.expiry_cutoff()))
            .order_by_asc(token::Column::Id)
            .all(self.store.db())
            .await?;
        self.store.with_scopes(models).await
    }

    /// The matching tokens that are valid: the fresh ones plus the expired ones that refreshed
    /// (those that could not are left out; revoked ones are deleted).
    pub async fn require_valid(self) -> Result<Vec<Token>, StoreError> {
        let store = self.store.clone();
        let tokens = self.all().await?;
        let (fresh, expired): (Vec<Token>, Vec<Token>) = tokens
            .into_iter()
            .partition(|t| !t.is_expired(store.config().refresh_margin));
        let report = store.bulk_refresh(expired).await?;
        let mut out = fresh;
        out.extend(report.refreshed);
        out.sort_by_key(|t| std::cmp::Reverse(t.id));
        Ok(out)
    }

    /// Refreshes the matching expired tokens; see [`TokenStore::bulk_refresh`].
    pub async fn bulk_refresh(self) -> Result<crate::BulkRefreshReport, StoreError> {
        let store = self.store.clone();
        let expired = self.expired().await?;
        store.bulk_refresh(expired).await
    }

    fn condition(&self) -> Condition {
        let mut c = Condition::all();
        if let Some(id) = self.character_id {
            c = c.add(token::Column::CharacterId.eq(id));
        }
        match &self.user {
            Some(Some(u)) => c = c.add(token::Column::UserId.eq(u.clone())),
            Some(None) => c = c.add(token::Column::UserId.is_null()),
            None => {}
        }
        if let Some((scopes, exact)) = &self.scopes {
            let n = i64::try_from(scopes.len()).unwrap_or(i64::MAX);
            if n > 0 {
                c = c.add(token::Column::Id.in_subquery(holding_all(scopes, n)));
            }
            if *exact {
                c = c.add(token::Column::Id.not_in_subquery(count_other_than(n)));
            }
        }
        c
    }
}

/// `SELECT token_id FROM token_scope JOIN scope ... WHERE name IN (..) GROUP BY token_id
/// HAVING COUNT(*) = n`: tokens holding every scope.
fn holding_all(scopes: &Scopes, n: i64) -> SelectStatement {
    crate::scopes::token_links()
        .and_where(
            Expr::col((scope::Entity, scope::Column::Name)).is_in(scopes.iter().map(str::to_owned)),
        )
        .group_by_col((token_scope::Entity, token_scope::Column::TokenId))
        .and_having(
            Expr::expr(Func::count(Expr::col((
                token_scope::Entity,
                token_scope::Column::ScopeId,
            ))))
            .eq(n),
        )
        .to_owned()
}

/// Tokens linked to a number of scopes other than `n`.
fn count_other_than(n: i64) -> SelectStatement {
    Query::select()
        .column(token_scope::Column::TokenId)
        .from(token_scope::Entity)
        .group_by_col(token_scope::Column::TokenId)
        .and_having(Expr::expr(Func::count(Expr::col(token_scope::Column::ScopeId))).ne(n))
        .to_owned()
}

/// The scope ids linked to each token.
pub(crate) async fn scope_ids_of<C: ConnectionTrait>(
    db: &C,
    token_ids: &[i64],
) -> Result<HashMap<i64, Vec<i64>>, StoreError> {
    let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
    for chunk in token_ids.chunks(crate::scopes::CHUNK) {
        let links = token_scope::Entity::find()
            .filter(token_scope::Column::TokenId.is_in(chunk.iter().copied()))
            .all(db)
            .await?;
        for l in links {
            out.entry(l.token_id).or_default().push(l.scope_id);
        }
    }
    Ok(out)
}

impl TokenStore {
    /// Access tokens expiring at or before this instant count as expired.
    pub(crate) fn expiry_cutoff(&self) -> chrono::DateTime<Utc> {
        Utc::now()
            + chrono::Duration::from_std(self.config().refresh_margin)
                .unwrap_or(chrono::Duration::zero())
    }
}
