//! The control endpoint, `/_fake/...`: script faults and read the log over HTTP.
//!
//! | Request | Effect |
//! |---|---|
//! | `POST /_fake/faults` with a fault or a list of faults | queues them (see [`Fault`]) |
//! | `GET /_fake/faults` | the pending faults |
//! | `DELETE /_fake/faults` | clears them |
//! | `GET /_fake/requests` | the request log |
//! | `DELETE /_fake/requests` | clears it |
//! | `POST /_fake/clock` with `{"advance_seconds": N}` | moves the clock forward |
//! | `POST /_fake/reset` | clears faults, log, limiter state and rendered bodies |
//!
//! Control requests are neither logged nor limited.

use std::time::Duration;

use bytes::Bytes;
use serde::Deserialize;
use serde_json::json;

use super::faults::Fault;
use super::reply::Reply;
use super::state::State;

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(Fault),
    Many(Vec<Fault>),
}

/// The clock moves at most ten years per call.
const MAX_ADVANCE_SECONDS: f64 = 315_360_000.0;

#[derive(Deserialize)]
struct Advance {
    advance_seconds: f64,
}

fn json_reply(status: u16, value: serde_json::Value) -> Reply {
    Reply::json(status, Bytes::from(value.to_string()))
}

/// Serves one control request.
pub(crate) fn handle(state: &State, method: &str, path: &str, body: &[u8]) -> Reply {
    match (method, path.trim_end_matches('/')) {
        ("POST", "/_fake/faults") => match serde_json::from_slice::<OneOrMany>(body) {
            Ok(parsed) => {
                let faults = match parsed {
                    OneOrMany::One(fault) => vec![fault],
                    OneOrMany::Many(faults) => faults,
                };
                for fault in faults {
                    state.faults.push(fault);
                }
                json_reply(200, json!({ "pending": state.faults.pending().len() }))
            }
            Err(e) => Reply::error(400, format!("not a fault: {e}")),
        },
        ("GET", "/_fake/faults") => json_reply(200, json!(state.faults.pending())),
        ("DELETE", "/_fake/faults") => {
            state.faults.clear();
            Reply::empty(204)
        }
        ("GET", "/_fake/requests") => json_reply(200, json!(state.log.requests())),
        ("DELETE", "/_fake/requests") => {
            state.log.clear();
            Reply::empty(204)
        }
        ("POST", "/_fake/clock") => match serde_json::from_slice::<Advance>(body)
            .ok()
            .filter(|a| a.advance_seconds <= MAX_ADVANCE_SECONDS)
            .and_then(|a| Duration::try_from_secs_f64(a.advance_seconds).ok())
        {
            Some(by) => {
                state.clock.advance(by);
                json_reply(
                    200,
                    json!({ "offset_seconds": state.clock.offset().as_secs_f64() }),
                )
            }
            None => Reply::error(
                400,
                "expected {\"advance_seconds\": N} with 0 <= N <= 315360000 (ten years)",
            ),
        },
        ("POST", "/_fake/reset") => {
            state.faults.clear();
            state.log.clear();
            state.errors.clear();
            state.rates.clear();
            state.cache.clear();
            Reply::empty(204)
        }
        _ => Reply::error(404, format!("no control endpoint {method} {path}")),
    }
}
