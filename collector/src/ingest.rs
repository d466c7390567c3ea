//! The one path from a posted response to a store write, for the single and batch routes, the
//! receipt route and the demo's sample history.
//!
//! In order: the receipt's context (a receipt's verified claims fix it; without a token,
//! receipt context is refused, so it is never the client's word), the site and the page's
//! Origin, the survey version the response names, `Response::parse` against it, Global Privacy
//! Control (the member id dropped before it is hashed), the member pseudonymized with the
//! site's key, and the webhooks that want it, with their message bodies made here. The store
//! then only writes: it knows no webhook.

use axum::http::HeaderMap;
use shared::error::{ErrorCode, FieldError};
use shared::receipt::ReceiptClaims;
use shared::response::{Channel, RawResponse, Response};
use shared::time::Timestamp;

use crate::error::{ApiError, Missing, site_named};
use crate::store::{NewResponse, Pending, Store, Stored};
use crate::{origin, privacy, webhook};

/// Where a response comes from, which decides what is taken on trust.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// A request: its Origin must be allowed, its `Sec-GPC` is honoured, and receipt context
    /// comes only from a receipt token's verified claims (then the context is the receipt's,
    /// see `ReceiptClaims::fix_context`, and so is the member).
    Request {
        headers: &'a HeaderMap,
        receipt: Option<&'a ReceiptClaims>,
    },
    /// The collector's own sample answers (the demo's history), taken as they are.
    Collector,
}

/// Checks a response and queues it for the writer: the caller awaits the [`Pending`]
/// (several queued first share one group commit).
pub fn queue(
    store: &Store,
    source: Source<'_>,
    raw: RawResponse,
    received_at: Timestamp,
) -> Result<Pending<Stored>, ApiError> {
    let response = prepare(store, source, raw, received_at)?;
    Ok(store.put_response(response)?)
}

/// Everything [`queue`] does but the queueing: the response as the store takes it.
fn prepare(
    store: &Store,
    source: Source<'_>,
    mut raw: RawResponse,
    received_at: Timestamp,
) -> Result<NewResponse, ApiError> {
    let (headers, receipt) = match source {
        Source::Request { headers, receipt } => (Some(headers), receipt),
        Source::Collector => (None, None),
    };
    match receipt {
        Some(claims) => {
            claims
                .fix_context(&mut raw.context)
                .map_err(ApiError::invalid)?;
            if raw.survey_id != claims.survey_id {
                return Err(ApiError::invalid(FieldError::new(
                    ErrorCode::InvalidReference,
                    "survey_id",
                    format!("the receipt is for survey {:?}", claims.survey_id.as_str()),
                )));
            }
        }
        None if headers.is_some() => {
            let field = if raw.context.channel == Channel::Receipt {
                Some("context.channel")
            } else if raw.context.receipt_id.is_some() {
                Some("context.receipt_id")
            } else {
                None
            };
            if let Some(field) = field {
                return Err(ApiError::invalid(FieldError::new(
                    ErrorCode::InvalidValue,
                    field,
                    "a receipt's response is posted to /v1/receipts/{token}/responses, with the token of its QR code",
                )));
            }
        }
        None => {}
    }
    let catalog = store.catalog();
    let site = site_named(catalog, &raw.context.site_id, "context.site_id")?;
    if let Some(headers) = headers {
        origin::check(headers, &site)?;
    }
    let survey = catalog
        .survey_version(&site.id, &raw.survey_id, raw.survey_version)
        .ok_or_else(|| match catalog.latest_survey(&site.id, &raw.survey_id) {
            Some(_) => ApiError::NotFound {
                missing: Missing::SurveyVersion,
                id: format!("{} v{}", raw.survey_id, raw.survey_version),
                field: Some("survey_version"),
            },
            None => ApiError::NotFound {
                missing: Missing::Survey,
                id: raw.survey_id.to_string(),
                field: Some("survey_id"),
            },
        })?;
    let mut response = Response::parse(raw, &survey).map_err(ApiError::Invalid)?;
    let withheld = headers.is_some_and(privacy::withholds_member);
    if withheld {
        // Global Privacy Control: the member id is dropped before it is hashed.
        response.context.member = None;
    }
    let mut response = response.pseudonymize(|member| site.member_hash(member));
    if let Some(claims) = receipt
        && !withheld
    {
        response.context.member = claims.member.clone();
    }
    let outgoing = store
        .webhooks()
        .for_site(&site.id)
        .iter()
        .filter_map(|hook| hook.outgoing(&survey, &response))
        .collect();
    let messages = webhook::payload::render(outgoing, &response, received_at)
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(NewResponse {
        response,
        received_at,
        messages,
        repeat_window: site.repeat_press_window(),
    })
}
