//! One survey's comments: the open-text answers, newest first, each with its context (store,
//! channel, journey stage, the score given with it, when it arrived), detractors highlighted,
//! and the team's labels on it: added (typed or picked from those in use), removed, and
//! filtered by. Older comments come a page at a time (`next_before`).

use serde::{Deserialize, Serialize};
use shared::survey::Survey;
use yew::prelude::*;

use super::{Session, Tab, failure, survey_title, tabs, use_survey};
use crate::api::{self, ApiError, encode};
use crate::texts::Texts;

/// Comments on one page.
const PAGE: usize = 30;

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Score {
    kind: String,
    value: i64,
    detractor: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Comment {
    seq: u64,
    response_id: String,
    question_id: String,
    text: String,
    received_at: i64,
    channel: String,
    #[serde(default)]
    store_id: Option<String>,
    #[serde(default)]
    journey_stage: Option<String>,
    #[serde(default)]
    score: Option<Score>,
    labels: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct CommentPage {
    comments: Vec<Comment>,
    #[serde(default)]
    next_before: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct LabelCount {
    label: String,
    responses: u64,
}

#[derive(Debug, Serialize)]
struct SetLabels<'a> {
    labels: &'a [String],
}

#[derive(Debug, Deserialize)]
struct Labelled {
    labels: Vec<String>,
}

/// The comments read so far, and where the next page starts.
#[derive(Debug, Clone, PartialEq)]
struct Loaded {
    comments: Vec<Comment>,
    next_before: Option<u64>,
}

fn base(site: &str, survey: &str) -> String {
    format!(
        "/v1/admin/sites/{}/surveys/{}",
        encode(site),
        encode(survey)
    )
}

async fn page(
    key: &str,
    site: &str,
    survey: &str,
    label: Option<&str>,
    before: Option<u64>,
) -> Result<CommentPage, ApiError> {
    let mut path = format!("{}/comments?limit={PAGE}", base(site, survey));
    if let Some(label) = label {
        path.push_str(&format!("&label={}", encode(label)));
    }
    if let Some(before) = before {
        path.push_str(&format!("&before={before}"));
    }
    api::get(key, &path).await
}

#[derive(Debug, Properties, PartialEq)]
pub(crate) struct CommentsProps {
    pub session: Session,
    pub site: String,
    pub survey: String,
}

#[component]
pub(crate) fn Comments(props: &CommentsProps) -> Html {
    let session = &props.session;
    let t = session.texts();
    // The label filtered by, kept in the address (`…/comments?label=…`): a reload or a shared
    // link shows the same comments.
    let filter = use_state(|| crate::route::label_in(&crate::route::current_query()));
    let data = use_state(|| None::<Result<Loaded, ApiError>>);
    let survey = use_survey(session, &props.site, &props.survey);
    let in_use = use_state(Vec::<LabelCount>::new);
    // Bumped when a label changes: the labels in use are read again.
    let label_reads = use_state(|| 0_u32);
    let more_busy = use_state(|| false);

    {
        let (in_use, checker) = (in_use.clone(), session.clone());
        let deps = (session.key.clone(), props.site.clone(), *label_reads);
        use_effect_with(deps, move |(key, site, _)| {
            let path = format!("/v1/admin/sites/{}/labels", encode(site));
            let key = key.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(labels) = checker.checked(api::get(&key, &path).await) {
                    in_use.set(labels);
                }
            });
        });
    }
    {
        let (data, checker) = (data.clone(), session.clone());
        let deps = (
            session.key.clone(),
            props.site.clone(),
            props.survey.clone(),
            (*filter).clone(),
        );
        use_effect_with(deps, move |(key, site, survey, label)| {
            data.set(None);
            let (key, site, survey, label) =
                (key.clone(), site.clone(), survey.clone(), label.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let read = page(&key, &site, &survey, label.as_deref(), None)
                    .await
                    .map(|p| Loaded {
                        comments: p.comments,
                        next_before: p.next_before,
                    });
                data.set(Some(checker.checked(read)));
            });
        });
    }

    let on_more = {
        let (data, checker, filter, more_busy) = (
            data.clone(),
            session.clone(),
            filter.clone(),
            more_busy.clone(),
        );
        let (site, survey) = (props.site.clone(), props.survey.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(Ok(loaded)) = (*data).clone() else {
                return;
            };
            let Some(before) = loaded.next_before else {
                return;
            };
            let (data, checker, more_busy) = (data.clone(), checker.clone(), more_busy.clone());
            let (site, survey, label) = (site.clone(), survey.clone(), (*filter).clone());
            more_busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let read = page(&checker.key, &site, &survey, label.as_deref(), Some(before)).await;
                match checker.checked(read) {
                    Ok(p) => {
                        let mut comments = loaded.comments;
                        comments.extend(p.comments);
                        data.set(Some(Ok(Loaded {
                            comments,
                            next_before: p.next_before,
                        })));
                    }
                    Err(e) => data.set(Some(Err(e))),
                }
                more_busy.set(false);
            });
        })
    };

    // A response's labels as stored: every comment of that response shows them; a comment
    // that no longer has the filter's label stays until the next read, so it does not
    // vanish under the pointer.
    let on_labelled = {
        let (data, label_reads) = (data.clone(), label_reads.clone());
        Callback::from(move |(response, labels): (String, Vec<String>)| {
            if let Some(Ok(loaded)) = &*data {
                let mut loaded = loaded.clone();
                for c in loaded
                    .comments
                    .iter_mut()
                    .filter(|c| c.response_id == response)
                {
                    c.labels = labels.clone();
                }
                data.set(Some(Ok(loaded)));
            }
            label_reads.set(*label_reads + 1);
        })
    };

    let pick = |label: Option<String>| {
        let filter = filter.clone();
        Callback::from(move |_: MouseEvent| {
            crate::route::keep_query(&label.as_deref().map_or(String::new(), |l| {
                format!("label={}", crate::api::encode(l))
            }));
            filter.set(label.clone())
        })
    };
    let filter_bar = html! {
        <nav class="label-filter" id="label-filter" aria-label={t.filter_by_label}>
            <span class="muted filter-title">{ t.filter_by_label }</span>
            <button type="button" class={classes!("chip", "filter", filter.is_none().then_some("on"))}
                data-label="" onclick={pick(None)} aria-pressed={filter.is_none().to_string()}>
                { t.all_labels }
            </button>
            { for in_use.iter().map(|l| {
                let on = filter.as_deref() == Some(l.label.as_str());
                html! {
                    <button type="button" class={classes!("chip", "filter", on.then_some("on"))}
                        data-label={l.label.clone()} onclick={pick(Some(l.label.clone()))}
                        aria-pressed={on.to_string()}>
                        { &l.label }<span class="count">{ l.responses.to_string() }</span>
                    </button>
                }
            }) }
            if in_use.is_empty() {
                <span class="muted small">{ t.no_labels_yet }</span>
            }
        </nav>
    };

    let known: Vec<String> = in_use.iter().map(|l| l.label.clone()).collect();
    let body = match &*data {
        None => html! { <p class="muted">{ t.loading }</p> },
        Some(Err(e)) => failure(session, e),
        Some(Ok(loaded)) if loaded.comments.is_empty() => html! {
            <p class="card muted empty" id="no-comments">
                { if filter.is_some() { t.no_comments_label } else { t.no_comments } }
            </p>
        },
        Some(Ok(loaded)) => html! {
            <>
                <p class="muted small count" id="comment-count">
                    { format!(
                        "{}{}{}{}",
                        t.count_before,
                        loaded.comments.len(),
                        if loaded.next_before.is_some() { "+" } else { "" },
                        t.count_after,
                    ) }
                    if let Some(label) = &*filter {
                        { format!(" · {}: ", t.filter_by_label) }<strong>{ label }</strong>
                    }
                </p>
                <ol class="comments" id="comments">
                    { for loaded.comments.iter().map(|c| html! {
                        <CommentCard key={format!("{}-{}", c.seq, c.question_id)}
                            session={session.clone()} site={props.site.clone()}
                            comment={c.clone()} known={known.clone()}
                            on_labelled={on_labelled.clone()}
                            show_question={survey_has_many_texts(survey.as_ref())} />
                    }) }
                </ol>
                if loaded.next_before.is_some() {
                    <button type="button" id="more" class="more" onclick={on_more}
                        disabled={*more_busy}>{ t.more }</button>
                }
            </>
        },
    };
    let title = survey_title(t, &props.site, &props.survey, survey.as_ref());
    html! {
        <section class="page" id="comments-page">
            <a class="back" href="#/">{ "← " }{ t.all_surveys }</a>
            <div class="title-row"><div>{ title }</div></div>
            { tabs(session, &props.site, &props.survey, Tab::Comments) }
            <p class="muted small help">{ t.comments_help }</p>
            { filter_bar }
            { body }
        </section>
    }
}

/// Whether a survey asks for more than one open text, so a comment says which question.
fn survey_has_many_texts(survey: Option<&Survey>) -> bool {
    survey.is_some_and(|s| {
        s.questions
            .iter()
            .filter(|q| matches!(q.kind, shared::survey::QuestionKind::OpenText { .. }))
            .count()
            > 1
    })
}

/// A moment as the team reads it, in the browser's time zone: `2026-11-23 09:41`.
fn when(millis: i64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(millis as f64));
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes()
    )
}

fn score_text(s: &Score) -> String {
    match s.kind.as_str() {
        "nps" => format!("NPS {}", s.value),
        "csat" => format!("CSAT {}/5", s.value),
        "ces" => format!("CES {}/7", s.value),
        _ => format!("{}/4", s.value),
    }
}

#[derive(Debug, Properties, PartialEq)]
struct CommentCardProps {
    session: Session,
    site: String,
    comment: Comment,
    /// The labels in use on the site, offered when adding one.
    known: Vec<String>,
    on_labelled: Callback<(String, Vec<String>)>,
    show_question: bool,
}

#[component]
fn CommentCard(props: &CommentCardProps) -> Html {
    let t: &Texts = props.session.texts();
    let c = &props.comment;
    let draft = use_state(String::new);
    let busy = use_state(|| false);
    let error = use_state(|| None::<String>);
    let detractor = c.score.as_ref().is_some_and(|s| s.detractor);

    // Stores `labels` as this response's labels; the collector answers with them normalized.
    let save = {
        let (session, busy, error, draft) = (
            props.session.clone(),
            busy.clone(),
            error.clone(),
            draft.clone(),
        );
        let on_labelled = props.on_labelled.clone();
        let path = format!(
            "/v1/admin/sites/{}/responses/{}/labels",
            encode(&props.site),
            encode(&c.response_id)
        );
        let response = c.response_id.clone();
        move |labels: Vec<String>, clear_draft: bool| {
            let (session, busy, error, draft) =
                (session.clone(), busy.clone(), error.clone(), draft.clone());
            let (on_labelled, path, response) =
                (on_labelled.clone(), path.clone(), response.clone());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let stored =
                    api::put::<_, Labelled>(&session.key, &path, &SetLabels { labels: &labels })
                        .await;
                match session.checked(stored) {
                    Ok(l) => {
                        error.set(None);
                        if clear_draft {
                            draft.set(String::new());
                        }
                        on_labelled.emit((response, l.labels));
                    }
                    Err(e) => {
                        let t = session.texts();
                        error.set(Some(match e {
                            ApiError::Status(_, m) if !m.is_empty() => {
                                format!("{}: {m}", t.label_error)
                            }
                            ApiError::Forbidden => t.key_forbidden.to_owned(),
                            _ => t.network.to_owned(),
                        }));
                    }
                }
                busy.set(false);
            });
        }
    };
    let add = {
        let (draft, save) = (draft.clone(), save.clone());
        let labels = c.labels.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let new = draft.trim().to_owned();
            if new.is_empty() {
                return;
            }
            let mut labels = labels.clone();
            labels.push(new);
            save(labels, true);
        })
    };
    let on_input = {
        let draft = draft.clone();
        Callback::from(move |e: InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            draft.set(input.value());
        })
    };
    let remove = |label: &str| {
        let save = save.clone();
        let labels: Vec<String> = c.labels.iter().filter(|l| *l != label).cloned().collect();
        Callback::from(move |_: MouseEvent| save(labels.clone(), false))
    };
    let list_id = format!("labels-{}-{}", c.seq, c.question_id);
    let offered = props.known.iter().filter(|l| !c.labels.contains(l));

    let mut context = vec![when(c.received_at)];
    if let Some(store) = &c.store_id {
        context.push(store.clone());
    }
    context.push(t.context_value(&c.channel).to_owned());
    if let Some(stage) = &c.journey_stage {
        context.push(t.context_value(stage).to_owned());
    }
    if props.show_question {
        context.push(c.question_id.clone());
    }

    html! {
        <li class={classes!("card", "comment", detractor.then_some("detractor"))}
            data-response={c.response_id.clone()}>
            <div class="comment-head">
                if let Some(score) = &c.score {
                    <span class={classes!("score-pill", score.detractor.then_some("low"))}>
                        { score_text(score) }
                    </span>
                }
                if detractor {
                    <span class="detractor-mark">{ t.detractor }</span>
                }
                <span class="muted context">{ context.join(" · ") }</span>
            </div>
            <p class="comment-text">{ &c.text }</p>
            <div class="comment-labels">
                { for c.labels.iter().map(|l| html! {
                    <span class="chip label" data-label={l.clone()}>
                        { l }
                        if props.session.admin {
                            <button type="button" class="remove" title={t.remove_label}
                                aria-label={format!("{} {l}", t.remove_label)}
                                disabled={*busy} onclick={remove(l)}>{ "×" }</button>
                        }
                    </span>
                }) }
                // Labelling is the team's (an admin key); an export key reads them.
                if props.session.admin {
                <form class="add-label" onsubmit={add}>
                    <input type="text" class="new-label" list={list_id.clone()} maxlength="40"
                        placeholder={t.new_label} aria-label={t.new_label}
                        value={(*draft).clone()} oninput={on_input} />
                    <datalist id={list_id}>
                        { for offered.map(|l| html! { <option value={l.clone()} /> }) }
                    </datalist>
                    <button type="submit" class="add" disabled={*busy || draft.trim().is_empty()}>
                        { t.add_label }
                    </button>
                </form>
                }
            </div>
            if let Some(message) = &*error {
                <p class="alert small" role="alert">{ message }</p>
            }
        </li>
    }
}
