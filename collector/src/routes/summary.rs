//! `GET /v1/admin/sites/{site}/surveys/{survey}/summary`: NPS, CSAT, CES, distributions and
//! response rates of a survey, by group and period, with an export (or admin) key. See
//! [`crate::summary`].
//!
//! `group_by=store|channel|journey_stage|locale`, `interval=day|week|month`, `utc_offset`
//! (`+09:00`), `min_count` (default 5), `from`, `to` (received time), and the filters
//! `channel`, `store`, `journey_stage` (lists: repeat or separate with commas).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use shared::ids::SurveyId;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::sites::parse_site_id;
use crate::api_key::Scope;
use crate::auth::Caller;
use crate::error::site_named;
use crate::error::{ApiError, Missing};
use crate::state::AppState;
use crate::summary::{self, SummaryQuery};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(summary))
}

#[utoipa::path(get, path = "/v1/admin/sites/{site}/surveys/{survey}/summary", tag = "summary", summary = "a survey's summary", params(("site" = String, Path), ("survey" = String, Path)), responses((status = 200, description = "success", body = Object, content_type = "application/json"), crate::error::responses::AdminRead))]
async fn summary(
    caller: Caller,
    State(state): State<AppState>,
    Path((site, survey)): Path<(String, String)>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let site_id = parse_site_id(&site)?;
    // The scope first: a key for one site learns nothing about which other sites exist.
    caller.require(Scope::Export, &site_id)?;
    site_named(state.store.catalog(), &site_id, None)?;
    let catalog = state.store.catalog();
    let unknown_survey = || ApiError::NotFound {
        missing: Missing::Survey,
        id: survey.clone(),
        field: None,
    };
    let survey_id = SurveyId::parse(survey.clone()).map_err(|_| unknown_survey())?;
    let versions = catalog.survey_versions(&site_id, &survey_id);
    if versions.is_empty() {
        return Err(unknown_survey());
    }
    let Query(pairs) =
        query.map_err(|e| ApiError::bad_query("invalid_parameter", "query", e.body_text()))?;
    let query = SummaryQuery::parse(site_id, survey_id, &pairs)?;
    let store = state.store.clone();
    let summary = tokio::task::spawn_blocking(move || match query.source {
        summary::Source::Rollups => summary::summarize(&store, &query, &versions),
        summary::Source::Scan => summary::summarize_by_scan(&store, &query, &versions),
    })
    .await??;
    Ok((
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        axum::Json(summary),
    )
        .into_response())
}
