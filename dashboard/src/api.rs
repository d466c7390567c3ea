//! The collector's admin API, through the browser's `fetch`, with the key as a bearer token.
//! The dashboard is served by the collector it reads, so paths are relative to the page's
//! origin.

use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Why a request gave no data.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ApiError {
    /// 401: the key is unknown or revoked. The app signs out.
    Unauthorized,
    /// 403: the key is good but may not read this (an export key of another site).
    Forbidden,
    /// 422: what was sent is not valid, field by field, as the collector explained it.
    Invalid(Vec<Problem>),
    /// Another status, with the collector's own message when it sent one.
    Status(u16, String),
    /// No answer at all, or one that is not what the API answers.
    Network,
}

/// One invalid field: its dotted path in what was sent (`questions.1.text`) and why.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Problem {
    pub field: String,
    pub message: String,
}

/// `GET path` with `Authorization: Bearer key`, read as JSON.
pub(crate) async fn get<T: DeserializeOwned>(key: &str, path: &str) -> Result<T, ApiError> {
    request(key, "GET", path, None).await
}

/// `POST path` with `body` as JSON, the answer read as JSON.
pub(crate) async fn post<B: Serialize, T: DeserializeOwned>(
    key: &str,
    path: &str,
    body: &B,
) -> Result<T, ApiError> {
    let body = serde_json::to_string(body).map_err(|_| ApiError::Network)?;
    request(key, "POST", path, Some(body)).await
}

/// `PUT path` with `body` as JSON, the answer read as JSON.
pub(crate) async fn put<B: Serialize, T: DeserializeOwned>(
    key: &str,
    path: &str,
    body: &B,
) -> Result<T, ApiError> {
    let body = serde_json::to_string(body).map_err(|_| ApiError::Network)?;
    request(key, "PUT", path, Some(body)).await
}

async fn request<T: DeserializeOwned>(
    key: &str,
    method: &str,
    path: &str,
    body: Option<String>,
) -> Result<T, ApiError> {
    let window = web_sys::window().ok_or(ApiError::Network)?;
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let headers = web_sys::Headers::new().map_err(|_| ApiError::Network)?;
    headers
        .set("authorization", &format!("Bearer {key}"))
        .map_err(|_| ApiError::Network)?;
    if let Some(body) = body {
        headers
            .set("content-type", "application/json")
            .map_err(|_| ApiError::Network)?;
        init.set_body(&wasm_bindgen::JsValue::from_str(&body));
    }
    init.set_headers(&headers);
    let reply: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(path, &init))
        .await
        .map_err(|_| ApiError::Network)?
        .unchecked_into();
    let text = JsFuture::from(reply.text().map_err(|_| ApiError::Network)?)
        .await
        .ok()
        .and_then(|t| t.as_string())
        .unwrap_or_default();
    match reply.status() {
        200..=299 => serde_json::from_str(&text).map_err(|_| ApiError::Network),
        401 => Err(ApiError::Unauthorized),
        403 => Err(ApiError::Forbidden),
        422 => Err(ApiError::Invalid(problems(&text))),
        status => Err(ApiError::Status(status, error_message(&text))),
    }
}

/// The fields of a 422 (`{"error": {"field", "message", "details": [{field, message}]}}`):
/// every detail when there are several, else the one field.
fn problems(body: &str) -> Vec<Problem> {
    let value: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let error = &value["error"];
    let one = |v: &serde_json::Value| {
        let field = v["field"].as_str().unwrap_or_default().to_owned();
        let message = v["message"].as_str().unwrap_or_default();
        // A lone error's message starts with its field (`name: give the survey a name`).
        let message = message
            .strip_prefix(field.as_str())
            .and_then(|m| m.strip_prefix(": "))
            .unwrap_or(message)
            .to_owned();
        Problem { field, message }
    };
    match error["details"].as_array() {
        Some(details) if !details.is_empty() => details.iter().map(one).collect(),
        _ => vec![one(error)],
    }
}

/// The `message` of the API's error shape (`{"error": {"message": …}}`), or nothing.
fn error_message(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// A path segment or query value, percent-encoded (ids are plain, but an address is typed).
pub(crate) fn encode(text: &str) -> String {
    js_sys::encode_uri_component(text).into()
}

/// `GET path` with the key, saved as the file `file_name`: the export needs the
/// `Authorization` header, which a plain link cannot send, so the answer is read here as a
/// `Blob` and handed to the browser's download through an object URL (a `blob:` link, which
/// the page's Content-Security-Policy does not restrict: a download is not a fetch).
pub(crate) async fn download(key: &str, path: &str, file_name: &str) -> Result<(), ApiError> {
    let window = web_sys::window().ok_or(ApiError::Network)?;
    let init = web_sys::RequestInit::new();
    init.set_method("GET");
    let headers = web_sys::Headers::new().map_err(|_| ApiError::Network)?;
    headers
        .set("authorization", &format!("Bearer {key}"))
        .map_err(|_| ApiError::Network)?;
    init.set_headers(&headers);
    let reply: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(path, &init))
        .await
        .map_err(|_| ApiError::Network)?
        .unchecked_into();
    match reply.status() {
        200..=299 => {}
        401 => return Err(ApiError::Unauthorized),
        403 => return Err(ApiError::Forbidden),
        status => {
            let text = match reply.text() {
                Ok(p) => JsFuture::from(p).await.ok().and_then(|t| t.as_string()),
                Err(_) => None,
            };
            return Err(ApiError::Status(
                status,
                error_message(&text.unwrap_or_default()),
            ));
        }
    }
    let blob: web_sys::Blob = JsFuture::from(reply.blob().map_err(|_| ApiError::Network)?)
        .await
        .map_err(|_| ApiError::Network)?
        .unchecked_into();
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| ApiError::Network)?;
    let document = window.document().ok_or(ApiError::Network)?;
    let link: web_sys::HtmlElement = document
        .create_element("a")
        .map_err(|_| ApiError::Network)?
        .unchecked_into();
    let _ = link.set_attribute("href", &url);
    let _ = link.set_attribute("download", file_name);
    link.click();
    // The download has started from the link; the URL is let go a moment later, not at once
    // (a browser may still be reading it).
    let later = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    let _ =
        window.set_timeout_with_callback_and_timeout_and_arguments_0(later.unchecked_ref(), 60_000);
    Ok(())
}
