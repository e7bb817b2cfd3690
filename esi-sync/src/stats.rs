//! [`SyncStats`]: a worker's counters (jobs due, 304 ratio, errors, budget holds) and its
//! scheduling lag (start minus `Expires`), read by tests, benchmarks and the CLI's progress view.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Lag samples kept for percentiles (the oldest go first).
const MAX_LAG_SAMPLES: usize = 200_000;

/// A worker's counters since it started. Shared by its tasks.
#[derive(Debug, Default)]
pub struct SyncStats {
    claimed: AtomicU64,
    runs: AtomicU64,
    requests: AtomicU64,
    not_modified: AtomicU64,
    unchanged: AtomicU64,
    delivered: AtomicU64,
    esi_errors: AtomicU64,
    handler_errors: AtomicU64,
    budget_holds: AtomicU64,
    lost_leases: AtomicU64,
    lags_ms: Mutex<Vec<i64>>,
    groups: Mutex<BTreeMap<&'static str, GroupUse>>,
}

/// The group of routes without a rate limit of their own (ESI's error window only).
pub const NO_GROUP: &str = "(no group)";

/// What a worker used of one of ESI's rate-limit groups.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GroupUse {
    /// Requests sent (pages counted).
    pub requests: u64,
    /// ESI's token cost of the successful runs' requests: 2 per answer with data, 1 per 304
    /// (a run mixing both counted at 2 a page, so an upper bound).
    pub tokens: u64,
    /// Jobs held back to leave the group's interactive share.
    pub holds: u64,
}

/// A copy of a worker's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatsSnapshot {
    /// Due jobs taken under a lease.
    pub claimed: u64,
    /// Runs finished (successes and failures).
    pub runs: u64,
    /// Requests sent to ESI (pages counted; answers from the client's cache not).
    pub requests: u64,
    /// Runs ESI answered 304 (every page).
    pub not_modified: u64,
    /// Runs whose data had not changed (304, or the stored `ETag`).
    pub unchanged: u64,
    /// Changes handed to handlers successfully.
    pub delivered: u64,
    /// Runs failed by ESI, the network or the token.
    pub esi_errors: u64,
    /// Runs whose handler failed.
    pub handler_errors: u64,
    /// Jobs held back to keep the interactive share of the budget.
    pub budget_holds: u64,
    /// Runs whose lease had expired before they finished (their result was dropped).
    pub lost_leases: u64,
}

impl StatsSnapshot {
    /// Unchanged runs over runs (0 with no runs).
    pub fn unchanged_ratio(&self) -> f64 {
        ratio(self.unchanged, self.runs)
    }

    /// Runs ESI answered 304 over runs (0 with no runs).
    pub fn not_modified_ratio(&self) -> f64 {
        ratio(self.not_modified, self.runs)
    }
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

impl SyncStats {
    pub(crate) fn add(&self, counter: Counter, n: u64) {
        let c = match counter {
            Counter::Claimed => &self.claimed,
            Counter::Runs => &self.runs,
            Counter::Requests => &self.requests,
            Counter::NotModified => &self.not_modified,
            Counter::Unchanged => &self.unchanged,
            Counter::Delivered => &self.delivered,
            Counter::EsiErrors => &self.esi_errors,
            Counter::HandlerErrors => &self.handler_errors,
            Counter::BudgetHolds => &self.budget_holds,
            Counter::LostLeases => &self.lost_leases,
        };
        c.fetch_add(n, Ordering::Relaxed);
    }

    /// Records how late a run started after its data expired.
    pub(crate) fn lag(&self, lag_ms: i64) {
        let mut lags = self.lags_ms.lock().unwrap_or_else(|e| e.into_inner());
        if lags.len() >= MAX_LAG_SAMPLES {
            lags.drain(..MAX_LAG_SAMPLES / 2);
        }
        lags.push(lag_ms);
    }

    /// Records a successful run's `requests` in rate-limit `group`, all 304 or not.
    pub(crate) fn group_requests(&self, group: &'static str, requests: u64, not_modified: bool) {
        let mut groups = self.groups.lock().unwrap_or_else(|e| e.into_inner());
        let used = groups.entry(group).or_default();
        used.requests += requests;
        used.tokens += requests * if not_modified { 1 } else { 2 };
    }

    /// Records a job of rate-limit `group` held back for the interactive share.
    pub(crate) fn group_hold(&self, group: &'static str) {
        let mut groups = self.groups.lock().unwrap_or_else(|e| e.into_inner());
        groups.entry(group).or_default().holds += 1;
    }

    /// What the worker used of each rate-limit group so far (routes without one under
    /// [`NO_GROUP`]), by group name.
    pub fn groups(&self) -> BTreeMap<&'static str, GroupUse> {
        self.groups
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The counters now.
    pub fn snapshot(&self) -> StatsSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        StatsSnapshot {
            claimed: get(&self.claimed),
            runs: get(&self.runs),
            requests: get(&self.requests),
            not_modified: get(&self.not_modified),
            unchanged: get(&self.unchanged),
            delivered: get(&self.delivered),
            esi_errors: get(&self.esi_errors),
            handler_errors: get(&self.handler_errors),
            budget_holds: get(&self.budget_holds),
            lost_leases: get(&self.lost_leases),
        }
    }

    /// The lag (start minus `Expires`, in ms) at percentile `p` (0..=100) of the runs so far.
    pub fn lag_percentile(&self, p: f64) -> Option<i64> {
        self.lag_percentiles([p]).map(|[lag]| lag)
    }

    /// The lags at several percentiles, from one copy and one sort of the samples (none
    /// before the first run).
    pub fn lag_percentiles<const N: usize>(&self, ps: [f64; N]) -> Option<[i64; N]> {
        let mut lags = self
            .lags_ms
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if lags.is_empty() {
            return None;
        }
        lags.sort_unstable();
        Some(ps.map(|p| nearest_rank(&lags, p)))
    }
}

/// The value at percentile `p` (nearest rank) of `values`.
#[cfg(test)]
fn percentile(values: &mut [i64], p: f64) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    Some(nearest_rank(values, p))
}

/// The value at percentile `p` of `sorted` (not empty), by nearest rank.
fn nearest_rank(sorted: &[i64], p: f64) -> i64 {
    let rank = ((p.clamp(0.0, 100.0) / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.saturating_sub(1).min(sorted.len() - 1)]
}

/// The counters a worker keeps.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Counter {
    Claimed,
    Runs,
    Requests,
    NotModified,
    Unchanged,
    Delivered,
    EsiErrors,
    HandlerErrors,
    BudgetHolds,
    LostLeases,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let mut v: Vec<i64> = (1..=100).rev().collect();
        assert_eq!(percentile(&mut v, 50.0), Some(50));
        assert_eq!(percentile(&mut v, 99.0), Some(99));
        assert_eq!(percentile(&mut v, 100.0), Some(100));
        assert_eq!(percentile(&mut [], 50.0), None);
    }

    #[test]
    fn group_use_counts_requests_tokens_and_holds() {
        let stats = SyncStats::default();
        stats.group_requests("char-wallet", 3, false);
        stats.group_requests("char-wallet", 2, true);
        stats.group_hold("char-wallet");
        stats.group_requests(NO_GROUP, 1, false);
        let groups = stats.groups();
        assert_eq!(
            groups["char-wallet"],
            GroupUse {
                requests: 5,
                tokens: 8,
                holds: 1
            }
        );
        assert_eq!(groups[NO_GROUP].requests, 1);
    }
}
