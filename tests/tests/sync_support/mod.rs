//! Setup of the sync engine's tests: a fake SSO knowing a fleet of characters, a fake ESI serving
//! them with short window-aligned cache times, a token store holding a token per character, and
//! a fleet of three jobs per character (wallet, skills, and every page of the assets).
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use esi_fake::esi::{FakeEsiConfig, FleetConfig, PageShape};
use esi_fake::harness::Harness;
use esi_fake::sso::{
    DEFAULT_CALLBACK_URL, DEFAULT_WEB_CLIENT_ID, DEFAULT_WEB_CLIENT_SECRET, FakeCharacter,
    SsoConfig as FakeSsoConfig,
};
use esi_sso::{RetryPolicy, Secret, Sso, SsoConfig};
use esi_store::{StoreConfig, TokenStore};
use esi_sync::{Change, Fleet, HandlerError, Job, handler};

pub const WALLET: &str = "esi-wallet.read_character_wallet.v1";
pub const SKILLS: &str = "esi-skills.read_skills.v1";
pub const ASSETS: &str = "esi-assets.read_assets.v1";
/// The first character of a test fleet.
pub const FIRST_CHARACTER: i64 = 95_000_001;
/// Pages of each character's assets.
pub const ASSET_PAGES: u32 = 3;
/// Requests one expiry window of one character takes: wallet, skills and the asset pages.
pub const PAGES_PER_CHARACTER: u64 = 2 + ASSET_PAGES as u64;

/// The characters of a fleet of `n`.
pub fn characters(n: usize) -> Vec<i64> {
    (0..n as i64).map(|i| FIRST_CHARACTER + i).collect()
}

/// A fake SSO knowing `n` characters and a fake ESI serving them windows of `window` seconds,
/// their data changing every `change_every` windows, its rate-limit buckets scaled to match
/// (150 tokens per ten windows: ESI's budget for its own cache times).
pub async fn harness(n: usize, window: u64, change_every: u64) -> Harness {
    let sso = FakeSsoConfig {
        characters: characters(n)
            .into_iter()
            .map(|id| FakeCharacter::new(id, format!("Fleet Pilot {id}")))
            .collect(),
        ..FakeSsoConfig::default()
    };
    let esi = FakeEsiConfig::default()
        .fleet(FleetConfig::new(window, change_every))
        .pages(
            "/characters/{character_id}/assets",
            PageShape::new(ASSET_PAGES, 5),
        )
        .bucket("*", 150, Duration::from_secs(window * 10));
    Harness::start_with(esi, sso).await.expect("fakes start")
}

/// A web-application SSO client of the fake.
pub fn web_sso(fake_base: &str) -> Sso {
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

/// A token store on `database_url`, its SSO the fake's.
pub async fn store(h: &Harness, database_url: &str) -> TokenStore {
    TokenStore::connect(StoreConfig::new(database_url), web_sso(&h.sso_url()))
        .await
        .expect("store")
}

/// Logs every character in with the three scopes, without a browser.
pub async fn login_all(h: &Harness, store: &TokenStore, characters: &[i64]) {
    for &id in characters {
        login(h, store, id).await;
    }
}

/// Logs one character in with the three scopes; returns the token's id.
pub async fn login(h: &Harness, store: &TokenStore, id: i64) -> i64 {
    let code = h
        .sso
        .authorize_code(
            DEFAULT_WEB_CLIENT_ID,
            DEFAULT_CALLBACK_URL,
            id,
            &[WALLET, SKILLS, ASSETS],
            None,
        )
        .expect("code");
    store
        .create_from_code(&Secret::new(code), None, None)
        .await
        .expect("stored")
        .id
}

/// A runtime client of the fake ESI.
pub fn client(h: &Harness) -> esi_runtime::ClientBuilder {
    esi_runtime::Client::builder()
        .base_url(h.esi_url())
        .user_agent(esi_runtime::UserAgent::new("esi-sync-tests", "1").email("t@example.com"))
}

/// What the handlers received: the ETags delivered per job, and failures still to inject.
#[derive(Debug, Default)]
pub struct Received {
    pub delivered: Mutex<HashMap<String, Vec<Option<String>>>>,
    pub fail_next: Mutex<HashMap<String, u32>>,
    /// How long each handler call takes (a slow application database).
    pub handler_delay: Mutex<Duration>,
}

impl Received {
    /// Deliveries of one job.
    pub fn of(&self, job: &str) -> Vec<Option<String>> {
        self.delivered
            .lock()
            .expect("lock")
            .get(job)
            .cloned()
            .unwrap_or_default()
    }

    /// Deliveries over all jobs.
    pub fn total(&self) -> usize {
        self.delivered
            .lock()
            .expect("lock")
            .values()
            .map(Vec::len)
            .sum()
    }

    /// Jobs delivered at least once.
    pub fn jobs(&self) -> usize {
        self.delivered.lock().expect("lock").len()
    }

    async fn take<T>(self: &Arc<Self>, change: &Change<T>) -> Result<(), HandlerError> {
        let delay = *self.handler_delay.lock().expect("lock");
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        if let Some(left) = self.fail_next.lock().expect("lock").get_mut(&change.job)
            && *left > 0
        {
            *left -= 1;
            return Err("the application's database is down".into());
        }
        self.delivered
            .lock()
            .expect("lock")
            .entry(change.job.clone())
            .or_default()
            .push(change.etag.clone());
        Ok(())
    }
}

/// The test fleet: wallet and skills of every character with the wallet scope, every page of
/// the assets of every character with the assets scope; every change recorded in `received`.
pub fn fleet(api: &esi_client::Client, received: &Arc<Received>) -> Fleet {
    let (a, b, c) = (api.clone(), api.clone(), api.clone());
    let (r1, r2, r3) = (received.clone(), received.clone(), received.clone());
    Fleet::new()
        .characters_with_scope(
            WALLET,
            [
                Job::single(
                    "wallet",
                    move |id| {
                        a.wallet()
                            .get_characters_character_id_wallet(id)
                            .operation()
                            .clone()
                    },
                    handler(move |change: Change<f64>| {
                        let r = r1.clone();
                        async move { r.take(&change).await }
                    }),
                ),
                Job::single(
                    "skills",
                    move |id| {
                        b.skills()
                            .get_characters_character_id_skills(id)
                            .operation()
                            .clone()
                    },
                    handler(move |change| {
                        let r = r2.clone();
                        async move { r.take(&change).await }
                    }),
                ),
            ],
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
                handler(move |change| {
                    let r = r3.clone();
                    async move { r.take(&change).await }
                }),
            )],
        )
}

/// Seconds since 1970, as a float.
pub fn unix_seconds(at: SystemTime) -> f64 {
    at.duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64()
}

/// The index of the window `at` falls in.
pub fn window_index(at: SystemTime, window: u64) -> u64 {
    at.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs() / window
}

/// When window `index` starts.
pub fn window_start(index: u64, window: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(index * window)
}

/// Sleeps until `at` (no-op when past).
pub async fn sleep_until(at: SystemTime) {
    if let Ok(wait) = at.duration_since(SystemTime::now()) {
        tokio::time::sleep(wait).await;
    }
}
