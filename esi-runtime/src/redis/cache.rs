//! [`RedisCache`]: the response/ETag cache in Redis, one string key per entry
//! (`<prefix>cache:<sha256 of the cache key>`) that expires with the entry's keep time, and a
//! small in-process cache standing in while Redis is down.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use bytes::Bytes;
use sha2::{Digest, Sha256};

use super::Link;
use crate::cache::{CacheStore, CachedResponse, MemoryCache};
use crate::future::BoxFuture;

/// The response cache in Redis, shared by every process using the same Redis and prefix.
/// Build it with [`RedisStore::cache`](super::RedisStore::cache).
pub struct RedisCache {
    link: Arc<Link>,
    /// Serves and keeps entries while Redis is down.
    fallback: MemoryCache,
}

impl std::fmt::Debug for RedisCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisCache")
            .field("prefix", &self.link.config.prefix)
            .field("fallback_entries", &self.fallback.len())
            .finish_non_exhaustive()
    }
}

impl RedisCache {
    pub(crate) fn new(link: Arc<Link>) -> Self {
        let fallback = MemoryCache::new(
            link.config.fallback_cache_entries,
            link.config.fallback_cache_bytes,
        );
        RedisCache { link, fallback }
    }

    fn redis_key(&self, key: &str) -> String {
        let digest = Sha256::digest(key.as_bytes());
        let mut name = self.link.key("cache:");
        for byte in digest {
            name.push_str(&format!("{byte:02x}"));
        }
        name
    }

    async fn load(&self, key: &str) -> Option<CachedResponse> {
        if !self.link.is_down() {
            let mut cmd = ::redis::cmd("GET");
            cmd.arg(self.redis_key(key));
            match self.link.query::<Option<Vec<u8>>>(&cmd).await {
                Ok(Some(bytes)) => match decode(&bytes) {
                    Some(entry) => return Some(entry),
                    None => tracing::debug!("unreadable cache entry in Redis; ignored"),
                },
                Ok(None) => {}
                Err(e) => tracing::debug!(error = %e, "Redis cache read failed"),
            }
        }
        // Entries stored while Redis was down.
        self.fallback.get(key).await
    }

    async fn store(&self, key: &str, entry: CachedResponse, keep_for: Duration) {
        if !self.link.is_down() {
            let millis = u64::try_from(keep_for.as_millis())
                .unwrap_or(u64::MAX)
                .max(1);
            let mut cmd = ::redis::cmd("SET");
            cmd.arg(self.redis_key(key))
                .arg(encode(&entry))
                .arg("PX")
                .arg(millis);
            match self.link.query::<()>(&cmd).await {
                Ok(()) => return,
                Err(e) => tracing::debug!(error = %e, "Redis cache write failed"),
            }
        }
        self.fallback.put(key, entry, keep_for).await;
    }

    async fn forget(&self, key: &str) {
        if !self.link.is_down() {
            let mut cmd = ::redis::cmd("DEL");
            cmd.arg(self.redis_key(key));
            if let Err(e) = self.link.query::<()>(&cmd).await {
                tracing::debug!(error = %e, "Redis cache delete failed");
            }
        }
        self.fallback.remove(key).await;
    }
}

impl CacheStore for RedisCache {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<CachedResponse>> {
        Box::pin(self.load(key))
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        entry: CachedResponse,
        keep_for: Duration,
    ) -> BoxFuture<'a, ()> {
        Box::pin(self.store(key, entry, keep_for))
    }

    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, ()> {
        Box::pin(self.forget(key))
    }
}

/// Format version of an encoded entry.
const VERSION: u8 = 1;
/// Length marking an absent string.
const ABSENT: u32 = u32::MAX;

/// `version, status, fresh_until (ms since 1970, 0: none), etag, headers, body`; lengths are
/// big-endian u32 and the body is the rest.
fn encode(entry: &CachedResponse) -> Vec<u8> {
    let headers: usize = entry
        .headers
        .iter()
        .map(|(k, v)| 8 + k.len() + v.len())
        .sum();
    let mut out = Vec::with_capacity(32 + headers + entry.body.len());
    out.push(VERSION);
    out.extend_from_slice(&entry.status.to_be_bytes());
    let fresh = entry
        .fresh_until
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1))
        .unwrap_or(0);
    out.extend_from_slice(&fresh.to_be_bytes());
    match &entry.etag {
        Some(etag) => put_str(&mut out, etag),
        None => out.extend_from_slice(&ABSENT.to_be_bytes()),
    }
    let count = u32::try_from(entry.headers.len()).unwrap_or(0);
    out.extend_from_slice(&count.to_be_bytes());
    for (name, value) in entry.headers.iter().take(count as usize) {
        put_str(&mut out, name);
        put_str(&mut out, value);
    }
    out.extend_from_slice(&entry.body);
    out
}

fn put_str(out: &mut Vec<u8>, text: &str) {
    // Header values and ETags are far below 4 GiB; a longer one is cut, never misread.
    let bytes = &text.as_bytes()[..text.len().min(ABSENT as usize - 1)];
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// Reads an entry; `None` for anything malformed (another version, a truncated value).
fn decode(bytes: &[u8]) -> Option<CachedResponse> {
    let mut r = Reader { bytes, at: 0 };
    if r.take(1)? != [VERSION] {
        return None;
    }
    let status = u16::from_be_bytes(r.take(2)?.try_into().ok()?);
    let fresh = u64::from_be_bytes(r.take(8)?.try_into().ok()?);
    let fresh_until = (fresh > 0)
        .then(|| UNIX_EPOCH.checked_add(Duration::from_millis(fresh)))
        .flatten();
    let etag = r.string()?;
    let count = r.u32()?;
    let mut headers = Vec::with_capacity((count as usize).min(256));
    for _ in 0..count {
        let name = r.string()??;
        let value = r.string()??;
        headers.push((name, value));
    }
    let body = Bytes::copy_from_slice(r.rest());
    Some(CachedResponse {
        status,
        headers,
        body,
        etag,
        fresh_until,
    })
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let out = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(out)
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_be_bytes(self.take(4)?.try_into().ok()?))
    }

    /// `Some(None)` for an absent string, `None` when malformed.
    fn string(&mut self) -> Option<Option<String>> {
        let len = self.u32()?;
        if len == ABSENT {
            return Some(None);
        }
        let raw = self.take(len as usize)?;
        Some(Some(String::from_utf8(raw.to_vec()).ok()?))
    }

    fn rest(&self) -> &'a [u8] {
        self.bytes.get(self.at..).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_and_garbage_is_refused() {
        let entry = CachedResponse {
            status: 200,
            headers: vec![
                ("expires".into(), "Thu, 01 Jan 2037 00:00:00 GMT".into()),
                ("x-pages".into(), "3".into()),
            ],
            body: Bytes::from_static(b"[1,2,3]"),
            etag: Some("\"abc\"".into()),
            fresh_until: Some(UNIX_EPOCH + Duration::from_millis(1_900_000_000_123)),
        };
        let bytes = encode(&entry);
        assert_eq!(decode(&bytes), Some(entry.clone()));
        let bare = CachedResponse {
            etag: None,
            fresh_until: None,
            headers: vec![],
            ..entry
        };
        assert_eq!(decode(&encode(&bare)), Some(bare));
        for cut in 0..20 {
            assert_eq!(decode(&bytes[..cut]), None, "cut at {cut}");
        }
        assert_eq!(decode(b"\x02rest"), None);
        assert_eq!(
            decode(&[1, 0, 200, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xfe]),
            None
        );
    }
}
