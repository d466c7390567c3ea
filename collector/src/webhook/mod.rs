//! Webhooks: a signed POST for each new response, from a durable outbox.
//!
//! A site's admin registers endpoints (`/v1/admin/sites/{site}/webhooks`). Each has a URL, a
//! secret made by the collector and shown once (`whsec_…`), an `enabled` flag, and a payload:
//! `event` (the stored response, in the manner of Standard Webhooks) or `chat` (one line of
//! text, `{"text": "NPS 3 at store gangnam-01 (web-nps): \"the queue was too long\""}`, which
//! Slack, Mattermost and similar incoming webhooks post to a channel as it is). An optional
//! condition (`"when": {"kind": "nps", "at_most": 6}`) and survey list narrow what is sent.
//!
//! **Durable.** The ingest route decides which endpoints want a response (it has the survey;
//! see [`Webhook::outgoing`]) and hands that list to the writer with the response. The writer
//! writes one outbox [`Message`] per endpoint in the same atomic batch as the response, and
//! only for a response it stores for the first time. So once a response is acknowledged its
//! messages are on disk too, and a duplicate sends nothing twice.
//!
//! **Delivery.** [`delivery`] runs beside the server: it reads the messages that are due, signs
//! and sends each, and records the outcome through the writer (the only writer of the events
//! tree): delivered messages leave the outbox; failed ones are tried again later, with
//! exponential backoff and jitter, until a bounded number of tries; then they become dead
//! letters, which the admin API lists and can send again. Delivery is at least once: a receiver
//! deduplicates by the `webhook-id` header, which stays the same across tries.
//!
//! # Layout
//!
//! - this file: a webhook's configuration, its condition, and what the ingest route asks it.
//! - [`signature`]: Standard Webhooks signatures.
//! - [`payload`]: the event body and the chat line.
//! - [`delivery`]: the worker, the retry policy and the backoff.

pub mod delivery;
pub mod payload;
pub mod signature;

use std::fmt;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use shared::answer::AnswerValue;
use shared::error::{ErrorCode, FieldError};
use shared::ids::{MemberHash, SiteId, SurveyId};
use shared::response::Response;
use shared::survey::{Question, QuestionKind, Survey};
use shared::time::Timestamp;
use uuid::Uuid;

pub const MAX_URL_LEN: usize = 2_048;
pub const MAX_SURVEYS: usize = 50;
pub const MAX_DESCRIPTION_LEN: usize = 200;
/// A site may have this many endpoints.
pub const MAX_PER_SITE: usize = 20;

/// The public name of a webhook (`wh_` and 16 hex digits).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WebhookId(String);

impl WebhookId {
    pub fn parse(s: &str) -> Option<Self> {
        let hex = s.strip_prefix("wh_")?;
        (hex.len() == 16 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .then(|| Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for WebhookId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).ok_or_else(|| format!("{s:?} is not a webhook id"))
    }
}

impl From<WebhookId> for String {
    fn from(id: WebhookId) -> String {
        id.0
    }
}

impl fmt::Display for WebhookId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A signing secret as Standard Webhooks writes it: `whsec_` and 32 random bytes in base64.
/// The receiver signs with the decoded bytes.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    const PREFIX: &str = "whsec_";

    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key)?;
        Ok(Self(format!(
            "{}{}",
            Self::PREFIX,
            base64::engine::general_purpose::STANDARD.encode(key)
        )))
    }

    /// The HMAC key: the bytes after the prefix, decoded.
    pub fn key(&self) -> Vec<u8> {
        let encoded = self.0.strip_prefix(Self::PREFIX).unwrap_or(&self.0);
        base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap_or_else(|_| encoded.as_bytes().to_vec())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// What an endpoint receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Payload {
    /// `{"type": "response.created", "timestamp", "data": <the stored response>}`.
    #[default]
    Event,
    /// `{"text": "NPS 3 at store gangnam-01 (web-nps): \"…\""}` for a team channel.
    Chat,
}

/// The score questions a condition can look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoreKind {
    Nps,
    Csat,
    Ces,
    Smiley,
}

impl ScoreKind {
    pub fn matches(self, kind: &QuestionKind) -> bool {
        matches!(
            (self, kind),
            (Self::Nps, QuestionKind::Nps)
                | (Self::Csat, QuestionKind::Csat { .. })
                | (Self::Ces, QuestionKind::Ces)
                | (Self::Smiley, QuestionKind::Smiley)
        )
    }

    fn of(kind: &QuestionKind) -> Option<Self> {
        [Self::Nps, Self::Csat, Self::Ces, Self::Smiley]
            .into_iter()
            .find(|k| k.matches(kind))
    }

    /// The inclusive range of scores.
    pub fn scale(self) -> (i64, i64) {
        match self {
            Self::Nps => (0, 10),
            Self::Csat => (1, 5),
            Self::Ces => (1, 7),
            Self::Smiley => (1, 4),
        }
    }

    /// How the chat line names the score.
    pub fn label(self) -> &'static str {
        match self {
            Self::Nps => "NPS",
            Self::Csat => "CSAT",
            Self::Ces => "CES",
            Self::Smiley => "Smiley",
        }
    }
}

/// Send only when a score question of `kind` is answered within the bounds (both inclusive):
/// `{"kind": "nps", "at_most": 6}` is a detractor alert; `{"kind": "ces", "at_least": 5}`
/// says a customer found it hard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub kind: ScoreKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<i64>,
}

/// A score a message is about: the question, its kind and the answer.
#[derive(Debug, Clone, Copy)]
pub struct Score<'a> {
    pub question: &'a Question,
    pub kind: ScoreKind,
    pub value: i64,
}

impl Condition {
    /// The first question of the condition's kind (in survey order) whose answer is within the
    /// bounds, if any.
    pub fn find<'a>(
        &self,
        survey: &'a Survey,
        response: &Response<MemberHash>,
    ) -> Option<Score<'a>> {
        first_score(survey, response, |kind| kind == self.kind).filter(|s| {
            self.at_most.is_none_or(|max| s.value <= max)
                && self.at_least.is_none_or(|min| s.value >= min)
        })
    }

    fn validate(&self, errors: &mut Vec<FieldError>) {
        let (lo, hi) = self.kind.scale();
        if self.at_most.is_none() && self.at_least.is_none() {
            errors.push(FieldError::new(
                ErrorCode::Required,
                "when",
                "give at_most, at_least or both",
            ));
        }
        for (name, bound) in [("at_most", self.at_most), ("at_least", self.at_least)] {
            if bound.is_some_and(|b| !(lo..=hi).contains(&b)) {
                errors.push(FieldError::new(
                    ErrorCode::OutOfRange,
                    format!("when.{name}"),
                    format!("a score from {lo} to {hi}"),
                ));
            }
        }
        if let (Some(max), Some(min)) = (self.at_most, self.at_least)
            && min > max
        {
            errors.push(FieldError::new(
                ErrorCode::InvalidValue,
                "when.at_least",
                "at_least is above at_most: nothing would ever be sent",
            ));
        }
    }
}

/// The first answered score question (in survey order) whose kind passes `wanted`.
fn first_score<'a>(
    survey: &'a Survey,
    response: &Response<MemberHash>,
    wanted: impl Fn(ScoreKind) -> bool,
) -> Option<Score<'a>> {
    survey.questions.iter().find_map(|question| {
        let kind = ScoreKind::of(&question.kind).filter(|k| wanted(*k))?;
        match response.answers.get(&question.id) {
            Some(AnswerValue::Int(value)) => Some(Score {
                question,
                kind,
                value: *value,
            }),
            _ => None,
        }
    })
}

/// A webhook as stored, secret included (it signs every message).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    pub id: WebhookId,
    pub site: SiteId,
    pub url: String,
    pub payload: Payload,
    pub enabled: bool,
    /// Only responses to these surveys; empty: every survey of the site.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub surveys: Vec<SurveyId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    pub created_at: Timestamp,
    pub secret: Secret,
}

/// What an admin sends to create or replace a webhook. The id and secret are the collector's.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    pub url: String,
    #[serde(default)]
    pub payload: Payload,
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
    #[serde(default)]
    pub surveys: Vec<SurveyId>,
    #[serde(default)]
    pub when: Option<Condition>,
    #[serde(default)]
    pub description: String,
}

fn enabled_by_default() -> bool {
    true
}

/// A webhook as the admin API shows it: the secret only in the answer that made it.
#[derive(Debug, Clone, Serialize)]
pub struct WebhookView {
    pub id: WebhookId,
    pub site: SiteId,
    pub url: String,
    pub payload: Payload,
    pub enabled: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub surveys: Vec<SurveyId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    pub created_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl WebhookInput {
    /// Checks everything serde cannot: the URL, the sizes, the condition's bounds.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Err(message) = check_url(&self.url) {
            errors.push(FieldError::new(ErrorCode::InvalidValue, "url", message));
        }
        if self.surveys.len() > MAX_SURVEYS {
            errors.push(FieldError::new(
                ErrorCode::TooMany,
                "surveys",
                format!("at most {MAX_SURVEYS} surveys"),
            ));
        }
        if self.description.chars().count() > MAX_DESCRIPTION_LEN {
            errors.push(FieldError::new(
                ErrorCode::TooLong,
                "description",
                format!("at most {MAX_DESCRIPTION_LEN} characters"),
            ));
        }
        if let Some(when) = &self.when {
            when.validate(&mut errors);
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

fn check_url(raw: &str) -> Result<(), String> {
    if raw.len() > MAX_URL_LEN {
        return Err(format!("at most {MAX_URL_LEN} characters"));
    }
    let url = reqwest::Url::parse(raw).map_err(|e| format!("{raw:?} is not a URL: {e}"))?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none_or(str::is_empty) {
        return Err(format!(
            "{raw:?} must be an http:// or https:// URL with a host"
        ));
    }
    Ok(())
}

impl Webhook {
    /// A new webhook for `site`, with a fresh id and secret.
    pub fn create(
        site: SiteId,
        input: WebhookInput,
        now: Timestamp,
    ) -> Result<Self, getrandom::Error> {
        let mut id = [0u8; 8];
        getrandom::fill(&mut id)?;
        Ok(Self {
            id: WebhookId(format!("wh_{}", hex::encode(id))),
            site,
            url: input.url,
            payload: input.payload,
            enabled: input.enabled,
            surveys: input.surveys,
            when: input.when,
            description: input.description,
            created_at: now,
            secret: Secret::generate()?,
        })
    }

    /// The same webhook with the settings of `input`; id, secret and creation time stay.
    pub fn updated(&self, input: WebhookInput) -> Self {
        Self {
            url: input.url,
            payload: input.payload,
            enabled: input.enabled,
            surveys: input.surveys,
            when: input.when,
            description: input.description,
            ..self.clone()
        }
    }

    pub fn view(&self) -> WebhookView {
        WebhookView {
            id: self.id.clone(),
            site: self.site.clone(),
            url: self.url.clone(),
            payload: self.payload,
            enabled: self.enabled,
            surveys: self.surveys.clone(),
            when: self.when.clone(),
            description: self.description.clone(),
            created_at: self.created_at,
            secret: None,
        }
    }

    /// What this webhook sends for a new response, if anything: nothing when it is disabled,
    /// the survey is not one of its surveys, or its condition does not hold. Pure: the ingest
    /// route asks it before the response reaches the writer, which then writes the message.
    pub fn outgoing(&self, survey: &Survey, response: &Response<MemberHash>) -> Option<Outgoing> {
        if !self.enabled || !(self.surveys.is_empty() || self.surveys.contains(&survey.id)) {
            return None;
        }
        let score = match &self.when {
            Some(condition) => Some(condition.find(survey, response)?),
            None => first_score(survey, response, |_| true),
        };
        let body = match self.payload {
            Payload::Event => OutgoingBody::Event,
            Payload::Chat => OutgoingBody::Chat(payload::chat_line(survey, response, score)),
        };
        Some(Outgoing {
            webhook: self.id.clone(),
            body,
        })
    }
}

/// A message a new response causes, decided by the ingest route and written by the writer in
/// the response's own batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub webhook: WebhookId,
    pub body: OutgoingBody,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutgoingBody {
    /// The stored response as an event; the writer renders it, since only it knows the
    /// response's sequence number.
    Event,
    /// A chat line, already written.
    Chat(String),
}

/// A message in the outbox: its body, fixed when it was made (so every try signs the same
/// bytes), and how its delivery is going.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Also the `webhook-id` header (`msg_` and the id in hex), the same on every try.
    pub id: Uuid,
    pub site: SiteId,
    pub webhook: WebhookId,
    /// The response that caused it.
    pub response_seq: u64,
    pub created_at: Timestamp,
    /// Tries made so far.
    pub attempts: u32,
    /// When the next try is due.
    pub due: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    pub body: String,
}

impl Message {
    /// The `webhook-id` header.
    pub fn header_id(&self) -> String {
        format!("msg_{}", self.id.simple())
    }
}

/// A message that ran out of tries, kept until an admin sends it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetter {
    #[serde(flatten)]
    pub message: Message,
    pub failed_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(url: &str, when: Option<Condition>) -> WebhookInput {
        WebhookInput {
            url: url.into(),
            payload: Payload::Chat,
            enabled: true,
            surveys: Vec::new(),
            when,
            description: String::new(),
        }
    }

    #[test]
    fn urls_and_conditions_are_checked() {
        let nps = |at_most, at_least| {
            Some(Condition {
                kind: ScoreKind::Nps,
                at_most,
                at_least,
            })
        };
        let cases = [
            ("https://hooks.example/T1", None, None),
            ("http://127.0.0.1:9000/hook", nps(Some(6), None), None),
            ("ftp://hooks.example", None, Some("url")),
            ("hooks.example/x", None, Some("url")),
            ("https://hooks.example", nps(None, None), Some("when")),
            (
                "https://hooks.example",
                nps(Some(11), None),
                Some("when.at_most"),
            ),
            (
                "https://hooks.example",
                nps(Some(3), Some(6)),
                Some("when.at_least"),
            ),
        ];
        for (url, when, field) in cases {
            let result = input(url, when).validate();
            assert_eq!(
                result.err().map(|e| e[0].field.clone()).as_deref(),
                field,
                "{url}"
            );
        }
    }

    #[test]
    fn ids_and_secrets_have_their_shapes() {
        let hook = Webhook::create(
            SiteId::parse("shop").unwrap(),
            input("https://hooks.example", None),
            Timestamp(1),
        )
        .unwrap();
        assert!(WebhookId::parse(hook.id.as_str()).is_some());
        assert!(hook.secret.expose().starts_with("whsec_"));
        assert_eq!(hook.secret.key().len(), 32);
        assert!(!format!("{hook:?}").contains(hook.secret.expose()));
        for bad in ["", "wh_", "wh_0123456789ABCDEF", "key_0123456789abcdef"] {
            assert!(WebhookId::parse(bad).is_none(), "{bad:?}");
        }
    }
}
