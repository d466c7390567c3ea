//! `GET /v1/admin/sites/{site}/export`: a site's responses for data teams, with an export (or
//! admin) key. See [`crate::export`] for the cursor and why the stream holds one page.
//!
//! `format=csv|ndjson|json`, `survey`, `from`, `to` (received time), `channel`, `store`,
//! `journey_stage` (lists: repeat or separate with commas), `cursor`, `limit` (json), `bom`
//! (csv). Every answer carries `Nunchi-Next-Cursor`.

use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::sites::parse_site_id;
use crate::api_key::Scope;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::error::site_named;
use crate::export::{self, ExportQuery, Format, NEXT_CURSOR, Progress};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(export))
}

#[utoipa::path(get, path = "/v1/admin/sites/{site}/export", tag = "export", summary = "responses as CSV, NDJSON or a JSON page", params(("site" = String, Path)), responses((status = 200, description = "the responses, by `format`: CSV, NDJSON (the default) or a JSON page", content((String = "text/csv"), (String = "application/x-ndjson"), (Object = "application/json"))), crate::error::responses::AdminRead))]
async fn export(
    caller: Caller,
    State(state): State<AppState>,
    Path(site): Path<String>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let site_id = parse_site_id(&site)?;
    // The scope first: a key for one site learns nothing about which other sites exist.
    caller.require(Scope::Export, &site_id)?;
    site_named(state.store.catalog(), &site_id, None)?;
    let Query(pairs) =
        query.map_err(|e| ApiError::bad_query("invalid_parameter", "query", e.body_text()))?;
    let committed = state.store.committed_response_seq();
    let query = ExportQuery::parse(site_id, &pairs, state.store.catalog(), committed)?;
    let next_cursor = HeaderValue::from(query.upto);

    if let Format::Json { limit } = query.format {
        let store = state.store.clone();
        let page =
            tokio::task::spawn_blocking(move || export::json_page(&store, &query, limit)).await??;
        let cursor = HeaderValue::from_str(&page.next_cursor).unwrap_or(next_cursor);
        return Ok((
            [(NEXT_CURSOR, cursor), (header::CACHE_CONTROL, no_store())],
            axum::Json(page),
        )
            .into_response());
    }

    let (content_type, extension) = match query.format {
        Format::Csv { .. } => ("text/csv; charset=utf-8", "csv"),
        _ => ("application/x-ndjson", "ndjson"),
    };
    let file_name = format!(
        "attachment; filename=\"{}-{}-{}.{extension}\"",
        query.site,
        query.filter.survey.as_ref().map_or("all", |s| s.as_str()),
        query.upto
    );
    let keys = state.keys.clone();
    let body = export::stream(
        &state.store,
        &query,
        Arc::new(Progress::default()),
        move || keys.still_valid(&caller),
    );
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&file_name).map_err(|e| ApiError::Internal(e.into()))?,
            ),
            (NEXT_CURSOR, next_cursor),
            (header::CACHE_CONTROL, no_store()),
        ],
        Body::from_stream(body),
    )
        .into_response())
}

fn no_store() -> HeaderValue {
    HeaderValue::from_static("no-store")
}
