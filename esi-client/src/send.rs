//! The one place a request is sent. Every call goes through [`send`]:
//!
//! 1. prepare: token (given, or from the token source), scope check, path, parameters, body
//!    (split into chunks where the route limits list lengths), cache key;
//! 2. [`execute`]: fresh cache entry → no request; an identical GET already in flight → its
//!    outcome (`coalesce`); otherwise wait for the error and rate limits, send with
//!    `If-None-Match`, read the limit headers, retry what is worth retrying, serve the cached
//!    body on 304, store what is cacheable;
//! 3. decode into the operation's type, or a typed error.

use std::fmt::Write as _;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use reqwest::header::{ACCEPT_LANGUAGE, AUTHORIZATION, HeaderMap, HeaderValue};
use tracing::Instrument;

use crate::auth::TokenRequest;
use crate::cache::{CachedResponse, fresh_until};
use crate::client::{Client, Inner};
use crate::coalesce::{self, Lead, Shared, Turn};
use crate::error::{Error, EsiErrorBody, Result, excerpt};
use crate::identity;
use crate::limits::{Hold, LimitPolicy};
use crate::operation::{BodyKind, ClientParam, Operation, OperationInfo, Params};
use crate::request::{AccessToken, CallOptions};
use crate::response::{Response, http_date};
use crate::retry::retryable_status;
use crate::stats::RequestEvent;

/// An answer before decoding.
#[derive(Debug, Clone)]
pub(crate) struct Raw {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub from_cache: bool,
    pub not_modified: bool,
}

/// A request ready to send (possibly several times).
struct Prepared {
    info: &'static OperationInfo,
    url: String,
    headers: HeaderMap,
    body: Option<Bytes>,
    cache_key: Option<String>,
    /// Whether a fresh answer may be stored in the cache.
    store: bool,
    /// Whose limits and cache entries these are: a character, a token hash, or `public`.
    who: String,
}

/// Sends one call of `op` and decodes the answer.
pub(crate) async fn send<O: Operation>(
    client: &Client,
    op: &O,
    options: &CallOptions,
) -> Result<Response<O::Output>> {
    let raw = send_raw(client, op, options).await?;
    decode_response::<O::Output>(O::INFO, raw)
}

/// What one call consists of, whether it came from a typed operation or was built by name.
#[derive(Debug, Clone)]
pub(crate) struct CallParts {
    pub info: &'static OperationInfo,
    /// Path with parameters substituted.
    pub path: String,
    /// Query and header parameters.
    pub params: Params,
    /// Encoded JSON body.
    pub body: Option<Vec<u8>>,
    /// The character the call acts as, for token sources.
    pub character_id: Option<i64>,
}

impl CallParts {
    /// The parts of a typed operation.
    pub(crate) fn of<O: Operation>(op: &O) -> Result<Self> {
        let info = O::INFO;
        let mut params = Params::default();
        op.params(&mut params);
        let body = op.body().transpose().map_err(|source| Error::Encode {
            operation: info.id,
            source,
        })?;
        Ok(CallParts {
            info,
            path: op.path(),
            params,
            body,
            character_id: op.character_id(),
        })
    }
}

/// Sends one call of `op` and returns the undecoded answer (bodies of chunked calls merged).
pub(crate) async fn send_raw<O: Operation>(
    client: &Client,
    op: &O,
    options: &CallOptions,
) -> Result<Raw> {
    send_parts(client, &CallParts::of(op)?, options).await
}

/// Sends one call and returns the undecoded answer (bodies of chunked calls merged).
pub(crate) async fn send_parts(
    client: &Client,
    parts: &CallParts,
    options: &CallOptions,
) -> Result<Raw> {
    let info = parts.info;
    let token = resolve_token(parts, options).await?;
    if let Some(token) = &token {
        check_scopes(info, token)?;
    }
    let bodies = chunked_bodies(parts)?;
    if bodies.len() <= 1 {
        let prepared = prepare(
            client,
            parts,
            options,
            token.as_ref(),
            bodies.into_iter().next(),
        )?;
        return execute(&client.inner, &prepared).await;
    }
    // A list longer than the route takes: one request per chunk, answers concatenated.
    let mut merged: Vec<serde_json::Value> = Vec::new();
    let mut last = None;
    for body in bodies {
        let prepared = prepare(client, parts, options, token.as_ref(), Some(body))?;
        let raw = execute(&client.inner, &prepared).await?;
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

/// The token for the call: the one given, else one from the token source when the
/// operation needs one.
async fn resolve_token(parts: &CallParts, options: &CallOptions) -> Result<Option<AccessToken>> {
    let info = parts.info;
    if let Some(token) = &options.token {
        return Ok(Some(token.clone()));
    }
    match &options.token_source {
        Some(source) if !info.scopes.is_empty() => {
            let request = TokenRequest {
                character_id: options.character_id.or(parts.character_id),
                scopes: info.scopes,
                operation: info.id,
            };
            source
                .access_token(request)
                .await
                .map(Some)
                .map_err(|source| Error::TokenSource {
                    operation: info.id,
                    source,
                })
        }
        _ => Ok(None),
    }
}

/// A token whose JWT lists its scopes must have the operation's.
fn check_scopes(info: &OperationInfo, token: &AccessToken) -> Result<()> {
    let Some(scopes) = identity::token_scopes(token.secret()) else {
        return Ok(());
    };
    let missing: Vec<String> = info
        .scopes
        .iter()
        .filter(|s| !scopes.iter().any(|t| t == *s))
        .map(|s| s.to_string())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Error::MissingScopes {
            operation: info.id,
            missing,
        })
    }
}

/// The body, split into chunks of at most `max_items` when it is a longer list.
fn chunked_bodies(parts: &CallParts) -> Result<Vec<Bytes>> {
    let info = parts.info;
    let Some(body) = parts.body.clone() else {
        return match info.body {
            BodyKind::Required { .. } => Err(Error::MissingBody { operation: info.id }),
            _ => Ok(Vec::new()),
        };
    };
    let max = match info.body {
        BodyKind::Required { max_items } | BodyKind::Optional { max_items } => max_items,
        BodyKind::None => None,
    };
    let Some(max) = max.filter(|m| *m > 0).map(|m| m as usize) else {
        return Ok(vec![Bytes::from(body)]);
    };
    match serde_json::from_slice::<Vec<serde_json::Value>>(&body) {
        Ok(items) if items.len() > max => items
            .chunks(max)
            .map(|chunk| {
                serde_json::to_vec(chunk)
                    .map(Bytes::from)
                    .map_err(|source| Error::Encode {
                        operation: info.id,
                        source,
                    })
            })
            .collect(),
        _ => Ok(vec![Bytes::from(body)]),
    }
}

/// Builds the request parts: path and parameters from the operation, the rest from the
/// options and client.
fn prepare(
    client: &Client,
    parts: &CallParts,
    options: &CallOptions,
    token: Option<&AccessToken>,
    body: Option<Bytes>,
) -> Result<Prepared> {
    let info = parts.info;
    let inner = &client.inner;
    if !info.scopes.is_empty() && token.is_none() {
        return Err(Error::MissingToken {
            operation: info.id,
            scopes: info.scopes,
        });
    }
    let mut params = parts.params.clone();
    for (name, value) in &options.query {
        params.query.retain(|(n, _)| n != name);
        params.query.push((name, value.clone()));
    }
    let tenant = options.tenant.as_deref().unwrap_or(&inner.tenant);
    if info.takes(ClientParam::Datasource) {
        params.query.push(("datasource", tenant.to_string()));
    }
    let language = options.language.as_ref().or(inner.language.as_ref());
    if let (true, Some(lang)) = (info.takes(ClientParam::Language), language) {
        params
            .query
            .push(("language", lang.swagger_value().to_string()));
    }
    if let (true, Some(page)) = (info.takes(ClientParam::Page), options.page) {
        params.query.push(("page", page.to_string()));
    }

    let mut url = url::Url::parse(&format!("{}{}", inner.base_url, parts.path))
        .map_err(|e| Error::Config(format!("bad request URL: {e}")))?;
    if !params.query.is_empty() {
        let mut pairs = url.query_pairs_mut();
        for (name, value) in &params.query {
            pairs.append_pair(name, value);
        }
    }

    let mut headers = HeaderMap::new();
    for (name, value) in &params.headers {
        insert(&mut headers, name, value, info)?;
    }
    let mut date = None;
    if info.takes(ClientParam::CompatibilityDate) {
        date = options
            .compatibility_date
            .as_deref()
            .or(info.compatibility_date)
            .or(inner.compatibility_date.as_deref());
        if let Some(date) = date {
            crate::dates::check_compatibility_date(date, SystemTime::now()).map_err(|e| {
                Error::InvalidOption {
                    operation: info.id,
                    message: e.to_string(),
                }
            })?;
            insert(&mut headers, "x-compatibility-date", date, info)?;
        }
    }
    if info.takes(ClientParam::Tenant) {
        insert(&mut headers, "x-tenant", tenant, info)?;
    }
    if let Some(lang) = language {
        headers.insert(
            ACCEPT_LANGUAGE,
            HeaderValue::from_str(lang.as_str())
                .map_err(|_| bad_header(info, "Accept-Language"))?,
        );
    }
    let who = match token {
        Some(token) => {
            let mut value = HeaderValue::from_str(&format!("Bearer {}", token.secret()))
                .map_err(|_| bad_header(info, "Authorization"))?;
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
            identity::token_identity(token.secret())
        }
        None => "public".to_string(),
    };
    if body.is_some() {
        headers.insert(
            reqwest::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    // Everything that can change the answer: who asks, the URL (query included), and the
    // headers that select data (date, tenant, language, the operation's own header
    // parameters).
    let cache_key = (info.method == http::Method::GET && !options.no_cache).then(|| {
        let mut key = format!(
            "{who}|{}|{}|{}|{}",
            url.as_str(),
            date.unwrap_or(""),
            if info.takes(ClientParam::Tenant) {
                tenant
            } else {
                ""
            },
            language.map(|l| l.as_str()).unwrap_or("")
        );
        for (name, value) in &params.headers {
            let _ = write!(key, "|{name}={value}");
        }
        key
    });
    Ok(Prepared {
        info,
        url: url.into(),
        headers,
        body,
        cache_key,
        store: !options.no_store,
        who,
    })
}

fn insert(headers: &mut HeaderMap, name: &str, value: &str, info: &OperationInfo) -> Result<()> {
    let name = http::HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad_header(info, name))?;
    let value = HeaderValue::from_str(value).map_err(|_| bad_header(info, name.as_str()))?;
    headers.insert(name, value);
    Ok(())
}

fn bad_header(info: &OperationInfo, name: &str) -> Error {
    Error::InvalidOption {
        operation: info.id,
        message: format!("the {name} header value is not valid header text"),
    }
}

/// Sends a prepared request through the cache, the limits and the retry policy.
async fn execute(inner: &Inner, prepared: &Prepared) -> Result<Raw> {
    let info = prepared.info;
    let span = tracing::debug_span!(
        "esi.request",
        operation = info.id,
        method = %info.method,
        status = tracing::field::Empty,
        cache = tracing::field::Empty,
        attempt = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
    );
    async move {
        let started = Instant::now();
        let cached = match (&prepared.cache_key, &inner.cache) {
            (Some(key), Some(cache)) => cache.get(key).await,
            _ => None,
        };
        if let Some(entry) = &cached
            && entry.is_fresh(SystemTime::now())
        {
            let span = tracing::Span::current();
            span.record("cache", "hit");
            span.record("status", entry.status);
            emit(inner, prepared, Some(entry.status), 0, started, true, false);
            return Ok(Raw {
                status: entry.status,
                headers: headers_from(&entry.headers),
                body: entry.body.clone(),
                from_cache: true,
                not_modified: false,
            });
        }
        // An identical request already in flight: wait for its outcome instead of asking.
        let lead = match &prepared.cache_key {
            Some(key) if prepared.body.is_none() => match inner.in_flight.turn(key) {
                Turn::Lead(lead) => Some(lead),
                Turn::Follow(slot) => match coalesce::follow(slot).await {
                    Some(shared) => return shared_outcome(inner, prepared, shared, started),
                    None => None,
                },
            },
            _ => None,
        };
        // The leader hands its outcome to the calls waiting for it; on a transport error,
        // a timeout or a limit it hands nothing and they send their own.
        match fetch(inner, prepared, cached, started).await {
            Ok(raw) => {
                if let Some(lead) = lead.filter(Lead::followed) {
                    lead.share(Shared::Answer(raw.clone()));
                }
                Ok(raw)
            }
            Err(Failure::Refused {
                status,
                headers,
                body,
            }) => {
                let error = status_error(info.id, status, &headers, &body);
                if let Some(lead) = lead {
                    lead.share(Shared::Refused {
                        status,
                        headers,
                        body,
                    });
                }
                Err(error)
            }
            Err(Failure::Other(error)) => Err(error),
        }
    }
    .instrument(span)
    .await
}

/// Why [`fetch`] gave up.
enum Failure {
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

/// A follower's outcome: the leader's answer (served as from the cache: this call sent
/// nothing) or the same typed error.
fn shared_outcome(
    inner: &Inner,
    prepared: &Prepared,
    shared: Shared,
    started: Instant,
) -> Result<Raw> {
    let span = tracing::Span::current();
    span.record("cache", "shared");
    match shared {
        Shared::Answer(mut raw) => {
            span.record("status", raw.status);
            emit(inner, prepared, Some(raw.status), 0, started, true, false);
            raw.from_cache = true;
            raw.not_modified = false;
            Ok(raw)
        }
        Shared::Refused {
            status,
            headers,
            body,
        } => {
            span.record("status", status);
            emit(inner, prepared, Some(status), 0, started, true, false);
            Err(status_error(prepared.info.id, status, &headers, &body))
        }
    }
}

/// Sends the request, with retries, revalidating `cached` when there is one.
async fn fetch(
    inner: &Inner,
    prepared: &Prepared,
    cached: Option<CachedResponse>,
    started: Instant,
) -> std::result::Result<Raw, Failure> {
    let info = prepared.info;
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        tracing::Span::current().record("attempt", attempt);
        let slot = acquire(inner, prepared).await?;
        let mut request = inner
            .http
            .request(info.method.clone(), &prepared.url)
            .headers(prepared.headers.clone());
        if let Some(etag) = cached.as_ref().and_then(|c| c.etag.as_deref())
            && let Ok(value) = HeaderValue::from_str(etag)
        {
            request = request.header(http::header::IF_NONE_MATCH, value);
        }
        if let Some(body) = &prepared.body {
            request = request.body(body.clone());
        }
        let outcome = match request.send().await {
            Ok(answer) => {
                let status = answer.status().as_u16();
                let headers = answer.headers().clone();
                slot.record(status, &headers).await;
                match answer.bytes().await {
                    Ok(body) => Ok((status, headers, body)),
                    Err(e) => Err(transport(info.id, e)),
                }
            }
            Err(e) => {
                drop(slot);
                Err(transport(info.id, e))
            }
        };
        let (status, headers, body) = match outcome {
            Ok(answer) => answer,
            Err(error) => {
                emit(inner, prepared, None, attempt, started, false, false);
                if info.retry_safe && attempt < inner.retry.max_attempts {
                    tracing::debug!(%error, attempt, "retrying after a transport error");
                    tokio::time::sleep(inner.retry.backoff(attempt + 1)).await;
                    continue;
                }
                return Err(error.into());
            }
        };
        let span = tracing::Span::current();
        span.record("status", status);
        span.record("latency_ms", started.elapsed().as_millis() as u64);

        if status == 304
            && let (Some(entry), Some(key), Some(cache)) =
                (&cached, &prepared.cache_key, &inner.cache)
        {
            span.record("cache", "not-modified");
            emit(inner, prepared, Some(304), attempt, started, false, true);
            let now = SystemTime::now();
            let mut entry = entry.clone();
            entry.fresh_until = fresh_until(&headers, now);
            cache
                .put(key, entry.clone(), keep_for(entry.fresh_until, now))
                .await;
            let mut merged = headers_from(&entry.headers);
            for name in [
                http::header::EXPIRES,
                http::header::CACHE_CONTROL,
                http::header::ETAG,
                http::header::LAST_MODIFIED,
            ] {
                if let Some(v) = headers.get(&name) {
                    merged.insert(name, v.clone());
                }
            }
            return Ok(Raw {
                status: entry.status,
                headers: merged,
                body: entry.body,
                from_cache: false,
                not_modified: true,
            });
        }
        emit(
            inner,
            prepared,
            Some(status),
            attempt,
            started,
            false,
            false,
        );
        if (200..300).contains(&status) {
            span.record("cache", "miss");
            if let (Some(key), Some(cache), 200, true) =
                (&prepared.cache_key, &inner.cache, status, prepared.store)
            {
                let now = SystemTime::now();
                let entry = CachedResponse {
                    status,
                    headers: headers_to(&headers),
                    body: body.clone(),
                    etag: headers
                        .get(http::header::ETAG)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string),
                    fresh_until: fresh_until(&headers, now),
                };
                if entry.etag.is_some() || entry.fresh_until.is_some() {
                    let keep = keep_for(entry.fresh_until, now);
                    cache.put(key, entry, keep).await;
                }
            }
            return Ok(Raw {
                status,
                headers,
                body,
                from_cache: false,
                not_modified: false,
            });
        }
        let may_wait = matches!(inner.limits.policy, LimitPolicy::Wait { .. });
        let retry = attempt < inner.retry.max_attempts
            && match status {
                420 | 429 => may_wait,
                s => info.retry_safe && retryable_status(s),
            };
        if !retry {
            return Err(Failure::Refused {
                status,
                headers,
                body,
            });
        }
        tracing::debug!(status, attempt, "retrying");
        if retryable_status(status) {
            tokio::time::sleep(inner.retry.backoff(attempt + 1)).await;
        }
    }
}

/// Waits for the limits to let a request go (or fails, by policy).
async fn acquire<'a>(inner: &'a Inner, prepared: &'a Prepared) -> Result<crate::limits::Slot<'a>> {
    let info = prepared.info;
    // Bounded: each hold is a real wait, and waits past `max_wait` fail.
    for _ in 0..1_000 {
        match inner.limits.try_acquire(info, &prepared.who).await {
            Ok(slot) => return Ok(slot),
            Err(hold) => match inner.limits.policy {
                LimitPolicy::Wait { max_wait } if hold.wait() <= max_wait => {
                    tracing::debug!(?hold, "holding the request for ESI's limits");
                    tokio::time::sleep(hold.wait().max(Duration::from_millis(5))).await;
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

/// How long a cache entry is worth keeping: while fresh, and a day longer for its ETag.
fn keep_for(fresh_until: Option<SystemTime>, now: SystemTime) -> Duration {
    let fresh = fresh_until
        .and_then(|t| t.duration_since(now).ok())
        .unwrap_or_default();
    fresh + Duration::from_secs(86_400)
}

fn emit(
    inner: &Inner,
    prepared: &Prepared,
    status: Option<u16>,
    attempt: u32,
    started: Instant,
    from_cache: bool,
    not_modified: bool,
) {
    if let Some(hook) = &inner.on_request {
        hook(&RequestEvent {
            operation: prepared.info.id,
            method: prepared.info.method.as_str(),
            url: &prepared.url,
            status,
            attempt,
            elapsed: started.elapsed(),
            from_cache,
            not_modified,
        });
    }
}

fn headers_to(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect()
}

fn headers_from(pairs: &[(String, String)]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (k, v) in pairs {
        if let (Ok(k), Ok(v)) = (
            http::HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            headers.append(k, v);
        }
    }
    headers
}

/// Decodes an answer into the operation's type, with its metadata.
pub(crate) fn decode_response<T: serde::de::DeserializeOwned>(
    info: &OperationInfo,
    raw: Raw,
) -> Result<Response<T>> {
    decode_response_seed(info, raw, std::marker::PhantomData::<T>)
}

/// [`decode_response`] through a serde seed (a list decoded into a buffer of known size).
pub(crate) fn decode_response_seed<S, V>(
    info: &OperationInfo,
    raw: Raw,
    seed: S,
) -> Result<Response<V>>
where
    S: for<'de> serde::de::DeserializeSeed<'de, Value = V> + Clone,
{
    let data = decode(info.id, info.empty_response, &raw.body, seed)?;
    Ok(Response {
        data,
        status: raw.status,
        etag: header_text(&raw.headers, "etag"),
        expires: http_date(raw.headers.get("expires")),
        last_modified: http_date(raw.headers.get("last-modified")),
        pages: pages_header(&raw.headers),
        headers: raw.headers,
        from_cache: raw.from_cache,
        not_modified: raw.not_modified,
    })
}

/// Decodes a success body; an empty body is the unit value of body-less routes.
fn decode<S, V>(operation: &'static str, empty: bool, body: &[u8], seed: S) -> Result<V>
where
    S: for<'de> serde::de::DeserializeSeed<'de, Value = V> + Clone,
{
    let body: &[u8] = if empty && body.iter().all(u8::is_ascii_whitespace) {
        b"null"
    } else {
        body
    };
    // The fast path: sonic-rs decodes ESI's large lists about a fifth faster than serde_json,
    // through the same serde impls. On any failure serde_json decodes again, so the result
    // and the error (with its line and column) are serde_json's.
    #[cfg(feature = "fast-json")]
    {
        let mut fast = sonic_rs::Deserializer::from_slice(body);
        if let Ok(value) = seed.clone().deserialize(&mut fast)
            && fast.end().is_ok()
        {
            return Ok(value);
        }
    }
    let mut slow = serde_json::Deserializer::from_slice(body);
    seed.deserialize(&mut slow)
        .and_then(|value| slow.end().map(|()| value))
        .map_err(|source| Error::Decode {
            operation,
            source,
            excerpt: excerpt(body, 200),
        })
}

fn status_error(operation: &'static str, status: u16, headers: &HeaderMap, body: &[u8]) -> Error {
    let seconds = |name: &str, default: u64| {
        header_text(headers, name)
            .and_then(|s| s.trim().parse::<u64>().ok())
            .unwrap_or(default)
    };
    match status {
        420 => Error::ErrorLimited {
            operation,
            reset: Duration::from_secs(seconds("x-esi-error-limit-reset", 60)),
        },
        429 => Error::RateLimited {
            operation,
            group: header_text(headers, "x-ratelimit-group"),
            retry_after: Duration::from_secs(seconds("retry-after", 60)),
        },
        _ => Error::Status {
            operation,
            status,
            error: serde_json::from_slice::<EsiErrorBody>(body).ok(),
            body_excerpt: excerpt(body, 200),
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

/// `X-Pages`: how many pages an answer's route has.
pub(crate) fn pages_header(headers: &HeaderMap) -> Option<u32> {
    header_text(headers, "x-pages").and_then(|p| p.trim().parse().ok())
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

#[cfg(test)]
mod decode_tests {
    use std::marker::PhantomData;

    use super::*;

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Order {
        order_id: i64,
        issued: chrono::DateTime<chrono::Utc>,
        range: crate::Language,
        #[serde(default)]
        note: Option<String>,
    }

    #[test]
    fn the_fast_path_and_serde_json_agree() {
        let body = br#"[{"order_id": 9007199254740993, "issued": "2026-11-20T05:12:25Z",
            "range": "xx", "note": null, "extra": {"a": [1, 2.5e3, "\u00e9"]}}]"#;
        let fast: Vec<Order> = decode("Op", false, body, PhantomData).unwrap();
        let plain: Vec<Order> = serde_json::from_slice(body).unwrap();
        assert_eq!(fast, plain);
        assert_eq!(fast[0].order_id, 9_007_199_254_740_993);
        assert_eq!(fast[0].range, crate::Language::Unknown("xx".into()));
    }

    #[test]
    fn errors_are_serde_jsons_with_position_and_excerpt() {
        let err = decode(
            "GetOrders",
            false,
            b"[{\"order_id\": 1, \"iss",
            PhantomData::<Vec<Order>>,
        )
        .unwrap_err();
        match err {
            Error::Decode {
                operation,
                source,
                excerpt,
            } => {
                assert_eq!(operation, "GetOrders");
                assert_eq!(source.line(), 1);
                assert!(excerpt.starts_with("[{\"order_id\""));
            }
            other => panic!("{other}"),
        }
        let unit: () = decode("Delete", true, b"", PhantomData).unwrap();
        assert_eq!(unit, ());
    }
}
