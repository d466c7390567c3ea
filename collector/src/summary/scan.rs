//! The full scan: every response of the survey (up to the committed mark) through the survey
//! index, and every display through the survey's display index, each counted in the whole
//! and in its group. The check of the rollups, and what `source=scan` asks for.

use std::sync::Arc;

use shared::survey::Survey;

use super::{SummaryError, SummaryQuery, Tallied};
use crate::rollup::Counts;
use crate::store::{IndexScope, Store};

pub(super) fn tally(
    store: &Store,
    query: &SummaryQuery,
    versions: &[Arc<Survey>],
    upto: u64,
) -> Result<Tallied, SummaryError> {
    let mut tallied = Tallied {
        groups: super::Groups::for_query(query),
        ..Tallied::default()
    };
    let scope = IndexScope::Survey(&query.site, &query.survey);
    for record in store.scan_responses(scope, 0, upto) {
        let record = record?;
        let ctx = &record.response.context;
        // A flagged response (a kiosk's repeated press) is kept, but is no answer to count.
        if record.flag.is_some() || !query.filter.admits(record.received_at, ctx) {
            continue;
        }
        let version = versions
            .iter()
            .find(|v| v.version == record.response.survey_version);
        let counts = Counts::of_response(&record.response.answers, version.map(|v| &**v));
        tallied.add(query.key(record.received_at, ctx), &counts)?;
    }
    for display in store.scan_displays(&query.site, &query.survey) {
        let display = display?;
        let ctx = &display.display.context;
        if !query.filter.admits(display.received_at, ctx) {
            continue;
        }
        let shown = matches!(display.display.kind, shared::display::DisplayKind::Shown);
        tallied.add(
            query.key(display.received_at, ctx),
            &Counts::of_display(shown),
        )?;
    }
    Ok(tallied)
}
