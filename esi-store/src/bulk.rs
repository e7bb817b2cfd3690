//! [`TokenStore::bulk_refresh`]: refresh many tokens with bounded concurrency. One token's
//! failure does not stop the others; once the SSO is seen to be unavailable, the remaining
//! tokens are not tried (reported unavailable) and nothing is deleted because of the outage.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::StreamExt as _;

use crate::error::StoreError;
use crate::store::TokenStore;
use crate::token::Token;

/// What [`TokenStore::bulk_refresh`] did, token by token.
#[derive(Debug, Default)]
pub struct BulkRefreshReport {
    /// Tokens that are valid now (refreshed, or found fresh), with their new expiry.
    pub refreshed: Vec<Token>,
    /// Ids of tokens deleted: the SSO refused their refresh token, or their owner changed (or
    /// another process deleted them meanwhile).
    pub deleted: Vec<i64>,
    /// Ids of expired tokens without a refresh token (left alone here; `cleanup_token`
    /// deletes them).
    pub not_refreshable: Vec<i64>,
    /// Ids of tokens not refreshed because the SSO was unavailable; they are kept.
    pub unavailable: Vec<i64>,
    /// Tokens that failed otherwise (database errors, misconfiguration), with the error.
    pub failed: Vec<(i64, StoreError)>,
}

impl BulkRefreshReport {
    /// Number of tokens handled.
    pub fn total(&self) -> usize {
        self.refreshed.len()
            + self.deleted.len()
            + self.not_refreshable.len()
            + self.unavailable.len()
            + self.failed.len()
    }
}

impl TokenStore {
    /// Refreshes each of `tokens` that has expired, [`crate::StoreConfig::bulk_concurrency`]
    /// at a time. Tokens still fresh count as refreshed without an SSO request.
    pub async fn bulk_refresh(&self, tokens: Vec<Token>) -> Result<BulkRefreshReport, StoreError> {
        let total = tokens.len();
        let concurrency = self.config().bulk_concurrency.max(1);
        let sso_down = Arc::new(AtomicBool::new(false));
        let mut outcomes = futures::stream::iter(tokens)
            .map(|token| {
                let sso_down = sso_down.clone();
                async move {
                    if sso_down.load(Ordering::Relaxed) {
                        return (token, Err(None));
                    }
                    let out = self.fresh(token.id, false).await;
                    if let Err(e) = &out
                        && matches!(e, StoreError::Sso(s) if s.is_unavailable())
                    {
                        sso_down.store(true, Ordering::Relaxed);
                    }
                    (token, out.map_err(Some))
                }
            })
            .buffer_unordered(concurrency);
        let mut report = BulkRefreshReport::default();
        while let Some((token, out)) = outcomes.next().await {
            match out {
                Ok(fresh) => report.refreshed.push(token.with_fresh(fresh)),
                Err(None) => report.unavailable.push(token.id),
                Err(Some(e)) => match e {
                    e if e.token_deleted() => report.deleted.push(token.id),
                    StoreError::NotFound { .. } => report.deleted.push(token.id),
                    StoreError::NotRefreshable { .. } => report.not_refreshable.push(token.id),
                    StoreError::Sso(s) if s.is_unavailable() => report.unavailable.push(token.id),
                    StoreError::LeaseTimeout { .. } => report.unavailable.push(token.id),
                    other => report.failed.push((token.id, other)),
                },
            }
            let done = report.total();
            if done % 1000 == 0 {
                tracing::info!(done, total, "bulk refresh progress");
            }
        }
        if total == 0 {
            tracing::debug!(total, "bulk refresh done");
            return Ok(report);
        }
        tracing::info!(
            total,
            refreshed = report.refreshed.len(),
            deleted = report.deleted.len(),
            not_refreshable = report.not_refreshable.len(),
            unavailable = report.unavailable.len(),
            failed = report.failed.len(),
            "bulk refresh done"
        );
        Ok(report)
    }
}
