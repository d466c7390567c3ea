//! What a 404 says does not exist, as a type. [`ApiError::NotFound`] names a [`Missing`], which
//! gives both the noun of its message and the code clients match on: a new kind of 404 is a new
//! variant here, and a misspelt one does not compile, where a noun matched as text by
//! [`ApiError::code`] would quietly have answered `not_found`.
//!
//! [`ApiError::NotFound`]: super::ApiError::NotFound
//! [`ApiError::code`]: super::ApiError::code

/// What a 404 says does not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    Site,
    Survey,
    SurveyVersion,
    ApiKey,
    Webhook,
    DeadLetter,
    /// A stored response (to label).
    Response,
    /// A survey draft's preview, expired or never made.
    Preview,
    /// A page of `www/`.
    Page,
    /// A path under `/v1/` that no route serves.
    Route,
    /// A file of the widget's bundle in `dist/`.
    BundleFile,
    /// A file of the dashboard's bundle in `dist/`.
    DashboardFile,
}

impl Missing {
    /// How the message names it: `{noun} {id:?} does not exist`.
    pub fn noun(self) -> &'static str {
        match self {
            Self::Site => "site",
            Self::Survey => "survey",
            Self::SurveyVersion => "survey version",
            Self::ApiKey => "api key",
            Self::Webhook => "webhook",
            Self::DeadLetter => "dead letter",
            Self::Response => "response",
            Self::Preview => "preview",
            Self::Page => "page",
            Self::Route => "route",
            Self::BundleFile => "bundle file (build it with `cargo xtask dist`)",
            Self::DashboardFile => "dashboard file",
        }
    }

    /// The machine-readable code: `unknown_…` for the API's own resources, `not_found` for
    /// the rest.
    pub fn code(self) -> &'static str {
        match self {
            Self::Site => "unknown_site",
            Self::Survey => "unknown_survey",
            Self::SurveyVersion => "unknown_survey_version",
            Self::ApiKey => "unknown_key",
            Self::Webhook => "unknown_webhook",
            Self::DeadLetter => "unknown_dead_letter",
            Self::Response
            | Self::Preview
            | Self::Page
            | Self::Route
            | Self::BundleFile
            | Self::DashboardFile => "not_found",
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;

    use super::*;
    use crate::error::ApiError;

    /// The message and code of every kind of 404, as clients have always seen them.
    #[test]
    fn not_found_names_what_is_missing_and_its_code() {
        let cases = [
            (Missing::Site, "site \"x\" does not exist", "unknown_site"),
            (
                Missing::Survey,
                "survey \"x\" does not exist",
                "unknown_survey",
            ),
            (
                Missing::SurveyVersion,
                "survey version \"x\" does not exist",
                "unknown_survey_version",
            ),
            (
                Missing::ApiKey,
                "api key \"x\" does not exist",
                "unknown_key",
            ),
            (
                Missing::Webhook,
                "webhook \"x\" does not exist",
                "unknown_webhook",
            ),
            (
                Missing::DeadLetter,
                "dead letter \"x\" does not exist",
                "unknown_dead_letter",
            ),
            (
                Missing::Response,
                "response \"x\" does not exist",
                "not_found",
            ),
            (
                Missing::Preview,
                "preview \"x\" does not exist",
                "not_found",
            ),
            (Missing::Page, "page \"x\" does not exist", "not_found"),
            (Missing::Route, "route \"x\" does not exist", "not_found"),
            (
                Missing::BundleFile,
                "bundle file (build it with `cargo xtask dist`) \"x\" does not exist",
                "not_found",
            ),
            (
                Missing::DashboardFile,
                "dashboard file \"x\" does not exist",
                "not_found",
            ),
        ];
        for (missing, message, code) in cases {
            let e = ApiError::NotFound {
                missing,
                id: "x".into(),
                field: Some("f"),
            };
            assert_eq!(
                (e.to_string().as_str(), e.code(), e.field(), e.status()),
                (message, code, Some("f"), StatusCode::NOT_FOUND),
                "{missing:?}"
            );
        }
    }
}
