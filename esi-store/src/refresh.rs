//! Keeping access tokens valid: [`TokenStore::valid_access_token`] refreshes an expired token
//! exactly once however many tasks and processes ask at the same moment.
//!
//! - In one process, callers for the same token share one refresh (a single-flight table of
//!   shared futures). The refresh runs in its own tokio task, so a caller that gives up does not
//!   cancel it halfway.
//! - Across processes, a refresh lease on the row is taken with one compare-and-swap `UPDATE`
//!   (`WHERE id = ? AND refresh_token = <the one read> AND lease free or expired`). The holder
//!   calls the SSO; the others poll the row (bounded) until it is fresh. No transaction stays
//!   open during the HTTP call. On PostgreSQL a concurrent `UPDATE` of the row waits for the
//!   first to commit and re-checks the `WHERE` on the new row, so exactly one wins. With the
//!   `redis` feature a per-token Redis lock is taken first. The `lock` module takes both.
//! - The rotated refresh token and the new access token are written (guarded by the lease)
//!   before anyone gets the access token, sealed with the writing token key when keys are
//!   configured (a plain row from before the keys is sealed by its first refresh). The lease is
//!   taken against the refresh token as stored, so a re-encryption of the row meanwhile just
//!   means reading it again. A value that cannot be opened fails before the SSO is asked, and
//!   the row is left as it is.
//! - `invalid_grant` deletes the token (django-esi's `refresh_or_delete`); an owner-hash change
//!   deletes it too and the new tokens are not saved; an unavailable SSO keeps it.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use esi_sso::Secret;
use futures::FutureExt as _;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::crypt::Column;
use crate::entity::token;
use crate::error::StoreError;
use crate::secrets::Row;
use crate::store::{InFlight, TokenStore};
use crate::token::{Fresh, Token, is_expired};

/// Longest pause between two looks at a row whose lease another process holds.
const MAX_POLL: Duration = Duration::from_millis(250);

impl TokenStore {
    /// A valid access token for `token`, refreshed first when it has expired (or expires within
    /// [`crate::StoreConfig::refresh_margin`]).
    pub async fn valid_access_token(&self, token: &Token) -> Result<Secret, StoreError> {
        self.valid_access_token_by_id(token.id).await
    }

    /// [`TokenStore::valid_access_token`] by token id.
    pub async fn valid_access_token_by_id(&self, token_id: i64) -> Result<Secret, StoreError> {
        Ok(self.fresh(token_id, false).await?.access_token)
    }

    /// Refreshes `token` now, even if it has not expired, and returns it updated.
    pub async fn refresh(&self, token: &Token) -> Result<Token, StoreError> {
        self.fresh(token.id, true).await?;
        self.token(token.id)
            .await?
            .ok_or(StoreError::NotFound { token_id: token.id })
    }

    /// The token's secrets, refreshed when expired (or always, with `force`).
    pub(crate) async fn fresh(&self, token_id: i64, force: bool) -> Result<Fresh, StoreError> {
        if !force {
            let row = token::Entity::find_by_id(token_id)
                .one(self.db())
                .await?
                .ok_or(StoreError::NotFound { token_id })?;
            if !is_expired(row.expires, self.config().refresh_margin) {
                return self.fresh_of(&row);
            }
        }
        self.shared_refresh(token_id, force).await
    }

    /// Joins the refresh of `token_id` in progress, or starts one.
    fn shared_refresh(&self, token_id: i64, force: bool) -> InFlight {
        let mut table = self
            .inner
            .inflight
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(running) = table.get(&token_id) {
            return running.clone();
        }
        let store = self.clone();
        // The task removes its entry when done; it cannot get there before the insert below,
        // because the table stays locked until then.
        let task = tokio::spawn(async move {
            let out = store.refresh_once(token_id, force).await;
            store
                .inner
                .inflight
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .remove(&token_id);
            out
        });
        let shared = async move {
            task.await
                .unwrap_or_else(|e| Err(StoreError::Internal(format!("refresh task: {e}"))))
        }
        .boxed()
        .shared();
        table.insert(token_id, shared.clone());
        shared
    }

    /// One refresh: take the lease or wait for whoever has it, bounded by the lease length.
    /// Traced as an INFO span `esi_store.refresh` with the token's row id (never a secret).
    #[tracing::instrument(name = "esi_store.refresh", level = "info", skip(self))]
    async fn refresh_once(&self, token_id: i64, force: bool) -> Result<Fresh, StoreError> {
        let config = self.config();
        let deadline = Instant::now() + config.refresh_lease + Duration::from_secs(5);
        let mut seen_access: Option<Secret> = None;
        let mut poll = Duration::from_millis(20);
        loop {
            let row = token::Entity::find_by_id(token_id)
                .one(self.db())
                .await?
                .ok_or(StoreError::NotFound { token_id })?;
            let fresh = self.fresh_of(&row)?;
            // Compared opened: a re-encryption changes the stored form, not the token.
            let replaced = seen_access
                .as_ref()
                .is_some_and(|seen| seen != &fresh.access_token);
            if !is_expired(row.expires, config.refresh_margin) && (!force || replaced) {
                return Ok(fresh);
            }
            seen_access.get_or_insert_with(|| fresh.access_token.clone());
            let (Some(refresh_token), Some(stored)) = (fresh.refresh_token, &row.refresh_token)
            else {
                return Err(StoreError::NotRefreshable { token_id });
            };
            let locks = self.refresh_locks();
            if let Some((lease, gate)) = locks.take_gate(token_id, stored.expose()).await? {
                let out = self.refresh_with_lease(row, refresh_token, lease).await;
                gate.release().await;
                count_refresh(out.is_ok());
                return out;
            }
            if Instant::now() >= deadline {
                return Err(StoreError::LeaseTimeout { token_id });
            }
            tokio::time::sleep(poll).await;
            poll = (poll * 2).min(MAX_POLL);
        }
    }

    /// Calls the SSO while holding the lease, then stores the outcome.
    async fn refresh_with_lease(
        &self,
        row: token::Model,
        sent: Secret,
        lease: String,
    ) -> Result<Fresh, StoreError> {
        let token_id = row.id;
        let at = Row::of(&row);
        let tokens = match self.sso().refresh_unverified(&sent, None).await {
            Ok(t) => t,
            Err(e) if e.is_invalid_grant() => {
                tracing::warn!(
                    token_id,
                    "refresh token refused (invalid_grant); deleting the token"
                );
                self.delete(token_id).await?;
                return Err(StoreError::Revoked { token_id });
            }
            Err(e) => {
                self.release_lease(token_id, &lease).await;
                return Err(e.into());
            }
        };
        let new_refresh = tokens.refresh_token.clone().unwrap_or(sent);
        let claims = match self.sso().verify(tokens.access_token.expose()).await {
            Ok(c) => c,
            Err(e) => {
                // Keep the (possibly rotated) refresh token, or the grant is lost.
                self.store_refresh_token_only(at, &lease, &new_refresh)
                    .await?;
                return Err(e.into());
            }
        };
        if claims.character_id != row.character_id || claims.owner_hash != row.character_owner_hash
        {
            tracing::warn!(
                token_id,
                character_id = row.character_id,
                "owner hash changed on refresh: the character changed hands; deleting the token"
            );
            self.delete(token_id).await?;
            return Err(StoreError::OwnerChanged {
                token_id,
                character_id: row.character_id,
            });
        }
        let keys = self.keys();
        let res = releasing_lease(token_id, &lease)
            .col_expr(
                token::Column::AccessToken,
                Expr::value(at.seal(keys, Column::AccessToken, tokens.access_token.expose())?),
            )
            .col_expr(
                token::Column::RefreshToken,
                Expr::value(at.seal(keys, Column::RefreshToken, new_refresh.expose())?),
            )
            .col_expr(token::Column::Expires, Expr::value(claims.expires_at))
            .col_expr(
                token::Column::CharacterName,
                Expr::value(claims.character_name.clone()),
            )
            .exec(self.db())
            .await?;
        if res.rows_affected != 1 {
            tracing::error!(
                token_id,
                "refresh lease lost before the new tokens were stored; the token may be dead"
            );
            return Err(StoreError::Internal(format!(
                "token {token_id}: refresh lease lost"
            )));
        }
        tracing::debug!(token_id, "token refreshed");
        Ok(Fresh {
            access_token: tokens.access_token,
            refresh_token: Some(new_refresh),
            expires: claims.expires_at,
        })
    }

    async fn store_refresh_token_only(
        &self,
        at: Row,
        lease: &str,
        refresh_token: &Secret,
    ) -> Result<(), StoreError> {
        let sealed = at.seal(self.keys(), Column::RefreshToken, refresh_token.expose())?;
        releasing_lease(at.token_id, lease)
            .col_expr(token::Column::RefreshToken, Expr::value(sealed))
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// Gives the lease back after a failed refresh (best effort: it expires anyway).
    async fn release_lease(&self, token_id: i64, lease: &str) {
        let res = releasing_lease(token_id, lease).exec(self.db()).await;
        if let Err(e) = res {
            tracing::warn!(token_id, error = %e, "could not release the refresh lease; it will expire");
        }
    }
}

/// An update of the token row that applies only while `lease` is still ours, and gives the
/// lease back in the same statement.
fn releasing_lease(token_id: i64, lease: &str) -> sea_orm::UpdateMany<token::Entity> {
    token::Entity::update_many()
        .col_expr(
            token::Column::RefreshLeaseOwner,
            Expr::value(None::<String>),
        )
        .col_expr(
            token::Column::RefreshLeaseUntil,
            Expr::value(None::<DateTime<Utc>>),
        )
        .filter(token::Column::Id.eq(token_id))
        .filter(token::Column::RefreshLeaseOwner.eq(lease))
}

/// Counts one refresh sent to the SSO (the `metrics` feature): `esi_token_refreshes_total`.
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
fn count_refresh(ok: bool) {
    #[cfg(feature = "metrics")]
    metrics::counter!(
        "esi_token_refreshes_total",
        "outcome" => if ok { "ok" } else { "failed" }
    )
    .increment(1);
}
