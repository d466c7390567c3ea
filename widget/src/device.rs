//! What this device remembers, in local storage: an anonymous device id (the subject of sticky
//! sampling) and the contact history that `shared::throttle::decide` reads. The only module
//! that knows the DOM's storage.

use shared::ids::SiteId;
use shared::throttle::{Contact, ContactHistory, ContactKind};

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn key(site: &SiteId, what: &str) -> String {
    format!("nunchi:{site}:{what}")
}

/// A random id for this browser, made once. Never sent with responses; only sampling uses it.
pub(crate) fn device_id(site: &SiteId) -> String {
    let k = key(site, "device");
    if let Some(id) = storage().and_then(|s| s.get_item(&k).ok().flatten()) {
        return id;
    }
    let id = uuid::Uuid::now_v7().to_string();
    if let Some(s) = storage() {
        let _ = s.set_item(&k, &id);
    }
    id
}

/// The history of this device; empty if storage is unavailable or unreadable.
pub(crate) fn history(site: &SiteId) -> ContactHistory {
    storage()
        .and_then(|s| s.get_item(&key(site, "history")).ok().flatten())
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default()
}

pub(crate) fn record(site: &SiteId, kind: ContactKind, contact: Contact) {
    let mut history = history(site);
    history.record(kind, contact);
    if let (Some(s), Ok(json)) = (storage(), serde_json::to_string(&history)) {
        let _ = s.set_item(&key(site, "history"), &json);
    }
}
