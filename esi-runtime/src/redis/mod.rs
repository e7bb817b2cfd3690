//! Redis as the state every process of an application shares (feature `redis`): the response
//! cache ([`RedisCache`]), the error window and the rate-limit buckets ([`RedisLimits`]), and a
//! connection other crates reuse (`esi-store`'s refresh lock).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use esi_runtime::redis::RedisStore;
//! let redis = RedisStore::from_env().await?; // REDIS_URL=redis://127.0.0.1:6379/
//! let client = esi_runtime::Client::builder()
//!     .user_agent(esi_runtime::UserAgent::new("MyApp", "1.0").email("me@example.com"))
//!     .redis(&redis)
//!     .build()?;
//! # let _ = client;
//! # Ok(()) }
//! ```
//!
//! Every command runs under a short timeout ([`RedisConfig::timeout`], 150 ms by default). The
//! first failure (timeout, refused or broken connection) marks Redis as down, logs one warning,
//! and starts a background task that pings it with growing pauses; until a ping answers, the
//! cache and the limits use local state of this process (a small in-memory cache; limits with a
//! larger error reserve) without touching Redis, so no request waits on a dead server. One
//! message is logged when Redis answers again.
//!
//! Keys start with [`RedisConfig::prefix`] (`esi:`) and all expire by themselves: cache entries
//! after their keep time, the error window when it resets, buckets one window after their last
//! answer, in-flight reservations after [`RedisConfig::permit_ttl`].

mod builder;
mod cache;
mod limits;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};
use ::redis::{FromRedisValue, RedisError};

pub use self::cache::RedisCache;
pub use self::limits::RedisLimits;
use crate::cache::CacheStore;
use crate::limits::LimitStore;

/// The `redis` crate this module is built on, for code that sends its own commands through
/// [`RedisStore::query`] and [`RedisStore::invoke`].
pub use ::redis as driver;

/// Environment variable holding the Redis URL (`redis://127.0.0.1:6379/`).
pub const ENV_REDIS_URL: &str = "REDIS_URL";

/// What can go wrong with Redis.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RedisStoreError {
    /// `REDIS_URL` is not set.
    #[error("{ENV_REDIS_URL} is not set")]
    MissingUrl,
    /// The URL is not a Redis URL.
    #[error("invalid Redis URL: {0}")]
    InvalidUrl(#[source] RedisError),
    /// Redis is marked down (a recent command failed); local state is in use until a
    /// background ping succeeds.
    #[error("Redis is unavailable: {reason}")]
    Unavailable {
        /// The failure that marked it down.
        reason: String,
    },
    /// A command did not answer within [`RedisConfig::timeout`].
    #[error("Redis did not answer within {0:?}")]
    Timeout(Duration),
    /// Redis answered with an error, or the connection failed.
    #[error("Redis command failed: {0}")]
    Command(#[source] RedisError),
}

/// How a [`RedisStore`] talks to Redis and behaves when it cannot. Its `Debug` output hides
/// the URL's password.
#[derive(Clone)]
pub struct RedisConfig {
    /// `redis://[:password@]host:port/[db]`.
    pub url: String,
    /// Prefix of every key (`esi:`). Processes that share a budget must use the same one.
    pub prefix: String,
    /// Longest wait for one command (150 ms): past it, Redis counts as down.
    pub timeout: Duration,
    /// Longest wait for a connection (250 ms).
    pub connect_timeout: Duration,
    /// First pause between two pings while Redis is down (250 ms); it doubles up to
    /// [`RedisConfig::max_retry_delay`].
    pub retry_delay: Duration,
    /// Longest pause between two pings while Redis is down (5 s).
    pub max_retry_delay: Duration,
    /// How long a request's reservation in the shared error window lives if its process never
    /// gives it back (a crash): 60 s.
    pub permit_ttl: Duration,
    /// Errors kept in reserve while Redis is down and each process only knows its own requests
    /// in flight: 50 of ESI's 100, so a few processes together stay under the limit.
    pub fallback_error_reserve: u32,
    /// Entries of the local cache used while Redis is down (1,000).
    pub fallback_cache_entries: usize,
    /// Bytes of the local cache used while Redis is down (32 MiB).
    pub fallback_cache_bytes: usize,
}

impl std::fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisConfig")
            .field("url", &redacted_url(&self.url))
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry_delay", &self.retry_delay)
            .field("max_retry_delay", &self.max_retry_delay)
            .field("permit_ttl", &self.permit_ttl)
            .field("fallback_error_reserve", &self.fallback_error_reserve)
            .field("fallback_cache_entries", &self.fallback_cache_entries)
            .field("fallback_cache_bytes", &self.fallback_cache_bytes)
            .finish()
    }
}

/// A URL with its password (and user name) replaced, for logs and `Debug`.
fn redacted_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            if !parsed.username().is_empty() {
                let _ = parsed.set_username("<redacted>");
            }
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("<redacted>"));
            }
            parsed.to_string()
        }
        Err(_) => "<unparsable URL>".to_string(),
    }
}

impl RedisConfig {
    /// Defaults for `url`.
    pub fn new(url: impl Into<String>) -> Self {
        RedisConfig {
            url: url.into(),
            prefix: "esi:".into(),
            timeout: Duration::from_millis(150),
            connect_timeout: Duration::from_millis(250),
            retry_delay: Duration::from_millis(250),
            max_retry_delay: Duration::from_secs(5),
            permit_ttl: Duration::from_secs(60),
            fallback_error_reserve: 50,
            fallback_cache_entries: 1_000,
            fallback_cache_bytes: 32 * 1024 * 1024,
        }
    }

    /// Defaults for the URL in `REDIS_URL`.
    pub fn from_env() -> Result<Self, RedisStoreError> {
        std::env::var(ENV_REDIS_URL)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(|url| Self::new(url.trim()))
            .ok_or(RedisStoreError::MissingUrl)
    }

    /// Another key prefix.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Another command timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// A connection to Redis (multiplexed, reconnecting in the background) with its health, and
/// the shared cache and limits built on it. Cheap to clone.
#[derive(Clone)]
pub struct RedisStore {
    link: Arc<Link>,
    cache: Arc<RedisCache>,
    limits: Arc<RedisLimits>,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.link.config.prefix)
            .field("available", &self.is_available())
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Connects (waiting at most [`RedisConfig::connect_timeout`]). An unreachable Redis is not
    /// an error: the store starts on local state and keeps trying in the background. Fails
    /// only for a malformed URL.
    pub async fn connect(config: RedisConfig) -> Result<Self, RedisStoreError> {
        let client =
            ::redis::Client::open(config.url.as_str()).map_err(RedisStoreError::InvalidUrl)?;
        let manager_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(config.connect_timeout))
            .set_response_timeout(Some(config.timeout))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(20))
            .set_max_delay(config.retry_delay);
        let conn = ConnectionManager::new_lazy_with_config(client, manager_config)
            .map_err(RedisStoreError::Command)?;
        let link = Arc::new_cyclic(|me| Link {
            me: me.clone(),
            conn,
            config,
            down: AtomicBool::new(false),
            reported_error: AtomicBool::new(false),
            outages: AtomicU64::new(0),
        });
        let wait = link.config.connect_timeout;
        let ping = tokio::time::timeout(wait, link.ping()).await;
        match ping {
            Ok(Ok(())) => {}
            Ok(Err(e)) => link.mark_down(&e.to_string()),
            Err(_) => link.mark_down(&format!("no connection within {wait:?}")),
        }
        Ok(RedisStore {
            cache: Arc::new(RedisCache::new(link.clone())),
            limits: Arc::new(RedisLimits::new(link.clone())),
            link,
        })
    }

    /// [`RedisStore::connect`] with [`RedisConfig::from_env`].
    pub async fn from_env() -> Result<Self, RedisStoreError> {
        Self::connect(RedisConfig::from_env()?).await
    }

    /// The response cache in Redis, for [`ClientBuilder::cache`](crate::ClientBuilder::cache).
    pub fn cache(&self) -> Arc<dyn CacheStore> {
        self.cache.clone()
    }

    /// The limits in Redis, for
    /// [`ClientBuilder::limit_store`](crate::ClientBuilder::limit_store).
    pub fn limits(&self) -> Arc<dyn LimitStore> {
        self.limits.clone()
    }

    /// The configuration.
    pub fn config(&self) -> &RedisConfig {
        &self.link.config
    }

    /// Whether Redis is in use now (false while it is down and local state stands in).
    pub fn is_available(&self) -> bool {
        !self.link.down.load(Ordering::Acquire)
    }

    /// How many times Redis was found down since the store was made (one warning each).
    pub fn outages(&self) -> u64 {
        self.link.outages.load(Ordering::Relaxed)
    }

    /// `suffix` under this store's prefix.
    pub fn key(&self, suffix: &str) -> String {
        self.link.key(suffix)
    }

    /// Runs one command under the timeout; fails at once while Redis is down. A timeout or a
    /// connection failure marks Redis down (logged once).
    pub async fn query<T: FromRedisValue>(&self, cmd: &driver::Cmd) -> Result<T, RedisStoreError> {
        self.link.query(cmd).await
    }

    /// Runs a Lua script (`EVALSHA`, loading it when Redis does not know it) like
    /// [`RedisStore::query`].
    pub async fn invoke<T: FromRedisValue>(
        &self,
        script: &driver::ScriptInvocation<'_>,
    ) -> Result<T, RedisStoreError> {
        self.link.invoke(script).await
    }
}

/// The connection and its health, shared by the store, its cache and its limits.
pub(crate) struct Link {
    /// This link, for the background ping.
    me: Weak<Link>,
    conn: ConnectionManager,
    pub(crate) config: RedisConfig,
    /// Redis failed and a background ping has not succeeded since.
    down: AtomicBool,
    /// A command error (not a connection problem) was logged already.
    reported_error: AtomicBool,
    /// Times Redis was marked down.
    outages: AtomicU64,
}

impl Link {
    pub(crate) fn key(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.config.prefix)
    }

    pub(crate) fn is_down(&self) -> bool {
        self.down.load(Ordering::Acquire)
    }

    pub(crate) async fn query<T: FromRedisValue>(
        &self,
        cmd: &::redis::Cmd,
    ) -> Result<T, RedisStoreError> {
        let mut conn = self.usable()?;
        let out = tokio::time::timeout(self.config.timeout, cmd.query_async(&mut conn)).await;
        self.judge(out)
    }

    pub(crate) async fn invoke<T: FromRedisValue>(
        &self,
        script: &::redis::ScriptInvocation<'_>,
    ) -> Result<T, RedisStoreError> {
        let mut conn = self.usable()?;
        let out = tokio::time::timeout(self.config.timeout, script.invoke_async(&mut conn)).await;
        self.judge(out)
    }

    /// The connection, unless Redis is down.
    fn usable(&self) -> Result<ConnectionManager, RedisStoreError> {
        if self.is_down() {
            return Err(RedisStoreError::Unavailable {
                reason: "marked down after a failure; reconnecting in the background".into(),
            });
        }
        Ok(self.conn.clone())
    }

    /// Marks Redis down on timeouts and connection failures; logs other errors once.
    fn judge<T>(
        &self,
        out: Result<Result<T, RedisError>, tokio::time::error::Elapsed>,
    ) -> Result<T, RedisStoreError> {
        match out {
            Ok(Ok(value)) => Ok(value),
            Err(_) => {
                let timeout = self.config.timeout;
                self.mark_down(&format!("no answer within {timeout:?}"));
                Err(RedisStoreError::Timeout(timeout))
            }
            Ok(Err(e)) => {
                if is_connection_problem(&e) {
                    self.mark_down(&e.to_string());
                } else if !self.reported_error.swap(true, Ordering::AcqRel) {
                    tracing::error!(error = %e, "Redis refused a command (logged once)");
                }
                Err(RedisStoreError::Command(e))
            }
        }
    }

    async fn ping(&self) -> Result<(), RedisError> {
        let mut conn = self.conn.clone();
        ::redis::cmd("PING")
            .query_async::<String>(&mut conn)
            .await
            .map(drop)
    }

    /// Marks Redis down, once: one warning, and a background task that pings until it answers.
    fn mark_down(&self, reason: &str) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // No runtime to ping from: stay up, so the next command tries again.
            return;
        };
        if self.down.swap(true, Ordering::AcqRel) {
            return;
        }
        self.outages.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(
            reason,
            "Redis unavailable: using this process's own cache and limits until it answers again"
        );
        runtime.spawn(probe(self.me.clone()));
    }
}

/// Pings Redis with growing pauses until it answers (then marks it up again, logging once) or
/// until the store is dropped.
async fn probe(link: Weak<Link>) {
    let Some(first) = link.upgrade().map(|l| l.config.retry_delay) else {
        return;
    };
    let mut pause = first;
    loop {
        tokio::time::sleep(pause).await;
        let Some(this) = link.upgrade() else {
            return;
        };
        let wait = this.config.connect_timeout.max(this.config.timeout);
        if let Ok(Ok(())) = tokio::time::timeout(wait, this.ping()).await {
            this.down.store(false, Ordering::Release);
            tracing::info!("Redis answers again: shared cache and limits are back in use");
            return;
        }
        pause = (pause * 2).min(this.config.max_retry_delay);
    }
}

/// Whether an error means the connection, not the command, failed.
fn is_connection_problem(e: &RedisError) -> bool {
    e.is_io_error()
        || e.is_connection_dropped()
        || e.is_connection_refusal()
        || e.is_timeout()
        || e.is_unrecoverable_error()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_reads_the_url_and_keeps_short_timeouts() {
        let config = RedisConfig::new("redis://127.0.0.1:6390/").prefix("app:");
        assert_eq!(config.prefix, "app:");
        assert!(config.timeout <= Duration::from_millis(250));
        assert!(config.connect_timeout <= Duration::from_millis(250));
    }

    #[test]
    fn debug_output_hides_the_password() {
        let config = RedisConfig::new("redis://app:hunter2@127.0.0.1:6390/0");
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("127.0.0.1:6390"), "{shown}");
        let no_password = format!("{:?}", RedisConfig::new("redis://127.0.0.1:6390/"));
        assert!(
            no_password.contains("redis://127.0.0.1:6390/"),
            "{no_password}"
        );
    }
}
