//! The form that adds a webhook or changes one: where to send (URL), what (the full event or a
//! chat line), for which surveys (this one, or every survey of the site) and when (every new
//! response, or only when a score is in a range: a detractor alert). It sends the whole
//! `WebhookInput` (`POST …/webhooks`, `PUT …/webhooks/{id}`) and shows the collector's
//! refusals beside the inputs they name.

use serde::{Deserialize, Serialize};
use yew::prelude::*;

use super::{Session, field, form_failure, input_value};
use crate::api::{self, ApiError, FieldProblem, encode};

/// A score condition (`collector::webhook::Condition`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Condition {
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<i64>,
}

/// A webhook as the admin API shows it (`WebhookView`), with the secret only in the answer
/// that made it or rotated it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct WebhookView {
    pub id: String,
    pub url: String,
    pub payload: String,
    pub enabled: bool,
    #[serde(default)]
    pub surveys: Vec<String>,
    #[serde(default)]
    pub when: Option<Condition>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub secret: Option<String>,
}

/// What the API takes to create or replace a webhook (`WebhookInput`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct WebhookInput {
    pub url: String,
    pub payload: String,
    pub enabled: bool,
    pub surveys: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
    pub description: String,
}

impl WebhookView {
    /// The same settings, to send back with one change.
    pub(crate) fn input(&self) -> WebhookInput {
        WebhookInput {
            url: self.url.clone(),
            payload: self.payload.clone(),
            enabled: self.enabled,
            surveys: self.surveys.clone(),
            when: self.when.clone(),
            description: self.description.clone(),
        }
    }
}

/// The score kinds a condition can look at, as the API names them.
const KINDS: [&str; 4] = ["nps", "csat", "ces", "smiley"];
/// The inputs of the form, by the API's field names.
const FIELDS: [&str; 5] = ["url", "payload", "surveys", "when", "description"];

/// The form as typed.
#[derive(Debug, Clone, PartialEq)]
struct Draft {
    url: String,
    description: String,
    payload: String,
    /// Only the page's survey (else every survey of the site).
    this_survey: bool,
    /// A score kind, or empty: every response.
    kind: String,
    at_least: String,
    at_most: String,
    enabled: bool,
}

impl Draft {
    fn of(hook: Option<&WebhookView>, survey: &str) -> Draft {
        let Some(h) = hook else {
            return Draft {
                url: String::new(),
                description: String::new(),
                payload: "event".into(),
                this_survey: true,
                kind: String::new(),
                at_least: String::new(),
                at_most: String::new(),
                enabled: true,
            };
        };
        let bound = |b: Option<i64>| b.map(|b| b.to_string()).unwrap_or_default();
        Draft {
            url: h.url.clone(),
            description: h.description.clone(),
            payload: h.payload.clone(),
            this_survey: h.surveys.iter().any(|s| s == survey),
            kind: h.when.as_ref().map(|w| w.kind.clone()).unwrap_or_default(),
            at_least: bound(h.when.as_ref().and_then(|w| w.at_least)),
            at_most: bound(h.when.as_ref().and_then(|w| w.at_most)),
            enabled: h.enabled,
        }
    }

    /// The input to send, or the bound that is not a whole number.
    fn input(&self, survey: &str) -> Result<WebhookInput, &'static str> {
        let bound = |text: &str, name: &'static str| match text.trim() {
            "" => Ok(None),
            n => n.parse::<i64>().map(Some).map_err(|_| name),
        };
        let when = if self.kind.is_empty() {
            None
        } else {
            Some(Condition {
                kind: self.kind.clone(),
                at_least: bound(&self.at_least, "when.at_least")?,
                at_most: bound(&self.at_most, "when.at_most")?,
            })
        };
        Ok(WebhookInput {
            url: self.url.trim().to_owned(),
            payload: self.payload.clone(),
            enabled: self.enabled,
            surveys: if self.this_survey {
                vec![survey.to_owned()]
            } else {
                Vec::new()
            },
            when,
            description: self.description.trim().to_owned(),
        })
    }
}

#[derive(Debug, Properties, PartialEq)]
pub(crate) struct WebhookFormProps {
    pub session: Session,
    pub site: String,
    pub survey: String,
    /// The webhook to change; none: a new one.
    pub editing: Option<WebhookView>,
    /// Called with what the API answered (a new webhook's answer holds its secret).
    pub on_saved: Callback<WebhookView>,
    pub on_cancel: Callback<()>,
}

#[component]
pub(crate) fn WebhookForm(props: &WebhookFormProps) -> Html {
    let session = &props.session;
    let t = session.texts();
    let draft = {
        let (editing, survey) = (props.editing.clone(), props.survey.clone());
        use_state(move || Draft::of(editing.as_ref(), &survey))
    };
    let error = use_state(|| None::<ApiError>);
    let busy = use_state(|| false);

    let edit = |set: fn(&mut Draft, String)| {
        let draft = draft.clone();
        Callback::from(move |e: Event| {
            let mut next = (*draft).clone();
            set(&mut next, input_value(&e));
            draft.set(next);
        })
    };
    let on_submit = {
        let (draft, error, busy, checker) =
            (draft.clone(), error.clone(), busy.clone(), session.clone());
        let (site, survey, editing) = (
            props.site.clone(),
            props.survey.clone(),
            props.editing.clone(),
        );
        let on_saved = props.on_saved.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let input = match draft.input(&survey) {
                Ok(input) => input,
                Err(field) => {
                    let message = checker.texts().whole_number.to_owned();
                    error.set(Some(ApiError::Invalid {
                        status: 0,
                        message: message.clone(),
                        fields: vec![FieldProblem {
                            field: field.to_owned(),
                            message,
                            code: String::new(),
                        }],
                    }));
                    return;
                }
            };
            let (error, busy, checker, on_saved) = (
                error.clone(),
                busy.clone(),
                checker.clone(),
                on_saved.clone(),
            );
            let base = format!("/v1/admin/sites/{}/webhooks", encode(&site));
            let editing = editing.clone();
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let answer = match &editing {
                    Some(h) => {
                        let path = format!("{base}/{}", encode(&h.id));
                        api::send(&checker.key, &path, &input).await
                    }
                    None => api::post(&checker.key, &base, Some(&input)).await,
                };
                busy.set(false);
                match checker.checked(answer) {
                    Ok(saved) => {
                        error.set(None);
                        on_saved.emit(saved);
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let cancel = {
        let on_cancel = props.on_cancel.clone();
        Callback::from(move |_: MouseEvent| on_cancel.emit(()))
    };

    let d = &*draft;
    let failed = error.as_ref();
    let kind_name = |k: &str| match k {
        "nps" => "NPS 0–10",
        "csat" => "CSAT 1–5",
        "ces" => "CES 1–7",
        "smiley" => "Smiley 1–4",
        _ => "",
    };
    let radio = |name: &'static str,
                 id: &'static str,
                 on: bool,
                 text: &'static str,
                 set: fn(&mut Draft, String)| {
        html! {
            <label class="check">
                <input type="radio" {name} {id} checked={on} onchange={edit(set)} />{ text }
            </label>
        }
    };
    html! {
        <form class="webhook-form card inset" id="webhook-form" onsubmit={on_submit} novalidate=true>
            <h3>{ if props.editing.is_some() { t.webhook_edit } else { t.webhook_add } }</h3>
            <div class="grid2">
                { field(t.webhook_url, t.webhook_url_hint, html! {
                    <input type="url" id="webhook-url" placeholder="https://hooks.example.com/nunchi"
                        value={d.url.clone()} oninput={edit(|d, v| d.url = v).reform(Event::from)} />
                }, failed, &["url"]) }
                { field(t.description, "", html! {
                    <input type="text" id="webhook-description" placeholder={t.description_placeholder}
                        value={d.description.clone()} oninput={edit(|d, v| d.description = v).reform(Event::from)} />
                }, failed, &["description"]) }
                { field(t.webhook_payload, "", html! {
                    <select id="webhook-payload" onchange={edit(|d, v| d.payload = v)}>
                        <option value="event" selected={d.payload == "event"}>{ t.payload_event }</option>
                        <option value="chat" selected={d.payload == "chat"}>{ t.payload_chat }</option>
                    </select>
                }, failed, &["payload"]) }
                { field(t.webhook_surveys, "", html! {
                    <div class="checks" id="webhook-scope">
                        { radio("scope", "webhook-this-survey", d.this_survey, t.this_survey,
                            |d, _| d.this_survey = true) }
                        { radio("scope", "webhook-all-surveys", !d.this_survey, t.all_site_surveys,
                            |d, _| d.this_survey = false) }
                    </div>
                }, failed, &["surveys"]) }
                { field(t.webhook_when, t.webhook_when_hint, html! {
                    <div class="condition">
                        <select id="webhook-kind" onchange={edit(|d, v| d.kind = v)}>
                            <option value="" selected={d.kind.is_empty()}>{ t.every_response }</option>
                            { for KINDS.iter().map(|k| html! {
                                <option value={*k} selected={d.kind == *k}>{ kind_name(k) }</option>
                            }) }
                        </select>
                        if !d.kind.is_empty() {
                            <span>{ t.at_least }</span>
                            <input type="number" id="webhook-at-least" class="short"
                                value={d.at_least.clone()} oninput={edit(|d, v| d.at_least = v).reform(Event::from)} />
                            <span>{ t.at_most }</span>
                            <input type="number" id="webhook-at-most" class="short"
                                value={d.at_most.clone()} oninput={edit(|d, v| d.at_most = v).reform(Event::from)} />
                        }
                    </div>
                }, failed, &["when"]) }
                <label class="check enabled">
                    <input type="checkbox" id="webhook-enabled" checked={d.enabled}
                        onchange={edit(|d, _| d.enabled = !d.enabled)} />
                    { t.webhook_enabled }
                </label>
            </div>
            if let Some(e) = failed {
                { form_failure(session, e, &FIELDS) }
            }
            <div class="controls">
                <button type="submit" class="primary" id="webhook-save" disabled={*busy}>
                    { if props.editing.is_some() { t.save } else { t.webhook_add } }
                </button>
                <button type="button" id="webhook-cancel" onclick={cancel}>{ t.cancel }</button>
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draft_becomes_the_api_input() {
        let mut d = Draft::of(None, "web-nps");
        d.url = " https://hooks.example.com/x ".into();
        d.kind = "nps".into();
        d.at_most = "6".into();
        let input = d.input("web-nps").unwrap();
        assert_eq!(input.url, "https://hooks.example.com/x");
        assert_eq!(input.surveys, ["web-nps"]);
        assert_eq!(
            input.when,
            Some(Condition {
                kind: "nps".into(),
                at_most: Some(6),
                at_least: None
            })
        );
        d.this_survey = false;
        d.kind = String::new();
        let input = d.input("web-nps").unwrap();
        assert!(input.surveys.is_empty() && input.when.is_none());
        d.kind = "ces".into();
        d.at_least = "five".into();
        assert_eq!(d.input("web-nps"), Err("when.at_least"));
    }
}
