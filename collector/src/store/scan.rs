//! Reading responses in ingest order through the site and survey indexes, lazily.
//!
//! A [`ResponseScan`] walks the index entries of one site (or one survey of it) between two
//! sequence numbers and reads each record as it goes. It holds a sled iterator, not the rows:
//! however many responses match, a scan costs one record at a time, and the caller decides how
//! many to take before it lets go (an export takes a page per blocking task).

use std::ops::RangeInclusive;

use super::StoreError;
use super::keys::{self, IndexScope};
use super::records::{DisplayRecord, ResponseRecord};

/// The responses of a site or survey with sequence numbers in a range, oldest first.
pub struct ResponseScan {
    /// `None` for an empty range.
    index: Option<sled::Iter>,
    events: sled::Tree,
    /// The sequence number of the last index entry read, matching or not.
    position: u64,
}

impl std::fmt::Debug for ResponseScan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseScan")
            .field("position", &self.position)
            .finish_non_exhaustive()
    }
}

impl ResponseScan {
    pub(super) fn new(
        events: &sled::Tree,
        scope: IndexScope<'_>,
        seqs: RangeInclusive<u64>,
    ) -> Self {
        let (first, last) = (*seqs.start(), *seqs.end());
        let index = (first <= last).then(|| {
            events.range(keys::index_entry(&scope, first)..=keys::index_entry(&scope, last))
        });
        Self {
            index,
            events: events.clone(),
            position: first.saturating_sub(1),
        }
    }

    /// The sequence number of the last response read (or skipped by a caller's filter): a
    /// cursor from which a later scan goes on without missing or repeating one.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// The next index entry's sequence number, without reading its record.
    pub fn next_seq(&mut self) -> Option<Result<u64, StoreError>> {
        let item = self.index.as_mut()?.next()?;
        Some(item.map_err(StoreError::from).map(|(key, _)| {
            let seq = keys::index_entry_seq(&key);
            self.position = seq;
            seq
        }))
    }

    /// The stored JSON of the record with sequence `seq`, as written (NDJSON can pass it on).
    pub fn raw_record(&self, seq: u64) -> Result<impl AsRef<[u8]> + use<>, StoreError> {
        self.events
            .get(keys::response_seq(seq))?
            .ok_or_else(|| StoreError::Missing(seq))
    }
}

impl Iterator for ResponseScan {
    type Item = Result<ResponseRecord, StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        let seq = match self.next_seq()? {
            Ok(seq) => seq,
            Err(e) => return Some(Err(e)),
        };
        Some(
            self.raw_record(seq)
                .and_then(|bytes| Ok(serde_json::from_slice(bytes.as_ref())?)),
        )
    }
}

/// The displays of one survey, in the order they were stored, read lazily through the
/// survey's display index.
pub struct DisplayScan {
    index: sled::Iter,
    events: sled::Tree,
}

impl std::fmt::Debug for DisplayScan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DisplayScan").finish_non_exhaustive()
    }
}

impl DisplayScan {
    pub(super) fn new(
        events: &sled::Tree,
        site: &shared::ids::SiteId,
        survey: &shared::ids::SurveyId,
    ) -> Self {
        Self {
            index: events.range(keys::survey_displays(site, survey, 0, u64::MAX)),
            events: events.clone(),
        }
    }
}

impl Iterator for DisplayScan {
    type Item = Result<DisplayRecord, StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        let read = |key: sled::IVec| -> Result<DisplayRecord, StoreError> {
            let seq = keys::index_entry_seq(&key);
            let bytes = self
                .events
                .get(keys::display_seq(seq))?
                .ok_or(StoreError::Missing(seq))?;
            Ok(serde_json::from_slice(&bytes)?)
        };
        Some(
            self.index
                .next()?
                .map_err(StoreError::from)
                .and_then(|(key, _)| read(key)),
        )
    }
}
