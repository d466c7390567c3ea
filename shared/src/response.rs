//! A response and its context, and how a raw one is parsed against the survey it answers.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::answer::AnswerValue;
use crate::error::{ErrorCode, Errors, FieldError};
use crate::ids::{
    KioskId, Locale, MemberHash, MemberId, QuestionId, ReceiptId, ResponseId, SiteId, StoreId,
    SurveyId,
};
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
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(PageUrlError::Scheme);
        }
        let end = url.find(['?', '#']).unwrap_or(url.len());
        let bare = &url[..end];
        if bare.len() > MAX_PAGE_URL_LEN {
            return Err(PageUrlError::TooLong);
        }
        Ok(Self(bare.to_owned()))
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
#[serde(deny_unknown_fields)]
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
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, Scalar>,
}

/// A response as a client sends it, before it is checked against its survey.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawResponse {
    pub response_id: ResponseId,
    pub survey_id: SurveyId,
    pub survey_version: u32,
    pub answers: BTreeMap<QuestionId, AnswerValue>,
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
    pub answers: BTreeMap<QuestionId, AnswerValue>,
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
        for q in &survey.questions {
            let field = format!("answers.{}", q.id);
            let shown = q.show_if.as_ref().is_none_or(|cond| {
                raw.answers
                    .get(&cond.question)
                    .is_some_and(|earlier| cond.when.holds(earlier))
            });
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
                (None, true) if q.required => {
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

fn check_attributes(attributes: &BTreeMap<String, Scalar>, errors: &mut Errors) {
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
