//! The writer thread: group commit for everything customers send.
//!
//! One thread takes every waiting job, applies them in order to one batch, writes the batch,
//! flushes, fsyncs the data file, and only then answers each job. Concurrent requests so share
//! one flush, and a job is acknowledged only once it is on disk.
//!
//! This file is the engine only. Each kind of job lives in its own file below, with one
//! [`Job::apply`] that adds its writes to the [`Group`] and says what its caller gets back;
//! the engine answers every job the same way, once the group is durable (or has failed).
//!
//! Why one thread rather than `flush_async` from each request: `flush_async` hangs with eight or
//! more concurrent callers (sled #1241). Being the only writer of the `events` tree also makes
//! read-modify-write (the contact ledger, quota counters, idempotency) race-free without locks,
//! and a retried duplicate of an id still in flight is answered only after the flush that
//! stores the original.
//!
//! # Invariants
//!
//! - **Durable before acknowledged.** A group of jobs is applied in order to one `sled::Batch`,
//!   written, flushed, and the data file fsynced; only then is any job in it answered. If a job
//!   cannot be applied or the batch cannot be made durable, nothing of the group is kept and
//!   every job in it gets an error (clients retry; ids make retries safe).
//! - **One writer.** This thread is the only writer of the `events` tree, so idempotency checks,
//!   quota counters and the contact ledger are read-modify-write without locks.
//! - **Bounded.** At most `MAX_GROUP` jobs share a flush. The inbox holds
//!   `--max-pending-writes` jobs; past that the store answers `StoreError::Busy` (503).
//! - **Once per id.** Each `response_id` and `display_id` is stored at most once. A duplicate,
//!   even of an id still in flight, is answered only after the original is durable.
//! - **Sequence numbers.** The writer numbers responses one after the other and writes each
//!   record with its site and survey index entries in the same batch. It raises the committed
//!   mark after the group is durable and before it answers; readers stop at the mark, so no
//!   response appears below a mark a reader has seen, and an export cursor misses nothing and
//!   repeats nothing. Numbers of a group whose batch reached the tree are never reused, even
//!   when its flush failed; erased numbers are never reused either.
//! - **Eligibility.** `decide` runs against the member's ledger inside the writer, and on
//!   `Show` the display is recorded in the same batch: two concurrent asks cannot both show.
//! - **Members are hashes.** Jobs carry `Context<MemberHash>` only; a member id never gets here.
//! - **Outbox with the response.** A new response's webhook messages go in the response's own
//!   batch, and only when the response is stored for the first time: an acknowledged response
//!   has its messages on disk, a duplicate adds none. Which webhooks want it, and their
//!   payloads, are decided before the job (in `ingest`), never here; nothing under `store`
//!   imports `crate::webhook`.
//! - **Only the writer changes the outbox and dead letters.** The delivery worker does the HTTP
//!   and hands each outcome (delivered, try again at, dead letter) back as a job; the writer
//!   never waits on the network. A message is in flight at most once and keeps its id
//!   (`webhook-id`) and body across tries. A change to a message that is no longer where it
//!   expects (already handled, erased) changes nothing and says so.
//! - **Erasure is one job, one batch.** A record goes with its index entries, labels and webhook
//!   messages (waiting or dead), a member's erasure with their ledger entry, or nothing goes. It is planned by a scan
//!   outside the writer (`store/erasure.rs`); the writer also checks what was stored after the
//!   scan began (sequences at or past its start), so a response that arrives meanwhile is not
//!   missed. Records already gone are skipped: an erasure repeated removes nothing. Response
//!   and display ids stay, so a retry of an erased response is a duplicate, not a new record.
//! - **One response per receipt.** At most one receipt-channel response per (site, receipt):
//!   the mark (`U` in `events`) is checked after the response id (a retry stays a duplicate)
//!   and written in the response's batch. It outlives erasure and retention, like ids.
//! - **Repeated kiosk presses.** Decided here, in order, after the response-id check: the same
//!   site, store, kiosk, survey and answers as the kiosk's latest press (`P`) by client time,
//!   within the site's window. Such a press is stored with `flag` and `repeat_of`, never
//!   deleted; summaries, quota counters and webhooks skip it. A late press older than the
//!   latest is compared with it but does not replace it; a stored response's flag never
//!   changes.
//! - **Labels and heartbeats** are `events` keys too (`T`, `H`), written here, so an erasure
//!   takes labels in its batch and an erased response keeps none; a kiosk's heartbeat record
//!   is overwritten by the next.
//! - **One file per job.** `writer.rs` only takes, applies, makes durable and answers. Each job
//!   is a type with `impl Job` and one `apply` in `writer/{response,display,eligibility,kiosk,
//!   labels,outbox,erase}.rs` (`writer/ledger.rs` is the contact ledger they share,
//!   `writer/group.rs` the group they write to); only `Store` methods make jobs, so routes
//!   and the CLI never see one.

mod display;
mod eligibility;
mod erase;
mod group;
mod kiosk;
mod labels;
mod ledger;
mod outbox;
mod response;

use std::collections::HashMap;
use std::fs::File;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Instant;

use tokio::sync::{Notify, mpsc, oneshot};

use super::catalog::Catalog;
use super::error::{BackendError, GroupFailure, StoreError};
use super::keys;

pub(super) use display::PutDisplay;
pub(super) use eligibility::DecideAndRecord;
pub use eligibility::{DecisionRequest, Verdict};
pub(super) use erase::Erase;
pub(super) use group::Group;
use group::into_batch;
use group::record_json;
pub(super) use kiosk::RecordHeartbeat;
pub(super) use labels::ReplaceLabels;
pub use outbox::OutboxChange;
pub(super) use outbox::UpdateOutbox;
pub(super) use response::PutResponse;
pub use response::Stored;

/// At most this many jobs share one flush; more wait for the next.
const MAX_GROUP: usize = 2_048;

/// A kind of write. `apply` adds the job's writes to the group (reading what it needs through
/// it, so it sees the group's earlier writes) and says what its caller gets once the group is
/// durable. An error fails the whole group: nothing of it is kept.
pub(super) trait Job: Send + 'static {
    type Output: Send + 'static;
    fn apply(self, group: &mut Group<'_>) -> Result<Self::Output, StoreError>;
}

/// A job with the channel its answer goes back on, as the writer's queue carries it.
trait Work: Send {
    fn apply(self: Box<Self>, group: &mut Group<'_>) -> Box<dyn Answer>;
}

struct Envelope<J: Job> {
    job: J,
    reply: oneshot::Sender<Result<J::Output, StoreError>>,
}

impl<J: Job> Work for Envelope<J> {
    fn apply(self: Box<Self>, group: &mut Group<'_>) -> Box<dyn Answer> {
        let Envelope { job, reply } = *self;
        Box::new(Outcome {
            reply,
            result: job.apply(group),
        })
    }
}

/// A job's result, sent only once its group is durable or has failed.
trait Answer: Send {
    fn failed(&self) -> bool;
    fn send(self: Box<Self>, failure: Option<&Arc<GroupFailure>>);
}

struct Outcome<T> {
    reply: oneshot::Sender<Result<T, StoreError>>,
    result: Result<T, StoreError>,
}

impl<T: Send + 'static> Answer for Outcome<T> {
    fn failed(&self) -> bool {
        self.result.is_err()
    }

    /// A job of a failed group gets its own error if it had one, else the group's.
    fn send(self: Box<Self>, failure: Option<&Arc<GroupFailure>>) {
        let Outcome { reply, result } = *self;
        let result = match failure {
            None => result,
            Some(failure) => Err(result
                .err()
                .unwrap_or_else(|| StoreError::Group(failure.clone()))),
        };
        // A requester that gave up (timeout, closed connection) no longer listens.
        let _ = reply.send(result);
    }
}

/// The store's end of the writer's queue.
#[derive(Clone)]
pub(super) struct Queue(mpsc::Sender<Box<dyn Work>>);

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queue").finish_non_exhaustive()
    }
}

impl Queue {
    /// Hands a job to the writer without waiting, so that several jobs (a batch) can join
    /// the same group commit. Refused at once when too many writes are waiting.
    pub(super) fn push<J: Job>(&self, job: J) -> Result<Pending<J::Output>, StoreError> {
        let (reply, answer) = oneshot::channel();
        match self.0.try_send(Box::new(Envelope { job, reply })) {
            Ok(()) => Ok(Pending(answer)),
            Err(mpsc::error::TrySendError::Full(_)) => Err(StoreError::Busy),
            Err(mpsc::error::TrySendError::Closed(_)) => Err(StoreError::Closed),
        }
    }

    pub(super) fn is_closed(&self) -> bool {
        self.0.is_closed()
    }
}

/// A write handed to the writer: awaiting it gives its result once it is durable (or why it
/// is not).
#[derive(Debug)]
#[must_use = "a write is acknowledged only once it is awaited"]
pub struct Pending<T>(oneshot::Receiver<Result<T, StoreError>>);

impl<T> Future for Pending<T> {
    type Output = Result<T, StoreError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0)
            .poll(cx)
            .map(|answer| answer.unwrap_or(Err(StoreError::Closed)))
    }
}

/// Counters the metrics endpoint reads.
#[derive(Debug, Default)]
pub struct WriterStats {
    pub groups: AtomicU64,
    pub jobs: AtomicU64,
    pub flush_micros: AtomicU64,
    pub failures: AtomicU64,
    failing: AtomicBool,
}

impl WriterStats {
    pub fn failing(&self) -> bool {
        self.failing.load(Ordering::Relaxed)
    }
}

/// The highest response sequence number below which every response is durable and visible to
/// readers. Exports read up to it and no further: see [`super::Store::committed_response_seq`].
#[derive(Debug, Default)]
pub(super) struct Committed(AtomicU64);

impl Committed {
    pub(super) fn get(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }

    fn set(&self, seq: u64) {
        self.0.store(seq, Ordering::Release);
    }
}

/// What the writer shares with the store's handles.
pub(super) struct Shared {
    pub(super) stats: Arc<WriterStats>,
    pub(super) committed: Arc<Committed>,
    /// Woken after a group that put messages in the outbox is durable.
    pub(super) outbox: Arc<Notify>,
    pub(super) catalog: Arc<Catalog>,
}

/// Starts the writer thread; the queue it returns is how the store hands it jobs.
pub(super) fn spawn(
    db: sled::Db,
    events: sled::Tree,
    data_file: Arc<File>,
    max_pending: usize,
    shared: Shared,
) -> Result<(Queue, std::thread::JoinHandle<()>), StoreError> {
    let Shared {
        stats,
        committed,
        outbox,
        catalog,
    } = shared;
    let next = Sequences {
        response: keys::next_seq(&events, keys::RESPONSE)?,
        display: keys::next_seq(&events, keys::DISPLAY)?,
    };
    // Everything already in the tree was written before this process opened it.
    committed.set(next.response - 1);
    let writer = Writer {
        next,
        committed,
        db,
        events,
        data_file,
        stats,
        outbox,
        catalog,
    };
    let (queue, inbox) = mpsc::channel(max_pending.max(1));
    let thread = std::thread::Builder::new()
        .name("nunchi-writer".into())
        .spawn(move || writer.run(inbox))?;
    Ok((Queue(queue), thread))
}

struct Writer {
    db: sled::Db,
    events: sled::Tree,
    data_file: Arc<File>,
    stats: Arc<WriterStats>,
    committed: Arc<Committed>,
    outbox: Arc<Notify>,
    catalog: Arc<Catalog>,
    next: Sequences,
}

/// The next sequence numbers to give a response and a display.
#[derive(Debug, Clone, Copy)]
pub(super) struct Sequences {
    pub(super) response: u64,
    pub(super) display: u64,
}

impl Writer {
    fn run(mut self, mut inbox: mpsc::Receiver<Box<dyn Work>>) {
        // Returns when every sender is gone: the server has stopped and in-flight writes are done.
        while let Some(first) = inbox.blocking_recv() {
            let mut jobs = vec![first];
            while jobs.len() < MAX_GROUP {
                match inbox.try_recv() {
                    Ok(job) => jobs.push(job),
                    Err(_) => break,
                }
            }
            self.commit(jobs);
        }
        if let Err(e) = self.db.flush() {
            tracing::error!(error = %e, "final flush failed");
        }
    }

    /// Applies a group of jobs as one batch and answers them once it is durable. If any job
    /// cannot be applied, or the batch cannot be made durable, nothing of the group is kept
    /// and every job in it gets an error (clients retry; ids make retries safe).
    fn commit(&mut self, jobs: Vec<Box<dyn Work>>) {
        let count = jobs.len() as u64;
        let before = self.next;
        let mut group = Group {
            events: &self.events,
            writes: HashMap::new(),
            next: &mut self.next,
            wakes_delivery: false,
            catalog: &self.catalog,
            cells: Default::default(),
        };
        let answers: Vec<Box<dyn Answer>> =
            jobs.into_iter().map(|job| job.apply(&mut group)).collect();
        let Group {
            mut writes,
            wakes_delivery,
            cells,
            ..
        } = group;
        let started = Instant::now();
        // Each changed cell is read and written once per group, in the group's batch.
        let events = &self.events;
        let cells = cells.merged(|key| Ok(events.get(key)?));
        let (reached_tree, result) = match (answers.iter().any(|a| a.failed()), cells) {
            (true, _) => (false, Err(GroupFailure::OtherJob)),
            (false, Err(e)) => (false, Err(GroupFailure::Rollups(e))),
            (false, Ok(cells)) => {
                writes.extend(cells);
                self.make_durable(into_batch(writes))
            }
        };
        self.stats
            .flush_micros
            .fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
        self.stats.groups.fetch_add(1, Ordering::Relaxed);
        self.stats.jobs.fetch_add(count, Ordering::Relaxed);
        if let Err(e) = &result {
            tracing::error!(error = %e, jobs = count, "group commit failed; nothing in it was acknowledged");
            self.stats.failures.fetch_add(1, Ordering::Relaxed);
            if !reached_tree {
                // Nothing of the group reached the tree, so its sequence numbers are free again.
                // Once the batch is in the tree they are not: readers may have seen them, and
                // the next successful flush makes them durable. Reusing one would give two
                // responses the same place in the export order.
                self.next = before;
            }
        } else {
            // Everything up to here is in the tree and on disk: exports may now read it. The
            // sequence grows in this one thread and a group is one atomic batch, so no response
            // can later appear below this mark.
            self.committed.set(self.next.response - 1);
            if wakes_delivery {
                self.outbox.notify_one();
            }
        }
        self.stats.failing.store(result.is_err(), Ordering::Relaxed);
        let failure = result.err().map(Arc::new);
        for answer in answers {
            answer.send(failure.as_ref());
        }
    }

    /// Writes the batch and makes it durable. Says whether the batch reached the tree, which
    /// it may have even when the flush then fails.
    fn make_durable(&self, batch: sled::Batch) -> (bool, Result<(), GroupFailure>) {
        if let Err(e) = self.events.apply_batch(batch) {
            return (false, Err(GroupFailure::Write(BackendError::sled(e))));
        }
        let durable = match self.db.flush() {
            Err(e) => Err(GroupFailure::Flush(BackendError::sled(e))),
            Ok(_) => self.data_file.sync_data().map_err(GroupFailure::Sync),
        };
        (true, durable)
    }
}
