//! The team's labels on responses, and responses newest first: what the comments view reads.
//!
//! Labels live in the `events` tree (`T` keys, see [`keys`]) so that erasing a response
//! removes its labels in the same batch; the writer sets them ([`Store::set_labels`]).

use std::collections::BTreeMap;

use shared::ids::{ResponseId, SiteId};

use super::keys::{self, IndexScope};
use super::records::ResponseRecord;
use super::{Store, StoreError};

impl Store {
    /// The sequence of a stored response, by its id.
    pub fn response_seq(&self, id: &ResponseId) -> Result<Option<u64>, StoreError> {
        Ok(self
            .events
            .get(keys::response_id(id))?
            .map(|v| keys::decode_u64(&v)))
    }

    /// The labels of one response (none when it has none).
    pub fn labels(&self, site: &SiteId, seq: u64) -> Result<Vec<String>, StoreError> {
        match self.events.get(keys::labels(site, seq))? {
            Some(bytes) => Ok(serde_json::from_slice(&bytes)?),
            None => Ok(Vec::new()),
        }
    }

    /// Every labelled response of a site, by sequence. Labels are added by hand, so a site has
    /// few enough to read at once.
    pub fn labelled(&self, site: &SiteId) -> Result<BTreeMap<u64, Vec<String>>, StoreError> {
        self.events
            .scan_prefix(keys::site_labels(site))
            .map(|item| {
                let (key, value) = item?;
                Ok((keys::index_entry_seq(&key), serde_json::from_slice(&value)?))
            })
            .collect()
    }

    /// Committed responses of a site or survey with a sequence below `below`, newest first,
    /// read lazily.
    pub fn responses_newest_first(
        &self,
        scope: IndexScope<'_>,
        below: u64,
    ) -> impl Iterator<Item = Result<ResponseRecord, StoreError>> + use<> {
        let below = below.min(self.committed_response_seq().saturating_add(1));
        let events = self.events.clone();
        self.events
            .range(keys::index_entry(&scope, 0)..keys::index_entry(&scope, below))
            .rev()
            .map(move |item| {
                let seq = keys::index_entry_seq(&item?.0);
                let bytes = events
                    .get(keys::response_seq(seq))?
                    .ok_or(StoreError::Missing(seq))?;
                Ok(serde_json::from_slice(&bytes)?)
            })
    }
}
