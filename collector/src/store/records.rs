//! What the collector stores for each response and display, and the webhook messages they
//! cause.

use serde::{Deserialize, Serialize};
use shared::display::DisplayEvent;
use shared::ids::{KioskId, MemberHash, ResponseId, SiteId, StoreId};
use shared::response::Response;
use shared::time::{Period, Timestamp};
use shared::webhook::WebhookId;
use uuid::Uuid;

/// A stored response: the validated response with the member pseudonymized, plus when and in
/// which order the collector received it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseRecord {
    /// Ingest order, the cursor of incremental exports.
    pub seq: u64,
    pub received_at: Timestamp,
    /// Why the response is kept but not counted (summaries, quotas, webhooks skip it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flag: Option<Flag>,
    /// With [`Flag::RepeatPress`]: the counted response this one repeats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat_of: Option<ResponseId>,
    #[serde(flatten)]
    pub response: Response<MemberHash>,
}

/// A stored response that is not counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// The same answers from the same kiosk within the site's repeat-press window.
    RepeatPress,
}

impl Flag {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RepeatPress => "repeat_press",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DisplayRecord {
    pub seq: u64,
    pub received_at: Timestamp,
    #[serde(flatten)]
    pub display: DisplayEvent<MemberHash>,
}

/// A kiosk's latest heartbeat, as the collector keeps it: one per (site, store, kiosk),
/// overwritten by the next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KioskRecord {
    pub store_id: StoreId,
    pub kiosk_id: KioskId,
    /// The collector's clock when the heartbeat arrived: the kiosk's own clock may be wrong.
    pub last_seen: Timestamp,
    /// Responses waiting in the kiosk's outbox.
    pub backlog: u32,
    pub widget_version: String,
    /// The kiosk's clock when it sent the heartbeat.
    pub client_time: Timestamp,
}

/// A validated, pseudonymized response to store once, with the messages it causes.
#[derive(Debug, Clone)]
pub struct NewResponse {
    pub response: Response<MemberHash>,
    /// The collector's clock when it arrived.
    pub received_at: Timestamp,
    /// One per webhook that wants it, written only if the response is new and counted.
    pub messages: Vec<NewMessage>,
    /// On the kiosk channel, the same answers from the same kiosk within this window of its
    /// latest press are a repeated press: stored, flagged, not counted.
    pub repeat_window: Period,
}

/// A webhook message of a response not stored yet, its body already made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub webhook: WebhookId,
    pub body: MessageBody,
}

/// A message body made before the response is queued. Only the response's sequence number is
/// not known then: the writer gives it, and an event's body is written around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageBody {
    /// The whole body.
    Text(String),
    /// `before`, the response's sequence number in decimal, then `after`.
    AroundSeq { before: String, after: String },
}

impl MessageBody {
    pub fn with_seq(&self, seq: u64) -> String {
        match self {
            Self::Text(text) => text.clone(),
            Self::AroundSeq { before, after } => {
                let mut body = String::with_capacity(before.len() + 20 + after.len());
                body.push_str(before);
                body.push_str(&seq.to_string());
                body.push_str(after);
                body
            }
        }
    }
}

/// A message in the outbox: its body, fixed when it was made (so every try signs the same
/// bytes), and how its delivery is going.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Also the `webhook-id` header (`msg_` and the id in hex), the same on every try.
    pub id: Uuid,
    pub site: SiteId,
    pub webhook: WebhookId,
    /// The response that caused it.
    pub response_seq: u64,
    pub created_at: Timestamp,
    /// Tries made so far.
    pub attempts: u32,
    /// When the next try is due.
    pub due: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    pub body: String,
}

impl Message {
    /// The `webhook-id` header.
    pub fn header_id(&self) -> String {
        format!("msg_{}", self.id.simple())
    }
}

/// A message that ran out of tries, kept until an admin sends it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetter {
    #[serde(flatten)]
    pub message: Message,
    pub failed_at: Timestamp,
}
