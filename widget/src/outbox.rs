//! The outbox: every answer is kept on the device until the collector has acknowledged it.
//!
//! An answer enters the outbox before the thank-you shows. Sending follows the collector's
//! contract: a 2xx (or a duplicate) removes it; 400/401/403/404/413/422 can never succeed, so it
//! is dropped and counted; 408, 429, 5xx and network failures are retried with exponential
//! backoff and jitter, honouring `Retry-After`. The collector stores each `response_id` once,
//! so sending again is always safe.

use std::cell::Cell;

use serde::{Deserialize, Serialize};
use shared::ids::ResponseId;
use shared::response::RawResponse;

use crate::api::Delivery;
use crate::embed::Embed;
use crate::{device, now, warn};

/// At most this many answers wait on one device; the oldest beyond it are dropped and counted.
pub(crate) const CAP: usize = 100;
const FIRST_RETRY_MS: f64 = 1_000.0;
const LONGEST_RETRY_MS: f64 = 300_000.0;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Entry {
    pub response: RawResponse,
    #[serde(default)]
    pub attempts: u32,
    /// Not before this time (Unix ms).
    #[serde(default)]
    pub due: i64,
}

thread_local! {
    static SENDING: Cell<bool> = const { Cell::new(false) };
}

/// Keeps `response` on the device. Returns once it is stored (or storage refused it).
pub(crate) fn keep(embed: &Embed, response: RawResponse) {
    let mut entries = device::outbox(&embed.site);
    entries.push(Entry {
        response,
        attempts: 0,
        due: 0,
    });
    if entries.len() > CAP {
        let over = entries.len() - CAP;
        entries.drain(..over);
        device::count(&embed.site, "dropped", over as u64);
        warn(&format!(
            "the outbox is full: {over} oldest answers dropped"
        ));
    }
    if !device::save_outbox(&embed.site, &entries) {
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
        let mut entries = device::outbox(&embed.site);
        // Delivered or dropped during this flush: not to be merged back from storage.
        let mut done: Vec<ResponseId> = Vec::new();
        let mut reachable = eager;
        while let Some(entry) = entries.first() {
            if !reachable && entry.due > now().millis() {
                break;
            }
            match crate::api::send_response(&embed, &entry.response).await {
                Delivery::Stored => {
                    reachable = true;
                    done.push(entries.remove(0).response.response_id);
                }
                Delivery::Refused(status) => {
                    warn(&format!(
                        "the collector refused an answer ({status}); it is dropped"
                    ));
                    device::count(&embed.site, "refused", 1);
                    done.push(entries.remove(0).response.response_id);
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
        SENDING.with(|s| s.set(false));
        if let Some(next) = entries.iter().map(|e| e.due).min() {
            let wait = (next - now().millis()).max(250);
            crate::after(wait, move || flush(&embed, false));
        }
    });
}

/// Saves `entries` plus any answer kept in storage since they were read (another survey on
/// this page answered meanwhile), and returns the merged list.
fn merge_and_save(embed: &Embed, mut entries: Vec<Entry>, done: &[ResponseId]) -> Vec<Entry> {
    for stored in device::outbox(&embed.site) {
        let id = stored.response.response_id;
        if !done.contains(&id) && !entries.iter().any(|e| e.response.response_id == id) {
            entries.push(stored);
        }
    }
    device::save_outbox(&embed.site, &entries);
    entries
}

/// 1 s, 2 s, 4 s … up to 5 min, each between half and the whole of it, so that many devices
/// coming back at once do not all retry together.
fn backoff(attempts: u32) -> i64 {
    let full = (FIRST_RETRY_MS * 2f64.powi(attempts.saturating_sub(1).min(20) as i32))
        .min(LONGEST_RETRY_MS);
    (full * (0.5 + js_sys::Math::random() / 2.0)) as i64
}

#[derive(Serialize)]
struct Batch<'a> {
    responses: Vec<&'a RawResponse>,
}

/// On `pagehide`: hand everything still waiting to the browser, which sends it even as the page
/// goes away. The entries stay: the collector ignores what it has already, and what the beacon
/// could not deliver goes out on the next page load (which flushes eagerly).
pub(crate) fn beacon(embed: &Embed) {
    let Some(navigator) = web_sys::window().map(|w| w.navigator()) else {
        return;
    };
    let entries = device::outbox(&embed.site);
    for chunk in entries.chunks(crate::api::MAX_BATCH) {
        let batch = Batch {
            responses: chunk.iter().map(|e| &e.response).collect(),
        };
        let Ok(body) = crate::json::to_string(&batch) else {
            continue;
        };
        // text/plain: a beacon cannot send JSON cross-origin without a preflight.
        let _ = navigator.send_beacon_with_opt_str(
            &crate::api::endpoint(embed, "/v1/responses/batch"),
            Some(&body),
        );
    }
}
