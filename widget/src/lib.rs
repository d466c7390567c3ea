//! The nunchi widget, compiled to wasm32 and embedded by one `<script>` tag.
//!
//! The loader (`widget.js`, written by `cargo xtask dist`) reads the script tag, defines the one
//! global `nunchi` (queueing calls made before the bundle is ready), loads this module and calls
//! [`boot`]. `boot` returns the function that every later `nunchi.*` call goes to.
//!
//! # Layout
//!
//! - [`embed`]: the script tag's options, validated.
//! - [`command`]: the host page's calls (`show`, `track`, `identify`, `reset`).
//! - [`flow`]: from a command to a decision, a survey on screen, and an answer in the outbox.
//! - `receipt`: receipt mode, the page a receipt's QR code opens (feature `receipt`: only the
//!   receipt bundle has it).
//! - [`state`]: the widget's state on this page.
//! - [`navigation`]: in-page navigations of single-page apps.
//! - [`page_events`]: scroll depth and exit intent, for triggers.
//! - [`api`]: the collector's endpoints.
//! - [`device`]: what this browser remembers (device id, history, outbox, member).
//! - [`json`]: JSON through the browser's `JSON.parse`/`JSON.stringify`, with a small serde
//!   deserializer and writer (no JSON parser, no error formatting in the bundle).
//! - [`outbox`]: answers kept on the device until the collector has them.
//! - [`host_events`]: `nunchi:shown`, `nunchi:answered`, `nunchi:dismissed` on `window`.
//! - [`mount`]: the host element and its shadow root.
//! - [`components`]: the survey card and the question views.
//! - [`texts`]: the widget's own interface texts, in Korean and English.

mod api;
mod command;
mod components;
mod device;
mod embed;
mod flow;
mod host_events;
mod json;
mod mount;
mod navigation;
mod outbox;
mod page_events;
#[cfg(feature = "receipt")]
mod receipt;
mod state;
mod texts;

use shared::map::Map;
use std::rc::Rc;

use shared::time::Timestamp;
use wasm_bindgen::prelude::*;

use crate::command::Command;
use crate::embed::RawEmbed;
use crate::state::Widget;

pub(crate) fn warn(message: &str) {
    web_sys::console::warn_1(&JsValue::from_str(&format!("nunchi: {message}")));
}

/// The device's time, plus the test clock offset (see [`device::clock_offset_ms`]).
pub(crate) fn now() -> Timestamp {
    Timestamp(js_sys::Date::now() as i64 + device::clock_offset_ms())
}

/// A new version 7 UUID: the time in milliseconds, then 74 random bits from the browser's
/// CSPRNG. Built with `uuid::Builder`: `Uuid::now_v7` brings a clock with 128-bit arithmetic
/// (1 KB of the bundle) and a second source of randomness.
pub(crate) fn new_uuid() -> uuid::Uuid {
    let mut random = [0u8; 10];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .is_some_and(|c| c.get_random_values_with_u8_array(&mut random).is_ok());
    if !filled {
        // No Web Crypto (very old browsers): still unique enough for an id, not for a secret.
        for byte in &mut random {
            *byte = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    uuid::Builder::from_unix_timestamp_millis(js_sys::Date::now() as u64, &random).into_uuid()
}

/// Runs `f` after `ms` milliseconds.
pub(crate) fn after(ms: i64, f: impl FnOnce() + 'static) {
    let callback = Closure::once_into_js(f);
    if let Some(window) = web_sys::window() {
        let ms = i32::try_from(ms).unwrap_or(i32::MAX);
        let _ = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(callback.unchecked_ref(), ms);
    }
}

/// Talc instead of the standard dlmalloc: 2-3 KB smaller in the bundle and faster, and it
/// merges freed neighbours, so a kiosk page open for days does not fragment its heap.
#[cfg(all(not(target_feature = "atomics"), target_family = "wasm"))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// Set once the widget has failed: from then on it does nothing at all.
static FAILED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether the widget has stopped after an internal error (see [`contain_panics`]).
pub(crate) fn failed() -> bool {
    FAILED.load(std::sync::atomic::Ordering::Relaxed)
}

/// A bug must never break the host page: on a panic the widget takes itself off the page,
/// says so once on the console and to the host (`nunchi:error`), and ignores later calls.
/// The wasm trap that follows the panic is kept from the page by the loader (widget/loader).
fn contain_panics() {
    // Through yew: a hook set with `std::panic::set_hook` is replaced by yew's own on the
    // first render, so a panic while a survey is on screen would not be contained.
    yew::set_custom_panic_hook(Box::new(|info| {
        FAILED.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(hosts) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.query_selector_all("nunchi-survey").ok())
        {
            for i in 0..hosts.length() {
                if let Some(host) = hosts
                    .item(i)
                    .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
                {
                    host.remove();
                }
            }
        }
        let message = info.to_string();
        warn(&format!(
            "the widget stopped after an internal error: {message}"
        ));
        host_events::dispatch(
            host_events::ERROR,
            &host_events::ErrorDetail { message: &message },
        );
    }));
}

/// Starts the widget with the script tag's options and returns the command handler.
#[wasm_bindgen]
pub fn boot(options: JsValue) -> Result<js_sys::Function, JsValue> {
    contain_panics();
    let raw = RawEmbed::from_js(&options).map_err(|e| JsValue::from_str(&e))?;
    let receipt_mode = raw
        .receipt_mode()
        .map_err(|e| JsValue::from_str(&format!("nunchi: {e}")))?;
    if receipt_mode {
        // The loader loads the receipt bundle for `data-mode="receipt"`; see widget/Cargo.toml.
        #[cfg(feature = "receipt")]
        receipt::start(raw);
        #[cfg(not(feature = "receipt"))]
        return Err(JsValue::from_str("nunchi: this bundle has no receipt mode"));
    } else {
        let embed = raw
            .parse()
            .map_err(|e| JsValue::from_str(&format!("nunchi: {e}")))?;
        start_site(embed);
    }
    // `made_on`: the address a call queued by the loader was made on. If the page has changed
    // since (a single-page app navigated before the bundle was ready), the call belongs to a
    // page that is gone: what it would show is dropped, as for any navigation.
    let handler = Closure::<dyn Fn(String, js_sys::Array, JsValue)>::new(
        |method: String, args: js_sys::Array, made_on: JsValue| match command::parse(&method, &args)
        {
            Ok(command) => match made_on.as_string() {
                Some(url) if flow::page_url().as_deref() != Some(url.as_str()) => {
                    flow::run_on_page(command, Some(flow::GONE))
                }
                _ => flow::run(command),
            },
            Err(e) => warn(&e),
        },
    );
    Ok(handler.into_js_value().unchecked_into())
}

/// Site mode: the site's surveys, shown as triggers fire.
fn start_site(embed: embed::Embed) {
    state::install(Widget {
        member: device::member(&embed.site),
        embed: embed.clone(),
        config: None,
        waiting: Vec::new(),
        on_screen: None,
        attributes: Map::new(),
        page: 0,
    });
    // Answers left from an earlier page (or an earlier outage) go out first.
    outbox::flush(&embed, true);
    listen_for_network(&embed);
    navigation::watch();
    page_events::watch();
    wasm_bindgen_futures::spawn_local(async move {
        match api::fetch_config(&embed).await {
            Ok(config) => {
                let waiting = state::with(|w| {
                    w.config = Some(Rc::new(config));
                    std::mem::take(&mut w.waiting)
                });
                flow::run(Command::PageView);
                for (command, page) in waiting.unwrap_or_default() {
                    flow::run_on_page(command, Some(page));
                }
            }
            Err(e) => warn(&format!("could not load the site's surveys: {e}")),
        }
    });
}

/// `online`: the network is back, send what waits. `pagehide`: the page is going away, hand
/// what waits to the browser as beacons.
pub(crate) fn listen_for_network(embed: &embed::Embed) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let on_online = {
        let embed = embed.clone();
        Closure::<dyn Fn()>::new(move || outbox::flush(&embed, true))
    };
    let on_pagehide = {
        let embed = embed.clone();
        Closure::<dyn Fn()>::new(move || outbox::beacon(&embed))
    };
    let _ = window.add_event_listener_with_callback("online", on_online.as_ref().unchecked_ref());
    let _ =
        window.add_event_listener_with_callback("pagehide", on_pagehide.as_ref().unchecked_ref());
    // Listeners live as long as the page.
    on_online.forget();
    on_pagehide.forget();
}
