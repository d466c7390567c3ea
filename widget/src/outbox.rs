//! The outbox: every answer is kept on the device until the collector has acknowledged it.
//!
//! An answer enters the outbox before the thank-you shows. Sending follows the collector's
//! contract: a 2xx (or a duplicate) removes it; 400/401/403/404/413/422 can never succeed, so it
//! is dropped and counted; 408, 429, 5xx and network failures are retried with exponential
//! backoff and jitter, honouring `Retry-After`. The collector stores each `response_id` once,
//! so sending again is always safe.

use std::cell::Cell;

use js_sys::{Array, JSON, Object, Reflect};
use shared::report::{ClientReport, DiscardReason, Discarded, MAX_QUANTITY};
use shared::response::RawResponse;
use wasm_bindgen::{JsCast, JsValue};

use crate::api::Delivery;
use crate::embed::Embed;
use crate::{device, now, warn};

/// At most this many answers wait on one device; the oldest beyond it are dropped, counted
/// under [`DROPPED`], and the count is reported to the collector.
pub(crate) const CAP: usize = 100;
/// A kiosk's cap: it keeps answering for hours without network. A kiosk entry is about 400
/// bytes of JSON (a UUID, the survey, one or two answers, store and kiosk, times), so 5,000
/// take about 2 MB of the origin's 5 MB of local storage.
const KIOSK_CAP: usize = 5_000;
const DROPPED: &str = "dropped";
const FIRST_RETRY_MS: f64 = 1_000.0;
const LONGEST_RETRY_MS: f64 = 300_000.0;

/// One waiting answer. Stored as `{"response": {...}, "attempts": 2, "due": 1700000000000}`,
/// plus `"to": "/v1/receipts/{token}/responses"` for an answer with an endpoint of its own (a
/// receipt's). Entries written before `to` existed have none and go to `/v1/responses`.
///
/// The response stays the plain JS object it was written as: the widget never reads an answer
/// back, it only sends it, so decoding `RawResponse` again (2.8 KB of the bundle) would buy
/// nothing.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// The response, as the collector takes it.
    response: JsValue,
    /// Its `response_id`, which tells entries apart.
    id: String,
    attempts: u32,
    /// Not before this time (Unix ms).
    due: i64,
    /// The path it is posted to, if not `/v1/responses`.
    to: Option<String>,
}

impl Entry {
    fn new(response: &RawResponse, to: Option<&str>) -> Option<Self> {
        Some(Self {
            response: crate::json::to_value(response).ok()?,
            id: response.response_id.to_string(),
            attempts: 0,
            due: 0,
            to: to.map(str::to_owned),
        })
    }

    /// An entry as stored; `None` for anything that is not one.
    fn read(stored: &JsValue) -> Option<Self> {
        let field = |name: &str| Reflect::get(stored, &JsValue::from_str(name)).ok();
        let response = field("response").filter(JsValue::is_object)?;
        let id = Reflect::get(&response, &JsValue::from_str("response_id"))
            .ok()?
            .as_string()?;
        let number = |name: &str| field(name).and_then(|v| v.as_f64()).unwrap_or(0.0);
        Some(Self {
            response,
            id,
            attempts: number("attempts") as u32,
            due: number("due") as i64,
            to: field("to").and_then(|v| v.as_string()),
        })
    }

    fn stored(&self) -> JsValue {
        let entry = Object::new();
        let _ = Reflect::set(&entry, &"response".into(), &self.response);
        let _ = Reflect::set(&entry, &"attempts".into(), &self.attempts.into());
        let _ = Reflect::set(&entry, &"due".into(), &(self.due as f64).into());
        if let Some(to) = &self.to {
            let _ = Reflect::set(&entry, &"to".into(), &to.into());
        }
        entry.into()
    }

    /// The request body for this answer alone.
    fn body(&self) -> Option<String> {
        JSON::stringify(&self.response).ok()?.as_string()
    }
}

/// The outbox kept on the device, oldest first; empty if there is none or it is unreadable.
fn load(embed: &Embed) -> Vec<Entry> {
    device::outbox(&embed.site)
        .and_then(|json| JSON::parse(&json).ok())
        .and_then(|v| v.dyn_into::<Array>().ok())
        .map(|stored| stored.iter().filter_map(|e| Entry::read(&e)).collect())
        .unwrap_or_default()
}

/// Replaces the outbox kept on the device; `false` if storage refused it.
fn save(embed: &Embed, entries: &[Entry]) -> bool {
    let stored: Array = entries.iter().map(Entry::stored).collect();
    JSON::stringify(&stored)
        .ok()
        .and_then(|json| json.as_string())
        .is_some_and(|json| device::save_outbox(&embed.site, &json))
}

/// Whether an answer for `to` (a receipt's endpoint) is waiting on the device.
#[cfg(feature = "receipt")]
pub(crate) fn holds(embed: &Embed, to: &str) -> bool {
    load(embed).iter().any(|e| e.to.as_deref() == Some(to))
}

thread_local! {
    static SENDING: Cell<bool> = const { Cell::new(false) };
}

/// Keeps `response` on the device, to be posted to `to` (a path on the collector), else to
/// `/v1/responses`. Returns once it is stored (or storage refused it).
pub(crate) fn keep(embed: &Embed, response: &RawResponse, to: Option<&str>) {
    let mut entries = load(embed);
    entries.extend(Entry::new(response, to));
    let cap = if embed.kiosk.is_some() {
        KIOSK_CAP
    } else {
        CAP
    };
    if entries.len() > cap {
        let over = entries.len() - cap;
        entries.drain(..over);
        device::count(&embed.site, DROPPED, over as i64);
        warn("the outbox is full: the oldest answers are dropped");
    }
    if !save(embed, &entries) {
        warn("local storage is unavailable: this answer is sent once, without retries");
    }
}

/// Sends waiting answers in order, and schedules the next attempt if any remain.
///
/// The outbox backs off as a whole: when the collector cannot take one answer, every answer
/// waits, so an outage costs one request per backoff period, not one per answer. With `eager`
/// (a page load, the network coming back) the oldest answer is tried even before it is due;
/// once one gets through, the rest follow at once.
pub(crate) fn flush(embed: &Embed, eager: bool) {
    if SENDING.with(|s| s.replace(true)) {
        return;
    }
    let embed = embed.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let mut entries = load(&embed);
        // Delivered or dropped during this flush: not to be merged back from storage.
        let mut done: Vec<String> = Vec::new();
        let mut reachable = eager;
        while let Some(entry) = entries.first() {
            if !reachable && entry.due > now().millis() {
                break;
            }
            let Some(body) = entry.body() else {
                done.push(entries.remove(0).id);
                continue;
            };
            let to = entry.to.as_deref().unwrap_or("/v1/responses");
            match crate::api::send_response(&embed, to, body).await {
                Delivery::Stored => {
                    reachable = true;
                    done.push(entries.remove(0).id);
                }
                // A receipt answered already (from another tab or phone: 409), expired or
                // revoked: final, and the page says so rather than thank for an answer that
                // was not kept.
                Delivery::Refused(status) if entry.to.is_some() => {
                    warn("the receipt's answer was refused; it is dropped");
                    // Only the receipt page has a message to show; another page of the same
                    // origin that sends the entry has nobody to tell.
                    #[cfg(feature = "receipt")]
                    crate::receipt::tell_host(crate::receipt::status_name(status), &JsValue::NULL);
                    #[cfg(not(feature = "receipt"))]
                    let _ = status;
                    done.push(entries.remove(0).id);
                }
                Delivery::Refused(status) => {
                    warn(&format!(
                        "the collector refused an answer ({status}); it is dropped"
                    ));
                    device::count(&embed.site, "refused", 1);
                    done.push(entries.remove(0).id);
                }
                Delivery::Retry { after_ms } => {
                    let attempts = entry.attempts + 1;
                    let due = now().millis() + after_ms.unwrap_or_else(|| backoff(attempts));
                    for e in &mut entries {
                        e.attempts = e.attempts.max(attempts);
                        e.due = e.due.max(due);
                    }
                    break;
                }
            }
            entries = merge_and_save(&embed, entries, &done);
        }
        let entries = merge_and_save(&embed, entries, &done);
        if reachable {
            report_dropped(&embed).await;
        }
        SENDING.with(|s| s.set(false));
        if let Some(next) = entries.iter().map(|e| e.due).min() {
            let wait = (next - now().millis()).max(250);
            crate::after(wait, move || flush(&embed, false));
        }
    });
}

/// Saves `entries` plus any answer kept in storage since they were read (another survey on
/// this page answered meanwhile), and returns the merged list.
fn merge_and_save(embed: &Embed, mut entries: Vec<Entry>, done: &[String]) -> Vec<Entry> {
    for stored in load(embed) {
        if !done.contains(&stored.id) && !entries.iter().any(|e| e.id == stored.id) {
            entries.push(stored);
        }
    }
    save(embed, &entries);
    entries
}

/// Tells the collector how many answers the cap dropped since the last report; the count on
/// the device goes down by what the collector acknowledged.
async fn report_dropped(embed: &Embed) {
    let dropped = device::counter(&embed.site, DROPPED);
    if dropped == 0 {
        return;
    }
    let quantity = u32::try_from(dropped).unwrap_or(u32::MAX).min(MAX_QUANTITY);
    let report = ClientReport {
        site_id: embed.site.clone(),
        discarded: vec![Discarded {
            reason: DiscardReason::OutboxFull,
            quantity,
        }],
    };
    if crate::api::send_report(embed, &report).await.is_ok() {
        device::count(&embed.site, DROPPED, -i64::from(quantity));
    }
}

/// 1 s, 2 s, 4 s … up to 5 min, each between half and the whole of it, so that many devices
/// coming back at once do not all retry together.
fn backoff(attempts: u32) -> i64 {
    let full = (FIRST_RETRY_MS * 2f64.powi(attempts.saturating_sub(1).min(20) as i32))
        .min(LONGEST_RETRY_MS);
    (full * (0.5 + js_sys::Math::random() / 2.0)) as i64
}

/// On `pagehide`: hand everything still waiting to the browser, which sends it even as the page
/// goes away. The entries stay: the collector ignores what it has already, and what the beacon
/// could not deliver goes out on the next page load (which flushes eagerly).
pub(crate) fn beacon(embed: &Embed) {
    let Some(navigator) = web_sys::window().map(|w| w.navigator()) else {
        return;
    };
    // Answers with an endpoint of their own (receipts) wait for the next page load: the batch
    // route takes only site answers.
    let entries: Vec<Entry> = load(embed).into_iter().filter(|e| e.to.is_none()).collect();
    for chunk in entries.chunks(crate::api::MAX_BATCH) {
        let batch = Object::new();
        let responses: Array = chunk.iter().map(|e| e.response.clone()).collect();
        let _ = Reflect::set(&batch, &"responses".into(), &responses);
        let Some(body) = JSON::stringify(&batch).ok().and_then(|b| b.as_string()) else {
            continue;
        };
        // text/plain: a beacon cannot send JSON cross-origin without a preflight.
        let _ = navigator.send_beacon_with_opt_str(
            &crate::api::endpoint(embed, "/v1/responses/batch"),
            Some(&body),
        );
    }
}
