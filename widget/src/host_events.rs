//! Events the host page can listen to, on `window`, so that the widget needs no more globals:
//! `window.addEventListener("nunchi:answered", e => e.detail.surveyId)`. Also `nunchi:error`
//! when the widget has stopped after an internal error.

use wasm_bindgen::JsValue;

pub(crate) const SHOWN: &str = "nunchi:shown";
pub(crate) const ANSWERED: &str = "nunchi:answered";
pub(crate) const DISMISSED: &str = "nunchi:dismissed";
pub(crate) const ERROR: &str = "nunchi:error";

/// What the events carry: `answered` adds the response id and the answers.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Detail<'a> {
    pub survey_id: &'a shared::ids::SurveyId,
    pub survey_version: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_id: Option<&'a shared::ids::ResponseId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answers: Option<&'a shared::map::Map<shared::ids::QuestionId, shared::answer::AnswerValue>>,
}

/// What `nunchi:error` carries.
#[derive(serde::Serialize)]
pub(crate) struct ErrorDetail<'a> {
    pub message: &'a str,
}

/// Dispatches `name` with `detail` (any serializable value) on `window`.
pub(crate) fn dispatch(name: &str, detail: &impl serde::Serialize) {
    let Some(window) = web_sys::window() else {
        return;
    };
    // JSON-compatible: maps become plain objects (`e.detail.surveyId`), not JS `Map`s.
    let detail = crate::json::to_value(detail).unwrap_or(JsValue::NULL);
    let init = web_sys::CustomEventInit::new();
    init.set_detail(&detail);
    if let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict(name, &init) {
        let _ = window.dispatch_event(&event);
    }
}
