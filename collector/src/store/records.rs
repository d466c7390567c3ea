//! What the collector stores for each response and display.

use serde::{Deserialize, Serialize};
use shared::display::DisplayEvent;
use shared::ids::MemberHash;
use shared::response::Response;
use shared::time::Timestamp;

/// A stored response: the validated response with the member pseudonymized, plus when and in
/// which order the collector received it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseRecord {
    /// Ingest order, the cursor of incremental exports.
    pub seq: u64,
    pub received_at: Timestamp,
    #[serde(flatten)]
    pub response: Response<MemberHash>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DisplayRecord {
    pub seq: u64,
    pub received_at: Timestamp,
    #[serde(flatten)]
    pub display: DisplayEvent<MemberHash>,
}
