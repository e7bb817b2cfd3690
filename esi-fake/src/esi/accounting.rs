//! Applying ESI's limiters to an answer: tokens spent or errors counted, and their headers.
//!
//! Routes with `x-rate-limit` get `X-Ratelimit-Group`, `-Limit`, `-Remaining` and `-Used`;
//! other routes get `X-ESI-Error-Limit-Remain` and `-Reset`. Never both.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use esi_codegen::model::Operation;

use super::limits::{Bucket, ErrorBudget, cost};
use super::reply::Reply;
use super::state::State;

/// The limiter context of one request.
pub(crate) struct Limiter<'s> {
    /// The server state.
    pub state: &'s State,
    /// Client address.
    pub ip: IpAddr,
    /// The route's bucket, if it is rate limited.
    pub bucket: Option<Bucket>,
    /// The rate-limit user.
    pub user: String,
    /// When the request arrived (fake clock).
    pub now: Instant,
}

impl Limiter<'_> {
    /// Accounts the answer and adds the rate-limit or error-limit headers.
    pub(crate) fn finish(&self, mut reply: Reply) -> Reply {
        match &self.bucket {
            Some(bucket) => {
                let used = cost(reply.status);
                let remaining = self.state.rates.spend(bucket, &self.user, self.now, used);
                reply.set("x-ratelimit-group", &bucket.group);
                reply.set("x-ratelimit-limit", bucket.limit_header());
                reply.set("x-ratelimit-remaining", remaining);
                reply.set("x-ratelimit-used", used);
            }
            None => {
                let budget = self
                    .state
                    .errors
                    .record(self.ip, self.now, reply.is_error());
                reply.set("x-esi-error-limit-remain", budget.remain);
                reply.set("x-esi-error-limit-reset", budget.reset);
            }
        }
        reply
    }
}

/// A 420 with the error-limit headers.
pub(crate) fn error_limited(budget: ErrorBudget) -> Reply {
    Reply::error(420, "error limited")
        .with("x-esi-error-limit-remain", budget.remain)
        .with("x-esi-error-limit-reset", budget.reset)
}

/// The bucket of a route (declared, or replaced by the configuration).
pub(crate) fn bucket_for(state: &State, op: &Operation) -> Option<Bucket> {
    let limits = &state.config.limits;
    if !limits.rate_limits {
        return None;
    }
    let declared = op.rate_limit.as_ref()?;
    let replaced = limits
        .buckets
        .get(&declared.group)
        .or_else(|| limits.buckets.get("*"));
    Some(Bucket {
        group: declared.group.clone(),
        max_tokens: replaced
            .and_then(|r| r.max_tokens)
            .unwrap_or(declared.max_tokens),
        window: replaced
            .and_then(|r| r.window)
            .unwrap_or(Duration::from_secs(declared.window_seconds)),
    })
}
