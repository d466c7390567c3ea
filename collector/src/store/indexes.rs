//! Index entries for records written before their index existed: added once, on open.

use std::fs::File;

use super::StoreError;
use super::keys;
use super::records::{DisplayRecord, ResponseRecord};

/// Gives every stored response its site and survey index entries, once: stores written before
/// the indexes existed get them on the first open.
pub(super) fn build_response_indexes(
    db: &sled::Db,
    events: &sled::Tree,
    data_file: &File,
) -> Result<(), StoreError> {
    let records = keys::response_seq(0)..keys::response_seq_end();
    build_index_once(
        db,
        events,
        data_file,
        keys::response_indexes_built(),
        records,
        "responses",
        |bytes| {
            let record: ResponseRecord = serde_json::from_slice(bytes)?;
            let (site, survey) = (&record.response.context.site_id, &record.response.survey_id);
            Ok(vec![
                keys::site_response(site, record.seq),
                keys::survey_response(site, survey, record.seq),
            ])
        },
    )
}

/// Gives every stored display its survey index entry, once (stores written before the index
/// existed get it on the first open).
pub(super) fn build_display_indexes(
    db: &sled::Db,
    events: &sled::Tree,
    data_file: &File,
) -> Result<(), StoreError> {
    let records = keys::display_seq(0)..keys::display_seq(u64::MAX);
    build_index_once(
        db,
        events,
        data_file,
        keys::display_indexes_built(),
        records,
        "displays",
        |bytes| {
            let record: DisplayRecord = serde_json::from_slice(bytes)?;
            let display = &record.display;
            Ok(vec![keys::survey_display(
                &display.context.site_id,
                &display.survey_id,
                record.seq,
            )])
        },
    )
}

/// Adds the index entries `entries_of` gives for each record in `records`, unless the flag
/// `done` says it was done before. Batches of 10,000 records; the flag goes in with the last
/// batch, and all of it is made durable (flush, then fsync) before the store is used.
fn build_index_once(
    db: &sled::Db,
    events: &sled::Tree,
    data_file: &File,
    done: Vec<u8>,
    records: std::ops::Range<Vec<u8>>,
    what: &str,
    entries_of: impl Fn(&[u8]) -> Result<Vec<Vec<u8>>, StoreError>,
) -> Result<(), StoreError> {
    if events.contains_key(&done)? {
        return Ok(());
    }
    let mut batch = sled::Batch::default();
    let (mut pending, mut total) = (0, 0u64);
    for item in events.range(records) {
        let (_, bytes) = item?;
        for entry in entries_of(&bytes)? {
            batch.insert(entry, Vec::new());
        }
        pending += 1;
        total += 1;
        if pending == 10_000 {
            events.apply_batch(std::mem::take(&mut batch))?;
            pending = 0;
        }
    }
    batch.insert(done, Vec::new());
    events.apply_batch(batch)?;
    db.flush()?;
    data_file.sync_data()?;
    if total > 0 {
        tracing::info!(records = total, "indexed the stored {what}");
    }
    Ok(())
}
