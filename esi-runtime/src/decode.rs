//! Stage 4 of a call: an answer (from ESI, the cache, or a request shared with an identical
//! call) becomes the operation's typed value with its metadata, or a typed error.

use std::time::Duration;

use bytes::Bytes;
use reqwest::header::HeaderMap;

use crate::error::{Error, EsiErrorBody, Result, excerpt};
use crate::limits::LimitAnswer;
use crate::operation::OperationInfo;
use crate::response::{Response, http_date};

/// An answer before decoding.
#[derive(Debug, Clone)]
pub(crate) struct Raw {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub from_cache: bool,
    pub not_modified: bool,
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
    Ok(with_metadata(raw, data))
}

/// `data` with the metadata of the answer that carried it.
pub(crate) fn with_metadata<V>(raw: Raw, data: V) -> Response<V> {
    Response {
        data,
        status: raw.status,
        etag: header_text(&raw.headers, "etag"),
        expires: http_date(raw.headers.get("expires")),
        last_modified: http_date(raw.headers.get("last-modified")),
        pages: pages_header(&raw.headers),
        headers: raw.headers,
        from_cache: raw.from_cache,
        not_modified: raw.not_modified,
    }
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
    // and the error (with its line and column) are serde_json's. sonic-rs recurses without a
    // limit, so answers nested deeper than ESI's go straight to serde_json, which refuses
    // more than 128 levels with a decode error.
    #[cfg(feature = "fast-json")]
    if !crate::depth::nests_deeper_than(body, crate::depth::MAX_DEPTH) {
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

pub(crate) fn status_error(
    operation: &'static str,
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
) -> Error {
    // The limit headers are read as the limits read them (capped at MAX_LIMIT_WAIT).
    let limits = LimitAnswer::from_headers(None, status, headers);
    let or_a_minute = |d: Option<Duration>| d.unwrap_or(Duration::from_secs(60));
    match status {
        420 => Error::ErrorLimited {
            operation,
            reset: or_a_minute(limits.error_reset),
        },
        429 => Error::RateLimited {
            operation,
            group: limits.group,
            retry_after: or_a_minute(limits.retry_after),
        },
        _ => Error::Status {
            operation,
            status,
            error: serde_json::from_slice::<EsiErrorBody>(body).ok(),
            body_excerpt: excerpt(body, 200),
        },
    }
}

/// `X-Pages`: how many pages an answer's route has.
pub(crate) fn pages_header(headers: &HeaderMap) -> Option<u32> {
    header_text(headers, "x-pages").and_then(|p| p.trim().parse().ok())
}

pub(crate) fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
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

    /// Runs `f` on a thread with a task's stack (2 MiB), as the client's decoding runs.
    fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(f)
            .unwrap()
            .join()
            .unwrap()
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    #[serde(untagged)]
    enum OneOf {
        Number(i64),
        Order(Order),
    }

    #[test]
    fn limit_errors_carry_the_capped_waits_of_the_limits() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", u64::MAX.to_string().parse().expect("header"));
        headers.insert("x-esi-error-limit-reset", "7".parse().expect("header"));
        headers.insert("x-ratelimit-group", "char-wallet".parse().expect("header"));
        match status_error("GetWallet", 429, &headers, b"") {
            Error::RateLimited {
                group, retry_after, ..
            } => {
                assert_eq!(group.as_deref(), Some("char-wallet"));
                assert_eq!(retry_after, crate::MAX_LIMIT_WAIT);
            }
            other => panic!("{other:?}"),
        }
        match status_error("GetWallet", 420, &headers, b"") {
            Error::ErrorLimited { reset, .. } => assert_eq!(reset, Duration::from_secs(7)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn deeply_nested_answers_are_decode_errors_not_a_crash() {
        let deep = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let whole = deep(10_000);
        let outcome = on_small_stack(move || {
            decode("Op", false, whole.as_bytes(), PhantomData::<Vec<Order>>).map(|_| ())
        });
        assert!(matches!(outcome, Err(Error::Decode { .. })), "{outcome:?}");
        let untagged = format!("[{}]", deep(10_000));
        let outcome = on_small_stack(move || {
            decode("Op", false, untagged.as_bytes(), PhantomData::<Vec<OneOf>>).map(|_| ())
        });
        assert!(
            matches!(outcome, Err(Error::Decode { .. })),
            "untagged: {outcome:?}"
        );
        // An unknown field is skipped without recursion (serde_json): the known ones decode.
        let unknown = format!(
            r#"[{{"order_id": 1, "issued": "2026-11-20T05:12:25Z", "range": "x", "x": {}}}]"#,
            deep(10_000)
        );
        let outcome = on_small_stack(move || {
            decode("Op", false, unknown.as_bytes(), PhantomData::<Vec<Order>>)
                .map(|orders| orders[0].order_id)
        });
        assert_eq!(outcome.ok(), Some(1));
    }
}
