//! A hostile host page: another origin, a strict Content-Security-Policy header whose only
//! relaxation is `'wasm-unsafe-eval'`, and global CSS that unsets everything and hides every
//! button. The widget must still show, work and leak no global name but `nunchi`.

use std::time::Duration;

use axum::Router;
use axum::http::header;
use axum::routing::get;
use nunchi_e2e::browser::{Browser, Viewport};
use nunchi_e2e::{allow_origin, in_shadow, start_demo};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(15);

const HOSTILE_CSS: &str =
    "* { all: unset; } button { display: none !important; } body { display: block; }";

const HOST_JS: &str = r#"
window.nunchi = window.nunchi || { _q: [] };
["track", "identify", "reset", "show"].forEach(function (m) {
  window.nunchi[m] = window.nunchi[m] || function () { window.nunchi._q.push([m, [].slice.call(arguments)]); };
});
nunchi.show("web-nps");
"#;

/// Serves the hostile page on a loopback port; returns its origin.
async fn host_server(collector: &str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let origin = format!("http://{}", listener.local_addr().expect("a bound address"));
    let csp = format!(
        "default-src 'none'; script-src 'self' {collector} 'wasm-unsafe-eval'; connect-src {collector}; style-src 'self'; img-src 'self'"
    );
    let page = format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Hostile host</title>
<link rel="stylesheet" href="/hostile.css"></head>
<body><h1>A hostile host page</h1><p>Everything is unset, every button is hidden.</p>
<script src="{collector}/widget.js" data-site="demo-shop" async></script>
<script src="/host.js"></script></body></html>"#
    );
    let blank = "<!doctype html><html><head><title>blank</title></head><body></body></html>";
    let app = Router::new()
        .route(
            "/",
            get(move || async move {
                (
                    [
                        (header::CONTENT_SECURITY_POLICY, csp),
                        (header::CONTENT_TYPE, "text/html".into()),
                    ],
                    page,
                )
            }),
        )
        .route(
            "/blank",
            get(move || async move { ([(header::CONTENT_TYPE, "text/html")], blank) }),
        )
        .route(
            "/hostile.css",
            get(|| async { ([(header::CONTENT_TYPE, "text/css")], HOSTILE_CSS) }),
        )
        .route(
            "/host.js",
            get(|| async { ([(header::CONTENT_TYPE, "text/javascript")], HOST_JS) }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await });
    origin
}

#[tokio::test]
async fn a_hostile_page_with_a_strict_csp_still_gets_a_working_widget() {
    let demo = start_demo().await;
    let loader = reqwest::get(format!("{}/widget.js", demo.base))
        .await
        .unwrap();
    assert!(
        loader.status().is_success(),
        "no widget bundle: run `cargo xtask dist` (cargo xtask test does)"
    );
    let host = host_server(&demo.base).await;

    // The site owner allows the host page's origin to post.
    allow_origin(&demo.base, &host).await;

    let browser = Browser::start(Viewport::DESKTOP).await.expect("browser");
    browser.goto(&format!("{host}/blank")).await.unwrap();
    // ChromeDriver defines helpers of its own on a page's first script: run one first.
    browser.eval("true").await.unwrap();
    let baseline = browser
        .eval("Object.getOwnPropertyNames(window)")
        .await
        .unwrap();

    browser.goto(&format!("{host}/")).await.unwrap();
    browser
        .wait_until(&in_shadow("[data-value='9']"), WAIT)
        .await
        .unwrap();
    // The card sits in its corner, visible, despite `* { all: unset }` on the host element.
    let placed = browser
        .eval("(() => { const r = document.querySelector('nunchi-survey').shadowRoot.querySelector('.card').getBoundingClientRect(); return r.width > 200 && r.bottom <= innerHeight && r.right <= innerWidth && getComputedStyle(document.querySelector('nunchi-survey')).position === 'fixed'; })()")
        .await
        .unwrap();
    assert_eq!(
        placed,
        Value::Bool(true),
        "the card is laid out in the corner"
    );
    let button_shown = browser
        .eval("getComputedStyle(document.querySelector('nunchi-survey').shadowRoot.querySelector(\"[data-value='9']\")).display !== 'none'")
        .await
        .unwrap();
    assert_eq!(
        button_shown,
        Value::Bool(true),
        "host CSS cannot hide the widget's buttons"
    );
    // Checked before any WebDriver click: ChromeDriver's click atoms define globals of their own.
    let names = browser
        .eval("Object.getOwnPropertyNames(window)")
        .await
        .unwrap();
    let before: Vec<&Value> = baseline.as_array().unwrap().iter().collect();
    let added: Vec<&Value> = names
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| !before.contains(n))
        .collect();
    assert_eq!(
        added,
        vec![&json!("nunchi")],
        "the widget's only global is `nunchi`"
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    browser.screenshot("widget-hostile-page").await.unwrap();

    browser
        .click_in_shadow("nunchi-survey", "[data-value='9']")
        .await
        .unwrap();
    browser
        .wait_until(&in_shadow(".thanks"), WAIT)
        .await
        .unwrap();
    let stored = nunchi_e2e::wait_for_responses(&demo.base, 1, WAIT).await;
    assert_eq!(
        stored[0]["answers"]["nps"], 9,
        "the answer crossed origins: {stored:?}"
    );
    assert_eq!(stored[0]["context"]["page_url"], format!("{host}/"));

    let log = browser.console_log().await.unwrap();
    let violations: Vec<_> = log
        .iter()
        .filter(|e| {
            e.message.contains("Content Security Policy")
                || e.message.contains("Content-Security-Policy")
        })
        .collect();
    assert!(violations.is_empty(), "CSP violations: {violations:?}");
}
