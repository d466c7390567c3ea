//! A survey as a card: one question at a time, follow-ups as earlier answers call for them,
//! then a thank-you.

use shared::map::Map;
use std::sync::Arc;

use shared::answer::AnswerValue;
use shared::ids::{Locale, QuestionId};
use shared::survey::Survey;
use yew::prelude::*;

use super::focus;
use super::question::{QuestionProps, question_view};
use crate::texts;

#[derive(Properties)]
pub(crate) struct SurveyCardProps {
    pub survey: Arc<Survey>,
    pub locale: Locale,
    pub on_submit: Callback<Map<QuestionId, AnswerValue>>,
    /// With the answers given so far (none once sent): a kiosk sends a partial answer when its
    /// page closes the card after a customer walked away, if the survey keeps them.
    pub on_dismiss: Callback<Map<QuestionId, AnswerValue>>,
    /// A centred dialog: it takes the focus, keeps Tab inside, and gives the focus back when
    /// it closes. Corner and inline cards never take the focus from what the visitor is doing.
    pub modal: bool,
}

/// The same survey, by identity: a card is rendered once with its props, and a derived
/// comparison would compile a deep `Survey` equality for nothing.
impl PartialEq for SurveyCardProps {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.survey, &other.survey)
            && self.locale == other.locale
            && self.on_submit == other.on_submit
            && self.on_dismiss == other.on_dismiss
            && self.modal == other.modal
    }
}

/// Where the visitor is in the card.
#[derive(Default)]
struct Progress {
    answers: Map<QuestionId, AnswerValue>,
    /// The index among the questions shown.
    step: usize,
    /// Sent: the thank-you shows.
    done: bool,
}

/// Drops answers to follow-ups that an earlier change of mind has hidden.
fn prune(survey: &Survey, answers: &mut Map<QuestionId, AnswerValue>) {
    let shown: Vec<QuestionId> = survey
        .visible_questions(answers)
        .iter()
        .map(|q| q.id.clone())
        .collect();
    answers.retain(|id, _| shown.contains(id));
}

#[component]
pub(crate) fn SurveyCard(props: &SurveyCardProps) -> Html {
    if crate::device::fail_for_test() {
        // Short: the message is bytes in the bundle.
        panic!("failure asked by nunchi:fail-for-test");
    }
    // One state for the card's progress: each `use_state` type is its own copy of yew's hook
    // code in the bundle.
    let progress = use_state(Progress::default);
    let answers = &progress.answers;
    let texts = texts::for_locale(&props.locale);
    let survey = props.survey.clone();
    let fallback = survey.default_locale.clone();

    let card = use_node_ref();
    focus::use_modal_focus(props.modal, &card);
    // Escape dismisses, as with any dialog; in a modal one, Tab stays inside.
    let dismiss = {
        let on_dismiss = props.on_dismiss.clone();
        let answers = if progress.done {
            Map::default()
        } else {
            progress.answers.clone()
        };
        move || on_dismiss.emit(answers.clone())
    };
    let onkeydown = {
        let (dismiss, modal, card) = (dismiss.clone(), props.modal, card.clone());
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                dismiss();
            } else if modal && e.key() == "Tab" {
                focus::keep_tab_inside(&card, &e);
            }
        })
    };
    let close = Callback::from(move |_| dismiss());
    let modal = if props.modal { "true" } else { "false" };
    let close_button =
        html! { <button class="close" aria-label={texts.close} onclick={close}>{ "×" }</button> };

    if progress.done {
        let thanks = survey
            .thank_you
            .as_ref()
            .and_then(|t| t.get(&props.locale, &fallback))
            .unwrap_or(texts.thanks)
            .to_owned();
        return html! {
            <div class="card" role="dialog" aria-modal={modal} aria-live="polite" ref={card} {onkeydown}>{ close_button }<p class="thanks">{ thanks }</p></div>
        };
    }

    let shown = survey.visible_questions(answers);
    let index = progress.step.min(shown.len().saturating_sub(1));
    let Some(question) = shown.get(index).map(|q| (*q).clone()) else {
        return Html::default();
    };

    let finish = {
        let (progress, survey, on_submit) =
            (progress.clone(), survey.clone(), props.on_submit.clone());
        move |answers: Map<QuestionId, AnswerValue>| {
            let shown = survey.visible_questions(&answers);
            let done = index + 1 >= shown.len();
            if done {
                on_submit.emit(answers.clone());
            }
            progress.set(Progress {
                answers,
                step: if done { index } else { index + 1 },
                done,
            });
        }
    };

    let on_answer = {
        let (progress, survey, finish, id) = (
            progress.clone(),
            survey.clone(),
            finish.clone(),
            question.id.clone(),
        );
        Callback::from(move |(value, advance): (AnswerValue, bool)| {
            let mut next = progress.answers.clone();
            next.insert(id.clone(), value);
            prune(&survey, &mut next);
            if advance {
                finish(next);
            } else {
                progress.set(Progress {
                    answers: next,
                    step: progress.step,
                    done: false,
                });
            }
        })
    };

    // Typed and multiple-choice answers need an explicit "next"; taps on a scale advance.
    let needs_button = matches!(
        question.kind,
        shared::survey::QuestionKind::OpenText { .. }
            | shared::survey::QuestionKind::MultipleChoice { .. }
    );
    let is_last = index + 1 >= shown.len();
    let has_answer = answers
        .get(&question.id)
        .is_some_and(|a| !matches!(a, AnswerValue::Text(t) if t.trim().is_empty()));
    let button = needs_button.then(|| {
        let (progress, finish) = (progress.clone(), finish.clone());
        let onclick = Callback::from(move |_| finish(progress.answers.clone()));
        let disabled = question.required && !has_answer;
        html! { <button class="primary" {onclick} {disabled}>{ if is_last { texts.send } else { texts.next } }</button> }
    });
    let progress = (shown.len() > 1).then(
        || html! { <span class="progress">{ format!("{} / {}", index + 1, shown.len()) }</span> },
    );

    html! {
        <div class="card" role="dialog" aria-modal={modal} aria-labelledby="nunchi-question" ref={card} {onkeydown}>
            { close_button }
            { question_view(&QuestionProps {
                value: answers.get(&question.id).cloned(),
                question,
                locale: props.locale.clone(),
                fallback,
                texts,
                on_answer,
            }) }
            if button.is_some() || progress.is_some() {
                <div class="actions">{ progress.unwrap_or_default() }{ button.unwrap_or_default() }</div>
            }
        </div>
    }
}
