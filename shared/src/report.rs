//! What a widget reports about itself: answers it had to discard on the device.
//!
//! The collector cannot see what never reached it. An outbox that overflows (a device offline
//! for days, a kiosk with a broken network) drops its oldest answers; the widget counts them and
//! reports the count when it can, so a site's team sees the loss instead of guessing.

use serde::{Deserialize, Serialize};

use crate::ids::SiteId;

/// The most one report may claim per reason: far above an outbox's cap, low enough that a
/// forged report cannot make the figure meaningless.
pub const MAX_QUANTITY: u32 = 100_000;

/// `{"site_id": "demo-shop", "discarded": [{"reason": "outbox_full", "quantity": 3}]}`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", serde(deny_unknown_fields))]
pub struct ClientReport {
    pub site_id: SiteId,
    pub discarded: Vec<Discarded>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", serde(deny_unknown_fields))]
pub struct Discarded {
    pub reason: DiscardReason,
    pub quantity: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscardReason {
    /// The outbox was at its cap: the oldest answer made room for a new one.
    OutboxFull,
}

impl DiscardReason {
    pub fn as_str(self) -> &'static str {
        match self {
            DiscardReason::OutboxFull => "outbox_full",
        }
    }
}
