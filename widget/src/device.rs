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
    let id = crate::new_uuid().to_string();
    if let Some(s) = storage() {
        let _ = s.set_item(&k, &id);
    }
    id
}

/// The history of this device; empty if storage is unavailable or unreadable.
pub(crate) fn history(site: &SiteId) -> ContactHistory {
    storage()
        .and_then(|s| s.get_item(&key(site, "history")).ok().flatten())
        .and_then(|json| crate::json::from_str(&json).ok())
        .unwrap_or_default()
}

pub(crate) fn record(site: &SiteId, kind: ContactKind, contact: Contact) {
    let mut history = history(site);
    history.record(kind, contact);
    if let (Some(s), Ok(json)) = (storage(), crate::json::to_string(&history)) {
        let _ = s.set_item(&key(site, "history"), &json);
    }
}

/// The stored outbox (see `outbox`), as written; `None` if there is none or storage is off.
pub(crate) fn outbox(site: &SiteId) -> Option<String> {
    storage()?.get_item(&key(site, "outbox")).ok()?
}

/// Replaces the stored outbox. `false` if it could not be written (storage full or disabled).
pub(crate) fn save_outbox(site: &SiteId, json: &str) -> bool {
    storage().is_some_and(|s| s.set_item(&key(site, "outbox"), json).is_ok())
}

/// A counter kept on the device (answers dropped by the outbox's cap, or refused).
pub(crate) fn counter(site: &SiteId, what: &str) -> u64 {
    storage()
        .and_then(|s| s.get_item(&key(site, what)).ok().flatten())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Moves a counter kept on the device up or down (never below zero).
pub(crate) fn count(site: &SiteId, what: &str, delta: i64) {
    let n = counter(site, what).saturating_add_signed(delta);
    if let Some(s) = storage() {
        let _ = s.set_item(&key(site, what), &n.to_string());
    }
}

/// Milliseconds added to the device clock, read from `nunchi:clock-offset-ms`. A test hook:
/// end-to-end tests move time past a waiting period without waiting a day.
pub(crate) fn clock_offset_ms() -> i64 {
    storage()
        .and_then(|s| s.get_item("nunchi:clock-offset-ms").ok().flatten())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Whether `nunchi:fail-for-test` is set. A test hook: end-to-end tests make the card panic
/// while rendering, to check that a failure stays inside the widget.
pub(crate) fn fail_for_test() -> bool {
    storage().is_some_and(|s| s.get_item("nunchi:fail-for-test").ok().flatten().is_some())
}

/// The member named by `nunchi.identify`, kept until `nunchi.reset` (a log-out).
pub(crate) fn member(site: &SiteId) -> Option<shared::ids::MemberId> {
    let id = storage()?.get_item(&key(site, "member")).ok()??;
    shared::ids::MemberId::parse(id).ok()
}

pub(crate) fn remember_member(site: &SiteId, member: Option<&shared::ids::MemberId>) {
    let Some(s) = storage() else { return };
    let _ = match member {
        Some(m) => s.set_item(&key(site, "member"), m.as_str()),
        None => s.remove_item(&key(site, "member")),
    };
}
