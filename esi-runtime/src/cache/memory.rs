//! [`MemoryCache`]: the in-process response cache, the client's default [`CacheStore`]
//! (`ClientBuilder` makes one; `RedisCache` keeps one to fall back on).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use super::{CacheStore, CachedResponse};
use crate::future::BoxFuture;

/// An in-process cache bounded by entry count and total bytes, evicting the oldest entries
/// first.
#[derive(Debug)]
pub struct MemoryCache {
    max_entries: usize,
    max_bytes: usize,
    state: Mutex<MemoryState>,
}

#[derive(Debug, Default)]
struct MemoryState {
    entries: HashMap<String, (CachedResponse, SystemTime)>,
    order: VecDeque<String>,
    bytes: usize,
}

impl MemoryCache {
    /// A cache of at most `max_entries` entries and `max_bytes` bytes of bodies and headers.
    pub fn new(max_entries: usize, max_bytes: usize) -> Self {
        MemoryCache {
            max_entries: max_entries.max(1),
            max_bytes,
            state: Mutex::new(MemoryState::default()),
        }
    }

    /// Number of entries held.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemoryState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn insert(&self, key: &str, entry: CachedResponse, keep_for: Duration) {
        let weight = weight(&entry);
        if weight > self.max_bytes {
            return;
        }
        let mut state = self.lock();
        if let Some((old, _)) = state.entries.remove(key) {
            state.bytes -= self::weight(&old);
            state.order.retain(|k| k != key);
        }
        let now = SystemTime::now();
        while state.entries.len() >= self.max_entries || state.bytes + weight > self.max_bytes {
            let Some(oldest) = state.order.pop_front() else {
                break;
            };
            if let Some((old, _)) = state.entries.remove(&oldest) {
                state.bytes -= self::weight(&old);
            }
        }
        state.bytes += weight;
        state.order.push_back(key.to_string());
        state
            .entries
            .insert(key.to_string(), (entry, now + keep_for));
    }
}

impl Default for MemoryCache {
    /// 10,000 entries, 256 MiB.
    fn default() -> Self {
        MemoryCache::new(10_000, 256 * 1024 * 1024)
    }
}

impl CacheStore for MemoryCache {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<CachedResponse>> {
        let mut state = self.lock();
        let found = match state.entries.get(key) {
            Some((entry, keep_until)) if SystemTime::now() < *keep_until => Some(entry.clone()),
            Some(_) => {
                if let Some((old, _)) = state.entries.remove(key) {
                    state.bytes -= self::weight(&old);
                }
                state.order.retain(|k| k != key);
                None
            }
            None => None,
        };
        Box::pin(std::future::ready(found))
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        entry: CachedResponse,
        keep_for: Duration,
    ) -> BoxFuture<'a, ()> {
        self.insert(key, entry, keep_for);
        Box::pin(std::future::ready(()))
    }

    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, ()> {
        let mut state = self.lock();
        if let Some((old, _)) = state.entries.remove(key) {
            state.bytes -= self::weight(&old);
            state.order.retain(|k| k != key);
        }
        Box::pin(std::future::ready(()))
    }
}

/// What an entry counts for against the byte bound.
fn weight(entry: &CachedResponse) -> usize {
    entry.body.len()
        + entry
            .headers
            .iter()
            .map(|(k, v)| k.len() + v.len())
            .sum::<usize>()
        + 64
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;

    fn entry(body: &str) -> CachedResponse {
        CachedResponse {
            status: 200,
            headers: vec![],
            body: Bytes::from(body.to_string()),
            etag: Some("\"x\"".into()),
            fresh_until: None,
        }
    }

    #[tokio::test]
    async fn memory_cache_is_bounded_by_entries_and_bytes() {
        let cache = MemoryCache::new(2, 1_000);
        for key in ["a", "b", "c"] {
            cache.put(key, entry("body"), Duration::from_secs(60)).await;
        }
        assert_eq!(cache.len(), 2);
        assert!(cache.get("a").await.is_none(), "oldest entry evicted");
        assert!(cache.get("c").await.is_some());

        let small = MemoryCache::new(100, 300);
        for key in ["a", "b", "c", "d"] {
            small
                .put(key, entry(&"x".repeat(100)), Duration::from_secs(60))
                .await;
        }
        assert!(small.bytes() <= 300);
        assert!(small.get("d").await.is_some());
    }

    #[tokio::test]
    async fn expired_entries_are_dropped() {
        let cache = MemoryCache::default();
        cache.put("k", entry("b"), Duration::from_millis(0)).await;
        assert!(cache.get("k").await.is_none());
        assert!(cache.is_empty());
    }
}
