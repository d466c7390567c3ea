//! The dashboard as a CX team uses it, in a real headless Chromium against the real demo
//! collector: signing in (a wrong key first), the survey list, one survey's results over a
//! week of answers, and the same results after a customer answers on the demo shop page; and
//! the comments page: labelling two comments, filtering by a label, the labels kept; and the
//! Act page: the site's kiosks (a stale one highlighted) and a CSV export downloaded.
//! Screenshots of each page, on a laptop and a tablet, in English and Korean, go to
//! `target/screenshots/dashboard-*.png`.

// Set-up that cannot reach the collector should stop the test right there, with the reason.
#![allow(clippy::unwrap_used)]

use nunchi_e2e::browser::Browser;
use nunchi_e2e::dashboard_ui::{
    LAPTOP, TABLET, WAIT, admin_get, count, hash, open_in_english, results_show, sign_in, text,
};
use nunchi_e2e::{Demo, SURVEY_HOST, in_shadow, start_demo, uuid_v7, wait_for_responses};
use serde_json::{Value, json};
use shared::time::Period;

/// The NPS answers of six days, one list per day: a week the chart can show, with a quiet day
/// (a gap on the chart).
const WEEK: [&[u64]; 6] = [
    &[9, 10, 6, 8, 10],
    &[3, 9, 10, 7, 5, 10],
    &[10, 10, 9, 4, 8],
    &[],
    &[10, 9, 9, 7, 10, 3],
    &[9, 10, 10, 8, 10, 9, 6],
];
const STORES: [&str; 3] = ["gangnam-01", "hongdae-02", "busan-03"];

async fn post(demo: &Demo, path: &str, body: Value) {
    let reply = reqwest::Client::new()
        .post(format!("{}{path}", demo.base))
        .json(&body)
        .send()
        .await
        .expect("the collector answers");
    assert!(reply.status().is_success(), "{path}: {}", reply.status());
}

/// A week of post-purchase answers at three stores, on the web and in the app, each with its
/// display, and a few displays nobody answered: one day at a time on the collector's clock.
/// Returns how many responses were stored.
async fn seed_week(demo: &Demo) -> usize {
    let mut stored = 0;
    for (day, scores) in WEEK.iter().enumerate() {
        for (i, score) in scores.iter().enumerate() {
            let context = json!({
                "channel": if i % 3 == 2 { "app" } else { "web" },
                "site_id": "demo-shop",
                "locale": if i % 2 == 0 { "ko" } else { "en" },
                "store_id": STORES[(day + i) % STORES.len()],
                "journey_stage": if i % 4 == 3 { "purchase" } else { "post_purchase" },
            });
            post(
                demo,
                "/v1/displays",
                json!({
                    "display_id": uuid_v7(), "survey_id": "web-nps", "survey_version": 1,
                    "kind": "shown", "context": context, "client_time": 0,
                }),
            )
            .await;
            post(
                demo,
                "/v1/responses",
                json!({
                    "response_id": uuid_v7(), "survey_id": "web-nps", "survey_version": 1,
                    "answers": { "nps": score }, "context": context, "client_time": 0,
                }),
            )
            .await;
            stored += 1;
        }
        for kind in ["shown", "shown", "dismissed"] {
            post(demo, "/v1/displays", json!({
                "display_id": uuid_v7(), "survey_id": "web-nps", "survey_version": 1,
                "kind": kind, "client_time": 0,
                "context": { "channel": "web", "site_id": "demo-shop", "locale": "ko",
                             "store_id": STORES[day % STORES.len()], "journey_stage": "post_purchase" },
            }))
            .await;
        }
        demo.advance_clock(Period::days(1));
    }
    stored
}

async fn screenshot(browser: &Browser, name: &str) {
    browser.screenshot(name).await.expect("screenshot");
}

#[tokio::test]
async fn a_cx_manager_signs_in_reads_the_results_and_sees_a_new_answer_arrive() {
    let demo = start_demo().await;
    let page = reqwest::get(format!("{}/dashboard", demo.base))
        .await
        .unwrap();
    assert!(
        page.status().is_success(),
        "no dashboard: run `cargo xtask dist` (cargo xtask test does)"
    );
    let policy = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        policy.contains("script-src 'self' 'wasm-unsafe-eval'"),
        "{policy}"
    );
    let seeded = seed_week(&demo).await;

    let browser = Browser::start(LAPTOP).await.expect("browser");
    // English first, whatever the machine's language: the switch is tested below.
    open_in_english(&browser, &demo.base).await;

    // A wrong key is refused, and the page says so.
    browser
        .type_in("#api-key", "not-the-key-at-all")
        .await
        .unwrap();
    browser.click("button[type=submit]").await.unwrap();
    browser
        .wait_until("document.querySelector('.sign-in .alert')", WAIT)
        .await
        .unwrap();
    assert!(text(&browser, ".sign-in .alert").await.contains("401"));
    screenshot(&browser, "dashboard-sign-in-refused").await;

    // The demo's admin key opens the survey list.
    browser
        .execute("document.getElementById('api-key').value = ''", vec![])
        .await
        .unwrap();
    browser
        .type_in("#api-key", collector::config::DEMO_ADMIN_KEY)
        .await
        .unwrap();
    browser.click("button[type=submit]").await.unwrap();
    let web_nps = "#surveys-page tr[data-survey='web-nps']";
    browser
        .wait_until(
            &format!(
                "document.querySelector(\"{web_nps} .responses\")?.textContent === '{seeded}'"
            ),
            WAIT,
        )
        .await
        .unwrap();
    assert_eq!(
        count(&browser, "#surveys-page tbody tr").await,
        3,
        "the demo's three surveys"
    );
    assert_eq!(
        browser
            .eval("sessionStorage.getItem('nunchi.dashboard.key')")
            .await
            .unwrap(),
        json!(collector::config::DEMO_ADMIN_KEY),
        "kept for this tab"
    );
    assert!(
        text(&browser, &format!("{web_nps} .score"))
            .await
            .starts_with('+')
    );
    screenshot(&browser, "dashboard-surveys").await;

    // The results: the score, a point per day with its numbers, the answers, the breakdowns.
    browser.click(&format!("{web_nps} a.button")).await.unwrap();
    results_show(&browser, seeded).await;
    let days = count(&browser, "#trend .point").await;
    let answered_days = WEEK.iter().filter(|d| !d.is_empty()).count() as u64;
    assert_eq!(days, answered_days, "one point per day with answers");
    assert_eq!(
        count(&browser, "#trend text.axis").await,
        WEEK.len() as u64,
        "the quiet day keeps its place on the axis"
    );
    let labels = count(&browser, "#trend text.value").await;
    assert_eq!(labels, days, "every point has its score written on it");
    let tens_before = browser
        .eval("document.querySelector('#distribution [data-score=\"10\"]').dataset.count")
        .await
        .unwrap();
    assert_eq!(
        count(&browser, "#by-store tbody tr").await,
        STORES.len() as u64
    );
    assert_eq!(
        count(&browser, "#by-channel tbody tr").await,
        2,
        "web and app"
    );
    assert_eq!(count(&browser, "#by-stage tbody tr").await, 2);
    assert!(text(&browser, "#rate .big").await.ends_with('%'));
    screenshot(&browser, "dashboard-results-laptop").await;
    browser
        .execute(
            "document.getElementById('by-store').scrollIntoView()",
            vec![],
        )
        .await
        .unwrap();
    screenshot(&browser, "dashboard-results-breakdowns").await;

    // A customer answers on the demo shop page: a promoter, today.
    let results_url = browser.eval("location.href").await.unwrap();
    browser
        .goto(&format!("{}/shop.html", demo.base))
        .await
        .unwrap();
    browser
        .eval("document.getElementById('purchase').click(), true")
        .await
        .unwrap();
    browser
        .wait_until(&in_shadow("[data-value='10']"), WAIT)
        .await
        .unwrap();
    browser
        .click_in_shadow(SURVEY_HOST, "[data-value='10']")
        .await
        .unwrap();
    browser
        .wait_until(&in_shadow(".thanks"), WAIT)
        .await
        .unwrap();
    let stored = wait_for_responses(&demo.base, seeded + 1, WAIT).await;
    assert_eq!(stored.len(), seeded + 1);

    // Back on the results (the key is still this tab's), reloaded: the count and the chart moved.
    browser.goto(results_url.as_str().unwrap()).await.unwrap();
    browser.reload().await.unwrap();
    results_show(&browser, seeded + 1).await;
    assert_eq!(
        count(&browser, "#trend .point").await,
        days + 1,
        "today's answer is a new point on the chart"
    );
    let tens_after = browser
        .eval("document.querySelector('#distribution [data-score=\"10\"]').dataset.count")
        .await
        .unwrap();
    assert_eq!(
        tens_after.as_str().unwrap().parse::<u64>().unwrap(),
        tens_before.as_str().unwrap().parse::<u64>().unwrap() + 1
    );
    screenshot(&browser, "dashboard-results-after-answer").await;

    // On a tablet held sideways, and in Korean.
    browser.set_viewport(TABLET).await.unwrap();
    browser.click("#lang-switch").await.unwrap();
    browser
        .wait_until("document.documentElement.lang === 'ko'", WAIT)
        .await
        .unwrap();
    assert!(text(&browser, "#trend h2").await.contains("점수 추이"));
    screenshot(&browser, "dashboard-results-tablet-ko").await;
    browser
        .goto(&format!("{}/dashboard#/", demo.base))
        .await
        .unwrap();
    browser
        .wait_until(&format!("document.querySelector(\"{web_nps}\")"), WAIT)
        .await
        .unwrap();
    screenshot(&browser, "dashboard-surveys-tablet-ko").await;

    // A survey nobody has answered yet says so instead of drawing empty charts.
    browser
        .goto(&format!(
            "{}/dashboard#/sites/demo-shop/surveys/receipt-csat",
            demo.base
        ))
        .await
        .unwrap();
    results_show(&browser, 0).await;
    assert!(
        text(&browser, "#trend")
            .await
            .contains("아직 응답이 없습니다")
    );
    screenshot(&browser, "dashboard-results-empty-tablet-ko").await;

    // Signing out forgets the key.
    browser.click("#sign-out").await.unwrap();
    browser
        .wait_until("document.getElementById('api-key')", WAIT)
        .await
        .unwrap();
    assert_eq!(
        browser
            .eval("sessionStorage.getItem('nunchi.dashboard.key')")
            .await
            .unwrap(),
        Value::Null
    );
    // A key that stops working mid-session (revoked) signs out, with the reason.
    browser
        .execute(
            "sessionStorage.setItem('nunchi.dashboard.key', 'a-key-revoked-meanwhile')",
            vec![],
        )
        .await
        .unwrap();
    browser.reload().await.unwrap();
    browser
        .wait_until("document.querySelector('.sign-in .alert')", WAIT)
        .await
        .unwrap();
    assert!(text(&browser, ".sign-in .alert").await.contains("401"));
    assert_eq!(
        browser
            .eval("sessionStorage.getItem('nunchi.dashboard.key')")
            .await
            .unwrap(),
        Value::Null
    );
    let errors: Vec<_> = browser
        .console_log()
        .await
        .unwrap()
        .into_iter()
        // The refused key's 401, and the shop page's missing favicon, are expected.
        .filter(|e| {
            e.level == "SEVERE" && !e.message.contains("401") && !e.message.contains("favicon")
        })
        .collect();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}

/// What detractors wrote on the web-nps follow-up ("What went wrong?"), oldest first: the
/// score, the text, the store and the channel.
const COMMENTS: [(u64, &str, &str, &str); 5] = [
    (
        2,
        "배송이 너무 늦었어요. 주문하고 일주일이 걸렸습니다.",
        "gangnam-01",
        "web",
    ),
    (
        5,
        "Checkout kept asking me to log in again.",
        "hongdae-02",
        "app",
    ),
    (6, "포장이 찢어져서 왔어요.", "busan-03", "web"),
    (
        3,
        "The coupon code did not work at checkout, so I paid full price.",
        "gangnam-01",
        "web",
    ),
    (0, "고객센터 전화 연결이 안 됩니다.", "hongdae-02", "web"),
];

/// Posts the comments a few hours apart on the collector's clock; returns their response ids.
async fn seed_comments(demo: &Demo) -> Vec<String> {
    let mut ids = Vec::new();
    for (i, (score, text, store, channel)) in COMMENTS.iter().enumerate() {
        let id = uuid_v7();
        post(
            demo,
            "/v1/responses",
            json!({
                "response_id": id, "survey_id": "web-nps", "survey_version": 1,
                "answers": { "nps": score, "what_went_wrong": text },
                "context": { "channel": channel, "site_id": "demo-shop",
                             "locale": if i % 2 == 0 { "ko" } else { "en" },
                             "store_id": store, "journey_stage": "post_purchase" },
                "client_time": 0,
            }),
        )
        .await;
        ids.push(id);
        demo.advance_clock(Period::hours(3));
    }
    // A promoter says nothing more: no comment.
    post(
        demo,
        "/v1/responses",
        json!({
            "response_id": uuid_v7(), "survey_id": "web-nps", "survey_version": 1,
            "answers": { "nps": 10 },
            "context": { "channel": "web", "site_id": "demo-shop", "locale": "ko" },
            "client_time": 0,
        }),
    )
    .await;
    ids
}

/// The response ids of the comments on the page, top to bottom.
async fn shown(browser: &Browser) -> Vec<String> {
    let ids = browser
        .eval("[...document.querySelectorAll('#comments .comment')].map(c => c.dataset.response)")
        .await
        .unwrap();
    serde_json::from_value(ids).unwrap()
}

/// The labels shown on one comment.
async fn chips(browser: &Browser, response: &str) -> Vec<String> {
    let script = format!(
        "[...document.querySelectorAll(\".comment[data-response='{response}'] .chip.label\")]\
         .map(c => c.dataset.label)"
    );
    serde_json::from_value(browser.eval(&script).await.unwrap()).unwrap()
}

/// Types `label` into a comment's label field and adds it; waits for its chip.
async fn add_label(browser: &Browser, response: &str, label: &str) {
    let comment = format!(".comment[data-response='{response}']");
    browser
        .type_in(&format!("{comment} input.new-label"), label)
        .await
        .unwrap();
    browser
        .click(&format!("{comment} button.add"))
        .await
        .unwrap();
    browser
        .wait_until(
            &format!("document.querySelector(\"{comment} .chip.label[data-label='{label}']\")"),
            WAIT,
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn a_cx_manager_labels_comments_and_filters_by_a_label() {
    let demo = start_demo().await;
    let ids = seed_comments(&demo).await;
    let newest_first: Vec<String> = ids.iter().rev().cloned().collect();
    let (slow_delivery, checkout, coupon) = (&ids[0], &ids[1], &ids[3]);

    let browser = Browser::start(LAPTOP).await.expect("browser");
    sign_in(&browser, &demo.base).await;

    // From the survey list to web-nps's comments: newest first, detractors marked.
    let web_nps = "#surveys-page tr[data-survey='web-nps']";
    browser
        .wait_until(
            &format!("document.querySelector(\"{web_nps} a.comments\")"),
            WAIT,
        )
        .await
        .unwrap();
    assert_eq!(
        count(
            &browser,
            "#surveys-page tr[data-survey='kiosk-smiley'] a.comments"
        )
        .await,
        0,
        "the kiosk's smileys ask for no text"
    );
    browser
        .click(&format!("{web_nps} a.comments"))
        .await
        .unwrap();
    browser
        .wait_until(
            &format!(
                "document.querySelectorAll('#comments .comment').length === {}",
                COMMENTS.len()
            ),
            WAIT,
        )
        .await
        .unwrap();
    assert!(hash(&browser).await.ends_with("/surveys/web-nps/comments"));
    assert_eq!(shown(&browser).await, newest_first);
    assert_eq!(
        count(&browser, "#comments .comment.detractor").await,
        COMMENTS.len() as u64,
        "every follow-up here is a detractor's"
    );
    let first = text(&browser, "#comments .comment").await;
    assert!(
        first.contains("NPS 0") && first.contains("hongdae-02"),
        "{first}"
    );
    assert!(
        text(&browser, "#label-filter")
            .await
            .contains("No labels yet")
    );

    // Two comments labelled, one of them twice; the second "checkout" is the one in use.
    add_label(&browser, coupon, "checkout").await;
    add_label(&browser, coupon, "coupon").await;
    add_label(&browser, checkout, "checkout").await;
    browser
        .wait_until(
            "document.querySelector(\"#label-filter [data-label='checkout'] .count\")?.textContent === '2'",
            WAIT,
        )
        .await
        .unwrap();
    assert_eq!(chips(&browser, coupon).await, ["checkout", "coupon"]);
    assert_eq!(chips(&browser, checkout).await, ["checkout"]);
    assert!(chips(&browser, slow_delivery).await.is_empty());
    screenshot(&browser, "dashboard-comments-laptop").await;

    // Filtered by one label: only those two, newest first.
    browser
        .click("#label-filter [data-label='checkout']")
        .await
        .unwrap();
    browser
        .wait_until(
            "document.querySelectorAll('#comments .comment').length === 2",
            WAIT,
        )
        .await
        .unwrap();
    assert_eq!(shown(&browser).await, [coupon.clone(), checkout.clone()]);
    browser
        .click("#label-filter [data-label='coupon']")
        .await
        .unwrap();
    browser
        .wait_until(
            "document.querySelectorAll('#comments .comment').length === 1",
            WAIT,
        )
        .await
        .unwrap();
    assert_eq!(shown(&browser).await, [coupon.as_str()]);
    let what = text(&browser, "#comment-count").await;
    assert!(what.contains('1') && what.contains("coupon"), "{what}");
    screenshot(&browser, "dashboard-comments-filtered").await;

    // Reloaded, the filter is still in the address and on screen; then every comment again.
    assert!(hash(&browser).await.ends_with("/comments?label=coupon"));
    browser.reload().await.unwrap();
    browser
        .wait_until(
            "document.querySelector(\"#label-filter [data-label='coupon']\")?.getAttribute('aria-pressed') === 'true' \
             && document.querySelectorAll('#comments .comment').length === 1",
            WAIT,
        )
        .await
        .unwrap();
    browser
        .click("#label-filter [data-label='']")
        .await
        .unwrap();
    assert!(!hash(&browser).await.contains("label="));
    // The labels are still there; the API agrees.
    browser
        .wait_until(
            &format!(
                "document.querySelectorAll('#comments .comment').length === {}",
                COMMENTS.len()
            ),
            WAIT,
        )
        .await
        .unwrap();
    assert_eq!(chips(&browser, coupon).await, ["checkout", "coupon"]);
    assert_eq!(chips(&browser, checkout).await, ["checkout"]);
    let base = "/v1/admin/sites/demo-shop";
    let filtered = admin_get(
        &demo,
        &format!("{base}/surveys/web-nps/comments?label=checkout"),
    )
    .await;
    let api_ids: Vec<&str> = filtered["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["response_id"].as_str().unwrap())
        .collect();
    assert_eq!(api_ids, [coupon.as_str(), checkout.as_str()]);
    assert_eq!(
        admin_get(&demo, &format!("{base}/labels")).await,
        json!([
            { "label": "checkout", "responses": 2 },
            { "label": "coupon", "responses": 1 },
        ])
    );

    // A label removed is gone from the comment and from the API.
    browser
        .click(&format!(
            ".comment[data-response='{coupon}'] .chip.label[data-label='coupon'] .remove"
        ))
        .await
        .unwrap();
    browser
        .wait_until(
            &format!(
                "!document.querySelector(\".comment[data-response='{coupon}'] .chip.label[data-label='coupon']\")"
            ),
            WAIT,
        )
        .await
        .unwrap();
    assert_eq!(
        admin_get(&demo, &format!("{base}/labels")).await,
        json!([{ "label": "checkout", "responses": 2 }])
    );

    // A label the collector refuses (41 characters, past the field's own limit): its
    // message is shown on the comment, and nothing is stored.
    let field = format!(".comment[data-response='{coupon}'] input.new-label");
    browser
        .execute(
            &format!(
                "const f = document.querySelector(\"{field}\"); f.removeAttribute('maxlength'); \
                 f.value = 'x'.repeat(41); f.dispatchEvent(new Event('input', {{ bubbles: true }}))"
            ),
            vec![],
        )
        .await
        .unwrap();
    browser
        .click(&format!(".comment[data-response='{coupon}'] button.add"))
        .await
        .unwrap();
    let alert = format!(".comment[data-response='{coupon}'] .alert");
    browser
        .wait_until(&format!("document.querySelector(\"{alert}\")"), WAIT)
        .await
        .unwrap();
    let message = text(&browser, &alert).await;
    assert!(message.contains("40 characters"), "{message}");
    assert_eq!(chips(&browser, coupon).await, ["checkout"]);

    // Thirty more comments: a page holds 30, the rest come with "more".
    for i in 0..30 {
        post(
            &demo,
            "/v1/responses",
            json!({
                "response_id": uuid_v7(), "survey_id": "web-nps", "survey_version": 1,
                "answers": { "nps": i % 7, "what_went_wrong": format!("Comment number {i}") },
                "context": { "channel": "web", "site_id": "demo-shop", "locale": "en" },
                "client_time": 0,
            }),
        )
        .await;
    }
    browser.reload().await.unwrap();
    browser
        .wait_until(
            "document.querySelectorAll('#comments .comment').length === 30 && document.getElementById('more')",
            WAIT,
        )
        .await
        .unwrap();
    browser.click("#more").await.unwrap();
    browser
        .wait_until(
            &format!(
                "document.querySelectorAll('#comments .comment').length === {}",
                COMMENTS.len() + 30
            ),
            WAIT,
        )
        .await
        .unwrap();
    assert_eq!(
        count(&browser, "#more").await,
        0,
        "no more after the last page"
    );
    assert_eq!(
        shown(&browser).await[30..],
        newest_first[..],
        "the older page follows the newer"
    );

    // The results page has a tab to the comments and back.
    browser.click("#tab-results").await.unwrap();
    browser
        .wait_until("document.querySelector('#results-page #responses')", WAIT)
        .await
        .unwrap();
    browser.click("#tab-comments").await.unwrap();
    browser
        .wait_until(
            "document.querySelectorAll('#comments .comment').length > 0",
            WAIT,
        )
        .await
        .unwrap();

    // On a tablet, in Korean.
    browser.set_viewport(TABLET).await.unwrap();
    browser.click("#lang-switch").await.unwrap();
    browser
        .wait_until("document.documentElement.lang === 'ko'", WAIT)
        .await
        .unwrap();
    assert!(text(&browser, "#tab-comments").await.contains("코멘트"));
    browser
        .click("#label-filter [data-label='checkout']")
        .await
        .unwrap();
    browser
        .wait_until(
            "document.querySelectorAll('#comments .comment').length === 2",
            WAIT,
        )
        .await
        .unwrap();
    screenshot(&browser, "dashboard-comments-tablet-ko").await;

    let errors: Vec<_> = browser
        .console_log()
        .await
        .unwrap()
        .into_iter()
        // The refused label's 422 is expected.
        .filter(|e| e.level == "SEVERE" && !e.message.contains("422"))
        .collect();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}

async fn heartbeat(demo: &Demo, store: &str, kiosk: &str, backlog: u64) {
    post(
        demo,
        "/v1/kiosks/heartbeat",
        json!({
            "site_id": "demo-shop", "store_id": store, "kiosk_id": kiosk,
            "backlog": backlog, "widget_version": "0.1.0+1bec5a1af73c992b", "client_time": 0,
        }),
    )
    .await;
}

#[tokio::test]
async fn a_cx_manager_checks_the_kiosks_and_exports_the_answers() {
    let demo = start_demo().await;
    let mut responses = Vec::new();
    for score in [9, 4] {
        let id = uuid_v7();
        post(
            &demo,
            "/v1/responses",
            json!({
                "response_id": id, "survey_id": "web-nps", "survey_version": 1,
                "answers": { "nps": score }, "client_time": 0,
                "context": { "channel": "web", "site_id": "demo-shop", "locale": "ko" },
            }),
        )
        .await;
        responses.push(id);
    }
    // Two kiosks: one last heard from 20 minutes ago (stale after 10), one just now with
    // three answers waiting on it.
    heartbeat(&demo, "hongdae-02", "k2", 0).await;
    demo.advance_clock(Period::minutes(20));
    heartbeat(&demo, "gangnam-01", "k1", 3).await;

    let browser = Browser::start(LAPTOP).await.expect("browser");
    sign_in(&browser, &demo.base).await;
    let web_nps = "#surveys-page tr[data-survey='web-nps']";
    browser
        .wait_until(
            &format!("document.querySelector(\"{web_nps} a.survey-name\")"),
            WAIT,
        )
        .await
        .unwrap();
    browser
        .click(&format!("{web_nps} a.survey-name"))
        .await
        .unwrap();
    browser
        .wait_until("document.querySelector('#tab-act')", WAIT)
        .await
        .unwrap();
    browser.click("#tab-act").await.unwrap();

    // The kiosks, by store: the stale one marked, the backlog and the build shown.
    browser
        .wait_until(
            "document.querySelectorAll('#kiosks tr.kiosk').length === 2",
            WAIT,
        )
        .await
        .unwrap();
    assert!(hash(&browser).await.ends_with("/surveys/web-nps/act"));
    let k1 = "#kiosks tr.kiosk[data-kiosk='k1']";
    let k2 = "#kiosks tr.kiosk[data-kiosk='k2']";
    // Seconds ago (a slow machine may take a few to open the page), not minutes.
    let seen = text(&browser, &format!("{k1} .seen")).await;
    assert!(
        seen == "just now"
            || seen
                .strip_suffix("s ago")
                .is_some_and(|n| n.parse::<u64>().is_ok()),
        "{seen}"
    );
    assert_eq!(text(&browser, &format!("{k1} .backlog")).await, "3");
    assert!(
        text(&browser, &format!("{k1} .build"))
            .await
            .contains("1bec5a1af73c992b")
    );
    assert_eq!(count(&browser, &format!("{k1}.stale")).await, 0);
    assert_eq!(text(&browser, &format!("{k2} .seen")).await, "20 min ago");
    assert_eq!(count(&browser, &format!("{k2}.stale")).await, 1);
    assert_eq!(text(&browser, &format!("{k2} .badge")).await, "Stale");

    // CSV export: the file handed to the browser's download is the survey's CSV. The page's
    // blobs are caught as they become object URLs, to read what was downloaded.
    browser
        .execute(
            "window.__blobs = []; const make = URL.createObjectURL; \
             URL.createObjectURL = b => { window.__blobs.push(b); return make.call(URL, b); };",
            vec![],
        )
        .await
        .unwrap();
    browser.click("#export-csv").await.unwrap();
    browser
        .wait_until(
            "document.querySelector(\"#export-state[data-format='csv']\")",
            WAIT,
        )
        .await
        .unwrap();
    let csv = browser
        .eval("window.__blobs.length === 1 && window.__blobs[0].text()")
        .await
        .unwrap();
    let csv = csv.as_str().expect("one blob, downloaded");
    assert!(csv.starts_with("seq,response_id,"), "{csv}");
    assert_eq!(csv.lines().count(), 1 + responses.len(), "{csv}");
    for id in &responses {
        assert!(csv.contains(id.as_str()), "{id} not in {csv}");
    }
    screenshot(&browser, "dashboard-act-laptop").await;

    // On a tablet, in Korean.
    browser.set_viewport(TABLET).await.unwrap();
    browser.click("#lang-switch").await.unwrap();
    browser
        .wait_until("document.documentElement.lang === 'ko'", WAIT)
        .await
        .unwrap();
    assert_eq!(text(&browser, &format!("{k2} .seen")).await, "20분 전");
    assert_eq!(text(&browser, "#tab-act").await, "활용");
    screenshot(&browser, "dashboard-act-tablet-ko").await;
}

#[tokio::test]
async fn a_data_team_signs_in_with_an_export_key_and_reads_without_changing_anything() {
    let demo = start_demo().await;
    let seeded = seed_week(&demo).await;
    let http = reqwest::Client::new();
    let made: Value = http
        .post(format!("{}/v1/admin/keys", demo.base))
        .bearer_auth(collector::config::DEMO_ADMIN_KEY)
        .json(&json!({ "scope": "export", "site": "demo-shop", "name": "data team" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = made["key"].as_str().unwrap();

    let browser = Browser::start(LAPTOP).await.expect("browser");
    open_in_english(&browser, &demo.base).await;
    browser.type_in("#api-key", key).await.unwrap();
    browser.click("button[type=submit]").await.unwrap();
    let web_nps = "#surveys-page tr[data-survey='web-nps']";
    browser
        .wait_until(
            &format!(
                "document.querySelector(\"{web_nps} .responses\")?.textContent === '{seeded}'"
            ),
            WAIT,
        )
        .await
        .unwrap();
    // It reads; it has nothing to change.
    assert_eq!(count(&browser, "a.new-survey").await, 0);
    assert_eq!(count(&browser, "a.button.edit").await, 0);
    screenshot(&browser, "dashboard-export-key-surveys").await;
    browser.click(&format!("{web_nps} a.button")).await.unwrap();
    results_show(&browser, seeded).await;
    assert_eq!(count(&browser, "#tab-edit").await, 0, "no Edit tab");
    // Act: the export, and none of the admin's cards.
    browser.click("#tab-act").await.unwrap();
    browser
        .wait_until("document.getElementById('export')", WAIT)
        .await
        .unwrap();
    for card in ["#receipt-qr-card", "#webhooks", "#kiosks"] {
        assert_eq!(count(&browser, card).await, 0, "{card}");
    }
    screenshot(&browser, "dashboard-export-key-act").await;
    // The editor, opened by its address, says what it needs.
    browser
        .goto(&format!(
            "{}/dashboard#/sites/demo-shop/surveys/web-nps/edit",
            demo.base
        ))
        .await
        .unwrap();
    browser
        .wait_until("document.querySelector('#editor-page .alert')", WAIT)
        .await
        .unwrap();
    assert!(
        text(&browser, "#editor-page .alert")
            .await
            .contains("needs an admin key")
    );

    // A receipts key (a till's) is turned away at the door, with the reason.
    let till: Value = http
        .post(format!("{}/v1/admin/keys", demo.base))
        .bearer_auth(collector::config::DEMO_ADMIN_KEY)
        .json(&json!({ "scope": "receipts", "site": "demo-shop" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    browser.click("#sign-out").await.unwrap();
    browser
        .type_in("#api-key", till["key"].as_str().unwrap())
        .await
        .unwrap();
    browser.click("button[type=submit]").await.unwrap();
    browser
        .wait_until("document.querySelector('.sign-in .alert')", WAIT)
        .await
        .unwrap();
    assert!(text(&browser, ".sign-in .alert").await.contains("403"));
}
