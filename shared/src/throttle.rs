//! Throttling as data, and the one function that decides.
//!
//! The site's [`ThrottlePolicy`] and each survey's [`SurveyThrottle`] are plain data. A subject's
//! [`ContactHistory`] says when it was last shown, dismissed and answered something. [`decide`]
//! reads them and `now` and answers [`Decision::Show`] or why not. The widget runs it on the
//! device for anonymous visitors; the collector runs it against its contact ledger for members.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{ErrorCode, FieldError};
use crate::ids::SurveyId;
use crate::response::Channel;
use crate::sampling::is_sampled;
use crate::survey::Survey;
use crate::time::{Period, Timestamp};

/// Site-wide waiting periods, across all of the site's surveys.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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
#[serde(deny_unknown_fields)]
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
#[serde(deny_unknown_fields)]
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
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub surveys: BTreeMap<SurveyId, SurveyContacts>,
}

/// Keeps the later of two contacts: events may arrive out of order (an offline kiosk).
fn keep_latest(slot: &mut Option<Contact>, contact: &Contact) {
    if slot.as_ref().is_none_or(|old| old.at <= contact.at) {
        *slot = Some(contact.clone());
    }
}

impl ContactHistory {
    pub fn record(&mut self, kind: ContactKind, contact: Contact) {
        let survey = self.surveys.entry(contact.survey_id.clone()).or_default();
        match kind {
            ContactKind::Shown => {
                let after_answer = survey
                    .last_answered
                    .as_ref()
                    .is_none_or(|a| a.at <= contact.at);
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
                    survey.displays = 0;
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
        let tomorrow = Timestamp((now.utc_day() + 1) * Timestamp::MS_PER_DAY);
        return suppress(SuppressReason::StoreDailyQuotaReached, Some(tomorrow), None);
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
