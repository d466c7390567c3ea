//! The pages in `www/`. A release build embeds them in the binary; a debug build reads them
//! from disk, so editing a page needs no rebuild.

use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

use crate::error::{ApiError, Missing};

#[derive(RustEmbed)]
#[folder = "../www/"]
struct Pages;

pub(super) async fn serve(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    if path.starts_with("v1/") {
        return ApiError::NotFound {
            missing: Missing::Route,
            id: uri.path().to_owned(),
            field: None,
        }
        .into_response();
    }
    let path = if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.to_owned()
    };
    match Pages::get(&path) {
        Some(file) => {
            let mime = content_type(&path);
            (
                [(header::CONTENT_TYPE, HeaderValue::from_static(mime))],
                file.data,
            )
                .into_response()
        }
        None => ApiError::NotFound {
            missing: Missing::Page,
            id: uri.path().to_owned(),
            field: None,
        }
        .into_response(),
    }
}

/// A page whose address holds a secret (a receipt's token, a preview's id), with `status`: as
/// HTML, never cached, and sending no referrer, so no other site learns the secret from a
/// link on the page.
pub(super) fn secret_page(html: std::borrow::Cow<'static, [u8]>, status: StatusCode) -> Response {
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A page of `www/` by its path, if there is one.
pub(super) fn page(path: &str) -> Option<std::borrow::Cow<'static, [u8]>> {
    Pages::get(path).map(|file| file.data)
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}
