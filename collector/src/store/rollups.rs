//! Keeping the rollups ([`crate::rollup`]) in the `events` tree, and reading them back.
//!
//! | prefix | key after the prefix | value |
//! |--------|----------------------|-------|
//! | `G` | site `\0` survey `\0` view (u8) level (u8) bucket (i64, order-kept BE) values | [`Counts`] (postcard) |
//! | `W` | site `\0` survey `\0` received at (i64, order-kept BE) sequence (u64 BE) | empty: the survey's responses by time |
//! | `V` | site `\0` survey `\0` received at (i64, order-kept BE) sequence (u64 BE) | empty: the survey's displays by time |
//!
//! A cell's values are, for each of its view's dimensions, `0` (none) or `1`, a length byte
//! and the value. The writer gathers a group's changes to cells in [`CellChanges`] and adds
//! them to the stored cells when the group is done, in the group's batch: a cell is read and
//! written once per group however many of the group's records count in it. The time indexes
//! let a summary whose `from` or `to` falls inside a quarter hour read that edge's records.
//!
//! Stores written before rollups existed get them on open ([`build`]), in batches that each
//! carry the mark of how far the build got: a start killed halfway goes on from the mark.

use std::collections::HashMap;
use std::fs::File;
use std::ops::Range;

use serde::{Deserialize, Serialize};
use shared::ids::{SiteId, SurveyId};
use shared::time::Timestamp;

use super::StoreError;
use super::catalog::Catalog;
use super::keys::{self, with_prefix};
use super::records::{DisplayRecord, ResponseRecord};
use crate::rollup::{CellId, Counts, Level, View, cells_of};

const CELL: u8 = b'G';
const RESPONSE_TIME: u8 = b'W';
const DISPLAY_TIME: u8 = b'V';

/// Records counted per batch of the build on open.
const BUILD_BATCH: usize = 10_000;

fn order_kept(n: i64) -> [u8; 8] {
    ((n as u64) ^ (1 << 63)).to_be_bytes()
}

fn from_order_kept(bytes: &[u8]) -> i64 {
    (keys::decode_u64(bytes) ^ (1 << 63)) as i64
}

/// The prefix of every key of a survey under `prefix`.
fn survey_prefix(prefix: u8, site: &SiteId, survey: &SurveyId) -> Vec<u8> {
    let mut key = with_prefix(
        prefix,
        &[site.as_str().as_bytes(), survey.as_str().as_bytes()],
    );
    key.push(0);
    key
}

fn level_prefix(site: &SiteId, survey: &SurveyId, view: View, level: Level) -> Vec<u8> {
    let mut key = survey_prefix(CELL, site, survey);
    key.push(view.byte());
    key.push(level as u8);
    key
}

fn cell_key(site: &SiteId, survey: &SurveyId, cell: &CellId) -> Vec<u8> {
    let mut key = level_prefix(site, survey, cell.view, cell.level);
    key.extend_from_slice(&order_kept(cell.bucket));
    for value in &cell.values {
        match value {
            None => key.push(0),
            Some(v) => {
                // Ids and locales are short; a longer value keeps its first 255 bytes.
                let bytes = &v.as_bytes()[..v.len().min(255)];
                key.push(1);
                key.push(bytes.len() as u8);
                key.extend_from_slice(bytes);
            }
        }
    }
    key
}

/// A cell key's bucket and values, read after its level prefix.
fn read_cell_key(rest: &[u8], dimensions: usize) -> Option<(i64, Vec<Option<String>>)> {
    let bucket = from_order_kept(rest.get(..8)?);
    let mut at = 8;
    let mut values = Vec::with_capacity(dimensions);
    for _ in 0..dimensions {
        match *rest.get(at)? {
            0 => {
                values.push(None);
                at += 1;
            }
            _ => {
                let len = usize::from(*rest.get(at + 1)?);
                let bytes = rest.get(at + 2..at + 2 + len)?;
                values.push(Some(String::from_utf8_lossy(bytes).into_owned()));
                at += 2 + len;
            }
        }
    }
    Some((bucket, values))
}

fn time_key(prefix: u8, site: &SiteId, survey: &SurveyId, at: Timestamp, seq: u64) -> Vec<u8> {
    let mut key = survey_prefix(prefix, site, survey);
    key.extend_from_slice(&order_kept(at.millis()));
    key.extend_from_slice(&seq.to_be_bytes());
    key
}

fn time_range(prefix: u8, site: &SiteId, survey: &SurveyId, from: i64, to: i64) -> Range<Vec<u8>> {
    let mut start = survey_prefix(prefix, site, survey);
    let mut end = start.clone();
    start.extend_from_slice(&order_kept(from));
    end.extend_from_slice(&order_kept(to));
    start..end
}

pub(super) fn response_time(record: &ResponseRecord) -> Vec<u8> {
    let r = &record.response;
    time_key(
        RESPONSE_TIME,
        &r.context.site_id,
        &r.survey_id,
        record.received_at,
        record.seq,
    )
}

pub(super) fn display_time(record: &DisplayRecord) -> Vec<u8> {
    let d = &record.display;
    time_key(
        DISPLAY_TIME,
        &d.context.site_id,
        &d.survey_id,
        record.received_at,
        record.seq,
    )
}

/// A cell's key and its new value (`None`: remove it).
pub(super) type CellWrite = (Vec<u8>, Option<Vec<u8>>);

/// The changes a group (or a batch of the build) makes to cells, by cell key.
#[derive(Debug, Default)]
pub(super) struct CellChanges(HashMap<Vec<u8>, Counts>);

impl CellChanges {
    fn count(
        &mut self,
        site: &SiteId,
        survey: &SurveyId,
        cell: &CellId,
        counts: &Counts,
        sign: i64,
    ) {
        self.0
            .entry(cell_key(site, survey, cell))
            .or_default()
            .add(counts, sign);
    }

    /// Counts a response (`sign` 1) or takes it away (−1). A flagged response counts nowhere.
    pub(super) fn response(&mut self, catalog: &Catalog, record: &ResponseRecord, sign: i64) {
        if record.flag.is_some() {
            return;
        }
        let r = &record.response;
        let version = catalog.survey_version(&r.context.site_id, &r.survey_id, r.survey_version);
        let counts = Counts::of_response(&r.answers, version.as_deref());
        for cell in cells_of(record.received_at, &r.context) {
            self.count(&r.context.site_id, &r.survey_id, &cell, &counts, sign);
        }
    }

    /// Counts a display (`sign` 1) or takes it away (−1).
    pub(super) fn display(&mut self, record: &DisplayRecord, sign: i64) {
        let d = &record.display;
        let shown = matches!(d.kind, shared::display::DisplayKind::Shown);
        let counts = Counts::of_display(shown);
        for cell in cells_of(record.received_at, &d.context) {
            self.count(&d.context.site_id, &d.survey_id, &cell, &counts, sign);
        }
    }

    /// The new value of every changed cell (`None`: nothing left, remove it), from the stored
    /// ones that `stored` reads.
    pub(super) fn merged(
        self,
        stored: impl Fn(&[u8]) -> Result<Option<sled::IVec>, StoreError>,
    ) -> Result<Vec<CellWrite>, StoreError> {
        let mut out = Vec::with_capacity(self.0.len());
        for (key, change) in self.0 {
            if change.is_empty() {
                continue;
            }
            let mut cell = match stored(&key)? {
                Some(bytes) => Counts::decode(&bytes).map_err(|_| StoreError::CorruptCell)?,
                None => Counts::default(),
            };
            cell.add(&change, 1);
            out.push((key, (!cell.is_empty()).then(|| cell.encode())));
        }
        Ok(out)
    }
}

/// The cells of one view and level of a survey with buckets in `first..=last`, in key order
/// (by bucket, then values).
pub(super) fn read_cells(
    events: &sled::Tree,
    site: &SiteId,
    survey: &SurveyId,
    view: View,
    level: Level,
    first: i64,
    last: i64,
) -> impl Iterator<Item = Result<(i64, Vec<Option<String>>, Counts), StoreError>> + use<> {
    let prefix = level_prefix(site, survey, view, level);
    let (mut start, mut end) = (prefix.clone(), prefix.clone());
    start.extend_from_slice(&order_kept(first));
    end.extend_from_slice(&order_kept(last.saturating_add(1)));
    let skip = prefix.len();
    let dimensions = view.dimensions().count();
    events.range(start..end).map(move |item| {
        let (key, value) = item?;
        let (bucket, values) =
            read_cell_key(&key[skip..], dimensions).ok_or(StoreError::CorruptCell)?;
        let counts = Counts::decode(&value).map_err(|_| StoreError::CorruptCell)?;
        Ok((bucket, values, counts))
    })
}

/// The first and last month bucket of a survey that has anything counted.
pub(super) fn extent(
    events: &sled::Tree,
    site: &SiteId,
    survey: &SurveyId,
) -> Result<Option<(i64, i64)>, StoreError> {
    let prefix = level_prefix(site, survey, View::default(), Level::Month);
    let mut months = events.scan_prefix(&prefix).keys();
    let Some(first) = months.next().transpose()? else {
        return Ok(None);
    };
    let last = months
        .next_back()
        .transpose()?
        .unwrap_or_else(|| first.clone());
    let bucket = |key: &[u8]| from_order_kept(&key[prefix.len()..]);
    Ok(Some((bucket(&first), bucket(&last))))
}

/// The sequence numbers of a survey's responses received in `from..to`.
pub(super) fn responses_received(
    events: &sled::Tree,
    site: &SiteId,
    survey: &SurveyId,
    from: i64,
    to: i64,
) -> impl Iterator<Item = Result<u64, StoreError>> + use<> {
    events
        .range(time_range(RESPONSE_TIME, site, survey, from, to))
        .keys()
        .map(|key| Ok(keys::index_entry_seq(&key?)))
}

/// The sequence numbers of a survey's displays received in `from..to`.
pub(super) fn displays_received(
    events: &sled::Tree,
    site: &SiteId,
    survey: &SurveyId,
    from: i64,
    to: i64,
) -> impl Iterator<Item = Result<u64, StoreError>> + use<> {
    events
        .range(time_range(DISPLAY_TIME, site, survey, from, to))
        .keys()
        .map(|key| Ok(keys::index_entry_seq(&key?)))
}

/// How far the build on open got. Once `complete`, the writer keeps the rollups.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildMark {
    /// Responses and displays up to these sequence numbers are counted.
    pub responses: u64,
    pub displays: u64,
    pub complete: bool,
}

fn mark_key() -> Vec<u8> {
    with_prefix(keys::META, &[b"rollups-v1"])
}

pub(super) fn read_mark(events: &sled::Tree) -> Result<Option<BuildMark>, StoreError> {
    Ok(events
        .get(mark_key())?
        .map(|bytes| serde_json::from_slice(&bytes))
        .transpose()?)
}

/// Counts every record the rollups do not have yet, once: stores written before rollups
/// existed (or whose rollups were dropped) get them on open, before the writer starts.
pub(super) fn build(
    db: &sled::Db,
    events: &sled::Tree,
    data_file: &File,
    catalog: &Catalog,
) -> Result<(), StoreError> {
    let mut mark = read_mark(events)?.unwrap_or_default();
    if mark.complete {
        return Ok(());
    }
    let last_response = keys::next_seq(events, keys::RESPONSE)? - 1;
    let last_display = keys::next_seq(events, keys::DISPLAY)? - 1;
    let todo =
        last_response.saturating_sub(mark.responses) + last_display.saturating_sub(mark.displays);
    if todo > 0 {
        tracing::info!(
            records = todo,
            "building the rollups of the stored responses and displays; summaries wait for it"
        );
    }
    let started = std::time::Instant::now();
    let mut done = 0u64;
    let responses = events.range(keys::response_seq(mark.responses + 1)..keys::response_seq_end());
    let mut changes = CellChanges::default();
    let mut batch = sled::Batch::default();
    let mut pending = 0;
    let flush = |changes: CellChanges,
                 mut batch: sled::Batch,
                 mark: &BuildMark|
     -> Result<(), StoreError> {
        for (key, value) in changes.merged(|k| Ok(events.get(k)?))? {
            match value {
                Some(v) => batch.insert(key, v),
                None => batch.remove(key),
            }
        }
        batch.insert(mark_key(), serde_json::to_vec(mark)?);
        events.apply_batch(batch)?;
        db.flush()?;
        data_file.sync_data()?;
        Ok(())
    };
    for item in responses {
        let (_, bytes) = item?;
        let record: ResponseRecord = serde_json::from_slice(&bytes)?;
        changes.response(catalog, &record, 1);
        batch.insert(response_time(&record), Vec::new());
        mark.responses = record.seq;
        pending += 1;
        if pending == BUILD_BATCH {
            flush(
                std::mem::take(&mut changes),
                std::mem::take(&mut batch),
                &mark,
            )?;
            done += pending as u64;
            pending = 0;
            progress(done, todo, started);
        }
    }
    let displays = events.range(keys::display_seq(mark.displays + 1)..keys::display_seq(u64::MAX));
    for item in displays {
        let (_, bytes) = item?;
        let record: DisplayRecord = serde_json::from_slice(&bytes)?;
        changes.display(&record, 1);
        batch.insert(display_time(&record), Vec::new());
        mark.displays = record.seq;
        pending += 1;
        if pending == BUILD_BATCH {
            flush(
                std::mem::take(&mut changes),
                std::mem::take(&mut batch),
                &mark,
            )?;
            done += pending as u64;
            pending = 0;
            progress(done, todo, started);
        }
    }
    mark.complete = true;
    flush(changes, batch, &mark)?;
    if todo > 0 {
        tracing::info!(
            records = todo,
            seconds = started.elapsed().as_secs_f64(),
            "built the rollups"
        );
    }
    Ok(())
}

fn progress(done: u64, todo: u64, started: std::time::Instant) {
    tracing::info!(
        done,
        of = todo,
        percent = (done * 100).checked_div(todo).unwrap_or(100),
        seconds = started.elapsed().as_secs_f64(),
        "building the rollups"
    );
}

/// Removes every cell, time index entry and the build mark, so that the next open builds the
/// rollups again from the stored records. For an offline store only.
pub(super) fn drop_all(events: &sled::Tree) -> Result<u64, StoreError> {
    // The mark first: a drop killed halfway leaves a build to do, never a half-empty "complete".
    events.remove(mark_key())?;
    let mut removed = 0;
    for prefix in [CELL, RESPONSE_TIME, DISPLAY_TIME] {
        let mut batch = sled::Batch::default();
        let mut pending = 0;
        for key in events.scan_prefix([prefix]).keys() {
            batch.remove(key?);
            removed += 1;
            pending += 1;
            if pending == 100_000 {
                events.apply_batch(std::mem::take(&mut batch))?;
                pending = 0;
            }
        }
        events.apply_batch(batch)?;
    }
    Ok(removed)
}
