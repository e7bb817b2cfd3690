//! Serving a fleet: many characters kept fresh by a sync engine, with short cache times so a
//! test sees many expiry windows in seconds; and the [`FreshnessLog`] of every mode.
//!
//! With a [`FleetConfig`] set ([`FakeEsiConfig::fleet`](super::FakeEsiConfig::fleet)), every
//! GET is cached for the same short time, in windows aligned on the Unix epoch (not the
//! per-resource phases of [`CachePhase`](super::CachePhase)): fleet tests wait on the real
//! clock for a window to open and count one request per page and window, and each
//! character's data (seeded from the path parameters) changes every
//! [`FleetConfig::change_every`] windows, on boundaries every resource shares.
//!
//! In every mode, the [`FreshnessLog`] tells what a well-behaved client must never do: ask
//! again before the `Expires` it was given for a URL (compared in the fake's server time, skew
//! included), or run into a 420 or 429.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::PoisonError;
use std::time::SystemTime;

use super::window::{CacheWindow, seconds_of};

/// Short, epoch-aligned cache windows for every GET, and data that changes every few windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FleetConfig {
    /// Length of a cache window, in seconds (at least 1): every GET's `max-age`.
    pub cache_seconds: u64,
    /// The data changes every this many windows (0: never).
    pub change_every: u64,
}

impl FleetConfig {
    /// Windows of `cache_seconds`, data changing every `change_every` windows (0: never).
    pub fn new(cache_seconds: u64, change_every: u64) -> Self {
        FleetConfig {
            cache_seconds: cache_seconds.max(1),
            change_every,
        }
    }

    /// The end of the window `at` falls in: the `Expires` of an answer given at `at`.
    pub fn expires(&self, at: SystemTime) -> SystemTime {
        CacheWindow::at(at, self.cache_seconds, 0).end
    }

    /// Which version of the data is served at `at` (it changes every `change_every` windows).
    pub fn generation(&self, at: SystemTime) -> u64 {
        if self.change_every == 0 {
            return 0;
        }
        seconds_of(at) / self.cache_seconds.max(1).saturating_mul(self.change_every)
    }
}

/// What the fake saw of the clients' timing: per URL (path and query) the last `Expires` it
/// served, GETs that came before it, and limit refusals. Kept in every mode: one map entry per
/// URL asked for, up to [`WATCHED_URLS`] URLs (later new URLs are served but not watched).
#[derive(Debug, Default)]
pub struct FreshnessLog {
    inner: Mutex<Freshness>,
}

#[derive(Debug, Default)]
struct Freshness {
    expires: HashMap<String, SystemTime>,
    counts: FreshnessCounts,
    early: Vec<EarlyFetch>,
    lags: Vec<Lag>,
}

/// The most [`Lag`]s a [`FreshnessLog`] keeps (later ones are not recorded).
pub const LAGS_KEPT: usize = 1 << 17;

/// How long after the `Expires` served for a URL the next GET of it came: the lag a client's
/// scheduler had, as the server sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lag {
    /// Path and query of the request.
    pub url: String,
    /// Its arrival minus the `Expires` served before, on the server's clock.
    pub after_expires: std::time::Duration,
}

/// The most URLs whose `Expires` a [`FreshnessLog`] remembers.
pub const WATCHED_URLS: usize = 1 << 18;

/// The most [`EarlyFetch`]es a [`FreshnessLog`] keeps (the count goes on).
pub const EARLY_FETCHES_KEPT: usize = 64;

/// A GET that came before the `Expires` served for the same URL: what a test prints when it
/// finds one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlyFetch {
    /// Path and query of the request.
    pub url: String,
    /// When it came, in the fake's server time.
    pub at: SystemTime,
    /// The `Expires` served for the URL before it.
    pub expires: SystemTime,
}

/// Totals of a [`FreshnessLog`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FreshnessCounts {
    /// GETs answered with data or 304.
    pub served: u64,
    /// Of those, 304s.
    pub not_modified: u64,
    /// GETs that came before the `Expires` served for the same URL.
    pub early: u64,
    /// Answers 420 (error limited).
    pub error_limited: u64,
    /// Answers 429 (rate limited).
    pub rate_limited: u64,
}

impl FreshnessLog {
    /// Records a GET of `url` answered `status` at server time `at`, valid until `expires`.
    pub(crate) fn served(&self, url: &str, at: SystemTime, expires: SystemTime, status: u16) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(&until) = inner.expires.get(url)
            && at < until
        {
            inner.counts.early += 1;
            if inner.early.len() < EARLY_FETCHES_KEPT {
                inner.early.push(EarlyFetch {
                    url: url.to_string(),
                    at,
                    expires: until,
                });
            }
        }
        if let Some(&until) = inner.expires.get(url)
            && let Ok(after_expires) = at.duration_since(until)
            && inner.lags.len() < LAGS_KEPT
        {
            inner.lags.push(Lag {
                url: url.to_string(),
                after_expires,
            });
        }
        if let Some(until) = inner.expires.get_mut(url) {
            *until = expires;
        } else if inner.expires.len() < WATCHED_URLS {
            inner.expires.insert(url.to_string(), expires);
        }
        inner.counts.served += 1;
        if status == 304 {
            inner.counts.not_modified += 1;
        }
    }

    /// Records any answer's status (420 and 429 are counted).
    pub(crate) fn answered(&self, status: u16) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        match status {
            420 => inner.counts.error_limited += 1,
            429 => inner.counts.rate_limited += 1,
            _ => {}
        }
    }

    /// The totals so far.
    pub fn counts(&self) -> FreshnessCounts {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .counts
    }

    /// The first [`EARLY_FETCHES_KEPT`] early GETs since the last reset, in order.
    pub fn early_fetches(&self) -> Vec<EarlyFetch> {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .early
            .clone()
    }

    /// The lags of the GETs since the last reset (up to [`LAGS_KEPT`]), in order.
    pub fn lags(&self) -> Vec<Lag> {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .lags
            .clone()
    }

    /// Forgets the totals, the early GETs and the lags (the served `Expires` are kept).
    pub fn reset_counts(&self) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.counts = FreshnessCounts::default();
        inner.early.clear();
        inner.lags.clear();
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    #[test]
    fn windows_align_and_generations_advance() {
        let fleet = FleetConfig::new(5, 2);
        let at = UNIX_EPOCH + Duration::from_secs(1_000_002);
        assert_eq!(
            fleet.expires(at),
            UNIX_EPOCH + Duration::from_secs(1_000_005)
        );
        assert_eq!(fleet.generation(at), 100_000);
        assert_eq!(
            fleet.generation(at + Duration::from_secs(8)),
            100_001,
            "two windows later"
        );
        assert_eq!(FleetConfig::new(5, 0).generation(at), 0);
    }

    #[test]
    fn early_requests_are_counted() {
        let log = FreshnessLog::default();
        let t0 = UNIX_EPOCH + Duration::from_secs(100);
        log.served("/a", t0, t0 + Duration::from_secs(5), 200);
        log.served(
            "/a",
            t0 + Duration::from_secs(1),
            t0 + Duration::from_secs(5),
            304,
        );
        log.served(
            "/a",
            t0 + Duration::from_secs(6),
            t0 + Duration::from_secs(10),
            304,
        );
        log.answered(429);
        let counts = log.counts();
        assert_eq!(
            (counts.served, counts.not_modified, counts.early),
            (3, 2, 1)
        );
        assert_eq!(counts.rate_limited, 1);
        let early = log.early_fetches();
        assert_eq!(early.len(), 1);
        assert_eq!(
            (early[0].at, early[0].expires),
            (t0 + Duration::from_secs(1), t0 + Duration::from_secs(5))
        );
        log.reset_counts();
        assert!(log.early_fetches().is_empty());
    }
}
