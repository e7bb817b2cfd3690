//! ESI's compatibility dates as the generator checks them: the oldest one ESI accepts, and
//! whether a text is a real calendar date `YYYY-MM-DD` (the date in a spec file's name, the
//! version of a resource of an OpenAPI spec).
//!
//! `esi-runtime` has its own copy of [`MIN_COMPATIBILITY_DATE`] (the generator, a build
//! dependency, must not depend on the runtime); a test of `esi-client` checks that they agree.

/// The oldest compatibility date ESI accepts.
pub const MIN_COMPATIBILITY_DATE: &str = "2020-01-01";

/// A real calendar date in `YYYY-MM-DD`.
pub(crate) fn is_date(text: &str) -> bool {
    crate::normalize::looks_like_date(text) && valid_month_day(text)
}

/// Whether the month and day of `date` (`YYYY-MM-DD`) exist in its year.
fn valid_month_day(date: &str) -> bool {
    let part = |r: std::ops::Range<usize>| date.get(r).and_then(|s| s.parse::<u32>().ok());
    let (Some(year), Some(month), Some(day)) = (part(0..4), part(5..7), part(8..10)) else {
        return false;
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_checked() {
        assert!(is_date("2025-11-06"));
        assert!(is_date("2024-02-29"));
        assert!(!is_date("2025-02-29"));
        assert!(!is_date("2025-13-01"));
        assert!(!is_date("v1"));
    }
}
