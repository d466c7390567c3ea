//! Sites and their surveys: each survey's status, version, channels, responses and score, with
//! links to its results and (for a survey that asks for open text) its comments.

use serde::Deserialize;
use shared::survey::{QuestionKind, Survey, SurveyStatus};
use yew::prelude::*;

use super::editor::texts::EditorTexts;
use super::{Session, failure};
use crate::api::{self, ApiError, encode};
use crate::route::Route;
use crate::summary::{Headline, Summary};
use crate::texts::Texts;

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct SiteItem {
    id: String,
    name: String,
}

#[derive(Debug, Clone, PartialEq)]
struct SiteSurveys {
    site: SiteItem,
    surveys: Vec<Survey>,
}

#[derive(Debug, Properties, PartialEq)]
pub(crate) struct SurveysProps {
    pub session: Session,
}

async fn load(key: &str) -> Result<Vec<SiteSurveys>, ApiError> {
    let sites: Vec<SiteItem> = api::get(key, "/v1/admin/sites").await?;
    let mut out = Vec::with_capacity(sites.len());
    for site in sites {
        let surveys = api::get(
            key,
            &format!("/v1/admin/sites/{}/surveys", encode(&site.id)),
        )
        .await?;
        out.push(SiteSurveys { site, surveys });
    }
    Ok(out)
}

#[component]
pub(crate) fn Surveys(props: &SurveysProps) -> Html {
    let session = &props.session;
    let t = session.texts();
    let data = use_state(|| None::<Result<Vec<SiteSurveys>, ApiError>>);
    {
        let (data, session) = (data.clone(), session.clone());
        use_effect_with(session.key.clone(), move |key| {
            let key = key.clone();
            wasm_bindgen_futures::spawn_local(async move {
                data.set(Some(session.checked(load(&key).await)));
            });
        });
    }
    let body = match &*data {
        None => html! { <p class="muted">{ t.loading }</p> },
        Some(Err(e)) => failure(session, e),
        Some(Ok(sites)) => sites
            .iter()
            .map(|s| site_section(session, s))
            .collect::<Html>(),
    };
    html! {
        <section class="page" id="surveys-page">
            <h1>{ t.surveys }</h1>
            { body }
        </section>
    }
}

fn site_section(session: &Session, s: &SiteSurveys) -> Html {
    let t = session.texts();
    let new = Route::New {
        site: s.site.id.clone(),
    }
    .hash();
    html! {
        <section class="card site" data-site={s.site.id.clone()}>
            <div class="title-row">
                <h2>{ &s.site.name }<span class="muted id">{ &s.site.id }</span></h2>
                if session.admin {
                    <a class="button new-survey" href={new}>{ format!("+ {}", EditorTexts::of(session.lang).new_survey) }</a>
                }
            </div>
            if s.surveys.is_empty() {
                <p class="muted">{ t.no_surveys }</p>
            } else {
                <table class="list">
                    <thead><tr>
                        <th>{ t.survey }</th>
                        <th>{ t.channels }</th>
                        <th>{ t.status }</th>
                        <th class="num">{ t.version }</th>
                        <th class="num">{ t.responses }</th>
                        <th class="num">{ t.score_now }</th>
                        <th></th>
                    </tr></thead>
                    <tbody>
                        { for s.surveys.iter().map(|survey| html! {
                            <SurveyRow session={session.clone()} site={s.site.id.clone()}
                                survey={survey.clone()} />
                        }) }
                    </tbody>
                </table>
            }
        </section>
    }
}

pub(crate) fn status_badge(t: &Texts, status: SurveyStatus) -> Html {
    let (class, text) = match status {
        SurveyStatus::Draft => ("badge draft", t.draft),
        SurveyStatus::Active => ("badge active", t.active),
        SurveyStatus::Paused => ("badge paused", t.paused),
        SurveyStatus::Archived => ("badge archived", t.archived),
    };
    html! { <span class={class}>{ text }</span> }
}

#[derive(Debug, Properties, PartialEq)]
struct SurveyRowProps {
    session: Session,
    site: String,
    survey: Survey,
}

/// One survey; its response count and score come from its summary, read on its own.
#[component]
fn SurveyRow(props: &SurveyRowProps) -> Html {
    let t = props.session.texts();
    let survey = &props.survey;
    let summary = use_state(|| None::<Summary>);
    {
        let summary = summary.clone();
        let path = format!(
            "/v1/admin/sites/{}/surveys/{}/summary",
            encode(&props.site),
            encode(survey.id.as_str())
        );
        let key = props.session.key.clone();
        use_effect_with(path, move |path| {
            let path = path.clone();
            wasm_bindgen_futures::spawn_local(async move {
                // A count that cannot be read is left blank; the list stays useful.
                if let Ok(s) = api::get::<Summary>(&key, &path).await {
                    summary.set(Some(s));
                }
            });
        });
    }
    let headline = Headline::of(survey);
    let (responses, score) = match &*summary {
        None => (String::from("…"), String::from("…")),
        Some(s) => (
            s.total.responses.to_string(),
            headline
                .as_ref()
                .and_then(|h| h.score(&s.total).map(|v| h.kind.format(v)))
                .unwrap_or_else(|| t.no_score.to_owned()),
        ),
    };
    let channels = if survey.targeting.channels.is_empty() {
        t.all_channels.to_owned()
    } else {
        survey
            .targeting
            .channels
            .iter()
            .map(|c| t.context_value(c.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let href = Route::Results {
        site: props.site.clone(),
        survey: survey.id.as_str().to_owned(),
    }
    .hash();
    let has_comments = survey
        .questions
        .iter()
        .any(|q| matches!(q.kind, QuestionKind::OpenText { .. }));
    let comments = Route::Comments {
        site: props.site.clone(),
        survey: survey.id.as_str().to_owned(),
    }
    .hash();
    let edit = Route::Edit {
        site: props.site.clone(),
        survey: survey.id.as_str().to_owned(),
    }
    .hash();
    html! {
        <tr data-survey={survey.id.as_str().to_owned()}>
            <td>
                <a href={href.clone()} class="survey-name">{ &survey.name }</a>
                <div class="muted id">{ survey.id.as_str() }</div>
            </td>
            <td>{ channels }</td>
            <td>{ status_badge(t, survey.status) }</td>
            <td class="num">{ format!("v{}", survey.version) }</td>
            <td class="num responses">{ responses }</td>
            <td class="num score">{ score }</td>
            <td class="num actions">
                <a class="button" href={href}>{ t.open_results }</a>
                if has_comments {
                    <a class="button comments" href={comments}>{ t.comments }</a>
                }
                if props.session.admin {
                    <a class="button edit" href={edit}>{ EditorTexts::of(props.session.lang).edit }</a>
                }
            </td>
        </tr>
    }
}
