//! Benchmarks: each runs a `cargo bench` target that measures the real collector against a
//! ceiling on the same machine and records its figures in docs/BENCHMARKS.md.

use clap::Subcommand;

use crate::run;

#[derive(Debug, Subcommand)]
pub(crate) enum Which {
    /// Bytes a host page downloads before a survey can show: raw, gzip and brotli; then the
    /// time to a survey on screen in headless Chromium (what `time` runs).
    Size,
    /// Time from navigation start to a survey on screen in headless Chromium, warm and cold
    /// cache, against the page's own `load` event. Uses the bundle in dist/ as it is.
    Time,
    /// Durable ingest vs a no-op route on the same server, 64 connections on loopback.
    Ingest {
        /// Seconds measured per target, after a 2 s warm-up (default 10).
        #[arg(long)]
        seconds: Option<u64>,
        /// Concurrent keep-alive connections (default 64).
        #[arg(long)]
        connections: Option<usize>,
    },
}

pub(crate) fn run(which: Which) -> anyhow::Result<()> {
    match which {
        Which::Size => {
            crate::size::run()?;
            time_to_survey()
        }
        Which::Time => time_to_survey(),
        Which::Ingest {
            seconds,
            connections,
        } => {
            let mut args: Vec<String> = [
                "bench",
                "--package",
                "nunchi-collector",
                "--bench",
                "ingest",
            ]
            .map(String::from)
            .to_vec();
            let mut pass = Vec::new();
            if let Some(seconds) = seconds {
                pass.extend(["--seconds".to_owned(), seconds.to_string()]);
            }
            if let Some(connections) = connections {
                pass.extend(["--connections".to_owned(), connections.to_string()]);
            }
            if !pass.is_empty() {
                args.push("--".to_owned());
                args.extend(pass);
            }
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            run::cargo(&args)
        }
    }
}

/// `cargo bench -p nunchi-e2e --bench time_to_survey`, which writes its own section.
fn time_to_survey() -> anyhow::Result<()> {
    crate::setup::ensure_chromium()?;
    run::cargo(&[
        "bench",
        "--package",
        "nunchi-e2e",
        "--bench",
        "time_to_survey",
    ])
}
