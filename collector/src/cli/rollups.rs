//! `nunchi rollups check` and `nunchi rollups rebuild`, on a stopped collector's data
//! directory.
//!
//! `check` opens the store (which finishes any build of the rollups first), then answers a set
//! of summaries of every survey twice, from the rollups and from the full scan, and reports
//! every query whose answers differ. It exits with an error if any does. `rebuild` drops the
//! rollups; the next open (this command's own, or the collector's start) builds them again.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use shared::ids::{SiteId, SurveyId};

use crate::store::{Store, StoreOptions};
use crate::summary::{self, SummaryQuery};

#[derive(Debug, Args)]
pub struct RollupsCommand {
    #[command(subcommand)]
    pub action: RollupsAction,
    /// The stopped collector's data directory.
    #[arg(long, env = "NUNCHI_DATA_DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum RollupsAction {
    /// Recompute summaries from the stored responses and report any difference.
    Check {
        /// Only this site's surveys.
        #[arg(long)]
        site: Option<String>,
    },
    /// Drop the rollups and build them again from the stored responses and displays.
    Rebuild,
}

/// The summaries `check` compares: the whole, each breakdown, and trends in two offsets.
const QUERIES: [&str; 8] = [
    "",
    "group_by=store",
    "group_by=channel",
    "group_by=journey_stage",
    "group_by=locale",
    "interval=day",
    "interval=week&utc_offset=+09:00",
    "group_by=store&interval=month&utc_offset=-05:30",
];

pub async fn run(command: RollupsCommand) -> anyhow::Result<()> {
    let dir = command.data_dir.clone();
    tokio::task::spawn_blocking(move || match command.action {
        RollupsAction::Check { site } => check(&dir, site.as_deref()),
        RollupsAction::Rebuild => rebuild(&dir),
    })
    .await?
}

fn open(dir: &Path) -> anyhow::Result<(Store, crate::store::WriterHandle)> {
    Store::open(dir, &StoreOptions::default()).with_context(|| {
        format!(
            "could not open the store in {} (stop the collector that uses it first)",
            dir.display()
        )
    })
}

fn rebuild(dir: &Path) -> anyhow::Result<()> {
    let removed = Store::drop_rollups(dir)
        .with_context(|| format!("could not open the store in {}", dir.display()))?;
    println!("dropped the rollups ({removed} keys); building them again");
    let (store, writer) = open(dir)?;
    drop(store);
    writer.join();
    println!("rollups built");
    Ok(())
}

fn check(dir: &Path, only_site: Option<&str>) -> anyhow::Result<()> {
    let (store, writer) = open(dir)?;
    let mut differences = 0;
    let mut surveys = 0;
    for site in store.catalog().sites() {
        if only_site.is_some_and(|s| s != site.id.as_str()) {
            continue;
        }
        for survey in store.catalog().surveys(&site.id) {
            surveys += 1;
            let versions = store.catalog().survey_versions(&site.id, &survey.id);
            for raw in QUERIES {
                let query = parse(&site.id, &survey.id, raw)?;
                let rollups = serde_json::to_value(summary::summarize(&store, &query, &versions)?)?;
                let scan =
                    serde_json::to_value(summary::summarize_by_scan(&store, &query, &versions)?)?;
                if rollups != scan {
                    differences += 1;
                    println!(
                        "DIFFERENT {}/{} ?{raw}\n  rollups: {}\n  scan:    {}",
                        site.id, survey.id, rollups["total"], scan["total"]
                    );
                }
            }
        }
    }
    drop(store);
    writer.join();
    if differences > 0 {
        bail!("{differences} summaries differ from the scan: run `nunchi rollups rebuild`");
    }
    println!(
        "rollups check: {surveys} surveys, {} summaries each, no difference",
        QUERIES.len()
    );
    Ok(())
}

fn parse(site: &SiteId, survey: &SurveyId, raw: &str) -> anyhow::Result<SummaryQuery> {
    let pairs: Vec<(String, String)> = raw
        .split('&')
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    SummaryQuery::parse(site.clone(), survey.clone(), &pairs)
        .map_err(|e| anyhow::anyhow!("query {raw:?}: {e:?}"))
}
