//! Talking to the collector.

use gloo_net::http::Request;
use shared::display::DisplayEvent;
use shared::response::RawResponse;
use shared::site::SiteConfig;

use crate::embed::Embed;

pub(crate) async fn fetch_config(embed: &Embed) -> Result<SiteConfig, String> {
    let mut url = format!("{}/v1/sites/{}/config", embed.collector, embed.site);
    if let Some(store) = &embed.store {
        url.push_str(&format!("?store={store}"));
    }
    let response = Request::get(&url).send().await.map_err(|e| e.to_string())?;
    if !response.ok() {
        return Err(format!(
            "the collector answered {} for the site's configuration",
            response.status()
        ));
    }
    response.json().await.map_err(|e| e.to_string())
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

/// Sends one response and says what to do with it.
pub(crate) async fn send_response(embed: &Embed, response: &RawResponse) -> Delivery {
    let url = format!("{}/v1/responses", embed.collector);
    let request = match Request::post(&url).json(response) {
        Ok(r) => r,
        Err(_) => return Delivery::Refused(0),
    };
    let reply = match request.send().await {
        Ok(reply) => reply,
        Err(_) => return Delivery::Retry { after_ms: None },
    };
    match reply.status() {
        200..=299 => Delivery::Stored,
        408 | 429 | 500..=599 => Delivery::Retry {
            after_ms: reply
                .headers()
                .get("retry-after")
                .and_then(|v| v.trim().parse::<i64>().ok())
                .map(|secs| secs.clamp(0, 3_600) * 1_000),
        },
        status => Delivery::Refused(status),
    }
}

pub(crate) async fn send_display(embed: &Embed, event: &DisplayEvent) -> Result<(), String> {
    let url = format!("{}/v1/displays", embed.collector);
    let reply = Request::post(&url)
        .json(event)
        .map_err(|e| e.to_string())?
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if reply.ok() {
        Ok(())
    } else {
        Err(format!("the collector answered {}", reply.status()))
    }
}

/// Asks the collector whether the member may be shown the survey now; on yes, the collector
/// has recorded the display.
pub(crate) async fn eligibility(
    embed: &Embed,
    request: &shared::display::EligibilityRequest,
) -> Result<bool, String> {
    let url = format!("{}/v1/eligibility", embed.collector);
    let reply = Request::post(&url)
        .json(request)
        .map_err(|e| e.to_string())?
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !reply.ok() {
        return Err(format!("the collector answered {}", reply.status()));
    }
    let answer: serde_json::Value = reply.json().await.map_err(|e| e.to_string())?;
    Ok(answer["decision"] == "show")
}
