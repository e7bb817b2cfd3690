//! The fake's time source: real time plus an offset tests can advance.
//!
//! Limiter windows, `Expires`, `Last-Modified` and the compatibility date's "today" all read this
//! clock, so a test can jump past a 60 s error window or a 15 min rate-limit window instantly.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

/// Real time shifted by an adjustable offset. Clones share the offset.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset: Arc<Mutex<Duration>>,
}

impl Clock {
    /// A clock at real time.
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves this clock (and its clones) forward.
    pub fn advance(&self, by: Duration) {
        let mut offset = self.offset.lock().unwrap_or_else(PoisonError::into_inner);
        *offset += by;
    }

    /// How far the clock is ahead of real time.
    pub fn offset(&self) -> Duration {
        *self.offset.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Monotonic now.
    pub fn now(&self) -> Instant {
        Instant::now() + self.offset()
    }

    /// Wall-clock now.
    pub fn wall(&self) -> SystemTime {
        SystemTime::now() + self.offset()
    }
}
