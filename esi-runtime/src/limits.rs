//! ESI's two limits, tracked from response headers and shared by every clone of a client
//! (and, with a shared [`LimitStore`], by every process).
//!
//! - Error limit: `X-ESI-Error-Limit-Remain`/`-Reset`, 100 errors a minute per source IP, then
//!   420 on every route. Requests are held (or refused, by policy) while the remaining budget,
//!   minus the requests already in flight, is at the reserve, and everything pauses after a 420
//!   until the window resets.
//! - Rate limit: one floating-window bucket per group (`x-rate-limit`) and character, read
//!   from `X-Ratelimit-*`; a 429 blocks its bucket for `Retry-After`, and a nearly empty bucket
//!   slows down before ESI has to refuse.
//!
//! The pipeline (`send.rs`) asks a [`LimitStore`] for a [`Permit`] before each request and
//! hands the permit back with the answer's headers ([`LimitAnswer`]). Each of those is one
//! atomic step of the store, so concurrent requests (tasks or processes) never decide from the
//! same stale reading. [`MemoryLimits`] is the in-process default; the `redis` feature adds a
//! store shared by every process that uses one Redis.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http::HeaderMap;

use crate::buckets::{BucketState, BucketTable};
use crate::future::BoxFuture;
use crate::operation::{OperationInfo, RateLimitInfo};

/// The longest an answer's headers can hold the error window, a rate-limit bucket or a route
/// (`X-ESI-Error-Limit-Reset`, `Retry-After`): a larger value counts as this. ESI's own are
/// seconds to minutes; a server (or whatever answers in its place) saying years must not stop
/// the client for years, nor overflow a clock.
pub const MAX_LIMIT_WAIT: Duration = Duration::from_secs(3600);

/// The longest rate-limit window an `X-Ratelimit-Limit` header can set (`150/15m`); a larger
/// one counts as this.
pub const MAX_BUCKET_WINDOW: Duration = Duration::from_secs(24 * 3600);

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

/// Why a request may not go now, and for how long.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Hold {
    /// The error window is (nearly) spent until it resets.
    ErrorLimit(Duration),
    /// A rate bucket is empty or blocked.
    RateLimit {
        /// The bucket's group.
        group: String,
        /// How long to wait.
        wait: Duration,
    },
}

impl Hold {
    /// How long to wait before asking again.
    pub fn wait(&self) -> Duration {
        match self {
            Hold::ErrorLimit(d) => *d,
            Hold::RateLimit { wait, .. } => *wait,
        }
    }
}

/// A snapshot of the error window, for callers and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ErrorWindow {
    /// Errors ESI said remain, if it said.
    pub remain: Option<u32>,
    /// When the window resets.
    pub reset_at: Option<Instant>,
    /// Requests in flight now.
    pub in_flight: u32,
}

/// What one request asks of a [`LimitStore`].
#[derive(Debug, Clone, Copy)]
pub struct LimitRequest<'a> {
    /// Operation id, for logs.
    pub operation: &'static str,
    /// Whose bucket: `public`, or the token's character (`character:<id>`).
    pub who: &'a str,
    /// The operation's rate-limit group, from the spec.
    pub rate_limit: Option<&'a RateLimitInfo>,
    /// Errors to keep in reserve: hold once only this many remain.
    pub error_reserve: u32,
}

/// The limit headers of one answer, parsed once by the pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitAnswer {
    /// HTTP status.
    pub status: u16,
    /// `X-ESI-Error-Limit-Remain`.
    pub error_remain: Option<u32>,
    /// `X-ESI-Error-Limit-Reset`.
    pub error_reset: Option<Duration>,
    /// `X-Ratelimit-Group`, else the operation's group.
    pub group: Option<String>,
    /// `X-Ratelimit-Limit` (`150/15m`), else the operation's declared bucket.
    pub bucket_limit: Option<(u32, Duration)>,
    /// `X-Ratelimit-Remaining`.
    pub bucket_remaining: Option<u32>,
    /// `Retry-After` (of a 429).
    pub retry_after: Option<Duration>,
}

impl LimitAnswer {
    /// Reads the limit headers of an answer to an operation with `rate_limit`.
    pub fn from_headers(
        rate_limit: Option<&RateLimitInfo>,
        status: u16,
        headers: &HeaderMap,
    ) -> Self {
        let group = headers
            .get("x-ratelimit-group")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .or_else(|| rate_limit.map(|rl| rl.group.to_string()));
        let bucket_limit = headers
            .get("x-ratelimit-limit")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_limit)
            .or_else(|| {
                rate_limit.map(|rl| (rl.max_tokens, Duration::from_secs(rl.window_seconds)))
            });
        LimitAnswer {
            status,
            error_remain: number(headers, "x-esi-error-limit-remain").map(saturate),
            error_reset: number(headers, "x-esi-error-limit-reset").map(capped_secs),
            group,
            bucket_limit,
            bucket_remaining: number(headers, "x-ratelimit-remaining").map(saturate),
            retry_after: number(headers, "retry-after").map(capped_secs),
        }
    }

    /// How long the error window stays closed after this answer, if it is a 420 (at most
    /// [`MAX_LIMIT_WAIT`]).
    pub(crate) fn closed_for(&self) -> Duration {
        self.error_reset
            .unwrap_or(Duration::from_secs(60))
            .clamp(Duration::from_secs(1), MAX_LIMIT_WAIT)
    }

    /// How long a 429 blocks its bucket (at most [`MAX_LIMIT_WAIT`]).
    pub(crate) fn blocked_for(&self) -> Duration {
        self.retry_after
            .unwrap_or(Duration::from_secs(60))
            .clamp(Duration::from_secs(1), MAX_LIMIT_WAIT)
    }
}

/// A request's reservation in the error window, handed out by [`LimitStore::acquire`] and given
/// back with [`LimitStore::record`] (or [`LimitStore::release`] when no answer came).
#[derive(Debug, PartialEq, Eq)]
pub struct Permit {
    id: u64,
}

impl Permit {
    /// A permit a store knows by `id`.
    pub fn new(id: u64) -> Self {
        Permit { id }
    }

    /// The store's id of this permit.
    pub fn id(&self) -> u64 {
        self.id
    }
}

/// Where the limit state lives: in this process ([`MemoryLimits`], the default) or shared by
/// every process of an application (Redis, with the `redis` feature).
///
/// Each method is one atomic decision: an implementation must never let two requests decide
/// from the same reading (no read-modify-write across calls).
pub trait LimitStore: Send + Sync {
    /// Reserves a slot for one request (counting it in flight, and spending its bucket's
    /// tokens), or says how long to hold.
    fn acquire<'a>(&'a self, request: LimitRequest<'a>) -> BoxFuture<'a, Result<Permit, Hold>>;
    /// Records an answer's limit headers and frees the permit's slot.
    fn record<'a>(
        &'a self,
        permit: Permit,
        request: LimitRequest<'a>,
        answer: &'a LimitAnswer,
    ) -> BoxFuture<'a, ()>;
    /// Frees a permit whose request got no answer (transport error, cancelled call). Must not
    /// block: shared stores send it in the background.
    fn release(&self, permit: Permit);
    /// The error window as this store last saw it.
    fn error_window(&self) -> ErrorWindow;
    /// A rate-limit bucket as this store last saw it.
    fn bucket(&self, group: &str, who: &str) -> Option<BucketState>;
}

/// Tokens a bucket keeps in reserve before the client slows down.
pub(crate) const BUCKET_RESERVE: u32 = 5;

/// ESI's documented error budget per window: while no answer has said how many errors remain,
/// at most this many requests (less the reserve) are in flight at once.
pub(crate) const ASSUMED_ERROR_LIMIT: u32 = 100;

/// How long a request waits when only the unknown window's in-flight cap holds it.
pub(crate) const IN_FLIGHT_WAIT: Duration = Duration::from_millis(50);

/// Limit state of one process: the default [`LimitStore`].
#[derive(Debug, Default)]
pub struct MemoryLimits {
    error: Mutex<ErrorWindow>,
    buckets: Mutex<BucketTable>,
}

impl MemoryLimits {
    /// Empty state: nothing known yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reserves a slot, synchronously.
    pub(crate) fn try_acquire(&self, request: &LimitRequest<'_>) -> Result<(), Hold> {
        let now = Instant::now();
        // The error lock is held to the end, so the check and the reservation are one step.
        let mut error = lock(&self.error);
        if error.reset_at.is_some_and(|at| at <= now) {
            error.remain = None;
            error.reset_at = None;
        }
        if let Some(hold) = error_hold(&error, request.error_reserve, now) {
            return Err(hold);
        }
        if let Some(rl) = request.rate_limit {
            let mut buckets = lock(&self.buckets);
            if let Some(bucket) = buckets.get_mut(rl.group, request.who, now) {
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
        error.in_flight += 1;
        Ok(())
    }

    /// Records an answer and frees its slot, synchronously.
    pub(crate) fn observe(&self, request: &LimitRequest<'_>, answer: &LimitAnswer) {
        self.free();
        self.note(request, answer);
    }

    /// Records what an answer says, without freeing a slot.
    pub(crate) fn note(&self, request: &LimitRequest<'_>, answer: &LimitAnswer) {
        let now = Instant::now();
        {
            let mut error = lock(&self.error);
            if answer.status == 420 {
                error.remain = Some(0);
                error.reset_at = Some(now + answer.closed_for());
            } else if let (Some(remain), Some(reset)) = (answer.error_remain, answer.error_reset) {
                // Answers of one window can arrive out of order: keep the lowest count seen.
                let same_window = error.reset_at.is_some_and(|at| at > now);
                error.remain = Some(match (same_window, error.remain) {
                    (true, Some(old)) => old.min(remain),
                    _ => remain,
                });
                error.reset_at = Some(now + reset);
            }
        }
        let Some(group) = answer.group.clone() else {
            return;
        };
        let (limit, window) = answer.bucket_limit.unwrap_or((0, Duration::ZERO));
        let mut buckets = lock(&self.buckets);
        let entry = buckets.entry(
            group,
            request.who,
            now,
            BucketState {
                limit,
                window,
                remaining: limit,
                blocked_until: None,
            },
        );
        entry.limit = limit;
        entry.window = window;
        if let Some(remaining) = answer.bucket_remaining {
            entry.remaining = remaining;
        }
        if answer.status == 429 {
            entry.blocked_until = Some(now + answer.blocked_for());
            entry.remaining = 0;
        }
    }

    /// Frees a slot without an answer.
    pub(crate) fn free(&self) {
        let mut error = lock(&self.error);
        error.in_flight = error.in_flight.saturating_sub(1);
    }

    /// Overwrites the error window with what a shared store said.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn set_error(&self, remain: Option<u32>, reset_at: Option<Instant>) {
        let mut error = lock(&self.error);
        error.remain = remain;
        error.reset_at = reset_at;
    }

    /// Overwrites a bucket with what a shared store said.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn set_bucket(&self, group: &str, who: &str, state: BucketState) {
        *lock(&self.buckets).entry(group.to_string(), who, Instant::now(), state) = state;
    }
}

/// Whether the error window holds a request: the budget ESI reported, less what is in flight,
/// is at the reserve; or, with nothing reported yet, ESI's documented budget is in flight.
pub(crate) fn error_hold(error: &ErrorWindow, reserve: u32, now: Instant) -> Option<Hold> {
    match (error.remain, error.reset_at) {
        (Some(remain), Some(reset_at)) if remain.saturating_sub(error.in_flight) <= reserve => {
            Some(Hold::ErrorLimit(reset_at.saturating_duration_since(now)))
        }
        (None, _) if error.in_flight >= ASSUMED_ERROR_LIMIT.saturating_sub(reserve) => {
            Some(Hold::ErrorLimit(IN_FLIGHT_WAIT))
        }
        _ => None,
    }
}

impl LimitStore for MemoryLimits {
    fn acquire<'a>(&'a self, request: LimitRequest<'a>) -> BoxFuture<'a, Result<Permit, Hold>> {
        let out = self.try_acquire(&request).map(|()| Permit::new(0));
        Box::pin(std::future::ready(out))
    }

    fn record<'a>(
        &'a self,
        _permit: Permit,
        request: LimitRequest<'a>,
        answer: &'a LimitAnswer,
    ) -> BoxFuture<'a, ()> {
        self.observe(&request, answer);
        Box::pin(std::future::ready(()))
    }

    fn release(&self, _permit: Permit) {
        self.free();
    }

    fn error_window(&self) -> ErrorWindow {
        *lock(&self.error)
    }

    fn bucket(&self, group: &str, who: &str) -> Option<BucketState> {
        lock(&self.buckets).get(group, who)
    }
}

/// The limits of one client and its clones: the policy, the reserve, the store, and the
/// routes a 429 paused.
pub(crate) struct Limits {
    pub(crate) policy: LimitPolicy,
    /// Errors kept in reserve: requests hold when the budget falls to this.
    error_reserve: u32,
    store: Arc<dyn LimitStore>,
    paused: RoutePauses,
}

/// Routes without a rate-limit group in the spec that answered 429: each is paused, for the
/// caller that was refused, until its `Retry-After` (grouped routes pause through their bucket
/// in the store). Kept in this process.
#[derive(Debug, Default)]
struct RoutePauses {
    until: Mutex<HashMap<(&'static str, String), Instant>>,
}

impl RoutePauses {
    fn hold(&self, operation: &'static str, who: &str) -> Option<Hold> {
        let now = Instant::now();
        let mut until = lock(&self.until);
        until.retain(|_, at| *at > now);
        let at = until.get(&(operation, who.to_string()))?;
        Some(Hold::RateLimit {
            group: format!("route {operation}"),
            wait: at.saturating_duration_since(now),
        })
    }

    fn pause(&self, operation: &'static str, who: &str, wait: Duration) {
        let at = Instant::now() + wait.min(MAX_LIMIT_WAIT);
        let mut until = lock(&self.until);
        let entry = until.entry((operation, who.to_string())).or_insert(at);
        *entry = (*entry).max(at);
    }
}

impl fmt::Debug for Limits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Limits")
            .field("policy", &self.policy)
            .field("error_reserve", &self.error_reserve)
            .finish_non_exhaustive()
    }
}

impl Limits {
    pub(crate) fn new(policy: LimitPolicy, error_reserve: u32, store: Arc<dyn LimitStore>) -> Self {
        Limits {
            policy,
            error_reserve,
            store,
            paused: RoutePauses::default(),
        }
    }

    pub(crate) fn error_window(&self) -> ErrorWindow {
        self.store.error_window()
    }

    /// Errors kept in reserve (`ClientBuilder::error_reserve`).
    pub(crate) fn error_reserve(&self) -> u32 {
        self.error_reserve
    }

    pub(crate) fn bucket(&self, group: &str, who: &str) -> Option<BucketState> {
        self.store.bucket(group, who)
    }

    fn request<'a>(&self, info: &'a OperationInfo, who: &'a str) -> LimitRequest<'a> {
        LimitRequest {
            operation: info.id,
            who,
            rate_limit: info.rate_limit.as_ref(),
            error_reserve: self.error_reserve,
        }
    }

    /// Reserves a slot for one request, or says how long to hold.
    pub(crate) async fn try_acquire<'a>(
        &'a self,
        info: &'a OperationInfo,
        who: &'a str,
    ) -> Result<Slot<'a>, Hold> {
        let request = self.request(info, who);
        if request.rate_limit.is_none()
            && let Some(hold) = self.paused.hold(info.id, who)
        {
            return Err(hold);
        }
        let permit = self.store.acquire(request).await?;
        Ok(Slot {
            store: &*self.store,
            paused: &self.paused,
            request,
            permit: Some(permit),
        })
    }
}

/// A request's slot; released when dropped without an answer.
pub(crate) struct Slot<'a> {
    store: &'a dyn LimitStore,
    paused: &'a RoutePauses,
    request: LimitRequest<'a>,
    permit: Option<Permit>,
}

impl Slot<'_> {
    /// Records the answer's limit headers and frees the slot.
    pub(crate) async fn record(mut self, status: u16, headers: &HeaderMap) {
        let answer = LimitAnswer::from_headers(self.request.rate_limit, status, headers);
        if status == 429 && self.request.rate_limit.is_none() {
            self.paused.pause(
                self.request.operation,
                self.request.who,
                answer.blocked_for(),
            );
        }
        if let Some(permit) = self.permit.take() {
            self.store.record(permit, self.request, &answer).await;
        }
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        if let Some(permit) = self.permit.take() {
            self.store.release(permit);
        }
    }
}

/// `150/15m` → (150, 900 s).
pub(crate) fn parse_limit(text: &str) -> Option<(u32, Duration)> {
    let (tokens, window) = text.split_once('/')?;
    let tokens = tokens.trim().parse().ok()?;
    let window = window.trim();
    let split = window.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = window.split_at(split);
    let n: u64 = n.parse().ok()?;
    let secs = match unit {
        "s" => n,
        "m" => n.checked_mul(60)?,
        "h" => n.checked_mul(3600)?,
        _ => return None,
    };
    Some((tokens, Duration::from_secs(secs).min(MAX_BUCKET_WINDOW)))
}

/// A header's seconds, at most [`MAX_LIMIT_WAIT`].
fn capped_secs(secs: u64) -> Duration {
    Duration::from_secs(secs).min(MAX_LIMIT_WAIT)
}

fn number(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

fn saturate(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
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
        assert_eq!(parse_limit("1/99999999999999999999h"), None);
    }

    const WALLET: RateLimitInfo = RateLimitInfo {
        group: "char-wallet",
        max_tokens: 150,
        window_seconds: 900,
    };

    fn ask(reserve: u32) -> LimitRequest<'static> {
        LimitRequest {
            operation: "test",
            who: "character:1",
            rate_limit: Some(&WALLET),
            error_reserve: reserve,
        }
    }

    fn answer(status: u16, pairs: &[(&'static str, &str)]) -> LimitAnswer {
        let mut headers = HeaderMap::new();
        for (k, v) in pairs {
            headers.insert(*k, v.parse().expect("header"));
        }
        LimitAnswer::from_headers(Some(&WALLET), status, &headers)
    }

    #[test]
    fn in_flight_requests_count_against_the_reported_budget() {
        let limits = MemoryLimits::new();
        limits.try_acquire(&ask(2)).expect("first");
        limits.observe(
            &ask(2),
            &answer(
                404,
                &[
                    ("x-esi-error-limit-remain", "5"),
                    ("x-esi-error-limit-reset", "30"),
                ],
            ),
        );
        // 5 remain, reserve 2: three may be in flight at once, the fourth holds.
        for _ in 0..3 {
            limits.try_acquire(&ask(2)).expect("within budget");
        }
        let hold = limits.try_acquire(&ask(2)).expect_err("budget spent");
        assert!(matches!(hold, Hold::ErrorLimit(d) if d > Duration::from_secs(25)));
        assert_eq!(limits.error_window().in_flight, 3);
        limits.free();
        limits
            .try_acquire(&ask(2))
            .expect("a freed slot is reusable");
    }

    #[test]
    fn unknown_window_caps_requests_in_flight_at_the_documented_budget() {
        let limits = MemoryLimits::new();
        for _ in 0..90 {
            limits.try_acquire(&ask(10)).expect("below 100 - reserve");
        }
        assert_eq!(
            limits.try_acquire(&ask(10)),
            Err(Hold::ErrorLimit(IN_FLIGHT_WAIT))
        );
    }

    #[test]
    fn hostile_limit_headers_saturate_at_the_documented_caps() {
        let huge = u64::MAX.to_string();
        // A 420 whose reset is 2^64-1 s, and a 429 whose Retry-After is: neither panics (the
        // clock would overflow), and each holds for at most MAX_LIMIT_WAIT.
        let limits = MemoryLimits::new();
        limits.try_acquire(&ask(2)).expect("first");
        limits.observe(&ask(2), &answer(420, &[("x-esi-error-limit-reset", &huge)]));
        let hold = limits
            .try_acquire(&ask(2))
            .expect_err("error window closed");
        assert!(
            matches!(hold, Hold::ErrorLimit(wait) if wait <= MAX_LIMIT_WAIT && wait > Duration::from_secs(3500))
        );

        let limits = MemoryLimits::new();
        limits.try_acquire(&ask(2)).expect("first");
        limits.observe(
            &ask(2),
            &answer(
                429,
                &[
                    ("retry-after", &huge),
                    ("x-ratelimit-limit", "150/999999999999h"),
                ],
            ),
        );
        let hold = limits.try_acquire(&ask(2)).expect_err("bucket blocked");
        assert!(hold.wait() <= MAX_LIMIT_WAIT, "{hold:?}");
        let bucket = limits.bucket("char-wallet", "character:1").expect("bucket");
        assert_eq!(bucket.window, MAX_BUCKET_WINDOW);

        // The pipeline's own pause of an ungrouped route.
        let pauses = RoutePauses::default();
        pauses.pause("test", "public", Duration::MAX);
        let hold = pauses.hold("test", "public").expect("paused");
        assert!(hold.wait() <= MAX_LIMIT_WAIT);
    }

    #[test]
    fn a_429_blocks_its_bucket_and_a_low_bucket_slows_down() {
        let limits = MemoryLimits::new();
        limits.try_acquire(&ask(2)).expect("first");
        limits.observe(
            &ask(2),
            &answer(
                429,
                &[("retry-after", "7"), ("x-ratelimit-limit", "150/15m")],
            ),
        );
        let hold = limits.try_acquire(&ask(2)).expect_err("blocked");
        assert!(
            matches!(hold, Hold::RateLimit { ref group, wait } if group == "char-wallet" && wait > Duration::from_secs(6))
        );
        let bucket = limits.bucket("char-wallet", "character:1").expect("bucket");
        assert_eq!(bucket.remaining, 0);
        assert_eq!(bucket.limit, 150);

        let limits = MemoryLimits::new();
        limits.try_acquire(&ask(2)).expect("first");
        limits.observe(
            &ask(2),
            &answer(
                200,
                &[
                    ("x-ratelimit-remaining", "3"),
                    ("x-ratelimit-limit", "150/15m"),
                ],
            ),
        );
        let hold = limits.try_acquire(&ask(2)).expect_err("nearly empty");
        assert_eq!(hold.wait(), Duration::from_secs(6) * 2);
    }
}
