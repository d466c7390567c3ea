//! Which of a site's responses (and displays) a read takes in: the one filter of the export,
//! the summary and the comments, so that `store=gangnam-01&from=2025-11-01` picks out the same
//! responses wherever a team reads them.
//!
//! - **Time** is when the collector received a response or display (`received_at`, by its own
//!   clock), never the device's `client_time`, which a wrong device clock would shift.
//!   `from` is included and `to` is not, so that consecutive ranges never count a response
//!   twice.
//! - **Context lists** (`channel`, `store`, `journey_stage`) admit any of their values; an empty
//!   list admits all. A context with no store (or no journey stage) is not admitted by a list of
//!   stores (of stages).
//! - **The survey**, when there is one, is decided by the index a read walks ([`scope`]), and
//!   checked again by [`matches`] for a record that was reached another way.
//!
//! Each query keeps its own loop over its parameters (which ones it knows, the order it reports
//! problems in); [`ContextFilter::read`] reads the values of the filter's own parameters, with
//! the same `invalid_time` and `invalid_parameter` answers for every query.
//!
//! [`scope`]: ContextFilter::scope
//! [`matches`]: ContextFilter::matches

use shared::ids::{MemberHash, SiteId, StoreId, SurveyId};
use shared::response::{Channel, Context, JourneyStage};
use shared::time::Timestamp;

use crate::error::ApiError;
use crate::export::timestamps;
use crate::store::{IndexScope, ResponseRecord};

/// A query parameter of [`ContextFilter`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterParam {
    From,
    To,
    Channel,
    Store,
    JourneyStage,
}

impl FilterParam {
    const ALL: [FilterParam; 5] = [
        FilterParam::From,
        FilterParam::To,
        FilterParam::Channel,
        FilterParam::Store,
        FilterParam::JourneyStage,
    ];

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::From => "from",
            Self::To => "to",
            Self::Channel => "channel",
            Self::Store => "store",
            Self::JourneyStage => "journey_stage",
        }
    }

    /// A list may be given more than once (`store=a&store=b`, or `store=a,b`); a time only once.
    pub fn is_list(self) -> bool {
        matches!(self, Self::Channel | Self::Store | Self::JourneyStage)
    }
}

/// Which responses a read includes, besides its site (and its cursor, for an export).
#[derive(Debug, Clone, Default)]
pub struct ContextFilter {
    /// Only this survey's responses; `None`: every survey of the site (or, for a read of one
    /// survey's index, such as a summary, that survey's).
    pub survey: Option<SurveyId>,
    /// Received at or after (inclusive), by the collector's clock.
    pub from: Option<Timestamp>,
    /// Received before (exclusive).
    pub to: Option<Timestamp>,
    /// Any of these; empty: all.
    pub channels: Vec<Channel>,
    pub stores: Vec<StoreId>,
    pub stages: Vec<JourneyStage>,
}

impl ContextFilter {
    /// Every response of one survey.
    pub fn of_survey(survey: SurveyId) -> Self {
        Self {
            survey: Some(survey),
            ..Self::default()
        }
    }

    /// The index that holds the responses of [`Self::survey`]: the survey's own, or the site's.
    pub fn scope<'a>(&'a self, site: &'a SiteId) -> IndexScope<'a> {
        match &self.survey {
            Some(survey) => IndexScope::Survey(site, survey),
            None => IndexScope::Site(site),
        }
    }

    /// Whether the index alone ([`Self::scope`]) decides: then records need not be parsed.
    pub fn index_decides(&self) -> bool {
        self.from.is_none()
            && self.to.is_none()
            && self.channels.is_empty()
            && self.stores.is_empty()
            && self.stages.is_empty()
    }

    /// Whether a response or display received at `at` with this context is in: the time and the
    /// context lists (not the survey).
    pub fn admits(&self, at: Timestamp, ctx: &Context<MemberHash>) -> bool {
        self.from.is_none_or(|from| at >= from)
            && self.to.is_none_or(|to| at < to)
            && (self.channels.is_empty() || self.channels.contains(&ctx.channel))
            && (self.stores.is_empty()
                || ctx
                    .store_id
                    .as_ref()
                    .is_some_and(|s| self.stores.contains(s)))
            && (self.stages.is_empty()
                || ctx.journey_stage.is_some_and(|s| self.stages.contains(&s)))
    }

    /// Whether a stored response is in: its survey, time and context.
    pub fn matches(&self, record: &ResponseRecord) -> bool {
        let r = &record.response;
        self.survey.as_ref().is_none_or(|s| s == &r.survey_id)
            && self.admits(record.received_at, &r.context)
    }

    /// Reads one value of `param`: a time (see [`timestamps::parse_time`]; `invalid_time`), or
    /// items of a list, separated by commas (`invalid_parameter` naming the first bad one). A
    /// time replaces one read before; the caller refuses a time given twice.
    pub fn read(&mut self, param: FilterParam, value: &str) -> Result<(), ApiError> {
        let items = || value.split(',').map(str::trim).filter(|v| !v.is_empty());
        match param {
            FilterParam::From | FilterParam::To => {
                let at = timestamps::parse_time(value)
                    .map_err(|m| ApiError::bad_query("invalid_time", param.name(), m))?;
                if param == FilterParam::From {
                    self.from = Some(at);
                } else {
                    self.to = Some(at);
                }
            }
            FilterParam::Channel => {
                for item in items() {
                    let channel = Channel::ALL
                        .into_iter()
                        .find(|c| c.as_str() == item)
                        .ok_or_else(|| {
                            invalid(
                                "channel",
                                format!("{item:?} is not web, kiosk, receipt or app"),
                            )
                        })?;
                    self.channels.push(channel);
                }
            }
            FilterParam::Store => {
                for item in items() {
                    let store = StoreId::parse(item)
                        .map_err(|e| invalid("store", format!("{item:?}: {e}")))?;
                    self.stores.push(store);
                }
            }
            FilterParam::JourneyStage => {
                for item in items() {
                    let stage = parse_stage(item).ok_or_else(|| {
                        invalid(
                            "journey_stage",
                            format!("{item:?} is not pre_purchase, purchase or post_purchase"),
                        )
                    })?;
                    self.stages.push(stage);
                }
            }
        }
        Ok(())
    }

    /// Refuses a range that holds no time: `to` must be later than `from`.
    pub fn check_range(&self) -> Result<(), ApiError> {
        match (self.from, self.to) {
            (Some(from), Some(to)) if from >= to => Err(ApiError::bad_query(
                "invalid_time",
                "to",
                "must be later than from",
            )),
            _ => Ok(()),
        }
    }
}

fn invalid(param: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::bad_query("invalid_parameter", param, message)
}

/// A journey stage as queries, CSV cells and summary groups name it.
pub fn stage_name(stage: JourneyStage) -> &'static str {
    match stage {
        JourneyStage::PrePurchase => "pre_purchase",
        JourneyStage::Purchase => "purchase",
        JourneyStage::PostPurchase => "post_purchase",
    }
}

pub fn parse_stage(s: &str) -> Option<JourneyStage> {
    [
        JourneyStage::PrePurchase,
        JourneyStage::Purchase,
        JourneyStage::PostPurchase,
    ]
    .into_iter()
    .find(|stage| stage_name(*stage) == s)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn filter(pairs: &[(&str, &str)]) -> Result<ContextFilter, ApiError> {
        let mut filter = ContextFilter::default();
        for (name, value) in pairs {
            filter.read(FilterParam::parse(name).expect("a filter parameter"), value)?;
        }
        filter.check_range()?;
        Ok(filter)
    }

    fn context(extra: serde_json::Value) -> Context<MemberHash> {
        let mut ctx = json!({ "channel": "kiosk", "site_id": "shop", "locale": "ko" });
        ctx.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        serde_json::from_value(ctx).unwrap()
    }

    #[test]
    fn admits_by_received_time_and_context() {
        let cases = [
            (vec![], 5, json!({}), true),
            // `from` is included, `to` is not.
            (vec![("from", "1000")], 1000, json!({}), true),
            (vec![("from", "1000")], 999, json!({}), false),
            (vec![("to", "2000")], 1999, json!({}), true),
            (vec![("to", "2000")], 2000, json!({}), false),
            (vec![("channel", "web, kiosk")], 5, json!({}), true),
            (
                vec![("channel", "web"), ("channel", "app")],
                5,
                json!({}),
                false,
            ),
            (vec![("store", "a,b")], 5, json!({ "store_id": "b" }), true),
            (vec![("store", "a,b")], 5, json!({ "store_id": "c" }), false),
            // No store is not any of the stores asked for.
            (vec![("store", "a")], 5, json!({}), false),
            (
                vec![("journey_stage", "purchase")],
                5,
                json!({ "journey_stage": "purchase" }),
                true,
            ),
            (vec![("journey_stage", "purchase")], 5, json!({}), false),
            // An empty list is no filter.
            (vec![("store", " , ")], 5, json!({}), true),
        ];
        for (pairs, at, ctx, expected) in cases {
            let admitted = filter(&pairs).unwrap().admits(Timestamp(at), &context(ctx));
            assert_eq!(admitted, expected, "{pairs:?} at {at}");
        }
    }

    #[test]
    fn bad_values_name_their_parameter() {
        let cases = [
            (vec![("from", "yesterday")], "invalid_time", "from"),
            (vec![("to", "")], "invalid_time", "to"),
            (vec![("from", "2000"), ("to", "2000")], "invalid_time", "to"),
            (vec![("channel", "web,fax")], "invalid_parameter", "channel"),
            (vec![("store", "a b")], "invalid_parameter", "store"),
            (
                vec![("journey_stage", "later")],
                "invalid_parameter",
                "journey_stage",
            ),
        ];
        for (pairs, code, param) in cases {
            let e = filter(&pairs).unwrap_err();
            assert_eq!((e.code(), e.field()), (code, Some(param)), "{pairs:?}");
        }
    }
}
