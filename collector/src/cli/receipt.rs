//! `nunchi receipt`: a receipt's survey link and QR code, for a shell or a POS script.
//!
//! Through a running collector with `--url` and `--key` (a receipts key of the site, or an
//! admin key), or on a stopped collector's data directory with `--public-url` (where
//! customers reach the collector). Prints the URL; writes the QR code with `--png`/`--svg`.

use std::path::PathBuf;

use anyhow::Context as _;
use base64::Engine as _;
use clap::Args;
use shared::ids::SiteId;
use shared::receipt::Currency;
use shared::time::Timestamp;

use crate::clock::Clock;
use crate::export::timestamps::parse_time;
use crate::receipt::{self, Issued, ReceiptRequest};
use crate::store::{Store, StoreOptions};

#[derive(Debug, Args)]
pub struct ReceiptCommand {
    #[arg(long)]
    pub site: String,
    /// The store the purchase was made at.
    #[arg(long)]
    pub store: String,
    /// The receipt number.
    #[arg(long)]
    pub receipt: String,
    /// The total in minor units (won, cents).
    #[arg(long)]
    pub amount: i64,
    /// ISO 4217 code.
    #[arg(long, default_value = "KRW")]
    pub currency: String,
    /// When it was paid: RFC 3339, or milliseconds since the epoch (default: now).
    #[arg(long)]
    pub purchased_at: Option<String>,
    /// A category of what was bought (repeat for several).
    #[arg(long = "category")]
    pub categories: Vec<String>,
    /// The membership number, if any (only its keyed hash goes into the token).
    #[arg(long)]
    pub member: Option<String>,
    /// The survey (default: the site's first active survey for the receipt channel).
    #[arg(long)]
    pub survey: Option<String>,
    /// Days the link works (default 30).
    #[arg(long)]
    pub valid_days: Option<u32>,
    /// Write the QR code as PNG here.
    #[arg(long)]
    pub png: Option<PathBuf>,
    /// Write the QR code as SVG here.
    #[arg(long)]
    pub svg: Option<PathBuf>,
    /// Print the whole answer as JSON (with the token and expiry).
    #[arg(long)]
    pub json: bool,
    /// A running collector, such as http://127.0.0.1:8080.
    #[arg(long, env = "NUNCHI_URL")]
    pub url: Option<String>,
    /// A receipts key of the site, or an admin key (with --url).
    #[arg(long, env = "NUNCHI_KEY", hide_env_values = true)]
    pub key: Option<String>,
    /// The stopped collector's data directory (without --url).
    #[arg(long, env = "NUNCHI_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// Where customers reach the collector, such as https://survey.example (without --url).
    #[arg(long, env = "NUNCHI_PUBLIC_URL")]
    pub public_url: Option<String>,
}

pub async fn run(command: ReceiptCommand) -> anyhow::Result<()> {
    let now = Clock::default().now();
    let request = request(&command, now)?;
    let issued = match &command.url {
        Some(url) => through_api(url, &command, &request).await?,
        None => on_data_dir(&command, request, now).await?,
    };
    if let Some(path) = &command.png {
        let png = base64::engine::general_purpose::STANDARD
            .decode(&issued.qr_png_base64)
            .context("the collector's PNG is not base64")?;
        std::fs::write(path, png).with_context(|| format!("could not write {}", path.display()))?;
    }
    if let Some(path) = &command.svg {
        std::fs::write(path, &issued.qr_svg)
            .with_context(|| format!("could not write {}", path.display()))?;
    }
    if command.json {
        println!("{}", serde_json::to_string_pretty(&issued)?);
    } else {
        println!("{}", issued.url);
    }
    Ok(())
}

fn request(command: &ReceiptCommand, now: Timestamp) -> anyhow::Result<ReceiptRequest> {
    let value = serde_json::json!({
        "store_id": command.store,
        "receipt_id": command.receipt,
        "purchased_at": match &command.purchased_at {
            Some(raw) => parse_time(raw).map_err(|e| anyhow::anyhow!("--purchased-at: {e}"))?,
            None => now,
        },
        "amount": command.amount,
        "currency": Currency::parse(&command.currency)
            .map_err(|e| anyhow::anyhow!("--currency {:?}: {e}", command.currency))?,
        "categories": command.categories,
        "member": command.member,
        "survey_id": command.survey,
        "valid_days": command.valid_days,
    });
    // The same reading the HTTP route does, so the errors name the same fields.
    crate::extract::parse(&serde_json::to_vec(&value)?).map_err(|e| anyhow::anyhow!("{e}"))
}

async fn on_data_dir(
    command: &ReceiptCommand,
    request: ReceiptRequest,
    now: Timestamp,
) -> anyhow::Result<Issued> {
    let public_url = command.public_url.clone().context(
        "without --url, pass --public-url: where customers reach the collector (the QR code links there)",
    )?;
    let site = SiteId::parse(&command.site)
        .map_err(|e| anyhow::anyhow!("site {:?}: {e}", command.site))?;
    let dir = command.data_dir.clone();
    tokio::task::spawn_blocking(move || {
        let (store, writer) = Store::open(&dir, &StoreOptions::default()).with_context(|| {
            format!(
                "could not open the store in {} (if a collector is running on it, pass --url and --key to go through it)",
                dir.display()
            )
        })?;
        let issued = match store.catalog().site(&site) {
            Some(site) => receipt::issue(&store, &site, request, &public_url, now)
                .map_err(|e| anyhow::anyhow!("{}: {e}", e.code())),
            None => Err(anyhow::anyhow!("no site {site}")),
        };
        drop(store);
        writer.join();
        issued
    })
    .await?
}

async fn through_api(
    url: &str,
    command: &ReceiptCommand,
    request: &ReceiptRequest,
) -> anyhow::Result<Issued> {
    let key = command
        .key
        .as_deref()
        .context("--url needs a key: pass --key or set NUNCHI_KEY")?;
    let base = url.trim_end_matches('/');
    let response = super::client()?
        .post(format!("{base}/v1/sites/{}/receipts", command.site))
        .bearer_auth(key)
        .json(request)
        .send()
        .await
        .with_context(|| format!("could not reach the collector at {base}"))?;
    if !response.status().is_success() {
        return Err(super::api_error(response).await);
    }
    Ok(response.json().await?)
}
