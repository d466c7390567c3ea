//! Comments and labels (see [`crate::comments`]):
//!
//! - `GET /v1/admin/sites/{site}/surveys/{survey}/comments`: open-text answers newest first,
//!   a page at a time (`limit`, `before` a cursor), optionally only those with a `label`.
//! - `GET /v1/admin/sites/{site}/labels`: the labels in use, with how many responses have each.
//! - `PUT /v1/admin/sites/{site}/responses/{response}/labels`: set a response's labels.
//!
//! Reading takes an export (or admin) key, like the export; labelling an admin key.

use std::collections::BTreeMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use shared::ids::{ResponseId, SurveyId};
use shared::survey::Survey;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::sites::parse_site_id;
use crate::api_key::Scope;
use crate::auth::{AdminKey, Caller};
use crate::comments::{Comment, comments_of, normalize_labels};
use crate::error::site_named;
use crate::error::{ApiError, Missing};
use crate::extract::Json;
use crate::filter::ContextFilter;
use crate::state::AppState;

/// Comments on one page, by default and at most.
const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 200;
/// Responses read for one page at most: a survey with few open texts answers with what it
/// found and a cursor, rather than reading its whole history in one request.
const SCAN_BUDGET: usize = 5_000;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(labels_in_use))
        .routes(routes!(set_labels))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CommentQuery {
    #[serde(default)]
    label: Option<String>,
    /// A sequence: only comments of older responses (the `next_before` of the page before).
    #[serde(default)]
    before: Option<u64>,
    #[serde(default)]
    limit: Option<usize>,
}

#[derive(Debug, Serialize)]
struct CommentPage {
    comments: Vec<Comment>,
    /// Ask with `before` set to this for the next page; absent when there is no more.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_before: Option<u64>,
}

fn bad_query(e: QueryRejection) -> ApiError {
    ApiError::bad_query("invalid_parameter", "query", e.body_text())
}

#[utoipa::path(get, path = "/v1/admin/sites/{site}/surveys/{survey}/comments", tag = "comments", summary = "a survey's open-text answers, newest first, with context and labels", params(("site" = String, Path), ("survey" = String, Path), ("label" = Option<String>, Query, description = "only responses with this label"), ("before" = Option<u64>, Query, description = "only responses older than this sequence (the previous page's next_before)"), ("limit" = Option<usize>, Query, description = "comments on the page, 1 to 200 (default 50)")), responses((status = 200, description = "success", body = Object, content_type = "application/json"), crate::error::responses::AdminRead))]
async fn list(
    caller: Caller,
    State(state): State<AppState>,
    Path((site, survey)): Path<(String, String)>,
    query: Result<Query<CommentQuery>, QueryRejection>,
) -> Result<axum::Json<CommentPage>, ApiError> {
    let site_id = parse_site_id(&site)?;
    // The scope first: a key for one site learns nothing about which other sites exist.
    caller.require(Scope::Export, &site_id)?;
    let site = site_named(state.store.catalog(), &site_id, None)?;
    let unknown_survey = || ApiError::NotFound {
        missing: Missing::Survey,
        id: survey.clone(),
        field: None,
    };
    let survey_id = SurveyId::parse(survey.clone()).map_err(|_| unknown_survey())?;
    let versions = state.store.catalog().survey_versions(&site.id, &survey_id);
    if versions.is_empty() {
        return Err(unknown_survey());
    }
    let Query(query) = query.map_err(bad_query)?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_query(
            "invalid_parameter",
            "limit",
            format!("1 to {MAX_LIMIT}"),
        ));
    }
    // Comments are read by survey (and label), not by context: the filter holds the survey.
    let filter = ContextFilter::of_survey(survey_id);
    let store = state.store.clone();
    let page = tokio::task::spawn_blocking(move || -> Result<CommentPage, ApiError> {
        let labelled = store.labelled(&site.id)?;
        let below = query.before.unwrap_or(u64::MAX);
        let version = |v: u32| -> Option<&Survey> {
            versions.iter().find(|s| s.version == v).map(AsRef::as_ref)
        };
        // The comments of one response (none for a flagged repeat press).
        let of =
            |record: &crate::store::ResponseRecord| match version(record.response.survey_version) {
                Some(survey) if record.flag.is_none() => {
                    let labels = labelled.get(&record.seq).map_or(&[][..], Vec::as_slice);
                    comments_of(record, survey, labels)
                }
                _ => Vec::new(),
            };
        let mut comments = Vec::new();
        let mut last = None;
        let mut exhausted = true;
        match &query.label {
            // Few responses have labels: walk those, newest first.
            Some(label) => {
                for (&seq, labels) in labelled.range(..below).rev() {
                    if comments.len() >= limit {
                        exhausted = false;
                        break;
                    }
                    if !labels.contains(label) {
                        continue;
                    }
                    if let Some(record) = store.response_record(seq)?
                        && filter.matches(&record)
                    {
                        comments.extend(of(&record));
                        last = Some(seq);
                    }
                }
            }
            None => {
                let scan = store.responses_newest_first(filter.scope(&site.id), below);
                for (read, record) in scan.enumerate() {
                    if comments.len() >= limit || read >= SCAN_BUDGET {
                        exhausted = false;
                        break;
                    }
                    let record = record?;
                    comments.extend(of(&record));
                    last = Some(record.seq);
                }
            }
        }
        Ok(CommentPage {
            comments,
            next_before: if exhausted { None } else { last },
        })
    })
    .await??;
    Ok(axum::Json(page))
}

#[derive(Debug, Serialize)]
struct LabelCount {
    label: String,
    responses: u64,
}

#[utoipa::path(get, path = "/v1/admin/sites/{site}/labels", tag = "comments", summary = "the labels in use on a site's responses, with counts", params(("site" = String, Path)), responses((status = 200, description = "success", body = Object, content_type = "application/json"), crate::error::responses::AdminRead))]
async fn labels_in_use(
    caller: Caller,
    State(state): State<AppState>,
    Path(site): Path<String>,
) -> Result<axum::Json<Vec<LabelCount>>, ApiError> {
    let site_id = parse_site_id(&site)?;
    caller.require(Scope::Export, &site_id)?;
    let site = site_named(state.store.catalog(), &site_id, None)?;
    let mut counts = BTreeMap::<String, u64>::new();
    for labels in state.store.labelled(&site.id)?.into_values() {
        for label in labels {
            *counts.entry(label).or_default() += 1;
        }
    }
    Ok(axum::Json(
        counts
            .into_iter()
            .map(|(label, responses)| LabelCount { label, responses })
            .collect(),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SetLabels {
    labels: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Labelled {
    response_id: ResponseId,
    labels: Vec<String>,
}

#[utoipa::path(put, path = "/v1/admin/sites/{site}/responses/{response}/labels", tag = "comments", summary = "set a response's labels (an empty list removes them)", params(("site" = String, Path), ("response" = String, Path)), request_body(content = Object, content_type = "application/json"), responses((status = 200, description = "the labels as stored: trimmed, without repeats, sorted", body = Object, content_type = "application/json"), crate::error::responses::AdminWrite))]
async fn set_labels(
    _: AdminKey,
    State(state): State<AppState>,
    Path((site, response)): Path<(String, String)>,
    Json(body): Json<SetLabels>,
) -> Result<axum::Json<Labelled>, ApiError> {
    let site_id = parse_site_id(&site)?;
    let site = site_named(state.store.catalog(), &site_id, None)?;
    let unknown = || ApiError::NotFound {
        missing: Missing::Response,
        id: response.clone(),
        field: None,
    };
    let response_id = ResponseId::parse(&response).map_err(|_| unknown())?;
    let labels = normalize_labels(body.labels).map_err(ApiError::Invalid)?;
    let seq = state
        .store
        .response_seq(&response_id)?
        .ok_or_else(unknown)?;
    let found = state
        .store
        .set_labels(&site.id, seq, labels.clone())?
        .await?;
    if !found {
        return Err(unknown());
    }
    Ok(axum::Json(Labelled {
        response_id,
        labels,
    }))
}
