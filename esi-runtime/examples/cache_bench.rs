//! Measures [`MemoryCache`] against the cache it replaced (first in, first out, a `VecDeque`
//! scanned on every replace), both driven through [`CacheStore`] in the same run:
//! - the bytes each holds after 100,000 distinct URLs of a ~1 KB body (counted by this
//!   program's allocator: every byte allocated and not yet freed), with the same bounds and
//!   with each one's default bounds;
//! - the time of one `put` into a full cache of 30,000 entries, of a new URL (evicting one)
//!   and of a URL already held (an answer refreshed when it expires).
//!
//! ```text
//! cargo run --release -p esi-runtime --example cache_bench
//! ```
//!
//! Not a test: it prints figures.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use esi_runtime::{CacheStore, CachedResponse, MemoryCache};
use futures::executor::block_on;

/// The system allocator, counting the bytes in use and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let live = LIVE.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

// SAFETY: every call is passed to `System` unchanged; only counters are updated besides.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is `System`'s.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract is `System`'s.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            grew(new_size);
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The response cache as it was before the LRU one (`esi-runtime/src/cache.rs` at d600450),
/// kept here only to be measured against.
mod fifo {
    use std::collections::{HashMap, VecDeque};
    use std::sync::Mutex;
    use std::time::{Duration, SystemTime};

    use esi_runtime::{BoxFuture, CacheStore, CachedResponse};

    fn weight(entry: &CachedResponse) -> usize {
        entry.body.len()
            + entry
                .headers
                .iter()
                .map(|(k, v)| k.len() + v.len())
                .sum::<usize>()
            + 64
    }

    /// First in, first out; bounded by entries and bytes.
    pub struct FifoCache {
        max_entries: usize,
        max_bytes: usize,
        state: Mutex<State>,
    }

    #[derive(Default)]
    struct State {
        entries: HashMap<String, (CachedResponse, SystemTime)>,
        order: VecDeque<String>,
        bytes: usize,
    }

    impl FifoCache {
        /// The old `MemoryCache::new`.
        pub fn new(max_entries: usize, max_bytes: usize) -> Self {
            FifoCache {
                max_entries: max_entries.max(1),
                max_bytes,
                state: Mutex::new(State::default()),
            }
        }

        /// The old `MemoryCache::default`.
        pub fn old_default() -> Self {
            FifoCache::new(10_000, 256 * 1024 * 1024)
        }

        /// Entries and bytes held.
        pub fn len_bytes(&self) -> (usize, usize) {
            let state = self.lock();
            (state.entries.len(), state.bytes)
        }

        fn lock(&self) -> std::sync::MutexGuard<'_, State> {
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

    impl CacheStore for FifoCache {
        fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<CachedResponse>> {
            let mut state = self.lock();
            let found = match state.entries.get(key) {
                Some((entry, keep_until)) if SystemTime::now() < *keep_until => Some(entry.clone()),
                Some(_) => {
                    if let Some((old, _)) = state.entries.remove(key) {
                        state.bytes -= weight(&old);
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
                state.bytes -= weight(&old);
                state.order.retain(|k| k != key);
            }
            Box::pin(std::future::ready(()))
        }
    }
}

use fifo::FifoCache;

/// How long entries are kept (long enough that none expires during a run).
const KEEP: Duration = Duration::from_secs(86_400);

/// The cache key of the `i`-th URL, shaped as the client makes them.
fn key(i: usize) -> String {
    format!(
        "char:{}|https://esi.evetech.net/characters/{}/assets/?page=1|2025-08-26||",
        2_112_000_000 + i,
        2_112_000_000 + i
    )
}

/// An answer of a ~1 KB body with the headers ESI sends (about 700 bytes of text).
fn answer(i: usize) -> CachedResponse {
    let body = format!("[{{\"item_id\":{i},\"type_id\":34,\"quantity\":1}}]");
    let mut body = body.into_bytes();
    body.resize(1_000, b' ');
    let headers = [
        ("access-control-allow-credentials", "true"),
        (
            "access-control-allow-headers",
            "Content-Type,Authorization,If-None-Match,X-User-Agent",
        ),
        ("access-control-allow-methods", "GET,HEAD,OPTIONS"),
        ("access-control-allow-origin", "*"),
        (
            "access-control-expose-headers",
            "Content-Type,Warning,ETag,X-Pages,X-ESI-Error-Limit-Remain,X-ESI-Error-Limit-Reset",
        ),
        ("access-control-max-age", "600"),
        ("cache-control", "public, max-age=3600"),
        ("content-type", "application/json; charset=UTF-8"),
        ("date", "Wed, 26 Aug 2025 12:00:00 GMT"),
        (
            "etag",
            "\"0d2b6c3e6a1f0f0c9a2b4d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c\"",
        ),
        ("expires", "Wed, 26 Aug 2025 13:00:00 GMT"),
        ("last-modified", "Wed, 26 Aug 2025 12:00:00 GMT"),
        ("strict-transport-security", "max-age=31536000"),
        ("x-esi-error-limit-remain", "100"),
        ("x-esi-error-limit-reset", "60"),
        ("x-esi-request-id", "6b1d2f0e-3c4a-4b5d-8e6f-7a8b9c0d1e2f"),
        ("x-pages", "1"),
    ];
    CachedResponse {
        status: 200,
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body: Bytes::from(body),
        etag: Some(format!("\"{i:056x}\"")),
        fresh_until: None,
    }
}

/// A cache from `make` after `n` distinct URLs, and the bytes allocated then that were not
/// allocated before it was made.
fn held_after(make: &dyn Fn() -> Box<dyn CacheStore>, n: usize) -> (Box<dyn CacheStore>, usize) {
    let before = LIVE.load(Ordering::Relaxed);
    let cache = make();
    for i in 0..n {
        block_on(cache.put(&key(i), answer(i), KEEP));
    }
    let held = LIVE.load(Ordering::Relaxed).saturating_sub(before);
    (cache, held)
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn memory() {
    const URLS: usize = 100_000;
    println!("(a) bytes allocated by the cache after {URLS} distinct URLs, ~1 KB body each");
    println!("    (an answer weighs {} bytes: body, header text, 64)", {
        let a = answer(0);
        a.body.len()
            + a.headers
                .iter()
                .map(|(k, v)| k.len() + v.len())
                .sum::<usize>()
            + 64
    });
    type Case = (&'static str, Box<dyn Fn() -> Box<dyn CacheStore>>);
    let cases: [Case; 4] = [
        (
            "old, 100,000 entries / 1 GiB",
            Box::new(|| Box::new(FifoCache::new(URLS, 1 << 30))),
        ),
        (
            "new, 100,000 entries / 1 GiB",
            Box::new(|| Box::new(MemoryCache::new(URLS, 1 << 30))),
        ),
        (
            "old default (10,000 / 256 MiB)",
            Box::new(|| Box::new(FifoCache::old_default())),
        ),
        (
            "new default (30,000 / 256 MiB)",
            Box::new(|| Box::new(MemoryCache::default())),
        ),
    ];
    for (label, make) in cases {
        PEAK.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
        let base = LIVE.load(Ordering::Relaxed);
        let (cache, held) = held_after(&*make, URLS);
        let peak = PEAK.load(Ordering::Relaxed).saturating_sub(base);
        // The trait has no length: count the URLs it still answers.
        let entries = (0..URLS)
            .filter(|&i| block_on(cache.get(&key(i))).is_some())
            .count();
        println!(
            "    {label:<32} {entries:>7} entries  {:7.1} MiB held  {:6} B/entry  peak {:7.1} MiB",
            mib(held),
            held / entries.max(1),
            mib(peak)
        );
        drop(cache);
    }
}

/// Mean time of one put of `entries` into a full cache (`keys[i]` for `entries[i]`).
fn time_puts(cache: &dyn CacheStore, keys: &[String], entries: Vec<CachedResponse>) -> Duration {
    let n = keys.len().max(1) as u32;
    let started = Instant::now();
    for (key, entry) in keys.iter().zip(entries) {
        block_on(cache.put(key, entry, KEEP));
    }
    started.elapsed() / n
}

fn put_time() {
    const FULL: usize = 30_000;
    println!("(b) time of one put into a full cache of {FULL} entries (1 GiB bound)");
    let fill = |cache: &dyn CacheStore| {
        for i in 0..FULL {
            block_on(cache.put(&key(i), answer(i), KEEP));
        }
    };
    // New URLs: each put evicts one. Held URLs: each put replaces one (spread over the order).
    let new_keys: Vec<String> = (FULL..2 * FULL).map(key).collect();
    // After the new URLs, the cache holds URLs FULL..2 * FULL.
    let held_keys =
        |n: usize| -> Vec<String> { (0..n).map(|i| key(FULL + i * 7_919 % FULL)).collect() };
    let answers = |n: usize| -> Vec<CachedResponse> { (0..n).map(answer).collect() };

    let old = FifoCache::new(FULL, 1 << 30);
    fill(&old);
    let old_new = time_puts(&old, &new_keys, answers(FULL));
    // The old replace scans the whole order: fewer puts keep the run short.
    let old_held = time_puts(&old, &held_keys(2_000), answers(2_000));
    assert_eq!(old.len_bytes().0, FULL);
    assert!(block_on(old.get(&key(2 * FULL - 1))).is_some());
    drop(old);

    let new = MemoryCache::new(FULL, 1 << 30);
    fill(&new);
    let new_new = time_puts(&new, &new_keys, answers(FULL));
    let new_held = time_puts(&new, &held_keys(FULL), answers(FULL));
    assert_eq!(new.len(), FULL);
    assert!(block_on(new.get(&key(2 * FULL - 1))).is_some());

    let ratio = |old: Duration, new: Duration| old.as_secs_f64() / new.as_secs_f64().max(1e-12);
    println!(
        "    new URL (evicts one): old {:>9.2?}  new {:>9.2?}  old/new {:6.1}x",
        old_new,
        new_new,
        ratio(old_new, new_new)
    );
    println!(
        "    held URL (replaces):  old {:>9.2?}  new {:>9.2?}  old/new {:6.1}x",
        old_held,
        new_held,
        ratio(old_held, new_held)
    );
}

fn main() {
    memory();
    put_time();
}
