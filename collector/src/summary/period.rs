//! Calendar periods (day, ISO week from Monday, month) in a fixed UTC offset.
//!
//! A store in Seoul wants its days to start at midnight in Seoul: `utc_offset=+09:00` moves
//! every period boundary there. The offset is fixed (no daylight saving rules).

use shared::time::Timestamp;
use time::{Date, Duration, OffsetDateTime, UtcOffset};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    Day,
    Week,
    Month,
}

impl Interval {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "day" => Some(Self::Day),
            "week" => Some(Self::Week),
            "month" => Some(Self::Month),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
        }
    }
}

/// Reads `+09:00`, `-05:30`, `Z` or `+00:00` (a `+` that arrived as a space, as an unescaped
/// `+` in a query string does, is read as `+`).
pub fn parse_offset(raw: &str) -> Option<UtcOffset> {
    if raw == "Z" || raw == "z" {
        return Some(UtcOffset::UTC);
    }
    let repaired = raw.replace(' ', "+");
    let b = repaired.as_bytes();
    if b.len() != 6 || b[3] != b':' {
        return None;
    }
    let sign = match b[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let hours: i8 = repaired[1..3].parse().ok()?;
    let minutes: i8 = repaired[4..6].parse().ok()?;
    if hours > 14 || minutes > 59 || (hours == 14 && minutes > 0) {
        return None;
    }
    UtcOffset::from_hms(sign * hours, sign * minutes, 0).ok()
}

/// `+09:00`.
pub fn format_offset(offset: UtcOffset) -> String {
    let (h, m, _) = offset.as_hms();
    let sign = if offset.is_negative() { '-' } else { '+' };
    format!("{sign}{:02}:{:02}", h.unsigned_abs(), m.unsigned_abs())
}

/// The first day of the period that holds `date`.
fn first_day(date: Date, interval: Interval) -> Date {
    match interval {
        Interval::Day => date,
        Interval::Week => {
            date - Duration::days(i64::from(date.weekday().number_days_from_monday()))
        }
        Interval::Month => date.replace_day(1).unwrap_or(date),
    }
}

/// When the period that holds `at` starts (epoch milliseconds), or `None` for a time out of
/// the calendar's range.
pub fn start(at: Timestamp, interval: Interval, offset: UtcOffset) -> Option<i64> {
    let local = OffsetDateTime::from_unix_timestamp_nanos(i128::from(at.millis()) * 1_000_000)
        .ok()?
        .to_offset(offset);
    let first = first_day(local.date(), interval)
        .midnight()
        .assume_offset(offset);
    i64::try_from(first.unix_timestamp_nanos() / 1_000_000).ok()
}

/// When the period after the one starting at `start_ms` starts.
pub fn next(start_ms: i64, interval: Interval, offset: UtcOffset) -> Option<i64> {
    let local = OffsetDateTime::from_unix_timestamp_nanos(i128::from(start_ms) * 1_000_000)
        .ok()?
        .to_offset(offset);
    let date = local.date();
    let next = match interval {
        Interval::Day => date.next_day()?,
        Interval::Week => date.checked_add(Duration::days(7))?,
        Interval::Month => {
            let last = date.replace_day(1).ok()?;
            let (year, month) = match last.month() {
                time::Month::December => (last.year() + 1, time::Month::January),
                m => (last.year(), m.next()),
            };
            Date::from_calendar_date(year, month, 1).ok()?
        }
    };
    let at = next.midnight().assume_offset(offset);
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).ok()
}

/// The name and the start (RFC 3339 in the offset) of the period starting at `start_ms`:
/// `2025-11-23`, `2025-W47`, `2025-11`.
pub fn describe(start_ms: i64, interval: Interval, offset: UtcOffset) -> (String, String) {
    let Ok(start) = OffsetDateTime::from_unix_timestamp_nanos(i128::from(start_ms) * 1_000_000)
    else {
        return (start_ms.to_string(), start_ms.to_string());
    };
    let local = start.to_offset(offset);
    let date = local.date();
    let label = match interval {
        Interval::Day => format!(
            "{:04}-{:02}-{:02}",
            date.year(),
            u8::from(date.month()),
            date.day()
        ),
        Interval::Week => {
            let (year, week, _) = date.to_iso_week_date();
            format!("{year:04}-W{week:02}")
        }
        Interval::Month => format!("{:04}-{:02}", date.year(), u8::from(date.month())),
    };
    let rfc3339 = format!(
        "{:04}-{:02}-{:02}T00:00:00{}",
        date.year(),
        u8::from(date.month()),
        date.day(),
        format_offset(offset)
    );
    (label, rfc3339)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2025-11-23 (a Sunday) 00:26:38 UTC, 09:26:38 in Seoul.
    const SUNDAY: Timestamp = Timestamp(1_763_857_598_000);
    const SEOUL: UtcOffset = match UtcOffset::from_hms(9, 0, 0) {
        Ok(o) => o,
        Err(_) => UtcOffset::UTC,
    };

    fn check(at: Timestamp, interval: Interval, offset: UtcOffset, label: &str, start_text: &str) {
        let start = start(at, interval, offset).unwrap();
        assert!(start <= at.millis());
        assert_eq!(
            describe(start, interval, offset),
            (label.to_owned(), start_text.to_owned()),
            "{interval:?}"
        );
    }

    #[test]
    fn periods_start_at_local_midnight() {
        let utc = UtcOffset::UTC;
        check(
            SUNDAY,
            Interval::Day,
            utc,
            "2025-11-23",
            "2025-11-23T00:00:00+00:00",
        );
        check(
            SUNDAY,
            Interval::Week,
            utc,
            "2025-W47",
            "2025-11-17T00:00:00+00:00",
        );
        check(
            SUNDAY,
            Interval::Month,
            utc,
            "2025-11",
            "2025-11-01T00:00:00+00:00",
        );
        check(
            SUNDAY,
            Interval::Day,
            SEOUL,
            "2025-11-23",
            "2025-11-23T00:00:00+09:00",
        );
        // 23:30 on Sunday in UTC is already Monday in Seoul: a new week there.
        let late = Timestamp(1_763_940_600_000);
        check(
            late,
            Interval::Day,
            utc,
            "2025-11-23",
            "2025-11-23T00:00:00+00:00",
        );
        check(
            late,
            Interval::Week,
            utc,
            "2025-W47",
            "2025-11-17T00:00:00+00:00",
        );
        check(
            late,
            Interval::Week,
            SEOUL,
            "2025-W48",
            "2025-11-24T00:00:00+09:00",
        );
        assert_eq!(
            start(SUNDAY, Interval::Day, SEOUL).unwrap(),
            1_763_823_600_000,
            "2025-11-23T00:00:00+09:00"
        );
    }

    #[test]
    fn offsets_are_read_strictly() {
        for (raw, expected) in [
            ("+09:00", Some("+09:00")),
            (" 09:00", Some("+09:00")),
            ("-05:30", Some("-05:30")),
            ("Z", Some("+00:00")),
            ("+14:00", Some("+14:00")),
            ("+14:30", None),
            ("09:00", None),
            ("+9", None),
            ("", None),
        ] {
            assert_eq!(
                parse_offset(raw).map(format_offset).as_deref(),
                expected,
                "{raw:?}"
            );
        }
    }
}
