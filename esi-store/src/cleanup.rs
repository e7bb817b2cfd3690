//! Housekeeping, as library calls and as a periodic tokio task: old callback redirects go
//! ([`TokenStore::cleanup_callbackredirect`], one `DELETE`), tokens without a user go, expired
//! tokens are refreshed or deleted ([`TokenStore::cleanup_token`]). Progress goes to `tracing`.

use std::time::Duration;

use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::bulk::BulkRefreshReport;
use crate::entity::{callback_redirect, token};
use crate::error::StoreError;
use crate::pending::Untaken;
use crate::store::TokenStore;

/// How old an unfinished login may get before [`TokenStore::cleanup_callbackredirect`]
/// deletes it, by default.
pub const DEFAULT_CALLBACK_MAX_AGE: Duration = Duration::from_secs(300);

/// What [`TokenStore::cleanup_token`] did.
#[derive(Debug, Default)]
pub struct TokenCleanupReport {
    /// Tokens deleted because they belong to no user
    /// ([`crate::StoreConfig::delete_tokens_without_user`]).
    pub deleted_without_user: u64,
    /// Expired tokens deleted because they have no refresh token.
    pub deleted_not_refreshable: u64,
    /// The refresh of the expired tokens that have a refresh token.
    pub refresh: BulkRefreshReport,
}

impl TokenStore {
    /// Deletes callback redirects created `max_age` ago or earlier, in one statement, with the
    /// tokens of the single-use logins among them that nobody took; returns how many redirects.
    pub async fn cleanup_callbackredirect(&self, max_age: Duration) -> Result<u64, StoreError> {
        let cutoff =
            Utc::now() - chrono::Duration::from_std(max_age).unwrap_or(chrono::Duration::zero());
        self.delete_untaken_single_use(Untaken::StartedBy(cutoff))
            .await?;
        let res = callback_redirect::Entity::delete_many()
            .filter(callback_redirect::Column::Created.lte(cutoff))
            .exec(self.db())
            .await?;
        if res.rows_affected > 0 {
            tracing::info!(deleted = res.rows_affected, "cleaned up callback redirects");
        } else {
            tracing::debug!(deleted = 0, "cleaned up callback redirects");
        }
        Ok(res.rows_affected)
    }

    /// Deletes tokens without a user (when configured), deletes expired tokens that cannot be
    /// refreshed, and refreshes the other expired ones (those the SSO refuses are deleted; an
    /// unavailable SSO deletes nothing).
    pub async fn cleanup_token(&self) -> Result<TokenCleanupReport, StoreError> {
        let mut report = TokenCleanupReport::default();
        if self.config().delete_tokens_without_user {
            let res = token::Entity::delete_many()
                .filter(token::Column::UserId.is_null())
                .exec(self.db())
                .await?;
            report.deleted_without_user = res.rows_affected;
            if res.rows_affected > 0 {
                tracing::info!(deleted = res.rows_affected, "deleted tokens without a user");
            }
        }
        let res = token::Entity::delete_many()
            .filter(token::Column::RefreshToken.is_null())
            .filter(token::Column::Expires.lte(self.expiry_cutoff()))
            .exec(self.db())
            .await?;
        report.deleted_not_refreshable = res.rows_affected;
        if res.rows_affected > 0 {
            tracing::info!(
                deleted = res.rows_affected,
                "deleted expired tokens without a refresh token"
            );
        }
        report.refresh = self.tokens().bulk_refresh().await?;
        Ok(report)
    }

    /// Runs the cleanups periodically on the current tokio runtime until
    /// [`CleanupRunner::stop`] (or until the runner is dropped).
    pub fn spawn_cleanup(&self, schedule: CleanupSchedule) -> CleanupRunner {
        let store = self.clone();
        let (stop, mut stopped) = oneshot::channel::<()>();
        let handle = tokio::spawn(async move {
            let mut redirects = tokio::time::interval(schedule.callback_interval.max(MIN_PERIOD));
            let mut tokens = tokio::time::interval(schedule.token_interval.max(MIN_PERIOD));
            redirects.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tokens.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    _ = redirects.tick() => {
                        if let Err(e) = store.cleanup_callbackredirect(schedule.callback_max_age).await {
                            tracing::warn!(error = %e, "callback redirect cleanup failed");
                        }
                    }
                    _ = tokens.tick() => {
                        if let Err(e) = store.cleanup_token().await {
                            tracing::warn!(error = %e, "token cleanup failed");
                        }
                    }
                }
            }
        });
        CleanupRunner {
            stop: Some(stop),
            handle: Some(handle),
        }
    }
}

/// Shortest period accepted, so a zero does not spin.
const MIN_PERIOD: Duration = Duration::from_millis(10);

/// How often the periodic cleanups run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CleanupSchedule {
    /// Period of the callback-redirect cleanup.
    pub callback_interval: Duration,
    /// Age past which callback redirects are deleted.
    pub callback_max_age: Duration,
    /// Period of the token cleanup.
    pub token_interval: Duration,
}

impl Default for CleanupSchedule {
    /// Redirects every minute (older than 5 minutes), tokens every hour.
    fn default() -> Self {
        Self {
            callback_interval: Duration::from_secs(60),
            callback_max_age: DEFAULT_CALLBACK_MAX_AGE,
            token_interval: Duration::from_secs(3600),
        }
    }
}

/// The periodic cleanup task. Dropping it stops the task.
#[derive(Debug)]
pub struct CleanupRunner {
    stop: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<()>>,
}

impl CleanupRunner {
    /// Stops the task and waits for the cleanup in progress (if any) to end.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(handle) = self.handle.take() {
            let _ = handle.await;
        }
    }
}

impl Drop for CleanupRunner {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
