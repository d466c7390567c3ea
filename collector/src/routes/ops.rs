//! Operations: `/healthz` and `/metrics`.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(metrics))
}

/// 200 while the store accepts writes, 503 otherwise, so a load balancer stops sending
/// responses that could not be stored.
#[utoipa::path(get, security(()), path = "/healthz", tag = "ops", summary = "health", responses((status = 200, description = "success", body = Object, content_type = "application/json"), (status = 503, description = "the store cannot write", body = Object), (status = 408, description = "the request took too long", body = crate::error::ErrorBody)))]
async fn health(State(state): State<AppState>) -> impl IntoResponse {
    if state.store.is_writable() {
        (StatusCode::OK, axum::Json(json!({ "status": "ok" })))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({ "status": "store_unavailable" })),
        )
    }
}

#[utoipa::path(get, security(()), path = "/metrics", tag = "ops", summary = "Prometheus metrics", responses((status = 200, description = "the metrics in the OpenMetrics text format", body = String, content_type = "application/openmetrics-text"), crate::error::responses::PublicRead))]
async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
}
