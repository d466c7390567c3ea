//! Admin: `/v1/admin/sites/{site}/webhooks` — endpoints, their outbox and dead letters.
//!
//! A new webhook's secret is in the answer to the `POST` that made it (and to a
//! `rotate-secret`) and nowhere else. See [`crate::webhook`] for what is sent and when.
//!
//! - `GET, POST …/webhooks`; `GET, PUT, DELETE …/webhooks/{id}` (a `GET` also counts the
//!   messages waiting and the dead letters).
//! - `POST …/webhooks/{id}/rotate-secret`: a new secret, shown once; the old one stops at once.
//! - `GET …/webhooks/{id}/outbox`: messages waiting (the first 100, and how many in all).
//! - `GET …/webhooks/{id}/dead-letters`; `POST …/dead-letters/retry` (all) and
//!   `POST …/dead-letters/{message}/retry` (one, by its `webhook-id`): back to the outbox with
//!   their tries reset, sent as soon as the worker gets to them.

use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use shared::error::{ErrorCode, FieldError};
use shared::ids::SiteId;
use shared::time::Timestamp;
use uuid::Uuid;

use super::sites::parse_site_id;
use crate::auth::AdminKey;
use crate::error::ApiError;
use crate::error::site_named;
use crate::extract::Json;
use crate::state::AppState;
use crate::store::{OutboxChange, WebhookError};
use crate::webhook::{DeadLetter, Message, Webhook, WebhookId, WebhookInput, WebhookView};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(read, update, remove))
        .routes(routes!(rotate))
        .routes(routes!(outbox))
        .routes(routes!(dead_letters))
        .routes(routes!(retry_all))
        .routes(routes!(retry_one))
}

/// The most waiting messages one `GET …/outbox` lists.
const OUTBOX_LIST: usize = 100;

fn site(state: &AppState, raw: &str) -> Result<SiteId, ApiError> {
    let id = parse_site_id(raw)?;
    site_named(state.store.catalog(), &id, None)?;
    Ok(id)
}

fn not_found(raw: &str) -> ApiError {
    ApiError::NotFound {
        missing: crate::error::Missing::Webhook,
        id: raw.to_owned(),
        field: None,
    }
}

/// The site and an existing webhook of it, named by the path.
fn webhook(state: &AppState, site_raw: &str, raw: &str) -> Result<Arc<Webhook>, ApiError> {
    let site = site(state, site_raw)?;
    WebhookId::parse(raw)
        .and_then(|id| state.store.webhooks().get(&site, &id))
        .ok_or_else(|| not_found(raw))
}

/// Checks an input, and that the surveys it names are the site's.
fn check(state: &AppState, site: &SiteId, input: &WebhookInput) -> Result<(), ApiError> {
    input.validate().map_err(ApiError::Invalid)?;
    let catalog = state.store.catalog();
    for (i, survey) in input.surveys.iter().enumerate() {
        if catalog.latest_survey(site, survey).is_none() {
            return Err(ApiError::invalid(FieldError::new(
                ErrorCode::InvalidReference,
                format!("surveys.{i}"),
                format!("the site has no survey {survey:?}"),
            )));
        }
    }
    Ok(())
}

fn webhook_error(e: WebhookError, raw: &str) -> ApiError {
    match e {
        WebhookError::NoWebhook => not_found(raw),
        WebhookError::TooMany => ApiError::invalid(FieldError::new(
            ErrorCode::TooMany,
            "",
            WebhookError::TooMany.to_string(),
        )),
        WebhookError::Store(e) => e.into(),
    }
}

#[utoipa::path(get, path = "/v1/admin/sites/{site}/webhooks", tag = "webhooks", summary = "a site's webhooks", params(("site" = String, Path)), responses((status = 200, description = "success", body = [Object], content_type = "application/json"), crate::error::responses::AdminRead))]
async fn list(
    _: AdminKey,
    State(state): State<AppState>,
    Path(site_raw): Path<String>,
) -> Result<axum::Json<Vec<WebhookView>>, ApiError> {
    let site = site(&state, &site_raw)?;
    Ok(axum::Json(
        state
            .store
            .webhooks()
            .for_site(&site)
            .iter()
            .map(|h| h.view())
            .collect(),
    ))
}

#[utoipa::path(post, path = "/v1/admin/sites/{site}/webhooks", tag = "webhooks", summary = "add a webhook", params(("site" = String, Path)), request_body(content = Object, content_type = "application/json"), responses((status = 201, description = "success", body = Object, content_type = "application/json"), crate::error::responses::AdminWrite))]
async fn create(
    _: AdminKey,
    State(state): State<AppState>,
    Path(site_raw): Path<String>,
    Json(input): Json<WebhookInput>,
) -> Result<(StatusCode, axum::Json<WebhookView>), ApiError> {
    let site = site(&state, &site_raw)?;
    check(&state, &site, &input)?;
    let hook = crate::webhook::create(site, input, state.clock.now())
        .map_err(|e| ApiError::Internal(e.into()))?;
    let store = state.store.clone();
    let hook = tokio::task::spawn_blocking(move || store.webhooks().insert(hook))
        .await?
        .map_err(|e| webhook_error(e, ""))?;
    Ok((
        StatusCode::CREATED,
        axum::Json(WebhookView {
            secret: Some(hook.secret.expose().to_owned()),
            ..hook.view()
        }),
    ))
}

/// A webhook with how its messages are doing.
#[derive(Debug, Serialize)]
struct WebhookStatus {
    #[serde(flatten)]
    webhook: WebhookView,
    /// Messages in the outbox, waiting for their first or a further try.
    waiting: usize,
    dead_letters: usize,
}

#[utoipa::path(get, path = "/v1/admin/sites/{site}/webhooks/{webhook}", tag = "webhooks", summary = "a webhook", params(("site" = String, Path), ("webhook" = String, Path)), responses((status = 200, description = "success", body = Object, content_type = "application/json"), crate::error::responses::AdminRead))]
async fn read(
    _: AdminKey,
    State(state): State<AppState>,
    Path((site_raw, raw)): Path<(String, String)>,
) -> Result<axum::Json<WebhookStatus>, ApiError> {
    let hook = webhook(&state, &site_raw, &raw)?;
    let store = state.store.clone();
    let counted = hook.clone();
    let (waiting, dead_letters) = tokio::task::spawn_blocking(move || {
        let (_, waiting) = store.outbox_waiting(&counted.site, &counted.id, 0)?;
        let dead = store.dead_letters(&counted.site, &counted.id)?.len();
        Ok::<_, crate::store::StoreError>((waiting, dead))
    })
    .await??;
    Ok(axum::Json(WebhookStatus {
        webhook: hook.view(),
        waiting,
        dead_letters,
    }))
}

#[utoipa::path(put, path = "/v1/admin/sites/{site}/webhooks/{webhook}", tag = "webhooks", summary = "change a webhook", params(("site" = String, Path), ("webhook" = String, Path)), request_body(content = Object, content_type = "application/json"), responses((status = 200, description = "success", body = Object, content_type = "application/json"), crate::error::responses::AdminWrite))]
async fn update(
    _: AdminKey,
    State(state): State<AppState>,
    Path((site_raw, raw)): Path<(String, String)>,
    Json(input): Json<WebhookInput>,
) -> Result<axum::Json<WebhookView>, ApiError> {
    let hook = webhook(&state, &site_raw, &raw)?;
    check(&state, &hook.site, &input)?;
    let store = state.store.clone();
    let updated = tokio::task::spawn_blocking(move || {
        store
            .webhooks()
            .update(&hook.site, &hook.id, |old| old.updated(input))
    })
    .await?
    .map_err(|e| webhook_error(e, &raw))?;
    Ok(axum::Json(updated.view()))
}

#[utoipa::path(post, path = "/v1/admin/sites/{site}/webhooks/{webhook}/rotate-secret", tag = "webhooks", summary = "a new secret", params(("site" = String, Path), ("webhook" = String, Path)), responses((status = 200, description = "success", body = Object, content_type = "application/json"), crate::error::responses::AdminWrite))]
async fn rotate(
    _: AdminKey,
    State(state): State<AppState>,
    Path((site_raw, raw)): Path<(String, String)>,
) -> Result<axum::Json<WebhookView>, ApiError> {
    let hook = webhook(&state, &site_raw, &raw)?;
    let secret = crate::webhook::new_secret().map_err(|e| ApiError::Internal(e.into()))?;
    let store = state.store.clone();
    let updated = tokio::task::spawn_blocking(move || {
        store
            .webhooks()
            .update(&hook.site, &hook.id, |old| Webhook {
                secret,
                ..old.clone()
            })
    })
    .await?
    .map_err(|e| webhook_error(e, &raw))?;
    Ok(axum::Json(WebhookView {
        secret: Some(updated.secret.expose().to_owned()),
        ..updated.view()
    }))
}

/// Deletes a webhook and its dead letters; its waiting messages are dropped by the worker.
#[utoipa::path(delete, path = "/v1/admin/sites/{site}/webhooks/{webhook}", tag = "webhooks", summary = "delete a webhook", params(("site" = String, Path), ("webhook" = String, Path)), responses((status = 200, description = "success", body = Object, content_type = "application/json"), crate::error::responses::AdminWrite))]
async fn remove(
    _: AdminKey,
    State(state): State<AppState>,
    Path((site_raw, raw)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let hook = webhook(&state, &site_raw, &raw)?;
    let store = state.store.clone();
    let (site, id) = (hook.site.clone(), hook.id.clone());
    tokio::task::spawn_blocking(move || store.webhooks().remove(&site, &id))
        .await?
        .map_err(|e| webhook_error(e, &raw))?;
    let change = OutboxChange::ForgetDeadLetters {
        site: hook.site.clone(),
        webhook: hook.id.clone(),
    };
    state.store.update_outbox(change)?.await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A message as the admin API shows it: the `webhook-id` it is sent with, and its body.
#[derive(Debug, Serialize)]
struct MessageView {
    id: String,
    response_seq: u64,
    created_at: Timestamp,
    attempts: u32,
    due: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    failed_at: Option<Timestamp>,
    body: serde_json::Value,
}

impl MessageView {
    fn of(message: Message, failed_at: Option<Timestamp>) -> Self {
        Self {
            id: message.header_id(),
            response_seq: message.response_seq,
            created_at: message.created_at,
            attempts: message.attempts,
            due: message.due,
            body: serde_json::from_str(&message.body)
                .unwrap_or(serde_json::Value::String(message.body)),
            last_error: message.last_error,
            failed_at,
        }
    }
}

#[derive(Debug, Serialize)]
struct Waiting {
    /// How many in all.
    total: usize,
    /// The first of them, by when they are due.
    messages: Vec<MessageView>,
}

#[utoipa::path(get, path = "/v1/admin/sites/{site}/webhooks/{webhook}/outbox", tag = "webhooks", summary = "messages waiting", params(("site" = String, Path), ("webhook" = String, Path)), responses((status = 200, description = "success", body = Object, content_type = "application/json"), crate::error::responses::AdminRead))]
async fn outbox(
    _: AdminKey,
    State(state): State<AppState>,
    Path((site_raw, raw)): Path<(String, String)>,
) -> Result<axum::Json<Waiting>, ApiError> {
    let hook = webhook(&state, &site_raw, &raw)?;
    let store = state.store.clone();
    let (messages, total) = tokio::task::spawn_blocking(move || {
        store.outbox_waiting(&hook.site, &hook.id, OUTBOX_LIST)
    })
    .await??;
    Ok(axum::Json(Waiting {
        total,
        messages: messages
            .into_iter()
            .map(|m| MessageView::of(m, None))
            .collect(),
    }))
}

#[derive(Debug, Serialize)]
struct DeadLetters {
    dead_letters: Vec<MessageView>,
}

async fn read_dead_letters(state: &AppState, hook: &Webhook) -> Result<Vec<DeadLetter>, ApiError> {
    let store = state.store.clone();
    let (site, id) = (hook.site.clone(), hook.id.clone());
    Ok(tokio::task::spawn_blocking(move || store.dead_letters(&site, &id)).await??)
}

#[utoipa::path(get, path = "/v1/admin/sites/{site}/webhooks/{webhook}/dead-letters", tag = "webhooks", summary = "dead letters", params(("site" = String, Path), ("webhook" = String, Path)), responses((status = 200, description = "success", body = Object, content_type = "application/json"), crate::error::responses::AdminRead))]
async fn dead_letters(
    _: AdminKey,
    State(state): State<AppState>,
    Path((site_raw, raw)): Path<(String, String)>,
) -> Result<axum::Json<DeadLetters>, ApiError> {
    let hook = webhook(&state, &site_raw, &raw)?;
    let letters = read_dead_letters(&state, &hook).await?;
    Ok(axum::Json(DeadLetters {
        dead_letters: letters
            .into_iter()
            .map(|l| MessageView::of(l.message, Some(l.failed_at)))
            .collect(),
    }))
}

#[derive(Debug, Serialize)]
struct Retried {
    /// Dead letters moved back to the outbox.
    retried: usize,
}

/// Moves dead letters back to the outbox, in one group commit.
async fn revive(state: &AppState, hook: &Webhook, ids: Vec<Uuid>) -> Result<usize, ApiError> {
    let now = state.clock.now();
    let mut waiting = Vec::with_capacity(ids.len());
    for id in ids {
        let change = OutboxChange::Revive {
            site: hook.site.clone(),
            webhook: hook.id.clone(),
            id,
            now,
        };
        waiting.push(state.store.update_outbox(change)?);
    }
    let mut retried = 0;
    for pending in waiting {
        retried += usize::from(pending.await?);
    }
    Ok(retried)
}

#[utoipa::path(post, path = "/v1/admin/sites/{site}/webhooks/{webhook}/dead-letters/retry", tag = "webhooks", summary = "send every dead letter again", params(("site" = String, Path), ("webhook" = String, Path)), responses((status = 200, description = "success", body = Object, content_type = "application/json"), crate::error::responses::AdminWrite))]
async fn retry_all(
    _: AdminKey,
    State(state): State<AppState>,
    Path((site_raw, raw)): Path<(String, String)>,
) -> Result<axum::Json<Retried>, ApiError> {
    let hook = webhook(&state, &site_raw, &raw)?;
    let ids = read_dead_letters(&state, &hook)
        .await?
        .into_iter()
        .map(|l| l.message.id)
        .collect();
    let retried = revive(&state, &hook, ids).await?;
    Ok(axum::Json(Retried { retried }))
}

#[utoipa::path(post, path = "/v1/admin/sites/{site}/webhooks/{webhook}/dead-letters/{message}/retry", tag = "webhooks", summary = "send one dead letter again", params(("site" = String, Path), ("webhook" = String, Path), ("message" = String, Path)), responses((status = 200, description = "success", body = Object, content_type = "application/json"), crate::error::responses::AdminWrite))]
async fn retry_one(
    _: AdminKey,
    State(state): State<AppState>,
    Path((site_raw, raw, message)): Path<(String, String, String)>,
) -> Result<axum::Json<Retried>, ApiError> {
    let hook = webhook(&state, &site_raw, &raw)?;
    let missing = || ApiError::NotFound {
        missing: crate::error::Missing::DeadLetter,
        id: message.clone(),
        field: None,
    };
    let id =
        Uuid::try_parse(message.strip_prefix("msg_").unwrap_or(&message)).map_err(|_| missing())?;
    match revive(&state, &hook, vec![id]).await? {
        0 => Err(missing()),
        retried => Ok(axum::Json(Retried { retried })),
    }
}
