//! The draft: what the editor changes, the version it started from, and its copy in the
//! browser's `localStorage`, so that a reload or a closed tab loses nothing.

use std::rc::Rc;

use shared::ids::{Locale, QuestionId, SurveyId};
use shared::survey::{Question, QuestionKind, Survey, SurveyStatus};
use shared::text::LocalizedText;
use yew::prelude::*;

use super::form::Edit;
use crate::texts::Lang;

/// The draft and the version it started from.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Draft {
    pub survey: Survey,
    /// What the collector has now; `None` for a survey not yet created.
    pub published: Option<Survey>,
    pub loaded: bool,
}

pub(super) enum Action {
    Edit(Edit),
    Load {
        draft: Box<Survey>,
        published: Option<Box<Survey>>,
    },
    /// The collector stored `saved`, made from `sent`.
    Saved {
        saved: Box<Survey>,
        sent: Box<Survey>,
    },
    /// Keep the draft's changes over the version published since it was started: its base
    /// becomes the latest, so that Publish replaces it knowingly.
    Rebase,
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
            Action::Saved { saved, sent } => {
                let base = next.published.as_ref().map(|p| p.version);
                if same_content(&next.survey, &sent) || !next.is_changed() {
                    // What was sent is what is on screen: it is now the published version.
                    next.survey = (*saved).clone();
                } else if base == Some(next.survey.version) || base.is_none() {
                    // Typed while the request was out, or a pause under unpublished changes:
                    // the changes stay, on top of the version this editor just made.
                    next.survey.version = saved.version;
                }
                next.published = Some(*saved);
            }
            Action::Rebase => {
                if let Some(p) = &next.published {
                    next.survey.version = p.version;
                }
            }
        }
        Rc::new(next)
    }
}

/// Whether two surveys say the same, whatever their status and version (the collector's).
fn same_content(a: &Survey, b: &Survey) -> bool {
    let mut same = a.clone();
    same.status = b.status;
    same.version = b.version;
    same == *b
}

impl Draft {
    /// Whether the draft says something the published version does not.
    pub(super) fn is_changed(&self) -> bool {
        self.published
            .as_ref()
            .is_none_or(|p| !same_content(&self.survey, p))
    }

    /// The version a changed draft was started from, when another has been published since
    /// (the draft's `version` is its base: edits never change it).
    pub(super) fn stale_base(&self) -> Option<u32> {
        let live = self.published.as_ref()?;
        (self.is_changed() && self.survey.version != live.version).then_some(self.survey.version)
    }
}

/// The id a new survey holds until its author types one; never published (Publish needs the
/// id shown in the box).
pub(super) const UNNAMED_ID: &str = "new-survey";

/// A new survey: one NPS question in both languages, shown when asked for.
pub(super) fn blank(site: &str, lang: Lang) -> Option<Survey> {
    let text = |ko: &str, en: &str| {
        let mut t = LocalizedText::default();
        t.0.insert(Locale::parse("ko").ok()?, ko.to_owned());
        t.0.insert(Locale::parse("en").ok()?, en.to_owned());
        Some(t)
    };
    Some(Survey {
        id: SurveyId::parse(UNNAMED_ID).ok()?,
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
pub(super) fn storage_key(site: &str, survey: Option<&str>) -> String {
    format!("nunchi.draft.{site}.{}", survey.unwrap_or("+new"))
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

pub(super) fn kept(key: &str) -> Option<Survey> {
    serde_json::from_str(&storage()?.get_item(key).ok()??).ok()
}

pub(super) fn keep(key: &str, draft: Option<&Survey>) {
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

/// What the editor holds until the survey is read: never shown (`loaded` is false).
pub(super) fn placeholder() -> Survey {
    serde_json::from_value(serde_json::json!({
        "id": "new-survey", "site_id": "site", "name": "", "default_locale": "en",
        "questions": [{"id": "q1", "kind": {"type": "nps"}, "text": {"en": "?"}}]
    }))
    .expect("a constant survey parses")
}
