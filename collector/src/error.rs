//! The one error type of the HTTP API.
//!
//! Every failure reaches the client as `{"error": {"code", "message", "field"}}` with the right
//! status. Only internal errors are logged, and their details never reach the client.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use shared::error::FieldError;

use crate::store::catalog::CatalogError;
use crate::store::{KeyRingError, StoreError};

mod missing;

pub use missing::Missing;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the body is not valid JSON: {0}")]
    MalformedJson(String),
    #[error("{}", .0.first().map_or_else(String::new, ToString::to_string))]
    Invalid(Vec<FieldError>),
    #[error("send the body as application/json")]
    UnsupportedMediaType,
    #[error("the body is larger than this endpoint accepts (see --body-limit)")]
    PayloadTooLarge,
    #[error("a valid API key is required: send it as 'Authorization: Bearer <key>'")]
    Unauthorized,
    #[error("origin {0:?} may not post to this site")]
    OriginNotAllowed(String),
    /// A valid key that may not do this (its scope, or another site).
    #[error("{0}")]
    InsufficientScope(String),
    /// A query-string parameter that cannot be read, named by `param`.
    #[error("{param}: {message}")]
    BadQuery {
        code: &'static str,
        param: &'static str,
        message: String,
    },
    #[error("{} {id:?} does not exist", .missing.noun())]
    NotFound {
        missing: Missing,
        id: String,
        field: Option<&'static str>,
    },
    #[error("{what} {id:?} already exists")]
    Conflict { what: &'static str, id: String },
    /// `If-Match` named a version that is no longer the latest.
    #[error("version {latest} of this survey was published since; read it, then publish again")]
    StaleVersion { latest: u32 },
    /// A receipt token that is not genuine: malformed, of an unknown key, altered or forged.
    #[error("this survey link is not valid ({0}); scan the QR code on your receipt again")]
    ReceiptInvalid(shared::receipt::token::TokenError),
    #[error("this receipt's survey link has expired")]
    ReceiptExpired(shared::time::Timestamp),
    /// The receipt has its one response already.
    #[error("this receipt's survey has already been answered: one response per receipt")]
    ReceiptUsed,
    #[error("the request took too long")]
    Timeout,
    #[error("the store is busy; retry shortly")]
    Busy,
    #[error("the store cannot write right now; retry shortly")]
    Unavailable,
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

/// The error shape as the OpenAPI document describes it: `{"error": {code, message, field}}`.
/// A mirror of what [`ApiError::to_json`] writes, kept beside it.
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
struct ErrorDetail {
    /// A machine-readable code, such as `invalid_value`.
    code: String,
    message: String,
    /// The field or parameter at fault, if one is.
    field: Option<String>,
    /// With several invalid fields: each of them.
    #[schema(required = false)]
    details: Option<Vec<serde_json::Value>>,
}

#[derive(Serialize)]
struct ErrorOut<'a> {
    code: &'a str,
    message: String,
    field: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    details: &'a [FieldError],
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::MalformedJson(_) => StatusCode::BAD_REQUEST,
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::OriginNotAllowed(_) | Self::InsufficientScope(_) => StatusCode::FORBIDDEN,
            Self::BadQuery { .. } => StatusCode::BAD_REQUEST,
            Self::NotFound { .. } => StatusCode::NOT_FOUND,
            Self::Conflict { .. } | Self::ReceiptUsed => StatusCode::CONFLICT,
            Self::StaleVersion { .. } => StatusCode::PRECONDITION_FAILED,
            Self::ReceiptInvalid(_) => StatusCode::FORBIDDEN,
            Self::ReceiptExpired(_) => StatusCode::GONE,
            Self::Timeout => StatusCode::REQUEST_TIMEOUT,
            Self::Busy | Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The machine-readable code clients match on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MalformedJson(_) => "malformed_json",
            Self::Invalid(errors) => errors.first().map_or("invalid", |e| e.code.as_str()),
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::PayloadTooLarge => "payload_too_large",
            Self::Unauthorized => "unauthorized",
            Self::OriginNotAllowed(_) => "origin_not_allowed",
            Self::InsufficientScope(_) => "insufficient_scope",
            Self::BadQuery { code, .. } => code,
            Self::NotFound { missing, .. } => missing.code(),
            Self::Conflict { .. } => "already_exists",
            Self::StaleVersion { .. } => "stale_version",
            Self::ReceiptInvalid(_) => "receipt_invalid",
            Self::ReceiptExpired(_) => "receipt_expired",
            Self::ReceiptUsed => "receipt_used",
            Self::Timeout => "timeout",
            Self::Busy => "store_busy",
            Self::Unavailable => "store_unavailable",
            Self::Internal(_) => "internal",
        }
    }

    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Invalid(errors) => errors.first().map(|e| e.field.as_str()),
            Self::NotFound { field, .. } => *field,
            Self::BadQuery { param, .. } => Some(param),
            _ => None,
        }
    }

    pub fn invalid(field: FieldError) -> Self {
        Self::Invalid(vec![field])
    }

    /// The error body alone, for one item of a batch.
    pub fn to_json(&self) -> serde_json::Value {
        let details = match self {
            Self::Invalid(errors) if errors.len() > 1 => errors.as_slice(),
            _ => &[],
        };
        serde_json::to_value(ErrorOut {
            code: self.code(),
            message: self.to_string(),
            field: self.field(),
            details,
        })
        .unwrap_or_default()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Internal(e) = &self {
            tracing::error!(error = ?e, "internal error");
        }
        let status = self.status();
        let body = serde_json::json!({ "error": self.to_json() });
        let mut response = (status, axum::Json(body)).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Busy => Self::Busy,
            StoreError::Closed
            | StoreError::Io(_)
            | StoreError::Backend(_)
            | StoreError::Group(_) => {
                tracing::error!(error = %e, "store write failed");
                Self::Unavailable
            }
            StoreError::Corrupt(_) | StoreError::Missing(_) | StoreError::CorruptCell => {
                Self::Internal(e.into())
            }
        }
    }
}

impl From<CatalogError> for ApiError {
    fn from(e: CatalogError) -> Self {
        match e {
            CatalogError::Store(e) => e.into(),
            other => Self::Internal(other.into()),
        }
    }
}

impl From<KeyRingError> for ApiError {
    fn from(e: KeyRingError) -> Self {
        match e {
            KeyRingError::Store(e) => e.into(),
            KeyRingError::NoKey => Self::Internal(e.into()),
        }
    }
}

impl ApiError {
    /// A query parameter that cannot be read.
    pub fn bad_query(code: &'static str, param: &'static str, message: impl Into<String>) -> Self {
        Self::BadQuery {
            code,
            param,
            message: message.into(),
        }
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(e: tokio::task::JoinError) -> Self {
        Self::Internal(e.into())
    }
}

/// The error answers an operation can give, each with the [`ErrorBody`] schema, for
/// `responses(…)` in `#[utoipa::path]`. Grouped by the kind of route, from the extractors and
/// layers each kind goes through: the JSON body (400, 413, 415, 422), the API key (401, 403),
/// the request timeout (408) and the store (503).
pub mod responses {
    use std::collections::BTreeMap;

    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder, response::Response};

    fn errors(statuses: &[(u16, &str)]) -> BTreeMap<String, RefOr<Response>> {
        statuses
            .iter()
            .map(|(status, description)| {
                let content = ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build();
                let response = ResponseBuilder::new()
                    .description(*description)
                    .content("application/json", content)
                    .build();
                (status.to_string(), RefOr::T(response))
            })
            .collect()
    }

    const BAD_QUERY: (u16, &str) = (
        400,
        "a query parameter cannot be read, or the body is not JSON",
    );
    const UNAUTHORIZED: (u16, &str) = (401, "no valid API key");
    const FORBIDDEN_KEY: (u16, &str) = (403, "the key's scope or site does not allow this");
    const FORBIDDEN_ORIGIN: (u16, &str) = (403, "the Origin may not post to this site");
    const NOT_FOUND: (u16, &str) = (404, "the site, survey or other resource does not exist");
    const TIMEOUT: (u16, &str) = (408, "the request took too long");
    const CONFLICT: (u16, &str) = (409, "it already exists");
    const TOO_LARGE: (u16, &str) = (413, "the body is larger than --body-limit");
    const MEDIA_TYPE: (u16, &str) = (415, "the body is not sent as application/json");
    const INVALID: (u16, &str) = (
        422,
        "the body is well-formed JSON but invalid, naming the field",
    );
    const INTERNAL: (u16, &str) = (500, "an internal error (logged; no details)");
    const UNAVAILABLE: (u16, &str) = (
        503,
        "the store is busy or cannot write; retry (Retry-After)",
    );

    /// Widget routes that take a JSON body: no key, but the site's allowed origins.
    #[derive(Debug)]
    pub struct Widget;
    impl utoipa::IntoResponses for Widget {
        fn responses() -> BTreeMap<String, RefOr<Response>> {
            errors(&[
                BAD_QUERY,
                FORBIDDEN_ORIGIN,
                NOT_FOUND,
                TIMEOUT,
                TOO_LARGE,
                MEDIA_TYPE,
                INVALID,
                INTERNAL,
                UNAVAILABLE,
            ])
        }
    }

    /// Admin, export and summary reads: a key, and perhaps query parameters.
    #[derive(Debug)]
    pub struct AdminRead;
    impl utoipa::IntoResponses for AdminRead {
        fn responses() -> BTreeMap<String, RefOr<Response>> {
            errors(&[
                BAD_QUERY,
                UNAUTHORIZED,
                FORBIDDEN_KEY,
                NOT_FOUND,
                TIMEOUT,
                INTERNAL,
                UNAVAILABLE,
            ])
        }
    }

    /// Admin writes: a key and (for most) a JSON body.
    #[derive(Debug)]
    pub struct AdminWrite;
    impl utoipa::IntoResponses for AdminWrite {
        fn responses() -> BTreeMap<String, RefOr<Response>> {
            errors(&[
                BAD_QUERY,
                UNAUTHORIZED,
                FORBIDDEN_KEY,
                NOT_FOUND,
                TIMEOUT,
                CONFLICT,
                TOO_LARGE,
                MEDIA_TYPE,
                INVALID,
                INTERNAL,
                UNAVAILABLE,
            ])
        }
    }

    const RECEIPT_INVALID: (u16, &str) = (
        403,
        "receipt_invalid: the token is malformed, altered, forged or of an unknown key",
    );
    const RECEIPT_USED: (u16, &str) = (409, "receipt_used: the receipt has its one response");
    const RECEIPT_EXPIRED: (u16, &str) = (410, "receipt_expired: the token has expired");

    /// Public routes of a receipt token: the token's own refusals, and (for the response) those
    /// of a widget route.
    #[derive(Debug)]
    pub struct Receipt;
    impl utoipa::IntoResponses for Receipt {
        fn responses() -> BTreeMap<String, RefOr<Response>> {
            errors(&[
                BAD_QUERY,
                RECEIPT_INVALID,
                NOT_FOUND,
                TIMEOUT,
                RECEIPT_USED,
                RECEIPT_EXPIRED,
                TOO_LARGE,
                MEDIA_TYPE,
                INVALID,
                INTERNAL,
                UNAVAILABLE,
            ])
        }
    }

    /// A preview's answer: no key (the preview's id is its secret), a JSON body; never stored,
    /// so never a conflict or a busy store.
    #[derive(Debug)]
    pub struct PreviewAnswer;
    impl utoipa::IntoResponses for PreviewAnswer {
        fn responses() -> BTreeMap<String, RefOr<Response>> {
            errors(&[
                BAD_QUERY, NOT_FOUND, TIMEOUT, TOO_LARGE, MEDIA_TYPE, INVALID, INTERNAL,
            ])
        }
    }

    /// Public reads (config, widget files, operations): no key, no body.
    #[derive(Debug)]
    pub struct PublicRead;
    impl utoipa::IntoResponses for PublicRead {
        fn responses() -> BTreeMap<String, RefOr<Response>> {
            errors(&[BAD_QUERY, NOT_FOUND, TIMEOUT, INTERNAL, UNAVAILABLE])
        }
    }
}

/// The site a request names, or its 404: every route that reads a site, and the ingest path,
/// find it here, so an unknown site is the same answer everywhere. `field` is the body field
/// that named it (`"context.site_id"`), or `None` for a site named by the path.
pub fn site_named(
    catalog: &crate::store::Catalog,
    id: &shared::ids::SiteId,
    field: impl Into<Option<&'static str>>,
) -> Result<std::sync::Arc<crate::site::Site>, ApiError> {
    catalog.site(id).ok_or_else(|| ApiError::NotFound {
        missing: Missing::Site,
        id: id.to_string(),
        field: field.into(),
    })
}
