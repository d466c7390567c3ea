//! The writer thread: group commit for everything customers send.
//!
//! One thread takes every waiting job, applies them in order to one `sled::Batch`, writes the
//! batch, flushes, fsyncs the data file, and only then answers each job. Concurrent requests so
//! share one flush, and a job is acknowledged only once it is on disk.
//!
//! Why one thread rather than `flush_async` from each request: `flush_async` hangs with eight or
//! more concurrent callers (sled #1241). Being the only writer of the `events` tree also makes
//! read-modify-write (the contact ledger, quota counters, idempotency) race-free without locks,
//! and a retried duplicate of an id still in flight is answered only after the flush that
//! stores the original.
//!
//! The webhook outbox is in the same tree: a new response's messages are written in its own
//! batch, and the delivery worker records each outcome (sent, try again later, dead letter)
//! through this thread too.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use shared::display::DisplayEvent;
use shared::ids::{MemberHash, ResponseId, SiteId};
use shared::response::{Channel, Response};
use shared::survey::Survey;
use shared::throttle::{
    Contact, ContactHistory, ContactKind, Decision, DecisionInput, Explanation, QuotaUsage,
    ThrottlePolicy, decide,
};
use shared::time::{Period, Timestamp};
use tokio::sync::{Notify, mpsc, oneshot};
use uuid::Uuid;

use super::StoreError;
use super::erasure::{Erased, Erasure};
use super::keys::{self, decode_u64};
use super::records::{DisplayRecord, Flag, KioskRecord, ResponseRecord};
use crate::webhook::{DeadLetter, Message, Outgoing, OutgoingBody, WebhookId, payload};

/// At most this many jobs share one flush; more wait for the next.
const MAX_GROUP: usize = 2_048;

type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

/// Work for the writer. Each job carries the channel its answer goes back on.
#[derive(Debug)]
pub enum Job {
    /// Store a validated, pseudonymized response once, with an outbox message for each
    /// webhook that wants it (written only if the response is new).
    Response {
        response: Response<MemberHash>,
        received_at: Timestamp,
        webhooks: Vec<Outgoing>,
        /// On the kiosk channel, the same answers from the same kiosk within this window of
        /// its latest press are a repeated press: stored, flagged, not counted.
        repeat_window: Period,
        reply: Reply<Stored>,
    },
    /// Store a display event once, and note it in the member's ledger.
    Display {
        display: DisplayEvent<MemberHash>,
        received_at: Timestamp,
        reply: Reply<Stored>,
    },
    /// Decide for a member against the ledger; when the answer is Show, record the display in
    /// the same batch, so two concurrent asks cannot both be shown.
    Eligibility {
        policy: ThrottlePolicy,
        survey: Arc<Survey>,
        display: DisplayEvent<MemberHash>,
        now: Timestamp,
        /// Also list every rule checked (`shared::throttle::explain`).
        explain: bool,
        reply: Reply<Verdict>,
    },
    /// Keep a kiosk's latest heartbeat, overwriting the one before.
    Heartbeat {
        site: SiteId,
        record: KioskRecord,
        reply: Reply<bool>,
    },
    /// Replace the team's labels on a response of the site (none: remove them). Answers
    /// whether the response is there: an erased one keeps no labels.
    Labels {
        site: SiteId,
        seq: u64,
        labels: Vec<String>,
        reply: Reply<bool>,
    },
    /// Change the webhook outbox. Answers whether anything changed.
    Outbox {
        change: OutboxChange,
        reply: Reply<bool>,
    },
    /// Erase records (a member's, or expired ones) with their index entries and webhook
    /// messages. Answers what was removed.
    Erase {
        erasure: Erasure,
        reply: Reply<Erased>,
    },
}

/// A change to the webhook outbox, made by the delivery worker or the admin API.
#[derive(Debug, Clone)]
pub enum OutboxChange {
    /// Sent: the message leaves the outbox.
    Delivered(Message),
    /// Replace the message with `next` (another try later, or a hold): same id, new due time.
    Reschedule { was: Message, next: Message },
    /// Out of tries: the message leaves the outbox for the dead-letter list.
    Dead { was: Message, letter: DeadLetter },
    /// Its webhook is gone: the message is dropped.
    Discard(Message),
    /// A dead letter goes back to the outbox with its tries reset, due at `now`.
    Revive {
        site: shared::ids::SiteId,
        webhook: WebhookId,
        id: Uuid,
        now: Timestamp,
    },
    /// Drops every dead letter of a deleted webhook.
    ForgetDeadLetters {
        site: shared::ids::SiteId,
        webhook: WebhookId,
    },
}

/// How a response or display was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    New {
        seq: u64,
    },
    /// Already stored before: nothing was written.
    Duplicate {
        seq: u64,
    },
    /// Another response to the same receipt is stored (`seq`): one receipt, one response.
    /// Nothing was written.
    ReceiptUsed {
        seq: u64,
    },
}

/// The answer to [`Job::Eligibility`]: `decide`'s decision and, when asked for, the rules
/// behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub decision: Decision,
    pub explanation: Option<Explanation>,
}

/// A kiosk's latest press on a survey (`P` in `events`): what a repeated press is compared with.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Press {
    /// The press's client time.
    at: Timestamp,
    /// Its answers as JSON (the map is sorted, so equal answers are equal text).
    answers: String,
    /// The counted response this press is, or repeats.
    counted: ResponseId,
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

pub(super) struct Shared {
    pub(super) stats: Arc<WriterStats>,
    pub(super) committed: Arc<Committed>,
    /// Woken after a group that put messages in the outbox is durable.
    pub(super) outbox: Arc<Notify>,
}

pub(super) fn spawn(
    db: sled::Db,
    events: sled::Tree,
    data_file: Arc<File>,
    inbox: mpsc::Receiver<Job>,
    shared: Shared,
) -> Result<std::thread::JoinHandle<()>, StoreError> {
    let Shared {
        stats,
        committed,
        outbox,
    } = shared;
    let next_response = keys::next_seq(&events, keys::RESPONSE)?;
    // Everything already in the tree was written before this process opened it.
    committed.set(next_response - 1);
    let writer = Writer {
        next_response,
        next_display: keys::next_seq(&events, keys::DISPLAY)?,
        committed,
        db,
        events,
        data_file,
        stats,
        outbox,
    };
    Ok(std::thread::Builder::new()
        .name("nunchi-writer".into())
        .spawn(move || writer.run(inbox))?)
}

struct Writer {
    db: sled::Db,
    events: sled::Tree,
    data_file: Arc<File>,
    stats: Arc<WriterStats>,
    committed: Arc<Committed>,
    outbox: Arc<Notify>,
    next_response: u64,
    next_display: u64,
}

/// The writes of one group: read back before they reach the tree, and written as one batch.
/// A later write of a key replaces an earlier one, as in a `sled::Batch`; `None` removes.
#[derive(Default)]
struct Group {
    pending: HashMap<Vec<u8>, Option<Vec<u8>>>,
    /// Whether the group puts messages in the outbox (the delivery worker is woken).
    outbox: bool,
}

impl Group {
    fn put(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.pending.insert(key, Some(value));
    }

    fn remove(&mut self, key: Vec<u8>) {
        self.pending.insert(key, None);
    }

    /// The group's writes as one batch, moved rather than copied a second time.
    fn into_batch(self) -> sled::Batch {
        let mut batch = sled::Batch::default();
        for (key, value) in self.pending {
            match value {
                Some(value) => batch.insert(key, value),
                None => batch.remove(key),
            }
        }
        batch
    }
}

/// A record as JSON, in a buffer sized for a typical record (~700 bytes) so that it is not
/// grown three times on the way.
fn record_json<T: serde::Serialize>(record: &T) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = Vec::with_capacity(1024);
    serde_json::to_writer(&mut out, record)?;
    Ok(out)
}

/// A job's outcome, sent only once the group is durable.
enum Outcome {
    Stored(Reply<Stored>, Result<Stored, StoreError>),
    Decision(Reply<Verdict>, Result<Verdict, StoreError>),
    Changed(Reply<bool>, Result<bool, StoreError>),
    Erased(Reply<Erased>, Result<Erased, StoreError>),
}

impl Outcome {
    fn is_err(&self) -> bool {
        match self {
            Outcome::Stored(_, r) => r.is_err(),
            Outcome::Decision(_, r) => r.is_err(),
            Outcome::Changed(_, r) => r.is_err(),
            Outcome::Erased(_, r) => r.is_err(),
        }
    }

    /// Answers the requester. One that gave up (timeout, closed connection) no longer listens.
    fn send(self, failure: Option<&StoreError>) {
        let fail = |own: Option<StoreError>| own.unwrap_or_else(|| same_failure(failure));
        match self {
            Outcome::Stored(reply, r) => drop(reply.send(match failure {
                None => r,
                Some(_) => Err(fail(r.err())),
            })),
            Outcome::Decision(reply, r) => drop(reply.send(match failure {
                None => r,
                Some(_) => Err(fail(r.err())),
            })),
            Outcome::Changed(reply, r) => drop(reply.send(match failure {
                None => r,
                Some(_) => Err(fail(r.err())),
            })),
            Outcome::Erased(reply, r) => drop(reply.send(match failure {
                None => r,
                Some(_) => Err(fail(r.err())),
            })),
        }
    }
}

impl Writer {
    fn run(mut self, mut inbox: mpsc::Receiver<Job>) {
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
    fn commit(&mut self, jobs: Vec<Job>) {
        let count = jobs.len() as u64;
        let (next_response, next_display) = (self.next_response, self.next_display);
        let mut group = Group::default();
        let outcomes: Vec<Outcome> = jobs
            .into_iter()
            .map(|job| self.apply(job, &mut group))
            .collect();
        let wake_delivery = group.outbox;
        let batch = group.into_batch();
        let started = Instant::now();
        let (applied, result) = match outcomes.iter().any(Outcome::is_err) {
            true => (
                false,
                Err(StoreError::Io(std::io::Error::other(
                    "a job in the group could not be applied",
                ))),
            ),
            false => self.make_durable(batch),
        };
        self.stats
            .flush_micros
            .fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
        self.stats.groups.fetch_add(1, Ordering::Relaxed);
        self.stats.jobs.fetch_add(count, Ordering::Relaxed);
        if let Err(e) = &result {
            tracing::error!(error = %e, jobs = count, "group commit failed; nothing in it was acknowledged");
            self.stats.failures.fetch_add(1, Ordering::Relaxed);
            if !applied {
                // Nothing of the group reached the tree, so its sequence numbers are free again.
                // Once the batch is in the tree they are not: readers may have seen them, and
                // the next successful flush makes them durable. Reusing one would give two
                // responses the same place in the export order.
                self.next_response = next_response;
                self.next_display = next_display;
            }
        } else {
            // Everything up to here is in the tree and on disk: exports may now read it. The
            // sequence grows in this one thread and a group is one atomic batch, so no response
            // can later appear below this mark.
            self.committed.set(self.next_response - 1);
            if wake_delivery {
                self.outbox.notify_one();
            }
        }
        self.stats.failing.store(result.is_err(), Ordering::Relaxed);
        for outcome in outcomes {
            outcome.send(result.as_ref().err());
        }
    }

    /// Writes the batch and makes it durable. Says whether the batch reached the tree, which
    /// it may have even when the flush then fails.
    fn make_durable(&self, batch: sled::Batch) -> (bool, Result<(), StoreError>) {
        if let Err(e) = self.events.apply_batch(batch) {
            return (false, Err(e.into()));
        }
        let durable = self
            .db
            .flush()
            .map_err(StoreError::from)
            .and_then(|_| Ok(self.data_file.sync_data()?));
        (true, durable)
    }

    fn apply(&mut self, job: Job, group: &mut Group) -> Outcome {
        match job {
            Job::Response {
                response,
                received_at,
                webhooks,
                repeat_window,
                reply,
            } => Outcome::Stored(
                reply,
                self.store_response(response, received_at, webhooks, repeat_window, group),
            ),
            Job::Display {
                display,
                received_at,
                reply,
            } => Outcome::Stored(reply, self.store_display(display, received_at, group)),
            Job::Eligibility {
                policy,
                survey,
                display,
                now,
                explain,
                reply,
            } => Outcome::Decision(
                reply,
                self.eligibility(&policy, &survey, display, now, explain, group),
            ),
            Job::Heartbeat {
                site,
                record,
                reply,
            } => Outcome::Changed(reply, self.heartbeat(&site, &record, group)),
            Job::Labels {
                site,
                seq,
                labels,
                reply,
            } => Outcome::Changed(reply, self.label(&site, seq, &labels, group)),
            Job::Outbox { change, reply } => {
                Outcome::Changed(reply, self.change_outbox(change, group))
            }
            Job::Erase { erasure, reply } => Outcome::Erased(reply, self.erase(erasure, group)),
        }
    }

    fn read(&self, key: &[u8], group: &Group) -> Result<Option<Vec<u8>>, StoreError> {
        if let Some(v) = group.pending.get(key) {
            return Ok(v.clone());
        }
        Ok(self.events.get(key)?.map(|v| v.to_vec()))
    }

    fn store_response(
        &mut self,
        response: Response<MemberHash>,
        received_at: Timestamp,
        webhooks: Vec<Outgoing>,
        repeat_window: Period,
        group: &mut Group,
    ) -> Result<Stored, StoreError> {
        let id_key = keys::response_id(&response.response_id);
        if let Some(seq) = self.read(&id_key, group)? {
            return Ok(Stored::Duplicate {
                seq: decode_u64(&seq),
            });
        }
        // One response per receipt: checked after the id, so that a retry of the response that
        // used the receipt is still a duplicate, and marked in the response's own batch.
        let receipt_key = match (&response.context.channel, &response.context.receipt_id) {
            (Channel::Receipt, Some(receipt)) => {
                let key = keys::receipt(&response.context.site_id, receipt);
                if let Some(seq) = self.read(&key, group)? {
                    return Ok(Stored::ReceiptUsed {
                        seq: decode_u64(&seq),
                    });
                }
                Some(key)
            }
            _ => None,
        };
        // A repeated press is checked after the id, so that a retry stays a duplicate.
        let repeat_of = self.press(&response, repeat_window, group)?;
        let seq = self.next_response;
        self.next_response += 1;
        if let Some(key) = receipt_key {
            group.put(key, seq.to_be_bytes().to_vec());
        }
        let ctx = &response.context;
        if repeat_of.is_none() {
            self.bump(keys::quota_total(&ctx.site_id, &response.survey_id), group)?;
        }
        if let (None, Some(store)) = (repeat_of, &ctx.store_id) {
            self.bump(
                keys::quota_store_day(
                    &ctx.site_id,
                    &response.survey_id,
                    store,
                    received_at.utc_day(),
                ),
                group,
            )?;
        }
        if let Some(member) = &ctx.member {
            let contact = Contact {
                at: response.client_time,
                survey_id: response.survey_id.clone(),
                channel: ctx.channel,
            };
            self.note_contact(&ctx.site_id, member, ContactKind::Answered, contact, group)?;
        }
        let record = ResponseRecord {
            seq,
            received_at,
            flag: repeat_of.map(|_| Flag::RepeatPress),
            repeat_of,
            response,
        };
        group.put(keys::response_seq(seq), record_json(&record)?);
        group.put(id_key, seq.to_be_bytes().to_vec());
        let (site, survey) = (&record.response.context.site_id, &record.response.survey_id);
        group.put(keys::site_response(site, seq), Vec::new());
        group.put(keys::survey_response(site, survey, seq), Vec::new());
        if repeat_of.is_none() {
            // A repeated press is kept for the record, but is no new answer to announce.
            self.put_messages(&record, webhooks, group)?;
        }
        Ok(Stored::New { seq })
    }

    /// On the kiosk channel: whether `response` repeats the kiosk's latest press on the survey
    /// (same answers, client times at most `window` apart), and which counted response it
    /// repeats. Presses are compared by client time, not by arrival: an offline kiosk's late
    /// batch comes in its own order, and the latest press stays the one compared with (an
    /// older press that arrives late is checked against it but does not replace it).
    fn press(
        &self,
        response: &Response<MemberHash>,
        window: Period,
        group: &mut Group,
    ) -> Result<Option<ResponseId>, StoreError> {
        let ctx = &response.context;
        let (Channel::Kiosk, Some(kiosk)) = (ctx.channel, &ctx.kiosk_id) else {
            return Ok(None);
        };
        let key = keys::kiosk_press(
            &ctx.site_id,
            ctx.store_id.as_ref(),
            kiosk,
            &response.survey_id,
        );
        let answers = serde_json::to_string(&response.answers)?;
        let latest: Option<Press> = self
            .read(&key, group)?
            .map(|bytes| serde_json::from_slice(&bytes))
            .transpose()?;
        let at = response.client_time;
        let repeat_of = latest
            .as_ref()
            .filter(|p| {
                window > Period::ZERO
                    && p.answers == answers
                    && (at.0 - p.at.0).unsigned_abs() <= window.millis().unsigned_abs()
            })
            .map(|p| p.counted);
        if latest.as_ref().is_none_or(|p| p.at <= at) {
            let press = Press {
                at,
                answers,
                counted: repeat_of.unwrap_or(response.response_id),
            };
            group.put(key, serde_json::to_vec(&press)?);
        }
        Ok(repeat_of)
    }

    fn heartbeat(
        &self,
        site: &SiteId,
        record: &KioskRecord,
        group: &mut Group,
    ) -> Result<bool, StoreError> {
        group.put(
            keys::kiosk(site, &record.store_id, &record.kiosk_id),
            serde_json::to_vec(record)?,
        );
        Ok(true)
    }

    fn label(
        &self,
        site: &SiteId,
        seq: u64,
        labels: &[String],
        group: &mut Group,
    ) -> Result<bool, StoreError> {
        let Some(bytes) = self.read(&keys::response_seq(seq), group)? else {
            return Ok(false);
        };
        let record: ResponseRecord = serde_json::from_slice(&bytes)?;
        if &record.response.context.site_id != site {
            return Ok(false);
        }
        let key = keys::labels(site, seq);
        if labels.is_empty() {
            group.remove(key);
        } else {
            group.put(key, serde_json::to_vec(labels)?);
        }
        Ok(true)
    }

    /// The outbox messages of a new response, in its batch: once the response is durable, so
    /// are they.
    fn put_messages(
        &self,
        record: &ResponseRecord,
        webhooks: Vec<Outgoing>,
        group: &mut Group,
    ) -> Result<(), StoreError> {
        let mut event = None;
        for outgoing in webhooks {
            let body = match outgoing.body {
                OutgoingBody::Event => match &event {
                    Some(body) => String::clone(body),
                    None => event.insert(payload::event(record)?).clone(),
                },
                OutgoingBody::Chat(line) => payload::chat(&line)?,
            };
            let message = Message {
                id: Uuid::now_v7(),
                site: record.response.context.site_id.clone(),
                webhook: outgoing.webhook,
                response_seq: record.seq,
                created_at: record.received_at,
                attempts: 0,
                due: record.received_at,
                last_error: None,
                body,
            };
            self.put_message(&message, group)?;
        }
        Ok(())
    }

    fn put_message(&self, message: &Message, group: &mut Group) -> Result<(), StoreError> {
        group.put(
            keys::outbox(message.due, &message.id),
            record_json(message)?,
        );
        group.outbox = true;
        Ok(())
    }

    /// Applies a change to the outbox. A change to a message that is no longer where the
    /// change expects it (already handled) changes nothing and says so.
    fn change_outbox(
        &mut self,
        change: OutboxChange,
        group: &mut Group,
    ) -> Result<bool, StoreError> {
        let take = |this: &Self, message: &Message, group: &mut Group| {
            let key = keys::outbox(message.due, &message.id);
            let present = this.read(&key, group)?.is_some();
            if present {
                group.remove(key);
            }
            Ok::<_, StoreError>(present)
        };
        match change {
            OutboxChange::Delivered(message) | OutboxChange::Discard(message) => {
                take(self, &message, group)
            }
            OutboxChange::Reschedule { was, next } => {
                if !take(self, &was, group)? {
                    return Ok(false);
                }
                self.put_message(&next, group)?;
                Ok(true)
            }
            OutboxChange::Dead { was, letter } => {
                if !take(self, &was, group)? {
                    return Ok(false);
                }
                let m = &letter.message;
                group.put(
                    keys::dead_letter(&m.site, &m.webhook, &m.id),
                    record_json(&letter)?,
                );
                Ok(true)
            }
            OutboxChange::Revive {
                site,
                webhook,
                id,
                now,
            } => {
                let key = keys::dead_letter(&site, &webhook, &id);
                let Some(bytes) = self.read(&key, group)? else {
                    return Ok(false);
                };
                let letter: DeadLetter = serde_json::from_slice(&bytes)?;
                group.remove(key);
                let message = Message {
                    attempts: 0,
                    due: now,
                    ..letter.message
                };
                self.put_message(&message, group)?;
                Ok(true)
            }
            OutboxChange::ForgetDeadLetters { site, webhook } => {
                let prefix = keys::dead_letters(&site, &webhook);
                let mut any = false;
                for item in self.events.scan_prefix(&prefix).keys() {
                    group.remove(item?.to_vec());
                    any = true;
                }
                Ok(any)
            }
        }
    }

    /// Removes the records of an erasure, their index entries, the member's ledger entry and
    /// the webhook messages (waiting or dead) of every removed response. Records already gone
    /// are skipped, so an erasure repeated removes nothing.
    fn erase(&mut self, erasure: Erasure, group: &mut Group) -> Result<Erased, StoreError> {
        let Erasure {
            site,
            mut responses,
            mut displays,
            member,
        } = erasure;
        let mut erased = Erased::default();
        if let Some((member, scanned)) = &member {
            // What was stored after the scan began (this group's own writes included).
            for seq in scanned.responses_below..self.next_response {
                if let Some(bytes) = self.read(&keys::response_seq(seq), group)? {
                    let record: ResponseRecord = serde_json::from_slice(&bytes)?;
                    let ctx = &record.response.context;
                    if ctx.site_id == site && ctx.member.as_ref() == Some(member) {
                        responses.push(seq);
                    }
                }
            }
            for seq in scanned.displays_below..self.next_display {
                if let Some(bytes) = self.read(&keys::display_seq(seq), group)? {
                    let record: DisplayRecord = serde_json::from_slice(&bytes)?;
                    let ctx = &record.display.context;
                    if ctx.site_id == site && ctx.member.as_ref() == Some(member) {
                        displays.push(seq);
                    }
                }
            }
            let ledger = keys::ledger(&site, member);
            if self.read(&ledger, group)?.is_some() {
                group.remove(ledger);
                erased.ledger_entries += 1;
            }
        }
        let mut gone = HashSet::new();
        for seq in responses {
            let key = keys::response_seq(seq);
            let Some(bytes) = self.read(&key, group)? else {
                continue;
            };
            let record: ResponseRecord = serde_json::from_slice(&bytes)?;
            if record.response.context.site_id != site || !gone.insert(seq) {
                continue;
            }
            group.remove(key);
            group.remove(keys::site_response(&site, seq));
            group.remove(keys::labels(&site, seq));
            group.remove(keys::survey_response(
                &site,
                &record.response.survey_id,
                seq,
            ));
            erased.responses += 1;
        }
        let mut displays_gone = HashSet::new();
        for seq in displays {
            let key = keys::display_seq(seq);
            let Some(bytes) = self.read(&key, group)? else {
                continue;
            };
            let record: DisplayRecord = serde_json::from_slice(&bytes)?;
            if record.display.context.site_id != site || !displays_gone.insert(seq) {
                continue;
            }
            group.remove(key);
            group.remove(keys::survey_display(&site, &record.display.survey_id, seq));
            erased.displays += 1;
        }
        if !gone.is_empty() {
            erased.webhook_messages = self.drop_messages(&site, &gone, group)?;
        }
        Ok(erased)
    }

    /// Removes the outbox messages and dead letters of the responses `seqs` of `site`, whether
    /// in the tree or written earlier in this group. A message the delivery worker is trying
    /// meanwhile is simply gone when it reports (its change then changes nothing).
    fn drop_messages(
        &self,
        site: &shared::ids::SiteId,
        seqs: &HashSet<u64>,
        group: &mut Group,
    ) -> Result<u64, StoreError> {
        #[derive(serde::Deserialize)]
        struct Cause {
            site: shared::ids::SiteId,
            response_seq: u64,
        }
        let mut doomed = Vec::new();
        let mut check = |key: &[u8], value: &[u8]| -> Result<(), StoreError> {
            let cause: Cause = serde_json::from_slice(value)?;
            if &cause.site == site && seqs.contains(&cause.response_seq) {
                doomed.push(key.to_vec());
            }
            Ok(())
        };
        let in_tree = self
            .events
            .range(keys::outbox_all())
            .chain(self.events.scan_prefix(keys::site_dead_letters(site)));
        for item in in_tree {
            let (key, value) = item?;
            if !group.pending.contains_key(key.as_ref()) {
                check(&key, &value)?;
            }
        }
        for (key, value) in &group.pending {
            if let Some(value) = value
                && keys::is_webhook_message(key)
            {
                check(key, value)?;
            }
        }
        let count = doomed.len() as u64;
        for key in doomed {
            group.remove(key);
        }
        Ok(count)
    }

    fn store_display(
        &mut self,
        display: DisplayEvent<MemberHash>,
        received_at: Timestamp,
        group: &mut Group,
    ) -> Result<Stored, StoreError> {
        let id_key = keys::display_id(&display.display_id);
        if let Some(seq) = self.read(&id_key, group)? {
            return Ok(Stored::Duplicate {
                seq: decode_u64(&seq),
            });
        }
        let seq = self.next_display;
        self.next_display += 1;
        if let Some(member) = &display.context.member {
            let contact = Contact {
                at: display.client_time,
                survey_id: display.survey_id.clone(),
                channel: display.context.channel,
            };
            self.note_contact(
                &display.context.site_id,
                member,
                display.kind.into(),
                contact,
                group,
            )?;
        }
        let record = DisplayRecord {
            seq,
            received_at,
            display,
        };
        let display = &record.display;
        group.put(
            keys::survey_display(&display.context.site_id, &display.survey_id, seq),
            Vec::new(),
        );
        group.put(keys::display_seq(seq), record_json(&record)?);
        group.put(id_key, seq.to_be_bytes().to_vec());
        Ok(Stored::New { seq })
    }

    fn eligibility(
        &mut self,
        policy: &ThrottlePolicy,
        survey: &Survey,
        display: DisplayEvent<MemberHash>,
        now: Timestamp,
        explain: bool,
        group: &mut Group,
    ) -> Result<Verdict, StoreError> {
        let shown = Verdict {
            decision: Decision::Show,
            explanation: None,
        };
        let ctx = &display.context;
        let Some(member) = &ctx.member else {
            // The route checks this; a job without a member has nothing to decide on.
            return Ok(shown);
        };
        // A retried request for a display already recorded gets the same answer again (its
        // explanation is gone: the ledger now holds the display it allowed).
        if self
            .read(&keys::display_id(&display.display_id), group)?
            .is_some()
        {
            return Ok(shown);
        }
        let history = self.history(&ctx.site_id, member, group)?;
        let quota = QuotaUsage {
            total: self.counter(&keys::quota_total(&ctx.site_id, &survey.id), group)?,
            store_today: match &ctx.store_id {
                Some(store) => Some(self.counter(
                    &keys::quota_store_day(&ctx.site_id, &survey.id, store, now.utc_day()),
                    group,
                )?),
                None => None,
            },
        };
        let input = DecisionInput {
            policy,
            survey,
            history: &history,
            subject: member.as_str(),
            quota,
            now,
        };
        let decision = decide(&input);
        let explanation = explain.then(|| shared::throttle::explain(&input));
        if decision.is_show() {
            self.store_display(display, now, group)?;
        }
        Ok(Verdict {
            decision,
            explanation,
        })
    }

    fn history(
        &self,
        site: &shared::ids::SiteId,
        member: &MemberHash,
        group: &Group,
    ) -> Result<ContactHistory, StoreError> {
        match self.read(&keys::ledger(site, member), group)? {
            Some(bytes) => Ok(serde_json::from_slice(&bytes)?),
            None => Ok(ContactHistory::default()),
        }
    }

    fn note_contact(
        &self,
        site: &shared::ids::SiteId,
        member: &MemberHash,
        kind: ContactKind,
        contact: Contact,
        group: &mut Group,
    ) -> Result<(), StoreError> {
        let mut history = self.history(site, member, group)?;
        history.record(kind, contact);
        group.put(keys::ledger(site, member), serde_json::to_vec(&history)?);
        Ok(())
    }

    fn counter(&self, key: &[u8], group: &Group) -> Result<u64, StoreError> {
        Ok(self.read(key, group)?.map_or(0, |v| decode_u64(&v)))
    }

    fn bump(&self, key: Vec<u8>, group: &mut Group) -> Result<(), StoreError> {
        let n = self.counter(&key, group)? + 1;
        group.put(key, n.to_be_bytes().to_vec());
        Ok(())
    }
}

fn same_failure(e: Option<&StoreError>) -> StoreError {
    StoreError::Io(std::io::Error::other(
        e.map_or_else(String::new, ToString::to_string),
    ))
}
