//! What every handler can reach.

use axum::extract::FromRef;

use crate::auth::ApiKeys;
use crate::clock::Clock;
use crate::metrics::Metrics;
use crate::store::Store;

#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    pub keys: ApiKeys,
    pub clock: Clock,
    pub metrics: Metrics,
    /// `--public-url`, without a trailing slash: where receipt QR codes link.
    pub public_url: Option<std::sync::Arc<str>>,
    /// Survey drafts shown by the editor's preview, in memory only.
    pub previews: crate::preview::Previews,
}

impl FromRef<AppState> for ApiKeys {
    fn from_ref(state: &AppState) -> Self {
        state.keys.clone()
    }
}

impl FromRef<AppState> for Metrics {
    fn from_ref(state: &AppState) -> Self {
        state.metrics.clone()
    }
}
