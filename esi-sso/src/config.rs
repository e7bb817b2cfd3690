//! [`SsoConfig`]: who this application is to EVE SSO (client id, secret, callback), where the
//! SSO lives, and the timeouts, retries and caching the client uses. Built in code or read from
//! `ESI_SSO_*` environment variables.

use std::fmt;
use std::time::Duration;

use url::Url;

use crate::error::SsoError;
use crate::retry::RetryPolicy;
use crate::secret::Secret;

/// EVE SSO's base URL; the metadata document lives under it.
pub const DEFAULT_BASE_URL: &str = "https://login.eveonline.com";
/// Environment variable holding the client id.
pub const ENV_CLIENT_ID: &str = "ESI_SSO_CLIENT_ID";
/// Environment variable holding the client secret (unset for native applications using PKCE).
pub const ENV_CLIENT_SECRET: &str = "ESI_SSO_CLIENT_SECRET";
/// Environment variable holding the registered callback URL.
pub const ENV_CALLBACK_URL: &str = "ESI_SSO_CALLBACK_URL";
/// Environment variable overriding the SSO base URL (tests point it at a fake SSO).
pub const ENV_BASE_URL: &str = "ESI_SSO_BASE_URL";

/// The largest answer body read from the SSO by default: 1 MiB. EVE's metadata, JWKS and token
/// answers are a few kilobytes; anything larger is refused with
/// [`crate::SsoError::AnswerTooLarge`] as soon as it passes this, so a hostile or broken server
/// (or whatever answers at the SSO's address) cannot make the client buffer megabytes.
pub const DEFAULT_MAX_ANSWER_BYTES: usize = 1024 * 1024;

/// Configuration of an [`crate::Sso`] client.
///
/// ```
/// use esi_sso::SsoConfig;
/// let web = SsoConfig::new("my-client-id", "https://example.com/sso/callback")
///     .client_secret("my-secret");
/// assert!(!web.uses_pkce());
/// let native = SsoConfig::new("my-native-id", "http://127.0.0.1:8080/callback");
/// assert!(native.uses_pkce());
/// assert!(!format!("{web:?}").contains("my-secret"));
/// ```
#[derive(Clone)]
pub struct SsoConfig {
    /// The application's client id.
    pub client_id: String,
    /// The application's secret; `None` for a native application, which then uses PKCE.
    pub client_secret: Option<Secret>,
    /// The callback URL registered with the application.
    pub callback_url: String,
    /// SSO base URL; the metadata document is read from
    /// `<base_url>/.well-known/oauth-authorization-server`.
    pub base_url: Url,
    /// `User-Agent` sent to the SSO.
    pub user_agent: String,
    /// Send PKCE (S256) with the code flow. Defaults to true exactly when there is no secret.
    pub pkce: Option<bool>,
    /// TCP/TLS connect timeout.
    pub connect_timeout: Duration,
    /// Timeout of one whole request (connect, send, answer).
    pub request_timeout: Duration,
    /// Retries on 5xx, 429 and connection errors.
    pub retry: RetryPolicy,
    /// Clock leeway when checking `exp`, `nbf` and `iat`.
    pub jwt_leeway: Duration,
    /// How long the JWKS is kept when the SSO sends no cache headers.
    pub jwks_default_ttl: Duration,
    /// Shortest interval between two forced JWKS refetches (triggered by an unknown `kid`).
    pub jwks_min_refetch_interval: Duration,
    /// How long the metadata document is kept before it is read again.
    pub metadata_ttl: Duration,
    /// The largest answer body read from the SSO (metadata, JWKS, token and revocation
    /// endpoints), in bytes; [`DEFAULT_MAX_ANSWER_BYTES`] by default.
    pub max_answer_bytes: usize,
}

impl fmt::Debug for SsoConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SsoConfig")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("callback_url", &self.callback_url)
            .field("base_url", &self.base_url.as_str())
            .field("user_agent", &self.user_agent)
            .field("pkce", &self.uses_pkce())
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("retry", &self.retry)
            .field("jwt_leeway", &self.jwt_leeway)
            .field("jwks_default_ttl", &self.jwks_default_ttl)
            .field("jwks_min_refetch_interval", &self.jwks_min_refetch_interval)
            .field("metadata_ttl", &self.metadata_ttl)
            .field("max_answer_bytes", &self.max_answer_bytes)
            .finish()
    }
}

impl SsoConfig {
    /// A configuration for `client_id` with `callback_url`, talking to EVE SSO, without a secret
    /// (add one with [`SsoConfig::client_secret`] for a web application).
    pub fn new(client_id: impl Into<String>, callback_url: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: None,
            callback_url: callback_url.into(),
            base_url: default_base_url(),
            user_agent: format!("esi-sso/{} (Rust)", env!("CARGO_PKG_VERSION")),
            pkce: None,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(20),
            retry: RetryPolicy::default(),
            jwt_leeway: Duration::from_secs(30),
            jwks_default_ttl: Duration::from_secs(300),
            jwks_min_refetch_interval: Duration::from_secs(60),
            metadata_ttl: Duration::from_secs(3600),
            max_answer_bytes: DEFAULT_MAX_ANSWER_BYTES,
        }
    }

    /// Reads `ESI_SSO_CLIENT_ID`, `ESI_SSO_CALLBACK_URL` (both required),
    /// `ESI_SSO_CLIENT_SECRET` and `ESI_SSO_BASE_URL` (both optional).
    pub fn from_env() -> Result<Self, SsoError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`SsoConfig::from_env`], reading variables through `get` (handy in tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, SsoError> {
        let required = |name: &str| {
            get(name)
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| SsoError::Config(format!("{name} is not set")))
        };
        let mut config = Self::new(required(ENV_CLIENT_ID)?, required(ENV_CALLBACK_URL)?);
        if let Some(secret) = get(ENV_CLIENT_SECRET).filter(|v| !v.is_empty()) {
            config = config.client_secret(secret);
        }
        if let Some(base) = get(ENV_BASE_URL).filter(|v| !v.trim().is_empty()) {
            config = config.base_url(&base)?;
        }
        Ok(config)
    }

    /// Sets the client secret (a web application, authenticating with HTTP Basic).
    pub fn client_secret(mut self, secret: impl Into<Secret>) -> Self {
        self.client_secret = Some(secret.into());
        self
    }

    /// Points the client at another SSO (a test double, or a proxy).
    pub fn base_url(mut self, base: &str) -> Result<Self, SsoError> {
        let url = Url::parse(base)
            .map_err(|e| SsoError::Config(format!("SSO base URL {base:?}: {e}")))?;
        if url.scheme() != "https" && url.scheme() != "http" {
            return Err(SsoError::Config(format!(
                "SSO base URL {base:?} is not http(s)"
            )));
        }
        self.base_url = url;
        Ok(self)
    }

    /// Sets the `User-Agent`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Forces PKCE on or off (by default it is on exactly when there is no secret).
    pub fn pkce(mut self, on: bool) -> Self {
        self.pkce = Some(on);
        self
    }

    /// Sets the retry policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the per-request timeout.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Sets the minimum interval between forced JWKS refetches.
    pub fn jwks_min_refetch_interval(mut self, interval: Duration) -> Self {
        self.jwks_min_refetch_interval = interval;
        self
    }

    /// Sets the largest answer body read from the SSO, in bytes (see
    /// [`DEFAULT_MAX_ANSWER_BYTES`]).
    pub fn max_answer_bytes(mut self, bytes: usize) -> Self {
        self.max_answer_bytes = bytes;
        self
    }

    /// Whether the code flow sends PKCE.
    pub fn uses_pkce(&self) -> bool {
        self.pkce.unwrap_or(self.client_secret.is_none())
    }

    /// URL of the metadata document.
    pub fn metadata_url(&self) -> Result<Url, SsoError> {
        self.base_url
            .join("/.well-known/oauth-authorization-server")
            .map_err(|e| SsoError::Config(format!("metadata URL: {e}")))
    }

    pub(crate) fn validate(&self) -> Result<(), SsoError> {
        if self.client_id.trim().is_empty() {
            return Err(SsoError::Config("client id is empty".into()));
        }
        Url::parse(&self.callback_url)
            .map_err(|e| SsoError::Config(format!("callback URL {:?}: {e}", self.callback_url)))?;
        if self.retry.max_attempts == 0 {
            return Err(SsoError::Config(
                "retry.max_attempts must be at least 1".into(),
            ));
        }
        Ok(())
    }
}

fn default_base_url() -> Url {
    Url::parse(DEFAULT_BASE_URL).expect("DEFAULT_BASE_URL is a valid URL")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_lookup_reads_every_variable() {
        let env = |name: &str| match name {
            ENV_CLIENT_ID => Some("id".to_owned()),
            ENV_CLIENT_SECRET => Some("secret".to_owned()),
            ENV_CALLBACK_URL => Some("http://127.0.0.1/callback".to_owned()),
            ENV_BASE_URL => Some("http://127.0.0.1:9".to_owned()),
            _ => None,
        };
        let c = SsoConfig::from_lookup(env).expect("config");
        assert_eq!(c.client_id, "id");
        assert_eq!(c.client_secret.as_ref().map(Secret::expose), Some("secret"));
        assert_eq!(c.base_url.as_str(), "http://127.0.0.1:9/");
        assert!(!c.uses_pkce());
        assert!(!format!("{c:?}").contains("secret\""));
    }

    #[test]
    fn missing_client_id_is_a_config_error() {
        let err = SsoConfig::from_lookup(|_| None).expect_err("no id");
        assert!(matches!(err, SsoError::Config(m) if m.contains(ENV_CLIENT_ID)));
    }

    #[test]
    fn default_base_is_eve() {
        let c = SsoConfig::new("a", "http://127.0.0.1/cb");
        assert_eq!(
            c.metadata_url().expect("url").as_str(),
            "https://login.eveonline.com/.well-known/oauth-authorization-server"
        );
    }
}
