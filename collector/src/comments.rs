//! The comments view: open-text answers, newest first, in the context a CX team reads them in
//! (store, channel, the score given in the same response, whether that makes the customer a
//! detractor), with the labels the team adds to them.
//!
//! A label belongs to a response, not to one of its answers: a response has at most one or
//! two open texts, and the team labels what the customer said.

use std::collections::BTreeSet;

use serde::Serialize;
use shared::answer::AnswerValue;
use shared::error::{ErrorCode, FieldError};
use shared::ids::{QuestionId, ResponseId, StoreId, SurveyId};
use shared::response::{Channel, JourneyStage};
use shared::survey::{QuestionKind, Survey};
use shared::time::Timestamp;

use crate::store::ResponseRecord;

/// Labels on one response, at most.
pub const MAX_LABELS: usize = 10;
/// Characters in one label, at most.
pub const MAX_LABEL_CHARS: usize = 40;

/// The labels as stored: trimmed, without repeats, in order. Refuses empty, long or
/// control-character labels, and more than [`MAX_LABELS`].
pub fn normalize_labels(raw: Vec<String>) -> Result<Vec<String>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut labels = BTreeSet::new();
    for (i, label) in raw.into_iter().enumerate() {
        let label = label.trim().to_owned();
        let chars = label.chars().count();
        if chars == 0 || chars > MAX_LABEL_CHARS || label.chars().any(char::is_control) {
            errors.push(FieldError::new(
                ErrorCode::InvalidValue,
                format!("labels.{i}"),
                format!("1 to {MAX_LABEL_CHARS} characters, without control characters"),
            ));
        } else {
            labels.insert(label);
        }
    }
    if labels.len() > MAX_LABELS {
        errors.push(FieldError::new(
            ErrorCode::TooMany,
            "labels",
            format!("at most {MAX_LABELS} labels on one response"),
        ));
    }
    if errors.is_empty() {
        Ok(labels.into_iter().collect())
    } else {
        Err(errors)
    }
}

/// The score a response gave, from the survey's first scored question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    pub question_id: QuestionId,
    /// `nps`, `csat`, `ces` or `smiley`.
    pub kind: &'static str,
    pub value: i64,
    /// NPS 0–6, CSAT 1–2, CES 5–7 (hard), smiley 1–2: the customers to call back first.
    pub detractor: bool,
}

/// One open-text answer with its context.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comment {
    /// The cursor: a later page asks for comments `before` the last one's sequence.
    pub seq: u64,
    pub response_id: ResponseId,
    pub survey_id: SurveyId,
    pub question_id: QuestionId,
    pub text: String,
    pub received_at: Timestamp,
    pub channel: Channel,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store_id: Option<StoreId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub journey_stage: Option<JourneyStage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<Score>,
    pub labels: Vec<String>,
}

/// The open-text answers of `record`, read against the version of `survey` it answered.
pub fn comments_of(record: &ResponseRecord, survey: &Survey, labels: &[String]) -> Vec<Comment> {
    let response = &record.response;
    let score = survey.questions.iter().find_map(|q| {
        let kind = score_kind(&q.kind)?;
        let AnswerValue::Int(value) = response.answers.get(&q.id)? else {
            return None;
        };
        Some(Score {
            question_id: q.id.clone(),
            kind,
            value: *value,
            detractor: is_detractor(kind, *value),
        })
    });
    survey
        .questions
        .iter()
        .filter(|q| matches!(q.kind, QuestionKind::OpenText { .. }))
        .filter_map(|q| match response.answers.get(&q.id) {
            Some(AnswerValue::Text(text)) if !text.trim().is_empty() => Some(Comment {
                seq: record.seq,
                response_id: response.response_id,
                survey_id: response.survey_id.clone(),
                question_id: q.id.clone(),
                text: text.clone(),
                received_at: record.received_at,
                channel: response.context.channel,
                store_id: response.context.store_id.clone(),
                journey_stage: response.context.journey_stage,
                score: score.clone(),
                labels: labels.to_vec(),
            }),
            _ => None,
        })
        .collect()
}

fn score_kind(kind: &QuestionKind) -> Option<&'static str> {
    match kind {
        QuestionKind::Nps => Some("nps"),
        QuestionKind::Csat { .. } => Some("csat"),
        QuestionKind::Ces => Some("ces"),
        QuestionKind::Smiley => Some("smiley"),
        _ => None,
    }
}

fn is_detractor(kind: &str, value: i64) -> bool {
    match kind {
        "nps" => value <= 6,
        "csat" | "smiley" => value <= 2,
        "ces" => value >= 5,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_trimmed_deduplicated_and_sorted() {
        let labels = normalize_labels(vec![
            " delivery ".into(),
            "price".into(),
            "delivery".into(),
            "배송".into(),
        ])
        .unwrap();
        assert_eq!(labels, ["delivery", "price", "배송"]);
        assert_eq!(normalize_labels(Vec::new()).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn empty_long_control_and_too_many_labels_are_refused_by_field() {
        let errors = normalize_labels(vec![
            "ok".into(),
            "  ".into(),
            "x".repeat(MAX_LABEL_CHARS + 1),
            "a\nb".into(),
        ])
        .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["labels.1", "labels.2", "labels.3"]);
        assert!(normalize_labels(vec!["가".repeat(MAX_LABEL_CHARS)]).is_ok());
        let many = (0..=MAX_LABELS).map(|i| format!("l{i}")).collect();
        assert_eq!(normalize_labels(many).unwrap_err()[0].field, "labels");
    }

    #[test]
    fn detractors_by_scale() {
        assert!(is_detractor("nps", 6) && !is_detractor("nps", 7));
        assert!(is_detractor("csat", 2) && !is_detractor("csat", 3));
        assert!(is_detractor("ces", 5) && !is_detractor("ces", 4));
        assert!(is_detractor("smiley", 1) && !is_detractor("smiley", 3));
    }
}
