//! Rollups: a survey's counts by time bucket and context, kept up to date by the store in the
//! same atomic batch as each response, display and erasure, so that a summary reads counts
//! instead of every response.
//!
//! A *cell* is one bucket of one [`View`] for one set of context values: for example the
//! hour from 14:00 UTC of the `store` view for store `gangnam`. It holds [`Counts`]. Each
//! counted response adds its counts to one cell per view and [`Level`] (sixty-four cells);
//! a display adds to as many; an erasure takes away what its records added. Their number
//! grows with buckets and context values, never with the number of responses.
//!
//! This module is pure (no store): what a cell holds, which cells a record counts in, and
//! which buckets tile a span. `store::rollups` keeps them; `summary` reads them.

mod bucket;
mod counts;
mod view;

use shared::ids::MemberHash;
use shared::response::Context;
use shared::time::Timestamp;

pub use bucket::{Level, QUARTER_MS, ceil_quarter, cover, floor_quarter};
pub use counts::{Atom, Counts, atoms};
pub use view::{Dimension, View};

/// Which cell of a survey: a view's bucket for some context values.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CellId {
    pub view: View,
    pub level: Level,
    /// The bucket's start, epoch ms.
    pub bucket: i64,
    /// The values of the view's dimensions, in its order.
    pub values: Vec<Option<String>>,
}

/// Every cell a record received at `at` with context `ctx` counts in.
pub fn cells_of(at: Timestamp, ctx: &Context<MemberHash>) -> impl Iterator<Item = CellId> + '_ {
    View::all().flat_map(move |view| {
        let values = view.values(ctx);
        Level::ALL.into_iter().map(move |level| CellId {
            view,
            level,
            bucket: level.start(at.millis()),
            values: values.clone(),
        })
    })
}
