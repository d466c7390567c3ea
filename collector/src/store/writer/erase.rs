//! Erasing records (a member's, or expired ones) with their index entries, the member's ledger
//! entry and the webhook messages of every removed response. Records already gone are
//! skipped, so an erasure repeated removes nothing. The plan is made outside the writer
//! (`store/erasure.rs`).

use std::collections::HashSet;

use shared::ids::SiteId;

use super::{Group, Job};
use crate::store::StoreError;
use crate::store::erasure::{Erased, Erasure};
use crate::store::keys;
use crate::store::records::{DisplayRecord, ResponseRecord};

pub(in crate::store) struct Erase(pub(in crate::store) Erasure);

impl Job for Erase {
    type Output = Erased;

    fn apply(self, group: &mut Group<'_>) -> Result<Erased, StoreError> {
        let Erasure {
            site,
            mut responses,
            mut displays,
            member,
        } = self.0;
        let mut erased = Erased::default();
        if let Some((member, scanned)) = &member {
            // What was stored after the scan began (this group's own writes included).
            let next = group.next();
            for seq in scanned.responses_below..next.response {
                if let Some(record) = group.read_json::<ResponseRecord>(&keys::response_seq(seq))? {
                    let ctx = &record.response.context;
                    if ctx.site_id == site && ctx.member.as_ref() == Some(member) {
                        responses.push(seq);
                    }
                }
            }
            for seq in scanned.displays_below..next.display {
                if let Some(record) = group.read_json::<DisplayRecord>(&keys::display_seq(seq))? {
                    let ctx = &record.display.context;
                    if ctx.site_id == site && ctx.member.as_ref() == Some(member) {
                        displays.push(seq);
                    }
                }
            }
            let ledger = keys::ledger(&site, member);
            if group.read(&ledger)?.is_some() {
                group.remove(ledger);
                erased.ledger_entries += 1;
            }
        }
        let mut gone = HashSet::new();
        for seq in responses {
            let key = keys::response_seq(seq);
            let Some(record) = group.read_json::<ResponseRecord>(&key)? else {
                continue;
            };
            if record.response.context.site_id != site || !gone.insert(seq) {
                continue;
            }
            group.remove(key);
            group.uncount_response(&record);
            group.remove(keys::site_response(&site, seq));
            group.remove(keys::labels(&site, seq));
            group.remove(keys::survey_response(
                &site,
                &record.response.survey_id,
                seq,
            ));
            erased.responses += 1;
        }
        let mut displays_gone = HashSet::new();
        for seq in displays {
            let key = keys::display_seq(seq);
            let Some(record) = group.read_json::<DisplayRecord>(&key)? else {
                continue;
            };
            if record.display.context.site_id != site || !displays_gone.insert(seq) {
                continue;
            }
            group.remove(key);
            group.uncount_display(&record);
            group.remove(keys::survey_display(&site, &record.display.survey_id, seq));
            erased.displays += 1;
        }
        if !gone.is_empty() {
            erased.webhook_messages = drop_messages(&site, &gone, group)?;
        }
        Ok(erased)
    }
}

/// Removes the outbox messages and dead letters of the responses `seqs` of `site`, whether
/// in the tree or written earlier in this group. A message the delivery worker is trying
/// meanwhile is simply gone when it reports (its change then changes nothing).
fn drop_messages(
    site: &SiteId,
    seqs: &HashSet<u64>,
    group: &mut Group<'_>,
) -> Result<u64, StoreError> {
    #[derive(serde::Deserialize)]
    struct Cause {
        site: SiteId,
        response_seq: u64,
    }
    let mut doomed = Vec::new();
    let mut check = |key: &[u8], value: &[u8]| -> Result<(), StoreError> {
        let cause: Cause = serde_json::from_slice(value)?;
        if &cause.site == site && seqs.contains(&cause.response_seq) {
            doomed.push(key.to_vec());
        }
        Ok(())
    };
    let in_tree = group
        .tree_range(keys::outbox_all())
        .chain(group.tree_prefix(&keys::site_dead_letters(site)));
    for item in in_tree {
        let (key, value) = item?;
        if !group.touches(&key) {
            check(&key, &value)?;
        }
    }
    for (key, value) in group.written() {
        if keys::is_webhook_message(key) {
            check(key, value)?;
        }
    }
    let count = doomed.len() as u64;
    for key in doomed {
        group.remove(key);
    }
    Ok(count)
}
