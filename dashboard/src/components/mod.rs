//! The dashboard's components: the shell and its pages, and the charts they draw.

pub(crate) mod act;
pub(crate) mod app;
pub(crate) mod chart;
pub(crate) mod comments;
pub(crate) mod editor;
pub(crate) mod export;
pub(crate) mod receipt_qr;
pub(crate) mod results;
pub(crate) mod sign_in;
pub(crate) mod surveys;
pub(crate) mod webhook_form;
pub(crate) mod webhooks;

use yew::prelude::*;

use crate::api::ApiError;
use crate::route::Route;
use crate::texts::{Lang, Texts};

/// What every page gets from the shell: the key it reads with, the language, and whom to tell
/// when the key stops working.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Session {
    pub key: String,
    /// An admin key: surveys may be edited, comments labelled, kiosks read. Else an export
    /// key, which reads its own site's results, comments and exports.
    pub admin: bool,
    pub lang: Lang,
    /// Called on a 401: the shell signs out and says why.
    pub refused: Callback<()>,
}

impl Session {
    pub(crate) fn texts(&self) -> &'static Texts {
        self.lang.texts()
    }
}

impl Session {
    /// Hands back what a page read, after signing out if the key was refused (401): called
    /// where the answer arrives, never while rendering.
    pub(crate) fn checked<T>(&self, result: Result<T, ApiError>) -> Result<T, ApiError> {
        if matches!(result, Err(ApiError::Unauthorized)) {
            self.refused.emit(());
        }
        result
    }
}

/// A survey's latest version, read once per key, site and survey (the pages that show its
/// name and questions beside their own data); `None` until it arrives or if it cannot be read
/// (a 401 signs out as everywhere).
#[hook]
pub(crate) fn use_survey(
    session: &Session,
    site: &str,
    survey: &str,
) -> UseStateHandle<Option<shared::survey::Survey>> {
    let read = use_state(|| None);
    {
        let (read, checker) = (read.clone(), session.clone());
        let deps = (session.key.clone(), site.to_owned(), survey.to_owned());
        use_effect_with(deps, move |(key, site, id)| {
            let path = format!(
                "/v1/admin/sites/{}/surveys/{}",
                crate::api::encode(site),
                crate::api::encode(id)
            );
            let key = key.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(s) = checker.checked(crate::api::get(&key, &path).await) {
                    read.set(Some(s));
                }
            });
        });
    }
    read
}

/// A survey page's heading: its name, then site, id, version and status, the same on every tab;
/// the id alone while the survey is being read.
pub(crate) fn survey_title(
    t: &Texts,
    site: &str,
    id: &str,
    survey: Option<&shared::survey::Survey>,
) -> Html {
    match survey {
        Some(s) => html! {
            <>
                <h1>{ &s.name }</h1>
                <p class="muted id">
                    { format!("{site} · {} · v{} ", s.id.as_str(), s.version) }
                    { surveys::status_badge(t, s.status) }
                </p>
            </>
        },
        None => html! { <h1>{ id }</h1> },
    }
}

/// A failed request as the page shows it.
pub(crate) fn failure(session: &Session, error: &ApiError) -> Html {
    let t = session.texts();
    let message = match error {
        ApiError::Unauthorized => t.key_refused.to_owned(),
        ApiError::Forbidden => t.key_forbidden.to_owned(),
        ApiError::Network => t.network.to_owned(),
        ApiError::Status(status, message)
        | ApiError::Invalid {
            status, message, ..
        } => {
            format!("{status}: {message}")
        }
    };
    html! { <p class="alert" role="alert">{ message }</p> }
}

/// Which of a survey's pages is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tab {
    Results,
    Comments,
    Act,
    Edit,
}

/// The tabs of one survey's pages: its results, its comments, what to do with them, and its
/// editor.
pub(crate) fn tabs(session: &Session, site: &str, survey: &str, on: Tab) -> Html {
    let t = session.texts();
    let (site, survey) = (site.to_owned(), survey.to_owned());
    let results = Route::Results {
        site: site.clone(),
        survey: survey.clone(),
    }
    .hash();
    let comments = Route::Comments {
        site: site.clone(),
        survey: survey.clone(),
    }
    .hash();
    let act = Route::Act {
        site: site.clone(),
        survey: survey.clone(),
    }
    .hash();
    let edit = Route::Edit { site, survey }.hash();
    let tab = |id: &'static str, href: String, which: Tab, text: &'static str| {
        let current = on == which;
        html! {
            <a {id} {href} class={classes!(current.then_some("on"))}
                aria-current={current.then_some("page")}>{ text }</a>
        }
    };
    html! {
        <nav class="tabs">
            { tab("tab-results", results, Tab::Results, t.open_results) }
            { tab("tab-comments", comments, Tab::Comments, t.comments) }
            { tab("tab-act", act, Tab::Act, t.act) }
            if session.admin {
                { tab("tab-edit", edit, Tab::Edit, editor::texts::EditorTexts::of(session.lang).edit) }
            }
        </nav>
    }
}

/// A form's input with its label, a hint, and what the collector said about it (`names`: the
/// fields of the API's error that belong to this input).
pub(crate) fn field(
    label: &str,
    hint: &str,
    control: Html,
    error: Option<&ApiError>,
    names: &[&str],
) -> Html {
    // In the language the page is in (the shell keeps `<html lang>` to it).
    let lang = Lang::pick(
        web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
            .and_then(|e| e.get_attribute("lang"))
            .as_deref(),
    );
    let problem = error
        .and_then(|e| names.iter().find_map(|n| e.about(n)))
        .map(|p| p.said(lang));
    html! {
        <label class={classes!("field", problem.is_some().then_some("invalid"))}>
            <span class="field-label">{ label }</span>
            { control }
            if let Some(problem) = problem {
                <span class="field-error" role="alert" data-field={names.first().map(|n| (*n).to_owned())}>
                    { problem }
                </span>
            } else if !hint.is_empty() {
                <span class="field-hint">{ hint }</span>
            }
        </label>
    }
}

/// An error for a form: nothing when every problem the collector named sits beside its input
/// (`shown`: the fields the form has), else the alert.
pub(crate) fn form_failure(session: &Session, error: &ApiError, shown: &[&str]) -> Html {
    match error {
        ApiError::Invalid { fields, .. }
            if fields.iter().all(|f| {
                shown
                    .iter()
                    .any(|s| f.field == *s || f.field.starts_with(&format!("{s}.")))
            }) =>
        {
            html! {}
        }
        other => failure(session, other),
    }
}

/// The value of the input an event came from.
pub(crate) fn input_value(e: &Event) -> String {
    e.target_dyn_into::<web_sys::HtmlInputElement>()
        .map(|i| i.value())
        .or_else(|| {
            e.target_dyn_into::<web_sys::HtmlSelectElement>()
                .map(|s| s.value())
        })
        .unwrap_or_default()
}
