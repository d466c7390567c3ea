//! Answer values and how each question kind checks them.

use serde::{Deserialize, Serialize};

use crate::error::ErrorCode;
use crate::survey::{AnswerCondition, QuestionKind};

/// An answer as it travels: a whole number (scores), a boolean (thumbs), a string (a single
/// choice or open text) or a list of strings (multiple choice). What it must be depends on the
/// question's kind; [`QuestionKind::check`] says whether it fits.
///
/// Deserialized by hand rather than with `#[serde(untagged)]`: untagged enums try each variant
/// in turn and format an error for every miss, which was a fifth of the collector's CPU per
/// response (measured by the ingest benchmark).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum AnswerValue {
    Bool(bool),
    Int(i64),
    Text(String),
    List(Vec<String>),
}

impl<'de> Deserialize<'de> for AnswerValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(AnswerVisitor)
    }
}

struct AnswerVisitor;

impl<'de> serde::de::Visitor<'de> for AnswerVisitor {
    type Value = AnswerValue;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a whole number, true or false, a text, or a list of texts")
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<AnswerValue, E> {
        Ok(AnswerValue::Bool(v))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<AnswerValue, E> {
        Ok(AnswerValue::Int(v))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<AnswerValue, E> {
        i64::try_from(v)
            .map(AnswerValue::Int)
            .map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(v), &self))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<AnswerValue, E> {
        Ok(AnswerValue::Text(v.to_owned()))
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<AnswerValue, E> {
        Ok(AnswerValue::Text(v))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<AnswerValue, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(16));
        while let Some(item) = seq.next_element::<String>()? {
            items.push(item);
        }
        Ok(AnswerValue::List(items))
    }
}

impl AnswerValue {
    pub fn as_score(&self) -> Option<i64> {
        match self {
            Self::Int(n) => Some(*n),
            _ => None,
        }
    }
}

impl QuestionKind {
    /// The inclusive score range of a scale question, `None` for other kinds.
    pub fn scale(&self) -> Option<(i64, i64)> {
        match self {
            Self::Nps => Some((0, 10)),
            Self::Csat { .. } => Some((1, 5)),
            Self::Ces => Some((1, 7)),
            Self::Smiley => Some((1, 4)),
            _ => None,
        }
    }

    /// Checks that `value` is a valid answer to a question of this kind.
    pub fn check(&self, value: &AnswerValue) -> Result<(), (ErrorCode, String)> {
        if let Some((lo, hi)) = self.scale() {
            return match value {
                AnswerValue::Int(n) if (lo..=hi).contains(n) => Ok(()),
                AnswerValue::Int(_) => Err((
                    ErrorCode::OutOfRange,
                    format!("expected a whole number from {lo} to {hi}"),
                )),
                _ => Err((
                    ErrorCode::InvalidType,
                    format!("expected a whole number from {lo} to {hi}"),
                )),
            };
        }
        match (self, value) {
            (Self::Thumbs, AnswerValue::Bool(_)) => Ok(()),
            (Self::Thumbs, _) => Err((
                ErrorCode::InvalidType,
                "expected true (thumbs up) or false (thumbs down)".into(),
            )),
            (Self::SingleChoice { choices }, AnswerValue::Text(c)) => {
                if choices.iter().any(|ch| ch.id.as_str() == c) {
                    Ok(())
                } else {
                    Err((
                        ErrorCode::UnknownChoice,
                        format!("{c:?} is not one of the choices"),
                    ))
                }
            }
            (Self::SingleChoice { .. }, _) => Err((
                ErrorCode::InvalidType,
                "expected one choice id as a string".into(),
            )),
            (Self::MultipleChoice { choices, min, max }, AnswerValue::List(picked)) => {
                if let Some(c) = picked
                    .iter()
                    .find(|c| !choices.iter().any(|ch| ch.id.as_str() == *c))
                {
                    return Err((
                        ErrorCode::UnknownChoice,
                        format!("{c:?} is not one of the choices"),
                    ));
                }
                let mut unique: Vec<&String> = picked.iter().collect();
                unique.sort();
                unique.dedup();
                if unique.len() != picked.len() {
                    return Err((ErrorCode::Duplicate, "a choice is picked twice".into()));
                }
                let max = max.unwrap_or(choices.len() as u8) as usize;
                if picked.len() < *min as usize {
                    return Err((ErrorCode::TooFew, format!("pick at least {min}")));
                }
                if picked.len() > max {
                    return Err((ErrorCode::TooMany, format!("pick at most {max}")));
                }
                Ok(())
            }
            (Self::MultipleChoice { .. }, _) => Err((
                ErrorCode::InvalidType,
                "expected a list of choice ids".into(),
            )),
            (Self::OpenText { max_length }, AnswerValue::Text(t)) => {
                let chars = t.chars().count();
                if chars > *max_length as usize {
                    Err((
                        ErrorCode::TooLong,
                        format!("at most {max_length} characters"),
                    ))
                } else {
                    Ok(())
                }
            }
            (Self::OpenText { .. }, _) => Err((ErrorCode::InvalidType, "expected text".into())),
            // Scale kinds returned above.
            _ => Err((ErrorCode::InvalidType, "unexpected answer".into())),
        }
    }
}

impl AnswerCondition {
    /// Whether an earlier answer makes a follow-up question appear.
    pub fn holds(&self, value: &AnswerValue) -> bool {
        match (self, value) {
            (Self::ScoreAtMost(max), AnswerValue::Int(n)) => *n <= i64::from(*max),
            (Self::ScoreAtLeast(min), AnswerValue::Int(n)) => *n >= i64::from(*min),
            (Self::Thumb(up), AnswerValue::Bool(b)) => up == b,
            (Self::ChoiceIn(wanted), AnswerValue::Text(c)) => {
                wanted.iter().any(|w| w.as_str() == c)
            }
            (Self::ChoiceIn(wanted), AnswerValue::List(cs)) => {
                cs.iter().any(|c| wanted.iter().any(|w| w.as_str() == c))
            }
            _ => false,
        }
    }

    /// Whether this condition can ever hold for a question of `kind`.
    pub fn fits(&self, kind: &QuestionKind) -> bool {
        match self {
            Self::ScoreAtMost(n) | Self::ScoreAtLeast(n) => kind
                .scale()
                .is_some_and(|(lo, hi)| (lo..=hi).contains(&i64::from(*n))),
            Self::Thumb(_) => matches!(kind, QuestionKind::Thumbs),
            Self::ChoiceIn(ids) => match kind {
                QuestionKind::SingleChoice { choices }
                | QuestionKind::MultipleChoice { choices, .. } => {
                    !ids.is_empty() && ids.iter().all(|id| choices.iter().any(|c| &c.id == id))
                }
                _ => false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_values_read_every_json_shape_and_refuse_the_rest() {
        let table: &[(&str, Option<AnswerValue>)] = &[
            ("9", Some(AnswerValue::Int(9))),
            ("-1", Some(AnswerValue::Int(-1))),
            ("true", Some(AnswerValue::Bool(true))),
            (
                "\"배송이 늦었어요\"",
                Some(AnswerValue::Text("배송이 늦었어요".into())),
            ),
            (
                "[\"a\",\"b\"]",
                Some(AnswerValue::List(vec!["a".into(), "b".into()])),
            ),
            ("[]", Some(AnswerValue::List(vec![]))),
            ("9.5", None),
            ("18446744073709551615", None),
            ("null", None),
            ("{}", None),
            ("[1]", None),
        ];
        for (json, expected) in table {
            let got = serde_json::from_str::<AnswerValue>(json).ok();
            assert_eq!(&got, expected, "{json}");
            if let Some(value) = expected {
                assert_eq!(
                    &serde_json::to_string(value).unwrap(),
                    json,
                    "round trip of {json}"
                );
            }
        }
        let error = serde_json::from_str::<AnswerValue>("9.5")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("a whole number, true or false, a text, or a list of texts"),
            "{error}"
        );
    }
}
