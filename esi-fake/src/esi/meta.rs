//! The spec documents the fake serves, and the `X-Compatibility-Date` rules.
//!
//! - `GET /meta/openapi.json` serves the loaded spec when it is an OpenAPI document (whatever
//!   `compatibility_date` is asked for); `GET /{version}/swagger.json` serves it when it is a
//!   Swagger document. The other one is a 404, as on today's ESI.
//! - A compatibility date (header `X-Compatibility-Date` or query `compatibility_date`) must be
//!   `YYYY-MM-DD`, not before [`MIN_COMPATIBILITY_DATE`] (2020-01-01) and not after ESI's
//!   "today", which rolls over at 11:00 UTC; otherwise the answer is 400.

use std::time::{Duration, SystemTime};

use chrono::{DateTime, NaiveDate, Utc};
use esi_codegen::model::SpecKind;

/// The oldest compatibility date ESI accepts (the generator's, which checks resource versions
/// against it).
pub use esi_codegen::MIN_COMPATIBILITY_DATE;

/// ESI's current day: the date at `now - 11h` (UTC).
pub fn esi_today(now: SystemTime) -> NaiveDate {
    let shifted = now
        .checked_sub(Duration::from_secs(11 * 3600))
        .unwrap_or(now);
    DateTime::<Utc>::from(shifted).date_naive()
}

/// Checks a compatibility date against ESI's rules.
pub fn check_compatibility_date(raw: &str, now: SystemTime) -> Result<NaiveDate, String> {
    let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .filter(|_| raw.len() == 10)
        .ok_or_else(|| format!("Invalid compatibility date '{raw}': expected YYYY-MM-DD"))?;
    let min = NaiveDate::parse_from_str(MIN_COMPATIBILITY_DATE, "%Y-%m-%d").unwrap_or(date);
    if date < min {
        return Err(format!(
            "Invalid compatibility date '{raw}': the oldest date is {MIN_COMPATIBILITY_DATE}"
        ));
    }
    let today = esi_today(now);
    if date > today {
        return Err(format!(
            "Invalid compatibility date '{raw}': it is in the future (today is {today})"
        ));
    }
    Ok(date)
}

/// Whether `path` asks for the spec document of a spec of `kind`.
pub(crate) fn is_spec_path(path: &str, kind: SpecKind) -> bool {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (kind, segments.as_slice()) {
        (SpecKind::OpenApi30 | SpecKind::OpenApi31, ["meta", "openapi.json"]) => true,
        (SpecKind::Swagger2, [version, "swagger.json"]) => !version.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> SystemTime {
        SystemTime::from(DateTime::parse_from_rfc3339(text).expect("date"))
    }

    #[test]
    fn today_rolls_over_at_eleven_utc() {
        assert_eq!(
            esi_today(at("2026-08-18T10:59:59Z")).to_string(),
            "2026-08-17"
        );
        assert_eq!(
            esi_today(at("2026-08-18T11:00:00Z")).to_string(),
            "2026-08-18"
        );
    }

    #[test]
    fn dates_are_checked() {
        let now = at("2026-08-18T12:00:00Z");
        assert!(check_compatibility_date("2026-08-18", now).is_ok());
        assert!(check_compatibility_date("2020-01-01", now).is_ok());
        assert!(check_compatibility_date("2019-12-31", now).is_err());
        assert!(check_compatibility_date("2026-08-19", now).is_err());
        assert!(check_compatibility_date("2026-8-1", now).is_err());
        assert!(check_compatibility_date("yesterday", now).is_err());
    }

    #[test]
    fn spec_paths_follow_the_kind() {
        assert!(is_spec_path("/meta/openapi.json", SpecKind::OpenApi31));
        assert!(!is_spec_path("/latest/swagger.json", SpecKind::OpenApi31));
        assert!(is_spec_path("/latest/swagger.json", SpecKind::Swagger2));
        assert!(is_spec_path("/v1/swagger.json", SpecKind::Swagger2));
    }
}
