//! Properties of [`decide`] and [`ContactHistory::record`] over arbitrary site policies, survey
//! throttles, contact histories, quota usages and moments.
//!
//! Histories are built the way the widget and the collector build them: by recording a random
//! sequence of events (shown, dismissed, answered; at some time; for one of a few surveys; on some
//! channel) in an arbitrary order, since an offline kiosk delivers its events late. The survey
//! asked about is always `SURVEYS[0]`.
//!
//! Times are whole hours, give or take a millisecond, over two months, and periods whole hours,
//! so that a moment falling exactly at the end of a waiting period is common, not a fluke.

use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::test_runner::{RngAlgorithm, TestRng};
use shared::ids::SurveyId;
use shared::response::Channel;
use shared::sampling::is_sampled;
use shared::survey::{Survey, SurveyStatus};
use shared::throttle::{
    Contact, ContactHistory, ContactKind, Decision, DecisionInput, Quota, QuotaUsage, Recurrence,
    SuppressReason, SurveyThrottle, ThrottlePolicy, decide,
};
use shared::time::{Period, Timestamp};

const HOUR: i64 = 3_600_000;
/// 2025-06-15T15:06:40Z.
const T0: i64 = 1_750_000_000_000;
const SPAN_HOURS: i64 = 60 * 24;
/// The survey asked about is the first; the others share the site's waiting periods.
const SURVEYS: [&str; 3] = ["a", "b", "c"];

#[derive(Debug, Clone)]
struct Event {
    kind: ContactKind,
    at: i64,
    survey: usize,
    channel: Channel,
}

impl Event {
    fn contact(&self) -> Contact {
        contact(self.at, self.survey, self.channel)
    }
}

fn contact(at: i64, survey: usize, channel: Channel) -> Contact {
    Contact {
        at: Timestamp(at),
        survey_id: survey_id(survey),
        channel,
    }
}

fn survey_id(i: usize) -> SurveyId {
    SurveyId::parse(SURVEYS[i]).expect("a valid survey id")
}

fn history_of(events: &[Event]) -> ContactHistory {
    let mut history = ContactHistory::default();
    for e in events {
        history.record(e.kind, e.contact());
    }
    history
}

fn survey(status: SurveyStatus, throttle: SurveyThrottle) -> Survey {
    let mut survey: Survey = serde_json::from_value(serde_json::json!({
        "id": SURVEYS[0],
        "site_id": "shop",
        "name": "After checkout",
        "default_locale": "en",
        "questions": [],
    }))
    .expect("a valid survey");
    survey.status = status;
    survey.throttle = throttle;
    survey
}

fn reason(decision: &Decision) -> Option<SuppressReason> {
    match decision {
        Decision::Show => None,
        Decision::Suppress(s) => Some(s.reason),
    }
}

/// Everything `decide` is asked about, with the history still as its list of events.
#[derive(Debug, Clone)]
struct World {
    policy: ThrottlePolicy,
    throttle: SurveyThrottle,
    status: SurveyStatus,
    subject: String,
    events: Vec<Event>,
    usage: QuotaUsage,
    now: i64,
}

impl World {
    fn decide(&self) -> Decision {
        self.decide_with(&history_of(&self.events), self.usage, self.now)
    }

    fn decide_with(&self, history: &ContactHistory, usage: QuotaUsage, now: i64) -> Decision {
        let survey = survey(self.status, self.throttle.clone());
        decide(&DecisionInput {
            policy: &self.policy,
            survey: &survey,
            history,
            subject: &self.subject,
            quota: usage,
            now: Timestamp(now),
        })
    }

    fn is_sampled(&self) -> bool {
        is_sampled(
            self.throttle.sample_percent,
            &self.throttle.sample_salt,
            &survey_id(0),
            &self.subject,
        )
    }
}

// Strategies.

fn time() -> impl Strategy<Value = i64> {
    time_within(SPAN_HOURS)
}

fn time_within(hours: i64) -> impl Strategy<Value = i64> {
    (0..hours, -1..=1i64).prop_map(|(hours, ms)| T0 + hours * HOUR + ms)
}

fn period() -> impl Strategy<Value = Option<Period>> {
    prop::option::of((0u64..=20 * 24).prop_map(Period::hours))
}

fn channel() -> impl Strategy<Value = Channel> {
    prop::sample::select(Channel::ALL.to_vec())
}

fn kind() -> impl Strategy<Value = ContactKind> {
    prop_oneof![
        Just(ContactKind::Shown),
        Just(ContactKind::Dismissed),
        Just(ContactKind::Answered),
    ]
}

fn events() -> impl Strategy<Value = Vec<Event>> {
    events_within(SPAN_HOURS)
}

/// Events within a few hours often fall on the same millisecond.
fn events_within(hours: i64) -> impl Strategy<Value = Vec<Event>> {
    let event = (kind(), time_within(hours), 0..SURVEYS.len(), channel()).prop_map(
        |(kind, at, survey, channel)| Event {
            kind,
            at,
            survey,
            channel,
        },
    );
    prop::collection::vec(event, 0..12)
}

fn policy() -> impl Strategy<Value = ThrottlePolicy> {
    (period(), period()).prop_map(|(wait_after_shown, wait_after_answered)| ThrottlePolicy {
        wait_after_shown,
        wait_after_answered,
    })
}

fn recurrence() -> impl Strategy<Value = Recurrence> {
    prop_oneof![
        Just(Recurrence::Never),
        (0u64..=30 * 24).prop_map(|h| Recurrence::After(Period::hours(h))),
    ]
}

fn sample_percent() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => Just(100.0),
        1 => Just(0.0),
        3 => 0.0..=100.0f64,
    ]
}

fn quota() -> impl Strategy<Value = Quota> {
    (prop::option::of(0u64..=30), prop::option::of(0u64..=5)).prop_map(
        |(total, per_store_per_day)| Quota {
            total,
            per_store_per_day,
        },
    )
}

fn throttle() -> impl Strategy<Value = SurveyThrottle> {
    (
        prop::option::of(1u32..=4),
        period(),
        recurrence(),
        sample_percent(),
        "[a-z0-9]{0,3}",
        quota(),
    )
        .prop_map(
            |(max_displays, dismiss_cooldown, recurrence, sample_percent, sample_salt, quota)| {
                SurveyThrottle {
                    max_displays,
                    dismiss_cooldown,
                    recurrence,
                    sample_percent,
                    sample_salt,
                    quota,
                }
            },
        )
}

fn usage() -> impl Strategy<Value = QuotaUsage> {
    (0u64..=40, prop::option::of(0u64..=8))
        .prop_map(|(total, store_today)| QuotaUsage { total, store_today })
}

fn subject() -> impl Strategy<Value = String> {
    "[a-z0-9-]{1,12}"
}

fn world() -> impl Strategy<Value = World> {
    let status = prop_oneof![
        6 => Just(SurveyStatus::Active),
        1 => Just(SurveyStatus::Paused),
    ];
    (
        policy(),
        throttle(),
        status,
        subject(),
        events(),
        usage(),
        time(),
    )
        .prop_map(
            |(policy, throttle, status, subject, events, usage, now)| World {
                policy,
                throttle,
                status,
                subject,
                events,
                usage,
                now,
            },
        )
}

/// Asks in a simulation: which of a few subjects, at which of two stores (`None`: the web), and
/// how many hours after the previous ask.
fn asks() -> impl Strategy<Value = Vec<(usize, Option<usize>, i64)>> {
    prop::collection::vec((0..6usize, prop::option::of(0..2usize), 0..=12i64), 1..60)
}

proptest! {
    /// Waiting periods: `decide` never shows while `now` is inside one. Checked against every
    /// event recorded, not only the ones the history keeps, so this also catches a `record`
    /// that keeps an older event over a newer one.
    #[test]
    fn never_shown_inside_a_waiting_period(w in world()) {
        if !w.decide().is_show() {
            return Ok(());
        }
        let now = Timestamp(w.now);
        let inside = |e: &Event, period: Option<Period>| {
            period.is_some_and(|p| Timestamp(e.at) + p > now)
        };
        for e in &w.events {
            let this_survey = e.survey == 0;
            match e.kind {
                ContactKind::Shown => prop_assert!(
                    !inside(e, w.policy.wait_after_shown),
                    "shown at {now:?} within the site's wait after {e:?}"
                ),
                ContactKind::Dismissed => prop_assert!(
                    !(this_survey && inside(e, w.throttle.dismiss_cooldown)),
                    "shown at {now:?} within the dismiss cooldown after {e:?}"
                ),
                ContactKind::Answered => {
                    prop_assert!(
                        !inside(e, w.policy.wait_after_answered),
                        "shown at {now:?} within the site's wait after {e:?}"
                    );
                    if this_survey {
                        match w.throttle.recurrence {
                            Recurrence::Never => prop_assert!(
                                false,
                                "shown again after {e:?} although recurrence is never"
                            ),
                            Recurrence::After(p) => prop_assert!(
                                !inside(e, Some(p)),
                                "shown at {now:?} within the recurrence period after {e:?}"
                            ),
                        }
                    }
                }
            }
        }
    }

    /// Sampling is sticky: a subject out of the sample is out whatever its history, the moment
    /// and the quota, and `is_sampled` gives the same answer every time it is asked.
    #[test]
    fn sampling_is_sticky(
        w in world(),
        other_events in events(),
        other_usage in usage(),
        other_now in time(),
    ) {
        let sampled = w.is_sampled();
        prop_assert_eq!(sampled, w.is_sampled(), "is_sampled changed its mind");
        let first = w.decide();
        let second = w.decide_with(&history_of(&other_events), other_usage, other_now);
        if w.status == SurveyStatus::Active {
            prop_assert_eq!(
                reason(&first) == Some(SuppressReason::NotSampled),
                !sampled,
                "decide and is_sampled disagree: {:?}", first
            );
        }
        if reason(&first) == Some(SuppressReason::NotSampled) {
            prop_assert_eq!(
                reason(&second),
                Some(SuppressReason::NotSampled),
                "a subject out of the sample got {:?} at another moment", second
            );
        }
    }

    /// Quotas: when every display is answered at once and counted, the responses never exceed
    /// the survey's total quota, nor its daily quota at any store.
    #[test]
    fn no_quota_is_exceeded(
        policy in policy(),
        throttle in throttle(),
        asks in asks(),
    ) {
        let w = World {
            policy,
            throttle,
            status: SurveyStatus::Active,
            subject: String::new(),
            events: Vec::new(),
            usage: QuotaUsage::default(),
            now: T0,
        };
        let quota = w.throttle.quota;
        let mut histories: BTreeMap<usize, ContactHistory> = BTreeMap::new();
        let mut total = 0;
        let mut per_store_day: BTreeMap<(usize, i64), u64> = BTreeMap::new();
        let mut now = T0;
        for (subject, store, hours_later) in asks {
            now += hours_later * HOUR;
            let day = Timestamp(now).utc_day();
            let usage = QuotaUsage {
                total,
                store_today: store.map(|s| per_store_day.get(&(s, day)).copied().unwrap_or(0)),
            };
            let history = histories.entry(subject).or_default();
            let asking = World { subject: format!("subject-{subject}"), ..w.clone() };
            if !asking.decide_with(history, usage, now).is_show() {
                continue;
            }
            let channel = if store.is_some() { Channel::Kiosk } else { Channel::Web };
            history.record(ContactKind::Shown, contact(now, 0, channel));
            history.record(ContactKind::Answered, contact(now, 0, channel));
            total += 1;
            prop_assert!(
                quota.total.is_none_or(|cap| total <= cap),
                "{total} responses against a total quota of {:?}", quota.total
            );
            if let Some(store) = store {
                let today = per_store_day.entry((store, day)).or_default();
                *today += 1;
                prop_assert!(
                    quota.per_store_per_day.is_none_or(|cap| *today <= cap),
                    "{today} responses at store {store} on day {day} against a daily quota of {:?}",
                    quota.per_store_per_day
                );
            }
        }
    }

    /// Display cap: a subject who never answers is shown a survey at most `max_displays` times,
    /// and exactly that often when nothing else holds the survey back.
    #[test]
    fn never_shown_more_than_max_displays(
        policy in policy(),
        throttle in throttle(),
        cap in 1u32..=4,
        hours_between in prop::collection::vec(0..=48i64, 1..30),
    ) {
        let w = World {
            policy,
            throttle: SurveyThrottle {
                max_displays: Some(cap),
                sample_percent: 100.0,
                quota: Quota::default(),
                ..throttle
            },
            status: SurveyStatus::Active,
            subject: "device-1".to_owned(),
            events: Vec::new(),
            usage: QuotaUsage::default(),
            now: T0,
        };
        let mut history = ContactHistory::default();
        let mut shows = 0;
        let mut now = T0;
        for hours in &hours_between {
            now += hours * HOUR;
            if w.decide_with(&history, w.usage, now).is_show() {
                shows += 1;
                history.record(ContactKind::Shown, contact(now, 0, Channel::Web));
            }
        }
        prop_assert!(shows <= cap, "shown {shows} times with max_displays {cap}");
        if w.policy == ThrottlePolicy::default() {
            let asks = u32::try_from(hours_between.len()).unwrap_or(u32::MAX);
            prop_assert_eq!(shows, cap.min(asks), "nothing else held the survey back");
        }
    }

    /// `until` is honest: it lies ahead, and asking again at that moment (same history; for a
    /// store's daily quota, the new day's count, which starts at zero) does not give the same
    /// reason again.
    #[test]
    fn a_suppression_ends_at_its_until(w in world()) {
        let Decision::Suppress(first) = w.decide() else {
            return Ok(());
        };
        let Some(until) = first.until else {
            return Ok(());
        };
        prop_assert!(until.millis() > w.now, "{first:?} ends before now {}", w.now);
        let usage = match first.reason {
            SuppressReason::StoreDailyQuotaReached => QuotaUsage {
                store_today: Some(0),
                ..w.usage
            },
            _ => w.usage,
        };
        let again = w.decide_with(&history_of(&w.events), usage, until.millis());
        prop_assert_ne!(
            reason(&again),
            Some(first.reason),
            "{:?} said until {:?}, but at that moment the answer is {:?}", first, until, again
        );
    }

    /// `record` in any arrival order: the latest event of each kind is kept, and `displays`
    /// counts displays after the latest answer, never more than happened and never none when
    /// some did. (The history keeps only the latest display, so after a late answer it knows of
    /// one display since, where there may have been more.)
    #[test]
    fn record_keeps_the_latest_in_any_order(events in events_within(4)) {
        let history = history_of(&events);
        let latest = |kind: ContactKind, survey: Option<usize>| {
            events
                .iter()
                .filter(|e| e.kind == kind && survey.is_none_or(|s| e.survey == s))
                .map(|e| Timestamp(e.at))
                .max()
        };
        let at = |c: &Option<Contact>| c.as_ref().map(|c| c.at);
        prop_assert_eq!(at(&history.last_shown), latest(ContactKind::Shown, None));
        prop_assert_eq!(at(&history.last_answered), latest(ContactKind::Answered, None));
        for (i, id) in SURVEYS.iter().enumerate() {
            let Some(mine) = history.surveys.get(&survey_id(i)) else {
                prop_assert!(events.iter().all(|e| e.survey != i), "{id} lost");
                continue;
            };
            prop_assert_eq!(at(&mine.last_shown), latest(ContactKind::Shown, Some(i)));
            prop_assert_eq!(at(&mine.last_dismissed), latest(ContactKind::Dismissed, Some(i)));
            let answered = latest(ContactKind::Answered, Some(i));
            prop_assert_eq!(at(&mine.last_answered), answered);
            let since = u32::try_from(
                events
                    .iter()
                    .filter(|e| e.kind == ContactKind::Shown && e.survey == i)
                    .filter(|e| answered.is_none_or(|a| a < Timestamp(e.at)))
                    .count(),
            )
            .unwrap_or(u32::MAX);
            prop_assert!(
                mine.displays <= since && (mine.displays == 0) == (since == 0),
                "{id}: {} displays counted, {since} since the last answer", mine.displays
            );
        }
    }

    /// `record` in time order (ties in any order) counts displays after the latest answer
    /// exactly; a display at the millisecond of an answer is the one answered.
    #[test]
    fn record_in_time_order_counts_displays_exactly(mut events in events_within(4)) {
        events.sort_by_key(|e| e.at);
        let history = history_of(&events);
        for (i, id) in SURVEYS.iter().enumerate() {
            let Some(mine) = history.surveys.get(&survey_id(i)) else {
                continue;
            };
            let answered = mine.last_answered.as_ref().map(|c| c.at);
            let since = events
                .iter()
                .filter(|e| e.kind == ContactKind::Shown && e.survey == i)
                .filter(|e| answered.is_none_or(|a| a < Timestamp(e.at)))
                .count();
            prop_assert_eq!(mine.displays as usize, since, "{} displays since the last answer", id);
        }
    }
}

/// The share of subjects sampled is close to the percent asked for. Subjects are random device
/// ids from fixed seeds, so the test is the same on every run; the bound is five standard
/// deviations of a binomial share.
#[test]
fn the_sampled_share_is_close_to_the_percent() {
    const SUBJECTS: usize = 20_000;
    for (seed, survey, salt) in [
        (1u8, "a", ""),
        (2, "nps-checkout", "2025-q3"),
        (3, "b", "x"),
    ] {
        let survey = SurveyId::parse(survey).expect("a valid survey id");
        let mut rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[seed; 32]);
        let subjects: Vec<String> = (0..SUBJECTS)
            .map(|_| format!("{:016x}{:016x}", rng.next_u64(), rng.next_u64()))
            .collect();
        for percent in [0.5, 5.0, 20.0, 50.0, 95.0] {
            let inside = subjects
                .iter()
                .filter(|s| is_sampled(percent, salt, &survey, s))
                .count();
            let share = inside as f64 / SUBJECTS as f64;
            let p = percent / 100.0;
            let bound = 5.0 * (p * (1.0 - p) / SUBJECTS as f64).sqrt();
            assert!(
                (share - p).abs() <= bound,
                "seed {seed}: {percent} % asked, {:.3} % sampled (bound ±{:.3} %)",
                share * 100.0,
                bound * 100.0
            );
        }
    }
}
