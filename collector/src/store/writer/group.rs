//! The writes of one group commit, as the jobs build them: what a job reads comes from the
//! group's own earlier writes first, then from the tree, so jobs of one group see each other.

use std::collections::HashMap;

use super::Sequences;
use crate::store::StoreError;
use crate::store::catalog::Catalog;
use crate::store::keys::decode_u64;
use crate::store::records::{DisplayRecord, ResponseRecord};
use crate::store::rollups::{self, CellChanges};

/// The writes of one group, read back before they reach the tree and written as one batch.
/// A later write of a key replaces an earlier one, as in a `sled::Batch`; `None` removes.
pub(in crate::store) struct Group<'w> {
    pub(super) events: &'w sled::Tree,
    pub(super) writes: HashMap<Vec<u8>, Option<Vec<u8>>>,
    pub(super) next: &'w mut Sequences,
    /// Whether the group puts messages in the outbox (the delivery worker is woken).
    pub(super) wakes_delivery: bool,
    /// Survey versions, for the rollups' reading of answers.
    pub(super) catalog: &'w Catalog,
    /// The group's changes to the rollups, added to the stored cells when it is done.
    pub(super) cells: CellChanges,
}

impl Group<'_> {
    /// A key's value as this group leaves it so far: its own write, else the tree's.
    pub(super) fn read(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        if let Some(v) = self.writes.get(key) {
            return Ok(v.clone());
        }
        Ok(self.events.get(key)?.map(|v| v.to_vec()))
    }

    /// A sequence number stored under `key` (an id's or a receipt's), if any.
    pub(super) fn read_seq(&self, key: &[u8]) -> Result<Option<u64>, StoreError> {
        Ok(self.read(key)?.map(|v| decode_u64(&v)))
    }

    pub(super) fn read_json<T: serde::de::DeserializeOwned>(
        &self,
        key: &[u8],
    ) -> Result<Option<T>, StoreError> {
        self.read(key)?
            .map(|bytes| serde_json::from_slice(&bytes))
            .transpose()
            .map_err(StoreError::from)
    }

    pub(super) fn put(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.writes.insert(key, Some(value));
    }

    pub(super) fn remove(&mut self, key: Vec<u8>) {
        self.writes.insert(key, None);
    }

    pub(super) fn counter(&self, key: &[u8]) -> Result<u64, StoreError> {
        Ok(self.read_seq(key)?.unwrap_or(0))
    }

    pub(super) fn bump(&mut self, key: Vec<u8>) -> Result<(), StoreError> {
        let n = self.counter(&key)? + 1;
        self.put(key, n.to_be_bytes().to_vec());
        Ok(())
    }

    /// Takes the next response sequence number.
    pub(super) fn take_response_seq(&mut self) -> u64 {
        let seq = self.next.response;
        self.next.response += 1;
        seq
    }

    /// Takes the next display sequence number.
    pub(super) fn take_display_seq(&mut self) -> u64 {
        let seq = self.next.display;
        self.next.display += 1;
        seq
    }

    /// The next sequence numbers, not taken: everything below them is stored or in this group.
    pub(super) fn next(&self) -> Sequences {
        *self.next
    }

    /// The keys and values of the tree in `range`, as they were before this group.
    pub(super) fn tree_range(
        &self,
        range: std::ops::Range<Vec<u8>>,
    ) -> impl Iterator<Item = Result<(Vec<u8>, Vec<u8>), StoreError>> + use<> {
        self.events
            .range(range)
            .map(|item| Ok(item.map(|(k, v)| (k.to_vec(), v.to_vec()))?))
    }

    /// The keys and values of the tree under `prefix`, as they were before this group.
    pub(super) fn tree_prefix(
        &self,
        prefix: &[u8],
    ) -> impl Iterator<Item = Result<(Vec<u8>, Vec<u8>), StoreError>> + use<> {
        self.events
            .scan_prefix(prefix)
            .map(|item| Ok(item.map(|(k, v)| (k.to_vec(), v.to_vec()))?))
    }

    /// Whether this group has written or removed `key`.
    pub(super) fn touches(&self, key: &[u8]) -> bool {
        self.writes.contains_key(key)
    }

    /// The values this group has put so far (not its removals).
    pub(super) fn written(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.writes
            .iter()
            .filter_map(|(k, v)| Some((k.as_slice(), v.as_deref()?)))
    }

    /// Counts a stored response in the rollups and the survey's time index.
    pub(super) fn count_response(&mut self, record: &ResponseRecord) {
        self.cells.response(self.catalog, record, 1);
        self.put(rollups::response_time(record), Vec::new());
    }

    /// Takes an erased response out of the rollups and the time index.
    pub(super) fn uncount_response(&mut self, record: &ResponseRecord) {
        self.cells.response(self.catalog, record, -1);
        self.remove(rollups::response_time(record));
    }

    pub(super) fn count_display(&mut self, record: &DisplayRecord) {
        self.cells.display(record, 1);
        self.put(rollups::display_time(record), Vec::new());
    }

    pub(super) fn uncount_display(&mut self, record: &DisplayRecord) {
        self.cells.display(record, -1);
        self.remove(rollups::display_time(record));
    }

    pub(super) fn wake_delivery(&mut self) {
        self.wakes_delivery = true;
    }
}

/// A record as JSON, in a buffer sized for a typical record (~700 bytes) so that it is not
/// grown three times on the way.
pub(super) fn record_json<T: serde::Serialize>(record: &T) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = Vec::with_capacity(1024);
    serde_json::to_writer(&mut out, record)?;
    Ok(out)
}

/// The group's writes as one batch, moved rather than copied a second time.
pub(super) fn into_batch(writes: HashMap<Vec<u8>, Option<Vec<u8>>>) -> sled::Batch {
    let mut batch = sled::Batch::default();
    for (key, value) in writes {
        match value {
            Some(value) => batch.insert(key, value),
            None => batch.remove(key),
        }
    }
    batch
}
