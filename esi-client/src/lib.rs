//! A typed, fast client for EVE Online's ESI API.
//!
//! The API surface is generated at build time from a pinned ESI spec (by `esi-codegen`): one
//! module and one accessor per resource, one method per operation, typed models. Everything
//! else (sending, auth, decoding, errors) is the hand-written runtime in this crate, which the
//! generated methods call.
//!
//! ```no_run
//! use esi_client::{Client, UserAgent};
//! use esi_client::market::OrderType;
//!
//! # async fn demo() -> Result<(), esi_client::Error> {
//! let client = Client::builder()
//!     .user_agent(UserAgent::new("MyApp", "1.0").email("me@example.com"))
//!     .build()?;
//! let status = client.status().get_status().await?;
//! let sell_orders = client
//!     .market()
//!     .get_markets_region_id_orders(10000002)
//!     .order_type(OrderType::Sell)
//!     .await?;
//! # let _ = (status, sell_orders);
//! # Ok(()) }
//! ```
//!
//! Which spec is used is chosen by cargo features (`spec-2026-08-18`, the default,
//! `spec-2025-11-06`, `spec-swagger-latest`) or by the `ESI_SPEC_PATH` environment variable at
//! build time; which resources are compiled, by one feature per resource (all on by default).
//!
//! The response cache and ESI's limits (error window, rate-limit buckets) live in the process by
//! default ([`MemoryCache`], [`MemoryLimits`]). Processes that share an IP or characters should
//! share them too: the `redis` feature adds `esi_client::redis::RedisStore` (`REDIS_URL`), used
//! with `Client::builder().redis(&store)`; [`CacheStore`] and [`LimitStore`] let other stores
//! plug in.
//!
//! Sharing: identical GETs in flight at the same moment (same URL and parameters, same
//! character) share one request; the callers that waited get its answer, or the same typed
//! error, with [`Response::from_cache`] set. Calls with `no_cache` and calls with a body
//! always send their own.

#![warn(missing_docs)]

extern crate self as esi_client;

mod auth;
mod cache;
mod client;
mod coalesce;
mod dates;
mod dynamic;
mod enums;
mod error;
mod identity;
mod limits;
mod list_seed;
mod operation;
mod page_window;
mod pages;
#[cfg(feature = "redis")]
pub mod redis;
mod request;
mod response;
mod retry;
mod send;
mod stats;
pub mod timestamp;

pub use auth::{BoxFuture, TokenRequest, TokenSource, TokenSourceError};
pub use cache::{CacheStore, CachedResponse, MemoryCache};
pub use client::{Client, ClientBuilder, DEFAULT_BASE_URL, UserAgent};
pub use dates::{
    CompatibilityDateError, MIN_COMPATIBILITY_DATE, check_compatibility_date, esi_today,
};
pub use dynamic::{DynamicCall, PageProgress, find_operation};
pub use enums::Language;
pub use error::{Error, EsiErrorBody, Result};
pub use limits::{
    BucketState, ErrorWindow, Hold, LimitAnswer, LimitPolicy, LimitRequest, LimitStore,
    MemoryLimits, Permit,
};
pub use operation::{
    BodyKind, ClientParam, Operation, OperationInfo, Pagination, ParamInfo, ParamKind,
    ParamLocation, ParamValue, Params, RateLimitInfo, SpecInfo, SpecKind, path_segment,
};
pub use pages::{AllPages, CursorWalk};
pub use request::{AccessToken, CallOptions, Request, WithResponse};
pub use response::Response;
pub use retry::RetryPolicy;
pub use stats::{RequestEvent, RequestHook};

/// Re-exported so users name the same date types the models use.
pub use chrono;

#[doc(hidden)]
pub mod __private {
    pub use serde;
}

include!(concat!(env!("OUT_DIR"), "/esi_api.rs"));
