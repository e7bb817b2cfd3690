//! ESI's two limits, tracked from response headers and shared by every clone of a client.
//!
//! - Error limit: `X-ESI-Error-Limit-Remain`/`-Reset`, 100 errors a minute, then 420 on every
//!   route. Requests are held (or refused, by policy) while the remaining budget, minus the
//!   requests already in flight, is at the threshold, and everything pauses after a 420 until
//!   the window resets.
//! - Rate limit: one floating-window bucket per group (`x-rate-limit`) and character, read
//!   from `X-Ratelimit-*`; a 429 blocks its bucket for `Retry-After`, and a nearly empty bucket
//!   slows down before ESI has to refuse.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use http::HeaderMap;

use crate::operation::OperationInfo;

/// What to do when a limit says "not now".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitPolicy {
    /// Wait, up to `max_wait`, then go on; longer waits fail.
    Wait {
        /// The longest single wait.
        max_wait: Duration,
    },
    /// Fail at once with [`Error::ErrorLimited`](crate::Error::ErrorLimited) or
    /// [`Error::RateLimited`](crate::Error::RateLimited).
    FailFast,
}

impl Default for LimitPolicy {
    fn default() -> Self {
        LimitPolicy::Wait {
            max_wait: Duration::from_secs(65),
        }
    }
}

/// Why a request may not go now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Hold {
    /// The error window is (nearly) spent until it resets.
    ErrorLimit(Duration),
    /// A rate bucket is empty or blocked.
    RateLimit { group: String, wait: Duration },
}

impl Hold {
    pub(crate) fn wait(&self) -> Duration {
        match self {
            Hold::ErrorLimit(d) => *d,
            Hold::RateLimit { wait, .. } => *wait,
        }
    }
}

/// A snapshot of the error window, for callers and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorWindow {
    /// Errors ESI said remain, if it said.
    pub remain: Option<u32>,
    /// When the window resets.
    pub reset_at: Option<Instant>,
    /// Requests in flight now.
    pub in_flight: u32,
}

/// A snapshot of one rate-limit bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BucketState {
    /// Tokens in the bucket.
    pub limit: u32,
    /// Floating window.
    pub window: Duration,
    /// Tokens ESI said remain.
    pub remaining: u32,
    /// Blocked until then after a 429.
    pub blocked_until: Option<Instant>,
}

/// Shared limit state of one client and its clones.
#[derive(Debug)]
pub(crate) struct Limits {
    pub(crate) policy: LimitPolicy,
    /// Errors kept in reserve: requests hold when the budget falls to this.
    error_reserve: u32,
    error: Mutex<ErrorWindow>,
    buckets: Mutex<HashMap<(String, String), BucketState>>,
}

/// Tokens a bucket keeps in reserve before the client slows down.
const BUCKET_RESERVE: u32 = 5;

impl Limits {
    pub(crate) fn new(policy: LimitPolicy, error_reserve: u32) -> Self {
        Limits {
            policy,
            error_reserve,
            error: Mutex::new(ErrorWindow {
                remain: None,
                reset_at: None,
                in_flight: 0,
            }),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn error_window(&self) -> ErrorWindow {
        *lock(&self.error)
    }

    pub(crate) fn bucket(&self, group: &str, who: &str) -> Option<BucketState> {
        lock(&self.buckets)
            .get(&(group.to_string(), who.to_string()))
            .copied()
    }

    /// Reserves a slot for one request, or says how long to hold.
    pub(crate) fn try_acquire(&self, info: &OperationInfo, who: &str) -> Result<Slot<'_>, Hold> {
        let now = Instant::now();
        if let Some(rl) = info.rate_limit {
            let mut buckets = lock(&self.buckets);
            if let Some(bucket) = buckets.get_mut(&(rl.group.to_string(), who.to_string())) {
                if let Some(until) = bucket.blocked_until {
                    if until > now {
                        return Err(Hold::RateLimit {
                            group: rl.group.to_string(),
                            wait: until - now,
                        });
                    }
                    // ESI said when to come back; the next answer tells the real count.
                    bucket.blocked_until = None;
                    bucket.remaining = bucket.limit;
                }
                if bucket.remaining < BUCKET_RESERVE && bucket.limit > 0 {
                    // Floating window: about window/limit for each token to come back.
                    let per_token = bucket.window / bucket.limit;
                    let wait = per_token * (BUCKET_RESERVE - bucket.remaining).max(1);
                    bucket.remaining += 1;
                    return Err(Hold::RateLimit {
                        group: rl.group.to_string(),
                        wait,
                    });
                }
                bucket.remaining = bucket.remaining.saturating_sub(2);
            }
        }
        let mut error = lock(&self.error);
        if error.reset_at.is_some_and(|at| at <= now) {
            error.remain = None;
            error.reset_at = None;
        }
        if let (Some(remain), Some(reset_at)) = (error.remain, error.reset_at)
            && remain.saturating_sub(error.in_flight) <= self.error_reserve
        {
            return Err(Hold::ErrorLimit(reset_at.saturating_duration_since(now)));
        }
        error.in_flight += 1;
        Ok(Slot { limits: self })
    }

    /// Reads the limit headers of an answer.
    pub(crate) fn observe(
        &self,
        info: &OperationInfo,
        who: &str,
        status: u16,
        headers: &HeaderMap,
    ) {
        let now = Instant::now();
        let remain = number(headers, "x-esi-error-limit-remain");
        let reset = number(headers, "x-esi-error-limit-reset");
        {
            let mut error = lock(&self.error);
            if status == 420 {
                error.remain = Some(0);
                error.reset_at = Some(now + Duration::from_secs(reset.unwrap_or(60).max(1)));
            } else if let (Some(remain), Some(reset)) = (remain, reset) {
                let remain = u32::try_from(remain).unwrap_or(u32::MAX);
                // Answers of one window can arrive out of order: keep the lowest count seen.
                let same_window = error.reset_at.is_some_and(|at| at > now);
                error.remain = Some(match (same_window, error.remain) {
                    (true, Some(old)) => old.min(remain),
                    _ => remain,
                });
                error.reset_at = Some(now + Duration::from_secs(reset));
            }
        }
        let group = headers
            .get("x-ratelimit-group")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .or_else(|| info.rate_limit.map(|rl| rl.group.to_string()));
        let Some(group) = group else { return };
        let mut buckets = lock(&self.buckets);
        let key = (group, who.to_string());
        let (limit, window) = headers
            .get("x-ratelimit-limit")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_limit)
            .or_else(|| {
                info.rate_limit
                    .map(|rl| (rl.max_tokens, Duration::from_secs(rl.window_seconds)))
            })
            .unwrap_or((0, Duration::ZERO));
        let entry = buckets.entry(key).or_insert(BucketState {
            limit,
            window,
            remaining: limit,
            blocked_until: None,
        });
        entry.limit = limit;
        entry.window = window;
        if let Some(remaining) = number(headers, "x-ratelimit-remaining") {
            entry.remaining = u32::try_from(remaining).unwrap_or(u32::MAX);
        }
        if status == 429 {
            let retry_after = number(headers, "retry-after").unwrap_or(60).max(1);
            entry.blocked_until = Some(now + Duration::from_secs(retry_after));
            entry.remaining = 0;
        }
    }

    fn release(&self) {
        let mut error = lock(&self.error);
        error.in_flight = error.in_flight.saturating_sub(1);
    }
}

/// A request slot; released when dropped.
#[derive(Debug)]
pub(crate) struct Slot<'a> {
    limits: &'a Limits,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.limits.release();
    }
}

/// `150/15m` → (150, 900 s).
fn parse_limit(text: &str) -> Option<(u32, Duration)> {
    let (tokens, window) = text.split_once('/')?;
    let tokens = tokens.trim().parse().ok()?;
    let window = window.trim();
    let split = window.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = window.split_at(split);
    let n: u64 = n.parse().ok()?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return None,
    };
    Some((tokens, Duration::from_secs(secs)))
}

fn number(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_parse() {
        assert_eq!(
            parse_limit("150/15m"),
            Some((150, Duration::from_secs(900)))
        );
        assert_eq!(
            parse_limit("12000/1h"),
            Some((12000, Duration::from_secs(3600)))
        );
        assert_eq!(parse_limit("x/1h"), None);
    }
}
