//! [`FakeSso`]: start, address, shutdown, and the test/inspection API.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::authorize::{AuthorizeError, check_client};
use super::config::{FakeCharacter, SsoConfig};
use super::error::StartError;
use super::faults::{FaultError, FaultPlan, Outage, RateLimit};
use super::jwt::{self, AccessClaims, MintOptions, VerifyError};
use super::keys::SsoKeys;
use super::log::RecordedRequest;
use super::paths::{self, TOKEN_PATH};
use super::routes;
use super::state::{MintError, RefreshGrant, Shared};

/// How long [`FakeSso::shutdown`] waits for open connections before aborting the server.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// A running fake EVE SSO v2 on loopback. Dropping it stops the server (gracefully, in the
/// background); [`FakeSso::shutdown`] stops it and waits.
pub struct FakeSso {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl fmt::Debug for FakeSso {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeSso")
            .field("base_url", &self.shared.base_url)
            .field("config", &self.shared.config)
            .finish_non_exhaustive()
    }
}

impl FakeSso {
    /// Binds `config.bind` (must be loopback; port 0 picks a free port) and starts serving.
    pub async fn start(config: SsoConfig) -> Result<Self, StartError> {
        let addr = config.bind;
        if !addr.ip().is_loopback() {
            return Err(StartError::NonLoopback(addr));
        }
        let keys = SsoKeys::load(&config.issuer)?;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| StartError::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| StartError::Bind { addr, source })?;
        let shared = Arc::new(Shared::new(config, format!("http://{addr}"), keys));
        let app = routes::router(shared.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                tracing::warn!(error = %e, "fake SSO stopped with an error");
            }
        });
        tracing::debug!(%addr, "fake SSO listening");
        Ok(Self {
            shared,
            addr,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// Stops the server and waits (at most 2 s) for open connections to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(SHUTDOWN_GRACE, &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// URL of the metadata document.
    pub fn metadata_url(&self) -> String {
        format!("{}{}", self.shared.base_url, paths::METADATA_PATH)
    }

    /// URL of the login page (`/v2/oauth/authorize`).
    pub fn authorize_url(&self) -> String {
        format!("{}{}", self.shared.base_url, paths::AUTHORIZE_PATH)
    }

    /// URL of the token endpoint.
    pub fn token_url(&self) -> String {
        format!("{}{}", self.shared.base_url, paths::TOKEN_PATH)
    }

    /// Base URL of the placeholder images (`<base>/_fake/images`), shaped like EVE's image
    /// server: `<base>/characters/<id>/portrait`, `<base>/corporations/<id>/logo`, ...
    pub fn images_url(&self) -> String {
        format!("{}{}", self.shared.base_url, super::images::IMAGES_PATH)
    }

    /// URL of the revocation endpoint.
    pub fn revoke_url(&self) -> String {
        format!("{}{}", self.shared.base_url, paths::REVOKE_PATH)
    }

    /// URL of the JWKS.
    pub fn jwks_url(&self) -> String {
        format!("{}{}", self.shared.base_url, paths::JWKS_PATH)
    }

    /// The configuration the server runs with (characters as configured at start).
    pub fn config(&self) -> &SsoConfig {
        &self.shared.config
    }

    /// Clonable key handle for verifying tokens in-process (sees later rotations).
    pub fn keys(&self) -> SsoKeys {
        self.shared.keys.clone()
    }

    /// Verifies an access token against the published keys; see [`SsoKeys::verify`].
    pub fn verify(&self, token: &str) -> Result<AccessClaims, VerifyError> {
        self.shared.keys.verify(token)
    }

    /// Signs with the next shipped key and publishes it; `keep_old` keeps the previous keys in
    /// the JWKS. Returns the new `kid`.
    pub fn rotate_keys(&self, keep_old: bool) -> String {
        self.shared.keys.rotate(keep_old)
    }

    /// Programmatic login, as if `character_id` clicked its button on the login page: returns a
    /// fresh authorization code for the token endpoint. Browsers (and browser tests) use the
    /// HTML form at `/v2/oauth/authorize` instead. `pkce_challenge` is the S256 challenge.
    pub fn authorize_code(
        &self,
        client_id: &str,
        redirect_uri: &str,
        character_id: i64,
        scopes: &[&str],
        pkce_challenge: Option<&str>,
    ) -> Result<String, AuthorizeError> {
        check_client(&self.shared, client_id, redirect_uri)?;
        if self.shared.character(character_id).is_none() {
            return Err(AuthorizeError::UnknownCharacter(character_id));
        }
        Ok(self.shared.grants().add_code(
            client_id,
            redirect_uri,
            character_id,
            scopes.iter().map(|s| (*s).to_owned()).collect(),
            pkce_challenge.map(str::to_owned),
            self.shared.config.code_lifetime,
        ))
    }

    /// Issues a refresh token directly, skipping the login.
    pub fn issue_refresh_token(
        &self,
        client_id: &str,
        character_id: i64,
        scopes: &[&str],
    ) -> Result<String, AuthorizeError> {
        if self.shared.config.client(client_id).is_none() {
            return Err(AuthorizeError::UnknownClient(client_id.to_owned()));
        }
        if self.shared.character(character_id).is_none() {
            return Err(AuthorizeError::UnknownCharacter(character_id));
        }
        Ok(self.shared.grants().add_refresh(RefreshGrant {
            client_id: client_id.to_owned(),
            character_id,
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        }))
    }

    /// A valid access token, signed by the current key with the configured lifetime.
    pub fn mint_access_token(
        &self,
        character_id: i64,
        scopes: &[&str],
        client_id: &str,
    ) -> Result<String, MintError> {
        self.shared.mint(&MintOptions::new(
            character_id,
            scopes.iter().copied(),
            client_id,
        ))
    }

    /// An access token shaped by `opts`: expired, wrong issuer or audience, another key or kid.
    pub fn mint_with(&self, opts: &MintOptions) -> Result<String, MintError> {
        self.shared.mint(opts)
    }

    /// The claims [`FakeSso::mint_with`] would sign for `opts`, as JSON, for a test to change
    /// (drop `owner`, set `sub` or `nbf`...) before [`FakeSso::sign_claims`].
    pub fn claims_json(&self, opts: &MintOptions) -> Result<serde_json::Value, MintError> {
        let (claims, _, _) = self.shared.claims(opts)?;
        serde_json::to_value(claims).map_err(|e| MintError::Signing(e.to_string()))
    }

    /// Signs any JSON `claims` with RS256 by the current signing key, its `kid` in the header:
    /// a token whose signature verifies whatever its claims say.
    pub fn sign_claims(&self, claims: &serde_json::Value) -> Result<String, MintError> {
        let index = self.shared.keys.signing_index();
        let pair = self
            .shared
            .keys
            .pair(index)
            .ok_or(MintError::UnknownKey(index))?;
        jwt::encode_json(claims, &pair.kid, &pair.encoding)
            .map_err(|e| MintError::Signing(e.to_string()))
    }

    /// Every request received so far (not `/_fake/*`), oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.log.all()
    }

    /// Requests received on `path` (any method).
    pub fn requests_to(&self, path: &str) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }

    /// Number of requests with this method and path.
    pub fn request_count(&self, method: &str, path: &str) -> usize {
        self.shared.log.count(method, path)
    }

    /// Number of `POST /v2/oauth/token` requests (faulted ones included).
    pub fn token_requests_count(&self) -> usize {
        self.request_count("POST", TOKEN_PATH)
    }

    /// Forgets the request log.
    pub fn clear_requests(&self) {
        self.shared.log.clear();
    }

    /// A character's current state.
    pub fn character(&self, character_id: i64) -> Option<FakeCharacter> {
        self.shared.character(character_id)
    }

    /// Changes a character's owner hash, as when it changes hands; tokens minted from now on
    /// carry it. Refresh tokens stay valid (combine with
    /// [`FakeSso::revoke_all_for_character`] to also end them). False if unknown.
    pub fn set_owner_hash(&self, character_id: i64, new_hash: &str) -> bool {
        let mut chars = self.shared.characters();
        match chars.iter_mut().find(|c| c.id == character_id) {
            Some(c) => {
                c.owner_hash = new_hash.to_owned();
                true
            }
            None => false,
        }
    }

    /// Revokes every refresh token of a character; returns how many were live.
    pub fn revoke_all_for_character(&self, character_id: i64) -> usize {
        self.shared.grants().revoke_character(character_id)
    }

    /// Number of live refresh tokens.
    pub fn live_refresh_tokens(&self) -> usize {
        self.shared.grants().live_refresh_count()
    }

    /// Merges a fault plan (same semantics as `POST /_fake/faults`).
    pub fn set_faults(&self, plan: FaultPlan) -> Result<(), FaultError> {
        self.shared.faults.apply(plan)
    }

    /// Clears every fault.
    pub fn clear_faults(&self) {
        self.shared.faults.clear();
    }

    /// The faults in force.
    pub fn faults(&self) -> FaultPlan {
        self.shared.faults.snapshot()
    }

    /// SSO outage: every endpoint answers `status` (5xx) for the next `requests` requests, or
    /// until cleared when `None`.
    pub fn outage(&self, status: u16, requests: Option<u32>) -> Result<(), FaultError> {
        self.set_faults(FaultPlan {
            outage: Some(Outage { status, requests }),
            ..FaultPlan::default()
        })
    }

    /// Delays every token response by `delay` (zero clears).
    pub fn slow_token_endpoint(&self, delay: Duration) {
        let ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        let _ = self.set_faults(FaultPlan {
            token_delay_ms: Some(ms),
            ..FaultPlan::default()
        });
    }

    /// The next `requests` token requests answer 429 with `Retry-After: retry_after_secs`.
    pub fn rate_limit_token(&self, retry_after_secs: u64, requests: u32) {
        let _ = self.set_faults(FaultPlan {
            token_rate_limit: Some(RateLimit {
                retry_after: retry_after_secs,
                requests,
            }),
            ..FaultPlan::default()
        });
    }
}

impl Drop for FakeSso {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
