//! The editor's form: one function per section, each drawing part of the draft and sending
//! edits back as closures over the draft ([`Edit`]). Fields the form does not show (property
//! filters, audience attributes) are never touched, so editing keeps them.
//!
//! `questions.rs` draws the questions; `rules.rs` when, to whom and how often they are asked.

mod questions;
mod rules;

use std::rc::Rc;

use shared::ids::Locale;
use shared::survey::{QuestionKind, Survey};
use shared::text::LocalizedText;
use yew::prelude::*;

use super::texts::EditorTexts;
use crate::api::FieldProblem as Problem;
use crate::texts::{Lang, Texts};

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
        self.problems_where(|field| {
            field == path
                || field
                    .strip_prefix(path)
                    .is_some_and(|rest| rest.starts_with('.'))
        })
    }

    /// The objections about `path` itself, not its parts (which their own fields show).
    fn problems_exactly_at(&self, path: &str) -> Html {
        self.problems_where(|field| field == path)
    }

    fn problems_where(&self, about: impl Fn(&str) -> bool) -> Html {
        let found: Vec<&Problem> = self.problems.iter().filter(|p| about(&p.field)).collect();
        if found.is_empty() {
            return Html::default();
        }
        html! {
            <ul class="problems" role="alert">
                { for found.iter().map(|p| html! { <li>{ p.said(self.lang) }</li> }) }
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_ids_skip_the_taken_ones() {
        assert_eq!(fresh_id("q", ["q1", "q3"].into_iter()), "q2");
        assert_eq!(fresh_id("c", std::iter::empty()), "c1");
    }
}
