//! The one place a request is sent: builds it from the operation and the options, sends it
//! through reqwest, and turns the answer into data or a typed error.

use reqwest::header::{ACCEPT_LANGUAGE, AUTHORIZATION, HeaderMap};
use tracing::Instrument;

use crate::auth::TokenRequest;
use crate::client::Client;
use crate::error::{Error, EsiErrorBody, Result, excerpt};
use crate::operation::{BodyKind, ClientParam, Operation, Params};
use crate::request::{AccessToken, CallOptions, check_date_format};
use crate::response::{Response, http_date};

/// Sends one request of `op` and decodes the answer.
pub(crate) async fn send<O: Operation>(
    client: &Client,
    op: &O,
    options: &CallOptions,
) -> Result<Response<O::Output>> {
    let info = O::INFO;
    let span = tracing::debug_span!(
        "esi.request",
        operation = info.id,
        method = %info.method,
        status = tracing::field::Empty,
    );
    async move {
        let token = resolve_token(op, options).await?;
        let request = build(client, op, options, token.as_ref())?;
        let started = std::time::Instant::now();
        let answer = client
            .inner
            .http
            .execute(request)
            .await
            .map_err(|e| transport(info.id, e))?;
        let status = answer.status().as_u16();
        tracing::Span::current().record("status", status);
        let headers = answer.headers().clone();
        let body = answer.bytes().await.map_err(|e| transport(info.id, e))?;
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            bytes = body.len(),
            "answer"
        );
        if !(200..300).contains(&status) {
            return Err(status_error(info.id, status, &headers, &body));
        }
        let data = decode::<O::Output>(info.id, info.empty_response, &body)?;
        Ok(Response {
            data,
            status,
            etag: header_text(&headers, "etag"),
            expires: http_date(headers.get("expires")),
            last_modified: http_date(headers.get("last-modified")),
            pages: header_text(&headers, "x-pages").and_then(|p| p.trim().parse().ok()),
            headers,
            from_cache: false,
            not_modified: false,
        })
    }
    .instrument(span)
    .await
}

/// The token for the call: the one given, else one from the token source when the
/// operation needs one.
async fn resolve_token<O: Operation>(op: &O, options: &CallOptions) -> Result<Option<AccessToken>> {
    let info = O::INFO;
    if let Some(token) = &options.token {
        return Ok(Some(token.clone()));
    }
    match &options.token_source {
        Some(source) if !info.scopes.is_empty() => {
            let request = TokenRequest {
                character_id: options.character_id.or_else(|| op.character_id()),
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

/// Builds the HTTP request: path and parameters from the operation, the rest from the
/// options and client.
fn build<O: Operation>(
    client: &Client,
    op: &O,
    options: &CallOptions,
    token: Option<&AccessToken>,
) -> Result<reqwest::Request> {
    let info = O::INFO;
    let inner = &client.inner;
    if !info.scopes.is_empty() && token.is_none() {
        return Err(Error::MissingToken {
            operation: info.id,
            scopes: info.scopes,
        });
    }
    let mut params = Params::default();
    op.params(&mut params);
    if info.takes(ClientParam::Datasource) {
        let tenant = options.tenant.as_deref().unwrap_or(&inner.tenant);
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

    let url = format!("{}{}", inner.base_url, op.path());
    let mut builder = inner
        .http
        .request(info.method.clone(), url)
        .query(&params.query);
    for (name, value) in &params.headers {
        builder = builder.header(*name, value);
    }
    if info.takes(ClientParam::CompatibilityDate) {
        let date = options
            .compatibility_date
            .as_deref()
            .or(info.compatibility_date)
            .or(inner.compatibility_date.as_deref());
        if let Some(date) = date {
            check_date_format(date).map_err(|message| Error::InvalidOption {
                operation: info.id,
                message,
            })?;
            builder = builder.header("X-Compatibility-Date", date);
        }
    }
    if info.takes(ClientParam::Tenant) {
        builder = builder.header(
            "X-Tenant",
            options.tenant.as_deref().unwrap_or(&inner.tenant),
        );
    }
    if let Some(lang) = language {
        builder = builder.header(ACCEPT_LANGUAGE, lang.as_str());
    }
    if let Some(token) = token {
        builder = builder.header(AUTHORIZATION, format!("Bearer {}", token.secret()));
    }
    match (op.body(), info.body) {
        (Some(body), _) => {
            let body = body.map_err(|source| Error::Encode {
                operation: info.id,
                source,
            })?;
            builder = builder
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body);
        }
        (None, BodyKind::Required { .. }) => {
            return Err(Error::MissingBody { operation: info.id });
        }
        (None, _) => {}
    }
    builder.build().map_err(|e| transport(info.id, e))
}

/// Decodes a success body; an empty or `null` body is the unit value of body-less routes.
fn decode<T: serde::de::DeserializeOwned>(
    operation: &'static str,
    empty: bool,
    body: &[u8],
) -> Result<T> {
    let body: &[u8] = if empty && body.iter().all(u8::is_ascii_whitespace) {
        b"null"
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|source| Error::Decode {
        operation,
        source,
        excerpt: excerpt(body, 200),
    })
}

fn status_error(operation: &'static str, status: u16, headers: &HeaderMap, body: &[u8]) -> Error {
    let error = serde_json::from_slice::<EsiErrorBody>(body).ok();
    if status == 420 {
        let reset = header_text(headers, "x-esi-error-limit-reset")
            .and_then(|s| s.trim().parse::<u64>().ok())
            .unwrap_or(60);
        return Error::ErrorLimited {
            operation,
            reset: std::time::Duration::from_secs(reset),
        };
    }
    if status == 429 {
        let retry_after = header_text(headers, "retry-after")
            .and_then(|s| s.trim().parse::<u64>().ok())
            .unwrap_or(60);
        return Error::RateLimited {
            operation,
            group: header_text(headers, "x-ratelimit-group"),
            retry_after: std::time::Duration::from_secs(retry_after),
        };
    }
    Error::Status {
        operation,
        status,
        error,
        body_excerpt: excerpt(body, 200),
    }
}

fn transport(operation: &'static str, source: reqwest::Error) -> Error {
    if source.is_timeout() {
        Error::Timeout { operation }
    } else {
        Error::Transport { operation, source }
    }
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}
