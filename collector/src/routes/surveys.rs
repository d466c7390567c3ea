//! Admin: `/v1/admin/sites/{site}/surveys` — surveys, validated on write and versioned.
//!
//! Every update stores a new version; old versions stay readable so that late answers to them
//! (a kiosk that was offline) still validate. Also a first, paged read of stored responses.

use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::{Deserialize, Serialize};
use shared::error::{ErrorCode, FieldError};
use shared::ids::SurveyId;
use shared::survey::Survey;

use super::sites::parse_site_id;
use crate::api_key::Scope;
use crate::auth::{AdminKey, Caller};
use crate::error::site_named;
use crate::error::{ApiError, Missing};
use crate::extract::{Json, from_value};
use crate::state::AppState;
use crate::store::ResponseRecord;
use crate::store::catalog::CatalogError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(read_latest, update))
        .routes(routes!(read_version))
        .routes(routes!(list_responses))
}

/// Reads a survey body for `site`: the path names the site (a `site_id` in the body must
/// agree) and the collector assigns versions (a `version` in the body is ignored).
pub(super) fn survey_from_body(
    site: &str,
    mut body: serde_json::Value,
) -> Result<Survey, ApiError> {
    let site_id = parse_site_id(site)?;
    let object = body.as_object_mut().ok_or_else(|| {
        ApiError::invalid(FieldError::new(
            ErrorCode::InvalidType,
            "",
            "a survey is a JSON object",
        ))
    })?;
    match object.get("site_id") {
        Some(given) if given.as_str() != Some(site_id.as_str()) => {
            return Err(ApiError::invalid(FieldError::new(
                ErrorCode::InvalidReference,
                "site_id",
                "does not match the site in the path",
            )));
        }
        _ => {}
    }
    object.insert("site_id".into(), site_id.as_str().into());
    object.remove("version");
    let survey: Survey = from_value(body)?;
    survey.validate().map_err(ApiError::Invalid)?;
    Ok(survey)
}

fn survey_not_found(survey: &str) -> ApiError {
    ApiError::NotFound {
        missing: Missing::Survey,
        id: survey.to_owned(),
        field: None,
    }
}

#[utoipa::path(get, path = "/v1/admin/sites/{site}/surveys", tag = "surveys", summary = "a site's surveys", params(("site" = String, Path)), responses((status = 200, description = "success", body = [Object], content_type = "application/json"), crate::error::responses::AdminRead))]
async fn list(
    caller: Caller,
    State(state): State<AppState>,
    Path(site): Path<String>,
) -> Result<axum::Json<Vec<Arc<Survey>>>, ApiError> {
    // Reading definitions is for export keys too: the dashboard shows their results.
    let site_id = parse_site_id(&site)?;
    caller.require(Scope::Export, &site_id)?;
    site_named(state.store.catalog(), &site_id, None)?;
    Ok(axum::Json(state.store.catalog().surveys(&site_id)))
}

#[utoipa::path(post, path = "/v1/admin/sites/{site}/surveys", tag = "surveys", summary = "create a survey", params(("site" = String, Path)), request_body(content = Object, description = "a survey (see the README); besides questions, triggers, targeting and throttle, `kiosk: {partial: \"send\" | \"drop\"}` says what a kiosk does with the answers of a customer who walks away (default send)", content_type = "application/json"), responses((status = 201, description = "success", body = Object, content_type = "application/json"), crate::error::responses::AdminWrite))]
async fn create(
    _: AdminKey,
    State(state): State<AppState>,
    Path(site): Path<String>,
    Json(body): Json<serde_json::Value>,
) -> Result<(StatusCode, axum::Json<Arc<Survey>>), ApiError> {
    site_named(state.store.catalog(), &parse_site_id(&site)?, None)?;
    let survey = survey_from_body(&site, body)?;
    let id = survey.id.to_string();
    let store = state.store.clone();
    match tokio::task::spawn_blocking(move || store.catalog().create_survey(survey)).await? {
        Ok(survey) => Ok((StatusCode::CREATED, axum::Json(survey))),
        Err(CatalogError::Exists) => Err(ApiError::Conflict { what: "survey", id }),
        Err(CatalogError::NoSite) => Err(ApiError::NotFound {
            missing: Missing::Site,
            id: site,
            field: None,
        }),
        Err(e) => Err(e.into()),
    }
}

#[utoipa::path(put, path = "/v1/admin/sites/{site}/surveys/{survey}", tag = "surveys", summary = "a new version of a survey", params(("site" = String, Path), ("survey" = String, Path), ("If-Match" = Option<String>, Header, description = "the version this edit started from, as the survey's ETag gives it (`\"3\"`): the update is refused with 412 if another version was published since")), request_body(content = Object, description = "a survey (see the README); besides questions, triggers, targeting and throttle, `kiosk: {partial: \"send\" | \"drop\"}` says what a kiosk does with the answers of a customer who walks away (default send)", content_type = "application/json"), responses((status = 200, description = "success", body = Object, content_type = "application/json"), (status = 412, description = "stale_version: If-Match names a version that is no longer the latest", body = crate::error::ErrorBody), crate::error::responses::AdminWrite))]
async fn update(
    _: AdminKey,
    State(state): State<AppState>,
    Path((site, survey_path)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> Result<axum::Json<Arc<Survey>>, ApiError> {
    site_named(state.store.catalog(), &parse_site_id(&site)?, None)?;
    let survey = survey_from_body(&site, body)?;
    if survey.id.as_str() != survey_path {
        return Err(ApiError::invalid(FieldError::new(
            ErrorCode::InvalidReference,
            "id",
            "does not match the survey in the path",
        )));
    }
    let after = match headers.get(header::IF_MATCH) {
        None => None,
        Some(tag) => match version_in(tag.to_str().unwrap_or_default()) {
            Tag::Any => None,
            Tag::Version(v) => Some(v),
            // A tag that names no version never matches.
            Tag::Unreadable => Some(0),
        },
    };
    let store = state.store.clone();
    match tokio::task::spawn_blocking(move || store.catalog().publish_version_after(survey, after))
        .await?
    {
        Ok(survey) => Ok(axum::Json(survey)),
        Err(CatalogError::NoSurvey) => Err(survey_not_found(&survey_path)),
        Err(CatalogError::Stale { latest }) => Err(ApiError::StaleVersion { latest }),
        Err(e) => Err(e.into()),
    }
}

/// What an `If-Match` names.
#[derive(Debug, PartialEq, Eq)]
enum Tag {
    Any,
    Version(u32),
    Unreadable,
}

/// `"3"` (the survey's ETag), `W/"3"`, `3` or `*`.
fn version_in(tag: &str) -> Tag {
    let tag = tag.trim();
    if tag == "*" {
        return Tag::Any;
    }
    let bare = tag.strip_prefix("W/").unwrap_or(tag).trim_matches('"');
    bare.parse().map_or(Tag::Unreadable, Tag::Version)
}

/// The ETag of a survey's version: what `If-Match` gives back.
fn etag(survey: &Survey) -> Result<HeaderValue, ApiError> {
    HeaderValue::from_str(&format!("\"{}\"", survey.version))
        .map_err(|e| ApiError::Internal(e.into()))
}

#[utoipa::path(get, path = "/v1/admin/sites/{site}/surveys/{survey}", tag = "surveys", summary = "a survey's latest version", params(("site" = String, Path), ("survey" = String, Path)), responses((status = 200, description = "success", body = Object, content_type = "application/json"), crate::error::responses::AdminRead))]
async fn read_latest(
    caller: Caller,
    State(state): State<AppState>,
    Path((site, survey)): Path<(String, String)>,
) -> Result<
    (
        [(header::HeaderName, HeaderValue); 1],
        axum::Json<Arc<Survey>>,
    ),
    ApiError,
> {
    // Reading definitions is for export keys too: the dashboard shows their results.
    let site_id = parse_site_id(&site)?;
    caller.require(Scope::Export, &site_id)?;
    site_named(state.store.catalog(), &site_id, None)?;
    let id = SurveyId::parse(survey.clone()).map_err(|_| survey_not_found(&survey))?;
    let latest = state
        .store
        .catalog()
        .latest_survey(&site_id, &id)
        .ok_or_else(|| survey_not_found(&survey))?;
    Ok(([(header::ETAG, etag(&latest)?)], axum::Json(latest)))
}

#[utoipa::path(get, path = "/v1/admin/sites/{site}/surveys/{survey}/versions/{version}", tag = "surveys", summary = "one version of a survey", params(("site" = String, Path), ("survey" = String, Path), ("version" = u32, Path, minimum = 1)), responses((status = 200, description = "success", body = Object, content_type = "application/json"), crate::error::responses::AdminRead))]
async fn read_version(
    caller: Caller,
    State(state): State<AppState>,
    Path((site, survey, version)): Path<(String, String, String)>,
) -> Result<axum::Json<Arc<Survey>>, ApiError> {
    // Reading definitions is for export keys too: the dashboard shows their results.
    let site_id = parse_site_id(&site)?;
    caller.require(Scope::Export, &site_id)?;
    site_named(state.store.catalog(), &site_id, None)?;
    let id = SurveyId::parse(survey.clone()).map_err(|_| survey_not_found(&survey))?;
    // Read as text, so that a version that is not a number is a 404 in the API's error shape
    // rather than axum's plain-text 400.
    let version_not_found = || ApiError::NotFound {
        missing: Missing::SurveyVersion,
        id: format!("{survey} v{version}"),
        field: None,
    };
    let version: u32 = version.parse().map_err(|_| version_not_found())?;
    state
        .store
        .catalog()
        .survey_version(&site_id, &id, version)
        .map(axum::Json)
        .ok_or_else(|| ApiError::NotFound {
            missing: Missing::SurveyVersion,
            id: format!("{survey} v{version}"),
            field: None,
        })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Page {
    /// Return responses after this ingest sequence number (0: from the start).
    #[serde(default)]
    after: u64,
    #[serde(default = "default_limit")]
    limit: usize,
}

fn default_limit() -> usize {
    100
}

const MAX_LIMIT: usize = 1_000;

#[derive(Debug, Serialize)]
struct ResponsePage {
    responses: Vec<ResponseRecord>,
    /// Pass as `after` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_after: Option<u64>,
}

#[utoipa::path(get, path = "/v1/admin/sites/{site}/responses", tag = "responses", summary = "stored responses in ingest order", params(("site" = String, Path)), responses((status = 200, description = "success", body = Object, content_type = "application/json"), crate::error::responses::AdminRead))]
async fn list_responses(
    _: AdminKey,
    State(state): State<AppState>,
    Path(site): Path<String>,
    page: Result<Query<Page>, QueryRejection>,
) -> Result<axum::Json<ResponsePage>, ApiError> {
    let site_id = parse_site_id(&site)?;
    site_named(state.store.catalog(), &site_id, None)?;
    let Query(page) = page.map_err(|e| {
        ApiError::invalid(FieldError::new(
            ErrorCode::InvalidValue,
            "query",
            e.body_text(),
        ))
    })?;
    if !(1..=MAX_LIMIT).contains(&page.limit) {
        return Err(ApiError::invalid(FieldError::new(
            ErrorCode::OutOfRange,
            "limit",
            format!("from 1 to {MAX_LIMIT}"),
        )));
    }
    let store = state.store.clone();
    let responses = tokio::task::spawn_blocking(move || {
        store.responses_after(&site_id, page.after, page.limit)
    })
    .await??;
    let next_after = (responses.len() == page.limit)
        .then(|| responses.last().map(|r| r.seq))
        .flatten();
    Ok(axum::Json(ResponsePage {
        responses,
        next_after,
    }))
}

#[cfg(test)]
mod tests {
    use super::{Tag, version_in};

    #[test]
    fn if_match_names_a_version_or_any() {
        assert_eq!(version_in("\"3\""), Tag::Version(3));
        assert_eq!(version_in(" W/\"12\" "), Tag::Version(12));
        assert_eq!(version_in("7"), Tag::Version(7));
        assert_eq!(version_in("*"), Tag::Any);
        assert_eq!(version_in("\"v3\""), Tag::Unreadable);
        assert_eq!(version_in(""), Tag::Unreadable);
    }
}
