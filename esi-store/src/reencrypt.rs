//! [`TokenStore::reencrypt_tokens`]: moves every token row to the writing key: plain rows from
//! before the keys, and rows sealed with a key rotated away from. `esi tokens re-encrypt` runs
//! it.
//!
//! Invariant: a row is only ever rewritten with the very tokens it held, and only if it still
//! holds what was read (a compare-and-swap on both stored values), so a refresh that lands
//! meanwhile is never undone. A row whose values cannot be opened is reported and left as it is.
//! Afterwards a SQLite file keeps no earlier version of any row (`db::scrub`).

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::crypt::Column;
use crate::db;
use crate::entity::token;
use crate::error::StoreError;
use crate::keys::TokenKeys;
use crate::secrets::Row;
use crate::store::TokenStore;

/// Rows read at a time.
const BATCH: u64 = 500;

/// What [`TokenStore::reencrypt_tokens`] did, row by row.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct ReencryptReport {
    /// The id of the key every moved row is sealed with now.
    pub key_id: String,
    /// Rows sealed now that were plain (written before token keys were set).
    pub from_plain: u64,
    /// Rows sealed now with the writing key that were sealed with an older one.
    pub from_old_key: u64,
    /// Rows already sealed with the writing key: left alone.
    pub already_current: u64,
    /// Rows that changed (refreshed, deleted) between reading and writing: left to their new
    /// state. A process still running with the old keys may have written one of them with
    /// an old key; run again once every process has the new keys.
    pub changed_meanwhile: Vec<i64>,
    /// Rows whose values cannot be opened with the configured keys (a key missing from the
    /// set, a wrong key): kept untouched, with the error naming the key.
    pub failed: Vec<(i64, StoreError)>,
}

impl ReencryptReport {
    /// Rows rewritten.
    pub fn moved(&self) -> u64 {
        self.from_plain + self.from_old_key
    }

    /// True when every row is sealed with the writing key.
    pub fn complete(&self) -> bool {
        self.changed_meanwhile.is_empty() && self.failed.is_empty()
    }
}

impl TokenStore {
    /// Seals every token row with the writing key ([`crate::StoreConfig::token_keys`]): plain
    /// rows, and rows sealed with the older keys of the set. Run it after adding a key, or a
    /// new writing key; once the report is [`ReencryptReport::complete`], the older keys can be
    /// dropped from the configuration. On SQLite it then rewrites the file (`VACUUM`) and empties
    /// its write-ahead log, so no earlier version of a row stays in them; PostgreSQL keeps old
    /// row versions until its own `VACUUM FULL`. Fails with [`StoreError::Config`] when no key
    /// is set.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), esi_store::StoreError> {
    /// // ESI_TOKEN_KEY="new:<base64>,old:<base64>"
    /// let store = esi_store::TokenStore::from_env().await?;
    /// let report = store.reencrypt_tokens().await?;
    /// println!("{} rows now sealed with {}", report.moved(), report.key_id);
    /// assert!(report.complete(), "{:?}", report.failed);
    /// # Ok(()) }
    /// ```
    pub async fn reencrypt_tokens(&self) -> Result<ReencryptReport, StoreError> {
        let keys = self.keys().ok_or_else(|| {
            StoreError::Config(
                "no token key is configured to re-encrypt with (set ESI_TOKEN_KEY)".into(),
            )
        })?;
        let mut report = ReencryptReport {
            key_id: keys.write_key_id().to_owned(),
            ..ReencryptReport::default()
        };
        let mut after = i64::MIN;
        loop {
            let rows = token::Entity::find()
                .filter(token::Column::Id.gt(after))
                .order_by_asc(token::Column::Id)
                .limit(BATCH)
                .all(self.db())
                .await?;
            let Some(last) = rows.last() else { break };
            after = last.id;
            for row in rows {
                self.reencrypt_row(keys, row, &mut report).await?;
            }
        }
        // Also when no row moved here: rows sealed by their refresh left their plain values.
        db::scrub(self.db()).await?;
        tracing::info!(
            key_id = %report.key_id,
            from_plain = report.from_plain,
            from_old_key = report.from_old_key,
            already_current = report.already_current,
            changed_meanwhile = report.changed_meanwhile.len(),
            failed = report.failed.len(),
            "re-encrypted the stored tokens"
        );
        Ok(report)
    }

    /// Moves one row to the writing key, counting what it was.
    async fn reencrypt_row(
        &self,
        keys: &TokenKeys,
        row: token::Model,
        report: &mut ReencryptReport,
    ) -> Result<(), StoreError> {
        let at = Row::of(&row);
        let secrets = match at.open_all(Some(keys), &row) {
            Ok(secrets) => secrets,
            Err(e) => {
                tracing::warn!(token_id = row.id, error = %e, "cannot re-encrypt a token; left as it is");
                report.failed.push((row.id, e));
                return Ok(());
            }
        };
        if secrets.current {
            report.already_current += 1;
            return Ok(());
        }
        let access = at.seal(
            Some(keys),
            Column::AccessToken,
            secrets.access_token.expose(),
        )?;
        let mut update = token::Entity::update_many()
            .col_expr(token::Column::AccessToken, Expr::value(access))
            .filter(token::Column::Id.eq(row.id))
            .filter(token::Column::AccessToken.eq(row.access_token.expose()));
        update = match (&secrets.refresh_token, &row.refresh_token) {
            (Some(plain), Some(stored)) => update
                .col_expr(
                    token::Column::RefreshToken,
                    Expr::value(at.seal(Some(keys), Column::RefreshToken, plain.expose())?),
                )
                .filter(token::Column::RefreshToken.eq(stored.expose())),
            _ => update.filter(token::Column::RefreshToken.is_null()),
        };
        if update.exec(self.db()).await?.rows_affected != 1 {
            report.changed_meanwhile.push(row.id);
        } else if secrets.plain {
            report.from_plain += 1;
        } else {
            report.from_old_key += 1;
        }
        Ok(())
    }
}
