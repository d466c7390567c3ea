//! `nunchi erase --site S --member ID`: erase every record of a member.
//!
//! Like `nunchi keys`: through a running collector's admin API with `--url` and
//! `--admin-key`, or on a stopped collector's data directory.

use anyhow::Context as _;
use clap::Args;
use shared::ids::{MemberId, SiteId};

use super::keys::Target;
use crate::privacy;
use crate::store::{Erased, Store, StoreOptions};

#[derive(Debug, Args)]
pub struct EraseCommand {
    /// The site the member belongs to.
    #[arg(long)]
    pub site: String,
    /// The member id as the site sends it (the collector hashes it as it did when storing).
    #[arg(long)]
    pub member: String,
    #[command(flatten)]
    pub target: Target,
    /// Print JSON instead of text (for scripts).
    #[arg(long)]
    pub json: bool,
}

pub async fn run(command: EraseCommand) -> anyhow::Result<()> {
    let site = SiteId::parse(&command.site)
        .map_err(|e| anyhow::anyhow!("site {:?}: {e}", command.site))?;
    let member = MemberId::parse(&command.member)
        .map_err(|e| anyhow::anyhow!("member {:?}: {e}", command.member))?;
    let erased = match &command.target.url {
        Some(url) => through_api(url, &command, &site, &member).await?,
        None => on_data_dir(&command.target.data_dir, &site, &member).await?,
    };
    if command.json {
        println!("{}", serde_json::to_string_pretty(&erased)?);
    } else {
        println!(
            "erased member of site {site}: {} responses, {} displays, {} ledger entries, {} webhook messages",
            erased.responses, erased.displays, erased.ledger_entries, erased.webhook_messages
        );
    }
    Ok(())
}

async fn on_data_dir(
    dir: &std::path::Path,
    site: &SiteId,
    member: &MemberId,
) -> anyhow::Result<Erased> {
    let path = dir.to_owned();
    let (store, writer) =
        tokio::task::spawn_blocking(move || Store::open(&path, &StoreOptions::default()))
            .await?
            .with_context(|| {
                format!(
                    "could not open the store in {} (if a collector is running on it, pass --url and --admin-key to go through it)",
                    dir.display()
                )
            })?;
    let result = match store.catalog().site(site) {
        Some(found) => privacy::erase_member(&store, site, &found.member_hash(member))
            .await
            .context("could not erase the member"),
        None => Err(anyhow::anyhow!("no site {site} in {}", dir.display())),
    };
    drop(store);
    tokio::task::spawn_blocking(move || writer.join()).await?;
    result
}

async fn through_api(
    url: &str,
    command: &EraseCommand,
    site: &SiteId,
    member: &MemberId,
) -> anyhow::Result<Erased> {
    #[derive(serde::Deserialize)]
    struct Answer {
        erased: Erased,
    }
    let admin_key = command
        .target
        .admin_key
        .as_deref()
        .context("--url needs the admin key: pass --admin-key or set NUNCHI_ADMIN_KEY")?;
    let base = url.trim_end_matches('/');
    let response = super::client()?
        .post(format!("{base}/v1/admin/sites/{site}/erasures"))
        .bearer_auth(admin_key)
        .json(&serde_json::json!({ "member": member.as_str() }))
        .send()
        .await
        .with_context(|| format!("could not reach the collector at {base}"))?;
    if !response.status().is_success() {
        return Err(super::api_error(response).await);
    }
    Ok(response.json::<Answer>().await?.erased)
}
