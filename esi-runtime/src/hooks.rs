//! The client's two hooks: one called after every request (and cache hit), for statistics
//! (what django-esi's `esi_request_statistics` signal gives Python sites), and one that may
//! change a request before it is sent.

use std::sync::Arc;
use std::time::Duration;

/// One request, as the statistics hook sees it. Never carries the token.
#[derive(Debug, Clone, Copy)]
pub struct RequestEvent<'a> {
    /// Operation id.
    pub operation: &'static str,
    /// HTTP method.
    pub method: &'a str,
    /// Full URL, query included.
    pub url: &'a str,
    /// Status, or `None` for a transport error or timeout.
    pub status: Option<u16>,
    /// Attempt number (0 for a cache hit).
    pub attempt: u32,
    /// Time since the call started.
    pub elapsed: Duration,
    /// Served from the cache without a request.
    pub from_cache: bool,
    /// ESI answered 304 and the cached body was used.
    pub not_modified: bool,
}

/// The statistics hook.
pub type RequestHook = Arc<dyn Fn(&RequestEvent<'_>) + Send + Sync>;

/// A request about to be sent, as a [`SendHook`] sees it: the hook may change its headers
/// (tracing context, a correlation id) or anything else of the `reqwest::Request`.
///
/// The runtime has already waited for ESI's limits when the hook runs; what the hook changes
/// does not change which limits, cache entry or retries apply. The `Authorization` header is
/// marked sensitive: keep it out of whatever the hook logs.
///
/// ```
/// use esi_runtime::{Client, UserAgent};
///
/// let client = Client::builder()
///     .user_agent(UserAgent::new("MyApp", "1.0").email("me@example.com"))
///     .before_send(|request| {
///         let attempt = request.attempt().to_string();
///         request
///             .headers_mut()
///             .insert("x-attempt", attempt.parse().expect("digits are header text"));
///     })
///     .build()?;
/// # let _ = client;
/// # Ok::<(), esi_runtime::Error>(())
/// ```
#[derive(Debug)]
pub struct OutgoingRequest<'a> {
    pub(crate) operation: &'static str,
    pub(crate) attempt: u32,
    pub(crate) request: &'a mut reqwest::Request,
}

impl OutgoingRequest<'_> {
    /// The operation id.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The attempt number (1 for the first).
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The URL, query included.
    pub fn url(&self) -> &url::Url {
        self.request.url()
    }

    /// The headers to send.
    pub fn headers_mut(&mut self) -> &mut http::HeaderMap {
        self.request.headers_mut()
    }

    /// The whole request.
    pub fn request_mut(&mut self) -> &mut reqwest::Request {
        self.request
    }
}

/// The hook that may change a request before it is sent ([`ClientBuilder::before_send`]).
///
/// [`ClientBuilder::before_send`]: crate::ClientBuilder::before_send
pub type SendHook = Arc<dyn Fn(&mut OutgoingRequest<'_>) + Send + Sync>;

/// How an answer reached the call, for [`RequestEvent`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Served {
    /// Sent to ESI; its answer (or a transport error).
    Network,
    /// From the cache, or shared by an identical request in flight: nothing sent.
    Cache,
    /// ESI answered 304; the cached body was used.
    NotModified,
}

/// One thing the statistics hook is told about.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Seen {
    pub status: Option<u16>,
    /// Attempt number (0: nothing was sent).
    pub attempt: u32,
    pub served: Served,
}

impl Seen {
    /// An answer served without a request.
    pub(crate) fn served(status: u16, served: Served) -> Self {
        Seen {
            status: Some(status),
            attempt: 0,
            served,
        }
    }
}
