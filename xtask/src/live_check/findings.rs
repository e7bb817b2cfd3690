//! What `live-check` found per route ([`RouteReport`]): the two readings, the wait between
//! them, and the second answer compared with the first ([`Comparison`]).
//!
//! Invariant: everything here is computed from readings already taken; nothing asks the
//! network, so each comparison is a plain function with tests of its own.

use std::time::Duration;

use serde::Serialize;

use super::answer::{Answer, Reading};

/// The whole check: the server asked and what each route showed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Report {
    /// The server asked.
    pub(crate) base_url: String,
    /// The `X-Compatibility-Date` sent.
    pub(crate) compatibility_date: String,
    /// One report per route, in the order asked.
    pub(crate) routes: Vec<RouteReport>,
}

/// What one route showed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct RouteReport {
    /// The route asked (`/status`).
    pub(crate) route: String,
    /// The URL asked.
    pub(crate) url: String,
    /// The route's cache time in the pinned spec, in seconds: the window phases are taken
    /// modulo.
    pub(crate) spec_window: Option<u64>,
    /// The first answer.
    pub(crate) first: Reading,
    /// How long the check waited before asking again, or why it did not.
    pub(crate) wait: Wait,
    /// The answer to `If-None-Match`, when the check asked again.
    pub(crate) second: Option<Reading>,
    /// The second answer compared with the first.
    pub(crate) comparison: Option<Comparison>,
}

/// How long the check waited after the first answer, or why it did not ask again.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Wait {
    /// Waited this long after the first answer's arrival: `Expires − Date` (or `max-age`
    /// without them) plus the margin.
    Waited {
        /// Seconds after the first answer's arrival.
        seconds: f64,
    },
    /// Did not ask again.
    Skipped {
        /// Why.
        reason: String,
    },
}

impl Wait {
    /// How long after `first` arrived to ask again: just past its `Expires` by the server's
    /// clock (`Expires − Date`, or `max-age` without them, plus `margin`), unless that is
    /// longer than `max_wait` or there is nothing to revalidate.
    pub(crate) fn after(first: &Answer, max_wait: Duration, margin: Duration) -> Wait {
        let skip = |reason: String| Wait::Skipped { reason };
        if first.status != 200 {
            return skip(format!("the first answer was {}, not 200", first.status));
        }
        let (lifetime, name) = match (first.expires_minus_date(), first.max_age) {
            (Some(lifetime), _) => (lifetime, "Expires − Date"),
            (None, Some(max_age)) => (i64::try_from(max_age).unwrap_or(i64::MAX), "max-age"),
            (None, None) => return skip("no Expires with a Date, and no max-age".into()),
        };
        if lifetime > i64::try_from(max_wait.as_secs()).unwrap_or(i64::MAX) {
            return skip(format!(
                "{name} ({lifetime} s) is longer than --max-wait ({} s)",
                max_wait.as_secs()
            ));
        }
        Wait::Waited {
            seconds: lifetime.max(0) as f64 + margin.as_secs_f64(),
        }
    }
}

/// A header of the second answer against the first's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Carried {
    /// The second answer did not carry it.
    Absent,
    /// It carried the first answer's value.
    Same,
    /// It carried another value (or one the first answer did not have).
    New,
}

impl Carried {
    fn of<T: PartialEq>(first: Option<&T>, second: Option<&T>) -> Self {
        match second {
            None => Carried::Absent,
            Some(s) if first == Some(s) => Carried::Same,
            Some(_) => Carried::New,
        }
    }

    /// `absent`, `same` or `new`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Carried::Absent => "absent",
            Carried::Same => "same",
            Carried::New => "new",
        }
    }
}

/// Which headers the second answer carried, against the first's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) struct CarriedHeaders {
    /// `Expires`.
    pub(crate) expires: Carried,
    /// `Last-Modified`.
    pub(crate) last_modified: Carried,
    /// `Cache-Control`.
    pub(crate) cache_control: Carried,
    /// `Date`.
    pub(crate) date: Carried,
    /// `ETag`.
    pub(crate) etag: Carried,
}

/// The second answer (to `If-None-Match`) compared with the first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Comparison {
    /// The second answer's status.
    pub(crate) status: u16,
    /// Whether it was a 304.
    pub(crate) not_modified: bool,
    /// Whether the data kept its identity: the same `ETag`, or a 304 without one (a 304 says
    /// the tag sent is current).
    pub(crate) etag_stayed: bool,
    /// Second `Last-Modified` − first, in seconds.
    pub(crate) last_modified_moved: Option<i64>,
    /// `Last-Modified` moved while the `ETag` stayed: a new cache entry, not new data.
    pub(crate) last_modified_moved_same_etag: bool,
    /// Second `Expires` − first, in seconds.
    pub(crate) expires_moved: Option<i64>,
    /// Which headers the second answer carried.
    pub(crate) carried: CarriedHeaders,
}

impl Comparison {
    /// The second reading against the first, when there is one.
    pub(crate) fn of(first: &Reading, second: Option<&Reading>) -> Option<Self> {
        second.map(|second| Comparison::between(&first.answer, &second.answer))
    }

    /// `second` against `first`.
    pub(crate) fn between(first: &Answer, second: &Answer) -> Self {
        let not_modified = second.status == 304;
        let etag_stayed = match &second.etag {
            Some(tag) => first.etag.as_ref() == Some(tag),
            None => not_modified,
        };
        let last_modified_moved = second
            .last_modified_unix()
            .zip(first.last_modified_unix())
            .map(|(s, f)| s - f);
        let carried = CarriedHeaders {
            expires: Carried::of(first.expires.as_ref(), second.expires.as_ref()),
            last_modified: Carried::of(first.last_modified.as_ref(), second.last_modified.as_ref()),
            cache_control: Carried::of(first.cache_control.as_ref(), second.cache_control.as_ref()),
            date: Carried::of(first.date.as_ref(), second.date.as_ref()),
            etag: Carried::of(first.etag.as_ref(), second.etag.as_ref()),
        };
        Comparison {
            status: second.status,
            not_modified,
            etag_stayed,
            last_modified_moved,
            last_modified_moved_same_etag: etag_stayed
                && last_modified_moved.is_some_and(|m| m != 0),
            expires_moved: second
                .expires_unix()
                .zip(first.expires_unix())
                .map(|(s, f)| s - f),
            carried,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::answer::HttpDate;
    use super::*;

    /// 2026-12-08 10:00:00 UTC.
    const T: i64 = 1_796_724_000;

    fn date(at: i64) -> Option<HttpDate> {
        let text = esi_client::chrono::DateTime::from_timestamp(at, 0)
            .map(|d| d.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
            .unwrap_or_default();
        Some(HttpDate::read(&text))
    }

    fn answer(status: u16, at: i64, expires: i64, last_modified: i64, max_age: u64) -> Answer {
        Answer {
            status,
            arrived_at: at as f64 + 0.5,
            date: date(at),
            expires: date(expires),
            last_modified: date(last_modified),
            cache_control: Some(format!("public, max-age={max_age}")),
            max_age: Some(max_age),
            etag: Some("\"v1\"".into()),
            age: None,
        }
    }

    #[test]
    fn waits_just_past_expires_by_the_servers_clock() {
        let first = answer(200, T, T + 18, T - 12, 19);
        let wait = Wait::after(&first, Duration::from_secs(120), Duration::from_secs(1));
        assert_eq!(wait, Wait::Waited { seconds: 19.0 });
    }

    #[test]
    fn skips_what_it_cannot_or_may_not_wait_for() {
        let margin = Duration::from_secs(1);
        let long = answer(200, T, T + 3600, T, 3600);
        let Wait::Skipped { reason } = Wait::after(&long, Duration::from_secs(120), margin) else {
            panic!("a long window is skipped");
        };
        assert_eq!(
            reason,
            "Expires − Date (3600 s) is longer than --max-wait (120 s)"
        );
        let missing = answer(404, T, T + 5, T, 5);
        assert!(matches!(
            Wait::after(&missing, Duration::from_secs(120), margin),
            Wait::Skipped { .. }
        ));
        let bare = Answer {
            expires: None,
            max_age: None,
            ..answer(200, T, T, T, 0)
        };
        assert!(matches!(
            Wait::after(&bare, Duration::from_secs(120), margin),
            Wait::Skipped { .. }
        ));
    }

    #[test]
    fn a_304_with_a_moved_last_modified_and_the_same_etag_is_a_new_entry_not_new_data() {
        let first = answer(200, T, T + 18, T - 12, 18);
        let second = answer(304, T + 19, T + 48, T + 18, 30);
        let c = Comparison::between(&first, &second);
        assert!(c.not_modified && c.etag_stayed && c.last_modified_moved_same_etag);
        assert_eq!(c.last_modified_moved, Some(30));
        assert_eq!(c.expires_moved, Some(30));
        assert_eq!(c.carried.expires, Carried::New);
        assert_eq!(c.carried.cache_control, Carried::New);
        assert_eq!(c.carried.etag, Carried::Same);
    }

    #[test]
    fn a_bare_304_carries_nothing_and_keeps_the_etag() {
        let first = answer(200, T, T + 18, T - 12, 18);
        let second = Answer {
            date: None,
            expires: None,
            last_modified: None,
            cache_control: None,
            max_age: None,
            etag: None,
            ..answer(304, T + 19, 0, 0, 0)
        };
        let c = Comparison::between(&first, &second);
        assert!(c.etag_stayed && !c.last_modified_moved_same_etag);
        assert_eq!(c.carried.date, Carried::Absent);
        assert_eq!(c.carried.last_modified, Carried::Absent);
        assert_eq!(c.last_modified_moved, None);
    }
}
