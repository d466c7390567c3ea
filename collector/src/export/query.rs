//! An export's query string, read into an [`ExportQuery`]: which responses (a
//! [`ContextFilter`]), in which [`Format`], between which cursors. Read against the catalog
//! (a CSV's columns are the survey's questions; an unknown survey is a 404) and the store's
//! committed mark (a cursor ahead of it was not given by this collector).

use shared::ids::{SiteId, SurveyId};

use super::csv_layout::CsvLayout;
use super::{DEFAULT_JSON_LIMIT, MAX_JSON_LIMIT};
use crate::error::{ApiError, Missing};
use crate::filter::{ContextFilter, FilterParam};
use crate::store::{Catalog, ResponseScan, Store};

/// The format of an export.
#[derive(Debug, Clone)]
pub enum Format {
    /// One row per response; `bom` writes a UTF-8 byte order mark first (for Excel).
    Csv { layout: CsvLayout, bom: bool },
    /// One stored record per line.
    Ndjson,
    /// One page of at most `limit` records, with the cursor of the next page.
    Json { limit: usize },
}

/// An export, read from a query string and checked against the catalog and the store.
#[derive(Debug, Clone)]
pub struct ExportQuery {
    pub site: SiteId,
    pub filter: ContextFilter,
    pub format: Format,
    /// Responses after this sequence number …
    pub after: u64,
    /// … up to this one: the committed mark when the request was read.
    pub upto: u64,
}

const PARAMS: [&str; 10] = [
    "format",
    "survey",
    "from",
    "to",
    "channel",
    "store",
    "journey_stage",
    "cursor",
    "limit",
    "bom",
];

impl ExportQuery {
    /// Reads the query-string pairs of an export of `site`. Every problem is a 400 naming the
    /// parameter (`unknown_format`, `invalid_time`, `invalid_cursor`, `invalid_parameter`,
    /// `unknown_parameter`), or a 404 for a survey the site does not have.
    pub fn parse(
        site: SiteId,
        pairs: &[(String, String)],
        catalog: &Catalog,
        committed: u64,
    ) -> Result<Self, ApiError> {
        let mut single: [Option<&str>; PARAMS.len()] = [None; PARAMS.len()];
        let mut filter = ContextFilter::default();
        for (name, value) in pairs {
            let Some(i) = PARAMS.iter().position(|p| p == name) else {
                return Err(ApiError::bad_query(
                    "unknown_parameter",
                    "query",
                    format!(
                        "{name:?} is not a parameter of export; known: {}",
                        PARAMS.join(", ")
                    ),
                ));
            };
            let value = value.as_str();
            // Lists are read as they come (repeat the parameter or separate values with
            // commas); the others once all are in.
            match FilterParam::parse(PARAMS[i]) {
                Some(list) if list.is_list() => filter.read(list, value)?,
                _ => {
                    if single[i].replace(value).is_some() {
                        return Err(invalid(PARAMS[i], "give this parameter once"));
                    }
                }
            }
        }
        let get = |name: &str| single[PARAMS.iter().position(|p| *p == name).unwrap_or(0)];

        if let Some(raw) = get("survey") {
            let survey = SurveyId::parse(raw).map_err(|e| invalid("survey", e.to_string()))?;
            filter.survey = Some(survey);
        }
        for time in [FilterParam::From, FilterParam::To] {
            if let Some(raw) = get(time.name()) {
                filter.read(time, raw)?;
            }
        }
        filter.check_range()?;

        let after = match get("cursor") {
            None | Some("") => 0,
            Some(raw) => {
                let cursor: u64 = raw.trim().parse().map_err(|_| {
                    ApiError::bad_query(
                        "invalid_cursor",
                        "cursor",
                        format!("{raw:?} is not a cursor: pass back the Nunchi-Next-Cursor (or next_cursor) of an earlier export"),
                    )
                })?;
                if cursor > committed {
                    return Err(ApiError::bad_query(
                        "invalid_cursor",
                        "cursor",
                        format!(
                            "cursor {cursor} is ahead of this store, which has stored up to {committed}: was it given by another collector?"
                        ),
                    ));
                }
                cursor
            }
        };

        let format_name = get("format").unwrap_or("ndjson");
        let bom = match get("bom") {
            None | Some("false") | Some("0") => false,
            Some("true") | Some("1") => true,
            Some(other) => return Err(invalid("bom", format!("{other:?} is not true or false"))),
        };
        if bom && format_name != "csv" {
            return Err(invalid("bom", "a byte order mark is for format=csv only"));
        }
        let limit = get("limit")
            .map(|raw| {
                raw.parse::<usize>()
                    .ok()
                    .filter(|n| (1..=MAX_JSON_LIMIT).contains(n))
                    .ok_or_else(|| {
                        invalid(
                            "limit",
                            format!("a whole number from 1 to {MAX_JSON_LIMIT}"),
                        )
                    })
            })
            .transpose()?;
        if limit.is_some() && format_name != "json" {
            return Err(invalid(
                "limit",
                "CSV and NDJSON exports stream everything up to their cursor; use format=json for pages",
            ));
        }
        let format = match format_name {
            "csv" => {
                let survey = filter.survey.as_ref().ok_or_else(|| {
                    ApiError::bad_query(
                        "survey_required",
                        "survey",
                        "a CSV export has one column per question: name the survey",
                    )
                })?;
                Format::Csv {
                    layout: CsvLayout::for_versions(&catalog.survey_versions(&site, survey)),
                    bom,
                }
            }
            "ndjson" => Format::Ndjson,
            "json" => Format::Json {
                limit: limit.unwrap_or(DEFAULT_JSON_LIMIT),
            },
            other => {
                return Err(ApiError::bad_query(
                    "unknown_format",
                    "format",
                    format!("{other:?} is not a format: use csv, ndjson or json"),
                ));
            }
        };
        if let Some(survey) = &filter.survey
            && catalog.latest_survey(&site, survey).is_none()
        {
            return Err(ApiError::NotFound {
                missing: Missing::Survey,
                id: survey.to_string(),
                field: Some("survey"),
            });
        }
        Ok(Self {
            site,
            filter,
            format,
            after,
            upto: committed,
        })
    }

    /// The scan of the responses this export may hold, in ingest order.
    pub(super) fn scan(&self, store: &Store) -> ResponseScan {
        store.scan_responses(self.filter.scope(&self.site), self.after, self.upto)
    }
}

fn invalid(param: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::bad_query("invalid_parameter", param, message)
}
