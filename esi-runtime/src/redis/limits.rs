//! [`RedisLimits`]: the error window and the rate-limit buckets in Redis, so every process
//! behind one IP (and every process acting for one character) spends one budget.
//!
//! Two Lua scripts make the decisions, each atomically inside Redis with Redis's own clock:
//!
//! - `acquire` (one round trip before each request): drops expired reservations, holds when
//!   the reported budget less the requests in flight (of all processes) is at the reserve, or
//!   when a bucket is blocked or nearly empty; otherwise spends the bucket's tokens and adds the
//!   request to the in-flight set.
//! - `record` (after each answer, sent in the background so it adds no latency): removes the
//!   reservation and stores the answer's error window (keeping the lowest count seen in one
//!   window) and bucket.
//!
//! Keys (under the store's prefix): `limits:error` (hash `remain`, `reset_at`; expires when the
//! window resets), `limits:in-flight` (sorted set of reservations scored by their expiry), and
//! `limits:bucket:<group>:<who>` (hash `limit`, `window`, `remaining`, `blocked_until`;
//! expires one window after its last answer). All times are milliseconds of Redis's clock.
//!
//! While Redis is down, a local [`MemoryLimits`] decides, seeded with the last shared state and
//! with a larger error reserve ([`RedisConfig::fallback_error_reserve`]), because it cannot
//! see the other processes' requests in flight.
//!
//! [`RedisConfig::fallback_error_reserve`]: super::RedisConfig::fallback_error_reserve

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use ::redis::Script;

use super::Link;
use crate::buckets::BucketState;
use crate::future::BoxFuture;
use crate::limits::{
    ASSUMED_ERROR_LIMIT, BUCKET_RESERVE, ErrorWindow, Hold, IN_FLIGHT_WAIT, LimitAnswer,
    LimitRequest, LimitStore, MemoryLimits, Permit,
};

/// Marks permits handed out by the local fallback.
const LOCAL: u64 = 1 << 63;

static ACQUIRE: LazyLock<Script> = LazyLock::new(|| Script::new(ACQUIRE_LUA));
static RECORD: LazyLock<Script> = LazyLock::new(|| Script::new(RECORD_LUA));

/// KEYS: error window, in-flight set, bucket (read only when ARGV[4] is 1).
/// ARGV: reservation, error reserve, reservation ttl ms, has bucket, bucket reserve, assumed
/// error limit, in-flight wait ms.
/// Returns {verdict (0 go, 1 error hold, 2 rate hold), wait ms, remain, reset ms, in flight,
/// bucket remaining}, -1 for unknown.
const ACQUIRE_LUA: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local reserve = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local in_flight = redis.call('ZCARD', KEYS[2])
local e = redis.call('HMGET', KEYS[1], 'remain', 'reset_at')
local remain = tonumber(e[1])
local reset_at = tonumber(e[2])
if reset_at and reset_at <= now then
  redis.call('DEL', KEYS[1])
  remain = nil
  reset_at = nil
end
local left = -1
if reset_at then left = reset_at - now end
if remain and reset_at then
  if remain - in_flight <= reserve then
    return {1, left, remain, left, in_flight, -1}
  end
elseif in_flight >= tonumber(ARGV[6]) - reserve then
  return {1, tonumber(ARGV[7]), -1, -1, in_flight, -1}
end
local bucket_left = -1
if ARGV[4] == '1' then
  local b = redis.call('HMGET', KEYS[3], 'limit', 'window', 'remaining', 'blocked_until')
  local limit = tonumber(b[1])
  if limit then
    local window = tonumber(b[2]) or 0
    local remaining = tonumber(b[3]) or limit
    local blocked = tonumber(b[4])
    if blocked then
      if blocked > now then
        return {2, blocked - now, remain or -1, left, in_flight, 0}
      end
      redis.call('HDEL', KEYS[3], 'blocked_until')
      remaining = limit
    end
    local spare = tonumber(ARGV[5])
    if remaining < spare and limit > 0 then
      local wait = math.floor(window / limit) * math.max(spare - remaining, 1)
      redis.call('HSET', KEYS[3], 'remaining', remaining + 1)
      return {2, wait, remain or -1, left, in_flight, remaining + 1}
    end
    remaining = math.max(remaining - 2, 0)
    redis.call('HSET', KEYS[3], 'remaining', remaining)
    bucket_left = remaining
  end
end
local ttl = tonumber(ARGV[3])
redis.call('ZADD', KEYS[2], now + ttl, ARGV[1])
redis.call('PEXPIRE', KEYS[2], ttl)
return {0, 0, remain or -1, left, in_flight + 1, bucket_left}
";

/// KEYS: error window, in-flight set, bucket (written only when ARGV[5] is 1).
/// ARGV: reservation, status, error remain, error reset ms, has bucket, bucket limit, bucket
/// window ms, bucket remaining, blocked ms (429), closed ms (420); -1 for absent.
/// Returns {remain, reset ms, in flight, bucket remaining, blocked ms, limit, window ms}.
const RECORD_LUA: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREM', KEYS[2], ARGV[1])
local status = tonumber(ARGV[2])
local given_remain = tonumber(ARGV[3])
local given_reset = tonumber(ARGV[4])
if status == 420 then
  local reset_at = now + tonumber(ARGV[10])
  redis.call('HSET', KEYS[1], 'remain', 0, 'reset_at', reset_at)
  redis.call('PEXPIREAT', KEYS[1], reset_at)
elseif given_remain >= 0 and given_reset >= 0 then
  local e = redis.call('HMGET', KEYS[1], 'remain', 'reset_at')
  local old_remain = tonumber(e[1])
  local old_reset = tonumber(e[2])
  local remain = given_remain
  if old_remain and old_reset and old_reset > now and old_remain < remain then
    remain = old_remain
  end
  local reset_at = now + given_reset
  if reset_at > now then
    redis.call('HSET', KEYS[1], 'remain', remain, 'reset_at', reset_at)
    redis.call('PEXPIREAT', KEYS[1], reset_at)
  else
    redis.call('DEL', KEYS[1])
  end
end
local e = redis.call('HMGET', KEYS[1], 'remain', 'reset_at')
local remain = tonumber(e[1]) or -1
local left = -1
if tonumber(e[2]) then left = math.max(tonumber(e[2]) - now, 0) end
local bucket = {-1, -1, -1, -1}
if ARGV[5] == '1' then
  local limit = tonumber(ARGV[6])
  local window = tonumber(ARGV[7])
  if redis.call('EXISTS', KEYS[3]) == 0 then
    redis.call('HSET', KEYS[3], 'remaining', limit)
  end
  redis.call('HSET', KEYS[3], 'limit', limit, 'window', window)
  if tonumber(ARGV[8]) >= 0 then
    redis.call('HSET', KEYS[3], 'remaining', ARGV[8])
  end
  local keep = window
  if status == 429 then
    local blocked_for = tonumber(ARGV[9])
    redis.call('HSET', KEYS[3], 'blocked_until', now + blocked_for, 'remaining', 0)
    if blocked_for > keep then keep = blocked_for end
  end
  if keep <= 0 then keep = 60000 end
  redis.call('PEXPIRE', KEYS[3], keep)
  local b = redis.call('HMGET', KEYS[3], 'remaining', 'blocked_until')
  local blocked_left = -1
  if tonumber(b[2]) then blocked_left = math.max(tonumber(b[2]) - now, 0) end
  bucket = {tonumber(b[1]) or -1, blocked_left, limit, window}
end
return {remain, left, redis.call('ZCARD', KEYS[2]), bucket[1], bucket[2], bucket[3], bucket[4]}
";

/// The error window and rate-limit buckets in Redis. Build it with
/// [`RedisStore::limits`](super::RedisStore::limits).
pub struct RedisLimits {
    link: Arc<Link>,
    /// Stands in while Redis is down; also mirrors what Redis last said, for snapshots and to
    /// start the fallback from the shared state.
    local: Arc<MemoryLimits>,
    /// Requests in flight in all processes, as Redis last said.
    shared_in_flight: Arc<AtomicU32>,
    error_key: String,
    in_flight_key: String,
    /// Random start of this process's reservation ids.
    salt: u64,
    next: AtomicU64,
}

impl std::fmt::Debug for RedisLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisLimits")
            .field("error_key", &self.error_key)
            .field("local", &self.local)
            .finish_non_exhaustive()
    }
}

impl RedisLimits {
    pub(crate) fn new(link: Arc<Link>) -> Self {
        RedisLimits {
            error_key: link.key("limits:error"),
            in_flight_key: link.key("limits:in-flight"),
            link,
            local: Arc::new(MemoryLimits::new()),
            shared_in_flight: Arc::new(AtomicU32::new(0)),
            salt: rand::random::<u64>(),
            next: AtomicU64::new(0),
        }
    }

    fn bucket_key(&self, group: &str, who: &str) -> String {
        self.link.key(&format!("limits:bucket:{group}:{who}"))
    }

    /// A fresh reservation id of this process (never with the local mark).
    fn next_id(&self) -> u64 {
        self.salt
            .wrapping_add(self.next.fetch_add(1, Ordering::Relaxed))
            & !LOCAL
    }

    /// The acquire script; `Err` when Redis could not decide (then the fallback does).
    async fn shared_acquire(
        &self,
        request: &LimitRequest<'_>,
    ) -> Result<Result<Permit, Hold>, super::RedisStoreError> {
        let id = self.next_id();
        let bucket_key = request
            .rate_limit
            .map(|rl| self.bucket_key(rl.group, request.who));
        let mut invocation = ACQUIRE.prepare_invoke();
        invocation
            .key(&self.error_key)
            .key(&self.in_flight_key)
            .key(bucket_key.as_deref().unwrap_or(&self.error_key))
            .arg(member(id))
            .arg(request.error_reserve)
            .arg(millis(self.link.config.permit_ttl).max(1_000))
            .arg(u8::from(bucket_key.is_some()))
            .arg(BUCKET_RESERVE)
            .arg(ASSUMED_ERROR_LIMIT)
            .arg(millis(IN_FLIGHT_WAIT));
        let reply: Vec<i64> = self.link.invoke(&invocation).await?;
        let field = |i: usize| reply.get(i).copied().unwrap_or(-1);
        let now = Instant::now();
        self.local
            .set_error(known(field(2)).map(saturate), at(now, field(3)));
        self.shared_in_flight
            .store(known(field(4)).map_or(0, saturate), Ordering::Relaxed);
        let wait = Duration::from_millis(u64::try_from(field(1)).unwrap_or(0));
        Ok(match field(0) {
            0 => Ok(Permit::new(id)),
            1 => Err(Hold::ErrorLimit(wait)),
            _ => Err(Hold::RateLimit {
                group: request
                    .rate_limit
                    .map(|rl| rl.group.to_string())
                    .unwrap_or_default(),
                wait,
            }),
        })
    }

    /// The fallback: this process's own state, with the larger reserve.
    fn local_acquire(&self, request: LimitRequest<'_>) -> Result<Permit, Hold> {
        let request = LimitRequest {
            error_reserve: request
                .error_reserve
                .max(self.link.config.fallback_error_reserve),
            ..request
        };
        self.local.try_acquire(&request)?;
        Ok(Permit::new(self.next_id() | LOCAL))
    }

    /// Sends the record script in the background (or inline without a runtime).
    fn send_record(&self, id: u64, request: &LimitRequest<'_>, answer: &LimitAnswer) {
        let group = answer.group.clone();
        let bucket_key = group.as_deref().map(|g| self.bucket_key(g, request.who));
        let (limit, window) = answer.bucket_limit.unwrap_or((0, Duration::ZERO));
        let args: [i64; 9] = [
            i64::from(answer.status),
            answer.error_remain.map_or(-1, i64::from),
            answer.error_reset.map_or(-1, |d| signed(millis(d))),
            i64::from(bucket_key.is_some()),
            i64::from(limit),
            signed(millis(window)),
            answer.bucket_remaining.map_or(-1, i64::from),
            signed(millis(answer.blocked_for())),
            signed(millis(answer.closed_for())),
        ];
        let link = self.link.clone();
        let local = self.local.clone();
        let shared_in_flight = self.shared_in_flight.clone();
        let error_key = self.error_key.clone();
        let in_flight_key = self.in_flight_key.clone();
        let who = request.who.to_string();
        let task = async move {
            let mut invocation = RECORD.prepare_invoke();
            invocation
                .key(&error_key)
                .key(&in_flight_key)
                .key(bucket_key.as_deref().unwrap_or(&error_key))
                .arg(member(id));
            for arg in args {
                invocation.arg(arg);
            }
            let Ok(reply) = link.invoke::<Vec<i64>>(&invocation).await else {
                // The reservation expires by itself; the local mirror already has the answer.
                return;
            };
            let field = |i: usize| reply.get(i).copied().unwrap_or(-1);
            let now = Instant::now();
            local.set_error(known(field(0)).map(saturate), at(now, field(1)));
            shared_in_flight.store(known(field(2)).map_or(0, saturate), Ordering::Relaxed);
            if let (Some(group), Some(remaining)) = (group, known(field(3))) {
                let state = BucketState {
                    limit: saturate(field(5).max(0)),
                    window: Duration::from_millis(u64::try_from(field(6)).unwrap_or(0)),
                    remaining: saturate(remaining),
                    blocked_until: at(now, field(4)),
                };
                local.set_bucket(&group, &who, state);
            }
        };
        spawn_or_run(task);
    }

    fn send_release(&self, id: u64) {
        if self.link.is_down() {
            return;
        }
        let link = self.link.clone();
        let key = self.in_flight_key.clone();
        spawn_or_run(async move {
            let mut cmd = ::redis::cmd("ZREM");
            cmd.arg(key).arg(member(id));
            // Best effort: the reservation expires by itself.
            let _ = link.query::<i64>(&cmd).await;
        });
    }
}

impl LimitStore for RedisLimits {
    fn acquire<'a>(&'a self, request: LimitRequest<'a>) -> BoxFuture<'a, Result<Permit, Hold>> {
        Box::pin(async move {
            if !self.link.is_down()
                && let Ok(decision) = self.shared_acquire(&request).await
            {
                return decision;
            }
            self.local_acquire(request)
        })
    }

    fn record<'a>(
        &'a self,
        permit: Permit,
        request: LimitRequest<'a>,
        answer: &'a LimitAnswer,
    ) -> BoxFuture<'a, ()> {
        if permit.id() & LOCAL != 0 {
            self.local.observe(&request, answer);
        } else {
            // The answer is known here at once; Redis learns it in the background.
            self.local.note(&request, answer);
            if !self.link.is_down() {
                self.send_record(permit.id(), &request, answer);
            }
        }
        Box::pin(std::future::ready(()))
    }

    fn release(&self, permit: Permit) {
        if permit.id() & LOCAL != 0 {
            self.local.free();
        } else {
            self.send_release(permit.id());
        }
    }

    fn error_window(&self) -> ErrorWindow {
        let mut window = self.local.error_window();
        if !self.link.is_down() {
            window.in_flight = self.shared_in_flight.load(Ordering::Relaxed);
        }
        window
    }

    fn bucket(&self, group: &str, who: &str) -> Option<BucketState> {
        self.local.bucket(group, who)
    }
}

/// Runs `task` on the current tokio runtime in the background, or (outside one) not at all:
/// every reservation expires by itself.
fn spawn_or_run(task: impl std::future::Future<Output = ()> + Send + 'static) {
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(task);
    }
}

fn member(id: u64) -> String {
    format!("{id:016x}")
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn signed(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn known(n: i64) -> Option<i64> {
    (n >= 0).then_some(n)
}

fn saturate(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// `now` plus `ms` milliseconds; `None` for -1.
fn at(now: Instant, ms: i64) -> Option<Instant> {
    let ms = u64::try_from(ms).ok()?;
    now.checked_add(Duration::from_millis(ms))
}
