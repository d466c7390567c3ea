//! The widget's own corner of the host page: a host element with an open shadow root, so the
//! host page's styles cannot reach in and ours cannot leak out.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, ShadowRoot, ShadowRootInit, ShadowRootMode};

use crate::embed::Placement;

// `src/widget.css` without its comments (see build.rs).
const STYLE: &str = include_str!(concat!(env!("OUT_DIR"), "/widget.min.css"));

/// A host element (in `<body>`, or in the host's element for inline placement), and the element
/// inside its shadow root to render into.
pub(crate) struct Mount {
    host: Element,
    pub root: Element,
}

impl Mount {
    /// `right_to_left`: for Arabic and Hebrew, the card is laid out from the right. `receipt`:
    /// a receipt page's card, the page's one content, with large targets for a thumb.
    pub(crate) fn new(
        placement: &Placement,
        right_to_left: bool,
        receipt: bool,
    ) -> Result<Mount, String> {
        let document = web_sys::window()
            .and_then(|w| w.document())
            .ok_or("no document")?;
        let parent: Element = match placement {
            Placement::Inline(selector) => document
                .query_selector(selector)
                .ok()
                .flatten()
                .ok_or_else(|| format!("data-placement: no element matches \"{selector}\""))?,
            _ => document.body().ok_or("no body")?.into(),
        };
        let host = document
            .create_element("nunchi-survey")
            .map_err(|_| "cannot create the host element")?;
        if right_to_left {
            let _ = host.set_attribute("dir", "rtl");
        }
        let place = match placement {
            Placement::Corner { left: false } => "bottom-right",
            Placement::Corner { left: true } => "bottom-left",
            Placement::Center => "center",
            Placement::Inline(_) => "inline",
        };
        let _ = host.set_attribute("placement", place);
        if receipt {
            let _ = host.set_attribute("receipt", "");
        }
        let shadow = host
            .attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
            .map_err(|_| "cannot attach a shadow root")?;
        style(&document, &shadow)?;
        let root = document
            .create_element("div")
            .map_err(|_| "cannot create the root")?;
        root.set_class_name("nunchi-root");
        shadow.append_child(&root).map_err(|_| "cannot mount")?;
        parent
            .append_child(&host)
            .map_err(|_| "cannot attach to the page")?;
        Ok(Mount {
            host,
            root: root.unchecked_into(),
        })
    }
}

/// Styles the shadow root with a constructed stylesheet: unlike a `<style>` element, it is not
/// inline style in the eyes of a Content-Security-Policy, so host pages need no
/// `'unsafe-inline'` for us. Browsers without constructable stylesheets get a `<style>`.
fn style(document: &web_sys::Document, shadow: &ShadowRoot) -> Result<(), String> {
    if let Ok(sheet) = web_sys::CssStyleSheet::new()
        && sheet.replace_sync(STYLE).is_ok()
    {
        let sheets = js_sys::Array::of1(&sheet);
        if js_sys::Reflect::set(shadow, &JsValue::from_str("adoptedStyleSheets"), &sheets)
            .unwrap_or(false)
        {
            return Ok(());
        }
    }
    let style = document
        .create_element("style")
        .map_err(|_| "cannot create a style")?;
    style.set_text_content(Some(STYLE));
    shadow.append_child(&style).map_err(|_| "cannot style")?;
    Ok(())
}

impl Drop for Mount {
    fn drop(&mut self) {
        self.host.remove();
    }
}
