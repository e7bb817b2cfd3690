//! [`RetryPolicy`] and the pieces of a retry decision: which failures may be retried for which
//! kind of request, how long to wait (`Retry-After`, or exponential backoff), and when to give up.

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::StatusCode;

/// How SSO requests are retried on 5xx, 429 and connection errors.
///
/// A `Retry-After` longer than [`RetryPolicy::max_retry_after`] is not waited for: the call fails
/// at once with [`crate::SsoError::Unavailable`] carrying that delay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = no retry).
    pub max_attempts: u32,
    /// The longest wait before the first retry when the SSO gives no `Retry-After`; doubled
    /// for each retry after, with jitter ([`esi_runtime::Backoff`]'s `base_delay`).
    pub initial_backoff: Duration,
    /// Longest backoff between two attempts ([`esi_runtime::Backoff`]'s `max_delay`).
    pub max_backoff: Duration,
    /// Longest `Retry-After` honoured.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retry.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The wait before attempt `attempt` (2 for the first retry), computed as the ESI client
    /// computes its own: [`esi_runtime::Backoff::before_attempt`].
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        esi_runtime::Backoff {
            base_delay: self.initial_backoff,
            max_delay: self.max_backoff,
        }
        .before_attempt(attempt)
    }
}

/// Whether repeating a request is harmless.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Idempotency {
    /// Refresh, revoke, metadata and JWKS: retried on any transient failure.
    Safe,
    /// The code exchange: a code works once, so a retry is allowed only when the failed attempt
    /// cannot have been processed: a connection that never opened, or an answer that says the
    /// request was turned away unprocessed (429, 503).
    OnlyUnprocessed,
}

/// Whether an answer with `status` may be retried for this kind of request.
pub(crate) fn status_is_retryable(status: StatusCode, idem: Idempotency) -> bool {
    match idem {
        Idempotency::Safe => status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error(),
        Idempotency::OnlyUnprocessed => {
            status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE
        }
    }
}

/// Parses `Retry-After`: delta-seconds or an HTTP date.
pub(crate) fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = DateTime::parse_from_rfc2822(value).ok()?;
    let delta = when.with_timezone(&Utc) - now;
    Some(delta.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let p = RetryPolicy {
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(3),
            ..RetryPolicy::default()
        };
        // Attempts numbered as the ESI client numbers them: 2 is the first retry; each wait is
        // between half and all of its doubled delay.
        for _ in 0..20 {
            let first = p.backoff(2);
            assert!(first >= Duration::from_millis(500) && first <= Duration::from_secs(1));
            let second = p.backoff(3);
            assert!(second >= Duration::from_secs(1) && second <= Duration::from_secs(2));
            let capped = p.backoff(40);
            assert!(capped >= Duration::from_millis(1500) && capped <= Duration::from_secs(3));
        }
    }

    #[test]
    fn retry_after_seconds_and_date() {
        let now = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .expect("date")
            .with_timezone(&Utc);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 2026 00:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 31 Dec 2025 23:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn code_exchange_is_not_retried_on_ambiguous_failures() {
        let o = Idempotency::OnlyUnprocessed;
        assert!(status_is_retryable(StatusCode::TOO_MANY_REQUESTS, o));
        assert!(status_is_retryable(StatusCode::SERVICE_UNAVAILABLE, o));
        assert!(!status_is_retryable(StatusCode::BAD_GATEWAY, o));
        assert!(!status_is_retryable(StatusCode::GATEWAY_TIMEOUT, o));
        assert!(status_is_retryable(
            StatusCode::BAD_GATEWAY,
            Idempotency::Safe
        ));
        assert!(!status_is_retryable(
            StatusCode::BAD_REQUEST,
            Idempotency::Safe
        ));
    }
}
