//! What the visitor does on the page that triggers can wait for: scrolling down, and moving
//! the pointer out towards the browser's tabs (exit intent).

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;

use crate::command::Command;
use crate::{flow, state};

/// Scroll depth is reported in steps of this many percent, not on every scroll event.
const STEP: u8 = 5;

pub(crate) fn watch() {
    let Some(window) = web_sys::window() else {
        return;
    };
    // The deepest point reached on this page, and whether exit intent fired; reset on navigation.
    let deepest = Rc::new(Cell::new((0u64, 0u8)));
    let on_scroll = Closure::<dyn Fn()>::new(move || {
        let page = state::with(|w| w.page).unwrap_or(0);
        let Some(percent) = scrolled_percent() else {
            return;
        };
        let (seen_page, seen) = deepest.get();
        let seen = if seen_page == page { seen } else { 0 };
        let stepped = percent / STEP * STEP;
        if stepped > seen {
            deepest.set((page, stepped));
            flow::run(Command::Scrolled(stepped));
        }
    });
    let exited = Rc::new(Cell::new(None::<u64>));
    let on_mouseout = Closure::<dyn Fn(web_sys::MouseEvent)>::new(move |e: web_sys::MouseEvent| {
        let page = state::with(|w| w.page).unwrap_or(0);
        if e.related_target().is_none() && e.client_y() <= 0 && exited.get() != Some(page) {
            exited.set(Some(page));
            flow::run(Command::ExitIntent);
        }
    });
    let _ = window.add_event_listener_with_callback("scroll", on_scroll.as_ref().unchecked_ref());
    if let Some(document) = window.document() {
        let _ = document
            .add_event_listener_with_callback("mouseout", on_mouseout.as_ref().unchecked_ref());
    }
    // Listeners live as long as the page.
    on_scroll.forget();
    on_mouseout.forget();
}

/// How far down the page the bottom of the viewport is, 0 to 100.
fn scrolled_percent() -> Option<u8> {
    let window = web_sys::window()?;
    let height = window.document()?.document_element()?.scroll_height() as f64;
    let bottom = window.scroll_y().ok()? + window.inner_height().ok()?.as_f64()?;
    if height <= 0.0 {
        return None;
    }
    Some((bottom / height * 100.0).clamp(0.0, 100.0) as u8)
}
