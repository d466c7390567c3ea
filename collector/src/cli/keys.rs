//! `nunchi keys create | list | revoke`.
//!
//! sled locks its data directory, so while a collector runs only it can change its keys: then
//! pass `--url` (and the admin key) and the command goes through the admin API. On a stopped
//! collector, the command opens the data directory itself (how the first keys of a new
//! deployment are made before it starts).

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use shared::ids::SiteId;

use crate::api_key::{self, ApiKeyView, KeyId, KeyRequest, Scope};
use crate::clock::Clock;
use crate::store::{Store, StoreOptions};

#[derive(Debug, Args)]
pub struct KeysCommand {
    #[command(subcommand)]
    pub action: KeysAction,
    #[command(flatten)]
    pub target: Target,
    /// Print JSON instead of text (for scripts).
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum KeysAction {
    /// Make a key. Its secret is printed once and never again.
    Create {
        /// admin (everything, every site), export (read one site's responses) or receipts.
        #[arg(long, value_parser = parse_scope)]
        scope: Scope,
        /// The site an export or receipts key works for.
        #[arg(long)]
        site: Option<String>,
        /// Who or what the key is for.
        #[arg(long)]
        name: Option<String>,
    },
    /// List every key, revoked ones included (never their secrets).
    List,
    /// Revoke a key by its id: it stops working at once.
    Revoke {
        /// The key's id, such as key_0123456789abcdef.
        id: String,
    },
}

/// Where the keys are: a running collector, or a stopped collector's data directory.
#[derive(Debug, Args)]
pub struct Target {
    /// A running collector, such as http://127.0.0.1:8080. Without it, the data directory is
    /// opened directly (the collector must be stopped).
    #[arg(long, env = "NUNCHI_URL", global = true)]
    pub url: Option<String>,
    /// The admin key, to go through a running collector's admin API.
    #[arg(long, env = "NUNCHI_ADMIN_KEY", hide_env_values = true, global = true)]
    pub admin_key: Option<String>,
    /// The stopped collector's data directory.
    #[arg(long, env = "NUNCHI_DATA_DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,
}

fn parse_scope(s: &str) -> Result<Scope, String> {
    Scope::parse(s).ok_or_else(|| format!("{s:?} is not a scope: admin, export or receipts"))
}

pub async fn run(command: KeysCommand) -> anyhow::Result<()> {
    let output = match &command.target.url {
        Some(url) => through_api(url, &command).await?,
        None => {
            let dir = command.target.data_dir.clone();
            let action = command.action;
            tokio::task::spawn_blocking(move || on_data_dir(&dir, action)).await??
        }
    };
    print(&output, command.json)
}

enum Output {
    Created(ApiKeyView),
    List(Vec<ApiKeyView>),
    Revoked(ApiKeyView),
}

fn on_data_dir(dir: &std::path::Path, action: KeysAction) -> anyhow::Result<Output> {
    let (store, writer) = Store::open(dir, &StoreOptions::default()).with_context(|| {
        format!(
            "could not open the store in {} (if a collector is running on it, pass --url and --admin-key to go through it)",
            dir.display()
        )
    })?;
    let now = Clock::default().now();
    let output = match action {
        KeysAction::Create { scope, site, name } => {
            let site = site
                .map(|s| SiteId::parse(&s).map_err(|e| anyhow::anyhow!("site {s:?}: {e}")))
                .transpose()?;
            Output::Created(api_key::create(
                &store,
                KeyRequest {
                    scope,
                    site,
                    name: name.unwrap_or_default(),
                },
                now,
            )?)
        }
        KeysAction::List => Output::List(store.key_ring().all().iter().map(|k| k.view()).collect()),
        KeysAction::Revoke { id } => {
            let key_id = KeyId::parse(&id).with_context(|| format!("{id:?} is not a key id"))?;
            let key = store
                .key_ring()
                .revoke(&key_id, now)
                .with_context(|| format!("could not revoke {id}"))?;
            Output::Revoked(key.view())
        }
    };
    drop(store);
    writer.join();
    Ok(output)
}

async fn through_api(url: &str, command: &KeysCommand) -> anyhow::Result<Output> {
    let admin_key = command
        .target
        .admin_key
        .as_deref()
        .context("--url needs the admin key: pass --admin-key or set NUNCHI_ADMIN_KEY")?;
    let client = super::client()?;
    let base = url.trim_end_matches('/');
    let request = match &command.action {
        KeysAction::Create { scope, site, name } => client
            .post(format!("{base}/v1/admin/keys"))
            .json(&serde_json::json!({
                "scope": scope,
                "site": site,
                "name": name.as_deref().unwrap_or_default(),
            })),
        KeysAction::List => client.get(format!("{base}/v1/admin/keys")),
        KeysAction::Revoke { id } => client.delete(format!("{base}/v1/admin/keys/{id}")),
    };
    let response = request
        .bearer_auth(admin_key)
        .send()
        .await
        .with_context(|| format!("could not reach the collector at {base}"))?;
    if !response.status().is_success() {
        return Err(super::api_error(response).await);
    }
    Ok(match &command.action {
        KeysAction::Create { .. } => Output::Created(response.json().await?),
        KeysAction::List => Output::List(response.json().await?),
        KeysAction::Revoke { .. } => Output::Revoked(response.json().await?),
    })
}

fn print(output: &Output, json: bool) -> anyhow::Result<()> {
    if json {
        let text = match output {
            Output::Created(k) | Output::Revoked(k) => serde_json::to_string_pretty(k)?,
            Output::List(keys) => serde_json::to_string_pretty(keys)?,
        };
        println!("{text}");
        return Ok(());
    }
    match output {
        Output::Created(key) => {
            println!("created {}", describe(key));
            if let Some(secret) = &key.key {
                println!();
                println!("  {secret}");
                println!();
                println!(
                    "This is the only time the key is shown: only its SHA-256 digest is kept."
                );
            }
        }
        Output::Revoked(key) => println!("revoked {}", describe(key)),
        Output::List(keys) if keys.is_empty() => println!("no keys"),
        Output::List(keys) => {
            for key in keys {
                let state = match key.revoked_at {
                    Some(at) => format!("revoked {}", crate::export::timestamps::rfc3339(at)),
                    None => "active".to_owned(),
                };
                println!("{}  {state}", describe(key));
            }
        }
    }
    Ok(())
}

fn describe(key: &ApiKeyView) -> String {
    let mut text = format!("{} ({}", key.id, key.scope);
    match &key.site {
        Some(site) => text.push_str(&format!(", site {site}")),
        None => text.push_str(", every site"),
    }
    text.push(')');
    if !key.name.is_empty() {
        text.push_str(&format!(" {:?}", key.name));
    }
    text
}
