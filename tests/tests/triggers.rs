//! Triggers that wait for the visitor (scroll depth, exit intent) and placements other than the
//! corner (a centred dialog, inline in the host's element), in a real headless Chromium.

// Set-up that cannot reach the collector should stop the test right there, with the reason.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use nunchi_e2e::browser::{Browser, Viewport};
use nunchi_e2e::{Demo, HostPage, add_survey, allow_origin, in_shadow, start_demo};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(15);

/// A site owner's set-up: this page may post, and this survey is live.
async fn prepare(demo: &Demo, page: &HostPage, survey: Value) {
    allow_origin(&demo.base, &page.origin).await;
    add_survey(&demo.base, &survey).await;
}

fn thumbs_survey(id: &str, trigger: Value) -> Value {
    json!({
        "id": id, "name": id, "status": "active", "default_locale": "en",
        "questions": [{ "id": "helpful", "kind": { "type": "thumbs" }, "required": true,
                        "text": { "en": "Was this article helpful?", "ko": "이 글이 도움이 되었나요?" } }],
        "triggers": [trigger]
    })
}

fn article(demo: &Demo, placement: &str, extra: &str) -> String {
    let paragraphs = "<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit. Sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.</p>".repeat(60);
    format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>Article</title></head>
<body style="font: 18px/1.6 sans-serif; max-width: 40rem; margin: 2rem auto"><h1>A long article</h1>{extra}{paragraphs}
<script src="{}/widget.js" data-site="demo-shop" data-locale="en" data-placement="{placement}" async></script></body></html>"#,
        demo.base
    )
}

#[tokio::test]
async fn a_scroll_depth_trigger_waits_until_the_reader_is_far_enough_down() {
    let demo = start_demo().await;
    let page = HostPage::serve(article(&demo, "bottom-left", "")).await;
    prepare(
        &demo,
        &page,
        thumbs_survey(
            "article-helpful",
            json!({ "on": { "type": "scroll_depth", "percent": 60 } }),
        ),
    )
    .await;
    let browser = Browser::start(Viewport::DESKTOP).await.expect("browser");
    browser.goto(&page.url).await.unwrap();
    browser.wait_until("!!window.nunchi && Array.isArray(window.nunchi._q) && window.nunchi._q.length === 0 && typeof window.nunchi.show === 'function' && !!performance.getEntriesByType('resource').find(r => r.name.includes('/config'))", WAIT).await.unwrap();
    browser
        .eval("window.scrollTo(0, document.documentElement.scrollHeight * 0.2), true")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        browser.eval(&in_shadow(".card")).await.unwrap(),
        Value::Bool(false),
        "not yet at 60 %"
    );
    browser
        .eval("window.scrollTo(0, document.documentElement.scrollHeight), true")
        .await
        .unwrap();
    browser.wait_until(&in_shadow(".card"), WAIT).await.unwrap();
    let left = browser
        .eval("document.querySelector('nunchi-survey').getBoundingClientRect().left < 100")
        .await
        .unwrap();
    assert_eq!(
        left,
        Value::Bool(true),
        "data-placement=bottom-left puts the card on the left"
    );
}

#[tokio::test]
async fn exit_intent_opens_a_centred_dialog_that_escape_dismisses() {
    let demo = start_demo().await;
    let page = HostPage::serve(article(&demo, "center", "")).await;
    prepare(
        &demo,
        &page,
        thumbs_survey("before-you-go", json!({ "on": { "type": "exit_intent" } })),
    )
    .await;
    let browser = Browser::start(Viewport::DESKTOP).await.expect("browser");
    browser.goto(&page.url).await.unwrap();
    browser
        .wait_until(
            "!!performance.getEntriesByType('resource').find(r => r.name.includes('/config'))",
            WAIT,
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    // The visitor was on a control of the page; the dialog must give the focus back to it.
    browser
        .execute(
            "const b = document.createElement('button'); b.id = 'before'; b.textContent = 'x'; \
             document.body.append(b); b.focus();",
            Vec::new(),
        )
        .await
        .unwrap();
    // The pointer leaves through the top edge, towards the tabs.
    browser.eval("document.dispatchEvent(new MouseEvent('mouseout', { clientY: -3, relatedTarget: null, bubbles: true })), true").await.unwrap();
    browser.wait_until(&in_shadow(".card"), WAIT).await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await; // the entrance animation
    let centred = browser
        .eval("(() => { const r = document.querySelector('nunchi-survey').shadowRoot.querySelector('.card').getBoundingClientRect(); return Math.abs((r.left + r.right) / 2 - innerWidth / 2) < 2 && Math.abs((r.top + r.bottom) / 2 - innerHeight / 2) < 2; })()")
        .await
        .unwrap();
    assert_eq!(
        centred,
        Value::Bool(true),
        "data-placement=center centres the card"
    );
    browser
        .screenshot("widget-center-exit-intent")
        .await
        .unwrap();
    // A modal dialog: the focus is inside it, and Tab from its last control wraps to the first.
    let focus = browser
        .eval(
            "(() => { const r = document.querySelector('nunchi-survey').shadowRoot; \
             const card = r.querySelector('.card'); \
             const controls = [...card.querySelectorAll('button:not([disabled])')]; \
             const inside = card.contains(r.activeElement); \
             controls[controls.length - 1].focus(); \
             card.dispatchEvent(new KeyboardEvent('keydown', { key: 'Tab', bubbles: true, cancelable: true })); \
             const wrapped = r.activeElement === controls[0]; \
             card.dispatchEvent(new KeyboardEvent('keydown', { key: 'Tab', shiftKey: true, bubbles: true, cancelable: true })); \
             return [card.getAttribute('aria-modal'), inside, wrapped, r.activeElement === controls[controls.length - 1]]; })()",
        )
        .await
        .unwrap();
    assert_eq!(
        focus,
        json!(["true", true, true, true]),
        "aria-modal, focus moved in, Tab wraps, Shift+Tab wraps back"
    );
    browser
        .eval("document.querySelector('nunchi-survey').shadowRoot.querySelector('.card').dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true })), true")
        .await
        .unwrap();
    browser
        .wait_until("!document.querySelector('nunchi-survey')", WAIT)
        .await
        .unwrap();
    browser
        .wait_until(
            "document.activeElement && document.activeElement.id === 'before'",
            WAIT,
        )
        .await
        .expect("the focus goes back to where it was");
}

#[tokio::test]
async fn an_inline_placement_renders_inside_the_host_element() {
    let demo = start_demo().await;
    let page = HostPage::serve(article(
        &demo,
        "inline:#feedback",
        "<section id=\"feedback\"></section>",
    ))
    .await;
    prepare(
        &demo,
        &page,
        thumbs_survey("inline-helpful", json!({ "on": { "type": "page_view" } })),
    )
    .await;
    let browser = Browser::start(Viewport::PHONE).await.expect("browser");
    browser.goto(&page.url).await.unwrap();
    browser.wait_until("!!document.querySelector('#feedback > nunchi-survey')?.shadowRoot?.querySelector('.card')", WAIT).await.unwrap();
    let flows = browser
        .eval("getComputedStyle(document.querySelector('nunchi-survey')).position")
        .await
        .unwrap();
    assert_eq!(
        flows,
        json!("static"),
        "inline surveys sit in the page's flow"
    );
    let focus = browser
        .eval("[document.querySelector('nunchi-survey').shadowRoot.activeElement === null, document.querySelector('nunchi-survey').shadowRoot.querySelector('.card').getAttribute('aria-modal')]")
        .await
        .unwrap();
    assert_eq!(
        focus,
        json!([true, "false"]),
        "a card that is not centred never takes the focus"
    );
    browser
        .click_in_shadow("#feedback > nunchi-survey", "[data-value='up']")
        .await
        .unwrap();
    browser.wait_until("!!document.querySelector('#feedback > nunchi-survey')?.shadowRoot?.querySelector('.thanks')", WAIT).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    browser.screenshot("widget-phone-inline").await.unwrap();
}

#[tokio::test]
async fn an_arabic_page_gets_a_right_to_left_card() {
    let demo = start_demo().await;
    let page = HostPage::serve(
        article(&demo, "bottom-right", "").replace("data-locale=\"en\"", "data-locale=\"ar-EG\""),
    )
    .await;
    prepare(
        &demo,
        &page,
        json!({
            "id": "rtl-nps", "name": "rtl-nps", "status": "active", "default_locale": "en",
            "questions": [{ "id": "nps", "kind": { "type": "nps" }, "required": true,
                            "text": { "en": "Would you recommend us?",
                                      "ar": "ما مدى احتمال أن توصي بنا؟" } }],
            "triggers": [{ "on": { "type": "page_view" } }]
        }),
    )
    .await;
    let browser = Browser::start(Viewport::DESKTOP).await.expect("browser");
    browser.goto(&page.url).await.unwrap();
    browser
        .wait_until(&in_shadow("[data-value='10']"), WAIT)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await; // the entrance animation
    let layout = browser
        .eval(
            "(() => { const r = document.querySelector('nunchi-survey').shadowRoot; \
             const card = r.querySelector('.card').getBoundingClientRect(); \
             const x = s => r.querySelector(s).getBoundingClientRect().left; \
             return [getComputedStyle(r.querySelector('.card')).direction, \
                     r.querySelector('#nunchi-question').textContent, \
                     x('.close') < card.left + card.width / 2, \
                     x(\"[data-value='0']\") > x(\"[data-value='10']\")]; })()",
        )
        .await
        .unwrap();
    assert_eq!(
        layout,
        json!(["rtl", "ما مدى احتمال أن توصي بنا؟", true, true]),
        "right to left: the Arabic text, the close button on the left, 0 on the right"
    );
    browser.screenshot("widget-rtl-arabic").await.unwrap();
}

/// A call queued before the bundle is ready belongs to the page it was made on: if a single-page
/// app navigates before the widget boots, the survey that call would show is dropped; without
/// the navigation, the same call shows it.
#[tokio::test]
async fn a_call_queued_before_boot_is_dropped_when_the_page_changed_meanwhile() {
    let demo = start_demo().await;
    let page = |navigate: bool| {
        format!(
            r#"<!doctype html><html><head><meta charset="utf-8"><title>App</title></head><body><h1>App</h1>
<script src="{}/widget.js" data-site="demo-shop" data-locale="en"></script>
<script>addEventListener('nunchi:shown', () => {{ window.cardAtShown = !!document.querySelector('nunchi-survey')?.shadowRoot?.querySelector('.card'); }});
nunchi.track('queued', {{}});{}</script></body></html>"#,
            demo.base,
            if navigate {
                " history.pushState({}, '', '/elsewhere');"
            } else {
                ""
            }
        )
    };
    let stays = HostPage::serve(page(false)).await;
    let moves = HostPage::serve(page(true)).await;
    prepare(
        &demo,
        &stays,
        thumbs_survey(
            "queued-event",
            json!({ "on": { "type": "event", "name": "queued" } }),
        ),
    )
    .await;
    allow_origin(&demo.base, &moves.origin).await;

    let browser = Browser::start(Viewport::DESKTOP).await.expect("browser");
    browser.goto(&moves.url).await.unwrap();
    browser
        .wait_until("typeof nunchi === 'object' && nunchi._q.length === 0", WAIT)
        .await
        .expect("the widget boots and takes the queue");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        browser
            .eval("[location.pathname, !!document.querySelector('nunchi-survey')]")
            .await
            .unwrap(),
        json!(["/elsewhere", false]),
        "the call was made on a page that is gone"
    );

    browser.goto(&stays.url).await.unwrap();
    browser
        .wait_until(&in_shadow("[data-value='up']"), WAIT)
        .await
        .expect("on the page it was made on, the queued call shows the survey");
    browser
        .wait_until("window.cardAtShown !== undefined", WAIT)
        .await
        .unwrap();
    assert_eq!(
        browser.eval("window.cardAtShown").await.unwrap(),
        json!(true),
        "nunchi:shown fires once the card is in the page"
    );
}

/// A regex URL rule is matched on the device from the program the collector compiled (the
/// widget has no pattern parser): a single-page app's navigation to a matching address shows
/// the survey, one to an address that does not match shows nothing.
#[tokio::test]
async fn a_regex_url_rule_matches_on_the_device_from_the_served_program() {
    let demo = start_demo().await;
    let page = HostPage::serve(format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>App</title></head><body><h1>App</h1>
<script src="{}/widget.js" data-site="demo-shop" data-locale="en" async></script></body></html>"#,
        demo.base
    ))
    .await;
    let mut survey = thumbs_survey("product-page", json!({ "on": { "type": "page_view" } }));
    survey["targeting"] = json!({ "urls": [{ "match": "regex", "value": "/products/\\d+$" }] });
    prepare(&demo, &page, survey).await;
    let config: Value = reqwest::get(format!("{}/v1/sites/demo-shop/config", demo.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let served = config["surveys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "product-page")
        .unwrap();
    assert_eq!(
        served["targeting"]["urls"][0]["program"],
        json!("c47 c112 c114 c111 c100 c117 c99 c116 c115 c47 k,d s12,14 k,d j11 $ m"),
        "the collector serves the compiled program"
    );

    let browser = Browser::start(Viewport::DESKTOP).await.expect("browser");
    browser.goto(&page.url).await.unwrap();
    browser
        .wait_until(
            "!!performance.getEntriesByType('resource').find(r => r.name.includes('/config'))",
            WAIT,
        )
        .await
        .unwrap();
    for address in ["/products/", "/products/new", "/products/42/reviews"] {
        browser
            .eval(&format!("history.pushState({{}}, '', '{address}'), true"))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(700)).await;
        assert_eq!(
            browser.eval(&in_shadow(".card")).await.unwrap(),
            Value::Bool(false),
            "{address} does not match"
        );
    }
    browser
        .eval("history.pushState({}, '', '/products/42'), true")
        .await
        .unwrap();
    browser
        .wait_until(&in_shadow("[data-value='up']"), WAIT)
        .await
        .expect("/products/42 matches");
}
