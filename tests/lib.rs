//! End-to-end tests: the collector as a user runs it, seen from outside.
//!
//! # Layout
//!
//! - `lib.rs`: [`start_demo`], the demo collector in-process on a loopback port;
//!   [`start_demo_at`], the same on a chosen port and store, which can be stopped
//!   ([`RunningDemo::stop`]) and started again where it was; [`HostPage`], a page on an origin of
//!   its own, as a shop's page is.
//! - [`browser`]: [`browser::Browser`], a real headless Chromium driven through ChromeDriver.
//! - [`dashboard_ui`]: the dashboard's screens, signing in, reading a page.
//! - `tests/demo.rs`: what README command one serves: the seeded demo site, its surveys in
//!   Korean and English, and the pages.
//! - `tests/browser.rs`: the browser harness itself, against the demo's pages.
//! - `tests/offline.rs`: the widget while the collector is stopped, then started again.
//! - `tests/receipt.rs`: the receipt page opened from a receipt's QR code at a phone's size,
//!   and the app page that must not ask again a member who answered on a receipt
//!   ([`Demo::advance_clock`] moves the collector past waiting periods and expiries).

pub mod browser;
pub mod dashboard_ui;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::time::{Duration, Instant};

use collector::{Application, Config};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How long [`RunningDemo::stop`] waits for the collector to finish, and [`start_demo_at`] for
/// its port and store to be free again.
const STOP_TIMEOUT: Duration = Duration::from_secs(15);

/// A running demo collector on an ephemeral loopback port, with its store in a temporary
/// directory that lives as long as this value.
#[derive(Debug)]
pub struct Demo {
    pub base: String,
    clock: collector::clock::Clock,
    // Declared before the directory: the collector shuts down before its store is deleted.
    _running: RunningDemo,
    _dir: tempfile::TempDir,
}

pub async fn start_demo() -> Demo {
    start_demo_with(|_| {}).await
}

/// [`start_demo`] with some of the collector's settings changed first (e.g. webhooks tried
/// once, so a failed message is a dead letter at once).
pub async fn start_demo_with(configure: impl FnOnce(&mut Config)) -> Demo {
    let dir = tempfile::tempdir().expect("temporary directory");
    let running = start_configured(&dir.path().join("data"), 0, configure).await;
    Demo {
        base: running.base.clone(),
        clock: running.clock.clone(),
        _running: running,
        _dir: dir,
    }
}

/// The demo collector serving in this process on `127.0.0.1:{port}` (`0`: any free port) with
/// its store in `data_dir`, until [`RunningDemo::stop`] (or until it is dropped).
///
/// Started again with the same `data_dir` and the port of the one stopped, it is the same
/// collector after a restart: same address, same store (the demo seed keeps what is there). A
/// port just released, or a store just closed, may take a moment to be free: this retries for
/// a while before it fails.
pub async fn start_demo_at(data_dir: &Path, port: u16) -> RunningDemo {
    start_configured(data_dir, port, |_| {}).await
}

async fn start_configured(
    data_dir: &Path,
    port: u16,
    configure: impl FnOnce(&mut Config),
) -> RunningDemo {
    let mut config = Config::for_tests(data_dir.to_owned());
    config.bind = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    config.demo = true;
    config.admin_key = None;
    configure(&mut config);
    let deadline = Instant::now() + STOP_TIMEOUT;
    let app = loop {
        match Application::build(&config).await {
            Ok(app) => break app,
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(error) => panic!(
                "the demo collector did not start on {} with its store in {}: {error:#}",
                config.bind,
                data_dir.display()
            ),
        }
    };
    let addr = app.local_addr();
    let clock = app.state().clock.clone();
    let (stop, stopped) = oneshot::channel::<()>();
    // A dropped sender stops the collector too: a `RunningDemo` dropped by a failing test
    // lets its store close.
    let task = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    RunningDemo {
        base: format!("http://{addr}"),
        addr,
        clock,
        stop,
        task,
    }
}

/// A demo collector serving in this process. See [`start_demo_at`].
#[derive(Debug)]
pub struct RunningDemo {
    /// `http://127.0.0.1:{port}`, without a trailing slash.
    pub base: String,
    addr: SocketAddr,
    clock: collector::clock::Clock,
    stop: oneshot::Sender<()>,
    task: JoinHandle<anyhow::Result<()>>,
}

impl Demo {
    /// Moves the collector's clock forward, past a waiting period or a link's expiry. The
    /// browser's clock stays: what the collector decides is what moves.
    pub fn advance_clock(&self, by: shared::time::Period) {
        self.clock.advance(by);
    }
}

impl RunningDemo {
    /// The port it listens on, to start it again on the same one.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Stops it gracefully, as Ctrl-C stops `nunchi serve`: no new connections, requests in
    /// flight are answered, every acknowledged write is made durable. Returns once the server
    /// has ended, its port is released and its store closed. Panics if that takes over 15 s or
    /// the server failed.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        match tokio::time::timeout(STOP_TIMEOUT, self.task).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(error))) => panic!("the demo collector failed: {error:#}"),
            Ok(Err(error)) => panic!("the demo collector's task failed: {error}"),
            Err(_) => panic!(
                "the demo collector on {} had not stopped after {}s",
                self.addr,
                STOP_TIMEOUT.as_secs()
            ),
        }
    }
}

/// One HTML page served at `/` from an origin of its own (`http://127.0.0.1:{port}`), as a
/// shop serves its own pages while the collector lives elsewhere. Its server stays up when the
/// collector stops, so the page can be reloaded during an outage. Every other path is a 404.
/// The page is sent with `Cache-Control: no-store`. Serves until dropped.
#[derive(Debug)]
pub struct HostPage {
    /// The page's URL, `http://127.0.0.1:{port}/`.
    pub url: String,
    /// The page's origin, `http://127.0.0.1:{port}`, for a site's `allowed_origins`.
    pub origin: String,
    task: JoinHandle<()>,
}

impl HostPage {
    pub async fn serve(html: String) -> HostPage {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("a loopback port for the host page");
        let origin = format!("http://{}", listener.local_addr().expect("bound"));
        let page = std::sync::Arc::new(html);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(answer(stream, page.clone()));
            }
        });
        HostPage {
            url: format!("{origin}/"),
            origin,
            task,
        }
    }
}

impl Drop for HostPage {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Answers one request (and closes the connection): the page for `GET /`, else 404.
async fn answer(mut stream: tokio::net::TcpStream, page: std::sync::Arc<String>) {
    let mut request = Vec::new();
    let mut buffer = [0; 2048];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 64 * 1024 {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buffer[..n]),
        }
    }
    let head = String::from_utf8_lossy(&request);
    let (status, body) = if head.starts_with("GET / ") {
        ("200 OK", page.as_str())
    } else {
        ("404 Not Found", "not found")
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n\
         Cache-Control: no-store\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// The widget's host element, whose open shadow root holds the survey.
pub const SURVEY_HOST: &str = "nunchi-survey";

/// A script expression: whether `selector` matches inside the widget's shadow root.
pub fn in_shadow(selector: &str) -> String {
    format!("!!document.querySelector('{SURVEY_HOST}')?.shadowRoot?.querySelector(\"{selector}\")")
}

/// The demo site's stored responses, through the admin API.
pub async fn stored_responses(base: &str) -> Vec<serde_json::Value> {
    let page: serde_json::Value = reqwest::Client::new()
        .get(format!("{base}/v1/admin/sites/demo-shop/responses"))
        .bearer_auth(collector::config::DEMO_ADMIN_KEY)
        .send()
        .await
        .expect("the admin API answers")
        .json()
        .await
        .expect("JSON");
    page["responses"].as_array().cloned().unwrap_or_default()
}

/// Polls until at least `count` responses are stored or `timeout` has passed; returns what is
/// stored then.
pub async fn wait_for_responses(
    base: &str,
    count: usize,
    timeout: std::time::Duration,
) -> Vec<serde_json::Value> {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        let stored = stored_responses(base).await;
        if stored.len() >= count || std::time::Instant::now() >= deadline {
            return stored;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Lets pages from `origin` post for the demo site, as its owner would in the admin API.
pub async fn allow_origin(base: &str, origin: &str) {
    update_demo_site(base, |site| {
        if let Some(origins) = site["allowed_origins"].as_array_mut() {
            origins.push(serde_json::json!(origin));
        }
    })
    .await;
}

/// Reads the demo site through the admin API, lets `change` edit it, and writes it back.
pub async fn update_demo_site(base: &str, change: impl FnOnce(&mut serde_json::Value)) {
    let http = reqwest::Client::new();
    let url = format!("{base}/v1/admin/sites/demo-shop");
    let key = collector::config::DEMO_ADMIN_KEY;
    let site: serde_json::Value = http
        .get(&url)
        .bearer_auth(key)
        .send()
        .await
        .expect("admin API")
        .json()
        .await
        .expect("JSON");
    let mut update = serde_json::json!({
        "id": site["id"], "name": site["name"], "allowed_origins": site["allowed_origins"],
        "policy": site["policy"], "repeat_press_window": site["repeat_press_window"],
    });
    change(&mut update);
    let reply = http
        .put(&url)
        .bearer_auth(key)
        .json(&update)
        .send()
        .await
        .expect("admin API");
    assert!(
        reply.status().is_success(),
        "site update: {}",
        reply.status()
    );
}

/// Publishes `survey` on the demo site.
pub async fn add_survey(base: &str, survey: &serde_json::Value) {
    let reply = reqwest::Client::new()
        .post(format!("{base}/v1/admin/sites/demo-shop/surveys"))
        .bearer_auth(collector::config::DEMO_ADMIN_KEY)
        .json(survey)
        .send()
        .await
        .expect("admin API");
    assert!(reply.status().is_success(), "survey: {}", reply.status());
}

/// A distinct version 7 UUID, as a widget makes one (the time, then a counter).
pub fn uuid_v7() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(1);
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
        & ((1 << 48) - 1);
    let n = u128::from(COUNTER.fetch_add(1, Ordering::Relaxed));
    let bits = (millis << 80) | (0x7 << 76) | (0b10 << 62) | n;
    let hex = format!("{bits:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}
