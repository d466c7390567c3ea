//! The dashboard from `dist/dashboard/` (`cargo xtask dist`): `/dashboard`, its page, never
//! cached (it names the current build's files) and sent with a strict Content-Security-Policy;
//! and `/dashboard/{file}`, the content-hashed module, wasm and stylesheet, cached for a year.
//! The app itself reads the admin API with the key its user types.

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::widget::{serve, serve_hashed};
use crate::error::{ApiError, Missing};
use crate::state::AppState;

/// Only this origin's own files; WebAssembly may compile (`'wasm-unsafe-eval'`); no inline
/// script or style; no framing (the page holds an admin key). It frames only this origin's
/// own pages: the editor's preview (`/p/{id}`).
const POLICY: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-src 'self'; base-uri 'none'; \
    form-action 'none'; frame-ancestors 'none'";

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(page))
        .routes(routes!(asset))
}

#[utoipa::path(get, security(()), path = "/dashboard", tag = "dashboard", summary = "the dashboard, signed in with an API key", responses((status = 200, description = "the dashboard's page", body = String, content_type = "text/html"), crate::error::responses::PublicRead))]
async fn page() -> Response {
    let mut response = serve("dashboard/index.html", "no-cache");
    if response.status().is_success() {
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(POLICY),
        );
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
    }
    response
}

#[utoipa::path(get, security(()), path = "/dashboard/{file}", tag = "dashboard", summary = "a dashboard file", params(("file" = String, Path)), responses((status = 200, description = "the module, the wasm or the stylesheet", content((String = "text/javascript"), (Vec<u8> = "application/wasm"), (String = "text/css"))), crate::error::responses::PublicRead))]
async fn asset(Path(file): Path<String>, headers: HeaderMap) -> Response {
    // `index.html` is the page, served (with its policy) at `/dashboard` only.
    if file == "index.html" {
        return ApiError::NotFound {
            missing: Missing::DashboardFile,
            id: file,
            field: None,
        }
        .into_response();
    }
    serve_hashed(&format!("dashboard/{file}"), &headers)
}
