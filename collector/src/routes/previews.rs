//! Previews of survey drafts, for the dashboard's editor (see `crate::preview`).
//!
//! - `POST /v1/admin/sites/{site}/previews` (admin): a draft in, checked as publishing checks
//!   it; its id and page `/p/{id}` out.
//! - `GET /v1/previews/{id}`: the draft in a receipt's shape, for the widget's receipt mode.
//! - `POST /v1/previews/{id}/responses`: an answer, checked against the draft, kept nowhere.
//! - `GET /p/{id}`: the preview page (`www/preview.html`), 404 once the preview has expired.
//!
//! The id is the only secret, as a receipt's token is: the public routes need no key.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use shared::response::{RawResponse, Response as CheckedResponse};
use shared::survey::{Survey, SurveyStatus};
use shared::time::Timestamp;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::sites::parse_site_id;
use super::surveys::survey_from_body;
use crate::auth::AdminKey;
use crate::error::site_named;
use crate::error::{ApiError, Missing};
use crate::extract::Json;
use crate::preview::{DEVICE_SITE, Preview};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(show))
        .routes(routes!(respond))
        .routes(routes!(page))
}

/// What the editor gets back: where to show the draft, and until when.
#[derive(Debug, Serialize)]
struct Made {
    id: String,
    /// The preview page, relative to the collector.
    url: String,
    expires_at: Timestamp,
    /// The version publishing this draft would make.
    version: u32,
}

#[utoipa::path(post, path = "/v1/admin/sites/{site}/previews", tag = "surveys", summary = "preview a survey draft: checked as publishing would, kept an hour, stored nowhere", params(("site" = String, Path)), request_body(content = Object, description = "a survey, as for creating or updating one", content_type = "application/json"), responses((status = 201, description = "success: the preview's id, its page `url` and `expires_at`", body = Object, content_type = "application/json"), crate::error::responses::AdminWrite))]
async fn create(
    _: AdminKey,
    State(state): State<AppState>,
    Path(site): Path<String>,
    Json(body): Json<serde_json::Value>,
) -> Result<(StatusCode, axum::Json<Made>), ApiError> {
    site_named(state.store.catalog(), &parse_site_id(&site)?, None)?;
    let mut survey = survey_from_body(&site, body)?;
    // Shown as it would be once published: active, at the next version.
    survey.version = state
        .store
        .catalog()
        .latest_survey(&survey.site_id, &survey.id)
        .map_or(1, |s| s.version + 1);
    survey.status = SurveyStatus::Active;
    let (id, preview) = state
        .previews
        .add(survey, state.clock.now())
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("no random source: {e}")))?;
    Ok((
        StatusCode::CREATED,
        axum::Json(Made {
            url: format!("/p/{id}"),
            id,
            expires_at: preview.expires_at,
            version: preview.survey.version,
        }),
    ))
}

fn find(state: &AppState, id: &str) -> Result<Preview, ApiError> {
    state
        .previews
        .get(id, state.clock.now())
        .ok_or_else(|| ApiError::NotFound {
            missing: Missing::Preview,
            id: id.to_owned(),
            field: None,
        })
}

/// The receipt view's shape (see `receipts::ReceiptView`), which the widget's receipt mode
/// reads, without a purchase.
#[derive(Debug, Serialize)]
struct PreviewView {
    site_id: &'static str,
    survey: Survey,
    purchase: Option<()>,
    expires_at: Timestamp,
    responses_url: String,
}

#[utoipa::path(get, security(()), path = "/v1/previews/{id}", tag = "surveys", summary = "a draft's preview, for the widget on the preview page", params(("id" = String, Path)), responses((status = 200, description = "success", body = Object, content_type = "application/json"), crate::error::responses::PublicRead))]
async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<axum::Json<PreviewView>, ApiError> {
    let preview = find(&state, &id)?;
    Ok(axum::Json(PreviewView {
        site_id: DEVICE_SITE,
        // As the config route serves it: the widget runs regex rules from their programs.
        survey: preview.survey.for_device(),
        purchase: None,
        expires_at: preview.expires_at,
        responses_url: format!("/v1/previews/{id}/responses"),
    }))
}

/// What a preview's answer would have been stored as: checked, never kept.
#[derive(Debug, Serialize)]
struct Checked {
    response_id: shared::ids::ResponseId,
    stored: bool,
}

#[utoipa::path(post, security(()), path = "/v1/previews/{id}/responses", tag = "surveys", summary = "an answer to a preview: checked against the draft as a real one would be, and not stored", params(("id" = String, Path)), request_body(content = Object, content_type = "application/json"), responses((status = 200, description = "the answer fits the draft; `stored` is false", body = Object, content_type = "application/json"), crate::error::responses::PreviewAnswer))]
async fn respond(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Json(mut raw): Json<RawResponse>,
) -> Result<axum::Json<Checked>, ApiError> {
    let preview = find(&state, &id)?;
    // The device knew the preview's own site id; the draft belongs to the real one.
    raw.context.site_id = preview.survey.site_id.clone();
    let response = CheckedResponse::parse(raw, &preview.survey).map_err(ApiError::Invalid)?;
    Ok(axum::Json(Checked {
        response_id: response.response_id,
        stored: false,
    }))
}

#[utoipa::path(get, security(()), path = "/p/{id}", tag = "surveys", summary = "the preview page: 200 for a current preview, 404 once it has expired", params(("id" = String, Path)), responses((status = 200, description = "the page (www/preview.html)", content_type = "text/html"), (status = 404, description = "the page, which says the preview has ended", content_type = "text/html")))]
async fn page(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let found = find(&state, &id);
    let Some(html) = super::www::page("preview.html") else {
        return ApiError::NotFound {
            missing: Missing::Page,
            id: "preview.html".into(),
            field: None,
        }
        .into_response();
    };
    let status = match found {
        Ok(_) => StatusCode::OK,
        Err(e) => e.status(),
    };
    let mut response = super::www::secret_page(html, status);
    // Framed by the dashboard's editor, and by no other site.
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("frame-ancestors 'self'"),
    );
    response
}
