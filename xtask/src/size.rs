//! `cargo xtask bench size`: the bytes a host page downloads before a survey can show, raw,
//! gzip and brotli, against the budget (90 KB brotli) and what peers ship. `bench.rs` then runs
//! the time-to-survey bench (`tests/benches/time_to_survey.rs`) on the bundle just built.

use std::io::Write;

use crate::dist;

/// The budget of issue 3: at most this many brotli bytes before a survey can show.
const BUDGET_BROTLI: usize = 90_000;

struct Measured {
    name: String,
    raw: usize,
    gzip: usize,
    brotli: usize,
}

fn measure(name: &str, bytes: &[u8]) -> anyhow::Result<Measured> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes)?;
    let gzip = gz.finish()?.len();
    let mut br = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut br, &params)?;
    Ok(Measured {
        name: name.to_owned(),
        raw: bytes.len(),
        gzip,
        brotli: br.len(),
    })
}

pub(crate) fn run() -> anyhow::Result<()> {
    dist::run()?;
    let root = dist::workspace_root();
    let dist_dir = root.join("dist");
    let mut rows = vec![measure(
        "`widget.js` (loader)",
        &std::fs::read(dist_dir.join("widget.js"))?,
    )?];
    // Only `dist/widget/`: the dashboard (`dist/dashboard/`) is an admin app, outside the budget.
    let mut files: Vec<_> = std::fs::read_dir(dist_dir.join("widget"))?
        .flatten()
        .map(|e| e.path())
        // The .br and .gz copies are what is sent, not more to send: measured below from the
        // originals.
        .filter(|p| p.extension().is_some_and(|e| e == "js" || e == "wasm"))
        .collect();
    files.sort();
    // `receipt-*` is the receipt page's bundle (our own page at `/r/{token}`): host pages never
    // download it. Measured and reported apart.
    let (files, receipt): (Vec<_>, Vec<_>) = files.into_iter().partition(|p| {
        p.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("nunchi-"))
    });
    let mut receipt_brotli = 0;
    for path in &receipt {
        receipt_brotli += measure("receipt", &std::fs::read(path)?)?.brotli;
    }
    for path in files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let kind = if name.ends_with(".wasm") {
            "wasm module"
        } else {
            "JS glue"
        };
        rows.push(measure(
            &format!("`widget/{name}` ({kind})"),
            &std::fs::read(&path)?,
        )?);
    }
    let total = |f: fn(&Measured) -> usize| rows.iter().map(f).sum::<usize>();
    let (raw, gzip, brotli) = (total(|m| m.raw), total(|m| m.gzip), total(|m| m.brotli));
    let mut table = String::from("| file | raw | gzip -9 | brotli 11 |\n|---|---:|---:|---:|\n");
    for m in &rows {
        table.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            m.name, m.raw, m.gzip, m.brotli
        ));
    }
    table.push_str(&format!(
        "| **total** | **{raw}** | **{gzip}** | **{brotli}** |\n"
    ));
    let verdict = if brotli <= BUDGET_BROTLI {
        format!("within the budget of {BUDGET_BROTLI} B brotli")
    } else {
        format!(
            "**over** the budget of {BUDGET_BROTLI} B brotli by {} B",
            brotli - BUDGET_BROTLI
        )
    };
    println!("{table}\ntotal brotli {brotli} B: {verdict}");
    let date = std::process::Command::new("date")
        .arg("+%Y-%m-%d")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())?;
    let section = format!(
        "## Widget size\n\n\
         Command: `cargo xtask bench size`  \nDate: {date}\n\n\
         Everything a host page downloads before a survey can show, as `cargo xtask dist` builds it \
         (wasm32, `widget` profile: opt-level z, LTO, talc as the allocator; then `wasm-opt -Oz --converge`, a second round with `--flatten --rereloop`, \
         short import/export names applied to the glue, and the glue and loader minified by esbuild). The site configuration \
         fetched at start (about 1 KB gzip for the demo) is not included.\n\n{table}\n\
         Verdict: {brotli} B brotli, {verdict}. For scale, measured from their npm packages: \
         PostHog's loader and surveys 145 KB brotli, Sprig about 100 KB, SurveyJS 321 KB; a bare yew \
         NPS widget about 53 KB.\n\n\
         The receipt page (`data-mode=\"receipt\"`, the collector's own page at `/r/{{token}}`) loads a second \
         bundle with receipt mode instead, `receipt-*`: {receipt_brotli} B brotli for its glue and wasm.\n"
    );
    crate::bench_doc::record(&root, "size", &section)
}
