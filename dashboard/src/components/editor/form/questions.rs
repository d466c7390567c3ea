//! The questions: their kinds and settings, Korean and English text, choices, follow-ups.

use shared::ids::{ChoiceId, QuestionId};
use shared::survey::{AnswerCondition, Choice, CsatStyle, Question, QuestionKind, ShowIf, Survey};
use shared::text::LocalizedText;
use yew::prelude::*;

use super::{Form, Text, fresh_id, number};

impl Form<'_> {
    pub(in crate::components::editor) fn questions(&self, s: &Survey) -> Html {
        let t = self.t;
        let add = self.click(|s| {
            let id = fresh_id("q", s.questions.iter().map(|q| q.id.as_str()));
            if let Ok(id) = QuestionId::parse(id) {
                s.questions.push(Question {
                    id,
                    kind: QuestionKind::OpenText { max_length: 1_000 },
                    text: LocalizedText::default(),
                    required: false,
                    show_if: None,
                });
            }
        });
        html! {
            <section class="card section" id="section-questions">
                <h2>{ t.questions }</h2>
                { self.problems_exactly_at("questions") }
                { for s.questions.iter().enumerate().map(|(i, q)| self.question(s, i, q)) }
                if s.questions.len() < shared::survey::MAX_QUESTIONS {
                    <button type="button" id="add-question" onclick={add}>{ t.add_question }</button>
                }
            </section>
        }
    }

    fn question(&self, s: &Survey, i: usize, q: &Question) -> Html {
        let t = self.t;
        let kind = q.kind.type_name();
        let set_kind = self.on::<Event>(move |s, v| {
            if let Some(q) = s.questions.get_mut(i)
                && q.kind.type_name() != v
            {
                q.kind = new_kind(v);
            }
        });
        let set_required = self.on_check(move |s, on| {
            if let Some(q) = s.questions.get_mut(i) {
                q.required = on;
            }
        });
        let remove = self.click(move |s| {
            if i < s.questions.len() {
                s.questions.remove(i);
            }
        });
        let up = self.click(move |s| {
            if i > 0 && i < s.questions.len() {
                s.questions.swap(i - 1, i);
            }
        });
        html! {
            <fieldset class="question" id={format!("question-{i}")}>
                <legend>{ format!("{} {}", t.question, i + 1) }</legend>
                <div class="row">
                    <label class="field">
                        <span>{ t.kind }</span>
                        <select class="kind" onchange={set_kind}>
                            { for t.kinds.iter().map(|(tag, label)| html! {
                                <option value={*tag} selected={kind == *tag}>{ *label }</option>
                            }) }
                        </select>
                    </label>
                    { self.kind_settings(i, &q.kind) }
                    <label class="check">
                        <input type="checkbox" class="required" checked={q.required}
                            onchange={set_required} />
                        { t.required }
                    </label>
                    <span class="grow"></span>
                    if i > 0 {
                        <button type="button" class="link" onclick={up}>{ t.move_up }</button>
                    }
                    if s.questions.len() > 1 {
                        <button type="button" class="link danger-text" onclick={remove}>{ t.remove }</button>
                    }
                </div>
                { self.localized(&format!("q{i}-text"), Some(&q.text), Text::Question(i), true) }
                { self.choices(i, &q.kind) }
                if i > 0 { { self.follow_up(s, i, q) } }
                { self.problems_at(&format!("questions.{i}")) }
            </fieldset>
        }
    }

    /// A kind's own settings: stars or faces, how many choices, how long a text.
    fn kind_settings(&self, i: usize, kind: &QuestionKind) -> Html {
        let t = self.t;
        match kind {
            QuestionKind::Csat { style } => {
                let set = self.on::<Event>(move |s, v| {
                    if let Some(QuestionKind::Csat { style }) =
                        s.questions.get_mut(i).map(|q| &mut q.kind)
                    {
                        *style = if v == "faces" {
                            CsatStyle::Faces
                        } else {
                            CsatStyle::Stars
                        };
                    }
                });
                html! {
                    <label class="field">
                        <span>{ t.style }</span>
                        <select onchange={set}>
                            <option value="stars" selected={*style == CsatStyle::Stars}>{ "★★★★★" }</option>
                            <option value="faces" selected={*style == CsatStyle::Faces}>{ "☹ … ☺" }</option>
                        </select>
                    </label>
                }
            }
            QuestionKind::MultipleChoice { min, max, .. } => {
                let set_min = self.on::<Event>(move |s, v| {
                    if let Some(QuestionKind::MultipleChoice { min, .. }) =
                        s.questions.get_mut(i).map(|q| &mut q.kind)
                    {
                        *min = number(v).unwrap_or(0);
                    }
                });
                let set_max = self.on::<Event>(move |s, v| {
                    if let Some(QuestionKind::MultipleChoice { max, .. }) =
                        s.questions.get_mut(i).map(|q| &mut q.kind)
                    {
                        *max = number(v);
                    }
                });
                html! {
                    <>
                        <label class="field narrow"><span>{ t.at_least }</span>
                            <input type="number" min="0" value={min.to_string()} onchange={set_min} /></label>
                        <label class="field narrow"><span>{ t.at_most }</span>
                            <input type="number" min="1" placeholder={t.no_limit}
                                value={max.map(|m| m.to_string()).unwrap_or_default()} onchange={set_max} /></label>
                    </>
                }
            }
            QuestionKind::OpenText { max_length } => {
                let set = self.on::<Event>(move |s, v| {
                    if let (Some(QuestionKind::OpenText { max_length }), Some(n)) =
                        (s.questions.get_mut(i).map(|q| &mut q.kind), number(v))
                    {
                        *max_length = n;
                    }
                });
                html! {
                    <label class="field narrow"><span>{ t.max_length }</span>
                        <input type="number" min="1" max="5000" value={max_length.to_string()}
                            onchange={set} /></label>
                }
            }
            _ => Html::default(),
        }
    }

    fn choices(&self, i: usize, kind: &QuestionKind) -> Html {
        let (QuestionKind::SingleChoice { choices } | QuestionKind::MultipleChoice { choices, .. }) =
            kind
        else {
            return Html::default();
        };
        let t = self.t;
        let add = self.click(move |s| {
            if let Some(
                QuestionKind::SingleChoice { choices }
                | QuestionKind::MultipleChoice { choices, .. },
            ) = s.questions.get_mut(i).map(|q| &mut q.kind)
            {
                let id = fresh_id("c", choices.iter().map(|c| c.id.as_str()));
                if let Ok(id) = ChoiceId::parse(id) {
                    choices.push(Choice {
                        id,
                        text: LocalizedText::default(),
                    });
                }
            }
        });
        html! {
            <div class="choices">
                <span class="label">{ t.choices }</span>
                { for choices.iter().enumerate().map(|(j, c)| {
                    let remove = self.click(move |s| {
                        if let Some(QuestionKind::SingleChoice { choices }
                            | QuestionKind::MultipleChoice { choices, .. }) =
                            s.questions.get_mut(i).map(|q| &mut q.kind)
                            && j < choices.len()
                            && choices.len() > 1
                        {
                            choices.remove(j);
                        }
                    });
                    html! {
                        <div class="choice">
                            { self.localized(&format!("q{i}-c{j}"), Some(&c.text), Text::Choice(i, j), false) }
                            <button type="button" class="link danger-text" onclick={remove}
                                aria-label={format!("{} {}", t.remove, j + 1)}>{ "×" }</button>
                        </div>
                    }
                }) }
                if choices.len() < shared::survey::MAX_CHOICES {
                    <button type="button" onclick={add}>{ t.add_choice }</button>
                }
            </div>
        }
    }

    /// For a question after the first: always shown, or only after a score in a range.
    fn follow_up(&self, s: &Survey, i: usize, q: &Question) -> Html {
        let t = self.t;
        let (mode, on, score) = match &q.show_if {
            None => ("always", None, String::new()),
            Some(ShowIf {
                question,
                when: AnswerCondition::ScoreAtMost(n),
            }) => ("at_most", Some(question.as_str()), n.to_string()),
            Some(ShowIf {
                question,
                when: AnswerCondition::ScoreAtLeast(n),
            }) => ("at_least", Some(question.as_str()), n.to_string()),
            Some(_) => ("custom", None, String::new()),
        };
        let first = s.questions.first().map(|q| q.id.clone());
        let set_mode = self.on::<Event>(move |s, v| {
            let earlier = s.questions.first().map(|q| q.id.clone());
            let Some(q) = s.questions.get_mut(i) else {
                return;
            };
            let keep = q.show_if.as_ref().map(|c| c.question.clone());
            let score = match &q.show_if {
                Some(ShowIf {
                    when: AnswerCondition::ScoreAtMost(n) | AnswerCondition::ScoreAtLeast(n),
                    ..
                }) => *n,
                _ => 6,
            };
            let question = keep.or(earlier);
            q.show_if = match (v, question) {
                ("at_most", Some(question)) => Some(ShowIf {
                    question,
                    when: AnswerCondition::ScoreAtMost(score),
                }),
                ("at_least", Some(question)) => Some(ShowIf {
                    question,
                    when: AnswerCondition::ScoreAtLeast(score),
                }),
                _ => None,
            };
        });
        let set_question = self.on::<Event>(move |s, v| {
            if let (Some(cond), Ok(id)) = (
                s.questions.get_mut(i).and_then(|q| q.show_if.as_mut()),
                QuestionId::parse(v),
            ) {
                cond.question = id;
            }
        });
        let set_score = self.on::<Event>(move |s, v| {
            let Some(n) = number::<u8>(v) else { return };
            if let Some(cond) = s.questions.get_mut(i).and_then(|q| q.show_if.as_mut()) {
                match &mut cond.when {
                    AnswerCondition::ScoreAtMost(m) | AnswerCondition::ScoreAtLeast(m) => *m = n,
                    _ => {}
                }
            }
        });
        let on = on
            .map(str::to_owned)
            .or(first.map(|f| f.as_str().to_owned()));
        html! {
            <div class="row follow-up">
                <label class="field">
                    <span>{ t.show }</span>
                    <select class="show-if" onchange={set_mode}>
                        <option value="always" selected={mode == "always"}>{ t.always }</option>
                        <option value="at_most" selected={mode == "at_most"}>{ t.when_score_at_most }</option>
                        <option value="at_least" selected={mode == "at_least"}>{ t.when_score_at_least }</option>
                        if mode == "custom" {
                            <option value="custom" selected=true>{ t.custom_condition }</option>
                        }
                    </select>
                </label>
                if mode == "at_most" || mode == "at_least" {
                    <label class="field narrow"><span>{ "≤ / ≥" }</span>
                        <input type="number" class="show-if-score" min="0" max="10" value={score}
                            onchange={set_score} /></label>
                    <label class="field"><span>{ t.of_question }</span>
                        <select onchange={set_question}>
                            { for s.questions[..i].iter().enumerate().map(|(k, earlier)| {
                                let id = earlier.id.as_str().to_owned();
                                html! {
                                    <option value={id.clone()} selected={on.as_deref() == Some(id.as_str())}>
                                        { format!("{} {}", t.question, k + 1) }
                                    </option>
                                }
                            }) }
                        </select></label>
                }
            </div>
        }
    }
}

/// A kind as the select names it, with sane settings; choices start with two empty ones.
fn new_kind(tag: &str) -> QuestionKind {
    let two = || {
        ["c1", "c2"]
            .into_iter()
            .filter_map(|id| ChoiceId::parse(id).ok())
            .map(|id| Choice {
                id,
                text: LocalizedText::default(),
            })
            .collect()
    };
    match tag {
        "nps" => QuestionKind::Nps,
        "csat" => QuestionKind::Csat {
            style: CsatStyle::Stars,
        },
        "ces" => QuestionKind::Ces,
        "smiley" => QuestionKind::Smiley,
        "thumbs" => QuestionKind::Thumbs,
        "single_choice" => QuestionKind::SingleChoice { choices: two() },
        "multiple_choice" => QuestionKind::MultipleChoice {
            choices: two(),
            min: 0,
            max: None,
        },
        _ => QuestionKind::OpenText { max_length: 1_000 },
    }
}
