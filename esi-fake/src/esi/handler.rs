//! The request pipeline of the fake ESI, in ESI's order of checks.
//!
//! 1. scripted delay, then scripted answer faults (5xx, HTML 504, drop, 420/429 storms);
//! 2. error limit: 420 while the client IP has no errors left;
//! 3. the spec documents, then route matching (404/405);
//! 4. `X-Compatibility-Date` (400);
//! 5. rate limit of the route's group (429 + `Retry-After`);
//! 6. bearer token and scopes (401/403);
//! 7. path/query/header parameters and the request body (400);
//! 8. `/universe/names` and `/universe/ids` answered from the ids asked (`lookups`: 404 for
//!    a batch holding an unknown id), else the (pre-rendered) body, pagination (404 past the last page), page faults;
//! 9. `If-None-Match` / `If-Modified-Since` (304), and the cache headers of the resource's
//!    current cache window (`caching`), recorded in the freshness log.
//!
//! Every answer then gets either the rate-limit headers (routes with `x-rate-limit`, tokens
//! spent by status) or the error-limit headers (other routes, errors counted), and a `Date`
//! in the fake's server time.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::Bytes;
use esi_codegen::model::{ClientParameter, HttpMethod, Pagination, Status};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response};
use serde_json::Value;

use super::accounting::{Limiter, bucket_for, error_limited};
use super::auth::{self, Denied, VerifiedToken};
use super::body::Sliced;
use super::caching::{Schedule, Validators, not_modified, stamp};
use super::control;
use super::faults::{FaultKind, Stage, Target};
use super::inputs::{check_request_body, identity, slice_of};
use super::limits::ErrorBudget;
use super::log::RequestRecord;
use super::lookups::Lookup;
use super::meta;
use super::pages::{RenderJob, lookup};
use super::params::{self, query_value};
use super::reply::{Dropped, Ending, GATEWAY_TIMEOUT_HTML, Reply, WireBody, http_date};
use super::routes::{Matched, NoRoute, method_of};
use super::state::State;
use super::window::whole_seconds;

/// Largest request body read.
const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// Languages ESI answers in.
const LANGUAGES: [&str; 8] = ["en", "de", "fr", "ja", "ru", "zh", "ko", "es"];

/// One request, read.
struct Req {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Result<Bytes, String>,
    ip: IpAddr,
}

impl Req {
    /// Path and query, as the freshness log keys URLs.
    fn url(&self) -> String {
        let mut url = self.path.clone();
        let query: Vec<String> = self.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query.join("&"));
        }
        url
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the log keeps besides the request.
#[derive(Default)]
struct Notes {
    operation_id: Option<String>,
    compatibility_date: Option<String>,
    fault: Option<String>,
}

/// Serves one request.
pub(crate) async fn handle(
    state: Arc<State>,
    peer: SocketAddr,
    request: Request<Incoming>,
) -> Result<Response<WireBody>, Dropped> {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_string();
    let body = read_body(body).await;
    if path == "/_fake" || path.starts_with("/_fake/") {
        let body = body.unwrap_or_default();
        return control::handle(&state, parts.method.as_str(), &path, &body).into_response();
    }
    let seq = state.seq.fetch_add(1, Ordering::Relaxed);
    let raw_query = parts.uri.query().map(str::to_string);
    let req = Req {
        method: parts.method.as_str().to_string(),
        query: raw_query
            .as_deref()
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default(),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        path,
        body,
        ip: peer.ip(),
    };
    let mut notes = Notes::default();
    let mut reply = pipeline(&state, &req, &mut notes).await;
    if !reply.has("date") {
        reply.set("date", http_date(whole_seconds(state.server_now())));
    }
    state.freshness.answered(reply.status);
    state.log.push(RequestRecord {
        seq,
        method: req.method,
        path: req.path,
        query: raw_query,
        headers: req.headers,
        status: (reply.ending != Ending::Drop).then_some(reply.status),
        operation_id: notes.operation_id,
        compatibility_date: notes.compatibility_date,
        fault: notes.fault,
        peer: req.ip,
    });
    reply.into_response()
}

async fn read_body(body: Incoming) -> Result<Bytes, String> {
    Limited::new(body, MAX_BODY_BYTES)
        .collect()
        .await
        .map(|collected| collected.to_bytes())
        .map_err(|e| format!("cannot read the request body: {e}"))
}

fn fault_name(kind: &FaultKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.get("kind").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_default()
}

async fn pipeline(state: &State, req: &Req, notes: &mut Notes) -> Reply {
    let matched = method_of(&req.method)
        .ok_or(NoRoute::MethodNotAllowed)
        .and_then(|method| state.routes.find(method, &req.path));
    let op = matched
        .as_ref()
        .ok()
        .map(|m| &state.api.operations[m.operation]);
    notes.operation_id = op.map(|op| op.operation_id.clone());
    notes.compatibility_date = req
        .header("x-compatibility-date")
        .or_else(|| query_value(&req.query, "compatibility_date"))
        .map(str::to_string);
    let target = Target {
        path: &req.path,
        template: op.map(|op| op.path.as_str()),
        operation_id: op.map(|op| op.operation_id.as_str()),
    };

    if let Some(FaultKind::Delay { ms }) = state.faults.take(Stage::Delay, &target) {
        notes.fault = Some("delay".into());
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    let spoiler = state.faults.take(Stage::Answer, &target);
    let now = state.clock.now();
    let token = auth::bearer(
        req.header("authorization"),
        query_value(&req.query, "token"),
    );
    let verified = token.map(|t| state.verifier.verify(t));
    let limiter = Limiter {
        state,
        ip: req.ip,
        bucket: op.and_then(|op| bucket_for(state, op)),
        user: match op {
            Some(op) => auth::bucket_user(op, req.ip, verified.as_ref()),
            None => req.ip.to_string(),
        },
        now,
    };

    let mut truncate = None;
    if let Some(kind) = spoiler {
        notes.fault = Some(fault_name(&kind));
        match kind {
            FaultKind::Status { status } => {
                // A scripted error is ESI's answer: a spent error window still answers 420.
                if let Err(budget) = state.errors.check(req.ip, now) {
                    return error_limited(budget);
                }
                let message = format!("scripted fault: HTTP {status}");
                return limiter.finish(Reply::error(status, message));
            }
            // The load balancer answers; ESI never sees the request, so no limiter headers.
            FaultKind::HtmlGatewayTimeout => return Reply::html(504, GATEWAY_TIMEOUT_HTML),
            FaultKind::DropConnection => {
                let mut reply = Reply::empty(0);
                reply.ending = Ending::Drop;
                return reply;
            }
            FaultKind::ErrorLimited => {
                return error_limited(ErrorBudget {
                    remain: 0,
                    reset: state.config.limits.error_window.as_secs(),
                });
            }
            FaultKind::RateLimited { retry_after } => {
                return limiter.finish(
                    Reply::error(429, "Too many requests").with("retry-after", retry_after),
                );
            }
            FaultKind::TruncatedJson => truncate = Some(Ending::Complete),
            FaultKind::TruncatedBody => truncate = Some(Ending::Cut),
            FaultKind::Delay { .. }
            | FaultKind::XPagesChange { .. }
            | FaultKind::LastModifiedChange { .. } => {}
        }
    }

    let mut reply = answer(state, req, matched, &limiter, verified.as_ref(), notes).await;
    match truncate {
        Some(Ending::Cut) => reply.ending = Ending::Cut,
        Some(_) => reply.body = reply.body.slice(..reply.body.len() / 2),
        None => {}
    }
    reply
}

async fn answer(
    state: &State,
    req: &Req,
    matched: Result<Matched, NoRoute>,
    limiter: &Limiter<'_>,
    verified: Option<&Result<VerifiedToken, String>>,
    notes: &mut Notes,
) -> Reply {
    if let Err(budget) = state.errors.check(req.ip, limiter.now) {
        return error_limited(budget);
    }
    if let Some(date) = &notes.compatibility_date
        && let Err(message) = meta::check_compatibility_date(date, state.clock.wall())
    {
        return limiter.finish(Reply::error(400, message));
    }
    if req.method == "GET" && meta::is_spec_path(&req.path, state.api.kind) {
        let mut reply = Reply::json(200, state.raw_spec.clone());
        let now = state.server_now();
        let window = Schedule::spec_document(&state.config, &req.path).window(now);
        let validators = Validators {
            etag: &state.spec_etag,
            shift: Duration::ZERO,
        };
        stamp(&mut reply, now, &window, validators);
        return limiter.finish(reply);
    }
    let matched = match matched {
        Ok(matched) => matched,
        Err(NoRoute::NotFound) => return limiter.finish(Reply::error(404, "Not found")),
        Err(NoRoute::MethodNotAllowed) => {
            return limiter.finish(Reply::error(405, "Method not allowed"));
        }
    };
    let op = &state.api.operations[matched.operation];

    if let Some(bucket) = &limiter.bucket
        && let Err(retry_after) = state.rates.check(bucket, &limiter.user, limiter.now)
    {
        return limiter
            .finish(Reply::error(429, "Too many requests").with("retry-after", retry_after));
    }
    match auth::authorize(op, &matched.path_params, verified) {
        Ok(()) => {}
        Err(Denied::Unauthorized(message)) => return limiter.finish(Reply::error(401, message)),
        Err(Denied::Forbidden(message)) => return limiter.finish(Reply::error(403, message)),
    }
    let header = |name: &str| req.header(name).map(str::to_string);
    if let Err(message) = params::check(&state.api, op, &matched.path_params, &req.query, &header) {
        return limiter.finish(Reply::error(400, message));
    }
    let slice = match slice_of(op, &req.query) {
        Ok(slice) => slice,
        Err(message) => return limiter.finish(Reply::error(400, message)),
    };
    let request_body = match check_request_body(state, op, &req.body) {
        Ok(body) => body,
        Err(reply) => return limiter.finish(reply),
    };
    if let Some(by_id) = Lookup::of(&op.path)
        && lookup(&state.config.bodies, op).is_none()
    {
        return limiter.finish(by_id.answer(&request_body, &state.config.invalid_ids));
    }

    let mut params = identity(op, &matched.path_params, &req.query);
    // One server time for the whole answer: its data's generation, window and `Date`.
    let now = state.server_now();
    let schedule = Schedule::of(&state.config, op, &params);
    if let Some(fleet) = &state.config.fleet {
        // A new generation of the data is another resource, rendered afresh.
        params.push(("~generation".into(), fleet.generation(now).to_string()));
    }
    let job = RenderJob {
        api: state.api.clone(),
        operation: matched.operation,
        params,
        seed: state.config.seed,
        paging: state.config.paging.clone(),
        fixed: lookup(&state.config.bodies, op).cloned(),
        request_body,
    };
    let rendered = if op.method == HttpMethod::Get {
        match state.cache.get(job).await {
            Ok(rendered) => rendered,
            Err(message) => return limiter.finish(Reply::error(500, message)),
        }
    } else {
        Arc::new(job.render())
    };

    let (body, pages) = match rendered.slice(&slice) {
        Sliced::NoContent => return limiter.finish(Reply::empty(204)),
        Sliced::NoSuchPage => {
            return limiter.finish(Reply::error(404, "Requested page does not exist!"));
        }
        Sliced::Bad(message) => return limiter.finish(Reply::error(400, message)),
        Sliced::Body { body, pages } => (body, pages),
    };
    let success = match op.success().map(|r| r.status) {
        Some(Status::Code(code)) => code,
        _ => 200,
    };
    if op.method != HttpMethod::Get {
        return limiter.finish(Reply::json(success, body.bytes));
    }

    let mut pages = (op.pagination == Pagination::XPages).then_some(pages.unwrap_or(1));
    let mut shift = Duration::ZERO;
    if slice.page >= 2 && op.pagination == Pagination::XPages {
        let target = Target {
            path: &req.path,
            template: Some(&op.path),
            operation_id: Some(&op.operation_id),
        };
        let fault = state.faults.take(Stage::Page, &target);
        if let Some(kind) = &fault {
            notes.fault = Some(fault_name(kind));
        }
        match fault {
            Some(FaultKind::XPagesChange { pages: changed }) => pages = Some(changed),
            Some(FaultKind::LastModifiedChange { seconds }) => {
                shift = Duration::from_secs(seconds);
            }
            _ => {}
        }
    }

    let window = schedule.window(now);
    let validators = Validators {
        etag: &body.etag,
        shift,
    };
    let unchanged = not_modified(
        req.header("if-none-match"),
        req.header("if-modified-since"),
        &body.etag,
        validators.last_modified(&window),
    );
    let mut reply = if unchanged {
        Reply::empty(304)
    } else {
        Reply::json(success, body.bytes)
    };
    stamp(&mut reply, now, &window, validators);
    state
        .freshness
        .served(&req.url(), now, window.end, reply.status);
    if let Some(pages) = pages {
        reply.set("x-pages", pages);
    }
    if op
        .client_parameters
        .contains(&ClientParameter::AcceptLanguage)
    {
        let language = req
            .header("accept-language")
            .map(str::trim)
            .filter(|l| LANGUAGES.contains(l))
            .unwrap_or("en");
        reply.set("content-language", language);
    }
    limiter.finish(reply)
}
