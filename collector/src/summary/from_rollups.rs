//! A summary from the rollups: the view of exactly the dimensions the query groups or
//! filters by, read over the buckets that tile each period of the asked span.
//!
//! The span is cut at period boundaries (in the query's offset), each piece tiled by buckets
//! ([`cover`]). Where `from` or `to` is not on a quarter hour, the piece's edge inside its
//! quarter hour is read from the records themselves, through the survey's time index: at most
//! two quarter hours of records per query.

use std::sync::Arc;

use shared::survey::Survey;
use shared::time::Timestamp;

use super::period;
use super::{GroupKey, Groups, SummaryError, SummaryQuery, Tallied};
use crate::filter::{ContextFilter, stage_name};
use crate::rollup::{Dimension, Level, View, ceil_quarter, cover, floor_quarter};
use crate::store::Store;

/// The dimensions a query needs: its group's and its filters'.
fn view_of(query: &SummaryQuery) -> View {
    let f = &query.filter;
    View::of(
        query
            .group_by
            .into_iter()
            .chain((!f.stores.is_empty()).then_some(Dimension::Store))
            .chain((!f.channels.is_empty()).then_some(Dimension::Channel))
            .chain((!f.stages.is_empty()).then_some(Dimension::JourneyStage)),
    )
}

/// Whether a cell's values pass the filter's lists (its time is the caller's).
fn admits(view: View, values: &[Option<String>], f: &ContextFilter) -> bool {
    let value = |d: Dimension| view.position(d).and_then(|i| values[i].as_deref());
    (f.channels.is_empty()
        || value(Dimension::Channel).is_some_and(|v| f.channels.iter().any(|c| c.as_str() == v)))
        && (f.stores.is_empty()
            || value(Dimension::Store).is_some_and(|v| f.stores.iter().any(|s| s.as_str() == v)))
        && (f.stages.is_empty()
            || value(Dimension::JourneyStage)
                .is_some_and(|v| f.stages.iter().any(|s| stage_name(*s) == v)))
}

/// The pieces of `from..to` that each lie in one period: (start, end, the period's start).
fn pieces(query: &SummaryQuery, from: i64, to: i64) -> Vec<(i64, i64, Option<i64>)> {
    let Some(interval) = query.interval else {
        return vec![(from, to, None)];
    };
    let mut out = Vec::new();
    let Some(mut start) = period::start(Timestamp(from), interval, query.offset) else {
        return out;
    };
    while start < to {
        let Some(end) = period::next(start, interval, query.offset) else {
            break;
        };
        out.push((start.max(from), end.min(to), Some(start)));
        start = end;
    }
    out
}

pub(super) fn tally(
    store: &Store,
    query: &SummaryQuery,
    versions: &[Arc<Survey>],
) -> Result<Tallied, SummaryError> {
    let mut tallied = Tallied {
        groups: Groups::for_query(query),
        ..Tallied::default()
    };
    let (site, survey) = (&query.site, &query.survey);
    let Some((first, last)) = store.rollup_extent(site, survey)? else {
        return Ok(tallied);
    };
    let f = &query.filter;
    let from = f.from.map_or(first, |t| t.millis().max(first));
    let to = f.to.map_or(Level::Month.end(last), |t| {
        t.millis().min(Level::Month.end(last))
    });
    let view = view_of(query);
    let group_at = query.group_by.and_then(|d| view.position(d));
    for (a, b, period) in pieces(query, from, to) {
        let (inner_from, inner_to) = (ceil_quarter(a), floor_quarter(b));
        if inner_from >= inner_to {
            read_records(store, query, versions, a, b, &mut tallied)?;
            continue;
        }
        read_records(store, query, versions, a, inner_from, &mut tallied)?;
        read_records(store, query, versions, inner_to, b, &mut tallied)?;
        // One read per run of buckets of one level: they are next to each other on disk.
        let buckets = cover(inner_from, inner_to);
        let mut i = 0;
        while i < buckets.len() {
            let level = buckets[i].0;
            let mut j = i;
            while j + 1 < buckets.len() && buckets[j + 1].0 == level {
                j += 1;
            }
            let cells = store.rollup_cells(site, survey, view, level, buckets[i].1, buckets[j].1);
            for cell in cells {
                let (_, values, counts) = cell?;
                if !admits(view, &values, f) {
                    continue;
                }
                let key = GroupKey {
                    value: group_at.and_then(|i| values[i].clone()),
                    period,
                };
                tallied.add(Some(key), &counts)?;
            }
            i = j + 1;
        }
    }
    Ok(tallied)
}

/// Counts the records received in `from..to` one by one, as the scan does.
fn read_records(
    store: &Store,
    query: &SummaryQuery,
    versions: &[Arc<Survey>],
    from: i64,
    to: i64,
    tallied: &mut Tallied,
) -> Result<(), SummaryError> {
    if from >= to {
        return Ok(());
    }
    let (site, survey) = (&query.site, &query.survey);
    for record in store.responses_received(site, survey, from, to) {
        tallied.count_response(query, versions, &record?)?;
    }
    for display in store.displays_received(site, survey, from, to) {
        tallied.count_display(query, &display?)?;
    }
    Ok(())
}
