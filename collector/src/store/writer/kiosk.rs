//! Keeping a kiosk's latest heartbeat, overwriting the one before.

use shared::ids::SiteId;

use super::{Group, Job};
use crate::store::StoreError;
use crate::store::keys;
use crate::store::records::KioskRecord;

pub(in crate::store) struct RecordHeartbeat {
    pub(in crate::store) site: SiteId,
    pub(in crate::store) record: KioskRecord,
}

impl Job for RecordHeartbeat {
    type Output = ();

    fn apply(self, group: &mut Group<'_>) -> Result<(), StoreError> {
        let RecordHeartbeat { site, record } = self;
        group.put(
            keys::kiosk(&site, &record.store_id, &record.kiosk_id),
            serde_json::to_vec(&record)?,
        );
        Ok(())
    }
}
