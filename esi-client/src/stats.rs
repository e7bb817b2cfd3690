//! A hook called after every request (and cache hit), for statistics: what django-esi's
//! `esi_request_statistics` signal gives Python sites.

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
