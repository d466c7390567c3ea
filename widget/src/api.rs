//! Talking to the collector, with the browser's `fetch`.

use shared::display::DisplayEvent;
use shared::site::SiteConfig;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::embed::Embed;

/// `fetch(url, {method, body})`, with a JSON body when given. Network failures are `Err`.
pub(crate) async fn fetch(
    method: &str,
    url: &str,
    body: Option<&str>,
) -> Result<web_sys::Response, String> {
    let window = web_sys::window().ok_or("no window")?;
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    if let Some(body) = body {
        let headers = web_sys::Headers::new().map_err(|_| "no headers")?;
        let _ = headers.set("content-type", "application/json");
        init.set_headers(&headers);
        init.set_body(&JsValue::from_str(body));
    }
    let reply = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(|_| "the network is unavailable")?;
    Ok(reply.unchecked_into())
}

async fn post_json<T: serde::Serialize>(url: &str, value: &T) -> Result<web_sys::Response, String> {
    let body = crate::json::to_string(value)?;
    fetch("POST", url, Some(&body)).await
}

async fn read_json<T: serde::de::DeserializeOwned>(reply: &web_sys::Response) -> Result<T, String> {
    let promise = reply.json().map_err(|_| "no body")?;
    let value = JsFuture::from(promise)
        .await
        .map_err(|_| "the answer is not JSON")?;
    crate::json::from_value(value)
}

fn status_error(status: u16) -> String {
    let mut e = String::from("the collector answered ");
    e.push_str(&status.to_string());
    e
}

pub(crate) async fn fetch_config(embed: &Embed) -> Result<SiteConfig, String> {
    let mut url = embed.collector.clone();
    url.push_str("/v1/sites/");
    url.push_str(embed.site.as_str());
    url.push_str("/config");
    if let Some(store) = &embed.store {
        url.push_str("?store=");
        url.push_str(store.as_str());
    }
    let response = fetch("GET", &url, None).await?;
    if !response.ok() {
        return Err(status_error(response.status()));
    }
    read_json(&response).await
}

/// The most responses one batch may carry (the collector's limit).
pub(crate) const MAX_BATCH: usize = 100;

/// What became of one attempt to deliver a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delivery {
    /// Stored now or before (a duplicate): done.
    Stored,
    /// Can never succeed (400, 401, 403, 404, 413, 422): drop it.
    Refused(u16),
    /// Try again later (network failure, 408, 429, 5xx), after `Retry-After` if given.
    Retry { after_ms: Option<i64> },
}

pub(crate) fn endpoint(embed: &Embed, path: &str) -> String {
    let mut url = embed.collector.clone();
    url.push_str(path);
    url
}

/// Sends one response to `path` and says what to do with it.
pub(crate) async fn send_response(embed: &Embed, path: &str, body: String) -> Delivery {
    let reply = match fetch("POST", &endpoint(embed, path), Some(&body)).await {
        Ok(reply) => reply,
        Err(_) => return Delivery::Retry { after_ms: None },
    };
    match reply.status() {
        200..=299 => Delivery::Stored,
        408 | 429 | 500..=599 => Delivery::Retry {
            after_ms: reply
                .headers()
                .get("retry-after")
                .ok()
                .flatten()
                .and_then(|v| v.trim().parse::<i64>().ok())
                .map(|secs| secs.clamp(0, 3_600) * 1_000),
        },
        status => Delivery::Refused(status),
    }
}

pub(crate) async fn send_display(embed: &Embed, event: &DisplayEvent) -> Result<(), String> {
    let reply = post_json(&endpoint(embed, "/v1/displays"), event).await?;
    if reply.ok() {
        Ok(())
    } else {
        Err(status_error(reply.status()))
    }
}

/// Reports what the widget discarded on the device (see `shared::report`).
pub(crate) async fn send_report(
    embed: &Embed,
    report: &shared::report::ClientReport,
) -> Result<(), String> {
    let reply = post_json(&endpoint(embed, "/v1/client-reports"), report).await?;
    if reply.ok() {
        Ok(())
    } else {
        Err(status_error(reply.status()))
    }
}

/// Asks the collector whether the member may be shown the survey now; on yes, the collector
/// has recorded the display.
pub(crate) async fn eligibility(
    embed: &Embed,
    request: &shared::display::EligibilityRequest,
) -> Result<Eligible, String> {
    let reply = post_json(&endpoint(embed, "/v1/eligibility"), request).await?;
    if !reply.ok() {
        return Err(status_error(reply.status()));
    }
    // Only `decision` is read, from the parsed body itself: a serde derive for one string
    // field costs more than it says.
    let body = JsFuture::from(reply.json().map_err(|_| "no body")?)
        .await
        .map_err(|_| "the answer is not JSON")?;
    let decision = js_sys::Reflect::get(&body, &JsValue::from_str("decision"))
        .ok()
        .and_then(|d| d.as_string())
        .unwrap_or_default();
    Ok(match decision.as_str() {
        "show" => Eligible::Show,
        // The browser sends Global Privacy Control: the collector keeps no member ledger, so
        // the device decides as for an anonymous visitor.
        "decide_on_device" => Eligible::OnDevice,
        _ => Eligible::NotNow,
    })
}

/// The collector's answer for a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Eligible {
    /// Yes, and the display is recorded.
    Show,
    NotNow,
    /// Decide on the device (the visitor asked for privacy).
    OnDevice,
}
