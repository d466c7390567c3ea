//! `POST /v1/displays`: a survey was shown or dismissed. Feeds display-to-response rates and,
//! for members, the contact ledger.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Serialize;
use shared::display::DisplayEvent;
use shared::ids::DisplayId;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::site_named;
use crate::error::{ApiError, Missing};
use crate::extract::Json;
use crate::state::AppState;
use crate::store::Stored;
use crate::{origin, privacy};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(post_display))
}

#[derive(Debug, Serialize)]
struct Accepted {
    display_id: DisplayId,
    duplicate: bool,
}

#[utoipa::path(post, security(()), path = "/v1/displays", tag = "widget", summary = "a survey shown or dismissed", request_body(content = Object, content_type = "application/json"), responses((status = 201, description = "success", body = Object, content_type = "application/json"), (status = 200, description = "a duplicate: already stored", body = Object), crate::error::responses::Widget))]
async fn post_display(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(mut event): Json<DisplayEvent>,
) -> Result<(StatusCode, axum::Json<Accepted>), ApiError> {
    let site = site_named(
        state.store.catalog(),
        &event.context.site_id,
        "context.site_id",
    )?;
    origin::check(&headers, &site)?;
    if state
        .store
        .catalog()
        .survey_version(&site.id, &event.survey_id, event.survey_version)
        .is_none()
    {
        return Err(ApiError::NotFound {
            missing: Missing::SurveyVersion,
            id: format!("{} v{}", event.survey_id, event.survey_version),
            field: Some("survey_version"),
        });
    }
    let display_id = event.display_id;
    if privacy::withholds_member(&headers) {
        // Global Privacy Control: the display is kept (it feeds response rates), its member not.
        event.context.member = None;
    }
    let display = event.pseudonymize(|member| site.member_hash(member));
    let received_at = state.clock.now();
    let stored = state.store.put_display(display, received_at)?.await?;
    let duplicate = matches!(stored, Stored::Duplicate { .. });
    let status = if duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        axum::Json(Accepted {
            display_id,
            duplicate,
        }),
    ))
}
