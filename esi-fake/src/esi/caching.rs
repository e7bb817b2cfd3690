//! The cache headers of a GET answer, as ESI sends them, and its conditional requests.
//!
//! Every answer of one resource inside one cache window (see `window`) carries the window's
//! end as `Expires`, its start as `Last-Modified`, `Cache-Control: public, max-age=N` with N
//! the seconds to `Expires` rounded up, the body's `ETag` and the server's `Date`; a 304 carries
//! the same. The handler asks [`Schedule`] for a resource's window and [`stamp`]s the answer.
//!
//! Fleet mode ([`FleetConfig`](super::fleet::FleetConfig)) keeps windows aligned on the Unix
//! epoch whatever [`CachePhase`] says: its tests wait on the real clock for a window to open,
//! and its data changes on window boundaries every character shares.

use std::time::{Duration, SystemTime};

use esi_codegen::model::Operation;

use super::config::FakeEsiConfig;
use super::reply::{Reply, http_date, parse_http_date};
use super::window::{CachePhase, CacheWindow, whole_seconds};

/// Cache time of the spec documents.
const SPEC_DOCUMENT_SECONDS: u64 = 300;
/// The most a page fault moves `Last-Modified` (ten years), so a scripted fault cannot push
/// it past the dates HTTP can write.
const MAX_SHIFT: Duration = Duration::from_secs(315_360_000);

/// How one resource is cached: the length of its windows and where they begin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Schedule {
    length: u64,
    phase: u64,
}

impl Schedule {
    /// The schedule of a GET of `op` identified by `params` (path and query parameters that
    /// identify the resource, without `page`: all pages of an `X-Pages` set share it).
    pub(crate) fn of(config: &FakeEsiConfig, op: &Operation, params: &[(String, String)]) -> Self {
        if let Some(fleet) = &config.fleet {
            return Schedule {
                length: fleet.cache_seconds,
                phase: 0,
            };
        }
        let length = op.cache_seconds.unwrap_or(config.default_cache_seconds);
        let mut key: Vec<&[u8]> = vec![op.operation_id.as_bytes()];
        key.extend(
            params
                .iter()
                .flat_map(|(k, v)| [k.as_bytes(), v.as_bytes()]),
        );
        Self::with_phase(config, &key, length)
    }

    /// The schedule of a spec document served at `path`.
    pub(crate) fn spec_document(config: &FakeEsiConfig, path: &str) -> Self {
        Self::with_phase(config, &[path.as_bytes()], SPEC_DOCUMENT_SECONDS)
    }

    fn with_phase(config: &FakeEsiConfig, key: &[&[u8]], length: u64) -> Self {
        let length = length.max(1);
        let phase: CachePhase = config.cache_phase;
        Schedule {
            length,
            phase: phase.of(key, config.seed, length),
        }
    }

    /// The window holding server time `now`.
    pub(crate) fn window(&self, now: SystemTime) -> CacheWindow {
        CacheWindow::at(now, self.length, self.phase)
    }
}

/// The validators of one answer: its body's `ETag`, and how far a page fault moved its
/// `Last-Modified` past the window's start.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Validators<'a> {
    /// The body's `ETag`, quoted.
    pub etag: &'a str,
    /// Added to the window's start (`LastModifiedChange` on pages 2 and later).
    pub shift: Duration,
}

impl Validators<'_> {
    /// The answer's `Last-Modified` in `window`.
    pub(crate) fn last_modified(&self, window: &CacheWindow) -> SystemTime {
        window
            .start
            .checked_add(self.shift.min(MAX_SHIFT))
            .unwrap_or(window.start)
    }
}

/// Whether a request with these conditional headers gets a 304: `If-None-Match` (any listed
/// tag, weak or strong, or `*`) when present, else `If-Modified-Since` against the moving
/// `Last-Modified`.
pub(crate) fn not_modified(
    if_none_match: Option<&str>,
    if_modified_since: Option<&str>,
    etag: &str,
    last_modified: SystemTime,
) -> bool {
    if let Some(tags) = if_none_match {
        return tags
            .split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == etag || t == "*");
    }
    if_modified_since
        .and_then(parse_http_date)
        .is_some_and(|since| last_modified <= since)
}

/// Writes `Date` (server time `now`), `Expires`, `Last-Modified`, `Cache-Control` and `ETag`.
pub(crate) fn stamp(
    reply: &mut Reply,
    now: SystemTime,
    window: &CacheWindow,
    validators: Validators<'_>,
) {
    reply.set("date", http_date(whole_seconds(now)));
    reply.set(
        "cache-control",
        format!("public, max-age={}", window.max_age(now)),
    );
    reply.set("etag", validators.etag);
    reply.set("expires", http_date(window.end));
    reply.set("last-modified", http_date(validators.last_modified(window)));
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use super::*;

    #[test]
    fn if_none_match_wins_over_if_modified_since() {
        let at = UNIX_EPOCH + Duration::from_secs(1_000);
        let date = http_date(at);
        assert!(not_modified(Some("W/\"a\""), None, "\"a\"", at));
        assert!(not_modified(Some("\"b\", \"a\""), None, "\"a\"", at));
        assert!(!not_modified(Some("\"b\""), Some(&date), "\"a\"", at));
        assert!(not_modified(None, Some(&date), "\"a\"", at));
        let later = at + Duration::from_secs(60);
        assert!(
            !not_modified(None, Some(&date), "\"a\"", later),
            "a new window's Last-Modified is newer"
        );
    }

    #[test]
    fn stamps_agree_with_each_other() {
        let now = UNIX_EPOCH + Duration::from_millis(1_000_250);
        let window = CacheWindow::at(now, 30, 7);
        let mut reply = Reply::empty(304);
        let validators = Validators {
            etag: "\"a\"",
            shift: Duration::ZERO,
        };
        stamp(&mut reply, now, &window, validators);
        let header = |name: &str| {
            reply
                .headers
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
        };
        let secs = |name: &str| {
            header(name)
                .and_then(|v| parse_http_date(&v))
                .map(super::super::window::seconds_of)
        };
        let (date, expires) = (secs("date"), secs("expires"));
        assert_eq!((date, expires), (Some(1_000), Some(1_027)));
        assert_eq!(secs("last-modified"), Some(997));
        assert_eq!(
            header("cache-control").as_deref(),
            Some("public, max-age=27")
        );
    }
}
