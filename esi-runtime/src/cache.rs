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

/// Until when an answer may be served from the cache, on our clock: ESI's rule, the earlier of
/// `Expires` and `max-age`, both counted from the answer's `Date` by the server's clock (less
/// its `Age`, RFC 9111 §4.2.3), then laid onto our clock from `now`, the moment it arrived.
/// `no-store`/`no-cache` mean not at all; at most a day.
///
/// Counting the lifetime on the server's clock is what keeps the client from asking before
/// `Expires` when the two clocks disagree: `Expires − Date` is how long the server says the
/// answer lives, whatever our clock reads. ESI rounds `max-age` up to a whole second, so taken
/// alone from arrival it outlives `Expires`; `Expires` wins. HTTP dates are whole seconds, so a
/// cache hit may come up to one second (plus the answer's transit) after the server's
/// `Expires`, and never a request before it. Without `Date` the lifetime counts from `now`.
pub(crate) fn fresh_until(headers: &http::HeaderMap, now: SystemTime) -> Option<SystemTime> {
    let cache_control = headers
        .get(http::header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .map(str::to_ascii_lowercase);
    let directives = || {
        cache_control
            .iter()
            .flat_map(|cc| cc.split(','))
            .map(str::trim)
    };
    if directives().any(|d| d == "no-store" || d == "no-cache") {
        return None;
    }
    let max_age = directives()
        .filter_map(|d| d.strip_prefix("max-age="))
        .find_map(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let date = date_of(headers, http::header::DATE).unwrap_or(now);
    // A date we cannot read, or one before `Date`, is already expired (RFC 9111 §5.3).
    let until_expires = headers.get(http::header::EXPIRES).map(|_| {
        date_of(headers, http::header::EXPIRES)
            .and_then(|expires| expires.duration_since(date).ok())
            .unwrap_or_default()
    });
    let lifetime = match (until_expires, max_age) {
        (Some(a), Some(b)) => a.min(b),
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => return None,
    };
    let left = lifetime
        .saturating_sub(Duration::from_secs(header_age(headers)))
        .min(MAX_FRESH);
    (!left.is_zero()).then(|| now + left)
}

/// The longest an answer is served from the cache: a day.
const MAX_FRESH: Duration = Duration::from_secs(86_400);

/// An HTTP date header, as a time.
fn date_of(headers: &http::HeaderMap, name: http::HeaderName) -> Option<SystemTime> {
    crate::response::http_date(headers.get(name)).map(SystemTime::from)
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

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn http(secs: u64) -> String {
        chrono::DateTime::<chrono::Utc>::from(at(secs))
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string()
    }

    fn headers(pairs: &[(&str, String)]) -> http::HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                    v.parse().unwrap(),
                )
            })
            .collect()
    }

    const T: u64 = 1_800_000_000;

    #[test]
    fn expires_wins_over_a_max_age_rounded_up() {
        // ESI at T + 0.4 s: `Expires` at T + 20, `max-age` 19.6 s rounded up to 20.
        let answer = headers(&[
            ("date", http(T)),
            ("expires", http(T + 20)),
            ("cache-control", "public, max-age=20".into()),
        ]);
        assert_eq!(fresh_until(&answer, at(T)), Some(at(T + 20)));
        // The same answer read a second late by a slow transit: still 20 s from its `Date`.
        assert_eq!(fresh_until(&answer, at(T + 1)), Some(at(T + 21)));
        // `max-age` shorter than `Expires`: max-age wins.
        let short = headers(&[
            ("date", http(T)),
            ("expires", http(T + 60)),
            ("cache-control", "max-age=30".into()),
        ]);
        assert_eq!(fresh_until(&short, at(T)), Some(at(T + 30)));
    }

    #[test]
    fn lifetimes_count_on_the_servers_clock() {
        let answer = |date: u64| {
            headers(&[
                ("date", http(date)),
                ("expires", http(date + 20)),
                ("cache-control", "max-age=20".into()),
            ])
        };
        // Server 5 s ahead of us, or 5 s behind: 20 s from arrival either way, so no request
        // before the server's `Expires`.
        assert_eq!(fresh_until(&answer(T + 5), at(T)), Some(at(T + 20)));
        assert_eq!(fresh_until(&answer(T - 5), at(T)), Some(at(T + 20)));
    }

    #[test]
    fn age_expired_and_uncacheable_answers() {
        let aged = headers(&[
            ("date", http(T)),
            ("expires", http(T + 20)),
            ("age", "15".into()),
        ]);
        assert_eq!(fresh_until(&aged, at(T)), Some(at(T + 5)));
        let past = headers(&[("date", http(T)), ("expires", http(T - 1))]);
        assert_eq!(fresh_until(&past, at(T)), None);
        let unreadable = headers(&[
            ("expires", "0".into()),
            ("cache-control", "max-age=60".into()),
        ]);
        assert_eq!(fresh_until(&unreadable, at(T)), None, "RFC 9111 §5.3");
        let no_store = headers(&[
            ("expires", http(T + 60)),
            ("cache-control", "private, no-store".into()),
        ]);
        assert_eq!(fresh_until(&no_store, at(T)), None);
        assert_eq!(fresh_until(&http::HeaderMap::new(), at(T)), None);
        // Without `Date`, counted from arrival; at most a day.
        let bare = headers(&[("cache-control", "max-age=300".into())]);
        assert_eq!(fresh_until(&bare, at(T)), Some(at(T + 300)));
        let long = headers(&[("cache-control", "max-age=99999999".into())]);
        assert_eq!(fresh_until(&long, at(T)), Some(at(T + 86_400)));
    }
}
