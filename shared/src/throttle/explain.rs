//! Why [`decide`](super::decide) answered what it did: every rule, in its order, with the
//! times and the ledger entry that mattered.
//!
//! Collector-only (feature `server`): support staff and `?explain=true` read it, the device
//! never does, so it stays out of the widget's bundle. [`decide`](super::decide) remains the one
//! source of truth; [`Explanation::decision`] is the first refusal here, and a property test
//! checks that the two agree for any input.

use serde::Serialize;

use super::{Contact, Decision, DecisionInput, Recurrence, SuppressReason, Suppression, waiting};
use crate::sampling::is_sampled;
use crate::time::Timestamp;

/// One rule of [`decide`](super::decide), named for what it checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    SurveyActive,
    Sampling,
    TotalQuota,
    StoreDailyQuota,
    AlreadyAnswered,
    RecurrenceWait,
    MaxDisplays,
    DismissCooldown,
    SiteWaitAfterAnswered,
    SiteWaitAfterShown,
}

impl Rule {
    /// The reason a refusal by this rule is given under.
    pub fn reason(self) -> SuppressReason {
        match self {
            Self::SurveyActive => SuppressReason::SurveyNotActive,
            Self::Sampling => SuppressReason::NotSampled,
            Self::TotalQuota => SuppressReason::TotalQuotaReached,
            Self::StoreDailyQuota => SuppressReason::StoreDailyQuotaReached,
            Self::AlreadyAnswered => SuppressReason::AlreadyAnswered,
            Self::RecurrenceWait => SuppressReason::RecurrenceWait,
            Self::MaxDisplays => SuppressReason::MaxDisplaysReached,
            Self::DismissCooldown => SuppressReason::DismissCooldown,
            Self::SiteWaitAfterAnswered => SuppressReason::SiteWaitAfterAnswered,
            Self::SiteWaitAfterShown => SuppressReason::SiteWaitAfterShown,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    Refused,
    /// The survey or the site sets no such limit (or, for a quota by store, there is no store).
    NotApplicable,
}

/// One rule as checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleCheck {
    pub rule: Rule,
    pub outcome: Outcome,
    /// The end of a waiting period (also when it is already over), or the next UTC midnight
    /// for a store's daily quota that is reached.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<Timestamp>,
    /// The ledger entry the rule looked at (the last answer, display or dismissal).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
    /// For caps: how many so far, and the cap.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
}

impl RuleCheck {
    fn new(rule: Rule, outcome: Outcome) -> Self {
        Self {
            rule,
            outcome,
            until: None,
            contact: None,
            count: None,
            limit: None,
        }
    }

    fn refused_if(rule: Rule, refused: bool) -> Self {
        Self::new(
            rule,
            if refused {
                Outcome::Refused
            } else {
                Outcome::Passed
            },
        )
    }

    fn cap(mut self, count: u64, limit: u64) -> Self {
        self.count = Some(count);
        self.limit = Some(limit);
        self
    }

    /// A waiting period after `contact` (passed when there is none yet, or it is over).
    fn wait(
        rule: Rule,
        contact: Option<&Contact>,
        period: Option<crate::time::Period>,
        now: Timestamp,
    ) -> Self {
        let Some(period) = period else {
            return Self::new(rule, Outcome::NotApplicable);
        };
        let running = waiting(contact, Some(period), now).is_some();
        let mut check = Self::refused_if(rule, running);
        check.until = contact.map(|c| c.at + period);
        check.contact = contact.cloned();
        check
    }
}

/// Every rule of [`decide`](super::decide), checked in its order.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Explanation {
    pub checks: Vec<RuleCheck>,
}

impl Explanation {
    /// The verdict the checks add up to: the first refusal, as [`decide`](super::decide) gives
    /// it, or `Show`.
    pub fn decision(&self) -> Decision {
        self.checks
            .iter()
            .find(|c| c.outcome == Outcome::Refused)
            .map_or(Decision::Show, |c| {
                Decision::Suppress(Suppression {
                    reason: c.rule.reason(),
                    until: c.until,
                    because_of: c.contact.clone(),
                })
            })
    }
}

/// Checks every rule [`decide`](super::decide) checks, in the same order, without stopping at
/// the first refusal.
pub fn explain(input: &DecisionInput<'_>) -> Explanation {
    use Rule::*;
    let DecisionInput {
        policy,
        survey,
        history,
        subject,
        quota,
        now,
    } = *input;
    let limits = &survey.throttle;
    let mine = history.surveys.get(&survey.id);
    let answered = mine.and_then(|m| m.last_answered.as_ref());
    let mut checks = Vec::with_capacity(10);

    checks.push(RuleCheck::refused_if(SurveyActive, !survey.is_active()));

    checks.push(if limits.sample_percent >= 100.0 {
        RuleCheck::new(Sampling, Outcome::NotApplicable)
    } else {
        let sampled = is_sampled(
            limits.sample_percent,
            &limits.sample_salt,
            &survey.id,
            subject,
        );
        RuleCheck::refused_if(Sampling, !sampled)
    });

    checks.push(match limits.quota.total {
        None => RuleCheck::new(TotalQuota, Outcome::NotApplicable),
        Some(cap) => RuleCheck::refused_if(TotalQuota, quota.total >= cap).cap(quota.total, cap),
    });

    checks.push(match (limits.quota.per_store_per_day, quota.store_today) {
        (Some(cap), Some(today)) => {
            let mut check = RuleCheck::refused_if(StoreDailyQuota, today >= cap).cap(today, cap);
            if today >= cap && cap > 0 {
                check.until = Some(Timestamp((now.utc_day() + 1) * Timestamp::MS_PER_DAY));
            }
            check
        }
        _ => RuleCheck::new(StoreDailyQuota, Outcome::NotApplicable),
    });

    match limits.recurrence {
        Recurrence::Never => {
            let mut check = RuleCheck::refused_if(AlreadyAnswered, answered.is_some());
            check.contact = answered.cloned();
            checks.push(check);
            checks.push(RuleCheck::new(RecurrenceWait, Outcome::NotApplicable));
        }
        Recurrence::After(period) => {
            checks.push(RuleCheck::new(AlreadyAnswered, Outcome::NotApplicable));
            checks.push(RuleCheck::wait(RecurrenceWait, answered, Some(period), now));
        }
    }

    checks.push(match limits.max_displays {
        None => RuleCheck::new(MaxDisplays, Outcome::NotApplicable),
        Some(cap) => {
            let displays = mine.map_or(0, |m| m.displays);
            let mut check = RuleCheck::refused_if(MaxDisplays, mine.is_some() && displays >= cap)
                .cap(u64::from(displays), u64::from(cap));
            check.contact = mine.and_then(|m| m.last_shown.clone());
            check
        }
    });

    checks.push(RuleCheck::wait(
        DismissCooldown,
        mine.and_then(|m| m.last_dismissed.as_ref()),
        limits.dismiss_cooldown,
        now,
    ));
    checks.push(RuleCheck::wait(
        SiteWaitAfterAnswered,
        history.last_answered.as_ref(),
        policy.wait_after_answered,
        now,
    ));
    checks.push(RuleCheck::wait(
        SiteWaitAfterShown,
        history.last_shown.as_ref(),
        policy.wait_after_shown,
        now,
    ));
    Explanation { checks }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::super::{
        ContactHistory, ContactKind, QuotaUsage, SurveyThrottle, ThrottlePolicy, decide,
    };
    use super::*;
    use crate::ids::SurveyId;
    use crate::response::Channel;
    use crate::survey::{Survey, SurveyStatus};
    use crate::time::Period;

    const T0: i64 = 1_750_000_000_000;
    const MINUTE: i64 = 60_000;

    fn survey(status: SurveyStatus, throttle: SurveyThrottle) -> Survey {
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

    fn contact(at: i64, survey: &str, channel: Channel) -> Contact {
        Contact {
            at: Timestamp(at),
            survey_id: SurveyId::parse(survey).unwrap(),
            channel,
        }
    }

    fn outcomes(e: &Explanation) -> Vec<(Rule, Outcome)> {
        e.checks.iter().map(|c| (c.rule, c.outcome)).collect()
    }

    #[test]
    fn every_rule_is_listed_in_decides_order() {
        use Outcome::*;
        use Rule::*;
        let s = survey(SurveyStatus::Active, SurveyThrottle::default());
        let history = ContactHistory::default();
        let policy = ThrottlePolicy::default();
        let e = explain(&DecisionInput {
            policy: &policy,
            survey: &s,
            history: &history,
            subject: "m",
            quota: QuotaUsage::default(),
            now: Timestamp(T0),
        });
        assert_eq!(
            outcomes(&e),
            vec![
                (SurveyActive, Passed),
                (Sampling, NotApplicable),
                (TotalQuota, NotApplicable),
                (StoreDailyQuota, NotApplicable),
                (AlreadyAnswered, Passed),
                (RecurrenceWait, NotApplicable),
                (MaxDisplays, NotApplicable),
                (DismissCooldown, NotApplicable),
                (SiteWaitAfterAnswered, NotApplicable),
                (SiteWaitAfterShown, NotApplicable),
            ]
        );
        assert_eq!(e.decision(), Decision::Show);
    }

    #[test]
    fn a_wait_names_its_contact_and_its_end_and_later_rules_are_still_checked() {
        let s = survey(
            SurveyStatus::Active,
            SurveyThrottle {
                recurrence: Recurrence::After(Period::days(30)),
                ..SurveyThrottle::default()
            },
        );
        let mut history = ContactHistory::default();
        history.record(ContactKind::Answered, contact(T0, "a", Channel::Kiosk));
        history.record(ContactKind::Shown, contact(T0 + MINUTE, "b", Channel::App));
        let policy = ThrottlePolicy {
            wait_after_shown: Some(Period::hours(1)),
            wait_after_answered: None,
        };
        let e = explain(&DecisionInput {
            policy: &policy,
            survey: &s,
            history: &history,
            subject: "m",
            quota: QuotaUsage::default(),
            now: Timestamp(T0 + 2 * 60 * MINUTE),
        });
        let wait = &e.checks[5];
        assert_eq!(wait.rule, Rule::RecurrenceWait);
        assert_eq!(wait.outcome, Outcome::Refused);
        assert_eq!(wait.until, Some(Timestamp(T0) + Period::days(30)));
        assert_eq!(wait.contact, Some(contact(T0, "a", Channel::Kiosk)));
        // The site's wait after shown is over: passed, with the time it ended.
        let shown = &e.checks[9];
        assert_eq!(shown.outcome, Outcome::Passed);
        assert_eq!(shown.until, Some(Timestamp(T0 + 61 * MINUTE)));
        assert_eq!(
            serde_json::to_value(wait).unwrap(),
            json!({"rule": "recurrence_wait", "outcome": "refused",
                   "until": T0 + 30 * 86_400_000,
                   "contact": {"at": T0, "survey_id": "a", "channel": "kiosk"}})
        );
        assert_eq!(
            e.decision(),
            decide(&DecisionInput {
                policy: &policy,
                survey: &s,
                history: &history,
                subject: "m",
                quota: QuotaUsage::default(),
                now: Timestamp(T0 + 2 * 60 * MINUTE),
            })
        );
    }

    fn arb_period() -> impl Strategy<Value = Option<Period>> {
        proptest::option::of((0u64..20).prop_map(|m| Period::minutes(m * 5)))
    }

    fn arb_status() -> impl Strategy<Value = SurveyStatus> {
        prop_oneof![
            8 => Just(SurveyStatus::Active),
            1 => Just(SurveyStatus::Paused),
            1 => Just(SurveyStatus::Draft),
        ]
    }

    prop_compose! {
        fn arb_throttle()(
            max_displays in proptest::option::of(1u32..4),
            dismiss_cooldown in arb_period(),
            recurrence in proptest::option::of(arb_period()),
            sample_percent in prop_oneof![Just(100.0), 0.0f64..100.0],
            total in proptest::option::of(0u64..5),
            per_store_per_day in proptest::option::of(0u64..5),
        ) -> SurveyThrottle {
            SurveyThrottle {
                max_displays,
                dismiss_cooldown,
                recurrence: match recurrence {
                    None => Recurrence::Never,
                    Some(p) => Recurrence::After(p.unwrap_or(Period::ZERO)),
                },
                sample_percent,
                sample_salt: String::new(),
                quota: super::super::Quota { total, per_store_per_day },
            }
        }
    }

    fn arb_events() -> impl Strategy<Value = Vec<(u8, i64, bool)>> {
        proptest::collection::vec((0u8..3, 0i64..120, any::<bool>()), 0..8)
    }

    proptest! {
        #[test]
        fn explain_agrees_with_decide(
            status in arb_status(),
            throttle in arb_throttle(),
            after_shown in arb_period(),
            after_answered in arb_period(),
            events in arb_events(),
            subject in "[a-z0-9]{1,12}",
            total in 0u64..6,
            store_today in proptest::option::of(0u64..6),
            now in 0i64..150,
        ) {
            let s = survey(status, throttle);
            let mut history = ContactHistory::default();
            for (kind, minute, this_survey) in events {
                let kind = [ContactKind::Shown, ContactKind::Dismissed, ContactKind::Answered]
                    [usize::from(kind)];
                let on = if this_survey { "a" } else { "b" };
                history.record(kind, contact(T0 + minute * MINUTE, on, Channel::Web));
            }
            let policy = ThrottlePolicy { wait_after_shown: after_shown, wait_after_answered: after_answered };
            let input = DecisionInput {
                policy: &policy,
                survey: &s,
                history: &history,
                subject: &subject,
                quota: QuotaUsage { total, store_today },
                now: Timestamp(T0 + now * MINUTE),
            };
            let e = explain(&input);
            prop_assert_eq!(e.checks.len(), 10);
            prop_assert_eq!(e.decision(), decide(&input));
        }
    }
}
