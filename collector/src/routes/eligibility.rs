//! `POST /v1/eligibility`: may this member be shown this survey now?
//!
//! The collector runs `shared::throttle::decide` against the member's contact ledger, which
//! every channel writes to, and on a yes records the display in the same atomic step.
//!
//! Under Global Privacy Control (`Sec-GPC: 1`) the member id is dropped before it is hashed,
//! so there is no ledger to decide on: the answer is `{"decision": "decide_on_device",
//! "reason": "global_privacy_control"}` and nothing is recorded. The visitor is then treated
//! as anonymous, whose throttling happens on the device; today's widget reads any answer but
//! `show` as "not now", the cautious reading.
//!
//! With `?explain=true` the answer also carries `explanation`: every rule `decide` checks, in
//! its order, each `passed`, `refused` or `not_applicable`, with the times and the ledger entry
//! that mattered (`shared::throttle::explain`). It is opt-in so that the widget's everyday
//! answer stays small. Support staff explain without recording a display through
//! `POST /v1/admin/sites/{site}/eligibility/explain` (admin key, the member id in the body).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};
use shared::display::{DisplayEvent, DisplayKind, EligibilityRequest};
use shared::error::{ErrorCode, FieldError};
use shared::ids::{DisplayId, MemberId, StoreId, SurveyId};
use shared::throttle::{Decision, DecisionInput, Explanation};
use shared::time::Timestamp;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::sites::parse_site_id;
use crate::auth::AdminKey;
use crate::error::site_named;
use crate::error::{ApiError, Missing};
use crate::extract::Json;
use crate::state::AppState;
use crate::store::{DecisionRequest, Verdict};
use crate::{origin, privacy};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(post_eligibility))
        .routes(routes!(admin_explain))
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
enum Reply {
    Decided(Answer),
    OnDevice(OnDevice),
}

/// The answer under Global Privacy Control: the collector keeps no ledger for this visitor.
#[derive(Debug, Serialize)]
struct OnDevice {
    /// Always `decide_on_device`.
    decision: &'static str,
    /// Always `global_privacy_control`.
    reason: &'static str,
}

#[derive(Debug, Serialize)]
struct Answer {
    #[serde(flatten)]
    decision: Decision,
    /// With `show`: the display recorded, and the survey version to render.
    #[serde(skip_serializing_if = "Option::is_none")]
    display_id: Option<DisplayId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    survey_version: Option<u32>,
    /// With `?explain=true`: every rule checked, in order.
    #[serde(skip_serializing_if = "Option::is_none")]
    explanation: Option<Explanation>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExplainQuery {
    #[serde(default)]
    explain: bool,
}

#[utoipa::path(post, security(()), path = "/v1/eligibility", tag = "widget", summary = "may this member be shown this survey now", params(("explain" = Option<bool>, Query, description = "also list every rule checked, with its outcome and the times that mattered")), request_body(content = Object, content_type = "application/json"), responses((status = 200, description = "success", body = Object, content_type = "application/json"), crate::error::responses::Widget))]
async fn post_eligibility(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<ExplainQuery>, QueryRejection>,
    Json(request): Json<EligibilityRequest>,
) -> Result<axum::Json<Reply>, ApiError> {
    let Query(ExplainQuery { explain }) = query.map_err(|e| {
        ApiError::invalid(FieldError::new(
            ErrorCode::InvalidValue,
            "query",
            e.body_text(),
        ))
    })?;
    let site = site_named(
        state.store.catalog(),
        &request.context.site_id,
        "context.site_id",
    )?;
    origin::check(&headers, &site)?;
    if privacy::withholds_member(&headers) {
        return Ok(axum::Json(Reply::OnDevice(OnDevice {
            decision: "decide_on_device",
            reason: "global_privacy_control",
        })));
    }
    if request.context.member.is_none() {
        return Err(ApiError::invalid(FieldError::new(
            ErrorCode::Required,
            "context.member",
            "eligibility is decided for an identified member; anonymous visitors decide on their device",
        )));
    }
    let survey = state
        .store
        .catalog()
        .latest_survey(&site.id, &request.survey_id)
        .ok_or_else(|| ApiError::NotFound {
            missing: Missing::Survey,
            id: request.survey_id.to_string(),
            field: Some("survey_id"),
        })?;
    let now = state.clock.now();
    let display = DisplayEvent {
        display_id: request.display_id,
        survey_id: request.survey_id,
        survey_version: survey.version,
        kind: DisplayKind::Shown,
        context: request
            .context
            .pseudonymize(|member| site.member_hash(member)),
        client_time: now,
    };
    let policy = site.policy.clone();
    let version = survey.version;
    let Verdict {
        decision,
        explanation,
    } = state
        .store
        .decide_and_record(DecisionRequest {
            policy,
            survey,
            display,
            now,
            explain,
        })?
        .await?;
    let shown = decision.is_show();
    Ok(axum::Json(Reply::Decided(Answer {
        decision,
        display_id: shown.then_some(request.display_id),
        survey_version: shown.then_some(version),
        explanation,
    })))
}

/// What support staff ask: would this member be shown this survey (now, or at `at`)?
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExplainRequest {
    survey_id: SurveyId,
    /// The member id as the site sends it; hashed here, as on ingest.
    member: MemberId,
    /// Counts the store's daily quota, as a kiosk or receipt at that store would.
    #[serde(default)]
    store_id: Option<StoreId>,
    /// When to decide for; now when left out.
    #[serde(default)]
    at: Option<Timestamp>,
}

/// 9999-12-31T23:59:59.999Z: the rules' date arithmetic stays far from overflow.
const LATEST_AT: i64 = 253_402_300_799_999;

#[derive(Debug, Serialize)]
struct ExplainAnswer {
    #[serde(flatten)]
    decision: Decision,
    /// The time decided for.
    at: Timestamp,
    explanation: Explanation,
}

#[utoipa::path(post, path = "/v1/admin/sites/{site}/eligibility/explain", tag = "sites", summary = "explain a member's eligibility without recording a display", params(("site" = String, Path)), request_body(content = Object, content_type = "application/json"), responses((status = 200, description = "the decision and every rule behind it", body = Object, content_type = "application/json"), crate::error::responses::AdminWrite))]
async fn admin_explain(
    _: AdminKey,
    State(state): State<AppState>,
    Path(site): Path<String>,
    Json(request): Json<ExplainRequest>,
) -> Result<axum::Json<ExplainAnswer>, ApiError> {
    let id = parse_site_id(&site)?;
    let site = site_named(state.store.catalog(), &id, None)?;
    let survey = state
        .store
        .catalog()
        .latest_survey(&site.id, &request.survey_id)
        .ok_or_else(|| ApiError::NotFound {
            missing: Missing::Survey,
            id: request.survey_id.to_string(),
            field: Some("survey_id"),
        })?;
    let at = request.at.unwrap_or_else(|| state.clock.now());
    if !(0..=LATEST_AT).contains(&at.0) {
        return Err(ApiError::invalid(FieldError::new(
            ErrorCode::OutOfRange,
            "at",
            "milliseconds since 1970, up to the end of the year 9999",
        )));
    }
    let member = site.member_hash(&request.member);
    // Read as committed, outside the writer: nothing is recorded, so nothing needs its lock.
    let history = state.store.contact_history(&site.id, &member)?;
    let quota = state.store.quota_usage(
        &site.id,
        &survey.id,
        request.store_id.as_ref(),
        at.utc_day(),
    )?;
    let input = DecisionInput {
        policy: &site.policy,
        survey: &survey,
        history: &history,
        subject: member.as_str(),
        quota,
        now: at,
    };
    Ok(axum::Json(ExplainAnswer {
        decision: shared::throttle::decide(&input),
        at,
        explanation: shared::throttle::explain(&input),
    }))
}
