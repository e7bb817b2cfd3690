//! Start the fake ESI and the fake SSO in-process on free loopback ports, and look at what
//! arrived. For tests in every crate of the workspace:
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let h = esi_fake::harness::Harness::start().await?;
//! let token = h.token(90_000_001, &["esi-wallet.read_character_wallet.v1"])?;
//! // ... point a client at h.esi_url() and h.sso_url() ...
//! assert_eq!(h.esi.count_for("/characters/90000001/wallet"), 0);
//! # let _ = token;
//! # Ok(()) }
//! ```

use crate::esi::{FakeEsi, FakeEsiConfig, FakeEsiError, RequestRecord};
use crate::sso::{DEFAULT_WEB_CLIENT_ID, FakeSso, MintError, SsoConfig, StartError};

/// Why the harness could not start.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// The fake ESI did not start.
    #[error(transparent)]
    Esi(#[from] FakeEsiError),
    /// The fake SSO did not start.
    #[error(transparent)]
    Sso(#[from] StartError),
}

/// A fake ESI whose bearer tokens are checked against a fake SSO, both on loopback.
#[derive(Debug)]
pub struct Harness {
    /// The fake ESI.
    pub esi: FakeEsi,
    /// The fake SSO.
    pub sso: FakeSso,
}

impl Harness {
    /// Both servers with default settings (the pinned 2026-08-18 spec, free ports).
    pub async fn start() -> Result<Self, HarnessError> {
        Self::start_with(FakeEsiConfig::default(), SsoConfig::default()).await
    }

    /// Both servers with these settings; the ESI's verifier becomes the SSO's keys.
    pub async fn start_with(esi: FakeEsiConfig, sso: SsoConfig) -> Result<Self, HarnessError> {
        let sso = FakeSso::start(sso).await?;
        let esi = FakeEsi::start(esi.verifier(std::sync::Arc::new(sso.keys()))).await?;
        Ok(Harness { esi, sso })
    }

    /// Base URL of the fake ESI (`http://127.0.0.1:PORT`).
    pub fn esi_url(&self) -> String {
        self.esi.base_url()
    }

    /// Base URL of the fake SSO (`http://127.0.0.1:PORT`).
    pub fn sso_url(&self) -> String {
        self.sso.base_url()
    }

    /// Base URL of the fake SSO's placeholder images, shaped like EVE's image server
    /// (`http://127.0.0.1:PORT/_fake/images`).
    pub fn images_url(&self) -> String {
        self.sso.images_url()
    }

    /// A valid access token of the default web application for `character_id` with `scopes`.
    pub fn token(&self, character_id: i64, scopes: &[&str]) -> Result<String, MintError> {
        self.sso
            .mint_access_token(character_id, scopes, DEFAULT_WEB_CLIENT_ID)
    }

    /// Requests the fake ESI received, in arrival order.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.esi.requests()
    }

    /// Number of requests the fake ESI received on paths starting with `prefix`.
    pub fn count_for(&self, prefix: &str) -> usize {
        self.esi.count_for(prefix)
    }

    /// Paths of the requests the fake ESI received, in arrival order (with query strings).
    pub fn paths(&self) -> Vec<String> {
        self.esi
            .requests()
            .into_iter()
            .map(|r| match r.query {
                Some(q) => format!("{}?{q}", r.path),
                None => r.path,
            })
            .collect()
    }

    /// Stops both servers.
    pub async fn shutdown(self) {
        self.esi.shutdown();
        self.sso.shutdown().await;
    }
}
