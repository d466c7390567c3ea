//! A response and its context, and how a raw one is parsed against the survey it answers.

use crate::map::Map;

use serde::{Deserialize, Serialize};

use crate::answer::AnswerValue;
use crate::error::{ErrorCode, Errors, FieldError};
use crate::ids::{
    KioskId, Locale, MemberHash, MemberId, QuestionId, ReceiptId, ResponseId, SiteId, StoreId,
    SurveyId,
};
#[cfg(feature = "server")]
use crate::survey::PartialAnswer;
use crate::survey::Survey;
use crate::time::Timestamp;
use crate::trigger::Scalar;

pub const MAX_ATTRIBUTES: usize = 20;
pub const MAX_ATTRIBUTE_KEY_LEN: usize = 64;
pub const MAX_ATTRIBUTE_VALUE_LEN: usize = 256;
pub const MAX_PAGE_URL_LEN: usize = 2_048;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Web,
    Kiosk,
    Receipt,
    App,
}

impl Channel {
    pub const ALL: [Channel; 4] = [Channel::Web, Channel::Kiosk, Channel::Receipt, Channel::App];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Web => "web",
            Self::Kiosk => "kiosk",
            Self::Receipt => "receipt",
            Self::App => "app",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JourneyStage {
    PrePurchase,
    Purchase,
    PostPurchase,
}

/// A page address without its query string or fragment, which may carry personal data.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PageUrl(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageUrlError {
    #[error("must start with http:// or https://")]
    Scheme,
    #[error("must be at most {MAX_PAGE_URL_LEN} characters")]
    TooLong,
}

impl PageUrl {
    pub fn parse(url: &str) -> Result<Self, PageUrlError> {
        // Written without index slicing: each `&s[a..b]` keeps a panic path (and its `char`
        // formatting) in the widget's bundle.
        let (scheme, rest) = match (url.strip_prefix("https://"), url.strip_prefix("http://")) {
            (Some(rest), _) => ("https://", rest),
            (None, Some(rest)) => ("http://", rest),
            (None, None) => return Err(PageUrlError::Scheme),
        };
        let rest = rest.split(['?', '#']).next().unwrap_or_default();
        let (authority, path) = match rest.split_once('/') {
            Some((authority, path)) => (authority, Some(path)),
            None => (rest, None),
        };
        // `https://user:secret@host/`: the login is personal data too.
        let host = authority
            .rsplit_once('@')
            .map_or(authority, |(_, host)| host);
        let mut bare = String::with_capacity(url.len());
        bare.push_str(scheme);
        bare.push_str(host);
        if let Some(path) = path {
            bare.push('/');
            bare.push_str(path);
        }
        if bare.len() > MAX_PAGE_URL_LEN {
            return Err(PageUrlError::TooLong);
        }
        Ok(Self(bare))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PageUrl {
    type Error = PageUrlError;
    fn try_from(s: String) -> Result<Self, PageUrlError> {
        Self::parse(&s)
    }
}

impl From<PageUrl> for String {
    fn from(u: PageUrl) -> String {
        u.0
    }
}

/// Where and when a response was given. `M` is the member reference: the member id as the
/// client sends it ([`MemberId`]), or its keyed hash as the collector stores it ([`MemberHash`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", serde(deny_unknown_fields))]
pub struct Context<M = MemberId> {
    pub channel: Channel,
    pub site_id: SiteId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_url: Option<PageUrl>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_id: Option<StoreId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kiosk_id: Option<KioskId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_id: Option<ReceiptId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journey_stage: Option<JourneyStage>,
    pub locale: Locale,
    #[serde(default = "Option::default", skip_serializing_if = "Option::is_none")]
    pub member: Option<M>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub attributes: Map<String, Scalar>,
}

/// A response as a client sends it, before it is checked against its survey.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", serde(deny_unknown_fields))]
pub struct RawResponse {
    pub response_id: ResponseId,
    pub survey_id: SurveyId,
    pub survey_version: u32,
    pub answers: Map<QuestionId, AnswerValue>,
    pub context: Context<MemberId>,
    /// When the customer answered, by the client's clock.
    pub client_time: Timestamp,
}

/// A response that fits its survey version. Only [`Response::parse`] makes one from outside data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Response<M = MemberId> {
    pub response_id: ResponseId,
    pub survey_id: SurveyId,
    pub survey_version: u32,
    pub answers: Map<QuestionId, AnswerValue>,
    pub context: Context<M>,
    pub client_time: Timestamp,
}

impl Response<MemberId> {
    /// Checks `raw` against `survey` (which must be the version it names) and returns every
    /// problem found, each naming its field.
    pub fn parse(raw: RawResponse, survey: &Survey) -> Result<Self, Vec<FieldError>> {
        let mut errors = Errors::default();
        if raw.survey_id != survey.id {
            errors.push(
                ErrorCode::InvalidReference,
                "survey_id",
                "does not match the survey",
            );
        }
        if raw.survey_version != survey.version {
            errors.push(
                ErrorCode::InvalidReference,
                "survey_version",
                "does not match the survey version",
            );
        }
        if raw.context.site_id != survey.site_id {
            errors.push(
                ErrorCode::InvalidReference,
                "context.site_id",
                "the survey belongs to another site",
            );
        }
        check_attributes(&raw.context.attributes, &mut errors);
        for id in raw.answers.keys() {
            if survey.question(id).is_none() {
                errors.push(
                    ErrorCode::UnknownQuestion,
                    format!("answers.{id}"),
                    "the survey has no such question",
                );
            }
        }
        // A kiosk customer may walk away in the middle; when the survey keeps what they
        // answered (`kiosk.partial`), the required questions after their last answer may stay
        // unanswered, never one before it.
        #[cfg(feature = "server")]
        let partial =
            raw.context.channel == Channel::Kiosk && survey.kiosk.partial == PartialAnswer::Send;
        // The device does not read kiosk settings (nor run this check: the collector does).
        #[cfg(not(feature = "server"))]
        let partial = false;
        let last_answered = survey
            .questions
            .iter()
            .rposition(|q| raw.answers.get(&q.id).is_some());
        for (i, q) in survey.questions.iter().enumerate() {
            let walked_away = partial && last_answered.is_some_and(|last| i > last);
            let field = format!("answers.{}", q.id);
            // A follow-up to an answer that is itself wrong cannot be judged: one error, not two.
            let earlier_is_wrong = q.show_if.as_ref().is_some_and(|cond| {
                let earlier = survey.question(&cond.question);
                match (earlier, raw.answers.get(&cond.question)) {
                    (Some(e), Some(value)) => e.kind.check(value).is_err(),
                    _ => false,
                }
            });
            if earlier_is_wrong {
                continue;
            }
            let shown = q.is_shown(&raw.answers);
            match (raw.answers.get(&q.id), shown) {
                (Some(_), false) => errors.push(
                    ErrorCode::QuestionNotShown,
                    field,
                    "this follow-up is not shown for the earlier answer",
                ),
                (Some(value), true) => {
                    if let Err((code, message)) = q.kind.check(value) {
                        errors.push(code, field, message);
                    }
                }
                (None, true) if q.required && !walked_away => {
                    errors.push(ErrorCode::Required, field, "this question must be answered")
                }
                (None, _) => {}
            }
        }
        if raw.answers.is_empty() {
            errors.push(
                ErrorCode::Required,
                "answers",
                "a response answers at least one question",
            );
        }
        errors.into_result()?;
        Ok(Response {
            response_id: raw.response_id,
            survey_id: raw.survey_id,
            survey_version: raw.survey_version,
            answers: raw.answers,
            context: raw.context,
            client_time: raw.client_time,
        })
    }

    /// Replaces the member id with its keyed hash, so the id itself is never stored.
    pub fn pseudonymize(self, hash: impl FnOnce(&MemberId) -> MemberHash) -> Response<MemberHash> {
        Response {
            response_id: self.response_id,
            survey_id: self.survey_id,
            survey_version: self.survey_version,
            answers: self.answers,
            context: self.context.pseudonymize(hash),
            client_time: self.client_time,
        }
    }
}

impl Context<MemberId> {
    /// The same context with the member id replaced by its keyed hash.
    pub fn pseudonymize(self, hash: impl FnOnce(&MemberId) -> MemberHash) -> Context<MemberHash> {
        Context {
            channel: self.channel,
            site_id: self.site_id,
            page_url: self.page_url,
            store_id: self.store_id,
            kiosk_id: self.kiosk_id,
            receipt_id: self.receipt_id,
            journey_stage: self.journey_stage,
            locale: self.locale,
            member: self.member.as_ref().map(hash),
            attributes: self.attributes,
        }
    }
}

fn check_attributes(attributes: &Map<String, Scalar>, errors: &mut Errors) {
    if attributes.len() > MAX_ATTRIBUTES {
        errors.push(
            ErrorCode::TooMany,
            "context.attributes",
            format!("at most {MAX_ATTRIBUTES} attributes"),
        );
    }
    for (key, value) in attributes {
        let field = format!("context.attributes.{key}");
        if key.is_empty() || key.len() > MAX_ATTRIBUTE_KEY_LEN {
            errors.push(
                ErrorCode::InvalidValue,
                field.clone(),
                format!("keys are 1 to {MAX_ATTRIBUTE_KEY_LEN} bytes"),
            );
        }
        if let Scalar::Str(s) = value
            && s.len() > MAX_ATTRIBUTE_VALUE_LEN
        {
            errors.push(
                ErrorCode::TooLong,
                field,
                format!("values are at most {MAX_ATTRIBUTE_VALUE_LEN} bytes"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn survey() -> Survey {
        serde_json::from_value(json!({
            "id": "checkout-nps",
            "site_id": "demo-shop",
            "version": 3,
            "name": "Checkout NPS",
            "default_locale": "en",
            "questions": [
                {
                    "id": "nps",
                    "kind": {"type": "nps"},
                    "text": {"en": "Recommend us?"},
                    "required": true
                },
                {
                    "id": "why",
                    "kind": {"type": "open_text", "max_length": 20},
                    "text": {"en": "Why?"},
                    "show_if": {"question": "nps", "when": {"score_at_most": 6}}
                },
                {
                    "id": "reason",
                    "kind": {"type": "single_choice", "choices": [
                        {"id": "price", "text": {"en": "Price"}},
                        {"id": "delivery", "text": {"en": "Delivery"}}
                    ]},
                    "text": {"en": "What matters most?"}
                }
            ]
        }))
        .expect("the example survey parses")
    }

    /// A detractor's response, as the widget sends it.
    fn raw_json() -> Value {
        json!({
            "response_id": "01936d5e-8f1a-7c3b-9d2e-4f5a6b7c8d9e",
            "survey_id": "checkout-nps",
            "survey_version": 3,
            "answers": {"nps": 3, "why": "slow delivery"},
            "context": {
                "channel": "web",
                "site_id": "demo-shop",
                "page_url": "https://shop.example/order/7/done",
                "locale": "en-US",
                "member": "M-1001"
            },
            "client_time": 1_700_000_000_000_i64
        })
    }

    fn raw(change: impl FnOnce(&mut Value)) -> RawResponse {
        let mut value = raw_json();
        change(&mut value);
        serde_json::from_value(value).expect("the raw response deserializes")
    }

    /// A change to the example's JSON.
    type Change = fn(&mut Value);
    /// The errors `Response::parse` should report, as (code, field).
    type Expected = &'static [(ErrorCode, &'static str)];

    fn check(case: &str, change: Change, expected: &[(ErrorCode, &str)]) {
        let errors = Response::parse(raw(change), &survey()).expect_err(case);
        let got: Vec<(ErrorCode, &str)> =
            errors.iter().map(|e| (e.code, e.field.as_str())).collect();
        assert_eq!(got, expected, "{case}: {errors:?}");
    }

    #[test]
    fn valid_responses() {
        let detractor = Response::parse(raw(|_| {}), &survey()).unwrap();
        assert_eq!(detractor.answers.len(), 2);
        assert_eq!(
            detractor.context.page_url.as_ref().map(PageUrl::as_str),
            Some("https://shop.example/order/7/done")
        );
        let promoter = raw(|v| v["answers"] = json!({"nps": 9, "reason": "price"}));
        assert!(Response::parse(promoter, &survey()).is_ok());
        let minimal = raw(|v| v["answers"] = json!({"nps": 10}));
        assert!(Response::parse(minimal, &survey()).is_ok());
    }

    /// A kiosk customer who walks away from a required follow-up: kept when the survey says
    /// `kiosk.partial: send` (the default), refused on `drop` and off the kiosk channel; a
    /// required question before the last answer is never skipped.
    #[cfg(feature = "server")]
    #[test]
    fn partial_kiosk_answers() {
        let table = [
            ("kiosk, send", "kiosk", "send", json!({"nps": 3}), None),
            (
                "kiosk, drop",
                "kiosk",
                "drop",
                json!({"nps": 3}),
                Some("answers.why"),
            ),
            (
                "web, send",
                "web",
                "send",
                json!({"nps": 3}),
                Some("answers.why"),
            ),
            (
                "kiosk, send, the first skipped",
                "kiosk",
                "send",
                json!({"reason": "price"}),
                Some("answers.nps"),
            ),
        ];
        for (case, channel, partial, answers, refused) in table {
            let mut survey = survey();
            survey.questions[1].required = true;
            survey.kiosk = serde_json::from_value(json!({ "partial": partial })).unwrap();
            let response = raw(|v| {
                v["answers"] = answers;
                v["context"]["channel"] = json!(channel);
                v["context"]["page_url"] = Value::Null;
            });
            let got = Response::parse(response, &survey).err().map(|errors| {
                assert_eq!(errors.len(), 1, "{case}: {errors:?}");
                assert_eq!(errors[0].code, ErrorCode::Required, "{case}");
                errors[0].field.clone()
            });
            assert_eq!(got.as_deref(), refused, "{case}");
        }
    }

    #[test]
    fn invalid_responses() {
        use ErrorCode::*;
        let table: &[(&str, Change, Expected)] = &[
            (
                "NPS 11",
                |v| v["answers"] = json!({"nps": 11}),
                &[(OutOfRange, "answers.nps")],
            ),
            (
                "NPS 11 with its follow-up: one error, not two",
                |v| v["answers"]["nps"] = json!(11),
                &[(OutOfRange, "answers.nps")],
            ),
            (
                "NPS -1",
                |v| v["answers"]["nps"] = json!(-1),
                &[(OutOfRange, "answers.nps")],
            ),
            (
                "NPS as a string",
                |v| v["answers"] = json!({"nps": "9"}),
                &[(InvalidType, "answers.nps")],
            ),
            (
                "follow-up answered by a promoter",
                |v| v["answers"]["nps"] = json!(9),
                &[(QuestionNotShown, "answers.why")],
            ),
            (
                "required question unanswered",
                |v| v["answers"] = json!({"reason": "price"}),
                &[(Required, "answers.nps")],
            ),
            (
                "unknown question",
                |v| v["answers"]["colour"] = json!("red"),
                &[(UnknownQuestion, "answers.colour")],
            ),
            (
                "unknown choice",
                |v| v["answers"]["reason"] = json!("speed"),
                &[(UnknownChoice, "answers.reason")],
            ),
            (
                "choice as a list",
                |v| v["answers"]["reason"] = json!(["price"]),
                &[(InvalidType, "answers.reason")],
            ),
            (
                "open text too long",
                |v| v["answers"]["why"] = json!("x".repeat(21)),
                &[(TooLong, "answers.why")],
            ),
            (
                "open text counted in characters, not bytes",
                |v| v["answers"]["why"] = json!("배송이 너무 느렸어요".repeat(2)),
                &[(TooLong, "answers.why")],
            ),
            (
                "another survey",
                |v| v["survey_id"] = json!("other-survey"),
                &[(InvalidReference, "survey_id")],
            ),
            (
                "another survey version",
                |v| v["survey_version"] = json!(2),
                &[(InvalidReference, "survey_version")],
            ),
            (
                "another site",
                |v| v["context"]["site_id"] = json!("other-shop"),
                &[(InvalidReference, "context.site_id")],
            ),
            (
                "too many attributes",
                |v| {
                    let attributes: serde_json::Map<String, Value> = (0..=MAX_ATTRIBUTES)
                        .map(|i| (format!("a{i}"), json!(i)))
                        .collect();
                    v["context"]["attributes"] = Value::Object(attributes);
                },
                &[(TooMany, "context.attributes")],
            ),
            (
                "attribute value too long",
                |v| v["context"]["attributes"] = json!({"plan": "p".repeat(257)}),
                &[(TooLong, "context.attributes.plan")],
            ),
            (
                "empty attribute key",
                |v| v["context"]["attributes"] = json!({"": true}),
                &[(InvalidValue, "context.attributes.")],
            ),
            (
                "no answers",
                |v| v["answers"] = json!({}),
                &[(Required, "answers.nps"), (Required, "answers")],
            ),
        ];
        for (case, change, expected) in table {
            check(case, *change, expected);
        }
        // Still valid after the length change: 10 characters in 28 bytes.
        let short = raw(|v| v["answers"]["why"] = json!("배송이 너무 느렸어요"));
        assert!(Response::parse(short, &survey()).is_ok());
    }

    #[test]
    fn malformed_json_is_refused() {
        let table: &[(&str, Change)] = &[
            ("a version 4 response id", |v| {
                v["response_id"] = json!("9b2f3c1e-2a4b-4c5d-8e6f-7a8b9c0d1e2f")
            }),
            ("an unknown top-level field", |v| v["score"] = json!(3)),
            ("an unknown context field", |v| {
                v["context"]["ip"] = json!("10.0.0.1")
            }),
            ("a javascript: page URL", |v| {
                v["context"]["page_url"] = json!("javascript:alert(1)")
            }),
            ("no locale", |v| {
                v["context"].as_object_mut().unwrap().remove("locale");
            }),
        ];
        for (case, change) in table {
            let mut value = raw_json();
            change(&mut value);
            assert!(
                serde_json::from_value::<RawResponse>(value).is_err(),
                "{case}"
            );
        }
    }

    #[test]
    fn page_urls_lose_query_and_fragment() {
        for (url, expected) in [
            (
                "https://shop.example/order/7",
                "https://shop.example/order/7",
            ),
            (
                "https://shop.example/order?email=a@b.example",
                "https://shop.example/order",
            ),
            (
                "https://user:secret@shop.example/order?x=1",
                "https://shop.example/order",
            ),
            (
                "https://shop.example/u/@alice",
                "https://shop.example/u/@alice",
            ),
            (
                "https://shop.example/order#token=secret",
                "https://shop.example/order",
            ),
            ("http://shop.example/a#b?c", "http://shop.example/a"),
            ("https://shop.example/?", "https://shop.example/"),
        ] {
            assert_eq!(
                PageUrl::parse(url).map(|u| u.as_str().to_owned()),
                Ok(expected.into())
            );
        }
        for (url, expected) in [
            ("javascript:alert(1)", PageUrlError::Scheme),
            ("data:text/html,hi", PageUrlError::Scheme),
            ("//shop.example/", PageUrlError::Scheme),
            ("ftp://shop.example/", PageUrlError::Scheme),
        ] {
            assert_eq!(PageUrl::parse(url), Err(expected), "{url}");
        }
        let long = format!("https://shop.example/{}", "a".repeat(MAX_PAGE_URL_LEN));
        assert_eq!(PageUrl::parse(&long), Err(PageUrlError::TooLong));
        // Only what is kept counts towards the limit.
        let long_query = format!("https://shop.example/?q={}", "a".repeat(MAX_PAGE_URL_LEN));
        assert!(PageUrl::parse(&long_query).is_ok());
    }

    #[test]
    fn pseudonymize_replaces_the_member_id_by_its_hash() {
        let response = Response::parse(raw(|_| {}), &survey()).unwrap();
        let stored = response.clone().pseudonymize(|id| {
            assert_eq!(id.as_str(), "M-1001");
            MemberHash::parse("9f86d081884c7d65").unwrap()
        });
        assert_eq!(
            stored.context.member.as_ref().map(MemberHash::as_str),
            Some("9f86d081884c7d65")
        );
        assert_eq!(stored.answers, response.answers);
        assert_eq!(stored.response_id, response.response_id);
        let json = serde_json::to_string(&stored).unwrap();
        assert!(!json.contains("M-1001"), "{json}");

        let anonymous = raw(|v| {
            v["context"].as_object_mut().unwrap().remove("member");
        });
        let stored = Response::parse(anonymous, &survey())
            .unwrap()
            .pseudonymize(|_| panic!("no member to hash"));
        assert_eq!(stored.context.member, None);
    }
}
