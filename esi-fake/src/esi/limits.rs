//! ESI's two limiters: the legacy error limit (420) and the per-group rate limit (429).
//!
//! - [`ErrorLimiter`]: a fixed window per client IP (default 100 errors per 60 s, starting at the
//!   first request after the previous window ended). Every non-2xx/3xx answer of a route
//!   without `x-rate-limit` uses one error; when none are left every ESI route answers 420 until
//!   the window ends.
//! - [`RateLimiter`]: a floating window per (group, user): each answer spends tokens (2xx: 2,
//!   3xx: 1, 4xx: 5, 429, 420 and 5xx: 0) that come back one window after they were spent. A
//!   request is refused with 429 while the tokens spent in the last window reach the bucket size.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// `at + window`, or `None` when that is beyond what an [`Instant`] can hold (never).
fn after(at: Instant, window: Duration) -> Option<Instant> {
    at.checked_add(window)
}

/// Whole seconds from `now` until `then`, rounded up (0 if `then` has passed).
fn seconds_until(now: Instant, then: Instant) -> u64 {
    let left = then.saturating_duration_since(now);
    left.as_secs() + u64::from(left.subsec_nanos() > 0)
}

/// What the error-limit headers report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ErrorBudget {
    /// `X-ESI-Error-Limit-Remain`.
    pub remain: u32,
    /// `X-ESI-Error-Limit-Reset` (seconds).
    pub reset: u64,
}

#[derive(Debug, Clone, Copy)]
struct ErrorWindow {
    start: Instant,
    errors: u32,
}

/// The legacy error limit, per client IP.
#[derive(Debug)]
pub(crate) struct ErrorLimiter {
    limit: u32,
    window: Duration,
    windows: Mutex<HashMap<IpAddr, ErrorWindow>>,
}

impl ErrorLimiter {
    /// `limit` errors per fixed `window`.
    pub(crate) fn new(limit: u32, window: Duration) -> Self {
        ErrorLimiter {
            limit,
            window,
            windows: Mutex::new(HashMap::new()),
        }
    }

    fn with_window<T>(&self, ip: IpAddr, now: Instant, f: impl FnOnce(&mut ErrorWindow) -> T) -> T {
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = windows.entry(ip).or_insert(ErrorWindow {
            start: now,
            errors: 0,
        });
        if after(entry.start, self.window).is_some_and(|end| now >= end) {
            *entry = ErrorWindow {
                start: now,
                errors: 0,
            };
        }
        f(entry)
    }

    fn budget(&self, window: &ErrorWindow, now: Instant) -> ErrorBudget {
        ErrorBudget {
            remain: self.limit.saturating_sub(window.errors),
            reset: after(window.start, self.window)
                .map_or(self.window.as_secs(), |end| seconds_until(now, end)),
        }
    }

    /// The budget before answering; `Err` when it is used up (answer 420).
    pub(crate) fn check(&self, ip: IpAddr, now: Instant) -> Result<ErrorBudget, ErrorBudget> {
        self.with_window(ip, now, |w| {
            let budget = self.budget(w, now);
            if budget.remain == 0 {
                Err(budget)
            } else {
                Ok(budget)
            }
        })
    }

    /// Forgets every window.
    pub(crate) fn clear(&self) {
        self.windows
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// Records an answer (`error`: it was not 2xx/3xx) and returns the budget left.
    pub(crate) fn record(&self, ip: IpAddr, now: Instant, error: bool) -> ErrorBudget {
        self.with_window(ip, now, |w| {
            if error {
                w.errors = w.errors.saturating_add(1);
            }
            self.budget(w, now)
        })
    }
}

/// A rate-limit bucket: group, size and window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bucket {
    /// `X-Ratelimit-Group`.
    pub group: String,
    /// Tokens per window.
    pub max_tokens: u32,
    /// The floating window.
    pub window: Duration,
}

impl Bucket {
    /// `X-Ratelimit-Limit`: `150/15m`, `3600/1h`, `10/30s`.
    pub(crate) fn limit_header(&self) -> String {
        let secs = self.window.as_secs().max(1);
        let window = if secs.is_multiple_of(3600) {
            format!("{}h", secs / 3600)
        } else if secs.is_multiple_of(60) {
            format!("{}m", secs / 60)
        } else {
            format!("{secs}s")
        };
        format!("{}/{window}", self.max_tokens)
    }
}

/// Tokens an answer of `status` costs.
pub(crate) fn cost(status: u16) -> u32 {
    match status {
        200..=299 => 2,
        300..=399 => 1,
        420 | 429 => 0,
        400..=499 => 5,
        _ => 0,
    }
}

/// Tokens spent, when, oldest first.
type Ledger = VecDeque<(Instant, u32)>;

/// Spent tokens per (group, user).
#[derive(Debug, Default)]
pub(crate) struct RateLimiter {
    ledgers: Mutex<HashMap<(String, String), Ledger>>,
}

impl RateLimiter {
    fn with_ledger<T>(
        &self,
        bucket: &Bucket,
        user: &str,
        now: Instant,
        f: impl FnOnce(&mut Ledger) -> T,
    ) -> T {
        let mut ledgers = self.ledgers.lock().unwrap_or_else(PoisonError::into_inner);
        let ledger = ledgers
            .entry((bucket.group.clone(), user.to_string()))
            .or_default();
        while ledger
            .front()
            .is_some_and(|(at, _)| after(*at, bucket.window).is_some_and(|end| end <= now))
        {
            ledger.pop_front();
        }
        f(ledger)
    }

    /// Tokens left before answering; `Err(retry_after_seconds)` when the bucket is empty.
    pub(crate) fn check(&self, bucket: &Bucket, user: &str, now: Instant) -> Result<u32, u64> {
        self.with_ledger(bucket, user, now, |ledger| {
            let spent: u64 = ledger.iter().map(|(_, c)| u64::from(*c)).sum();
            let max = u64::from(bucket.max_tokens);
            if spent < max {
                return Ok((max - spent) as u32);
            }
            // Wait until enough old spending has expired to bring it below the bucket size.
            let mut still = spent;
            for (at, c) in ledger.iter() {
                still -= u64::from(*c);
                if still < max {
                    let back = after(*at, bucket.window)
                        .map_or(bucket.window.as_secs(), |end| seconds_until(now, end));
                    return Err(back.max(1));
                }
            }
            Err(bucket.window.as_secs().max(1))
        })
    }

    /// Forgets every bucket's spending.
    pub(crate) fn clear(&self) {
        self.ledgers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// Spends `cost` tokens and returns the tokens left.
    pub(crate) fn spend(&self, bucket: &Bucket, user: &str, now: Instant, cost: u32) -> u32 {
        self.with_ledger(bucket, user, now, |ledger| {
            if cost > 0 {
                ledger.push_back((now, cost));
            }
            let spent: u64 = ledger.iter().map(|(_, c)| u64::from(*c)).sum();
            u64::from(bucket.max_tokens).saturating_sub(spent) as u32
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_window_counts_down_and_resets() {
        let limiter = ErrorLimiter::new(3, Duration::from_secs(60));
        let ip = IpAddr::from([127, 0, 0, 1]);
        let t0 = Instant::now();
        assert_eq!(limiter.record(ip, t0, true).remain, 2);
        assert_eq!(limiter.record(ip, t0, false).remain, 2);
        limiter.record(ip, t0, true);
        let spent = limiter.record(ip, t0, true);
        assert_eq!(
            spent,
            ErrorBudget {
                remain: 0,
                reset: 60
            }
        );
        assert!(limiter.check(ip, t0 + Duration::from_secs(59)).is_err());
        let fresh = limiter
            .check(ip, t0 + Duration::from_secs(60))
            .expect("new window");
        assert_eq!(fresh.remain, 3);
    }

    #[test]
    fn floating_window_returns_tokens_one_window_later() {
        let bucket = Bucket {
            group: "g".into(),
            max_tokens: 10,
            window: Duration::from_secs(900),
        };
        let rl = RateLimiter::default();
        let t0 = Instant::now();
        assert_eq!(rl.spend(&bucket, "u", t0, cost(200)), 8);
        assert_eq!(
            rl.spend(&bucket, "u", t0 + Duration::from_secs(100), cost(404)),
            3
        );
        assert_eq!(
            rl.spend(&bucket, "u", t0 + Duration::from_secs(200), cost(304)),
            2
        );
        assert_eq!(
            rl.spend(&bucket, "u", t0 + Duration::from_secs(200), cost(503)),
            2
        );
        assert_eq!(
            rl.spend(&bucket, "u", t0 + Duration::from_secs(300), cost(200)),
            0
        );
        // Spent 10 of 10: refused until the first 2 tokens come back at t0 + 900.
        let at = t0 + Duration::from_secs(400);
        assert_eq!(rl.check(&bucket, "u", at), Err(500));
        assert_eq!(rl.check(&bucket, "other", at), Ok(10));
        assert_eq!(rl.check(&bucket, "u", t0 + Duration::from_secs(900)), Ok(2));
        assert_eq!(bucket.limit_header(), "10/15m");
    }
}
