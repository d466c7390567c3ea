//! The live preview: each change to the draft, half a second after the last one, goes to
//! `POST /v1/admin/sites/{site}/previews`; a draft the collector accepts is framed from its
//! page `/p/{id}`, where the real widget shows it; one it refuses leaves the last good preview
//! on screen and its objections beside it.

use serde::Deserialize;
use wasm_bindgen_futures::JsFuture;
use yew::prelude::*;

use super::draft::Draft;
use super::form::place;
use super::texts::EditorTexts;
use crate::api::{self, ApiError, FieldProblem as Problem, encode};
use crate::components::{Session, failure};

/// How long the draft must stay unchanged before it is previewed.
const SETTLE_MS: i32 = 500;

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Made {
    url: String,
}

/// The preview as it stands.
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct Preview {
    /// The page of the newest draft the collector accepted.
    pub url: Option<String>,
    pub busy: bool,
    /// Why the newest draft was refused.
    pub problems: Vec<Problem>,
    pub failed: Option<ApiError>,
}

/// Previews the draft after each change (and each press of Refresh: `refreshes`). Only the
/// newest request's answer is kept.
#[hook]
pub(super) fn use_preview(
    session: &Session,
    site: &str,
    draft: &UseReducerHandle<Draft>,
    refreshes: u32,
) -> UseStateHandle<Preview> {
    let preview = use_state(Preview::default);
    let generation = use_mut_ref(|| 0_u32);
    {
        let (preview, checker) = (preview.clone(), session.clone());
        let (key, site) = (session.key.clone(), site.to_owned());
        use_effect_with((draft.clone(), refreshes), move |(draft, _)| {
            if !draft.loaded {
                return;
            }
            let mine = {
                let mut g = generation.borrow_mut();
                *g += 1;
                *g
            };
            let mut survey = draft.survey.clone();
            // Customers never see the name: a survey not yet named still previews (and
            // Publish says it needs one).
            if survey.name.trim().is_empty() {
                survey.name = "-".into();
            }
            wasm_bindgen_futures::spawn_local(async move {
                sleep(SETTLE_MS).await;
                if *generation.borrow() != mine {
                    return;
                }
                preview.set(Preview {
                    busy: true,
                    ..(*preview).clone()
                });
                let path = format!("/v1/admin/sites/{}/previews", encode(&site));
                let result =
                    checker.checked(api::post::<_, Made>(&key, &path, Some(&survey)).await);
                if *generation.borrow() != mine {
                    return;
                }
                let last = preview.url.clone();
                preview.set(match result {
                    Ok(made) => Preview {
                        url: Some(made.url),
                        ..Preview::default()
                    },
                    Err(ApiError::Invalid {
                        fields: problems, ..
                    }) => Preview {
                        url: last,
                        problems,
                        ..Preview::default()
                    },
                    Err(e) => Preview {
                        url: last,
                        failed: Some(e),
                        ..Preview::default()
                    },
                });
            });
        });
    }
    preview
}

#[derive(Debug, Properties, PartialEq)]
pub(super) struct PaneProps {
    pub session: Session,
    pub preview: Preview,
    pub on_refresh: Callback<()>,
}

/// The preview's card: the language switch, the frame, what blocks it, and Refresh.
#[component]
pub(super) fn Pane(props: &PaneProps) -> Html {
    let session = &props.session;
    let t = EditorTexts::of(session.lang);
    let locale = use_state(|| session.lang.code());
    let preview = &props.preview;
    let frame = preview
        .url
        .as_ref()
        .map(|url| format!("{url}?locale={}", *locale));
    let switch = |code: &'static str, label: &'static str| {
        let locale = locale.clone();
        let on = *locale == code;
        html! {
            <button type="button" class={classes!("seg", on.then_some("on"))} aria-pressed={on.to_string()}
                id={format!("preview-{code}")} onclick={Callback::from(move |_| locale.set(code))}>{ label }</button>
        }
    };
    let refresh = props.on_refresh.reform(|_: MouseEvent| ());
    let waiting = preview.busy
        || (frame.is_none() && preview.problems.is_empty() && preview.failed.is_none());
    html! {
        <div class="card preview">
            <div class="preview-head">
                <h2>{ t.preview }</h2>
                <div class="segments">{ switch("ko", t.korean) }{ switch("en", t.english) }</div>
            </div>
            <p class="muted small">{ t.preview_help }</p>
            if !preview.problems.is_empty() {
                <div class="alert small" id="preview-problems">{ t.preview_blocked }
                    <ul>{ for preview.problems.iter().map(|p| html! {
                        <li>{ format!("{}: {}", place(t, &p.field), p.said(session.lang)) }</li>
                    }) }</ul>
                </div>
            }
            if let Some(e) = &preview.failed { { failure(session, e) } }
            if let Some(src) = frame {
                <iframe id="preview-frame" title={t.preview} {src}></iframe>
            }
            <div class="row">
                <button type="button" id="refresh-preview" onclick={refresh}>{ t.refresh_preview }</button>
                // Until the first preview arrives, say it is coming rather than show nothing.
                if waiting {
                    <span class="muted small" id="previewing">{ t.previewing }</span>
                }
            </div>
        </div>
    }
}
