//! How `live-check` shows a [`Report`]: [`text`] for a maintainer (a block per route, then
//! [`summary`], one line per behaviour observed), [`json`] for a test or a script (the report's
//! fields, plus the summary lines).

use std::io::{self, Write};

use esi_client::chrono::{DateTime, SecondsFormat, Utc};

use super::answer::{HttpDate, Reading, Rounding};
use super::findings::{Carried, Comparison, Report, RouteReport, Wait};
use super::time::from_unix_seconds;

/// The report as JSON: its fields, and `summary`, the text's summary lines.
pub(crate) fn json(report: &Report) -> serde_json::Result<serde_json::Value> {
    let mut value = serde_json::to_value(report)?;
    if let Some(object) = value.as_object_mut() {
        object.insert("summary".into(), summary(report).into());
    }
    Ok(value)
}

/// The report as text: a block per route, then the summary.
pub(crate) fn text(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "live-check of {} (X-Compatibility-Date {}), {} route(s)",
        report.base_url,
        report.compatibility_date,
        report.routes.len()
    )?;
    for route in &report.routes {
        writeln!(out)?;
        for line in route_lines(route) {
            writeln!(out, "{line}")?;
        }
    }
    writeln!(out, "\nsummary")?;
    for line in summary(report) {
        writeln!(out, "  {line}")?;
    }
    Ok(())
}

fn route_lines(route: &RouteReport) -> Vec<String> {
    let window = match route.spec_window {
        Some(w) => format!("spec window {w} s"),
        None => "no cache time in the pinned spec".into(),
    };
    let mut lines = vec![format!("{}  ({window})", route.route)];
    lines.extend(reading_lines("first ", &route.first, route.spec_window));
    lines.push(match &route.wait {
        Wait::Waited { seconds } => {
            format!("  waited {seconds:.1} s after arrival, to just past Expires")
        }
        Wait::Skipped { reason } => format!("  not asked again: {reason}"),
    });
    if let Some(second) = &route.second {
        lines.extend(reading_lines("second", second, route.spec_window));
    }
    if let Some(comparison) = &route.comparison {
        lines.extend(comparison_lines(comparison));
    }
    lines
}

fn reading_lines(label: &str, reading: &Reading, window: Option<u64>) -> Vec<String> {
    let (a, t) = (&reading.answer, &reading.timing);
    let skew = t
        .skew
        .map(|s| format!(" (local − Date {s:+.2} s)"))
        .unwrap_or_default();
    let lifetime = match t.expires_minus_date {
        Some(l) => format!("Expires − Date {l} s"),
        None => "Expires − Date unknown".into(),
    };
    let max_age = match (a.max_age, t.max_age_vs_expires) {
        (Some(m), Some(r)) => format!("max-age {m} ({})", rounding_words(r)),
        (Some(m), None) => format!("max-age {m}"),
        (None, _) => "no max-age".into(),
    };
    let past = t
        .max_age_past_expires
        .map(|p| format!("; max-age from arrival ends {}", against_expires(p)))
        .unwrap_or_default();
    let phase = match (t.phase, window) {
        (Some(p), Some(w)) => format!("; phase {p} s of {w}"),
        _ => String::new(),
    };
    vec![
        format!(
            "  {label} {} at {}; Date {}{skew}",
            a.status,
            local_time(a.arrived_at),
            shown(&a.date)
        ),
        format!(
            "         Expires {}: {lifetime}; {max_age}{past}",
            shown(&a.expires)
        ),
        format!(
            "         Last-Modified {}; ETag {}{}{phase}",
            shown(&a.last_modified),
            a.etag.as_deref().unwrap_or("(none)"),
            a.age.map(|age| format!("; Age {age}")).unwrap_or_default()
        ),
    ]
}

fn comparison_lines(c: &Comparison) -> Vec<String> {
    let etag = if c.etag_stayed {
        "ETag stayed"
    } else {
        "ETag changed"
    };
    let moved = |name: &str, by: Option<i64>| match by {
        Some(0) => format!("{name} the same"),
        Some(s) => format!("{name} moved {s:+} s"),
        None => format!("{name} not comparable"),
    };
    vec![
        format!(
            "  then:  {etag}; {}; {}",
            moved("Last-Modified", c.last_modified_moved),
            moved("Expires", c.expires_moved)
        ),
        format!(
            "         the {} carried Expires {}, Last-Modified {}, Cache-Control {}, Date {}, ETag {}",
            c.status,
            c.carried.expires.as_str(),
            c.carried.last_modified.as_str(),
            c.carried.cache_control.as_str(),
            c.carried.date.as_str(),
            c.carried.etag.as_str()
        ),
    ]
}

/// `0.90 s after Expires`, `at Expires`, `2.00 s before Expires`.
fn against_expires(seconds: f64) -> String {
    if seconds > 0.0 {
        format!("{seconds:.2} s after Expires")
    } else if seconds < 0.0 {
        format!("{:.2} s before Expires", -seconds)
    } else {
        "at Expires".into()
    }
}

fn rounding_words(r: Rounding) -> &'static str {
    match r {
        Rounding::Up => "longer: rounded up",
        Rounding::Equal => "equal",
        Rounding::Down => "shorter: rounded down",
    }
}

fn shown(date: &Option<HttpDate>) -> String {
    match date {
        Some(d) if d.unix.is_some() => d.text.clone(),
        Some(d) => format!("{:?} (not an HTTP date)", d.text),
        None => "(none)".into(),
    }
}

/// `2026-12-08T10:00:00.412Z`.
fn local_time(unix: f64) -> String {
    DateTime::<Utc>::from(from_unix_seconds(unix)).to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// One line per behaviour observed across the routes.
pub(crate) fn summary(report: &Report) -> Vec<String> {
    let readings: Vec<&Reading> = report
        .routes
        .iter()
        .flat_map(|r| std::iter::once(&r.first).chain(&r.second))
        .collect();
    let compared: Vec<(&str, &Comparison)> = report
        .routes
        .iter()
        .filter_map(|r| Some((r.route.as_str(), r.comparison.as_ref()?)))
        .collect();
    [
        skew_line(&readings),
        rounding_line(&readings),
        outlive_line(&readings),
        last_modified_line(&compared),
        revalidation_line(&compared),
        carried_line(&compared),
        phase_line(report),
        skipped_line(report),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn skew_line(readings: &[&Reading]) -> Option<String> {
    let skews: Vec<f64> = readings.iter().filter_map(|r| r.timing.skew).collect();
    let (low, high) = min_max(&skews)?;
    Some(format!(
        "clock: local − Date from {low:+.2} to {high:+.2} s over {} answer(s) \
         (Date is whole seconds: up to 1 s of it is truncation)",
        skews.len()
    ))
}

fn rounding_line(readings: &[&Reading]) -> Option<String> {
    let all: Vec<Rounding> = readings
        .iter()
        .filter_map(|r| r.timing.max_age_vs_expires)
        .collect();
    if all.is_empty() {
        return None;
    }
    let count = |want: Rounding| all.iter().filter(|r| **r == want).count();
    Some(format!(
        "max-age against Expires − Date: longer (rounded up) on {}, equal on {}, shorter on {} \
         of {} answer(s)",
        count(Rounding::Up),
        count(Rounding::Equal),
        count(Rounding::Down),
        all.len()
    ))
}

fn outlive_line(readings: &[&Reading]) -> Option<String> {
    let past: Vec<f64> = readings
        .iter()
        .filter_map(|r| r.timing.max_age_past_expires)
        .collect();
    let (_, worst) = min_max(&past)?;
    let outliving = past.iter().filter(|p| **p > 0.0).count();
    Some(if outliving == 0 {
        format!(
            "max-age counted from arrival never outlives Expires ({} answer(s))",
            past.len()
        )
    } else {
        format!(
            "max-age counted from arrival outlives Expires on {outliving} of {} answer(s), by up \
             to {worst:.2} s (local clock)",
            past.len()
        )
    })
}

fn last_modified_line(compared: &[(&str, &Comparison)]) -> Option<String> {
    if compared.is_empty() {
        return None;
    }
    let moved: Vec<&str> = compared
        .iter()
        .filter(|(_, c)| c.last_modified_moved_same_etag)
        .map(|(route, _)| *route)
        .collect();
    Some(format!(
        "Last-Modified moved while the ETag stayed on {} of {} route(s){}",
        moved.len(),
        compared.len(),
        listed(&moved)
    ))
}

fn revalidation_line(compared: &[(&str, &Comparison)]) -> Option<String> {
    if compared.is_empty() {
        return None;
    }
    let others: Vec<String> = compared
        .iter()
        .filter(|(_, c)| !c.not_modified)
        .map(|(route, c)| format!("{route} {}", c.status))
        .collect();
    Some(format!(
        "If-None-Match answered 304 on {} of {} route(s){}",
        compared.len() - others.len(),
        compared.len(),
        listed(&others)
    ))
}

fn carried_line(compared: &[(&str, &Comparison)]) -> Option<String> {
    let not_modified: Vec<&Comparison> = compared
        .iter()
        .map(|(_, c)| *c)
        .filter(|c| c.not_modified)
        .collect();
    if not_modified.is_empty() {
        return None;
    }
    let new = |pick: fn(&Comparison) -> Carried| {
        not_modified
            .iter()
            .filter(|c| pick(c) == Carried::New)
            .count()
    };
    Some(format!(
        "the 304s carried a new Expires on {}, Last-Modified on {}, Cache-Control on {}, Date on \
         {} of {}",
        new(|c| c.carried.expires),
        new(|c| c.carried.last_modified),
        new(|c| c.carried.cache_control),
        new(|c| c.carried.date),
        not_modified.len()
    ))
}

fn phase_line(report: &Report) -> Option<String> {
    let phases: Vec<String> = report
        .routes
        .iter()
        .filter_map(|r| {
            let window = r.spec_window?;
            let first = r.first.timing.phase?;
            Some(match r.second.as_ref().and_then(|s| s.timing.phase) {
                Some(second) if second == first => {
                    format!("{} {first} s of {window} (steady)", r.route)
                }
                Some(second) => format!("{} {first} → {second} s of {window} (moved)", r.route),
                None => format!("{} {first} s of {window}", r.route),
            })
        })
        .collect();
    (!phases.is_empty()).then(|| format!("phase (Expires mod window): {}", phases.join(", ")))
}

fn skipped_line(report: &Report) -> Option<String> {
    let skipped: Vec<String> = report
        .routes
        .iter()
        .filter_map(|r| match &r.wait {
            Wait::Skipped { reason } => Some(format!("{} ({reason})", r.route)),
            Wait::Waited { .. } => None,
        })
        .collect();
    (!skipped.is_empty()).then(|| format!("not revalidated: {}", skipped.join("; ")))
}

fn min_max(values: &[f64]) -> Option<(f64, f64)> {
    let low = values.iter().copied().reduce(f64::min)?;
    let high = values.iter().copied().reduce(f64::max)?;
    Some((low, high))
}

/// ` (a, b)`, or nothing for an empty list.
fn listed(items: &[impl AsRef<str>]) -> String {
    if items.is_empty() {
        return String::new();
    }
    let names: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    format!(" ({})", names.join(", "))
}

#[cfg(test)]
mod tests {
    use super::super::answer::Answer;
    use super::*;

    /// 2026-12-08 10:00:00 UTC, a multiple of 30 s.
    const T: i64 = 1_796_724_000;

    fn date(at: i64) -> Option<HttpDate> {
        let text = DateTime::<Utc>::from_timestamp(at, 0)
            .map(|d| d.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
            .unwrap_or_default();
        Some(HttpDate::read(&text))
    }

    /// An ESI-like answer at `at` + 0.4 s in the window ending at `expires`, generated at
    /// `expires − 30`, with `max-age` rounded up.
    fn answer(status: u16, at: i64, expires: i64) -> Answer {
        let max_age = (expires - at) as u64;
        Answer {
            status,
            arrived_at: at as f64 + 0.4,
            date: date(at),
            expires: date(expires),
            last_modified: date(expires - 30),
            cache_control: Some(format!("public, max-age={max_age}")),
            max_age: Some(max_age),
            etag: Some("\"v1\"".into()),
            age: None,
        }
    }

    fn route(path: &str, first: Answer, wait: Wait, second: Option<Answer>) -> RouteReport {
        let first = Reading::new(first, Some(30));
        let second = second.map(|s| Reading::new(s, Some(30)));
        RouteReport {
            route: path.into(),
            url: format!("http://127.0.0.1:1{path}"),
            spec_window: Some(30),
            comparison: Comparison::of(&first, second.as_ref()),
            first,
            wait,
            second,
        }
    }

    #[test]
    fn one_summary_line_per_behaviour() {
        let report = Report {
            base_url: "http://127.0.0.1:1".into(),
            compatibility_date: "2026-08-18".into(),
            routes: vec![
                route(
                    "/status",
                    answer(200, T + 12, T + 30),
                    Wait::Waited { seconds: 19.0 },
                    Some(answer(304, T + 31, T + 60)),
                ),
                route(
                    "/long",
                    answer(200, T + 12, T + 30),
                    Wait::Skipped {
                        reason: "why".into(),
                    },
                    None,
                ),
            ],
        };
        assert_eq!(
            summary(&report),
            [
                "clock: local − Date from +0.40 to +0.40 s over 3 answer(s) (Date is whole \
                 seconds: up to 1 s of it is truncation)",
                "max-age against Expires − Date: longer (rounded up) on 0, equal on 3, shorter \
                 on 0 of 3 answer(s)",
                "max-age counted from arrival outlives Expires on 3 of 3 answer(s), by up to \
                 0.40 s (local clock)",
                "Last-Modified moved while the ETag stayed on 1 of 1 route(s) (/status)",
                "If-None-Match answered 304 on 1 of 1 route(s)",
                "the 304s carried a new Expires on 1, Last-Modified on 1, Cache-Control on 1, \
                 Date on 1 of 1",
                "phase (Expires mod window): /status 0 s of 30 (steady), /long 0 s of 30",
                "not revalidated: /long (why)",
            ]
        );
        let json = json(&report).expect("json");
        assert_eq!(json["summary"][7], "not revalidated: /long (why)");
    }
}
