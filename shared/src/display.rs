//! A survey shown to, or dismissed by, a customer.

use serde::{Deserialize, Serialize};

use crate::ids::{DisplayId, MemberHash, MemberId, SurveyId};
use crate::response::Context;
use crate::throttle::ContactKind;
use crate::time::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisplayKind {
    Shown,
    Dismissed,
}

impl From<DisplayKind> for ContactKind {
    fn from(kind: DisplayKind) -> Self {
        match kind {
            DisplayKind::Shown => ContactKind::Shown,
            DisplayKind::Dismissed => ContactKind::Dismissed,
        }
    }
}

/// Reported by the widget so that display-to-response rates can be computed and a member's
/// contact ledger stays whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", serde(deny_unknown_fields))]
pub struct DisplayEvent<M = MemberId> {
    pub display_id: DisplayId,
    pub survey_id: SurveyId,
    pub survey_version: u32,
    pub kind: DisplayKind,
    pub context: Context<M>,
    pub client_time: Timestamp,
}

/// Asks the collector whether a survey may be shown to an identified member now. When the
/// answer is yes, the collector records the display under `display_id` in the same step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", serde(deny_unknown_fields))]
pub struct EligibilityRequest {
    pub display_id: DisplayId,
    pub survey_id: SurveyId,
    /// Must name a member.
    pub context: Context<MemberId>,
}

impl DisplayEvent<MemberId> {
    /// Replaces the member id with its keyed hash, so the id itself is never stored.
    pub fn pseudonymize(
        self,
        hash: impl FnOnce(&MemberId) -> MemberHash,
    ) -> DisplayEvent<MemberHash> {
        DisplayEvent {
            display_id: self.display_id,
            survey_id: self.survey_id,
            survey_version: self.survey_version,
            kind: self.kind,
            context: self.context.pseudonymize(hash),
            client_time: self.client_time,
        }
    }
}
