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
//! - this file: the limits of a page, and the cursor's header.
//! - `query`: the query ([`ExportQuery::parse`]) and its format; which responses it holds is
//!   a [`ContextFilter`](crate::filter::ContextFilter).
//! - `page`: one JSON page ([`json_page`]).
//! - `stream`: CSV and NDJSON, a page at a time ([`stream()`]).
//! - [`csv_layout`]: CSV columns and cells, and formula neutralisation.
//! - [`timestamps`]: times in queries and cells.
//!
//! [`Store::committed_response_seq`]: crate::store::Store::committed_response_seq
//! [`ResponseScan`]: crate::store::ResponseScan

pub mod csv_layout;
mod page;
mod query;
mod stream;
pub mod timestamps;

pub use page::{JsonPage, json_page};
pub use query::{ExportQuery, Format};
pub use stream::{Progress, stream};

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
