//! The fake's time source: real time plus an offset tests can advance.
//!
//! Limiter windows, `Expires`, `Last-Modified` and the compatibility date's "today" all read this
//! clock, so a test can jump past a 60 s error window or a 15 min rate-limit window instantly.
//! [`ClockSkew`] shifts the time the fake *shows* (`Date`, `Expires`, `Last-Modified`), so a
//! client's clock can disagree with the server's as it does with ESI's.

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

/// How far the fake's shown clock (its server time: `Date`, `Expires`, `Last-Modified`, cache
/// windows) is ahead of or behind its [`Clock`]. Default: none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClockSkew {
    by: Duration,
    behind: bool,
}

impl ClockSkew {
    /// No skew: server time is the clock's time.
    pub const NONE: ClockSkew = ClockSkew {
        by: Duration::ZERO,
        behind: false,
    };

    /// The server's clock runs `by` ahead of the client's.
    pub fn ahead(by: Duration) -> Self {
        ClockSkew { by, behind: false }
    }

    /// The server's clock runs `by` behind the client's.
    pub fn behind(by: Duration) -> Self {
        ClockSkew { by, behind: true }
    }

    /// `seconds` ahead (positive) or behind (negative).
    pub fn from_secs(seconds: i64) -> Self {
        let by = Duration::from_secs(seconds.unsigned_abs());
        if seconds < 0 {
            Self::behind(by)
        } else {
            Self::ahead(by)
        }
    }

    /// The server time at clock time `at` (saturating at the Unix epoch).
    pub fn apply(self, at: SystemTime) -> SystemTime {
        if self.behind {
            at.checked_sub(self.by)
                .filter(|t| *t >= SystemTime::UNIX_EPOCH)
                .unwrap_or(SystemTime::UNIX_EPOCH)
        } else {
            at.checked_add(self.by).unwrap_or(at)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skew_moves_server_time_both_ways() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let by = Duration::from_secs(30);
        assert_eq!(ClockSkew::default().apply(at), at);
        assert_eq!(ClockSkew::ahead(by).apply(at), at + by);
        assert_eq!(ClockSkew::behind(by).apply(at), at - by);
        assert_eq!(ClockSkew::from_secs(-30), ClockSkew::behind(by));
        assert_eq!(ClockSkew::from_secs(30), ClockSkew::ahead(by));
        assert_eq!(
            ClockSkew::behind(Duration::from_secs(2_000)).apply(at),
            SystemTime::UNIX_EPOCH
        );
    }
}
