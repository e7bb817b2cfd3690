//! A typed, fast client for EVE Online's ESI API.
//!
//! The API surface is generated at build time from pinned ESI specs (by `esi-codegen`): one
//! module and one accessor per resource, one method per operation, typed models. Everything
//! else (sending, auth, pages, cache, limits, retries, errors) is the hand-written runtime,
//! the crate `esi-runtime`, re-exported here ([`runtime`]); the generated methods call it.
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
//! ## Which spec
//!
//! Each pinned spec is a cargo feature (`spec-2026-08-18`, the default, `spec-2025-11-06`,
//! `spec-swagger-latest`). Every one that is on is generated into a module of its own:
//! `spec_2026_08_18`, `spec_2025_11_06`, `spec_swagger_latest`. Cargo merges the
//! features of every crate in a build, so a library crate that asks for `spec-2025-11-06`
//! keeps its API however many other specs the application turns on, as long as it names the
//! dated module (`esi_client::spec_2025_11_06::Client`).
//!
//! The crate root re-exports one API for applications: the newest spec that is on, or the spec
//! of the build-wide `ESI_SPEC_PATH` (with `ESI_RESOURCE_VERSIONS` applied). Library crates
//! use dated paths, applications the root. Which resources are compiled is chosen by one
//! feature per resource (all on by default).
//!
//! The clients of several dates can share one runtime client (connection pool, cache, limits):
//! `esi_client::spec_2025_11_06::Client::from(client.runtime().clone())`. Each operation sends
//! the compatibility date of the spec it was generated from, unless the client or the call
//! sets another.
//!
//! ## Cache, limits, sharing
//!
//! The response cache and ESI's limits (error window, rate-limit buckets) live in the process by
//! default ([`MemoryCache`], [`MemoryLimits`]). Processes that share an IP or characters should
//! share them too: the `redis` feature adds `esi_client::redis::RedisStore` (`REDIS_URL`), used
//! with `Client::builder().redis(&store)`; [`CacheStore`] and [`LimitStore`] let other stores
//! plug in.
//!
//! Identical GETs in flight at the same moment (same URL and parameters, same character)
//! share one request; the callers that waited get its answer, or the same typed error, with
//! [`Response::from_cache`] set. Calls with `no_cache` and calls with a body always send their
//! own.

#![cfg_attr(
    all(feature = "spec-2026-08-18", feature = "character"),
    doc = r##"
## Renamed operations

Operations CCP renamed between pinned dates keep their old method name for one release,
as an alias that warns:

```no_run
# #[allow(deprecated)]
# async fn demo(client: esi_client::spec_2026_08_18::Client) -> Result<(), esi_client::Error> {
// `GetCharactersCharacterId` in 2025-11-06, `GetCharactersDetail` in 2026-08-18.
let old = client.character().get_characters_character_id(90000001).await?;
let new = client.character().get_characters_detail(90000001).await?;
# let _ = (old, new); Ok(()) }
```

```compile_fail
#![deny(deprecated)]
# async fn demo(client: esi_client::spec_2026_08_18::Client) {
let _ = client.character().get_characters_character_id(90000001);
# }
```
"##
)]
#![cfg_attr(
    all(
        feature = "spec-2026-08-18",
        feature = "wallet",
        esi_spec = "2026-08-18"
    ),
    doc = r##"
## Scope constants

Every SSO scope of the spec is a constant of `scopes`, and each operation lists the ones it
needs as [`Operation::SCOPES`]; `esi_sso::Scopes` (the login's and the token store's scope
sets) takes them, so the compiler checks the names an application asks for:

```
use esi_client::Operation;
use esi_client::scopes::{SKILLS_READ_SKILLS_V1, WALLET_READ_CHARACTER_WALLET_V1};
use esi_client::wallet::GetCharactersCharacterIdWallet;

// What a login would ask for (`esi_sso::Scopes::from(wanted)`).
let wanted = [WALLET_READ_CHARACTER_WALLET_V1, SKILLS_READ_SKILLS_V1];
assert_eq!(wanted[0].as_str(), "esi-wallet.read_character_wallet.v1");
assert_eq!(GetCharactersCharacterIdWallet::SCOPES, [WALLET_READ_CHARACTER_WALLET_V1]);
```
"##
)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate self as esi_client;

mod names;
mod request;

pub use request::Request;

/// The hand-written runtime (the crate `esi-runtime`): what crates that must not choose a spec
/// depend on, and the runtime's own [`Client`](runtime::Client) under every generated one.
pub use esi_runtime as runtime;

pub use esi_runtime::{
    AccessToken, AllPages, BodyKind, BoxFuture, BucketState, CacheStore, CachedResponse,
    CallOptions, ClientParam, CompatibilityDateError, Conditional, CursorWalk, DEFAULT_BASE_URL,
    DEFAULT_DEADLINE, DEFAULT_MAX_BODY_SIZE, DynamicCall, Error, ErrorWindow, EsiErrorBody, Hold,
    Ids, Language, LimitAnswer, LimitPolicy, LimitRequest, LimitStore, MAX_PAGES,
    MIN_COMPATIBILITY_DATE, MemoryCache, MemoryLimits, Names, NegativeCaching, Operation,
    OperationInfo, OutgoingRequest, PageProgress, PageStream, PagedByCursor, PagedByFromId,
    PagedByXPages, Pagination, ParamInfo, ParamKind, ParamLocation, ParamValue, Params, Permit,
    REMEMBER_INVALID, REMEMBER_NAMES, RateLimitInfo, RequestEvent, RequestHook, Resolved,
    ResolvedId, ResolvedIds, ResolvedName, Response, Result, RetryPolicy, Scope, SendHook,
    SpecInfo, SpecKind, TokenRequest, TokenSource, TokenSourceError, TokenVerifier, Unresolved,
    UserAgent, VerifiedToken, WithResponse, check_compatibility_date, chrono, esi_enum, esi_today,
    http_client_builder, path_segment, timestamp,
};

#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use esi_runtime::redis;

/// ESI as of compatibility date 2026-08-18 (OpenAPI 3.1), exactly as pinned: feature
/// `spec-2026-08-18`.
#[cfg(feature = "spec-2026-08-18")]
#[cfg_attr(docsrs, doc(cfg(feature = "spec-2026-08-18")))]
pub mod spec_2026_08_18 {
    include!(concat!(env!("OUT_DIR"), "/spec_2026_08_18.rs"));
}

/// ESI as of compatibility date 2025-11-06 (OpenAPI 3.1), exactly as pinned: feature
/// `spec-2025-11-06`.
#[cfg(feature = "spec-2025-11-06")]
#[cfg_attr(docsrs, doc(cfg(feature = "spec-2025-11-06")))]
pub mod spec_2025_11_06 {
    include!(concat!(env!("OUT_DIR"), "/spec_2025_11_06.rs"));
}

/// ESI's older Swagger 2.0 spec (v1.3.8, routes under `/latest/`), exactly as pinned: feature
/// `spec-swagger-latest`.
#[cfg(feature = "spec-swagger-latest")]
#[cfg_attr(docsrs, doc(cfg(feature = "spec-swagger-latest")))]
pub mod spec_swagger_latest {
    include!(concat!(env!("OUT_DIR"), "/spec_swagger_latest.rs"));
}

/// Builds the root API's [`Client`]: [`Client::builder`] returns one.
pub type ClientBuilder = esi_runtime::ClientBuilder<Client>;

// The root API: `pub use` of the newest dated module, or the API of `ESI_SPEC_PATH` /
// `ESI_RESOURCE_VERSIONS` (see build.rs).
include!(concat!(env!("OUT_DIR"), "/root.rs"));

/// Finds an operation of the root API by resource (`market`, or the tag `Market`) and name
/// (the method name `get_markets_region_id_orders` or the operation id
/// `GetMarketsRegionIdOrders`). For a dated API:
/// `esi_client::runtime::find_operation(esi_client::spec_2025_11_06::OPERATIONS, ..)`.
///
/// ```
/// let op = esi_client::find_operation("status", "get_status").unwrap();
/// assert_eq!(op.path, "/status");
/// ```
pub fn find_operation(resource: &str, name: &str) -> Option<&'static OperationInfo> {
    esi_runtime::find_operation(OPERATIONS, resource, name)
}
