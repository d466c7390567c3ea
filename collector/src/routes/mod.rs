//! The HTTP routes, one file per resource, merged here.
//!
//! Public (called by the widget from customers' browsers): `config`, `responses`, `displays`,
//! `eligibility`, `client_reports`. Admin (API key): `sites`, `surveys`, `keys`, `webhooks`,
//! `privacy` (erasing a member);
//! `export` and `summary` (an export or admin key). Operations: `ops`. Pages: `www`.

mod client_reports;
mod config;
mod displays;
mod eligibility;
mod export;
mod keys;
mod ops;
mod privacy;
mod responses;
mod sites;
mod summary;
mod surveys;
mod webhooks;
mod widget;
mod www;

use axum::Router;

use crate::state::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .merge(config::router())
        .merge(responses::router())
        .merge(displays::router())
        .merge(eligibility::router())
        .merge(client_reports::router())
        .merge(sites::router())
        .merge(surveys::router())
        .merge(keys::router())
        .merge(export::router())
        .merge(summary::router())
        .merge(webhooks::router())
        .merge(privacy::router())
        .merge(ops::router())
        .merge(widget::router())
        .fallback(www::serve)
}

/// Looks up a site named by a request body, as a 404 naming `field` when it does not exist.
fn site_named(
    state: &AppState,
    id: &shared::ids::SiteId,
    field: &'static str,
) -> Result<std::sync::Arc<crate::site::Site>, crate::error::ApiError> {
    state
        .store
        .catalog()
        .site(id)
        .ok_or_else(|| crate::error::ApiError::NotFound {
            what: "site",
            id: id.to_string(),
            field: Some(field),
        })
}
