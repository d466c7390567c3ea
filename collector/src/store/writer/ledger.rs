//! A member's contact ledger as a group sees it: what `decide` reads, and what a display or
//! an answer notes, so the next decision (in the same group too) sees it.

use shared::ids::{MemberHash, SiteId};
use shared::throttle::{Contact, ContactHistory, ContactKind};

use super::Group;
use crate::store::StoreError;
use crate::store::keys;

pub(super) fn history(
    group: &Group<'_>,
    site: &SiteId,
    member: &MemberHash,
) -> Result<ContactHistory, StoreError> {
    Ok(group
        .read_json(&keys::ledger(site, member))?
        .unwrap_or_default())
}

pub(super) fn note_contact(
    group: &mut Group<'_>,
    site: &SiteId,
    member: &MemberHash,
    kind: ContactKind,
    contact: Contact,
) -> Result<(), StoreError> {
    let mut history = history(group, site, member)?;
    history.record(kind, contact);
    group.put(keys::ledger(site, member), serde_json::to_vec(&history)?);
    Ok(())
}
