//! The `keys`, `export`, `erase` and `receipt` commands of the `nunchi` binary: operator and data-team tools
//! beside `serve`.
//!
//! - [`keys`]: create, list and revoke API keys, on a stopped collector's data directory or
//!   through a running collector's admin API.
//! - [`erase`]: erase every record of a member, on a data directory or through the admin API.
//! - [`receipt`]: a receipt's survey link and QR code, through the API or on a data directory.
//! - [`export`]: pull responses from a running collector into a file, with a progress bar and
//!   a cursor file for incremental pulls.

pub mod erase;
pub mod export;
pub mod keys;
pub mod receipt;
pub mod rollups;

use anyhow::Context as _;
use serde_json::Value;

/// The error a collector answered, as `code: message (field)`.
async fn api_error(response: reqwest::Response) -> anyhow::Error {
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    let described = serde_json::from_str::<Value>(&body).ok().and_then(|v| {
        let e = v.get("error")?;
        let code = e.get("code")?.as_str()?;
        let message = e.get("message")?.as_str()?;
        Some(format!("{code}: {message}"))
    });
    anyhow::anyhow!(
        "the collector answered {status}: {}",
        described.unwrap_or(body)
    )
}

fn client() -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(concat!("nunchi/", env!("CARGO_PKG_VERSION")))
        .build()
        .context("could not set up the HTTP client")
}
