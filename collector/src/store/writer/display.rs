//! Storing a display event (a survey shown or dismissed): once per id, noted in the member's
//! ledger, with its survey index entry.

use shared::display::DisplayEvent;
use shared::ids::MemberHash;
use shared::throttle::Contact;
use shared::time::Timestamp;

use super::{Group, Job, Stored, ledger, record_json};
use crate::store::StoreError;
use crate::store::keys;
use crate::store::records::DisplayRecord;

/// Store a display event once, and note it in the member's ledger.
pub(in crate::store) struct PutDisplay {
    pub(in crate::store) display: DisplayEvent<MemberHash>,
    pub(in crate::store) received_at: Timestamp,
}

impl Job for PutDisplay {
    type Output = Stored;

    fn apply(self, group: &mut Group<'_>) -> Result<Stored, StoreError> {
        put_display(self.display, self.received_at, group)
    }
}

/// Also what an eligibility decision that shows a survey records.
pub(super) fn put_display(
    display: DisplayEvent<MemberHash>,
    received_at: Timestamp,
    group: &mut Group<'_>,
) -> Result<Stored, StoreError> {
    let id_key = keys::display_id(&display.display_id);
    if let Some(seq) = group.read_seq(&id_key)? {
        return Ok(Stored::Duplicate { seq });
    }
    let seq = group.take_display_seq();
    if let Some(member) = &display.context.member {
        let contact = Contact {
            at: display.client_time,
            survey_id: display.survey_id.clone(),
            channel: display.context.channel,
        };
        ledger::note_contact(
            group,
            &display.context.site_id,
            member,
            display.kind.into(),
            contact,
        )?;
    }
    let record = DisplayRecord {
        seq,
        received_at,
        display,
    };
    let display = &record.display;
    group.put(
        keys::survey_display(&display.context.site_id, &display.survey_id, seq),
        Vec::new(),
    );
    group.put(keys::display_seq(seq), record_json(&record)?);
    group.count_display(&record);
    group.put(id_key, seq.to_be_bytes().to_vec());
    Ok(Stored::New { seq })
}
