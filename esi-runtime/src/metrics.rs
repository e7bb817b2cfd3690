//! Counters and histograms for dashboards, through the `metrics` crate's facade when the `metrics`
//! feature is on (no-ops without it). Install any exporter (`metrics-exporter-prometheus`, a
//! StatsD one...) in the application; the names and labels are:
//!
//! | name | kind | labels | what |
//! |---|---|---|---|
//! | `esi_requests_total` | counter | `operation`, `status`, `served` | every answer: `served` is `network`, `cache` (no request: the cache, a shared request or a remembered refusal) or `not_modified` (a 304); `status` the HTTP status, `none` without an answer |
//! | `esi_retries_total` | counter | `operation` | attempts after the first |
//! | `esi_request_duration_seconds` | histogram | `operation` | time to each answer from ESI |
//! | `esi_limit_waits_total` | counter | `limit` | requests held for ESI's limits (`error` or `rate`) |
//! | `esi_limit_wait_seconds` | histogram | `limit` | how long they were held |

use std::time::Duration;

use crate::hooks::Seen;
#[cfg(feature = "metrics")]
use crate::hooks::Served;
use crate::limits::Hold;
use crate::operation::OperationInfo;

/// Counts one answer (or a failure without one) of `info`, `elapsed` after the call started.
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
pub(crate) fn answered(info: &OperationInfo, seen: &Seen, elapsed: Duration) {
    #[cfg(feature = "metrics")]
    {
        let served = match seen.served {
            Served::Network => "network",
            Served::Cache => "cache",
            Served::NotModified => "not_modified",
        };
        let status = seen
            .status
            .map_or_else(|| "none".to_string(), |s| s.to_string());
        metrics::counter!(
            "esi_requests_total",
            "operation" => info.id,
            "status" => status,
            "served" => served,
        )
        .increment(1);
        if seen.served != Served::Cache {
            if seen.attempt > 1 {
                metrics::counter!("esi_retries_total", "operation" => info.id).increment(1);
            }
            metrics::histogram!("esi_request_duration_seconds", "operation" => info.id)
                .record(elapsed.as_secs_f64());
        }
    }
}

/// Counts a request held for ESI's limits, for `wait`.
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
pub(crate) fn held(hold: &Hold, wait: Duration) {
    #[cfg(feature = "metrics")]
    {
        let limit = match hold {
            Hold::ErrorLimit(_) => "error",
            Hold::RateLimit { .. } => "rate",
        };
        metrics::counter!("esi_limit_waits_total", "limit" => limit).increment(1);
        metrics::histogram!("esi_limit_wait_seconds", "limit" => limit).record(wait.as_secs_f64());
    }
}
