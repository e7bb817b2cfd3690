//! Remembered refusals (negative caching): ESI answers 403 for a structure the character may
//! not see and 404 for an object that is gone, and each such answer spends one error of the
//! error window (100 a minute, then 420 on every route). A 403 or 404 to a GET is kept under
//! the call's cache key (so per character, or per unvouched token, and URL) until the
//! answer's `Expires`, or for the client's [`NegativeCaching::ttl`] when it has none, and
//! answered again from there with the same typed error, without a request.
//!
//! A remembered 403 holds for tokens with the same scopes only: a new token of the character
//! with other scopes (a login that granted more) asks ESI again.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::HeaderMap;
use sha2::{Digest, Sha256};

use crate::cache::{CacheStore, CachedResponse, fresh_until, headers_to};
use crate::identity::short_hex;

/// Whether and how long refusals are remembered.
///
/// ```
/// use std::time::Duration;
/// use esi_runtime::NegativeCaching;
///
/// let default = NegativeCaching::default();
/// assert_eq!(default.ttl, Some(Duration::from_secs(3600)));
/// assert_eq!(NegativeCaching::off().ttl, None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NegativeCaching {
    /// How long a 403 or 404 without `Expires` is remembered; `None`: refusals are not
    /// remembered at all. Default: an hour (ESI's answers that carry `Expires` keep theirs).
    pub ttl: Option<Duration>,
}

impl NegativeCaching {
    /// Refusals are not remembered.
    pub fn off() -> Self {
        NegativeCaching { ttl: None }
    }
}

impl Default for NegativeCaching {
    fn default() -> Self {
        NegativeCaching {
            ttl: Some(Duration::from_secs(3600)),
        }
    }
}

/// The stored entry's header naming the scopes of the token a 403 answered.
const SCOPES: &str = "esi-client-refused-scopes";

/// Whether `status` is a refusal worth remembering.
fn remembered(status: u16) -> bool {
    matches!(status, 403 | 404)
}

/// A fingerprint of a token's scopes (order does not matter).
pub(crate) fn scopes_fingerprint(scopes: &[String]) -> String {
    let mut sorted: Vec<&str> = scopes.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    sorted.dedup();
    let mut digest = Sha256::new();
    for scope in sorted {
        digest.update(scope.as_bytes());
        digest.update([0]);
    }
    short_hex(&digest.finalize())
}

/// Whether a stored entry is a remembered refusal that answers, now, a call whose token has
/// the scopes of fingerprint `scopes`.
pub(crate) fn answers(entry: &CachedResponse, scopes: Option<&str>, now: SystemTime) -> bool {
    remembered(entry.status)
        && entry.is_fresh(now)
        && (entry.status != 403 || refused_scopes(entry) == scopes)
}

fn refused_scopes(entry: &CachedResponse) -> Option<&str> {
    entry
        .headers
        .iter()
        .find(|(name, _)| name == SCOPES)
        .map(|(_, value)| value.as_str())
}

/// A refusal to keep: ESI's answer, and the fingerprint of the scopes of the call's token.
pub(crate) struct Refusal<'a> {
    pub status: u16,
    pub headers: &'a HeaderMap,
    pub body: &'a Bytes,
    pub scopes: Option<&'a str>,
}

/// Keeps ESI's 403 or 404 under `key` until its `Expires`, else for `ttl`.
pub(crate) async fn remember(
    cache: &dyn CacheStore,
    key: &str,
    ttl: Duration,
    refusal: Refusal<'_>,
) {
    let Refusal {
        status,
        headers,
        body,
        scopes,
    } = refusal;
    if !remembered(status) {
        return;
    }
    let now = SystemTime::now();
    let until = fresh_until(headers, now).unwrap_or(now + ttl);
    let mut stored = headers_to(headers);
    if let Some(scopes) = scopes {
        stored.push((SCOPES.to_string(), scopes.to_string()));
    }
    let entry = CachedResponse {
        status,
        headers: stored,
        body: body.clone(),
        etag: None,
        fresh_until: Some(until),
    };
    cache
        .put(key, entry, until.duration_since(now).unwrap_or_default())
        .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_of_a_scope_set_ignores_order_and_repeats() {
        let scopes = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let a = scopes_fingerprint(&scopes(&["esi-a.v1", "esi-b.v1"]));
        assert_eq!(
            a,
            scopes_fingerprint(&scopes(&["esi-b.v1", "esi-a.v1", "esi-a.v1"]))
        );
        assert_ne!(a, scopes_fingerprint(&scopes(&["esi-a.v1"])));
        assert_ne!(
            scopes_fingerprint(&scopes(&["ab", "c"])),
            scopes_fingerprint(&scopes(&["a", "bc"]))
        );
    }
}
