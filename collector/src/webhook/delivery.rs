//! The delivery worker: reads due messages from the outbox, signs and sends them, and records
//! each outcome through the writer.
//!
//! One tokio task beside the server. It never blocks the writer: HTTP happens here, and the
//! writer only applies the small outbox changes this task hands it. At most
//! [`RetryPolicy::concurrency`] messages are in flight; a message in flight is not read again
//! until its outcome is on disk.
//!
//! **Policy.** A 2xx answer within the timeout is a delivery. Anything else (another status, a
//! redirect, a refused connection, a timeout) is a failed try: the message is due again after
//! [`RetryPolicy::backoff`], until [`RetryPolicy::max_attempts`] tries have failed; then it
//! becomes a dead letter. A message of a disabled webhook is held (looked at again after
//! [`RetryPolicy::hold`], no try counted); one of a deleted webhook is dropped.
//!
//! **At least once.** An outcome is recorded after the answer: a crash in between sends the
//! message again after the restart, with the same `webhook-id`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderValue};
use shared::time::Timestamp;
use tokio::sync::watch;
use tokio::task::JoinSet;
use uuid::Uuid;

use super::{DeadLetter, Message, Webhook, signature};
use crate::clock::Clock;
use crate::metrics::Metrics;
use crate::store::{OutboxChange, Store, StoreError};

/// How messages are tried.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Tries before a message becomes a dead letter (at least 1).
    pub max_attempts: u32,
    /// The wait after the first failed try; it doubles after each further one …
    pub base_delay: Duration,
    /// … up to this.
    pub max_delay: Duration,
    /// How long one try may take, connecting included.
    pub timeout: Duration,
    /// Messages in flight at once.
    pub concurrency: usize,
    /// How long a message of a disabled webhook waits before it is looked at again.
    pub hold: Duration,
}

impl Default for RetryPolicy {
    /// Ten tries over 1½ to 3 hours: waits of up to 30 s, 1, 2, 4, 8, 16, 32 min, then an
    /// hour, each drawn between half and all of that.
    fn default() -> Self {
        Self {
            max_attempts: 10,
            base_delay: Duration::from_secs(30),
            max_delay: Duration::from_secs(3_600),
            timeout: Duration::from_secs(10),
            concurrency: 16,
            hold: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The wait before the next try after `failed` tries have failed: `base_delay · 2^(failed − 1)`,
    /// at most `max_delay`, with "equal jitter": half of it fixed, the other half drawn from
    /// `random`. The fixed half keeps a struggling receiver from being hit again at once; the
    /// random half spreads the messages of an outage so they do not all return together.
    pub fn backoff(&self, failed: u32, random: u64) -> Duration {
        let exponent = failed.saturating_sub(1).min(32);
        let full = self
            .base_delay
            .saturating_mul(1u32 << exponent.min(31))
            .min(self.max_delay);
        let full_ms = u64::try_from(full.as_millis()).unwrap_or(u64::MAX);
        let half = full_ms / 2;
        Duration::from_millis(half + random % (full_ms - half + 1))
    }
}

/// Starts the worker; it stops when `stop` changes (or its sender is dropped).
pub fn spawn(
    store: Store,
    clock: Clock,
    metrics: Metrics,
    policy: RetryPolicy,
    stop: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let client = reqwest::Client::builder()
        .timeout(policy.timeout)
        .connect_timeout(policy.timeout)
        // A redirect is not a delivery: the signed request is for the URL the admin gave.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("nunchi-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "cannot configure the webhook client; using defaults");
            reqwest::Client::new()
        });
    let worker = Arc::new(Worker {
        store,
        clock,
        metrics,
        policy,
        client,
    });
    tokio::spawn(worker.run(stop))
}

#[derive(Debug)]
struct Worker {
    store: Store,
    clock: Clock,
    metrics: Metrics,
    policy: RetryPolicy,
    client: reqwest::Client,
}

/// Looked at again after this long even when nothing is due, in case the clock was moved.
const IDLE_RECHECK: Duration = Duration::from_secs(30);

impl Worker {
    async fn run(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let mut tasks = JoinSet::new();
        let mut in_flight: HashSet<Uuid> = HashSet::new();
        let mut task_message: HashMap<tokio::task::Id, Uuid> = HashMap::new();
        let concurrency = self.policy.concurrency.max(1);
        loop {
            let now = self.clock.now();
            let mut wake_at = None;
            if tasks.len() < concurrency {
                // In-flight messages are still in the outbox: read past them.
                let limit = in_flight.len() + concurrency - tasks.len();
                match self.due(now, limit).await {
                    Ok((due, next)) => {
                        wake_at = next;
                        for message in due {
                            if tasks.len() >= concurrency {
                                break;
                            }
                            if !in_flight.insert(message.id) {
                                continue;
                            }
                            let id = message.id;
                            let handle = tasks.spawn(self.clone().handle(message));
                            task_message.insert(handle.id(), id);
                        }
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "cannot read the webhook outbox");
                        wake_at = Some(Timestamp(now.millis() + 1_000));
                    }
                }
            }
            let sleep = wake_at.map_or(IDLE_RECHECK, |at| {
                Duration::from_millis(u64::try_from(at.millis() - now.millis()).unwrap_or(0))
                    .min(IDLE_RECHECK)
            });
            tokio::select! {
                _ = stop.changed() => break,
                Some(done) = tasks.join_next_with_id() => {
                    let task = match &done {
                        Ok((task, ())) => *task,
                        Err(e) => {
                            tracing::error!(error = %e, "a webhook delivery task failed");
                            e.id()
                        }
                    };
                    if let Some(message) = task_message.remove(&task) {
                        in_flight.remove(&message);
                    }
                }
                () = self.store.outbox_changed() => {}
                () = tokio::time::sleep(sleep) => {}
            }
        }
        // Tries in flight are abandoned; their messages are still in the outbox.
        tasks.shutdown().await;
    }

    /// The messages due now, and when the next one after now is due.
    async fn due(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> Result<(Vec<Message>, Option<Timestamp>), StoreError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || {
            Ok((store.outbox_due(now, limit)?, store.outbox_next_due(now)?))
        })
        .await
        .map_err(|e| StoreError::Io(std::io::Error::other(e)))?
    }

    /// Tries one message and records what happened.
    async fn handle(self: Arc<Self>, message: Message) {
        let change = match self.store.webhooks().get(&message.site, &message.webhook) {
            None => {
                self.metrics.count_webhook("discarded");
                OutboxChange::Discard(message)
            }
            Some(hook) if !hook.enabled => {
                let next = Message {
                    due: self.later(self.policy.hold),
                    ..message.clone()
                };
                OutboxChange::Reschedule { was: message, next }
            }
            Some(hook) => self.attempt(&hook, message).await,
        };
        self.record(change).await;
    }

    async fn attempt(&self, hook: &Webhook, message: Message) -> OutboxChange {
        let error = self.send(hook, &message).await.err();
        let attempts = message.attempts.saturating_add(1);
        let Some(error) = error else {
            self.metrics.count_webhook("delivered");
            return OutboxChange::Delivered(message);
        };
        tracing::debug!(webhook = %hook.id, message = %message.id, attempts, %error, "webhook try failed");
        let tried = Message {
            attempts,
            last_error: Some(error),
            ..message.clone()
        };
        if attempts >= self.policy.max_attempts.max(1) {
            self.metrics.count_webhook("dead_letter");
            tracing::warn!(webhook = %hook.id, message = %message.id, attempts, "webhook message moved to the dead letters");
            return OutboxChange::Dead {
                was: message,
                letter: DeadLetter {
                    message: tried,
                    failed_at: self.clock.now(),
                },
            };
        }
        self.metrics.count_webhook("failed");
        let wait = self
            .policy
            .backoff(attempts, getrandom::u64().unwrap_or(u64::MAX / 2));
        OutboxChange::Reschedule {
            was: message,
            next: Message {
                due: self.later(wait),
                ..tried
            },
        }
    }

    /// One signed POST. `Err` says why it is not a delivery.
    async fn send(&self, hook: &Webhook, message: &Message) -> Result<(), String> {
        let id = message.header_id();
        let timestamp = self.clock.now().millis().div_euclid(1_000);
        let signature = signature::sign(&hook.secret, &id, timestamp, &message.body);
        let answer = self
            .client
            .post(&hook.url)
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header(signature::ID, id)
            .header(signature::TIMESTAMP, timestamp)
            .header(signature::SIGNATURE, signature)
            .body(message.body.clone())
            .send()
            .await
            .map_err(|e| describe(&e))?;
        let status = answer.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("the endpoint answered {status}"))
        }
    }

    /// Records an outcome. If the store cannot take it now, tries a few times; if it still
    /// cannot, the message stays as it was and is tried again (at least once, never lost).
    async fn record(&self, change: OutboxChange) {
        for pause in [10, 100, 1_000, 5_000] {
            let change = change.clone();
            let pending = self.store.update_outbox(change);
            match async { pending?.await }.await {
                Ok(_) => return,
                Err(StoreError::Closed) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot record a webhook outcome yet");
                    tokio::time::sleep(Duration::from_millis(pause)).await;
                }
            }
        }
        tracing::error!("gave up recording a webhook outcome; the message will be tried again");
    }

    fn later(&self, wait: Duration) -> Timestamp {
        let wait = i64::try_from(wait.as_millis()).unwrap_or(i64::MAX);
        Timestamp(self.clock.now().millis().saturating_add(wait))
    }
}

/// A transport error in a few words, with its cause (`connection refused`, `timed out`).
fn describe(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let mut cause = std::error::Error::source(e);
    let mut deepest = None;
    while let Some(c) = cause {
        deepest = Some(c.to_string());
        cause = c.source();
    }
    match deepest {
        Some(cause) => format!("{what}: {cause}"),
        None => what.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_half_of_it_random() {
        let policy = RetryPolicy {
            base_delay: Duration::from_secs(30),
            max_delay: Duration::from_secs(3_600),
            ..RetryPolicy::default()
        };
        let secs = |failed, random| policy.backoff(failed, random).as_secs_f64();
        // (failed tries, the delay before jitter)
        for (failed, full) in [(1, 30.0), (2, 60.0), (3, 120.0), (7, 1_920.0), (8, 3_600.0)] {
            assert_eq!(secs(failed, 0), full / 2.0, "least after {failed}");
            for random in [1, 7_777, 123_456_789, u64::MAX - 3] {
                let s = secs(failed, random);
                assert!((full / 2.0..=full).contains(&s), "{failed} {random}: {s}");
            }
        }
        assert_eq!(secs(100, 0), 1_800.0, "no overflow after many tries");
        let tiny = RetryPolicy {
            base_delay: Duration::ZERO,
            ..RetryPolicy::default()
        };
        assert_eq!(tiny.backoff(3, 99), Duration::ZERO);
    }
}
