//! The widget in a real headless Chromium, against the real collector serving the demo.
//! Needs the bundle (`cargo xtask dist`) and Chromium (`cargo xtask test` does both).

use std::time::Duration;

use nunchi_e2e::browser::{Browser, Viewport};
use nunchi_e2e::{Demo, in_shadow, start_demo};
use serde_json::Value;

const HOST: &str = "nunchi-survey";
const WAIT: Duration = Duration::from_secs(15);

async fn demo_with_widget() -> Demo {
    let demo = start_demo().await;
    let loader = reqwest::get(format!("{}/widget.js", demo.base))
        .await
        .expect("the collector answers");
    assert!(
        loader.status().is_success(),
        "no widget bundle: run `cargo xtask dist` (cargo xtask test does)"
    );
    demo
}

/// A screenshot once the card's entrance animation (180 ms) has settled.
/// Waits until `count` responses are stored, failing the test if they never are.
async fn wait_for_responses(demo: &Demo, count: usize) -> Vec<Value> {
    let stored = nunchi_e2e::wait_for_responses(&demo.base, count, Duration::from_secs(10)).await;
    assert!(
        stored.len() >= count,
        "{} of {count} responses were stored",
        stored.len()
    );
    stored
}

async fn settled_screenshot(browser: &Browser, name: &str) {
    tokio::time::sleep(Duration::from_millis(400)).await;
    browser.screenshot(name).await.expect("screenshot");
}

async fn purchase(browser: &Browser) {
    browser
        .eval("document.getElementById('purchase').click(), true")
        .await
        .expect("purchase clicked");
}

#[tokio::test]
async fn a_purchase_asks_for_nps_and_a_detractor_gets_the_follow_up() {
    let demo = demo_with_widget().await;
    let browser = Browser::start(Viewport::DESKTOP).await.expect("browser");
    browser
        .goto(&format!(
            "{}/shop.html?utm_source=mail&order=7#top",
            demo.base
        ))
        .await
        .unwrap();
    purchase(&browser).await;
    browser
        .wait_until(&in_shadow("[data-value='3']"), WAIT)
        .await
        .unwrap();
    settled_screenshot(&browser, "widget-desktop-nps").await;

    browser
        .click_in_shadow(HOST, "[data-value='3']")
        .await
        .unwrap();
    browser
        .wait_until(&in_shadow("textarea"), WAIT)
        .await
        .unwrap();
    browser
        .type_in_shadow(HOST, "textarea", "배송이 늦었어요")
        .await
        .unwrap();
    settled_screenshot(&browser, "widget-desktop-follow-up").await;
    browser.click_in_shadow(HOST, ".primary").await.unwrap();
    browser
        .wait_until(&in_shadow(".thanks"), WAIT)
        .await
        .unwrap();

    let stored = wait_for_responses(&demo, 1).await;
    let r = &stored[0];
    assert_eq!(r["survey_id"], "web-nps");
    assert_eq!(r["answers"]["nps"], 3);
    assert_eq!(r["answers"]["what_went_wrong"], "배송이 늦었어요");
    assert_eq!(r["context"]["channel"], "web");
    assert_eq!(
        r["context"]["page_url"],
        format!("{}/shop.html", demo.base),
        "no query string, no fragment"
    );
    let language = browser.eval("navigator.language").await.unwrap();
    let expected_locale = shared::ids::Locale::parse(language.as_str().unwrap()).unwrap();
    assert_eq!(r["context"]["locale"], expected_locale.as_str());
}

#[tokio::test]
async fn a_promoter_is_not_asked_the_follow_up() {
    let demo = demo_with_widget().await;
    let browser = Browser::start(Viewport::PHONE).await.expect("browser");
    browser
        .goto(&format!("{}/shop.html", demo.base))
        .await
        .unwrap();
    purchase(&browser).await;
    browser
        .wait_until(&in_shadow("[data-value='10']"), WAIT)
        .await
        .unwrap();
    settled_screenshot(&browser, "widget-phone-nps").await;
    browser
        .click_in_shadow(HOST, "[data-value='10']")
        .await
        .unwrap();
    browser
        .wait_until(&in_shadow(".thanks"), WAIT)
        .await
        .unwrap();
    let stored = wait_for_responses(&demo, 1).await;
    assert_eq!(stored[0]["answers"], serde_json::json!({ "nps": 10 }));
}

#[tokio::test]
async fn a_second_trigger_inside_the_waiting_period_shows_nothing_until_the_clock_passes_it() {
    let demo = demo_with_widget().await;
    let browser = Browser::start(Viewport::DESKTOP).await.expect("browser");
    let shop = format!("{}/shop.html", demo.base);
    browser.goto(&shop).await.unwrap();
    purchase(&browser).await;
    browser.wait_until(&in_shadow(".card"), WAIT).await.unwrap();

    // Shown once; the site waits a day after any survey was shown.
    browser.goto(&shop).await.unwrap();
    purchase(&browser).await;
    tokio::time::sleep(Duration::from_secs(4)).await; // the trigger's 2 s delay, and then some
    let shown = browser.eval(&in_shadow(".card")).await.unwrap();
    assert_eq!(
        shown,
        Value::Bool(false),
        "no survey inside the waiting period"
    );

    // A day and a minute later (the widget's test clock), the same purchase asks again.
    browser
        .eval("localStorage.setItem('nunchi:clock-offset-ms', String(86400000 + 60000)), true")
        .await
        .unwrap();
    browser.goto(&shop).await.unwrap();
    purchase(&browser).await;
    browser.wait_until(&in_shadow(".card"), WAIT).await.unwrap();
}

#[tokio::test]
async fn the_host_page_hears_shown_and_answered() {
    let demo = demo_with_widget().await;
    let browser = Browser::start(Viewport::DESKTOP).await.expect("browser");
    browser
        .goto(&format!("{}/shop.html", demo.base))
        .await
        .unwrap();
    browser
        .eval("(window.heard = [], ['nunchi:shown', 'nunchi:answered', 'nunchi:dismissed'].forEach(n => addEventListener(n, e => heard.push([n, e.detail.surveyId])))), true")
        .await
        .unwrap();
    purchase(&browser).await;
    browser
        .wait_until(&in_shadow("[data-value='10']"), WAIT)
        .await
        .unwrap();
    browser
        .click_in_shadow(HOST, "[data-value='10']")
        .await
        .unwrap();
    browser
        .wait_until(&in_shadow(".thanks"), WAIT)
        .await
        .unwrap();
    let heard = browser.eval("heard").await.unwrap();
    assert_eq!(
        heard,
        serde_json::json!([["nunchi:shown", "web-nps"], ["nunchi:answered", "web-nps"]])
    );
}

#[tokio::test]
async fn an_in_page_navigation_drops_a_survey_still_waiting_for_its_delay() {
    let demo = demo_with_widget().await;
    let browser = Browser::start(Viewport::DESKTOP).await.expect("browser");
    browser
        .goto(&format!("{}/shop.html", demo.base))
        .await
        .unwrap();
    // The widget is ready (its configuration loaded) before the visitor acts.
    browser
        .wait_until(
            "!!performance.getEntriesByType('resource').find(r => r.name.includes('/config'))",
            WAIT,
        )
        .await
        .unwrap();
    purchase(&browser).await;
    // A single-page app moves on before the 2 s delay is over.
    browser
        .eval("history.pushState({}, '', '/shop.html?step=receipt'), true")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(
        browser.eval(&in_shadow(".card")).await.unwrap(),
        Value::Bool(false),
        "the old page's survey is dropped"
    );
    // On the new page, a purchase asks as usual.
    purchase(&browser).await;
    browser.wait_until(&in_shadow(".card"), WAIT).await.unwrap();
}

#[tokio::test]
async fn a_member_who_answered_on_one_device_is_not_asked_on_another() {
    let demo = demo_with_widget().await;
    let shop = format!("{}/shop.html", demo.base);
    {
        let phone = Browser::start(Viewport::PHONE).await.expect("browser");
        phone.goto(&shop).await.unwrap();
        phone.eval("nunchi.identify('M-42'), true").await.unwrap();
        purchase(&phone).await;
        phone
            .wait_until(&in_shadow("[data-value='9']"), WAIT)
            .await
            .unwrap();
        phone
            .click_in_shadow(HOST, "[data-value='9']")
            .await
            .unwrap();
        phone.wait_until(&in_shadow(".thanks"), WAIT).await.unwrap();
    }
    let stored = wait_for_responses(&demo, 1).await;
    let member = stored[0]["context"]["member"]
        .as_str()
        .expect("the response names the member");
    assert_eq!(member.len(), 64, "a keyed hash, never the id");

    // A fresh browser: no local history, only the collector's ledger knows.
    let laptop = Browser::start(Viewport::DESKTOP).await.expect("browser");
    laptop.goto(&shop).await.unwrap();
    laptop.eval("nunchi.identify('M-42'), true").await.unwrap();
    purchase(&laptop).await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(
        laptop.eval(&in_shadow(".card")).await.unwrap(),
        Value::Bool(false),
        "asked once, across devices"
    );

    // Another member on the same laptop is asked.
    laptop.eval("nunchi.identify('M-43'), true").await.unwrap();
    purchase(&laptop).await;
    laptop.wait_until(&in_shadow(".card"), WAIT).await.unwrap();
}

/// Faces are drawn (SVG, not an emoji font a kiosk may lack), and on a 375 px phone the eleven
/// NPS buttons wrap into two rows of comfortable touch targets.
#[tokio::test]
async fn faces_are_drawn_and_a_phone_gets_two_rows_of_nps_buttons() {
    let demo = demo_with_widget().await;
    let browser = Browser::start(Viewport::PHONE).await.expect("browser");
    browser
        .goto(&format!("{}/shop.html", demo.base))
        .await
        .unwrap();
    browser
        .eval("nunchi.show('kiosk-smiley'), true")
        .await
        .unwrap();
    browser
        .wait_until(&in_shadow("[data-value='4'] svg"), WAIT)
        .await
        .expect("smiley faces");
    let faces = browser
        .eval(
            "[...document.querySelector('nunchi-survey').shadowRoot.querySelectorAll('.face .option')]\
             .map(b => { const r = b.querySelector('svg').getBoundingClientRect(); return r.width >= 24 && r.height >= 24; })",
        )
        .await
        .unwrap();
    assert_eq!(faces, serde_json::json!([true, true, true, true]));
    settled_screenshot(&browser, "widget-phone-smiley").await;

    // The same page, now the NPS survey.
    browser.reload().await.unwrap();
    browser.eval("nunchi.show('web-nps'), true").await.unwrap();
    browser
        .wait_until(&in_shadow("[data-value='10']"), WAIT)
        .await
        .unwrap();
    let layout = browser
        .eval(
            "(() => { const r = document.querySelector('nunchi-survey').shadowRoot; \
             const box = v => r.querySelector(`[data-value='${v}']`).getBoundingClientRect(); \
             const widths = [...Array(11).keys()].map(v => box(v).width); \
             return [box(0).top === box(5).top, box(6).top > box(5).top, Math.min(...widths) >= 40]; })()",
        )
        .await
        .unwrap();
    assert_eq!(
        layout,
        serde_json::json!([true, true, true]),
        "0-5 on one row, 6-10 on the next, every button at least 40 px wide"
    );
    settled_screenshot(&browser, "widget-phone-nps-two-rows").await;
}

/// A member whose browser sends Global Privacy Control: the collector keeps no ledger for them
/// and says so, the device decides instead, and the answer is stored without the member.
#[tokio::test]
async fn a_member_with_global_privacy_control_is_asked_by_the_device_and_stored_anonymously() {
    let demo = demo_with_widget().await;
    let browser = Browser::start(Viewport::DESKTOP).await.expect("browser");
    browser.send_header("Sec-GPC", "1").await.unwrap();
    browser
        .goto(&format!("{}/shop.html", demo.base))
        .await
        .unwrap();
    browser.eval("nunchi.identify('M-77'), true").await.unwrap();
    purchase(&browser).await;
    browser
        .wait_until(&in_shadow("[data-value='9']"), WAIT)
        .await
        .expect("the device decides and shows the survey");
    browser
        .click_in_shadow(HOST, "[data-value='9']")
        .await
        .unwrap();
    browser
        .wait_until(&in_shadow(".thanks"), WAIT)
        .await
        .unwrap();
    let stored = wait_for_responses(&demo, 1).await;
    assert_eq!(
        stored[0]["context"].get("member"),
        None,
        "no member identifier is stored: {}",
        stored[0]
    );
}
