//! The collector's admin API, through the browser's `fetch`, with the key as a bearer token.
//! The dashboard is served by the collector it reads, so paths are relative to the page's
//! origin.
//!
//! Reading helpers ([`get`], [`put`]) answer a refusal as [`ApiError::Status`] with the
//! collector's message; form helpers ([`post`], [`send`], [`delete`]) and [`download`] also
//! keep the fields it names ([`ApiError::Invalid`]), so a form shows each problem next to its
//! input.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Why a request gave no data.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ApiError {
    /// 401: the key is unknown or revoked. The app signs out.
    Unauthorized,
    /// 403: the key is good but may not read this (an export key of another site).
    Forbidden,
    /// Another status, with the collector's own message when it sent one.
    Status(u16, String),
    /// A refusal from a form helper, with the fields (or query parameters) it names.
    Invalid {
        status: u16,
        message: String,
        fields: Vec<FieldProblem>,
    },
    /// No answer at all, or one that is not what the API answers.
    Network,
}

/// One field the collector refused: the error's `field`, or each of its `details`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct FieldProblem {
    #[serde(default)]
    pub field: String,
    #[serde(default)]
    pub message: String,
    /// The collector's machine-readable code (`required`, `too_long`, …); empty for a problem
    /// the page found itself, whose message is already in the page's language.
    #[serde(default)]
    pub code: String,
}

impl FieldProblem {
    /// The problem in the page's language. The collector writes its messages in English; in
    /// Korean the code says what kind of problem it is, and the English detail follows.
    pub(crate) fn said(&self, lang: crate::texts::Lang) -> String {
        let korean = match self.code.as_str() {
            _ if lang == crate::texts::Lang::En => None,
            "required" => Some("입력해야 합니다"),
            "invalid_type" | "invalid_value" | "invalid_pattern" => Some("올바른 값이 아닙니다"),
            "out_of_range" => Some("허용 범위를 벗어났습니다"),
            "too_long" => Some("너무 깁니다"),
            "too_short" => Some("너무 짧습니다"),
            "too_many" => Some("너무 많습니다"),
            "too_few" => Some("너무 적습니다"),
            "duplicate" => Some("중복되었습니다"),
            "invalid_reference" | "unknown_question" | "unknown_choice" => {
                Some("없는 항목을 가리킵니다")
            }
            "unknown_field" => Some("알 수 없는 항목입니다"),
            _ => None,
        };
        match korean {
            Some(k) => format!("{k} ({})", self.message),
            None => self.message.clone(),
        }
    }
}

impl ApiError {
    /// What the collector said about `field` (a field or query parameter; `when` also matches
    /// `when.at_most`), if anything.
    pub(crate) fn about(&self, field: &str) -> Option<&FieldProblem> {
        let ApiError::Invalid { fields, .. } = self else {
            return None;
        };
        fields.iter().find(|f| {
            f.field == field
                || f.field
                    .strip_prefix(field)
                    .is_some_and(|rest| rest.starts_with('.'))
        })
    }
}

/// `GET path` with `Authorization: Bearer key`, read as JSON.
pub(crate) async fn get<T: DeserializeOwned>(key: &str, path: &str) -> Result<T, ApiError> {
    let (status, text) = exchange(key, "GET", path, None).await?;
    read(status, &text, false)
}

/// `PUT path` with `body` as JSON, the answer read as JSON.
pub(crate) async fn put<B: Serialize, T: DeserializeOwned>(
    key: &str,
    path: &str,
    body: &B,
) -> Result<T, ApiError> {
    let body = serde_json::to_string(body).map_err(|_| ApiError::Network)?;
    let (status, text) = exchange(key, "PUT", path, Some(body)).await?;
    read(status, &text, false)
}

/// `POST path` with `body` as JSON (`None`: no body), for a form: the answer read as JSON, a
/// refusal with its fields.
pub(crate) async fn post<B: Serialize, T: DeserializeOwned>(
    key: &str,
    path: &str,
    body: Option<&B>,
) -> Result<T, ApiError> {
    let body = body
        .map(serde_json::to_string)
        .transpose()
        .map_err(|_| ApiError::Network)?;
    let (status, text) = exchange(key, "POST", path, body).await?;
    read(status, &text, true)
}

/// `PUT path` with `body` as JSON, for a form: like [`put`], a refusal with its fields.
pub(crate) async fn send<B: Serialize, T: DeserializeOwned>(
    key: &str,
    path: &str,
    body: &B,
) -> Result<T, ApiError> {
    put_form(key, path, body, None).await
}

/// `PUT path` like [`send`], only if `version` is still the latest (`If-Match`): else a 412
/// `stale_version`, which names the latest.
pub(crate) async fn send_after<B: Serialize, T: DeserializeOwned>(
    key: &str,
    path: &str,
    body: &B,
    version: u32,
) -> Result<T, ApiError> {
    put_form(key, path, body, Some(&format!("\"{version}\""))).await
}

async fn put_form<B: Serialize, T: DeserializeOwned>(
    key: &str,
    path: &str,
    body: &B,
    if_match: Option<&str>,
) -> Result<T, ApiError> {
    let body = serde_json::to_string(body).map_err(|_| ApiError::Network)?;
    let (status, text) = exchange_if(key, "PUT", path, Some(body), if_match).await?;
    read(status, &text, true)
}

/// `DELETE path`. The answer (204) has no body to read.
pub(crate) async fn delete(key: &str, path: &str) -> Result<(), ApiError> {
    let (status, text) = exchange(key, "DELETE", path, None).await?;
    match status {
        200..=299 => Ok(()),
        _ => read::<serde_json::Value>(status, &text, true).map(|_| ()),
    }
}

/// Sends the request; the status and the body's text, or `Network` when nothing came back.
async fn exchange(
    key: &str,
    method: &str,
    path: &str,
    body: Option<String>,
) -> Result<(u16, String), ApiError> {
    exchange_if(key, method, path, body, None).await
}

/// [`exchange`], with an `If-Match` when given.
async fn exchange_if(
    key: &str,
    method: &str,
    path: &str,
    body: Option<String>,
    if_match: Option<&str>,
) -> Result<(u16, String), ApiError> {
    let window = web_sys::window().ok_or(ApiError::Network)?;
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let headers = web_sys::Headers::new().map_err(|_| ApiError::Network)?;
    headers
        .set("authorization", &format!("Bearer {key}"))
        .map_err(|_| ApiError::Network)?;
    if let Some(tag) = if_match {
        headers
            .set("if-match", tag)
            .map_err(|_| ApiError::Network)?;
    }
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
    Ok((reply.status(), text))
}

/// A 2xx read as JSON, or the error its status and body say.
fn read<T: DeserializeOwned>(status: u16, text: &str, with_fields: bool) -> Result<T, ApiError> {
    match status {
        200..=299 => serde_json::from_str(text).map_err(|_| ApiError::Network),
        _ => Err(refusal(status, text, with_fields)),
    }
}

/// The error of a status that is not 2xx, from the API's error shape
/// (`{"error": {"message", "field", "details": [{"field", "message"}]}}`).
fn refusal(status: u16, body: &str, with_fields: bool) -> ApiError {
    #[derive(Deserialize)]
    struct Shape {
        error: Detail,
    }
    #[derive(Deserialize)]
    struct Detail {
        #[serde(default)]
        code: String,
        #[serde(default)]
        message: String,
        #[serde(default)]
        field: Option<String>,
        #[serde(default)]
        details: Vec<FieldProblem>,
    }
    let detail = serde_json::from_str::<Shape>(body).ok().map(|s| s.error);
    match status {
        401 => return ApiError::Unauthorized,
        403 => return ApiError::Forbidden,
        _ => {}
    }
    let Some(detail) = detail else {
        return ApiError::Status(status, String::new());
    };
    let mut fields = detail.details;
    if fields.is_empty()
        && let Some(field) = detail.field.filter(|f| !f.is_empty())
    {
        // A single problem: the message is the field's own (for a body field, without the
        // `field: ` the collector puts before it).
        let prefix = format!("{field}: ");
        let message = detail
            .message
            .strip_prefix(&prefix)
            .unwrap_or(&detail.message)
            .to_owned();
        fields.push(FieldProblem {
            field,
            message,
            code: detail.code,
        });
    }
    if with_fields && !fields.is_empty() {
        ApiError::Invalid {
            status,
            message: detail.message,
            fields,
        }
    } else {
        ApiError::Status(status, detail.message)
    }
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
    let status = reply.status();
    if !(200..=299).contains(&status) {
        let text = match reply.text() {
            Ok(p) => JsFuture::from(p).await.ok().and_then(|t| t.as_string()),
            Err(_) => None,
        };
        return Err(refusal(status, &text.unwrap_or_default(), true));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::texts::Lang;

    fn problem(field: &str, message: &str) -> FieldProblem {
        FieldProblem {
            field: field.into(),
            message: message.into(),
            code: String::new(),
        }
    }

    #[test]
    fn refusals_keep_the_fields_they_name_for_forms() {
        let one = r#"{"error":{"code":"invalid_value","message":"url: \"x\" is not a URL","field":"url"}}"#;
        let error = refusal(422, one, true);
        assert_eq!(
            error,
            ApiError::Invalid {
                status: 422,
                message: "url: \"x\" is not a URL".into(),
                fields: vec![FieldProblem {
                    code: "invalid_value".into(),
                    ..problem("url", "\"x\" is not a URL")
                }],
            }
        );
        assert_eq!(
            error.about("url").map(|p| p.message.as_str()),
            Some("\"x\" is not a URL")
        );
        assert_eq!(error.about("payload").map(|p| p.message.as_str()), None);
        // The reading helpers keep the message alone, as the comments page expects.
        assert_eq!(
            refusal(422, one, false),
            ApiError::Status(422, "url: \"x\" is not a URL".into())
        );
        let many = r#"{"error":{"code":"out_of_range","message":"when.at_most: a score from 0 to 10","field":"when.at_most",
            "details":[{"code":"out_of_range","field":"when.at_most","message":"a score from 0 to 10"},
                       {"code":"too_long","field":"description","message":"at most 200 characters"}]}}"#;
        let error = refusal(422, many, true);
        assert_eq!(
            error.about("when").map(|p| p.message.as_str()),
            Some("a score from 0 to 10")
        );
        assert_eq!(
            error.about("description").map(|p| p.message.as_str()),
            Some("at most 200 characters")
        );
        assert_eq!(error.about("whe").map(|p| p.message.as_str()), None);
        let no_field = r#"{"error":{"code":"too_many","message":"too many webhooks","field":""}}"#;
        assert_eq!(
            refusal(422, no_field, true),
            ApiError::Status(422, "too many webhooks".into())
        );
        assert_eq!(refusal(401, no_field, true), ApiError::Unauthorized);
        assert_eq!(refusal(403, "", true), ApiError::Forbidden);
        assert_eq!(
            refusal(502, "<html>", true),
            ApiError::Status(502, String::new())
        );
    }

    #[test]
    fn the_collector_s_english_comes_with_its_kind_in_korean() {
        let many = r#"{"error":{"code":"required","message":"m","field":"name",
            "details":[{"code":"required","field":"name","message":"give the survey a name"},
                       {"code":"something_new","field":"x","message":"a new kind"}]}}"#;
        let ApiError::Invalid { fields, .. } = refusal(422, many, true) else {
            panic!("the fields are kept");
        };
        assert_eq!(
            fields[0].said(Lang::Ko),
            "입력해야 합니다 (give the survey a name)"
        );
        assert_eq!(fields[0].said(Lang::En), "give the survey a name");
        assert_eq!(
            fields[1].said(Lang::Ko),
            "a new kind",
            "an unknown code: the detail alone"
        );
        let mine = problem("total", "숫자로 입력하세요");
        assert_eq!(
            mine.said(Lang::Ko),
            "숫자로 입력하세요",
            "the page's own, already Korean"
        );
    }
}
