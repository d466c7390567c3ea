//! Admin: `/v1/admin/sites` — create, list, read and update sites.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use shared::error::{ErrorCode, FieldError};
use shared::ids::SiteId;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api_key::Scope;
use crate::auth::{AdminKey, Caller};
use crate::error::site_named;
use crate::error::{ApiError, Missing};
use crate::extract::Json;
use crate::site::{Site, SiteInput, SiteView};
use crate::state::AppState;
use crate::store::catalog::CatalogError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(read, update))
}

pub(super) fn parse_site_id(raw: &str) -> Result<SiteId, ApiError> {
    SiteId::parse(raw).map_err(|_| ApiError::NotFound {
        missing: Missing::Site,
        id: raw.to_owned(),
        field: None,
    })
}

#[utoipa::path(get, path = "/v1/admin/sites", tag = "sites", summary = "every site", responses((status = 200, description = "success", body = [Object], content_type = "application/json"), crate::error::responses::AdminRead))]
async fn list(
    caller: Caller,
    State(state): State<AppState>,
) -> Result<axum::Json<Vec<SiteView>>, ApiError> {
    // An export key sees its own site: the dashboard lists what it may read.
    if let Some(own) = &caller.site {
        caller.require(Scope::Export, own)?;
    }
    Ok(axum::Json(
        state
            .store
            .catalog()
            .sites()
            .iter()
            .filter(|s| caller.site.as_ref().is_none_or(|own| *own == s.id))
            .map(|s| s.view())
            .collect(),
    ))
}

#[utoipa::path(get, path = "/v1/admin/sites/{site}", tag = "sites", summary = "a site", params(("site" = String, Path)), responses((status = 200, description = "success", body = Object, content_type = "application/json"), crate::error::responses::AdminRead))]
async fn read(
    _: AdminKey,
    State(state): State<AppState>,
    Path(site): Path<String>,
) -> Result<axum::Json<SiteView>, ApiError> {
    let id = parse_site_id(&site)?;
    let site = site_named(state.store.catalog(), &id, None)?;
    Ok(axum::Json(site.view()))
}

#[utoipa::path(post, path = "/v1/admin/sites", tag = "sites", summary = "create a site", request_body(content = Object, content_type = "application/json"), responses((status = 201, description = "success", body = Object, content_type = "application/json"), crate::error::responses::AdminWrite))]
async fn create(
    _: AdminKey,
    State(state): State<AppState>,
    Json(input): Json<SiteInput>,
) -> Result<(StatusCode, axum::Json<SiteView>), ApiError> {
    input.validate().map_err(ApiError::Invalid)?;
    let id = input.id.to_string();
    let site = Site::create(input, state.clock.now()).map_err(|e| ApiError::Internal(e.into()))?;
    let store = state.store.clone();
    let created = tokio::task::spawn_blocking(move || store.catalog().create_site(site)).await?;
    match created {
        Ok(site) => Ok((StatusCode::CREATED, axum::Json(site.view()))),
        Err(CatalogError::Exists) => Err(ApiError::Conflict { what: "site", id }),
        Err(e) => Err(e.into()),
    }
}

#[utoipa::path(put, path = "/v1/admin/sites/{site}", tag = "sites", summary = "update a site", params(("site" = String, Path)), request_body(content = Object, content_type = "application/json"), responses((status = 200, description = "success", body = Object, content_type = "application/json"), crate::error::responses::AdminWrite))]
async fn update(
    _: AdminKey,
    State(state): State<AppState>,
    Path(site): Path<String>,
    Json(input): Json<SiteInput>,
) -> Result<axum::Json<SiteView>, ApiError> {
    let id = parse_site_id(&site)?;
    if input.id != id {
        return Err(ApiError::invalid(FieldError::new(
            ErrorCode::InvalidReference,
            "id",
            "does not match the site in the path",
        )));
    }
    input.validate().map_err(ApiError::Invalid)?;
    let store = state.store.clone();
    let updated = tokio::task::spawn_blocking(move || {
        store.catalog().update_site(&id, |old| old.updated(input))
    })
    .await?;
    match updated {
        Ok(site) => Ok(axum::Json(site.view())),
        Err(CatalogError::NoSite) => Err(ApiError::NotFound {
            missing: Missing::Site,
            id: site,
            field: None,
        }),
        Err(e) => Err(e.into()),
    }
}
