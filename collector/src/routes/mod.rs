//! The HTTP routes, one file per resource, merged here.
//!
//! Public (called by the widget from customers' browsers): `config`, `responses`, `displays`,
//! `eligibility`, `client_reports`, the kiosk heartbeat in `kiosks`. Admin (API key): `sites`, `surveys`, `keys`, `webhooks`,
//! `privacy` (erasing a member), the kiosk list in `kiosks`;
//! `receipts` (issued with a receipts or admin key; read and answered with the token);
//! `previews` (survey drafts for the dashboard's editor: made with the admin key, read and
//! answered with the preview's id, stored nowhere);
//! `export`, `summary` and the comments in `comments` (an export or admin key; labels need
//! admin). Operations: `ops`. Pages: `www`, and the built bundles of `dist/`: `widget` and
//! `dashboard`.

mod client_reports;
mod comments;
mod config;
mod dashboard;
mod displays;
mod eligibility;
mod export;
mod keys;
mod kiosks;
mod ops;
mod previews;
mod privacy;
mod receipts;
mod responses;
mod sites;
mod summary;
mod surveys;
mod webhooks;
mod widget;
mod www;

use std::sync::LazyLock;

use axum::Router;
use axum::response::IntoResponse;
use utoipa::OpenApi as _;
use utoipa::openapi::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

/// The HTTP API: every route with its OpenAPI description. A route is added only through
/// `utoipa_axum::routes!`, which takes its path and methods from the handler's
/// `#[utoipa::path]`, so the router and the document are made from one list and cannot drift
/// (a test checks no route bypasses it).
pub(super) fn router() -> Router<AppState> {
    let (router, _) = api().split_for_parts();
    router.fallback(www::serve)
}

/// The OpenAPI 3.1 document of [`router`], built once.
pub fn document() -> &'static OpenApi {
    static DOCUMENT: LazyLock<OpenApi> = LazyLock::new(|| api().split_for_parts().1);
    &DOCUMENT
}

#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "nunchi collector", description = "Micro-surveys that know when to ask: config, eligibility, durable ingest, export, summaries, webhooks, privacy."),
    modifiers(&AdminKeyAuth),
    components(schemas(crate::error::ErrorBody)),
    security(("api_key" = []))
)]
struct ApiDoc;

/// API keys go in `Authorization: Bearer …`.
struct AdminKeyAuth;

impl utoipa::Modify for AdminKeyAuth {
    fn modify(&self, openapi: &mut OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[utoipa::path(get, path = "/openapi.json", tag = "ops", summary = "this document", security(()),
    responses((status = 200, description = "the OpenAPI 3.1 document", body = utoipa::openapi::Object), crate::error::responses::PublicRead))]
async fn openapi_json() -> impl IntoResponse {
    axum::Json(document())
}

fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(openapi_json))
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
        .merge(comments::router())
        .merge(webhooks::router())
        .merge(privacy::router())
        .merge(receipts::router())
        .merge(previews::router())
        .merge(kiosks::router())
        .merge(ops::router())
        .merge(widget::router())
        .merge(dashboard::router())
}
