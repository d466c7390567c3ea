//! A summary's query string, read into a [`SummaryQuery`]: how to group (a context
//! [`Dimension`], a calendar period in a UTC offset), the smallest group worth leaning on, and
//! which responses and displays count (a [`ContextFilter`]).

use shared::ids::{SiteId, SurveyId};
use time::UtcOffset;

use super::DEFAULT_MIN_COUNT;
use super::period::{self, Interval};
use crate::error::ApiError;
use crate::filter::{ContextFilter, FilterParam};
use crate::rollup::Dimension;

/// Where a summary's counts come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Source {
    /// The rollups: what every summary reads unless told otherwise.
    #[default]
    Rollups,
    /// Every stored response and display: the rollups' check, slow on a large survey.
    Scan,
}

/// A summary, read from a query string.
#[derive(Debug, Clone)]
pub struct SummaryQuery {
    pub site: SiteId,
    pub survey: SurveyId,
    pub group_by: Option<Dimension>,
    pub interval: Option<Interval>,
    pub offset: UtcOffset,
    pub min_count: u64,
    pub source: Source,
    /// Which responses and displays count. Its survey is `None`: a summary walks its survey's
    /// own indexes.
    pub filter: ContextFilter,
}

const PARAMS: [&str; 10] = [
    "source",
    "group_by",
    "interval",
    "utc_offset",
    "min_count",
    "from",
    "to",
    "channel",
    "store",
    "journey_stage",
];

fn invalid(param: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::bad_query("invalid_parameter", param, message)
}

impl SummaryQuery {
    /// Reads the query-string pairs. Every problem is a 400 naming the parameter:
    /// `unknown_parameter`, `invalid_parameter` or `invalid_time`.
    pub fn parse(
        site: SiteId,
        survey: SurveyId,
        pairs: &[(String, String)],
    ) -> Result<Self, ApiError> {
        let mut query = Self {
            site,
            survey,
            group_by: None,
            interval: None,
            offset: UtcOffset::UTC,
            min_count: DEFAULT_MIN_COUNT,
            source: Source::default(),
            filter: ContextFilter::default(),
        };
        let mut seen: Vec<&str> = Vec::new();
        for (name, value) in pairs {
            let Some(param) = PARAMS.iter().copied().find(|p| p == name) else {
                return Err(ApiError::bad_query(
                    "unknown_parameter",
                    "query",
                    format!(
                        "{name:?} is not a parameter of a summary; known: {}",
                        PARAMS.join(", ")
                    ),
                ));
            };
            let filtered = FilterParam::parse(param);
            if !filtered.is_some_and(FilterParam::is_list) && seen.contains(&param) {
                return Err(invalid(param, "give this parameter once"));
            }
            seen.push(param);
            let value = value.trim();
            if let Some(filtered) = filtered {
                query.filter.read(filtered, value)?;
                continue;
            }
            match param {
                "group_by" => {
                    query.group_by = Some(
                        Dimension::ALL
                            .into_iter()
                            .find(|d| d.as_str() == value)
                            .ok_or_else(|| {
                                invalid(
                                    "group_by",
                                    format!(
                                        "{value:?} is not store, channel, journey_stage or locale"
                                    ),
                                )
                            })?,
                    );
                }
                "interval" => {
                    query.interval = Some(Interval::parse(value).ok_or_else(|| {
                        invalid("interval", format!("{value:?} is not day, week or month"))
                    })?);
                }
                "utc_offset" => {
                    query.offset = period::parse_offset(value).ok_or_else(|| {
                        invalid(
                            "utc_offset",
                            format!("{value:?} is not an offset like +09:00, -05:30 or Z"),
                        )
                    })?;
                }
                "source" => {
                    query.source = match value {
                        "rollups" => Source::Rollups,
                        "scan" => Source::Scan,
                        _ => {
                            return Err(invalid(
                                "source",
                                format!("{value:?} is not rollups or scan"),
                            ));
                        }
                    };
                }
                "min_count" => {
                    query.min_count = value
                        .parse::<u64>()
                        .ok()
                        .filter(|n| *n <= 1_000_000)
                        .ok_or_else(|| invalid("min_count", "a whole number from 0 to 1000000"))?;
                }
                // The rest of PARAMS are the filter's, read above.
                _ => {}
            }
        }
        query.filter.check_range()?;
        Ok(query)
    }
}
