//! The editor's form: one function per section, each drawing part of the draft and sending
//! edits back as closures over the draft ([`Edit`]). Fields the form does not show (property
//! filters, audience attributes) are never touched, so editing keeps them.

use std::rc::Rc;

use shared::ids::{ChoiceId, Locale, QuestionId};
use shared::response::Channel;
use shared::survey::{
    AnswerCondition, Choice, CsatStyle, PartialAnswer, Question, QuestionKind, ShowIf, Survey,
};
use shared::text::LocalizedText;
use shared::throttle::{Recurrence, ThrottlePolicy};
use shared::time::Period;
use shared::trigger::{Trigger, TriggerEvent};
use shared::url_rule::{UrlMatch, UrlRule};
use yew::prelude::*;

use super::texts::EditorTexts;
use crate::api::Problem;
use crate::texts::{Lang, Texts};
use crate::words;

/// A change to the draft, applied by the editor's reducer to the draft as it is then.
pub(super) type Edit = Rc<dyn Fn(&mut Survey)>;

/// What every section needs.
pub(super) struct Form<'a> {
    pub lang: Lang,
    pub t: &'static EditorTexts,
    pub app: &'static Texts,
    pub edit: Callback<Edit>,
    /// The collector's objections to the draft, by field path.
    pub problems: &'a [Problem],
}

/// The `value` of the element an event came from (input, select or textarea).
fn value(e: &Event) -> String {
    e.target()
        .and_then(|t| js_sys::Reflect::get(&t, &"value".into()).ok())
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

fn checked(e: &Event) -> bool {
    e.target()
        .and_then(|t| js_sys::Reflect::get(&t, &"checked".into()).ok())
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

fn locale(code: &str) -> Option<Locale> {
    Locale::parse(code).ok()
}

/// Where in the form a field path of the collector's is, in words: `questions.1.text` is
/// "Question 2".
pub(super) fn place(t: &EditorTexts, field: &str) -> String {
    let mut parts = field.split('.');
    let head = parts.next().unwrap_or_default();
    let index = parts.next().and_then(|n| n.parse::<usize>().ok());
    match (head, index) {
        ("questions", Some(i)) => format!("{} {}", t.question, i + 1),
        ("questions", None) => t.questions.to_owned(),
        ("triggers", Some(i)) => format!("{} {}", t.when_to_ask_short, i + 1),
        ("triggers", None) => t.when_to_ask.to_owned(),
        ("targeting" | "kiosk", _) => t.who.to_owned(),
        ("throttle", _) => t.how_often.to_owned(),
        ("name", _) => t.name.to_owned(),
        ("id", _) => t.survey_id.to_owned(),
        ("default_locale", _) => t.default_locale.to_owned(),
        ("thank_you", _) => t.thank_you.to_owned(),
        _ => field.to_owned(),
    }
}

/// Which localized text of the draft a pair of fields edits.
#[derive(Debug, Clone, Copy)]
enum Text {
    Question(usize),
    Choice(usize, usize),
    ThankYou,
}

fn text_mut(s: &mut Survey, which: Text) -> Option<&mut LocalizedText> {
    match which {
        Text::Question(i) => s.questions.get_mut(i).map(|q| &mut q.text),
        Text::Choice(i, j) => match s.questions.get_mut(i).map(|q| &mut q.kind) {
            Some(QuestionKind::SingleChoice { choices })
            | Some(QuestionKind::MultipleChoice { choices, .. }) => {
                choices.get_mut(j).map(|c| &mut c.text)
            }
            _ => None,
        },
        Text::ThankYou => Some(s.thank_you.get_or_insert_with(LocalizedText::default)),
    }
}

/// The first `{prefix}{n}` not among `taken`.
fn fresh_id<'a>(prefix: &str, taken: impl Iterator<Item = &'a str> + Clone) -> String {
    (1..)
        .map(|n| format!("{prefix}{n}"))
        .find(|id| !taken.clone().any(|t| t == id))
        .unwrap_or_else(|| prefix.to_owned())
}

fn days_of(p: Option<Period>) -> String {
    p.map(|p| {
        let days = p.as_secs() as f64 / 86_400.0;
        format!("{}", (days * 1000.0).round() / 1000.0)
    })
    .unwrap_or_default()
}

/// A number of days as typed; empty or not a number is no period.
fn period_of(text: &str) -> Option<Period> {
    let days: f64 = text.trim().replace(',', ".").parse().ok()?;
    (days > 0.0).then(|| Period::seconds((days * 86_400.0).round() as u64))
}

fn number<T: std::str::FromStr>(text: &str) -> Option<T> {
    text.trim().parse().ok()
}

impl Form<'_> {
    /// A callback that applies `f` with the event's value.
    fn on<E: AsRef<Event> + 'static>(
        &self,
        f: impl Fn(&mut Survey, &str) + 'static,
    ) -> Callback<E> {
        let (edit, f) = (self.edit.clone(), Rc::new(f));
        Callback::from(move |e: E| {
            let (v, f) = (value(e.as_ref()), f.clone());
            edit.emit(Rc::new(move |s: &mut Survey| f(s, &v)));
        })
    }

    fn on_check(&self, f: impl Fn(&mut Survey, bool) + 'static) -> Callback<Event> {
        let (edit, f) = (self.edit.clone(), Rc::new(f));
        Callback::from(move |e: Event| {
            let (on, f) = (checked(&e), f.clone());
            edit.emit(Rc::new(move |s: &mut Survey| f(s, on)));
        })
    }

    fn click(&self, f: impl Fn(&mut Survey) + 'static) -> Callback<MouseEvent> {
        let (edit, f) = (self.edit.clone(), Rc::new(f));
        Callback::from(move |_| {
            let f = f.clone();
            edit.emit(Rc::new(move |s: &mut Survey| f(s)));
        })
    }

    /// The collector's objections at `path` or below it, under the fields they are about.
    pub(super) fn problems_at(&self, path: &str) -> Html {
        let found: Vec<&Problem> = self
            .problems
            .iter()
            .filter(|p| {
                p.field == path
                    || p.field
                        .strip_prefix(path)
                        .is_some_and(|rest| rest.starts_with('.'))
            })
            .collect();
        if found.is_empty() {
            return Html::default();
        }
        html! {
            <ul class="problems" role="alert">
                { for found.iter().map(|p| html! { <li>{ &p.message }</li> }) }
            </ul>
        }
    }

    /// Korean and English side by side.
    fn localized(&self, id: &str, text: Option<&LocalizedText>, which: Text, long: bool) -> Html {
        let field = |code: &'static str, label: &'static str| {
            let current = text
                .and_then(|t| locale(code).and_then(|l| t.0.get(&l).cloned()))
                .unwrap_or_default();
            let oninput = self.on::<InputEvent>(move |s, v| {
                let Some(l) = locale(code) else { return };
                if let Some(t) = text_mut(s, which) {
                    if v.is_empty() {
                        t.0.remove(&l);
                    } else {
                        t.0.insert(l, v.to_owned());
                    }
                }
                if s.thank_you.as_ref().is_some_and(|t| t.0.is_empty()) {
                    s.thank_you = None;
                }
            });
            let id = format!("{id}-{code}");
            html! {
                <label class="locale" for={id.clone()}>
                    <span class="tag" lang={code}>{ label }</span>
                    if long {
                        <textarea {id} lang={code} rows="2" value={current} {oninput} />
                    } else {
                        <input {id} lang={code} value={current} {oninput} />
                    }
                </label>
            }
        };
        html! {
            <div class="pair">
                { field("ko", self.t.korean) }
                { field("en", self.t.english) }
            </div>
        }
    }

    pub(super) fn basics(&self, s: &Survey, id_field: Option<Html>) -> Html {
        let t = self.t;
        let set_name = self.on::<InputEvent>(|s, v| s.name = v.to_owned());
        let set_locale = self.on::<Event>(|s, v| {
            if let Some(l) = locale(v) {
                s.default_locale = l;
            }
        });
        let default = s.default_locale.as_str().to_owned();
        html! {
            <section class="card section" id="section-basics">
                <h2>{ t.basics }</h2>
                <div class="row">
                    <label class="field grow">
                        <span>{ t.name }</span>
                        <input id="survey-name" value={s.name.clone()} oninput={set_name} />
                        <small class="muted">{ t.name_help }</small>
                        { self.problems_at("name") }
                    </label>
                    { id_field.unwrap_or_default() }
                    <label class="field">
                        <span>{ t.default_locale }</span>
                        <select id="default-locale" onchange={set_locale}>
                            <option value="ko" selected={default == "ko"}>{ t.korean }</option>
                            <option value="en" selected={default == "en"}>{ t.english }</option>
                        </select>
                        { self.problems_at("default_locale") }
                    </label>
                </div>
                <div class="field">
                    <span>{ t.thank_you }</span>
                    { self.localized("thank-you", s.thank_you.as_ref(), Text::ThankYou, false) }
                    { self.problems_at("thank_you") }
                </div>
            </section>
        }
    }

    pub(super) fn questions(&self, s: &Survey) -> Html {
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
                { self.problems_at("questions") }
                { for s.questions.iter().enumerate().map(|(i, q)| self.question(s, i, q)) }
                if s.questions.len() < shared::survey::MAX_QUESTIONS {
                    <button type="button" id="add-question" onclick={add}>{ t.add_question }</button>
                }
            </section>
        }
    }

    fn question(&self, s: &Survey, i: usize, q: &Question) -> Html {
        let t = self.t;
        let kind = kind_tag(&q.kind);
        let set_kind = self.on::<Event>(move |s, v| {
            if let Some(q) = s.questions.get_mut(i)
                && kind_tag(&q.kind) != v
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
                        <button type="button" class="link danger" onclick={remove}>{ t.remove }</button>
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
                            <button type="button" class="link danger" onclick={remove}
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

    pub(super) fn triggers(&self, s: &Survey) -> Html {
        let t = self.t;
        let add = self.click(|s| {
            s.triggers.push(Trigger {
                on: TriggerEvent::PageView,
                delay: Period::ZERO,
            })
        });
        html! {
            <section class="card section" id="section-triggers">
                <h2>{ t.when_to_ask }</h2>
                <p class="muted small">{ t.when_help }</p>
                if s.triggers.is_empty() {
                    <p class="muted">{ t.no_triggers }</p>
                }
                { for s.triggers.iter().enumerate().map(|(i, trigger)| self.trigger(i, trigger)) }
                <button type="button" id="add-trigger" onclick={add}>{ t.add_trigger }</button>
                { self.problems_at("triggers") }
            </section>
        }
    }

    fn trigger(&self, i: usize, trigger: &Trigger) -> Html {
        let t = self.t;
        let tag = match &trigger.on {
            TriggerEvent::PageView => "page_view",
            TriggerEvent::ScrollDepth { .. } => "scroll_depth",
            TriggerEvent::ExitIntent => "exit_intent",
            TriggerEvent::Event { .. } => "event",
        };
        let set_kind = self.on::<Event>(move |s, v| {
            if let Some(trigger) = s.triggers.get_mut(i) {
                trigger.on = match v {
                    "scroll_depth" => TriggerEvent::ScrollDepth { percent: 50 },
                    "exit_intent" => TriggerEvent::ExitIntent,
                    "event" => TriggerEvent::Event {
                        name: "purchase".into(),
                        filters: Vec::new(),
                    },
                    _ => TriggerEvent::PageView,
                };
            }
        });
        let set_delay = self.on::<Event>(move |s, v| {
            if let Some(trigger) = s.triggers.get_mut(i) {
                trigger.delay = number(v).map_or(Period::ZERO, Period::seconds);
            }
        });
        let remove = self.click(move |s| {
            if i < s.triggers.len() {
                s.triggers.remove(i);
            }
        });
        let detail = match &trigger.on {
            TriggerEvent::ScrollDepth { percent } => {
                let set = self.on::<Event>(move |s, v| {
                    if let (Some(TriggerEvent::ScrollDepth { percent }), Some(n)) =
                        (s.triggers.get_mut(i).map(|t| &mut t.on), number(v))
                    {
                        *percent = n;
                    }
                });
                html! {
                    <label class="inline"><input type="number" class="narrow" min="1" max="100"
                        value={percent.to_string()} onchange={set} />{ t.scroll_percent }</label>
                }
            }
            TriggerEvent::Event { name, filters } => {
                let set = self.on::<InputEvent>(move |s, v| {
                    if let Some(TriggerEvent::Event { name, .. }) =
                        s.triggers.get_mut(i).map(|t| &mut t.on)
                    {
                        *name = v.to_owned();
                    }
                });
                html! {
                    <>
                        <input class="event-name" aria-label={t.event_name} placeholder={t.event_name}
                            value={name.clone()} oninput={set} />
                        if !filters.is_empty() {
                            <span class="muted small">{ format!("+{} {}", filters.len(), t.filters_kept) }</span>
                        }
                    </>
                }
            }
            _ => Html::default(),
        };
        html! {
            <div class="row trigger" id={format!("trigger-{i}")}>
                <select class="trigger-kind" onchange={set_kind}>
                    { for t.trigger_kinds.iter().map(|(value, label)| html! {
                        <option value={*value} selected={tag == *value}>{ *label }</option>
                    }) }
                </select>
                { detail }
                <label class="inline"><input type="number" class="narrow" min="0"
                    value={trigger.delay.as_secs().to_string()} onchange={set_delay} />{ t.delay_seconds }</label>
                <span class="grow"></span>
                <button type="button" class="link danger" onclick={remove}>{ t.remove }</button>
            </div>
        }
    }

    pub(super) fn targeting(&self, s: &Survey) -> Html {
        let t = self.t;
        let targeting = &s.targeting;
        let kiosk_too =
            targeting.channels.is_empty() || targeting.channels.contains(&Channel::Kiosk);
        let set_urls = self.on::<Event>(|s, v| s.targeting.urls = url_rules(v));
        let set_excluded = self.on::<Event>(|s, v| s.targeting.exclude_urls = url_rules(v));
        let set_locales = self.on::<Event>(|s, v| {
            s.targeting.locales = v
                .split([',', ' '])
                .filter(|l| !l.is_empty())
                .filter_map(locale)
                .collect();
        });
        let set_partial = self.on::<Event>(|s, v| {
            s.kiosk.partial = if v == "drop" {
                PartialAnswer::Drop
            } else {
                PartialAnswer::Send
            };
        });
        html! {
            <section class="card section" id="section-targeting">
                <h2>{ t.who }</h2>
                <div class="row">
                    { for Channel::ALL.into_iter().map(|channel| {
                        let toggle = self.on_check(move |s, on| {
                            let channels = &mut s.targeting.channels;
                            channels.retain(|c| *c != channel);
                            if on {
                                channels.push(channel);
                                channels.sort_by_key(|c| Channel::ALL.iter().position(|a| a == c));
                            }
                        });
                        html! {
                            <label class="check">
                                <input type="checkbox" class={format!("channel-{}", channel.as_str())}
                                    checked={targeting.channels.contains(&channel)} onchange={toggle} />
                                { self.app.context_value(channel.as_str()) }
                            </label>
                        }
                    }) }
                    <small class="muted">{ t.channels_help }</small>
                </div>
                <div class="row">
                    <label class="field grow"><span>{ t.pages }</span>
                        <textarea id="target-urls" rows="2" placeholder="https://shop.example/checkout"
                            value={url_lines(&targeting.urls)} onchange={set_urls} />
                        <small class="muted">{ t.pages_help }</small></label>
                    <label class="field grow"><span>{ t.not_pages }</span>
                        <textarea id="exclude-urls" rows="2" value={url_lines(&targeting.exclude_urls)}
                            onchange={set_excluded} /></label>
                </div>
                <div class="row">
                    <label class="field grow"><span>{ t.locales }</span>
                        <input id="target-locales" value={targeting.locales.iter().map(Locale::as_str)
                            .collect::<Vec<_>>().join(", ")} onchange={set_locales} />
                        <small class="muted">{ t.locales_help }</small></label>
                    if kiosk_too {
                        <label class="field grow"><span>{ t.kiosk_partial }</span>
                            <select id="kiosk-partial" onchange={set_partial}>
                                <option value="send" selected={s.kiosk.partial == PartialAnswer::Send}>{ t.kiosk_send }</option>
                                <option value="drop" selected={s.kiosk.partial == PartialAnswer::Drop}>{ t.kiosk_drop }</option>
                            </select></label>
                    }
                </div>
                if !targeting.attributes.is_empty() {
                    <p class="muted small">{ format!("{} {}", targeting.attributes.len(), t.attributes_kept) }</p>
                }
                { self.problems_at("targeting") }
                { self.problems_at("kiosk") }
            </section>
        }
    }

    pub(super) fn throttle(&self, s: &Survey, site: &ThrottlePolicy) -> Html {
        let t = self.t;
        let th = &s.throttle;
        let set_sample = self.on::<Event>(|s, v| {
            if let Some(p) = number::<f64>(&v.replace(',', ".")) {
                s.throttle.sample_percent = p;
            }
        });
        let set_recurrence = self.on::<Event>(|s, v| {
            s.throttle.recurrence = match v {
                "after" => Recurrence::After(Period::days(90)),
                _ => Recurrence::Never,
            };
        });
        let set_again = self.on::<Event>(|s, v| {
            if let Some(p) = period_of(v) {
                s.throttle.recurrence = Recurrence::After(p);
            }
        });
        let set_max = self.on::<Event>(|s, v| s.throttle.max_displays = number(v));
        let set_rest = self.on::<Event>(|s, v| s.throttle.dismiss_cooldown = period_of(v));
        let set_total = self.on::<Event>(|s, v| s.throttle.quota.total = number(v));
        let set_store = self.on::<Event>(|s, v| s.throttle.quota.per_store_per_day = number(v));
        let again = match th.recurrence {
            Recurrence::Never => None,
            Recurrence::After(p) => Some(p),
        };
        let optional = |n: Option<u64>| n.map(|n| n.to_string()).unwrap_or_default();
        html! {
            <section class="card section" id="section-throttle">
                <h2>{ t.how_often }</h2>
                <p class="policy" id="policy-words">{ words::policy(self.lang, site, th) }</p>
                if site.wait_after_shown.is_some() || site.wait_after_answered.is_some() {
                    <p class="muted small">{ t.site_rules }</p>
                }
                <div class="grid4">
                    <label class="field narrow"><span>{ t.sample }</span>
                        <input id="sample-percent" type="number" min="0" max="100" step="any"
                            value={th.sample_percent.to_string()} onchange={set_sample} /></label>
                    <label class="field"><span>{ t.after_answer }</span>
                        <select id="recurrence" onchange={set_recurrence}>
                            <option value="never" selected={again.is_none()}>{ t.never_again }</option>
                            <option value="after" selected={again.is_some()}>{ t.again_after }</option>
                        </select></label>
                    if again.is_some() {
                        <label class="field narrow"><span>{ t.days }</span>
                            <input id="ask-again-days" type="number" min="1" step="any"
                                value={days_of(again)} onchange={set_again} /></label>
                    }
                </div>
                <div class="grid4">
                    <label class="field narrow"><span>{ t.max_displays }</span>
                        <input id="max-displays" type="number" min="1" placeholder={t.no_limit}
                            value={optional(th.max_displays.map(u64::from))} onchange={set_max} /></label>
                    <label class="field narrow"><span>{ t.dismiss_rest }</span>
                        <input id="dismiss-days" type="number" min="0" step="any" placeholder={t.no_limit}
                            value={days_of(th.dismiss_cooldown)} onchange={set_rest} /></label>
                    <label class="field narrow"><span>{ t.quota_total }</span>
                        <input id="quota-total" type="number" min="1" placeholder={t.no_limit}
                            value={optional(th.quota.total)} onchange={set_total} /></label>
                    <label class="field narrow"><span>{ t.quota_store }</span>
                        <input id="quota-store" type="number" min="1" placeholder={t.no_limit}
                            value={optional(th.quota.per_store_per_day)} onchange={set_store} /></label>
                </div>
                { self.problems_at("throttle") }
            </section>
        }
    }
}

/// The `type` a question kind is written with (and the editor's select shows).
fn kind_tag(kind: &QuestionKind) -> &'static str {
    match kind {
        QuestionKind::Nps => "nps",
        QuestionKind::Csat { .. } => "csat",
        QuestionKind::Ces => "ces",
        QuestionKind::Smiley => "smiley",
        QuestionKind::Thumbs => "thumbs",
        QuestionKind::SingleChoice { .. } => "single_choice",
        QuestionKind::MultipleChoice { .. } => "multiple_choice",
        QuestionKind::OpenText { .. } => "open_text",
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

/// URL rules as lines: a prefix as it is, any other kind after its name (`glob:…`).
fn url_lines(rules: &[UrlRule]) -> String {
    rules
        .iter()
        .map(|r| match r.kind {
            UrlMatch::Prefix => r.value.clone(),
            UrlMatch::Exact => format!("exact:{}", r.value),
            UrlMatch::Contains => format!("contains:{}", r.value),
            UrlMatch::Glob => format!("glob:{}", r.value),
            UrlMatch::Regex => format!("regex:{}", r.value),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn url_rules(lines: &str) -> Vec<UrlRule> {
    lines
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| {
            for (name, kind) in [
                ("exact:", UrlMatch::Exact),
                ("contains:", UrlMatch::Contains),
                ("glob:", UrlMatch::Glob),
                ("regex:", UrlMatch::Regex),
            ] {
                if let Some(rest) = line.strip_prefix(name) {
                    return UrlRule::new(kind, rest.trim());
                }
            }
            UrlRule::new(UrlMatch::Prefix, line)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_rules_round_trip_through_lines() {
        let rules =
            url_rules("https://shop.example/checkout\n\n  glob:*/thanks*  \nregex:^https://a");
        assert_eq!(
            rules,
            vec![
                UrlRule::new(UrlMatch::Prefix, "https://shop.example/checkout"),
                UrlRule::new(UrlMatch::Glob, "*/thanks*"),
                UrlRule::new(UrlMatch::Regex, "^https://a"),
            ]
        );
        assert_eq!(url_rules(&url_lines(&rules)), rules);
    }

    #[test]
    fn days_are_typed_and_shown_as_numbers() {
        assert_eq!(period_of("90"), Some(Period::days(90)));
        assert_eq!(period_of("0,5"), Some(Period::hours(12)));
        assert_eq!(period_of(""), None);
        assert_eq!(period_of("0"), None);
        assert_eq!(days_of(Some(Period::hours(12))), "0.5");
        assert_eq!(days_of(Some(Period::days(14))), "14");
    }

    #[test]
    fn fresh_ids_skip_the_taken_ones() {
        assert_eq!(fresh_id("q", ["q1", "q3"].into_iter()), "q2");
        assert_eq!(fresh_id("c", std::iter::empty()), "c1");
    }
}
