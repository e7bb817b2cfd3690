//! Two OS processes, 25 tasks each, ask for a valid access token of one expired token at the
//! same moment: exactly one refresh reaches the (fake) SSO, every caller gets the same token, and
//! the stored refresh token is the newest. The processes are this test binary re-run with
//! `ESI_STORE_CHILD` set (see `child_process_entry`); the fake SSO runs in the parent.

#[macro_use]
mod support;

use std::process::Stdio;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use esi_sso::Secret;
use esi_store::{StoreConfig, TokenStore};
use support::*;

const CHILD_ENV: &str = "ESI_STORE_CHILD";
const TASKS_PER_PROCESS: usize = 25;

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
}

/// The last 16 characters of a JWT (its signature): tells tokens apart without printing them.
fn fingerprint(token: &str) -> String {
    token[token.len().saturating_sub(16)..].to_owned()
}

/// Entry point of the child processes; does nothing in a normal test run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_process_entry() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let mut parts = spec.split('|');
    let (Some(db_url), Some(sso_base), Some(token_id), Some(start_at)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        panic!("bad {CHILD_ENV}");
    };
    let token_id: i64 = token_id.parse().expect("token id");
    let start_at: u128 = start_at.parse().expect("start time");
    let mut config = StoreConfig::new(db_url);
    config.run_migrations = false;
    config.max_connections = 4;
    let store = TokenStore::connect(config, web_sso(sso_base))
        .await
        .expect("child store");
    store.sso().metadata().await.expect("metadata");
    let wait = start_at.saturating_sub(now_ms());
    tokio::time::sleep(Duration::from_millis(
        u64::try_from(wait).unwrap_or(0).min(10_000),
    ))
    .await;
    let mut tasks = Vec::new();
    for _ in 0..TASKS_PER_PROCESS {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store.valid_access_token_by_id(token_id).await
        }));
    }
    let mut seen = Vec::new();
    for t in tasks {
        let token = t.await.expect("task").expect("valid token");
        seen.push(fingerprint(token.expose()));
    }
    seen.dedup();
    assert_eq!(seen.len(), 1, "all tasks of this process got one token");
    println!("CHILD_RESULT {}", seen[0]);
}

async fn two_processes(backend: Backend, test: &str) {
    let Some(db) = TestDb::new(backend, test).await else {
        return;
    };
    let fake = esi_fake::sso::FakeSso::start(esi_fake::sso::SsoConfig::default())
        .await
        .expect("fake SSO");
    let store = TokenStore::connect(StoreConfig::new(&db.url), web_sso(&fake.base_url()))
        .await
        .expect("store");
    let env = Env { fake, store, db };
    let t = env.login(PILOT_1, &[WALLET], Some("u")).await;
    expire(&env.store, t.id).await;
    env.fake.clear_requests();
    env.fake.slow_token_endpoint(Duration::from_millis(300));

    let start_at = now_ms() + 2500;
    let spec = format!("{}|{}|{}|{start_at}", env.db.url, env.fake.base_url(), t.id);
    let exe = std::env::current_exe().expect("test binary");
    let mut children = Vec::new();
    for _ in 0..2 {
        let child = tokio::process::Command::new(&exe)
            .args([
                "child_process_entry",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &spec)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn child");
        children.push(child);
    }
    let mut results = Vec::new();
    for child in children {
        let out = tokio::time::timeout(Duration::from_secs(90), child.wait_with_output())
            .await
            .expect("child finished in time")
            .expect("child output");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "child failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line = stdout
            .lines()
            .find_map(|l| l.split_once("CHILD_RESULT ").map(|(_, rest)| rest.trim()))
            .unwrap_or_else(|| {
                panic!(
                    "child reported no token:\n{stdout}\n{}",
                    String::from_utf8_lossy(&out.stderr)
                )
            })
            .to_owned();
        results.push(line);
    }
    env.fake.slow_token_endpoint(Duration::ZERO);
    assert_eq!(
        env.fake.token_requests_count(),
        1,
        "one refresh for both processes"
    );
    assert_eq!(results[0], results[1], "both processes got the same token");
    let stored = env.store.token(t.id).await.expect("q").expect("exists");
    assert_eq!(fingerprint(stored.access_token().expose()), results[0]);
    env.store
        .sso()
        .verify(stored.access_token().expose())
        .await
        .expect("valid");
    let rt = Secret::new(stored_refresh_token(&env.store, t.id).await.expect("rt"));
    env.store
        .sso()
        .refresh(&rt, None)
        .await
        .expect("the stored refresh token is the newest");
    env.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_refresh_once_sqlite_file() {
    two_processes(Backend::SqliteFile, "two_processes_sqlite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_refresh_once_postgres() {
    two_processes(Backend::Postgres, "two_processes_postgres").await;
}
