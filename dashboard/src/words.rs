//! The throttling policy in plain words, as the editor shows it above its fields: "At most one
//! survey every 14 days per customer; ask again 90 days after an answer; 20% of visitors."
//!
//! Pure functions of the site's policy and the survey's limits, in Korean or English, so that
//! they are tested here, natively, and the editor only prints them.

use shared::throttle::{Recurrence, SurveyThrottle, ThrottlePolicy};
use shared::time::Period;

use crate::texts::Lang;

/// A period as people say it: "14 days", "12 hours", "90 seconds".
pub(crate) fn period(lang: Lang, p: Period) -> String {
    let secs = p.as_secs();
    let (n, unit) = if secs >= 86_400 && secs.is_multiple_of(86_400) {
        (secs / 86_400, 0)
    } else if secs >= 3_600 && secs.is_multiple_of(3_600) {
        (secs / 3_600, 1)
    } else if secs >= 60 && secs.is_multiple_of(60) {
        (secs / 60, 2)
    } else {
        (secs, 3)
    };
    match lang {
        Lang::Ko => format!("{n}{}", ["일", "시간", "분", "초"][unit]),
        Lang::En => {
            let word = ["day", "hour", "minute", "second"][unit];
            if n == 1 {
                format!("1 {word}")
            } else {
                format!("{n} {word}s")
            }
        }
    }
}

/// A share of customers: `20%`, `12.5%`.
fn percent(p: f64) -> String {
    if p.fract() == 0.0 {
        format!("{p:.0}%")
    } else {
        format!("{p}%")
    }
}

/// The whole policy, one clause per rule that applies, the site's first.
pub(crate) fn policy(lang: Lang, site: &ThrottlePolicy, survey: &SurveyThrottle) -> String {
    let mut clauses = Vec::new();
    let en = lang == Lang::En;
    if let Some(p) = site.wait_after_shown {
        clauses.push(if en {
            format!("at most one survey every {} per customer", period(lang, p))
        } else {
            format!("고객 한 명에게 {}에 설문 한 번까지", period(lang, p))
        });
    }
    if let Some(p) = site.wait_after_answered {
        clauses.push(if en {
            format!("no survey for {} after any answer", period(lang, p))
        } else {
            format!("어느 설문이든 응답 후 {} 동안 묻지 않음", period(lang, p))
        });
    }
    clauses.push(match (survey.recurrence, en) {
        (Recurrence::Never, true) => "never ask again after an answer".to_owned(),
        (Recurrence::Never, false) => "응답한 고객에게는 다시 묻지 않음".to_owned(),
        (Recurrence::After(p), true) => format!("ask again {} after an answer", period(lang, p)),
        (Recurrence::After(p), false) => format!("응답 {} 후 다시 물음", period(lang, p)),
    });
    if let Some(n) = survey.max_displays {
        clauses.push(if en {
            format!(
                "shown at most {n} time{} without an answer",
                if n == 1 { "" } else { "s" }
            )
        } else {
            format!("응답이 없으면 {n}번까지 보여 줌")
        });
    }
    if let Some(p) = survey.dismiss_cooldown {
        clauses.push(if en {
            format!("{} of rest after it is closed", period(lang, p))
        } else {
            format!("닫은 뒤 {} 동안 쉼", period(lang, p))
        });
    }
    if let Some(n) = survey.quota.total {
        clauses.push(if en {
            format!("stop at {n} responses")
        } else {
            format!("응답 {n}개에서 멈춤")
        });
    }
    if let Some(n) = survey.quota.per_store_per_day {
        clauses.push(if en {
            format!("at most {n} responses per store a day")
        } else {
            format!("매장마다 하루 응답 {n}개까지")
        });
    }
    clauses.push(if en {
        format!("{} of visitors", percent(survey.sample_percent))
    } else {
        format!("방문자의 {}", percent(survey.sample_percent))
    });
    let mut text = clauses.join("; ");
    if let Some(first) = text.get(..1) {
        text = first.to_uppercase() + &text[1..];
    }
    text.push('.');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::throttle::Quota;

    fn throttle(recurrence: Recurrence, sample_percent: f64) -> SurveyThrottle {
        SurveyThrottle {
            recurrence,
            sample_percent,
            ..SurveyThrottle::default()
        }
    }

    #[test]
    fn the_issue_s_example_reads_as_the_issue_says_it() {
        let site = ThrottlePolicy {
            wait_after_shown: Some(Period::days(14)),
            wait_after_answered: None,
        };
        let survey = throttle(Recurrence::After(Period::days(90)), 20.0);
        assert_eq!(
            policy(Lang::En, &site, &survey),
            "At most one survey every 14 days per customer; ask again 90 days after an \
             answer; 20% of visitors."
        );
        assert_eq!(
            policy(Lang::Ko, &site, &survey),
            "고객 한 명에게 14일에 설문 한 번까지; 응답 90일 후 다시 물음; 방문자의 20%."
        );
    }

    #[test]
    fn every_limit_is_said_and_none_is_invented() {
        let bare = policy(
            Lang::En,
            &ThrottlePolicy::default(),
            &SurveyThrottle::default(),
        );
        assert_eq!(bare, "Never ask again after an answer; 100% of visitors.");
        let all = SurveyThrottle {
            max_displays: Some(1),
            dismiss_cooldown: Some(Period::hours(12)),
            recurrence: Recurrence::Never,
            sample_percent: 12.5,
            sample_salt: String::new(),
            quota: Quota {
                total: Some(500),
                per_store_per_day: Some(30),
            },
        };
        let site = ThrottlePolicy {
            wait_after_shown: None,
            wait_after_answered: Some(Period::days(1)),
        };
        assert_eq!(
            policy(Lang::En, &site, &all),
            "No survey for 1 day after any answer; never ask again after an answer; shown at \
             most 1 time without an answer; 12 hours of rest after it is closed; stop at 500 \
             responses; at most 30 responses per store a day; 12.5% of visitors."
        );
    }

    #[test]
    fn periods_use_the_largest_whole_unit() {
        assert_eq!(period(Lang::En, Period::days(1)), "1 day");
        assert_eq!(period(Lang::En, Period::hours(36)), "36 hours");
        assert_eq!(period(Lang::En, Period::seconds(90)), "90 seconds");
        assert_eq!(period(Lang::En, Period::minutes(15)), "15 minutes");
        assert_eq!(period(Lang::Ko, Period::days(90)), "90일");
        assert_eq!(period(Lang::Ko, Period::hours(12)), "12시간");
    }
}
