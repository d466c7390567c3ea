//! What the browser keeps for the dashboard: the API key for this tab only
//! (`sessionStorage`: gone when the tab closes), and the chosen language (`localStorage`).

use crate::texts::Lang;

const KEY: &str = "nunchi.dashboard.key";
const LANG: &str = "nunchi.dashboard.lang";

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

pub(crate) fn key() -> Option<String> {
    session_storage()?
        .get_item(KEY)
        .ok()?
        .filter(|k| !k.is_empty())
}

pub(crate) fn keep_key(key: &str) {
    if let Some(storage) = session_storage() {
        let _ = storage.set_item(KEY, key);
    }
}

pub(crate) fn forget_key() {
    if let Some(storage) = session_storage() {
        let _ = storage.remove_item(KEY);
    }
}

/// The language chosen with the switch, else the browser's.
pub(crate) fn lang() -> Lang {
    let chosen = local_storage().and_then(|s| s.get_item(LANG).ok().flatten());
    let browser = web_sys::window().and_then(|w| w.navigator().language());
    Lang::pick(chosen.as_deref().or(browser.as_deref()))
}

pub(crate) fn keep_lang(lang: Lang) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(LANG, lang.code());
    }
}
