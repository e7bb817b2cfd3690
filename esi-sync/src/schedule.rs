//! When a job runs next: pure functions of `Expires`, the clock and the job's failures.
//!
//! A job runs when its data expires plus a little jitter, never before (the data would come from
//! a cache anyway, and ESI asks clients not to). A failing job backs off exponentially; a job
//! held back by the budget waits a slice of its rate-limit window.

use std::time::Duration;

use rand::Rng as _;

/// Jitter and backoff settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// The least added after `Expires` (covers `Expires`' whole-second rounding): 50 ms.
    pub min_jitter: Duration,
    /// The most added after `Expires`, spreading a fleet's jobs: 1 s.
    pub max_jitter: Duration,
    /// The first backoff after a failure: 2 s, doubling per failure.
    pub initial_backoff: Duration,
    /// The longest backoff: 10 min.
    pub max_backoff: Duration,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            min_jitter: Duration::from_millis(50),
            max_jitter: Duration::from_secs(1),
            initial_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(600),
        }
    }
}

impl Schedule {
    /// The next run after a success, in Unix milliseconds: `Expires` (or `now` when the
    /// answer had none, or it lies in the past) plus jitter, never before `Expires`.
    pub fn after_success(&self, now_ms: i64, expires_ms: Option<i64>) -> i64 {
        let base = expires_ms.unwrap_or(now_ms).max(now_ms);
        base + millis(self.jitter())
    }

    /// The next run after the `attempts`-th failure in a row (1 for the first): exponential
    /// backoff with jitter, and never before `Expires` when one is known.
    pub fn after_failure(&self, now_ms: i64, attempts: u32, expires_ms: Option<i64>) -> i64 {
        let doublings = attempts.saturating_sub(1).min(20);
        let backoff = self
            .initial_backoff
            .saturating_mul(1u32 << doublings)
            .min(self.max_backoff);
        let retry = now_ms + millis(backoff) + millis(self.jitter());
        match expires_ms {
            Some(expires) if expires > retry => expires + millis(self.jitter()),
            _ => retry,
        }
    }

    fn jitter(&self) -> Duration {
        let (low, high) = (self.min_jitter, self.max_jitter.max(self.min_jitter));
        if low == high {
            return low;
        }
        rand::rng().random_range(low..=high)
    }
}

/// A duration in whole milliseconds, saturating.
pub(crate) fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Now, in Unix milliseconds.
pub(crate) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_waits_for_expires_plus_jitter() {
        let s = Schedule::default();
        for _ in 0..200 {
            let next = s.after_success(1_000, Some(5_000));
            assert!((5_050..=6_000).contains(&next), "{next}");
        }
        // Expires in the past, or none: from now.
        let next = s.after_success(9_000, Some(5_000));
        assert!((9_050..=10_000).contains(&next));
        assert!((9_050..=10_000).contains(&s.after_success(9_000, None)));
    }

    #[test]
    fn failures_back_off_exponentially_and_never_before_expires() {
        let s = Schedule {
            min_jitter: Duration::ZERO,
            max_jitter: Duration::ZERO,
            ..Schedule::default()
        };
        assert_eq!(s.after_failure(0, 1, None), 2_000);
        assert_eq!(s.after_failure(0, 2, None), 4_000);
        assert_eq!(s.after_failure(0, 4, None), 16_000);
        assert_eq!(s.after_failure(0, 60, None), 600_000, "capped");
        assert_eq!(s.after_failure(0, 1, Some(30_000)), 30_000);
        assert_eq!(s.after_failure(0, 1, Some(1_000)), 2_000);
    }
}
