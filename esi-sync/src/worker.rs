//! [`Worker`]: takes due jobs under a lease, runs them, commits what they found, and keeps the
//! jobs in step with the token store. Run one per process, on as many processes and machines
//! as wanted: they share the jobs through the database and ESI's budget through the client's
//! limit store (Redis for several processes).
//!
//! A run: the budget may hold it back (the job goes back, due a little later); otherwise the
//! operation is fetched through the client (its cache revalidates with `If-None-Match`); the
//! handler is called when the data changed; then the new `ETag` and the next run (`Expires` plus
//! jitter) are committed, only after the handler succeeded. A failed run keeps the old `ETag`,
//! counts the failure and backs off.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use esi_runtime::Client;
use esi_store::TokenStore;
use tokio::task::JoinSet;
use tracing::Instrument as _;

use crate::budget::Budget;
use crate::db::{Claimed, RunOutcome, Success, SyncDb};
use crate::error::SyncError;
use crate::fleet::Fleet;
use crate::job::{Job, RunContext, RunFailure};
use crate::schedule::{Schedule, millis, now_ms};
use crate::stats::{Counter, SyncStats};
use crate::tokens::RunTokens;

/// How a worker runs.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct WorkerConfig {
    /// This worker's lease owner name: unique per worker (default: random).
    pub owner: String,
    /// Jobs run at once: 16.
    pub concurrency: usize,
    /// How long a lease lasts; a killed worker's jobs run elsewhere after it: 60 s. A running
    /// job's lease is renewed every third of it, so a run may take longer (ESI's slowest
    /// pages, limit waits, a slow handler) without another worker taking the job.
    pub lease: Duration,
    /// The longest the worker sleeps between looks for due jobs: 1 s.
    pub poll: Duration,
    /// How often the jobs are matched against the token store: 30 s.
    pub reconcile_every: Duration,
    /// Jitter and backoff.
    pub schedule: Schedule,
    /// What is left to interactive calls.
    pub budget: Budget,
    /// How long a job stays paused (its token gone or lacking a scope) before a reconcile
    /// deletes it: 30 days. A token stored again within it resumes the job where it was.
    pub paused_retention: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            owner: random_owner(),
            concurrency: 16,
            lease: Duration::from_secs(60),
            poll: Duration::from_secs(1),
            reconcile_every: Duration::from_secs(30),
            schedule: Schedule::default(),
            budget: Budget::default(),
            paused_retention: Duration::from_secs(30 * 86_400),
        }
    }
}

impl WorkerConfig {
    /// Sets how long a paused job is kept before it is deleted.
    pub fn paused_retention(mut self, retention: Duration) -> Self {
        self.paused_retention = retention;
        self
    }

    /// Sets the lease owner name.
    pub fn owner(mut self, owner: impl Into<String>) -> Self {
        self.owner = owner.into();
        self
    }

    /// Sets how many jobs run at once (at least 1).
    pub fn concurrency(mut self, jobs: usize) -> Self {
        self.concurrency = jobs.max(1);
        self
    }

    /// Sets the lease length.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// Sets the longest sleep between looks for due jobs.
    pub fn poll(mut self, poll: Duration) -> Self {
        self.poll = poll;
        self
    }

    /// Sets how often jobs are matched against the token store.
    pub fn reconcile_every(mut self, every: Duration) -> Self {
        self.reconcile_every = every;
        self
    }

    /// Sets jitter and backoff.
    pub fn schedule(mut self, schedule: Schedule) -> Self {
        self.schedule = schedule;
        self
    }

    /// Sets the share of the budget kept for interactive calls.
    pub fn budget(mut self, budget: Budget) -> Self {
        self.budget = budget;
        self
    }
}

fn random_owner() -> String {
    use rand::RngCore as _;
    let mut b = [0u8; 8];
    rand::rng().fill_bytes(&mut b);
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("worker-{}-{hex}", std::process::id())
}

/// A sync worker. Cheap to clone (one `Arc`).
///
/// ```no_run
/// # async fn example(
/// #     fleet: esi_sync::Fleet,
/// #     client: esi_runtime::Client,
/// #     store: esi_store::TokenStore,
/// # ) -> Result<(), esi_sync::SyncError> {
/// use esi_sync::{Worker, WorkerConfig};
///
/// let worker = Worker::new(fleet, client, store.clone(), WorkerConfig::default()).await?;
/// worker.run_until(async { tokio::signal::ctrl_c().await.ok(); }).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Worker {
    inner: Arc<Inner>,
}

struct Inner {
    db: SyncDb,
    fleet: Fleet,
    jobs: BTreeMap<String, Job>,
    client: Client,
    tokens: TokenStore,
    config: WorkerConfig,
    stats: Arc<SyncStats>,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("owner", &self.inner.config.owner)
            .field("jobs", &self.inner.jobs.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Worker {
    /// A worker keeping `fleet` fresh with `client`, acting with the tokens of `tokens`, its
    /// state in the token store's database (the job table is created if missing).
    pub async fn new(
        fleet: Fleet,
        client: Client,
        tokens: TokenStore,
        config: WorkerConfig,
    ) -> Result<Self, SyncError> {
        if config.lease.is_zero() {
            return Err(SyncError::Config(
                "the lease must be longer than zero".into(),
            ));
        }
        let jobs = fleet.jobs_by_name()?;
        let db = SyncDb::new(tokens.db().clone());
        db.migrate().await?;
        Ok(Worker {
            inner: Arc::new(Inner {
                db,
                fleet,
                jobs,
                client,
                tokens,
                config,
                stats: Arc::new(SyncStats::default()),
            }),
        })
    }

    /// The job state.
    pub fn db(&self) -> &SyncDb {
        &self.inner.db
    }

    /// This worker's counters.
    pub fn stats(&self) -> Arc<SyncStats> {
        self.inner.stats.clone()
    }

    /// Matches the jobs to the token store: adds the jobs of new tokens (due now), pauses
    /// those whose token is gone (with the reason), resumes those whose token came back.
    /// Returns (added, paused, resumed). A job whose acting character changed (another director
    /// named) moves to that character's token; jobs paused longer than
    /// [`WorkerConfig::paused_retention`] are deleted.
    pub async fn reconcile(&self) -> Result<(u64, u64, u64), SyncError> {
        let inner = &self.inner;
        let wanted = inner.fleet.wanted(&inner.tokens).await?;
        let counts = inner
            .db
            .reconcile(
                &wanted,
                |w| {
                    (
                        w.job.operation().id.to_string(),
                        w.job.fetch.describe(w.subject.id()),
                    )
                },
                now_ms(),
            )
            .await?;
        let deleted = inner
            .db
            .delete_paused_before(now_ms().saturating_sub(millis(inner.config.paused_retention)))
            .await?;
        if counts != (0, 0, 0) || deleted > 0 {
            tracing::info!(
                added = counts.0,
                paused = counts.1,
                resumed = counts.2,
                deleted,
                "sync jobs matched to the token store"
            );
        }
        Ok(counts)
    }

    /// Takes the jobs due now (up to the concurrency) and runs them to the end. Returns how
    /// many ran. For tests and one-shot tools; [`run_until`](Self::run_until) is the loop.
    pub async fn run_once(&self) -> Result<usize, SyncError> {
        let claimed = self.claim(self.inner.config.concurrency).await?;
        let count = claimed.len();
        let mut tasks = JoinSet::new();
        for job in claimed {
            tasks.spawn(run_job(self.inner.clone(), job));
        }
        while let Some(done) = tasks.join_next().await {
            done.map_err(|e| SyncError::Config(format!("a job task failed: {e}")))??;
        }
        Ok(count)
    }

    async fn claim(&self, limit: usize) -> Result<Vec<Claimed>, SyncError> {
        let now = now_ms();
        let lease_until = now + millis(self.inner.config.lease);
        let claimed = self
            .inner
            .db
            .claim(
                &self.inner.config.owner,
                u32::try_from(limit).unwrap_or(u32::MAX),
                now,
                lease_until,
            )
            .await?;
        self.inner.stats.add(Counter::Claimed, claimed.len() as u64);
        Ok(claimed)
    }

    /// Runs until `shutdown` completes: reconciles on schedule, takes due jobs as slots free
    /// up, sleeps until the next job is due. Jobs running at shutdown finish (and commit).
    /// Database errors are logged and retried; they do not end the loop.
    pub async fn run_until(&self, shutdown: impl Future<Output = ()>) -> Result<(), SyncError> {
        let config = &self.inner.config;
        let mut shutdown = std::pin::pin!(shutdown);
        let mut tasks: JoinSet<Result<(), SyncError>> = JoinSet::new();
        let mut next_reconcile = tokio::time::Instant::now();
        let mut next_report = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            if tokio::time::Instant::now() >= next_reconcile {
                if let Err(error) = self.reconcile().await {
                    tracing::warn!(%error, "matching jobs to the token store failed");
                }
                next_reconcile = tokio::time::Instant::now() + config.reconcile_every;
            }
            if tokio::time::Instant::now() >= next_report {
                self.report();
                next_report = tokio::time::Instant::now() + Duration::from_secs(10);
            }
            let free = config.concurrency.saturating_sub(tasks.len());
            let mut wait = config.poll;
            if free > 0 {
                match self.claim(free).await {
                    Ok(claimed) => {
                        let full = claimed.len() == free;
                        for job in claimed {
                            tasks.spawn(run_job(self.inner.clone(), job));
                        }
                        if full {
                            wait = Duration::ZERO;
                        } else {
                            wait = self.until_next_due().await;
                        }
                    }
                    Err(error) => tracing::warn!(%error, "taking due jobs failed"),
                }
            }
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                Some(done) = tasks.join_next(), if !tasks.is_empty() => log_task(done),
                () = tokio::time::sleep(wait), if !wait.is_zero() => {}
                () = std::future::ready(()), if wait.is_zero() => {}
            }
        }
        while let Some(done) = tasks.join_next().await {
            log_task(done);
        }
        self.report();
        Ok(())
    }

    /// How long to sleep before the next job is due, at most the poll interval.
    async fn until_next_due(&self) -> Duration {
        let poll = self.inner.config.poll;
        let now = now_ms();
        match self.inner.db.next_due(now).await {
            Ok(Some(next)) if next > now => {
                Duration::from_millis(u64::try_from(next - now).unwrap_or(0)).min(poll)
            }
            // Due now but taken by others, or nothing free: look again soon.
            Ok(Some(_)) => Duration::from_millis(20).min(poll),
            Ok(None) => poll,
            Err(error) => {
                tracing::warn!(%error, "reading the next due job failed");
                poll
            }
        }
    }

    fn report(&self) {
        let s = self.inner.stats.snapshot();
        let [p50, p99] = self
            .inner
            .stats
            .lag_percentiles([50.0, 99.0])
            .map_or([None, None], |lags| lags.map(Some));
        tracing::info!(
            owner = %self.inner.config.owner,
            claimed = s.claimed,
            runs = s.runs,
            requests = s.requests,
            not_modified = s.not_modified,
            unchanged_ratio = s.unchanged_ratio(),
            delivered = s.delivered,
            esi_errors = s.esi_errors,
            handler_errors = s.handler_errors,
            budget_holds = s.budget_holds,
            lag_p50_ms = p50,
            lag_p99_ms = p99,
            "sync worker counters"
        );
        for (group, used) in self.inner.stats.groups() {
            tracing::info!(
                owner = %self.inner.config.owner,
                group,
                requests = used.requests,
                tokens = used.tokens,
                holds = used.holds,
                "sync budget used"
            );
        }
    }
}

fn log_task(done: Result<Result<(), SyncError>, tokio::task::JoinError>) {
    match done {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::warn!(%error, "a sync job could not record its outcome"),
        Err(error) => tracing::warn!(%error, "a sync job task ended abnormally"),
    }
}

/// Runs one claimed job and records its outcome under its lease.
async fn run_job(inner: Arc<Inner>, claimed: Claimed) -> Result<(), SyncError> {
    let span = tracing::info_span!(
        "sync_job",
        job = %claimed.key,
        attempt = claimed.attempts + 1,
        outcome = tracing::field::Empty,
    );
    run_job_in(&inner, &claimed).instrument(span).await
}

async fn run_job_in(inner: &Inner, claimed: &Claimed) -> Result<(), SyncError> {
    let owner = inner.config.owner.as_str();
    let stats = &inner.stats;
    let schedule = &inner.config.schedule;
    let now = now_ms();
    let Some(job) = inner.jobs.get(&claimed.name) else {
        // Another worker's fleet declares it: leave it to that worker, soon.
        let attempts = claimed.attempts + 1;
        let message = format!("no job named {:?} in this worker's fleet", claimed.name);
        let next = schedule.after_failure(now, attempts, None);
        inner
            .db
            .fail(claimed.id, owner, &message, attempts, next, now)
            .await?;
        return Ok(());
    };
    let info = job.operation();
    if let Some(hold) =
        inner
            .config
            .budget
            .hold(&inner.client, info, claimed.subject.acting_character())
    {
        stats.add(Counter::BudgetHolds, 1);
        stats.group_hold(group_of(info));
        tracing::Span::current().record("outcome", "held");
        inner
            .db
            .postpone(claimed.id, owner, now + millis(hold))
            .await?;
        return Ok(());
    }
    if let Some(expires) = claimed.expires {
        stats.lag(now - expires);
    }
    let ctx = RunContext {
        client: &inner.client,
        tokens: &RunTokens::new(&inner.tokens.all_users_source()),
        key: &claimed.key,
        subject: claimed.subject,
        seen: (claimed.etag.as_deref(), claimed.last_modified),
    };
    let outcome = renewing_lease(inner, claimed.id, job.fetch.run(ctx)).await;
    let done = now_ms();
    stats.add(Counter::Runs, 1);
    let kept = match outcome {
        Ok(fetched) => {
            stats.add(Counter::Requests, u64::from(fetched.pages));
            stats.group_requests(
                group_of(info),
                u64::from(fetched.pages),
                fetched.not_modified,
            );
            if fetched.not_modified {
                stats.add(Counter::NotModified, 1);
            }
            if fetched.delivered {
                stats.add(Counter::Delivered, 1);
            } else {
                stats.add(Counter::Unchanged, 1);
            }
            tracing::Span::current().record(
                "outcome",
                if fetched.delivered {
                    "changed"
                } else {
                    "unchanged"
                },
            );
            // ESI always says when its data expires; without `Expires`, the spec's cache time
            // (or a minute) keeps the job from spinning.
            let expires = fetched.expires_ms.unwrap_or_else(|| {
                let seconds = info.cache_seconds.unwrap_or(60).max(1);
                done + i64::from(seconds) * 1_000
            });
            let success = Success {
                next_run: schedule.after_success(done, Some(expires)),
                expires: fetched.expires_ms,
                etag: fetched.etag,
                last_modified: fetched.last_modified_ms,
                changed: fetched.delivered,
                outcome: if fetched.delivered {
                    RunOutcome::Changed
                } else if fetched.not_modified {
                    RunOutcome::NotModified
                } else {
                    RunOutcome::Unchanged
                },
            };
            inner.db.succeed(claimed.id, owner, &success, done).await?
        }
        Err(failure) => {
            let attempts = claimed.attempts + 1;
            let (message, counter) = match &failure {
                RunFailure::Esi(error) => (error.to_string(), Counter::EsiErrors),
                RunFailure::Handler { message, .. } => {
                    (format!("handler: {message}"), Counter::HandlerErrors)
                }
            };
            stats.add(counter, 1);
            tracing::Span::current().record("outcome", "failed");
            tracing::warn!(error = %message, attempts, "sync job failed; retrying with backoff");
            // The answer stays in the client's cache until it expires: a handler retry before
            // then sends nothing.
            let next = schedule.after_failure(done, attempts, None);
            inner
                .db
                .fail(claimed.id, owner, &message, attempts, next, done)
                .await?
        }
    };
    if !kept {
        stats.add(Counter::LostLeases, 1);
        tracing::warn!("the lease expired before the job finished; its outcome was dropped");
    }
    Ok(())
}

/// The rate-limit group of an operation, for the counters.
fn group_of(info: &esi_runtime::OperationInfo) -> &'static str {
    info.rate_limit
        .as_ref()
        .map_or(crate::stats::NO_GROUP, |rate| rate.group)
}

/// Runs `work` while renewing the lease of job `id` every third of the lease, so that no other
/// worker takes a job that is still running. A renewal that finds the lease taken (it expired
/// while the database was unreachable) is logged; the run's outcome is then dropped on commit.
async fn renewing_lease<F: Future>(inner: &Inner, id: i64, work: F) -> F::Output {
    let lease = inner.config.lease;
    let every = (lease / 3).max(Duration::from_millis(10));
    let owner = inner.config.owner.as_str();
    // Polled beside the work, so a slow database delays no page.
    let renewals = async {
        loop {
            tokio::time::sleep(every).await;
            match inner.db.renew(id, owner, now_ms() + millis(lease)).await {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!("a running job's lease was taken by another worker");
                    return;
                }
                Err(error) => tracing::warn!(%error, "renewing a running job's lease failed"),
            }
        }
    };
    let mut work = std::pin::pin!(work);
    tokio::select! {
        out = &mut work => out,
        // The lease is another worker's: finish without renewing (the outcome is dropped).
        () = renewals => work.await,
    }
}
