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

/// Sends one response. `Ok` once the collector has stored it (or had it already).
pub(crate) async fn send_response(embed: &Embed, response: &RawResponse) -> Result<(), String> {
    let url = format!("{}/v1/responses", embed.collector);
    let reply = Request::post(&url)
        .json(response)
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
