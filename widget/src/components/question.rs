//! One question, rendered by its kind.

use shared::answer::AnswerValue;
use shared::ids::Locale;
use shared::survey::{Question, QuestionKind};
use yew::prelude::*;

use crate::texts::Texts;

/// What a question view needs. A plain function, not a component: the card re-renders it
/// anyway, and each component type costs its own copy of yew's lifecycle code.
pub(crate) struct QuestionProps {
    pub question: Question,
    pub locale: Locale,
    pub fallback: Locale,
    pub texts: &'static Texts,
    pub value: Option<AnswerValue>,
    /// A new answer to this question; `advance` says whether it completes it (a tap on a scale)
    /// or is still being edited (typing).
    pub on_answer: Callback<(AnswerValue, bool)>,
}

const FACES: [&str; 4] = ["😠", "🙁", "🙂", "😄"];

pub(crate) fn question_view(props: &QuestionProps) -> Html {
    let text = props
        .question
        .text
        .get(&props.locale, &props.fallback)
        .unwrap_or_default();
    let body = match &props.question.kind {
        QuestionKind::OpenText { max_length } => {
            let on_answer = props.on_answer.clone();
            let oninput = Callback::from(move |e: InputEvent| {
                let area: web_sys::HtmlTextAreaElement = e.target_unchecked_into();
                on_answer.emit((AnswerValue::Text(area.value()), false));
            });
            let value = match &props.value {
                Some(AnswerValue::Text(t)) => t.clone(),
                _ => String::new(),
            };
            html! {
                <textarea aria-label={text.to_owned()} maxlength={max_length.to_string()}
                    placeholder={props.texts.placeholder} {value} {oninput} />
            }
        }
        QuestionKind::SingleChoice { choices } => {
            let buttons = choices.iter().map(|choice| {
                let id = choice.id.as_str().to_owned();
                let picked = matches!(&props.value, Some(AnswerValue::Text(v)) if *v == id);
                let on_answer = props.on_answer.clone();
                let label = choice.text.get(&props.locale, &props.fallback).unwrap_or_default().to_owned();
                let onclick = Callback::from(move |_| on_answer.emit((AnswerValue::Text(id.clone()), true)));
                html! { <button class={option_class(picked)} role="radio" aria-checked={picked.to_string()} {onclick}>{label}</button> }
            });
            html! { <div class="choices" role="radiogroup" aria-label={text.to_owned()}>{ for buttons }</div> }
        }
        QuestionKind::MultipleChoice { choices, .. } => {
            let current: Vec<String> = match &props.value {
                Some(AnswerValue::List(v)) => v.clone(),
                _ => Vec::new(),
            };
            let buttons = choices.iter().map(|choice| {
                let id = choice.id.as_str().to_owned();
                let picked = current.contains(&id);
                let on_answer = props.on_answer.clone();
                let mut next = current.clone();
                if picked {
                    next.retain(|c| *c != id);
                } else {
                    next.push(id.clone());
                }
                let label = choice.text.get(&props.locale, &props.fallback).unwrap_or_default().to_owned();
                let onclick = Callback::from(move |_| on_answer.emit((AnswerValue::List(next.clone()), false)));
                html! { <button class={option_class(picked)} role="checkbox" aria-checked={picked.to_string()} {onclick}>{label}</button> }
            });
            html! { <div class="choices" role="group" aria-label={text.to_owned()}>{ for buttons }</div> }
        }
        QuestionKind::Thumbs => scale(
            props,
            &[
                ("👍", AnswerValue::Bool(true)),
                ("👎", AnswerValue::Bool(false)),
            ],
            "n2 face",
            None,
        ),
        kind => {
            let (lo, hi) = kind.scale().unwrap_or((0, 10));
            let labels: Vec<(String, AnswerValue)> = (lo..=hi)
                .map(|n| {
                    let label = match kind {
                        QuestionKind::Smiley => FACES[(n - 1).clamp(0, 3) as usize].to_owned(),
                        QuestionKind::Csat {
                            style: shared::survey::CsatStyle::Stars,
                        } => "★".repeat(n as usize),
                        _ => n.to_string(),
                    };
                    (label, AnswerValue::Int(n))
                })
                .collect();
            let class = match (kind, hi - lo + 1) {
                (QuestionKind::Smiley, _) => "n4 face",
                (_, 11) => "n11",
                (_, 7) => "n7",
                _ => "n5",
            };
            let legend = matches!(kind, QuestionKind::Nps)
                .then_some((props.texts.not_likely, props.texts.very_likely));
            let refs: Vec<(&str, AnswerValue)> = labels
                .iter()
                .map(|(l, v)| (l.as_str(), v.clone()))
                .collect();
            scale(props, &refs, class, legend)
        }
    };
    html! {
        <div class="question-block">
            <p class="question" id="nunchi-question">{ text }</p>
            { body }
        </div>
    }
}

/// Plain class strings rather than `classes!`, whose `Classes` set brought indexmap into the
/// bundle.
fn option_class(picked: bool) -> &'static str {
    if picked { "option picked" } else { "option" }
}

fn scale(
    props: &QuestionProps,
    options: &[(&str, AnswerValue)],
    class: &str,
    legend: Option<(&str, &str)>,
) -> Html {
    let buttons = options.iter().map(|(label, value)| {
        let picked = props.value.as_ref() == Some(value);
        let on_answer = props.on_answer.clone();
        let v = value.clone();
        let onclick = Callback::from(move |_| on_answer.emit((v.clone(), true)));
        let name = match value {
            AnswerValue::Int(n) => n.to_string(),
            AnswerValue::Bool(true) => "up".into(),
            AnswerValue::Bool(false) => "down".into(),
            _ => String::new(),
        };
        html! {
            <button class={option_class(picked)} role="radio"
                aria-checked={picked.to_string()} aria-label={name.clone()} data-value={name} {onclick}>{ *label }</button>
        }
    });
    html! {
        <>
            <div class={format!("scale {class}")} role="radiogroup" aria-labelledby="nunchi-question">{ for buttons }</div>
            if let Some((low, high)) = legend {
                <div class="legend"><span>{ low }</span><span>{ high }</span></div>
            }
        </>
    }
}
