//! The dashboard on the demo as `cargo xtask demo` runs it, with a month of sample answers
//! (`--demo-history`): a CX manager's first look, every survey's results with a point for each
//! day, and the comments. Screenshots go to `target/screenshots/dashboard-demo-*.png`.

// Set-up that cannot reach the collector should stop the test right there, with the reason.
#![allow(clippy::unwrap_used)]

use nunchi_e2e::browser::Browser;
use nunchi_e2e::dashboard_ui::{LAPTOP, admin_get, count, results_show, sign_in, text, wait_for};
use nunchi_e2e::start_demo_with;

const SURVEYS: [&str; 3] = ["web-nps", "kiosk-smiley", "receipt-csat"];

#[tokio::test]
async fn a_first_look_at_the_demo_shows_a_month_of_answers_on_every_survey() {
    let demo = start_demo_with(|config| config.demo_history = true).await;
    let mut stored = Vec::new();
    for survey in SURVEYS {
        let path = format!("/v1/admin/sites/demo-shop/surveys/{survey}/summary");
        let total = admin_get(&demo, &path).await["total"]["responses"]
            .as_u64()
            .unwrap();
        assert!(total > 30, "{survey}: {total} sample answers");
        stored.push(total);
    }

    let browser = Browser::start(LAPTOP).await.expect("browser");
    sign_in(&browser, &demo.base).await;
    for (survey, total) in SURVEYS.iter().zip(&stored) {
        let row = format!("#surveys-page tr[data-survey='{survey}']");
        wait_for(
            &browser,
            &format!("document.querySelector(\"{row} .responses\")?.textContent === '{total}'"),
        )
        .await;
        let score = text(&browser, &format!("{row} .score")).await;
        assert!(!score.contains('—'), "{survey} has a score: {score:?}");
    }
    browser.screenshot("dashboard-demo-surveys").await.unwrap();

    for (survey, total) in SURVEYS.iter().zip(&stored) {
        let total = usize::try_from(*total).unwrap();
        browser
            .click(&format!(
                "#surveys-page tr[data-survey='{survey}'] a.button"
            ))
            .await
            .unwrap();
        results_show(&browser, total).await;
        let days = count(&browser, "#trend .point").await;
        assert!(
            days >= 28,
            "{survey}: a point for (nearly) every day, {days}"
        );
        assert_eq!(
            count(&browser, "#by-store tbody tr").await,
            3,
            "{survey}: the demo's three stores"
        );
        browser
            .screenshot(&format!("dashboard-demo-{survey}"))
            .await
            .unwrap();
        if *survey == "web-nps" {
            browser.click("#tab-comments").await.unwrap();
            wait_for(&browser, "document.querySelectorAll('.comment').length > 5").await;
            browser.screenshot("dashboard-demo-comments").await.unwrap();
        }
        browser.click("a.back").await.unwrap();
        wait_for(&browser, "document.getElementById('surveys-page')").await;
    }
}
