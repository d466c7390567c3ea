//! Calendar dates, for the trend's axis. The summary leaves out periods without answers; the
//! chart puts them back, so that a quiet week looks like a gap, not like no time passing.
//! Periods are named by their first day in the summary's UTC offset (`period_start`), so all
//! of this is civil-date arithmetic, with no time zone.

/// A day of the proleptic Gregorian calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Date {
    year: i64,
    month: u32,
    day: u32,
}

/// The length of a trend's period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    Day,
    Week,
    Month,
}

impl Date {
    /// The date at the start of `2025-11-23T00:00:00+09:00` (or of `2025-11-23`).
    pub(crate) fn parse(text: &str) -> Option<Date> {
        let date = text.get(..10)?;
        let mut parts = date.split('-');
        let year = parts.next()?.parse().ok()?;
        let month = parts
            .next()?
            .parse()
            .ok()
            .filter(|m| (1..=12).contains(m))?;
        let day = parts
            .next()?
            .parse()
            .ok()
            .filter(|d| (1..=31).contains(d))?;
        Some(Date { year, month, day })
    }

    /// Days since 1970-01-01 (H. Hinnant's `days_from_civil`).
    fn days(self) -> i64 {
        let y = if self.month <= 2 {
            self.year - 1
        } else {
            self.year
        };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01 (`civil_from_days`).
    fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = (if mp < 10 { mp + 3 } else { mp - 9 }) as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date { year, month, day }
    }

    /// The start of the next period.
    pub(crate) fn next(self, step: Step) -> Date {
        match step {
            Step::Day => Date::from_days(self.days() + 1),
            Step::Week => Date::from_days(self.days() + 7),
            Step::Month if self.month == 12 => Date {
                year: self.year + 1,
                month: 1,
                day: 1,
            },
            Step::Month => Date {
                month: self.month + 1,
                day: 1,
                ..self
            },
        }
    }

    /// How the axis writes a period starting on this date: `11-23` (a day, or the week from
    /// that Monday), `2025-11` (a month).
    pub(crate) fn label(self, step: Step) -> String {
        match step {
            Step::Day | Step::Week => format!("{:02}-{:02}", self.month, self.day),
            Step::Month => format!("{}-{:02}", self.year, self.month),
        }
    }
}

/// Every period from `first` to `last` (both included), at most `limit` of them.
pub(crate) fn periods(first: Date, last: Date, step: Step, limit: usize) -> Vec<Date> {
    let mut out = vec![first];
    let mut at = first;
    while at < last && out.len() < limit {
        at = at.next(step);
        out.push(at);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Date {
        Date::parse(text).expect(text)
    }

    #[test]
    fn dates_round_trip_through_day_numbers() {
        for text in [
            "1970-01-01",
            "2000-02-29",
            "2024-12-31",
            "2025-03-01",
            "1969-12-31",
        ] {
            let d = date(text);
            assert_eq!(Date::from_days(d.days()), d, "{text}");
        }
        assert_eq!(date("1970-01-02").days(), 1);
    }

    #[test]
    fn periods_step_across_month_and_year_ends() {
        let check = |from: &str, step: Step, expected: &str| {
            assert_eq!(date(from).next(step), date(expected), "{from} {step:?}");
        };
        check("2025-11-30", Step::Day, "2025-12-01");
        check("2024-02-28", Step::Day, "2024-02-29");
        check("2025-12-29", Step::Week, "2026-01-05");
        check("2025-12-01", Step::Month, "2026-01-01");
        check("2025-01-01", Step::Month, "2025-02-01");
    }

    #[test]
    fn gaps_are_filled_and_bounded() {
        let days = periods(date("2025-11-28"), date("2025-12-02"), Step::Day, 100);
        let labels: Vec<String> = days.iter().map(|d| d.label(Step::Day)).collect();
        assert_eq!(labels, ["11-28", "11-29", "11-30", "12-01", "12-02"]);
        assert_eq!(
            periods(date("2025-01-01"), date("2025-12-31"), Step::Day, 40).len(),
            40
        );
        assert_eq!(
            date("2025-11-01T00:00:00+09:00").label(Step::Month),
            "2025-11"
        );
    }
}
