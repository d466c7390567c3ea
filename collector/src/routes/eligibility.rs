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

use axum::extract::State;
use axum::http::HeaderMap;
use serde::Serialize;
use shared::display::{DisplayEvent, DisplayKind, EligibilityRequest};
use shared::error::{ErrorCode, FieldError};
use shared::ids::DisplayId;
use shared::throttle::Decision;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::site_named;
use crate::error::ApiError;
use crate::extract::Json;
use crate::state::AppState;
use crate::store::Job;
use crate::{origin, privacy};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(post_eligibility))
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
}

#[utoipa::path(post, security(()), path = "/v1/eligibility", tag = "widget", summary = "may this member be shown this survey now", request_body(content = Object, content_type = "application/json"), responses((status = 200, description = "success", body = Object, content_type = "application/json"), crate::error::responses::Widget))]
async fn post_eligibility(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(request): Json<EligibilityRequest>,
) -> Result<axum::Json<Reply>, ApiError> {
    let site = site_named(&state, &request.context.site_id, "context.site_id")?;
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
            what: "survey",
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
    let decision = state
        .store
        .submit(|reply| Job::Eligibility {
            policy,
            survey,
            display,
            now,
            reply,
        })
        .await?;
    let shown = decision.is_show();
    Ok(axum::Json(Reply::Decided(Answer {
        decision,
        display_id: shown.then_some(request.display_id),
        survey_version: shown.then_some(version),
    })))
}
