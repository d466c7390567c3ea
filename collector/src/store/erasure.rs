//! Erasing records: a member's (on request) and a site's old responses (retention).
//!
//! An erasure is planned here, by scanning the site's indexes outside the writer thread, and
//! carried out by the writer as one job, so one batch: every record, its index entries, the
//! member's ledger entry and the webhook messages of the erased responses go together, or
//! nothing does. For a member, the writer also looks at what was stored after the scan
//! began (from [`Scanned`]), so a response that arrives during the scan is not missed.
//!
//! Response and display ids (`r`, `d`) stay: they hold only the client-made UUID and a
//! sequence number, no member and no answer, and keeping them means a retry of an erased
//! response is answered as a duplicate instead of storing it again.

use shared::ids::{MemberHash, SiteId};
use shared::time::Timestamp;

use super::keys::{self, index_entry_seq};
use super::records::{DisplayRecord, ResponseRecord};
use super::{Store, StoreError};

/// What the writer is asked to erase, in one batch.
#[derive(Debug, Clone)]
pub struct Erasure {
    pub site: SiteId,
    /// Response sequence numbers found by the scan.
    pub responses: Vec<u64>,
    /// Display sequence numbers found by the scan.
    pub displays: Vec<u64>,
    /// For a member: its ledger entry goes too, and what was stored since the scan is checked.
    pub member: Option<(MemberHash, Scanned)>,
}

/// Where a scan stopped: every response and display below these was in the tree when it began.
#[derive(Debug, Clone, Copy)]
pub struct Scanned {
    pub responses_below: u64,
    pub displays_below: u64,
}

/// What an erasure removed. An erasure repeated removes nothing and says so.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Erased {
    pub responses: u64,
    pub displays: u64,
    pub ledger_entries: u64,
    pub webhook_messages: u64,
}

impl Erased {
    pub fn add(&mut self, other: Erased) {
        self.responses += other.responses;
        self.displays += other.displays;
        self.ledger_entries += other.ledger_entries;
        self.webhook_messages += other.webhook_messages;
    }
}

impl Erasure {
    pub fn is_empty(&self) -> bool {
        self.responses.is_empty() && self.displays.is_empty() && self.member.is_none()
    }
}

impl Store {
    /// Every response and display of `member` on `site`, found through the site's indexes.
    /// Reads the whole site: erasure is rare, and the scan runs outside the writer.
    pub fn plan_member_erasure(
        &self,
        site: &SiteId,
        member: &MemberHash,
    ) -> Result<Erasure, StoreError> {
        // Batches are atomic and sequences grow, so everything below these is in the tree now;
        // the writer checks the rest.
        let scanned = Scanned {
            responses_below: keys::next_seq(&self.events, keys::RESPONSE)?,
            displays_below: keys::next_seq(&self.events, keys::DISPLAY)?,
        };
        let mut responses = Vec::new();
        for key in self.events.scan_prefix(keys::site_responses(site)).keys() {
            let seq = index_entry_seq(&key?);
            if seq >= scanned.responses_below {
                break;
            }
            if let Some(record) = self.response_record(seq)?
                && record.response.context.member.as_ref() == Some(member)
            {
                responses.push(seq);
            }
        }
        let mut displays = Vec::new();
        for key in self.events.scan_prefix(keys::site_displays(site)).keys() {
            let seq = index_entry_seq(&key?);
            if seq >= scanned.displays_below {
                continue;
            }
            if let Some(bytes) = self.events.get(keys::display_seq(seq))? {
                let record: DisplayRecord = serde_json::from_slice(&bytes)?;
                if record.display.context.member.as_ref() == Some(member) {
                    displays.push(seq);
                }
            }
        }
        Ok(Erasure {
            site: site.clone(),
            responses,
            displays,
            member: Some((member.clone(), scanned)),
        })
    }

    /// Up to `limit` of a site's responses received before `before`, oldest first. The site
    /// index is in ingest order, which is the order of the collector's clock, so the walk stops
    /// at the first newer response.
    pub fn plan_expiry(
        &self,
        site: &SiteId,
        before: Timestamp,
        limit: usize,
    ) -> Result<Erasure, StoreError> {
        let mut responses = Vec::new();
        for key in self.events.scan_prefix(keys::site_responses(site)).keys() {
            if responses.len() >= limit {
                break;
            }
            let seq = index_entry_seq(&key?);
            let Some(record) = self.response_record(seq)? else {
                continue;
            };
            if record.received_at >= before {
                break;
            }
            responses.push(seq);
        }
        Ok(Erasure {
            site: site.clone(),
            responses,
            displays: Vec::new(),
            member: None,
        })
    }

    pub fn response_record(&self, seq: u64) -> Result<Option<ResponseRecord>, StoreError> {
        Ok(match self.events.get(keys::response_seq(seq))? {
            Some(bytes) => Some(serde_json::from_slice(&bytes)?),
            None => None,
        })
    }

    /// Whether any record of `member` on `site` is left: responses, displays, the ledger
    /// entry. For tests and the erase command's check.
    pub fn member_has_records(
        &self,
        site: &SiteId,
        member: &MemberHash,
    ) -> Result<bool, StoreError> {
        if self.events.contains_key(keys::ledger(site, member))? {
            return Ok(true);
        }
        let plan = self.plan_member_erasure(site, member)?;
        Ok(!plan.responses.is_empty() || !plan.displays.is_empty())
    }
}
