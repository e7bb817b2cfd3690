//! `esi sync run` and `esi sync status`: a sync worker keeping the stored characters' wallet,
//! skills and assets fresh (esi-sync), and the fleet's state (due, late, failing, paused jobs).
//! Also the fleet the offline demo keeps fresh (`esi demo --sync`).
//!
//! Invariant: changes are printed one line each on stdout (job, version, size); counters go to
//! stderr, as a progress line on a terminal.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use clap::Subcommand;
use esi_client::Client;
use esi_store::TokenStore;
use esi_sync::{Change, Fleet, FleetStatus, Job, JobFilter, SyncDb, Worker, WorkerConfig, handler};

use crate::CliResult;
use crate::context::Context;
use crate::output::{out, printable};

const WALLET: &str = "esi-wallet.read_character_wallet.v1";
const SKILLS: &str = "esi-skills.read_skills.v1";
const ASSETS: &str = "esi-assets.read_assets.v1";

/// `esi sync ...`.
#[derive(Subcommand, Debug)]
pub(crate) enum Action {
    /// Runs a worker: keeps the wallet, skills and assets of every stored character whose token
    /// has the scope fresh, printing each change. Stop it with Ctrl-C; run several (on one
    /// PostgreSQL database) to share the work.
    Run {
        /// Stop after this many seconds (default: run until Ctrl-C).
        #[arg(long)]
        seconds: Option<u64>,
        /// Jobs run at once.
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// Seconds a lease lasts (a killed worker's jobs run elsewhere after it).
        #[arg(long, default_value_t = 60)]
        lease: u64,
    },
    /// The fleet's state: jobs due, late, failing and paused, and the failing and paused ones.
    Status {
        /// A job due for longer than this many seconds is late.
        #[arg(long, default_value_t = 60)]
        late_after: u64,
        /// Jobs listed per kind.
        #[arg(long, default_value_t = 10)]
        list: u32,
    },
}

pub(crate) async fn run(ctx: &Context, action: Action) -> CliResult {
    let store = ctx.store().await?;
    match action {
        Action::Run {
            seconds,
            concurrency,
            lease,
        } => {
            let config = WorkerConfig::default()
                .concurrency(concurrency)
                .lease(Duration::from_secs(lease.max(1)));
            let client = ctx.client()?;
            let stop = async move {
                match seconds {
                    Some(s) => tokio::time::sleep(Duration::from_secs(s)).await,
                    None => {
                        let _ = tokio::signal::ctrl_c().await;
                    }
                }
            };
            run_worker(&client, store, config, stop).await?;
            Ok(())
        }
        Action::Status { late_after, list } => {
            status(&SyncDb::new(store.db().clone()), late_after, list).await
        }
    }
}

/// Runs a worker over the stored tokens until `stop`, printing changes and a progress line.
pub(crate) async fn run_worker(
    client: &Client,
    store: TokenStore,
    config: WorkerConfig,
    stop: impl std::future::Future<Output = ()>,
) -> CliResult<esi_sync::StatsSnapshot> {
    let changes = Arc::new(AtomicU64::new(0));
    let worker = Worker::new(
        fleet(client, &changes),
        client.runtime().clone(),
        store,
        config,
    )
    .await?;
    let stats = worker.stats();
    let db = worker.db().clone();
    let ticker = tokio::spawn({
        let stats = stats.clone();
        async move {
            let mut fleet = None;
            for tick in 0u64.. {
                tokio::time::sleep(Duration::from_secs(1)).await;
                // The fleet's counts cost a few queries: every fifth second.
                if tick % 5 == 0 {
                    let now = chrono::Utc::now().timestamp_millis();
                    fleet = db.status(now, LATE_AFTER_MS).await.ok();
                }
                show_progress(&progress_line(fleet.as_ref(), &stats));
            }
        }
    });
    let result = worker.run_until(stop).await;
    ticker.abort();
    result?;
    show_progress(&progress_line(None, &stats));
    eprintln!();
    Ok(stats.snapshot())
}

/// A job due for longer than this is late, in the progress view.
const LATE_AFTER_MS: i64 = 60_000;

/// Overwrites the progress line on a terminal; one line per update otherwise.
fn show_progress(line: &str) {
    use std::io::IsTerminal as _;
    if std::io::stderr().is_terminal() {
        eprint!("\r\x1b[2K{line}");
    } else {
        eprintln!("{line}");
    }
}

/// The progress view: the fleet's jobs (when known), the worker's counters, its scheduling
/// lag and what it used of each rate-limit group.
fn progress_line(fleet: Option<&FleetStatus>, stats: &esi_sync::SyncStats) -> String {
    let s = stats.snapshot();
    let mut line = String::new();
    if let Some(f) = fleet {
        line.push_str(&format!(
            "jobs {} · due {} · late {} · failing {} · paused {} | ",
            f.total, f.due, f.late, f.failing, f.paused
        ));
    }
    line.push_str(&format!(
        "runs {} · requests {} · 304 {:.0}% · changes {} · errors {}",
        s.runs,
        s.requests,
        s.not_modified_ratio() * 100.0,
        s.delivered,
        s.esi_errors + s.handler_errors
    ));
    if let Some([p50, p99]) = stats.lag_percentiles([50.0, 99.0]) {
        line.push_str(&format!(
            " · lag p50 {:.1} s p99 {:.1} s",
            p50 as f64 / 1000.0,
            p99 as f64 / 1000.0
        ));
    }
    let groups = stats.groups();
    if !groups.is_empty() {
        let used: Vec<String> = groups
            .iter()
            .map(|(group, used)| {
                let holds = if used.holds > 0 {
                    format!(", {} held", used.holds)
                } else {
                    String::new()
                };
                format!("{group} {} tokens{holds}", used.tokens)
            })
            .collect();
        line.push_str(&format!(" | budget: {}", used.join(", ")));
    }
    line
}

/// Wallet and skills of every character whose token has the wallet scope; every page of the
/// assets of those with the assets scope. Each change prints one line.
pub(crate) fn fleet(client: &Client, changes: &Arc<AtomicU64>) -> Fleet {
    let (a, b, c) = (client.clone(), client.clone(), client.clone());
    let (n1, n2, n3) = (changes.clone(), changes.clone(), changes.clone());
    Fleet::new()
        .characters_with_scope(
            WALLET,
            [Job::single(
                "wallet",
                move |id| {
                    a.wallet()
                        .get_characters_character_id_wallet(id)
                        .operation()
                        .clone()
                },
                handler(move |change: Change<f64>| {
                    let n = n1.clone();
                    async move { show(&n, &change, format!("{:.2} ISK", change.data)) }
                }),
            )],
        )
        .characters_with_scope(
            SKILLS,
            [Job::single(
                "skills",
                move |id| {
                    b.skills()
                        .get_characters_character_id_skills(id)
                        .operation()
                        .clone()
                },
                handler(
                    move |change: Change<esi_client::skills::CharactersSkills>| {
                        let n = n2.clone();
                        async move {
                            let text = format!(
                                "{} skills, {} SP",
                                change.data.skills.len(),
                                change.data.total_sp
                            );
                            show(&n, &change, text)
                        }
                    },
                ),
            )],
        )
        .characters_with_scope(
            ASSETS,
            [Job::all_pages(
                "assets",
                move |id| {
                    c.assets()
                        .get_characters_character_id_assets(id)
                        .operation()
                        .clone()
                },
                handler(
                    move |change: Change<esi_client::assets::CharactersCharacterIdAssetsGet>| {
                        let n = n3.clone();
                        async move {
                            let text = format!("{} assets", change.data.len());
                            show(&n, &change, text)
                        }
                    },
                ),
            )],
        )
}

fn show<T>(
    changes: &AtomicU64,
    change: &Change<T>,
    what: String,
) -> Result<(), esi_sync::HandlerError> {
    changes.fetch_add(1, Ordering::Relaxed);
    out!(
        "changed {}: {} (version {})",
        change.job,
        what,
        printable(change.etag.as_deref().unwrap_or("-"))
    )?;
    Ok(())
}

async fn status(db: &SyncDb, late_after: u64, list: u32) -> CliResult {
    db.migrate().await?;
    let now = chrono::Utc::now().timestamp_millis();
    let late_ms = i64::try_from(late_after.saturating_mul(1000)).unwrap_or(i64::MAX);
    let FleetStatus {
        total,
        due,
        late,
        failing,
        paused,
        leased,
        runs,
        changes,
        ..
    } = db.status(now, late_ms).await?;
    out!(
        "{total} jobs: {due} due, {late} late (due for over {late_after} s), {failing} failing, \
         {paused} paused, {leased} running; {runs} runs, {changes} changes delivered"
    )?;
    for (title, filter) in [
        ("late", JobFilter::LateBy(late_ms)),
        ("failing", JobFilter::Failing),
        ("paused", JobFilter::Paused),
        ("running (leased)", JobFilter::Leased),
    ] {
        let jobs = db.jobs(filter, now, list).await?;
        if jobs.is_empty() {
            continue;
        }
        out!("\n{title}:")?;
        for job in jobs {
            let why = job
                .paused
                .or(job.last_error)
                .map(|w| format!(": {}", printable(&w)))
                .unwrap_or_default();
            let time = |ms: i64| {
                chrono::DateTime::from_timestamp_millis(ms)
                    .map(|t| t.to_rfc3339())
                    .unwrap_or_default()
            };
            let last = match (job.last_run, &job.last_outcome) {
                (Some(at), Some(outcome)) => {
                    format!(", last run {} {}", time(at), printable(outcome))
                }
                _ => String::new(),
            };
            let lease = match (&job.lease_owner, job.lease_until) {
                (Some(owner), Some(until)) => {
                    format!(", leased by {} until {}", printable(owner), time(until))
                }
                _ => String::new(),
            };
            out!(
                "  {} {} ({} failure(s), next run {}{last}{lease}){why}",
                printable(&job.key),
                printable(&job.params),
                job.attempts,
                time(job.next_run)
            )?;
        }
    }
    Ok(())
}
