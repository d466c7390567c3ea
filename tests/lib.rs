//! End-to-end tests: the collector as a user runs it, seen from outside.
//!
//! # Layout
//!
//! - `lib.rs`: [`start_demo`], the demo collector in-process on a loopback port.
//! - [`browser`]: [`browser::Browser`], a real headless Chromium driven through ChromeDriver.
//! - `tests/demo.rs`: what README command one serves: the seeded demo site, its surveys in
//!   Korean and English, and the pages.
//! - `tests/browser.rs`: the browser harness itself, against the demo's pages.

pub mod browser;

use collector::{Application, Config};

/// A running demo collector on an ephemeral loopback port, with its store in a temporary
/// directory that lives as long as this value.
#[derive(Debug)]
pub struct Demo {
    pub base: String,
    _dir: tempfile::TempDir,
}

pub async fn start_demo() -> Demo {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut config = Config::for_tests(dir.path().join("data"));
    config.demo = true;
    config.admin_key = None;
    let app = Application::build(&config).await.expect("the demo builds");
    let base = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until(std::future::pending()));
    Demo { base, _dir: dir }
}
