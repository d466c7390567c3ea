//! Export: throughput and the collector's peak memory while it streams exports of growing size,
//! against a raw scan of the same store in the same run.
//!
//! The ceiling: before the server starts, the store is opened in-process and every response
//! is read through the same survey index and decoded, as fast as one thread can (no HTTP, no
//! CSV). The export's rows/s is then compared with it.
//!
//! Seeds a store with N responses through the store API, starts the real `nunchi` binary on it
//! (sled cache 16 MiB, so the page cache does not hide the export's own memory), and exports
//! the last 1 %, 10 % and 100 % of the responses as CSV over loopback HTTP. Before each export
//! it resets the process's peak resident size (`/proc/PID/clear_refs`), and after it reads the
//! peak (`VmHWM`). If the export streamed in constant memory, the peak does not grow with the
//! number of rows. A measurement, never an assertion. Linux only.
//!
//! Run it with `cargo xtask bench export` (1,000,000 responses; it writes the export section of
//! docs/BENCHMARKS.md), or `cargo bench -p nunchi-collector --bench export_memory --
//! [--responses N]`.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use collector::site::Site;
use collector::store::{IndexScope, NewResponse, Store, StoreOptions};
use futures_util::StreamExt as _;
use serde_json::json;
use shared::ids::MemberHash;
use shared::response::Response;
use shared::time::Timestamp;

const ADMIN_KEY: &str = "bench-admin-key-0123456789";

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn main() -> anyhow::Result<()> {
    let mut responses = 1_000_000u64;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--bench" => {}
            "--responses" => {
                responses = args
                    .next()
                    .context("--responses needs a number")?
                    .parse()
                    .context("--responses needs a number")?;
            }
            other if other.starts_with('-') => bail!("unknown option {other}"),
            _ => {}
        }
    }
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let runtime = tokio::runtime::Runtime::new()?;
    let started = Instant::now();
    runtime.block_on(seed(&data, responses))?;
    let seeded_in = started.elapsed();
    eprintln!("seeded {responses} responses in {seeded_in:?}");
    let (scanned, scan_seconds) = runtime.block_on(raw_scan(&data))?;
    anyhow::ensure!(
        scanned == responses,
        "the raw scan read {scanned} of {responses}"
    );
    let ceiling = scanned as f64 / scan_seconds;
    eprintln!("raw scan: {scanned} responses in {scan_seconds:.2} s");

    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let server = Server(
        Command::new(env!("CARGO_BIN_EXE_nunchi"))
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(&data)
            .args(["--admin-key", ADMIN_KEY, "--cache-mb", "16"])
            .env("NUNCHI_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .context("the collector starts")?,
    );
    let pid = server.0.id();
    let base = format!("http://127.0.0.1:{port}");
    runtime.block_on(async {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !reqwest::get(format!("{base}/healthz"))
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            anyhow::ensure!(Instant::now() < deadline, "the collector did not come up");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        anyhow::Ok(())
    })?;

    let mut table = String::from(
        "| rows exported | CSV | time | rows/s | of the raw scan | collector RSS before | peak RSS during the export |\n\
         |---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut full_export_rate = 0.0_f64;
    // The whole export twice: the first fills sled's page cache and the allocator's arenas, the
    // second shows what an export itself costs once they are warm.
    for rows in [
        responses / 100,
        responses / 10,
        responses,
        responses,
        responses / 10,
    ] {
        std::fs::write(format!("/proc/{pid}/clear_refs"), "5")
            .context("resetting the peak resident size")?;
        let before = status_kib(pid, "VmRSS:")?;
        let started = Instant::now();
        let bytes = runtime.block_on(export(&base, responses - rows))?;
        let seconds = started.elapsed().as_secs_f64();
        let peak = status_kib(pid, "VmHWM:")?;
        let rate = rows as f64 / seconds;
        if rows == responses {
            full_export_rate = full_export_rate.max(rate);
        }
        let line = format!(
            "| {rows} | {:.1} MB | {seconds:.2} s | {rate:.0} | {:.0} % | {:.1} MiB | {:.1} MiB |\n",
            bytes as f64 / 1e6,
            100.0 * rate / ceiling,
            before as f64 / 1024.0,
            peak as f64 / 1024.0
        );
        eprint!("{line}");
        table.push_str(&line);
    }
    drop(server);
    let section = format!(
        "## Export: throughput and memory\n\n\
         Command: `cargo xtask bench export`  \nDate: {}  \nMachine: {} cores, load average {} at the end\n\n\
         {responses} responses (NPS and a Korean open text, kiosk context) seeded through the store API in \
         {:.0} s. **Ceiling, same run, same store:** a raw scan through the same survey index, each \
         record read and decoded in-process (no HTTP, no CSV; the faster of two passes): {scanned} responses in {scan_seconds:.2} s, \
         **{ceiling:.0} rows/s**. Then the real `nunchi` binary serves the store with `--cache-mb 16`, and \
         each row below is one CSV export over loopback HTTP of the last N responses, read as fast as a \
         client can. Before each export the process's peak resident size is reset \
         (`/proc/PID/clear_refs`), after it `VmHWM` is read.\n\n{table}\n\
         Verdict: the full CSV export runs at {full_export_rate:.0} rows/s, {:.0} % of the raw scan; the \
         collector's peak memory does not grow with the export's size (it holds one page, at most 1,000 \
         rows or about 256 KiB; `an_export_stream_holds_one_page_at_a_time` checks that). A measurement \
         on a shared machine, never asserted.\n",
        time::OffsetDateTime::now_utc().date(),
        std::thread::available_parallelism().map_or(0, usize::from),
        std::fs::read_to_string("/proc/loadavg")
            .ok()
            .and_then(|l| l.split_whitespace().next().map(str::to_owned))
            .unwrap_or_else(|| "?".into()),
        seeded_in.as_secs_f64(),
        100.0 * full_export_rate / ceiling,
    );
    println!("\n{section}");
    // `cargo xtask bench export` names a file here and puts the section on docs/BENCHMARKS.md.
    if let Some(file) = std::env::var_os("NUNCHI_BENCH_SECTION") {
        std::fs::write(&file, &section).context("writing the bench section")?;
    }
    Ok(())
}

/// Reads every committed response of survey `nps` through its index, decoding each record:
/// what an export must do at the least. Returns the count and the seconds the faster of two
/// passes took.
async fn raw_scan(data: &std::path::Path) -> anyhow::Result<(u64, f64)> {
    let (store, writer) = Store::open(data, &StoreOptions::default())?;
    let site = shared::ids::SiteId::parse("shop")?;
    let survey = shared::ids::SurveyId::parse("nps")?;
    let upto = store.committed_response_seq();
    // Twice, keeping the faster: the first pass warms the page cache, as the exports that
    // follow find it warm too.
    let (mut count, mut seconds) = (0u64, f64::INFINITY);
    for _ in 0..2 {
        let started = Instant::now();
        count = 0;
        for record in store.scan_responses(IndexScope::Survey(&site, &survey), 0, upto) {
            std::hint::black_box(record?);
            count += 1;
        }
        seconds = seconds.min(started.elapsed().as_secs_f64());
    }
    drop(store);
    tokio::task::spawn_blocking(move || writer.join()).await?;
    Ok((count, seconds))
}

/// A site `shop`, survey `nps` (NPS and an open-text follow-up), and `n` responses.
async fn seed(data: &std::path::Path, n: u64) -> anyhow::Result<()> {
    let (store, writer) = Store::open(data, &StoreOptions::default())?;
    let site = serde_json::from_value(json!({ "id": "shop", "name": "Shop" }))?;
    store
        .catalog()
        .create_site(Site::create(site, Timestamp(0))?)?;
    store.catalog().create_survey(serde_json::from_value(json!({
        "id": "nps", "site_id": "shop", "name": "NPS", "status": "active", "default_locale": "ko",
        "questions": [
            { "id": "nps", "kind": { "type": "nps" }, "required": true, "text": { "ko": "추천하시겠습니까?" } },
            { "id": "why", "kind": { "type": "open_text" }, "text": { "ko": "무엇이 아쉬웠나요?" } }
        ]
    }))?)?;
    let mut waiting = std::collections::VecDeque::new();
    for i in 0..n {
        let response: Response<MemberHash> = serde_json::from_value(json!({
            "response_id": uuid::Uuid::now_v7().to_string(),
            "survey_id": "nps",
            "survey_version": 1,
            "answers": { "nps": i % 11, "why": format!("배송이 늦었어요, 포장도 찢어져 있었어요 ({i})") },
            "context": { "channel": "kiosk", "site_id": "shop", "store_id": format!("store-{}", i % 40),
                         "journey_stage": "post_purchase", "locale": "ko" },
            "client_time": 1_763_855_198_000_i64
        }))?;
        waiting.push_back(store.put_response(NewResponse {
            response,
            received_at: Timestamp(1_763_855_198_000 + i as i64),
            messages: Vec::new(),
            repeat_window: shared::time::Period::ZERO,
        })?);
        if waiting.len() >= 6_000 {
            for pending in waiting.drain(..2_000) {
                pending.await?;
            }
        }
    }
    for pending in waiting {
        pending.await?;
    }
    drop(store);
    tokio::task::spawn_blocking(move || writer.join()).await?;
    Ok(())
}

/// Exports every response after `cursor` as CSV and returns how many bytes came.
async fn export(base: &str, cursor: u64) -> anyhow::Result<u64> {
    let response = reqwest::Client::new()
        .get(format!(
            "{base}/v1/admin/sites/shop/export?format=csv&survey=nps&cursor={cursor}"
        ))
        .bearer_auth(ADMIN_KEY)
        .send()
        .await?;
    anyhow::ensure!(response.status().is_success(), "{}", response.status());
    let mut body = response.bytes_stream();
    let mut bytes = 0;
    while let Some(chunk) = body.next().await {
        bytes += chunk?.len() as u64;
    }
    Ok(bytes)
}

/// A line of `/proc/PID/status`, in KiB.
fn status_kib(pid: u32, field: &str) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .with_context(|| format!("no {field} in /proc/{pid}/status"))
}
