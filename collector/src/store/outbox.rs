//! Reading the webhook outbox and the dead-letter list. Only the writer changes them (see
//! [`super::OutboxChange`]).
//!
//! Outbox keys lead with the time a message is due, so the delivery worker reads only the
//! messages that are due, oldest first, and finds when to wake next from the first key after
//! now.

use shared::ids::SiteId;
use shared::time::Timestamp;

use super::{Store, StoreError, keys};
use shared::webhook::WebhookId;

use super::records::{DeadLetter, Message};

impl Store {
    /// Up to `limit` messages due at or before `now`, the longest waiting first.
    pub fn outbox_due(&self, now: Timestamp, limit: usize) -> Result<Vec<Message>, StoreError> {
        self.events
            .range(keys::outbox_due(now))
            .values()
            .take(limit)
            .map(|bytes| Ok(serde_json::from_slice(&bytes?)?))
            .collect()
    }

    /// When the first message due after `now` is due.
    pub fn outbox_next_due(&self, now: Timestamp) -> Result<Option<Timestamp>, StoreError> {
        Ok(self
            .events
            .range(keys::outbox_later(now))
            .keys()
            .next()
            .transpose()?
            .map(|key| keys::outbox_key_due(&key)))
    }

    /// The messages of one webhook still waiting to be sent, in the order they are due, at
    /// most `limit`. Reads the whole outbox: for the admin API, not for delivery.
    pub fn outbox_waiting(
        &self,
        site: &SiteId,
        webhook: &WebhookId,
        limit: usize,
    ) -> Result<(Vec<Message>, usize), StoreError> {
        let (mut shown, mut total) = (Vec::new(), 0);
        for bytes in self.events.range(keys::outbox_all()).values() {
            let message: Message = serde_json::from_slice(&bytes?)?;
            if &message.site == site && &message.webhook == webhook {
                total += 1;
                if shown.len() < limit {
                    shown.push(message);
                }
            }
        }
        Ok((shown, total))
    }

    /// A webhook's dead letters, oldest message first.
    pub fn dead_letters(
        &self,
        site: &SiteId,
        webhook: &WebhookId,
    ) -> Result<Vec<DeadLetter>, StoreError> {
        self.events
            .scan_prefix(keys::dead_letters(site, webhook))
            .values()
            .map(|bytes| Ok(serde_json::from_slice(&bytes?)?))
            .collect()
    }

    /// Waits until the writer has put new messages in the outbox (or returns at once if it has
    /// since the last call).
    pub async fn outbox_changed(&self) {
        self.outbox_changed.notified().await;
    }
}
