//! The widget's state on this page: one per page, owned by the wasm module.

use shared::map::Map;
use std::cell::RefCell;
use std::rc::Rc;

use shared::ids::MemberId;
use shared::site::SiteConfig;
use shared::trigger::Scalar;
use yew::AppHandle;

use crate::command::Command;
use crate::components::SurveyCard;
use crate::embed::Embed;
use crate::mount::Mount;

pub(crate) struct Widget {
    pub embed: Embed,
    pub config: Option<Rc<SiteConfig>>,
    /// Calls that arrived before the site's configuration, with the page they were made on.
    pub waiting: Vec<(Command, u64)>,
    pub on_screen: Option<OnScreen>,
    /// Set by `nunchi.identify`: decisions then come from the collector's contact ledger.
    pub member: Option<MemberId>,
    pub attributes: Map<String, Scalar>,
    /// Bumped on every in-page navigation: a delayed survey from an older page is dropped.
    pub page: u64,
}

/// The survey being shown. At most one is on screen.
pub(crate) struct OnScreen {
    pub app: AppHandle<SurveyCard>,
    pub _mount: Mount,
    /// For a modal card: the page's element that had the focus, to get it back on close.
    pub return_focus: Option<web_sys::Element>,
}

thread_local! {
    static WIDGET: RefCell<Option<Widget>> = const { RefCell::new(None) };
}

pub(crate) fn install(widget: Widget) {
    WIDGET.with_borrow_mut(|w| *w = Some(widget));
}

/// Runs `f` on the state, if the widget has booted.
pub(crate) fn with<T>(f: impl FnOnce(&mut Widget) -> T) -> Option<T> {
    WIDGET.with_borrow_mut(|w| w.as_mut().map(f))
}
