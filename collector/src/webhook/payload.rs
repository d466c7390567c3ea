//! What a message says: an event for programs, or a line of text for a team channel.
//!
//! Bodies are made by the ingest path before the response is queued, so the store writes them
//! without knowing what a webhook is. The one thing not known then is the response's sequence
//! number, which the writer gives it: an event is made in two parts around it
//! ([`MessageBody::AroundSeq`]).

use serde::Serialize;
use shared::answer::AnswerValue;
use shared::ids::{MemberHash, QuestionId, ResponseId, SurveyId};
use shared::map::Map;
use shared::response::{Context, Response};
use shared::time::Timestamp;

use super::{Outgoing, OutgoingBody};
use crate::export::timestamps::rfc3339;
use crate::store::{MessageBody, NewMessage};

/// The event type of a new response.
pub const RESPONSE_CREATED: &str = "response.created";

/// The stored response without its member hash and its sequence number (the writer adds that
/// first): a pseudonym is still personal data, and an endpoint that needs to follow a member
/// can pull the export with a key.
#[derive(Serialize)]
struct Data<'a> {
    received_at: Timestamp,
    response_id: &'a ResponseId,
    survey_id: &'a SurveyId,
    survey_version: u32,
    answers: &'a Map<QuestionId, AnswerValue>,
    context: Context<MemberHash>,
    client_time: Timestamp,
}

/// The messages of a new response, one per webhook that wants it, with their bodies made.
pub fn render(
    outgoing: Vec<Outgoing>,
    response: &Response<MemberHash>,
    received_at: Timestamp,
) -> Result<Vec<NewMessage>, serde_json::Error> {
    let mut event = None;
    outgoing
        .into_iter()
        .map(|out| {
            let body = match out.body {
                OutgoingBody::Event => match &event {
                    Some(body) => MessageBody::clone(body),
                    None => event.insert(self::event(response, received_at)?).clone(),
                },
                OutgoingBody::Chat(line) => MessageBody::Text(chat(&line)?),
            };
            Ok(NewMessage {
                webhook: out.webhook,
                body,
            })
        })
        .collect()
}

/// `{"type": "response.created", "timestamp": …, "data": {"seq": …, …}}`, in the envelope
/// Standard Webhooks recommends. `data.seq` is the response's place in the export order: pass
/// `seq - 1` as an export cursor to fetch it (and what follows) again.
pub fn event(
    response: &Response<MemberHash>,
    received_at: Timestamp,
) -> Result<MessageBody, serde_json::Error> {
    let r = response;
    let data = serde_json::to_string(&Data {
        received_at,
        response_id: &r.response_id,
        survey_id: &r.survey_id,
        survey_version: r.survey_version,
        answers: &r.answers,
        context: Context {
            member: None,
            ..r.context.clone()
        },
        client_time: r.client_time,
    })?;
    let before = format!(
        r#"{{"type":{},"timestamp":{},"data":{{"seq":"#,
        serde_json::to_string(RESPONSE_CREATED)?,
        serde_json::to_string(&rfc3339(received_at))?,
    );
    // `data` is an object with fields: its `{` is replaced by the comma after the seq.
    let after = format!(",{}}}", &data[1..]);
    Ok(MessageBody::AroundSeq { before, after })
}

/// `{"text": line}`: what Slack, Mattermost, Discord (`/slack`) and most chat tools' incoming
/// webhooks post as a message.
pub fn chat(line: &str) -> Result<String, serde_json::Error> {
    serde_json::to_string(&serde_json::json!({ "text": line }))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_event_is_one_json_object_once_its_seq_is_filled_in() {
        let response: Response<MemberHash> = serde_json::from_value(json!({
            "response_id": "0190b0a4-7f6e-7a3c-8a4e-1c2d3e4f5a6b",
            "survey_id": "web-nps", "survey_version": 1,
            "answers": { "nps": 3 },
            "context": { "channel": "web", "site_id": "shop", "locale": "ko", "member": "ab12" },
            "client_time": 5
        }))
        .unwrap();
        let body = event(&response, Timestamp(1_700_000_000_000)).unwrap();
        let text = body.with_seq(42);
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["type"], "response.created");
        assert_eq!(value["timestamp"], "2023-11-14T22:13:20.000Z");
        assert_eq!(value["data"]["seq"], 42);
        assert_eq!(value["data"]["received_at"], 1_700_000_000_000_i64);
        assert_eq!(value["data"]["answers"]["nps"], 3);
        assert!(value["data"]["context"].get("member").is_none(), "{text}");
        assert!(text.starts_with(r#"{"type":"response.created","timestamp":"#));
        assert!(
            text.contains(r#""data":{"seq":42,"received_at":"#),
            "{text}"
        );
    }
}
