//! The full scan: every response of the survey (up to the committed mark) through the survey
//! index, and every display through the survey's display index, each counted in the whole
//! and in its group. The check of the rollups, and what `source=scan` asks for.

use std::sync::Arc;

use shared::survey::Survey;

use super::{SummaryError, SummaryQuery, Tallied};
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
        tallied.count_response(query, versions, &record?)?;
    }
    for display in store.scan_displays(&query.site, &query.survey) {
        tallied.count_display(query, &display?)?;
    }
    Ok(tallied)
}
