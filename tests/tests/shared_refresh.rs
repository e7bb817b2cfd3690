//! One refresh per token across processes: four OS processes (this test binary re-run), ten
//! tasks each, ask `valid_access_token()` for one expired token at the same moment. Exactly
//! one refresh reaches the fake SSO, every caller gets the same valid token, and the stored
//! refresh token is the newest: with the Redis lock (on PostgreSQL and on a SQLite file) and
//! with PostgreSQL alone (the row lease).
//!
//! Also in one process: the Redis lock really gates the refresh, its release never frees a lock
//! that another owner took over, and a dead Redis falls back to the row lease.
//!
//! Needs `REDIS_URL` (`eval "$(bash .ci/redis.sh)"`) and `ESI_TEST_POSTGRES_URL`
//! (`eval "$(bash .ci/postgres.sh)"`) as each test says; without them the test prints SKIPPED,
//! except under `CI`, where it fails.

mod multiprocess;

use std::time::{Duration, Instant};

use chrono::Utc;
use esi_client::redis::{RedisConfig, RedisStore};
use esi_fake::sso::{
    DEFAULT_CALLBACK_URL, DEFAULT_WEB_CLIENT_ID, DEFAULT_WEB_CLIENT_SECRET, FakeSso,
    SsoConfig as FakeConfig,
};
use esi_sso::{RetryPolicy, Secret, Sso, SsoConfig};
use esi_store::entity::token;
use esi_store::{StoreConfig, Token, TokenStore};
use multiprocess::*;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};

const PILOT: i64 = 90_000_001;
const WALLET: &str = "esi-wallet.read_character_wallet.v1";
const PROCESSES: usize = 4;
const TASKS_PER_PROCESS: usize = 10;

/// A web-application SSO client for the fake.
fn web_sso(fake_base: &str) -> Sso {
    let config = SsoConfig::new(DEFAULT_WEB_CLIENT_ID, DEFAULT_CALLBACK_URL)
        .client_secret(DEFAULT_WEB_CLIENT_SECRET)
        .base_url(fake_base)
        .expect("base url")
        .retry(RetryPolicy {
            max_attempts: 2,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(20),
            max_retry_after: Duration::from_secs(2),
        })
        .request_timeout(Duration::from_secs(10));
    Sso::new(config).expect("sso")
}

/// The last 16 characters of a JWT (its signature): tells tokens apart without printing them.
fn fingerprint(token: &str) -> String {
    token[token.len().saturating_sub(16)..].to_owned()
}

/// A database made for one test: a fresh PostgreSQL database, or a SQLite file.
struct TestDb {
    url: String,
    admin: Option<(String, String)>,
    file: Option<std::path::PathBuf>,
}

impl TestDb {
    async fn postgres(admin: String) -> Self {
        let name = format!("esi_shared_{}", random_suffix());
        let conn = sea_orm::Database::connect(&admin)
            .await
            .expect("PostgreSQL reachable");
        conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create test database");
        conn.close().await.ok();
        let mut url = url::Url::parse(&admin).expect("PostgreSQL URL");
        url.set_path(&format!("/{name}"));
        TestDb {
            url: url.to_string(),
            admin: Some((admin, name)),
            file: None,
        }
    }

    fn sqlite_file() -> Self {
        let path = std::env::temp_dir().join(format!("esi-shared-{}.sqlite", random_suffix()));
        TestDb {
            url: format!("sqlite://{}?mode=rwc", path.display()),
            admin: None,
            file: Some(path),
        }
    }

    async fn cleanup(self) {
        if let Some((admin, name)) = &self.admin
            && let Ok(conn) = sea_orm::Database::connect(admin).await
        {
            let _ = conn
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
            conn.close().await.ok();
        }
        if let Some(path) = &self.file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
    }
}

/// A fake SSO, a store on `db`, and one logged-in token whose access token has expired.
struct Scene {
    sso: FakeSso,
    store: TokenStore,
    token: Token,
    db: TestDb,
}

impl Scene {
    async fn new(db: TestDb) -> Self {
        let sso = FakeSso::start(FakeConfig::default())
            .await
            .expect("fake SSO");
        let store = TokenStore::connect(StoreConfig::new(&db.url), web_sso(&sso.base_url()))
            .await
            .expect("store");
        let code = sso
            .authorize_code(
                DEFAULT_WEB_CLIENT_ID,
                DEFAULT_CALLBACK_URL,
                PILOT,
                &[WALLET],
                None,
            )
            .expect("code");
        let token = store
            .create_from_code(&Secret::new(code), None, Some("u"))
            .await
            .expect("stored");
        token::Entity::update_many()
            .col_expr(
                token::Column::Expires,
                Expr::value(Utc::now() - chrono::Duration::minutes(30)),
            )
            .filter(token::Column::Id.eq(token.id))
            .exec(store.db())
            .await
            .expect("expire");
        sso.clear_requests();
        Scene {
            sso,
            store,
            token,
            db,
        }
    }

    async fn stored(&self) -> token::Model {
        token::Entity::find_by_id(self.token.id)
            .one(self.store.db())
            .await
            .expect("query")
            .expect("token kept")
    }

    /// The stored tokens are the newest: the access token verifies and the refresh token is
    /// accepted by the SSO (a rotated-away one would be refused).
    async fn assert_newest(&self) {
        let stored = self.stored().await;
        self.store
            .sso()
            .verify(&stored.access_token)
            .await
            .expect("stored access token valid");
        let rt = Secret::new(stored.refresh_token.expect("refresh token"));
        self.store
            .sso()
            .refresh(&rt, None)
            .await
            .expect("the stored refresh token is the newest");
    }

    async fn finish(self) {
        self.store.db().clone().close().await.ok();
        self.sso.shutdown().await;
        self.db.cleanup().await;
    }
}

/// What a refreshing child does.
#[derive(Debug, Serialize, Deserialize)]
struct Refresh {
    db: String,
    sso: String,
    token_id: i64,
    /// Redis URL and key prefix for the lock; `None`: the row lease alone.
    redis: Option<(String, String)>,
    start_at: u128,
}

/// Entry point of the refreshing children; does nothing in a normal test run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_refresh_entry() {
    let Some(job) = child_job::<Refresh>() else {
        return;
    };
    let mut config = StoreConfig::new(&job.db);
    config.run_migrations = false;
    config.max_connections = 4;
    let mut store = TokenStore::connect(config, web_sso(&job.sso))
        .await
        .expect("child store");
    if let Some((url, prefix)) = &job.redis {
        let redis = RedisStore::connect(RedisConfig::new(url).prefix(prefix))
            .await
            .expect("Redis URL");
        assert!(redis.is_available());
        store = store.with_redis_lock(&redis);
        assert!(store.has_redis_lock());
    }
    store.sso().metadata().await.expect("metadata");
    sleep_until(job.start_at).await;
    let tasks: Vec<_> = (0..TASKS_PER_PROCESS)
        .map(|_| {
            let store = store.clone();
            let id = job.token_id;
            tokio::spawn(async move { store.valid_access_token_by_id(id).await })
        })
        .collect();
    let mut seen = Vec::new();
    for task in tasks {
        let token = task.await.expect("task").expect("valid token");
        seen.push(fingerprint(token.expose()));
    }
    seen.dedup();
    assert_eq!(seen.len(), 1, "every task of this process got one token");
    println!("CHILD_RESULT token={}", seen[0]);
}

async fn four_processes(db: TestDb, redis: Option<&str>, test: &str) {
    let scene = Scene::new(db).await;
    // A slow SSO keeps the refresh open while every process asks.
    scene.sso.slow_token_endpoint(Duration::from_millis(300));
    let job = Refresh {
        db: scene.db.url.clone(),
        sso: scene.sso.base_url(),
        token_id: scene.token.id,
        redis: redis.map(|url| {
            (
                url.to_string(),
                format!("esi-test:{test}:{}:", random_suffix()),
            )
        }),
        start_at: now_ms() + 2_500,
    };
    let job = serde_json::to_string(&job).expect("job");
    let results = run_children(
        "child_refresh_entry",
        &vec![job; PROCESSES],
        Duration::from_secs(90),
    )
    .await;
    scene.sso.slow_token_endpoint(Duration::ZERO);
    assert_eq!(
        scene.sso.token_requests_count(),
        1,
        "one refresh reached the SSO for {PROCESSES} processes"
    );
    let tokens: Vec<&str> = results
        .iter()
        .map(|l| l.trim_start_matches("token="))
        .collect();
    assert!(
        tokens.windows(2).all(|w| w[0] == w[1]),
        "every process got the same token: {tokens:?}"
    );
    assert_eq!(fingerprint(&scene.stored().await.access_token), tokens[0]);
    scene.assert_newest().await;
    scene.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_refresh_once_with_the_redis_lock_on_postgres() {
    let test = "four_processes_refresh_once_with_the_redis_lock_on_postgres";
    let (Some(redis), Some(pg)) = (redis_url(test), postgres_url(test)) else {
        return;
    };
    four_processes(TestDb::postgres(pg).await, Some(&redis), "refresh-redis-pg").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_refresh_once_with_the_redis_lock_on_a_sqlite_file() {
    let test = "four_processes_refresh_once_with_the_redis_lock_on_a_sqlite_file";
    let Some(redis) = redis_url(test) else {
        return;
    };
    four_processes(TestDb::sqlite_file(), Some(&redis), "refresh-redis-sqlite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_refresh_once_with_postgres_alone() {
    let Some(pg) = postgres_url("four_processes_refresh_once_with_postgres_alone") else {
        return;
    };
    four_processes(TestDb::postgres(pg).await, None, "refresh-pg").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_redis_lock_gates_the_refresh_and_frees_only_its_own_lock() {
    let test = "the_redis_lock_gates_the_refresh_and_frees_only_its_own_lock";
    let Some(url) = redis_url(test) else {
        return;
    };
    let scene = Scene::new(TestDb::sqlite_file()).await;
    let redis = RedisStore::connect(
        RedisConfig::new(&url).prefix(format!("esi-test:lock:{}:", random_suffix())),
    )
    .await
    .expect("Redis URL");
    let store = scene.store.clone().with_redis_lock(&redis);
    let key = redis.key(&format!("lock:refresh:{}", scene.token.id));
    let set = |owner: &str, millis: u64| {
        let mut cmd = esi_client::redis::driver::cmd("SET");
        cmd.arg(&key).arg(owner).arg("PX").arg(millis);
        cmd
    };

    // Another process holds the lock for 800 ms: nobody here refreshes before it expires.
    redis
        .query::<()>(&set("elsewhere", 800))
        .await
        .expect("SET");
    let started = Instant::now();
    store.valid_access_token(&scene.token).await.expect("token");
    assert!(
        started.elapsed() >= Duration::from_millis(700),
        "waited for the other holder: {:?}",
        started.elapsed()
    );
    assert_eq!(scene.sso.token_requests_count(), 1);

    // Our lock expires mid-refresh and another owner takes it: our release leaves theirs.
    scene.sso.slow_token_endpoint(Duration::from_millis(500));
    let refreshing = {
        let store = store.clone();
        let token = scene.token.clone();
        tokio::spawn(async move { store.refresh(&token).await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    redis
        .query::<()>(&set("intruder", 10_000))
        .await
        .expect("SET");
    refreshing.await.expect("task").expect("refreshed");
    let mut get = esi_client::redis::driver::cmd("GET");
    get.arg(&key);
    let holder: Option<String> = redis.query(&get).await.expect("GET");
    assert_eq!(
        holder.as_deref(),
        Some("intruder"),
        "only our own lock is freed"
    );
    scene.sso.slow_token_endpoint(Duration::ZERO);
    assert_eq!(scene.sso.token_requests_count(), 2);
    scene.assert_newest().await;
    scene.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_redis_falls_back_to_the_row_lease() {
    let scene = Scene::new(TestDb::sqlite_file()).await;
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let redis = RedisStore::connect(RedisConfig::new(format!("redis://127.0.0.1:{port}/")))
        .await
        .expect("a well-formed URL is accepted even when nothing answers");
    assert!(!redis.is_available());
    let store = scene.store.clone().with_redis_lock(&redis);
    let started = Instant::now();
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let store = store.clone();
            let token = scene.token.clone();
            tokio::spawn(async move { store.valid_access_token(&token).await })
        })
        .collect();
    for task in tasks {
        task.await.expect("task").expect("valid token");
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(scene.sso.token_requests_count(), 1);
    assert_eq!(redis.outages(), 1);
    scene.assert_newest().await;
    scene.finish().await;
}
