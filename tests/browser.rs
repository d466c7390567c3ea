//! A real headless Chromium, driven through ChromeDriver (W3C WebDriver), for end-to-end tests.
//!
//! Each [`Browser`] is its own world: its own `chromedriver` on a free loopback port, its own
//! Chromium with a fresh temporary profile, so tests in one binary can run in parallel. Dropping
//! it (also while a failed test unwinds) ends the session, kills the driver and anything it
//! left behind, and deletes the profile.
//!
//! The helpers wait for what a test is about to touch instead of sleeping: [`Browser::wait_until`]
//! polls a JavaScript condition, and the shadow-root helpers wait for the element they act on.
//! The widget renders inside an open shadow root, which WebDriver's CSS selectors do not
//! pierce, so [`Browser::click_in_shadow`] finds the element by script and then clicks it with
//! a real WebDriver click (pointer events at its centre, as a user's click would).
//!
//! Chromium and ChromeDriver come from Debian's `chromium` and `chromium-driver` packages;
//! `cargo xtask test` installs them. Without them every test that starts a browser fails and
//! says so: browser tests never skip silently.
//!
//! Errors are `anyhow` errors: a person reads them, no code matches on them, and each says what
//! was being done (the URL, the selector, the JavaScript expression).

use std::fmt;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use fantoccini::error::{CmdError, ErrorStatus};
use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, elements::Element};
use hyper_util::client::legacy::connect::HttpConnector;
use serde::Deserialize;
use serde_json::{Value, json};

/// Debian's Chromium (`apt-get install chromium`).
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// Debian's ChromeDriver (`apt-get install chromium-driver`), the same version as Chromium.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// How long the shadow-root helpers wait, unless told otherwise, for their element to appear
/// and accept input. Generous: a debug build of the widget on a busy 2-core CI machine is slow.
pub const ELEMENT_TIMEOUT: Duration = Duration::from_secs(10);

/// How often [`Browser::wait_until`] evaluates its condition.
const POLL_INTERVAL: Duration = Duration::from_millis(50);
/// How long one `/status` request may take while ChromeDriver starts.
const POLL_TIMEOUT: Duration = Duration::from_secs(2);
/// How long ChromeDriver has to answer `/status` after it starts.
const DRIVER_START_TIMEOUT: Duration = Duration::from_secs(15);
/// Another process may take the port between our probe and ChromeDriver's bind.
const DRIVER_START_ATTEMPTS: usize = 3;

/// The command line of every Chromium we start. Without the background-networking flags
/// Chromium keeps calling Google's hosts, which a closed CI network refuses.
const CHROMIUM_ARGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--window-size=1280,800",
];

/// The page's viewport, set through Chrome DevTools' device-metrics override so that it is
/// exact: a headless window's size includes browser chrome that the page does not get.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Viewport {
    /// CSS pixels.
    pub width: u32,
    /// CSS pixels.
    pub height: u32,
    /// Device pixels per CSS pixel; screenshots are `width * scale` pixels wide.
    pub scale: f64,
    /// A phone: touch input, `(pointer: coarse)`, and pages laid out by their viewport meta tag.
    pub mobile: bool,
}

impl Viewport {
    /// A laptop screen.
    pub const DESKTOP: Viewport = Viewport {
        width: 1280,
        height: 800,
        scale: 1.0,
        mobile: false,
    };
    /// A small phone held upright (an iPhone SE-class screen).
    pub const PHONE: Viewport = Viewport {
        width: 375,
        height: 740,
        scale: 2.0,
        mobile: true,
    };
}

/// One line of the browser's console, as ChromeDriver reports it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ConsoleEntry {
    /// `SEVERE` (console.error, uncaught exceptions, failed loads), `WARNING`, `INFO`, `DEBUG`.
    pub level: String,
    /// The source location, then the message, e.g. `console-api 3:9 "hello"`.
    pub message: String,
}

/// A headless Chromium with its own ChromeDriver and profile. See the module documentation.
#[derive(Debug)]
pub struct Browser {
    client: Client,
    element_timeout: Duration,
    driver: Driver,
    // Declared last so that it is removed after the driver, and so Chromium, are gone.
    dir: tempfile::TempDir,
}

impl Browser {
    /// Starts ChromeDriver and a headless Chromium showing `about:blank` at `viewport`.
    pub async fn start(viewport: Viewport) -> anyhow::Result<Browser> {
        for program in [CHROMIUM, CHROMEDRIVER] {
            if !Path::new(program).exists() {
                bail!(
                    "{program} is not installed; the browser tests need Debian's chromium and \
                     chromium-driver: run `cargo xtask test`, which installs them"
                );
            }
        }
        let dir = tempfile::Builder::new()
            .prefix("nunchi-browser-")
            .tempdir()
            .context("could not make a temporary directory for the browser")?;
        let profile = dir.path().join("profile");
        let mut driver = Driver::start(&dir.path().join("chromedriver.log"), &profile).await?;
        let client = match new_session(&driver, &profile).await {
            Ok(client) => client,
            Err(error) => {
                // `driver` is dropped here, which kills it.
                let log = driver.log_tail();
                return Err(error.context(format!("chromedriver said:\n{log}")));
            }
        };
        driver.session = client.session_id().await?;
        let browser = Browser {
            client,
            element_timeout: ELEMENT_TIMEOUT,
            driver,
            dir,
        };
        browser.set_viewport(viewport).await?;
        Ok(browser)
    }

    /// Opens `url` and waits for its `load` event.
    pub async fn goto(&self, url: &str) -> anyhow::Result<()> {
        self.client
            .goto(url)
            .await
            .with_context(|| format!("could not open {url}"))
    }

    /// Reloads the page and waits for its `load` event. Local storage survives; that is what
    /// the widget's outbox and throttling state live in.
    pub async fn reload(&self) -> anyhow::Result<()> {
        self.client
            .refresh()
            .await
            .context("could not reload the page")
    }

    /// The value of a JavaScript expression in the page. A promise is awaited; DOM elements
    /// come back as WebDriver element references. For statements, use [`Browser::execute`].
    pub async fn eval(&self, expression: &str) -> anyhow::Result<Value> {
        // The line break lets the expression end in a `//` comment.
        let script = format!("return ({expression}\n);");
        self.client
            .execute(&script, Vec::new())
            .await
            .with_context(|| format!("could not evaluate `{expression}`"))
    }

    /// Runs `script` as the body of a function called with `args` (`arguments[0]`, …) and
    /// returns what it returns.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> anyhow::Result<Value> {
        self.client
            .execute(script, args)
            .await
            .with_context(|| format!("could not run the script `{script}`"))
    }

    /// Polls the JavaScript `expression` until it is truthy. Fails after `timeout` with the
    /// expression, the last error it threw (if any) and the console's recent lines. An
    /// expression that throws counts as not yet true: it may read an element not yet rendered.
    pub async fn wait_until(&self, expression: &str, timeout: Duration) -> anyhow::Result<()> {
        let script = format!("return !!({expression}\n);");
        let deadline = Instant::now() + timeout;
        loop {
            let thrown = match self.client.execute(&script, Vec::new()).await {
                Ok(Value::Bool(true)) => return Ok(()),
                Ok(_) => None,
                Err(CmdError::Standard(error)) if error.error == ErrorStatus::JavascriptError => {
                    Some(error.message.to_string())
                }
                Err(error) => {
                    return Err(error).with_context(|| format!("while waiting for `{expression}`"));
                }
            };
            if Instant::now() >= deadline {
                let mut message = format!(
                    "`{expression}` was still not true after {:.1}s",
                    timeout.as_secs_f64()
                );
                if let Some(error) = thrown {
                    message.push_str(&format!("; it threw: {error}"));
                }
                message.push_str(&self.console_summary().await);
                bail!(message);
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Clicks the element matching the CSS selector `selector` in the page (not inside a
    /// shadow root). Waits (up to [`ELEMENT_TIMEOUT`], see [`Browser::set_element_timeout`])
    /// for it to exist and to take a click: not hidden, not covered, not disabled.
    pub async fn click(&self, selector: &str) -> anyhow::Result<()> {
        self.click_target(Target::Page(selector)).await
    }

    /// Clicks the element matching the CSS selector `inner` in the open shadow root of the
    /// element matching `host`, with a real WebDriver click. Waits like [`Browser::click`].
    pub async fn click_in_shadow(&self, host: &str, inner: &str) -> anyhow::Result<()> {
        self.click_target(Target::Shadow { host, inner }).await
    }

    /// Types `text` into the element matching `selector` in the page, key by key, after what
    /// it already holds. Waits like [`Browser::click`].
    pub async fn type_in(&self, selector: &str, text: &str) -> anyhow::Result<()> {
        self.type_target(Target::Page(selector), text).await
    }

    /// Types `text` into the element matching `inner` in the open shadow root of `host`, key by
    /// key, after what it already holds. Waits like [`Browser::click`].
    pub async fn type_in_shadow(&self, host: &str, inner: &str, text: &str) -> anyhow::Result<()> {
        self.type_target(Target::Shadow { host, inner }, text).await
    }

    /// Saves a PNG of the viewport as `target/screenshots/{name}.png` and returns its path.
    /// `name` is letters, digits, `-`, `_` and `.`.
    pub async fn screenshot(&self, name: &str) -> anyhow::Result<PathBuf> {
        let well_formed = !name.is_empty()
            && !name.starts_with('.')
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !well_formed {
            bail!("screenshot name {name:?} must be letters, digits, '-', '_' and '.'");
        }
        let png = self
            .client
            .screenshot()
            .await
            .context("could not take a screenshot")?;
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("could not create {}", dir.display()))?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png)
            .with_context(|| format!("could not write {}", path.display()))?;
        Ok(path)
    }

    /// Resizes the page's viewport. It stays in force across navigations and reloads.
    pub async fn set_viewport(&self, viewport: Viewport) -> anyhow::Result<()> {
        self.devtools(
            "Emulation.setDeviceMetricsOverride",
            json!({
                "width": viewport.width,
                "height": viewport.height,
                "deviceScaleFactor": viewport.scale,
                "mobile": viewport.mobile,
            }),
        )
        .await?;
        self.devtools(
            "Emulation.setTouchEmulationEnabled",
            json!({ "enabled": viewport.mobile, "maxTouchPoints": 5 }),
        )
        .await?;
        Ok(())
    }

    /// The console lines logged since the previous call (ChromeDriver hands each line out
    /// once), including uncaught exceptions and failed requests.
    pub async fn console_log(&self) -> anyhow::Result<Vec<ConsoleEntry>> {
        let entries = self
            .client
            .issue_cmd(VendorCommand {
                path: "se/log",
                body: json!({ "type": "browser" }),
            })
            .await
            .context("could not read the browser's console log")?;
        serde_json::from_value(entries).context("chromedriver sent a console log we cannot read")
    }

    /// How long the shadow-root helpers wait for their element from now on.
    pub fn set_element_timeout(&mut self, timeout: Duration) {
        self.element_timeout = timeout;
    }

    /// The WebDriver client itself, for anything the helpers above do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// This browser's ChromeDriver, e.g. `http://127.0.0.1:40123/`.
    pub fn webdriver_url(&self) -> &str {
        &self.driver.url
    }

    /// This browser's Chromium profile, deleted when the browser is dropped.
    pub fn profile_dir(&self) -> PathBuf {
        self.dir.path().join("profile")
    }

    /// Runs a Chrome DevTools Protocol command through ChromeDriver.
    /// Fails every request whose URL matches one of `patterns` (`*` wildcards) as a network
    /// error, from now on; an empty list lets everything through again.
    pub async fn block_urls(&self, patterns: &[&str]) -> anyhow::Result<()> {
        self.devtools("Network.enable", json!({})).await?;
        self.devtools("Network.setBlockedURLs", json!({ "urls": patterns }))
            .await?;
        Ok(())
    }

    /// Sends `name: value` with every request from now on, as a browser setting would (e.g.
    /// `Sec-GPC: 1`, which pages cannot set themselves).
    pub async fn send_header(&self, name: &str, value: &str) -> anyhow::Result<()> {
        self.devtools("Network.enable", json!({})).await?;
        self.devtools(
            "Network.setExtraHTTPHeaders",
            json!({ "headers": { name: value } }),
        )
        .await?;
        Ok(())
    }

    /// Lays the page out for `media` (`"print"`, as the print preview does; `""`: the screen
    /// again), so a test can see what a printer would get.
    pub async fn emulate_media(&self, media: &str) -> anyhow::Result<()> {
        self.devtools("Emulation.setEmulatedMedia", json!({ "media": media }))
            .await?;
        Ok(())
    }

    /// Runs the page in the IANA time zone `zone` (`"Asia/Seoul"`) from now on, whatever the
    /// machine's: dates a page computes are then the same on every machine.
    pub async fn set_time_zone(&self, zone: &str) -> anyhow::Result<()> {
        self.devtools(
            "Emulation.setTimezoneOverride",
            json!({ "timezoneId": zone }),
        )
        .await?;
        Ok(())
    }

    async fn devtools(&self, cmd: &str, params: Value) -> anyhow::Result<Value> {
        self.client
            .issue_cmd(VendorCommand {
                path: "goog/cdp/execute",
                body: json!({ "cmd": cmd, "params": params }),
            })
            .await
            .with_context(|| format!("chromedriver refused the DevTools command {cmd}"))
    }

    async fn click_target(&self, target: Target<'_>) -> anyhow::Result<()> {
        self.until_interactable(target, |element| async move { element.click().await })
            .await
            .with_context(|| format!("could not click {target}"))
    }

    async fn type_target(&self, target: Target<'_>, text: &str) -> anyhow::Result<()> {
        self.until_interactable(
            target,
            |element| async move { element.send_keys(text).await },
        )
        .await
        .with_context(|| format!("could not type into {target}"))
    }

    /// Finds `target` and applies `act` to it, retrying both while the element is missing or
    /// cannot take input yet, for the element timeout.
    async fn until_interactable<F, Fut>(&self, target: Target<'_>, act: F) -> anyhow::Result<()>
    where
        F: Fn(Element) -> Fut,
        Fut: Future<Output = Result<(), CmdError>>,
    {
        let deadline = Instant::now() + self.element_timeout;
        loop {
            let not_yet = match self.find(target).await? {
                Ok(element) => match act(element).await {
                    Ok(()) => return Ok(()),
                    Err(error) if is_transient(&error) => error.to_string(),
                    Err(error) => return Err(error.into()),
                },
                Err(missing) => missing,
            };
            if Instant::now() >= deadline {
                bail!(
                    "gave up after {:.1}s: {not_yet}{}",
                    self.element_timeout.as_secs_f64(),
                    self.console_summary().await
                );
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// The element, or (as the inner error) which step of the lookup found nothing. By script:
    /// one round trip, and it says which step failed.
    async fn find(&self, target: Target<'_>) -> anyhow::Result<Result<Element, String>> {
        const FIND: &str = "
            const [hostSelector, selector] = arguments;
            let scope = document;
            if (hostSelector !== null) {
                const host = document.querySelector(hostSelector);
                if (!host) return 'no element matches the host selector';
                if (!host.shadowRoot) return 'the host has no open shadow root';
                scope = host.shadowRoot;
            }
            return scope.querySelector(selector)
                || (hostSelector === null ? 'nothing in the page' : 'nothing in the shadow root')
                    + ' matches the selector';
        ";
        let args = match target {
            Target::Page(selector) => vec![Value::Null, json!(selector)],
            Target::Shadow { host, inner } => vec![json!(host), json!(inner)],
        };
        let found = self
            .client
            .execute(FIND, args)
            .await
            .with_context(|| format!("could not look for {target}"))?;
        Ok(match found {
            Value::String(missing) => Err(missing),
            Value::Object(reference) => match reference.get(WEB_ELEMENT).and_then(Value::as_str) {
                Some(id) => Ok(Element::from_element_id(
                    self.client.clone(),
                    id.to_owned().into(),
                )),
                None => bail!("looking for {target} returned {reference:?}, not an element"),
            },
            other => bail!("looking for {target} returned {other}, not an element"),
        })
    }

    /// The last console lines, for a failure message; empty if there are none.
    async fn console_summary(&self) -> String {
        const SHOWN: usize = 10;
        match self.console_log().await {
            Ok(entries) if entries.is_empty() => String::new(),
            Ok(entries) => {
                let skip = entries.len().saturating_sub(SHOWN);
                let lines: Vec<String> = entries[skip..]
                    .iter()
                    .map(|entry| format!("  {} {}", entry.level, entry.message))
                    .collect();
                format!("\nbrowser console (last lines):\n{}", lines.join("\n"))
            }
            Err(error) => format!("\n(could not read the browser console: {error:#})"),
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ending the session makes ChromeDriver close Chromium cleanly and wait for it; the
        // driver's own drop then kills whatever is left. Blocking is fine: this is a test.
        if let Some(session) = self.driver.session.take() {
            let _ = self.driver.blocking_delete(&format!("/session/{session}"));
        }
    }
}

/// Where screenshots go: `screenshots/` in the workspace's target directory
/// (`CARGO_TARGET_DIR` when it is set, else `target/` beside this crate).
pub fn screenshot_dir() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or_else(|| Path::new("."));
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        // A relative target dir is relative to where cargo ran, most likely the workspace.
        Some(dir) => workspace.join(dir),
        None => workspace.join("target"),
    };
    target.join("screenshots")
}

/// What the element helpers act on.
#[derive(Debug, Clone, Copy)]
enum Target<'a> {
    /// A CSS selector in the document.
    Page(&'a str),
    /// A CSS selector in the open shadow root of the element `host` selects.
    Shadow { host: &'a str, inner: &'a str },
}

impl fmt::Display for Target<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Page(selector) => write!(f, "`{selector}`"),
            Target::Shadow { host, inner } => {
                write!(f, "`{inner}` in the shadow root of `{host}`")
            }
        }
    }
}

/// The key of a web element reference in WebDriver's JSON (W3C WebDriver, "Elements").
const WEB_ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Errors that mean "not ready yet": the element is rendered but hidden, covered (by an
/// animation, say) or detached by a re-render between the lookup and the action.
fn is_transient(error: &CmdError) -> bool {
    matches!(
        error,
        CmdError::Standard(e) if matches!(
            e.error,
            ErrorStatus::ElementNotInteractable
                | ErrorStatus::ElementClickIntercepted
                | ErrorStatus::StaleElementReference
                | ErrorStatus::InvalidElementState
        )
    )
}

async fn new_session(driver: &Driver, profile: &Path) -> anyhow::Result<Client> {
    let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|&a| a.to_owned()).collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    let capabilities: Capabilities = serde_json::from_value(json!({
        "browserName": "chrome",
        "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
        "goog:loggingPrefs": { "browser": "ALL" },
        "timeouts": { "pageLoad": 30_000, "script": 30_000 },
    }))?;
    ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .context("could not start a headless Chromium session")
}

/// A ChromeDriver process and the Chromium it starts with `profile`.
///
/// It stays in the test's process group, so Ctrl-C, or a test runner killing a test that
/// hangs, ends it and its Chromium too.
#[derive(Debug)]
struct Driver {
    child: Child,
    port: u16,
    url: String,
    log: PathBuf,
    profile: PathBuf,
    /// The WebDriver session once there is one, to end it from `Drop`.
    session: Option<String>,
}

impl Driver {
    async fn start(log: &Path, profile: &Path) -> anyhow::Result<Driver> {
        let mut failures = Vec::new();
        for _ in 0..DRIVER_START_ATTEMPTS {
            match Driver::start_once(log, profile).await {
                Ok(driver) => return Ok(driver),
                Err(error) => failures.push(format!("{error:#}")),
            }
        }
        bail!("could not start {CHROMEDRIVER}:\n{}", failures.join("\n"))
    }

    async fn start_once(log: &Path, profile: &Path) -> anyhow::Result<Driver> {
        let port = free_port()?;
        let output = std::fs::File::create(log)
            .with_context(|| format!("could not create {}", log.display()))?;
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(output.try_clone()?)
            .stderr(output)
            .spawn()
            .with_context(|| format!("could not run {CHROMEDRIVER}"))?;
        let mut driver = Driver {
            child,
            port,
            url: format!("http://127.0.0.1:{port}/"),
            log: log.to_owned(),
            profile: profile.to_owned(),
            session: None,
        };
        driver.wait_ready().await?;
        Ok(driver)
    }

    async fn wait_ready(&mut self) -> anyhow::Result<()> {
        let status = format!("{}status", self.url);
        let http = reqwest::Client::new();
        let deadline = Instant::now() + DRIVER_START_TIMEOUT;
        loop {
            if let Some(exit) = self.child.try_wait()? {
                bail!(
                    "chromedriver exited ({exit}) on port {}:\n{}",
                    self.port,
                    self.log_tail()
                );
            }
            let ready = match http.get(&status).timeout(POLL_TIMEOUT).send().await {
                Ok(response) => response
                    .json::<Value>()
                    .await
                    .is_ok_and(|body| body["value"]["ready"] == true),
                Err(_) => false,
            };
            if ready {
                return Ok(());
            }
            if Instant::now() >= deadline {
                bail!(
                    "chromedriver was not ready on port {} after {}s:\n{}",
                    self.port,
                    DRIVER_START_TIMEOUT.as_secs(),
                    self.log_tail()
                );
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// The end of ChromeDriver's output, for error messages.
    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// A blocking `DELETE`: `Drop` may run while a test unwinds, when nothing can be awaited.
    fn blocking_delete(&self, path: &str) -> std::io::Result<()> {
        let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        stream.set_write_timeout(Some(Duration::from_secs(2)))?;
        write!(
            stream,
            "DELETE {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\n\
             Connection: close\r\n\r\n",
            self.port
        )?;
        // ChromeDriver answers once Chromium has exited, so the answer's first bytes are
        // enough (it keeps the connection open after them, `Connection: close` or not).
        let mut response = [0; 512];
        let _answered = stream.read(&mut response)?;
        Ok(())
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // After a clean end of session there is nothing left; after a failed one (a hung
        // driver, a crashed start) Chromium would outlive its driver. Its helpers exit with it.
        for pid in processes_mentioning(&self.profile) {
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
        }
    }
}

/// The processes whose command line mentions `path`: the Chromium that uses it as profile.
fn processes_mentioning(path: &Path) -> Vec<nix::unistd::Pid> {
    let needle = path.as_os_str().as_bytes();
    let Ok(processes) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    processes
        .flatten()
        .filter_map(|entry| {
            let pid: i32 = entry.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let mentions = cmdline.windows(needle.len()).any(|window| window == needle);
            mentions.then(|| nix::unistd::Pid::from_raw(pid))
        })
        .collect()
}

/// A free loopback port, as the OS hands out for port 0. It is free when we look; the caller
/// retries if someone else binds it first.
fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .context("could not find a free loopback port")?;
    Ok(listener.local_addr()?.port())
}

/// A POST to one of ChromeDriver's vendor endpoints under the session
/// (`/session/{id}/{path}`), which fantoccini has no method for.
#[derive(Debug)]
struct VendorCommand {
    path: &'static str,
    body: Value,
}

impl WebDriverCompatibleCommand for VendorCommand {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        let session = session_id.unwrap_or_default();
        base_url.join(&format!("session/{session}/{}", self.path))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.body.to_string()))
    }
}
