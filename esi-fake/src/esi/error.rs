//! Why a fake ESI could not start.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

/// Errors of [`FakeEsi::start`](super::FakeEsi::start).
#[derive(Debug, thiserror::Error)]
pub enum FakeEsiError {
    /// The bind address is not loopback; the fake never listens on other interfaces.
    #[error("refusing to bind {0}: the fake ESI only listens on loopback (127.0.0.1 or ::1)")]
    NotLoopback(IpAddr),
    /// The spec file could not be read.
    #[error("cannot read the spec file {path}: {source}")]
    SpecFile {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The spec could not be parsed or normalised.
    #[error("cannot load the spec: {0}")]
    Spec(String),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
}
