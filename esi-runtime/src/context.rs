//! The pipeline's shared state: what a built [`Client`](crate::Client) holds and every stage of
//! a call (prepare, gate, attempt, decode) reads. The client is a handle on it; the stages take
//! it, and it names no stage.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::HeaderValue;

use crate::auth::TokenVerifier;
use crate::cache::CacheStore;
use crate::coalesce::InFlight;
use crate::enums::Language;
use crate::hooks::{RequestEvent, RequestHook, Seen, SendHook, Served};
use crate::limits::Limits;
use crate::negative::NegativeCaching;
use crate::operation::OperationInfo;
use crate::retry::RetryPolicy;

/// A client's configuration and shared state (connection pool, cache, limits, requests in
/// flight), behind the client's `Arc`.
pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: String,
    /// The base URL's host, for spans (`server.address`).
    pub(crate) server_address: String,
    pub(crate) user_agent: String,
    pub(crate) user_agent_header: HeaderValue,
    pub(crate) compatibility_date: Option<String>,
    pub(crate) tenant: String,
    pub(crate) language: Option<Language>,
    pub(crate) cache: Option<Arc<dyn CacheStore>>,
    /// Whether and how long 403s and 404s are remembered.
    pub(crate) negative: NegativeCaching,
    pub(crate) limits: Limits,
    pub(crate) retry: RetryPolicy,
    pub(crate) page_concurrency: usize,
    pub(crate) on_request: Option<RequestHook>,
    pub(crate) before_send: Option<SendHook>,
    pub(crate) deadline: Duration,
    pub(crate) max_body_size: u64,
    pub(crate) token_verifier: Option<Arc<dyn TokenVerifier>>,
    /// Identical GETs in flight, which share one request.
    pub(crate) in_flight: InFlight,
}

impl Inner {
    /// Tells the statistics hook about one answer or failure of a call of `info` to `url`.
    pub(crate) fn report(&self, info: &OperationInfo, url: &str, started: Instant, seen: Seen) {
        crate::metrics::answered(info, &seen, started.elapsed());
        if let Some(hook) = &self.on_request {
            hook(&RequestEvent {
                operation: info.id,
                method: info.method.as_str(),
                url,
                status: seen.status,
                attempt: seen.attempt,
                elapsed: started.elapsed(),
                from_cache: seen.served == Served::Cache,
                not_modified: seen.served == Served::NotModified,
            });
        }
    }
}
