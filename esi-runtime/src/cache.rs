//! The response cache: ETags for `If-None-Match`, and bodies still fresh by `Expires` /
//! `Cache-Control` served without asking ESI again (ESI asks clients not to).
//!
//! The key includes the identity of the token's character, so two characters never see each
//! other's data. [`MemoryCache`] (bounded by entries and bytes, least recently used out
//! first) is the default; [`CacheStore`] lets a shared store (Redis) plug in.

mod memory;

use std::time::{Duration, SystemTime};

use bytes::Bytes;

use crate::future::BoxFuture;

pub use memory::MemoryCache;

/// A cached answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedResponse {
    /// HTTP status of the stored answer (200).
    pub status: u16,
    /// Headers of the stored answer, as (name, value) text pairs.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Bytes,
    /// `ETag`.
    pub etag: Option<String>,
    /// Until when the body may be served without asking ESI.
    pub fresh_until: Option<SystemTime>,
}

impl CachedResponse {
    /// Whether the body may still be served without a request.
    pub fn is_fresh(&self, now: SystemTime) -> bool {
        self.fresh_until.is_some_and(|t| now < t)
    }
}

/// Where cached answers live. Implement it to share a cache between processes.
pub trait CacheStore: Send + Sync {
    /// The entry for `key`, if any.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<CachedResponse>>;
    /// Stores an entry; `keep_for` is how long it is worth keeping (its ETag stays useful
    /// after it goes stale).
    fn put<'a>(
        &'a self,
        key: &'a str,
        entry: CachedResponse,
        keep_for: Duration,
    ) -> BoxFuture<'a, ()>;
    /// Forgets an entry.
    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, ()>;
}

/// How long an answer stays fresh: `Cache-Control: max-age` (relative to now), else
/// `Expires`; `no-store`/`no-cache` mean not at all.
pub(crate) fn fresh_until(headers: &http::HeaderMap, now: SystemTime) -> Option<SystemTime> {
    if let Some(cc) = headers
        .get(http::header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
    {
        let cc = cc.to_ascii_lowercase();
        if cc.contains("no-store") || cc.contains("no-cache") {
            return None;
        }
        if let Some(age) = cc
            .split(',')
            .filter_map(|d| d.trim().strip_prefix("max-age="))
            .find_map(|v| v.trim().parse::<u64>().ok())
        {
            let age = age.saturating_sub(header_age(headers));
            return Some(now + Duration::from_secs(age.min(86_400)));
        }
    }
    let expires = crate::response::http_date(headers.get(http::header::EXPIRES))?;
    let expires = SystemTime::from(expires);
    (expires > now).then_some(expires)
}

fn header_age(headers: &http::HeaderMap) -> u64 {
    headers
        .get(http::header::AGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// How long a cache entry is worth keeping: while fresh, and a day longer for its ETag.
pub(crate) fn keep_for(fresh_until: Option<SystemTime>, now: SystemTime) -> Duration {
    let fresh = fresh_until
        .and_then(|t| t.duration_since(now).ok())
        .unwrap_or_default();
    fresh + Duration::from_secs(86_400)
}

/// An answer's headers as the cache keeps them (text values only).
pub(crate) fn headers_to(headers: &http::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect()
}

/// A cached answer's headers, back as a header map.
pub(crate) fn headers_from(pairs: &[(String, String)]) -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    for (k, v) in pairs {
        if let (Ok(k), Ok(v)) = (
            http::HeaderName::from_bytes(k.as_bytes()),
            http::HeaderValue::from_str(v),
        ) {
            headers.append(k, v);
        }
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freshness_prefers_max_age_then_expires() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let mut headers = http::HeaderMap::new();
        headers.insert("cache-control", "public, max-age=300".parse().unwrap());
        assert_eq!(
            fresh_until(&headers, now),
            Some(now + Duration::from_secs(300))
        );
        headers.insert("cache-control", "no-store".parse().unwrap());
        assert_eq!(fresh_until(&headers, now), None);
        headers.remove("cache-control");
        headers.insert("expires", "Mon, 15 Feb 2027 08:00:00 GMT".parse().unwrap());
        assert!(fresh_until(&headers, now).is_some());
        headers.insert("expires", "Thu, 01 Jan 2015 00:00:00 GMT".parse().unwrap());
        assert_eq!(fresh_until(&headers, now), None);
    }
}
