//! Export: a site's responses as CSV, NDJSON or a JSON page, filtered, in ingest order.
//!
//! **Cursor.** Every response has a sequence number, given by the writer thread in the order
//! it stores them. An export reads the responses after its `cursor` up to the store's
//! committed mark ([`Store::committed_response_seq`]) taken when the request starts, and
//! answers that mark as the next cursor (`Nunchi-Next-Cursor`; `next_cursor` in a JSON page
//! that is cut short says where it stopped). No response can be stored below the mark later,
//! so a team that always passes the last cursor back gets every response exactly once, however
//! many arrive meanwhile. The cursor is a position in the site's whole ingest order, so it stays
//! valid when the filters change.
//!
//! **Constant memory.** CSV and NDJSON are streamed: a [`ResponseScan`] walks the site's (or
//! survey's) index lazily, and each page (at most [`PAGE_ROWS`] index entries or about
//! [`PAGE_BYTES`] of output) is read and encoded by one blocking task only when the client has
//! taken the page before it. Whatever the size of the export, the collector holds one page.
//!
//! # Layout
//!
//! - this file: the query ([`ExportQuery::parse`]) and the page-by-page stream; which
//!   responses it holds is a [`ContextFilter`].
//! - [`csv_layout`]: CSV columns and cells, and formula neutralisation.
//! - [`timestamps`]: times in queries and cells.

pub mod csv_layout;
pub mod timestamps;

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Bytes;
use futures_util::Stream;
use serde::Serialize;
use shared::ids::{SiteId, SurveyId};

use crate::error::{ApiError, Missing};
use crate::filter::{ContextFilter, FilterParam};
use crate::store::{Catalog, ResponseRecord, ResponseScan, Store, StoreError};
use csv_layout::CsvLayout;

/// The header that carries the cursor of the next export.
pub const NEXT_CURSOR: axum::http::HeaderName =
    axum::http::HeaderName::from_static("nunchi-next-cursor");

/// A streamed page reads at most this many index entries (matching or not) …
pub const PAGE_ROWS: usize = 1_000;
/// … and stops once its output has grown past this many bytes.
pub const PAGE_BYTES: usize = 256 * 1024;
/// The most responses in one JSON page, and the default.
pub const MAX_JSON_LIMIT: usize = 5_000;
pub const DEFAULT_JSON_LIMIT: usize = 1_000;
/// A JSON page reads at most this many index entries.
pub const MAX_JSON_SCAN: usize = 100_000;

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

    fn scan(&self, store: &Store) -> ResponseScan {
        store.scan_responses(self.filter.scope(&self.site), self.after, self.upto)
    }
}

fn invalid(param: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::bad_query("invalid_parameter", param, message)
}

/// A JSON page of responses.
#[derive(Debug, Serialize)]
pub struct JsonPage {
    pub responses: Vec<ResponseRecord>,
    /// Pass back as `cursor` for the responses after these.
    pub next_cursor: String,
    /// Whether the page was cut short (by its limit, or the most a page reads): more may
    /// follow right away.
    pub has_more: bool,
}

/// Reads one JSON page. Blocking. A page stops at `limit` responses, or after
/// [`MAX_JSON_SCAN`] index entries when a narrow filter matches few: then it may be short (even
/// empty) and say `has_more`, so that one request never walks a whole large site.
pub fn json_page(store: &Store, query: &ExportQuery, limit: usize) -> Result<JsonPage, StoreError> {
    let mut scan = query.scan(store);
    let mut responses = Vec::with_capacity(limit.min(1_024));
    let (mut has_more, mut scanned) = (false, 0);
    while let Some(record) = scan.next() {
        let record = record?;
        scanned += 1;
        if query.filter.matches(&record) {
            responses.push(record);
        }
        if responses.len() == limit || scanned == MAX_JSON_SCAN {
            // Stop here; whether any follows is for the next page to find.
            has_more = scan.position() < query.upto;
            break;
        }
    }
    let next = if has_more {
        scan.position()
    } else {
        query.upto
    };
    Ok(JsonPage {
        responses,
        next_cursor: next.to_string(),
        has_more,
    })
}

/// How far a streamed export has read: index entries scanned and rows written. Shared with
/// the caller, so a test can watch that nothing is read ahead of the client.
#[derive(Debug, Default)]
pub struct Progress {
    pub scanned: AtomicU64,
    pub rows: AtomicU64,
}

/// A streamed export in progress: the scan and what is needed to encode a page.
struct Streaming {
    scan: ResponseScan,
    filter: ContextFilter,
    csv: Option<CsvLayout>,
    progress: Arc<Progress>,
}

impl Streaming {
    /// Reads and encodes the next page. Blocking. `None` once the scan is done.
    fn next_page(&mut self) -> Result<Option<Vec<u8>>, StoreError> {
        let mut out = Vec::with_capacity(PAGE_BYTES + 4 * 1024);
        let raw = self.filter.index_decides();
        let mut csv = self.csv.as_ref().map(|layout| {
            (
                layout,
                ::csv::WriterBuilder::new()
                    .has_headers(false)
                    .from_writer(Vec::with_capacity(PAGE_BYTES + 4 * 1024)),
            )
        });
        let (mut scanned, mut rows, mut done) = (0, 0, false);
        while scanned < PAGE_ROWS {
            let Some(seq) = self.scan.next_seq().transpose()? else {
                done = true;
                break;
            };
            scanned += 1;
            match &mut csv {
                None if raw => {
                    // The stored JSON is the record: pass it on without parsing it.
                    out.extend_from_slice(self.scan.raw_record(seq)?.as_ref());
                    out.push(b'\n');
                }
                None => {
                    let record = self.read(seq)?;
                    if !self.filter.matches(&record) {
                        continue;
                    }
                    serde_json::to_writer(&mut out, &record)?;
                    out.push(b'\n');
                }
                Some((layout, writer)) => {
                    let record = self.read(seq)?;
                    if !self.filter.matches(&record) {
                        continue;
                    }
                    writer
                        .write_record(layout.row(&record))
                        .map_err(csv_error)?;
                }
            }
            rows += 1;
            let written = match &csv {
                Some((_, writer)) => writer.get_ref().len(),
                None => out.len(),
            };
            if written >= PAGE_BYTES {
                break;
            }
        }
        if let Some((_, writer)) = csv {
            out = writer
                .into_inner()
                .map_err(|e| csv_error(e.into_error().into()))?;
        }
        self.progress
            .scanned
            .fetch_add(scanned as u64, Ordering::Relaxed);
        self.progress.rows.fetch_add(rows, Ordering::Relaxed);
        Ok((!(done && out.is_empty())).then_some(out))
    }

    fn read(&self, seq: u64) -> Result<ResponseRecord, StoreError> {
        Ok(serde_json::from_slice(self.scan.raw_record(seq)?.as_ref())?)
    }
}

fn csv_error(e: ::csv::Error) -> StoreError {
    StoreError::Io(io::Error::other(e.to_string()))
}

/// The body of a CSV or NDJSON export, a page at a time: the next page is read only once the
/// previous one has been taken. `still_allowed` is asked before each page; when it says no (the
/// key was revoked) the stream ends with an error, and the client sees a cut-off body rather
/// than a complete-looking file.
pub fn stream(
    store: &Store,
    query: &ExportQuery,
    progress: Arc<Progress>,
    still_allowed: impl Fn() -> bool + Send + Sync + 'static,
) -> impl Stream<Item = Result<Bytes, io::Error>> + Send + 'static {
    let mut first = Vec::new();
    let csv = match &query.format {
        Format::Csv { layout, bom } => {
            if *bom {
                first.extend_from_slice("\u{feff}".as_bytes());
            }
            let mut writer = ::csv::WriterBuilder::new().from_writer(first);
            // Writing to memory cannot fail.
            let _ = writer.write_record(layout.header());
            first = writer.into_inner().unwrap_or_default();
            Some(layout.clone())
        }
        Format::Ndjson | Format::Json { .. } => None,
    };
    let streaming = Streaming {
        scan: query.scan(store),
        filter: query.filter.clone(),
        csv,
        progress,
    };
    let header = futures_util::stream::iter((!first.is_empty()).then(|| Ok(Bytes::from(first))));
    let pages = futures_util::stream::try_unfold(streaming, move |mut streaming| {
        let allowed = still_allowed();
        async move {
            if !allowed {
                return Err(io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    "the key was revoked during the export",
                ));
            }
            // Pages that match nothing are skipped here, so the client never waits on an
            // empty chunk.
            loop {
                let (back, page) = tokio::task::spawn_blocking(move || {
                    let page = streaming.next_page();
                    (streaming, page)
                })
                .await
                .map_err(io::Error::other)?;
                streaming = back;
                match page.map_err(|e| {
                    tracing::error!(error = %e, "export stopped: the store could not be read");
                    io::Error::other(e.to_string())
                })? {
                    None => return Ok(None),
                    Some(bytes) if bytes.is_empty() => continue,
                    Some(bytes) => return Ok(Some((Bytes::from(bytes), streaming))),
                }
            }
        }
    });
    futures_util::StreamExt::chain(header, pages)
}
