//! Deciding for an identified member against the collector's ledger, and recording the display
//! in the same batch when the answer is Show, so that two concurrent asks cannot both be shown.

use std::sync::Arc;

use shared::display::DisplayEvent;
use shared::ids::MemberHash;
use shared::survey::Survey;
use shared::throttle::{Decision, DecisionInput, Explanation, QuotaUsage, ThrottlePolicy, decide};
use shared::time::Timestamp;

use super::{Group, Job, display, ledger};
use crate::store::StoreError;
use crate::store::keys;

/// What to decide: the site's policy, the survey, and the display that a Show records.
#[derive(Debug, Clone)]
pub struct DecisionRequest {
    pub policy: ThrottlePolicy,
    pub survey: Arc<Survey>,
    /// Its context names the member; without one there is nothing to decide on (Show).
    pub display: DisplayEvent<MemberHash>,
    pub now: Timestamp,
    /// Also list every rule checked (`shared::throttle::explain`).
    pub explain: bool,
}

/// `decide`'s decision and, when asked for, the rules behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub decision: Decision,
    pub explanation: Option<Explanation>,
}

pub(in crate::store) struct DecideAndRecord(pub(in crate::store) DecisionRequest);

impl Job for DecideAndRecord {
    type Output = Verdict;

    fn apply(self, group: &mut Group<'_>) -> Result<Verdict, StoreError> {
        let DecisionRequest {
            policy,
            survey,
            display,
            now,
            explain,
        } = self.0;
        let shown = Verdict {
            decision: Decision::Show,
            explanation: None,
        };
        let ctx = &display.context;
        let Some(member) = &ctx.member else {
            // The route checks this; a request without a member has nothing to decide on.
            return Ok(shown);
        };
        // A retried request for a display already recorded gets the same answer again (its
        // explanation is gone: the ledger now holds the display it allowed).
        if group
            .read(&keys::display_id(&display.display_id))?
            .is_some()
        {
            return Ok(shown);
        }
        let history = ledger::history(group, &ctx.site_id, member)?;
        let quota = QuotaUsage {
            total: group.counter(&keys::quota_total(&ctx.site_id, &survey.id))?,
            store_today: match &ctx.store_id {
                Some(store) => Some(group.counter(&keys::quota_store_day(
                    &ctx.site_id,
                    &survey.id,
                    store,
                    now.utc_day(),
                ))?),
                None => None,
            },
        };
        let input = DecisionInput {
            policy: &policy,
            survey: &survey,
            history: &history,
            subject: member.as_str(),
            quota,
            now,
        };
        let decision = decide(&input);
        let explanation = explain.then(|| shared::throttle::explain(&input));
        if decision.is_show() {
            display::put_display(display, now, group)?;
        }
        Ok(Verdict {
            decision,
            explanation,
        })
    }
}
