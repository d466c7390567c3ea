//! `cargo xtask dist`: the widget bundle and the dashboard.
//!
//! Builds `widget/` for wasm32 with the size-tuned `widget` profile, runs the wasm-bindgen CLI of
//! exactly the version in Cargo.lock (installing it when missing), and writes content-hashed
//! files to `dist/widget/` plus the small loader `dist/widget.js` that names them. Two bundles:
//! `nunchi-*` for host pages, `receipt-*` (with receipt mode) for the receipt page. Then the
//! dashboard (`dashboard/`, the `dashboard` profile) into `dist/dashboard/`: its hashed module,
//! wasm and stylesheet, and `index.html` naming them. The dashboard is no part of the widget's
//! size budget (`bench size` reads only `dist/widget/`). The collector serves `dist/`; a
//! release build embeds it.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};

use crate::{run, setup, short_names};

pub(crate) fn run() -> anyhow::Result<()> {
    setup::ensure_wasm_target()?;
    let root = workspace_root();
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let bindgen = ensure_wasm_bindgen(&root)?;
    let dist = root.join("dist");
    let _ = std::fs::remove_dir_all(&dist);
    std::fs::create_dir_all(dist.join("widget"))?;
    // Two bundles from one crate: host pages load the one without receipt mode, which only
    // the collector's receipt page runs (the loader picks by `data-mode`).
    let site = bundle(&root, &target, &bindgen, Bundle::Site)?;
    let receipt = bundle(&root, &target, &bindgen, Bundle::Receipt)?;
    let loader = std::fs::read_to_string(root.join("widget/loader/widget.js"))?
        .replace("__RECEIPT_MODULE__", &receipt.module)
        .replace("__RECEIPT_WASM__", &receipt.wasm)
        .replace("__MODULE__", &site.module)
        .replace("__WASM__", &site.wasm);
    std::fs::write(dist.join("widget.js"), loader)?;
    // A classic script, kept as it is written (no module wrapper); its header comment stays in
    // the repository.
    minify_as(&root, &dist.join("widget.js"), "--legal-comments=none")?;
    dashboard(&root, &target, &bindgen)
}

/// The dashboard: an admin app on laptops and tablets, built for size like most web apps but
/// with no budget to chase, so one `wasm-opt -Os` pass and none of the widget's extra rounds.
/// Its module instantiates itself (a line appended to the glue), so the page needs no inline
/// script.
fn dashboard(root: &Path, target: &Path, bindgen: &Path) -> anyhow::Result<()> {
    run::cargo(&[
        "build",
        "--package",
        "nunchi-dashboard",
        "--target",
        setup::WASM_TARGET,
        "--profile",
        "dashboard",
    ])?;
    let wasm = target
        .join(setup::WASM_TARGET)
        .join("dashboard")
        .join("dashboard.wasm");
    let out = target.join("dashboard-bindgen");
    let _ = std::fs::remove_dir_all(&out);
    run::command(
        &bindgen.to_string_lossy(),
        &[
            "--target",
            "web",
            "--no-typescript",
            "--out-name",
            "dashboard",
            "--out-dir",
            &out.to_string_lossy(),
            &wasm.to_string_lossy(),
        ],
    )?;
    let (js, wasm) = (out.join("dashboard.js"), out.join("dashboard_bg.wasm"));
    if let Some(wasm_opt) = npm_tool(root, BINARYEN, "wasm-opt")? {
        let path = wasm.to_string_lossy();
        run::command(
            &wasm_opt.to_string_lossy(),
            &["-Os", "--strip-producers", &path, "-o", &path],
        )?;
    }
    let dir = root.join("dist/dashboard");
    std::fs::create_dir_all(&dir)?;
    let wasm_bytes = std::fs::read(&wasm)?;
    let wasm_name = format!("dashboard-{}.wasm", short_hash(&wasm_bytes));
    let mut glue = std::fs::read_to_string(&js)?;
    glue.push_str(&format!(
        "\n__wbg_init({{ module_or_path: new URL(\"{wasm_name}\", import.meta.url) }});\n"
    ));
    std::fs::write(&js, glue)?;
    minify(root, &js)?;
    let module = std::fs::read(&js)?;
    let module_name = format!("dashboard-{}.js", short_hash(&module));
    let css = std::fs::read(root.join("dashboard/dashboard.css"))?;
    check_braces(&String::from_utf8_lossy(&css))
        .map_err(|e| anyhow::anyhow!("dashboard/dashboard.css: {e}"))?;
    let css_name = format!("dashboard-{}.css", short_hash(&css));
    for (name, bytes) in [
        (&wasm_name, &wasm_bytes),
        (&module_name, &module),
        (&css_name, &css),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, bytes)?;
        precompress(&path, bytes)?;
    }
    let page = std::fs::read_to_string(root.join("dashboard/index.html"))?
        .replace("__MODULE__", &module_name)
        .replace("__STYLE__", &css_name);
    std::fs::write(dir.join("index.html"), page)?;
    eprintln!(
        "dist: dashboard/{module_name} ({} B), dashboard/{wasm_name} ({} B)",
        module.len(),
        wasm_bytes.len()
    );
    Ok(())
}

#[derive(Clone, Copy, PartialEq)]
enum Bundle {
    /// What host pages load: `nunchi-{hash}.{js,wasm}`, the files `bench size` measures.
    Site,
    /// With the widget's `receipt` feature, for `/r/{token}`: `receipt-{hash}.{js,wasm}`.
    Receipt,
}

/// The content-hashed names of one bundle's JS glue and wasm module in `dist/widget/`.
struct Written {
    module: String,
    wasm: String,
}

/// Builds one bundle and writes its two files to `dist/widget/`.
fn bundle(root: &Path, target: &Path, bindgen: &Path, which: Bundle) -> anyhow::Result<Written> {
    let mut args = vec![
        "build",
        "--package",
        "nunchi-widget",
        "--target",
        setup::WASM_TARGET,
        "--profile",
        "widget",
    ];
    if which == Bundle::Site {
        args.push("--no-default-features");
    }
    let remap = remap_registry();
    if let Some(remap) = &remap {
        args.extend(["--config", remap]);
    }
    run::cargo(&args)?;
    let wasm = target
        .join(setup::WASM_TARGET)
        .join("widget")
        .join("widget.wasm");
    let prefix = match which {
        Bundle::Site => "nunchi",
        Bundle::Receipt => "receipt",
    };
    let out = target.join("widget-bindgen").join(prefix);
    let _ = std::fs::remove_dir_all(&out);
    run::command(
        &bindgen.to_string_lossy(),
        &[
            "--target",
            "web",
            "--no-typescript",
            "--out-name",
            "nunchi",
            "--out-dir",
            &out.to_string_lossy(),
            &wasm.to_string_lossy(),
        ],
    )?;
    optimize(root, &out.join("nunchi_bg.wasm"), &out.join("nunchi.js"))?;
    minify(root, &out.join("nunchi.js"))?;
    let module = std::fs::read(out.join("nunchi.js"))?;
    let wasm = std::fs::read(out.join("nunchi_bg.wasm"))?;
    let written = Written {
        module: format!("{prefix}-{}.js", short_hash(&module)),
        wasm: format!("{prefix}-{}.wasm", short_hash(&wasm)),
    };
    for (name, bytes) in [(&written.module, &module), (&written.wasm, &wasm)] {
        let path = root.join("dist/widget").join(name);
        std::fs::write(&path, bytes)?;
        precompress(&path, bytes)?;
    }
    eprintln!(
        "dist: widget/{} ({} B), widget/{} ({} B)",
        written.module,
        module.len(),
        written.wasm,
        wasm.len()
    );
    Ok(written)
}

/// esbuild from the npm registry, pinned: minifies wasm-bindgen's JS glue (a fifth of its
/// brotli size).
const ESBUILD: &str = "esbuild@0.25.12";

/// `tool` (a binary of an npm package) installed into `target/tools`, or `None` without npm.
fn npm_tool(root: &Path, package: &str, tool: &str) -> anyhow::Result<Option<PathBuf>> {
    let tools = root.join("target").join("tools");
    let path = tools.join("node_modules").join(".bin").join(tool);
    if !path.exists() {
        std::fs::create_dir_all(&tools)?;
        let installed = Command::new("npm")
            .args([
                "install",
                "--no-save",
                "--no-audit",
                "--no-fund",
                BINARYEN,
                ESBUILD,
            ])
            .current_dir(&tools)
            .status();
        if !matches!(installed, Ok(s) if s.success()) || !path.exists() {
            eprintln!("dist: warning: {tool} ({package}, via npm) is unavailable");
            return Ok(None);
        }
    }
    Ok(Some(path))
}

/// Minifies the JS glue in place with esbuild; without it the glue is left as it is.
fn minify(root: &Path, js: &Path) -> anyhow::Result<()> {
    minify_as(root, js, "--format=esm")
}

/// Minifies `js` in place with esbuild and one more `option`.
fn minify_as(root: &Path, js: &Path, option: &str) -> anyhow::Result<()> {
    let Some(esbuild) = npm_tool(root, ESBUILD, "esbuild")? else {
        return Ok(());
    };
    let before = std::fs::metadata(js)?.len();
    let path = js.to_string_lossy();
    let outfile = format!("--outfile={path}");
    run::command(
        &esbuild.to_string_lossy(),
        &[
            &path,
            "--minify",
            option,
            "--allow-overwrite",
            "--log-level=warning",
            &outfile,
        ],
    )?;
    eprintln!(
        "dist: esbuild --minify: {before} B -> {} B",
        std::fs::metadata(js)?.len()
    );
    Ok(())
}

/// binaryen from the npm registry, pinned. (Debian's binaryen 108 exits 0 but writes modules
/// that Chromium rejects.)
const BINARYEN: &str = "binaryen@132.0.0";

/// `-Oz` run to a fixed point; the producers section only serves tools;
/// `--low-memory-unused` lets binaryen fold constant addresses into loads and stores (Rust
/// never uses the first 1 KiB of linear memory: it is the bottom of the 1 MiB stack).
const WASM_OPT_FLAGS: &[&str] = &[
    "-Oz",
    "--converge",
    "--low-memory-unused",
    "--strip-producers",
];

/// A second round on the result: flattening the code and rebuilding its control flow lets
/// `-Oz` find more to merge (0.7 KB brotli off the bundle, about 10 s more build time).
const WASM_OPT_RELOOP: &[&str] = &["--flatten", "--rereloop", "-Oz", "-Oz"];

/// Shrinks the module with `wasm-opt -Oz`, which also drops the symbol-name section (a quarter
/// of the unoptimised module), and gives imports and exports short names, applied to the glue
/// `js` (see `short_names`). Installed into `target/tools` with npm when missing; without npm
/// the bundle is left as it is, and said so.
fn optimize(root: &Path, wasm: &Path, js: &Path) -> anyhow::Result<()> {
    let Some(wasm_opt) = npm_tool(root, BINARYEN, "wasm-opt")? else {
        eprintln!("dist: warning: the bundle is not shrunk");
        return Ok(());
    };
    let before = std::fs::metadata(wasm)?.len();
    let path = wasm.to_string_lossy();
    run::command(
        &wasm_opt.to_string_lossy(),
        &[WASM_OPT_FLAGS, &[&path, "-o", &path]].concat(),
    )?;
    run::command(
        &wasm_opt.to_string_lossy(),
        &[WASM_OPT_RELOOP, &[&path, "-o", &path]].concat(),
    )?;
    // A pass of its own: within `--converge` the renaming would run (and print) repeatedly.
    // The features section is read here, then stripped: it only serves tools.
    let mapping = run::output(
        &wasm_opt.to_string_lossy(),
        &[
            short_names::WASM_OPT_FLAG,
            "--strip-target-features",
            &path,
            "-o",
            &path,
        ],
    )?;
    eprintln!(
        "dist: wasm-opt {}: {before} B -> {} B",
        [WASM_OPT_FLAGS, WASM_OPT_RELOOP].concat().join(" "),
        std::fs::metadata(wasm)?.len()
    );
    short_names::apply(&mapping, js)
}

/// Writes `NAME.br` and `NAME.gz` beside a hashed file, compressed once at the highest
/// settings, so the collector serves them as they are instead of compressing every request.
fn precompress(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut br = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut br, &params)?;
    std::fs::write(path.with_extension(format!("{}.br", extension(path))), br)?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes)?;
    std::fs::write(
        path.with_extension(format!("{}.gz", extension(path))),
        gz.finish()?,
    )?;
    Ok(())
}

fn extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_default()
}

pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the workspace")
        .to_path_buf()
}

fn short_hash(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes)[..8])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The wasm-bindgen CLI must match the `wasm-bindgen` crate exactly, or the glue it writes does
/// not fit the module.
fn ensure_wasm_bindgen(root: &Path) -> anyhow::Result<PathBuf> {
    let version = locked_version(root, "wasm-bindgen")?;
    let installed = Command::new("wasm-bindgen")
        .arg("--version")
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .trim()
                .ends_with(&version)
        })
        .unwrap_or(false);
    if !installed {
        eprintln!("dist: installing wasm-bindgen-cli {version} (once; takes a few minutes)");
        run::cargo(&[
            "install",
            "wasm-bindgen-cli",
            "--version",
            &format!("={version}"),
            "--locked",
        ])?;
    }
    Ok(PathBuf::from("wasm-bindgen"))
}

/// Panic locations in dependencies name their source files, and cargo's registry lies under
/// the builder's home: `/home/me/.cargo/registry/src/index.crates.io-…/yew-0.23.0/src/…`. The
/// prefix is cut (`yew-0.23.0/src/…`), so the bundle, and the content hash in its file names,
/// no longer depend on who built it, and it is about 80 B brotli smaller. Added to the wasm
/// target's rustflags in `.cargo/config.toml` (cargo joins arrays from `--config`), not in
/// their place as `RUSTFLAGS` would.
fn remap_registry() -> Option<String> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
    let flags: Vec<String> = std::fs::read_dir(home.join("registry").join("src"))
        .ok()?
        .flatten()
        .map(|index| format!("\"--remap-path-prefix={}=\"", index.path().display()))
        .collect();
    (!flags.is_empty()).then(|| {
        format!(
            "target.{}.rustflags=[{}]",
            setup::WASM_TARGET,
            flags.join(",")
        )
    })
}

fn locked_version(root: &Path, package: &str) -> anyhow::Result<String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).context("reading Cargo.lock")?;
    let mut lines = lock.lines();
    let wanted = format!("name = \"{package}\"");
    while let Some(line) = lines.next() {
        if line == wanted
            && let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = \""))
        {
            return Ok(version.trim_end_matches('"').to_owned());
        }
    }
    bail!("{package} is not in Cargo.lock")
}

/// A stylesheet whose braces do not pair (a merge that lost a `}`) is still served, and the
/// browser quietly drops or nests every rule after the fault: refuse it here instead.
fn check_braces(css: &str) -> Result<(), String> {
    let mut depth = 0_i32;
    let mut in_comment = false;
    let mut chars = css.chars().peekable();
    let mut line = 1;
    while let Some(c) = chars.next() {
        match c {
            '\n' => line += 1,
            '/' if !in_comment && chars.peek() == Some(&'*') => {
                chars.next();
                in_comment = true;
            }
            '*' if in_comment && chars.peek() == Some(&'/') => {
                chars.next();
                in_comment = false;
            }
            '{' if !in_comment => depth += 1,
            '}' if !in_comment => {
                depth -= 1;
                if depth < 0 {
                    return Err(format!("line {line}: a `}}` closes nothing"));
                }
            }
            _ => {}
        }
    }
    match depth {
        0 => Ok(()),
        n => Err(format!("{n} block(s) never closed")),
    }
}

#[cfg(test)]
mod brace_tests {
    use super::check_braces;

    #[test]
    fn braces_must_pair() {
        assert!(check_braces("a { b: c; } @media print { a { b: c; } } /* { */").is_ok());
        assert!(check_braces("@media print { a { b: c; }\n.x { y: z; }").is_err());
        assert!(check_braces("a { b: c; } }").is_err());
    }
}
