//! [`State`]: everything the request handler and its helpers read and update, shared by every
//! connection of one [`super::FakeEsi`].

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::SystemTime;

use bytes::Bytes;
use esi_codegen::model::Api;

use super::auth::TokenVerifier;
use super::cache::ResourceCache;
use super::clock::Clock;
use super::config::FakeEsiConfig;
use super::faults::Faults;
use super::fleet::FreshnessLog;
use super::limits::{ErrorLimiter, RateLimiter};
use super::log::RequestLog;
use super::routes::RouteTable;

/// Everything the request handler reads and updates.
pub(crate) struct State {
    pub api: Arc<Api>,
    pub raw_spec: Bytes,
    pub spec_etag: String,
    pub routes: RouteTable,
    pub config: FakeEsiConfig,
    pub verifier: Arc<dyn TokenVerifier>,
    pub clock: Clock,
    pub errors: ErrorLimiter,
    pub rates: RateLimiter,
    pub cache: ResourceCache,
    pub faults: Faults,
    pub log: RequestLog,
    pub freshness: FreshnessLog,
    pub seq: AtomicU64,
}

impl State {
    /// The server's time: the clock shifted by the configured skew. `Date`, `Expires`,
    /// `Last-Modified`, cache windows, fleet generations and the freshness log read it.
    pub(crate) fn server_now(&self) -> SystemTime {
        self.config.date_skew.apply(self.clock.wall())
    }
}
