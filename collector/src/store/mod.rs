//! The storage module: the only module that knows sled.
//!
//! Layout on disk (one sled database in the data directory):
//!
//! | tree      | key                                   | value                           |
//! |-----------|---------------------------------------|---------------------------------|
//! | `sites`   | site id                               | [`Site`] (JSON)                 |
//! | `surveys` | site id `\0` survey id `\0` version (u32 BE) | [`Survey`] (JSON)       |
//! | `events`  | see [`keys`]: responses, displays, contact ledger, quota counters, and the site and survey indexes of responses |
//! | `api_keys`| key id                                | [`ApiKey`](crate::api_key::ApiKey) (JSON) |
//! | `webhooks`| site id `\0` webhook id                | [`Webhook`](shared::webhook::Webhook) (JSON, with its secret) |
//! | `receipt_keys` | key id (`kid`)                   | [`ReceiptKey`] (JSON, with its secret) |
//!
//! The team's labels on responses are in `events` too ([`labels`]), so an erasure takes them along.
//!
//! Configuration (sites, surveys) is small, written rarely, and read on every request, so it
//! lives in an in-memory [`Catalog`] that is written through to disk. Everything customers send
//! goes through the single [`writer`] thread, which applies a whole group of requests as one
//! atomic sled batch to the `events` tree, flushes once, fsyncs, and only then acknowledges.
//! API keys and webhook endpoints, like configuration, live in memory and are written through
//! ([`KeyRing`], [`Webhooks`]). The webhook outbox and dead letters are in the `events` tree,
//! so that a response and its messages are one batch ([`outbox`] reads them).
//!
//! Readers of responses ([`ResponseScan`]) see only what the writer has marked committed: every
//! response up to [`Store::committed_response_seq`] is durable, and none can appear below it
//! later. That mark is what makes an export cursor exact.
//!
//! The rest of the collector uses the store through [`Store`]'s methods, which take and
//! return the collector's own types: no caller builds a writer job, and no public item here
//! names a sled type, so that another backend can stand behind the same API.
//!
//! # Layout
//!
//! - this file: [`Store`]: opening it, the typed writes, the small reads.
//! - [`writer`]: the group-commit engine, and one file per kind of write under `writer/`.
//! - [`error`]: [`StoreError`], [`GroupFailure`], [`BackendError`].
//! - [`keys`]: the key encodings of the `events` tree.
//! - [`records`]: what is stored per response, display, kiosk and webhook message.
//! - [`scan`], [`labels`], [`outbox`]: reading responses, labels and the outbox.
//! - [`erasure`]: planning an erasure (the writer carries it out).
//! - [`indexes`]: index entries for stores written before their index existed.
//! - [`catalog`], [`key_ring`], [`receipt_keys`], [`webhooks`]: configuration kept in memory
//!   and written through to its own tree.

pub mod catalog;
mod erasure;
mod error;
mod indexes;
pub mod key_ring;
mod keys;
mod labels;
mod outbox;
pub mod receipt_keys;
mod records;
pub mod rollups;
mod scan;
pub mod webhooks;
mod writer;

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use shared::display::DisplayEvent;
use shared::ids::{MemberHash, SiteId, StoreId, SurveyId};
use shared::throttle::{ContactHistory, QuotaUsage};
use shared::time::Timestamp;
use tokio::sync::Notify;

pub use catalog::Catalog;
pub use erasure::{Erased, Erasure, Scanned};
pub use error::{BackendError, GroupFailure, StoreError};
pub use key_ring::{KeyRing, KeyRingError};
pub use keys::IndexScope;
pub use receipt_keys::{ReceiptKey, ReceiptKeys};
pub use records::{
    DeadLetter, DisplayRecord, Flag, KioskRecord, Message, MessageBody, NewMessage, NewResponse,
    ResponseRecord,
};
pub use scan::{DisplayScan, ResponseScan};
pub use webhooks::{WebhookError, Webhooks};
pub use writer::{DecisionRequest, OutboxChange, Pending, Stored, Verdict, WriterStats};

use writer::Committed;

use crate::rollup::{Counts, Level, View};

#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// sled's page cache. Its default lets a million records take ~750 MiB, so we bound it.
    pub cache_capacity_bytes: u64,
    /// Writes waiting for the writer beyond this are refused with [`StoreError::Busy`].
    pub max_pending_writes: usize,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            cache_capacity_bytes: 128 * 1024 * 1024,
            max_pending_writes: 8_192,
        }
    }
}

/// A handle to the store; cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    db: sled::Db,
    events: sled::Tree,
    catalog: Arc<Catalog>,
    key_ring: Arc<KeyRing>,
    receipt_keys: Arc<ReceiptKeys>,
    webhooks: Arc<Webhooks>,
    queue: writer::Queue,
    stats: Arc<WriterStats>,
    committed: Arc<Committed>,
    outbox_changed: Arc<Notify>,
}

/// Owns the writer thread; dropping every [`Store`] handle and then calling [`WriterHandle::join`]
/// waits until the last acknowledged write is on disk.
#[derive(Debug)]
pub struct WriterHandle(std::thread::JoinHandle<()>);

impl WriterHandle {
    pub fn join(self) {
        if self.0.join().is_err() {
            tracing::error!("the store writer thread panicked");
        }
    }
}

impl Store {
    pub fn open(dir: &Path, options: &StoreOptions) -> Result<(Store, WriterHandle), StoreError> {
        std::fs::create_dir_all(dir)?;
        let db = sled::Config::new()
            .path(dir)
            .cache_capacity(options.cache_capacity_bytes)
            .open()?;
        // sled's flush uses sync_file_range, which does not survive power loss; we fsync this
        // file after each flush (sled #1452).
        let data_file = Arc::new(File::open(dir.join("db"))?);
        let events = db.open_tree("events")?;
        indexes::build_response_indexes(&db, &events, &data_file)?;
        indexes::build_display_indexes(&db, &events, &data_file)?;
        let catalog = Arc::new(Catalog::load(
            data_file.clone(),
            db.open_tree("sites")?,
            db.open_tree("surveys")?,
        )?);
        // Before the writer starts: from then on it keeps them in each group's batch.
        rollups::build(&db, &events, &data_file, &catalog)?;
        let key_ring = Arc::new(KeyRing::load(data_file.clone(), db.open_tree("api_keys")?)?);
        let receipt_keys = Arc::new(ReceiptKeys::load(
            data_file.clone(),
            db.open_tree("receipt_keys")?,
        )?);
        let webhooks = Arc::new(Webhooks::load(
            data_file.clone(),
            db.open_tree("webhooks")?,
        )?);
        let stats = Arc::new(WriterStats::default());
        let committed = Arc::new(Committed::default());
        let outbox_changed = Arc::new(Notify::new());
        let (queue, thread) = writer::spawn(
            db.clone(),
            events.clone(),
            data_file,
            options.max_pending_writes,
            writer::Shared {
                stats: stats.clone(),
                committed: committed.clone(),
                outbox: outbox_changed.clone(),
                catalog: catalog.clone(),
            },
        )?;
        let store = Store {
            db,
            events,
            catalog,
            key_ring,
            receipt_keys,
            webhooks,
            queue,
            stats,
            committed,
            outbox_changed,
        };
        Ok((store, WriterHandle(thread)))
    }

    /// Removes the rollups of a stopped collector's store, so that the next open builds them
    /// again from the stored records (with progress in the log). Says how many keys went.
    pub fn drop_rollups(dir: &Path) -> Result<u64, StoreError> {
        let db = sled::Config::new().path(dir).open()?;
        let events = db.open_tree("events")?;
        let removed = rollups::drop_all(&events)?;
        db.flush()?;
        File::open(dir.join("db"))?.sync_data()?;
        Ok(removed)
    }

    // Writes. Each hands one job to the writer and returns at once: refused with
    // `StoreError::Busy` when too many writes are waiting, else a `Pending` that resolves once
    // the write is durable. Several writes queued before any is awaited share a group commit.

    /// Stores a response once (by id, and once per receipt), with its webhook messages.
    pub fn put_response(&self, response: NewResponse) -> Result<Pending<Stored>, StoreError> {
        self.queue.push(writer::PutResponse(response))
    }

    /// Stores a display event once, and notes it in the member's ledger.
    pub fn put_display(
        &self,
        display: DisplayEvent<MemberHash>,
        received_at: Timestamp,
    ) -> Result<Pending<Stored>, StoreError> {
        self.queue.push(writer::PutDisplay {
            display,
            received_at,
        })
    }

    /// Decides for a member against the ledger and, when the answer is Show, records the
    /// display in the same batch, so that two concurrent asks cannot both be shown.
    pub fn decide_and_record(
        &self,
        request: DecisionRequest,
    ) -> Result<Pending<Verdict>, StoreError> {
        self.queue.push(writer::DecideAndRecord(request))
    }

    /// Keeps a kiosk's latest heartbeat, overwriting the one before.
    pub fn record_heartbeat(
        &self,
        site: &SiteId,
        record: KioskRecord,
    ) -> Result<Pending<()>, StoreError> {
        self.queue.push(writer::RecordHeartbeat {
            site: site.clone(),
            record,
        })
    }

    /// Replaces the team's labels on a response of the site (none: removes them). Resolves to
    /// whether the response is there: an erased one keeps no labels.
    pub fn set_labels(
        &self,
        site: &SiteId,
        seq: u64,
        labels: Vec<String>,
    ) -> Result<Pending<bool>, StoreError> {
        self.queue.push(writer::ReplaceLabels {
            site: site.clone(),
            seq,
            labels,
        })
    }

    /// Changes the webhook outbox. Resolves to whether anything changed.
    pub fn update_outbox(&self, change: OutboxChange) -> Result<Pending<bool>, StoreError> {
        self.queue.push(writer::UpdateOutbox(change))
    }

    /// Erases what a plan names (see [`Store::plan_member_erasure`], [`Store::plan_expiry`])
    /// in one batch. Resolves to what was removed.
    pub fn erase(&self, erasure: Erasure) -> Result<Pending<Erased>, StoreError> {
        self.queue.push(writer::Erase(erasure))
    }

    // Reads.

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    pub fn key_ring(&self) -> &Arc<KeyRing> {
        &self.key_ring
    }

    pub fn receipt_keys(&self) -> &ReceiptKeys {
        &self.receipt_keys
    }

    /// Whether a response to this receipt is stored (and durable).
    pub fn receipt_answered(
        &self,
        site: &SiteId,
        receipt: &shared::ids::ReceiptId,
    ) -> Result<bool, StoreError> {
        Ok(self.events.contains_key(keys::receipt(site, receipt))?)
    }

    pub fn webhooks(&self) -> &Webhooks {
        &self.webhooks
    }

    pub fn stats(&self) -> &WriterStats {
        &self.stats
    }

    /// Whether the writer thread is alive and accepting work.
    pub fn is_writable(&self) -> bool {
        !self.queue.is_closed() && !self.stats.failing()
    }

    /// Every response with a sequence number up to this one is durable and readable, and no
    /// response will ever be stored with a smaller one. A reader that stops here and goes on
    /// from here later misses nothing and sees nothing twice.
    pub fn committed_response_seq(&self) -> u64 {
        self.committed.get()
    }

    /// The committed responses of a site (or one survey of it) with sequence numbers in
    /// `after + 1 ..= upto`, oldest first, read lazily through the index.
    pub fn scan_responses(&self, scope: IndexScope<'_>, after: u64, upto: u64) -> ResponseScan {
        let upto = upto.min(self.committed_response_seq());
        ResponseScan::new(&self.events, scope, after.saturating_add(1)..=upto)
    }

    /// Every stored display of a survey (shown or dismissed), in the order stored.
    pub fn scan_displays(&self, site: &SiteId, survey: &SurveyId) -> DisplayScan {
        DisplayScan::new(&self.events, site, survey)
    }

    /// Responses of one site in ingest order, starting after `after` (a sequence number).
    pub fn responses_after(
        &self,
        site: &SiteId,
        after: u64,
        limit: usize,
    ) -> Result<Vec<ResponseRecord>, StoreError> {
        self.scan_responses(IndexScope::Site(site), after, u64::MAX)
            .take(limit)
            .collect()
    }

    /// Responses counted against a survey's quota, in total and (with a store) on `day`.
    pub fn quota_usage(
        &self,
        site: &SiteId,
        survey: &SurveyId,
        store: Option<&StoreId>,
        day: i64,
    ) -> Result<QuotaUsage, StoreError> {
        let read = |key: Vec<u8>| -> Result<u64, StoreError> {
            Ok(self.events.get(key)?.map_or(0, |v| keys::decode_u64(&v)))
        };
        Ok(QuotaUsage {
            total: read(keys::quota_total(site, survey))?,
            store_today: store
                .map(|s| read(keys::quota_store_day(site, survey, s, day)))
                .transpose()?,
        })
    }

    /// A member's contact ledger as it is on disk (empty for a member never seen), for
    /// explaining a decision without taking one.
    pub fn contact_history(
        &self,
        site: &SiteId,
        member: &MemberHash,
    ) -> Result<ContactHistory, StoreError> {
        match self.events.get(keys::ledger(site, member))? {
            Some(bytes) => Ok(serde_json::from_slice(&bytes)?),
            None => Ok(ContactHistory::default()),
        }
    }

    /// A site's kiosks, each with its latest heartbeat, by store and kiosk id.
    pub fn kiosks(&self, site: &SiteId) -> Result<Vec<KioskRecord>, StoreError> {
        self.events
            .scan_prefix(keys::site_kiosks(site))
            .values()
            .map(|value| Ok(serde_json::from_slice(&value?)?))
            .collect()
    }

    /// The rollup cells of a survey's view at one level, with buckets in `first..=last`:
    /// each with its bucket's start, its values (in the view's order) and its counts.
    pub fn rollup_cells(
        &self,
        site: &SiteId,
        survey: &SurveyId,
        view: View,
        level: Level,
        first: i64,
        last: i64,
    ) -> impl Iterator<Item = Result<(i64, Vec<Option<String>>, Counts), StoreError>> + use<> {
        rollups::read_cells(&self.events, site, survey, view, level, first, last)
    }

    /// The first and last month (UTC, bucket starts) with anything counted for the survey.
    pub fn rollup_extent(
        &self,
        site: &SiteId,
        survey: &SurveyId,
    ) -> Result<Option<(i64, i64)>, StoreError> {
        rollups::extent(&self.events, site, survey)
    }

    /// The survey's responses received in `from..to` (epoch ms), through its time index.
    pub fn responses_received(
        &self,
        site: &SiteId,
        survey: &SurveyId,
        from: i64,
        to: i64,
    ) -> impl Iterator<Item = Result<ResponseRecord, StoreError>> + use<> {
        let events = self.events.clone();
        rollups::responses_received(&self.events, site, survey, from, to).map(move |seq| {
            let seq = seq?;
            let bytes = events
                .get(keys::response_seq(seq))?
                .ok_or(StoreError::Missing(seq))?;
            Ok(serde_json::from_slice(&bytes)?)
        })
    }

    /// The survey's displays received in `from..to` (epoch ms), through its time index.
    pub fn displays_received(
        &self,
        site: &SiteId,
        survey: &SurveyId,
        from: i64,
        to: i64,
    ) -> impl Iterator<Item = Result<DisplayRecord, StoreError>> + use<> {
        let events = self.events.clone();
        rollups::displays_received(&self.events, site, survey, from, to).map(move |seq| {
            let seq = seq?;
            let bytes = events
                .get(keys::display_seq(seq))?
                .ok_or(StoreError::Missing(seq))?;
            Ok(serde_json::from_slice(&bytes)?)
        })
    }

    pub fn size_on_disk(&self) -> u64 {
        self.db.size_on_disk().unwrap_or(0)
    }
}
