//! Databases migrate forward: a SQLite database written by an earlier release of esi-store and
//! esi-sync (`tests/fixtures/`, committed) opens with today's code, its migrations run, and
//! every token (its refresh token readable, as stored) and every job (its stored `ETag` and
//! `Expires`) is still there.
//!
//! The fixture was written by the ignored `write_the_fixture` below at the commit named in its
//! file name; a release that changes either schema adds a fixture of its own the same way and
//! keeps the old ones.

mod sync_support;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use esi_sync::{SyncDb, Worker, WorkerConfig};
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use sync_support::*;

/// Written at commit ea6f108 (esi-store and esi-sync schemas of December 2026).
const FIXTURE: &str = "store-and-sync-2026-12-08.sqlite";
/// The characters the fixture holds, and the refresh tokens the fake SSO gave them.
const CHARACTERS: usize = 2;

fn fixture_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(FIXTURE)
}

/// A copy of the fixture in the temp directory (the test writes to it).
fn copy_of_fixture() -> (String, PathBuf) {
    let path = std::env::temp_dir().join(format!(
        "esi-migrate-{:012x}.sqlite",
        rand::random::<u64>() & 0xffff_ffff_ffff
    ));
    std::fs::copy(fixture_path(), &path).expect("fixture copied");
    (format!("sqlite://{}?mode=rwc", path.display()), path)
}

/// What the test compares before and after: (character, refresh token) of every token, and
/// (job key, `ETag`, `Expires`) of every job, sorted.
type Contents = (
    Vec<(i64, Option<String>)>,
    Vec<(String, Option<String>, Option<i64>)>,
);

async fn contents(db: &sea_orm::DatabaseConnection, store: &esi_store::TokenStore) -> Contents {
    let ids = db
        .query_all_raw(Statement::from_string(
            DatabaseBackend::Sqlite,
            "SELECT id FROM esi_token ORDER BY id",
        ))
        .await
        .expect("token ids");
    let mut tokens = Vec::new();
    for row in ids {
        let id: i64 = row.try_get("", "id").expect("id");
        let token = store.token(id).await.expect("token reads").expect("token");
        tokens.push((
            token.character_id,
            token.refresh_token().map(|s| s.expose().to_string()),
        ));
    }
    let jobs = db
        .query_all_raw(Statement::from_string(
            DatabaseBackend::Sqlite,
            "SELECT job_key, etag, expires FROM esi_sync_job ORDER BY job_key",
        ))
        .await
        .expect("jobs")
        .iter()
        .map(|row| {
            (
                row.try_get("", "job_key").expect("key"),
                row.try_get("", "etag").expect("etag"),
                row.try_get("", "expires").expect("expires"),
            )
        })
        .collect();
    (tokens, jobs)
}

#[tokio::test]
async fn a_database_of_an_earlier_release_migrates_without_losing_a_token_or_a_job() {
    let h = harness(CHARACTERS, 3600, 0).await;
    let (url, path) = copy_of_fixture();
    // Opening the store and the sync tables runs every migration since the fixture.
    let store = store(&h, &url).await;
    let sync = SyncDb::new(store.db().clone());
    sync.migrate().await.expect("sync tables migrate");
    let (tokens, jobs) = contents(store.db(), &store).await;
    assert_eq!(tokens.len(), CHARACTERS, "{tokens:?}");
    assert!(
        tokens.iter().all(|(_, refresh)| refresh.is_some()),
        "every refresh token kept: {tokens:?}"
    );
    assert_eq!(jobs.len(), 3 * CHARACTERS, "{jobs:?}");
    assert!(
        jobs.iter()
            .all(|(_, etag, expires)| etag.is_some() && expires.is_some()),
        "every job keeps its validator and Expires: {jobs:?}"
    );
    // Migrating again changes nothing.
    sync.migrate().await.expect("idempotent");
    assert_eq!(contents(store.db(), &store).await, (tokens, jobs));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// Writes the fixture with the code of this commit: characters logged in through the fake SSO,
/// their fleet reconciled and run once (jobs with `ETag` and `Expires`).
/// `cargo test -p esi-tests --test migrate_forward -- --ignored write_the_fixture`
#[tokio::test]
#[ignore = "writes tests/fixtures/ (run once per schema change, then commit the file)"]
async fn write_the_fixture() {
    let h = harness(CHARACTERS, 3600, 0).await;
    let scratch = std::env::temp_dir().join(format!("esi-fixture-{}.sqlite", std::process::id()));
    let url = format!("sqlite://{}?mode=rwc", scratch.display());
    let store = store(&h, &url).await;
    login_all(&h, &store, &characters(CHARACTERS)).await;
    let received = Arc::new(Received::default());
    let runtime = client(&h).build().expect("client");
    let api = esi_client::Client::from(runtime.clone());
    let worker = Worker::new(
        fleet(&api, &received),
        runtime,
        store.clone(),
        WorkerConfig::default().owner("fixture"),
    )
    .await
    .expect("worker");
    worker.reconcile().await.expect("reconcile");
    assert_eq!(worker.run_once().await.expect("run"), 3 * CHARACTERS);
    let out = fixture_path();
    let _ = std::fs::remove_file(&out);
    std::fs::create_dir_all(out.parent().expect("folder")).expect("fixtures folder");
    store
        .db()
        .execute_unprepared(&format!("VACUUM INTO '{}'", out.display()))
        .await
        .expect("one self-contained file");
}
