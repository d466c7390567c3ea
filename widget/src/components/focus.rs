//! Focus in a modal card (the centred placement), as WAI-ARIA's dialog pattern asks: the focus
//! moves into the dialog when it opens and after each step, Tab and Shift+Tab cycle inside it,
//! and the element that had the focus gets it back when the dialog closes.

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};
use yew::prelude::*;

const FOCUSABLE: &str = "button:not([disabled]), textarea, input";

/// Moves the focus into `card` after each render (when `modal`), and gives it back on close.
#[hook]
pub(crate) fn use_modal_focus(modal: bool, card: &NodeRef) {
    // What had the focus when the dialog opened: the page's element, outside our shadow root.
    let before = use_state(|| {
        modal
            .then(|| web_sys::window()?.document()?.active_element())
            .flatten()
    });
    {
        let card = card.clone();
        use_effect(move || {
            if modal && !has_focus_inside(&card) {
                focus_first(&card);
            }
        });
    }
    use_effect_with((), move |()| {
        move || {
            if let Some(before) = before.as_ref().and_then(|e| e.dyn_ref::<HtmlElement>())
                && before.is_connected()
            {
                let _ = before.focus();
            }
        }
    });
}

/// On Tab from the last control (or Shift+Tab from the first), wraps around inside `card`.
pub(crate) fn keep_tab_inside(card: &NodeRef, event: &KeyboardEvent) {
    let controls = focusable(card);
    let (Some(first), Some(last)) = (controls.first(), controls.last()) else {
        return;
    };
    let active = active_in_card(card);
    let wrap_to = match (event.shift_key(), active) {
        (true, Some(a)) if &a == first => last,
        (false, Some(a)) if &a == last => first,
        (_, None) => first,
        _ => return,
    };
    event.prevent_default();
    if let Some(e) = wrap_to.dyn_ref::<HtmlElement>() {
        let _ = e.focus();
    }
}

fn focusable(card: &NodeRef) -> Vec<Element> {
    let Some(card) = card.cast::<Element>() else {
        return Vec::new();
    };
    let Ok(list) = card.query_selector_all(FOCUSABLE) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<Element>().ok())
        .collect()
}

/// The focused element, if it is inside `card` (our shadow root's `activeElement`).
fn active_in_card(card: &NodeRef) -> Option<Element> {
    let card = card.cast::<Element>()?;
    let root = card
        .get_root_node()
        .dyn_into::<web_sys::ShadowRoot>()
        .ok()?;
    let active = root.active_element()?;
    card.contains(Some(&active)).then_some(active)
}

fn has_focus_inside(card: &NodeRef) -> bool {
    active_in_card(card).is_some()
}

fn focus_first(card: &NodeRef) {
    if let Some(first) = focusable(card)
        .first()
        .and_then(|e| e.dyn_ref::<HtmlElement>())
    {
        let _ = first.focus();
    }
}
