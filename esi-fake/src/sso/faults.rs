//! Scripted faults: an SSO outage (every endpoint answers 5xx), a slow token endpoint, and 429
//! with `Retry-After` on the token endpoint.
//!
//! Set them from the library ([`super::FakeSso::set_faults`]) or over HTTP:
//! `POST /_fake/faults` with a [`FaultPlan`] as JSON (fields present replace the current setting,
//! zero clears it), `DELETE /_fake/faults` clears everything, `GET /_fake/faults` shows the plan.
//! The control endpoint itself is never faulted.
//!
//! ```json
//! {"outage": {"status": 503, "requests": 2},
//!  "token_delay_ms": 250,
//!  "token_rate_limit": {"retry_after": 7, "requests": 1}}
//! ```

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Every endpoint fails with `status` (502 or 503, any 5xx accepted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outage {
    /// Status to answer; 503 when omitted.
    #[serde(default = "default_outage_status")]
    pub status: u16,
    /// How many requests fail; `None` (omitted): until cleared.
    #[serde(default)]
    pub requests: Option<u32>,
}

fn default_outage_status() -> u16 {
    503
}

/// The token endpoint answers 429 with `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimit {
    /// Seconds sent in `Retry-After`.
    pub retry_after: u64,
    /// How many token requests are refused.
    pub requests: u32,
}

/// The faults in force. In [`super::FakeSso::set_faults`] and `POST /_fake/faults`, a field that
/// is `None` leaves the current setting alone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultPlan {
    /// SSO outage; `requests: Some(0)` clears it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outage: Option<Outage>,
    /// Delay before the token endpoint answers, in milliseconds; 0 clears it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_delay_ms: Option<u64>,
    /// 429 on the token endpoint; `requests: 0` clears it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_rate_limit: Option<RateLimit>,
}

/// Why a fault plan was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaultError {
    /// Outage status outside 500..=599.
    #[error("outage status must be 5xx, got {0}")]
    NotServerError(u16),
}

impl FaultPlan {
    fn validate(&self) -> Result<(), FaultError> {
        match self.outage {
            Some(o) if !(500..=599).contains(&o.status) => {
                Err(FaultError::NotServerError(o.status))
            }
            _ => Ok(()),
        }
    }
}

/// What to do with one request.
pub(crate) enum Decision {
    Pass,
    Fail(u16),
    RateLimited(u64),
    Delay(Duration),
}

/// Thread-safe fault settings.
#[derive(Default)]
pub(crate) struct Faults(Mutex<FaultPlan>);

impl Faults {
    fn lock(&self) -> MutexGuard<'_, FaultPlan> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Merges `plan` into the current settings.
    pub(crate) fn apply(&self, plan: FaultPlan) -> Result<(), FaultError> {
        plan.validate()?;
        let mut cur = self.lock();
        if let Some(o) = plan.outage {
            cur.outage = (o.requests != Some(0)).then_some(o);
        }
        if let Some(ms) = plan.token_delay_ms {
            cur.token_delay_ms = (ms > 0).then_some(ms);
        }
        if let Some(r) = plan.token_rate_limit {
            cur.token_rate_limit = (r.requests > 0).then_some(r);
        }
        Ok(())
    }

    /// Removes every fault.
    pub(crate) fn clear(&self) {
        *self.lock() = FaultPlan::default();
    }

    /// The settings in force.
    pub(crate) fn snapshot(&self) -> FaultPlan {
        self.lock().clone()
    }

    /// Decides the fate of one request and counts it against the fault budgets.
    pub(crate) fn decide(&self, is_token: bool) -> Decision {
        let mut cur = self.lock();
        if let Some(mut outage) = cur.outage {
            if let Some(n) = outage.requests.as_mut() {
                *n = n.saturating_sub(1);
            }
            cur.outage = (outage.requests != Some(0)).then_some(outage);
            return Decision::Fail(outage.status);
        }
        if !is_token {
            return Decision::Pass;
        }
        if let Some(mut limit) = cur.token_rate_limit {
            limit.requests = limit.requests.saturating_sub(1);
            cur.token_rate_limit = (limit.requests > 0).then_some(limit);
            return Decision::RateLimited(limit.retry_after);
        }
        match cur.token_delay_ms {
            Some(ms) => Decision::Delay(Duration::from_millis(ms)),
            None => Decision::Pass,
        }
    }
}
