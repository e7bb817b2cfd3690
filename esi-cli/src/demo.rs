//! `esi demo`: the newcomer's whole path, offline. Starts the bundled fake ESI and EVE SSO on
//! 127.0.0.1, logs a character in through the real PKCE flow (this command plays the browser
//! on the fake SSO's login page), stores the token in a SQLite file, calls an authenticated
//! route with it, and fetches every page of The Forge's market orders.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::bail;
use esi_client::market::MarketsRegionIdOrdersGetItem;
use esi_client::{Client, UserAgent};
use esi_fake::harness::Harness;
use esi_fake::sso::DEFAULT_NATIVE_CLIENT_ID;
use esi_sso::{Sso, SsoConfig};
use esi_store::{StoreConfig, TokenStore};
use futures::StreamExt;
use url::Url;

use crate::CliResult;
use crate::database::sqlite_url;
use crate::output::{Progress, out, printable};

const THE_FORGE: i64 = 10_000_002;
const SCOPES: &str = "esi-wallet.read_character_wallet.v1 esi-skills.read_skills.v1";
const PILOT: i64 = 90_000_001;

pub(crate) async fn run(database: Option<PathBuf>) -> CliResult {
    let started = Instant::now();
    out!("esi demo: offline, against the bundled fake ESI and EVE SSO on 127.0.0.1\n")?;

    let step = Instant::now();
    let harness = Harness::start().await?;
    out!(
        "1. fake ESI at {}, fake SSO at {}",
        harness.esi_url(),
        harness.sso_url()
    )?;
    let servers = step.elapsed();

    let step = Instant::now();
    let path = database.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("esi-demo-{}.sqlite", std::process::id()))
    });
    let _ = std::fs::remove_file(&path);
    let callback = format!("http://127.0.0.1:{}/callback", free_port()?);
    let sso =
        Sso::new(SsoConfig::new(DEFAULT_NATIVE_CLIENT_ID, callback).base_url(&harness.sso_url())?)?;
    let store = TokenStore::connect(StoreConfig::new(sqlite_url(&path)), sso).await?;
    let token = crate::login::login(&store, SCOPES, Duration::from_secs(30), |url| {
        let url = url.clone();
        tokio::spawn(async move {
            if let Err(e) = play_browser(url).await {
                eprintln!("demo browser: {}", printable(&format!("{e:#}")));
            }
        });
    })
    .await?;
    out!(
        "2. logged in {} ({}) with PKCE; token #{} stored in {}",
        printable(&token.character_name),
        token.character_id,
        token.id,
        path.display()
    )?;
    let login = step.elapsed();

    let client = Client::builder()
        .base_url(harness.esi_url())
        .user_agent(
            UserAgent::new("esi-demo", env!("CARGO_PKG_VERSION")).email("demo@esi-rs.invalid"),
        )
        .build()?;

    let step = Instant::now();
    let balance = client
        .wallet()
        .get_characters_character_id_wallet(token.character_id)
        .token_source(&store.all_users_source())
        .await?;
    out!(
        "3. wallet of {}: {balance:.2} ISK (an authenticated route, token from the store)",
        printable(&token.character_name)
    )?;
    let wallet = step.elapsed();

    let step = Instant::now();
    let progress = Progress::new("market orders of The Forge", 1);
    let mut pages = client
        .market()
        .get_markets_region_id_orders(THE_FORGE)
        .pages();
    let (mut orders, mut sells, mut pages_seen, mut best): (usize, usize, u32, Option<f64>) =
        (0, 0, 0, None);
    while let Some(page) = pages.next().await {
        let page = page?;
        pages_seen += 1;
        progress.set(u64::from(pages_seen), u64::from(page.pages.unwrap_or(1)));
        orders += page.data.len();
        for order in &page.data {
            tally(order, &mut sells, &mut best);
        }
    }
    progress.finish();
    let market = step.elapsed();
    out!(
        "4. {orders} market orders of The Forge in {pages_seen} pages ({sells} sell, {} buy){}",
        orders - sells,
        best.map(|p| format!("; cheapest sell order {p:.2} ISK"))
            .unwrap_or_default()
    )?;

    harness.shutdown().await;
    out!(
        "\ntimings: fake servers {} ms, SSO login {} ms, wallet {} ms, all pages {} ms, total {} ms",
        servers.as_millis(),
        login.as_millis(),
        wallet.as_millis(),
        market.as_millis(),
        started.elapsed().as_millis()
    )?;
    Ok(())
}

fn tally(order: &MarketsRegionIdOrdersGetItem, sells: &mut usize, best: &mut Option<f64>) {
    if !order.is_buy_order {
        *sells += 1;
        *best = Some(best.map_or(order.price, |b: f64| b.min(order.price)));
    }
}

/// A free loopback port for the callback listener.
fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// What a person does in the browser: log in on the SSO's page as the demo pilot and let
/// the SSO send the browser back to the callback URL.
async fn play_browser(url: Url) -> anyhow::Result<()> {
    let back = esi_fake::sso::play_login_page(&url, PILOT).await?;
    if back.host_str() != Some("127.0.0.1") {
        bail!("refusing to follow a redirect off loopback: {back}");
    }
    reqwest::get(back).await?.error_for_status()?;
    Ok(())
}

/// `esi demo --sync`: a small fleet kept fresh, offline. Five characters of the fake SSO log in
/// (without a browser), the fake ESI serves their data with cache times of three seconds,
/// changing every second window, and `esi sync`'s worker keeps it fresh for a few windows:
/// each change is printed, unchanged windows cost a 304 each, nothing is asked for early.
pub(crate) async fn run_sync(database: Option<PathBuf>) -> CliResult {
    use esi_fake::esi::{FakeEsiConfig, FleetConfig, PageShape};
    use esi_fake::sso::{
        DEFAULT_CALLBACK_URL, DEFAULT_WEB_CLIENT_ID, DEFAULT_WEB_CLIENT_SECRET, FakeCharacter,
        SsoConfig as FakeSsoConfig,
    };

    const WINDOW: u64 = 3;
    const RUN: Duration = Duration::from_secs(10);
    let pilots: Vec<i64> = (0..5).map(|i| 95_000_001 + i).collect();
    out!(
        "esi demo --sync: a fleet of {} characters kept fresh, offline\n",
        pilots.len()
    )?;
    let sso = FakeSsoConfig {
        characters: pilots
            .iter()
            .map(|&id| FakeCharacter::new(id, format!("Fleet Pilot {}", id - 95_000_000)))
            .collect(),
        ..FakeSsoConfig::default()
    };
    let esi = FakeEsiConfig::default()
        .fleet(FleetConfig::new(WINDOW, 2))
        .pages("/characters/{character_id}/assets", PageShape::new(3, 5))
        .bucket("*", 150, Duration::from_secs(WINDOW * 10));
    let harness = Harness::start_with(esi, sso).await?;
    out!(
        "1. fake ESI at {} (every answer expires at the end of a {WINDOW} s window; data \
         changes every second window), fake SSO at {}",
        harness.esi_url(),
        harness.sso_url()
    )?;

    let path = database.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("esi-demo-sync-{}.sqlite", std::process::id()))
    });
    let _ = std::fs::remove_file(&path);
    let sso = Sso::new(
        SsoConfig::new(DEFAULT_WEB_CLIENT_ID, DEFAULT_CALLBACK_URL)
            .client_secret(DEFAULT_WEB_CLIENT_SECRET)
            .base_url(&harness.sso_url())?,
    )?;
    let store = TokenStore::connect(StoreConfig::new(sqlite_url(&path)), sso).await?;
    let scopes = [
        "esi-wallet.read_character_wallet.v1",
        "esi-skills.read_skills.v1",
        "esi-assets.read_assets.v1",
    ];
    for &id in &pilots {
        let code = harness.sso.authorize_code(
            DEFAULT_WEB_CLIENT_ID,
            DEFAULT_CALLBACK_URL,
            id,
            &scopes,
            None,
        )?;
        store
            .create_from_code(&esi_sso::Secret::new(code), None, None)
            .await?;
    }
    out!(
        "2. {} characters logged in (wallet, skills, assets); tokens and sync state in {}",
        pilots.len(),
        path.display()
    )?;
    out!(
        "3. syncing wallet, skills and every page of the assets for {} s:\n",
        RUN.as_secs()
    )?;

    let client = Client::builder()
        .base_url(harness.esi_url())
        .user_agent(
            UserAgent::new("esi-demo", env!("CARGO_PKG_VERSION")).email("demo@esi-rs.invalid"),
        )
        .build()?;
    let config = esi_sync::WorkerConfig::default()
        .concurrency(8)
        .poll(Duration::from_millis(200))
        .schedule(esi_sync::Schedule {
            min_jitter: Duration::from_millis(50),
            max_jitter: Duration::from_millis(400),
            ..esi_sync::Schedule::default()
        });
    let stats =
        crate::sync::run_worker(&client, store.clone(), config, tokio::time::sleep(RUN)).await?;
    let seen = harness.esi.freshness().counts();
    let now = chrono::Utc::now().timestamp_millis();
    let status = esi_sync::SyncDb::new(store.db().clone())
        .status(now, 1_000)
        .await?;
    out!(
        "\n4. {} jobs; {} runs: {} changes delivered, {} unchanged ({} answered 304); {} requests \
         to the fake ESI, {} of them before the Expires it had given, {} refused 420/429; {} \
         jobs late",
        status.total,
        stats.runs,
        stats.delivered,
        stats.unchanged,
        seen.not_modified,
        seen.served,
        seen.early,
        seen.error_limited + seen.rate_limited,
        status.late
    )?;
    harness.shutdown().await;
    Ok(())
}
