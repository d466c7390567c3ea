//! Single-page apps: a navigation without a page load (history API, hash) is a new page view.
//! Rules are evaluated again, and a survey still waiting for its delay on the old page is
//! dropped.

use wasm_bindgen::prelude::*;

use crate::command::Command;
use crate::{flow, state};

/// Checks for a new address on `popstate`, `hashchange` and, because `pushState` fires no
/// event and patching the host's `history` would be intrusive, twice a second.
pub(crate) fn watch() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let last = std::rc::Rc::new(std::cell::RefCell::new(
        window.location().href().unwrap_or_default(),
    ));
    let check = Closure::<dyn Fn()>::new(move || {
        let Some(href) = web_sys::window().and_then(|w| w.location().href().ok()) else {
            return;
        };
        if *last.borrow() == href {
            return;
        }
        *last.borrow_mut() = href;
        state::with(|w| w.page += 1);
        flow::run(Command::PageView);
    });
    let f: &js_sys::Function = check.as_ref().unchecked_ref();
    let _ = window.add_event_listener_with_callback("popstate", f);
    let _ = window.add_event_listener_with_callback("hashchange", f);
    let _ = window.set_interval_with_callback_and_timeout_and_arguments_0(f, 500);
    // Lives as long as the page.
    check.forget();
}
