//! The widget while the collector is down (issue 3): answers wait on the device, survive a page
//! reload, and reach the collector exactly once when it is back.
//!
//! The host page is served from an origin of its own, as a shop's page is: a reload during the
//! outage then loads the page (and the widget, from the browser's cache) while every request
//! to the collector fails. Needs the bundle (`cargo xtask dist`) and Chromium (`cargo xtask
//! test` does both).

use std::time::Duration;

use nunchi_e2e::browser::{Browser, Viewport};
use nunchi_e2e::{
    HostPage, allow_origin, in_shadow, start_demo_at, stored_responses, wait_for_responses,
};
use serde_json::{Value, json};

const HOST: &str = "nunchi-survey";
const SITE: &str = "demo-shop";
const OUTBOX: &str = "nunchi:demo-shop:outbox";
const WAIT: Duration = Duration::from_secs(15);

/// A shop's page on its own origin that embeds the widget from `collector`.
fn shop_page(collector: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>A shop on its own origin</title></head>\n<body><h1>A shop</h1>\n\
         <script src=\"{collector}/widget.js\" data-site=\"{SITE}\" async></script>\n\
         </body></html>\n"
    )
}

/// The outbox as the widget keeps it in local storage (`[]` when there is none).
async fn outbox(browser: &Browser) -> Vec<Value> {
    let entries = browser
        .eval(&format!(
            "JSON.parse(localStorage.getItem('{OUTBOX}') ?? '[]')"
        ))
        .await
        .expect("the outbox is readable");
    entries.as_array().cloned().expect("the outbox is a list")
}

fn response_ids(entries: &[Value], pointer: &str) -> Vec<String> {
    let mut ids: Vec<String> = entries
        .iter()
        .map(|e| {
            e.pointer(pointer)
                .and_then(Value::as_str)
                .expect("a response id")
                .to_owned()
        })
        .collect();
    ids.sort();
    ids
}

/// Asks for the NPS survey by name (no trigger, no throttling) and answers 9, which needs no
/// follow-up. Returns once the thank-you shows, and checks that by then the answer is the
/// `n`th waiting on the device.
async fn answer_nps(browser: &Browser, n: usize) {
    browser
        .eval("nunchi.show('web-nps'), true")
        .await
        .expect("nunchi.show");
    click_nine(browser, n).await;
}

async fn click_nine(browser: &Browser, n: usize) {
    browser
        .click_in_shadow(HOST, "[data-value='9']")
        .await
        .expect("NPS 9 clicked");
    browser
        .wait_until(&in_shadow(".thanks"), WAIT)
        .await
        .expect("the thank-you");
    let kept = outbox(browser).await;
    assert_eq!(
        kept.len(),
        n,
        "the answer is on the device before the thank-you: {kept:#?}"
    );
}

/// The card closes about 4 s after the thank-you, removing its host element.
async fn wait_for_card_to_close(browser: &Browser) {
    browser
        .wait_until(&format!("!document.querySelector('{HOST}')"), WAIT)
        .await
        .expect("the card closes");
}

/// Waits until the widget has booted on this page: the loader has handed its queue over, so a
/// call made now goes to the widget instead of waiting in `nunchi._q`.
async fn wait_for_widget(browser: &Browser) {
    browser
        .wait_until(
            "typeof nunchi === 'object' && (nunchi.track('probe'), nunchi._q.length === 0)",
            WAIT,
        )
        .await
        .expect("the widget boots");
}

#[tokio::test]
async fn answers_wait_out_an_outage_and_a_reload_then_are_stored_exactly_once() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data = dir.path().join("data");
    let demo = start_demo_at(&data, 0).await;
    let port = demo.port();
    let loader = reqwest::get(format!("{}/widget.js", demo.base))
        .await
        .expect("the collector answers");
    assert!(
        loader.status().is_success(),
        "no widget bundle: run `cargo xtask dist` (cargo xtask test does)"
    );
    let shop = HostPage::serve(shop_page(&demo.base)).await;
    allow_origin(&demo.base, &shop.origin).await;

    let browser = Browser::start(Viewport::DESKTOP).await.expect("browser");
    browser.goto(&shop.url).await.unwrap();
    // Queued until the widget has booted and has the site's surveys.
    browser.eval("nunchi.show('web-nps'), true").await.unwrap();
    browser
        .wait_until(&in_shadow("[data-value='9']"), WAIT)
        .await
        .unwrap();

    // The collector goes down with the survey on screen.
    demo.stop().await;
    click_nine(&browser, 1).await;
    tokio::time::sleep(Duration::from_millis(400)).await; // the card's entrance animation
    browser.screenshot("widget-offline-thanks").await.unwrap();
    wait_for_card_to_close(&browser).await;
    answer_nps(&browser, 2).await;
    wait_for_card_to_close(&browser).await;
    answer_nps(&browser, 3).await;

    let kept = outbox(&browser).await;
    let ids = response_ids(&kept, "/response/response_id");
    assert_eq!(kept.len(), 3, "three answers wait on the device: {kept:#?}");
    assert!(ids.windows(2).all(|w| w[0] != w[1]), "three ids: {ids:?}");
    for entry in &kept {
        assert_eq!(entry["response"]["answers"], json!({ "nps": 9 }));
    }

    // A reload during the outage: the page comes from the shop, the widget from the browser's
    // cache; it boots, fails to reach the collector, and keeps the answers.
    browser.reload().await.unwrap();
    wait_for_widget(&browser).await;
    // Its boot sends what is due (entries keep their backoff across page loads) and fails.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after_reload = outbox(&browser).await;
    assert_eq!(
        response_ids(&after_reload, "/response/response_id"),
        ids,
        "the same three answers wait after the reload: {after_reload:#?}"
    );

    // Back on the same port with the same store. The page is left alone: its retry timer
    // (backoff 1 s, 2 s, 4 s, 8 s, 16 s …, each between half and the whole) sends them.
    let demo = start_demo_at(&data, port).await;
    let stored = wait_for_responses(&demo.base, 3, Duration::from_secs(25)).await;
    if stored.len() < 3 {
        panic!(
            "{} of 3 answers reached the collector 25 s after it came back.\noutbox: {:#?}\n\
             console: {:#?}",
            stored.len(),
            outbox(&browser).await,
            browser.console_log().await.unwrap_or_default()
        );
    }
    assert_eq!(
        response_ids(&stored, "/response_id"),
        ids,
        "exactly the three answers that waited, once each"
    );
    for response in &stored {
        assert_eq!(response["answers"], json!({ "nps": 9 }));
        assert_eq!(response["context"]["page_url"], shop.url);
    }
    browser
        .wait_until(
            &format!("JSON.parse(localStorage.getItem('{OUTBOX}') ?? '[]').length === 0"),
            WAIT,
        )
        .await
        .unwrap();

    // Nothing is stored twice: not from a late retry, not from the next page load.
    tokio::time::sleep(Duration::from_secs(3)).await;
    browser.reload().await.unwrap();
    wait_for_widget(&browser).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let stored = stored_responses(&demo.base).await;
    assert_eq!(response_ids(&stored, "/response_id"), ids);
    assert_eq!(outbox(&browser).await, Vec::<Value>::new());
    demo.stop().await;
}

/// What the outbox's cap dropped on a device (kept there as a count) reaches the collector's
/// metrics once the widget can reach it, and the device's count goes back to zero.
#[tokio::test]
async fn answers_the_outbox_cap_dropped_are_reported_to_the_collector() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let demo = start_demo_at(&dir.path().join("data"), 0).await;
    let shop = HostPage::serve(shop_page(&demo.base)).await;
    allow_origin(&demo.base, &shop.origin).await;
    let browser = Browser::start(Viewport::DESKTOP).await.expect("browser");
    browser.goto(&shop.url).await.unwrap();
    wait_for_widget(&browser).await;
    // As `outbox::keep` leaves it after dropping the three oldest of 103 answers.
    browser
        .eval(&format!(
            "localStorage.setItem('nunchi:{SITE}:dropped', '3'), true"
        ))
        .await
        .unwrap();
    browser.reload().await.unwrap();
    browser
        .wait_until(
            &format!("localStorage.getItem('nunchi:{SITE}:dropped') === '0'"),
            WAIT,
        )
        .await
        .expect("the device's count is reported and cleared");
    let metrics = reqwest::get(format!("{}/metrics", demo.base))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics text");
    let line = format!(r#"nunchi_widget_discarded_total{{site="{SITE}",reason="outbox_full"}} 3"#);
    assert!(metrics.contains(&line), "{line} not in:\n{metrics}");
    demo.stop().await;
}
