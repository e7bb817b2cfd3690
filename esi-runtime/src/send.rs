//! The one place a call is sent. Every call (typed, by name, a page of a walk) goes through
//! [`send_parts`], stage by stage:
//!
//! 1. `prepare`: the token resolved and read once, scopes checked, then per request URL,
//!    headers, identity and cache key (a list body longer than the route takes is split into
//!    several requests);
//! 2. `gate`: a fresh cache entry, or an identical GET in flight, answers without sending;
//! 3. `attempt`: limits, the send hook, the request, retries decided as values;
//! 4. `decode`: the typed value, or a typed error.

use std::time::Instant;

use bytes::Bytes;
use tracing::Instrument;

use crate::attempt::{self, Failure};
use crate::client::Client;
use crate::coalesce::{Lead, Shared};
use crate::context::Inner;
use crate::decode::{Raw, decode_response, header_text, status_error, with_metadata};
use crate::error::{Error, Result, excerpt};
use crate::gate::{self, Passage};
use crate::operation::Operation;
use crate::options::CallOptions;
use crate::prepare::{Call, CallParts, Credentials, chunked_bodies, prepare};
use crate::response::{Conditional, Response};

/// Sends one call of `op` and decodes the answer.
pub(crate) async fn send<O: Operation>(
    client: &Client,
    op: &O,
    options: &CallOptions,
) -> Result<Response<O::Output>> {
    let raw = send_for_data(client, &CallParts::of(op)?, options).await?;
    decode_response::<O::Output>(O::INFO, raw)
}

/// [`send_parts`] for a caller that wants the data: when its own `If-None-Match` got a 304
/// that no cache holds the body of, the call is sent again without the tag.
pub(crate) async fn send_for_data(
    client: &Client,
    parts: &CallParts,
    options: &CallOptions,
) -> Result<Raw> {
    let raw = send_parts(client, parts, options).await?;
    if raw.status != 304 {
        return Ok(raw);
    }
    let plain = CallOptions {
        if_none_match: None,
        ..options.clone()
    };
    send_parts(client, parts, &plain).await
}

/// Sends one call of `op` with the caller's `If-None-Match`, and tells "not modified" apart:
/// when the answer is the version the caller holds (ESI's 304, or a cached answer with the
/// caller's `ETag`), no body is decoded.
pub(crate) async fn send_conditional<O: Operation>(
    client: &Client,
    op: &O,
    options: &CallOptions,
) -> Result<Conditional<O::Output>> {
    let raw = send_raw(client, op, options).await?;
    let held = options.if_none_match.as_deref();
    let same = held.is_some() && header_text(&raw.headers, "etag").as_deref() == held;
    if raw.status == 304 || same {
        let mut meta = with_metadata(raw, ());
        if meta.etag.is_none() {
            meta.etag = held.map(str::to_string);
        }
        return Ok(Conditional::NotModified(meta));
    }
    decode_response::<O::Output>(O::INFO, raw).map(Conditional::Modified)
}

/// Sends one call of `op` and returns the undecoded answer (bodies of chunked calls merged).
pub(crate) async fn send_raw<O: Operation>(
    client: &Client,
    op: &O,
    options: &CallOptions,
) -> Result<Raw> {
    send_parts(client, &CallParts::of(op)?, options).await
}

/// Sends one call and returns the undecoded answer (bodies of chunked calls merged), within
/// the call's deadline.
pub(crate) async fn send_parts(
    client: &Client,
    parts: &CallParts,
    options: &CallOptions,
) -> Result<Raw> {
    let inner = &*client.inner;
    let limit = options.deadline.unwrap_or(inner.deadline);
    let deadline = tokio::time::Instant::now() + limit;
    tokio::time::timeout_at(deadline, send_within(inner, parts, options, deadline))
        .await
        .unwrap_or(Err(Error::DeadlineExceeded {
            operation: parts.info.id,
            deadline: limit,
        }))
}

async fn send_within(
    inner: &Inner,
    parts: &CallParts,
    options: &CallOptions,
    deadline: tokio::time::Instant,
) -> Result<Raw> {
    let info = parts.info;
    let credentials = Credentials::resolve(inner, parts, options).await?;
    let call = Call {
        parts,
        options,
        credentials: credentials.as_ref(),
        deadline,
    };
    let bodies = chunked_bodies(parts)?;
    if bodies.len() <= 1 {
        let prepared = prepare(inner, &call, bodies.into_iter().next())?;
        return execute(inner, &prepared).await;
    }
    // A list longer than the route takes: one request per chunk, answers concatenated.
    let mut merged: Vec<serde_json::Value> = Vec::new();
    let mut last = None;
    for body in bodies {
        let prepared = prepare(inner, &call, Some(body))?;
        let raw = execute(inner, &prepared).await?;
        let items: Vec<serde_json::Value> =
            serde_json::from_slice(&raw.body).map_err(|source| Error::Decode {
                operation: info.id,
                source,
                excerpt: excerpt(&raw.body, 200),
            })?;
        merged.extend(items);
        last = Some(raw);
    }
    let mut raw = last.ok_or(Error::MissingBody { operation: info.id })?;
    raw.body = Bytes::from(serde_json::to_vec(&merged).map_err(|source| Error::Encode {
        operation: info.id,
        source,
    })?);
    Ok(raw)
}

/// One prepared request through the gate and, when it must be sent, the attempts.
async fn execute(inner: &Inner, prepared: &crate::prepare::Prepared) -> Result<Raw> {
    let info = prepared.info;
    // INFO: one span per request is the unit operators trace and export; attempts, holds and
    // retries inside it are DEBUG events. Field names follow OpenTelemetry's HTTP semantic
    // conventions, then ours under `esi.`.
    let empty = tracing::field::Empty;
    let span = tracing::info_span!(
        "esi.request",
        otel.kind = "client",
        http.request.method = %info.method,
        url.template = info.path,
        server.address = %inner.server_address,
        http.response.status_code = empty,
        esi.operation = info.id,
        esi.compatibility_date = prepared
            .headers
            .get("x-compatibility-date")
            .and_then(|v| v.to_str().ok()),
        esi.rate_limit_group = info.rate_limit.map(|r| r.group),
        esi.cache = empty,
        esi.attempt = empty,
    );
    async move {
        let started = Instant::now();
        let (cached, lead) = match gate::enter(inner, prepared, started).await {
            Passage::Answered(outcome) => return outcome,
            Passage::Send { cached, lead } => (cached, lead),
        };
        let outcome = attempt::fetch(inner, prepared, cached, started).await;
        share(lead, &outcome);
        match outcome {
            Ok(raw) => Ok(raw),
            Err(Failure::Refused {
                status,
                headers,
                body,
            }) => Err(status_error(info.id, status, &headers, &body)),
            Err(Failure::Other(error)) => Err(error),
        }
    }
    .instrument(span)
    .await
}

/// The leader hands its answer or ESI's refusal to the calls waiting for it; on a transport
/// error, a timeout or a limit it hands nothing and they send their own.
fn share(lead: Option<Lead<'_>>, outcome: &std::result::Result<Raw, Failure>) {
    let Some(lead) = lead else { return };
    match outcome {
        Ok(raw) if lead.followed() => lead.share(Shared::Answer(raw.clone())),
        Err(Failure::Refused {
            status,
            headers,
            body,
        }) => lead.share(Shared::Refused {
            status: *status,
            headers: headers.clone(),
            body: body.clone(),
        }),
        _ => {}
    }
}
