//! The clock `live-check` reads arrivals from and waits on: [`SystemClock`], the machine's; a
//! test passes one that moves the fake ESI's clock instead of sleeping.

use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A wall clock the check can read and wait on.
pub(crate) trait TimeSource {
    /// Now.
    fn now(&self) -> SystemTime;

    /// Returns once [`now`](Self::now) has reached `at` (at once when it is past).
    fn sleep_until(&self, at: SystemTime) -> impl Future<Output = ()>;
}

/// The machine's clock; waits are real.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SystemClock;

impl TimeSource for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }

    async fn sleep_until(&self, at: SystemTime) {
        if let Ok(left) = at.duration_since(SystemTime::now()) {
            tokio::time::sleep(left).await;
        }
    }
}

/// Seconds since the Unix epoch, with the fraction (negative before it).
pub(crate) fn unix_seconds(at: SystemTime) -> f64 {
    match at.duration_since(UNIX_EPOCH) {
        Ok(since) => since.as_secs_f64(),
        Err(before) => -before.duration().as_secs_f64(),
    }
}

/// The time `seconds` after the Unix epoch, clamped to the epoch and to some 30,000 years
/// after it (a time no server answer can push past what `SystemTime` holds).
pub(crate) fn from_unix_seconds(seconds: f64) -> SystemTime {
    UNIX_EPOCH + Duration::try_from_secs_f64(seconds.clamp(0.0, 1e12)).unwrap_or_default()
}
