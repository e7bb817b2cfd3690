//! Cache windows: when ESI's cached copy of a GET resource was generated and when it expires.
//!
//! ESI caches each resource for its cache time and refreshes it on its own schedule, not when a
//! client asks: a resource's time is cut into windows of the cache time, and every answer inside
//! one window says the same `Expires` (the window's end) and `Last-Modified` (its start), even
//! when the data and its `ETag` did not change. Each resource's windows start at its own phase
//! ([`CachePhase`]), so boundaries of different URLs fall at different times. The handler's
//! cache headers (`caching`) read this module; it holds only the arithmetic, in whole seconds of
//! the fake's server time.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::rng::seed_of;

/// Where the cache windows of a resource begin.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum CachePhase {
    /// Each resource (operation and identifying parameters, without `page`) starts its
    /// windows at its own offset, derived from a hash of the resource and the seed: as ESI,
    /// a window boundary can fall at any moment of a client's run. The default.
    #[default]
    PerResource,
    /// Every resource's windows start at multiples of its cache time since the Unix epoch
    /// (plus this many seconds), so a test can place itself at the start of a window. As
    /// strict as [`CachePhase::PerResource`] about headers; only the boundaries are known.
    Aligned {
        /// Offset of every window boundary from the multiples of the cache time, in seconds.
        offset_seconds: u64,
    },
}

impl CachePhase {
    /// Windows on multiples of the cache time since the Unix epoch.
    pub const EPOCH: CachePhase = CachePhase::Aligned { offset_seconds: 0 };

    /// Windows with a boundary at `at` (whole seconds of server time) for every cache time: a
    /// test starting at `at` has a whole cache time of each route before the first boundary,
    /// so what it counts (requests per page, cache hits) does not hang on where one falls.
    pub fn starting_at(at: SystemTime) -> CachePhase {
        CachePhase::Aligned {
            offset_seconds: seconds_of(at),
        }
    }

    /// The phase, in `0..length` seconds, of the resource named by `key` (with `seed`).
    pub(crate) fn of(self, key: &[&[u8]], seed: u64, length: u64) -> u64 {
        let length = length.max(1);
        match self {
            CachePhase::PerResource => {
                let seed = seed.to_le_bytes();
                seed_of(key.iter().copied().chain([seed.as_slice()])) % length
            }
            CachePhase::Aligned { offset_seconds } => offset_seconds % length,
        }
    }
}

/// One cache window of a resource: `[start, end)` in whole seconds of server time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CacheWindow {
    /// When the cached copy was generated: the answers' `Last-Modified`.
    pub start: SystemTime,
    /// When it expires: the answers' `Expires`.
    pub end: SystemTime,
}

impl CacheWindow {
    /// The window holding `at`, for windows of `length` seconds (at least 1) starting at
    /// `phase + k × length` seconds since the Unix epoch.
    pub(crate) fn at(at: SystemTime, length: u64, phase: u64) -> Self {
        let length = length.max(1);
        let phase = phase % length;
        let secs = seconds_of(at);
        let (start, end) = match secs.checked_sub(phase) {
            Some(since) => {
                let start = phase + since / length * length;
                (start, start.saturating_add(length))
            }
            // Before the first boundary after the epoch: only for clocks near 1970.
            None => (0, phase),
        };
        CacheWindow {
            start: UNIX_EPOCH + Duration::from_secs(start),
            end: UNIX_EPOCH + Duration::from_secs(end),
        }
    }

    /// `max-age` for an answer given at `now`: the seconds until [`CacheWindow::end`], rounded
    /// up (so `Date` plus `max-age` is `Expires`, and a client counting `max-age` from its
    /// arrival keeps the answer up to a second past `Expires`).
    pub(crate) fn max_age(&self, now: SystemTime) -> u64 {
        let left = self.end.duration_since(now).unwrap_or_default();
        left.as_secs() + u64::from(left.subsec_nanos() > 0)
    }
}

/// Whole seconds since the Unix epoch (0 before it).
pub(crate) fn seconds_of(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs()
}

/// `at` without its fraction of a second.
pub(crate) fn whole_seconds(at: SystemTime) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds_of(at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: u64, millis: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_millis(millis)
    }

    #[test]
    fn windows_start_at_the_phase() {
        let window = CacheWindow::at(t(1_000_010, 300), 5, 3);
        assert_eq!(
            (window.start, window.end),
            (t(1_000_008, 0), t(1_000_013, 0))
        );
        let next = CacheWindow::at(t(1_000_013, 0), 5, 3);
        assert_eq!(
            next.start, window.end,
            "a boundary belongs to the next window"
        );
        let aligned = CacheWindow::at(t(1_000_002, 0), 5, 0);
        assert_eq!(aligned.end, t(1_000_005, 0));
        assert_eq!(CacheWindow::at(t(2, 0), 5, 3).end, t(3, 0));
    }

    #[test]
    fn max_age_is_rounded_up() {
        let window = CacheWindow::at(t(100, 0), 60, 0);
        assert_eq!(window.end, t(120, 0));
        assert_eq!(window.max_age(t(110, 1)), 10);
        assert_eq!(window.max_age(t(110, 999)), 10);
        assert_eq!(window.max_age(t(110, 0)), 10);
        assert_eq!(window.max_age(t(119, 999)), 1, "never 0 inside the window");
    }

    #[test]
    fn phases_differ_per_resource_and_stay_put() {
        let phase = |key: &str| CachePhase::PerResource.of(&[key.as_bytes()], 0, 300);
        let phases: std::collections::HashSet<u64> = (0..50)
            .map(|i| phase(&format!("/characters/{i}/")))
            .collect();
        assert!(phases.len() > 30, "{phases:?}");
        assert!(phases.iter().all(|p| *p < 300));
        assert_eq!(phase("/a"), phase("/a"));
        assert_eq!(CachePhase::EPOCH.of(&[b"/a"], 0, 300), 0);
        let offset = CachePhase::Aligned { offset_seconds: 7 };
        assert_eq!(offset.of(&[b"/a"], 0, 5), 2);
        let start = UNIX_EPOCH + Duration::from_millis(1_000_123_400);
        let phase = CachePhase::starting_at(start);
        for length in [5, 30, 300, 3600] {
            let window = CacheWindow::at(start, length, phase.of(&[b"/a"], 0, length));
            assert_eq!(window.start, whole_seconds(start), "{length}");
        }
    }
}
