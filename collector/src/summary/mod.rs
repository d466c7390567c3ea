//! Summaries: what a survey's responses say, by group and over time.
//!
//! `GET /v1/admin/sites/{site}/surveys/{survey}/summary` reads the survey's responses through
//! the survey index (never another survey's or site's) and its displays through the survey's
//! display index, and answers, for the whole and for each group: response and display counts,
//! the display-to-response rate, and each question's figures ([`stats`]: NPS with its 95%
//! interval, CSAT, CES, distributions, top choices).
//!
//! Groups are by one context dimension (`group_by`: store, channel, journey_stage, locale)
//! and/or by calendar period (`interval`: day, week, month, in `utc_offset`), on the time the
//! collector received each response or display. A group with fewer responses than
//! `min_count` (default 5) is kept and marked `below_minimum`: its figures are there, but too
//! few to lean on. Nothing is hidden.
//!
//! Responses are read up to the store's committed mark, which the answer gives as
//! `responses_upto` (an export cursor: the same responses as an export up to it).
//!
//! # Layout
//!
//! - this file: the walk ([`summarize`]), its groups and its answer ([`Summary`]).
//! - `query`: the query ([`SummaryQuery::parse`]).
//! - [`stats`]: one accumulator per question kind, and the formulas.
//! - [`period`]: days, ISO weeks and months in a UTC offset.

mod from_rollups;
pub mod period;
mod query;
mod scan;
pub mod stats;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use shared::ids::{MemberHash, SiteId, SurveyId};
use shared::response::Context;
use shared::survey::{QuestionKind, Survey};
use shared::time::Timestamp;

use crate::error::ApiError;
use crate::store::{DisplayRecord, ResponseRecord, Store, StoreError};
use period::Interval;
use stats::{Figures, Tally};

use crate::rollup::{Counts, Dimension};

pub use query::{Source, SummaryQuery};

pub const DEFAULT_MIN_COUNT: u64 = 5;
/// A summary has at most this many groups: more is a query to narrow, not a report to read.
pub const MAX_GROUPS: usize = 5_000;

impl SummaryQuery {
    /// The group of a response or display. `None` only for a time the calendar cannot hold.
    fn key(&self, at: Timestamp, ctx: &Context<MemberHash>) -> Option<GroupKey> {
        let period = match self.interval {
            Some(interval) => Some(period::start(at, interval, self.offset)?),
            None => None,
        };
        Some(GroupKey {
            value: self.group_by.and_then(|d| d.value(ctx)),
            period,
        })
    }
}

/// Groups sort by the dimension's value (none first), then by period.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct GroupKey {
    value: Option<String>,
    period: Option<i64>,
}

/// The questions of every version of the survey: the latest version's in its order, then those
/// only older versions have. A question's kind is the latest version's; its choices are those
/// of every version.
#[derive(Debug)]
struct Questions {
    list: Vec<(String, QuestionKind, Vec<String>)>,
}

impl Questions {
    fn of(versions: &[Arc<Survey>]) -> Self {
        let mut list: Vec<(String, QuestionKind, Vec<String>)> = Vec::new();
        for survey in versions.iter().rev() {
            for q in &survey.questions {
                let choices: Vec<String> = match &q.kind {
                    QuestionKind::SingleChoice { choices }
                    | QuestionKind::MultipleChoice { choices, .. } => {
                        choices.iter().map(|c| c.id.as_str().to_owned()).collect()
                    }
                    _ => Vec::new(),
                };
                match list.iter_mut().find(|(id, _, _)| id == q.id.as_str()) {
                    Some((_, _, known)) => {
                        for c in choices {
                            if !known.contains(&c) {
                                known.push(c);
                            }
                        }
                    }
                    None => list.push((q.id.as_str().to_owned(), q.kind.clone(), choices)),
                }
            }
        }
        Self { list }
    }
}

/// A summary as the API answers it.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub site: SiteId,
    pub survey: SurveyId,
    pub group_by: Option<&'static str>,
    pub interval: Option<&'static str>,
    pub utc_offset: String,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    pub min_count: u64,
    /// Responses are counted up to this sequence number (an export cursor).
    pub responses_upto: u64,
    pub total: Group,
    pub groups: Vec<Group>,
}

/// The figures of one group (or of the whole).
#[derive(Debug, Serialize)]
pub struct Group {
    /// The group's value of `group_by` (`null`: the responses without one, such as no store).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<Option<String>>,
    /// The period's name (`2025-11-23`, `2025-W47`, `2025-11`) and start, with `interval`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period_start: Option<String>,
    pub responses: u64,
    /// Displays reported shown (by the widget, or recorded by an eligibility decision).
    pub displays: u64,
    pub dismissals: u64,
    /// Responses per display shown; `null` with no displays. Can pass 1 where surveys are
    /// answered without a reported display (a receipt QR code opens straight into one).
    pub response_rate: Option<f64>,
    /// Fewer responses than `min_count`: the figures are here but too few to lean on.
    pub below_minimum: bool,
    pub questions: Vec<QuestionFigures>,
}

#[derive(Debug, Serialize)]
pub struct QuestionFigures {
    pub id: String,
    pub kind: &'static str,
    #[serde(flatten)]
    pub figures: Figures,
}

/// Why a summary could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SummaryError {
    #[error(
        "the summary would have more than {MAX_GROUPS} groups: narrow from and to, or use a longer interval"
    )]
    TooManyGroups,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<SummaryError> for ApiError {
    fn from(e: SummaryError) -> Self {
        match e {
            SummaryError::TooManyGroups => ApiError::bad_query(
                "too_many_groups",
                "interval",
                SummaryError::TooManyGroups.to_string(),
            ),
            SummaryError::Store(e) => e.into(),
        }
    }
}

/// The counts of a summary before its figures: the whole, and each group.
#[derive(Debug, Default)]
struct Tallied {
    total: Counts,
    groups: Groups,
}

/// A summary's groups, made on first use. Groups sort by the dimension's value (none first),
/// then by period.
#[derive(Debug, Default)]
struct Groups {
    /// Whether the query groups at all.
    grouped: bool,
    map: BTreeMap<GroupKey, Counts>,
}

impl Groups {
    fn for_query(query: &SummaryQuery) -> Self {
        Self {
            grouped: query.group_by.is_some() || query.interval.is_some(),
            map: BTreeMap::new(),
        }
    }

    /// The counts of a group, made on first use; `None` when the query does not group.
    fn entry(&mut self, key: Option<GroupKey>) -> Result<Option<&mut Counts>, SummaryError> {
        let Some(key) = key.filter(|_| self.grouped) else {
            return Ok(None);
        };
        if !self.map.contains_key(&key) && self.map.len() == MAX_GROUPS {
            return Err(SummaryError::TooManyGroups);
        }
        Ok(Some(self.map.entry(key).or_default()))
    }
}

impl Tallied {
    /// Counts one stored response in the whole and its group, as its own version asks it; a
    /// flagged one or one the filter leaves out counts nowhere.
    fn count_response(
        &mut self,
        query: &SummaryQuery,
        versions: &[Arc<Survey>],
        record: &ResponseRecord,
    ) -> Result<(), SummaryError> {
        let ctx = &record.response.context;
        // A flagged response (a kiosk's repeated press) is kept, but is no answer to count.
        if record.flag.is_some() || !query.filter.admits(record.received_at, ctx) {
            return Ok(());
        }
        let version = versions
            .iter()
            .find(|v| v.version == record.response.survey_version);
        let counts = Counts::of_response(&record.response.answers, version.map(|v| &**v));
        self.add(query.key(record.received_at, ctx), &counts)
    }

    /// Counts one stored display in the whole and its group, if the filter lets it in.
    fn count_display(
        &mut self,
        query: &SummaryQuery,
        display: &DisplayRecord,
    ) -> Result<(), SummaryError> {
        let ctx = &display.display.context;
        if !query.filter.admits(display.received_at, ctx) {
            return Ok(());
        }
        let shown = matches!(display.display.kind, shared::display::DisplayKind::Shown);
        self.add(
            query.key(display.received_at, ctx),
            &Counts::of_display(shown),
        )
    }

    /// Adds `counts` to the whole and to the group of `key`.
    fn add(&mut self, key: Option<GroupKey>, counts: &Counts) -> Result<(), SummaryError> {
        self.total.add(counts, 1);
        if let Some(group) = self.groups.entry(key)? {
            group.add(counts, 1);
        }
        Ok(())
    }
}

/// A survey's summary, from the rollups. Blocking.
pub fn summarize(
    store: &Store,
    query: &SummaryQuery,
    versions: &[Arc<Survey>],
) -> Result<Summary, SummaryError> {
    let tallied = from_rollups::tally(store, query, versions)?;
    // Read after the cells: every response they count is at or below it.
    let upto = store.committed_response_seq();
    Ok(report(query, versions, tallied, upto))
}

/// A survey's summary, from every stored response and display: the check of the rollups.
/// Blocking, and as slow as the survey is large.
pub fn summarize_by_scan(
    store: &Store,
    query: &SummaryQuery,
    versions: &[Arc<Survey>],
) -> Result<Summary, SummaryError> {
    let upto = store.committed_response_seq();
    let tallied = scan::tally(store, query, versions, upto)?;
    Ok(report(query, versions, tallied, upto))
}

/// The figures of what was counted.
fn report(query: &SummaryQuery, versions: &[Arc<Survey>], tallied: Tallied, upto: u64) -> Summary {
    let questions = Questions::of(versions);
    let group = |key: Option<&GroupKey>, counts: Counts| {
        let (period, period_start) = match (query.interval, key.and_then(|k| k.period)) {
            (Some(interval), Some(start)) => {
                let (name, start) = period::describe(start, interval, query.offset);
                (Some(name), Some(start))
            }
            _ => (None, None),
        };
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        let (responses, shown) = (count(counts.responses), count(counts.shown));
        Group {
            key: query.group_by.and(key).map(|k| k.value.clone()),
            period,
            period_start,
            responses,
            displays: shown,
            dismissals: count(counts.dismissed),
            response_rate: (shown > 0).then(|| responses as f64 / shown as f64),
            below_minimum: responses < query.min_count,
            questions: questions
                .list
                .iter()
                .map(|(id, kind, choices)| QuestionFigures {
                    id: id.clone(),
                    kind: kind.type_name(),
                    figures: Tally::from_atoms(
                        kind,
                        choices,
                        counts.question(id).into_iter().flatten(),
                    )
                    .figures(),
                })
                .collect(),
        }
    };
    Summary {
        site: query.site.clone(),
        survey: query.survey.clone(),
        group_by: query.group_by.map(Dimension::as_str),
        interval: query.interval.map(Interval::as_str),
        utc_offset: period::format_offset(query.offset),
        from: query.filter.from,
        to: query.filter.to,
        min_count: query.min_count,
        responses_upto: upto,
        total: group(None, tallied.total),
        groups: tallied
            .groups
            .map
            .into_iter()
            .map(|(key, counts)| group(Some(&key), counts))
            .collect(),
    }
}
