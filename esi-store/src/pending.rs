//! The queries on one browser session's logins that a web integration makes besides the two
//! login steps of `login.rs`: start a login of a [`LoginKind`], take the finished login of a
//! kind for a page (once), forget every login of a session, find the login another session
//! started, and delete the single-use tokens nobody took.
//!
//! Each login is one row of `esi_callback_redirect` keyed by the session key, with its kind:
//! nothing about logins has to live in the browser session, so concurrent requests of one
//! session (logins started in several tabs at once) cannot lose each other's logins.

use chrono::{DateTime, Utc};
use esi_sso::Scopes;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::entity::{callback_redirect, token};
use crate::error::StoreError;
use crate::login::{LoginRedirect, PendingLogin};
use crate::login_kind::LoginKind;
use crate::store::TokenStore;
use crate::token::Token;

/// Which single-use logins nobody took have their tokens deleted.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Untaken<'a> {
    /// Those of one session.
    OfSession(&'a str),
    /// Those started at this time or earlier.
    StartedBy(DateTime<Utc>),
}

impl TokenStore {
    /// [`TokenStore::start_login`] for a login of `kind`. Like `start_login`, it forgets the
    /// session's finished logins nobody took; their single-use tokens are deleted with them.
    pub async fn start_login_as(
        &self,
        session_key: &str,
        scopes: impl Into<Scopes>,
        return_url: &str,
        kind: LoginKind,
    ) -> Result<LoginRedirect, StoreError> {
        self.delete_untaken_single_use(Untaken::OfSession(session_key))
            .await?;
        let go = self.start_login(session_key, scopes, return_url).await?;
        if kind.is_single_use() {
            // The state has not left this process yet: nobody can finish the login before the
            // row says what it is.
            callback_redirect::Entity::update_many()
                .col_expr(callback_redirect::Column::SingleUse, Expr::value(true))
                .filter(callback_redirect::Column::State.eq(go.state.as_str()))
                .exec(self.db())
                .await?;
        }
        Ok(go)
    }

    /// The token of the session's newest finished login of `kind` started for `return_url`, if
    /// any. Its row is deleted and the deletion counted, so of two requests taking the same
    /// login one gets it: the token is handed out once.
    pub async fn take_finished_login_as(
        &self,
        session_key: &str,
        kind: LoginKind,
        return_url: &str,
    ) -> Result<Option<Token>, StoreError> {
        let done = callback_redirect::Entity::find()
            .filter(callback_redirect::Column::SessionKey.eq(session_key))
            .filter(callback_redirect::Column::SingleUse.eq(kind.is_single_use()))
            .filter(callback_redirect::Column::ReturnUrl.eq(return_url))
            .filter(callback_redirect::Column::TokenId.is_not_null())
            .order_by_desc(callback_redirect::Column::Id)
            .all(self.db())
            .await?;
        for row in done {
            let deleted = callback_redirect::Entity::delete_by_id(row.id)
                .exec(self.db())
                .await?;
            if let (1, Some(id)) = (deleted.rows_affected, row.token_id) {
                return self.token(id).await;
            }
        }
        Ok(None)
    }

    /// Forgets every login of the session, finished or not: none can finish or be taken any
    /// more, and the single-use tokens nobody took are deleted.
    pub async fn cancel_logins(&self, session_key: &str) -> Result<(), StoreError> {
        self.delete_untaken_single_use(Untaken::OfSession(session_key))
            .await?;
        callback_redirect::Entity::delete_many()
            .filter(callback_redirect::Column::SessionKey.eq(session_key))
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// The unfinished login started with `state` by another session than `session_key` (by any
    /// session when `None`): a callback that reached the wrong browser session, most often
    /// because the site was opened under another address than the callback URL's.
    pub async fn login_of_another_session(
        &self,
        session_key: Option<&str>,
        state: &str,
    ) -> Result<Option<PendingLogin>, StoreError> {
        let mut find = callback_redirect::Entity::find()
            .filter(callback_redirect::Column::State.eq(state))
            .filter(callback_redirect::Column::TokenId.is_null());
        if let Some(key) = session_key {
            find = find.filter(callback_redirect::Column::SessionKey.ne(key));
        }
        Ok(find.one(self.db()).await?.map(PendingLogin::from_model))
    }

    /// Deletes the tokens of finished single-use logins nobody took (their rows go with them,
    /// by the foreign key); returns how many tokens went. A token some user owns is kept.
    pub(crate) async fn delete_untaken_single_use(
        &self,
        which: Untaken<'_>,
    ) -> Result<u64, StoreError> {
        let mut find = callback_redirect::Entity::find()
            .select_only()
            .column(callback_redirect::Column::TokenId)
            .filter(callback_redirect::Column::SingleUse.eq(true))
            .filter(callback_redirect::Column::TokenId.is_not_null());
        find = match which {
            Untaken::OfSession(key) => find.filter(callback_redirect::Column::SessionKey.eq(key)),
            Untaken::StartedBy(cutoff) => {
                find.filter(callback_redirect::Column::Created.lte(cutoff))
            }
        };
        let ids: Vec<Option<i64>> = find.into_tuple().all(self.db()).await?;
        let ids: Vec<i64> = ids.into_iter().flatten().collect();
        if ids.is_empty() {
            return Ok(0);
        }
        let res = token::Entity::delete_many()
            .filter(token::Column::Id.is_in(ids))
            .filter(token::Column::UserId.is_null())
            .exec(self.db())
            .await?;
        Ok(res.rows_affected)
    }
}
