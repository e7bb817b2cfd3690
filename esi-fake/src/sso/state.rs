//! Server state shared by every handler: configuration, keys, characters, outstanding grants
//! (pending logins, authorization codes, refresh tokens), faults and the request log.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use base64::Engine as _;

use super::config::{FakeCharacter, SsoConfig};
use super::faults::Faults;
use super::jwt::{self, EVE_AUDIENCE, EveClaims, MintOptions, Scp};
use super::keys::{SsoKeys, b64url};
use super::log::RequestLog;

/// How long a rendered login page stays usable.
const PENDING_LIFETIME: Duration = Duration::from_secs(600);

/// Why a token could not be minted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MintError {
    /// The character id is not configured.
    #[error("unknown character {0}")]
    UnknownCharacter(i64),
    /// No shipped key has this index.
    #[error("no shipped key with index {0}")]
    UnknownKey(usize),
    /// The JWT library refused to sign.
    #[error("signing failed: {0}")]
    Signing(String),
}

/// A login page that was shown and not yet answered.
#[derive(Debug, Clone)]
pub(crate) struct PendingLogin {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) state: Option<String>,
    pub(crate) code_challenge: Option<String>,
    created: Instant,
}

/// An issued, not yet redeemed authorization code.
#[derive(Debug, Clone)]
pub(crate) struct CodeGrant {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) character_id: i64,
    pub(crate) scopes: Vec<String>,
    pub(crate) code_challenge: Option<String>,
    expires: Instant,
}

/// A live refresh token.
#[derive(Debug, Clone)]
pub(crate) struct RefreshGrant {
    pub(crate) client_id: String,
    pub(crate) character_id: i64,
    pub(crate) scopes: Vec<String>,
}

/// Outstanding grants. Used codes, rotated and revoked refresh tokens are removed.
#[derive(Default)]
pub(crate) struct Grants {
    pending: HashMap<String, PendingLogin>,
    codes: HashMap<String, CodeGrant>,
    refresh: HashMap<String, RefreshGrant>,
}

impl Grants {
    /// Stores a login page's request and returns its id (the form's hidden `request_id`).
    pub(crate) fn add_pending(
        &mut self,
        client_id: String,
        redirect_uri: String,
        scopes: Vec<String>,
        state: Option<String>,
        code_challenge: Option<String>,
    ) -> String {
        let now = Instant::now();
        self.pending
            .retain(|_, p| now.duration_since(p.created) < PENDING_LIFETIME);
        let id = random_urlsafe(16);
        let login = PendingLogin {
            client_id,
            redirect_uri,
            scopes,
            state,
            code_challenge,
            created: now,
        };
        self.pending.insert(id.clone(), login);
        id
    }

    /// Removes and returns a pending login that has not expired.
    pub(crate) fn take_pending(&mut self, id: &str) -> Option<PendingLogin> {
        self.pending
            .remove(id)
            .filter(|p| p.created.elapsed() < PENDING_LIFETIME)
    }

    /// Issues an authorization code valid for `lifetime`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn add_code(
        &mut self,
        client_id: &str,
        redirect_uri: &str,
        character_id: i64,
        scopes: Vec<String>,
        code_challenge: Option<String>,
        lifetime: Duration,
    ) -> String {
        let now = Instant::now();
        self.codes.retain(|_, c| c.expires > now);
        let code = random_urlsafe(24);
        let grant = CodeGrant {
            client_id: client_id.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            character_id,
            scopes,
            code_challenge,
            expires: now + lifetime,
        };
        self.codes.insert(code.clone(), grant);
        code
    }

    /// Redeems a code: removes it (single use) and returns it if it had not expired.
    pub(crate) fn take_code(&mut self, code: &str) -> Option<CodeGrant> {
        self.codes
            .remove(code)
            .filter(|c| c.expires > Instant::now())
    }

    /// Issues a refresh token (24 characters: base64 of 16 random bytes, like EVE's).
    pub(crate) fn add_refresh(&mut self, grant: RefreshGrant) -> String {
        let token = base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 16]>());
        self.refresh.insert(token.clone(), grant);
        token
    }

    /// Looks up a live refresh token.
    pub(crate) fn refresh(&self, token: &str) -> Option<&RefreshGrant> {
        self.refresh.get(token)
    }

    /// Invalidates a refresh token; true if it was live.
    pub(crate) fn revoke_refresh(&mut self, token: &str) -> bool {
        self.refresh.remove(token).is_some()
    }

    /// Invalidates every refresh token of a character; returns how many.
    pub(crate) fn revoke_character(&mut self, character_id: i64) -> usize {
        let before = self.refresh.len();
        self.refresh.retain(|_, g| g.character_id != character_id);
        before - self.refresh.len()
    }

    /// Number of live refresh tokens.
    pub(crate) fn live_refresh_count(&self) -> usize {
        self.refresh.len()
    }
}

/// Everything the handlers share, behind one `Arc`.
pub(crate) struct Shared {
    pub(crate) config: SsoConfig,
    pub(crate) base_url: String,
    pub(crate) keys: SsoKeys,
    pub(crate) grants: Mutex<Grants>,
    pub(crate) characters: Mutex<Vec<FakeCharacter>>,
    pub(crate) faults: Faults,
    pub(crate) log: RequestLog,
}

impl Shared {
    /// Builds the state for a server reachable at `base_url`.
    pub(crate) fn new(config: SsoConfig, base_url: String, keys: SsoKeys) -> Self {
        let characters = Mutex::new(config.characters.clone());
        Self {
            config,
            base_url,
            keys,
            grants: Mutex::new(Grants::default()),
            characters,
            faults: Faults::default(),
            log: RequestLog::default(),
        }
    }

    /// Locks the grants (a poisoned lock is still usable: the data stays consistent).
    pub(crate) fn grants(&self) -> MutexGuard<'_, Grants> {
        self.grants.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Locks the characters.
    pub(crate) fn characters(&self) -> MutexGuard<'_, Vec<FakeCharacter>> {
        self.characters
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The current state of a character (owner hash may have changed).
    pub(crate) fn character(&self, character_id: i64) -> Option<FakeCharacter> {
        self.characters()
            .iter()
            .find(|c| c.id == character_id)
            .cloned()
    }

    /// Mints an access token as described by `opts`.
    pub(crate) fn mint(&self, opts: &MintOptions) -> Result<String, MintError> {
        let (claims, kid, index) = self.claims(opts)?;
        let pair = self.keys.pair(index).ok_or(MintError::UnknownKey(index))?;
        jwt::encode(&claims, &kid, &pair.encoding).map_err(|e| MintError::Signing(e.to_string()))
    }

    /// The claims [`Shared::mint`] would sign for `opts`, with the header `kid` and the index
    /// of the key that would sign them.
    pub(crate) fn claims(
        &self,
        opts: &MintOptions,
    ) -> Result<(EveClaims, String, usize), MintError> {
        let character = self
            .character(opts.character_id)
            .ok_or(MintError::UnknownCharacter(opts.character_id))?;
        let index = opts.key_index.unwrap_or_else(|| self.keys.signing_index());
        let pair = self.keys.pair(index).ok_or(MintError::UnknownKey(index))?;
        let kid = opts.kid.clone().unwrap_or_else(|| pair.kid.clone());
        let lifetime = i64::try_from(self.config.access_token_lifetime.as_secs()).unwrap_or(1200);
        let iat = jwt::now_unix();
        let claims = EveClaims {
            scp: Scp::from_scopes(&opts.scopes),
            jti: random_uuid(),
            kid: kid.clone(),
            sub: format!("CHARACTER:EVE:{}", character.id),
            azp: opts.client_id.clone(),
            tenant: "tranquility".to_owned(),
            tier: "live".to_owned(),
            region: "world".to_owned(),
            aud: opts
                .audience
                .clone()
                .unwrap_or_else(|| vec![opts.client_id.clone(), EVE_AUDIENCE.to_owned()]),
            name: character.name,
            owner: character.owner_hash,
            exp: iat.saturating_add(opts.expires_in.unwrap_or(lifetime)),
            iat,
            iss: opts
                .issuer
                .clone()
                .unwrap_or_else(|| self.config.issuer.clone()),
        };
        Ok((claims, kid, index))
    }
}

/// `n` random bytes as base64url without padding.
pub(crate) fn random_urlsafe(n: usize) -> String {
    let bytes: Vec<u8> = (0..n).map(|_| rand::random::<u8>()).collect();
    b64url(&bytes)
}

/// A random UUID-shaped string (the `jti` of EVE tokens is a UUID).
fn random_uuid() -> String {
    let b = rand::random::<[u8; 16]>();
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}
