//! The survey schema and its validation on write.
//!
//! A survey is versioned: the collector keeps every published version, so an answer given to an
//! old version (a kiosk that was offline for a day) still validates against the questions it saw.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::error::{ErrorCode, Errors, FieldError};
use crate::ids::{ChoiceId, Locale, QuestionId, SiteId, SurveyId};
use crate::text::LocalizedText;
use crate::throttle::SurveyThrottle;
use crate::trigger::{Targeting, Trigger};

pub const MAX_QUESTIONS: usize = 5;
pub const MAX_CHOICES: usize = 12;
pub const MAX_OPEN_TEXT: u16 = 5_000;
const MAX_NAME_LEN: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SurveyStatus {
    #[default]
    Draft,
    Active,
    Paused,
    Archived,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Survey {
    pub id: SurveyId,
    pub site_id: SiteId,
    /// Set by the collector: 1 for the first version, one more on each update.
    #[serde(default = "first_version")]
    pub version: u32,
    #[serde(default)]
    pub status: SurveyStatus,
    /// For the team, never shown to customers.
    pub name: String,
    /// The locale used when a customer's locale has no text.
    pub default_locale: Locale,
    pub questions: Vec<Question>,
    /// The survey may show when any trigger fires. None: only on request (`nunchi.show`, a
    /// kiosk, a receipt).
    #[serde(default)]
    pub triggers: Vec<Trigger>,
    #[serde(default)]
    pub targeting: Targeting,
    #[serde(default)]
    pub throttle: SurveyThrottle,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thank_you: Option<LocalizedText>,
}

fn first_version() -> u32 {
    1
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub id: QuestionId,
    pub kind: QuestionKind,
    pub text: LocalizedText,
    #[serde(default)]
    pub required: bool,
    /// A follow-up: shown only when an earlier answer meets the condition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_if: Option<ShowIf>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum QuestionKind {
    /// Net Promoter Score, 0 to 10.
    Nps,
    /// Customer satisfaction, 1 to 5.
    Csat {
        #[serde(default)]
        style: CsatStyle,
    },
    /// Customer effort, 1 (very easy) to 7 (very hard).
    Ces,
    /// Four faces, 1 (angry) to 4 (delighted), as on store terminals.
    Smiley,
    /// Thumbs up (`true`) or down (`false`).
    Thumbs,
    SingleChoice {
        choices: Vec<Choice>,
    },
    MultipleChoice {
        choices: Vec<Choice>,
        #[serde(default)]
        min: u8,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<u8>,
    },
    OpenText {
        #[serde(default = "default_open_text_max")]
        max_length: u16,
    },
}

fn default_open_text_max() -> u16 {
    1_000
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CsatStyle {
    #[default]
    Stars,
    Faces,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub id: ChoiceId,
    pub text: LocalizedText,
}

/// `{"question": "nps", "when": {"score_at_most": 6}}`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShowIf {
    pub question: QuestionId,
    pub when: AnswerCondition,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerCondition {
    ScoreAtMost(u8),
    ScoreAtLeast(u8),
    Thumb(bool),
    ChoiceIn(Vec<ChoiceId>),
}

impl Survey {
    pub fn question(&self, id: &QuestionId) -> Option<&Question> {
        self.questions.iter().find(|q| &q.id == id)
    }

    pub fn is_active(&self) -> bool {
        self.status == SurveyStatus::Active
    }

    /// Checks everything a schema cannot: counts, references, locales, patterns.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Errors::default();
        if self.name.trim().is_empty() {
            errors.push(ErrorCode::Required, "name", "give the survey a name");
        } else if self.name.chars().count() > MAX_NAME_LEN {
            errors.push(
                ErrorCode::TooLong,
                "name",
                format!("at most {MAX_NAME_LEN} characters"),
            );
        }
        if self.version == 0 {
            errors.push(ErrorCode::OutOfRange, "version", "versions start at 1");
        }
        match self.questions.len() {
            0 => errors.push(
                ErrorCode::TooFew,
                "questions",
                "a survey asks at least one question",
            ),
            n if n > MAX_QUESTIONS => errors.push(
                ErrorCode::TooMany,
                "questions",
                format!("a survey asks at most {MAX_QUESTIONS} questions"),
            ),
            _ => {}
        }
        let mut seen = BTreeSet::new();
        for (i, q) in self.questions.iter().enumerate() {
            let at = format!("questions.{i}");
            if !seen.insert(&q.id) {
                errors.push(
                    ErrorCode::Duplicate,
                    format!("{at}.id"),
                    format!("question id {:?} is used twice", q.id.as_str()),
                );
            }
            self.check_text(&q.text, &format!("{at}.text"), &mut errors);
            self.check_kind(&q.kind, &at, &mut errors);
            if let Some(show_if) = &q.show_if {
                match self.questions[..i]
                    .iter()
                    .find(|earlier| earlier.id == show_if.question)
                {
                    None => errors.push(
                        ErrorCode::InvalidReference,
                        format!("{at}.show_if.question"),
                        "a follow-up must refer to an earlier question",
                    ),
                    Some(earlier) if !show_if.when.fits(&earlier.kind) => errors.push(
                        ErrorCode::InvalidValue,
                        format!("{at}.show_if.when"),
                        format!(
                            "this condition can never hold for question {:?}",
                            earlier.id.as_str()
                        ),
                    ),
                    Some(_) => {}
                }
            }
        }
        if let Some(thank_you) = &self.thank_you {
            self.check_text(thank_you, "thank_you", &mut errors);
        }
        for (i, trigger) in self.triggers.iter().enumerate() {
            for e in trigger.validate() {
                errors.push(e.code, format!("triggers.{i}.{}", e.field), e.message);
            }
        }
        for e in self.targeting.validate() {
            errors.push(e.code, format!("targeting.{}", e.field), e.message);
        }
        for e in self.throttle.validate() {
            errors.push(e.code, format!("throttle.{}", e.field), e.message);
        }
        errors.into_result()
    }

    fn check_text(&self, text: &LocalizedText, field: &str, errors: &mut Errors) {
        if !text.has(&self.default_locale) {
            errors.push(
                ErrorCode::Required,
                field,
                format!(
                    "needs a text in the default locale {:?}",
                    self.default_locale.as_str()
                ),
            );
        }
        for (locale, t) in &text.0 {
            if t.trim().is_empty() {
                errors.push(
                    ErrorCode::Required,
                    format!("{field}.{locale}"),
                    "must not be blank",
                );
            } else if t.chars().count() > LocalizedText::MAX_LEN {
                errors.push(
                    ErrorCode::TooLong,
                    format!("{field}.{locale}"),
                    format!("at most {} characters", LocalizedText::MAX_LEN),
                );
            }
        }
    }

    fn check_kind(&self, kind: &QuestionKind, at: &str, errors: &mut Errors) {
        match kind {
            QuestionKind::SingleChoice { choices } => self.check_choices(choices, at, errors),
            QuestionKind::MultipleChoice { choices, min, max } => {
                self.check_choices(choices, at, errors);
                let max = max.map_or(choices.len(), usize::from);
                if max == 0 || max > choices.len() {
                    errors.push(
                        ErrorCode::OutOfRange,
                        format!("{at}.kind.max"),
                        "max must be from 1 to the number of choices",
                    );
                }
                if usize::from(*min) > max {
                    errors.push(
                        ErrorCode::OutOfRange,
                        format!("{at}.kind.min"),
                        "min must not exceed max",
                    );
                }
            }
            QuestionKind::OpenText { max_length }
                if (*max_length == 0 || *max_length > MAX_OPEN_TEXT) =>
            {
                errors.push(
                    ErrorCode::OutOfRange,
                    format!("{at}.kind.max_length"),
                    format!("max_length must be from 1 to {MAX_OPEN_TEXT}"),
                );
            }
            _ => {}
        }
    }

    fn check_choices(&self, choices: &[Choice], at: &str, errors: &mut Errors) {
        if choices.len() < 2 {
            errors.push(
                ErrorCode::TooFew,
                format!("{at}.kind.choices"),
                "offer at least two choices",
            );
        } else if choices.len() > MAX_CHOICES {
            errors.push(
                ErrorCode::TooMany,
                format!("{at}.kind.choices"),
                format!("offer at most {MAX_CHOICES} choices"),
            );
        }
        let mut seen = BTreeSet::new();
        for (j, c) in choices.iter().enumerate() {
            if !seen.insert(&c.id) {
                errors.push(
                    ErrorCode::Duplicate,
                    format!("{at}.kind.choices.{j}.id"),
                    format!("choice id {:?} is used twice", c.id.as_str()),
                );
            }
            self.check_text(&c.text, &format!("{at}.kind.choices.{j}.text"), errors);
        }
    }
}
