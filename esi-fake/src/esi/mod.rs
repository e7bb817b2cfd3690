//! A fake ESI, driven by any spec `esi-codegen` reads, listening on loopback only.
//!
//! [`FakeEsi::start`] loads a spec (default: the pinned 2026-08-18 OpenAPI document) and answers
//! every operation with deterministic data synthesised from its response schema, with ESI's
//! headers (`ETag`, `Expires`, `Last-Modified`, `Cache-Control`, error-limit or rate-limit
//! headers), ESI's pagination (`X-Pages`, cursors, `from_id`), ESI's checks (parameter types,
//! compatibility date, bearer tokens and scopes, error limit, rate limit) and scripted faults.
//!
//! One module per job:
//!
//! - [`config`]: what to serve and how; [`pinned`]: the embedded pinned specs; [`error`]: why
//!   it could not start;
//! - [`server`]: listening and connections; `state`: what every connection shares; `handler`:
//!   the request pipeline; `inputs`: what a request asks for; `accounting`: limiter headers;
//!   `control`: the `/_fake/...` endpoints;
//! - `routes`: paths to operations; `params`: parameter checks; [`auth`]: tokens and scopes;
//! - [`synth`]: sample data from schemas; `eve_values`: what EVE's values look like;
//!   [`validate`]: values against schemas; `body`: one body and its `ETag`, and the slice a
//!   request asks for; `pages`: pre-rendered bodies and `X-Pages`; `records`: cursor and
//!   `from_id` lists; `cache`: rendered resources;
//! - [`window`]: ESI's cache windows per resource; `caching`: the cache headers of a GET
//!   (`Expires`, `Last-Modified`, `Cache-Control`, `ETag`, `Date`) and its 304s;
//! - `limits`: error limit and rate limit; [`clock`]: time tests can advance, and the server
//!   time's skew; [`meta`]: spec documents and compatibility dates;
//! - [`lookups`]: `POST /universe/names` and `/universe/ids` as ESI answers them (a batch
//!   with one unknown id is refused whole);
//! - [`faults`]: scripted faults; [`log`]: the request log; [`fleet`]: short aligned cache
//!   windows and changing data for sync engines, and what the clients' timing looked like
//!   (early requests are counted in every mode).

mod accounting;
pub mod auth;
mod body;
mod cache;
mod caching;
pub mod clock;
pub mod config;
mod control;
pub mod error;
mod eve_values;
pub mod faults;
pub mod fleet;
mod handler;
mod inputs;
mod limits;
pub mod log;
pub mod lookups;
pub mod meta;
mod pages;
mod params;
pub mod pinned;
mod records;
mod reply;
mod rng;
mod routes;
pub mod server;
mod state;
pub mod synth;
pub mod validate;
pub mod window;

pub use auth::{RejectAll, StaticTokens, TokenVerifier, VerifiedToken};
pub use clock::{Clock, ClockSkew};
pub use config::{BucketOverride, FakeEsiConfig, LimitsConfig, PageShape, PagingConfig};
pub use error::FakeEsiError;
pub use faults::{Fault, FaultKind, Faults};
pub use fleet::{
    EARLY_FETCHES_KEPT, EarlyFetch, FleetConfig, FreshnessCounts, FreshnessLog, LAGS_KEPT, Lag,
    WATCHED_URLS,
};
pub use log::{RequestLog, RequestRecord};
pub use server::FakeEsi;
pub use synth::Synth;
pub use validate::{Validator, Violation};
pub use window::CachePhase;
