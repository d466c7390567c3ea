//! Benchmarks: each runs a `cargo bench` target that measures the real collector against a
//! ceiling on the same machine and records its figures in docs/BENCHMARKS.md.

use clap::Subcommand;

use anyhow::Context;

use crate::bench_doc;

#[derive(Debug, Subcommand)]
pub(crate) enum Which {
    /// Bytes a host page downloads before a survey can show: raw, gzip and brotli; then the
    /// time to a survey on screen in headless Chromium (what `time` runs).
    Size,
    /// Time from navigation start to a survey on screen in headless Chromium, warm and cold
    /// cache, against the page's own `load` event. Uses the bundle in dist/ as it is.
    Time,
    /// CSV export of 1,000,000 responses over HTTP: rows/s against a raw scan of the same store
    /// in the same run, and the collector's peak memory.
    Export,
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
        Which::Export => run_bench(
            "export",
            &[
                "bench",
                "--package",
                "nunchi-collector",
                "--bench",
                "export_memory",
            ],
        ),
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
            run_bench("ingest", &args)
        }
    }
}

/// `cargo bench -p nunchi-e2e --bench time_to_survey`.
fn time_to_survey() -> anyhow::Result<()> {
    crate::setup::ensure_chromium()?;
    run_bench(
        "time",
        &[
            "bench",
            "--package",
            "nunchi-e2e",
            "--bench",
            "time_to_survey",
        ],
    )
}

/// Runs a bench target that writes its section `name` where [`bench_doc`] says, then puts the
/// section on the page.
fn run_bench(name: &str, args: &[&str]) -> anyhow::Result<()> {
    let root = crate::dist::workspace_root();
    let file = bench_doc::section_file(&root, name);
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let _ = std::fs::remove_file(&file);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    eprintln!(
        "$ {bench_var}={} {cargo} {}",
        file.display(),
        args.join(" "),
        bench_var = bench_doc::SECTION_FILE_VAR
    );
    let status = std::process::Command::new(&cargo)
        .args(args)
        .env(bench_doc::SECTION_FILE_VAR, &file)
        .status()
        .with_context(|| format!("could not start {cargo}"))?;
    if !status.success() {
        anyhow::bail!("the {name} bench failed ({status})");
    }
    bench_doc::record_from_file(&root, name)
}
