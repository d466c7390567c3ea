//! `schemathesis` against the collector's served OpenAPI document: property-based API tests.
//!
//! Installs schemathesis (PyPI) with pip into a virtual environment under `target/` when it is
//! missing, starts the collector with the demo site in a temporary data directory on a free
//! port, and runs every check with enough examples per operation to pass 1,000 cases, with
//! an admin key of its own. A 5xx or an answer that does not match the document fails the run.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::run;

/// Pinned, so that a new schemathesis release cannot change what the test command checks.
const SCHEMATHESIS: &str = "schemathesis==4.32.5";
const ADMIN_KEY: &str = "schemathesis-admin-key-0123456789";
/// Examples per operation in the fuzzing phase: with 36 operations and the coverage and
/// stateful phases, over 1,000 cases in all, in well under a minute on two cores.
const EXAMPLES: &str = "40";

/// Written to `target/schemathesis/schemathesis.toml` and passed with `--config-file`.
///
/// Request bodies whose types live in `shared` are documented as free-form objects, and even a
/// precise schema could not say what the collector checks against stored data: an answer must
/// fit the stored survey's questions, a member id its site's rules. So a schema-valid body may
/// honestly be refused with 422 naming the field; every other check keeps its defaults.
const CONFIG: &str = r#"
[[operations]]
include-method = ["POST", "PUT"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]
"#;

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
    let config = root.join("target/schemathesis/schemathesis.toml");
    std::fs::write(&config, CONFIG)?;
    let started = Instant::now();
    let result = quiet(
        &st,
        &[
            "--config-file",
            config.to_str().context("a UTF-8 path")?,
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
            // One worker: with two, hypothesis sometimes fails inside itself ("AST constructor
            // recursion depth mismatch" while it describes a lambda, Python 3.11's `ast` used
            // from two threads), an error of the tool, not of the API.
            "--workers",
            "1",
        ],
    );
    eprintln!("schemathesis took {:.0?}", started.elapsed());
    let _ = std::fs::remove_dir_all(&data);
    result
}

/// Runs `program` in `target/` (where schemathesis keeps its `.schemathesis` cache) with no
/// standard input, so that nothing can wait for a person (`CI=true`).
fn quiet(program: &Path, args: &[&str]) -> anyhow::Result<()> {
    eprintln!("$ {} {}", program.display(), args.join(" "));
    let status = Command::new(program)
        .args(args)
        .current_dir(workspace_root().join("target"))
        .stdin(Stdio::null())
        .status()
        .with_context(|| format!("could not start {}", program.display()))?;
    if !status.success() {
        bail!(
            "`{} {}` failed ({status})",
            program.display(),
            args.join(" ")
        );
    }
    Ok(())
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
    quiet(Path::new("python3"), &["-m", "venv", venv_arg])?;
    quiet(
        &venv.join("bin/pip"),
        &[
            "install",
            "--quiet",
            "--no-input",
            "--disable-pip-version-check",
            SCHEMATHESIS,
        ],
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
