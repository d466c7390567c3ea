//! Admin: `POST /v1/admin/sites/{site}/erasures` — erase a member.
//!
//! The body names the member as the site sends it (`{"member": "M-1"}`); the collector hashes
//! it with the site's key, as it did when it stored the records, and removes every response,
//! display, ledger entry and webhook message of that hash in one durable batch. Erasing again
//! removes nothing and answers zeros.

use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use shared::ids::MemberId;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::sites::parse_site_id;
use crate::auth::AdminKey;
use crate::error::ApiError;
use crate::error::site_named;
use crate::extract::Json;
use crate::privacy;
use crate::state::AppState;
use crate::store::Erased;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(erase))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EraseRequest {
    member: MemberId,
}

#[derive(Debug, Serialize)]
struct EraseAnswer {
    site: String,
    erased: Erased,
}

#[utoipa::path(post, path = "/v1/admin/sites/{site}/erasures", tag = "privacy", summary = "erase every record of a member", params(("site" = String, Path)), request_body(content = Object, content_type = "application/json"), responses((status = 200, description = "success", body = Object, content_type = "application/json"), crate::error::responses::AdminWrite))]
async fn erase(
    _: AdminKey,
    State(state): State<AppState>,
    Path(site): Path<String>,
    Json(request): Json<EraseRequest>,
) -> Result<axum::Json<EraseAnswer>, ApiError> {
    let id = parse_site_id(&site)?;
    let site = site_named(state.store.catalog(), &id, None)?;
    let member = site.member_hash(&request.member);
    let erased = privacy::erase_member(&state.store, &site.id, &member).await?;
    tracing::info!(site = %site.id, responses = erased.responses, displays = erased.displays, "erased a member");
    Ok(axum::Json(EraseAnswer {
        site: site.id.to_string(),
        erased,
    }))
}
