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

/// Faces and thumbs drawn as SVG, not emoji: the same on every device (a kiosk may have no
/// emoji font), in the card's colours (`currentColor`), and sharp at any size.
/// From very unhappy to very happy: CSAT faces use all five, smileys (1–4) skip the middle.
const FACES: [&str; 5] = [
    concat!(
        face!(),
        r#"<path d="M7.5 8.5l3 1.5M16.5 8.5l-3 1.5M8 17.5q4-4 8 0"/></svg>"#
    ),
    concat!(
        face!(),
        r#"<circle class="i" cx="9" cy="10" r="1.2"/><circle class="i" cx="15" cy="10" r="1.2"/><path d="M8.5 16.5q3.5-2.5 7 0"/></svg>"#
    ),
    concat!(
        face!(),
        r#"<circle class="i" cx="9" cy="10" r="1.2"/><circle class="i" cx="15" cy="10" r="1.2"/><path d="M8.5 15.5h7"/></svg>"#
    ),
    concat!(
        face!(),
        r#"<circle class="i" cx="9" cy="10" r="1.2"/><circle class="i" cx="15" cy="10" r="1.2"/><path d="M8.5 14.5q3.5 3 7 0"/></svg>"#
    ),
    concat!(
        face!(),
        r#"<path d="M7.5 10q1.5-2 3 0M13.5 10q1.5-2 3 0"/><path class="i" d="M7.5 13.5h9q0 4.5-4.5 4.5t-4.5-4.5z"/></svg>"#
    ),
];
const THUMB_UP: &str = r#"<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M7 11v9H4v-9zM7 11l4-7q2 0 2 2.5V10h5.5q2 0 1.6 2l-1.4 6q-.4 2-2.4 2H7"/></svg>"#;
const THUMB_DOWN: &str = r#"<svg viewBox="0 0 24 24" aria-hidden="true" class="down"><path d="M7 11v9H4v-9zM7 11l4-7q2 0 2 2.5V10h5.5q2 0 1.6 2l-1.4 6q-.4 2-2.4 2H7"/></svg>"#;

/// The start of every face: the SVG element and the head.
macro_rules! face {
    () => {
        r#"<svg viewBox="0 0 24 24" aria-hidden="true"><circle cx="12" cy="12" r="9.5"/>"#
    };
}
use face;

/// A static SVG icon as a node (yew inserts it as markup; the strings are ours).
fn icon(svg: &'static str) -> Html {
    Html::from_html_unchecked(AttrValue::Static(svg))
}

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
        QuestionKind::SingleChoice { choices } => choice_buttons(props, text, choices, false),
        QuestionKind::MultipleChoice { choices, .. } => choice_buttons(props, text, choices, true),
        QuestionKind::Thumbs => scale(
            props,
            vec![
                (icon(THUMB_UP), AnswerValue::Bool(true)),
                (icon(THUMB_DOWN), AnswerValue::Bool(false)),
            ],
            "n2 face",
            None,
        ),
        kind => {
            let (lo, hi) = kind.scale().unwrap_or((0, 10));
            let labels: Vec<(Html, AnswerValue)> = (lo..=hi)
                .map(|n| {
                    let label = match kind {
                        QuestionKind::Smiley => {
                            icon(FACES[[0, 1, 3, 4][(n - 1).clamp(0, 3) as usize]])
                        }
                        QuestionKind::Csat {
                            style: shared::survey::CsatStyle::Faces,
                        } => icon(FACES[(n - 1).clamp(0, 4) as usize]),
                        QuestionKind::Csat {
                            style: shared::survey::CsatStyle::Stars,
                        } => Html::from("★".repeat(n as usize)),
                        _ => Html::from(n.to_string()),
                    };
                    (label, AnswerValue::Int(n))
                })
                .collect();
            let class = match (kind, hi - lo + 1) {
                (QuestionKind::Smiley, _) => "n4 face",
                (
                    QuestionKind::Csat {
                        style: shared::survey::CsatStyle::Faces,
                    },
                    _,
                ) => "n5 face",
                (_, 11) => "n11",
                (_, 7) => "n7",
                _ => "n5",
            };
            let legend = matches!(kind, QuestionKind::Nps)
                .then_some((props.texts.not_likely, props.texts.very_likely));
            scale(props, labels, class, legend)
        }
    };
    html! {
        <div class="question-block">
            <p class="question" id="nunchi-question">{ text }</p>
            { body }
        </div>
    }
}

/// Single choice (radio buttons: a tap answers) or multiple choice (checkboxes: taps toggle,
/// "next" answers). One function for both: each `html!` is its own code in the bundle.
fn choice_buttons(
    props: &QuestionProps,
    text: &str,
    choices: &[shared::survey::Choice],
    multiple: bool,
) -> Html {
    let current: Vec<String> = match &props.value {
        Some(AnswerValue::List(v)) => v.clone(),
        Some(AnswerValue::Text(v)) => vec![v.clone()],
        _ => Vec::new(),
    };
    let (group, role) = if multiple {
        ("group", "checkbox")
    } else {
        ("radiogroup", "radio")
    };
    let buttons = choices.iter().map(|choice| {
        let id = choice.id.as_str().to_owned();
        let picked = current.contains(&id);
        let answer = if multiple {
            let mut next = current.clone();
            if picked {
                next.retain(|c| *c != id);
            } else {
                next.push(id);
            }
            AnswerValue::List(next)
        } else {
            AnswerValue::Text(id)
        };
        let on_answer = props.on_answer.clone();
        let label = choice
            .text
            .get(&props.locale, &props.fallback)
            .unwrap_or_default()
            .to_owned();
        let onclick = Callback::from(move |_| on_answer.emit((answer.clone(), !multiple)));
        html! { <button class={option_class(picked)} {role} aria-checked={picked.to_string()} {onclick}>{label}</button> }
    });
    html! { <div class="choices" role={group} aria-label={text.to_owned()}>{ for buttons }</div> }
}

/// Plain class strings rather than `classes!`, whose `Classes` set brought indexmap into the
/// bundle.
fn option_class(picked: bool) -> &'static str {
    if picked { "option picked" } else { "option" }
}

fn scale(
    props: &QuestionProps,
    options: Vec<(Html, AnswerValue)>,
    class: &str,
    legend: Option<(&str, &str)>,
) -> Html {
    let buttons = options.into_iter().map(|(label, value)| {
        let picked = props.value.as_ref() == Some(&value);
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
                aria-checked={picked.to_string()} aria-label={name.clone()} data-value={name} {onclick}>{ label }</button>
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
