//! The hand-written runtime of the ESI client: everything a call needs except the generated
//! API. It never names generated code; generated code hands it what it needs ([`Operation`]
//! values with their static [`OperationInfo`], the spec's compatibility date among it).
//!
//! Most users write `esi_client::Client` and never name this crate: `esi-client` generates the
//! typed API from a pinned ESI spec and re-exports everything here. Crates that must not choose
//! a spec (a token store, web middleware, a sync engine generic over the application's
//! operations) depend on this crate alone: [`TokenSource`], [`CacheStore`], [`LimitStore`],
//! [`Client`] and [`Request`] are all here.
//!
//! A call goes through one pipeline (`send`), in named stages, each reading the client's shared
//! state (`context.rs`: configuration, cache, limits, requests in flight), which names no stage:
//! 1. **prepare** (`prepare.rs`): the token (given, or from a [`TokenSource`]) read once, the
//!    scope check, URL, headers, whose data it is, the cache key;
//! 2. **gate** (`gate.rs`): a fresh cache entry, or an identical request already in flight,
//!    answers without sending;
//! 3. **attempt** (`attempt.rs`): the limits let it go, the request hook may change it, it is
//!    sent; a retry decision made as a value (`attempt::decide`): done, retry, or refused;
//! 4. **decode** (`decode.rs`): the typed value with its metadata, or a typed error.
//!
//! ```
//! use esi_runtime::{Client, UserAgent};
//!
//! let client = Client::builder()
//!     .user_agent(UserAgent::new("MyApp", "1.0").email("me@example.com"))
//!     .build()?;
//! assert_eq!(client.base_url(), "https://esi.evetech.net");
//! # Ok::<(), esi_runtime::Error>(())
//! ```

#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod attempt;
mod auth;
mod buckets;
mod cache;
mod client;
mod coalesce;
mod context;
mod dates;
mod decode;
#[cfg(feature = "fast-json")]
mod depth;
mod dynamic;
mod enums;
mod error;
mod future;
mod gate;
mod hooks;
mod http;
mod identity;
mod ids;
mod limits;
mod list_seed;
mod lookup_cache;
mod metrics;
#[doc(hidden)]
pub mod model_de;
mod names;
mod negative;
mod operation;
mod options;
mod page_set;
mod page_window;
mod pages;
mod paginated;
mod prepare;
#[cfg(test)]
mod proptests;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub mod redis;
mod request;
mod response;
mod retry;
mod scope;
mod send;
pub mod timestamp;

pub use auth::{
    AccessToken, TokenRequest, TokenSource, TokenSourceError, TokenVerifier, VerifiedToken,
};
pub use buckets::{BucketState, MAX_BUCKETS};
pub use cache::{CacheStore, CachedResponse, MemoryCache};
pub use client::{
    Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_DEADLINE, DEFAULT_MAX_BODY_SIZE, UserAgent,
};
pub use dates::{
    CompatibilityDateError, MIN_COMPATIBILITY_DATE, check_compatibility_date, esi_today,
};
pub use dynamic::{DynamicCall, find_operation};
pub use enums::Language;
pub use error::{Error, EsiErrorBody, Result};
pub use future::BoxFuture;
pub use hooks::{OutgoingRequest, RequestEvent, RequestHook, SendHook};
pub use http::http_client_builder;
pub use ids::{Ids, ResolvedId, ResolvedIds};
pub use limits::{
    ErrorWindow, Hold, LimitAnswer, LimitPolicy, LimitRequest, LimitStore, MAX_BUCKET_WINDOW,
    MAX_LIMIT_WAIT, MemoryLimits, Permit,
};
pub use names::{Names, REMEMBER_INVALID, REMEMBER_NAMES, Resolved, ResolvedName, Unresolved};
pub use negative::NegativeCaching;
pub use operation::{
    BodyKind, ClientParam, Operation, OperationInfo, Pagination, ParamInfo, ParamKind,
    ParamLocation, ParamValue, Params, RateLimitInfo, SpecInfo, SpecKind, path_segment,
};
pub use options::CallOptions;
pub use pages::{AllPages, CursorWalk, MAX_PAGES, PageProgress, PageStream};
pub use paginated::{PagedByCursor, PagedByFromId, PagedByXPages};
pub use request::{Request, WithResponse};
pub use response::{Conditional, Response};
pub use retry::{Backoff, RetryPolicy};
pub use scope::Scope;

/// Re-exported so users name the same date types the models use.
pub use chrono;

#[doc(hidden)]
pub mod __private {
    pub use crate::model_de;
    pub use serde;
    pub use serde_json;
}
