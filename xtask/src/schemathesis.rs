//! `schemathesis` against the collector's served OpenAPI document: property-based API tests.
//!
//! Installs schemathesis (PyPI) with pip into a virtual environment under `target/` when it is
//! missing, starts the collector with the demo site in a temporary data directory on a free
//! port, and runs every check with enough examples per operation to pass 1,000 cases, with
//! the demo admin key. A 5xx or an answer that does not match the document fails the run.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::run;

/// Pinned, so that a new schemathesis release cannot change what the test command checks.
const SCHEMATHESIS: &str = "schemathesis==4.32.5";
const ADMIN_KEY: &str = "schemathesis-admin-key-0123456789";
/// Examples per operation: about 40 operations, so well over 1,000 cases in all.
const EXAMPLES: &str = "40";

/// Stops the collector however the run ends.
struct Collector(Child);

impl Drop for Collector {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn run() -> anyhow::Result<()> {
    let root = workspace_root();
    let st = ensure_installed(&root)?;
    run::cargo(&["build", "--package", "nunchi-collector", "--bin", "nunchi"])?;
    let data = std::env::temp_dir().join(format!("nunchi-schemathesis-{}", std::process::id()));
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let base = format!("http://127.0.0.1:{port}");
    let bin = root.join("target/debug/nunchi");
    let _collector = Collector(
        Command::new(&bin)
            .args(["serve", "--demo", "--bind", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(&data)
            .args(["--admin-key", ADMIN_KEY])
            .env("NUNCHI_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .with_context(|| format!("could not start {}", bin.display()))?,
    );
    wait_until_up(port)?;
    let result = run::command(
        st.to_str().context("a UTF-8 path")?,
        &[
            "run",
            &format!("{base}/openapi.json"),
            "--checks",
            "all",
            "--max-examples",
            EXAMPLES,
            "--header",
            &format!("Authorization: Bearer {ADMIN_KEY}"),
            "--suppress-health-check",
            "all",
        ],
    );
    let _ = std::fs::remove_dir_all(&data);
    result
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_owned)
        .unwrap_or_default()
}

/// The `schemathesis` executable in `target/schemathesis`, installed there if missing.
fn ensure_installed(root: &Path) -> anyhow::Result<PathBuf> {
    let venv = root.join("target/schemathesis");
    let st = venv.join("bin/st");
    if st.exists() {
        return Ok(st);
    }
    let venv_arg = venv.to_str().context("a UTF-8 path")?;
    run::command("python3", &["-m", "venv", venv_arg])?;
    let pip = venv.join("bin/pip");
    run::command(
        pip.to_str().context("a UTF-8 path")?,
        &["install", "--quiet", SCHEMATHESIS],
    )?;
    if !st.exists() {
        bail!("pip installed schemathesis but {} is missing", st.display());
    }
    Ok(st)
}

fn wait_until_up(port: u16) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("the collector did not start listening on port {port}")
}
