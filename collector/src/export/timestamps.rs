//! Times in export queries and in CSV cells.
//!
//! A query names a time as RFC 3339 (`2025-11-23T09:00:00+09:00`), a UTC date (`2025-11-23`,
//! its midnight) or milliseconds since the epoch (`1763855198000`, what the records hold).
//! CSV cells show RFC 3339 in UTC with milliseconds when there are any.

use shared::time::Timestamp;
use time::format_description::well_known::Rfc3339;
use time::{Date, Month, OffsetDateTime};

/// Reads a time from a query string, or says what was expected.
pub fn parse_time(raw: &str) -> Result<Timestamp, String> {
    let raw = raw.trim();
    if let Ok(ms) = raw.parse::<i64>() {
        return Ok(Timestamp(ms));
    }
    if let Some(date) = parse_date(raw) {
        return Ok(Timestamp(millis(date.midnight().assume_utc())));
    }
    // An unescaped `+` in a query string arrives as a space: `…T09:00:00 09:00`.
    let repaired = raw.replace(' ', "+");
    OffsetDateTime::parse(&repaired, &Rfc3339)
        .map(|t| Timestamp(millis(t)))
        .map_err(|_| {
            format!(
                "{raw:?} is not a time: write RFC 3339 (2025-11-23T09:00:00+09:00), a date (2025-11-23, UTC) or milliseconds since the epoch"
            )
        })
}

/// `YYYY-MM-DD`, exactly.
fn parse_date(raw: &str) -> Option<Date> {
    let b = raw.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year: i32 = raw[..4].parse().ok()?;
    let month: u8 = raw[5..7].parse().ok()?;
    let day: u8 = raw[8..].parse().ok()?;
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

fn millis(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

/// `2025-11-23T00:26:38.123Z`: RFC 3339 in UTC, always with milliseconds, so that every cell
/// has the same width and sorts as text. The bare milliseconds if the time is out of range.
pub fn rfc3339(t: Timestamp) -> String {
    match OffsetDateTime::from_unix_timestamp_nanos(i128::from(t.millis()) * 1_000_000) {
        Ok(dt) => format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            dt.year(),
            u8::from(dt.month()),
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second(),
            dt.millisecond()
        ),
        Err(_) => t.millis().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_times_are_read_in_three_spellings() {
        let cases = [
            ("1763855198000", Ok(1_763_855_198_000)),
            ("2025-11-23", Ok(1_763_856_000_000)),
            ("2025-11-23T00:00:00Z", Ok(1_763_856_000_000)),
            ("2025-11-23T09:00:00+09:00", Ok(1_763_856_000_000)),
            ("2025-11-23T09:00:00 09:00", Ok(1_763_856_000_000)),
            ("2025-11-23T00:00:00.250Z", Ok(1_763_856_000_250)),
            ("yesterday", Err(())),
            ("2025-13-01", Err(())),
            ("", Err(())),
        ];
        for (input, expected) in cases {
            assert_eq!(
                parse_time(input).map(|t| t.millis()).map_err(|_| ()),
                expected,
                "{input:?}"
            );
        }
    }

    #[test]
    fn cells_show_utc_with_milliseconds() {
        assert_eq!(
            rfc3339(Timestamp(1_763_856_000_000)),
            "2025-11-23T00:00:00.000Z"
        );
        assert_eq!(
            rfc3339(Timestamp(1_763_855_198_250)),
            "2025-11-22T23:46:38.250Z"
        );
    }
}
