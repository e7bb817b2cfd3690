//! [`MemoryCache`]: the in-process response cache, the client's default [`CacheStore`]
//! (`ClientBuilder` makes one; `RedisCache` keeps one to fall back on).
//!
//! Invariant: the entries held number at most `max_entries` and weigh at most `max_bytes`
//! together (the running total is the sum of the weights held), and the one to go next is the
//! least recently used, a read counting as a use. Reads, stores and removals are O(1); each
//! eviction pays for a store made earlier.

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use lru::LruCache;

use super::{CacheStore, CachedResponse};
use crate::future::BoxFuture;

/// What an entry weighs on top of its body and header text (the `CachedResponse` itself, the
/// bookkeeping around it), so that many empty answers still count.
const ENTRY_OVERHEAD: usize = 64;

/// An in-process cache bounded by entry count and total bytes, evicting the least recently
/// used entry first (a read counts as a use).
///
/// An entry's weight is its body, its header names and values, and a small fixed overhead.
/// The memory in use runs about 1 KiB an entry above the weights (the key, one allocation per
/// header name and value, the bookkeeping: `examples/cache_bench.rs` counts it).
/// An entry is never served once its `keep_for` has passed: it is dropped when it is read, and
/// when it reaches the least-recently-used end as another is stored.
pub struct MemoryCache {
    max_entries: usize,
    max_bytes: usize,
    state: Mutex<MemoryState>,
}

/// The entries in recency order, and the sum of their weights.
struct MemoryState {
    entries: LruCache<String, Kept>,
    bytes: usize,
}

/// One entry, until when it is worth keeping, and its weight when stored.
struct Kept {
    entry: CachedResponse,
    /// `None`: for as long as there is room (a `keep_for` past what `SystemTime` can hold).
    keep_until: Option<SystemTime>,
    weight: usize,
}

impl Kept {
    fn expired(&self, now: SystemTime) -> bool {
        self.keep_until.is_some_and(|until| now >= until)
    }
}

impl MemoryCache {
    /// Entries [`MemoryCache::default`] holds at most.
    pub const DEFAULT_MAX_ENTRIES: usize = 30_000;

    /// Bytes [`MemoryCache::default`] holds at most: 256 MiB. A typical ESI answer (a
    /// character, a corporation, a type, an order list of one character) weighs 1–4 KiB with
    /// its headers, so 30,000 of them take 30–120 MiB and the entry bound is the one reached;
    /// the rest leaves room for large paged answers (a page of a region's market orders or of
    /// a corporation's assets weighs 100–400 KiB), which the byte bound then limits.
    pub const DEFAULT_MAX_BYTES: usize = 256 * 1024 * 1024;

    /// A cache of at most `max_entries` entries (at least one) and `max_bytes` bytes of
    /// bodies, headers and per-entry overhead. An entry heavier than `max_bytes` is not kept.
    pub fn new(max_entries: usize, max_bytes: usize) -> Self {
        MemoryCache {
            max_entries: max_entries.max(1),
            max_bytes,
            state: Mutex::new(MemoryState {
                // Unbounded for the crate: the bounds are enforced here, by entries and bytes
                // at once, and nothing is allocated up front for entries not yet stored.
                entries: LruCache::unbounded(),
                bytes: 0,
            }),
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

    /// Bytes held (the sum of the entries' weights).
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    fn lock(&self) -> MutexGuard<'_, MemoryState> {
        // A panic while the lock was held cannot have broken the state: `bytes` changes only
        // right after the entry it counts is stored or removed.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The live entry of `key` at `now`, made the most recently used.
    fn read(&self, key: &str, now: SystemTime) -> Option<CachedResponse> {
        let mut state = self.lock();
        // `get` makes the entry the most recently used.
        let live = state
            .entries
            .get(key)
            .map(|kept| (!kept.expired(now)).then(|| kept.entry.clone()));
        match live {
            Some(Some(entry)) => Some(entry),
            Some(None) => {
                state.forget(key);
                None
            }
            None => None,
        }
    }

    /// Stores `entry` at `now`, making room by evicting the least recently used.
    fn insert(&self, key: &str, entry: CachedResponse, keep_for: Duration, now: SystemTime) {
        let weight = weight(&entry);
        let mut state = self.lock();
        // The new answer replaces the old one even when it is not kept itself.
        state.forget(key);
        if weight > self.max_bytes || keep_for.is_zero() {
            return;
        }
        // Expired entries at the least-recently-used end go whether or not room is needed.
        while state
            .entries
            .peek_lru()
            .is_some_and(|(_, kept)| kept.expired(now))
        {
            state.evict_lru();
        }
        while state.entries.len() >= self.max_entries
            || state.bytes.saturating_add(weight) > self.max_bytes
        {
            if !state.evict_lru() {
                break;
            }
        }
        state.entries.put(
            key.to_string(),
            Kept {
                entry,
                keep_until: now.checked_add(keep_for),
                weight,
            },
        );
        state.bytes += weight;
    }
}

impl MemoryState {
    /// Removes the entry of `key`, if any.
    fn forget(&mut self, key: &str) {
        if let Some(old) = self.entries.pop(key) {
            self.bytes -= old.weight;
        }
    }

    /// Removes the least recently used entry; `false` when there is none.
    fn evict_lru(&mut self) -> bool {
        match self.entries.pop_lru() {
            Some((_, old)) => {
                self.bytes -= old.weight;
                true
            }
            None => false,
        }
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
        + ENTRY_OVERHEAD
}

impl Default for MemoryCache {
    /// [`DEFAULT_MAX_ENTRIES`](MemoryCache::DEFAULT_MAX_ENTRIES) (30,000) entries,
    /// [`DEFAULT_MAX_BYTES`](MemoryCache::DEFAULT_MAX_BYTES) (256 MiB).
    fn default() -> Self {
        MemoryCache::new(Self::DEFAULT_MAX_ENTRIES, Self::DEFAULT_MAX_BYTES)
    }
}

impl std::fmt::Debug for MemoryCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.lock();
        f.debug_struct("MemoryCache")
            .field("max_entries", &self.max_entries)
            .field("max_bytes", &self.max_bytes)
            .field("entries", &state.entries.len())
            .field("bytes", &state.bytes)
            .finish()
    }
}

impl CacheStore for MemoryCache {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<CachedResponse>> {
        Box::pin(std::future::ready(self.read(key, SystemTime::now())))
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        entry: CachedResponse,
        keep_for: Duration,
    ) -> BoxFuture<'a, ()> {
        self.insert(key, entry, keep_for, SystemTime::now());
        Box::pin(std::future::ready(()))
    }

    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, ()> {
        self.lock().forget(key);
        Box::pin(std::future::ready(()))
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use proptest::prelude::*;

    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000 + secs)
    }

    /// An answer weighing `ENTRY_OVERHEAD + len` (no headers).
    fn entry(len: usize) -> CachedResponse {
        CachedResponse {
            status: 200,
            headers: vec![],
            body: Bytes::from(vec![b'x'; len]),
            etag: Some("\"x\"".into()),
            fresh_until: None,
        }
    }

    fn has(cache: &MemoryCache, key: &str, now: SystemTime) -> bool {
        cache.read(key, now).is_some()
    }

    #[test]
    fn a_read_entry_survives_and_the_least_recently_used_goes() {
        // Fails on first-in-first-out eviction, which drops "a", read just before.
        let cache = MemoryCache::new(2, 1 << 20);
        cache.insert("a", entry(1), MINUTE, at(0));
        cache.insert("b", entry(1), MINUTE, at(1));
        assert!(has(&cache, "a", at(2)));
        cache.insert("c", entry(1), MINUTE, at(3));
        assert!(!has(&cache, "b", at(4)), "the least recently used goes");
        assert!(has(&cache, "a", at(4)) && has(&cache, "c", at(4)));
        // Storing counts as a use too: "a" was read last, so "c" goes now.
        cache.insert("a", entry(2), MINUTE, at(5));
        cache.insert("d", entry(1), MINUTE, at(6));
        assert!(!has(&cache, "c", at(7)));
        assert!(has(&cache, "a", at(7)) && has(&cache, "d", at(7)));
    }

    #[test]
    fn bounded_by_entries() {
        let cache = MemoryCache::new(3, 1 << 20);
        for (i, key) in ["a", "b", "c", "d", "e"].into_iter().enumerate() {
            cache.insert(key, entry(10), MINUTE, at(i as u64));
        }
        assert_eq!(cache.len(), 3);
        assert_eq!(cache.bytes(), 3 * (10 + ENTRY_OVERHEAD));
        for key in ["c", "d", "e"] {
            assert!(has(&cache, key, at(9)), "{key}");
        }
        // At least one entry, whatever was asked.
        let one = MemoryCache::new(0, 1 << 20);
        one.insert("a", entry(1), MINUTE, at(0));
        one.insert("b", entry(1), MINUTE, at(0));
        assert_eq!(one.len(), 1);
        assert!(has(&one, "b", at(1)));
    }

    #[test]
    fn bounded_by_bytes() {
        let weight = 100 + ENTRY_OVERHEAD;
        let cache = MemoryCache::new(100, 3 * weight + 10);
        for (i, key) in ["a", "b", "c", "d"].into_iter().enumerate() {
            cache.insert(key, entry(100), MINUTE, at(i as u64));
        }
        assert_eq!(cache.len(), 3);
        assert_eq!(cache.bytes(), 3 * weight);
        assert!(!has(&cache, "a", at(9)));
        // A heavy entry pushes out as many of the least recently used as it needs.
        assert!(has(&cache, "b", at(10)));
        cache.insert("big", entry(2 * weight - ENTRY_OVERHEAD), MINUTE, at(11));
        assert!(!has(&cache, "c", at(12)) && !has(&cache, "d", at(12)));
        assert!(has(&cache, "b", at(12)) && has(&cache, "big", at(12)));
        assert_eq!(cache.bytes(), 3 * weight);
        // One heavier than the whole bound is not kept, and pushes nothing out.
        cache.insert("huge", entry(4 * weight), MINUTE, at(13));
        assert!(!has(&cache, "huge", at(14)));
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn replacing_an_entry_updates_bytes() {
        let cache = MemoryCache::new(10, 1_000);
        cache.insert("k", entry(100), MINUTE, at(0));
        cache.insert("k", entry(10), MINUTE, at(1));
        assert_eq!((cache.len(), cache.bytes()), (1, 10 + ENTRY_OVERHEAD));
        cache.insert("k", entry(500), MINUTE, at(2));
        assert_eq!((cache.len(), cache.bytes()), (1, 500 + ENTRY_OVERHEAD));
        // A newer answer too heavy to keep still replaces the older one (never served stale).
        cache.insert("k", entry(5_000), MINUTE, at(3));
        assert!(cache.is_empty());
        assert_eq!(cache.bytes(), 0);
    }

    #[test]
    fn expired_entries_are_never_served_and_are_dropped() {
        let cache = MemoryCache::new(10, 1 << 20);
        cache.insert("k", entry(10), Duration::from_secs(10), at(0));
        assert!(has(&cache, "k", at(9)));
        assert!(!has(&cache, "k", at(10)));
        assert!(cache.is_empty());
        assert_eq!(cache.bytes(), 0);
        // Nothing worth keeping is not stored.
        cache.insert("now", entry(10), Duration::ZERO, at(20));
        assert!(cache.is_empty());
        // Expired entries at the least-recently-used end go when another is stored, with room
        // to spare; a live one behind them stops the sweep.
        cache.insert("old", entry(10), Duration::from_secs(5), at(30));
        cache.insert("live", entry(10), MINUTE, at(31));
        cache.insert("old2", entry(10), Duration::from_secs(5), at(32));
        cache.insert("new", entry(10), MINUTE, at(40));
        assert_eq!(cache.len(), 3, "only the expired entry at the end went");
        assert_eq!(cache.bytes(), 3 * (10 + ENTRY_OVERHEAD));
        assert!(
            !has(&cache, "old2", at(41)),
            "expired behind a live one: not served"
        );
        assert_eq!(cache.len(), 2);
        // A `keep_for` beyond what the clock can hold keeps the entry as long as there is room.
        cache.insert("ever", entry(10), Duration::MAX, at(50));
        assert!(has(&cache, "ever", at(1_000_000)));
    }

    #[tokio::test]
    async fn the_store_trait_reads_stores_and_removes() {
        let cache = MemoryCache::default();
        cache.put("k", entry(10), MINUTE).await;
        assert_eq!(cache.get("k").await, Some(entry(10)));
        cache.remove("k").await;
        assert!(cache.get("k").await.is_none());
        assert_eq!((cache.len(), cache.bytes()), (0, 0));
        cache.put("z", entry(10), Duration::ZERO).await;
        assert!(cache.get("z").await.is_none());
    }

    #[test]
    fn the_default_holds_thirty_thousand_typical_answers() {
        let cache = MemoryCache::default();
        for i in 0..MemoryCache::DEFAULT_MAX_ENTRIES + 10 {
            cache.insert(&format!("/v1/characters/{i}/"), entry(2_000), MINUTE, at(0));
        }
        // 2 KiB answers: the entry bound is reached long before the byte bound.
        assert_eq!(cache.len(), 30_000);
        assert_eq!(cache.bytes(), 30_000 * (2_000 + ENTRY_OVERHEAD));
        assert!(!has(&cache, "/v1/characters/9/", at(1)));
        assert!(has(&cache, "/v1/characters/10/", at(1)));
    }

    /// One step of a random workload over a few keys.
    #[derive(Debug, Clone)]
    enum Step {
        Put { key: u8, len: usize, keep: u64 },
        Get(u8),
        Remove(u8),
        Tick(u64),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            4 => (0..8u8, 0..200usize, 0..6u64).prop_map(|(key, len, keep)| Step::Put { key, len, keep }),
            3 => (0..8u8).prop_map(Step::Get),
            1 => (0..8u8).prop_map(Step::Remove),
            1 => (0..4u64).prop_map(Step::Tick),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// The cache agrees with a plain list kept in recency order (least recent first),
        /// and stays within its bounds with `bytes` the sum of the weights held.
        #[test]
        fn agrees_with_a_recency_list(steps in proptest::collection::vec(step(), 1..120)) {
            let (max_entries, max_bytes) = (4, 600);
            let cache = MemoryCache::new(max_entries, max_bytes);
            // (key, weight, expires at second)
            let mut model: Vec<(u8, usize, u64)> = Vec::new();
            let mut now = 0u64;
            for step in steps {
                match step {
                    Step::Put { key, len, keep } => {
                        cache.insert(&key.to_string(), entry(len), Duration::from_secs(keep), at(now));
                        model.retain(|(k, ..)| *k != key);
                        let weight = len + ENTRY_OVERHEAD;
                        if weight <= max_bytes && keep > 0 {
                            while model.first().is_some_and(|(.., until)| *until <= now) {
                                model.remove(0);
                            }
                            while model.len() >= max_entries
                                || model.iter().map(|(_, w, _)| w).sum::<usize>() + weight > max_bytes
                            {
                                model.remove(0);
                            }
                            model.push((key, weight, now + keep));
                        }
                    }
                    Step::Get(key) => {
                        let found = cache.read(&key.to_string(), at(now)).is_some();
                        let expected = match model.iter().position(|(k, ..)| *k == key) {
                            Some(i) => {
                                let kept = model.remove(i);
                                let live = kept.2 > now;
                                if live {
                                    model.push(kept);
                                }
                                live
                            }
                            None => false,
                        };
                        prop_assert_eq!(found, expected, "get {}", key);
                    }
                    Step::Remove(key) => {
                        cache.lock().forget(&key.to_string());
                        model.retain(|(k, ..)| *k != key);
                    }
                    Step::Tick(secs) => now += secs,
                }
                let bytes: usize = model.iter().map(|(_, w, _)| w).sum();
                prop_assert_eq!((cache.len(), cache.bytes()), (model.len(), bytes));
                prop_assert!(cache.len() <= max_entries && cache.bytes() <= max_bytes);
            }
        }
    }
}
