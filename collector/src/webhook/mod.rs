//! Webhooks: a signed POST for each new response, from a durable outbox.
//!
//! What a webhook is (its configuration, its condition, what it sends for a response) is data
//! and pure rules in `shared::webhook`, re-exported here. This module adds what needs the
//! outside world: drawing ids and secrets, rendering the event body, signing, delivering.
//!
//! **Durable.** The ingest path ([`crate::ingest`]) decides which endpoints want a response
//! (it has the survey; see [`Webhook::outgoing`]) and renders each message body
//! ([`payload::render`]) before the response is queued. The writer writes one outbox
//! [`Message`] per endpoint in the same atomic batch as the response, and only for a response
//! it stores for the first time. So once a response is acknowledged its messages are on disk
//! too, and a duplicate sends nothing twice.
//!
//! **Delivery.** [`delivery`] runs beside the server: it reads the messages that are due, signs
//! and sends each, and records the outcome through the store (the writer is the only writer of
//! the outbox): delivered messages leave the outbox; failed ones are tried again later, with
//! exponential backoff and jitter, until a bounded number of tries; then they become dead
//! letters, which the admin API lists and can send again. Delivery is at least once: a receiver
//! deduplicates by the `webhook-id` header, which stays the same across tries.
//!
//! # Layout
//!
//! - this file: making a webhook (its id and secret are random).
//! - [`signature`]: Standard Webhooks signatures.
//! - [`payload`]: the event body and the chat body.
//! - [`delivery`]: the worker, the retry policy and the backoff.

pub mod delivery;
pub mod payload;
pub mod signature;

use shared::ids::SiteId;
use shared::time::Timestamp;
pub use shared::webhook::{
    Condition, MAX_PER_SITE, Outgoing, OutgoingBody, Payload, ScoreKind, Secret, Webhook,
    WebhookId, WebhookInput, WebhookView,
};

pub use crate::store::{DeadLetter, Message};

/// A new webhook for `site`, with a fresh id and secret.
pub fn create(
    site: SiteId,
    input: WebhookInput,
    now: Timestamp,
) -> Result<Webhook, getrandom::Error> {
    let mut id = [0u8; 8];
    getrandom::fill(&mut id)?;
    Ok(Webhook::new(
        WebhookId::from_bytes(id),
        new_secret()?,
        site,
        input,
        now,
    ))
}

/// A fresh signing secret: 32 random bytes.
pub fn new_secret() -> Result<Secret, getrandom::Error> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key)?;
    Ok(Secret::from_key(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(url: &str) -> WebhookInput {
        WebhookInput {
            url: url.into(),
            payload: Payload::Chat,
            enabled: true,
            surveys: Vec::new(),
            when: None,
            description: String::new(),
        }
    }

    #[test]
    fn ids_and_secrets_have_their_shapes() {
        let hook = create(
            SiteId::parse("shop").unwrap(),
            input("https://hooks.example"),
            Timestamp(1),
        )
        .unwrap();
        assert!(WebhookId::parse(hook.id.as_str()).is_some());
        assert!(hook.secret.expose().starts_with("whsec_"));
        assert_eq!(hook.secret.key().len(), 32);
        assert!(!format!("{hook:?}").contains(hook.secret.expose()));
        for bad in ["", "wh_", "wh_0123456789ABCDEF", "key_0123456789abcdef"] {
            assert!(WebhookId::parse(bad).is_none(), "{bad:?}");
        }
    }
}
