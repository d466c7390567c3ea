//! The browser harness itself (`nunchi_e2e::browser`), against the demo collector's pages: a
//! real headless Chromium opens them, clicks inside a shadow root, screenshots them, and
//! leaves nothing behind.

use std::path::Path;
use std::time::Duration;

use nunchi_e2e::browser::{Browser, Viewport};
use nunchi_e2e::start_demo;
use serde_json::json;

const SECOND: Duration = Duration::from_secs(1);

/// Width and height from a PNG's header (the IHDR chunk always comes first).
fn png_size(path: &Path) -> (u32, u32) {
    let png = std::fs::read(path).expect("the screenshot is readable");
    assert_eq!(
        &png[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is not a PNG",
        path.display()
    );
    let word = |at: usize| u32::from_be_bytes([png[at], png[at + 1], png[at + 2], png[at + 3]]);
    (word(16), word(20))
}

#[tokio::test]
async fn the_index_page_names_nunchi_and_its_config_link_opens_the_demo_surveys() {
    let demo = start_demo().await;
    let browser = Browser::start(Viewport::DESKTOP).await.unwrap();
    browser.goto(&format!("{}/", demo.base)).await.unwrap();

    let title = browser.eval("document.title").await.unwrap();
    assert!(title.as_str().unwrap().contains("nunchi"), "title: {title}");
    let links = browser
        .eval("[...document.querySelectorAll('a')].map(a => a.getAttribute('href'))")
        .await
        .unwrap();
    assert!(
        links
            .as_array()
            .unwrap()
            .contains(&json!("/v1/sites/demo-shop/config")),
        "links: {links}"
    );

    let path = browser.screenshot("index-desktop").await.unwrap();
    assert_eq!(png_size(&path), (1280, 800));

    // A real click on a real link, then the collector's answer in the browser.
    browser
        .click("a[href='/v1/sites/demo-shop/config']")
        .await
        .unwrap();
    browser
        .wait_until(
            "location.pathname === '/v1/sites/demo-shop/config' \
             && document.body.innerText.includes('web-nps')",
            5 * SECOND,
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn a_phone_viewport_is_exact_touch_enabled_and_can_become_a_desktop_one() {
    let demo = start_demo().await;
    let browser = Browser::start(Viewport::PHONE).await.unwrap();
    browser.goto(&format!("{}/", demo.base)).await.unwrap();
    let path = browser.screenshot("index-phone").await.unwrap();
    assert_eq!(png_size(&path), (750, 1480));

    // On a page that fits its viewport (a phone zooms out of one that does not).
    browser
        .goto(
            "data:text/html,<meta name=viewport content='width=device-width, initial-scale=1'>\
             <p>fits",
        )
        .await
        .unwrap();
    let metrics = "[innerWidth, innerHeight, devicePixelRatio, \
                   matchMedia('(pointer: coarse)').matches]";
    assert_eq!(
        browser.eval(metrics).await.unwrap(),
        json!([375, 740, 2, true])
    );

    browser.set_viewport(Viewport::DESKTOP).await.unwrap();
    browser.reload().await.unwrap();
    assert_eq!(
        browser.eval(metrics).await.unwrap(),
        json!([1280, 800, 1, false])
    );
}

#[tokio::test]
async fn clicks_and_keys_reach_elements_inside_an_open_shadow_root() {
    let demo = start_demo().await;
    let mut browser = Browser::start(Viewport::DESKTOP).await.unwrap();
    browser.goto(&format!("{}/", demo.base)).await.unwrap();

    // A host whose shadow content appears only after a while, as a widget's does: the helpers
    // must wait for it. The flag is set only by a trusted (user-made, not scripted) click.
    browser
        .execute(
            "const host = document.createElement('div');
             host.id = 'fixture';
             document.body.prepend(host);
             const root = host.attachShadow({ mode: 'open' });
             setTimeout(() => {
                 root.innerHTML = '<button id=\"go\">Go</button> <input id=\"name\">';
                 root.getElementById('go').addEventListener('click', (event) => {
                     window.trustedClicks = (window.trustedClicks || 0) + (event.isTrusted ? 1 : 0);
                 });
             }, 300);",
            Vec::new(),
        )
        .await
        .unwrap();
    // Not reachable from the document: a CSS selector does not pierce the shadow root.
    assert_eq!(
        browser.eval("document.querySelector('#go')").await.unwrap(),
        json!(null)
    );

    browser.click_in_shadow("#fixture", "#go").await.unwrap();
    browser
        .wait_until("window.trustedClicks === 1", 2 * SECOND)
        .await
        .unwrap();

    browser
        .type_in_shadow("#fixture", "input#name", "hello 눈치")
        .await
        .unwrap();
    assert_eq!(
        browser
            .eval("document.querySelector('#fixture').shadowRoot.querySelector('#name').value")
            .await
            .unwrap(),
        json!("hello 눈치")
    );

    browser.set_element_timeout(Duration::from_millis(300));
    let missing = browser
        .click_in_shadow("#fixture", "#nowhere")
        .await
        .unwrap_err();
    let message = format!("{missing:#}");
    assert!(
        message.contains("#nowhere")
            && message.contains("gave up after 0.3s: nothing in the shadow root matches"),
        "{message}"
    );
}

#[tokio::test]
async fn a_condition_that_never_holds_fails_naming_it_and_showing_the_console() {
    let browser = Browser::start(Viewport::DESKTOP).await.unwrap();
    browser
        .goto("data:text/html,<title>empty</title>")
        .await
        .unwrap();
    browser
        .execute("console.error('nunchi-e2e marker')", Vec::new())
        .await
        .unwrap();

    let error = browser
        .wait_until("window.neverSet === true", Duration::from_millis(300))
        .await
        .unwrap_err();
    let message = format!("{error:#}");
    assert!(
        message.contains("`window.neverSet === true` was still not true after 0.3s"),
        "{message}"
    );
    assert!(message.contains("nunchi-e2e marker"), "{message}");

    let error = browser
        .wait_until("window.missing.field", Duration::from_millis(200))
        .await
        .unwrap_err();
    assert!(format!("{error:#}").contains("it threw"), "{error:#}");

    browser
        .execute("console.warn('second marker')", Vec::new())
        .await
        .unwrap();
    let log = browser.console_log().await.unwrap();
    assert!(
        log.iter()
            .any(|entry| entry.level == "WARNING" && entry.message.contains("second marker")),
        "{log:?}"
    );
}

/// The live processes started with `needle` on their command line.
fn processes_mentioning(needle: &str) -> Vec<i32> {
    let processes = std::fs::read_dir("/proc").expect("/proc lists the processes");
    processes
        .flatten()
        .filter(|entry| {
            std::fs::read(entry.path().join("cmdline"))
                .is_ok_and(|cmdline| String::from_utf8_lossy(&cmdline).contains(needle))
        })
        .filter_map(|entry| entry.file_name().to_str()?.parse().ok())
        .collect()
}

fn a_process_mentions(needle: &str) -> bool {
    !processes_mentioning(needle).is_empty()
}

fn assert_cleaned_up(webdriver_url: &str, profile: &Path) {
    let address = webdriver_url
        .trim_start_matches("http://")
        .trim_end_matches('/');
    assert!(
        std::net::TcpStream::connect(address).is_err(),
        "chromedriver still listens on {address}"
    );
    assert!(!profile.exists(), "{} was not removed", profile.display());
    // A killed process takes a moment to exit, longer on a loaded machine: allow it a few
    // seconds, but no more.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while a_process_mentions(&profile.display().to_string()) && std::time::Instant::now() < deadline
    {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(
        !a_process_mentions(&profile.display().to_string()),
        "a Chromium process still uses {}",
        profile.display()
    );
}

#[tokio::test]
async fn a_dropped_browser_leaves_no_process_or_profile_behind_after_a_panic_or_a_dead_driver() {
    let browser = Browser::start(Viewport::DESKTOP).await.unwrap();
    browser.goto("data:text/html,<p>bye").await.unwrap();
    let (url, profile) = (browser.webdriver_url().to_owned(), browser.profile_dir());
    assert!(profile.exists() && a_process_mentions(&profile.display().to_string()));
    drop(browser);
    assert_cleaned_up(&url, &profile);

    // A test that panics while it holds a browser.
    let (sender, receiver) = std::sync::mpsc::channel();
    let failed = tokio::spawn(async move {
        let browser = Browser::start(Viewport::PHONE).await.unwrap();
        sender
            .send((browser.webdriver_url().to_owned(), browser.profile_dir()))
            .unwrap();
        panic!("a failing test");
    })
    .await;
    assert!(failed.unwrap_err().is_panic());
    let (url, profile) = receiver.recv().unwrap();
    assert_cleaned_up(&url, &profile);

    // A driver that died under its session: Chromium must not outlive it.
    let browser = Browser::start(Viewport::DESKTOP).await.unwrap();
    let (url, profile) = (browser.webdriver_url().to_owned(), browser.profile_dir());
    let port = url.trim_end_matches('/').rsplit(':').next().unwrap();
    for pid in processes_mentioning(&format!("--port={port}")) {
        std::process::Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status()
            .unwrap();
    }
    drop(browser);
    assert_cleaned_up(&url, &profile);
}
