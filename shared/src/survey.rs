//! The survey schema and its validation on write.
//!
//! A survey is versioned: the collector keeps every published version, so an answer given to an
//! old version (a kiosk that was offline for a day) still validates against the questions it saw.

use std::collections::BTreeSet;

use crate::map::Map;
#[cfg(feature = "server")]
use crate::response::Channel;

use serde::{Deserialize, Serialize};

use crate::answer::AnswerValue;
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

/// On the device, fields it does not know (the kiosk page's settings) are passed over: the
/// collector has refused unknown fields already, and each field the widget parses costs bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", serde(deny_unknown_fields))]
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
    /// How the kiosk page treats this survey. Written only when not the default. The kiosk
    /// page reads it from the site's configuration; the widget does not.
    #[cfg(feature = "server")]
    #[serde(default, skip_serializing_if = "KioskSettings::is_default")]
    pub kiosk: KioskSettings,
}

/// `{"partial": "drop"}`: a survey's settings for the kiosk page (`www/kiosk.html`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KioskSettings {
    /// What becomes of a partial answer when the kiosk goes back to its first question after
    /// an idle time.
    #[serde(default)]
    pub partial: PartialAnswer,
}

impl KioskSettings {
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// A kiosk customer who answers the first question and walks away from a follow-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartialAnswer {
    /// Stored with the questions answered so far, required or not: the customer who pressed
    /// the first smiley did answer it, and a kiosk cannot make anyone stay for the rest.
    #[default]
    Send,
    /// Not stored: the kiosk notes a dismissal, as when a customer closes the card.
    Drop,
}

fn first_version() -> u32 {
    1
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", serde(deny_unknown_fields))]
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

/// Written `{"type": "multiple_choice", "choices": [...], "max": 2}`. Read through
/// [`QuestionKindRepr`] (see there), written as serde's internally tagged enum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", try_from = "QuestionKindRepr")]
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

impl QuestionKind {
    /// The `type` the kind is written with (`"single_choice"`): summaries and the dashboard's
    /// editor name kinds so.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Nps => "nps",
            Self::Csat { .. } => "csat",
            Self::Ces => "ces",
            Self::Smiley => "smiley",
            Self::Thumbs => "thumbs",
            Self::SingleChoice { .. } => "single_choice",
            Self::MultipleChoice { .. } => "multiple_choice",
            Self::OpenText { .. } => "open_text",
        }
    }
}

fn default_open_text_max() -> u16 {
    1_000
}

/// A question kind as written: the tag and every field any kind has, in one flat record.
///
/// serde's internally tagged enums buffer the object and then compile each variant's fields a
/// second time against the buffer, which cost the widget several KB; they also ignore unknown
/// fields on kinds without fields (serde-rs/serde#2123). Here a field that the kind does not
/// have is refused by name.
#[derive(Deserialize)]
#[cfg_attr(feature = "server", serde(deny_unknown_fields))]
struct QuestionKindRepr {
    #[serde(rename = "type")]
    kind: KindTag,
    style: Option<CsatStyle>,
    choices: Option<Vec<Choice>>,
    min: Option<u8>,
    max: Option<u8>,
    max_length: Option<u16>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum KindTag {
    Nps,
    Csat,
    Ces,
    Smiley,
    Thumbs,
    SingleChoice,
    MultipleChoice,
    OpenText,
}

impl TryFrom<QuestionKindRepr> for QuestionKind {
    type Error = &'static str;

    fn try_from(r: QuestionKindRepr) -> Result<Self, Self::Error> {
        use KindTag as T;
        let choice = matches!(r.kind, T::SingleChoice | T::MultipleChoice);
        if r.style.is_some() && !matches!(r.kind, T::Csat) {
            return Err("`style` applies only to csat questions");
        }
        if r.choices.is_some() && !choice {
            return Err("`choices` applies only to single_choice and multiple_choice questions");
        }
        if (r.min.is_some() || r.max.is_some()) && !matches!(r.kind, T::MultipleChoice) {
            return Err("`min` and `max` apply only to multiple_choice questions");
        }
        if r.max_length.is_some() && !matches!(r.kind, T::OpenText) {
            return Err("`max_length` applies only to open_text questions");
        }
        let choices = || r.choices.ok_or("missing field `choices`");
        Ok(match r.kind {
            T::Nps => QuestionKind::Nps,
            T::Csat => QuestionKind::Csat {
                style: r.style.unwrap_or_default(),
            },
            T::Ces => QuestionKind::Ces,
            T::Smiley => QuestionKind::Smiley,
            T::Thumbs => QuestionKind::Thumbs,
            T::SingleChoice => QuestionKind::SingleChoice {
                choices: choices()?,
            },
            T::MultipleChoice => QuestionKind::MultipleChoice {
                choices: choices()?,
                min: r.min.unwrap_or(0),
                max: r.max,
            },
            T::OpenText => QuestionKind::OpenText {
                max_length: r.max_length.unwrap_or_else(default_open_text_max),
            },
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CsatStyle {
    #[default]
    Stars,
    Faces,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", serde(deny_unknown_fields))]
pub struct Choice {
    pub id: ChoiceId,
    pub text: LocalizedText,
}

/// `{"question": "nps", "when": {"score_at_most": 6}}`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", serde(deny_unknown_fields))]
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

impl Question {
    /// Whether this question is shown for the answers given so far: always, or, for a
    /// follow-up, once the earlier answer meets its condition.
    pub fn is_shown(&self, answers: &Map<QuestionId, AnswerValue>) -> bool {
        self.show_if.as_ref().is_none_or(|cond| {
            answers
                .get(&cond.question)
                .is_some_and(|earlier| cond.when.holds(earlier))
        })
    }
}

impl Survey {
    /// The survey as the collector serves it to the device (see [`Targeting::for_device`]).
    #[cfg(feature = "server")]
    pub fn for_device(&self) -> Survey {
        Survey {
            targeting: self.targeting.for_device(),
            ..self.clone()
        }
    }

    /// The questions shown for the answers given so far, in order.
    pub fn visible_questions<'a>(
        &'a self,
        answers: &Map<QuestionId, AnswerValue>,
    ) -> Vec<&'a Question> {
        self.questions
            .iter()
            .filter(|q| q.is_shown(answers))
            .collect()
    }

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
                            "this condition does not fit question {:?}: a score outside its scale, or another kind of answer",
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
        #[cfg(feature = "server")]
        let channels = &self.targeting.channels;
        #[cfg(feature = "server")]
        if !self.kiosk.is_default() && !channels.is_empty() && !channels.contains(&Channel::Kiosk) {
            errors.push(
                ErrorCode::InvalidValue,
                "kiosk",
                "kiosk settings on a survey whose targeting leaves out the kiosk channel",
            );
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::url_rule::{UrlMatch, UrlRule};

    /// An NPS question and a follow-up shown to detractors, written as the wire format.
    fn survey() -> Survey {
        let json = r#"{
            "id": "checkout-nps",
            "site_id": "demo-shop",
            "name": "Checkout NPS",
            "default_locale": "en",
            "questions": [
                {
                    "id": "nps",
                    "kind": {"type": "nps"},
                    "text": {"en": "Would you recommend us?", "ko": "추천하시겠습니까?"},
                    "required": true
                },
                {
                    "id": "why",
                    "kind": {"type": "open_text", "max_length": 500},
                    "text": {"en": "What should we do better?"},
                    "show_if": {"question": "nps", "when": {"score_at_most": 6}}
                }
            ],
            "triggers": [{"on": {"type": "page_view"}, "delay": "5s"}],
            "targeting": {
                "urls": [{"match": "regex", "value": "^https://shop\\.example/order/\\d+/done$"}]
            },
            "throttle": {"sample_percent": 50}
        }"#;
        serde_json::from_str(json).expect("the example survey parses")
    }

    fn text(pairs: &[(&str, &str)]) -> LocalizedText {
        LocalizedText(
            pairs
                .iter()
                .map(|(l, t)| (Locale::parse(l).unwrap(), (*t).to_owned()))
                .collect(),
        )
    }

    fn choices(ids: &[&str]) -> Vec<Choice> {
        ids.iter()
            .map(|id| Choice {
                id: ChoiceId::parse(*id).unwrap(),
                text: text(&[("en", id)]),
            })
            .collect()
    }

    /// The follow-up question (`questions.1`) with another kind.
    fn follow_up_kind(kind: QuestionKind) -> impl Fn(&mut Survey) {
        move |s| s.questions[1].kind = kind.clone()
    }

    fn follow_up_when(when: AnswerCondition) -> impl Fn(&mut Survey) {
        move |s| s.questions[1].show_if.as_mut().unwrap().when = when.clone()
    }

    /// Breaks the example survey and compares the errors, as (code, field), with `expected`.
    fn check(case: &str, break_it: &dyn Fn(&mut Survey), expected: &[(ErrorCode, &str)]) {
        let mut s = survey();
        break_it(&mut s);
        let errors = s.validate().err().unwrap_or_default();
        let got: Vec<(ErrorCode, &str)> =
            errors.iter().map(|e| (e.code, e.field.as_str())).collect();
        assert_eq!(got, expected, "{case}: {errors:?}");
    }

    #[test]
    fn the_example_survey_is_valid() {
        let s = survey();
        assert_eq!(s.validate(), Ok(()));
        assert_eq!(s.version, 1);
        assert_eq!(s.status, SurveyStatus::Draft);
        assert_eq!(
            s.questions[1].kind,
            QuestionKind::OpenText { max_length: 500 }
        );
    }

    #[cfg(feature = "server")]
    #[test]
    fn kiosk_settings() {
        let mut s = survey();
        assert_eq!(
            s.kiosk.partial,
            PartialAnswer::Send,
            "a partial answer is kept by default"
        );
        assert!(
            serde_json::to_value(&s).unwrap().get("kiosk").is_none(),
            "the default is not written"
        );
        s.kiosk = serde_json::from_value(json!({"partial": "drop"})).unwrap();
        assert_eq!(s.kiosk.partial, PartialAnswer::Drop);
        assert_eq!(
            s.validate(),
            Ok(()),
            "no channels: the survey may run on a kiosk"
        );
        let written = serde_json::to_value(&s).unwrap();
        assert_eq!(written["kiosk"], json!({"partial": "drop"}));
        assert_eq!(serde_json::from_value::<Survey>(written).unwrap(), s);
        for bad in [
            json!({"partial": "keep"}),
            json!({"partial": "drop", "idle": 30}),
        ] {
            let mut written = serde_json::to_value(survey()).unwrap();
            written["kiosk"] = bad.clone();
            assert!(serde_json::from_value::<Survey>(written).is_err(), "{bad}");
        }
        s.targeting.channels = vec![Channel::Web];
        let errors = s.validate().unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(
            (errors[0].code, errors[0].field.as_str()),
            (ErrorCode::InvalidValue, "kiosk")
        );
        s.targeting.channels.push(Channel::Kiosk);
        assert_eq!(s.validate(), Ok(()));
    }

    #[test]
    fn broken_surveys() {
        use ErrorCode::*;
        let extra = |n: usize| {
            move |s: &mut Survey| {
                for i in 0..n {
                    s.questions.push(Question {
                        id: QuestionId::parse(format!("extra{i}")).unwrap(),
                        kind: QuestionKind::Thumbs,
                        text: text(&[("en", "Helpful?")]),
                        required: false,
                        show_if: None,
                    });
                }
            }
        };
        type Breakage = Box<dyn Fn(&mut Survey)>;
        type Expected = &'static [(ErrorCode, &'static str)];
        let table: Vec<(&str, Breakage, Expected)> = vec![
            (
                "blank name",
                Box::new(|s| s.name = " ".into()),
                &[(Required, "name")],
            ),
            (
                "version 0",
                Box::new(|s| s.version = 0),
                &[(OutOfRange, "version")],
            ),
            (
                "no questions",
                Box::new(|s| s.questions.clear()),
                &[(TooFew, "questions")],
            ),
            ("five questions", Box::new(extra(3)), &[]),
            (
                "six questions",
                Box::new(extra(4)),
                &[(TooMany, "questions")],
            ),
            (
                "duplicate question id",
                Box::new(|s| s.questions[1].id = s.questions[0].id.clone()),
                &[(Duplicate, "questions.1.id")],
            ),
            (
                "no text in the default locale",
                Box::new(|s| s.questions[0].text = text(&[("ko", "추천하시겠습니까?")])),
                &[(Required, "questions.0.text")],
            ),
            (
                "blank text",
                Box::new(|s| s.questions[0].text = text(&[("en", "Recommend?"), ("ko", " ")])),
                &[(Required, "questions.0.text.ko")],
            ),
            (
                "blank thank-you",
                Box::new(|s| s.thank_you = Some(text(&[("en", "")]))),
                &[(Required, "thank_you.en")],
            ),
            (
                "one choice only",
                Box::new(follow_up_kind(QuestionKind::SingleChoice {
                    choices: choices(&["price"]),
                })),
                &[(TooFew, "questions.1.kind.choices")],
            ),
            (
                "duplicate choice id",
                Box::new(follow_up_kind(QuestionKind::SingleChoice {
                    choices: choices(&["price", "delivery", "price"]),
                })),
                &[(Duplicate, "questions.1.kind.choices.2.id")],
            ),
            (
                "choice without default-locale text",
                Box::new(|s| {
                    let mut cs = choices(&["price", "delivery"]);
                    cs[1].text = text(&[("ko", "배송")]);
                    s.questions[1].kind = QuestionKind::SingleChoice { choices: cs };
                }),
                &[(Required, "questions.1.kind.choices.1.text")],
            ),
            (
                "multiple choice max above the number of choices",
                Box::new(follow_up_kind(QuestionKind::MultipleChoice {
                    choices: choices(&["price", "delivery"]),
                    min: 0,
                    max: Some(3),
                })),
                &[(OutOfRange, "questions.1.kind.max")],
            ),
            (
                "multiple choice min above max",
                Box::new(follow_up_kind(QuestionKind::MultipleChoice {
                    choices: choices(&["price", "delivery", "range"]),
                    min: 3,
                    max: Some(2),
                })),
                &[(OutOfRange, "questions.1.kind.min")],
            ),
            (
                "open text max_length 0",
                Box::new(follow_up_kind(QuestionKind::OpenText { max_length: 0 })),
                &[(OutOfRange, "questions.1.kind.max_length")],
            ),
            (
                "follow-up refers to a later question",
                Box::new(|s| {
                    s.questions[0].show_if = Some(ShowIf {
                        question: s.questions[1].id.clone(),
                        when: AnswerCondition::Thumb(true),
                    })
                }),
                &[(InvalidReference, "questions.0.show_if.question")],
            ),
            (
                "follow-up refers to itself",
                Box::new(|s| {
                    s.questions[1].show_if.as_mut().unwrap().question = s.questions[1].id.clone()
                }),
                &[(InvalidReference, "questions.1.show_if.question")],
            ),
            (
                "score_at_most 11 on NPS never holds",
                Box::new(follow_up_when(AnswerCondition::ScoreAtMost(11))),
                &[(InvalidValue, "questions.1.show_if.when")],
            ),
            (
                "thumb on NPS never holds",
                Box::new(follow_up_when(AnswerCondition::Thumb(false))),
                &[(InvalidValue, "questions.1.show_if.when")],
            ),
            (
                "choice_in on NPS never holds",
                Box::new(follow_up_when(AnswerCondition::ChoiceIn(vec![
                    ChoiceId::parse("price").unwrap(),
                ]))),
                &[(InvalidValue, "questions.1.show_if.when")],
            ),
            (
                "URL rule with a bad regex",
                Box::new(|s| {
                    s.targeting
                        .urls
                        .push(UrlRule::new(UrlMatch::Regex, "^/order/(\\d+"))
                }),
                &[(InvalidPattern, "targeting.urls.1.value")],
            ),
            (
                "sample_percent 150",
                Box::new(|s| s.throttle.sample_percent = 150.0),
                &[(OutOfRange, "throttle.sample_percent")],
            ),
            (
                "several problems at once, all reported",
                Box::new(|s| {
                    s.name.clear();
                    s.questions[1].kind = QuestionKind::OpenText { max_length: 0 };
                    s.throttle.sample_percent = -1.0;
                }),
                &[
                    (Required, "name"),
                    (OutOfRange, "questions.1.kind.max_length"),
                    (OutOfRange, "throttle.sample_percent"),
                ],
            ),
        ];
        for (case, break_it, expected) in table {
            check(case, &*break_it, expected);
        }
    }

    #[test]
    fn the_wire_format_is_pinned_and_round_trips() {
        let s = survey();
        let value = serde_json::to_value(&s).unwrap();
        assert_eq!(value["questions"][0]["kind"], json!({"type": "nps"}));
        assert_eq!(
            value["questions"][1]["show_if"],
            json!({"question": "nps", "when": {"score_at_most": 6}})
        );
        assert_eq!(
            value["questions"][1]["kind"],
            json!({"type": "open_text", "max_length": 500})
        );
        assert_eq!(value["targeting"]["urls"][0]["match"], "regex");
        assert_eq!(value["triggers"][0]["delay"], "5s");
        let back: Survey = serde_json::from_value(value).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn unknown_fields_are_refused() {
        // The collector refuses an unknown field on the survey itself (the device passes over
        // it, see `Survey`).
        #[cfg(feature = "server")]
        {
            let mut value = serde_json::to_value(survey()).unwrap();
            value["colour"] = json!("red");
            assert!(serde_json::from_value::<Survey>(value).is_err());
        }
        let mut value = serde_json::to_value(survey()).unwrap();
        value["questions"][0]["colour"] = json!("red");
        assert!(serde_json::from_value::<Survey>(value).is_err());
        let mut value = serde_json::to_value(survey()).unwrap();
        value["questions"][1]["kind"] = json!({"type": "open_text", "max_length": 5, "max": 5});
        assert!(serde_json::from_value::<Survey>(value).is_err());
        // Kinds without fields too (serde's own tagged enums let these through, #2123).
        let mut value = serde_json::to_value(survey()).unwrap();
        value["questions"][0]["kind"] = json!({"type": "nps", "max": 5});
        let err = serde_json::from_value::<Survey>(value).unwrap_err();
        assert!(
            err.to_string()
                .contains("`min` and `max` apply only to multiple_choice"),
            "{err}"
        );
    }

    #[test]
    fn every_kind_reads_back_what_it_writes() {
        let choices = vec![Choice {
            id: ChoiceId::parse("a").unwrap(),
            text: text(&[("en", "A")]),
        }];
        for kind in [
            QuestionKind::Nps,
            QuestionKind::Csat {
                style: CsatStyle::Faces,
            },
            QuestionKind::Ces,
            QuestionKind::Smiley,
            QuestionKind::Thumbs,
            QuestionKind::SingleChoice {
                choices: choices.clone(),
            },
            QuestionKind::MultipleChoice {
                choices,
                min: 1,
                max: Some(2),
            },
            QuestionKind::OpenText { max_length: 80 },
        ] {
            let json = serde_json::to_value(&kind).unwrap();
            assert_eq!(serde_json::from_value::<QuestionKind>(json).unwrap(), kind);
        }
        let read = |v| serde_json::from_value::<QuestionKind>(v);
        assert_eq!(
            read(json!({"type": "csat"})).unwrap(),
            QuestionKind::Csat {
                style: CsatStyle::Stars
            }
        );
        assert!(
            read(json!({"type": "single_choice"}))
                .unwrap_err()
                .to_string()
                .contains("missing field `choices`")
        );
        assert!(read(json!({"type": "stars"})).is_err());
        assert!(read(json!({"style": "faces"})).is_err());
    }
}
