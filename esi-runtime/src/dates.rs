//! ESI's compatibility dates: the checks the client makes before a date reaches a request.
//!
//! A date must be `YYYY-MM-DD`, not before ESI's minimum ([`MIN_COMPATIBILITY_DATE`]) and not
//! after ESI's "today", which rolls over at 11:00 UTC (so today is the date at `now - 11h`).
//! The client builder checks its date when the client is built; each call checks the date
//! it would send (per-call option, a resource's pinned date, or the client's) before sending.
//! Functions take the current time as an argument so tests can use fixed clocks.

use std::time::{Duration, SystemTime};

use chrono::{DateTime, NaiveDate, Utc};

/// The oldest compatibility date ESI accepts (the baseline most operations carry).
pub const MIN_COMPATIBILITY_DATE: &str = "2020-01-01";

/// ESI's day changes at this hour, UTC.
const ROLLOVER_HOURS: u64 = 11;

/// Why a compatibility date was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CompatibilityDateError {
    /// Not a `YYYY-MM-DD` calendar date.
    #[error("compatibility date {0:?} is not a YYYY-MM-DD date")]
    Malformed(String),
    /// Before [`MIN_COMPATIBILITY_DATE`].
    #[error("compatibility date {0} is before ESI's oldest, {MIN_COMPATIBILITY_DATE}")]
    TooOld(NaiveDate),
    /// After ESI's current day.
    #[error(
        "compatibility date {date} is in the future: ESI's today is {today} (its day changes \
         at 11:00 UTC)"
    )]
    InFuture {
        /// The date asked for.
        date: NaiveDate,
        /// ESI's current day when it was checked.
        today: NaiveDate,
    },
}

/// ESI's current day at `now`: the UTC date of `now - 11h`.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// // 2026-08-18 10:59:59 UTC is still 2026-08-17 for ESI.
/// let now = UNIX_EPOCH + Duration::from_secs(1_787_050_799);
/// assert_eq!(esi_runtime::esi_today(now).to_string(), "2026-08-17");
/// ```
pub fn esi_today(now: SystemTime) -> NaiveDate {
    let shifted = now
        .checked_sub(Duration::from_secs(ROLLOVER_HOURS * 3600))
        .unwrap_or(now);
    DateTime::<Utc>::from(shifted).date_naive()
}

/// Checks `date` against ESI's rules at `now`, returning it parsed.
///
/// ```
/// use std::time::SystemTime;
/// use esi_runtime::{CompatibilityDateError, check_compatibility_date};
/// assert!(check_compatibility_date("2025-11-06", SystemTime::now()).is_ok());
/// assert!(matches!(
///     check_compatibility_date("2019-12-31", SystemTime::now()),
///     Err(CompatibilityDateError::TooOld(_))
/// ));
/// ```
pub fn check_compatibility_date(
    date: &str,
    now: SystemTime,
) -> Result<NaiveDate, CompatibilityDateError> {
    let parsed = NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .ok()
        .filter(|_| date.len() == 10)
        .ok_or_else(|| CompatibilityDateError::Malformed(date.to_string()))?;
    let min = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or(NaiveDate::MIN);
    if parsed < min {
        return Err(CompatibilityDateError::TooOld(parsed));
    }
    let today = esi_today(now);
    if parsed > today {
        return Err(CompatibilityDateError::InFuture {
            date: parsed,
            today,
        });
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rfc3339: &str) -> SystemTime {
        SystemTime::from(DateTime::parse_from_rfc3339(rfc3339).expect("test time"))
    }

    #[test]
    fn the_day_changes_at_eleven_utc() {
        assert_eq!(
            esi_today(at("2026-08-18T10:59:59Z")).to_string(),
            "2026-08-17"
        );
        assert_eq!(
            esi_today(at("2026-08-18T11:00:00Z")).to_string(),
            "2026-08-18"
        );
        assert_eq!(
            esi_today(at("2026-01-01T00:30:00Z")).to_string(),
            "2025-12-31"
        );
        // Other offsets name the same instant.
        assert_eq!(
            esi_today(at("2026-08-18T13:00:00+02:00")).to_string(),
            "2026-08-18"
        );
    }

    #[test]
    fn today_is_accepted_only_after_the_rollover() {
        let before = at("2026-08-18T10:59:59Z");
        let after = at("2026-08-18T11:00:00Z");
        assert_eq!(
            check_compatibility_date("2026-08-18", before),
            Err(CompatibilityDateError::InFuture {
                date: NaiveDate::from_ymd_opt(2026, 8, 18).unwrap(),
                today: NaiveDate::from_ymd_opt(2026, 8, 17).unwrap(),
            })
        );
        assert!(check_compatibility_date("2026-08-17", before).is_ok());
        assert!(check_compatibility_date("2026-08-18", after).is_ok());
        assert!(check_compatibility_date("2026-08-19", after).is_err());
    }

    #[test]
    fn the_minimum_and_the_shape_are_checked() {
        let now = at("2026-08-18T12:00:00Z");
        assert!(check_compatibility_date("2020-01-01", now).is_ok());
        assert!(matches!(
            check_compatibility_date("2019-12-31", now),
            Err(CompatibilityDateError::TooOld(_))
        ));
        for bad in [
            "2026-8-1",
            "2026-02-30",
            "yesterday",
            "",
            "2026-08-18T00:00:00Z",
        ] {
            assert_eq!(
                check_compatibility_date(bad, now),
                Err(CompatibilityDateError::Malformed(bad.to_string())),
                "{bad}"
            );
        }
    }

    #[test]
    fn messages_say_what_to_do() {
        let now = at("2026-08-18T10:00:00Z");
        let err = check_compatibility_date("2026-08-18", now).unwrap_err();
        assert_eq!(
            err.to_string(),
            "compatibility date 2026-08-18 is in the future: ESI's today is 2026-08-17 (its day \
             changes at 11:00 UTC)"
        );
        let err = check_compatibility_date("2019-06-01", now).unwrap_err();
        assert_eq!(
            err.to_string(),
            "compatibility date 2019-06-01 is before ESI's oldest, 2020-01-01"
        );
    }
}
