//! `GET /v1/sites/{site}/config`: what the widget needs to decide on its own.

use shared::map::Map;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use shared::ids::StoreId;
use shared::sampling::stable_hash;
use shared::site::SiteConfig;

use super::sites::parse_site_id;
use crate::error::ApiError;
use crate::error::site_named;
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(site_config))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigQuery {
    /// Count today's responses at this store, for per-store quotas (kiosks).
    store: Option<StoreId>,
}

/// Short-cached: a paused survey stops showing within a minute.
const CACHE_CONTROL: &str = "public, max-age=60";

#[utoipa::path(get, security(()), path = "/v1/sites/{site}/config", tag = "widget", summary = "a site's policy and active surveys, for the widget", params(("site" = String, Path), ("store" = Option<String>, Query, description = "count quota usage at this store", pattern = "^[A-Za-z0-9._-]{1,64}$")), responses((status = 200, description = "success", body = Object, content_type = "application/json"), (status = 304, description = "not modified: the If-None-Match tag is current"), (status = 422, description = "an unknown or unreadable query parameter", body = crate::error::ErrorBody), crate::error::responses::PublicRead))]
async fn site_config(
    State(state): State<AppState>,
    Path(site): Path<String>,
    query: Result<Query<ConfigQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| {
        ApiError::invalid(shared::FieldError::new(
            shared::ErrorCode::InvalidValue,
            "query",
            e.body_text(),
        ))
    })?;
    let site_id = parse_site_id(&site)?;
    let site = site_named(state.store.catalog(), &site_id, None)?;
    let surveys: Vec<_> = state
        .store
        .catalog()
        .surveys(&site_id)
        .into_iter()
        .filter(|s| s.is_active())
        // Regex URL rules go out with their compiled programs: the widget has no parser.
        .map(|s| std::sync::Arc::new(s.for_device()))
        .collect();
    let day = state.clock.now().utc_day();
    let mut usage = Map::new();
    for survey in &surveys {
        usage.insert(
            survey.id.clone(),
            state
                .store
                .quota_usage(&site_id, &survey.id, query.store.as_ref(), day)?,
        );
    }
    let config = SiteConfig {
        site_id,
        policy: site.policy.clone(),
        surveys,
        usage,
    };
    let body = serde_json::to_vec(&config).map_err(|e| ApiError::Internal(e.into()))?;
    let etag = format!(
        "\"{:016x}\"",
        stable_hash(&[std::str::from_utf8(&body).unwrap_or_default()])
    );
    let cache_headers = [
        (
            header::ETAG,
            HeaderValue::from_str(&etag).map_err(|e| ApiError::Internal(e.into()))?,
        ),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static(CACHE_CONTROL),
        ),
    ];
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if unchanged {
        return Ok((StatusCode::NOT_MODIFIED, cache_headers).into_response());
    }
    Ok((
        cache_headers,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response())
}
