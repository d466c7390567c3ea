//! The survey editor: a new survey (`#/sites/{site}/new`) or the next version of one
//! (`#/sites/{site}/surveys/{survey}/edit`), with a live preview by the real widget.
//!
//! - The draft lives here and, while it differs from what is published, in `localStorage`
//!   too: a reload or a closed tab loses nothing.
//! - Every change is sent, half a second after the last keystroke, to
//!   `POST /v1/admin/sites/{site}/previews`, which checks it as publishing would. A draft that
//!   passes shows in the preview (`/p/{id}`, framed here); one that does not shows the
//!   collector's objections under the fields they are about.
//! - Publish makes the next version (`POST` for a new survey, `PUT` after); Pause makes the
//!   published version paused, whatever the draft holds; Save as draft only while nothing is
//!   live, since a draft status would take a live survey away from customers.

mod advanced;
mod draft;
mod form;
mod preview;
pub(crate) mod texts;

use std::rc::Rc;

use serde::Deserialize;
use shared::ids::SurveyId;
use shared::survey::{Survey, SurveyStatus};
use shared::throttle::ThrottlePolicy;
use yew::prelude::*;

use super::surveys::status_badge;
use super::{Session, Tab, failure, tabs};
use crate::api::{self, ApiError, FieldProblem as Problem, encode};
use crate::route::Route;
use advanced::Advanced;
use draft::{Action, Draft, blank, keep, kept, placeholder, storage_key};
use form::{Edit, Form};
use preview::{Pane, use_preview};
use texts::EditorTexts;

#[derive(Debug, Properties, PartialEq)]
pub(crate) struct EditorProps {
    pub session: Session,
    pub site: String,
    /// `None`: a new survey.
    pub survey: Option<String>,
}

/// What the last button did.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Stored(SurveyStatus, u32),
    Failed(ApiError),
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct SiteView {
    policy: ThrottlePolicy,
}

#[component]
pub(crate) fn Editor(props: &EditorProps) -> Html {
    let session = &props.session;
    let (app, t) = (session.texts(), EditorTexts::of(session.lang));
    let draft = use_reducer(|| Draft {
        survey: placeholder(),
        published: None,
        loaded: false,
    });
    let policy = use_state(ThrottlePolicy::default);
    let failed = use_state(|| None::<ApiError>);
    let restored = use_state(|| false);
    let outcome = use_state(|| None::<Outcome>);
    let busy = use_state(|| false);
    // The id typed for a new survey, as typed (the draft keeps it only once it is valid).
    let id_text = use_state(String::new);
    // Bumped by the refresh button: the draft is previewed again.
    let refreshes = use_state(|| 0_u32);
    let store_key = storage_key(&props.site, props.survey.as_deref());

    {
        let (draft, policy, failed, restored, id_text) = (
            draft.clone(),
            policy.clone(),
            failed.clone(),
            restored.clone(),
            id_text.clone(),
        );
        let checker = session.clone();
        let deps = (
            session.key.clone(),
            props.site.clone(),
            props.survey.clone(),
        );
        let (lang, store_key) = (session.lang, store_key.clone());
        use_effect_with(deps, move |(key, site, survey)| {
            let (key, site, survey) = (key.clone(), site.clone(), survey.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let site_path = format!("/v1/admin/sites/{}", encode(&site));
                match checker.checked(api::get::<SiteView>(&key, &site_path).await) {
                    Ok(s) => policy.set(s.policy),
                    Err(e) => return failed.set(Some(e)),
                }
                let published = match &survey {
                    None => None,
                    Some(id) => {
                        let path = format!("{site_path}/surveys/{}", encode(id));
                        match checker.checked(api::get::<Survey>(&key, &path).await) {
                            Ok(s) => Some(s),
                            Err(e) => return failed.set(Some(e)),
                        }
                    }
                };
                let earlier = kept(&store_key);
                restored.set(earlier.is_some());
                // A new survey's kept draft brings back the id it was given.
                if let (None, Some(kept)) = (&survey, &earlier)
                    && kept.id.as_str() != draft::UNNAMED_ID
                {
                    id_text.set(kept.id.as_str().to_owned());
                }
                let Some(start) = earlier
                    .or_else(|| published.clone())
                    .or_else(|| blank(&site, lang))
                else {
                    return;
                };
                // `outcome` stays: a new survey's editor reloads it here right after Publish,
                // and what Publish did must still be said.
                draft.dispatch(Action::Load {
                    draft: Box::new(start),
                    published: published.map(Box::new),
                });
            });
        });
    }

    // Keep the draft while it differs from what is published.
    {
        let store_key = store_key.clone();
        use_effect_with(draft.clone(), move |draft| {
            if draft.loaded {
                keep(&store_key, draft.is_changed().then_some(&draft.survey));
            }
        });
    }
    let preview = use_preview(session, &props.site, &draft, *refreshes);

    if !session.admin {
        return html! {
            <section class="page" id="editor-page">
                <p class="alert" role="alert">{ t.admin_only }</p>
            </section>
        };
    }
    if let Some(e) = &*failed {
        return html! { <section class="page" id="editor-page">{ failure(session, e) }</section> };
    }
    if !draft.loaded {
        return html! { <section class="page" id="editor-page"><p class="muted">{ app.loading }</p></section> };
    }

    // An edit also clears what the last button said: its objections may no longer hold.
    let edit = {
        let (draft, outcome) = (draft.clone(), outcome.clone());
        Callback::from(move |f: Edit| {
            if outcome.is_some() {
                outcome.set(None);
            }
            draft.dispatch(Action::Edit(f))
        })
    };
    // Under the fields: the preview's objections, and those of a refused Publish.
    let problems: Vec<Problem> = match &*outcome {
        Some(Outcome::Failed(ApiError::Invalid {
            fields: refused, ..
        })) => preview
            .problems
            .iter()
            .chain(refused.iter().filter(|p| !preview.problems.contains(p)))
            .cloned()
            .collect(),
        _ => preview.problems.clone(),
    };
    let survey = &draft.survey;
    let is_new = draft.published.is_none();
    let form = Form {
        lang: session.lang,
        t,
        app,
        edit: edit.clone(),
        problems: &problems,
    };

    // Publish, save as draft, pause: each stores one version and says what became of it.
    let store = |status: SurveyStatus, of_draft: bool| {
        let (draft, outcome, busy, checker) = (
            draft.clone(),
            outcome.clone(),
            busy.clone(),
            session.clone(),
        );
        let (key, site, store_key) = (session.key.clone(), props.site.clone(), store_key.clone());
        // The id typed is the one the draft holds (an invalid one is not taken into it).
        let id_typed = SurveyId::parse(id_text.trim()).is_ok_and(|id| id == draft.survey.id);
        Callback::from(move |_: MouseEvent| {
            // A new survey's id is the team's choice, never the placeholder's.
            if draft.published.is_none() && !id_typed {
                outcome.set(Some(Outcome::Failed(ApiError::Invalid {
                    status: 422,
                    message: t.survey_id_needed.to_owned(),
                    fields: vec![Problem {
                        field: "id".into(),
                        message: t.survey_id_needed.to_owned(),
                        code: String::new(),
                    }],
                })));
                return;
            }
            let mut body = if of_draft {
                draft.survey.clone()
            } else {
                match &draft.published {
                    Some(p) => p.clone(),
                    None => return,
                }
            };
            body.status = status;
            let (draft, outcome, busy, checker) = (
                draft.clone(),
                outcome.clone(),
                busy.clone(),
                checker.clone(),
            );
            let (key, site, store_key) = (key.clone(), site.clone(), store_key.clone());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let list = format!("/v1/admin/sites/{}/surveys", encode(&site));
                // The next version only if nobody published another since the one this body
                // was started from (its `version`: a draft's base, or the published one).
                let result = match &draft.published {
                    None => api::post::<_, Survey>(&key, &list, Some(&body)).await,
                    Some(_) => {
                        let path = format!("{list}/{}", encode(body.id.as_str()));
                        api::send_after::<_, Survey>(&key, &path, &body, body.version).await
                    }
                };
                busy.set(false);
                match checker.checked(result) {
                    Ok(saved) => {
                        let (status, version, id) =
                            (saved.status, saved.version, saved.id.as_str().to_owned());
                        let was_new = draft.published.is_none();
                        // A new survey's draft was kept under `+new`; the editor of the
                        // survey it became keeps what is left under its id.
                        if was_new {
                            keep(&store_key, None);
                        }
                        draft.dispatch(Action::Saved {
                            saved: Box::new(saved),
                            sent: Box::new(body),
                        });
                        outcome.set(Some(Outcome::Stored(status, version)));
                        if was_new {
                            let edit = Route::Edit { site, survey: id }.hash();
                            if let Some(w) = web_sys::window() {
                                let _ = w.location().set_hash(&edit);
                            }
                        }
                    }
                    Err(e) => outcome.set(Some(Outcome::Failed(e))),
                }
            });
        })
    };
    let publish = store(SurveyStatus::Active, true);
    let save_draft = store(SurveyStatus::Draft, true);
    let pause = store(SurveyStatus::Paused, false);
    let discard = {
        let (draft, store_key, restored) = (draft.clone(), store_key.clone(), restored.clone());
        let site = props.site.clone();
        let lang = session.lang;
        Callback::from(move |_: MouseEvent| {
            keep(&store_key, None);
            restored.set(false);
            let start = draft.published.clone().or_else(|| blank(&site, lang));
            if let Some(start) = start {
                draft.dispatch(Action::Load {
                    draft: Box::new(start),
                    published: draft.published.clone().map(Box::new),
                });
            }
        })
    };
    let rebase = {
        let draft = draft.clone();
        Callback::from(move |_: MouseEvent| draft.dispatch(Action::Rebase))
    };
    let refresh = {
        let refreshes = refreshes.clone();
        Callback::from(move |()| refreshes.set(*refreshes + 1))
    };
    // The JSON replaces the draft, but not which survey it is: publishing an edited id would
    // write another survey's next version.
    let apply_json = {
        let edit = edit.clone();
        let fixed_id = (!is_new).then(|| survey.id.clone());
        Callback::from(move |mut replacement: Survey| {
            if let Some(id) = &fixed_id {
                replacement.id = id.clone();
            }
            edit.emit(Rc::new(move |s: &mut Survey| *s = replacement.clone()))
        })
    };

    let id_field = is_new.then(|| {
        let oninput = {
            let (id_text, edit) = (id_text.clone(), edit.clone());
            Callback::from(move |e: InputEvent| {
                let v: String = e
                    .target_unchecked_into::<web_sys::HtmlInputElement>()
                    .value();
                if let Ok(id) = SurveyId::parse(v.trim()) {
                    edit.emit(Rc::new(move |s: &mut Survey| s.id = id.clone()));
                }
                id_text.set(v);
            })
        };
        let bad = !id_text.is_empty() && SurveyId::parse(id_text.trim()).is_err();
        html! {
            <label class="field">
                <span>{ t.survey_id }</span>
                <input id="survey-id" value={(*id_text).clone()} placeholder="checkout-ease"
                    {oninput} aria-invalid={bad.then_some("true")} />
                <small class="muted">{ t.survey_id_help }</small>
                if bad { <ul class="problems" role="alert"><li>{ t.survey_id_bad }</li></ul> }
                { form.problems_at("id") }
            </label>
        }
    });

    let changed = draft.is_changed();
    let live = draft.published.as_ref();
    let status_line = match live {
        None => html! { <span class="badge draft">{ t.not_published }</span> },
        Some(p) => html! {
            <>
                { status_badge(app, p.status) }
                <span class="muted">{ format!(" {} {}", t.live_version, p.version) }</span>
                if changed { <span class="badge changed">{ t.unpublished_changes }</span> }
            </>
        },
    };
    let outcome_view = match &*outcome {
        None => Html::default(),
        Some(Outcome::Stored(status, version)) => {
            let results = Route::Results {
                site: props.site.clone(),
                survey: survey.id.as_str().to_owned(),
            }
            .hash();
            let text = match status {
                SurveyStatus::Active => format!("{} {version}.", t.published),
                SurveyStatus::Paused => t.paused_now.to_owned(),
                _ => format!("{} {version}.", t.saved),
            };
            html! {
                <p class="notice" id="outcome" role="status">{ text }{ " " }
                    <a href={results}>{ t.see_results }</a></p>
            }
        }
        Some(Outcome::Failed(ApiError::Invalid {
            fields: problems, ..
        })) => html! {
            <div class="alert" id="outcome" role="alert">{ t.fix_first }
                <ul>{ for problems.iter().map(|p| html! { <li>{ format!("{}: {}", form::place(t, &p.field), p.said(session.lang)) }</li> }) }</ul>
            </div>
        },
        Some(Outcome::Failed(ApiError::Status(412, _))) => html! {
            <div class="alert" id="outcome" role="alert">{ t.stale }{ " " }
                <button type="button" class="link" id="reload" onclick={Callback::from(|_: MouseEvent| {
                    if let Some(w) = web_sys::window() {
                        let _ = w.location().reload();
                    }
                })}>{ t.reload }</button>
            </div>
        },
        Some(Outcome::Failed(e)) => failure(session, e),
    };
    let title = if survey.name.trim().is_empty() {
        if is_new { t.new_survey } else { t.edit_title }.to_owned()
    } else {
        survey.name.clone()
    };

    html! {
        <section class="page editor" id="editor-page">
            <a class="back" href="#/">{ format!("← {}", app.all_surveys) }</a>
            <div class="title-row">
                <div><h1>{ title }</h1><div class="status-line">{ status_line }</div></div>
            </div>
            if let Some(id) = &props.survey {
                { tabs(session, &props.site, id, Tab::Edit) }
            }
            if let (Some(base), Some(live)) = (draft.stale_base(), draft.published.as_ref()) {
                <div class="alert" id="stale" role="alert">
                    { t.stale_draft.replace("{base}", &base.to_string()).replace("{live}", &live.version.to_string()) }
                    { " " }
                    <button type="button" class="link" id="rebase" onclick={rebase}>{ t.rebase }</button>
                    <button type="button" class="link" onclick={discard.clone()}>{ t.discard }</button>
                </div>
            } else if *restored && changed {
                <p class="notice" role="status">{ t.restored }{ " " }
                    <button type="button" class="link" onclick={discard.clone()}>{ t.discard }</button></p>
            }
            <div class="editor-grid">
                <div class="editor-form">
                    { form.basics(survey, id_field) }
                    { form.questions(survey) }
                    { form.triggers(survey) }
                    { form.targeting(survey) }
                    { form.throttle(survey, &policy) }
                    <Advanced lang={session.lang} survey={survey.clone()} on_apply={apply_json} />
                </div>
                <aside class="editor-side">
                    <div class="card actions">
                        <div class="buttons">
                            <button type="button" class="primary" id="publish" onclick={publish}
                                disabled={*busy}>{ t.publish }</button>
                            if is_new || live.is_some_and(|p| p.status == SurveyStatus::Draft) {
                                <button type="button" id="save-draft" onclick={save_draft}
                                    disabled={*busy}>{ t.save_draft }</button>
                            }
                            if live.is_some_and(|p| p.status == SurveyStatus::Active) {
                                <button type="button" id="pause" onclick={pause}
                                    disabled={*busy}>{ t.pause }</button>
                            }
                            if changed && !is_new {
                                <button type="button" class="link" id="discard" onclick={discard}>{ t.discard }</button>
                            }
                        </div>
                        <p class="muted small">{ t.publish_help }</p>
                        { outcome_view }
                    </div>
                    <Pane session={session.clone()} preview={(*preview).clone()} on_refresh={refresh} />
                </aside>
            </div>
        </section>
    }
}
