//! The proleptic Gregorian calendar in UTC, for Unix times from 1970 on: the one implementation
//! behind every date roflgov prints (release deadlines, history, traces, audits) and the Intel
//! PCS timestamps `roflgov-attest` reads. Unix time has no leap seconds: every day is 86 400 s.

/// Seconds in a day.
pub const SECONDS_PER_DAY: u64 = 86_400;

/// Whether `year` has a 29 February.
pub fn is_leap_year(year: u64) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

/// Days in `month` (1–12) of `year`; 0 for a month out of range.
pub fn days_in_month(year: u64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a date (year ≥ 1970, month 1–12, day 1–31; not validated: check
/// with [`days_in_month`] first).
///
/// The era-based conversion of H. Hinnant's `days_from_civil`: the year is shifted to start in
/// March, so that the leap day is the last day of it.
pub fn days_from_civil(year: u64, month: u32, day: u32) -> u64 {
    let (month, day) = (u64::from(month), u64::from(day));
    let (y, m) = if month <= 2 { (year - 1, month + 9) } else { (year, month - 3) };
    let era = y / 400;
    let year_of_era = y - era * 400;
    let day_of_year = (153 * m + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The (year, month, day) of a day count since 1970-01-01 (the inverse of
/// [`days_from_civil`]).
pub fn civil_from_days(days: u64) -> (u64, u32, u32) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    // Both fit: day ≤ 31, month ≤ 12.
    (year, month as u32, day as u32)
}

/// The UTC date and time of a Unix time: (year, month, day, hour, minute, second).
pub fn utc_parts(unix: u64) -> (u64, u32, u32, u64, u64, u64) {
    let (year, month, day) = civil_from_days(unix / SECONDS_PER_DAY);
    let in_day = unix % SECONDS_PER_DAY;
    (year, month, day, in_day / 3600, (in_day % 3600) / 60, in_day % 60)
}

/// A Unix time as people read it in roflgov's output: `2025-11-21 14:54 UTC`.
pub fn format_utc(unix: u64) -> String {
    let (year, month, day, hour, minute, _) = utc_parts(unix);
    format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02} UTC")
}

/// A Unix time as RFC 3339 / ISO 8601 in UTC, to the second: `2025-06-19T10:16:03Z` (Intel
/// PCS's form, and `date -u +%Y-%m-%dT%H:%M:%SZ`).
pub fn format_rfc3339(unix: u64) -> String {
    let (year, month, day, hour, minute, second) = utc_parts(unix);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Unix times and their dates as GNU `date -u -d @N +%Y-%m-%dT%H:%M:%SZ` prints them (an
    /// independent implementation): the epoch, leap days of a year divisible by 400 (2000,
    /// 2400), the non-leap 2100, a leap year's first March, the last second of year 9999.
    const GNU_DATE: &[(u64, &str)] = &[
        (0, "1970-01-01T00:00:00Z"),
        (68_256_000, "1972-03-01T00:00:00Z"),
        (951_782_400, "2000-02-29T00:00:00Z"),
        (951_868_800, "2000-03-01T00:00:00Z"),
        (1_230_768_000, "2009-01-01T00:00:00Z"),
        (1_709_208_000, "2024-02-29T12:00:00Z"),
        (1_763_736_840, "2025-11-21T14:54:00Z"),
        (4_107_456_000, "2100-02-28T00:00:00Z"),
        (4_107_542_400, "2100-03-01T00:00:00Z"),
        (13_574_563_200, "2400-02-29T00:00:00Z"),
        (253_402_300_799, "9999-12-31T23:59:59Z"),
    ];

    #[test]
    fn dates_match_gnu_date() {
        for &(unix, text) in GNU_DATE {
            assert_eq!(format_rfc3339(unix), text, "{unix}");
        }
        assert_eq!(format_utc(1_763_736_840), "2025-11-21 14:54 UTC");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00 UTC");
    }

    #[test]
    fn day_counts_invert_and_follow_the_month_lengths() {
        // Every day from 1970 to past 2400: the inverse holds and consecutive days step
        // through the calendar by its month lengths (an independent statement of the rules).
        let (mut year, mut month, mut day) = (1970, 1, 1);
        for days in 0..160_000 {
            assert_eq!(civil_from_days(days), (year, month, day), "{days}");
            assert_eq!(days_from_civil(year, month, day), days);
            day += 1;
            if day > days_in_month(year, month) {
                (month, day) = (month + 1, 1);
                if month > 12 {
                    (year, month) = (year + 1, 1);
                }
            }
        }
        assert!(!is_leap_year(2100) && is_leap_year(2000) && is_leap_year(2024) && !is_leap_year(2025));
    }
}
