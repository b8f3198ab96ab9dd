//! UTC timestamps as Intel PCS writes them (`2025-06-19T10:16:03Z`), to and from Unix seconds.
//!
//! Only the subset Intel uses is accepted: `YYYY-MM-DDTHH:MM:SS`, an optional fraction of a
//! second (ignored), and `Z`. Dates before 1970 are rejected.

use roflgov_types::calendar::{days_from_civil, days_in_month};

pub use roflgov_types::calendar::SECONDS_PER_DAY;

/// Parses `digits` as a decimal number; `None` unless every byte is an ASCII digit.
fn parse_digits(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(digits.iter().fold(0, |acc, d| acc * 10 + u64::from(d - b'0')))
}

/// Parses an Intel PCS UTC timestamp into Unix seconds; `None` if it is not one.
pub fn parse_utc_timestamp(text: &str) -> Option<u64> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let year = parse_digits(&b[0..4])?;
    let month = parse_digits(&b[5..7])?;
    let day = parse_digits(&b[8..10])?;
    let hour = parse_digits(&b[11..13])?;
    let minute = parse_digits(&b[14..16])?;
    let second = parse_digits(&b[17..19])?;
    let rest = &b[19..];
    let rest = match rest.first() {
        Some(b'.') => {
            let fraction_len = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if fraction_len == 0 {
                return None;
            }
            &rest[1 + fraction_len..]
        }
        _ => rest,
    };
    if rest != b"Z" {
        return None;
    }
    if year < 1970
        || !(1..=12).contains(&month)
        || day == 0
        || day > u64::from(days_in_month(year, month as u32))
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    // month ≤ 12 and day ≤ 31 are checked above.
    let days = days_from_civil(year, month as u32, day as u32);
    Some(days * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second)
}

/// Formats Unix seconds as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_utc_timestamp(unix_seconds: u64) -> String {
    roflgov_types::calendar::format_rfc3339(unix_seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_timestamps_round_trip() {
        assert_eq!(parse_utc_timestamp("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_utc_timestamp("2025-07-01T00:00:00Z"), Some(1_751_328_000));
        assert_eq!(parse_utc_timestamp("2025-06-19T10:16:03Z"), Some(1_750_328_163));
        assert_eq!(parse_utc_timestamp("2024-02-29T12:00:00.123Z"), Some(1_709_208_000));
        for t in [0, 1_709_208_000, 1_751_328_000, 4_102_444_800] {
            assert_eq!(parse_utc_timestamp(&format_utc_timestamp(t)), Some(t));
        }
    }

    #[test]
    fn malformed_timestamps_are_rejected() {
        for bad in [
            "",
            "2025-06-19",
            "2025-06-19T10:16:03",
            "2025-06-19T10:16:03+02:00",
            "2025-13-01T00:00:00Z",
            "2025-02-29T00:00:00Z",
            "1969-12-31T23:59:59Z",
            "2025-06-19T24:00:00Z",
            "2025-06-19T10:16:03.Z",
            "2025-0a-19T10:16:03Z",
            "２０２５-06-19T10:16:03Z",
        ] {
            assert_eq!(parse_utc_timestamp(bad), None, "{bad}");
        }
    }
}
