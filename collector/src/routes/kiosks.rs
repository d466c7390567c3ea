//! Kiosk health: `POST /v1/kiosks/heartbeat` (public, like the widget's other writes) and
//! `GET /v1/admin/sites/{site}/kiosks` (admin key).
//!
//! A kiosk reports now and then that it is alive, how many responses wait in its outbox and
//! which widget it runs. The collector keeps only the latest heartbeat of each (site, store,
//! kiosk), overwritten, with its own clock as `last_seen`: a kiosk that beats often costs one
//! small record, and a kiosk with a wrong clock is still seen at the right time.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};
use shared::error::{ErrorCode, FieldError};
use shared::ids::{KioskId, SiteId, StoreId};
use shared::time::Timestamp;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::sites::parse_site_id;
use crate::auth::AdminKey;
use crate::error::ApiError;
use crate::error::site_named;
use crate::extract::Json;
use crate::origin;
use crate::state::AppState;
use crate::store::KioskRecord;

/// A kiosk not seen for longer than this is listed as stale, unless the query says otherwise.
const DEFAULT_STALE_AFTER_SECS: u64 = 600;
/// More waiting responses than any outbox keeps: a larger count is a bug on the kiosk.
const MAX_BACKLOG: u32 = 1_000_000;
const MAX_VERSION_LEN: usize = 64;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(heartbeat))
        .routes(routes!(list))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Heartbeat {
    site_id: SiteId,
    store_id: StoreId,
    kiosk_id: KioskId,
    /// Responses waiting in the kiosk's outbox.
    backlog: u32,
    widget_version: String,
    /// The kiosk's clock.
    client_time: Timestamp,
}

impl Heartbeat {
    fn check(&self) -> Result<(), ApiError> {
        let mut errors = Vec::new();
        if self.backlog > MAX_BACKLOG {
            errors.push(FieldError::new(
                ErrorCode::OutOfRange,
                "backlog",
                format!("at most {MAX_BACKLOG} waiting responses"),
            ));
        }
        let version_ok = !self.widget_version.is_empty()
            && self.widget_version.len() <= MAX_VERSION_LEN
            && self
                .widget_version
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+' | b'_'));
        if !version_ok {
            errors.push(FieldError::new(
                ErrorCode::InvalidValue,
                "widget_version",
                format!(
                    "1 to {MAX_VERSION_LEN} characters of letters, digits and . - + _ (like 0.4.1)"
                ),
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Invalid(errors))
        }
    }
}

#[derive(Debug, Serialize)]
struct Seen {
    /// The collector's clock when the heartbeat arrived.
    last_seen: Timestamp,
}

#[utoipa::path(post, security(()), path = "/v1/kiosks/heartbeat", tag = "widget", summary = "a kiosk is alive: its outbox backlog and widget version", request_body(content = Object, content_type = "application/json"), responses((status = 200, description = "recorded, overwriting the kiosk's previous heartbeat", body = Object, content_type = "application/json"), crate::error::responses::Widget))]
async fn heartbeat(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(beat): Json<Heartbeat>,
) -> Result<axum::Json<Seen>, ApiError> {
    let site = site_named(state.store.catalog(), &beat.site_id, "site_id")?;
    origin::check(&headers, &site)?;
    beat.check()?;
    let last_seen = state.clock.now();
    let record = KioskRecord {
        store_id: beat.store_id,
        kiosk_id: beat.kiosk_id,
        last_seen,
        backlog: beat.backlog,
        widget_version: beat.widget_version,
        client_time: beat.client_time,
    };
    state.store.record_heartbeat(&site.id, record)?.await?;
    Ok(axum::Json(Seen { last_seen }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    /// Seconds without a heartbeat after which a kiosk is stale.
    #[serde(default)]
    stale_after: Option<u64>,
}

#[derive(Debug, Serialize)]
struct KioskView {
    #[serde(flatten)]
    record: KioskRecord,
    /// Whole seconds since `last_seen`, by the collector's clock.
    seconds_since_seen: u64,
    stale: bool,
}

#[derive(Debug, Serialize)]
struct KioskList {
    /// The threshold used, in seconds.
    stale_after: u64,
    kiosks: Vec<KioskView>,
}

#[utoipa::path(get, path = "/v1/admin/sites/{site}/kiosks", tag = "sites", summary = "a site's kiosks with their latest heartbeat", params(("site" = String, Path), ("stale_after" = Option<u64>, Query, description = "seconds without a heartbeat after which a kiosk is stale (default 600)")), responses((status = 200, description = "success", body = Object, content_type = "application/json"), (status = 422, description = "an unknown or unreadable query parameter", body = crate::error::ErrorBody), crate::error::responses::AdminRead))]
async fn list(
    _: AdminKey,
    State(state): State<AppState>,
    Path(site): Path<String>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<axum::Json<KioskList>, ApiError> {
    let Query(query) = query.map_err(|e| {
        ApiError::invalid(FieldError::new(
            ErrorCode::InvalidValue,
            "query",
            e.body_text(),
        ))
    })?;
    let id = parse_site_id(&site)?;
    let site = site_named(state.store.catalog(), &id, None)?;
    let stale_after = query.stale_after.unwrap_or(DEFAULT_STALE_AFTER_SECS);
    let now = state.clock.now();
    let kiosks = state
        .store
        .kiosks(&site.id)?
        .into_iter()
        .map(|record| {
            let seconds_since_seen = (now.0.saturating_sub(record.last_seen.0) / 1_000).max(0);
            let seconds_since_seen = u64::try_from(seconds_since_seen).unwrap_or(0);
            KioskView {
                stale: seconds_since_seen > stale_after,
                seconds_since_seen,
                record,
            }
        })
        .collect();
    Ok(axum::Json(KioskList {
        stale_after,
        kiosks,
    }))
}
