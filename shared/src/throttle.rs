//! Throttling as data, and the one function that decides.
//!
//! The site's [`ThrottlePolicy`] and each survey's [`SurveyThrottle`] are plain data. A subject's
//! [`ContactHistory`] says when it was last shown, dismissed and answered something. [`decide`]
//! reads them and `now` and answers [`Decision::Show`] or why not. The widget runs it on the
//! device for anonymous visitors; the collector runs it against its contact ledger for members.
//! [`explain`] (collector only, feature `server`) lists every rule with what it found.

#[cfg(feature = "server")]
mod explain;

#[cfg(feature = "server")]
pub use explain::{Explanation, Outcome, Rule, RuleCheck, explain};

use crate::map::Map;

use serde::{Deserialize, Serialize};

use crate::error::{ErrorCode, FieldError};
use crate::ids::SurveyId;
use crate::response::Channel;
use crate::sampling::is_sampled;
use crate::survey::Survey;
use crate::time::{Period, Timestamp};

/// Site-wide waiting periods, across all of the site's surveys.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "server", serde(deny_unknown_fields))]
pub struct ThrottlePolicy {
    /// After any survey was shown, show no survey for this long.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_after_shown: Option<Period>,
    /// After any survey was answered, show no survey for this long.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_after_answered: Option<Period>,
}

/// One survey's own limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", serde(deny_unknown_fields))]
pub struct SurveyThrottle {
    /// Show at most this many times to one subject without an answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_displays: Option<u32>,
    /// After a dismissal, do not show this survey again for this long.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dismiss_cooldown: Option<Period>,
    #[serde(default)]
    pub recurrence: Recurrence,
    /// Share of subjects asked, 0 to 100. Sticky: a subject is always in or always out.
    #[serde(default = "all_percent")]
    pub sample_percent: f64,
    /// Change it to draw a new sample.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sample_salt: String,
    #[serde(default)]
    pub quota: Quota,
}

fn all_percent() -> f64 {
    100.0
}

impl Default for SurveyThrottle {
    fn default() -> Self {
        Self {
            max_displays: None,
            dismiss_cooldown: None,
            recurrence: Recurrence::default(),
            sample_percent: all_percent(),
            sample_salt: String::new(),
            quota: Quota::default(),
        }
    }
}

/// Whether a subject who answered is asked again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recurrence {
    /// Once answered, never again.
    #[default]
    Never,
    /// Ask again this long after the last answer.
    After(Period),
}

/// Stop asking once enough responses are in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "server", serde(deny_unknown_fields))]
pub struct Quota {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// Per store and UTC day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_store_per_day: Option<u64>,
}

/// Responses counted so far against a survey's quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct QuotaUsage {
    pub total: u64,
    /// For the subject's store today; `None` where there is no store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_today: Option<u64>,
}

/// One entry of a contact history: what happened, when and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub at: Timestamp,
    pub survey_id: SurveyId,
    pub channel: Channel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactKind {
    Shown,
    Dismissed,
    Answered,
}

/// One subject's history with one survey.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SurveyContacts {
    /// Displays since the last answer (an answer starts the count again).
    pub displays: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_shown: Option<Contact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_dismissed: Option<Contact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_answered: Option<Contact>,
}

/// What one subject (a device, or a member across every channel) has been through.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ContactHistory {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_shown: Option<Contact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_answered: Option<Contact>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub surveys: Map<SurveyId, SurveyContacts>,
}

/// Keeps the later of two contacts: events may arrive out of order (an offline kiosk).
fn keep_latest(slot: &mut Option<Contact>, contact: &Contact) {
    if slot.as_ref().is_none_or(|old| old.at <= contact.at) {
        *slot = Some(contact.clone());
    }
}

impl ContactHistory {
    /// Adds one event. Events may arrive in any order (an offline kiosk delivers a day late):
    /// the latest of each kind is kept, and `displays` counts the displays after the latest answer
    /// as far as the history can tell.
    pub fn record(&mut self, kind: ContactKind, contact: Contact) {
        let survey = self.surveys.get_or_default(contact.survey_id.clone());
        match kind {
            ContactKind::Shown => {
                // A display at the very millisecond of the answer is the display answered, so the
                // result does not depend on which of the two arrives first.
                let after_answer = survey
                    .last_answered
                    .as_ref()
                    .is_none_or(|a| a.at < contact.at);
                if after_answer {
                    survey.displays = survey.displays.saturating_add(1);
                }
                keep_latest(&mut survey.last_shown, &contact);
                keep_latest(&mut self.last_shown, &contact);
            }
            ContactKind::Dismissed => keep_latest(&mut survey.last_dismissed, &contact),
            ContactKind::Answered => {
                if survey
                    .last_answered
                    .as_ref()
                    .is_none_or(|a| a.at <= contact.at)
                {
                    // A display recorded before this answer arrived may have happened after it.
                    // Only the latest display is kept, so at least one is known: count that one.
                    let shown_since = survey
                        .last_shown
                        .as_ref()
                        .is_some_and(|s| s.at > contact.at);
                    survey.displays = u32::from(shown_since);
                }
                keep_latest(&mut survey.last_answered, &contact);
                keep_latest(&mut self.last_answered, &contact);
            }
        }
    }
}

/// Everything [`decide`] looks at.
#[derive(Debug, Clone, Copy)]
pub struct DecisionInput<'a> {
    pub policy: &'a ThrottlePolicy,
    pub survey: &'a Survey,
    pub history: &'a ContactHistory,
    /// A stable key for sampling: the device id or the member hash.
    pub subject: &'a str,
    pub quota: QuotaUsage,
    pub now: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    Show,
    Suppress(Suppression),
}

impl Decision {
    pub fn is_show(&self) -> bool {
        matches!(self, Decision::Show)
    }
}

/// Why a survey is not shown, until when, and which history entry is the cause.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suppression {
    pub reason: SuppressReason,
    /// When the reason stops holding, if it is a waiting period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<Timestamp>,
    /// The history entry behind a waiting period or a cap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub because_of: Option<Contact>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuppressReason {
    SurveyNotActive,
    NotSampled,
    TotalQuotaReached,
    StoreDailyQuotaReached,
    AlreadyAnswered,
    RecurrenceWait,
    MaxDisplaysReached,
    DismissCooldown,
    SiteWaitAfterAnswered,
    SiteWaitAfterShown,
}

impl SuppressReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SurveyNotActive => "survey_not_active",
            Self::NotSampled => "not_sampled",
            Self::TotalQuotaReached => "total_quota_reached",
            Self::StoreDailyQuotaReached => "store_daily_quota_reached",
            Self::AlreadyAnswered => "already_answered",
            Self::RecurrenceWait => "recurrence_wait",
            Self::MaxDisplaysReached => "max_displays_reached",
            Self::DismissCooldown => "dismiss_cooldown",
            Self::SiteWaitAfterAnswered => "site_wait_after_answered",
            Self::SiteWaitAfterShown => "site_wait_after_shown",
        }
    }
}

fn suppress(
    reason: SuppressReason,
    until: Option<Timestamp>,
    because_of: Option<&Contact>,
) -> Decision {
    Decision::Suppress(Suppression {
        reason,
        until,
        because_of: because_of.cloned(),
    })
}

/// A waiting period of `period` after `contact` still runs at `now` (the end is exclusive).
fn waiting(
    contact: Option<&Contact>,
    period: Option<Period>,
    now: Timestamp,
) -> Option<(Timestamp, &Contact)> {
    let (contact, period) = (contact?, period?);
    let until = contact.at + period;
    (now < until).then_some((until, contact))
}

/// Decides whether to show `input.survey` to the subject now. Rules are checked from the most
/// lasting to the most passing, so the reason given is the one worth knowing.
pub fn decide(input: &DecisionInput<'_>) -> Decision {
    let DecisionInput {
        policy,
        survey,
        history,
        subject,
        quota,
        now,
    } = *input;
    let limits = &survey.throttle;
    if !survey.is_active() {
        return suppress(SuppressReason::SurveyNotActive, None, None);
    }
    if !is_sampled(
        limits.sample_percent,
        &limits.sample_salt,
        &survey.id,
        subject,
    ) {
        return suppress(SuppressReason::NotSampled, None, None);
    }
    if limits.quota.total.is_some_and(|cap| quota.total >= cap) {
        return suppress(SuppressReason::TotalQuotaReached, None, None);
    }
    if let (Some(cap), Some(today)) = (limits.quota.per_store_per_day, quota.store_today)
        && today >= cap
    {
        // A daily quota of zero never lifts: promise no end.
        let tomorrow = (cap > 0).then(|| Timestamp((now.utc_day() + 1) * Timestamp::MS_PER_DAY));
        return suppress(SuppressReason::StoreDailyQuotaReached, tomorrow, None);
    }
    let mine = history.surveys.get(&survey.id);
    if let Some(answered) = mine.and_then(|m| m.last_answered.as_ref()) {
        match limits.recurrence {
            Recurrence::Never => {
                return suppress(SuppressReason::AlreadyAnswered, None, Some(answered));
            }
            Recurrence::After(period) => {
                if let Some((until, cause)) = waiting(Some(answered), Some(period), now) {
                    return suppress(SuppressReason::RecurrenceWait, Some(until), Some(cause));
                }
            }
        }
    }
    if let (Some(cap), Some(m)) = (limits.max_displays, mine)
        && m.displays >= cap
    {
        return suppress(
            SuppressReason::MaxDisplaysReached,
            None,
            m.last_shown.as_ref(),
        );
    }
    if let Some((until, cause)) = waiting(
        mine.and_then(|m| m.last_dismissed.as_ref()),
        limits.dismiss_cooldown,
        now,
    ) {
        return suppress(SuppressReason::DismissCooldown, Some(until), Some(cause));
    }
    if let Some((until, cause)) = waiting(
        history.last_answered.as_ref(),
        policy.wait_after_answered,
        now,
    ) {
        return suppress(
            SuppressReason::SiteWaitAfterAnswered,
            Some(until),
            Some(cause),
        );
    }
    if let Some((until, cause)) = waiting(history.last_shown.as_ref(), policy.wait_after_shown, now)
    {
        return suppress(SuppressReason::SiteWaitAfterShown, Some(until), Some(cause));
    }
    Decision::Show
}

impl SurveyThrottle {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if !(0.0..=100.0).contains(&self.sample_percent) {
            errors.push(FieldError::new(
                ErrorCode::OutOfRange,
                "sample_percent",
                "a share from 0 to 100",
            ));
        }
        if self.max_displays == Some(0) {
            errors.push(FieldError::new(
                ErrorCode::OutOfRange,
                "max_displays",
                "at least 1 (or leave it out for no cap)",
            ));
        }
        if self.sample_salt.len() > 64 {
            errors.push(FieldError::new(
                ErrorCode::TooLong,
                "sample_salt",
                "at most 64 bytes",
            ));
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::survey::SurveyStatus;

    use ContactKind::{Answered, Dismissed, Shown};
    use SuppressReason::*;

    const MINUTE: i64 = 60_000;
    const HOUR: i64 = 60 * MINUTE;
    const DAY: i64 = Timestamp::MS_PER_DAY;
    /// 2025-06-15T15:06:40Z, an afternoon.
    const T0: i64 = 1_750_000_000_000;
    /// 2025-06-16T00:00:00Z, the UTC midnight after `T0`.
    const MIDNIGHT_AFTER_T0: i64 = 1_750_032_000_000;

    fn id(s: &str) -> SurveyId {
        SurveyId::parse(s).unwrap()
    }

    fn contact(at: i64, survey: &str) -> Contact {
        Contact {
            at: Timestamp(at),
            survey_id: id(survey),
            channel: Channel::Web,
        }
    }

    /// What the world looks like when `decide` is asked about survey "a".
    struct Setup {
        policy: ThrottlePolicy,
        throttle: SurveyThrottle,
        status: SurveyStatus,
        subject: &'static str,
        /// Recorded in this order, on the web.
        events: Vec<(ContactKind, i64, &'static str)>,
        quota: QuotaUsage,
        now: i64,
    }

    impl Default for Setup {
        fn default() -> Self {
            Self {
                policy: ThrottlePolicy::default(),
                throttle: SurveyThrottle::default(),
                status: SurveyStatus::Active,
                subject: "device-1",
                events: Vec::new(),
                quota: QuotaUsage::default(),
                now: T0,
            }
        }
    }

    fn history(events: &[(ContactKind, i64, &str)]) -> ContactHistory {
        let mut history = ContactHistory::default();
        for &(kind, at, survey) in events {
            history.record(kind, contact(at, survey));
        }
        history
    }

    fn survey(status: SurveyStatus, throttle: SurveyThrottle) -> Survey {
        // From JSON, so the fields decide does not read keep their defaults.
        let mut survey: Survey = serde_json::from_value(json!({
            "id": "a",
            "site_id": "shop",
            "name": "After checkout",
            "default_locale": "en",
            "questions": [],
        }))
        .unwrap();
        survey.status = status;
        survey.throttle = throttle;
        survey
    }

    fn show() -> Decision {
        Decision::Show
    }

    fn suppressed(
        reason: SuppressReason,
        until: Option<i64>,
        because_of: Option<(i64, &str)>,
    ) -> Decision {
        Decision::Suppress(Suppression {
            reason,
            until: until.map(Timestamp),
            because_of: because_of.map(|(at, survey)| contact(at, survey)),
        })
    }

    fn policy(after_shown: Option<Period>, after_answered: Option<Period>) -> ThrottlePolicy {
        ThrottlePolicy {
            wait_after_shown: after_shown,
            wait_after_answered: after_answered,
        }
    }

    #[track_caller]
    fn check(setup: Setup, expected: Decision) {
        let survey = survey(setup.status, setup.throttle);
        let history = history(&setup.events);
        let got = decide(&DecisionInput {
            policy: &setup.policy,
            survey: &survey,
            history: &history,
            subject: setup.subject,
            quota: setup.quota,
            now: Timestamp(setup.now),
        });
        assert_eq!(got, expected);
    }

    #[test]
    fn a_fresh_subject_is_shown() {
        check(Setup::default(), show());
    }

    #[test]
    fn only_an_active_survey_shows() {
        for status in [
            SurveyStatus::Draft,
            SurveyStatus::Paused,
            SurveyStatus::Archived,
        ] {
            check(
                Setup {
                    status,
                    ..Setup::default()
                },
                suppressed(SurveyNotActive, None, None),
            );
        }
    }

    #[test]
    fn sampling() {
        let sampled = |sample_percent| SurveyThrottle {
            sample_percent,
            ..SurveyThrottle::default()
        };
        check(
            Setup {
                throttle: sampled(0.0),
                ..Setup::default()
            },
            suppressed(NotSampled, None, None),
        );
        // "device-1" falls in bucket 194_687 of a million for survey "a" with no salt.
        check(
            Setup {
                throttle: sampled(19.47),
                ..Setup::default()
            },
            show(),
        );
        check(
            Setup {
                throttle: sampled(19.46),
                ..Setup::default()
            },
            suppressed(NotSampled, None, None),
        );
    }

    #[test]
    fn total_quota() {
        let throttle = SurveyThrottle {
            quota: Quota {
                total: Some(100),
                per_store_per_day: None,
            },
            ..SurveyThrottle::default()
        };
        let used = |total| QuotaUsage {
            total,
            store_today: None,
        };
        check(
            Setup {
                throttle: throttle.clone(),
                quota: used(99),
                ..Setup::default()
            },
            show(),
        );
        check(
            Setup {
                throttle,
                quota: used(100),
                ..Setup::default()
            },
            suppressed(TotalQuotaReached, None, None),
        );
    }

    #[test]
    fn store_daily_quota_lasts_until_the_next_utc_midnight() {
        let throttle = SurveyThrottle {
            quota: Quota {
                total: None,
                per_store_per_day: Some(10),
            },
            ..SurveyThrottle::default()
        };
        let today = |store_today| QuotaUsage {
            total: 1_000,
            store_today,
        };
        check(
            Setup {
                throttle: throttle.clone(),
                quota: today(Some(9)),
                ..Setup::default()
            },
            show(),
        );
        check(
            Setup {
                throttle: throttle.clone(),
                quota: today(Some(10)),
                ..Setup::default()
            },
            suppressed(StoreDailyQuotaReached, Some(MIDNIGHT_AFTER_T0), None),
        );
        // At midnight itself the day has just begun: the quota is the next day's.
        check(
            Setup {
                throttle: throttle.clone(),
                quota: today(Some(10)),
                now: MIDNIGHT_AFTER_T0,
                ..Setup::default()
            },
            suppressed(StoreDailyQuotaReached, Some(MIDNIGHT_AFTER_T0 + DAY), None),
        );
        check(
            Setup {
                throttle: throttle.clone(),
                quota: today(Some(10)),
                now: MIDNIGHT_AFTER_T0 - 1,
                ..Setup::default()
            },
            suppressed(StoreDailyQuotaReached, Some(MIDNIGHT_AFTER_T0), None),
        );
        // Regression: a daily quota of zero said it would lift at midnight, and never did.
        check(
            Setup {
                throttle: SurveyThrottle {
                    quota: Quota {
                        total: None,
                        per_store_per_day: Some(0),
                    },
                    ..SurveyThrottle::default()
                },
                quota: today(Some(0)),
                ..Setup::default()
            },
            suppressed(StoreDailyQuotaReached, None, None),
        );
        // No store (the web): a daily store quota does not apply.
        check(
            Setup {
                throttle,
                quota: today(None),
                ..Setup::default()
            },
            show(),
        );
    }

    #[test]
    fn recurrence_never_asks_again() {
        check(
            Setup {
                events: vec![(Answered, T0 - 400 * DAY, "a")],
                ..Setup::default()
            },
            suppressed(AlreadyAnswered, None, Some((T0 - 400 * DAY, "a"))),
        );
        // An answer to another survey is not an answer to this one.
        check(
            Setup {
                events: vec![(Answered, T0 - HOUR, "b")],
                ..Setup::default()
            },
            show(),
        );
    }

    #[test]
    fn recurrence_after_a_period() {
        let every_30_days = || SurveyThrottle {
            recurrence: Recurrence::After(Period::days(30)),
            ..SurveyThrottle::default()
        };
        let answered = T0 - 30 * DAY;
        check(
            Setup {
                throttle: every_30_days(),
                events: vec![(Answered, answered, "a")],
                now: T0 - 1,
                ..Setup::default()
            },
            suppressed(RecurrenceWait, Some(T0), Some((answered, "a"))),
        );
        check(
            Setup {
                throttle: every_30_days(),
                events: vec![(Answered, answered, "a")],
                now: T0,
                ..Setup::default()
            },
            show(),
        );
        // The period runs from the latest answer, whatever order the answers arrived in.
        check(
            Setup {
                throttle: every_30_days(),
                events: vec![(Answered, answered, "a"), (Answered, answered - DAY, "a")],
                now: T0 - 1,
                ..Setup::default()
            },
            suppressed(RecurrenceWait, Some(T0), Some((answered, "a"))),
        );
    }

    #[test]
    fn max_displays_counts_since_the_last_answer() {
        let at_most_2 = |recurrence| SurveyThrottle {
            max_displays: Some(2),
            recurrence,
            ..SurveyThrottle::default()
        };
        check(
            Setup {
                throttle: at_most_2(Recurrence::Never),
                events: vec![(Shown, T0 - 2 * DAY, "a")],
                ..Setup::default()
            },
            show(),
        );
        check(
            Setup {
                throttle: at_most_2(Recurrence::Never),
                events: vec![(Shown, T0 - 2 * DAY, "a"), (Shown, T0 - DAY, "a")],
                ..Setup::default()
            },
            suppressed(MaxDisplaysReached, None, Some((T0 - DAY, "a"))),
        );
        // Displays of other surveys do not count.
        check(
            Setup {
                throttle: at_most_2(Recurrence::Never),
                events: vec![(Shown, T0 - 2 * DAY, "b"), (Shown, T0 - DAY, "b")],
                ..Setup::default()
            },
            show(),
        );
        // An answer starts the count again.
        let weekly = || at_most_2(Recurrence::After(Period::days(7)));
        check(
            Setup {
                throttle: weekly(),
                events: vec![
                    (Shown, T0 - 20 * DAY, "a"),
                    (Shown, T0 - 19 * DAY, "a"),
                    (Answered, T0 - 19 * DAY, "a"),
                    (Shown, T0 - DAY, "a"),
                ],
                ..Setup::default()
            },
            show(),
        );
        check(
            Setup {
                throttle: weekly(),
                events: vec![
                    (Shown, T0 - 20 * DAY, "a"),
                    (Answered, T0 - 19 * DAY, "a"),
                    (Shown, T0 - 2 * DAY, "a"),
                    (Shown, T0 - DAY, "a"),
                ],
                ..Setup::default()
            },
            suppressed(MaxDisplaysReached, None, Some((T0 - DAY, "a"))),
        );
    }

    #[test]
    fn dismiss_cooldown() {
        let cooldown = || SurveyThrottle {
            dismiss_cooldown: Some(Period::days(7)),
            ..SurveyThrottle::default()
        };
        let dismissed = T0 - 7 * DAY;
        check(
            Setup {
                throttle: cooldown(),
                events: vec![(Shown, dismissed, "a"), (Dismissed, dismissed, "a")],
                now: T0 - 1,
                ..Setup::default()
            },
            suppressed(DismissCooldown, Some(T0), Some((dismissed, "a"))),
        );
        check(
            Setup {
                throttle: cooldown(),
                events: vec![(Shown, dismissed, "a"), (Dismissed, dismissed, "a")],
                now: T0,
                ..Setup::default()
            },
            show(),
        );
        // Dismissing another survey cools that one down, not this one.
        check(
            Setup {
                throttle: cooldown(),
                events: vec![(Dismissed, T0 - HOUR, "b")],
                ..Setup::default()
            },
            show(),
        );
    }

    #[test]
    fn site_wait_after_shown_spans_surveys() {
        let one_day = || policy(Some(Period::days(1)), None);
        let shown_b = T0 - DAY;
        check(
            Setup {
                policy: one_day(),
                events: vec![(Shown, shown_b, "b")],
                now: T0 - 1,
                ..Setup::default()
            },
            suppressed(SiteWaitAfterShown, Some(T0), Some((shown_b, "b"))),
        );
        check(
            Setup {
                policy: one_day(),
                events: vec![(Shown, shown_b, "b")],
                now: T0,
                ..Setup::default()
            },
            show(),
        );
        // The latest display counts, whichever survey it was and whenever it arrived.
        check(
            Setup {
                policy: one_day(),
                events: vec![(Shown, T0 - MINUTE, "c"), (Shown, shown_b, "b")],
                ..Setup::default()
            },
            suppressed(
                SiteWaitAfterShown,
                Some(T0 - MINUTE + DAY),
                Some((T0 - MINUTE, "c")),
            ),
        );
    }

    #[test]
    fn site_wait_after_answered_spans_surveys() {
        let two_weeks = || policy(None, Some(Period::days(14)));
        let answered_b = T0 - 14 * DAY;
        check(
            Setup {
                policy: two_weeks(),
                events: vec![(Answered, answered_b, "b")],
                now: T0 - 1,
                ..Setup::default()
            },
            suppressed(SiteWaitAfterAnswered, Some(T0), Some((answered_b, "b"))),
        );
        check(
            Setup {
                policy: two_weeks(),
                events: vec![(Answered, answered_b, "b")],
                now: T0,
                ..Setup::default()
            },
            show(),
        );
        // A display of "b" is not an answer: only the shorter wait after shown applies.
        check(
            Setup {
                policy: policy(Some(Period::hours(1)), Some(Period::days(14))),
                events: vec![(Shown, T0 - 2 * HOUR, "b")],
                ..Setup::default()
            },
            show(),
        );
    }

    #[test]
    fn the_most_lasting_reason_is_given() {
        let everything = SurveyThrottle {
            max_displays: Some(1),
            dismiss_cooldown: Some(Period::days(7)),
            recurrence: Recurrence::After(Period::days(30)),
            ..SurveyThrottle::default()
        };
        let both_waits = || policy(Some(Period::days(1)), Some(Period::days(14)));
        let recent = vec![
            (Shown, T0 - 2 * HOUR, "a"),
            (Answered, T0 - 2 * HOUR, "a"),
            (Shown, T0 - HOUR, "b"),
            (Dismissed, T0 - HOUR, "b"),
        ];
        check(
            Setup {
                policy: both_waits(),
                throttle: SurveyThrottle {
                    sample_percent: 0.0,
                    ..everything.clone()
                },
                events: recent.clone(),
                status: SurveyStatus::Paused,
                ..Setup::default()
            },
            suppressed(SurveyNotActive, None, None),
        );
        check(
            Setup {
                policy: both_waits(),
                throttle: SurveyThrottle {
                    sample_percent: 0.0,
                    ..everything.clone()
                },
                events: recent.clone(),
                ..Setup::default()
            },
            suppressed(NotSampled, None, None),
        );
        check(
            Setup {
                policy: both_waits(),
                throttle: SurveyThrottle {
                    quota: Quota {
                        total: Some(10),
                        per_store_per_day: Some(1),
                    },
                    ..everything.clone()
                },
                quota: QuotaUsage {
                    total: 10,
                    store_today: Some(1),
                },
                events: recent.clone(),
                ..Setup::default()
            },
            suppressed(TotalQuotaReached, None, None),
        );
        check(
            Setup {
                policy: both_waits(),
                throttle: SurveyThrottle {
                    quota: Quota {
                        total: Some(10),
                        per_store_per_day: Some(1),
                    },
                    ..everything.clone()
                },
                quota: QuotaUsage {
                    total: 9,
                    store_today: Some(1),
                },
                events: recent.clone(),
                ..Setup::default()
            },
            suppressed(StoreDailyQuotaReached, Some(MIDNIGHT_AFTER_T0), None),
        );
        check(
            Setup {
                policy: both_waits(),
                throttle: everything.clone(),
                events: recent.clone(),
                ..Setup::default()
            },
            suppressed(
                RecurrenceWait,
                Some(T0 - 2 * HOUR + 30 * DAY),
                Some((T0 - 2 * HOUR, "a")),
            ),
        );
        // Thirty days on, only the cap on displays is left.
        let later = T0 + 30 * DAY;
        let mut shown_again = recent.clone();
        shown_again.push((Shown, later - HOUR, "a"));
        shown_again.push((Dismissed, later - HOUR, "a"));
        check(
            Setup {
                policy: both_waits(),
                throttle: everything.clone(),
                events: shown_again.clone(),
                now: later,
                ..Setup::default()
            },
            suppressed(MaxDisplaysReached, None, Some((later - HOUR, "a"))),
        );
        check(
            Setup {
                policy: both_waits(),
                throttle: SurveyThrottle {
                    max_displays: None,
                    ..everything.clone()
                },
                events: shown_again,
                now: later,
                ..Setup::default()
            },
            suppressed(
                DismissCooldown,
                Some(later - HOUR + 7 * DAY),
                Some((later - HOUR, "a")),
            ),
        );
        let mut answered_b = recent.clone();
        answered_b.push((Answered, later - HOUR, "b"));
        answered_b.push((Shown, later - MINUTE, "c"));
        check(
            Setup {
                policy: both_waits(),
                throttle: everything,
                events: answered_b,
                now: later,
                ..Setup::default()
            },
            suppressed(
                SiteWaitAfterAnswered,
                Some(later - HOUR + 14 * DAY),
                Some((later - HOUR, "b")),
            ),
        );
    }

    fn displays(history: &ContactHistory, survey: &str) -> u32 {
        history.surveys[&id(survey)].displays
    }

    #[test]
    fn record_keeps_the_latest_of_each_kind() {
        let h = history(&[
            (Shown, 20, "a"),
            (Shown, 10, "a"),
            (Dismissed, 20, "a"),
            (Dismissed, 10, "a"),
            (Answered, 30, "a"),
            (Answered, 5, "a"),
            (Shown, 15, "b"),
        ]);
        let a = &h.surveys[&id("a")];
        assert_eq!(a.last_shown, Some(contact(20, "a")));
        assert_eq!(a.last_dismissed, Some(contact(20, "a")));
        assert_eq!(a.last_answered, Some(contact(30, "a")));
        assert_eq!(h.last_shown, Some(contact(20, "a")));
        assert_eq!(h.last_answered, Some(contact(30, "a")));
        assert_eq!(h.surveys[&id("b")].last_shown, Some(contact(15, "b")));
    }

    #[test]
    fn record_counts_displays_since_the_last_answer() {
        let h = history(&[(Shown, 10, "a"), (Shown, 20, "a"), (Shown, 5, "b")]);
        assert_eq!(displays(&h, "a"), 2);
        assert_eq!(displays(&h, "b"), 1);
        // An answer resets the count; a later display counts again.
        let h = history(&[(Shown, 10, "a"), (Answered, 15, "a"), (Shown, 20, "a")]);
        assert_eq!(displays(&h, "a"), 1);
        // An older display arriving after a newer answer does not count.
        let h = history(&[(Shown, 20, "a"), (Answered, 20, "a"), (Shown, 10, "a")]);
        assert_eq!(displays(&h, "a"), 0);
        assert_eq!(h.surveys[&id("a")].last_shown, Some(contact(20, "a")));
        // Nor does an older answer arriving after a newer one reset the count.
        let h = history(&[(Answered, 20, "a"), (Shown, 30, "a"), (Answered, 10, "a")]);
        assert_eq!(displays(&h, "a"), 1);
        assert_eq!(h.surveys[&id("a")].last_answered, Some(contact(20, "a")));
        // A dismissal neither counts nor resets.
        let h = history(&[(Shown, 10, "a"), (Dismissed, 11, "a")]);
        assert_eq!(displays(&h, "a"), 1);
    }

    /// Regression: a late answer (an offline kiosk) reset the count to 0 although a display after
    /// it had already been recorded, so `max_displays` allowed one display too many.
    #[test]
    fn a_late_answer_keeps_the_display_recorded_after_it() {
        let h = history(&[(Shown, 10, "a"), (Shown, 20, "a"), (Answered, 15, "a")]);
        assert_eq!(displays(&h, "a"), 1);
        let h = history(&[(Shown, 10, "a"), (Answered, 15, "a"), (Shown, 20, "a")]);
        assert_eq!(displays(&h, "a"), 1);
    }

    /// Regression: a display and its answer at the same millisecond counted as one display or none
    /// depending on which arrived first.
    #[test]
    fn a_display_at_the_moment_of_the_answer_is_the_one_answered() {
        let h = history(&[(Shown, 10, "a"), (Answered, 10, "a")]);
        assert_eq!(displays(&h, "a"), 0);
        let h = history(&[(Answered, 10, "a"), (Shown, 10, "a")]);
        assert_eq!(displays(&h, "a"), 0);
    }

    #[test]
    fn decisions_in_json() {
        let show = serde_json::to_value(Decision::Show).unwrap();
        assert_eq!(show, json!({"decision": "show"}));

        let wait = Decision::Suppress(Suppression {
            reason: SiteWaitAfterShown,
            until: Some(Timestamp(T0 + DAY)),
            because_of: Some(Contact {
                at: Timestamp(T0),
                survey_id: id("b"),
                channel: Channel::Kiosk,
            }),
        });
        let expected = json!({
            "decision": "suppress",
            "reason": "site_wait_after_shown",
            "until": 1_750_086_400_000_i64,
            "because_of": {"at": 1_750_000_000_000_i64, "survey_id": "b", "channel": "kiosk"},
        });
        assert_eq!(serde_json::to_value(&wait).unwrap(), expected);
        assert_eq!(serde_json::from_value::<Decision>(expected).unwrap(), wait);

        let bare = suppressed(NotSampled, None, None);
        let expected = json!({"decision": "suppress", "reason": "not_sampled"});
        assert_eq!(serde_json::to_value(&bare).unwrap(), expected);
        assert_eq!(serde_json::from_value::<Decision>(expected).unwrap(), bare);
    }

    #[test]
    fn reasons_in_json_are_their_names() {
        for reason in [
            SurveyNotActive,
            NotSampled,
            TotalQuotaReached,
            StoreDailyQuotaReached,
            AlreadyAnswered,
            RecurrenceWait,
            MaxDisplaysReached,
            DismissCooldown,
            SiteWaitAfterAnswered,
            SiteWaitAfterShown,
        ] {
            assert_eq!(
                serde_json::to_value(reason).unwrap(),
                json!(reason.as_str())
            );
        }
    }

    #[test]
    fn policies_in_json() {
        let policy = policy(Some(Period::days(1)), Some(Period::days(14)));
        let expected = json!({"wait_after_shown": "1d", "wait_after_answered": "14d"});
        assert_eq!(serde_json::to_value(&policy).unwrap(), expected);
        assert_eq!(
            serde_json::from_value::<ThrottlePolicy>(expected).unwrap(),
            policy
        );
        assert_eq!(
            serde_json::to_value(ThrottlePolicy::default()).unwrap(),
            json!({})
        );
        assert!(
            serde_json::from_value::<ThrottlePolicy>(json!({"wait_after_show": "1d"})).is_err(),
            "a misspelt field is an error, not a policy silently off"
        );

        let throttle = SurveyThrottle {
            max_displays: Some(3),
            dismiss_cooldown: Some(Period::days(14)),
            recurrence: Recurrence::After(Period::days(90)),
            sample_percent: 25.0,
            sample_salt: "2025-q3".to_owned(),
            quota: Quota {
                total: Some(500),
                per_store_per_day: Some(20),
            },
        };
        let expected = json!({
            "max_displays": 3,
            "dismiss_cooldown": "14d",
            "recurrence": {"after": "90d"},
            "sample_percent": 25.0,
            "sample_salt": "2025-q3",
            "quota": {"total": 500, "per_store_per_day": 20},
        });
        assert_eq!(serde_json::to_value(&throttle).unwrap(), expected);
        assert_eq!(
            serde_json::from_value::<SurveyThrottle>(expected).unwrap(),
            throttle
        );
        // Written by hand: "2w" is read as 14 days.
        let by_hand = json!({"dismiss_cooldown": "2w", "recurrence": "never"});
        let read: SurveyThrottle = serde_json::from_value(by_hand).unwrap();
        assert_eq!(read.dismiss_cooldown, Some(Period::days(14)));

        let defaults = json!({"recurrence": "never", "sample_percent": 100.0, "quota": {}});
        assert_eq!(
            serde_json::to_value(SurveyThrottle::default()).unwrap(),
            defaults
        );
        assert_eq!(
            serde_json::from_value::<SurveyThrottle>(json!({})).unwrap(),
            SurveyThrottle::default()
        );
    }
}
