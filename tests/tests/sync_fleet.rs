//! The sync engine (esi-sync) against the fake ESI and SSO, its state on SQLite: a fleet kept
//! fresh window after window with one request per page and expiry window, none before `Expires`;
//! state that survives a restart; jobs that follow the token store; a failing handler retried
//! without refetching.

mod sync_support;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use esi_sync::{Budget, JobFilter, Schedule, Worker, WorkerConfig};
use sync_support::*;

fn sqlite_url(test: &str) -> (String, std::path::PathBuf) {
    let path = std::env::temp_dir().join(format!(
        "esi-sync-{test}-{:012x}.sqlite",
        rand::random::<u64>() & 0xffff_ffff_ffff
    ));
    (format!("sqlite://{}?mode=rwc", path.display()), path)
}

fn remove_sqlite(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

fn quick(owner: &str) -> WorkerConfig {
    WorkerConfig::default()
        .owner(owner)
        .concurrency(16)
        .lease(Duration::from_secs(5))
        .poll(Duration::from_millis(200))
        .schedule(Schedule {
            min_jitter: Duration::from_millis(30),
            max_jitter: Duration::from_millis(300),
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(400),
        })
}

/// Five characters, windows of 2 s, data changing every second window: after the first fetch
/// every page is asked for once per window, never before its `Expires`, and each change is
/// delivered once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_is_kept_fresh_one_request_per_page_and_window() {
    const WINDOW: u64 = 2;
    let h = harness(5, WINDOW, 2).await;
    let (url, path) = sqlite_url("fresh");
    let store = store(&h, &url).await;
    let ids = characters(5);
    login_all(&h, &store, &ids).await;
    let runtime = client(&h).build().expect("client");
    let api = esi_client::Client::from(runtime.clone());
    let received = Arc::new(Received::default());
    let worker = Worker::new(
        fleet(&api, &received),
        runtime,
        store.clone(),
        quick("solo"),
    )
    .await
    .expect("worker");

    // Start just after a window opens, so the first fetch and the later ones are in distinct
    // windows; stop when the fourth window's fetches are done, before the fifth opens.
    let first = window_index(SystemTime::now(), WINDOW) + 1;
    sleep_until(window_start(first, WINDOW) + Duration::from_millis(100)).await;
    h.esi.freshness().reset_counts();
    let stop_at = window_start(first + 3, WINDOW) + Duration::from_millis(1_200);
    let run = worker.run_until(sleep_until(stop_at));
    run.await.expect("worker ran");

    let counts = h.esi.freshness().counts();
    let due = PAGES_PER_CHARACTER * ids.len() as u64 * 4;
    let ratio = counts.served as f64 / due as f64;
    eprintln!(
        "fresh: {counts:?}, due {due}, ratio {ratio:.3}, stats {:?}",
        worker.stats().snapshot()
    );
    assert_eq!(counts.early, 0, "no request before Expires");
    assert_eq!((counts.error_limited, counts.rate_limited), (0, 0));
    assert!((0.98..=1.02).contains(&ratio), "efficiency {ratio}");
    assert!(
        counts.not_modified > 0,
        "unchanged windows are revalidated (304)"
    );
    // The engine's lag statistic is what the server saw: each job's first request (page 1 of
    // a set) after the `Expires` it was given.
    let mut server: Vec<Duration> = h
        .esi
        .freshness()
        .lags()
        .into_iter()
        .filter(|lag| !lag.url.contains("page=") || lag.url.ends_with("page=1"))
        .map(|lag| lag.after_expires)
        .collect();
    server.sort_unstable();
    let server_p99 = server[(server.len() * 99).div_ceil(100).saturating_sub(1)];
    let engine_p99 = worker.stats().lag_percentile(99.0).expect("lags");
    let gap = (engine_p99 - server_p99.as_millis() as i64).abs();
    assert!(
        gap <= 100,
        "engine lag p99 {engine_p99} ms, server {} ms",
        server_p99.as_millis()
    );
    // Every job delivered its first version, and its data changed once or twice more; no
    // version twice in a row.
    assert_eq!(received.jobs(), ids.len() * 3);
    for id in &ids {
        for job in ["wallet", "skills", "assets"] {
            let seen = received.of(&format!("character:{id}/{job}"));
            assert!((2..=3).contains(&seen.len()), "{job} of {id}: {seen:?}");
            assert!(seen.windows(2).all(|w| w[0] != w[1]), "{seen:?}");
        }
    }
    let status = worker
        .db()
        .status(esi_now_ms(), 1_000)
        .await
        .expect("status");
    assert_eq!(
        (status.total, status.failing, status.paused, status.late),
        (15, 0, 0, 0)
    );
    h.shutdown().await;
    remove_sqlite(&path);
}

fn esi_now_ms() -> i64 {
    esi_runtime::chrono::Utc::now().timestamp_millis()
}

/// A restarted worker (new process state, cold cache) finds nothing due before the data
/// expires, and the same data afterwards delivers nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_refetches_nothing_early_and_delivers_nothing_unchanged() {
    const WINDOW: u64 = 4;
    let h = harness(3, WINDOW, 0).await;
    let (url, path) = sqlite_url("restart");
    let store = store(&h, &url).await;
    login_all(&h, &store, &characters(3)).await;
    let received = Arc::new(Received::default());
    // Just after a window opens: the restart comes well before the data expires.
    sleep_until(
        window_start(window_index(SystemTime::now(), WINDOW) + 1, WINDOW)
            + Duration::from_millis(100),
    )
    .await;
    let first = {
        let runtime = client(&h).build().expect("client");
        let api = esi_client::Client::from(runtime.clone());
        let worker = Worker::new(fleet(&api, &received), runtime, store.clone(), quick("a"))
            .await
            .expect("worker");
        worker.reconcile().await.expect("reconcile");
        worker.run_once().await.expect("run")
    };
    assert_eq!(first, 9);
    assert_eq!(received.total(), 9);
    let before = h.esi.freshness().counts().served;
    let not_modified_before = h.esi.freshness().counts().not_modified;

    // The restart: a new client (empty cache) and worker on the same database.
    let runtime = client(&h).build().expect("client");
    let api = esi_client::Client::from(runtime.clone());
    let worker = Worker::new(fleet(&api, &received), runtime, store.clone(), quick("b"))
        .await
        .expect("worker");
    worker.reconcile().await.expect("reconcile");
    assert_eq!(
        worker.run_once().await.expect("run"),
        0,
        "nothing is due yet"
    );
    assert_eq!(h.esi.freshness().counts().served, before, "no request");

    // Once expired, every page is asked again with the ETag the job stored (`If-None-Match`,
    // a 304 each): nothing is delivered.
    sleep_until(
        window_start(window_index(SystemTime::now(), WINDOW) + 1, WINDOW)
            + Duration::from_millis(400),
    )
    .await;
    assert_eq!(worker.run_once().await.expect("run"), 9);
    assert_eq!(
        h.esi.freshness().counts().served,
        before + 3 * PAGES_PER_CHARACTER
    );
    assert_eq!(received.total(), 9, "unchanged data is not delivered again");
    assert_eq!(
        h.esi.freshness().counts().not_modified - not_modified_before,
        3 * PAGES_PER_CHARACTER,
        "the jobs' stored ETags revalidate with an empty cache: every request a 304"
    );
    assert_eq!(h.esi.freshness().counts().early, 0);
    h.shutdown().await;
    remove_sqlite(&path);
}

/// A run longer than the lease (a slow handler) keeps its lease: the other worker does not
/// take the job and fetch it again before it expires.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_longer_than_its_lease_is_not_taken_by_another_worker() {
    const WINDOW: u64 = 8;
    let h = harness(1, WINDOW, 0).await;
    let (url, path) = sqlite_url("renew");
    let store = store(&h, &url).await;
    login_all(&h, &store, &characters(1)).await;
    let received = Arc::new(Received::default());
    *received.handler_delay.lock().expect("lock") = Duration::from_millis(2_000);
    let lease = Duration::from_millis(600);
    let mut workers = Vec::new();
    for owner in ["a", "b"] {
        let runtime = client(&h).build().expect("client");
        let api = esi_client::Client::from(runtime.clone());
        let worker = Worker::new(
            fleet(&api, &received),
            runtime,
            store.clone(),
            quick(owner).lease(lease),
        )
        .await
        .expect("worker");
        worker.reconcile().await.expect("reconcile");
        workers.push(worker);
    }
    // The whole run inside one window.
    sleep_until(
        window_start(window_index(SystemTime::now(), WINDOW) + 1, WINDOW)
            + Duration::from_millis(100),
    )
    .await;
    h.esi.freshness().reset_counts();
    let stop = SystemTime::now() + Duration::from_millis(4_000);
    let (a, b) = (workers[0].clone(), workers[1].clone());
    let (ra, rb) = tokio::join!(
        a.run_until(sleep_until(stop)),
        b.run_until(sleep_until(stop))
    );
    ra.expect("a ran");
    rb.expect("b ran");
    let counts = h.esi.freshness().counts();
    eprintln!(
        "renew: {counts:?}, a {:?}, b {:?}",
        a.stats().snapshot(),
        b.stats().snapshot()
    );
    assert_eq!(counts.early, 0, "{:?}", h.esi.freshness().early_fetches());
    assert_eq!(counts.served, PAGES_PER_CHARACTER, "each page once");
    assert_eq!(received.total(), 3, "each job delivered once");
    let lost = a.stats().snapshot().lost_leases + b.stats().snapshot().lost_leases;
    assert_eq!(lost, 0);
    h.shutdown().await;
    remove_sqlite(&path);
}

/// A deleted token pauses its character's jobs with the reason; a new login resumes them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_follow_the_token_store() {
    let h = harness(2, 60, 0).await;
    let (url, path) = sqlite_url("follow");
    let store = store(&h, &url).await;
    let ids = characters(2);
    let token = login(&h, &store, ids[0]).await;
    let runtime = client(&h).build().expect("client");
    let api = esi_client::Client::from(runtime.clone());
    let received = Arc::new(Received::default());
    let worker = Worker::new(fleet(&api, &received), runtime, store.clone(), quick("f"))
        .await
        .expect("worker");
    assert_eq!(worker.reconcile().await.expect("reconcile"), (3, 0, 0));
    login(&h, &store, ids[1]).await;
    assert_eq!(
        worker.reconcile().await.expect("reconcile"),
        (3, 0, 0),
        "a new token adds its jobs"
    );
    assert_eq!(worker.run_once().await.expect("run"), 6);

    assert!(store.delete(token).await.expect("delete"));
    assert_eq!(worker.reconcile().await.expect("reconcile"), (0, 3, 0));
    let now = esi_now_ms();
    let status = worker.db().status(now, 1_000).await.expect("status");
    assert_eq!((status.total, status.paused), (6, 3));
    let paused = worker
        .db()
        .jobs(JobFilter::Paused, now, 10)
        .await
        .expect("jobs");
    assert_eq!(paused.len(), 3);
    assert!(
        paused
            .iter()
            .all(|j| j.key.starts_with(&format!("character:{}/", ids[0])))
    );
    assert!(
        paused[0]
            .paused
            .as_deref()
            .unwrap_or("")
            .contains("deleted"),
        "{paused:?}"
    );

    login(&h, &store, ids[0]).await;
    assert_eq!(
        worker.reconcile().await.expect("reconcile"),
        (0, 0, 3),
        "resumed"
    );
    h.shutdown().await;
    remove_sqlite(&path);
}

/// A failing handler is retried with backoff and its error reported; the retries are answered
/// by the client's cache (no request), and the change is delivered once it succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_handler_is_retried_without_refetching() {
    let h = harness(1, 60, 0).await;
    let (url, path) = sqlite_url("retry");
    let store = store(&h, &url).await;
    let id = characters(1)[0];
    login(&h, &store, id).await;
    let runtime = client(&h).build().expect("client");
    let api = esi_client::Client::from(runtime.clone());
    let received = Arc::new(Received::default());
    let wallet = format!("character:{id}/wallet");
    received
        .fail_next
        .lock()
        .expect("lock")
        .insert(wallet.clone(), 2);
    let config = quick("r").budget(Budget::default());
    let worker = Worker::new(fleet(&api, &received), runtime, store.clone(), config)
        .await
        .expect("worker");
    worker.reconcile().await.expect("reconcile");
    assert_eq!(worker.run_once().await.expect("run"), 3);
    let served = h.esi.freshness().counts().served;
    let failing = worker
        .db()
        .jobs(JobFilter::Failing, esi_now_ms(), 10)
        .await
        .expect("jobs");
    assert_eq!(failing.len(), 1);
    assert_eq!(failing[0].key, wallet);
    assert_eq!(failing[0].attempts, 1);
    assert!(
        failing[0]
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("database is down")
    );
    assert!(received.of(&wallet).is_empty());

    // Backoff: 100 ms, then 200 ms (plus jitter up to 300 ms).
    for attempt in 2..=3 {
        tokio::time::sleep(Duration::from_millis(700)).await;
        assert_eq!(
            worker.run_once().await.expect("run"),
            1,
            "attempt {attempt}"
        );
    }
    assert_eq!(received.of(&wallet).len(), 1, "delivered once it succeeded");
    assert_eq!(
        h.esi.freshness().counts().served,
        served,
        "retries sent nothing"
    );
    let status = worker
        .db()
        .status(esi_now_ms(), 1_000)
        .await
        .expect("status");
    assert_eq!(status.failing, 0);
    assert_eq!(worker.stats().snapshot().handler_errors, 2);
    h.shutdown().await;
    remove_sqlite(&path);
}
