//! One answer's cache headers as `live-check` reads them ([`Answer`]), and what follows from
//! that answer alone ([`Timing`]).
//!
//! Invariant: reading never fails. A header that is absent reads as `None`; an HTTP date that
//! does not parse keeps its text with no time; a `Cache-Control` without a readable `max-age`
//! has no `max_age`. Whatever a server sends ends up in the report, never in a panic.

use esi_client::chrono::DateTime;
use reqwest::header::{self, HeaderMap, HeaderName};
use serde::Serialize;

/// An HTTP date header as sent, and the second it names when it parses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct HttpDate {
    /// The header's text.
    pub(crate) text: String,
    /// Seconds since the Unix epoch; `None` when the text is not an HTTP date.
    pub(crate) unix: Option<i64>,
}

impl HttpDate {
    /// Reads an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
    pub(crate) fn read(text: &str) -> Self {
        let unix = DateTime::parse_from_rfc2822(text.trim())
            .ok()
            .map(|d| d.timestamp());
        HttpDate {
            text: text.to_string(),
            unix,
        }
    }
}

/// One answer's status and cache headers, with the local time its headers arrived.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Answer {
    /// HTTP status.
    pub(crate) status: u16,
    /// The local wall clock when the headers arrived: seconds since the Unix epoch, with the
    /// fraction.
    pub(crate) arrived_at: f64,
    /// `Date`: the server's clock when it answered (whole seconds).
    pub(crate) date: Option<HttpDate>,
    /// `Expires`.
    pub(crate) expires: Option<HttpDate>,
    /// `Last-Modified`.
    pub(crate) last_modified: Option<HttpDate>,
    /// `Cache-Control`, as sent.
    pub(crate) cache_control: Option<String>,
    /// The `max-age` of `Cache-Control`, in seconds.
    pub(crate) max_age: Option<u64>,
    /// `ETag`, as sent (quotes and `W/` kept).
    pub(crate) etag: Option<String>,
    /// `Age` (added by caches between the server and us), in seconds.
    pub(crate) age: Option<u64>,
}

impl Answer {
    /// Reads `status` and the cache headers of an answer that arrived at `arrived_at` (local
    /// clock, seconds since the epoch).
    pub(crate) fn read(status: u16, headers: &HeaderMap, arrived_at: f64) -> Self {
        let cache_control = text(headers, &header::CACHE_CONTROL);
        Answer {
            status,
            arrived_at,
            date: text(headers, &header::DATE).map(|t| HttpDate::read(&t)),
            expires: text(headers, &header::EXPIRES).map(|t| HttpDate::read(&t)),
            last_modified: text(headers, &header::LAST_MODIFIED).map(|t| HttpDate::read(&t)),
            max_age: cache_control.as_deref().and_then(max_age),
            cache_control,
            etag: text(headers, &header::ETAG),
            age: text(headers, &header::AGE).and_then(|t| t.trim().parse().ok()),
        }
    }

    /// `Date` in seconds since the epoch, when present and readable.
    pub(crate) fn date_unix(&self) -> Option<i64> {
        self.date.as_ref().and_then(|d| d.unix)
    }

    /// `Expires` in seconds since the epoch, when present and readable.
    pub(crate) fn expires_unix(&self) -> Option<i64> {
        self.expires.as_ref().and_then(|d| d.unix)
    }

    /// `Last-Modified` in seconds since the epoch, when present and readable.
    pub(crate) fn last_modified_unix(&self) -> Option<i64> {
        self.last_modified.as_ref().and_then(|d| d.unix)
    }

    /// `Expires − Date`: how long the server says the answer lives, on its own clock.
    pub(crate) fn expires_minus_date(&self) -> Option<i64> {
        Some(self.expires_unix()? - self.date_unix()?)
    }

    /// What this answer says about timing on its own; `window` is the route's cache time, the
    /// modulus of the phase.
    pub(crate) fn timing(&self, window: Option<u64>) -> Timing {
        let expires = self.expires_unix();
        let expires_minus_date = self.expires_minus_date();
        Timing {
            skew: self.date_unix().map(|d| self.arrived_at - d as f64),
            expires_minus_date,
            max_age_vs_expires: self
                .max_age
                .zip(expires_minus_date)
                .map(|(m, lifetime)| Rounding::of(m, lifetime)),
            max_age_past_expires: self
                .max_age
                .zip(expires)
                .map(|(m, e)| self.arrived_at + m as f64 - e as f64),
            phase: expires
                .zip(window.filter(|w| *w > 0))
                .map(|(e, w)| e.rem_euclid(w as i64)),
        }
    }
}

/// A header's value as text, when it is present and visible ASCII.
fn text(headers: &HeaderMap, name: &HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// The `max-age` directive of a `Cache-Control` value.
fn max_age(cache_control: &str) -> Option<u64> {
    cache_control
        .split(',')
        .map(str::trim)
        .filter_map(|d| {
            let (name, value) = d.split_once('=')?;
            name.trim()
                .eq_ignore_ascii_case("max-age")
                .then_some(value.trim().trim_matches('"'))
        })
        .find_map(|v| v.parse().ok())
}

/// How `max-age` compares with `Expires − Date`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Rounding {
    /// `max-age` is longer (rounded up past `Expires`).
    Up,
    /// They are equal.
    Equal,
    /// `max-age` is shorter.
    Down,
}

impl Rounding {
    fn of(max_age: u64, lifetime: i64) -> Self {
        match i128::from(max_age).cmp(&i128::from(lifetime)) {
            std::cmp::Ordering::Greater => Rounding::Up,
            std::cmp::Ordering::Equal => Rounding::Equal,
            std::cmp::Ordering::Less => Rounding::Down,
        }
    }
}

/// What one answer says about timing on its own.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Timing {
    /// Local arrival − `Date`, in seconds. `Date` has whole seconds, so up to one second of
    /// this is its truncation, the rest the answer's transit and the two clocks' difference.
    pub(crate) skew: Option<f64>,
    /// `Expires − Date`, in seconds.
    pub(crate) expires_minus_date: Option<i64>,
    /// How `max-age` compares with `Expires − Date`.
    pub(crate) max_age_vs_expires: Option<Rounding>,
    /// Arrival + `max-age` − `Expires`, on the local clock, in seconds: above zero, a cache
    /// that keeps the answer for `max-age` from its arrival serves it past `Expires`.
    pub(crate) max_age_past_expires: Option<f64>,
    /// `Expires` modulo the route's cache window, in seconds.
    pub(crate) phase: Option<i64>,
}

/// An answer and its timing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Reading {
    /// What arrived.
    pub(crate) answer: Answer,
    /// What follows from it alone.
    pub(crate) timing: Timing,
}

impl Reading {
    /// `answer` with its timing against the route's `window`.
    pub(crate) fn new(answer: Answer, window: Option<u64>) -> Self {
        let timing = answer.timing(window);
        Reading { answer, timing }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(name.clone(), HeaderValue::from_str(value).expect("value"));
        }
        map
    }

    /// 2026-12-08 10:00:00 UTC.
    const T: i64 = 1_796_724_000;

    fn esi_like() -> HeaderMap {
        headers(&[
            (header::DATE, "Tue, 08 Dec 2026 10:00:00 GMT"),
            (header::EXPIRES, "Tue, 08 Dec 2026 10:00:18 GMT"),
            (header::LAST_MODIFIED, "Tue, 08 Dec 2026 09:59:48 GMT"),
            (header::CACHE_CONTROL, "public, max-age=19"),
            (header::ETAG, "\"abc\""),
            (header::AGE, "2"),
        ])
    }

    #[test]
    fn every_cache_header_is_read() {
        let answer = Answer::read(200, &esi_like(), T as f64 + 0.25);
        assert_eq!(answer.date_unix(), Some(T));
        assert_eq!(answer.expires_unix(), Some(T + 18));
        assert_eq!(answer.last_modified_unix(), Some(T - 12));
        assert_eq!(answer.max_age, Some(19));
        assert_eq!(answer.cache_control.as_deref(), Some("public, max-age=19"));
        assert_eq!(answer.etag.as_deref(), Some("\"abc\""));
        assert_eq!(answer.age, Some(2));
    }

    #[test]
    fn timing_compares_max_age_with_expires_and_the_clocks() {
        let answer = Answer::read(200, &esi_like(), T as f64 + 0.25);
        let timing = answer.timing(Some(30));
        assert_eq!(timing.skew, Some(0.25));
        assert_eq!(timing.expires_minus_date, Some(18));
        assert_eq!(timing.max_age_vs_expires, Some(Rounding::Up));
        assert_eq!(timing.max_age_past_expires, Some(1.25));
        assert_eq!(timing.phase, Some((T + 18) % 30));
        assert_eq!(answer.timing(None).phase, None);
    }

    #[test]
    fn rounding_reads_each_way() {
        assert_eq!(Rounding::of(20, 19), Rounding::Up);
        assert_eq!(Rounding::of(19, 19), Rounding::Equal);
        assert_eq!(Rounding::of(18, 19), Rounding::Down);
        assert_eq!(Rounding::of(0, -3), Rounding::Up);
    }

    #[test]
    fn unreadable_headers_read_as_missing_values() {
        let odd = headers(&[
            (header::DATE, "yesterday"),
            (header::CACHE_CONTROL, "no-cache, MAX-AGE=abc"),
            (header::AGE, "-1"),
        ]);
        let answer = Answer::read(304, &odd, 0.0);
        assert_eq!(
            answer.date.as_ref().map(|d| d.text.as_str()),
            Some("yesterday")
        );
        assert_eq!(answer.date_unix(), None);
        assert_eq!(answer.expires, None);
        assert_eq!(answer.max_age, None);
        assert_eq!(answer.age, None);
        let timing = answer.timing(Some(30));
        assert_eq!((timing.skew, timing.phase), (None, None));
        assert_eq!(max_age("Max-Age = \"7\""), Some(7));
    }
}
