//! `POST /v1/client-reports`: a widget reports answers it discarded on the device (see
//! `shared::report`). Counted in `/metrics` as `nunchi_widget_discarded_total{site,reason}` and
//! logged; nothing is stored, as nothing was answered.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use shared::error::{ErrorCode, FieldError};
use shared::report::{ClientReport, MAX_QUANTITY};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::error::site_named;
use crate::extract::Json;
use crate::origin;
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(post_report))
}

#[utoipa::path(post, security(()), path = "/v1/client-reports", tag = "widget", summary = "a widget error report", request_body(content = Object, content_type = "application/json"), responses((status = 204, description = "success"), crate::error::responses::Widget))]
async fn post_report(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(report): Json<ClientReport>,
) -> Result<StatusCode, ApiError> {
    let site = site_named(state.store.catalog(), &report.site_id, "site_id")?;
    origin::check(&headers, &site)?;
    if let Some(i) = report
        .discarded
        .iter()
        .position(|d| d.quantity > MAX_QUANTITY)
    {
        return Err(ApiError::invalid(FieldError::new(
            ErrorCode::OutOfRange,
            format!("discarded[{i}].quantity"),
            format!("a report claims at most {MAX_QUANTITY} per reason"),
        )));
    }
    for d in &report.discarded {
        state
            .metrics
            .count_discarded(site.id.as_str(), d.reason.as_str(), d.quantity);
        tracing::warn!(site = %site.id, reason = d.reason.as_str(), quantity = d.quantity, "a widget discarded answers on the device");
    }
    Ok(StatusCode::NO_CONTENT)
}
