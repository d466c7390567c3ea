//! `cargo xtask`: the project's build chores, in Rust so they run wherever cargo does.
//!
//! - `demo`: build and run the collector with the seeded demo site.
//! - `test`: every check CI runs: formatting, lints, all tests.
//! - `schemathesis`: property-based tests of the API against its OpenAPI document (also run
//!   by `test`, after the workspace tests).
//! - `bench ingest`: measure durable ingest against a no-op route on the same server.
//! - `bench size`: the widget's bytes, then (`bench time`) its time to a survey in Chromium.

mod bench;
mod bench_doc;
mod dist;
mod run;
mod schemathesis;
mod setup;
mod short_names;
mod size;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Run the collector with the demo site and pages on http://127.0.0.1:8080.
    Demo {
        /// Where the demo keeps its data.
        #[arg(long, default_value = "data/demo")]
        data_dir: String,
    },
    /// Build the widget bundle into dist/ (served by the collector, embedded in release builds).
    Dist,
    /// Run every check: rustfmt, clippy, all tests, schemathesis (what CI runs).
    Test,
    /// Run schemathesis against the collector's OpenAPI document (1,000+ cases).
    Schemathesis,
    /// Run a benchmark and record its figures in docs/BENCHMARKS.md.
    Bench {
        #[command(subcommand)]
        which: bench::Which,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().task {
        Task::Demo { data_dir } => {
            dist::run()?;
            run::cargo(&[
                "run",
                "--release",
                "--package",
                "nunchi-collector",
                "--bin",
                "nunchi",
                "--",
                "serve",
                "--demo",
                // A month of sample answers on first start, so the dashboard has a story.
                "--demo-history",
                "--data-dir",
                &data_dir,
            ])
        }
        Task::Test => {
            setup::ensure_wasm_target()?;
            setup::ensure_chromium()?;
            run::cargo(&["fmt", "--all", "--", "--check"])?;
            run::cargo(&[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ])?;
            // The host pages' bundle is built without the widget's default `receipt` feature.
            run::cargo(&[
                "clippy",
                "--package",
                "nunchi-widget",
                "--no-default-features",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ])?;
            // The widget bundle: proves `shared` builds for wasm32, and the browser tests load it.
            dist::run()?;
            run::cargo(&["test", "--workspace"])?;
            schemathesis::run()
        }
        Task::Dist => dist::run(),
        Task::Schemathesis => schemathesis::run(),
        Task::Bench { which } => bench::run(which),
    }
}
