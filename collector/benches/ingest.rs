//! Durable ingest vs the no-op ceiling.
//!
//! Starts the real collector in-process (real HTTP on 127.0.0.1, real sled in a temporary
//! directory) with one extra route, `POST /bench/noop`, which reads the body and answers a tiny
//! JSON 200: the same server and middleware doing nothing, the ceiling. Then, with N keep-alive
//! HTTP/1 connections sending ~500-byte responses back to back, it measures the ceiling and
//! then `POST /v1/responses` (acknowledged only once fsynced), and reports throughput, p50 and
//! p99 for both and their ratio. The figures go to stdout, and through `cargo xtask bench ingest`
//! to `docs/BENCHMARKS.md`.
//!
//! The server runs on its own tokio runtime (2 workers), the load generator on another, so
//! neither starves the other's scheduler. A measurement, never an assertion: it prints what it
//! sees and ends after a bounded time.
//!
//! Run it with `cargo xtask bench ingest [--seconds N] [--connections N]`, or
//! `cargo bench -p nunchi-collector --bench ingest -- [--seconds N] [--connections N]`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context as _, bail, ensure};
use axum::Router;
use axum::routing::post;
use collector::state::AppState;
use collector::{Application, Config};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request, StatusCode, header};
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::net::TcpStream;

const ADMIN_KEY: &str = "test-admin-key-0123456789";
const SITE: &str = "bench-shop";
const SURVEY: &str = "web-nps";

struct Options {
    seconds: u64,
    warmup: u64,
    connections: usize,
    write_doc: bool,
}

impl Options {
    fn parse(args: &[String]) -> anyhow::Result<Self> {
        let mut options = Options {
            seconds: 10,
            warmup: 2,
            connections: 64,
            write_doc: true,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value = |name: &str| {
                args.next()
                    .with_context(|| format!("{name} needs a value"))
                    .and_then(|v| {
                        v.parse::<u64>()
                            .with_context(|| format!("{name} {v:?} is not a number"))
                    })
            };
            match arg.as_str() {
                // cargo bench passes --bench; libtest-style filters are ignored.
                "--bench" => {}
                "--seconds" => options.seconds = value("--seconds")?.max(1),
                "--warmup" => options.warmup = value("--warmup")?,
                "--connections" => options.connections = value("--connections")?.max(1) as usize,
                "--no-doc" => options.write_doc = false,
                other if other.starts_with('-') => bail!("unknown option {other}"),
                _ => {}
            }
        }
        Ok(options)
    }
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `cargo test --all-targets` runs bench binaries without `--bench`: do nothing then.
    if !args.iter().any(|a| a == "--bench") {
        eprintln!("ingest: a benchmark; run it with `cargo xtask bench ingest`");
        return Ok(());
    }
    let options = Options::parse(&args)?;
    let machine = Machine::read();
    eprintln!(
        "ingest: {} connections, {} s warm-up + {} s measured per target, on {} ({} cores)",
        options.connections, options.warmup, options.seconds, machine.cpu, machine.cores
    );

    let dir = tempfile::Builder::new().prefix("nunchi-bench-").tempdir()?;
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("bench-server")
        .enable_all()
        .build()?;
    let load_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("bench-load")
        .enable_all()
        .build()?;

    let config = Config::for_tests(dir.path().join("data"));
    let app = server_rt.block_on(Application::build_with(&config, noop_router()))?;
    let addr = app.local_addr();
    ensure!(addr.ip().is_loopback(), "the bench only talks to loopback");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = server_rt.spawn(app.run_until(async move {
        let _ = stopped.await;
    }));

    let outcome = load_rt.block_on(run(addr, &options));
    let _ = stop.send(());
    let served = server_rt.block_on(server);
    drop(load_rt);
    drop(server_rt);
    let report = outcome?;
    served??;

    let section = report.markdown(&options, &machine);
    println!("\n{section}");
    // `cargo xtask bench ingest` names a file here and puts the section on docs/BENCHMARKS.md.
    if options.write_doc
        && let Some(file) = std::env::var_os("NUNCHI_BENCH_SECTION")
    {
        std::fs::write(&file, &section)
            .with_context(|| format!("writing {}", Path::new(&file).display()))?;
    }
    Ok(())
}

fn noop_router() -> Router<AppState> {
    Router::new().route("/bench/noop", post(noop))
}

/// The ceiling: read the body, answer a tiny JSON 200, do nothing else.
async fn noop(body: Bytes) -> axum::Json<serde_json::Value> {
    axum::Json(json!({ "ok": true, "bytes": body.len() }))
}

// ---------------------------------------------------------------------------------------------
// The run

struct Report {
    body_bytes: f64,
    ceiling: Phase,
    durable: Phase,
    writer: WriterDelta,
}

async fn run(addr: SocketAddr, options: &Options) -> anyhow::Result<Report> {
    let version = seed(addr).await?;
    let bodies = Arc::new(Bodies::new(version));
    let body_bytes = bodies.mean_len();
    eprintln!("ingest: mean request body {body_bytes:.0} bytes");
    // One request of each kind first: a broken setup should fail loudly, not measure errors.
    for path in ["/bench/noop", "/v1/responses"] {
        let (status, text) = request(addr, Method::POST, path, Some(bodies.next(0))).await?;
        ensure!(status.is_success(), "POST {path} answered {status}: {text}");
    }

    eprintln!("ingest: no-op ceiling (POST /bench/noop)...");
    let ceiling = measure(addr, "/bench/noop", &bodies, options).await?;
    eprintln!("ingest: durable ingest (POST /v1/responses)...");
    let durable = measure(addr, "/v1/responses", &bodies, options).await?;
    let writer = WriterDelta::between(&durable.metrics_before, &durable.metrics_after);
    Ok(Report {
        body_bytes,
        ceiling,
        durable,
        writer,
    })
}

/// Creates the site and an NPS survey (the demo's shape) through the admin API; returns the
/// survey's version.
async fn seed(addr: SocketAddr) -> anyhow::Result<u32> {
    let site = json!({
        "id": SITE,
        "name": "Benchmark shop",
        "allowed_origins": ["https://shop.example"],
        "policy": { "wait_after_shown": "1d", "wait_after_answered": "14d" }
    });
    let (status, text) = admin(addr, "/v1/admin/sites", &site).await?;
    ensure!(
        status == StatusCode::CREATED,
        "creating the site: {status} {text}"
    );
    let survey = json!({
        "id": SURVEY,
        "status": "active",
        "name": "Web: after a purchase (NPS)",
        "default_locale": "en",
        "questions": [
            {
                "id": "nps",
                "kind": { "type": "nps" },
                "required": true,
                "text": {
                    "ko": "저희 쇼핑몰을 친구나 동료에게 추천하실 가능성은 얼마나 되나요?",
                    "en": "How likely are you to recommend us to a friend or colleague?"
                }
            },
            {
                "id": "what_went_wrong",
                "kind": { "type": "open_text", "max_length": 500 },
                "show_if": { "question": "nps", "when": { "score_at_most": 6 } },
                "text": { "ko": "어떤 점이 아쉬우셨나요?", "en": "What went wrong?" }
            }
        ],
        "triggers": [ { "on": { "type": "event", "name": "purchase" }, "delay": "2s" } ],
        "targeting": { "channels": ["web", "app"] },
        "thank_you": { "ko": "소중한 의견 감사합니다!", "en": "Thank you for your feedback!" }
    });
    let path = format!("/v1/admin/sites/{SITE}/surveys");
    let (status, text) = admin(addr, &path, &survey).await?;
    ensure!(
        status == StatusCode::CREATED,
        "creating the survey: {status} {text}"
    );
    let created: serde_json::Value = serde_json::from_str(&text)?;
    let version = created["version"]
        .as_u64()
        .context("the created survey has no version")?;
    Ok(u32::try_from(version)?)
}

/// Request bodies: valid answers to the survey, each with a fresh UUIDv7 `response_id`. The
/// parts around the id are made once, so the load generator spends little on them.
struct Bodies {
    /// (before the id, after the id), one per NPS score 0..=6 (each with a follow-up).
    parts: Vec<(String, String)>,
}

impl Bodies {
    fn new(version: u32) -> Self {
        let complaints = [
            "배송이 예상보다 이틀 늦었고 포장 상자가 찌그러져 있었어요. 안내 문자도 없었습니다.",
            "The checkout asked for my address twice and the coupon code was rejected at the end.",
            "상품 설명과 실제 색상이 달랐어요. 교환 절차가 복잡해서 결국 그냥 쓰기로 했습니다.",
            "Delivery was fine but the size chart is wrong: the medium fits like a small one.",
        ];
        let parts = (0..=6)
            .map(|score: i64| {
                let text = complaints[score as usize % complaints.len()];
                let template = json!({
                    "response_id": "@ID@",
                    "survey_id": SURVEY,
                    "survey_version": version,
                    "answers": { "nps": score, "what_went_wrong": text },
                    "context": {
                        "channel": "web",
                        "site_id": SITE,
                        "page_url": "https://shop.example/checkout/complete",
                        "store_id": format!("store-{:03}", 17 + score),
                        "locale": "ko-KR",
                        "attributes": {
                            "cart_value": 54_000 + score * 1_250,
                            "currency": "KRW",
                            "plan": "gold",
                            "first_order": score % 2 == 0,
                            "campaign": "autumn-sale-2025"
                        }
                    },
                    "client_time": 1_760_000_000_000_i64 + score
                })
                .to_string();
                let (before, after) = template
                    .split_once("@ID@")
                    .expect("the template has an id placeholder");
                (before.to_owned(), after.to_owned())
            })
            .collect();
        Self { parts }
    }

    fn next(&self, n: usize) -> Bytes {
        let (before, after) = &self.parts[n % self.parts.len()];
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        let at = uuid::Timestamp::from_unix(uuid::NoContext, now.as_secs(), now.subsec_nanos());
        let id = uuid::Uuid::new_v7(at).hyphenated().to_string();
        let mut body = String::with_capacity(before.len() + id.len() + after.len());
        body.push_str(before);
        body.push_str(&id);
        body.push_str(after);
        Bytes::from(body)
    }

    fn mean_len(&self) -> f64 {
        let total: usize = self.parts.iter().map(|(b, a)| b.len() + 36 + a.len()).sum();
        total as f64 / self.parts.len() as f64
    }
}

// ---------------------------------------------------------------------------------------------
// Measuring one target

struct Phase {
    seconds: f64,
    /// Latencies of the 2xx answers completed in the measured window, sorted.
    latencies: Vec<Duration>,
    /// Non-2xx answers over the whole phase (warm-up included), by status.
    non_2xx: BTreeMap<u16, u64>,
    /// Transport errors over the whole phase.
    errors: u64,
    first_error: Option<String>,
    cpu: Vec<(String, f64)>,
    metrics_before: Metrics,
    metrics_after: Metrics,
}

impl Phase {
    fn throughput(&self) -> f64 {
        self.latencies.len() as f64 / self.seconds
    }

    fn percentile(&self, p: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        // Nearest rank.
        let rank = (p / 100.0 * self.latencies.len() as f64).ceil() as usize;
        self.latencies[rank.clamp(1, self.latencies.len()) - 1]
    }

    fn non_2xx_total(&self) -> u64 {
        self.non_2xx.values().sum()
    }
}

#[derive(Default)]
struct ConnStats {
    latencies: Vec<Duration>,
    non_2xx: BTreeMap<u16, u64>,
    errors: u64,
    first_error: Option<String>,
}

impl ConnStats {
    fn failed(&mut self, error: String) {
        self.errors += 1;
        self.first_error.get_or_insert(error);
    }
}

async fn measure(
    addr: SocketAddr,
    path: &'static str,
    bodies: &Arc<Bodies>,
    options: &Options,
) -> anyhow::Result<Phase> {
    let start = Instant::now();
    let window_start = start + Duration::from_secs(options.warmup);
    let window_end = window_start + Duration::from_secs(options.seconds);
    let tasks: Vec<_> = (0..options.connections)
        .map(|conn| {
            let bodies = bodies.clone();
            tokio::spawn(drive(addr, path, bodies, conn, window_start, window_end))
        })
        .collect();

    tokio::time::sleep_until(window_start.into()).await;
    let measured_from = Instant::now();
    let cpu_before = thread_cpu();
    let metrics_before = Metrics::read(addr).await?;
    tokio::time::sleep_until(window_end.into()).await;
    let cpu_after = thread_cpu();
    let measured = measured_from.elapsed();
    let metrics_after = Metrics::read(addr).await?;

    let mut phase = Phase {
        seconds: (window_end - window_start).as_secs_f64(),
        latencies: Vec::new(),
        non_2xx: BTreeMap::new(),
        errors: 0,
        first_error: None,
        cpu: cpu_usage(&cpu_before, &cpu_after, measured),
        metrics_before,
        metrics_after,
    };
    for task in tasks {
        let stats = task.await?;
        phase.latencies.extend(stats.latencies);
        for (status, n) in stats.non_2xx {
            *phase.non_2xx.entry(status).or_default() += n;
        }
        phase.errors += stats.errors;
        if phase.first_error.is_none() {
            phase.first_error = stats.first_error;
        }
    }
    phase.latencies.sort_unstable();
    Ok(phase)
}

/// One connection: requests back to back until the window ends. Answers completed inside the
/// window count; a transport error is counted and the connection made again.
async fn drive(
    addr: SocketAddr,
    path: &'static str,
    bodies: Arc<Bodies>,
    conn: usize,
    window_start: Instant,
    window_end: Instant,
) -> ConnStats {
    let mut stats = ConnStats {
        latencies: Vec::with_capacity(64 * 1024),
        ..ConnStats::default()
    };
    let mut n = conn;
    let mut sender: Option<SendRequest<Full<Bytes>>> = None;
    while Instant::now() < window_end {
        if sender.is_none() {
            match connect(addr).await {
                Ok(send) => sender = Some(send),
                Err(e) => {
                    stats.failed(format!("connect: {e:#}"));
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            }
        }
        let Some(send) = sender.as_mut() else {
            continue;
        };
        n = n.wrapping_add(1);
        let request = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::HOST, addr.to_string())
            .header(header::CONTENT_TYPE, "application/json")
            .body(Full::new(bodies.next(n)))
            .expect("a valid request");
        let started = Instant::now();
        let answer = async {
            send.ready().await?;
            let response = send.send_request(request).await?;
            let status = response.status();
            response.into_body().collect().await?;
            Ok::<_, hyper::Error>(status)
        }
        .await;
        let done = Instant::now();
        match answer {
            Ok(status) if status.is_success() => {
                if done >= window_start && done <= window_end {
                    stats.latencies.push(done - started);
                }
            }
            Ok(status) => *stats.non_2xx.entry(status.as_u16()).or_default() += 1,
            Err(e) => {
                stats.failed(format!("request: {e}"));
                sender = None;
            }
        }
    }
    stats
}

async fn connect(addr: SocketAddr) -> anyhow::Result<SendRequest<Full<Bytes>>> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(sender)
}

/// One request on a connection of its own (setup, metrics).
async fn request(
    addr: SocketAddr,
    method: Method,
    path: &str,
    body: Option<Bytes>,
) -> anyhow::Result<(StatusCode, String)> {
    request_with(addr, method, path, body, None).await
}

async fn admin(
    addr: SocketAddr,
    path: &str,
    body: &serde_json::Value,
) -> anyhow::Result<(StatusCode, String)> {
    let body = Bytes::from(body.to_string());
    request_with(addr, Method::POST, path, Some(body), Some(ADMIN_KEY)).await
}

async fn request_with(
    addr: SocketAddr,
    method: Method,
    path: &str,
    body: Option<Bytes>,
    bearer: Option<&str>,
) -> anyhow::Result<(StatusCode, String)> {
    let mut send = connect(addr).await?;
    let mut builder = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, addr.to_string());
    if body.is_some() {
        builder = builder.header(header::CONTENT_TYPE, "application/json");
    }
    if let Some(key) = bearer {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {key}"));
    }
    let request = builder.body(Full::new(body.unwrap_or_default()))?;
    send.ready().await?;
    let response = send.send_request(request).await?;
    let status = response.status();
    let bytes = response.into_body().collect().await?.to_bytes();
    Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
}

// ---------------------------------------------------------------------------------------------
// What the server and the machine say

/// The writer's counters from `/metrics`.
#[derive(Default)]
struct Metrics {
    groups: u64,
    jobs: u64,
    flush_micros: u64,
    failures: u64,
}

impl Metrics {
    async fn read(addr: SocketAddr) -> anyhow::Result<Self> {
        let (status, text) = request(addr, Method::GET, "/metrics", None).await?;
        ensure!(status.is_success(), "GET /metrics answered {status}");
        let value = |name: &str| -> u64 {
            text.lines()
                .filter(|line| !line.starts_with('#'))
                .find_map(|line| {
                    let (key, value) = line.split_once(' ')?;
                    let key = key.strip_suffix("_total").unwrap_or(key);
                    (key == name).then(|| value.trim().parse().ok()).flatten()
                })
                .unwrap_or(0)
        };
        Ok(Self {
            groups: value("nunchi_store_group_commits"),
            jobs: value("nunchi_store_jobs"),
            flush_micros: value("nunchi_store_flush_micros"),
            failures: value("nunchi_store_failures"),
        })
    }
}

/// The writer's work during the measured window of the durable run.
struct WriterDelta {
    groups: u64,
    jobs: u64,
    flush_micros: u64,
    failures: u64,
}

impl WriterDelta {
    fn between(before: &Metrics, after: &Metrics) -> Self {
        Self {
            groups: after.groups.saturating_sub(before.groups),
            jobs: after.jobs.saturating_sub(before.jobs),
            flush_micros: after.flush_micros.saturating_sub(before.flush_micros),
            failures: after.failures.saturating_sub(before.failures),
        }
    }

    fn mean_group(&self) -> f64 {
        self.jobs as f64 / self.groups.max(1) as f64
    }

    fn mean_flush_ms(&self) -> f64 {
        self.flush_micros as f64 / 1_000.0 / self.groups.max(1) as f64
    }
}

/// CPU time (user + system, in clock ticks) of each thread of this process, by thread name.
fn thread_cpu() -> BTreeMap<String, u64> {
    let mut by_name = BTreeMap::new();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return by_name;
    };
    for task in tasks.flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let name = thread_group(&stat[open + 1..close]);
        let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        // After the name: state is field 3 of stat(5), utime 14, stime 15.
        let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
        if let (Some(user), Some(system)) = (ticks(11), ticks(12)) {
            *by_name.entry(name).or_default() += user + system;
        }
    }
    by_name
}

fn thread_group(name: &str) -> String {
    let group = if name.starts_with("bench-server") {
        "server runtime (axum, 2 workers)"
    } else if name.starts_with("bench-load") {
        "load generator (2 workers)"
    } else if name.starts_with("nunchi-writer") {
        "writer thread (apply, flush, fsync)"
    } else if name.contains("sled") || name.contains("flush") {
        "sled background threads"
    } else {
        "other"
    };
    group.to_owned()
}

/// Cores used by each thread group over `window` (ticks at the usual 100 Hz).
fn cpu_usage(
    before: &BTreeMap<String, u64>,
    after: &BTreeMap<String, u64>,
    window: Duration,
) -> Vec<(String, f64)> {
    const TICKS_PER_SECOND: f64 = 100.0;
    // Threads that ended during the window are missing from `after`; they are not counted.
    let mut usage: Vec<(String, f64)> = after
        .iter()
        .map(|(name, ticks)| {
            let used = ticks.saturating_sub(before.get(name).copied().unwrap_or(0));
            (
                name.clone(),
                used as f64 / TICKS_PER_SECOND / window.as_secs_f64(),
            )
        })
        .filter(|(_, cores)| *cores >= 0.005)
        .collect();
    usage.sort_by(|a, b| b.1.total_cmp(&a.1));
    usage
}

struct Machine {
    cores: usize,
    cpu: String,
    date: String,
}

impl Machine {
    fn read() -> Self {
        let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|info| {
                info.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split_once(':'))
                    .map(|(_, model)| model.trim().to_owned())
            })
            .unwrap_or_else(|| "unknown CPU".to_owned());
        Self {
            cores,
            cpu,
            date: today(),
        }
    }

    fn describe(&self) -> String {
        format!(
            "{} cores (`nproc`), {} (from /proc/cpuinfo), {} {}",
            self.cores,
            self.cpu,
            std::env::consts::OS,
            std::env::consts::ARCH
        )
    }
}

/// Today's date (UTC) as YYYY-MM-DD.
fn today() -> String {
    time::OffsetDateTime::now_utc().date().to_string()
}

// ---------------------------------------------------------------------------------------------
// Reporting

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1_000.0)
}

impl Report {
    fn ratio(&self) -> f64 {
        100.0 * self.durable.throughput() / self.ceiling.throughput().max(f64::MIN_POSITIVE)
    }

    fn markdown(&self, options: &Options, machine: &Machine) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "## Durable ingest vs the no-op ceiling\n");
        let _ = writeln!(out, "Command: `cargo xtask bench ingest`  ");
        let _ = writeln!(out, "Date: {}  ", machine.date);
        let _ = writeln!(out, "Machine: {}\n", machine.describe());
        let _ = writeln!(
            out,
            "{} keep-alive HTTP/1 connections on 127.0.0.1, each sending requests back to back; \
             {} s warm-up, then {} s measured per target. Bodies: a valid NPS response with an \
             open-text follow-up, a fresh UUIDv7 `response_id` each, {:.0} bytes on average. \
             Server: the real collector, 2 tokio workers, sled in a temporary directory; load \
             generator: a separate 2-worker runtime in the same process.\n",
            options.connections, options.warmup, options.seconds, self.body_bytes
        );
        let _ = writeln!(
            out,
            "| target | requests/s | p50 | p99 | 2xx in window | non-2xx | errors |"
        );
        let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|");
        for (name, phase) in [
            ("no-op ceiling: `POST /bench/noop`", &self.ceiling),
            (
                "durable ingest: `POST /v1/responses` (201 after fsync)",
                &self.durable,
            ),
        ] {
            let _ = writeln!(
                out,
                "| {name} | {:.0} | {} | {} | {} | {} | {} |",
                phase.throughput(),
                ms(phase.percentile(50.0)),
                ms(phase.percentile(99.0)),
                phase.latencies.len(),
                phase.non_2xx_total(),
                phase.errors,
            );
        }
        let _ = writeln!(
            out,
            "| **durable / ceiling** | **{:.1} %** | | | | | |\n",
            self.ratio()
        );
        let w = &self.writer;
        let _ = writeln!(
            out,
            "Writer during the measured durable window (from `/metrics`): {} group commits for {} \
             jobs, **{:.1} jobs per group** on average, **{:.2} ms** per group in \
             `apply_batch` + `flush` + `fsync`{}.\n",
            w.groups,
            w.jobs,
            w.mean_group(),
            w.mean_flush_ms(),
            if w.failures > 0 {
                format!(", {} failed groups", w.failures)
            } else {
                String::new()
            }
        );
        let _ = writeln!(out, "CPU used during each measured window, in cores:\n");
        let _ = writeln!(out, "| threads | no-op ceiling | durable ingest |");
        let _ = writeln!(out, "|---|---:|---:|");
        let mut names: Vec<&String> = self
            .ceiling
            .cpu
            .iter()
            .chain(&self.durable.cpu)
            .map(|(n, _)| n)
            .collect();
        names.sort();
        names.dedup();
        let of = |cpu: &[(String, f64)], name: &str| {
            cpu.iter().find(|(n, _)| n == name).map_or(0.0, |(_, c)| *c)
        };
        for name in names {
            let _ = writeln!(
                out,
                "| {name} | {:.2} | {:.2} |",
                of(&self.ceiling.cpu, name),
                of(&self.durable.cpu, name)
            );
        }
        let total = |cpu: &[(String, f64)]| cpu.iter().map(|(_, c)| c).sum::<f64>();
        let _ = writeln!(
            out,
            "| total | {:.2} | {:.2} |\n",
            total(&self.ceiling.cpu),
            total(&self.durable.cpu)
        );
        for (name, phase) in [("no-op", &self.ceiling), ("durable", &self.durable)] {
            if !phase.non_2xx.is_empty() || phase.errors > 0 {
                let _ = writeln!(
                    out,
                    "Failures ({name}): non-2xx by status {:?}, {} errors{}.\n",
                    phase.non_2xx,
                    phase.errors,
                    phase
                        .first_error
                        .as_ref()
                        .map_or(String::new(), |e| format!(", first: {e}"))
                );
            }
        }
        let ratio = self.ratio();
        let verdict = if ratio >= 20.0 {
            "meets the design target (at least 20 % of the ceiling)"
        } else {
            "**below** the design target of 20 % of the ceiling"
        };
        let _ = writeln!(
            out,
            "Verdict: durable ingest reaches {ratio:.1} % of the no-op ceiling in the same run: {verdict}."
        );
        out
    }
}
