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
//! | `webhooks`| site id `\0` webhook id                | [`Webhook`](crate::webhook::Webhook) (JSON, with its secret) |
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

pub mod catalog;
mod erasure;
pub mod key_ring;
pub mod keys;
mod labels;
mod outbox;
pub mod receipt_keys;
mod records;
mod scan;
pub mod webhooks;
mod writer;

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use shared::ids::{MemberHash, SiteId, StoreId, SurveyId};
use shared::throttle::{ContactHistory, QuotaUsage};
use tokio::sync::{mpsc, oneshot};

pub use catalog::Catalog;
pub use erasure::{Erased, Erasure, Scanned};
pub use key_ring::{KeyRing, KeyRingError};
pub use keys::IndexScope;
pub use receipt_keys::{ReceiptKey, ReceiptKeys};
pub use records::{DisplayRecord, Flag, KioskRecord, ResponseRecord};
pub use scan::{DisplayScan, ResponseScan};
pub use webhooks::{WebhookError, Webhooks};
pub use writer::{Job, OutboxChange, Stored, Verdict, WriterStats};

use tokio::sync::Notify;
use writer::Committed;

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("too many writes are waiting; try again shortly")]
    Busy,
    #[error("the store is shutting down")]
    Closed,
    #[error("storage failure: {0}")]
    Sled(#[from] sled::Error),
    #[error("i/o failure: {0}")]
    Io(#[from] std::io::Error),
    #[error("corrupt record: {0}")]
    Corrupt(#[from] serde_json::Error),
    #[error("the index names record {0}, which is not stored")]
    Missing(u64),
}

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
    jobs: mpsc::Sender<Job>,
    stats: Arc<WriterStats>,
    committed: Arc<Committed>,
    outbox_changed: Arc<Notify>,
}

/// A job handed to the writer; [`Pending::wait`] resolves once it is durable.
#[derive(Debug)]
pub struct Pending<T>(oneshot::Receiver<Result<T, StoreError>>);

impl<T> Pending<T> {
    pub async fn wait(self) -> Result<T, StoreError> {
        self.0.await.map_err(|_| StoreError::Closed)?
    }
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
        build_response_indexes(&db, &events, &data_file)?;
        build_display_indexes(&db, &events, &data_file)?;
        let catalog = Arc::new(Catalog::load(
            data_file.clone(),
            db.open_tree("sites")?,
            db.open_tree("surveys")?,
        )?);
        let key_ring = Arc::new(KeyRing::load(data_file.clone(), db.open_tree("api_keys")?)?);
        let receipt_keys = Arc::new(ReceiptKeys::load(
            data_file.clone(),
            db.open_tree("receipt_keys")?,
        )?);
        let webhooks = Arc::new(Webhooks::load(
            data_file.clone(),
            db.open_tree("webhooks")?,
        )?);
        let (jobs, inbox) = mpsc::channel(options.max_pending_writes.max(1));
        let stats = Arc::new(WriterStats::default());
        let committed = Arc::new(Committed::default());
        let outbox_changed = Arc::new(Notify::new());
        let thread = writer::spawn(
            db.clone(),
            events.clone(),
            data_file,
            inbox,
            writer::Shared {
                stats: stats.clone(),
                committed: committed.clone(),
                outbox: outbox_changed.clone(),
            },
        )?;
        let store = Store {
            db,
            events,
            catalog,
            key_ring,
            receipt_keys,
            webhooks,
            jobs,
            stats,
            committed,
            outbox_changed,
        };
        Ok((store, WriterHandle(thread)))
    }

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

    /// Hands a job to the writer and waits until it is durable (or refused).
    pub async fn submit<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<Result<T, StoreError>>) -> Job,
    ) -> Result<T, StoreError> {
        self.enqueue(make)?.wait().await
    }

    /// Hands a job to the writer without waiting, so that several jobs (a batch) join the
    /// same group commit. Refused at once when too many writes are waiting.
    pub fn enqueue<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<Result<T, StoreError>>) -> Job,
    ) -> Result<Pending<T>, StoreError> {
        let (reply, answer) = oneshot::channel();
        match self.jobs.try_send(make(reply)) {
            Ok(()) => Ok(Pending(answer)),
            Err(mpsc::error::TrySendError::Full(_)) => Err(StoreError::Busy),
            Err(mpsc::error::TrySendError::Closed(_)) => Err(StoreError::Closed),
        }
    }

    /// Whether the writer thread is alive and accepting work.
    pub fn is_writable(&self) -> bool {
        !self.jobs.is_closed() && !self.stats.failing()
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

    pub fn size_on_disk(&self) -> u64 {
        self.db.size_on_disk().unwrap_or(0)
    }
}

/// Gives every stored response its site and survey index entries, once: stores written before
/// the indexes existed get them on the first open.
fn build_response_indexes(
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
fn build_display_indexes(
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
