//! Installing what the build needs, only when it is missing.

use std::process::Command;

use crate::run;

pub(crate) const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// The widget compiles to wasm32; rustup adds the target once.
pub(crate) fn ensure_wasm_target() -> anyhow::Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|out| {
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .any(|l| l.trim() == WASM_TARGET)
        })
        .unwrap_or(false);
    if installed {
        return Ok(());
    }
    run::command("rustup", &["target", "add", WASM_TARGET])
}
