//! [`FakeEsi`]: loads a spec, listens on loopback, and serves until dropped.
//!
//! Connections are served by hyper's HTTP/1.1 server directly (not a router framework) so a
//! scripted fault can close a connection without any answer. Every connection task belongs to
//! the server task; dropping the [`FakeEsi`] stops them all.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use bytes::Bytes;
use esi_codegen::model::Api;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

use super::body::etag_of;
use super::cache::ResourceCache;
use super::clock::Clock;
use super::config::{FakeEsiConfig, SpecSource};
use super::faults::{Fault, Faults};
use super::limits::{ErrorLimiter, RateLimiter};
use super::log::{RequestLog, RequestRecord};
use super::routes::RouteTable;
use super::state::State;
use super::{FakeEsiError, handler};

/// A running fake ESI on 127.0.0.1 (or ::1).
pub struct FakeEsi {
    state: Arc<State>,
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for FakeEsi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeEsi")
            .field("addr", &self.addr)
            .field("spec", &self.state.config.spec)
            .finish_non_exhaustive()
    }
}

/// Refuses addresses other than loopback.
pub fn require_loopback(addr: IpAddr) -> Result<(), FakeEsiError> {
    if addr.is_loopback() {
        Ok(())
    } else {
        Err(FakeEsiError::NotLoopback(addr))
    }
}

impl FakeEsi {
    /// Loads the spec, binds the address and starts serving.
    pub async fn start(config: FakeEsiConfig) -> Result<Self, FakeEsiError> {
        require_loopback(config.bind)?;
        let source = config.spec.clone();
        let (api, raw) = tokio::task::spawn_blocking(move || {
            let (raw, path) = match source {
                SpecSource::Pinned(spec) => (
                    Bytes::from_static(spec.text.as_bytes()),
                    PathBuf::from(spec.file_name),
                ),
                SpecSource::File(path) => {
                    let raw = std::fs::read(&path).map_err(|source| FakeEsiError::SpecFile {
                        path: path.clone(),
                        source,
                    })?;
                    (Bytes::from(raw), path)
                }
            };
            let api = esi_codegen::parse(&String::from_utf8_lossy(&raw), &path)
                .map_err(|e| FakeEsiError::Spec(e.to_string()))?;
            Ok::<_, FakeEsiError>((api, raw))
        })
        .await
        .map_err(|e| FakeEsiError::Spec(e.to_string()))??;
        Self::serve(config, api, raw).await
    }

    /// Serves an already loaded API; `raw_spec` is what the spec endpoints return.
    pub async fn serve(
        mut config: FakeEsiConfig,
        api: Api,
        raw_spec: Bytes,
    ) -> Result<Self, FakeEsiError> {
        require_loopback(config.bind)?;
        let addr = SocketAddr::new(config.bind, config.port);
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| FakeEsiError::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| FakeEsiError::Bind { addr, source })?;
        if api
            .operations
            .iter()
            .any(|op| op.path.trim_end_matches('/') == "/meta/compatibility-dates")
        {
            config
                .bodies
                .entry("/meta/compatibility-dates".to_string())
                .or_insert_with(|| json!({ "compatibility_dates": config.compatibility_dates }));
        }
        let state = Arc::new(State {
            routes: RouteTable::new(&api),
            api: Arc::new(api),
            spec_etag: etag_of(&raw_spec),
            raw_spec,
            verifier: config.verifier.clone(),
            errors: ErrorLimiter::new(config.limits.error_limit, config.limits.error_window),
            config,
            clock: Clock::new(),
            rates: RateLimiter::default(),
            cache: ResourceCache::default(),
            faults: Faults::default(),
            log: RequestLog::default(),
            freshness: super::fleet::FreshnessLog::default(),
            seq: AtomicU64::new(0),
        });
        let task = tokio::spawn(accept_loop(listener, state.clone()));
        Ok(FakeEsi { state, addr, task })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (no trailing slash, no base path).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The base URL plus the spec's base path (`.../latest` for Swagger specs).
    pub fn api_url(&self) -> String {
        format!("{}{}", self.base_url(), self.state.api.base_path)
    }

    /// The API it serves.
    pub fn api(&self) -> &Api {
        &self.state.api
    }

    /// The timing of the clients' GETs (early requests, 304s, 420s and 429s).
    pub fn freshness(&self) -> &super::fleet::FreshnessLog {
        &self.state.freshness
    }

    /// The request log.
    pub fn log(&self) -> &RequestLog {
        &self.state.log
    }

    /// Every logged request, in arrival order.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.state.log.requests()
    }

    /// Number of logged requests whose path starts with `prefix`.
    pub fn count_for(&self, prefix: &str) -> usize {
        self.state.log.count_for(prefix)
    }

    /// Forgets the logged requests.
    pub fn clear_requests(&self) {
        self.state.log.clear();
    }

    /// The fault queue.
    pub fn faults(&self) -> &Faults {
        &self.state.faults
    }

    /// Queues a fault.
    pub fn inject(&self, fault: Fault) {
        self.state.faults.push(fault);
    }

    /// The clock (advance it to skip limiter windows).
    pub fn clock(&self) -> &Clock {
        &self.state.clock
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        self.state.clock.advance(by);
    }

    /// Empties the error-limit windows and rate-limit buckets.
    pub fn reset_limits(&self) {
        self.state.errors.clear();
        self.state.rates.clear();
    }

    /// Stops serving (also done on drop).
    pub fn shutdown(self) {
        self.task.abort();
    }
}

impl Drop for FakeEsi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn accept_loop(listener: TcpListener, state: Arc<State>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    connections.spawn(serve_connection(stream, peer, state.clone()));
                }
                // Out of file descriptors and the like: back off briefly.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve_connection(stream: TcpStream, peer: SocketAddr, state: Arc<State>) {
    let _ = stream.set_nodelay(true);
    let service = service_fn(move |request| handler::handle(state.clone(), peer, request));
    // Errors here are clients going away or scripted drops; nothing to report.
    let _ = http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service)
        .await;
}
