//! Time buckets of the rollups, and how a span of time is covered by them.
//!
//! Four levels, all in UTC: quarter hours, hours, days and calendar months. Every real time
//! zone's offset is a whole number of quarter hours, so a day, week or month in any offset
//! the summary accepts starts and ends on a quarter hour, and is the sum of whole buckets:
//! exact. A response counts once at each level; a query sums the fewest buckets that tile
//! its span ([`cover`]): a year in `+09:00` by days is 24 hour buckets a day, a year in UTC
//! twelve month buckets.

use time::{Date, Month, OffsetDateTime, Time};

pub const QUARTER_MS: i64 = 15 * 60 * 1000;
const HOUR_MS: i64 = 4 * QUARTER_MS;
const DAY_MS: i64 = 24 * HOUR_MS;

/// A bucket size. The discriminant is the byte in a cell's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Level {
    Quarter = 1,
    Hour = 2,
    Day = 3,
    Month = 4,
}

impl Level {
    pub const ALL: [Level; 4] = [Level::Quarter, Level::Hour, Level::Day, Level::Month];

    pub fn from_byte(b: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|l| *l as u8 == b)
    }

    /// The start (epoch ms) of the bucket of this level that holds `at`.
    pub fn start(self, at: i64) -> i64 {
        match self {
            Self::Quarter => at.div_euclid(QUARTER_MS) * QUARTER_MS,
            Self::Hour => at.div_euclid(HOUR_MS) * HOUR_MS,
            Self::Day => at.div_euclid(DAY_MS) * DAY_MS,
            Self::Month => month_start(at).unwrap_or_else(|| Self::Day.start(at)),
        }
    }

    /// Where the bucket that starts at `start` ends.
    pub fn end(self, start: i64) -> i64 {
        match self {
            Self::Quarter => start + QUARTER_MS,
            Self::Hour => start + HOUR_MS,
            Self::Day => start + DAY_MS,
            Self::Month => next_month(start).unwrap_or(start + DAY_MS),
        }
    }
}

fn utc(at: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(at) * 1_000_000).ok()
}

fn millis(date: Date) -> Option<i64> {
    let at = date.with_time(Time::MIDNIGHT).assume_utc();
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).ok()
}

fn month_start(at: i64) -> Option<i64> {
    millis(utc(at)?.date().replace_day(1).ok()?)
}

fn next_month(start: i64) -> Option<i64> {
    let date = utc(start)?.date();
    let (year, month) = match date.month() {
        Month::December => (date.year() + 1, Month::January),
        m => (date.year(), m.next()),
    };
    millis(Date::from_calendar_date(year, month, 1).ok()?)
}

/// The buckets that tile `from..to` exactly, oldest first: at each step the largest bucket
/// that starts there and ends within the span. `from` and `to` must be on quarter hours.
pub fn cover(from: i64, to: i64) -> Vec<(Level, i64)> {
    debug_assert!(from % QUARTER_MS == 0 && to % QUARTER_MS == 0);
    let mut buckets = Vec::new();
    let mut at = from;
    while at < to {
        let level = Level::ALL
            .into_iter()
            .rev()
            .find(|l| l.start(at) == at && l.end(at) <= to)
            .unwrap_or(Level::Quarter);
        buckets.push((level, at));
        at = level.end(at);
    }
    buckets
}

/// `at` rounded up to a quarter hour.
pub fn ceil_quarter(at: i64) -> i64 {
    let down = Level::Quarter.start(at);
    if down == at { at } else { down + QUARTER_MS }
}

/// `at` rounded down to a quarter hour.
pub fn floor_quarter(at: i64) -> i64 {
    Level::Quarter.start(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// 2025-11-23T00:00:00Z.
    const DAY: i64 = 1_763_856_000_000;

    #[test]
    fn a_seoul_day_is_twenty_four_hours() {
        let from = DAY - 9 * HOUR_MS;
        let buckets = cover(from, from + DAY_MS);
        assert_eq!(buckets.len(), 24);
        assert!(buckets.iter().all(|(l, _)| *l == Level::Hour));
        // A UTC year is its months.
        let year = millis(Date::from_calendar_date(2025, Month::January, 1).unwrap()).unwrap();
        let next = millis(Date::from_calendar_date(2026, Month::January, 1).unwrap()).unwrap();
        let buckets = cover(year, next);
        assert_eq!(buckets.len(), 12);
        assert!(buckets.iter().all(|(l, _)| *l == Level::Month));
        // Kathmandu (+05:45): the day starts at 18:15 UTC.
        let from = DAY - 5 * HOUR_MS - 3 * QUARTER_MS;
        let buckets = cover(from, from + DAY_MS);
        assert_eq!(buckets.first(), Some(&(Level::Quarter, from)));
        assert_eq!(
            buckets.iter().filter(|(l, _)| *l == Level::Quarter).count(),
            4
        );
    }

    proptest! {
        #[test]
        fn cover_tiles_the_span(a in 0i64..200_000, len in 0i64..100_000) {
            let from = DAY + (a - 100_000) * QUARTER_MS;
            let to = from + len * QUARTER_MS;
            let buckets = cover(from, to);
            let mut at = from;
            for (level, start) in buckets {
                prop_assert_eq!(start, at);
                prop_assert_eq!(level.start(start), start, "aligned");
                at = level.end(start);
            }
            prop_assert_eq!(at, to.max(from));
        }
    }
}
