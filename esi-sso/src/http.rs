//! The HTTP side: building the reqwest client (the ESI client's preset: the same single TLS
//! stack as `esi-client`) and sending one logical request with retries, reading each answer
//! body up to a size cap (the SSO, or whatever answers in its place, cannot make us buffer more).

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{RequestBuilder, StatusCode};

use crate::config::SsoConfig;
use crate::error::SsoError;
use crate::retry::{Idempotency, RetryPolicy, parse_retry_after, status_is_retryable};

/// A complete answer that is not a 5xx or 429 (those become [`SsoError::Unavailable`]).
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: bytes::Bytes,
    /// True when an earlier attempt of this request may have been processed by the SSO (its
    /// answer was lost): a refresh-token error after that is ambiguous.
    pub(crate) earlier_attempt_may_have_landed: bool,
}

/// How one request is sent: its retries and the largest answer body accepted.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rules<'a> {
    pub(crate) retry: &'a RetryPolicy,
    pub(crate) max_answer_bytes: usize,
}

impl<'a> Rules<'a> {
    /// The rules `config` sets.
    pub(crate) fn of(config: &'a SsoConfig) -> Self {
        Self {
            retry: &config.retry,
            max_answer_bytes: config.max_answer_bytes,
        }
    }
}

/// Why an answer body could not be read.
enum BodyError {
    /// Longer than the cap (declared or read).
    TooLarge,
    /// The transport failed while reading.
    Read(reqwest::Error),
}

/// Reads `resp`'s body, refusing it as soon as it is known to be longer than `limit` bytes:
/// by its `Content-Length`, else while reading chunk by chunk. At most `limit` bytes are ever
/// held (decompressed bytes, as reqwest hands them over, so a gzip bomb stops at the cap too).
async fn read_capped(mut resp: reqwest::Response, limit: usize) -> Result<Bytes, BodyError> {
    let declared = resp.content_length();
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(BodyError::TooLarge);
    }
    let capacity = declared
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(0)
        .min(limit);
    let mut body = BytesMut::with_capacity(capacity);
    while let Some(chunk) = resp.chunk().await.map_err(BodyError::Read)? {
        if chunk.len() > limit - body.len() {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Builds the HTTP client from the ESI client's preset ([`esi_runtime::http_client_builder`]:
/// rustls, ring, the platform verifier), following no redirects.
pub(crate) fn build_client(config: &SsoConfig) -> Result<reqwest::Client, SsoError> {
    esi_runtime::http_client_builder()
        .map_err(|e| SsoError::Config(e.to_string()))?
        .user_agent(config.user_agent.clone())
        .connect_timeout(config.connect_timeout)
        .timeout(config.request_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| SsoError::Config(format!("cannot build the HTTP client: {e}")))
}

/// Sends the request made by `build`, retrying as `rules` and `idem` allow. `what` names the
/// request in logs and errors (never a secret). An answer body longer than
/// `rules.max_answer_bytes` fails at once with [`SsoError::AnswerTooLarge`], without a retry:
/// the request was answered, and asking again would most likely get the same.
pub(crate) async fn send(
    rules: Rules<'_>,
    idem: Idempotency,
    what: &str,
    build: impl Fn() -> RequestBuilder,
) -> Result<Answer, SsoError> {
    let policy = rules.retry;
    let mut may_have_landed = false;
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let last = attempt >= policy.max_attempts;
        let outcome = match build().send().await {
            Ok(resp) => {
                let status = resp.status();
                let headers = resp.headers().clone();
                match read_capped(resp, rules.max_answer_bytes).await {
                    Ok(body) => Ok((status, headers, body)),
                    Err(BodyError::TooLarge) => {
                        tracing::warn!(what, %status, limit = rules.max_answer_bytes, "SSO answer too large; refused");
                        return Err(SsoError::AnswerTooLarge {
                            what: what.to_owned(),
                            limit: rules.max_answer_bytes,
                        });
                    }
                    Err(BodyError::Read(e)) => {
                        Err((false, format!("{what}: reading the answer failed: {e}")))
                    }
                }
            }
            Err(e) => Err((e.is_connect(), format!("{what}: {}", describe(&e)))),
        };
        let (reason, retry_after) = match outcome {
            Ok((status, headers, body)) => {
                let transient = status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error();
                if !transient {
                    return Ok(Answer {
                        status,
                        headers,
                        body,
                        earlier_attempt_may_have_landed: may_have_landed,
                    });
                }
                let retry_after = headers
                    .get(RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| parse_retry_after(v, chrono::Utc::now()));
                let reason = format!("{what}: SSO answered {status}");
                if !status_is_retryable(status, idem) {
                    return Err(unavailable(reason, retry_after));
                }
                if status != StatusCode::TOO_MANY_REQUESTS
                    && status != StatusCode::SERVICE_UNAVAILABLE
                {
                    may_have_landed = true;
                }
                (reason, retry_after)
            }
            Err((unsent, reason)) => {
                if !unsent && idem == Idempotency::OnlyUnprocessed {
                    return Err(unavailable(reason, None));
                }
                may_have_landed |= !unsent;
                (reason, None)
            }
        };
        if last {
            return Err(unavailable(reason, retry_after));
        }
        let wait = match retry_after {
            Some(d) if d > policy.max_retry_after => {
                tracing::warn!(what, ?d, "SSO asked to wait longer than allowed; giving up");
                return Err(unavailable(reason, retry_after));
            }
            Some(d) => d,
            None => policy.backoff(attempt + 1),
        };
        tracing::debug!(what, attempt, ?wait, %reason, "retrying SSO request");
        tokio::time::sleep(wait).await;
    }
}

fn unavailable(reason: String, retry_after: Option<Duration>) -> SsoError {
    SsoError::Unavailable {
        reason,
        retry_after,
    }
}

/// A transport error in words, without the URL's query (none of ours carry secrets, but keep
/// the habit).
fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_connect() {
        "cannot connect"
    } else if e.is_timeout() {
        "timed out"
    } else if e.is_request() {
        "request failed"
    } else {
        "transport error"
    };
    let mut source = std::error::Error::source(e);
    let mut detail = String::new();
    while let Some(s) = source {
        detail = s.to_string();
        source = s.source();
    }
    if detail.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind} ({detail})")
    }
}
