//! Stage 3 of a call: sending, as many times as the retry policy allows. Each attempt waits
//! for ESI's limits, builds the request (the client's [`SendHook`](crate::SendHook) may change
//! it), sends it, records the limit headers, and turns the answer into a [`Verdict`]: the call's
//! answer, a retry after a pause, or a final failure. [`decide`] is that choice, as a value.

use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderValue};

use crate::cache::{CachedResponse, fresh_until, headers_from, headers_to, keep_for};
use crate::context::Inner;
use crate::decode::Raw;
use crate::error::{Error, Result};
use crate::hooks::{OutgoingRequest, Seen, Served};
use crate::limits::{Hold, LimitPolicy, Slot};
use crate::negative;
use crate::operation::OperationInfo;
use crate::prepare::Prepared;
use crate::retry::{RetryPolicy, retryable_status};

/// Why [`fetch`] gave up.
pub(crate) enum Failure {
    /// ESI's final answer was this refusal (4xx, or 5xx after the retries).
    Refused {
        status: u16,
        headers: HeaderMap,
        body: Bytes,
    },
    /// Anything else: transport, timeout, limits.
    Other(Error),
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::Other(error)
    }
}

/// What one attempt got back, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// An HTTP status.
    Status(u16),
    /// No answer: a transport error or a timeout.
    NoAnswer,
}

/// Whether to try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// The outcome stands: the call's answer, or its failure.
    Stop,
    /// Try again after this pause (zero after 420/429: the limits decide how long to hold).
    Retry(Duration),
}

/// The retry decision after attempt number `attempt` of `info` ended with `outcome`.
pub(crate) fn decide(
    retry: &RetryPolicy,
    limits: &LimitPolicy,
    info: &OperationInfo,
    attempt: u32,
    outcome: Outcome,
) -> Decision {
    if attempt >= retry.max_attempts {
        return Decision::Stop;
    }
    match outcome {
        Outcome::Status(420 | 429) if matches!(limits, LimitPolicy::Wait { .. }) => {
            Decision::Retry(Duration::ZERO)
        }
        Outcome::Status(status) if info.retry_safe && retryable_status(status) => {
            Decision::Retry(retry.backoff(attempt + 1))
        }
        Outcome::NoAnswer if info.retry_safe => Decision::Retry(retry.backoff(attempt + 1)),
        _ => Decision::Stop,
    }
}

/// Sends the request, with retries, revalidating `cached` when there is one.
pub(crate) async fn fetch(
    inner: &Inner,
    prepared: &Prepared,
    cached: Option<CachedResponse>,
    started: Instant,
) -> std::result::Result<Raw, Failure> {
    let info = prepared.info;
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        tracing::Span::current().record("esi.attempt", attempt);
        let slot = acquire(inner, prepared).await?;
        let etag = prepared
            .if_none_match
            .as_deref()
            .or(cached.as_ref().and_then(|c| c.etag.as_deref()));
        let answer = send_once(inner, prepared, etag, attempt, slot).await;
        let (status, headers, body) = match answer {
            Ok(answer) => answer,
            // Too large stays too large: no retry.
            Err(error @ Error::BodyTooLarge { .. }) => return Err(error.into()),
            Err(error) => {
                inner.report(
                    prepared.info,
                    &prepared.url,
                    started,
                    seen(None, attempt, Served::Network),
                );
                match decide(
                    &inner.retry,
                    &inner.limits.policy,
                    info,
                    attempt,
                    Outcome::NoAnswer,
                ) {
                    Decision::Retry(pause) => {
                        tracing::debug!(%error, attempt, "retrying after a transport error");
                        tokio::time::sleep(pause).await;
                        continue;
                    }
                    Decision::Stop => return Err(error.into()),
                }
            }
        };
        let span = tracing::Span::current();
        span.record("http.response.status_code", status);

        let confirmed = (status == 304)
            .then(|| {
                cached
                    .as_ref()
                    .filter(|c| holds_version(c, prepared, &headers))
            })
            .flatten();
        if confirmed.is_some() || (status == 304 && prepared.if_none_match.is_some()) {
            span.record("esi.cache", "not-modified");
            inner.report(
                prepared.info,
                &prepared.url,
                started,
                seen(Some(304), attempt, Served::NotModified),
            );
            return Ok(match confirmed {
                Some(entry) => revalidated(inner, prepared, entry, &headers).await,
                // The caller's own `ETag` matched and the cache holds no body of it.
                None => Raw {
                    status,
                    headers,
                    body: Bytes::new(),
                    from_cache: false,
                    not_modified: true,
                },
            });
        }
        inner.report(
            prepared.info,
            &prepared.url,
            started,
            seen(Some(status), attempt, Served::Network),
        );
        if (200..300).contains(&status) {
            span.record("esi.cache", "miss");
            if status == 200 && prepared.store {
                store(inner, prepared, &headers, &body).await;
            }
            return Ok(Raw {
                status,
                headers,
                body,
                from_cache: false,
                not_modified: false,
            });
        }
        match decide(
            &inner.retry,
            &inner.limits.policy,
            info,
            attempt,
            Outcome::Status(status),
        ) {
            Decision::Retry(pause) => {
                tracing::debug!(status, attempt, "retrying");
                tokio::time::sleep(pause).await;
            }
            Decision::Stop => {
                remember_refusal(inner, prepared, status, &headers, &body).await;
                return Err(Failure::Refused {
                    status,
                    headers,
                    body,
                });
            }
        }
    }
}

fn seen(status: Option<u16>, attempt: u32, served: Served) -> Seen {
    Seen {
        status,
        attempt,
        served,
    }
}

/// One request on the wire: built, shown to the send hook, sent, its limit headers recorded,
/// its body read.
async fn send_once(
    inner: &Inner,
    prepared: &Prepared,
    etag: Option<&str>,
    attempt: u32,
    slot: Slot<'_>,
) -> Result<(u16, HeaderMap, Bytes)> {
    let info = prepared.info;
    let mut builder = inner
        .http
        .request(info.method.clone(), &prepared.url)
        .headers(prepared.headers.clone());
    if let Some(value) = etag.and_then(|etag| HeaderValue::from_str(etag).ok()) {
        builder = builder.header(http::header::IF_NONE_MATCH, value);
    }
    if let Some(body) = &prepared.body {
        builder = builder.body(body.clone());
    }
    let mut request = builder.build().map_err(|e| transport(info.id, e))?;
    if let Some(hook) = &inner.before_send {
        hook(&mut OutgoingRequest {
            operation: info.id,
            attempt,
            request: &mut request,
        });
    }
    match inner.http.execute(request).await {
        Ok(answer) => {
            let status = answer.status().as_u16();
            let headers = answer.headers().clone();
            slot.record(status, &headers).await;
            let body = read_body(info, answer, prepared.max_body_size).await?;
            Ok((status, headers, body))
        }
        Err(e) => {
            drop(slot);
            Err(transport(info.id, e))
        }
    }
}

/// The answer's body, read as it arrives (after decompression) up to `limit` bytes: a larger
/// one fails without being kept whole. One copy, as `reqwest::Response::bytes` makes.
async fn read_body(
    info: &OperationInfo,
    mut answer: reqwest::Response,
    limit: u64,
) -> Result<Bytes> {
    let too_large = || Error::BodyTooLarge {
        operation: info.id,
        limit,
    };
    if answer.content_length().is_some_and(|len| len > limit) {
        return Err(too_large());
    }
    let mut chunks: Vec<Bytes> = Vec::new();
    let mut total: u64 = 0;
    while let Some(chunk) = answer.chunk().await.map_err(|e| transport(info.id, e))? {
        total = total.saturating_add(chunk.len() as u64);
        if total > limit {
            return Err(too_large());
        }
        chunks.push(chunk);
    }
    Ok(match chunks.len() {
        0 => Bytes::new(),
        1 => chunks.swap_remove(0),
        _ => {
            let mut body = bytes::BytesMut::with_capacity(usize::try_from(total).unwrap_or(0));
            for chunk in &chunks {
                body.extend_from_slice(chunk);
            }
            body.freeze()
        }
    })
}

/// A 304: the cached body, fresh again until the new `Expires`, with the new cache headers.
async fn revalidated(
    inner: &Inner,
    prepared: &Prepared,
    entry: &CachedResponse,
    headers: &HeaderMap,
) -> Raw {
    let now = SystemTime::now();
    let mut entry = entry.clone();
    // RFC 9111 §4.3.4: the stored answer takes the 304's headers (`Expires`, `Last-Modified`,
    // `Cache-Control`, `Date`, `ETag`, `X-Pages`…), so that what is kept (and every later cache
    // hit) tells the new ones, not the first 200's. Those describing the stored body stay.
    let mut merged = headers_from(&entry.headers);
    for name in headers.keys() {
        if !describes_the_body(name) {
            merged.remove(name);
            for value in headers.get_all(name) {
                merged.append(name.clone(), value.clone());
            }
        }
    }
    if !headers.contains_key(http::header::DATE) {
        // The first 200's `Date` would stretch the new `Expires`' lifetime: count from now.
        merged.remove(http::header::DATE);
    }
    entry.headers = headers_to(&merged);
    entry.etag = etag_of(&merged).or(entry.etag);
    entry.fresh_until = fresh_until(&merged, now);
    if let (Some(key), Some(cache)) = (&prepared.cache_key, &inner.cache) {
        cache
            .put(key, entry.clone(), keep_for(entry.fresh_until, now))
            .await;
    }
    Raw {
        status: entry.status,
        headers: merged,
        body: entry.body,
        from_cache: false,
        not_modified: true,
    }
}

/// Whether the stored entry is the version a 304 confirmed: the one whose `ETag` was sent, or
/// the one the 304 names.
fn holds_version(entry: &CachedResponse, prepared: &Prepared, answer: &HeaderMap) -> bool {
    let Some(held) = entry.etag.as_deref() else {
        return false;
    };
    match &prepared.if_none_match {
        None => true,
        Some(sent) => sent == held || etag_of(answer).as_deref() == Some(held),
    }
}

/// Headers of a 304 that say nothing of the stored body (RFC 9111 §3.2: a cache keeps the
/// stored `Content-Length`; the framing and encoding are those of the stored answer).
fn describes_the_body(name: &http::HeaderName) -> bool {
    use http::header::{
        CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, TRANSFER_ENCODING,
    };
    [
        CONTENT_LENGTH,
        CONTENT_ENCODING,
        CONTENT_RANGE,
        CONTENT_TYPE,
        TRANSFER_ENCODING,
    ]
    .contains(name)
}

/// The `ETag` of an answer's headers.
fn etag_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get(http::header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// Keeps a 200 that says how long it is fresh, or can be revalidated.
async fn store(inner: &Inner, prepared: &Prepared, headers: &HeaderMap, body: &Bytes) {
    let (Some(key), Some(cache)) = (&prepared.cache_key, &inner.cache) else {
        return;
    };
    let now = SystemTime::now();
    let entry = CachedResponse {
        status: 200,
        headers: headers_to(headers),
        body: body.clone(),
        etag: etag_of(headers),
        fresh_until: fresh_until(headers, now),
    };
    if entry.etag.is_some() || entry.fresh_until.is_some() {
        let keep = keep_for(entry.fresh_until, now);
        cache.put(key, entry, keep).await;
    }
}

/// Keeps ESI's 403 or 404 to a GET when the client and the call remember refusals.
async fn remember_refusal(
    inner: &Inner,
    prepared: &Prepared,
    status: u16,
    headers: &HeaderMap,
    body: &Bytes,
) {
    let (Some(key), Some(cache), Some(ttl)) =
        (&prepared.cache_key, &inner.cache, inner.negative.ttl)
    else {
        return;
    };
    if prepared.info.method != http::Method::GET || !prepared.remember_refusals || !prepared.store {
        return;
    }
    let refusal = negative::Refusal {
        status,
        headers,
        body,
        scopes: prepared.scopes.as_deref(),
    };
    negative::remember(cache.as_ref(), key, ttl, refusal).await;
}

/// Waits for the limits to let a request go (or fails, by policy).
async fn acquire<'a>(inner: &'a Inner, prepared: &'a Prepared) -> Result<Slot<'a>> {
    let info = prepared.info;
    // Bounded: each hold is a real wait, and waits past `max_wait` fail.
    for _ in 0..1_000 {
        match inner.limits.try_acquire(info, &prepared.who).await {
            Ok(slot) => return Ok(slot),
            Err(hold) => match inner.limits.policy {
                // A wait that would end past the call's deadline fails now, not then.
                LimitPolicy::Wait { max_wait }
                    if hold.wait() <= max_wait
                        && tokio::time::Instant::now() + hold.wait() <= prepared.deadline =>
                {
                    tracing::debug!(?hold, "holding the request for ESI's limits");
                    let wait = hold.wait().max(Duration::from_millis(5));
                    crate::metrics::held(&hold, wait);
                    tokio::time::sleep(wait).await;
                }
                _ => return Err(hold_error(info, hold)),
            },
        }
    }
    Err(Error::ErrorLimited {
        operation: info.id,
        reset: Duration::from_secs(60),
    })
}

fn hold_error(info: &OperationInfo, hold: Hold) -> Error {
    match hold {
        Hold::ErrorLimit(reset) => Error::ErrorLimited {
            operation: info.id,
            reset,
        },
        Hold::RateLimit { group, wait } => Error::RateLimited {
            operation: info.id,
            group: Some(group),
            retry_after: wait,
        },
    }
}

fn transport(operation: &'static str, source: reqwest::Error) -> Error {
    if source.is_timeout() {
        Error::Timeout { operation }
    } else {
        Error::Transport { operation, source }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(retry_safe: bool) -> OperationInfo {
        crate::operation::test_operation("/thing", retry_safe, &[], None, None)
    }

    #[test]
    fn retries_gateway_errors_and_lost_answers_of_safe_calls_only() {
        let retry = RetryPolicy {
            base_delay: Duration::ZERO,
            ..RetryPolicy::default()
        };
        let wait = LimitPolicy::default();
        let safe = info(true);
        let unsafe_post = info(false);
        for status in [502, 503, 504] {
            let outcome = Outcome::Status(status);
            assert_eq!(
                decide(&retry, &wait, &safe, 1, outcome),
                Decision::Retry(Duration::ZERO)
            );
            assert_eq!(
                decide(&retry, &wait, &unsafe_post, 1, outcome),
                Decision::Stop
            );
        }
        assert_eq!(
            decide(&retry, &wait, &safe, 1, Outcome::NoAnswer),
            Decision::Retry(Duration::ZERO)
        );
        assert_eq!(
            decide(&retry, &wait, &unsafe_post, 1, Outcome::NoAnswer),
            Decision::Stop
        );
        for status in [400, 403, 404, 500] {
            assert_eq!(
                decide(&retry, &wait, &safe, 1, Outcome::Status(status)),
                Decision::Stop
            );
        }
    }

    #[test]
    fn limits_retry_only_when_the_policy_waits_and_attempts_are_bounded() {
        let retry = RetryPolicy::default();
        let safe = info(true);
        let wait = LimitPolicy::default();
        assert_eq!(
            decide(&retry, &wait, &info(false), 1, Outcome::Status(429)),
            Decision::Retry(Duration::ZERO)
        );
        assert_eq!(
            decide(
                &retry,
                &LimitPolicy::FailFast,
                &safe,
                1,
                Outcome::Status(420)
            ),
            Decision::Stop
        );
        assert_eq!(
            decide(
                &retry,
                &wait,
                &safe,
                retry.max_attempts,
                Outcome::Status(503)
            ),
            Decision::Stop
        );
    }
}
