//! The receipt page, as a customer meets it: a receipt's QR code read back as a phone's camera
//! reads it, the page it opens in a real headless Chromium at a phone's size, the one answer
//! per receipt, and the messages for a link answered, altered or expired.

// Set-up that cannot reach the collector should stop the test right there, with the reason.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use base64::Engine as _;
use nunchi_e2e::browser::{Browser, Viewport};
use nunchi_e2e::{
    Demo, SURVEY_HOST, in_shadow, start_demo, start_demo_at, uuid_v7, wait_for_responses,
};
use serde_json::{Value, json};
use shared::time::Period;

const WAIT: Duration = Duration::from_secs(15);

/// A purchase at a demo store, as a POS sends it.
fn purchase(receipt_id: &str, member: Option<&str>) -> Value {
    let mut body = json!({
        "store_id": "gangnam-01",
        "receipt_id": receipt_id,
        "purchased_at": 1_763_855_198_000_i64,
        "amount": 12_900,
        "currency": "KRW",
        "categories": ["food", "drinks"],
        "valid_days": 7
    });
    if let Some(member) = member {
        body["member"] = json!(member);
    }
    body
}

/// Issues a receipt for the demo site and returns the URL its QR code (the PNG) holds.
async fn issue_receipt(base: &str, body: &Value) -> String {
    let reply = reqwest::Client::new()
        .post(format!("{base}/v1/sites/demo-shop/receipts"))
        .bearer_auth(collector::config::DEMO_ADMIN_KEY)
        .json(body)
        .send()
        .await
        .expect("the receipts API answers");
    assert_eq!(reply.status(), reqwest::StatusCode::CREATED);
    let issued: Value = reply.json().await.unwrap();
    let png = base64::engine::general_purpose::STANDARD
        .decode(issued["qr_png_base64"].as_str().unwrap())
        .unwrap();
    scan(&png)
}

/// What a phone's camera reads from a PNG QR code.
fn scan(png_bytes: &[u8]) -> String {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    let (w, h) = (info.width as usize, info.height as usize);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[y * w + x]);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the picture");
    grids[0].decode().unwrap().1
}

/// The same URL with one bit of the token's signature flipped.
fn tampered(url: &str) -> String {
    let (rest, mac) = url.rsplit_once('.').unwrap();
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut bytes = engine.decode(mac).unwrap();
    bytes[0] ^= 1;
    format!("{rest}.{}", engine.encode(bytes))
}

/// Waits until the page has heard from the widget (`body[data-status]` is not `loading`).
async fn settled(browser: &Browser) -> String {
    browser
        .wait_until("document.body.dataset.status !== 'loading'", WAIT)
        .await
        .unwrap();
    browser
        .eval("document.body.dataset.status")
        .await
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned()
}

/// The bundle files this page downloaded, hashes left out: `["nunchi-*.js", "nunchi-*.wasm"]`.
async fn widget_files(browser: &Browser) -> Value {
    browser
        .eval(
            "performance.getEntriesByType('resource').map(r => new URL(r.name).pathname) \
             .filter(p => p.startsWith('/widget/')) \
             .map(p => p.slice(8).replace(/-[0-9a-f]+\\./, '-*.')).sort()",
        )
        .await
        .unwrap()
}

async fn text_of(browser: &Browser, id: &str) -> String {
    let value = browser
        .eval(&format!("document.getElementById('{id}').textContent"))
        .await
        .unwrap();
    value.as_str().unwrap_or_default().to_owned()
}

/// Whether a survey card is on the page, visible.
async fn survey_shown(browser: &Browser) -> bool {
    let expression = format!(
        "{} && !document.getElementById('survey').hidden",
        in_shadow(".card")
    );
    browser.eval(&expression).await.unwrap() == Value::Bool(true)
}

/// A screenshot once the card's entrance has settled.
async fn screenshot(browser: &Browser, name: &str) {
    tokio::time::sleep(Duration::from_millis(400)).await;
    browser.screenshot(name).await.expect("screenshot");
}

/// Answers the demo's receipt survey: four stars, then a comment, then Send.
async fn answer(browser: &Browser) {
    browser
        .click_in_shadow(SURVEY_HOST, "[data-value='4']")
        .await
        .unwrap();
    browser
        .type_in_shadow(SURVEY_HOST, "textarea", "Quick checkout, friendly staff")
        .await
        .unwrap();
    browser
        .click_in_shadow(SURVEY_HOST, ".primary")
        .await
        .unwrap();
    browser
        .wait_until(&in_shadow(".thanks"), WAIT)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_scanned_receipt_shows_its_purchase_takes_one_answer_then_says_so() {
    let demo = start_demo().await;
    let url = issue_receipt(&demo.base, &purchase("R-1001", None)).await;
    assert!(url.starts_with(&format!("{}/r/v1.", demo.base)), "{url}");

    let browser = Browser::start(Viewport::PHONE).await.expect("browser");
    browser.goto(&url).await.unwrap();
    assert_eq!(settled(&browser).await, "ready");
    browser.wait_until(&in_shadow(".card"), WAIT).await.unwrap();
    assert_eq!(text_of(&browser, "store").await, "gangnam-01");
    // Chromium's locale is English here: ₩12,900 (KRW has no minor unit).
    assert_eq!(text_of(&browser, "amount").await, "₩12,900");
    assert!(
        text_of(&browser, "date").await.contains("2025"),
        "the purchase date"
    );
    screenshot(&browser, "receipt-phone-survey").await;

    answer(&browser).await;
    screenshot(&browser, "receipt-phone-thanks").await;
    let stored = wait_for_responses(&demo.base, 1, WAIT).await;
    assert_eq!(stored.len(), 1, "one response: {stored:?}");
    let context = &stored[0]["context"];
    assert_eq!(context["channel"], "receipt");
    assert_eq!(context["store_id"], "gangnam-01");
    assert_eq!(context["receipt_id"], "R-1001");
    assert_eq!(stored[0]["survey_id"], "receipt-csat");

    // The same link again: answered, and no survey.
    browser.goto(&url).await.unwrap();
    assert_eq!(settled(&browser).await, "used");
    assert_eq!(
        text_of(&browser, "message-text").await,
        "This receipt's survey has already been answered. Thank you!"
    );
    assert!(
        !survey_shown(&browser).await,
        "no survey for a used receipt"
    );
    screenshot(&browser, "receipt-phone-used").await;
    // Still one response.
    assert_eq!(
        wait_for_responses(&demo.base, 2, Duration::from_millis(500))
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn an_altered_link_is_not_valid_and_shows_no_survey() {
    let demo = start_demo().await;
    let url = issue_receipt(&demo.base, &purchase("R-2001", None)).await;
    let browser = Browser::start(Viewport::PHONE).await.expect("browser");
    browser.goto(&tampered(&url)).await.unwrap();
    assert_eq!(settled(&browser).await, "invalid");
    assert_eq!(
        text_of(&browser, "message-title").await,
        "This link is not valid"
    );
    assert!(!survey_shown(&browser).await);
    screenshot(&browser, "receipt-phone-invalid").await;
}

#[tokio::test]
async fn an_expired_link_says_the_survey_has_expired() {
    let demo = start_demo().await;
    let url = issue_receipt(&demo.base, &purchase("R-3001", None)).await;
    demo.advance_clock(Period::days(8));
    let browser = Browser::start(Viewport::PHONE).await.expect("browser");
    browser.goto(&url).await.unwrap();
    assert_eq!(settled(&browser).await, "expired");
    assert_eq!(
        text_of(&browser, "message-title").await,
        "This survey has expired"
    );
    assert!(!survey_shown(&browser).await);
}

/// `POST /v1/eligibility` for `member` and the demo's post-purchase survey, from the app.
async fn eligibility(demo: &Demo, member: &str) -> Value {
    let reply = reqwest::Client::new()
        .post(format!("{}/v1/eligibility", demo.base))
        .json(&json!({
            "display_id": uuid_v7(),
            "survey_id": "web-nps",
            "context": { "channel": "app", "site_id": "demo-shop", "locale": "ko", "member": member }
        }))
        .send()
        .await
        .expect("the eligibility API answers");
    assert_eq!(reply.status(), reqwest::StatusCode::OK);
    reply.json().await.unwrap()
}

#[tokio::test]
async fn a_member_who_answered_on_a_receipt_is_not_asked_in_the_app_until_the_wait_is_over() {
    let demo = start_demo().await;
    let member = "M-777";
    let url = issue_receipt(&demo.base, &purchase("R-5001", Some(member))).await;
    let phone = Browser::start(Viewport::PHONE).await.expect("browser");
    phone.goto(&url).await.unwrap();
    assert_eq!(settled(&phone).await, "ready");
    assert_eq!(
        widget_files(&phone).await,
        serde_json::json!(["receipt-*.js", "receipt-*.wasm"]),
        "the receipt page loads the bundle with receipt mode"
    );
    answer(&phone).await;
    assert_eq!(wait_for_responses(&demo.base, 1, WAIT).await.len(), 1);

    // The collector's ledger names the receipt's answer as the reason to wait.
    let decision = eligibility(&demo, member).await;
    assert_ne!(decision["decision"], "show", "{decision}");
    assert_eq!(decision["because_of"]["channel"], "receipt", "{decision}");
    assert_eq!(
        decision["because_of"]["survey_id"], "receipt-csat",
        "{decision}"
    );

    // The app's order confirmation: the purchase fires the post-purchase survey's trigger, the
    // collector says not now.
    let app = format!("{}/app.html?member={member}", demo.base);
    let eligibility_done = "performance.getEntriesByType('resource').some(r => r.name.includes('/v1/eligibility') && r.responseEnd > 0)";
    phone.goto(&app).await.unwrap();
    phone.wait_until(eligibility_done, WAIT).await.unwrap();
    // Longer than the trigger's delay (2 s).
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        phone.eval(&in_shadow(".card")).await.unwrap(),
        Value::Bool(false),
        "no prompt within the waiting period after the receipt's answer"
    );
    screenshot(&phone, "app-phone-confirmation").await;
    assert_eq!(
        widget_files(&phone).await,
        serde_json::json!(["nunchi-*.js", "nunchi-*.wasm"]),
        "a host page loads the bundle without receipt mode, the one `bench size` measures"
    );

    // Past the site's wait after an answer (14 days): the same purchase brings the prompt.
    demo.advance_clock(Period::days(15));
    phone.goto(&app).await.unwrap();
    phone.wait_until(&in_shadow(".card"), WAIT).await.unwrap();
    screenshot(&phone, "app-phone-prompt").await;
}

#[tokio::test]
async fn a_second_answer_to_a_receipt_from_another_phone_is_refused_and_said_so() {
    let demo = start_demo().await;
    let url = issue_receipt(&demo.base, &purchase("R-6001", None)).await;
    let (first, second) = (
        Browser::start(Viewport::PHONE).await.expect("browser"),
        Browser::start(Viewport::PHONE).await.expect("browser"),
    );
    // Both open the survey before either answers (the receipt was photographed and shared).
    for phone in [&first, &second] {
        phone.goto(&url).await.unwrap();
        assert_eq!(settled(phone).await, "ready");
        phone.wait_until(&in_shadow(".card"), WAIT).await.unwrap();
    }
    answer(&first).await;
    assert_eq!(wait_for_responses(&demo.base, 1, WAIT).await.len(), 1);

    answer(&second).await;
    // The collector answers 409: final, the outbox lets it go and the page says why.
    second
        .wait_until("document.body.dataset.status === 'used'", WAIT)
        .await
        .unwrap();
    assert_eq!(
        text_of(&second, "message-text").await,
        "This receipt's survey has already been answered. Thank you!"
    );
    assert!(!survey_shown(&second).await);
    let outbox = second
        .eval("localStorage.getItem('nunchi:demo-shop:outbox')")
        .await
        .unwrap();
    assert_eq!(outbox, json!("[]"), "nothing left to retry");
    let stored = wait_for_responses(&demo.base, 2, Duration::from_millis(500)).await;
    assert_eq!(stored.len(), 1, "still one response");
}

#[tokio::test]
async fn a_receipt_answer_made_while_the_collector_is_down_arrives_once_when_it_is_back() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let running = start_demo_at(&data, 0).await;
    let (base, port) = (running.base.clone(), running.port());
    let url = issue_receipt(&base, &purchase("R-7001", None)).await;
    let phone = Browser::start(Viewport::PHONE).await.expect("browser");
    phone.goto(&url).await.unwrap();
    assert_eq!(settled(&phone).await, "ready");
    phone.wait_until(&in_shadow(".card"), WAIT).await.unwrap();

    running.stop().await;
    answer(&phone).await;
    let outbox = phone
        .eval("JSON.parse(localStorage.getItem('nunchi:demo-shop:outbox') ?? '[]')")
        .await
        .unwrap();
    let waiting = outbox.as_array().unwrap();
    assert_eq!(waiting.len(), 1, "the answer waits on the phone: {outbox}");
    let to = waiting[0]["to"].as_str().unwrap();
    assert!(
        to.starts_with("/v1/receipts/v1.") && to.ends_with("/responses"),
        "kept with the receipt's own endpoint: {to}"
    );

    // Back: the outbox's next retry delivers it, once.
    let running = start_demo_at(&data, port).await;
    let stored = wait_for_responses(&base, 1, Duration::from_secs(40)).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["context"]["receipt_id"], "R-7001");
    phone
        .wait_until(
            "localStorage.getItem('nunchi:demo-shop:outbox') === '[]'",
            WAIT,
        )
        .await
        .unwrap();
    running.stop().await;
}

/// Puts an answer in the phone's outbox as an older page would have left it: `old` for one
/// written before entries had a `to` (a web answer), and one for this receipt.
const LEFT_IN_THE_OUTBOX: &str = r#"
    const [token, uuid] = arguments;
    const context = (channel) => ({ channel, site_id: "demo-shop", locale: "en" });
    const response = (survey_id, answers, channel, id) => ({ response_id: id, survey_id,
        survey_version: 1, answers, context: context(channel), client_time: Date.now() });
    const old = { response: response("web-nps", { nps: 9 }, "web", uuid[0]), attempts: 3, due: 0 };
    const receipt = { response: response("receipt-csat", { csat: 5 }, "receipt", uuid[1]),
        attempts: 1, due: 0, to: `/v1/receipts/${token}/responses` };
    localStorage.setItem("nunchi:demo-shop:outbox", JSON.stringify([old, receipt]));
    return true;
"#;

#[tokio::test]
async fn an_answer_still_waiting_on_the_phone_is_sent_not_asked_again() {
    let demo = start_demo().await;
    let url = issue_receipt(&demo.base, &purchase("R-8001", None)).await;
    let token = url.rsplit_once("/r/").unwrap().1.to_owned();
    let phone = Browser::start(Viewport::PHONE).await.expect("browser");
    phone.goto(&url).await.unwrap();
    assert_eq!(settled(&phone).await, "ready");
    phone
        .execute(
            LEFT_IN_THE_OUTBOX,
            vec![json!(token), json!([uuid_v7(), uuid_v7()])],
        )
        .await
        .unwrap();

    phone.goto(&url).await.unwrap();
    assert_eq!(settled(&phone).await, "sending");
    assert!(!survey_shown(&phone).await, "the survey is not asked again");
    assert_eq!(text_of(&phone, "amount").await, "₩12,900");
    screenshot(&phone, "receipt-phone-sending").await;
    // Both go out: the old entry to /v1/responses, the receipt's to its endpoint.
    let stored = wait_for_responses(&demo.base, 2, WAIT).await;
    let mut channels: Vec<&str> = stored
        .iter()
        .map(|r| r["context"]["channel"].as_str().unwrap())
        .collect();
    channels.sort_unstable();
    assert_eq!(channels, ["receipt", "web"], "{stored:?}");
    let receipt = stored
        .iter()
        .find(|r| r["context"]["channel"] == "receipt")
        .unwrap();
    assert_eq!(receipt["context"]["receipt_id"], "R-8001");
}
