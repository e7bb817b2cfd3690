//! Stage 2 of a call: answers that need no request. A fresh cache entry answers at once; an
//! identical GET already in flight answers with its outcome (`coalesce`). Otherwise the call
//! goes on to send, with the stale entry to revalidate and, when it leads, the followers to
//! hand its outcome to.

use std::time::{Instant, SystemTime};

use crate::cache::{CachedResponse, headers_from};
use crate::coalesce::{self, Lead, Shared, Turn};
use crate::context::Inner;
use crate::decode::{Raw, status_error};
use crate::error::Result;
use crate::hooks::{Seen, Served};
use crate::negative;
use crate::prepare::Prepared;

/// What the gate decided for one request.
pub(crate) enum Passage<'a> {
    /// Answered without a request (cache hit, or an identical request's outcome).
    Answered(Result<Raw>),
    /// Send it: revalidating `cached` when there is one; `lead` is set when identical calls
    /// may wait for this one.
    Send {
        cached: Option<CachedResponse>,
        lead: Option<Lead<'a>>,
    },
}

/// Looks in the cache, then for an identical request in flight.
pub(crate) async fn enter<'a>(
    inner: &'a Inner,
    prepared: &Prepared,
    started: Instant,
) -> Passage<'a> {
    let mut cached = match (&prepared.cache_key, &inner.cache) {
        (Some(key), Some(cache)) => cache.get(key).await,
        _ => None,
    };
    let now = SystemTime::now();
    if let Some(entry) = cached.as_ref().filter(|e| e.status != 200) {
        if prepared.remember_refusals && negative::answers(entry, prepared.scopes.as_deref(), now) {
            return Passage::Answered(remembered_refusal(inner, prepared, entry, started));
        }
        // A refusal has nothing to revalidate.
        cached = None;
    }
    if let Some(entry) = &cached
        && !prepared.revalidate
        && entry.is_fresh(now)
    {
        served_here(inner, prepared, started, "hit", entry.status);
        return Passage::Answered(Ok(Raw {
            status: entry.status,
            headers: headers_from(&entry.headers),
            body: entry.body.clone(),
            from_cache: true,
            not_modified: false,
        }));
    }
    let lead = match &prepared.cache_key {
        // A call with its own `If-None-Match` may get a 304 without a body: it shares nothing.
        Some(key) if prepared.body.is_none() && prepared.if_none_match.is_none() => {
            match inner.in_flight.turn(key) {
                Turn::Lead(lead) => Some(lead),
                Turn::Follow(slot) => match coalesce::follow(slot).await {
                    Some(shared) => {
                        return Passage::Answered(shared_outcome(inner, prepared, shared, started));
                    }
                    // The leader ended without an outcome to share: send our own.
                    None => None,
                },
            }
        }
        _ => None,
    };
    Passage::Send { cached, lead }
}

/// ESI's remembered 403 or 404, as the same typed error, without a request.
fn remembered_refusal(
    inner: &Inner,
    prepared: &Prepared,
    entry: &CachedResponse,
    started: Instant,
) -> Result<Raw> {
    served_here(inner, prepared, started, "refusal", entry.status);
    let headers = headers_from(&entry.headers);
    Err(status_error(
        prepared.info.id,
        entry.status,
        &headers,
        &entry.body,
    ))
}

/// A follower's outcome: the leader's answer (served as from the cache: this call sent
/// nothing) or the same typed error.
fn shared_outcome(
    inner: &Inner,
    prepared: &Prepared,
    shared: Shared,
    started: Instant,
) -> Result<Raw> {
    match shared {
        Shared::Answer(mut raw) => {
            served_here(inner, prepared, started, "shared", raw.status);
            raw.from_cache = true;
            raw.not_modified = false;
            Ok(raw)
        }
        Shared::Refused {
            status,
            headers,
            body,
        } => {
            served_here(inner, prepared, started, "shared", status);
            Err(status_error(prepared.info.id, status, &headers, &body))
        }
    }
}

/// Records an answer given without a request: the span's cache outcome and status, and the
/// statistics hook.
fn served_here(inner: &Inner, prepared: &Prepared, started: Instant, cache: &str, status: u16) {
    let span = tracing::Span::current();
    span.record("esi.cache", cache);
    span.record("http.response.status_code", status);
    inner.report(
        prepared.info,
        &prepared.url,
        started,
        Seen::served(status, Served::Cache),
    );
}
