//! The sync engine on four worker processes sharing one PostgreSQL (the jobs, under leases
//! taken with `FOR UPDATE SKIP LOCKED`) and one Redis (the response cache and ESI's limits), one
//! of them killed with `kill -9` mid-run: every page is still asked for once per expiry window
//! (efficiency within 2%), never before its `Expires`, with no 420 or 429, and the killed
//! worker's jobs run elsewhere once its leases expire.
//!
//! Needs `ESI_TEST_POSTGRES_URL` and `REDIS_URL` (skipped without them, a failure under `CI`).

mod multiprocess;
mod sync_support;

use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use esi_runtime::redis::{RedisConfig, RedisStore};
use esi_store::{StoreConfig, TokenStore};
use esi_sync::{Schedule, SyncDb, Worker, WorkerConfig};
use multiprocess::{CHILD_ENV, child_job, postgres_url, random_suffix, redis_url};
use sea_orm::ConnectionTrait as _;
use serde::{Deserialize, Serialize};
use sync_support::*;

const WINDOW: u64 = 3;
const CHARACTERS: usize = 40;
const WORKERS: usize = 4;
const LEASE: Duration = Duration::from_secs(5);
const CONCURRENCY: usize = 8;

#[derive(Debug, Serialize, Deserialize)]
struct ChildJob {
    esi_url: String,
    sso_url: String,
    database_url: String,
    redis_url: String,
    prefix: String,
    owner: String,
    stop_at_ms: u64,
}

fn config(owner: &str) -> WorkerConfig {
    WorkerConfig::default()
        .owner(owner)
        .concurrency(CONCURRENCY)
        .lease(LEASE)
        .poll(Duration::from_millis(200))
        .schedule(Schedule {
            min_jitter: Duration::from_millis(30),
            max_jitter: Duration::from_millis(400),
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(1),
        })
}

fn ms(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// One worker process: runs until the agreed moment and reports its counters.
async fn child(job: ChildJob) {
    let redis = RedisStore::connect(RedisConfig::new(job.redis_url).prefix(job.prefix))
        .await
        .expect("redis");
    let runtime = esi_runtime::Client::builder()
        .base_url(&job.esi_url)
        .user_agent(esi_runtime::UserAgent::new("esi-sync-tests", "1").email("t@example.com"))
        .redis(&redis)
        .build()
        .expect("client");
    let api = esi_client::Client::from(runtime.clone());
    let mut store_config = StoreConfig::new(&job.database_url);
    store_config.run_migrations = false;
    let store = TokenStore::connect(store_config, web_sso(&job.sso_url))
        .await
        .expect("store");
    let received = Arc::new(Received::default());
    let worker = Worker::new(fleet(&api, &received), runtime, store, config(&job.owner))
        .await
        .expect("worker");
    println!("CHILD_READY");
    let stop = UNIX_EPOCH + Duration::from_millis(job.stop_at_ms);
    worker
        .run_until(sleep_until(stop))
        .await
        .expect("worker ran");
    let s = worker.stats().snapshot();
    println!(
        "CHILD_RESULT runs={} requests={} delivered={} unchanged={} lost={} holds={}",
        s.runs,
        s.requests,
        received.total(),
        s.unchanged,
        s.lost_leases,
        s.budget_holds
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_workers_one_killed_keep_the_fleet_fresh() {
    if let Some(job) = child_job::<ChildJob>() {
        child(job).await;
        return;
    }
    let test = "four_workers_one_killed_keep_the_fleet_fresh";
    let (Some(admin), Some(redis)) = (postgres_url(test), redis_url(test)) else {
        return;
    };
    // A database of the test's own.
    let name = format!("esi_sync_{}", random_suffix());
    let conn = sea_orm::Database::connect(&admin)
        .await
        .expect("PostgreSQL");
    conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create database");
    let mut database_url = url::Url::parse(&admin).expect("PostgreSQL URL");
    database_url.set_path(&format!("/{name}"));
    let database_url = database_url.to_string();

    let h = harness(CHARACTERS, WINDOW, 2).await;
    let store = store(&h, &database_url).await;
    login_all(&h, &store, &characters(CHARACTERS)).await;
    SyncDb::new(store.db().clone())
        .migrate()
        .await
        .expect("migrate");

    // Measure four whole windows, starting with the first one that opens after the workers
    // are up: a window's fetches start when it opens (the `Expires` of the one before) and end
    // before the next opens.
    let start = window_index(SystemTime::now(), WINDOW) + 3;
    let stop_measuring = window_start(start + 4, WINDOW) - Duration::from_millis(20);
    let stop_workers = stop_measuring + Duration::from_millis(300);
    let prefix = format!("esi-sync-test-{}", random_suffix());
    let exe = std::env::current_exe().expect("test binary");
    let mut children = Vec::new();
    for n in 0..WORKERS {
        let job = ChildJob {
            esi_url: h.esi_url(),
            sso_url: h.sso_url(),
            database_url: database_url.clone(),
            redis_url: redis.clone(),
            prefix: prefix.clone(),
            owner: format!("worker-{n}"),
            stop_at_ms: ms(stop_workers),
        };
        let child = tokio::process::Command::new(&exe)
            .args([test, "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, serde_json::to_string(&job).expect("job"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn worker");
        children.push(child);
    }

    sleep_until(window_start(start, WINDOW) - Duration::from_millis(20)).await;
    h.esi.freshness().reset_counts();
    // Kill one worker while the second measured window's fetches are going on.
    sleep_until(window_start(start + 1, WINDOW) + Duration::from_millis(150)).await;
    let victim = children.remove(0);
    let mut victim = victim;
    victim.start_kill().expect("kill -9");
    let _ = victim.wait().await;
    let killed_at = esi_runtime::chrono::Utc::now().timestamp_millis();

    sleep_until(stop_measuring).await;
    let counts = h.esi.freshness().counts();
    let early: Vec<String> = h
        .esi
        .freshness()
        .early_fetches()
        .iter()
        .map(|e| format!("{} at {} < {}", e.url, ms(e.at), ms(e.expires)))
        .collect();
    let now = esi_runtime::chrono::Utc::now().timestamp_millis();
    // Due longer than a lease plus the jitter and a second: nothing (the victim's jobs ran).
    let late_after = (LEASE + Duration::from_millis(1_400)).as_millis() as i64;
    let status = SyncDb::new(store.db().clone())
        .status(now, late_after)
        .await
        .expect("status");

    let mut results = Vec::new();
    for child in children {
        let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
            .await
            .expect("worker finished in time")
            .expect("worker output");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "worker failed:\n{stdout}\n{stderr}");
        let line = stdout
            .lines()
            .find_map(|l| {
                l.split_once("CHILD_RESULT ")
                    .map(|(_, rest)| rest.trim().to_owned())
            })
            .unwrap_or_else(|| panic!("worker reported nothing:\n{stdout}\n{stderr}"));
        results.push(line);
    }

    let due = PAGES_PER_CHARACTER * CHARACTERS as u64 * 4;
    let ratio = counts.served as f64 / due as f64;
    eprintln!(
        "four workers: {counts:?}; pages due {due}; efficiency {ratio:.4}; status {status:?}; \
         killed at {killed_at}; survivors: {results:?}; early: {early:?}"
    );
    assert_eq!(
        (counts.error_limited, counts.rate_limited),
        (0, 0),
        "no 420, no 429"
    );
    // A fetch before Expires could only be the repeat of a job whose lease expired under the
    // killed worker: at most one per lease it held, each of the job's pages. (Running jobs
    // renew their leases, and a page set is due again only when its latest page expires.)
    assert!(
        counts.early <= CONCURRENCY as u64 * u64::from(ASSET_PAGES),
        "{} fetches before Expires: {early:#?}",
        counts.early
    );
    assert!(ratio <= 1.02, "efficiency {ratio}");
    // Below 1: the killed worker's jobs wait out their leases (a window missed), and a page
    // set fetched across a window's end is next due when its last page expires.
    assert!(ratio >= 0.85, "the fleet was kept fresh: {ratio}");
    assert_eq!(
        status.late, 0,
        "the killed worker's jobs ran elsewhere: {status:?}"
    );
    assert_eq!(status.total, CHARACTERS as u64 * 3);
    for line in &results {
        assert!(
            multiprocess::field(line, "runs") > 0,
            "every survivor worked: {line}"
        );
    }

    h.shutdown().await;
    store.db().clone().close().await.ok();
    let _ = conn
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await;
}
