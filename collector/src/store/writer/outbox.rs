//! Changing the webhook outbox: what the delivery worker reports (sent, try later, dead) and
//! what the admin API asks (send a dead letter again, forget a deleted webhook's).

use shared::ids::SiteId;
use shared::time::Timestamp;
use shared::webhook::WebhookId;
use uuid::Uuid;

use super::{Group, Job, record_json};
use crate::store::StoreError;
use crate::store::keys;
use crate::store::records::{DeadLetter, Message};

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
        site: SiteId,
        webhook: WebhookId,
        id: Uuid,
        now: Timestamp,
    },
    /// Drops every dead letter of a deleted webhook.
    ForgetDeadLetters { site: SiteId, webhook: WebhookId },
}

pub(in crate::store) struct UpdateOutbox(pub(in crate::store) OutboxChange);

impl Job for UpdateOutbox {
    /// Whether anything changed: a change to a message that is no longer where the change
    /// expects it (already handled) changes nothing and says so.
    type Output = bool;

    fn apply(self, group: &mut Group<'_>) -> Result<bool, StoreError> {
        match self.0 {
            OutboxChange::Delivered(message) | OutboxChange::Discard(message) => {
                take(&message, group)
            }
            OutboxChange::Reschedule { was, next } => {
                if !take(&was, group)? {
                    return Ok(false);
                }
                put_message(&next, group)?;
                Ok(true)
            }
            OutboxChange::Dead { was, letter } => {
                if !take(&was, group)? {
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
                let Some(letter) = group.read_json::<DeadLetter>(&key)? else {
                    return Ok(false);
                };
                group.remove(key);
                let message = Message {
                    attempts: 0,
                    due: now,
                    ..letter.message
                };
                put_message(&message, group)?;
                Ok(true)
            }
            OutboxChange::ForgetDeadLetters { site, webhook } => {
                let mut any = false;
                for item in group.tree_prefix(&keys::dead_letters(&site, &webhook)) {
                    group.remove(item?.0);
                    any = true;
                }
                Ok(any)
            }
        }
    }
}

/// Removes a message from the outbox, saying whether it was there.
fn take(message: &Message, group: &mut Group<'_>) -> Result<bool, StoreError> {
    let key = keys::outbox(message.due, &message.id);
    let present = group.read(&key)?.is_some();
    if present {
        group.remove(key);
    }
    Ok(present)
}

/// Puts a message in the outbox, due at its `due`; the delivery worker is woken once the
/// group is durable.
pub(super) fn put_message(message: &Message, group: &mut Group<'_>) -> Result<(), StoreError> {
    group.put(
        keys::outbox(message.due, &message.id),
        record_json(message)?,
    );
    group.wake_delivery();
    Ok(())
}
