//! The widget bundle from `dist/` (`cargo xtask dist`): `/widget.js`, the small loader a host
//! page names in its script tag, cached briefly so a new release reaches pages within minutes;
//! and `/widget/{file}`, the content-hashed module and wasm, cached for a year. `serve` and
//! `serve_hashed` also serve the dashboard's files (`dashboard.rs`).

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, Missing};
use crate::state::AppState;

/// Read from disk in debug builds, embedded in release builds. Missing until the first
/// `cargo xtask dist`: the routes then say so.
#[derive(RustEmbed)]
#[folder = "../dist/"]
#[allow_missing = true]
struct Bundle;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(loader))
        .routes(routes!(asset))
}

fn not_built(path: &str) -> Response {
    ApiError::NotFound {
        missing: Missing::BundleFile,
        id: path.to_owned(),
        field: None,
    }
    .into_response()
}

#[utoipa::path(get, security(()), path = "/widget.js", tag = "widget", summary = "the widget loader", responses((status = 200, description = "the loader script", body = String, content_type = "text/javascript"), crate::error::responses::PublicRead))]
async fn loader() -> Response {
    serve("widget.js", "public, max-age=300")
}

/// Host pages on other origins load the module with `import()`, a CORS request: the app's CORS
/// layer answers it.
#[utoipa::path(get, security(()), path = "/widget/{file}", tag = "widget", summary = "a widget bundle file", params(("file" = String, Path)), responses((status = 200, description = "a module or the wasm", content((String = "text/javascript"), (Vec<u8> = "application/wasm"))), crate::error::responses::PublicRead))]
async fn asset(Path(file): Path<String>, headers: HeaderMap) -> Response {
    serve_hashed(&format!("widget/{file}"), &headers)
}

/// A content-hashed file of `dist/`, cached for a year, precompressed when the browser takes it.
pub(super) fn serve_hashed(path: &str, headers: &HeaderMap) -> Response {
    const IMMUTABLE: &str = "public, max-age=31536000, immutable";
    let accepts = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // `cargo xtask dist` compresses the hashed files once; send the best the browser takes.
    for (encoding, suffix) in [("br", ".br"), ("gzip", ".gz")] {
        let accepted = accepts
            .split(',')
            .any(|e| e.split(';').next().is_some_and(|e| e.trim() == encoding));
        if accepted && let Some(file) = Bundle::get(&format!("{path}{suffix}")) {
            let mut response = serve_file(path, file.data, IMMUTABLE);
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
            headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
            return response;
        }
    }
    serve(path, IMMUTABLE)
}

pub(super) fn serve(path: &str, cache: &'static str) -> Response {
    match Bundle::get(path) {
        Some(file) => serve_file(path, file.data, cache),
        None => not_built(path),
    }
}

fn serve_file(path: &str, data: std::borrow::Cow<'static, [u8]>, cache: &'static str) -> Response {
    let mime = match path.rsplit('.').next() {
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("html") => "text/html; charset=utf-8",
        _ => "text/javascript; charset=utf-8",
    };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(mime)),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        data,
    )
        .into_response()
}
