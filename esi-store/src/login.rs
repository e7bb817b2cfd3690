//! The web login flow on top of the store, as django-esi's views and decorators do it:
//! [`TokenStore::start_login`] records a callback redirect (session key, `state`, PKCE
//! verifier, return URL) and gives the SSO URL; [`TokenStore::finish_login`] checks the callback
//! against it (CSRF protection bound to the session), stores the token and links it;
//! [`TokenStore::take_callback_token`] hands the token to the view that asked for it.
//!
//! A login's `state` works once: [`TokenStore::finish_login`] consumes the pending login
//! atomically (a delete counted by the database) *before* the code exchange, so of two callbacks
//! carrying the same `state` one at most reaches the SSO, and a failed exchange means starting a
//! new login. The finished login is then recorded again, with its token, for
//! [`TokenStore::take_callback_token`] and [`TokenStore::take_finished_login`].

use chrono::Utc;
use esi_sso::{Callback, Scopes, Secret};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use url::Url;

use crate::entity::{SecretText, callback_redirect};
use crate::error::StoreError;
use crate::login_kind::LoginKind;
use crate::store::TokenStore;
use crate::token::Token;

/// How many unfinished logins one browser session may have in flight (one per tab, say); the
/// oldest beyond this are forgotten when another starts.
pub const MAX_PENDING_LOGINS_PER_SESSION: usize = 8;

/// Where to send the browser to log in.
#[derive(Debug, Clone)]
pub struct LoginRedirect {
    /// The SSO login URL.
    pub url: Url,
    /// The `state` it carries.
    pub state: String,
}

/// A login started and not finished yet, as [`TokenStore::pending_login`] finds it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PendingLogin {
    /// The `state` it was started with.
    pub state: String,
    /// Where it started.
    pub return_url: String,
    /// When it started.
    pub created: chrono::DateTime<Utc>,
    /// Whose token it brings back ([`TokenStore::start_login_as`]).
    pub kind: LoginKind,
}

impl PendingLogin {
    pub(crate) fn from_model(m: callback_redirect::Model) -> Self {
        Self {
            state: m.state,
            return_url: m.return_url,
            created: m.created,
            kind: LoginKind::of_row(m.single_use),
        }
    }
}

/// A handled callback.
#[derive(Debug, Clone)]
pub struct FinishedLogin {
    /// The stored (or updated) token.
    pub token: Token,
    /// Where the login started, to redirect the browser back.
    pub return_url: String,
}

impl TokenStore {
    /// Starts a login for the browser session `session_key`: records it and returns the SSO URL
    /// to redirect to. The session's other logins in flight stay valid (a login started in
    /// another tab does not cancel this one); only the oldest unfinished ones beyond
    /// [`MAX_PENDING_LOGINS_PER_SESSION`] are forgotten, and finished logins whose token was
    /// never taken. PKCE (S256) is sent whenever the SSO
    /// announces it ([`esi_sso::Sso::authorize_web`]).
    pub async fn start_login(
        &self,
        session_key: &str,
        scopes: impl Into<Scopes>,
        return_url: &str,
    ) -> Result<LoginRedirect, StoreError> {
        let auth = self.sso().authorize_web(scopes).await?;
        self.make_room(session_key).await?;
        callback_redirect::ActiveModel {
            session_key: Set(session_key.into()),
            state: Set(auth.state.clone()),
            pkce_verifier: Set(auth.pkce_verifier.map(SecretText::from)),
            return_url: Set(return_url.to_owned()),
            created: Set(Utc::now()),
            token_id: Set(None),
            ..Default::default()
        }
        .insert(self.db())
        .await?;
        Ok(LoginRedirect {
            url: auth.url,
            state: auth.state,
        })
    }

    /// Makes room for a new login of the session: forgets its finished logins whose token was
    /// never taken (the browser went elsewhere), and its oldest unfinished ones so that, with
    /// the one about to start, it has at most [`MAX_PENDING_LOGINS_PER_SESSION`].
    async fn make_room(&self, session_key: &str) -> Result<(), StoreError> {
        callback_redirect::Entity::delete_many()
            .filter(callback_redirect::Column::SessionKey.eq(session_key))
            .filter(callback_redirect::Column::TokenId.is_not_null())
            .exec(self.db())
            .await?;
        let keep = MAX_PENDING_LOGINS_PER_SESSION.saturating_sub(1);
        // A handful of rows per session: skipped here rather than with OFFSET (which SQLite
        // only takes after a LIMIT).
        let ids: Vec<i64> = callback_redirect::Entity::find()
            .select_only()
            .column(callback_redirect::Column::Id)
            .filter(callback_redirect::Column::SessionKey.eq(session_key))
            .filter(callback_redirect::Column::TokenId.is_null())
            .order_by_desc(callback_redirect::Column::Id)
            .into_tuple()
            .all(self.db())
            .await?;
        let older: Vec<i64> = ids.into_iter().skip(keep).collect();
        if !older.is_empty() {
            callback_redirect::Entity::delete_many()
                .filter(callback_redirect::Column::Id.is_in(older))
                .exec(self.db())
                .await?;
        }
        Ok(())
    }

    /// Handles the SSO's redirect back: the `state` must match a login started by the same
    /// session. The pending login is consumed first, atomically, so it works once: a second
    /// callback with the same `state`, concurrent or later, and a retry after a failed code
    /// exchange get [`StoreError::UnknownCallback`] (start a new login). Then exchanges the code
    /// (with the recorded PKCE verifier), stores the token for `user_id` and records the
    /// finished login with it.
    pub async fn finish_login(
        &self,
        session_key: &str,
        callback: &Callback,
        user_id: Option<&str>,
    ) -> Result<FinishedLogin, StoreError> {
        let pending = callback_redirect::Entity::find()
            .filter(callback_redirect::Column::State.eq(callback.state.as_str()))
            .filter(callback_redirect::Column::SessionKey.eq(session_key))
            .filter(callback_redirect::Column::TokenId.is_null())
            .one(self.db())
            .await?
            .ok_or(StoreError::UnknownCallback)?;
        // Deleted by id and counted: of two callbacks with the same state, one wins.
        let consumed = callback_redirect::Entity::delete_many()
            .filter(callback_redirect::Column::Id.eq(pending.id))
            .filter(callback_redirect::Column::TokenId.is_null())
            .exec(self.db())
            .await?;
        if consumed.rows_affected != 1 {
            return Err(StoreError::UnknownCallback);
        }
        let verifier = pending.pkce_verifier.clone().map(Secret::from);
        let token = self
            .create_from_code(&callback.code, verifier.as_ref(), user_id)
            .await?;
        callback_redirect::ActiveModel {
            session_key: Set(pending.session_key),
            state: Set(pending.state),
            pkce_verifier: Set(None),
            return_url: Set(pending.return_url.clone()),
            created: Set(pending.created),
            token_id: Set(Some(token.id)),
            single_use: Set(pending.single_use),
            ..Default::default()
        }
        .insert(self.db())
        .await?;
        Ok(FinishedLogin {
            token,
            return_url: pending.return_url,
        })
    }

    /// The token of the session's finished login, if any; the login record is deleted, so the
    /// token is handed out once.
    pub async fn take_callback_token(
        &self,
        session_key: &str,
    ) -> Result<Option<Token>, StoreError> {
        let Some(done) = callback_redirect::Entity::find()
            .filter(callback_redirect::Column::SessionKey.eq(session_key))
            .filter(callback_redirect::Column::TokenId.is_not_null())
            .one(self.db())
            .await?
        else {
            return Ok(None);
        };
        callback_redirect::Entity::delete_by_id(done.id)
            .exec(self.db())
            .await?;
        match done.token_id {
            Some(id) => self.token(id).await,
            None => Ok(None),
        }
    }

    /// The unfinished login of the session `session_key` started with `state`, if any.
    pub async fn pending_login(
        &self,
        session_key: &str,
        state: &str,
    ) -> Result<Option<PendingLogin>, StoreError> {
        let pending = callback_redirect::Entity::find()
            .filter(callback_redirect::Column::State.eq(state))
            .filter(callback_redirect::Column::SessionKey.eq(session_key))
            .filter(callback_redirect::Column::TokenId.is_null())
            .one(self.db())
            .await?;
        Ok(pending.map(PendingLogin::from_model))
    }

    /// Forgets the session's login started with `state` (finished or not): it can no longer
    /// be finished, nor its token taken.
    pub async fn cancel_login(&self, session_key: &str, state: &str) -> Result<(), StoreError> {
        callback_redirect::Entity::delete_many()
            .filter(callback_redirect::Column::State.eq(state))
            .filter(callback_redirect::Column::SessionKey.eq(session_key))
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// The token of the session's finished login started with `state` for the page
    /// `return_url`, if any; the login record is deleted, so the token is handed out once.
    pub async fn take_finished_login(
        &self,
        session_key: &str,
        state: &str,
        return_url: &str,
    ) -> Result<Option<Token>, StoreError> {
        let Some(done) = callback_redirect::Entity::find()
            .filter(callback_redirect::Column::SessionKey.eq(session_key))
            .filter(callback_redirect::Column::State.eq(state))
            .filter(callback_redirect::Column::ReturnUrl.eq(return_url))
            .filter(callback_redirect::Column::TokenId.is_not_null())
            .one(self.db())
            .await?
        else {
            return Ok(None);
        };
        // Deleted by id and counted: of two requests taking the same login, one gets it.
        let deleted = callback_redirect::Entity::delete_by_id(done.id)
            .exec(self.db())
            .await?;
        match (deleted.rows_affected, done.token_id) {
            (1, Some(id)) => self.token(id).await,
            _ => Ok(None),
        }
    }
}
