//! What a message says: an event for programs, or a line of text for a team channel.

use std::fmt::Write as _;

use serde::Serialize;
use shared::answer::AnswerValue;
use shared::ids::{MemberHash, QuestionId, ResponseId, SurveyId};
use shared::map::Map;
use shared::response::{Context, Response};
use shared::survey::{QuestionKind, Survey};
use shared::time::Timestamp;

use super::Score;
use crate::export::timestamps::rfc3339;
use crate::store::ResponseRecord;

/// The event type of a new response.
pub const RESPONSE_CREATED: &str = "response.created";

/// A chat line quotes at most this many characters of a comment.
pub const MAX_QUOTE_CHARS: usize = 300;

#[derive(Serialize)]
struct Event<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    timestamp: String,
    data: Data<'a>,
}

/// The stored response without its member hash: a pseudonym is still personal data, and an
/// endpoint that needs to follow a member can pull the export with a key.
#[derive(Serialize)]
struct Data<'a> {
    /// The response's place in the export order: pass `seq - 1` as an export cursor to fetch
    /// it (and what follows) again.
    seq: u64,
    received_at: Timestamp,
    response_id: &'a ResponseId,
    survey_id: &'a SurveyId,
    survey_version: u32,
    answers: &'a Map<QuestionId, AnswerValue>,
    context: Context<MemberHash>,
    client_time: Timestamp,
}

/// `{"type": "response.created", "timestamp": …, "data": {…}}`, in the envelope Standard
/// Webhooks recommends.
pub fn event(record: &ResponseRecord) -> Result<String, serde_json::Error> {
    let r = &record.response;
    serde_json::to_string(&Event {
        kind: RESPONSE_CREATED,
        timestamp: rfc3339(record.received_at),
        data: Data {
            seq: record.seq,
            received_at: record.received_at,
            response_id: &r.response_id,
            survey_id: &r.survey_id,
            survey_version: r.survey_version,
            answers: &r.answers,
            context: Context {
                member: None,
                ..r.context.clone()
            },
            client_time: r.client_time,
        },
    })
}

/// `{"text": line}`: what Slack, Mattermost, Discord (`/slack`) and most chat tools' incoming
/// webhooks post as a message.
pub fn chat(line: &str) -> Result<String, serde_json::Error> {
    serde_json::to_string(&serde_json::json!({ "text": line }))
}

/// One line about a response: `NPS 3 at store gangnam-01 (web-nps): "the queue was too long"`.
///
/// The score is the one the webhook's condition matched (or the first answered score); the
/// place is the store, or else the channel; the quote is the first comment, on one line, cut
/// at [`MAX_QUOTE_CHARS`], with `&`, `<` and `>` escaped, because chat tools read those as
/// markup (`<!channel>` would page everyone).
pub fn chat_line(
    survey: &Survey,
    response: &Response<MemberHash>,
    score: Option<Score<'_>>,
) -> String {
    let mut line = match score {
        Some(score) => format!("{} {}", score.kind.label(), score.value),
        None => "New response".to_owned(),
    };
    let ctx = &response.context;
    // Writing to a String cannot fail.
    let _ = match &ctx.store_id {
        Some(store) => write!(line, " at store {store}"),
        None => write!(line, " on {}", ctx.channel.as_str()),
    };
    let _ = write!(line, " ({})", survey.id);
    if let Some(comment) = first_comment(survey, response) {
        let _ = write!(line, ": \"{}\"", quote(comment));
    }
    line
}

/// The first non-blank open-text answer, in survey order.
fn first_comment<'a>(survey: &Survey, response: &'a Response<MemberHash>) -> Option<&'a str> {
    survey
        .questions
        .iter()
        .filter(|q| matches!(q.kind, QuestionKind::OpenText { .. }))
        .find_map(|q| match response.answers.get(&q.id) {
            Some(AnswerValue::Text(text)) if !text.trim().is_empty() => Some(text.as_str()),
            _ => None,
        })
}

fn quote(comment: &str) -> String {
    let words: Vec<&str> = comment.split_whitespace().collect();
    let one_line = words.join(" ");
    let mut out = String::with_capacity(one_line.len() + 8);
    for (i, c) in one_line.chars().enumerate() {
        if i == MAX_QUOTE_CHARS {
            out.push('…');
            break;
        }
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::webhook::{Condition, ScoreKind};

    fn survey() -> Survey {
        serde_json::from_value(json!({
            "id": "web-nps", "site_id": "shop", "name": "NPS", "default_locale": "en",
            "questions": [
                { "id": "nps", "kind": { "type": "nps" }, "text": { "en": "?" } },
                { "id": "why", "kind": { "type": "open_text" }, "text": { "en": "Why?" } }
            ]
        }))
        .unwrap()
    }

    fn response(answers: serde_json::Value, store: Option<&str>) -> Response<MemberHash> {
        let mut context = json!({ "channel": "kiosk", "site_id": "shop", "locale": "ko" });
        if let Some(store) = store {
            context["store_id"] = json!(store);
        }
        serde_json::from_value(json!({
            "response_id": "0190b0a4-7f6e-7a3c-8a4e-1c2d3e4f5a6b",
            "survey_id": "web-nps", "survey_version": 1,
            "answers": answers, "context": context, "client_time": 0
        }))
        .unwrap()
    }

    fn check(answers: serde_json::Value, store: Option<&str>, expected: Option<&str>) {
        let survey = survey();
        let response = response(answers, store);
        let detractors = Condition {
            kind: ScoreKind::Nps,
            at_most: Some(6),
            at_least: None,
        };
        let line = detractors
            .find(&survey, &response)
            .map(|score| chat_line(&survey, &response, Some(score)));
        assert_eq!(line.as_deref(), expected);
    }

    #[test]
    fn chat_lines_name_the_score_the_place_and_the_comment() {
        check(
            json!({ "nps": 3, "why": "the queue was\n too long" }),
            Some("gangnam-01"),
            Some(r#"NPS 3 at store gangnam-01 (web-nps): "the queue was too long""#),
        );
        check(json!({ "nps": 6 }), None, Some("NPS 6 on kiosk (web-nps)"));
        check(json!({ "nps": 7 }), Some("gangnam-01"), None);
        check(
            json!({ "nps": 0, "why": "<!channel> R&D" }),
            None,
            Some(r#"NPS 0 on kiosk (web-nps): "&lt;!channel&gt; R&amp;D""#),
        );
        let long = "가".repeat(400);
        let line = chat_line(&survey(), &response(json!({ "why": long }), None), None);
        assert!(line.starts_with("New response on kiosk (web-nps): \"가"));
        assert!(line.ends_with("가…\""), "{line}");
    }
}
