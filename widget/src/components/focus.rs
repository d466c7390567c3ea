//! Focus in a modal card (the centred placement), as WAI-ARIA's dialog pattern asks: the focus
//! moves into the dialog when it opens and after each step, Tab and Shift+Tab cycle inside it,
//! and the element that had the focus gets it back when the dialog closes.

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};
use yew::prelude::*;

const FOCUSABLE: &str = "button:not([disabled]), textarea, input";

/// Moves the focus into `card` after each render (when `modal`): on opening, and after a step
/// replaced the control that had it. (Where it goes back on close is kept by the flow, outside
/// the component: see [`give_focus_back`].)
#[hook]
pub(crate) fn use_modal_focus(modal: bool, card: &NodeRef) {
    let card = card.clone();
    use_effect(move || {
        if modal && !has_focus_inside(&card) {
            focus_first(&card);
        }
    });
}

/// Gives the focus back to the page's `element` that had it before a modal card opened.
pub(crate) fn give_focus_back(element: &Element) {
    if let Some(element) = element.dyn_ref::<HtmlElement>()
        && element.is_connected()
    {
        let _ = element.focus();
    }
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
