//! Receipt QR: a POS issues a receipt's survey link; the customer's phone opens it.
//!
//! - `POST /v1/sites/{site}/receipts` (a receipts or admin key): a purchase in, a signed token,
//!   its URL `{public_url}/r/{token}` and the QR code (SVG, PNG) out.
//! - `GET /v1/receipts/{token}`: the survey and the purchase, for the receipt page.
//! - `GET /v1/receipts/{token}/qr?format=png|svg`: the QR code alone, for a printer.
//! - `POST /v1/receipts/{token}/responses`: the receipt's one response.
//! - `GET /r/{token}`: the receipt page (`www/receipt.html`), with the token's status.
//! - `POST /v1/admin/sites/{site}/receipt-keys`: a new signing key for the site.
//!
//! A token that is not genuine is 403 `receipt_invalid`, an expired one 410 `receipt_expired`,
//! an answered receipt 409 `receipt_used`; never a survey.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use shared::ids::SiteId;
use shared::receipt::{Purchase, ReceiptClaims};
use shared::response::RawResponse;
use shared::survey::Survey;
use shared::time::Timestamp;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::responses::{Accepted, accept};
use super::sites::parse_site_id;
use crate::api_key::Scope;
use crate::auth::{AdminKey, Caller};
use crate::error::site_named;
use crate::error::{ApiError, Missing};
use crate::extract::Json;
use crate::ingest;
use crate::receipt::{self, Issued, ReceiptRequest, qr};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(issue))
        .routes(routes!(show))
        .routes(routes!(qr_code))
        .routes(routes!(respond))
        .routes(routes!(page))
        .routes(routes!(rotate_key))
}

#[utoipa::path(post, path = "/v1/sites/{site}/receipts", tag = "receipts", summary = "a receipt's signed survey link and QR code", params(("site" = String, Path)), request_body(content = Object, content_type = "application/json"), responses((status = 201, description = "success: token, url, survey_id, expires_at, qr_svg, qr_png_base64", body = Object, content_type = "application/json"), crate::error::responses::AdminWrite))]
async fn issue(
    caller: Caller,
    State(state): State<AppState>,
    Path(site): Path<String>,
    headers: HeaderMap,
    Json(request): Json<ReceiptRequest>,
) -> Result<(StatusCode, axum::Json<Issued>), ApiError> {
    let id = parse_site_id(&site)?;
    caller.require(Scope::Receipts, &id)?;
    let site = site_named(state.store.catalog(), &id, None)?;
    let public_url = public_url(&state, &headers)?;
    let (store, now) = (state.store.clone(), state.clock.now());
    // Blocking: the site's first receipt makes its key durably, and the QR code is drawn.
    let issued = tokio::task::spawn_blocking(move || {
        receipt::issue(&store, &site, request, &public_url, now)
    })
    .await??;
    Ok((StatusCode::CREATED, axum::Json(issued)))
}

/// What the receipt page needs: the survey to show and the purchase it is about. The member
/// is not in it, not even hashed.
#[derive(Debug, Serialize)]
struct ReceiptView {
    site_id: SiteId,
    survey: std::sync::Arc<Survey>,
    purchase: Purchase,
    expires_at: Timestamp,
    /// Where to post the response.
    responses_url: String,
}

#[utoipa::path(get, security(()), path = "/v1/receipts/{token}", tag = "receipts", summary = "the survey and purchase of a receipt token", params(("token" = String, Path)), responses((status = 200, description = "success", body = Object, content_type = "application/json"), crate::error::responses::Receipt))]
async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<axum::Json<ReceiptView>, ApiError> {
    let claims = open(&state, &token)?;
    let survey = state
        .store
        .catalog()
        .latest_survey(&claims.site_id, &claims.survey_id)
        .ok_or_else(|| ApiError::NotFound {
            missing: Missing::Survey,
            id: claims.survey_id.to_string(),
            field: None,
        })?;
    Ok(axum::Json(ReceiptView {
        site_id: claims.site_id,
        // As the config route serves it: the widget runs regex rules from their programs.
        survey: std::sync::Arc::new(survey.for_device()),
        purchase: claims.purchase,
        expires_at: claims.expires_at,
        responses_url: format!("/v1/receipts/{token}/responses"),
    }))
}

/// A verified token whose receipt has no response yet.
fn open(state: &AppState, token: &str) -> Result<ReceiptClaims, ApiError> {
    let claims = receipt::verify(&state.store, token, state.clock.now())?;
    let purchase = &claims.purchase;
    if state
        .store
        .receipt_answered(&claims.site_id, &purchase.receipt_id)?
    {
        return Err(ApiError::ReceiptUsed);
    }
    Ok(claims)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QrQuery {
    #[serde(default)]
    format: QrFormat,
}

#[derive(Debug, Default, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
enum QrFormat {
    #[default]
    Png,
    Svg,
}

#[utoipa::path(get, security(()), path = "/v1/receipts/{token}/qr", tag = "receipts", summary = "a receipt token's QR code, as PNG (default) or SVG", params(("token" = String, Path), ("format" = inline(Option<QrFormat>), Query, description = "png (the default) or svg")), responses((status = 200, description = "the QR code of the survey URL", content_type = "image/png"), crate::error::responses::Receipt))]
async fn qr_code(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    query: Result<Query<QrQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) =
        query.map_err(|e| ApiError::bad_query("invalid_parameter", "format", e.body_text()))?;
    // An answered receipt still prints: only a genuine, unexpired token is drawn.
    receipt::verify(&state.store, &token, state.clock.now())?;
    let url = receipt::url(&public_url(&state, &headers)?, &token);
    Ok(match query.format {
        QrFormat::Png => ([(header::CONTENT_TYPE, "image/png")], qr::png(&url)?).into_response(),
        QrFormat::Svg => {
            ([(header::CONTENT_TYPE, "image/svg+xml")], qr::svg(&url)?).into_response()
        }
    })
}

#[utoipa::path(post, security(()), path = "/v1/receipts/{token}/responses", tag = "receipts", summary = "the one response to a receipt", params(("token" = String, Path)), request_body(content = Object, content_type = "application/json"), responses((status = 201, description = "success", body = Object, content_type = "application/json"), (status = 200, description = "a duplicate: this response is already stored", body = Object), crate::error::responses::Receipt))]
async fn respond(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    Json(raw): Json<RawResponse>,
) -> Result<(StatusCode, axum::Json<Accepted>), ApiError> {
    // Not `open`: a retry of the response that used the receipt must still be a duplicate.
    // The writer decides, atomically with storing, whether the receipt is used.
    let claims = receipt::verify(&state.store, &token, state.clock.now())?;
    let response_id = raw.response_id;
    let source = ingest::Source::Request {
        headers: &headers,
        receipt: Some(&claims),
    };
    let pending = ingest::queue(&state.store, source, raw, state.clock.now());
    accept(&state, response_id, pending).await
}

#[utoipa::path(get, security(()), path = "/r/{token}", tag = "receipts", summary = "the receipt page: 200 for a usable token, else the token's error status", params(("token" = String, Path)), responses((status = 200, description = "the page (www/receipt.html)", content_type = "text/html"), (status = 403, description = "the page, which says the link is not valid (a forged, altered or unknown token)", content_type = "text/html"), (status = 404, description = "the page, for a token whose site or survey is gone", content_type = "text/html"), (status = 409, description = "the page, which says the receipt is already answered", content_type = "text/html"), (status = 410, description = "the page, which says the survey has expired", content_type = "text/html")))]
async fn page(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let status = match open(&state, &token) {
        Ok(_) => StatusCode::OK,
        Err(e) => e.status(),
    };
    let Some(html) = super::www::page("receipt.html") else {
        return match open(&state, &token) {
            Err(e) => e.into_response(),
            Ok(_) => ApiError::NotFound {
                missing: Missing::Page,
                id: "receipt.html".into(),
                field: None,
            }
            .into_response(),
        };
    };
    super::www::secret_page(html, status)
}

#[derive(Debug, Serialize)]
struct KeyView {
    kid: String,
    site: SiteId,
    created_at: Timestamp,
}

#[utoipa::path(post, path = "/v1/admin/sites/{site}/receipt-keys", tag = "receipts", summary = "a new receipt signing key; tokens of older keys stay valid until they expire", params(("site" = String, Path)), responses((status = 201, description = "success: the new key's id (never its secret)", body = Object, content_type = "application/json"), crate::error::responses::AdminWrite))]
async fn rotate_key(
    _: AdminKey,
    State(state): State<AppState>,
    Path(site): Path<String>,
) -> Result<(StatusCode, axum::Json<KeyView>), ApiError> {
    let id = parse_site_id(&site)?;
    site_named(state.store.catalog(), &id, None)?;
    let (store, now) = (state.store.clone(), state.clock.now());
    let key = tokio::task::spawn_blocking(move || store.receipt_keys().rotate(&id, now)).await??;
    Ok((
        StatusCode::CREATED,
        axum::Json(KeyView {
            kid: key.kid,
            site: key.site,
            created_at: key.created_at,
        }),
    ))
}

/// `--public-url`, or else this request's own host over http.
fn public_url(state: &AppState, headers: &HeaderMap) -> Result<String, ApiError> {
    if let Some(url) = &state.public_url {
        return Ok(url.to_string());
    }
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.bytes().all(|b| {
                    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']')
                })
        })
        .map(|host| format!("http://{host}"))
        .ok_or_else(|| {
            ApiError::Internal(anyhow::anyhow!(
                "no usable Host header and no --public-url for the receipt link"
            ))
        })
}
