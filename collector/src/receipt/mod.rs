//! Receipt QR on the collector: issuing a signed token for a purchase, and verifying one.
//!
//! A POS sends a [`ReceiptRequest`]; [`issue`] checks it, picks the survey, replaces the member
//! id by the site's keyed hash, signs the claims with the site's current receipt key (made on
//! first use) and gives the survey URL `{public_url}/r/{token}` with its QR code ([`qr`]).
//! [`verify`] turns a token back into its claims, or into the error a customer sees. The token
//! format itself is `shared::receipt::token`.

pub mod qr;

use serde::{Deserialize, Serialize};
use shared::error::{ErrorCode, FieldError};
use shared::ids::{CategoryId, MemberId, ReceiptId, SiteId, StoreId, SurveyId};
use shared::receipt::token::{self, Token, TokenError};
use shared::receipt::{
    Currency, DEFAULT_VALIDITY_DAYS, MAX_VALIDITY_DAYS, Purchase, ReceiptClaims,
};
use shared::response::Channel;
use shared::survey::Survey;
use shared::time::{Period, Timestamp};

use crate::error::{ApiError, Missing};
use crate::site::Site;
use crate::store::Store;

/// What a POS sends to get a receipt's survey link.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptRequest {
    pub store_id: StoreId,
    pub receipt_id: ReceiptId,
    /// Unix milliseconds.
    pub purchased_at: Timestamp,
    /// The total in minor units.
    pub amount: i64,
    pub currency: Currency,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<CategoryId>,
    /// The membership number, if the customer showed a card. Only its keyed hash is signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<MemberId>,
    /// Which survey; by default the site's first active survey targeted at the receipt channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub survey_id: Option<SurveyId>,
    /// Days the link works (1 to 365, default 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_days: Option<u32>,
}

/// A signed receipt: the token, the survey URL, and the URL as a QR code.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Issued {
    pub token: String,
    pub url: String,
    pub survey_id: SurveyId,
    pub expires_at: Timestamp,
    pub qr_svg: String,
    pub qr_png_base64: String,
}

/// The path of a receipt's survey page; the token follows it.
pub const PAGE_PATH: &str = "/r/";

/// The survey URL of a token under `public_url` (scheme, host and port, no trailing slash).
pub fn url(public_url: &str, token: &str) -> String {
    format!("{}{PAGE_PATH}{token}", public_url.trim_end_matches('/'))
}

/// Checks a receipt request, signs its claims and renders the link. Makes the site's receipt
/// key (durably) if it has none: a blocking call.
pub fn issue(
    store: &Store,
    site: &Site,
    request: ReceiptRequest,
    public_url: &str,
    now: Timestamp,
) -> Result<Issued, ApiError> {
    let purchase = Purchase {
        store_id: request.store_id,
        receipt_id: request.receipt_id,
        purchased_at: request.purchased_at,
        amount: request.amount,
        currency: request.currency,
        categories: request.categories,
    };
    let mut errors = purchase.validate(now).err().unwrap_or_default();
    let days = request.valid_days.unwrap_or(DEFAULT_VALIDITY_DAYS);
    if !(1..=MAX_VALIDITY_DAYS).contains(&days) {
        errors.push(FieldError::new(
            ErrorCode::OutOfRange,
            "valid_days",
            format!("1 to {MAX_VALIDITY_DAYS} days"),
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    let survey = receipt_survey(store, &site.id, request.survey_id.as_ref())?;
    let claims = ReceiptClaims {
        site_id: site.id.clone(),
        survey_id: survey.id.clone(),
        purchase,
        member: request.member.as_ref().map(|m| site.member_hash(m)),
        expires_at: now + Period::days(u64::from(days)),
    };
    let key = store.receipt_keys().current(&site.id, now)?;
    let token = token::sign(&claims, &key.kid, &key.secret());
    let url = url(public_url, &token);
    Ok(Issued {
        qr_svg: qr::svg(&url)?,
        qr_png_base64: base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            qr::png(&url)?,
        ),
        token,
        url,
        survey_id: survey.id.clone(),
        expires_at: claims.expires_at,
    })
}

/// The survey a receipt opens: the one named (it must be active), or the site's first active
/// survey targeted at the receipt channel.
fn receipt_survey(
    store: &Store,
    site: &SiteId,
    named: Option<&SurveyId>,
) -> Result<std::sync::Arc<Survey>, ApiError> {
    let catalog = store.catalog();
    match named {
        Some(id) => {
            let survey = catalog
                .latest_survey(site, id)
                .ok_or_else(|| ApiError::NotFound {
                    missing: Missing::Survey,
                    id: id.to_string(),
                    field: Some("survey_id"),
                })?;
            if !survey.is_active() {
                return Err(ApiError::invalid(FieldError::new(
                    ErrorCode::InvalidReference,
                    "survey_id",
                    format!("survey {:?} is not active", id.as_str()),
                )));
            }
            Ok(survey)
        }
        None => catalog
            .surveys(site)
            .into_iter()
            .find(|s| s.is_active() && s.targeting.channels.contains(&Channel::Receipt))
            .ok_or_else(|| {
                ApiError::invalid(FieldError::new(
                    ErrorCode::Required,
                    "survey_id",
                    "the site has no active survey targeted at the receipt channel: name one",
                ))
            }),
    }
}

/// The claims of a genuine, unexpired token, or why it is refused: 403 `receipt_invalid`
/// (malformed, unknown key, altered, forged) or 410 `receipt_expired`.
pub fn verify(store: &Store, token: &str, now: Timestamp) -> Result<ReceiptClaims, ApiError> {
    let parsed = Token::parse(token).map_err(refusal)?;
    let key = store
        .receipt_keys()
        .get(parsed.kid())
        .ok_or(refusal(TokenError::UnknownKey))?;
    parsed
        .verify(&key.site, &key.secret(), now)
        .map_err(refusal)
}

fn refusal(e: TokenError) -> ApiError {
    match e {
        TokenError::Expired(at) => ApiError::ReceiptExpired(at),
        other => ApiError::ReceiptInvalid(other),
    }
}
