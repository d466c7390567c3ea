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
mod form;
pub(crate) mod texts;

use std::rc::Rc;

use serde::Deserialize;
use shared::ids::{Locale, QuestionId, SurveyId};
use shared::survey::{Question, QuestionKind, Survey, SurveyStatus};
use shared::text::LocalizedText;
use shared::throttle::ThrottlePolicy;
use wasm_bindgen_futures::JsFuture;
use yew::prelude::*;

use super::surveys::status_badge;
use super::{Session, Tab, failure, tabs};
use crate::api::{self, ApiError, Problem, encode};
use crate::route::Route;
use advanced::Advanced;
use form::{Edit, Form};
use texts::EditorTexts;

#[derive(Debug, Properties, PartialEq)]
pub(crate) struct EditorProps {
    pub session: Session,
    pub site: String,
    /// `None`: a new survey.
    pub survey: Option<String>,
}

/// The draft and the version it started from.
#[derive(Debug, Clone, PartialEq)]
struct Draft {
    survey: Survey,
    /// What the collector has now; `None` for a survey not yet created.
    published: Option<Survey>,
    loaded: bool,
}

enum Action {
    Edit(Edit),
    Load {
        draft: Box<Survey>,
        published: Option<Box<Survey>>,
    },
    /// The collector stored `saved`; `of_draft` when what it stored was the draft.
    Saved {
        saved: Box<Survey>,
        of_draft: bool,
    },
}

impl Reducible for Draft {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Edit(f) => f(&mut next.survey),
            Action::Load { draft, published } => {
                next = Draft {
                    survey: *draft,
                    published: published.map(|p| *p),
                    loaded: true,
                }
            }
            Action::Saved { saved, of_draft } => {
                if of_draft || !next.is_changed() {
                    next.survey = (*saved).clone();
                }
                next.published = Some(*saved);
            }
        }
        Rc::new(next)
    }
}

impl Draft {
    /// Whether the draft says something the published version does not (status and version
    /// are the collector's to set).
    fn is_changed(&self) -> bool {
        self.published.as_ref().is_none_or(|p| {
            let mut same = self.survey.clone();
            same.status = p.status;
            same.version = p.version;
            same != *p
        })
    }
}

/// A new survey: one NPS question in both languages, shown when asked for.
fn blank(site: &str, lang: crate::texts::Lang) -> Option<Survey> {
    let text = |ko: &str, en: &str| {
        let mut t = LocalizedText::default();
        t.0.insert(Locale::parse("ko").ok()?, ko.to_owned());
        t.0.insert(Locale::parse("en").ok()?, en.to_owned());
        Some(t)
    };
    Some(Survey {
        id: SurveyId::parse("new-survey").ok()?,
        site_id: shared::ids::SiteId::parse(site).ok()?,
        version: 1,
        status: SurveyStatus::Draft,
        name: String::new(),
        default_locale: Locale::parse(lang.code()).ok()?,
        questions: vec![Question {
            id: QuestionId::parse("q1").ok()?,
            kind: QuestionKind::Nps,
            text: text(
                "이 매장을 친구나 지인에게 추천하실 가능성은 얼마나 되나요?",
                "How likely are you to recommend us to a friend?",
            )?,
            required: true,
            show_if: None,
        }],
        triggers: Vec::new(),
        targeting: Default::default(),
        throttle: Default::default(),
        thank_you: None,
        kiosk: Default::default(),
    })
}

/// Where the draft is kept between visits.
fn storage_key(site: &str, survey: Option<&str>) -> String {
    format!("nunchi.draft.{site}.{}", survey.unwrap_or("+new"))
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn kept(key: &str) -> Option<Survey> {
    serde_json::from_str(&storage()?.get_item(key).ok()??).ok()
}

fn keep(key: &str, draft: Option<&Survey>) {
    let Some(storage) = storage() else { return };
    match draft.and_then(|d| serde_json::to_string(d).ok()) {
        Some(json) => {
            let _ = storage.set_item(key, &json);
        }
        None => {
            let _ = storage.remove_item(key);
        }
    }
}

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
struct Preview {
    url: Option<String>,
    busy: bool,
    problems: Vec<Problem>,
    failed: Option<ApiError>,
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
    let preview = use_state(Preview::default);
    let outcome = use_state(|| None::<Outcome>);
    let busy = use_state(|| false);
    let locale = use_state(|| session.lang.code());
    // The id typed for a new survey, as typed (the draft keeps it only once it is valid).
    let id_text = use_state(String::new);
    // Bumped by each change and by the refresh button: only the newest preview is shown.
    let generation = use_mut_ref(|| 0_u32);
    let refreshes = use_state(|| 0_u32);
    let store_key = storage_key(&props.site, props.survey.as_deref());

    {
        let (draft, policy, failed, restored) = (
            draft.clone(),
            policy.clone(),
            failed.clone(),
            restored.clone(),
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

    // Keep the draft while it differs from what is published; preview it half a second
    // after the last change.
    {
        let (preview, generation, checker) = (preview.clone(), generation.clone(), session.clone());
        let deps = (draft.clone(), *refreshes);
        let (key, site, store_key) = (session.key.clone(), props.site.clone(), store_key.clone());
        use_effect_with(deps, move |(draft, _)| {
            if draft.loaded {
                keep(&store_key, draft.is_changed().then_some(&draft.survey));
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
                    sleep(500).await;
                    if *generation.borrow() != mine {
                        return;
                    }
                    preview.set(Preview {
                        busy: true,
                        ..(*preview).clone()
                    });
                    let path = format!("/v1/admin/sites/{}/previews", encode(&site));
                    let result = checker.checked(api::post::<_, Made>(&key, &path, &survey).await);
                    if *generation.borrow() != mine {
                        return;
                    }
                    let last = preview.url.clone();
                    preview.set(match result {
                        Ok(made) => Preview {
                            url: Some(made.url),
                            ..Preview::default()
                        },
                        Err(ApiError::Invalid(problems)) => Preview {
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
            }
        });
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
        Some(Outcome::Failed(ApiError::Invalid(refused))) => preview
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
        Callback::from(move |_: MouseEvent| {
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
                let result = if draft.published.is_none() {
                    api::post::<_, Survey>(&key, &list, &body).await
                } else {
                    let path = format!("{list}/{}", encode(body.id.as_str()));
                    api::put::<_, Survey>(&key, &path, &body).await
                };
                busy.set(false);
                match checker.checked(result) {
                    Ok(saved) => {
                        let (status, version, id) =
                            (saved.status, saved.version, saved.id.as_str().to_owned());
                        let was_new = draft.published.is_none();
                        if of_draft {
                            keep(&store_key, None);
                        }
                        draft.dispatch(Action::Saved {
                            saved: Box::new(saved),
                            of_draft,
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
    let refresh = {
        let refreshes = refreshes.clone();
        Callback::from(move |_: MouseEvent| refreshes.set(*refreshes + 1))
    };
    let apply_json = {
        let edit = edit.clone();
        Callback::from(move |replacement: Survey| {
            edit.emit(Rc::new(move |s: &mut Survey| *s = replacement.clone()))
        })
    };

    let id_field = is_new.then(|| {
        let oninput = {
            let (id_text, edit) = (id_text.clone(), edit.clone());
            Callback::from(move |e: InputEvent| {
                let v: String = e.target_unchecked_into::<web_sys::HtmlInputElement>().value();
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
                <input id="survey-id" value={(*id_text).clone()} placeholder={survey.id.as_str().to_owned()}
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
        Some(Outcome::Failed(ApiError::Invalid(problems))) => html! {
            <div class="alert" id="outcome" role="alert">{ t.fix_first }
                <ul>{ for problems.iter().map(|p| html! { <li>{ format!("{}: {}", form::place(t, &p.field), p.message) }</li> }) }</ul>
            </div>
        },
        Some(Outcome::Failed(e)) => failure(session, e),
    };
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
                { tabs(app, &props.site, id, Tab::Edit) }
            }
            if *restored && changed {
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
                    <div class="card preview">
                        <div class="preview-head">
                            <h2>{ t.preview }</h2>
                            <div class="segments">{ switch("ko", t.korean) }{ switch("en", t.english) }</div>
                        </div>
                        <p class="muted small">{ t.preview_help }</p>
                        if !preview.problems.is_empty() {
                            <div class="alert small" id="preview-problems">{ t.preview_blocked }
                                <ul>{ for preview.problems.iter().map(|p| html! {
                                    <li>{ format!("{}: {}", form::place(t, &p.field), p.message) }</li>
                                }) }</ul>
                            </div>
                        }
                        if let Some(e) = &preview.failed { { failure(session, e) } }
                        if let Some(src) = frame {
                            <iframe id="preview-frame" title={t.preview} {src}></iframe>
                        }
                        <div class="row">
                            <button type="button" id="refresh-preview" onclick={refresh}>{ t.refresh_preview }</button>
                            if preview.busy { <span class="muted small">{ t.previewing }</span> }
                        </div>
                    </div>
                </aside>
            </div>
        </section>
    }
}

/// What the editor holds until the survey is read: never shown (`loaded` is false).
fn placeholder() -> Survey {
    serde_json::from_value(serde_json::json!({
        "id": "new-survey", "site_id": "site", "name": "", "default_locale": "en",
        "questions": [{"id": "q1", "kind": {"type": "nps"}, "text": {"en": "?"}}]
    }))
    .expect("a constant survey parses")
}
