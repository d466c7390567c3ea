//! Receipt mode (`data-mode="receipt"`): the page a receipt's QR code opens, `/r/{token}`.
//!
//! The token comes from the address. The receipt (`GET /v1/receipts/{token}`) names the site,
//! the survey and the purchase; the widget tells the page what it found with `nunchi:receipt`
//! (`detail.status`: `ready` with `detail.purchase`; `sending` with it when this phone's answer
//! still waits in the outbox; or `used`, `invalid`, `expired`, `unavailable`), and on `ready`
//! shows the survey at once, inline. The page writes the
//! purchase and the messages itself: the widget carries no money formatting and no prose.
//! The answer goes through the outbox to the receipt's own `responses_url`, so it is sent
//! exactly once however the network behaves; a 409 there is final (`used`).
//!
//! The editor's preview page, `/p/{id}`, runs this mode too: the collector answers
//! `GET /v1/previews/{id}` in a receipt's shape, and its `responses_url` checks the answer
//! against the draft and keeps nothing.

use js_sys::{Object, Reflect};
use shared::map::Map;
use shared::survey::Survey;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use crate::embed::RawEmbed;
use crate::state::Widget;
use crate::{api, flow, outbox, state, warn};

pub(crate) const EVENT: &str = "nunchi:receipt";

/// What a refusal of the collector means for the customer.
pub(crate) fn status_name(status: u16) -> &'static str {
    match status {
        409 => "used",
        410 => "expired",
        403 | 404 => "invalid",
        _ => "unavailable",
    }
}

/// Dispatches `nunchi:receipt` with `{status, purchase}` on `window`.
pub(crate) fn tell_host(status: &str, purchase: &JsValue) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let detail = Object::new();
    let _ = Reflect::set(&detail, &"status".into(), &status.into());
    let _ = Reflect::set(&detail, &"purchase".into(), purchase);
    let init = web_sys::CustomEventInit::new();
    init.set_detail(&detail);
    if let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict(EVENT, &init) {
        let _ = window.dispatch_event(&event);
    }
}

/// Where the survey of this page is read: for `/r/{token}` the receipt's, for `/p/{id}` a
/// draft's preview (the dashboard's editor), which the collector serves in a receipt's shape.
fn source() -> Option<String> {
    let path = web_sys::window()?.location().pathname().ok()?;
    let (api, key) = match path.strip_prefix("/r/") {
        Some(token) => ("/v1/receipts/", token),
        None => ("/v1/previews/", path.strip_prefix("/p/")?),
    };
    (!key.is_empty() && !key.contains('/')).then(|| format!("{api}{key}"))
}

/// Fetches the receipt and shows its survey, or tells the page why not.
pub(crate) fn start(raw: RawEmbed) {
    let Some(source) = source() else {
        return tell_host("invalid", &JsValue::NULL);
    };
    wasm_bindgen_futures::spawn_local(async move {
        let status = match open(raw, &source).await {
            Ok(()) => return,
            Err(Some(status)) => status_name(status),
            Err(None) => "unavailable",
        };
        tell_host(status, &JsValue::NULL);
    });
}

/// `Err(Some(status))`: the collector refused the token; `Err(None)`: no usable answer.
async fn open(raw: RawEmbed, source: &str) -> Result<(), Option<u16>> {
    let mut url = raw.collector().to_owned();
    url.push_str(source);
    let reply = api::fetch("GET", &url, None).await.map_err(|_| None)?;
    if !reply.ok() {
        return Err(Some(reply.status()));
    }
    let body = JsFuture::from(reply.json().map_err(|_| None)?)
        .await
        .map_err(|_| None)?;
    let field = |name: &str| Reflect::get(&body, &JsValue::from_str(name)).unwrap_or_default();
    let (site, to) = (
        field("site_id").as_string(),
        field("responses_url").as_string(),
    );
    let survey: Survey = crate::json::from_value(field("survey")).map_err(|_| None)?;
    let embed = raw
        .for_receipt(site.ok_or(None)?, to.ok_or(None)?)
        .parse()
        .map_err(|e| {
            warn(&e);
            None
        })?;
    state::install(Widget {
        member: None,
        embed: embed.clone(),
        config: None,
        waiting: Vec::new(),
        on_screen: None,
        attributes: Map::new(),
        page: 0,
    });
    // An answer from an earlier visit that did not get through goes out first; the survey is
    // not asked again meanwhile.
    let answered = embed
        .receipt
        .as_deref()
        .is_some_and(|to| outbox::holds(&embed, to));
    outbox::flush(&embed, true);
    crate::listen_for_network(&embed);
    tell_host(
        if answered { "sending" } else { "ready" },
        &field("purchase"),
    );
    if !answered {
        flow::show_receipt(std::sync::Arc::new(survey), embed);
    }
    Ok(())
}
