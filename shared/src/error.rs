//! Typed validation errors that name the field they are about.

use serde::{Deserialize, Serialize};

/// A machine-readable reason. Stable: clients match on these strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    Required,
    InvalidType,
    InvalidValue,
    OutOfRange,
    TooLong,
    TooShort,
    TooMany,
    TooFew,
    Duplicate,
    UnknownQuestion,
    UnknownChoice,
    QuestionNotShown,
    InvalidReference,
    InvalidPattern,
    UnknownField,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::InvalidType => "invalid_type",
            Self::InvalidValue => "invalid_value",
            Self::OutOfRange => "out_of_range",
            Self::TooLong => "too_long",
            Self::TooShort => "too_short",
            Self::TooMany => "too_many",
            Self::TooFew => "too_few",
            Self::Duplicate => "duplicate",
            Self::UnknownQuestion => "unknown_question",
            Self::UnknownChoice => "unknown_choice",
            Self::QuestionNotShown => "question_not_shown",
            Self::InvalidReference => "invalid_reference",
            Self::InvalidPattern => "invalid_pattern",
            Self::UnknownField => "unknown_field",
        }
    }
}

/// One problem with one field, e.g. `answers.nps: expected a whole number from 0 to 10`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub code: ErrorCode,
    pub message: String,
    /// A dotted path into the document, e.g. `questions.1.choices` or `answers.nps`.
    pub field: String,
}

impl FieldError {
    pub fn new(code: ErrorCode, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code,
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Collects field errors under a path prefix, so nested validators need not know where they sit.
#[derive(Debug, Default)]
pub(crate) struct Errors(Vec<FieldError>);

impl Errors {
    pub(crate) fn push(
        &mut self,
        code: ErrorCode,
        field: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.0.push(FieldError::new(code, field, message));
    }

    pub(crate) fn into_result(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}
