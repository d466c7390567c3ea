//! A CSV or NDJSON export as a body streamed a page at a time, so that whatever its size the
//! collector holds one page (see **Constant memory** in [`crate::export`]).

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Bytes;
use futures_util::Stream;

use super::csv_layout::CsvLayout;
use super::{ExportQuery, Format, PAGE_BYTES, PAGE_ROWS};
use crate::filter::ContextFilter;
use crate::store::{ResponseRecord, ResponseScan, Store, StoreError};

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
