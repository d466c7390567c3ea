//! What the collector stores for each response and display.

use serde::{Deserialize, Serialize};
use shared::display::DisplayEvent;
use shared::ids::{KioskId, MemberHash, ResponseId, StoreId};
use shared::response::Response;
use shared::time::Timestamp;

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
