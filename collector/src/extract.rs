//! A JSON extractor whose rejections use the API's error shape.
//!
//! Syntax errors are 400 `malformed_json`; a well-formed body of the wrong shape is 422 naming
//! the offending field (`answers.nps`), via `serde_path_to_error`. `text/plain` is accepted as
//! well as `application/json`, because `navigator.sendBeacon` cannot send JSON cross-origin
//! without a preflight it does not make.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde::de::DeserializeOwned;
use shared::error::{ErrorCode, FieldError};

use crate::error::ApiError;

#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if !(essence == "application/json" || essence == "text/plain" || essence.ends_with("+json"))
        {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| match e {
            BytesRejection::FailedToBufferBody(inner) if is_length_limit(&inner) => {
                ApiError::PayloadTooLarge
            }
            other => ApiError::MalformedJson(other.body_text()),
        })?;
        parse(&bytes).map(Json)
    }
}

fn is_length_limit(e: &axum::extract::rejection::FailedToBufferBody) -> bool {
    matches!(
        e,
        axum::extract::rejection::FailedToBufferBody::LengthLimitError(_)
    )
}

/// Parses JSON into `T`, telling a syntax error (400) from a shape error (422 with its field).
///
/// Every body of this API is a JSON object. serde's derived structs would also take an array
/// of their fields in order (`[[null]]` as a batch, found by schemathesis), so anything else
/// that is well-formed JSON is refused here, before it can be read positionally.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first.is_some_and(|&b| b != b'{') {
        return Err(
            match serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
                Ok(_) => not_an_object(String::new()),
                Err(e) => ApiError::MalformedJson(e.to_string()),
            },
        );
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        shape_error(path, inner)
    })
}

/// Turns a `serde_json::Value` into `T` with the same error mapping (for batch items, which
/// must be objects too).
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    if !value.is_object() {
        return Err(not_an_object(String::new()));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        shape_error(path, e.into_inner())
    })
}

fn not_an_object(field: String) -> ApiError {
    ApiError::invalid(FieldError::new(
        ErrorCode::InvalidType,
        field,
        "must be a JSON object",
    ))
}

fn shape_error(path: String, e: serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => ApiError::MalformedJson(e.to_string()),
        Category::Data => {
            let parent = if path == "." { String::new() } else { path };
            let message = e.to_string();
            // serde appends " at line L column C"; the field path already says where.
            let message = message
                .split(" at line ")
                .next()
                .unwrap_or(&message)
                .to_owned();
            // For a missing field serde's path ends at the parent: name the field. For an
            // unknown one it already ends at the field.
            let named = |prefix: &str| {
                message
                    .strip_prefix(prefix)
                    .and_then(|rest| rest.split('`').nth(1))
                    .map(|name| match parent.as_str() {
                        "" => name.to_owned(),
                        p if p == name || p.ends_with(&format!(".{name}")) => p.to_owned(),
                        p => format!("{p}.{name}"),
                    })
            };
            let (code, field) = if let Some(field) = named("missing field") {
                (ErrorCode::Required, field)
            } else if let Some(field) = named("unknown field") {
                (ErrorCode::UnknownField, field)
            } else {
                (ErrorCode::InvalidType, parent)
            };
            ApiError::invalid(FieldError::new(code, field, message))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        name: String,
        inner: Option<Inner>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        size: u8,
    }

    /// Regression (schemathesis): a derived struct also reads an array of its fields in order,
    /// so `["a", null]` was an `Outer`. Bodies and batch items must be objects.
    #[test]
    fn only_objects_are_read() {
        for body in [r#"["a", null]"#, "[[null]]", " 7", "null", "\"a\""] {
            match parse::<Outer>(body.as_bytes()) {
                Err(ApiError::Invalid(errors)) => {
                    assert_eq!(errors[0].message, "must be a JSON object", "{body}")
                }
                other => panic!("{body}: {other:?}"),
            }
        }
        assert!(matches!(
            from_value::<Outer>(serde_json::json!(["a", null])),
            Err(ApiError::Invalid(_))
        ));
        assert!(matches!(
            parse::<Outer>(b"[1,"),
            Err(ApiError::MalformedJson(_))
        ));
        assert!(parse::<Outer>(br#" {"name": "a"}"#).is_ok());
    }

    /// Regression: an unknown field was named twice (`secret.secret`).
    #[test]
    fn shape_errors_name_the_field_once() {
        let cases = [
            (r#"{"name": "a", "secret": 1}"#, "unknown_field", "secret"),
            (
                r#"{"name": "a", "inner": {"size": 1, "colour": 2}}"#,
                "unknown_field",
                "inner.colour",
            ),
            (r#"{"inner": null}"#, "required", "name"),
            (r#"{"name": "a", "inner": {}}"#, "required", "inner.size"),
            (r#"{"name": 7}"#, "invalid_type", "name"),
        ];
        for (body, code, field) in cases {
            let e = parse::<Outer>(body.as_bytes()).unwrap_err();
            assert_eq!((e.code(), e.field()), (code, Some(field)), "{body}");
        }
    }
}
