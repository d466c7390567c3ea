//! Benchmarks. (The ingest benchmark is being written.)

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub(crate) enum Which {
    /// Durable ingest vs a no-op route on the same server, 64 connections on loopback.
    Ingest,
}

pub(crate) fn run(which: Which) -> anyhow::Result<()> {
    match which {
        Which::Ingest => anyhow::bail!("not written yet"),
    }
}
