//! Replacing the team's labels on a response (none: removing them). An erased response keeps
//! no labels, so a response that is not there (or is another site's) gets none.

use shared::ids::SiteId;

use super::{Group, Job};
use crate::store::StoreError;
use crate::store::keys;
use crate::store::records::ResponseRecord;

pub(in crate::store) struct ReplaceLabels {
    pub(in crate::store) site: SiteId,
    pub(in crate::store) seq: u64,
    pub(in crate::store) labels: Vec<String>,
}

impl Job for ReplaceLabels {
    /// Whether the response is there.
    type Output = bool;

    fn apply(self, group: &mut Group<'_>) -> Result<bool, StoreError> {
        let ReplaceLabels { site, seq, labels } = self;
        let Some(record) = group.read_json::<ResponseRecord>(&keys::response_seq(seq))? else {
            return Ok(false);
        };
        if record.response.context.site_id != site {
            return Ok(false);
        }
        let key = keys::labels(&site, seq);
        if labels.is_empty() {
            group.remove(key);
        } else {
            group.put(key, serde_json::to_vec(&labels)?);
        }
        Ok(true)
    }
}
