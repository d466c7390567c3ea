//! `nunchi`: the collector binary. A thin shell: parse the command line, set up logs, run.

use clap::{Parser, Subcommand};
use collector::cli::{
    erase::EraseCommand, export::ExportCommand, keys::KeysCommand, receipt::ReceiptCommand,
    rollups::RollupsCommand,
};
use collector::{Application, Config};
use tracing_subscriber::EnvFilter;

#[derive(Debug, Parser)]
#[command(
    name = "nunchi",
    version,
    about = "Micro-surveys that know when to ask: the collector"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API, the widget and the pages.
    Serve(Config),
    /// Create, list and revoke API keys (scopes: admin, export, receipts).
    Keys(KeysCommand),
    /// Export responses from a running collector into a file (CSV or NDJSON).
    Export(ExportCommand),
    /// Erase every response, display and ledger entry of a member (and its webhook messages).
    Erase(EraseCommand),
    /// A receipt's survey link and its QR code (PNG, SVG), for a POS or a shell.
    Receipt(ReceiptCommand),
    /// Check the summaries' rollups against the stored responses, or build them again.
    Rollups(RollupsCommand),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("NUNCHI_LOG")
                .unwrap_or_else(|_| EnvFilter::new("info,tower_http=warn")),
        )
        .init();
    match Cli::parse().command {
        Command::Serve(config) => {
            let app = Application::build(&config).await?;
            let addr = app.local_addr();
            tracing::info!(data_dir = %config.data_dir.display(), "nunchi collector listening on http://{addr}");
            if config.demo {
                tracing::info!(
                    "demo shop: http://{addr}/  (admin key: {})",
                    config
                        .admin_key
                        .as_deref()
                        .map_or(collector::config::DEMO_ADMIN_KEY, |_| "as given")
                );
            }
            app.run_until(shutdown_signal()).await?;
            tracing::info!("stopped; every acknowledged write is on disk");
        }
        Command::Keys(command) => collector::cli::keys::run(command).await?,
        Command::Export(command) => collector::cli::export::run(command).await?,
        Command::Erase(command) => collector::cli::erase::run(command).await?,
        Command::Receipt(command) => collector::cli::receipt::run(command).await?,
        Command::Rollups(command) => collector::cli::rollups::run(command).await?,
    }
    Ok(())
}

/// SIGTERM (a service manager) or Ctrl-C (a person).
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}
