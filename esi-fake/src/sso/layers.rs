//! The layers every SSO request passes through before its handler: the request log
//! (outermost, so faulted requests are logged too) and the scripted faults in force.

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::faults::Decision;
use super::log::RecordedRequest;
use super::paths::TOKEN_PATH;
use super::state::Shared;

/// Largest request body accepted.
const MAX_BODY: usize = 1024 * 1024;

/// Middleware recording each request (outermost, so faulted requests are logged too).
pub(crate) async fn record(
    State(shared): State<Arc<Shared>>,
    req: Request,
    next: Next,
) -> Response {
    if req.uri().path().starts_with("/_fake/") {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response();
    };
    let is_form = parts
        .headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let form = if is_form {
        url::form_urlencoded::parse(&bytes).into_owned().collect()
    } else {
        Vec::new()
    };
    let entry = RecordedRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        form,
        status: None,
    };
    let index = shared.log.push(entry);
    let resp = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    shared.log.set_status(index, resp.status().as_u16());
    resp
}

/// Middleware applying the faults in force before the real handler runs.
pub(crate) async fn inject_faults(
    State(shared): State<Arc<Shared>>,
    req: Request,
    next: Next,
) -> Response {
    let is_token = req.uri().path() == TOKEN_PATH;
    match shared.faults.decide(is_token) {
        Decision::Pass => next.run(req).await,
        Decision::Delay(d) => {
            tokio::time::sleep(d).await;
            next.run(req).await
        }
        Decision::Fail(status) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let body = serde_json::json!({
                "error": "temporarily_unavailable",
                "error_description": "fake SSO outage",
            });
            (status, axum::Json(body)).into_response()
        }
        Decision::RateLimited(secs) => {
            let body = serde_json::json!({
                "error": "rate_limited",
                "error_description": "too many token requests",
            });
            let mut resp = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            resp
        }
    }
}
