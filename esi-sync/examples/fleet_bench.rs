//! Measures the sync engine against the fake ESI: a fleet of characters × 3 routes (wallet,
//! skills, and every page of the assets), cache windows of a few seconds.
//!
//! ```text
//! cargo run --release -p esi-sync --example fleet_bench -- [characters] [window s] [windows] [concurrency] [--no-restart]
//! ESI_TEST_POSTGRES_URL=postgres://... cargo run --release -p esi-sync --example fleet_bench -- 1000 5 4 64 postgres
//! ```
//!
//! Prints: budget efficiency (requests ÷ (pages due × windows)) over whole windows, requests
//! before `Expires`, 420/429 answers, scheduling lag (start − `Expires`) p50/p99, and the
//! requests of the first window and the first minute after a restart against a warm and a cold
//! job table. Only
//! 127.0.0.1 is contacted. Not a test: it prints figures. The operations are written by hand
//! here (the engine is generic over operations), so no generated API is built.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use esi_fake::esi::{FakeEsiConfig, FleetConfig, PageShape};
use esi_fake::harness::Harness;
use esi_fake::sso::{
    DEFAULT_CALLBACK_URL, DEFAULT_WEB_CLIENT_ID, DEFAULT_WEB_CLIENT_SECRET, FakeCharacter,
    SsoConfig as FakeSsoConfig,
};
use esi_runtime::{
    BodyKind, ClientParam, MemoryCache, Operation, OperationInfo, PagedByXPages, Pagination,
    RateLimitInfo,
};
use esi_sso::{Secret, Sso, SsoConfig};
use esi_store::{StoreConfig, TokenStore};
use esi_sync::{Fleet, Job, Schedule, SyncDb, Worker, WorkerConfig, handler};
use sea_orm::ConnectionTrait as _;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const ASSET_PAGES: u32 = 3;
const SCOPES: [&str; 3] = [
    "esi-wallet.read_character_wallet.v1",
    "esi-skills.read_skills.v1",
    "esi-assets.read_assets.v1",
];

/// A character route of ESI's, written by hand.
const fn route(
    id: &'static str,
    path: &'static str,
    scope: &'static [&'static str],
    group: &'static str,
    pagination: Pagination,
) -> OperationInfo {
    OperationInfo {
        id,
        name: id,
        resource: "bench",
        tag: "Bench",
        method: http::Method::GET,
        path,
        summary: "",
        scopes: scope,
        roles: &[],
        cache_seconds: None,
        rate_limit: Some(RateLimitInfo {
            group,
            max_tokens: 150,
            window_seconds: 900,
        }),
        pagination,
        client_params: match pagination {
            Pagination::XPages => &[ClientParam::Page, ClientParam::IfNoneMatch],
            _ => &[ClientParam::IfNoneMatch],
        },
        body: BodyKind::None,
        empty_response: false,
        retry_safe: true,
        from_id_field: None,
        params: &[],
        last_changed: None,
        compatibility_date: None,
        spec_date: None,
    }
}

macro_rules! character_route {
    ($name:ident, $output:ty, $info:expr) => {
        #[derive(Debug, Clone)]
        struct $name(i64);
        impl Operation for $name {
            type Output = $output;
            const INFO: &'static OperationInfo = &$info;
            fn path(&self) -> String {
                Self::INFO
                    .path
                    .replace("{character_id}", &self.0.to_string())
            }
            fn character_id(&self) -> Option<i64> {
                Some(self.0)
            }
        }
    };
}

character_route!(
    Wallet,
    f64,
    route(
        "GetCharactersCharacterIdWallet",
        "/characters/{character_id}/wallet",
        &[SCOPES[0]],
        "char-wallet",
        Pagination::None
    )
);
character_route!(
    Skills,
    serde_json::Value,
    route(
        "GetCharactersCharacterIdSkills",
        "/characters/{character_id}/skills",
        &[SCOPES[1]],
        "char-detail",
        Pagination::None
    )
);
character_route!(
    Assets,
    Vec<serde_json::Value>,
    route(
        "GetCharactersCharacterIdAssets",
        "/characters/{character_id}/assets",
        &[SCOPES[2]],
        "char-asset",
        Pagination::XPages
    )
);
impl PagedByXPages for Assets {}

fn fleet(changes: &Arc<AtomicU64>) -> Fleet {
    let count = |changes: &Arc<AtomicU64>| {
        let changes = changes.clone();
        move || {
            changes.fetch_add(1, Ordering::Relaxed);
        }
    };
    let (a, b, c) = (count(changes), count(changes), count(changes));
    Fleet::new().characters_with_scope(
        SCOPES[0],
        [
            Job::single(
                "wallet",
                Wallet,
                handler(move |_| {
                    a();
                    async { Ok(()) }
                }),
            ),
            Job::single(
                "skills",
                Skills,
                handler(move |_| {
                    b();
                    async { Ok(()) }
                }),
            ),
            Job::all_pages(
                "assets",
                Assets,
                handler(move |_| {
                    c();
                    async { Ok(()) }
                }),
            ),
        ],
    )
}

fn window_start(index: u64, window: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(index * window)
}

fn window_now(window: u64) -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
        / window
}

async fn sleep_until(at: SystemTime) {
    if let Ok(wait) = at.duration_since(SystemTime::now()) {
        tokio::time::sleep(wait).await;
    }
}

struct Setup {
    harness: Harness,
    store: TokenStore,
    window: u64,
    concurrency: usize,
}

impl Setup {
    async fn worker(&self, changes: &Arc<AtomicU64>) -> Result<Worker, BoxError> {
        let client = esi_runtime::Client::builder()
            .base_url(self.harness.esi_url())
            .user_agent(esi_runtime::UserAgent::new("esi-sync-bench", "1").email("b@example.com"))
            .cache(Arc::new(MemoryCache::new(200_000, 1 << 30)))
            .pool_max_idle_per_host(self.concurrency)
            .build()?;
        let config = WorkerConfig::default()
            .concurrency(self.concurrency)
            .lease(Duration::from_secs(30))
            .poll(Duration::from_millis(100))
            .schedule(Schedule {
                min_jitter: Duration::from_millis(20),
                max_jitter: Duration::from_millis(self.window * 1000 / 5),
                ..Schedule::default()
            });
        Ok(Worker::new(fleet(changes), client, self.store.clone(), config).await?)
    }

    /// Requests (GETs answered 200 or 304) the fake ESI served from now until each of `marks`
    /// (in order) while `worker` runs.
    async fn requests_until(
        &self,
        worker: &Worker,
        marks: &[SystemTime],
    ) -> Result<Vec<u64>, BoxError> {
        let Some(&last) = marks.last() else {
            return Ok(Vec::new());
        };
        let w = worker.clone();
        let before = self.harness.esi.freshness().counts().served;
        let run = tokio::spawn(async move { w.run_until(sleep_until(last)).await });
        let mut counts = Vec::new();
        for &mark in marks {
            sleep_until(mark).await;
            counts.push(self.harness.esi.freshness().counts().served - before);
        }
        run.await??;
        Ok(counts)
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<(), BoxError> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let restarts = !args.iter().any(|a| a == "--no-restart");
    args.retain(|a| a != "--no-restart");
    let arg = |i: usize, default: u64| -> Result<u64, BoxError> {
        Ok(args
            .get(i)
            .map(|s| s.parse())
            .transpose()?
            .unwrap_or(default))
    };
    let characters = arg(0, 1000)? as usize;
    let window = arg(1, 5)?.max(2);
    let windows = arg(2, 4)?.max(1);
    let concurrency = arg(3, 64)? as usize;
    let postgres = args.get(4).is_some_and(|b| b == "postgres");

    let ids: Vec<i64> = (0..characters as i64).map(|i| 95_000_001 + i).collect();
    let sso = FakeSsoConfig {
        characters: ids
            .iter()
            .map(|&id| FakeCharacter::new(id, format!("Bench Pilot {id}")))
            .collect(),
        ..FakeSsoConfig::default()
    };
    let esi = FakeEsiConfig::default()
        .fleet(FleetConfig::new(window, 2))
        .pages(
            "/characters/{character_id}/assets",
            PageShape::new(ASSET_PAGES, 5),
        )
        .bucket("*", 150, Duration::from_secs(window * 10));
    let harness = Harness::start_with(esi, sso).await?;

    let (database_url, cleanup): (String, Option<(sea_orm::DatabaseConnection, String)>) =
        if postgres {
            let admin = std::env::var("ESI_TEST_POSTGRES_URL")?;
            let name = format!("esi_sync_bench_{}", std::process::id());
            let conn = sea_orm::Database::connect(&admin).await?;
            conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await?;
            (url_with_path(&admin, &name)?, Some((conn, name)))
        } else {
            let path =
                std::env::temp_dir().join(format!("esi-sync-bench-{}.sqlite", std::process::id()));
            (format!("sqlite://{}?mode=rwc", path.display()), None)
        };
    let sso = Sso::new(
        SsoConfig::new(DEFAULT_WEB_CLIENT_ID, DEFAULT_CALLBACK_URL)
            .client_secret(DEFAULT_WEB_CLIENT_SECRET)
            .base_url(&harness.sso_url())?,
    )?;
    let mut store_config = StoreConfig::new(&database_url);
    store_config.max_connections = 16;
    let store = TokenStore::connect(store_config, sso).await?;
    for &id in &ids {
        let code = harness.sso.authorize_code(
            DEFAULT_WEB_CLIENT_ID,
            DEFAULT_CALLBACK_URL,
            id,
            &SCOPES,
            None,
        )?;
        store
            .create_from_code(&Secret::new(code), None, None)
            .await?;
    }
    let setup = Setup {
        harness,
        store,
        window,
        concurrency,
    };
    let pages_per_window = characters as u64 * (2 + u64::from(ASSET_PAGES));
    println!(
        "esi-sync bench: {characters} characters x 3 routes ({} jobs, {pages_per_window} pages per window), \
         windows of {window} s, concurrency {concurrency}, {}",
        characters * 3,
        if postgres { "PostgreSQL" } else { "SQLite" }
    );

    // Steady state: after the first (cold) fetch, `windows` whole windows.
    let changes = Arc::new(AtomicU64::new(0));
    let worker = setup.worker(&changes).await?;
    let first = window_now(window) + 2;
    let from = window_start(first, window) - Duration::from_millis(10);
    let until = window_start(first + windows, window) - Duration::from_millis(10);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let w = worker.clone();
    let run = tokio::spawn(async move {
        w.run_until(async {
            let _ = rx.await;
        })
        .await
    });
    sleep_until(from).await;
    setup.harness.esi.freshness().reset_counts();
    sleep_until(until).await;
    let counts = setup.harness.esi.freshness().counts();
    let _ = tx.send(());
    run.await??;
    let due = pages_per_window * windows;
    let stats = worker.stats();
    println!(
        "steady state over {windows} windows: {} requests for {due} pages due: efficiency {:.4}; \
         {} answered 304; {} before Expires; {} answered 420, {} answered 429",
        counts.served,
        counts.served as f64 / due as f64,
        counts.not_modified,
        counts.early,
        counts.error_limited,
        counts.rate_limited
    );
    let lags = stats
        .lag_percentiles([50.0, 99.0, 100.0])
        .unwrap_or([-1; 3]);
    println!(
        "scheduling lag (start - Expires): p50 {} ms, p99 {} ms, max {} ms ({} runs, {} changes delivered)",
        lags[0],
        lags[1],
        lags[2],
        stats.snapshot().runs,
        changes.load(Ordering::Relaxed)
    );

    // Restarts in the middle of a window: a worker keeps the fleet fresh, stops, and a new
    // worker and client (cold cache) start at once, first against the job table as it was
    // (warm), then against an emptied one (cold); requests in the first window after.
    let kinds: &[(&str, bool)] = if restarts {
        &[("warm", false), ("cold", true)]
    } else {
        &[]
    };
    for &(label, wipe) in kinds {
        let restart =
            window_start(window_now(window) + 2, window) + Duration::from_millis(window * 500);
        let before = setup.worker(&changes).await?;
        before.run_until(sleep_until(restart)).await?;
        if wipe {
            setup
                .store
                .db()
                .execute_unprepared("DELETE FROM esi_sync_job")
                .await?;
        }
        let after = setup.worker(&changes).await?;
        let now = SystemTime::now();
        let counts = setup
            .requests_until(
                &after,
                &[
                    now + Duration::from_secs(window),
                    now + Duration::from_secs(60),
                ],
            )
            .await?;
        println!(
            "restart against a {label} job table: {} requests in the first window after it \
             ({:.2} x the pages due per window), {} in the first minute ({:.2} x the pages due \
             in a minute)",
            counts[0],
            counts[0] as f64 / pages_per_window as f64,
            counts[1],
            counts[1] as f64 / (pages_per_window as f64 * 60.0 / window as f64)
        );
    }
    let status = SyncDb::new(setup.store.db().clone())
        .status(esi_runtime::chrono::Utc::now().timestamp_millis(), 2_000)
        .await?;
    println!("jobs: {status:?}");
    setup.harness.shutdown().await;
    if let Some((conn, name)) = cleanup {
        setup.store.db().clone().close().await.ok();
        conn.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await?;
    }
    Ok(())
}

fn url_with_path(admin: &str, database: &str) -> Result<String, BoxError> {
    let (base, _) = admin
        .rsplit_once('/')
        .ok_or("a PostgreSQL URL with a database")?;
    Ok(format!("{base}/{database}"))
}
