//! [`Budget`]: how much of ESI's budget the sync engine leaves to the site's own interactive
//! calls. The runtime's limits (in memory, or in Redis for every process) already keep each
//! call inside ESI's rules; this holds background jobs back earlier, while a share of each
//! rate-limit bucket and of the error window is still left.

use std::time::{Duration, Instant};

use esi_runtime::{Client, OperationInfo};

/// The share of ESI's limits kept for interactive calls.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    /// Share (0.0..1.0) of each rate-limit bucket left to interactive calls: 0.2.
    pub interactive_share: f64,
    /// Errors of ESI's error window left untouched by background jobs: 20.
    pub error_reserve: u32,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            interactive_share: 0.2,
            error_reserve: 20,
        }
    }
}

impl Budget {
    /// How long a job of `info`, acting as `character`, must wait to leave the reserve alone;
    /// `None` when it may run now.
    pub(crate) fn hold(
        &self,
        client: &Client,
        info: &OperationInfo,
        character: i64,
    ) -> Option<Duration> {
        let now = Instant::now();
        let errors = client.error_window();
        if let (Some(remain), Some(reset_at)) = (errors.remain, errors.reset_at)
            && remain.saturating_sub(errors.in_flight) <= self.error_reserve
            && reset_at > now
        {
            return Some(reset_at - now);
        }
        let rate = info.rate_limit.as_ref()?;
        let bucket = client.rate_limit_bucket(rate.group, &format!("character:{character}"))?;
        if let Some(until) = bucket.blocked_until.filter(|until| *until > now) {
            return Some(until - now);
        }
        let reserve =
            (f64::from(bucket.limit) * self.interactive_share.clamp(0.0, 1.0)).ceil() as u32;
        (bucket.limit > 0 && bucket.remaining <= reserve).then(|| {
            // Tokens come back over the window: wait for a slice of it.
            (bucket.window / 10).clamp(Duration::from_millis(200), Duration::from_secs(60))
        })
    }
}
