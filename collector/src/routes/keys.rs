//! Admin: `/v1/admin/keys` — create, list and revoke API keys.
//!
//! A new key's secret is in the answer to the `POST` that made it and nowhere else; the store
//! keeps its SHA-256 digest. `DELETE` revokes: the key stops working before the answer is sent.
//! `GET /v1/admin/whoami` tells any key what it is (the dashboard shows an export key only
//! what it may read).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use shared::error::{ErrorCode, FieldError};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api_key::{self, ApiKeyView, CreateKeyError, KeyId, KeyRequest, KeyRequestError};
use crate::auth::{AdminKey, Caller};
use crate::error::{ApiError, Missing};
use crate::extract::Json;
use crate::state::AppState;
use crate::store::KeyRingError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(revoke))
        .routes(routes!(whoami))
}

/// The key a request is made with: what it may do, and where.
#[derive(Debug, serde::Serialize)]
struct KeyHolder {
    /// `null` for the collector's configured admin key.
    id: Option<KeyId>,
    scope: api_key::Scope,
    /// `null`: every site.
    site: Option<shared::ids::SiteId>,
}

#[utoipa::path(get, path = "/v1/admin/whoami", tag = "keys", summary = "the key this request is made with: its scope and site", responses((status = 200, description = "success: `{id, scope, site}`", body = Object, content_type = "application/json"), crate::error::responses::AdminRead))]
async fn whoami(caller: Caller) -> axum::Json<KeyHolder> {
    axum::Json(KeyHolder {
        id: caller.key,
        scope: caller.scope,
        site: caller.site,
    })
}

#[utoipa::path(get, path = "/v1/admin/keys", tag = "keys", summary = "every API key", responses((status = 200, description = "success", body = [Object], content_type = "application/json"), crate::error::responses::AdminRead))]
async fn list(_: AdminKey, State(state): State<AppState>) -> axum::Json<Vec<ApiKeyView>> {
    axum::Json(
        state
            .store
            .key_ring()
            .all()
            .iter()
            .map(|k| k.view())
            .collect(),
    )
}

#[utoipa::path(post, path = "/v1/admin/keys", tag = "keys", summary = "make an API key", request_body(content = Object, content_type = "application/json"), responses((status = 201, description = "success", body = Object, content_type = "application/json"), crate::error::responses::AdminWrite))]
async fn create(
    _: AdminKey,
    State(state): State<AppState>,
    Json(request): Json<KeyRequest>,
) -> Result<(StatusCode, axum::Json<ApiKeyView>), ApiError> {
    let store = state.store.clone();
    let now = state.clock.now();
    let created =
        tokio::task::spawn_blocking(move || api_key::create(&store, request, now)).await?;
    match created {
        Ok(view) => Ok((StatusCode::CREATED, axum::Json(view))),
        Err(CreateKeyError::NoSite(site)) => Err(ApiError::NotFound {
            missing: Missing::Site,
            id: site.to_string(),
            field: Some("site"),
        }),
        Err(CreateKeyError::Request(e @ KeyRequestError::Random(_))) => {
            Err(ApiError::Internal(e.into()))
        }
        Err(CreateKeyError::Request(e)) => {
            let code = match e {
                KeyRequestError::SiteRequired(_) => ErrorCode::Required,
                KeyRequestError::NameTooLong => ErrorCode::TooLong,
                _ => ErrorCode::InvalidValue,
            };
            Err(ApiError::invalid(FieldError::new(
                code,
                e.field(),
                e.to_string(),
            )))
        }
        Err(CreateKeyError::Store(e)) => Err(e.into()),
    }
}

#[utoipa::path(delete, path = "/v1/admin/keys/{id}", tag = "keys", summary = "revoke an API key", params(("id" = String, Path)), responses((status = 200, description = "success", body = Object, content_type = "application/json"), crate::error::responses::AdminWrite))]
async fn revoke(
    _: AdminKey,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<axum::Json<ApiKeyView>, ApiError> {
    let not_found = || ApiError::NotFound {
        missing: Missing::ApiKey,
        id: id.clone(),
        field: None,
    };
    let key_id = KeyId::parse(&id).ok_or_else(not_found)?;
    let store = state.store.clone();
    let now = state.clock.now();
    let revoked =
        tokio::task::spawn_blocking(move || store.key_ring().revoke(&key_id, now)).await?;
    match revoked {
        Ok(key) => Ok(axum::Json(key.view())),
        Err(KeyRingError::NoKey) => Err(not_found()),
        Err(e) => Err(e.into()),
    }
}
