//! The dashboard's Act page as a CX manager uses it, in a real headless Chromium against the
//! real demo collector (no mocks): printing a receipt's QR code (read back from the screen as a
//! phone's camera reads it, and checked against the receipts API), the site's webhooks (added
//! with a refused first try, changed, turned off, a new secret, dead letters sent again,
//! deleted: each step seen through the admin API), and an export for one store, two channels
//! and a few days (the filter opened from the address, the CSV and NDJSON rows exactly the
//! responses that match). Screenshots go to `target/screenshots/dashboard-act-*.png`.

// Set-up that cannot reach the collector should stop the test right there, with the reason.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::time::Duration;

use nunchi_e2e::browser::{Browser, Viewport};
use nunchi_e2e::dashboard_ui::{LAPTOP, TABLET, WAIT, admin_get, hash, text, wait_for};
use nunchi_e2e::{Demo, start_demo, start_demo_with, uuid_v7};
use serde_json::{Value, json};
use shared::time::Period;

const ADMIN_KEY: &str = collector::config::DEMO_ADMIN_KEY;

/// Posts one NPS response to `web-nps` with this context; returns its id.
async fn respond(demo: &Demo, score: u64, channel: &str, store: &str) -> String {
    let id = uuid_v7();
    let reply = reqwest::Client::new()
        .post(format!("{}/v1/responses", demo.base))
        .json(&json!({
            "response_id": id, "survey_id": "web-nps", "survey_version": 1,
            "answers": { "nps": score }, "client_time": 0,
            "context": { "channel": channel, "site_id": "demo-shop", "locale": "ko",
                         "store_id": store, "journey_stage": "post_purchase" },
        }))
        .send()
        .await
        .expect("the collector answers");
    assert!(reply.status().is_success(), "{}", reply.status());
    id
}

/// The value of the input matching `selector`.
async fn value(browser: &Browser, selector: &str) -> String {
    let script = format!("document.querySelector({selector:?})?.value ?? ''");
    browser
        .eval(&script)
        .await
        .unwrap()
        .as_str()
        .unwrap_or("")
        .to_owned()
}

/// Waits for an element matching `selector`.
async fn wait_for_element(browser: &Browser, selector: &str) {
    wait_for(browser, &format!("document.querySelector({selector:?})")).await;
}

/// Empties an input (as select-all and delete would) and types `typed` into it.
async fn retype(browser: &Browser, selector: &str, typed: &str) {
    browser
        .execute(
            "const i = document.querySelector(arguments[0]); i.value = ''; \
             i.dispatchEvent(new Event('input', { bubbles: true }));",
            vec![json!(selector)],
        )
        .await
        .unwrap();
    browser.type_in(selector, typed).await.unwrap();
}

/// A screenshot with the element matching `selector` at the top of the window.
async fn screenshot_at(browser: &Browser, selector: &str, name: &str) {
    browser
        .execute(
            "document.querySelector(arguments[0]).scrollIntoView({ block: 'start' }); \
             window.scrollBy(0, -12);",
            vec![json!(selector)],
        )
        .await
        .unwrap();
    screenshot(browser, name).await;
}

/// Fails on the console's errors, except the refusals (4xx) a test asked for.
async fn no_console_errors(browser: &Browser) {
    let errors: Vec<_> = browser
        .console_log()
        .await
        .unwrap()
        .into_iter()
        .filter(|e| {
            e.level == "SEVERE"
                && !e
                    .message
                    .contains("the server responded with a status of 4")
        })
        .collect();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}

async fn screenshot(browser: &Browser, name: &str) {
    let path = browser.screenshot(name).await.expect("screenshot");
    eprintln!("screenshot: {}", path.display());
}

/// Signs in with the demo's admin key, in English, and opens `hash` (a page of the dashboard).
async fn sign_in_at(browser: &Browser, base: &str, hash: &str) {
    browser
        .goto(&format!("{base}/dashboard"))
        .await
        .expect("the dashboard opens");
    browser
        .execute(
            "localStorage.setItem('nunchi.dashboard.lang', 'en'); \
             sessionStorage.setItem('nunchi.dashboard.key', arguments[0]);",
            vec![json!(ADMIN_KEY)],
        )
        .await
        .expect("signed in");
    // Only the fragment changes, so the page is not loaded again by this: the reload starts
    // the app afresh, signed in by the key it now finds, on the page the fragment names.
    browser
        .goto(&format!("{base}/dashboard{hash}"))
        .await
        .expect("the page opens");
    browser.reload().await.expect("the page reloads");
    wait_for_element(browser, "#act-page").await;
}

/// Reads the QR code in a PNG (a screenshot of the code on screen) as a phone's camera would.
fn read_qr(png_bytes: &[u8]) -> String {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    let step = match info.color_type {
        png::ColorType::Rgba => 4,
        png::ColorType::Rgb => 3,
        png::ColorType::GrayscaleAlpha => 2,
        _ => 1,
    };
    let (w, h) = (info.width as usize, info.height as usize);
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[(y * w + x) * step]);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the picture");
    grids[0].decode().unwrap().1
}

#[tokio::test]
async fn a_cx_manager_prints_a_receipt_qr_code_that_opens_the_survey() {
    let demo = start_demo().await;
    let browser = Browser::start(LAPTOP).await.expect("browser");
    sign_in_at(
        &browser,
        &demo.base,
        "#/sites/demo-shop/surveys/receipt-csat/act",
    )
    .await;
    wait_for_element(&browser, "#receipt-form").await;

    // A first try without a receipt number and with a total that is not a number: the form
    // says so beside the total (checked here), then beside the receipt (by the collector).
    browser
        .type_in("#receipt-store", "gangnam-01")
        .await
        .unwrap();
    browser.type_in("#receipt-amount", "twelve").await.unwrap();
    browser.click("#receipt-make").await.unwrap();
    wait_for_element(&browser, ".field-error[data-field='amount']").await;
    retype(&browser, "#receipt-amount", "12,500").await;
    browser.click("#receipt-make").await.unwrap();
    wait_for_element(&browser, ".field-error[data-field='receipt_id']").await;
    let refused = text(&browser, ".field-error[data-field='receipt_id']").await;
    assert!(!refused.is_empty(), "the collector's reason is shown");
    assert_eq!(text(&browser, "#receipt-result").await, "", "no code yet");
    screenshot_at(
        &browser,
        "#receipt-qr-card",
        "dashboard-act-receipt-refused",
    )
    .await;

    browser
        .type_in("#receipt-id", "R-20251123-0042")
        .await
        .unwrap();
    browser
        .type_in("#receipt-categories", "food, drinks")
        .await
        .unwrap();
    browser.click("#receipt-make").await.unwrap();
    wait_for_element(&browser, "#receipt-qr").await;
    wait_for(&browser, "document.querySelector('#receipt-qr').complete").await;
    assert_eq!(
        browser
            .eval("document.querySelector('.field-error')")
            .await
            .unwrap(),
        Value::Null,
        "the errors are gone"
    );

    // The link: a token the receipts API opens, about this purchase and this survey.
    let url = text(&browser, "#receipt-url").await;
    let token = url
        .strip_prefix(&format!("{}/r/", demo.base))
        .unwrap_or_else(|| panic!("{url} is not a receipt link of this collector"))
        .to_owned();
    let receipt = admin_get(&demo, &format!("/v1/receipts/{token}")).await;
    assert_eq!(receipt["survey"]["id"], "receipt-csat");
    assert_eq!(receipt["purchase"]["store_id"], "gangnam-01");
    assert_eq!(receipt["purchase"]["receipt_id"], "R-20251123-0042");
    assert_eq!(receipt["purchase"]["amount"], 12_500);
    assert_eq!(receipt["purchase"]["currency"], "KRW");
    assert_eq!(receipt["purchase"]["categories"], json!(["food", "drinks"]));
    // The expiry shown is the token's: 30 days by default.
    let expires = browser
        .eval("document.querySelector('#receipt-expires').dataset.expiresAt")
        .await
        .unwrap();
    assert_eq!(
        expires.as_str().unwrap(),
        receipt["expires_at"].to_string(),
        "the expiry shown is the token's"
    );
    assert!(
        text(&browser, "#receipt-expires")
            .await
            .starts_with("Valid until ")
    );

    // The image is the API's own SVG for that token, and a camera reads the link from it.
    let src = browser
        .eval("decodeURIComponent(document.querySelector('#receipt-qr').getAttribute('src'))")
        .await
        .unwrap();
    let src = src.as_str().unwrap();
    let svg = src
        .strip_prefix("data:image/svg+xml,")
        .unwrap_or_else(|| panic!("{src:.60} is not an SVG data URL"));
    let api_svg = reqwest::get(format!("{}/v1/receipts/{token}/qr?format=svg", demo.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(svg, api_svg);
    // At a phone-camera-like resolution: two device pixels per CSS pixel.
    browser
        .set_viewport(Viewport {
            scale: 2.0,
            ..LAPTOP
        })
        .await
        .unwrap();
    let shot = browser
        .client()
        .find(fantoccini::Locator::Css("#receipt-qr"))
        .await
        .unwrap()
        .screenshot()
        .await
        .unwrap();
    browser.set_viewport(LAPTOP).await.unwrap();
    assert_eq!(
        read_qr(&shot),
        url,
        "the code on screen holds the link shown"
    );
    screenshot_at(&browser, "#receipt-qr-card", "dashboard-act-receipt").await;

    // Printing: only the code and its caption are laid out, on one page.
    browser.emulate_media("print").await.unwrap();
    let display =
        |selector: &str| format!("getComputedStyle(document.querySelector({selector:?})).display");
    for selector in ["#receipt-qr", "#receipt-print figcaption"] {
        assert_ne!(
            browser.eval(&display(selector)).await.unwrap(),
            json!("none"),
            "{selector} is printed"
        );
    }
    for selector in [
        "#receipt-form",
        "#receipt-print-button",
        "#receipt-url",
        "#export",
        "#webhooks",
        "#kiosks",
        ".tabs",
        ".top",
    ] {
        assert_eq!(
            browser.eval(&display(selector)).await.unwrap(),
            json!("none"),
            "{selector} is not printed"
        );
    }
    let height = browser
        .eval("Math.round(document.body.getBoundingClientRect().height)")
        .await
        .unwrap();
    assert!(height.as_u64().unwrap() < 600, "one short page: {height}");
    browser
        .execute("window.scrollTo(0, 0)", vec![])
        .await
        .unwrap();
    screenshot(&browser, "dashboard-act-receipt-print").await;
    browser.emulate_media("").await.unwrap();

    // A new signing key, after a confirm step: old codes keep working, new ones use it.
    browser.click("#receipt-key-new").await.unwrap();
    browser.click("#receipt-key-yes").await.unwrap();
    wait_for_element(&browser, "#receipt-key-done").await;
    let kid = |token: &str| token.split('.').nth(1).unwrap().to_owned();
    let done = text(&browser, "#receipt-key-done").await;
    assert!(!done.contains(&kid(&token)), "{done}");
    admin_get(&demo, &format!("/v1/receipts/{token}")).await;
    retype(&browser, "#receipt-id", "R-20251123-0043").await;
    browser.click("#receipt-make").await.unwrap();
    wait_for(
        &browser,
        &format!(
            "document.querySelector('#receipt-url')?.textContent.includes('.') && \
             !document.querySelector('#receipt-url').textContent.includes({:?})",
            kid(&token)
        ),
    )
    .await;
    let second = text(&browser, "#receipt-url").await;
    assert!(
        done.ends_with(&kid(second.rsplit('/').next().unwrap())),
        "{done} / {second}"
    );

    // In Korean on a tablet.
    browser.set_viewport(TABLET).await.unwrap();
    browser.click("#lang-switch").await.unwrap();
    wait_for(&browser, "document.documentElement.lang === 'ko'").await;
    screenshot_at(
        &browser,
        "#receipt-qr-card",
        "dashboard-act-receipt-tablet-ko",
    )
    .await;
}

/// The demo site's webhooks, as the admin API lists them.
async fn webhooks(demo: &Demo) -> Vec<Value> {
    admin_get(demo, "/v1/admin/sites/demo-shop/webhooks")
        .await
        .as_array()
        .cloned()
        .unwrap()
}

#[tokio::test]
async fn a_cx_manager_adds_changes_and_deletes_a_webhook() {
    // Each message is tried once: a failed one is a dead letter at once.
    let demo = start_demo_with(|config| config.webhook_attempts = 1).await;
    let browser = Browser::start(LAPTOP).await.expect("browser");
    sign_in_at(
        &browser,
        &demo.base,
        "#/sites/demo-shop/surveys/web-nps/act",
    )
    .await;
    wait_for_element(&browser, "#no-webhooks").await;

    // A first try with an address that is not a URL and a score off the NPS scale: both are
    // refused, each beside its input, and nothing is made.
    browser.click("#webhook-add").await.unwrap();
    browser
        .type_in("#webhook-url", "hooks.example.com")
        .await
        .unwrap();
    browser
        .type_in("#webhook-description", "Detractor alerts")
        .await
        .unwrap();
    browser
        .execute(
            "const s = document.querySelector('#webhook-kind'); s.value = 'nps'; \
             s.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![],
        )
        .await
        .unwrap();
    browser.type_in("#webhook-at-most", "11").await.unwrap();
    browser.click("#webhook-save").await.unwrap();
    wait_for_element(&browser, ".field-error[data-field='url']").await;
    wait_for_element(&browser, ".field-error[data-field='when']").await;
    assert!(
        text(&browser, ".field-error[data-field='when']")
            .await
            .contains("0 to 10")
    );
    assert!(webhooks(&demo).await.is_empty());
    screenshot_at(&browser, "#webhooks", "dashboard-act-webhook-refused").await;

    // Fixed: a detractor alert for this survey, to an address nothing listens on.
    retype(&browser, "#webhook-url", "http://127.0.0.1:9/nunchi").await;
    retype(&browser, "#webhook-at-most", "6").await;
    browser.click("#webhook-save").await.unwrap();
    wait_for_element(&browser, "#webhook-secret").await;
    let first_secret = value(&browser, "#webhook-secret-value").await;
    assert!(first_secret.starts_with("whsec_"), "{first_secret}");
    let listed = webhooks(&demo).await;
    assert_eq!(listed.len(), 1);
    let hook = &listed[0];
    let id = hook["id"].as_str().unwrap().to_owned();
    assert_eq!(hook["url"], "http://127.0.0.1:9/nunchi");
    assert_eq!(hook["surveys"], json!(["web-nps"]));
    assert_eq!(hook["when"], json!({ "kind": "nps", "at_most": 6 }));
    assert_eq!(hook["description"], "Detractor alerts");
    assert_eq!(hook["enabled"], true);
    assert!(
        hook.get("secret").is_none(),
        "the list never shows a secret"
    );
    let row = format!("#webhooks tr.webhook[data-webhook='{id}']");
    wait_for_element(&browser, &row).await;
    assert!(text(&browser, &row).await.contains("NPS ≤ 6"));

    // A detractor's answer fails to arrive, and becomes a dead letter; sent again from here.
    respond(&demo, 3, "web", "gangnam-01").await;
    let path = format!("/v1/admin/sites/demo-shop/webhooks/{id}");
    let deadline = std::time::Instant::now() + WAIT;
    while admin_get(&demo, &path).await["dead_letters"] != 1 {
        assert!(std::time::Instant::now() < deadline, "no dead letter");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    browser.click("#webhooks-refresh").await.unwrap();
    wait_for_element(&browser, &format!("{row} .dead.some")).await;
    assert_eq!(text(&browser, &format!("{row} .dead")).await.trim(), "1");
    screenshot_at(&browser, "#webhooks", "dashboard-act-webhooks").await;
    browser.click(&format!("{row} .retry")).await.unwrap();
    wait_for(
        &browser,
        "document.querySelector('#webhook-notice')?.textContent === 'Dead letters sent again: 1'",
    )
    .await;

    // Turned off, then changed.
    browser.click(&format!("{row} .toggle")).await.unwrap();
    wait_for_element(&browser, &format!("{row}.off")).await;
    assert_eq!(webhooks(&demo).await[0]["enabled"], false);
    browser.click(&format!("{row} .edit")).await.unwrap();
    wait_for_element(&browser, "#webhook-form").await;
    assert_eq!(
        value(&browser, "#webhook-url").await,
        "http://127.0.0.1:9/nunchi"
    );
    assert_eq!(value(&browser, "#webhook-at-most").await, "6");
    retype(&browser, "#webhook-description", "Detractors to #cx-team").await;
    browser.click("#webhook-all-surveys").await.unwrap();
    browser.click("#webhook-save").await.unwrap();
    wait_for(&browser, "!document.querySelector('#webhook-form')").await;
    let hook = &webhooks(&demo).await[0];
    assert_eq!(hook["description"], "Detractors to #cx-team");
    assert!(hook.get("surveys").is_none(), "every survey of the site");
    assert_eq!(hook["enabled"], false, "a change keeps it off");

    // A new secret, shown once.
    browser.click(&format!("{row} .rotate")).await.unwrap();
    wait_for(
        &browser,
        &format!(
            "(document.querySelector('#webhook-secret-value')?.value ?? '').startsWith('whsec_') \
             && document.querySelector('#webhook-secret-value').value !== {first_secret:?}"
        ),
    )
    .await;

    // Copied with the button: what the page hands the clipboard is caught on its way.
    browser
        .execute(
            "const write = navigator.clipboard.writeText.bind(navigator.clipboard); \
             navigator.clipboard.writeText = t => { window.__copied = t; return write(t); };",
            vec![],
        )
        .await
        .unwrap();
    browser.click("#webhook-secret-copy").await.unwrap();
    wait_for(
        &browser,
        "document.querySelector('#webhook-secret-copy').textContent === 'Copied ✓'",
    )
    .await;
    let pasted = browser.eval("window.__copied").await.unwrap();
    assert_eq!(
        pasted,
        json!(value(&browser, "#webhook-secret-value").await)
    );
    assert_eq!(
        text(&browser, "#webhook-secret strong code").await,
        id,
        "it says whose secret it is"
    );
    browser.click("#webhook-secret-done").await.unwrap();
    wait_for(&browser, "!document.querySelector('#webhook-secret')").await;

    // Deleted after a confirm step; "Cancel" first keeps it.
    browser.click(&format!("{row} .delete")).await.unwrap();
    browser.click(&format!("{row} .delete-no")).await.unwrap();
    wait_for_element(&browser, &format!("{row} .delete")).await;
    assert_eq!(webhooks(&demo).await.len(), 1);
    browser.click(&format!("{row} .delete")).await.unwrap();
    screenshot_at(&browser, "#webhooks", "dashboard-act-webhook-delete").await;
    browser.click(&format!("{row} .delete-yes")).await.unwrap();
    wait_for_element(&browser, "#no-webhooks").await;
    assert!(webhooks(&demo).await.is_empty());

    // In Korean on a tablet, with the form open.
    browser.set_viewport(TABLET).await.unwrap();
    browser.click("#lang-switch").await.unwrap();
    wait_for(&browser, "document.documentElement.lang === 'ko'").await;
    browser.click("#webhook-add").await.unwrap();
    wait_for_element(&browser, "#webhook-form").await;
    screenshot_at(&browser, "#webhooks", "dashboard-act-webhooks-tablet-ko").await;
    no_console_errors(&browser).await;
}

/// A record's day in Seoul (UTC+9), `YYYY-MM-DD`.
fn seoul_day(millis: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(millis.div_euclid(1000))
        .unwrap()
        .to_offset(time::UtcOffset::from_hms(9, 0, 0).unwrap());
    format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())
}

/// The response ids of a CSV export (its second column) or an NDJSON one.
fn exported_ids(body: &str) -> BTreeSet<String> {
    if body.starts_with("seq,response_id,") {
        body.lines()
            .skip(1)
            .map(|l| l.split(',').nth(1).unwrap().to_owned())
            .collect()
    } else {
        body.lines()
            .map(|l| {
                let record: Value = serde_json::from_str(l).unwrap();
                record["response_id"].as_str().unwrap().to_owned()
            })
            .collect()
    }
}

/// Clicks an export button and returns the file the page handed to the download.
async fn download(browser: &Browser, button: &str, format: &str) -> String {
    browser
        .execute(
            "window.__blobs = []; if (!window.__made) { window.__made = URL.createObjectURL; \
             URL.createObjectURL = b => { window.__blobs.push(b); return window.__made.call(URL, b); }; }",
            vec![],
        )
        .await
        .unwrap();
    browser.click(button).await.unwrap();
    wait_for_element(browser, &format!("#export-state[data-format='{format}']")).await;
    let body = browser
        .eval("window.__blobs.length === 1 && window.__blobs[0].text()")
        .await
        .unwrap();
    body.as_str().expect("one file, downloaded").to_owned()
}

#[tokio::test]
async fn a_cx_manager_exports_one_store_two_channels_and_a_few_days() {
    let demo = start_demo().await;
    // Five days of answers at two stores, on the web, in the app and at a kiosk.
    for _ in 0..5 {
        for (channel, store) in [
            ("web", "gangnam-01"),
            ("app", "gangnam-01"),
            ("kiosk", "gangnam-01"),
            ("web", "hongdae-02"),
        ] {
            respond(&demo, 8, channel, store).await;
        }
        demo.advance_clock(Period::days(1));
    }
    let all = admin_get(&demo, "/v1/admin/sites/demo-shop/responses").await;
    let all = all["responses"].as_array().unwrap().clone();
    assert_eq!(all.len(), 20);
    let mut days: Vec<String> = all
        .iter()
        .map(|r| seoul_day(r["received_at"].as_i64().unwrap()))
        .collect();
    days.dedup();
    assert_eq!(days.len(), 5, "{days:?}");
    // The second to the fourth day, both included, in Seoul.
    let (from, to) = (days[1].clone(), days[3].clone());
    let expected = |channels: &[&str]| -> BTreeSet<String> {
        all.iter()
            .filter(|r| {
                let day = seoul_day(r["received_at"].as_i64().unwrap());
                let ctx = &r["context"];
                day >= from
                    && day <= to
                    && ctx["store_id"] == "gangnam-01"
                    && channels.iter().any(|c| ctx["channel"] == *c)
            })
            .map(|r| r["response_id"].as_str().unwrap().to_owned())
            .collect()
    };

    // The filter comes from a link: the page shows it and exports exactly it.
    let browser = Browser::start(LAPTOP).await.expect("browser");
    browser.set_time_zone("Asia/Seoul").await.unwrap();
    sign_in_at(
        &browser,
        &demo.base,
        &format!(
            "#/sites/demo-shop/surveys/web-nps/act?from={from}&to={to}&store=gangnam-01&channel=web"
        ),
    )
    .await;
    wait_for_element(&browser, "#export-csv").await;
    assert_eq!(value(&browser, "#filter-from").await, from);
    assert_eq!(value(&browser, "#filter-to").await, to);
    assert_eq!(value(&browser, "#filter-store").await, "gangnam-01");
    let csv = download(&browser, "#export-csv", "csv").await;
    let web_only = expected(&["web"]);
    assert_eq!(web_only.len(), 3, "three days, one web answer a day");
    assert_eq!(exported_ids(&csv), web_only, "{csv}");

    // The app too: the address follows, and both files hold exactly those.
    browser
        .click("#filter-channel input[value='app']")
        .await
        .unwrap();
    wait_for(&browser, "location.hash.includes('channel=web,app')").await;
    let address = hash(&browser).await;
    assert!(
        address.starts_with("#/sites/demo-shop/surveys/web-nps/act?"),
        "{address}"
    );
    let both = expected(&["web", "app"]);
    assert_eq!(both.len(), 6);
    let csv = download(&browser, "#export-csv", "csv").await;
    assert_eq!(exported_ids(&csv), both, "{csv}");
    let ndjson = download(&browser, "#export-ndjson", "ndjson").await;
    assert_eq!(exported_ids(&ndjson), both, "{ndjson}");
    assert!(
        text(&browser, "#filter-summary")
            .await
            .contains("gangnam-01")
    );
    screenshot(&browser, "dashboard-act-export").await;

    // A reload keeps the filter.
    browser.reload().await.unwrap();
    wait_for_element(&browser, "#export-csv").await;
    assert_eq!(value(&browser, "#filter-store").await, "gangnam-01");
    wait_for(
        &browser,
        "document.querySelector(\"#filter-channel input[value='app']\").checked",
    )
    .await;

    // On a tablet, in Korean.
    browser.set_viewport(TABLET).await.unwrap();
    browser.click("#lang-switch").await.unwrap();
    wait_for(&browser, "document.documentElement.lang === 'ko'").await;
    assert!(text(&browser, "#filter-summary").await.contains("웹, 앱"));
    screenshot(&browser, "dashboard-act-export-tablet-ko").await;

    // A store id the API refuses: said beside the store box.
    retype(&browser, "#filter-store", "gangnam 01!").await;
    browser.click("#export-csv").await.unwrap();
    wait_for_element(&browser, ".field-error[data-field='store']").await;
    screenshot(&browser, "dashboard-act-export-refused").await;

    // Cleared: every response of the survey.
    browser.click("#filter-clear").await.unwrap();
    wait_for(&browser, "!location.hash.includes('?')").await;
    let csv = download(&browser, "#export-csv", "csv").await;
    assert_eq!(exported_ids(&csv).len(), 20);
    no_console_errors(&browser).await;
}
