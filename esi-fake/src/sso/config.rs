//! Configuration of the fake SSO: registered applications, known characters, token lifetimes.
//!
//! [`SsoConfig::default`] registers one web application (with a secret) and one native application
//! (PKCE, no secret), three characters, a 1200 s access-token lifetime and rotating refresh tokens.
//! `Debug` output never shows a client secret.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

/// Client id of the default web application (authenticates with HTTP Basic).
pub const DEFAULT_WEB_CLIENT_ID: &str = "fake-web-client";
/// Secret of the default web application.
pub const DEFAULT_WEB_CLIENT_SECRET: &str = "fake-web-secret";
/// Client id of the default native application (PKCE, no secret).
pub const DEFAULT_NATIVE_CLIENT_ID: &str = "fake-native-client";
/// Callback URL registered for both default applications (any loopback port is accepted too).
pub const DEFAULT_CALLBACK_URL: &str = "http://127.0.0.1/callback";
/// Issuer written into access tokens and the metadata document, as EVE SSO does.
pub const DEFAULT_ISSUER: &str = "login.eveonline.com";

/// Everything the fake SSO needs to start.
#[derive(Clone)]
pub struct SsoConfig {
    /// Where to listen. Must be a loopback address; port 0 picks a free port.
    pub bind: SocketAddr,
    /// Applications allowed to log in.
    pub clients: Vec<ClientConfig>,
    /// Characters offered on the login page, in that order.
    pub characters: Vec<FakeCharacter>,
    /// Lifetime of access tokens (`expires_in`, and `exp - iat` in the JWT).
    pub access_token_lifetime: Duration,
    /// Lifetime of authorization codes.
    pub code_lifetime: Duration,
    /// When true, every refresh answers a new refresh token and invalidates the one sent.
    pub rotate_refresh_tokens: bool,
    /// `iss` claim of issued tokens and `issuer` in the metadata.
    pub issuer: String,
}

impl Default for SsoConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            clients: vec![
                ClientConfig::web(
                    DEFAULT_WEB_CLIENT_ID,
                    DEFAULT_WEB_CLIENT_SECRET,
                    [DEFAULT_CALLBACK_URL],
                )
                .with_any_loopback_port(),
                ClientConfig::native(DEFAULT_NATIVE_CLIENT_ID, [DEFAULT_CALLBACK_URL])
                    .with_any_loopback_port(),
            ],
            characters: FakeCharacter::defaults(),
            access_token_lifetime: Duration::from_secs(1200),
            code_lifetime: Duration::from_secs(300),
            rotate_refresh_tokens: true,
            issuer: DEFAULT_ISSUER.to_owned(),
        }
    }
}

impl fmt::Debug for SsoConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SsoConfig")
            .field("bind", &self.bind)
            .field("clients", &self.clients)
            .field("characters", &self.characters)
            .field("access_token_lifetime", &self.access_token_lifetime)
            .field("code_lifetime", &self.code_lifetime)
            .field("rotate_refresh_tokens", &self.rotate_refresh_tokens)
            .field("issuer", &self.issuer)
            .finish()
    }
}

impl SsoConfig {
    /// Finds a registered application by client id.
    pub fn client(&self, client_id: &str) -> Option<&ClientConfig> {
        self.clients.iter().find(|c| c.client_id == client_id)
    }

    /// Finds a known character by id.
    pub fn character(&self, character_id: i64) -> Option<&FakeCharacter> {
        self.characters.iter().find(|c| c.id == character_id)
    }
}

/// One registered application.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// The application's client id.
    pub client_id: String,
    /// Secret for web applications; `None` for native applications, which must use PKCE.
    pub client_secret: Option<String>,
    /// Registered callback URLs; `redirect_uri` must equal one of them.
    pub callback_urls: Vec<String>,
    /// Also accept a registered `http` loopback callback with any port (RFC 8252 style).
    pub any_loopback_port: bool,
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("callback_urls", &self.callback_urls)
            .field("any_loopback_port", &self.any_loopback_port)
            .finish()
    }
}

impl ClientConfig {
    /// A web application, authenticating with HTTP Basic `client_id:secret`.
    pub fn web(
        client_id: impl Into<String>,
        secret: impl Into<String>,
        callbacks: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: Some(secret.into()),
            callback_urls: callbacks.into_iter().map(Into::into).collect(),
            any_loopback_port: false,
        }
    }

    /// A native application without a secret; it must use PKCE.
    pub fn native(
        client_id: impl Into<String>,
        callbacks: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: None,
            callback_urls: callbacks.into_iter().map(Into::into).collect(),
            any_loopback_port: false,
        }
    }

    /// Accepts registered loopback callbacks on any port.
    pub fn with_any_loopback_port(mut self) -> Self {
        self.any_loopback_port = true;
        self
    }

    /// Whether `redirect_uri` is allowed for this application.
    pub fn allows_callback(&self, redirect_uri: &str) -> bool {
        if self.callback_urls.iter().any(|c| c == redirect_uri) {
            return true;
        }
        if !self.any_loopback_port {
            return false;
        }
        let Some(wanted) = without_loopback_port(redirect_uri) else {
            return false;
        };
        self.callback_urls
            .iter()
            .filter_map(|c| without_loopback_port(c))
            .any(|c| c == wanted)
    }
}

/// `http` loopback URL with its port removed, or `None` for anything else.
fn without_loopback_port(raw: &str) -> Option<String> {
    let mut url = url::Url::parse(raw).ok()?;
    let loopback = match url.host()? {
        url::Host::Domain(d) => d == "localhost",
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    };
    if url.scheme() != "http" || !loopback {
        return None;
    }
    url.set_port(None).ok()?;
    Some(url.to_string())
}

/// A character that can log in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeCharacter {
    /// Character id (`sub` is `CHARACTER:EVE:<id>`).
    pub id: i64,
    /// Character name (`name` claim).
    pub name: String,
    /// Owner hash (`owner` claim); changes when the character changes hands.
    pub owner_hash: String,
}

impl FakeCharacter {
    /// A character with a deterministic owner hash derived from its id.
    pub fn new(id: i64, name: impl Into<String>) -> Self {
        Self {
            id,
            name: name.into(),
            owner_hash: derived_owner_hash(&format!("owner-of-{id}")),
        }
    }

    /// The three default characters: 90000001 "Fake Pilot One", 90000002 "Fake Pilot Two",
    /// 90000003 "Fake Pilot Three".
    pub fn defaults() -> Vec<Self> {
        vec![
            Self::new(90_000_001, "Fake Pilot One"),
            Self::new(90_000_002, "Fake Pilot Two"),
            Self::new(90_000_003, "Fake Pilot Three"),
        ]
    }
}

/// An owner hash shaped like EVE's (base64 of 20 bytes, 28 characters), derived from `seed`.
pub fn derived_owner_hash(seed: &str) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(seed.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(&digest[..20])
}
