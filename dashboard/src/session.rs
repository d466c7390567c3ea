//! What the browser keeps for the dashboard: the API key for this tab only
//! (`sessionStorage`: gone when the tab closes), and the chosen language (`localStorage`).

use crate::texts::Lang;

const KEY: &str = "nunchi.dashboard.key";
/// `admin` or `export`: what the key may do, as `GET /v1/admin/whoami` said at sign-in.
const SCOPE: &str = "nunchi.dashboard.scope";
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

/// Whether the key kept may change things (an admin key), not only read (an export key).
/// A tab signed in before scopes were kept counts as admin: the API refuses what it may not.
pub(crate) fn is_admin() -> bool {
    session_storage()
        .and_then(|s| s.get_item(SCOPE).ok().flatten())
        .is_none_or(|scope| scope == "admin")
}

pub(crate) fn keep_key(key: &str, admin: bool) {
    if let Some(storage) = session_storage() {
        let _ = storage.set_item(KEY, key);
        let _ = storage.set_item(SCOPE, if admin { "admin" } else { "export" });
    }
}

pub(crate) fn forget_key() {
    if let Some(storage) = session_storage() {
        let _ = storage.remove_item(KEY);
        let _ = storage.remove_item(SCOPE);
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
