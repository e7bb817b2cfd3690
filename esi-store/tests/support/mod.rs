//! Shared test setup: the fake SSO, a store on SQLite (memory or file) or on a fresh PostgreSQL
//! database, logins without a browser, and a few row manipulations.
#![allow(dead_code)]

use std::time::Duration;

use chrono::Utc;
use esi_fake::sso::{
    DEFAULT_CALLBACK_URL, DEFAULT_NATIVE_CLIENT_ID, DEFAULT_WEB_CLIENT_ID,
    DEFAULT_WEB_CLIENT_SECRET, FakeSso, SsoConfig as FakeConfig,
};
use esi_sso::{RetryPolicy, Secret, Sso, SsoConfig};
use esi_store::entity::{callback_redirect, token};
use esi_store::{StoreConfig, Token, TokenStore};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

pub const WALLET: &str = "esi-wallet.read_character_wallet.v1";
pub const SKILLS: &str = "esi-skills.read_skills.v1";
pub const ASSETS: &str = "esi-assets.read_assets.v1";
pub const PILOT_1: i64 = 90_000_001;
pub const PILOT_2: i64 = 90_000_002;
pub const PILOT_3: i64 = 90_000_003;

/// Environment variable naming the PostgreSQL server for the PostgreSQL variants.
pub const PG_ENV: &str = "ESI_TEST_POSTGRES_URL";

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    SqliteMemory,
    SqliteFile,
    Postgres,
}

/// The PostgreSQL server URL, or `None` (with a message) when the PostgreSQL variants are to be
/// skipped. Under `CI` a missing URL is a failure.
pub fn postgres_url(test: &str) -> Option<String> {
    match std::env::var(PG_ENV).ok().filter(|v| !v.trim().is_empty()) {
        Some(url) => Some(url),
        None if std::env::var_os("CI").is_some() => {
            panic!("{test}: {PG_ENV} is not set, and CI requires the PostgreSQL tests to run")
        }
        None => {
            eprintln!(
                "SKIPPED {test}: {PG_ENV} is not set (run `eval \"$(bash .ci/postgres.sh)\"` first)"
            );
            None
        }
    }
}

/// A database made for one test.
pub struct TestDb {
    pub url: String,
    admin_url: Option<String>,
    name: Option<String>,
    file: Option<std::path::PathBuf>,
}

impl TestDb {
    /// A fresh database on `backend`; `None` when PostgreSQL is skipped.
    pub async fn new(backend: Backend, test: &str) -> Option<Self> {
        match backend {
            Backend::SqliteMemory => Some(Self {
                url: "sqlite::memory:".into(),
                admin_url: None,
                name: None,
                file: None,
            }),
            Backend::SqliteFile => {
                let path = std::env::temp_dir().join(format!(
                    "esi-store-{}-{}.sqlite",
                    test,
                    random_suffix()
                ));
                Some(Self {
                    url: format!("sqlite://{}?mode=rwc", path.display()),
                    admin_url: None,
                    name: None,
                    file: Some(path),
                })
            }
            Backend::Postgres => {
                let admin = postgres_url(test)?;
                let name = format!("esi_t_{}", random_suffix());
                let conn = sea_orm::Database::connect(&admin)
                    .await
                    .expect("PostgreSQL reachable");
                conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                conn.close().await.ok();
                let mut url = url::Url::parse(&admin).expect("PostgreSQL URL");
                url.set_path(&format!("/{name}"));
                Some(Self {
                    url: url.to_string(),
                    admin_url: Some(admin),
                    name: Some(name),
                    file: None,
                })
            }
        }
    }

    /// Drops the database (PostgreSQL) or removes the files (SQLite).
    pub async fn cleanup(self) {
        if let (Some(admin), Some(name)) = (&self.admin_url, &self.name)
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

pub fn random_suffix() -> String {
    use rand::RngCore as _;
    let mut b = [0u8; 6];
    rand::rng().fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 2,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(2),
    }
}

/// A web-application SSO client for the fake.
pub fn web_sso(fake_base: &str) -> Sso {
    let config = SsoConfig::new(DEFAULT_WEB_CLIENT_ID, DEFAULT_CALLBACK_URL)
        .client_secret(DEFAULT_WEB_CLIENT_SECRET)
        .base_url(fake_base)
        .expect("base url")
        .retry(fast_retries())
        .request_timeout(Duration::from_secs(10));
    Sso::new(config).expect("sso")
}

/// A native (PKCE) SSO client for the fake.
pub fn native_sso(fake_base: &str) -> Sso {
    let config = SsoConfig::new(DEFAULT_NATIVE_CLIENT_ID, DEFAULT_CALLBACK_URL)
        .base_url(fake_base)
        .expect("base url")
        .retry(fast_retries());
    Sso::new(config).expect("sso")
}

/// Everything a scenario needs.
pub struct Env {
    pub fake: FakeSso,
    pub store: TokenStore,
    pub db: TestDb,
}

impl Env {
    /// A fake SSO and a store on `backend`; `None` when PostgreSQL is skipped.
    pub async fn start(backend: Backend, test: &str) -> Option<Self> {
        Self::start_with(backend, test, |c| c).await
    }

    /// Like [`Env::start`], adjusting the store configuration.
    pub async fn start_with(
        backend: Backend,
        test: &str,
        adjust: impl FnOnce(StoreConfig) -> StoreConfig,
    ) -> Option<Self> {
        let db = TestDb::new(backend, test).await?;
        let fake = FakeSso::start(FakeConfig::default())
            .await
            .expect("fake SSO");
        let store =
            TokenStore::connect(adjust(StoreConfig::new(&db.url)), web_sso(&fake.base_url()))
                .await
                .expect("store");
        Some(Self { fake, store, db })
    }

    /// Logs `character_id` in with `scopes` for `user`, without a browser.
    pub async fn login(&self, character_id: i64, scopes: &[&str], user: Option<&str>) -> Token {
        self.login_into(&self.store, character_id, scopes, user)
            .await
    }

    /// [`Env::login`] into another store (on the same database, with other keys, say).
    pub async fn login_into(
        &self,
        store: &TokenStore,
        character_id: i64,
        scopes: &[&str],
        user: Option<&str>,
    ) -> Token {
        let code = self
            .fake
            .authorize_code(
                DEFAULT_WEB_CLIENT_ID,
                DEFAULT_CALLBACK_URL,
                character_id,
                scopes,
                None,
            )
            .expect("code");
        store
            .create_from_code(&Secret::new(code), None, user)
            .await
            .expect("stored")
    }

    /// Another store on this database and fake SSO, with `adjust`ed configuration.
    pub async fn other_store(&self, adjust: impl FnOnce(StoreConfig) -> StoreConfig) -> TokenStore {
        TokenStore::connect(
            adjust(StoreConfig::new(&self.db.url)),
            web_sso(&self.fake.base_url()),
        )
        .await
        .expect("store")
    }

    pub async fn finish(self) {
        self.store.db().clone().close().await.ok();
        self.fake.shutdown().await;
        self.db.cleanup().await;
    }
}

/// Makes a token's access token look expired.
pub async fn expire(store: &TokenStore, token_id: i64) {
    token::Entity::update_many()
        .col_expr(
            token::Column::Expires,
            Expr::value(Utc::now() - chrono::Duration::minutes(30)),
        )
        .filter(token::Column::Id.eq(token_id))
        .exec(store.db())
        .await
        .expect("expire");
}

/// Backdates a callback redirect.
pub async fn backdate_redirects(store: &TokenStore, seconds: i64) {
    callback_redirect::Entity::update_many()
        .col_expr(
            callback_redirect::Column::Created,
            Expr::value(Utc::now() - chrono::Duration::seconds(seconds)),
        )
        .exec(store.db())
        .await
        .expect("backdate");
}

/// The stored refresh token of a token.
pub async fn stored_refresh_token(store: &TokenStore, token_id: i64) -> Option<String> {
    token::Entity::find_by_id(token_id)
        .one(store.db())
        .await
        .expect("query")
        .and_then(|m| m.refresh_token.map(String::from))
}

/// Runs `scenario` as one test per backend (`test_name => Backend::...`); a backend that is
/// skipped (PostgreSQL without its URL) passes.
#[allow(unused_macros)]
macro_rules! on_backends {
    ($scenario:ident: $($test:ident => $backend:expr),+) => {
        mod $scenario {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    if let Some(env) = Env::start(
                        $backend,
                        concat!(stringify!($scenario), "_", stringify!($test)),
                    )
                    .await
                    {
                        super::$scenario(&env).await;
                        env.finish().await;
                    }
                }
            )+
        }
    };
}

/// Runs `scenario` on SQLite (in memory) and, when configured, on PostgreSQL.
#[allow(unused_macros)]
macro_rules! both_backends {
    ($scenario:ident) => {
        on_backends!($scenario: sqlite => Backend::SqliteMemory, postgres => Backend::Postgres);
    };
}

/// Runs `scenario` on a SQLite file and, when configured, on PostgreSQL: databases that
/// several stores can open at once.
#[allow(unused_macros)]
macro_rules! shared_backends {
    ($scenario:ident) => {
        on_backends!($scenario: sqlite_file => Backend::SqliteFile, postgres => Backend::Postgres);
    };
}
