//! The survey editor as a CX manager uses it, in a real headless Chromium against the real demo
//! collector: a new survey written in Korean and English, seen in the preview (the real
//! widget, framed), published; answered by a customer on the demo shop page; its results move;
//! then a second version with a new policy, and a pause. Screenshots go to
//! `target/screenshots/dashboard-editor-*.png`.

// Set-up that cannot reach the collector should stop the test right there, with the reason.
#![allow(clippy::unwrap_used)]

use nunchi_e2e::browser::Browser;
use nunchi_e2e::dashboard_ui::{
    LAPTOP, TABLET, WAIT, admin_get, count, hash, results_show, sign_in, text,
};
use nunchi_e2e::{SURVEY_HOST, in_shadow, start_demo, wait_for_responses};
use serde_json::{Value, json};

const QUESTION_EN: &str = "How easy was it to find what you came for?";
const QUESTION_KO: &str = "찾으시던 상품을 쉽게 찾으셨나요?";

/// Replaces what a field holds, as a person does: select all, type over it, leave the field
/// (which is when a number or a list of lines is read).
async fn retype(browser: &Browser, selector: &str, text: &str) {
    browser
        .type_in(selector, &format!("\u{E009}a\u{E000}{text}\u{E004}"))
        .await
        .unwrap();
}

/// A script expression over the preview: the text of the survey the framed widget shows.
const PREVIEW_TEXT: &str = "(document.getElementById('preview-frame')?.contentDocument\
    ?.querySelector('nunchi-survey')?.shadowRoot?.textContent ?? '')";

/// Presses Publish and waits for the editor to say it made `version`; else fails with what
/// the editor said instead.
async fn publish_as_version(browser: &Browser, version: u32) {
    browser.click("#publish").await.unwrap();
    let said = format!(
        "document.getElementById('outcome')?.textContent.includes('Published as version {version}')"
    );
    if let Err(e) = browser.wait_until(&said, WAIT).await {
        panic!("{e}: the page says {:?}", text(browser, "#outcome").await);
    }
}

async fn screenshot(browser: &Browser, name: &str) {
    browser.screenshot(name).await.expect("screenshot");
}

#[tokio::test]
async fn a_cx_manager_writes_a_survey_previews_it_publishes_it_and_sees_it_answered() {
    let demo = start_demo().await;
    let browser = Browser::start(LAPTOP).await.expect("browser");
    sign_in(&browser, &demo.base).await;

    // From the survey list: a new survey for the demo shop.
    browser
        .click(".site[data-site='demo-shop'] a.new-survey")
        .await
        .unwrap();
    browser
        .wait_until("document.getElementById('survey-name')", WAIT)
        .await
        .unwrap();
    // It starts as an NPS question in both languages: its preview is already there.
    browser
        .wait_until(&format!("{PREVIEW_TEXT}.includes('recommend')"), WAIT)
        .await
        .unwrap();

    browser
        .type_in("#survey-name", "Shop: finding products")
        .await
        .unwrap();
    // Publishing without an id says it needs one, beside the box, and makes nothing.
    browser.click("#publish").await.unwrap();
    browser
        .wait_until(
            "document.querySelector('#section-basics .problems')?.textContent.includes('Give the survey an ID')",
            WAIT,
        )
        .await
        .unwrap();
    browser.type_in("#survey-id", "shop-finding").await.unwrap();
    browser
        .click("#question-0 select.kind option[value='csat']")
        .await
        .unwrap();
    retype(&browser, "#q0-text-ko", QUESTION_KO).await;
    retype(&browser, "#q0-text-en", QUESTION_EN).await;
    // Shown when a page opens, on the web only.
    browser.click("#add-trigger").await.unwrap();
    browser
        .click("#section-targeting .channel-web")
        .await
        .unwrap();
    // Ask again 90 days after an answer: the policy reads in plain words, the site's first.
    browser
        .click("#recurrence option[value='after']")
        .await
        .unwrap();
    browser
        .wait_until(
            "document.getElementById('policy-words')?.textContent.includes('ask again 90 days')",
            WAIT,
        )
        .await
        .unwrap();
    assert_eq!(
        text(&browser, "#policy-words").await,
        "At most one survey every 1 day per customer; no survey for 14 days after any answer; \
         ask again 90 days after an answer; 100% of visitors."
    );

    // The preview follows the draft, in English and then in Korean.
    browser
        .wait_until(&format!("{PREVIEW_TEXT}.includes({QUESTION_EN:?})"), WAIT)
        .await
        .unwrap();
    let stars = browser
        .eval(
            "document.getElementById('preview-frame').contentDocument\
             .querySelector('nunchi-survey').shadowRoot.querySelectorAll('[data-value]').length",
        )
        .await
        .unwrap();
    assert_eq!(stars, json!(5), "a satisfaction question has five stars");
    browser.eval("window.scrollTo(0, 0), true").await.unwrap();
    screenshot(&browser, "dashboard-editor-new").await;
    browser
        .eval("document.getElementById('section-throttle').scrollIntoView(), true")
        .await
        .unwrap();
    screenshot(&browser, "dashboard-editor-policy").await;
    browser.click("#preview-ko").await.unwrap();
    browser
        .wait_until(&format!("{PREVIEW_TEXT}.includes({QUESTION_KO:?})"), WAIT)
        .await
        .unwrap();
    // Nothing is stored by previewing: no survey yet, no response.
    let surveys = admin_get(&demo, "/v1/admin/sites/demo-shop/surveys").await;
    assert_eq!(
        surveys.as_array().unwrap().len(),
        3,
        "the demo's three only"
    );

    // A survey that cannot be published yet says why, under the field, and nothing is made.
    retype(&browser, "#survey-name", " ").await;
    browser.click("#publish").await.unwrap();
    browser
        .wait_until(
            "document.querySelector('#section-basics .problems')?.textContent.includes('name')",
            WAIT,
        )
        .await
        .unwrap();
    assert!(
        text(&browser, "#outcome")
            .await
            .contains("Cannot publish yet")
    );
    screenshot(&browser, "dashboard-editor-problem").await;
    let surveys = admin_get(&demo, "/v1/admin/sites/demo-shop/surveys").await;
    assert_eq!(
        surveys.as_array().unwrap().len(),
        3,
        "still the demo's three"
    );
    retype(&browser, "#survey-name", "Shop: finding products").await;
    browser
        .wait_until("!document.querySelector('#section-basics .problems')", WAIT)
        .await
        .unwrap();

    // Publish: version 1, live, as written.
    publish_as_version(&browser, 1).await;
    assert!(
        hash(&browser).await.ends_with("/surveys/shop-finding/edit"),
        "the editor moves to the survey it made"
    );
    let survey = admin_get(&demo, "/v1/admin/sites/demo-shop/surveys/shop-finding").await;
    assert_eq!(survey["status"], json!("active"));
    assert_eq!(survey["version"], json!(1));
    assert_eq!(survey["name"], json!("Shop: finding products"));
    assert_eq!(survey["questions"][0]["kind"]["type"], json!("csat"));
    assert_eq!(survey["questions"][0]["text"]["ko"], json!(QUESTION_KO));
    assert_eq!(survey["triggers"][0]["on"]["type"], json!("page_view"));
    assert_eq!(survey["targeting"]["channels"], json!(["web"]));
    assert_eq!(survey["throttle"]["recurrence"], json!({ "after": "90d" }));
    screenshot(&browser, "dashboard-editor-published").await;

    // Its results: nothing yet.
    browser.click("#outcome a").await.unwrap();
    results_show(&browser, 0).await;
    assert_eq!(count(&browser, "#trend .point").await, 0);
    let results = browser.eval("location.href").await.unwrap();

    // A customer opens the demo shop: the new survey asks, and is answered.
    browser
        .goto(&format!("{}/shop.html", demo.base))
        .await
        .unwrap();
    browser
        .wait_until(&in_shadow("[data-value='4']"), WAIT)
        .await
        .unwrap();
    browser
        .click_in_shadow(SURVEY_HOST, "[data-value='4']")
        .await
        .unwrap();
    let stored = wait_for_responses(&demo.base, 1, WAIT).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["survey_id"], json!("shop-finding"));
    assert_eq!(stored[0]["answers"]["q1"], json!(4));

    // The results moved: one response, one point on the chart.
    browser.goto(results.as_str().unwrap()).await.unwrap();
    results_show(&browser, 1).await;
    assert_eq!(count(&browser, "#trend .point").await, 1);
    screenshot(&browser, "dashboard-editor-results").await;

    // A second version: a fifth of the visitors. Then a pause, which keeps that version's
    // content and only stops it.
    browser.click("#tab-edit").await.unwrap();
    browser
        .wait_until("document.getElementById('sample-percent')", WAIT)
        .await
        .unwrap();
    retype(&browser, "#sample-percent", "20").await;
    browser
        .wait_until(
            "document.getElementById('policy-words')?.textContent.endsWith('20% of visitors.')",
            WAIT,
        )
        .await
        .unwrap();
    publish_as_version(&browser, 2).await;
    let v2 = admin_get(&demo, "/v1/admin/sites/demo-shop/surveys/shop-finding").await;
    assert_eq!(v2["version"], json!(2));
    assert_eq!(v2["throttle"]["sample_percent"], json!(20.0));
    browser.click("#pause").await.unwrap();
    browser
        .wait_until(
            "document.getElementById('outcome')?.textContent.includes('Paused')",
            WAIT,
        )
        .await
        .unwrap();
    let paused = admin_get(&demo, "/v1/admin/sites/demo-shop/surveys/shop-finding").await;
    assert_eq!(paused["status"], json!("paused"));
    assert_eq!(paused["version"], json!(3));
    assert_eq!(paused["throttle"]["sample_percent"], json!(20.0));
    // The site's configuration no longer offers it to the widget.
    let config: Value = reqwest::get(format!("{}/v1/sites/demo-shop/config", demo.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        config["surveys"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["id"] != json!("shop-finding"))
    );
    screenshot(&browser, "dashboard-editor-paused").await;
}

#[tokio::test]
async fn an_unpublished_change_survives_a_reload_and_can_be_discarded() {
    let demo = start_demo().await;
    let browser = Browser::start(TABLET).await.expect("browser");
    sign_in(&browser, &demo.base).await;
    browser
        .goto(&format!(
            "{}/dashboard#/sites/demo-shop/surveys/web-nps/edit",
            demo.base
        ))
        .await
        .unwrap();
    browser
        .wait_until("document.getElementById('survey-name')", WAIT)
        .await
        .unwrap();
    let original = text(&browser, "h1").await;
    retype(&browser, "#survey-name", "Web NPS, reworded").await;
    browser
        .wait_until("document.querySelector('.badge.changed')", WAIT)
        .await
        .unwrap();
    // Wait for the draft to be previewed, which is after it is kept.
    browser
        .wait_until(&format!("{PREVIEW_TEXT}.length > 0"), WAIT)
        .await
        .unwrap();
    screenshot(&browser, "dashboard-editor-tablet").await;

    browser.reload().await.unwrap();
    browser
        .wait_until(
            "document.getElementById('survey-name')?.value === 'Web NPS, reworded'",
            WAIT,
        )
        .await
        .unwrap();
    assert!(
        text(&browser, ".notice")
            .await
            .contains("unpublished changes from before were restored")
    );
    // Nothing was published meanwhile.
    let mut live = admin_get(&demo, "/v1/admin/sites/demo-shop/surveys/web-nps").await;
    assert_eq!(live["version"], json!(1));

    // A colleague publishes version 2 meanwhile: this editor's Publish changes nothing and
    // says why; after a reload the change is still here, over the new version.
    live["name"] = json!("Web NPS, by a colleague");
    let colleague = reqwest::Client::new()
        .put(format!(
            "{}/v1/admin/sites/demo-shop/surveys/web-nps",
            demo.base
        ))
        .bearer_auth(collector::config::DEMO_ADMIN_KEY)
        .json(&live)
        .send()
        .await
        .unwrap();
    assert!(colleague.status().is_success());
    browser.click("#publish").await.unwrap();
    browser
        .wait_until(
            "document.getElementById('outcome')?.textContent.includes('Someone published another version')",
            WAIT,
        )
        .await
        .unwrap();
    screenshot(&browser, "dashboard-editor-stale").await;
    let live = admin_get(&demo, "/v1/admin/sites/demo-shop/surveys/web-nps").await;
    assert_eq!(live["version"], json!(2));
    assert_eq!(live["name"], json!("Web NPS, by a colleague"));
    browser.click("#reload").await.unwrap();
    browser
        .wait_until(
            "document.getElementById('survey-name')?.value === 'Web NPS, reworded' \
             && document.querySelector('.status-line')?.textContent.includes('version 2')",
            WAIT,
        )
        .await
        .unwrap();

    // The restored draft knows it was started on version 1: Publish would not silently
    // replace the colleague's version 2. Kept over it knowingly, it publishes version 3.
    assert!(text(&browser, "#stale").await.contains("version 2"));
    screenshot(&browser, "dashboard-editor-stale-draft").await;
    browser.click("#rebase").await.unwrap();
    browser
        .wait_until("!document.getElementById('stale')", WAIT)
        .await
        .unwrap();
    publish_as_version(&browser, 3).await;
    let live = admin_get(&demo, "/v1/admin/sites/demo-shop/surveys/web-nps").await;
    assert_eq!(live["name"], json!("Web NPS, reworded"));

    // A change discarded goes back to what is published, and nothing is left to restore.
    retype(&browser, "#survey-name", "Not this one").await;
    browser
        .wait_until("document.querySelector('.badge.changed')", WAIT)
        .await
        .unwrap();
    browser.click("#discard").await.unwrap();
    browser
        .wait_until(
            "document.getElementById('survey-name')?.value === 'Web NPS, reworded'",
            WAIT,
        )
        .await
        .unwrap();
    assert_ne!(original, "Web NPS, reworded");
    assert_eq!(count(&browser, ".badge.changed").await, 0);
    browser.reload().await.unwrap();
    browser
        .wait_until("document.getElementById('survey-name')", WAIT)
        .await
        .unwrap();
    assert_eq!(
        count(&browser, ".notice").await,
        0,
        "nothing left to restore"
    );

    // The same editor in Korean.
    browser.click("#lang-switch").await.unwrap();
    browser
        .wait_until("document.documentElement.lang === 'ko'", WAIT)
        .await
        .unwrap();
    assert_eq!(text(&browser, "#publish").await, "게시");
    browser
        .wait_until(&format!("{PREVIEW_TEXT}.length > 0"), WAIT)
        .await
        .unwrap();
    screenshot(&browser, "dashboard-editor-ko").await;
}
