//! Retry policy: which failures are worth another attempt and how long to wait first
//! ([`Backoff`]: exponential backoff with jitter, a random wait between half and all of the
//! doubled delay). The SSO client (`esi-sso`) waits by the same [`Backoff`], with retryable
//! statuses of its own.

use std::time::Duration;

use rand::Rng;

/// How many times to try and how long to back off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (default 3; 1 disables retries).
    pub max_attempts: u32,
    /// Backoff before the second attempt; it doubles each time (default 500 ms).
    pub base_delay: Duration,
    /// The longest backoff (default 10 s).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// No retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The wait before attempt `attempt` (2 for the first retry), by [`Backoff::before_attempt`].
    pub fn backoff(&self, attempt: u32) -> Duration {
        Backoff {
            base_delay: self.base_delay,
            max_delay: self.max_delay,
        }
        .before_attempt(attempt)
    }
}

/// Exponential backoff with jitter: the one wait computation of every retry in these crates.
///
/// Attempts are numbered from 1 (the first, which waits for nothing); the wait before attempt
/// `n` is a random duration between half and all of `base_delay * 2^(n-2)`, capped at
/// `max_delay`. The jitter keeps the clients that failed together from retrying together.
///
/// ```
/// use std::time::Duration;
/// use esi_runtime::Backoff;
///
/// let backoff = Backoff { base_delay: Duration::from_millis(100), max_delay: Duration::from_secs(1) };
/// let first_retry = backoff.before_attempt(2);
/// assert!(first_retry >= Duration::from_millis(50) && first_retry <= Duration::from_millis(100));
/// assert!(backoff.before_attempt(30) <= Duration::from_secs(1));
/// assert_eq!(backoff.before_attempt(1), Duration::ZERO);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The longest wait before the second attempt; it doubles for each attempt after.
    pub base_delay: Duration,
    /// The longest wait before any attempt.
    pub max_delay: Duration,
}

impl Backoff {
    /// The wait before attempt `attempt` (2 for the first retry; nothing before the first).
    pub fn before_attempt(&self, attempt: u32) -> Duration {
        if attempt < 2 {
            return Duration::ZERO;
        }
        let exp = (attempt - 2).min(20);
        let cap = self
            .base_delay
            .saturating_mul(1u32 << exp)
            .min(self.max_delay);
        let millis = u64::try_from(cap.as_millis()).unwrap_or(u64::MAX);
        if millis == 0 {
            return Duration::ZERO;
        }
        Duration::from_millis(rand::rng().random_range(millis / 2..=millis))
    }
}

/// Statuses worth retrying: gateway errors, which ESI's load balancers give when busy.
pub(crate) fn retryable_status(status: u16) -> bool {
    matches!(status, 502..=504)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(250),
        };
        for _ in 0..50 {
            let first = p.backoff(2);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            assert!(p.backoff(6) <= Duration::from_millis(250));
        }
        assert!(retryable_status(503));
        assert!(!retryable_status(500));
        assert!(!retryable_status(404));
    }
}
