//! A webhook's configuration and what it sends for a new response, as pure rules.
//!
//! A site's admin registers endpoints. Each has a URL, a secret made by the collector and
//! shown once (`whsec_…`), an `enabled` flag, and a payload: `event` (the stored response, in
//! the manner of Standard Webhooks) or `chat` (one line of text, `{"text": "NPS 3 at store
//! gangnam-01 (web-nps): \"the queue was too long\""}`, which Slack, Mattermost and similar
//! incoming webhooks post to a channel as it is). An optional condition (`"when": {"kind":
//! "nps", "at_most": 6}`) and survey list narrow what is sent.
//!
//! These are the admin API's types, and the rule [`Webhook::outgoing`] that says what an
//! endpoint is sent for a response. Here, not in the collector, because they are data the
//! collector's store keeps and the admin API exchanges; making ids and secrets (randomness),
//! signing and delivering (I/O) stay in the collector.

use std::fmt;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::answer::AnswerValue;
#[cfg(feature = "server")]
use crate::error::{ErrorCode, FieldError};
use crate::ids::{MemberHash, SiteId, SurveyId};
use crate::response::Response;
use crate::survey::{Question, QuestionKind, Survey};
use crate::time::Timestamp;

pub const MAX_URL_LEN: usize = 2_048;
pub const MAX_SURVEYS: usize = 50;
pub const MAX_DESCRIPTION_LEN: usize = 200;
/// A site may have this many endpoints.
pub const MAX_PER_SITE: usize = 20;
/// A chat line quotes at most this many characters of a comment.
pub const MAX_QUOTE_CHARS: usize = 300;

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

    /// The id of 8 random bytes (the caller draws them: this crate has no randomness).
    pub fn from_bytes(bytes: [u8; 8]) -> Self {
        let mut id = String::with_capacity(19);
        id.push_str("wh_");
        for b in bytes {
            let _ = write!(id, "{b:02x}");
        }
        Self(id)
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
/// The receiver signs with the decoded bytes. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub const PREFIX: &str = "whsec_";

    /// The secret of 32 random bytes (the caller draws them).
    #[cfg(feature = "server")]
    pub fn from_key(key: [u8; 32]) -> Self {
        use base64::Engine as _;
        Self(format!(
            "{}{}",
            Self::PREFIX,
            base64::engine::general_purpose::STANDARD.encode(key)
        ))
    }

    /// The HMAC key: the bytes after the prefix, decoded.
    #[cfg(feature = "server")]
    pub fn key(&self) -> Vec<u8> {
        use base64::Engine as _;
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

    #[cfg(feature = "server")]
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

#[cfg(feature = "server")]
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

#[cfg(feature = "server")]
fn check_url(raw: &str) -> Result<(), String> {
    if raw.len() > MAX_URL_LEN {
        return Err(format!("at most {MAX_URL_LEN} characters"));
    }
    let url = url::Url::parse(raw).map_err(|e| format!("{raw:?} is not a URL: {e}"))?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none_or(str::is_empty) {
        return Err(format!(
            "{raw:?} must be an http:// or https:// URL with a host"
        ));
    }
    Ok(())
}

impl Webhook {
    /// A new webhook for `site` with the given (freshly drawn) id and secret.
    pub fn new(
        id: WebhookId,
        secret: Secret,
        site: SiteId,
        input: WebhookInput,
        now: Timestamp,
    ) -> Self {
        Self {
            id,
            site,
            url: input.url,
            payload: input.payload,
            enabled: input.enabled,
            surveys: input.surveys,
            when: input.when,
            description: input.description,
            created_at: now,
            secret,
        }
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
    /// the survey is not one of its surveys, or its condition does not hold.
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
            Payload::Chat => OutgoingBody::Chat(chat_line(survey, response, score)),
        };
        Some(Outgoing {
            webhook: self.id.clone(),
            body,
        })
    }
}

/// A message a new response causes, for one webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub webhook: WebhookId,
    pub body: OutgoingBody,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutgoingBody {
    /// The stored response as an event.
    Event,
    /// A chat line, already written.
    Chat(String),
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

    #[cfg(feature = "server")]
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

    #[cfg(feature = "server")]
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

    #[cfg(feature = "server")]
    #[test]
    fn ids_and_secrets_are_made_from_the_bytes_given() {
        let hook = Webhook::new(
            WebhookId::from_bytes([0xab, 1, 2, 3, 4, 5, 6, 0xff]),
            Secret::from_key([7; 32]),
            SiteId::parse("shop").unwrap(),
            input("https://hooks.example", None),
            Timestamp(1),
        );
        assert_eq!(hook.id.as_str(), "wh_ab010203040506ff");
        assert!(WebhookId::parse(hook.id.as_str()).is_some());
        assert!(hook.secret.expose().starts_with("whsec_"));
        assert_eq!(hook.secret.key(), vec![7; 32]);
    }

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
