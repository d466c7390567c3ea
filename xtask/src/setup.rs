//! Installing what the build needs, only when it is missing.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, bail};

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

/// Where the browser tests (`tests/browser.rs`) look for the browser and its WebDriver server.
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const KOREAN_FONTS: &str = "/usr/share/fonts/truetype/nanum";
const EMOJI_FONT: &str = "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf";

/// The browser tests drive Debian's Chromium through its ChromeDriver; apt installs both once.
///
/// Runs non-interactively (CI has no stdin) and so needs root, as CI and the dev machines are.
/// Also a Korean font and an emoji font, so that screenshots show Korean text and the smiley
/// faces rather than empty boxes.
pub(crate) fn ensure_chromium() -> anyhow::Result<()> {
    let missing: Vec<&str> = [CHROMIUM, CHROMEDRIVER, KOREAN_FONTS, EMOJI_FONT]
        .into_iter()
        .filter(|path| !Path::new(path).exists())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!(
        "{} missing: installing Chromium and ChromeDriver for the browser tests",
        missing.join(" and ")
    );
    apt_get(&["update"])?;
    apt_get(&[
        "install",
        "-y",
        "--no-install-recommends",
        "chromium",
        "chromium-driver",
        "fonts-nanum",
        "fonts-noto-color-emoji",
    ])?;
    if let Some(path) = [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .find(|path| !Path::new(path).exists())
    {
        bail!("apt-get installed chromium and chromium-driver, but {path} is still missing");
    }
    Ok(())
}

/// `apt-get` with no terminal to ask questions on: no prompts, no stdin.
fn apt_get(args: &[&str]) -> anyhow::Result<()> {
    eprintln!(
        "$ DEBIAN_FRONTEND=noninteractive apt-get {}",
        args.join(" ")
    );
    let status = Command::new("apt-get")
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdin(Stdio::null())
        .status()
        .context(
            "could not start apt-get: install chromium and chromedriver \
             at /usr/bin/chromium and /usr/bin/chromedriver by hand",
        )?;
    if !status.success() {
        bail!(
            "`apt-get {}` failed ({status}); it needs root: run it with sudo, \
             or install chromium and chromium-driver by hand",
            args.join(" ")
        );
    }
    Ok(())
}
