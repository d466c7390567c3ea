//! Time to survey: how long after navigation starts a survey with an immediate trigger is on
//! screen, in a real headless Chromium, against the real collector.
//!
//! Starts the demo collector in-process, creates through the admin API a survey that shows on
//! every page view of `/bench` (no delay), and serves, from a host server on an origin of its
//! own (allowed to post), two pages that differ only in the widget's script tag: `/bench`
//! embeds the widget as the README says, `/plain` does not. Both carry a small probe, run
//! before the widget can load, that timestamps (`performance.now()`, milliseconds since
//! navigation start) the widget's `nunchi:shown` event, the moment the card is in the widget's
//! shadow root, and the next animation frame, the one that paints it.
//!
//! Two modes:
//!
//! - warm (returning visitor): one browser, 2 warm-up runs then 20 measured. Each run visits
//!   `/plain` (the ceiling: its `load` event), clears the origin's local storage there (the
//!   widget remembers displays, and the site waits a day after any survey was shown), then
//!   opens `/bench`. The HTTP cache is warm: the loader (5 min), the content-hashed module and
//!   wasm (immutable) and the site's configuration (60 s) come from it.
//! - cold (first visit): a new browser, with a new empty profile, for each run: 1 warm-up then
//!   10 measured (fewer if the time budget runs out). It first opens a blank page on the host's
//!   origin (unmeasured: the renderer process starts), then `/plain`, then `/bench`: nothing of
//!   the collector's is cached and no connection to it is open.
//!
//! A measurement, never an assertion: it prints what it sees, hands its section to xtask, which
//! puts it on docs/BENCHMARKS.md (`<!-- bench:time:start -->`), and fails only if the survey does not show
//! at all. Run it with `cargo xtask bench size` (after the size section) or `cargo xtask bench
//! time`, or `cargo bench -p nunchi-e2e --bench time_to_survey`. Needs the bundle (`cargo
//! xtask dist`) and Chromium (`cargo xtask test` installs it).

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use axum::Router;
use axum::http::header;
use axum::routing::get;
use collector::config::DEMO_ADMIN_KEY;
use nunchi_e2e::browser::{Browser, CHROMIUM, Viewport};
use nunchi_e2e::start_demo;
use serde::Deserialize;
use serde_json::{Value, json};

const SITE: &str = "demo-shop";
const SURVEY: &str = "instant";

const WARM_WARMUP: usize = 2;
const WARM_RUNS: usize = 20;
const COLD_WARMUP: usize = 1;
const COLD_RUNS: usize = 10;
/// No new cold run starts after this long (since the collector started), so that the bench
/// ends on its own well within two minutes even on a busy machine.
const BUDGET: Duration = Duration::from_secs(75);
/// How long one page may take to show its survey before the bench gives up (an error, not a
/// figure).
const WAIT: Duration = Duration::from_secs(15);

/// Runs in `<head>` before the widget's script tag. Timestamps, in `window.__bench`:
/// `loader_ran` (the loader sets `window.nunchi`), `shown` (the widget's `nunchi:shown` event,
/// dispatched once the host element is mounted, just before yew renders the card), `card` (the
/// card is in the shadow root, seen by a mutation observer) and `frame` (the animation frame
/// after that, which paints it).
const PROBE: &str = r#"
window.__bench = {};
// The loader assigns `window.nunchi` as it starts, before its `import()`: stamp that, then
// step aside (the widget's global is then a plain property again).
Object.defineProperty(window, "nunchi", {
  configurable: true,
  get: function () { return undefined; },
  set: function (value) {
    window.__bench.loader_ran = performance.now();
    Object.defineProperty(window, "nunchi", {
      value: value, writable: true, configurable: true, enumerable: true
    });
  }
});
addEventListener("nunchi:shown", function (event) {
  var t = window.__bench;
  if (t.shown !== undefined) return;
  t.shown = performance.now();
  t.survey = event.detail && event.detail.surveyId;
  var host = document.querySelector("nunchi-survey");
  var root = host && host.shadowRoot;
  function seen() {
    if (t.card !== undefined || !root || !root.querySelector(".card")) return t.card !== undefined;
    t.card = performance.now();
    requestAnimationFrame(function () { t.frame = performance.now(); });
    return true;
  }
  if (!seen() && root) {
    new MutationObserver(function (_, observer) { if (seen()) observer.disconnect(); })
      .observe(root, { childList: true, subtree: true });
  }
});
"#;

/// What the bench reads back from `/bench` once the card is painted: the probe's stamps, the
/// navigation's and the widget's resource timings (all in ms since navigation start; without
/// `Timing-Allow-Origin`, a cross-origin resource still has its start and end).
const READ_BACK: &str = r#"(() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const resources = performance.getEntriesByType("resource");
  const find = (test) => resources.find((r) => test(new URL(r.name).pathname));
  const loader = find((p) => p === "/widget.js");
  const module = find((p) => p.startsWith("/widget/") && p.endsWith(".js"));
  const wasm = find((p) => p.endsWith(".wasm"));
  const config = find((p) => p.endsWith("/config"));
  const t = window.__bench;
  return {
    survey: t.survey,
    html: nav.responseEnd,
    load: nav.loadEventEnd,
    loader_start: loader ? loader.startTime : null,
    loader: loader ? loader.responseEnd : null,
    loader_ran: t.loader_ran === undefined ? null : t.loader_ran,
    module_start: module ? module.startTime : null,
    module: module ? module.responseEnd : null,
    wasm_start: wasm ? wasm.startTime : null,
    wasm: wasm ? wasm.responseEnd : null,
    config_start: config ? config.startTime : null,
    config_end: config ? config.responseEnd : null,
    shown: t.shown,
    card: t.card,
    frame: t.frame,
  };
})()"#;

const LOADED: &str = "performance.getEntriesByType('navigation')[0]?.loadEventEnd > 0";
const CARD: &str = "document.querySelector('nunchi-survey')?.shadowRoot?.querySelector('.card')";
const PAINTED: &str = "window.__bench?.frame !== undefined";

/// One visit to `/bench`, in ms since navigation start.
#[derive(Debug, Clone, Deserialize)]
struct Visit {
    survey: Option<String>,
    html: f64,
    load: f64,
    loader_start: Option<f64>,
    loader: Option<f64>,
    loader_ran: Option<f64>,
    module_start: Option<f64>,
    module: Option<f64>,
    wasm_start: Option<f64>,
    wasm: Option<f64>,
    config_start: Option<f64>,
    config_end: Option<f64>,
    shown: f64,
    card: f64,
    frame: f64,
}

/// One run: the ceiling (`/plain`'s `load` event) and the visit to `/bench`.
#[derive(Debug, Clone)]
struct Run {
    ceiling: f64,
    visit: Visit,
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `cargo test --all-targets` runs bench binaries without `--bench`: do nothing then.
    if !args.iter().any(|a| a == "--bench") {
        eprintln!("time_to_survey: a benchmark; run it with `cargo xtask bench time`");
        return Ok(());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let report = runtime.block_on(bench())?;
    let section = report.markdown();
    println!("\n{section}");
    // `cargo xtask bench time` names a file here and puts the section on docs/BENCHMARKS.md.
    if let Some(file) = std::env::var_os("NUNCHI_BENCH_SECTION") {
        std::fs::write(&file, &section)
            .with_context(|| format!("writing {}", Path::new(&file).display()))?;
    }
    Ok(())
}

async fn bench() -> anyhow::Result<Report> {
    let started = Instant::now();
    let load_before = load_average();
    let demo = start_demo().await;
    let loader = reqwest::get(format!("{}/widget.js", demo.base)).await?;
    ensure!(
        loader.status().is_success(),
        "no widget bundle: run `cargo xtask dist` first"
    );
    let host = host_server(&demo.base).await?;
    setup(&demo.base, &host).await?;
    eprintln!(
        "time_to_survey: collector {}, host page {host}/bench",
        demo.base
    );

    let mut warm = Vec::new();
    let browser = Browser::start(Viewport::DESKTOP).await?;
    for i in 0..WARM_WARMUP + WARM_RUNS {
        let run = measure(&browser, &host)
            .await
            .with_context(|| format!("warm run {}", i + 1))?;
        progress("warm", i, WARM_WARMUP, &run);
        if i >= WARM_WARMUP {
            warm.push(run);
        }
    }
    drop(browser);

    let mut cold = Vec::new();
    let mut cold_stopped_early = false;
    for i in 0..COLD_WARMUP + COLD_RUNS {
        if started.elapsed() > BUDGET {
            cold_stopped_early = true;
            break;
        }
        let browser = Browser::start(Viewport::DESKTOP).await?;
        // Unmeasured: the renderer process starts, the host's origin is connected.
        browser.goto(&format!("{host}/blank")).await?;
        let run = measure(&browser, &host)
            .await
            .with_context(|| format!("cold run {}", i + 1))?;
        drop(browser);
        progress("cold", i, COLD_WARMUP, &run);
        if i >= COLD_WARMUP {
            cold.push(run);
        }
    }
    Ok(Report {
        warm,
        cold,
        cold_stopped_early,
        seconds: started.elapsed().as_secs_f64(),
        load_before,
        machine: Machine::read(),
    })
}

fn progress(mode: &str, i: usize, warmup: usize, run: &Run) {
    let kind = if i < warmup { " (warm-up)" } else { "" };
    eprintln!(
        "time_to_survey: {mode} run {}{kind}: survey painted at {:.1} ms, config received at \
         {:.1} ms, ceiling load {:.1} ms",
        i + 1,
        run.visit.frame,
        run.visit.config_end.unwrap_or(f64::NAN),
        run.ceiling
    );
}

/// The ceiling, then a fresh visit (no local storage) to `/bench`, once the card is painted.
async fn measure(browser: &Browser, host: &str) -> anyhow::Result<Run> {
    browser.goto(&format!("{host}/plain")).await?;
    browser.wait_until(LOADED, WAIT).await?;
    let ceiling = browser
        .eval("performance.getEntriesByType('navigation')[0].loadEventEnd")
        .await?
        .as_f64()
        .context("no loadEventEnd for /plain")?;
    let left = browser
        .eval("(localStorage.clear(), localStorage.length)")
        .await?;
    ensure!(left == json!(0), "local storage not cleared: {left}");

    browser.goto(&format!("{host}/bench")).await?;
    browser.wait_until(CARD, WAIT).await?;
    browser.wait_until(PAINTED, WAIT).await?;
    browser.wait_until(LOADED, WAIT).await?;
    let visit: Visit =
        serde_json::from_value(browser.eval(READ_BACK).await?).context("the probe's figures")?;
    ensure!(
        visit.survey.as_deref() == Some(SURVEY),
        "the survey shown was {:?}, not {SURVEY}",
        visit.survey
    );
    Ok(Run { ceiling, visit })
}

/// Serves `/bench` (the widget), `/plain` (the same page without it) and `/blank` on a
/// loopback port; returns its origin.
async fn host_server(collector: &str) -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let origin = format!("http://{}", listener.local_addr()?);
    let page = |widget: &str| {
        format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width\">\
             <title>A shop</title>\n<script>{PROBE}</script>\n{widget}</head>\n\
             <body><h1>A shop</h1><p>Shoes, bags and socks. Free delivery over 50,000 won.</p>\
             </body></html>\n"
        )
    };
    let bench = page(&format!(
        "<script src=\"{collector}/widget.js\" data-site=\"{SITE}\" async></script>\n"
    ));
    let plain = page("");
    let blank = "<!doctype html><html><head><title>blank</title></head><body></body></html>";
    let html = |body: String| {
        move || async move {
            (
                [
                    (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                    (header::CACHE_CONTROL, "no-store"),
                ],
                body,
            )
        }
    };
    let app = Router::new()
        .route("/bench", get(html(bench)))
        .route("/plain", get(html(plain)))
        .route("/blank", get(html(blank.to_owned())));
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(origin)
}

/// Lets the host's origin post for the demo site and creates the survey that shows at once.
async fn setup(collector: &str, host: &str) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    let site_url = format!("{collector}/v1/admin/sites/{SITE}");
    let site: Value = http
        .get(&site_url)
        .bearer_auth(DEMO_ADMIN_KEY)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let mut origins = site["allowed_origins"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    origins.push(json!(host));
    let update = json!({
        "id": SITE,
        "name": site["name"],
        "allowed_origins": origins,
        "policy": site["policy"],
    });
    admin(
        http.put(&site_url).json(&update),
        "allowing the host's origin",
    )
    .await?;
    let survey = json!({
        "id": SURVEY,
        "status": "active",
        "name": "Bench: shows on every page view of /bench",
        "default_locale": "en",
        "questions": [{
            "id": "nps",
            "kind": { "type": "nps" },
            "required": true,
            "text": {
                "ko": "저희를 친구나 동료에게 추천하실 가능성은 얼마나 되나요?",
                "en": "How likely are you to recommend us to a friend or colleague?"
            }
        }],
        "triggers": [{ "on": { "type": "page_view" } }],
        "targeting": { "urls": [{ "match": "contains", "value": "/bench" }] }
    });
    admin(
        http.post(format!("{site_url}/surveys")).json(&survey),
        "creating the survey",
    )
    .await
}

async fn admin(request: reqwest::RequestBuilder, what: &str) -> anyhow::Result<()> {
    let reply = request.bearer_auth(DEMO_ADMIN_KEY).send().await?;
    let status = reply.status();
    if !status.is_success() {
        bail!(
            "{what}: the collector answered {status}: {}",
            reply.text().await?
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Figures

/// Median, p90 (nearest rank), min and max of `values`, which must not be empty.
struct Summary {
    median: f64,
    p90: f64,
    min: f64,
    max: f64,
}

impl Summary {
    fn of(values: impl IntoIterator<Item = f64>) -> Option<Summary> {
        let mut v: Vec<f64> = values.into_iter().filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        let rank = (0.9 * n as f64).ceil() as usize;
        Some(Summary {
            median,
            p90: v[rank.clamp(1, n) - 1],
            min: v[0],
            max: v[n - 1],
        })
    }

    fn cells(summary: Option<Summary>) -> String {
        match summary {
            Some(s) => format!(
                "{:.0} | {:.0} | {:.0} | {:.0}",
                s.median, s.p90, s.min, s.max
            ),
            None => "– | – | – | –".to_owned(),
        }
    }
}

fn median(values: impl IntoIterator<Item = f64>) -> String {
    Summary::of(values).map_or("–".to_owned(), |s| format!("{:.0}", s.median))
}

struct Report {
    warm: Vec<Run>,
    cold: Vec<Run>,
    cold_stopped_early: bool,
    seconds: f64,
    /// The 1-minute load average when the bench started.
    load_before: String,
    machine: Machine,
}

/// A step of the visit: its name, and when it ended in one visit (`None`: not seen).
type Step = (&'static str, fn(&Visit) -> Option<f64>);

const STEPS: &[Step] = &[
    ("page HTML received (navigation `responseEnd`)", |v| {
        Some(v.html)
    }),
    ("`widget.js` (loader) requested", |v| v.loader_start),
    ("`widget.js` received", |v| v.loader),
    ("loader runs (it sets `window.nunchi`)", |v| v.loader_ran),
    (
        "module `widget/nunchi-….js` requested (`import()`)",
        |v| v.module_start,
    ),
    ("module received", |v| v.module),
    (
        "module evaluated: `widget/nunchi-….wasm` requested",
        |v| v.wasm_start,
    ),
    (
        "wasm received (streaming compilation reads as it arrives)",
        |v| v.wasm,
    ),
    (
        "wasm compiled and instantiated, `boot` ran: configuration requested",
        |v| v.config_start,
    ),
    ("site configuration received", |v| v.config_end),
    (
        "`nunchi:shown`: survey chosen, host element and shadow root mounted",
        |v| Some(v.shown),
    ),
    ("card in the shadow root (yew's first render)", |v| {
        Some(v.card)
    }),
    ("**survey painted**: first frame with the card", |v| {
        Some(v.frame)
    }),
];

impl Report {
    fn markdown(&self) -> String {
        let (warm, cold) = (&self.warm, &self.cold);
        let mut out = String::new();
        let _ = writeln!(out, "## Time to survey\n");
        let _ = writeln!(
            out,
            "Command: `cargo xtask bench size` (after the size section; alone: `cargo xtask \
             bench time`), which runs `cargo bench -p nunchi-e2e --bench time_to_survey`  "
        );
        let _ = writeln!(out, "Date: {}  ", self.machine.date);
        let _ = writeln!(out, "Machine: {}  ", self.machine.describe());
        let _ = writeln!(out, "Browser: {}\n", self.machine.browser);
        let _ = writeln!(
            out,
            "The time from navigation start to a survey on screen, for a survey with an immediate \
             trigger (`page_view`, no delay) targeted at `/bench`. The demo collector runs \
             in-process (release build, widget bundle embedded); the page `/bench` is served \
             from an origin of its own on loopback with the README's tag \
             (`<script src=\"{{collector}}/widget.js\" data-site=\"{SITE}\" async></script>` in \
             `<head>`) and `Cache-Control: no-store`. Headless Chromium, 1280×800. Each run \
             starts with empty local storage, as a visitor never surveyed. *Survey painted* is \
             the first animation frame after the card is in the widget's shadow root, stamped \
             with `performance.now()` by a probe that the page runs before the widget loads; \
             the card's 180 ms fade-in is not included. The ceiling is the `load` event \
             (`loadEventEnd`) of the same page without the widget's tag, in the same run.\n"
        );
        let _ = writeln!(
            out,
            "- **warm** (returning visitor): one browser; {WARM_WARMUP} warm-up runs, then {} \
             measured, each on a fresh visit to `/plain` then `/bench` with local storage \
             cleared. Loader, module, wasm and site configuration (`max-age=60`; these runs take \
             well under a minute) come from the HTTP cache, and Chromium may reuse the renderer \
             process, and V8 its compiled wasm, from one run to the next.\n\
             - **cold** (first visit): a new browser with an empty profile per run; \
             {COLD_WARMUP} warm-up run, then {} measured{}. Nothing is cached, no connection to \
             the collector is open; the renderer process is already running.\n",
            warm.len(),
            cold.len(),
            if self.cold_stopped_early {
                format!(" (of {COLD_RUNS}: the bench's time budget ran out)")
            } else {
                String::new()
            }
        );
        let _ = writeln!(
            out,
            "| mode | what (ms since navigation start) | runs | median | p90 | min | max |"
        );
        let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|");
        for (mode, runs) in [("warm", warm), ("cold", cold)] {
            let rows: [(&str, Vec<f64>); 3] = [
                (
                    "**survey painted**",
                    runs.iter().map(|r| r.visit.frame).collect(),
                ),
                (
                    "`load` event of `/bench` (with the widget)",
                    runs.iter().map(|r| r.visit.load).collect(),
                ),
                (
                    "ceiling: `load` event of `/plain` (without the widget)",
                    runs.iter().map(|r| r.ceiling).collect(),
                ),
            ];
            for (what, values) in rows {
                let _ = writeln!(
                    out,
                    "| {mode} | {what} | {} | {} |",
                    values.len(),
                    Summary::cells(Summary::of(values))
                );
            }
        }
        let mut summary = Vec::new();
        for (mode, runs) in [("warm", warm), ("cold", cold)] {
            let painted = Summary::of(runs.iter().map(|r| r.visit.frame));
            let ceiling = Summary::of(runs.iter().map(|r| r.ceiling));
            if let (Some(painted), Some(ceiling)) = (painted, ceiling) {
                summary.push(format!(
                    "{mode} {:.0} ms, {:.1}× the page's own `load` ({:.0} ms)",
                    painted.median,
                    painted.median / ceiling.median.max(1.0),
                    ceiling.median
                ));
            }
        }
        if !summary.is_empty() {
            let _ = writeln!(
                out,
                "\nMedian time to a survey painted: {}.",
                summary.join("; ")
            );
        }
        let _ = writeln!(
            out,
            "\nWhere the time goes, from the same runs: when each step ended (median over the \
             runs, ms since navigation start) and how long after the step above (median of the \
             per-run differences; negative when the two overlap). Requested and received are the \
             Resource Timing API's `startTime` and `responseEnd`. The configuration is requested \
             when the widget's `boot` runs, so the step before it is wasm compilation (what \
             streaming compilation did not overlap with the download) and instantiation.\n"
        );
        let _ = writeln!(
            out,
            "| step | warm: at | warm: after | cold: at | cold: after |"
        );
        let _ = writeln!(out, "|---|---:|---:|---:|---:|");
        let mut previous: Option<fn(&Visit) -> Option<f64>> = None;
        for &(name, at) in STEPS {
            let took = |runs: &[Run]| match previous {
                None => median(runs.iter().filter_map(|r| at(&r.visit))),
                Some(before) => median(
                    runs.iter()
                        .filter_map(|r| Some(at(&r.visit)? - before(&r.visit)?)),
                ),
            };
            let _ = writeln!(
                out,
                "| {name} | {} | {} | {} | {} |",
                median(warm.iter().filter_map(|r| at(&r.visit))),
                took(warm),
                median(cold.iter().filter_map(|r| at(&r.visit))),
                took(cold),
            );
            previous = Some(at);
        }
        let _ = writeln!(
            out,
            "\nA measurement on a shared 2-core machine: other engineers' builds and tests may \
             run at the same time (load average {} at the start, {} at the end; {:.0} s in all), \
             so single runs vary by tens of ms. Loopback only: network time is near zero, what \
             remains is the browser's and the widget's own work. Never asserted: compare runs on \
             the same machine, and each mode with its ceiling.",
            self.load_before, self.machine.load, self.seconds
        );
        out
    }
}

struct Machine {
    cores: usize,
    cpu: String,
    browser: String,
    date: String,
    /// The 1-minute load average when the runs ended.
    load: String,
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
        let browser = std::process::Command::new(CHROMIUM)
            .arg("--version")
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| CHROMIUM.to_owned());
        Self {
            cores,
            cpu,
            browser,
            date: today(),
            load: load_average(),
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

/// The 1-minute load average (`/proc/loadavg`), or `?`.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

/// Today's date (UTC) as YYYY-MM-DD.
fn today() -> String {
    time::OffsetDateTime::now_utc().date().to_string()
}
