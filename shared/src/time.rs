//! Time as data. Nothing here reads a clock: callers pass `now`.

use std::fmt;
use std::ops::{Add, Sub};

use serde::{Deserialize, Serialize};

/// Milliseconds since the Unix epoch, UTC. What `Date.now()` gives in a browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub const MS_PER_DAY: i64 = 86_400_000;

    pub fn millis(self) -> i64 {
        self.0
    }

    /// Days since the epoch (UTC), used to bucket daily quotas.
    pub fn utc_day(self) -> i64 {
        self.0.div_euclid(Self::MS_PER_DAY)
    }
}

impl Add<Period> for Timestamp {
    type Output = Timestamp;
    fn add(self, p: Period) -> Timestamp {
        Timestamp(self.0.saturating_add(p.millis()))
    }
}

impl Sub<Period> for Timestamp {
    type Output = Timestamp;
    fn sub(self, p: Period) -> Timestamp {
        Timestamp(self.0.saturating_sub(p.millis()))
    }
}

/// A span of time, written the way people say it: `"30s"`, `"15m"`, `"12h"`, `"14d"`
/// (a bare number is seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(into = "String")]
pub struct Period {
    secs: u64,
}

/// Periods longer than ten years are surely a mistake in a policy.
const MAX_PERIOD_SECS: u64 = 10 * 366 * 86_400;

impl Period {
    pub const ZERO: Period = Period { secs: 0 };

    pub fn seconds(secs: u64) -> Self {
        Self {
            secs: secs.min(MAX_PERIOD_SECS),
        }
    }

    pub fn minutes(m: u64) -> Self {
        Self::seconds(m.saturating_mul(60))
    }

    pub fn hours(h: u64) -> Self {
        Self::seconds(h.saturating_mul(3_600))
    }

    pub fn days(d: u64) -> Self {
        Self::seconds(d.saturating_mul(86_400))
    }

    pub fn as_secs(self) -> u64 {
        self.secs
    }

    pub fn millis(self) -> i64 {
        // At most ten years: fits in i64 with room to spare.
        (self.secs * 1_000) as i64
    }

    pub fn parse(s: &str) -> Result<Self, PeriodError> {
        let s = s.trim();
        // No index slicing: its panic path would cost the widget's bundle.
        let unit = s.trim_start_matches(|c: char| c.is_ascii_digit());
        let digits = s.strip_suffix(unit).unwrap_or_default();
        let n: u64 = digits.parse().map_err(|_| PeriodError(s.to_owned()))?;
        let per_unit = match unit {
            "" | "s" => 1,
            "m" => 60,
            "h" => 3_600,
            "d" => 86_400,
            "w" => 7 * 86_400,
            _ => return Err(PeriodError(s.to_owned())),
        };
        let secs = n
            .checked_mul(per_unit)
            .ok_or_else(|| PeriodError(s.to_owned()))?;
        if secs > MAX_PERIOD_SECS {
            return Err(PeriodError(s.to_owned()));
        }
        Ok(Self { secs })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a period: write a number and a unit, such as \"30s\", \"15m\", \"12h\", \"14d\" or \"2w\" (ten years at most)"
)]
pub struct PeriodError(String);

/// A period as written: seconds as a number, or text such as `"14d"`. By hand rather than an
/// untagged enum, which buffers the value and tries each variant in turn.
struct PeriodVisitor;

impl serde::de::Visitor<'_> for PeriodVisitor {
    type Value = Period;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a period such as \"30s\", \"15m\", \"12h\", \"14d\" or a number of seconds")
    }

    fn visit_u64<E: serde::de::Error>(self, secs: u64) -> Result<Period, E> {
        if secs <= MAX_PERIOD_SECS {
            Ok(Period { secs })
        } else {
            Err(E::custom(PeriodError(secs.to_string())))
        }
    }

    fn visit_i64<E: serde::de::Error>(self, secs: i64) -> Result<Period, E> {
        match u64::try_from(secs) {
            Ok(secs) => self.visit_u64(secs),
            Err(_) => Err(E::custom(PeriodError(secs.to_string()))),
        }
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Period, E> {
        Period::parse(text).map_err(E::custom)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(PeriodVisitor)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.secs;
        match s {
            0 => write!(f, "0s"),
            _ if s.is_multiple_of(86_400) => write!(f, "{}d", s / 86_400),
            _ if s.is_multiple_of(3_600) => write!(f, "{}h", s / 3_600),
            _ if s.is_multiple_of(60) => write!(f, "{}m", s / 60),
            _ => write!(f, "{s}s"),
        }
    }
}

impl From<Period> for String {
    fn from(p: Period) -> String {
        p.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_and_print() {
        for (input, secs, printed) in [
            ("30s", 30, "30s"),
            ("15m", 900, "15m"),
            ("12h", 43_200, "12h"),
            ("14d", 1_209_600, "14d"),
            ("2w", 1_209_600, "14d"),
            ("90", 90, "90s"),
            ("0d", 0, "0s"),
        ] {
            let p = Period::parse(input).unwrap();
            assert_eq!(p.as_secs(), secs, "{input}");
            assert_eq!(p.to_string(), printed, "{input}");
        }
        for bad in ["", "d", "14 days", "-1d", "1y", "99999999999d"] {
            assert!(Period::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn periods_deserialize_from_text_or_seconds() {
        let p: Period = serde_json::from_str("\"14d\"").unwrap();
        assert_eq!(p, Period::days(14));
        let p: Period = serde_json::from_str("60").unwrap();
        assert_eq!(p, Period::minutes(1));
        assert!(serde_json::from_str::<Period>("\"soon\"").is_err());
    }

    #[test]
    fn utc_day_buckets() {
        assert_eq!(Timestamp(0).utc_day(), 0);
        assert_eq!(Timestamp(Timestamp::MS_PER_DAY - 1).utc_day(), 0);
        assert_eq!(Timestamp(Timestamp::MS_PER_DAY).utc_day(), 1);
        assert_eq!(Timestamp(-1).utc_day(), -1);
    }
}
