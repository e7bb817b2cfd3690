//! How a [`FakeEsi`](super::FakeEsi) is set up: spec, address, paging shapes, limits, fixed bodies.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::auth::{RejectAll, TokenVerifier};
use super::clock::ClockSkew;
use super::pinned::{PINNED_SPECS, PinnedSpec, pinned_spec};
use super::window::CachePhase;

/// File name of the spec the fake serves by default.
pub const DEFAULT_SPEC_FILE: &str = "esi-openapi-2026-08-18.json";

/// The package's `specs/` directory: the pinned spec files (embedded in
/// [`PINNED_SPECS`] too), for tests that load or compare them.
pub fn specs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("specs")
}

/// The default spec's file: the pinned 2026-08-18 OpenAPI document.
pub fn default_spec_path() -> PathBuf {
    specs_dir().join(DEFAULT_SPEC_FILE)
}

/// Compatibility dates of the pinned OpenAPI specs, oldest first.
pub fn pinned_compatibility_dates() -> Vec<String> {
    let mut dates: Vec<String> = PINNED_SPECS
        .iter()
        .filter_map(PinnedSpec::compatibility_date)
        .map(str::to_string)
        .collect();
    dates.sort();
    dates
}

/// Which spec a [`FakeEsi`](super::FakeEsi) serves.
#[derive(Debug, Clone)]
pub enum SpecSource {
    /// One of the pinned specs embedded in this crate.
    Pinned(&'static PinnedSpec),
    /// A spec file (any spec `esi_codegen::load` reads).
    File(PathBuf),
}

impl Default for SpecSource {
    /// The pinned 2026-08-18 OpenAPI document.
    fn default() -> Self {
        SpecSource::Pinned(pinned_spec(DEFAULT_SPEC_FILE).expect("the default spec is embedded"))
    }
}

/// How many pages of how many items an `X-Pages` resource has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageShape {
    /// Number of pages (`X-Pages`), at least 1.
    pub pages: u32,
    /// Items on each page.
    pub per_page: u32,
}

impl PageShape {
    /// `pages` pages of `per_page` items.
    pub fn new(pages: u32, per_page: u32) -> Self {
        PageShape {
            pages: pages.max(1),
            per_page,
        }
    }
}

/// Sizes of paginated resources.
#[derive(Debug, Clone, PartialEq)]
pub struct PagingConfig {
    /// Shape of `X-Pages` resources without an override: 3 pages of 4 items.
    pub default_shape: PageShape,
    /// Per-operation shapes, keyed by path template without base path or trailing slash
    /// (`/markets/{region_id}/orders`) or by operation id. Default: market orders of a region,
    /// 50 pages of 1000 orders.
    pub shapes: BTreeMap<String, PageShape>,
    /// Records in each cursor-paginated data set (oldest first): 25.
    pub cursor_records: usize,
    /// Records in each `from_id` data set (newest first): 25.
    pub from_id_records: usize,
    /// Records per `from_id` answer: 10.
    pub from_id_page_size: usize,
}

impl Default for PagingConfig {
    fn default() -> Self {
        PagingConfig {
            default_shape: PageShape::new(3, 4),
            shapes: BTreeMap::from([(
                "/markets/{region_id}/orders".to_string(),
                PageShape::new(50, 1000),
            )]),
            cursor_records: 25,
            from_id_records: 25,
            from_id_page_size: 10,
        }
    }
}

/// A replacement for a rate-limit group's declared bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BucketOverride {
    /// Tokens in the bucket (`None`: as declared).
    pub max_tokens: Option<u32>,
    /// Window length (`None`: as declared).
    pub window: Option<Duration>,
}

/// ESI's two limiters.
#[derive(Debug, Clone, PartialEq)]
pub struct LimitsConfig {
    /// Non-2xx/3xx answers allowed per window and client IP before 420s: 100.
    pub error_limit: u32,
    /// The error limit's fixed window: 60 s.
    pub error_window: Duration,
    /// Whether routes with `x-rate-limit` enforce it: true.
    pub rate_limits: bool,
    /// Per-group replacements of the declared buckets (key: group name, or `*` for all).
    pub buckets: BTreeMap<String, BucketOverride>,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            error_limit: 100,
            error_window: Duration::from_secs(60),
            rate_limits: true,
            buckets: BTreeMap::new(),
        }
    }
}

/// Everything [`FakeEsi::start`](super::FakeEsi::start) needs.
#[derive(Clone)]
pub struct FakeEsiConfig {
    /// The spec to serve (default: the embedded 2026-08-18 spec).
    pub spec: SpecSource,
    /// Address to bind; must be loopback.
    pub bind: IpAddr,
    /// Port; 0 picks a free one.
    pub port: u16,
    /// Mixed into every seed; change it to get other (still deterministic) data.
    pub seed: u64,
    /// Dates `/meta/compatibility-dates` lists (default: the pinned specs' dates).
    pub compatibility_dates: Vec<String>,
    /// Paging shapes.
    pub paging: PagingConfig,
    /// Limiter settings.
    pub limits: LimitsConfig,
    /// Cache time of routes whose spec gives none: 3600 s (they are ESI's static data, which
    /// ESI caches for an hour or more; a test taking a second then meets a window boundary
    /// once in 3600 runs, not once in 60).
    pub default_cache_seconds: u64,
    /// Where each GET resource's cache windows begin (default: a phase per resource, as ESI's
    /// caches refresh on their own schedules). Every answer inside a window says the window's
    /// end as `Expires` and its start as `Last-Modified`; fleet mode ignores this (its windows
    /// are aligned on the Unix epoch).
    pub cache_phase: CachePhase,
    /// How far the fake's server time (`Date`, `Expires`, `Last-Modified`, cache windows and
    /// fleet generations) is ahead of or behind its [`Clock`](super::Clock) (default: none).
    pub date_skew: ClockSkew,
    /// Fixed JSON bodies replacing synthesised ones, keyed like [`PagingConfig::shapes`].
    pub bodies: BTreeMap<String, Value>,
    /// Checks bearer tokens of authenticated routes (default: rejects every token).
    pub verifier: Arc<dyn TokenVerifier>,
    /// Short window-aligned cache times and changing data for sync tests (default: none).
    pub fleet: Option<super::fleet::FleetConfig>,
    /// Ids `POST /universe/names` and `/universe/ids` treat as unknown, besides those no EVE id
    /// range holds (0, negative ids, planets...; see [`lookups`](super::lookups)): a
    /// `/universe/names` batch holding one answers 404 as a whole (default: none).
    pub invalid_ids: BTreeSet<i64>,
}

impl std::fmt::Debug for FakeEsiConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeEsiConfig")
            .field("spec", &self.spec)
            .field("bind", &self.bind)
            .field("port", &self.port)
            .field("seed", &self.seed)
            .field("compatibility_dates", &self.compatibility_dates)
            .field("paging", &self.paging)
            .field("limits", &self.limits)
            .field("default_cache_seconds", &self.default_cache_seconds)
            .field("cache_phase", &self.cache_phase)
            .field("date_skew", &self.date_skew)
            .field("bodies", &self.bodies.keys().collect::<Vec<_>>())
            .field("fleet", &self.fleet)
            .field("invalid_ids", &self.invalid_ids.len())
            .finish_non_exhaustive()
    }
}

impl Default for FakeEsiConfig {
    fn default() -> Self {
        FakeEsiConfig {
            spec: SpecSource::default(),
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            seed: 0,
            compatibility_dates: pinned_compatibility_dates(),
            paging: PagingConfig::default(),
            limits: LimitsConfig::default(),
            default_cache_seconds: 3600,
            cache_phase: CachePhase::default(),
            date_skew: ClockSkew::NONE,
            bodies: BTreeMap::new(),
            verifier: Arc::new(RejectAll),
            fleet: None,
            invalid_ids: BTreeSet::new(),
        }
    }
}

impl FakeEsiConfig {
    /// Serves another spec file.
    pub fn spec(mut self, path: impl Into<PathBuf>) -> Self {
        self.spec = SpecSource::File(path.into());
        self
    }

    /// Serves one of the embedded pinned specs ([`PINNED_SPECS`]).
    pub fn pinned_spec(mut self, spec: &'static PinnedSpec) -> Self {
        self.spec = SpecSource::Pinned(spec);
        self
    }

    /// Binds another (loopback) address.
    pub fn bind(mut self, addr: IpAddr) -> Self {
        self.bind = addr;
        self
    }

    /// Listens on a fixed port.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Uses `verifier` for bearer tokens.
    pub fn verifier(mut self, verifier: Arc<dyn TokenVerifier>) -> Self {
        self.verifier = verifier;
        self
    }

    /// Gives an `X-Pages` operation (path template or operation id) another shape.
    pub fn pages(mut self, operation: impl Into<String>, shape: PageShape) -> Self {
        self.paging.shapes.insert(operation.into(), shape);
        self
    }

    /// Serves a fixed body for an operation (path template or operation id).
    pub fn body(mut self, operation: impl Into<String>, body: Value) -> Self {
        self.bodies.insert(operation.into(), body);
        self
    }

    /// Sets the error limit and its window.
    pub fn error_limit(mut self, errors: u32, window: Duration) -> Self {
        self.limits.error_limit = errors;
        self.limits.error_window = window;
        self
    }

    /// Places every resource's cache windows (see [`CachePhase`]).
    pub fn cache_phase(mut self, phase: CachePhase) -> Self {
        self.cache_phase = phase;
        self
    }

    /// Shows a server time ahead of or behind the fake's clock (see [`ClockSkew`]).
    pub fn date_skew(mut self, skew: ClockSkew) -> Self {
        self.date_skew = skew;
        self
    }

    /// Serves a fleet: every GET cached for `fleet.cache_seconds`, expiring at the end of
    /// a window aligned on the Unix epoch, its data changing every `fleet.change_every`
    /// windows (see [`fleet`](super::fleet)).
    pub fn fleet(mut self, fleet: super::fleet::FleetConfig) -> Self {
        self.fleet = Some(fleet);
        self
    }

    /// Makes these ids unknown to `POST /universe/names` (a batch holding one answers 404)
    /// and `/universe/ids` (names of them are left out); adds to the ids already listed.
    pub fn invalid_ids(mut self, ids: impl IntoIterator<Item = i64>) -> Self {
        self.invalid_ids.extend(ids);
        self
    }

    /// Replaces a rate-limit group's bucket (`*` for every group).
    pub fn bucket(mut self, group: impl Into<String>, max_tokens: u32, window: Duration) -> Self {
        self.limits.buckets.insert(
            group.into(),
            BucketOverride {
                max_tokens: Some(max_tokens),
                window: Some(window),
            },
        );
        self
    }
}
