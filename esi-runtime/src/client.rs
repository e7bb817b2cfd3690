//! The client: configuration built once, shared cheaply by every task (`Client` is an `Arc`).

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;

use crate::auth::TokenVerifier;
use crate::buckets::BucketState;
use crate::cache::{CacheStore, MemoryCache};
use crate::coalesce::InFlight;
use crate::context::Inner;
use crate::enums::Language;
use crate::error::{Error, Result};
use crate::hooks::{OutgoingRequest, RequestEvent, RequestHook, SendHook};
use crate::http::http_client_builder;
use crate::limits::{ErrorWindow, LimitPolicy, LimitStore, Limits, MemoryLimits};
use crate::negative::NegativeCaching;
use crate::retry::RetryPolicy;

/// ESI's production server.
pub const DEFAULT_BASE_URL: &str = "https://esi.evetech.net";

/// How the application identifies itself to ESI, as CCP asks:
/// `AppName/version (contact email; +url) esi-rs/x.y.z`.
///
/// ```
/// let ua = esi_runtime::UserAgent::new("MyApp", "1.2")
///     .email("me@example.com")
///     .url("https://github.com/me/myapp");
/// assert_eq!(
///     ua.to_header().unwrap(),
///     format!("MyApp/1.2 (me@example.com; +https://github.com/me/myapp) esi-rs/{}", env!("CARGO_PKG_VERSION")),
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAgent {
    app_name: String,
    app_version: String,
    email: Option<String>,
    url: Option<String>,
    discord: Option<String>,
    eve: Option<String>,
}

impl UserAgent {
    /// An application name (spaces become nothing) and version.
    pub fn new(app_name: impl Into<String>, app_version: impl Into<String>) -> Self {
        UserAgent {
            app_name: app_name.into(),
            app_version: app_version.into(),
            email: None,
            url: None,
            discord: None,
            eve: None,
        }
    }

    /// A contact email.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// The application's source or home page.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// A Discord handle to reach the developer.
    pub fn discord(mut self, handle: impl Into<String>) -> Self {
        self.discord = Some(handle.into());
        self
    }

    /// An EVE character name to reach the developer.
    pub fn eve_character(mut self, name: impl Into<String>) -> Self {
        self.eve = Some(name.into());
        self
    }

    /// The header value; an error when there is no way to contact the developer.
    pub fn to_header(&self) -> Result<String> {
        let name: String = self
            .app_name
            .split_whitespace()
            .collect::<Vec<_>>()
            .join("");
        if name.is_empty() || self.app_version.trim().is_empty() {
            return Err(Error::Config(
                "the user agent needs an application name and version".into(),
            ));
        }
        let mut contacts = Vec::new();
        if let Some(email) = &self.email {
            contacts.push(email.clone());
        }
        if let Some(discord) = &self.discord {
            contacts.push(format!("discord:{discord}"));
        }
        if let Some(eve) = &self.eve {
            contacts.push(format!("eve:{eve}"));
        }
        if contacts.is_empty() {
            return Err(Error::Config(
                "the user agent needs contact information (email, discord or eve character): \
                 CCP asks every ESI application to be reachable"
                    .into(),
            ));
        }
        if let Some(url) = &self.url {
            contacts.push(format!("+{url}"));
        }
        let value = format!(
            "{name}/{} ({}) esi-rs/{}",
            self.app_version.trim(),
            contacts.join("; "),
            env!("CARGO_PKG_VERSION")
        );
        if value.chars().any(|c| c.is_control() || !c.is_ascii()) {
            return Err(Error::Config(
                "the user agent must be printable ASCII".into(),
            ));
        }
        Ok(value)
    }
}

/// Builds a [`Client`], or the client of a generated API (`esi_client::Client::builder()`
/// returns a `ClientBuilder<esi_client::Client>`: `C` is what [`build`](Self::build) makes).
///
/// ```
/// let client = esi_runtime::Client::builder()
///     .user_agent(esi_runtime::UserAgent::new("MyApp", "1.0").email("me@example.com"))
///     .build()?;
/// assert_eq!(client.base_url(), "https://esi.evetech.net");
/// # Ok::<(), esi_runtime::Error>(())
/// ```
pub struct ClientBuilder<C = Client> {
    base_url: String,
    user_agent: Option<UserAgent>,
    compatibility_date: Option<String>,
    tenant: String,
    language: Option<Language>,
    connect_timeout: Duration,
    read_timeout: Duration,
    pool_max_idle_per_host: usize,
    gzip: bool,
    cache: Option<Arc<dyn CacheStore>>,
    negative: NegativeCaching,
    limit_policy: LimitPolicy,
    error_reserve: u32,
    limit_store: Option<Arc<dyn LimitStore>>,
    retry: RetryPolicy,
    page_concurrency: usize,
    on_request: Option<RequestHook>,
    before_send: Option<SendHook>,
    http: Option<reqwest::Client>,
    deadline: Duration,
    max_body_size: u64,
    token_verifier: Option<Arc<dyn TokenVerifier>>,
    output: PhantomData<fn() -> C>,
}

/// The longest a call takes by default, retries and waits included.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(30);
/// The largest answer body a call reads by default, after decompression: 64 MiB (ESI's
/// largest pages are a few MiB).
pub const DEFAULT_MAX_BODY_SIZE: u64 = 64 * 1024 * 1024;

impl<C> Clone for ClientBuilder<C> {
    fn clone(&self) -> Self {
        ClientBuilder {
            base_url: self.base_url.clone(),
            user_agent: self.user_agent.clone(),
            compatibility_date: self.compatibility_date.clone(),
            tenant: self.tenant.clone(),
            language: self.language.clone(),
            connect_timeout: self.connect_timeout,
            read_timeout: self.read_timeout,
            pool_max_idle_per_host: self.pool_max_idle_per_host,
            gzip: self.gzip,
            cache: self.cache.clone(),
            negative: self.negative,
            limit_policy: self.limit_policy,
            error_reserve: self.error_reserve,
            limit_store: self.limit_store.clone(),
            retry: self.retry,
            page_concurrency: self.page_concurrency,
            on_request: self.on_request.clone(),
            before_send: self.before_send.clone(),
            http: self.http.clone(),
            deadline: self.deadline,
            max_body_size: self.max_body_size,
            token_verifier: self.token_verifier.clone(),
            output: PhantomData,
        }
    }
}

impl<C> std::fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("user_agent", &self.user_agent)
            .field("compatibility_date", &self.compatibility_date)
            .field("tenant", &self.tenant)
            .field("cache", &self.cache.is_some())
            .field("negative", &self.negative)
            .field("limit_policy", &self.limit_policy)
            .field("shared_limits", &self.limit_store.is_some())
            .field("retry", &self.retry)
            .field("page_concurrency", &self.page_concurrency)
            .field("own_http_client", &self.http.is_some())
            .field("deadline", &self.deadline)
            .field("max_body_size", &self.max_body_size)
            .field("token_verifier", &self.token_verifier.is_some())
            .finish_non_exhaustive()
    }
}

impl<C> Default for ClientBuilder<C> {
    fn default() -> Self {
        ClientBuilder {
            base_url: DEFAULT_BASE_URL.into(),
            user_agent: None,
            compatibility_date: None,
            tenant: "tranquility".into(),
            language: None,
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(10),
            pool_max_idle_per_host: 32,
            gzip: true,
            cache: Some(Arc::new(MemoryCache::default())),
            negative: NegativeCaching::default(),
            limit_policy: LimitPolicy::default(),
            error_reserve: 10,
            limit_store: None,
            retry: RetryPolicy::default(),
            page_concurrency: 8,
            on_request: None,
            before_send: None,
            http: None,
            deadline: DEFAULT_DEADLINE,
            max_body_size: DEFAULT_MAX_BODY_SIZE,
            token_verifier: None,
            output: PhantomData,
        }
    }
}

impl<C: From<Client>> ClientBuilder<C> {
    /// A builder with the defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// The server (default `https://esi.evetech.net`; tests point it at the fake ESI).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// How the application identifies itself (required).
    pub fn user_agent(mut self, user_agent: UserAgent) -> Self {
        self.user_agent = Some(user_agent);
        self
    }

    /// The compatibility date sent with every request, except by resources generated at a
    /// version of their own (`RESOURCE_VERSIONS`). By default each operation sends the date of
    /// the spec it was generated from, so one client serves APIs of several dates. [`build`] fails
    /// with [`Error::Config`] for a date in the future (ESI's day changes at 11:00 UTC) or
    /// before 2020-01-01.
    ///
    /// [`build`]: ClientBuilder::build
    pub fn compatibility_date(mut self, date: impl Into<String>) -> Self {
        self.compatibility_date = Some(date.into());
        self
    }

    /// The tenant (`X-Tenant`, or `datasource` for Swagger specs); default `tranquility`.
    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = tenant.into();
        self
    }

    /// The default response language (`Accept-Language`).
    pub fn language(mut self, language: Language) -> Self {
        self.language = Some(language);
        self
    }

    /// TCP connect timeout (default 5 s). Ignored with [`http_client`](Self::http_client).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Timeout between reads of one response (default 10 s). Ignored with
    /// [`http_client`](Self::http_client).
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// Idle connections kept per host (default 32). Ignored with
    /// [`http_client`](Self::http_client).
    pub fn pool_max_idle_per_host(mut self, max: usize) -> Self {
        self.pool_max_idle_per_host = max;
        self
    }

    /// Ask for gzip-compressed answers (default on). Ignored with
    /// [`http_client`](Self::http_client): the passed-in client's own setting applies.
    pub fn gzip(mut self, enable: bool) -> Self {
        self.gzip = enable;
        self
    }

    /// Where answers are cached (default: an in-memory [`MemoryCache`] of 30,000 entries and
    /// 256 MiB, least recently used out first). Share one store between clients, or plug in a
    /// shared one.
    pub fn cache(mut self, store: Arc<dyn CacheStore>) -> Self {
        self.cache = Some(store);
        self
    }

    /// Turns caching off: every call asks ESI (still within ESI's rules: use it for tests).
    pub fn no_cache(mut self) -> Self {
        self.cache = None;
        self
    }

    /// Whether and how long ESI's 403s and 404s to GETs are remembered in the cache and
    /// answered again without a request, so that re-polling a structure the character may
    /// not see, or a gone object, does not spend the error window (default: until the
    /// answer's `Expires`, else an hour; [`NegativeCaching::off`] to ask ESI every time; a
    /// call opts out with `.no_negative_cache()`).
    pub fn negative_caching(mut self, negative: NegativeCaching) -> Self {
        self.negative = negative;
        self
    }

    /// What to do when the error or rate limit says "not now" (default: wait up to 65 s).
    pub fn limit_policy(mut self, policy: LimitPolicy) -> Self {
        self.limit_policy = policy;
        self
    }

    /// Errors of ESI's per-minute budget kept in reserve: requests hold once only this many
    /// remain (default 10).
    pub fn error_reserve(mut self, errors: u32) -> Self {
        self.error_reserve = errors;
        self
    }

    /// Where the error window and rate-limit buckets are kept (default: a [`MemoryLimits`] of
    /// this client and its clones). Give every client of an application one shared store
    /// (Redis, with the `redis` feature) so that all processes spend one budget.
    pub fn limit_store(mut self, store: Arc<dyn LimitStore>) -> Self {
        self.limit_store = Some(store);
        self
    }

    /// Retries of 502/503/504, timeouts and connection errors (default 3 attempts).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Pages fetched at once by `.all_pages()` and `.pages()` (default 8).
    pub fn page_concurrency(mut self, pages: usize) -> Self {
        self.page_concurrency = pages.max(1);
        self
    }

    /// Calls `hook` after every request and cache hit (statistics, metrics).
    pub fn on_request(mut self, hook: impl Fn(&RequestEvent<'_>) + Send + Sync + 'static) -> Self {
        self.on_request = Some(Arc::new(hook));
        self
    }

    /// May change every request just before it is sent (headers, tracing context): see
    /// [`OutgoingRequest`]. It runs on every attempt, after the limits let the request go.
    /// [`on_request`](Self::on_request) only observes; this one may change.
    pub fn before_send(
        mut self,
        hook: impl Fn(&mut OutgoingRequest<'_>) + Send + Sync + 'static,
    ) -> Self {
        self.before_send = Some(Arc::new(hook));
        self
    }

    /// The longest one call may take, retries and waits for ESI's limits included (default
    /// 30 s); each page of a walk gets its own. A wait ESI asks for (`Retry-After`, the error
    /// window) that would end past it fails the call at once. Calls can set their own.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The largest answer body a call reads, counted after decompression (default 64 MiB);
    /// a larger answer fails with [`Error::BodyTooLarge`] without being kept. Calls can set
    /// their own.
    pub fn max_body_size(mut self, bytes: u64) -> Self {
        self.max_body_size = bytes;
        self
    }

    /// Checks the tokens callers hand in with `.token(..)` (`esi_sso::Sso` is one), so that
    /// the calls of one character share cached answers, identical requests in flight and
    /// their rate-limit bucket whichever of its tokens they carry. Without a verifier such
    /// tokens share nothing (a token's unchecked claims could name any character); tokens
    /// from a [`TokenSource`](crate::TokenSource) are vouched for by the source.
    pub fn token_verifier(mut self, verifier: impl TokenVerifier + 'static) -> Self {
        self.token_verifier = Some(Arc::new(verifier));
        self
    }

    /// Sends through this `reqwest::Client` (proxies, corporate certificate authorities, a
    /// shared connection pool) instead of building one.
    ///
    /// The passed-in client's own settings replace these builder settings: TLS,
    /// [`connect_timeout`](Self::connect_timeout), [`read_timeout`](Self::read_timeout),
    /// [`pool_max_idle_per_host`](Self::pool_max_idle_per_host) and [`gzip`](Self::gzip)
    /// (enable reqwest's `gzip` feature and leave it on, or ESI's large answers come
    /// uncompressed). Everything else stays the runtime's, whatever the client: the
    /// `User-Agent` header (set on every request, over the client's default), ESI's error and
    /// rate limits, retries, the call's deadline and body size cap, the cache, identical-call
    /// sharing and page walking. Redirect
    /// handling is the client's: keep reqwest's default, which drops `Authorization` on a
    /// redirect to another host.
    ///
    /// Start from [`http_client_builder`](crate::http_client_builder) to keep the runtime's
    /// TLS stack (this workspace's reqwest has no TLS provider of its own).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Builds the client; fails without a user agent that has contact information.
    pub fn build(self) -> Result<C> {
        let user_agent = self
            .user_agent
            .as_ref()
            .ok_or_else(|| {
                Error::Config(
                    "a user agent is required: Client::builder().user_agent(UserAgent::new(..).email(..))"
                        .into(),
                )
            })?
            .to_header()?;
        let base_url = self.base_url.trim_end_matches('/').to_string();
        let server_address = url::Url::parse(&base_url)
            .map_err(|e| Error::Config(format!("invalid base URL {base_url:?}: {e}")))?
            .host_str()
            .unwrap_or_default()
            .to_string();
        if let Some(date) = &self.compatibility_date {
            crate::dates::check_compatibility_date(date, std::time::SystemTime::now())
                .map_err(|e| Error::Config(e.to_string()))?;
        }
        let user_agent_header = HeaderValue::from_str(&user_agent)
            .map_err(|_| Error::Config("the user agent is not valid header text".into()))?;
        let http = match self.http {
            Some(http) => http,
            // The User-Agent is set on every request (prepare), whichever client sends it.
            None => http_client_builder()?
                .connect_timeout(self.connect_timeout)
                .read_timeout(self.read_timeout)
                .pool_max_idle_per_host(self.pool_max_idle_per_host)
                .gzip(self.gzip)
                .build()
                .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?,
        };
        let client = Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                server_address,
                user_agent,
                user_agent_header,
                compatibility_date: self.compatibility_date,
                tenant: self.tenant,
                language: self.language,
                cache: self.cache,
                negative: self.negative,
                limits: Limits::new(
                    self.limit_policy,
                    self.error_reserve,
                    self.limit_store
                        .unwrap_or_else(|| Arc::new(MemoryLimits::new())),
                ),
                retry: self.retry,
                page_concurrency: self.page_concurrency,
                on_request: self.on_request,
                before_send: self.before_send,
                deadline: self.deadline,
                max_body_size: self.max_body_size,
                token_verifier: self.token_verifier,
                in_flight: InFlight::default(),
            }),
        };
        Ok(C::from(client))
    }
}

/// The runtime's ESI client: configuration, connection pool, cache and limits. Build it once
/// and clone it anywhere: clones share all of it.
///
/// It knows no operation of its own. A generated API (`esi_client::Client`, one per spec) is a
/// thin handle on it that adds an accessor per resource; crates generic over the application's
/// operations send [`Request`](crate::Request)s through it directly.
///
/// ```
/// # fn demo<O: esi_runtime::Operation>(op: O) -> Result<(), esi_runtime::Error> {
/// let client = esi_runtime::Client::builder()
///     .user_agent(esi_runtime::UserAgent::new("MyApp", "1.0").email("me@example.com"))
///     .build()?;
/// let request = esi_runtime::Request::new(client.clone(), op); // then `.await` it
/// # let _ = request;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("user_agent", &self.inner.user_agent)
            .field("compatibility_date", &self.inner.compatibility_date)
            .field("tenant", &self.inner.tenant)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The server requests go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The `User-Agent` header sent.
    pub fn user_agent(&self) -> &str {
        &self.inner.user_agent
    }

    /// The compatibility date set with [`ClientBuilder::compatibility_date`]; `None` when each
    /// operation sends the date of the spec it was generated from.
    pub fn compatibility_date(&self) -> Option<&str> {
        self.inner.compatibility_date.as_deref()
    }

    /// The tenant sent by default.
    pub fn tenant(&self) -> &str {
        &self.inner.tenant
    }

    /// ESI's error window as this client (and its clones) last saw it.
    pub fn error_window(&self) -> ErrorWindow {
        self.inner.limits.error_window()
    }

    /// A rate-limit bucket as last seen: `who` is `public` for calls without a token, else
    /// `character:<id>`.
    pub fn rate_limit_bucket(&self, group: &str, who: &str) -> Option<BucketState> {
        self.inner.limits.bucket(group, who)
    }
}
