//! Context dimensions, and the views the rollups keep: one per set of dimensions.
//!
//! A view counts each bucket's responses and displays by the values of its dimensions: the
//! empty view has one cell per bucket, the `store` view one per store, `store+journey_stage`
//! one per pair seen. A query reads the view of exactly the dimensions it groups or filters
//! by, so a breakdown by store reads fifty cells a bucket, and a trend one. Every subset of
//! the four context dimensions is kept (sixteen views), so every query the summary accepts
//! has its view.

use shared::ids::MemberHash;
use shared::response::Context;

use crate::filter::stage_name;

/// A context dimension to group or filter by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dimension {
    Store,
    Channel,
    JourneyStage,
    Locale,
}

impl Dimension {
    pub const ALL: [Dimension; 4] = [
        Dimension::Store,
        Dimension::Channel,
        Dimension::JourneyStage,
        Dimension::Locale,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Store => "store",
            Self::Channel => "channel",
            Self::JourneyStage => "journey_stage",
            Self::Locale => "locale",
        }
    }

    /// This dimension's value in a context; `None` when the context has none (no store).
    pub fn value(self, ctx: &Context<MemberHash>) -> Option<String> {
        match self {
            Self::Store => ctx.store_id.as_ref().map(|s| s.as_str().to_owned()),
            Self::Channel => Some(ctx.channel.as_str().to_owned()),
            Self::JourneyStage => ctx.journey_stage.map(|s| stage_name(s).to_owned()),
            Self::Locale => Some(ctx.locale.as_str().to_owned()),
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of dimensions: which a view counts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct View(u8);

impl View {
    /// Every view the rollups keep.
    pub fn all() -> impl Iterator<Item = View> {
        (0..16u8).map(View)
    }

    pub fn of(dimensions: impl IntoIterator<Item = Dimension>) -> Self {
        Self(dimensions.into_iter().fold(0, |bits, d| bits | d.bit()))
    }

    /// The view's dimensions, in [`Dimension::ALL`]'s order (the order of a cell's values).
    pub fn dimensions(self) -> impl Iterator<Item = Dimension> {
        Dimension::ALL
            .into_iter()
            .filter(move |d| self.0 & d.bit() != 0)
    }

    /// The byte that names the view in a cell's key.
    pub fn byte(self) -> u8 {
        self.0
    }

    pub fn from_byte(b: u8) -> Option<Self> {
        (b < 16).then_some(Self(b))
    }

    /// Where `dimension`'s value is among a cell's values, if the view has it.
    pub fn position(self, dimension: Dimension) -> Option<usize> {
        self.dimensions().position(|d| d == dimension)
    }

    /// A context's values of the view's dimensions.
    pub fn values(self, ctx: &Context<MemberHash>) -> Vec<Option<String>> {
        self.dimensions().map(|d| d.value(ctx)).collect()
    }
}
