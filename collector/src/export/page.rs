//! A JSON page of an export: at most `limit` responses and the cursor after them, for clients
//! that page rather than stream.

use serde::Serialize;

use super::{ExportQuery, MAX_JSON_SCAN};
use crate::store::{ResponseRecord, Store, StoreError};

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
