//! [`SyncDb`]: the jobs' durable state in the token store's database, and the statements the
//! workers share it through.
//!
//! Taking due jobs is one atomic statement per batch: `UPDATE .. WHERE id IN (SELECT .. due,
//! lease free or expired .. LIMIT n) RETURNING ..`. On PostgreSQL the inner select locks with
//! `FOR UPDATE SKIP LOCKED`, so workers on any number of machines take disjoint batches without
//! waiting on each other; on SQLite writes are serialised, so the same statement is atomic
//! (for the processes of one machine). A lease ends at its expiry: a killed worker's jobs are
//! taken again then. Every later write of a job names the lease owner, so a worker whose lease
//! expired cannot overwrite the state its successor wrote.

use std::collections::{BTreeMap, HashSet};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, QueryResult, Statement, Value};
use sea_orm_migration::MigratorTrait as _;

use crate::error::SyncError;
use crate::fleet::Wanted;
use crate::migration::Migrator;
use crate::subject::Subject;

/// Rows written per statement when jobs are added or paused.
const CHUNK: usize = 500;

const COLUMNS: &str = "id, job_key, name, subject_kind, subject_id, acting_id, next_run, \
    expires, etag, last_modified, attempts";

/// The jobs' state in the database. Cheap to clone (a pool handle).
#[derive(Debug, Clone)]
pub struct SyncDb {
    db: DatabaseConnection,
}

/// A job taken under a lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Claimed {
    pub id: i64,
    pub key: String,
    pub name: String,
    pub subject: Subject,
    pub next_run: i64,
    pub expires: Option<i64>,
    pub etag: Option<String>,
    pub last_modified: Option<i64>,
    pub attempts: u32,
}

/// What a successful run leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Success {
    pub next_run: i64,
    pub expires: Option<i64>,
    pub etag: Option<String>,
    pub last_modified: Option<i64>,
    pub changed: bool,
    /// How the run ended, for `last_outcome`.
    pub outcome: RunOutcome,
}

/// How a successful run ended, as `last_outcome` records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RunOutcome {
    /// The handler took a new version.
    Changed,
    /// ESI answered 304 to the job's `ETag`.
    NotModified,
    /// The answer (from the cache, or a 200 of the delivered version) was unchanged.
    Unchanged,
}

impl RunOutcome {
    fn as_str(self) -> &'static str {
        match self {
            RunOutcome::Changed => "changed",
            RunOutcome::NotModified => "not modified",
            RunOutcome::Unchanged => "unchanged",
        }
    }
}

/// The fleet at a glance, as `esi sync status` shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FleetStatus {
    /// Jobs in the table.
    pub total: u64,
    /// Jobs due now (not paused, next run passed).
    pub due: u64,
    /// Of those, jobs due for longer than the lateness threshold.
    pub late: u64,
    /// Jobs whose last run failed.
    pub failing: u64,
    /// Paused jobs (no token).
    pub paused: u64,
    /// Jobs under a live lease (running now).
    pub leased: u64,
    /// Runs done, over all jobs.
    pub runs: u64,
    /// Changes delivered, over all jobs.
    pub changes: u64,
}

/// One job as `esi sync status` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct JobSummary {
    /// `character:90000001/wallet`.
    pub key: String,
    /// The operation id.
    pub operation: String,
    /// The request path and query.
    pub params: String,
    /// Next run, Unix milliseconds.
    pub next_run: i64,
    /// Failures in a row.
    pub attempts: u32,
    /// The last failure.
    pub last_error: Option<String>,
    /// Why it is paused.
    pub paused: Option<String>,
    /// The worker holding its lease, if one does (a killed worker's until the lease ends).
    pub lease_owner: Option<String>,
    /// Until when that lease runs, Unix milliseconds.
    pub lease_until: Option<i64>,
    /// When its last run ended, Unix milliseconds.
    pub last_run: Option<i64>,
    /// How its last run ended: `changed`, `unchanged`, `not modified` or `failed`.
    pub last_outcome: Option<String>,
}

/// Which jobs [`SyncDb::jobs`] lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JobFilter {
    /// Jobs whose last run failed.
    Failing,
    /// Paused jobs.
    Paused,
    /// Jobs due longer than this many milliseconds ago.
    LateBy(i64),
    /// Jobs under a live lease (running now, or held by a worker that died until the lease
    /// ends).
    Leased,
}

impl SyncDb {
    /// The state kept in this database (the token store's: `TokenStore::db()`).
    pub fn new(db: DatabaseConnection) -> Self {
        SyncDb { db }
    }

    /// Creates or updates the job table (its migrations are tracked apart from the store's).
    pub async fn migrate(&self) -> Result<(), SyncError> {
        Migrator::up(&self.db, None).await?;
        Ok(())
    }

    /// The connection.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    /// A statement written with `?` placeholders, numbered for PostgreSQL.
    fn statement(&self, sql: &str, values: Vec<Value>) -> Statement {
        let backend = self.backend();
        let sql = if backend == DbBackend::Postgres {
            let mut out = String::with_capacity(sql.len() + 16);
            let mut n = 0;
            for c in sql.chars() {
                if c == '?' {
                    n += 1;
                    out.push('$');
                    out.push_str(&n.to_string());
                } else {
                    out.push(c);
                }
            }
            out
        } else {
            sql.to_string()
        };
        Statement::from_sql_and_values(backend, sql, values)
    }

    async fn execute(&self, sql: &str, values: Vec<Value>) -> Result<u64, SyncError> {
        Ok(self
            .db
            .execute_raw(self.statement(sql, values))
            .await?
            .rows_affected())
    }

    async fn query(&self, sql: &str, values: Vec<Value>) -> Result<Vec<QueryResult>, SyncError> {
        Ok(self.db.query_all_raw(self.statement(sql, values)).await?)
    }

    /// Adds the wanted jobs that are missing (due now), pauses the jobs no token calls for
    /// any more and resumes the paused ones whose token came back. Returns (added, paused,
    /// resumed).
    pub(crate) async fn reconcile(
        &self,
        wanted: &[Wanted],
        describe: impl Fn(&Wanted) -> (String, String),
        now: i64,
    ) -> Result<(u64, u64, u64), SyncError> {
        let rows = self
            .query(
                "SELECT job_key, paused, acting_id FROM esi_sync_job",
                vec![],
            )
            .await?;
        let mut existing: BTreeMap<String, Option<String>> = BTreeMap::new();
        let mut acting: BTreeMap<String, i64> = BTreeMap::new();
        for row in &rows {
            let key: String = row.try_get("", "job_key")?;
            acting.insert(key.clone(), row.try_get("", "acting_id")?);
            existing.insert(key, row.try_get("", "paused")?);
        }
        let mut added = 0;
        let new: Vec<&Wanted> = wanted
            .iter()
            .filter(|w| !existing.contains_key(&w.key))
            .collect();
        for chunk in new.chunks(CHUNK) {
            let mut sql = String::from(
                "INSERT INTO esi_sync_job (job_key, name, subject_kind, subject_id, acting_id, \
                 operation, params, next_run, paused, updated, attempts, runs, changes) VALUES ",
            );
            let mut values = Vec::with_capacity(chunk.len() * 10);
            for (i, w) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0)");
                let (operation, params) = describe(w);
                values.extend([
                    w.key.clone().into(),
                    w.job.name.clone().into(),
                    w.subject.kind().into(),
                    w.subject.id().into(),
                    w.subject.acting_character().into(),
                    operation.into(),
                    params.into(),
                    now.into(),
                    w.paused.clone().into(),
                    now.into(),
                ]);
            }
            sql.push_str(" ON CONFLICT (job_key) DO NOTHING");
            added += self.execute(&sql, values).await?;
        }
        let wanted_by_key: BTreeMap<&str, &Wanted> =
            wanted.iter().map(|w| (w.key.as_str(), w)).collect();
        let mut to_pause: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut to_resume = Vec::new();
        for (key, paused) in &existing {
            match (wanted_by_key.get(key.as_str()), paused) {
                (None, None) => to_pause
                    .entry(
                        "no stored token holds what this job needs any more (deleted, \
                         revoked or refused by the SSO)"
                            .to_string(),
                    )
                    .or_default()
                    .push(key.clone()),
                (Some(w), None) if w.paused.is_some() => to_pause
                    .entry(w.paused.clone().unwrap_or_default())
                    .or_default()
                    .push(key.clone()),
                (Some(w), Some(_)) if w.paused.is_none() => to_resume.push(key.clone()),
                _ => {}
            }
        }
        let mut paused = 0;
        for (reason, keys) in &to_pause {
            for chunk in keys.chunks(CHUNK) {
                let (list, mut values) = in_list(chunk);
                values.insert(0, now.into());
                values.insert(0, reason.clone().into());
                paused += self
                    .execute(
                        &format!(
                            "UPDATE esi_sync_job SET paused = ?, updated = ? WHERE job_key IN ({list})"
                        ),
                        values,
                    )
                    .await?;
            }
        }
        // A job follows its token: when the fleet names another acting character (another
        // director of the corporation), the row takes it, its validators kept (same data).
        for w in wanted {
            let wanted_acting = w.subject.acting_character();
            if acting
                .get(&w.key)
                .is_some_and(|&stored| stored != wanted_acting)
            {
                self.execute(
                    "UPDATE esi_sync_job SET acting_id = ?, updated = ? WHERE job_key = ?",
                    vec![wanted_acting.into(), now.into(), w.key.clone().into()],
                )
                .await?;
            }
        }
        let mut resumed = 0;
        for chunk in to_resume.chunks(CHUNK) {
            let (list, mut values) = in_list(chunk);
            values.insert(0, now.into());
            resumed += self
                .execute(
                    &format!(
                        "UPDATE esi_sync_job SET paused = NULL, updated = ? WHERE job_key IN ({list})"
                    ),
                    values,
                )
                .await?;
        }
        Ok((added, paused, resumed))
    }

    /// Deletes the jobs paused since before `cutoff` (Unix ms): their token has been gone
    /// longer than the worker's retention. Returns how many.
    pub(crate) async fn delete_paused_before(&self, cutoff: i64) -> Result<u64, SyncError> {
        self.execute(
            "DELETE FROM esi_sync_job WHERE paused IS NOT NULL AND updated < ?",
            vec![cutoff.into()],
        )
        .await
    }

    /// Takes up to `limit` due jobs under a lease of `owner` until `lease_until`, the most
    /// overdue first.
    pub(crate) async fn claim(
        &self,
        owner: &str,
        limit: u32,
        now: i64,
        lease_until: i64,
    ) -> Result<Vec<Claimed>, SyncError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let lock = if self.backend() == DbBackend::Postgres {
            " FOR UPDATE SKIP LOCKED"
        } else {
            ""
        };
        let sql = format!(
            "UPDATE esi_sync_job SET lease_owner = ?, lease_until = ? WHERE id IN (\
             SELECT id FROM esi_sync_job WHERE paused IS NULL AND next_run <= ? \
             AND (lease_until IS NULL OR lease_until < ?) ORDER BY next_run LIMIT ?{lock}) \
             RETURNING {COLUMNS}"
        );
        let rows = self
            .query(
                &sql,
                vec![
                    owner.into(),
                    lease_until.into(),
                    now.into(),
                    now.into(),
                    i64::from(limit).into(),
                ],
            )
            .await?;
        let mut claimed = Vec::with_capacity(rows.len());
        for row in rows {
            let kind: String = row.try_get("", "subject_kind")?;
            let subject_id: i64 = row.try_get("", "subject_id")?;
            let acting: i64 = row.try_get("", "acting_id")?;
            let Some(subject) = Subject::from_columns(&kind, subject_id, acting) else {
                continue;
            };
            let attempts: i32 = row.try_get("", "attempts")?;
            claimed.push(Claimed {
                id: row.try_get("", "id")?,
                key: row.try_get("", "job_key")?,
                name: row.try_get("", "name")?,
                subject,
                next_run: row.try_get("", "next_run")?,
                expires: row.try_get("", "expires")?,
                etag: row.try_get("", "etag")?,
                last_modified: row.try_get("", "last_modified")?,
                attempts: u32::try_from(attempts).unwrap_or(0),
            });
        }
        claimed.sort_by_key(|c| c.next_run);
        Ok(claimed)
    }

    /// Commits a successful run and ends the lease; false when the lease was lost.
    pub(crate) async fn succeed(
        &self,
        id: i64,
        owner: &str,
        success: &Success,
        now: i64,
    ) -> Result<bool, SyncError> {
        let rows = self
            .execute(
                "UPDATE esi_sync_job SET next_run = ?, expires = ?, etag = ?, last_modified = ?, \
                 attempts = 0, last_error = NULL, lease_owner = NULL, lease_until = NULL, \
                 runs = runs + 1, changes = changes + ?, updated = ?, last_run = ?, \
                 last_outcome = ? WHERE id = ? AND lease_owner = ?",
                vec![
                    success.next_run.into(),
                    success.expires.into(),
                    success.etag.clone().into(),
                    success.last_modified.into(),
                    i64::from(success.changed).into(),
                    now.into(),
                    now.into(),
                    success.outcome.as_str().into(),
                    id.into(),
                    owner.into(),
                ],
            )
            .await?;
        Ok(rows > 0)
    }

    /// Records a failed run (its ETag stays: the change is delivered again) and ends the
    /// lease; false when the lease was lost.
    pub(crate) async fn fail(
        &self,
        id: i64,
        owner: &str,
        error: &str,
        attempts: u32,
        next_run: i64,
        now: i64,
    ) -> Result<bool, SyncError> {
        let rows = self
            .execute(
                "UPDATE esi_sync_job SET next_run = ?, attempts = ?, last_error = ?, \
                 lease_owner = NULL, lease_until = NULL, runs = runs + 1, updated = ?, \
                 last_run = ?, last_outcome = 'failed' WHERE id = ? AND lease_owner = ?",
                vec![
                    next_run.into(),
                    i64::from(attempts).into(),
                    error.into(),
                    now.into(),
                    now.into(),
                    id.into(),
                    owner.into(),
                ],
            )
            .await?;
        Ok(rows > 0)
    }

    /// Gives a job back unrun, to run at `next_run` (the budget held it back).
    pub(crate) async fn postpone(
        &self,
        id: i64,
        owner: &str,
        next_run: i64,
    ) -> Result<bool, SyncError> {
        let rows = self
            .execute(
                "UPDATE esi_sync_job SET next_run = ?, lease_owner = NULL, lease_until = NULL \
                 WHERE id = ? AND lease_owner = ?",
                vec![next_run.into(), id.into(), owner.into()],
            )
            .await?;
        Ok(rows > 0)
    }

    /// Extends `owner`'s lease of job `id` until `lease_until`. False when the lease is
    /// another worker's now (it expired and was taken): the job's outcome will be dropped.
    pub(crate) async fn renew(
        &self,
        id: i64,
        owner: &str,
        lease_until: i64,
    ) -> Result<bool, SyncError> {
        let rows = self
            .execute(
                "UPDATE esi_sync_job SET lease_until = ? WHERE id = ? AND lease_owner = ?",
                vec![lease_until.into(), id.into(), owner.into()],
            )
            .await?;
        Ok(rows > 0)
    }

    /// The earliest next run of the jobs not paused and not leased.
    pub(crate) async fn next_due(&self, now: i64) -> Result<Option<i64>, SyncError> {
        let rows = self
            .query(
                "SELECT MIN(next_run) AS next_run FROM esi_sync_job WHERE paused IS NULL \
                 AND (lease_until IS NULL OR lease_until < ?)",
                vec![now.into()],
            )
            .await?;
        Ok(match rows.first() {
            Some(row) => row.try_get("", "next_run")?,
            None => None,
        })
    }

    /// Counts of due, late (due longer than `late_after_ms`), failing, paused and leased jobs.
    pub async fn status(&self, now: i64, late_after_ms: i64) -> Result<FleetStatus, SyncError> {
        let rows = self
            .query(
                "SELECT COUNT(*) AS total, \
                 CAST(COALESCE(SUM(CASE WHEN paused IS NULL AND next_run <= ? THEN 1 ELSE 0 END), 0) AS BIGINT) AS due, \
                 CAST(COALESCE(SUM(CASE WHEN paused IS NULL AND next_run <= ? THEN 1 ELSE 0 END), 0) AS BIGINT) AS late, \
                 CAST(COALESCE(SUM(CASE WHEN attempts > 0 THEN 1 ELSE 0 END), 0) AS BIGINT) AS failing, \
                 CAST(COALESCE(SUM(CASE WHEN paused IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS paused, \
                 CAST(COALESCE(SUM(CASE WHEN lease_until IS NOT NULL AND lease_until >= ? THEN 1 ELSE 0 END), 0) AS BIGINT) AS leased, \
                 CAST(COALESCE(SUM(runs), 0) AS BIGINT) AS runs, CAST(COALESCE(SUM(changes), 0) AS BIGINT) AS changes \
                 FROM esi_sync_job",
                vec![now.into(), (now - late_after_ms).into(), now.into()],
            )
            .await?;
        let Some(row) = rows.first() else {
            return Ok(FleetStatus::default());
        };
        let count = |name: &str| -> Result<u64, sea_orm::DbErr> {
            let value: i64 = row.try_get("", name)?;
            Ok(u64::try_from(value).unwrap_or(0))
        };
        Ok(FleetStatus {
            total: count("total")?,
            due: count("due")?,
            late: count("late")?,
            failing: count("failing")?,
            paused: count("paused")?,
            leased: count("leased")?,
            runs: count("runs")?,
            changes: count("changes")?,
        })
    }

    /// Up to `limit` jobs matching `filter`, the oldest due first.
    pub async fn jobs(
        &self,
        filter: JobFilter,
        now: i64,
        limit: u32,
    ) -> Result<Vec<JobSummary>, SyncError> {
        let (condition, mut values): (&str, Vec<Value>) = match filter {
            JobFilter::Failing => ("attempts > 0", vec![]),
            JobFilter::Paused => ("paused IS NOT NULL", vec![]),
            JobFilter::LateBy(ms) => ("paused IS NULL AND next_run <= ?", vec![(now - ms).into()]),
            JobFilter::Leased => (
                "lease_until IS NOT NULL AND lease_until >= ?",
                vec![now.into()],
            ),
        };
        values.push(i64::from(limit).into());
        let rows = self
            .query(
                &format!(
                    "SELECT job_key, operation, params, next_run, attempts, last_error, paused, \
                     lease_owner, lease_until, last_run, last_outcome \
                     FROM esi_sync_job WHERE {condition} ORDER BY next_run LIMIT ?"
                ),
                values,
            )
            .await?;
        rows.iter()
            .map(|row| {
                let attempts: i32 = row.try_get("", "attempts")?;
                Ok(JobSummary {
                    key: row.try_get("", "job_key")?,
                    operation: row.try_get("", "operation")?,
                    params: row.try_get("", "params")?,
                    next_run: row.try_get("", "next_run")?,
                    attempts: u32::try_from(attempts).unwrap_or(0),
                    last_error: row.try_get("", "last_error")?,
                    paused: row.try_get("", "paused")?,
                    lease_owner: row.try_get("", "lease_owner")?,
                    lease_until: row.try_get("", "lease_until")?,
                    last_run: row.try_get("", "last_run")?,
                    last_outcome: row.try_get("", "last_outcome")?,
                })
            })
            .collect::<Result<_, sea_orm::DbErr>>()
            .map_err(SyncError::from)
    }

    /// The keys of every job, for tests and tools.
    pub async fn job_keys(&self) -> Result<HashSet<String>, SyncError> {
        self.query("SELECT job_key FROM esi_sync_job", vec![])
            .await?
            .iter()
            .map(|row| row.try_get("", "job_key"))
            .collect::<Result<_, sea_orm::DbErr>>()
            .map_err(SyncError::from)
    }
}

/// `?, ?, ?` for a list, with its values.
fn in_list(keys: &[String]) -> (String, Vec<Value>) {
    let list = vec!["?"; keys.len()].join(", ");
    (list, keys.iter().map(|k| k.clone().into()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::test_job;

    async fn memory_db() -> SyncDb {
        let mut opts = sea_orm::ConnectOptions::new("sqlite::memory:");
        opts.max_connections(1)
            .min_connections(1)
            .sqlx_logging(false);
        let db = SyncDb::new(sea_orm::Database::connect(opts).await.expect("sqlite"));
        db.migrate().await.expect("migrate");
        db
    }

    fn wanted(ids: &[i64]) -> Vec<Wanted> {
        ids.iter()
            .map(|&id| {
                let subject = Subject::Character(id);
                Wanted {
                    key: crate::fleet::job_key(&subject, "thing"),
                    subject,
                    job: test_job("thing"),
                    paused: None,
                }
            })
            .collect()
    }

    fn describe(w: &Wanted) -> (String, String) {
        (
            w.job.operation().id.to_string(),
            format!("/things/{}", w.subject.id()),
        )
    }

    fn corporation_job(director_id: i64) -> Vec<Wanted> {
        let subject = Subject::Corporation {
            corporation_id: 98_000_001,
            director_id,
        };
        vec![Wanted {
            key: crate::fleet::job_key(&subject, "thing"),
            subject,
            job: test_job("thing"),
            paused: None,
        }]
    }

    #[tokio::test]
    async fn a_job_follows_the_director_the_fleet_names() {
        let db = memory_db().await;
        db.reconcile(&corporation_job(90_000_001), describe, 1_000)
            .await
            .expect("reconcile");
        db.reconcile(&corporation_job(90_000_002), describe, 2_000)
            .await
            .expect("reconcile");
        let claimed = db.claim("w", 10, 3_000, 9_000).await.expect("claim");
        assert_eq!(claimed.len(), 1, "one job, not one per director");
        assert_eq!(claimed[0].subject.acting_character(), 90_000_002);
    }

    #[tokio::test]
    async fn paused_jobs_are_deleted_after_the_retention() {
        let db = memory_db().await;
        db.reconcile(&wanted(&[1, 2]), describe, 1_000)
            .await
            .expect("reconcile");
        // Character 2's token is gone: its job pauses at 2,000.
        db.reconcile(&wanted(&[1]), describe, 2_000)
            .await
            .expect("reconcile");
        assert_eq!(db.delete_paused_before(2_000).await.expect("delete"), 0);
        assert_eq!(db.delete_paused_before(2_001).await.expect("delete"), 1);
        let keys = db.job_keys().await.expect("keys");
        assert_eq!(keys.len(), 1);
        assert!(keys.iter().all(|k| k.starts_with("character:1/")));
    }

    #[tokio::test]
    async fn leases_are_exclusive_until_they_expire() {
        let db = memory_db().await;
        assert_eq!(
            db.reconcile(&wanted(&[1, 2, 3]), describe, 1_000)
                .await
                .expect("add"),
            (3, 0, 0)
        );
        let a = db.claim("a", 2, 1_000, 6_000).await.expect("claim");
        assert_eq!(a.len(), 2);
        let b = db.claim("b", 10, 1_000, 8_000).await.expect("claim");
        assert_eq!(b.len(), 1, "only the job a does not hold");
        assert!(a.iter().all(|j| j.id != b[0].id));
        assert!(
            db.claim("c", 10, 5_999, 10_999)
                .await
                .expect("claim")
                .is_empty()
        );

        // `a` dies; at expiry its jobs (not `b`'s, still leased) go to `c`, and `a`'s late
        // result is refused.
        let c = db.claim("c", 10, 6_001, 11_001).await.expect("claim");
        assert_eq!(c.len(), 2);
        let success = Success {
            next_run: 20_000,
            expires: Some(19_000),
            etag: Some("\"v1\"".into()),
            last_modified: None,
            changed: true,
            outcome: RunOutcome::Changed,
        };
        assert!(
            !db.succeed(a[0].id, "a", &success, 7_000)
                .await
                .expect("fenced")
        );
        assert!(
            db.succeed(c[0].id, "c", &success, 7_000)
                .await
                .expect("commit")
        );
        assert!(
            db.fail(c[1].id, "c", "boom", 1, 8_000, 7_000)
                .await
                .expect("fail")
        );
        assert!(db.postpone(b[0].id, "b", 9_000).await.expect("postpone"));

        // Nothing is due before its next run; then the earliest first.
        assert!(
            db.claim("d", 10, 7_500, 20_000)
                .await
                .expect("claim")
                .is_empty()
        );
        assert_eq!(db.next_due(7_500).await.expect("next"), Some(8_000));
        let due = db.claim("d", 10, 9_000, 20_000).await.expect("claim");
        assert_eq!(
            due.iter().map(|j| j.next_run).collect::<Vec<_>>(),
            vec![8_000, 9_000]
        );
        assert_eq!(due[0].attempts, 1);
        let later = db.claim("d", 10, 20_000, 30_000).await.expect("claim");
        assert_eq!(later.len(), 1);
        assert_eq!(later[0].etag.as_deref(), Some("\"v1\""));
        assert_eq!(later[0].expires, Some(19_000));

        let status = db.status(20_000, 5_000).await.expect("status");
        assert_eq!((status.total, status.failing, status.leased), (3, 1, 3));
        assert_eq!(status.changes, 1);

        // Who holds which job, and how each last run ended, without SQL.
        let leased = db
            .jobs(JobFilter::Leased, 20_000, 10)
            .await
            .expect("leased");
        assert_eq!(leased.len(), 3);
        assert!(leased.iter().all(|j| j.lease_owner.as_deref() == Some("d")));
        let failing = db
            .jobs(JobFilter::Failing, 20_000, 10)
            .await
            .expect("failing");
        assert_eq!(failing.len(), 1);
        assert_eq!(
            (failing[0].last_run, failing[0].last_outcome.as_deref()),
            (Some(7_000), Some("failed"))
        );
        let outcomes: Vec<_> = leased.iter().map(|j| j.last_outcome.clone()).collect();
        assert!(
            outcomes.contains(&Some("changed".to_string())),
            "{outcomes:?}"
        );
    }

    #[tokio::test]
    async fn a_renewed_lease_is_kept_and_a_lost_one_cannot_be_renewed() {
        let db = memory_db().await;
        db.reconcile(&wanted(&[1]), describe, 1_000)
            .await
            .expect("add");
        let a = db.claim("a", 1, 1_000, 2_000).await.expect("claim");
        assert_eq!(a.len(), 1);
        assert!(db.renew(a[0].id, "a", 4_000).await.expect("renew"));
        assert!(
            db.claim("b", 1, 3_000, 8_000)
                .await
                .expect("claim")
                .is_empty(),
            "renewed past the first expiry"
        );
        let b = db.claim("b", 1, 4_001, 9_000).await.expect("claim");
        assert_eq!(b.len(), 1, "taken once the renewed lease expired");
        assert!(
            !db.renew(a[0].id, "a", 10_000).await.expect("renew"),
            "another worker's lease now"
        );
        assert!(
            db.claim("c", 1, 8_000, 12_000)
                .await
                .expect("claim")
                .is_empty()
        );
    }

    #[tokio::test]
    async fn jobs_without_a_token_pause_and_resume() {
        let db = memory_db().await;
        db.reconcile(&wanted(&[1, 2]), describe, 1_000)
            .await
            .expect("add");
        assert_eq!(
            db.reconcile(&wanted(&[2]), describe, 1_000)
                .await
                .expect("pause"),
            (0, 1, 0)
        );
        assert_eq!(
            db.claim("a", 10, 2_000, 3_000).await.expect("claim").len(),
            1
        );
        let paused = db.jobs(JobFilter::Paused, 2_000, 10).await.expect("jobs");
        assert_eq!(paused.len(), 1);
        assert_eq!(paused[0].key, "character:1/thing");
        assert_eq!(paused[0].params, "/things/1");
        let mut back = wanted(&[1, 2]);
        back[0].paused = Some("no token of character 1 holds x".into());
        assert_eq!(
            db.reconcile(&back, describe, 1_000).await.expect("same"),
            (0, 0, 0)
        );
        assert_eq!(
            db.reconcile(&wanted(&[1, 2]), describe, 1_000)
                .await
                .expect("resume"),
            (0, 0, 1)
        );
        assert_eq!(db.job_keys().await.expect("keys").len(), 2);
    }
}
