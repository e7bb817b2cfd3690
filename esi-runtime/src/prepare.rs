//! Stage 1 of a call: everything decided before anything is sent. The token is resolved and
//! read once per call ([`Credentials`]); each request of the call (one, or one per chunk of a
//! long list body) becomes a [`Prepared`]: URL, headers, whose data it is, and its cache key.

use std::fmt::Write as _;
use std::time::SystemTime;

use bytes::Bytes;
use reqwest::header::{ACCEPT_LANGUAGE, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};

use crate::auth::AccessToken;
use crate::auth::TokenRequest;
use crate::context::Inner;
use crate::error::{Error, Result};
use crate::identity::{self, TokenClaims};
use crate::negative::scopes_fingerprint;
use crate::operation::{BodyKind, ClientParam, Operation, OperationInfo, Params};
use crate::options::CallOptions;

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

/// The call's token, and whose it is as far as the runtime can vouch, decided once.
pub(crate) struct Credentials {
    token: AccessToken,
    /// `character:<id>` for a vouched-for or verified token, else `token:<hash>`.
    identity: String,
    /// The fingerprint of the token's scopes (by its claims), for remembered 403s.
    scopes: Option<String>,
}

impl Credentials {
    /// The token for the call: the one given, else one from the token source when the
    /// operation needs one. Refused before sending when it has expired or lacks the
    /// operation's scopes (by its own claims), or when the client's verifier rejects it.
    pub(crate) async fn resolve(
        inner: &Inner,
        parts: &CallParts,
        options: &CallOptions,
    ) -> Result<Option<Credentials>> {
        let info = parts.info;
        let token = match (&options.token, &options.token_source) {
            (Some(token), _) => token.clone(),
            (None, Some(source)) if !info.scopes.is_empty() => {
                let request = TokenRequest {
                    character_id: options.character_id.or(parts.character_id),
                    scopes: info.scopes,
                    operation: info.id,
                };
                source
                    .access_token(request)
                    .await
                    .map_err(|source| Error::TokenSource {
                        operation: info.id,
                        source,
                    })?
            }
            _ => {
                if !info.scopes.is_empty() {
                    return Err(Error::MissingToken {
                        operation: info.id,
                        scopes: info.scopes,
                    });
                }
                return Ok(None);
            }
        };
        let claims = TokenClaims::read(token.secret());
        check_expiry(info, &claims)?;
        check_scopes(info, &claims)?;
        let identity = match (token.vouched_character(), &inner.token_verifier) {
            (Some(character_id), _) => identity::character(character_id),
            (None, Some(verifier)) => match verifier.verify(token.secret()).await {
                Ok(verified) => identity::character(verified.character_id),
                Err(reason) => {
                    return Err(Error::TokenRejected {
                        operation: info.id,
                        reason,
                    });
                }
            },
            (None, None) => identity::token_hash(token.secret()),
        };
        let scopes = claims.scopes.as_deref().map(scopes_fingerprint);
        Ok(Some(Credentials {
            token,
            identity,
            scopes,
        }))
    }
}

/// A token whose `exp` has passed is refused before anything is sent.
fn check_expiry(info: &OperationInfo, claims: &TokenClaims) -> Result<()> {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    match claims.expires {
        Some(expires) if expires <= now => Err(Error::TokenExpired { operation: info.id }),
        _ => Ok(()),
    }
}

/// A token whose JWT lists its scopes must have the operation's.
fn check_scopes(info: &OperationInfo, claims: &TokenClaims) -> Result<()> {
    let Some(scopes) = &claims.scopes else {
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

/// One call, as every request it sends shares it.
pub(crate) struct Call<'a> {
    pub parts: &'a CallParts,
    pub options: &'a CallOptions,
    pub credentials: Option<&'a Credentials>,
    /// When the call fails with [`Error::DeadlineExceeded`], retries and waits included.
    pub deadline: tokio::time::Instant,
}

/// A request ready to send (possibly several times).
pub(crate) struct Prepared {
    pub info: &'static OperationInfo,
    pub url: String,
    pub headers: HeaderMap,
    pub body: Option<Bytes>,
    /// Where a fresh answer is cached and identical requests meet (GETs only).
    pub cache_key: Option<String>,
    /// Whether a fresh answer may be stored in the cache.
    pub store: bool,
    /// Whether a fresh cache entry is revalidated instead of served.
    pub revalidate: bool,
    /// The caller's `ETag`, sent as `If-None-Match` in place of the cache's.
    pub if_none_match: Option<String>,
    /// Whether a 403 or 404 is remembered and answers again (negative caching).
    pub remember_refusals: bool,
    /// The fingerprint of the token's scopes, if it names them.
    pub scopes: Option<String>,
    /// Whose limits and cache entries these are: a character, a token hash, or `public`.
    pub who: String,
    /// The call's deadline: a wait for ESI's limits that would end later fails at once.
    pub deadline: tokio::time::Instant,
    /// The largest body read, after decompression.
    pub max_body_size: u64,
}

/// The body, split into chunks of at most `max_items` when it is a longer list.
pub(crate) fn chunked_bodies(parts: &CallParts) -> Result<Vec<Bytes>> {
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

/// Builds one request of the call: path and parameters from the operation, the rest from the
/// options and the client.
pub(crate) fn prepare(inner: &Inner, call: &Call<'_>, body: Option<Bytes>) -> Result<Prepared> {
    let (parts, options) = (call.parts, call.options);
    let info = parts.info;
    check_path(info, &parts.path)?;
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
    headers.insert(reqwest::header::USER_AGENT, inner.user_agent_header.clone());
    for (name, value) in &params.headers {
        insert(&mut headers, name, value, info)?;
    }
    let date = compatibility_date(inner, info, options)?;
    if let Some(date) = date {
        insert(&mut headers, "x-compatibility-date", date, info)?;
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
    let who = match call.credentials {
        Some(credentials) => {
            let mut value =
                HeaderValue::from_str(&format!("Bearer {}", credentials.token.secret()))
                    .map_err(|_| bad_header(info, "Authorization"))?;
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
            credentials.identity.clone()
        }
        None => "public".to_string(),
    };
    if body.is_some() {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    // Everything that can change the answer: who asks, the URL (query included), and the
    // headers that select data (date, tenant, language, the operation's own header
    // parameters).
    let cache_key = (info.method == http::Method::GET).then(|| {
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
        revalidate: options.revalidate,
        if_none_match: options.if_none_match.clone(),
        remember_refusals: !options.no_negative_cache && inner.negative.ttl.is_some(),
        scopes: call.credentials.and_then(|c| c.scopes.clone()),
        who,
        deadline: call.deadline,
        max_body_size: options.max_body_size.unwrap_or(inner.max_body_size),
    })
}

/// Path parameters may not be empty, `.` or `..`: a server or proxy would read them as another
/// route (`/killmails/1/..` is `/killmails/`). Each segment that holds a parameter in the
/// operation's template is checked (values are percent-encoded, so they hold no `/`).
fn check_path(info: &OperationInfo, path: &str) -> Result<()> {
    let template = info.path.split('/');
    let mut actual = path.split('/');
    for segment in template {
        let value = actual.next();
        if !segment.contains('{') {
            continue;
        }
        match value {
            Some("" | "." | "..") | None => {
                return Err(Error::InvalidOption {
                    operation: info.id,
                    message: format!(
                        "the path parameter {segment} is {:?}: empty, `.` and `..` would \
                         change the route",
                        value.unwrap_or("")
                    ),
                });
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// The `X-Compatibility-Date` to send, checked: the call's, else the operation's pinned
/// resource version, else the client's, else the date of the spec the operation came from.
fn compatibility_date<'a>(
    inner: &'a Inner,
    info: &'static OperationInfo,
    options: &'a CallOptions,
) -> Result<Option<&'a str>> {
    if !info.takes(ClientParam::CompatibilityDate) {
        return Ok(None);
    }
    let date = options
        .compatibility_date
        .as_deref()
        .or(info.compatibility_date)
        .or(inner.compatibility_date.as_deref())
        .or(info.spec_date);
    if let Some(date) = date {
        crate::dates::check_compatibility_date(date, SystemTime::now()).map_err(|e| {
            Error::InvalidOption {
                operation: info.id,
                message: e.to_string(),
            }
        })?;
    }
    Ok(date)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::Client;
    use crate::client::UserAgent;

    const fn info(pinned: Option<&'static str>) -> OperationInfo {
        let params = &[ClientParam::CompatibilityDate];
        crate::operation::test_operation("/thing", true, params, pinned, Some("2025-11-06"))
    }

    static DATED: OperationInfo = info(None);
    static KILLMAIL: OperationInfo = crate::operation::test_operation(
        "/killmails/{killmail_id}/{killmail_hash}",
        true,
        &[],
        None,
        None,
    );

    fn call<'a>(parts: &'a CallParts, options: &'a CallOptions) -> Call<'a> {
        Call {
            parts,
            options,
            credentials: None,
            deadline: tokio::time::Instant::now(),
        }
    }

    #[test]
    fn path_parameters_that_would_change_the_route_are_refused() {
        let client = client(None);
        let options = CallOptions::default();
        for value in ["", ".", ".."] {
            let parts = CallParts {
                info: &KILLMAIL,
                path: format!("/killmails/1/{value}"),
                params: Params::default(),
                body: None,
                character_id: None,
            };
            let refused = prepare(&client.inner, &call(&parts, &options), None).err();
            assert!(
                matches!(refused, Some(Error::InvalidOption { .. })),
                "{value:?}: {refused:?}"
            );
        }
        let parts = CallParts {
            info: &KILLMAIL,
            path: format!("/killmails/1/{}", crate::path_segment("a.b..c")),
            params: Params::default(),
            body: None,
            character_id: None,
        };
        assert!(prepare(&client.inner, &call(&parts, &options), None).is_ok());
    }
    static PINNED: OperationInfo = info(Some("2025-12-01"));

    fn date_sent(client: &Client, info: &'static OperationInfo, options: &CallOptions) -> String {
        let parts = CallParts {
            info,
            path: info.path.to_string(),
            params: Params::default(),
            body: None,
            character_id: None,
        };
        let prepared = prepare(&client.inner, &call(&parts, options), None).unwrap();
        let date = prepared.headers.get("x-compatibility-date").unwrap();
        date.to_str().unwrap().to_string()
    }

    fn client(date: Option<&str>) -> Client {
        let mut builder = Client::builder().user_agent(UserAgent::new("t", "1").email("t@t.t"));
        if let Some(date) = date {
            builder = builder.compatibility_date(date);
        }
        builder.build().unwrap()
    }

    #[test]
    fn the_date_is_the_calls_then_the_resource_versions_then_the_clients_then_the_specs() {
        let default = CallOptions::default();
        assert_eq!(date_sent(&client(None), &DATED, &default), "2025-11-06");
        assert_eq!(
            date_sent(&client(Some("2026-01-01")), &DATED, &default),
            "2026-01-01"
        );
        assert_eq!(
            date_sent(&client(Some("2026-01-01")), &PINNED, &default),
            "2025-12-01"
        );
        let call = CallOptions {
            compatibility_date: Some("2025-06-01".into()),
            ..CallOptions::default()
        };
        assert_eq!(
            date_sent(&client(Some("2026-01-01")), &PINNED, &call),
            "2025-06-01"
        );
    }

    #[test]
    fn every_request_carries_the_runtimes_user_agent() {
        let client = client(None);
        let parts = CallParts {
            info: &DATED,
            path: "/thing".into(),
            params: Params::default(),
            body: None,
            character_id: None,
        };
        let options = CallOptions::default();
        let prepared = prepare(&client.inner, &call(&parts, &options), None).unwrap();
        let ua = prepared
            .headers
            .get("user-agent")
            .unwrap()
            .to_str()
            .unwrap();
        assert!(ua.starts_with("t/1 (t@t.t) esi-rs/"), "{ua}");
    }
}
