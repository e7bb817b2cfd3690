//! A rate-limit bucket ([`BucketState`]) and the buckets one process keeps ([`MemoryLimits`](crate::MemoryLimits)), one per
//! (group, identity), with bounded memory: without a token verifier every distinct token is an
//! identity, and each refresh makes a new one.
//!
//! A bucket not used for its whole window (and not blocked by a 429) has refilled: forgetting
//! it loses nothing, since an unknown bucket is treated as full. Those are dropped whenever the
//! table has doubled since it was last swept. If more than [`MAX_BUCKETS`] are still in use
//! after a sweep, the least recently used go first: the next answer of such an identity tells
//! its real count again.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// A snapshot of one rate-limit bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BucketState {
    /// Tokens in the bucket.
    pub limit: u32,
    /// Floating window.
    pub window: Duration,
    /// Tokens ESI said remain.
    pub remaining: u32,
    /// Blocked until then after a 429.
    pub blocked_until: Option<Instant>,
}

/// The most rate-limit buckets one [`MemoryLimits`](crate::MemoryLimits) keeps.
pub const MAX_BUCKETS: usize = 100_000;

/// Below this size the table is never swept.
const FIRST_SWEEP: usize = 1024;

/// One bucket and when it was last used.
#[derive(Debug, Clone, Copy)]
struct Kept {
    state: BucketState,
    used: Instant,
}

/// Buckets by (group, identity).
#[derive(Debug)]
pub(crate) struct BucketTable {
    buckets: HashMap<(String, String), Kept>,
    /// The size at which the next sweep runs.
    sweep_at: usize,
}

impl Default for BucketTable {
    fn default() -> Self {
        BucketTable {
            buckets: HashMap::new(),
            sweep_at: FIRST_SWEEP,
        }
    }
}

impl BucketTable {
    /// The bucket of `group` and `who`, marked used at `now`.
    pub(crate) fn get_mut(
        &mut self,
        group: &str,
        who: &str,
        now: Instant,
    ) -> Option<&mut BucketState> {
        let kept = self
            .buckets
            .get_mut(&(group.to_string(), who.to_string()))?;
        kept.used = now;
        Some(&mut kept.state)
    }

    /// The bucket of `group` and `who` as last seen.
    pub(crate) fn get(&self, group: &str, who: &str) -> Option<BucketState> {
        self.buckets
            .get(&(group.to_string(), who.to_string()))
            .map(|kept| kept.state)
    }

    /// The bucket of `group` and `who`, made from `new` if there is none, marked used at `now`.
    pub(crate) fn entry(
        &mut self,
        group: String,
        who: &str,
        now: Instant,
        new: BucketState,
    ) -> &mut BucketState {
        if self.buckets.len() >= self.sweep_at {
            self.sweep(now);
        }
        let kept = self
            .buckets
            .entry((group, who.to_string()))
            .or_insert(Kept {
                state: new,
                used: now,
            });
        kept.used = now;
        &mut kept.state
    }

    /// Drops the buckets that have refilled by `now`, then the least recently used beyond
    /// [`MAX_BUCKETS`].
    pub(crate) fn sweep(&mut self, now: Instant) {
        self.buckets.retain(|_, kept| in_use(kept, now));
        if self.buckets.len() > MAX_BUCKETS {
            let mut used: Vec<Instant> = self.buckets.values().map(|kept| kept.used).collect();
            let keep = MAX_BUCKETS * 3 / 4;
            let cut = used.len() - keep;
            used.select_nth_unstable(cut);
            let oldest_kept = used[cut];
            self.buckets.retain(|_, kept| kept.used >= oldest_kept);
        }
        self.sweep_at = (self.buckets.len() * 2).max(FIRST_SWEEP);
    }

    /// Buckets held.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.buckets.len()
    }
}

/// Whether a bucket still says something an unknown one would not: used within its window, or
/// blocked by a 429.
fn in_use(kept: &Kept, now: Instant) -> bool {
    let window = kept.state.window.max(Duration::from_secs(1));
    let blocked = kept.state.blocked_until.is_some_and(|until| until > now);
    blocked || now.saturating_duration_since(kept.used) < window
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(window_secs: u64) -> BucketState {
        BucketState {
            limit: 150,
            window: Duration::from_secs(window_secs),
            remaining: 10,
            blocked_until: None,
        }
    }

    #[test]
    fn a_million_identities_keep_the_table_bounded() {
        let mut table = BucketTable::default();
        let start = Instant::now();
        let mut largest = 0;
        for i in 0..1_000_000u32 {
            // One new identity every millisecond, buckets of a 15-minute window: all in use.
            let now = start + Duration::from_millis(u64::from(i));
            table.entry(
                "char-wallet".into(),
                &format!("token:{i}"),
                now,
                bucket(900),
            );
            largest = largest.max(table.len());
        }
        assert!(largest <= 2 * MAX_BUCKETS, "{largest}");
        // The most recent identities are kept.
        assert!(table.get("char-wallet", "token:999999").is_some());
        assert!(table.get("char-wallet", "token:0").is_none());
    }

    /// Bytes a map keyed by (group, identity) holds: its table (slots and control bytes, as
    /// std's hashbrown lays them out; capacity, not length, since a table never shrinks by
    /// itself) and the keys' text.
    fn counted_bytes<V>(map: &HashMap<(String, String), V>) -> usize {
        let slots = match map.capacity() {
            0 => 0,
            capacity => (capacity * 8 / 7).next_power_of_two(),
        };
        let control = if slots == 0 { 0 } else { slots + 16 };
        let text: usize = map
            .keys()
            .map(|(group, who)| group.capacity() + who.capacity())
            .sum();
        slots * std::mem::size_of::<((String, String), V)>() + control + text
    }

    #[test]
    #[ignore = "prints figures: cargo test -p esi-runtime --lib bucket_memory -- --ignored --nocapture"]
    fn bucket_memory_after_a_million_identities() {
        const IDENTITIES: u32 = 1_000_000;
        let mut table = BucketTable::default();
        // Before the table was bounded: every bucket kept for ever.
        let mut forever: HashMap<(String, String), BucketState> = HashMap::new();
        let start = Instant::now();
        let mut largest = 0;
        for i in 0..IDENTITIES {
            // As in the test above: a new identity every millisecond, 15-minute windows.
            let now = start + Duration::from_millis(u64::from(i));
            let who = format!("token:{i}");
            table.entry("char-wallet".into(), &who, now, bucket(900));
            forever.insert(("char-wallet".into(), who), bucket(900));
            largest = largest.max(table.len());
        }
        let (bounded, unbounded) = (counted_bytes(&table.buckets), counted_bytes(&forever));
        let mib = |bytes: usize| bytes as f64 / (1024.0 * 1024.0);
        println!("(c) rate-limit buckets after {IDENTITIES} identities (counted bytes)");
        println!(
            "    BucketTable (MAX_BUCKETS {MAX_BUCKETS}): {} held (at most {largest}), {:.1} MiB",
            table.len(),
            mib(bounded)
        );
        println!(
            "    unbounded HashMap:                   {} held, {:.1} MiB ({:.1}x)",
            forever.len(),
            mib(unbounded),
            unbounded as f64 / bounded as f64
        );
        assert!(bounded < unbounded);
    }

    #[test]
    fn refilled_buckets_are_dropped_and_blocked_or_recent_ones_kept() {
        let mut table = BucketTable::default();
        let start = Instant::now();
        table.entry("g".into(), "old", start, bucket(60));
        let blocked = table.entry("g".into(), "blocked", start, bucket(60));
        blocked.blocked_until = Some(start + Duration::from_secs(600));
        let later = start + Duration::from_secs(120);
        table.entry("g".into(), "recent", later, bucket(60));
        table.sweep(later);
        assert!(table.get("g", "old").is_none());
        assert!(table.get("g", "blocked").is_some());
        assert!(table.get("g", "recent").is_some());
        // Using a bucket keeps it.
        let again = later + Duration::from_secs(50);
        assert!(table.get_mut("g", "recent", again).is_some());
        table.sweep(again + Duration::from_secs(30));
        assert!(table.get("g", "recent").is_some());
    }
}
