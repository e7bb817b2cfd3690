//! Measures `bulk_refresh` of expired tokens against the fake SSO and
//! `cleanup_callbackredirect` over many rows, on SQLite (a file) or PostgreSQL.
//!
//! ```text
//! cargo run --release -p esi-store --example bench -- sqlite [tokens] [redirects] [concurrency]
//! ESI_TEST_POSTGRES_URL=postgres://... cargo run --release -p esi-store --example bench -- postgres
//! ```
//!
//! Only 127.0.0.1 is contacted. Not a test: it prints figures.

use std::time::{Duration, Instant};

use chrono::Utc;
use esi_fake::sso::{
    DEFAULT_CALLBACK_URL, DEFAULT_WEB_CLIENT_ID, DEFAULT_WEB_CLIENT_SECRET, FakeSso, JWKS_PATH,
    SsoConfig as FakeConfig,
};
use esi_sso::{Sso, SsoConfig};
use esi_store::entity::{callback_redirect, token};
use esi_store::{StoreConfig, TokenStore};
use sea_orm::{ConnectionTrait, EntityTrait, Set};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let backend = args
        .first()
        .map(String::as_str)
        .unwrap_or("sqlite")
        .to_owned();
    let n_tokens: usize = args
        .get(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(10_000);
    let n_redirects: usize = args
        .get(2)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(100_000);
    let concurrency: usize = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(8);

    let (url, cleanup) = database(&backend).await?;
    let fake = FakeSso::start(FakeConfig::default()).await?;
    let sso = Sso::new(
        SsoConfig::new(DEFAULT_WEB_CLIENT_ID, DEFAULT_CALLBACK_URL)
            .client_secret(DEFAULT_WEB_CLIENT_SECRET)
            .base_url(&fake.base_url())?,
    )?;
    let mut config = StoreConfig::new(&url);
    config.bulk_concurrency = concurrency;
    let store = TokenStore::connect(config, sso).await?;

    // Expired tokens with live refresh tokens at the fake SSO.
    let characters: Vec<_> = fake.config().characters.clone();
    let expired_at = Utc::now() - chrono::Duration::hours(1);
    let mut rows = Vec::with_capacity(n_tokens);
    for i in 0..n_tokens {
        let c = &characters[i % characters.len()];
        let rt = fake.issue_refresh_token(
            DEFAULT_WEB_CLIENT_ID,
            c.id,
            &["esi-wallet.read_character_wallet.v1"],
        )?;
        rows.push(token::ActiveModel {
            character_id: Set(c.id),
            character_name: Set(c.name.clone()),
            character_owner_hash: Set(c.owner_hash.clone()),
            token_type: Set("character".into()),
            user_id: Set(Some(format!("user-{i}"))),
            access_token: Set("expired".into()),
            refresh_token: Set(Some(rt.into())),
            created: Set(expired_at),
            expires: Set(expired_at),
            refresh_lease_owner: Set(None),
            refresh_lease_until: Set(None),
            ..Default::default()
        });
    }
    let started = Instant::now();
    for chunk in rows.chunks(1000) {
        token::Entity::insert_many(chunk.to_vec())
            .exec(store.db())
            .await?;
    }
    println!(
        "[{backend}] inserted {n_tokens} expired tokens in {:.2?}",
        started.elapsed()
    );

    fake.clear_requests();
    let started = Instant::now();
    let report = store.tokens().bulk_refresh().await?;
    let took = started.elapsed();
    println!(
        "[{backend}] bulk_refresh: {} tokens in {:.2?} = {:.0} tokens/s (concurrency {concurrency}); \
         refreshed {}, deleted {}, unavailable {}, failed {}; SSO token requests {}, JWKS fetches {}",
        report.total(),
        took,
        report.total() as f64 / took.as_secs_f64(),
        report.refreshed.len(),
        report.deleted.len(),
        report.unavailable.len(),
        report.failed.len(),
        fake.token_requests_count(),
        fake.request_count("GET", JWKS_PATH),
    );

    // Old callback redirects.
    let old = Utc::now() - chrono::Duration::hours(1);
    let started = Instant::now();
    let mut batch = Vec::with_capacity(1000);
    for i in 0..n_redirects {
        batch.push(callback_redirect::ActiveModel {
            session_key: Set(format!("session-{i}").into()),
            state: Set(format!("state-{i}")),
            pkce_verifier: Set(None),
            return_url: Set("/".into()),
            created: Set(old),
            token_id: Set(None),
            ..Default::default()
        });
        if batch.len() == 1000 {
            callback_redirect::Entity::insert_many(std::mem::take(&mut batch))
                .exec(store.db())
                .await?;
        }
    }
    if !batch.is_empty() {
        callback_redirect::Entity::insert_many(batch)
            .exec(store.db())
            .await?;
    }
    println!(
        "[{backend}] inserted {n_redirects} callback redirects in {:.2?}",
        started.elapsed()
    );
    let started = Instant::now();
    let deleted = store
        .cleanup_callbackredirect(Duration::from_secs(300))
        .await?;
    println!(
        "[{backend}] cleanup_callbackredirect: deleted {deleted} rows in {:.2?} (one DELETE)",
        started.elapsed()
    );

    store.db().clone().close().await.ok();
    fake.shutdown().await;
    cleanup.await;
    Ok(())
}

/// A fresh database: a temporary SQLite file, or a new PostgreSQL database on the server named
/// by `ESI_TEST_POSTGRES_URL`. Returns its URL and a future that removes it.
async fn database(
    backend: &str,
) -> Result<
    (
        String,
        std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>,
    ),
    BoxError,
> {
    let suffix = format!("{}", std::process::id());
    match backend {
        "sqlite" => {
            let path = std::env::temp_dir().join(format!("esi-store-bench-{suffix}.sqlite"));
            let url = format!("sqlite://{}?mode=rwc", path.display());
            let cleanup = Box::pin(async move {
                for s in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{s}", path.display()));
                }
            });
            Ok((url, cleanup))
        }
        "postgres" => {
            let admin = std::env::var("ESI_TEST_POSTGRES_URL")
                .map_err(|_| "set ESI_TEST_POSTGRES_URL (see .ci/postgres.sh)")?;
            let name = format!("esi_bench_{suffix}");
            let conn = sea_orm::Database::connect(&admin).await?;
            conn.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}"))
                .await?;
            conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await?;
            let mut url = url::Url::parse(&admin)?;
            url.set_path(&format!("/{name}"));
            let cleanup = Box::pin(async move {
                let _ = conn
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await;
            });
            Ok((url.to_string(), cleanup))
        }
        other => Err(format!("unknown backend {other:?}: sqlite or postgres").into()),
    }
}
