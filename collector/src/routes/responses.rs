//! `POST /v1/responses` (one) and `POST /v1/responses/batch` (up to 100).
//!
//! A response is checked against the survey version it names, its member id replaced by the
//! site's keyed hash, and acknowledged only once it is on disk. Sending the same `response_id`
//! again is a success that says `duplicate: true` and stores nothing. A new response puts a
//! message in the webhook outbox for each of the site's webhooks that wants it, atomically with
//! the response.
//!
//! A receipt's response comes through `POST /v1/receipts/{token}/responses` (`receipts.rs`),
//! which hands [`enqueue`] the token's claims; here, a response on the receipt channel or
//! naming a receipt without a token is refused, so that receipt context is never the client's
//! word.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use shared::error::{ErrorCode, FieldError};
use shared::ids::ResponseId;
use shared::receipt::ReceiptClaims;
use shared::response::{Channel, RawResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::site_named;
use crate::error::ApiError;
use crate::extract::{Json, from_value};
use crate::state::AppState;
use crate::store::{Job, Pending, Stored};
use crate::{origin, privacy};

pub(super) const MAX_BATCH: usize = 100;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(post_one))
        .routes(routes!(post_batch))
}

#[derive(Debug, Serialize)]
pub(super) struct Accepted {
    response_id: ResponseId,
    duplicate: bool,
}

#[utoipa::path(post, security(()), path = "/v1/responses", tag = "widget", summary = "store a response", request_body(content = Object, content_type = "application/json"), responses((status = 201, description = "success", body = Object, content_type = "application/json"), (status = 200, description = "a duplicate: already stored", body = Object), crate::error::responses::Widget))]
async fn post_one(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(raw): Json<RawResponse>,
) -> Result<(StatusCode, axum::Json<Accepted>), ApiError> {
    let response_id = raw.response_id;
    let pending = enqueue(&state, &headers, raw, None);
    accept(&state, response_id, pending).await
}

/// Waits for a response to be durable and answers 201 (stored) or 200 (a duplicate).
pub(super) async fn accept(
    state: &AppState,
    response_id: ResponseId,
    pending: Result<Pending<Stored>, ApiError>,
) -> Result<(StatusCode, axum::Json<Accepted>), ApiError> {
    let stored = pending.inspect_err(|_| state.metrics.count_response("rejected"))?;
    let stored = stored.wait().await?;
    if let Stored::ReceiptUsed { .. } = stored {
        state.metrics.count_response("rejected");
        return Err(ApiError::ReceiptUsed);
    }
    let duplicate = matches!(stored, Stored::Duplicate { .. });
    state
        .metrics
        .count_response(if duplicate { "duplicate" } else { "stored" });
    let status = if duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        axum::Json(Accepted {
            response_id,
            duplicate,
        }),
    ))
}

/// Validates a response and hands it to the writer. With a receipt's verified claims, the
/// context is the receipt's (see `ReceiptClaims::fix_context`) and so is the member.
pub(super) fn enqueue(
    state: &AppState,
    headers: &HeaderMap,
    mut raw: RawResponse,
    receipt: Option<&ReceiptClaims>,
) -> Result<Pending<Stored>, ApiError> {
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
        None => {
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
    }
    let site = site_named(state, &raw.context.site_id, "context.site_id")?;
    origin::check(headers, &site)?;
    let catalog = state.store.catalog();
    let survey = catalog
        .survey_version(&site.id, &raw.survey_id, raw.survey_version)
        .ok_or_else(|| match catalog.latest_survey(&site.id, &raw.survey_id) {
            Some(_) => ApiError::NotFound {
                missing: crate::error::Missing::SurveyVersion,
                id: format!("{} v{}", raw.survey_id, raw.survey_version),
                field: Some("survey_version"),
            },
            None => ApiError::NotFound {
                missing: crate::error::Missing::Survey,
                id: raw.survey_id.to_string(),
                field: Some("survey_id"),
            },
        })?;
    let mut response = Response::parse(raw, &survey).map_err(ApiError::Invalid)?;
    if privacy::withholds_member(headers) {
        // Global Privacy Control: the member id is dropped before it is hashed.
        response.context.member = None;
    }
    let mut response = response.pseudonymize(|member| site.member_hash(member));
    if let Some(claims) = receipt
        && !privacy::withholds_member(headers)
    {
        response.context.member = claims.member.clone();
    }
    // Which webhooks want it is decided here, where the survey is at hand; the writer writes
    // their messages in the response's own batch.
    let webhooks = state
        .store
        .webhooks()
        .for_site(&site.id)
        .iter()
        .filter_map(|hook| hook.outgoing(&survey, &response))
        .collect();
    let received_at = state.clock.now();
    Ok(state.store.enqueue(|reply| Job::Response {
        response,
        received_at,
        webhooks,
        repeat_window: site.repeat_press_window(),
        reply,
    })?)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Batch {
    responses: Vec<serde_json::Value>,
}

#[derive(Debug, Serialize)]
struct BatchResult {
    stored: usize,
    duplicates: usize,
    rejected: usize,
    results: Vec<ItemResult>,
}

#[derive(Debug, Serialize)]
struct ItemResult {
    index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_id: Option<String>,
    status: ItemStatus,
    /// Why the item was rejected, as `{code, message, field}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<serde_json::Value>,
    /// Whether sending this item again may succeed (the store was busy) or never will.
    #[serde(skip_serializing_if = "Option::is_none")]
    retry: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum ItemStatus {
    Stored,
    Duplicate,
    Rejected,
}

/// Stores the good items of a batch and reports each bad one; the answer is 200 whenever the
/// batch itself is readable, with one result per item in order.
#[utoipa::path(post, security(()), path = "/v1/responses/batch", tag = "widget", summary = "store up to 100 responses", request_body(content = Object, content_type = "application/json"), responses((status = 200, description = "success", body = Object, content_type = "application/json"), crate::error::responses::Widget))]
async fn post_batch(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(batch): Json<Batch>,
) -> Result<axum::Json<BatchResult>, ApiError> {
    if batch.responses.is_empty() || batch.responses.len() > MAX_BATCH {
        let code = if batch.responses.is_empty() {
            ErrorCode::TooFew
        } else {
            ErrorCode::TooMany
        };
        return Err(ApiError::invalid(FieldError::new(
            code,
            "responses",
            format!("send 1 to {MAX_BATCH} responses"),
        )));
    }
    // Enqueue every valid item before waiting on any, so the batch shares one group commit.
    let mut waiting = Vec::with_capacity(batch.responses.len());
    for (index, value) in batch.responses.into_iter().enumerate() {
        let response_id = value
            .get("response_id")
            .and_then(|v| v.as_str())
            .map(str::to_owned);
        let pending =
            from_value::<RawResponse>(value).and_then(|raw| enqueue(&state, &headers, raw, None));
        waiting.push((index, response_id, pending));
    }
    let mut results = Vec::with_capacity(waiting.len());
    for (index, response_id, pending) in waiting {
        let outcome = match pending {
            Ok(pending) => pending.wait().await.map_err(ApiError::from),
            Err(e) => Err(e),
        };
        let (status, error, retry) = match outcome {
            Ok(Stored::New { .. }) => (ItemStatus::Stored, None, None),
            Ok(Stored::Duplicate { .. }) => (ItemStatus::Duplicate, None, None),
            // Receipt responses do not come through a batch; kept exhaustive all the same.
            Ok(Stored::ReceiptUsed { .. }) => (
                ItemStatus::Rejected,
                Some(ApiError::ReceiptUsed.to_json()),
                Some(false),
            ),
            Err(e) => {
                let retry =
                    e.status().is_server_error() || e.status() == StatusCode::REQUEST_TIMEOUT;
                (ItemStatus::Rejected, Some(e.to_json()), Some(retry))
            }
        };
        state.metrics.count_response(match status {
            ItemStatus::Stored => "stored",
            ItemStatus::Duplicate => "duplicate",
            ItemStatus::Rejected => "rejected",
        });
        results.push(ItemResult {
            index,
            response_id,
            status,
            error,
            retry,
        });
    }
    let count = |s: ItemStatus| results.iter().filter(|r| r.status == s).count();
    Ok(axum::Json(BatchResult {
        stored: count(ItemStatus::Stored),
        duplicates: count(ItemStatus::Duplicate),
        rejected: count(ItemStatus::Rejected),
        results,
    }))
}
