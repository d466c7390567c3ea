//! Driving the dashboard as its users do: the screens it is laid out for, signing in, and
//! reading what a page shows.

use std::time::Duration;

use crate::browser::{Browser, Viewport};

/// How long a dashboard page may take to show what is waited for.
pub const WAIT: Duration = Duration::from_secs(20);

/// A laptop screen (1366×768).
pub const LAPTOP: Viewport = Viewport {
    width: 1366,
    height: 768,
    scale: 1.0,
    mobile: false,
};

/// A tablet held sideways (1024×768).
pub const TABLET: Viewport = Viewport {
    width: 1024,
    height: 768,
    scale: 1.0,
    mobile: true,
};

/// The dashboard's sign-in page in English, whatever the machine's language.
pub async fn open_in_english(browser: &Browser, base: &str) {
    browser
        .goto(&format!("{base}/dashboard"))
        .await
        .expect("the dashboard opens");
    browser
        .execute(
            "localStorage.setItem('nunchi.dashboard.lang', 'en')",
            vec![],
        )
        .await
        .expect("the language is set");
    browser.reload().await.expect("the page reloads");
}

/// Signs in with the demo's admin key, from the sign-in page in English.
pub async fn sign_in(browser: &Browser, base: &str) {
    open_in_english(browser, base).await;
    browser
        .type_in("#api-key", collector::config::DEMO_ADMIN_KEY)
        .await
        .expect("the key typed");
    browser
        .click("button[type=submit]")
        .await
        .expect("signed in");
}

/// The text of the first element matching `selector`, or "" if none does.
pub async fn text(browser: &Browser, selector: &str) -> String {
    text_of(
        browser,
        &format!("document.querySelector({selector:?})?.textContent ?? ''"),
    )
    .await
}

/// The address's fragment (`#/sites/…`), where the dashboard keeps its page.
pub async fn hash(browser: &Browser) -> String {
    text_of(browser, "location.hash").await
}

/// Waits until the script expression `expression` is true, or fails the test.
pub async fn wait_for(browser: &Browser, expression: &str) {
    browser
        .wait_until(expression, WAIT)
        .await
        .expect("the page comes to show it");
}

async fn text_of(browser: &Browser, expression: &str) -> String {
    browser
        .eval(expression)
        .await
        .expect("the page answers")
        .as_str()
        .unwrap_or("")
        .to_owned()
}

/// How many elements match `selector`.
pub async fn count(browser: &Browser, selector: &str) -> u64 {
    let script = format!("document.querySelectorAll({selector:?}).length");
    browser
        .eval(&script)
        .await
        .expect("the page answers")
        .as_u64()
        .unwrap_or(0)
}

/// Waits for the results page to show `responses` responses.
pub async fn results_show(browser: &Browser, responses: usize) {
    browser
        .wait_until(
            &format!("document.querySelector('#responses .big')?.textContent === '{responses}'"),
            WAIT,
        )
        .await
        .expect("the results page shows the count");
}

/// `GET path` on the demo's admin API with the demo's admin key, as JSON; a refusal fails the
/// test with the path and status.
pub async fn admin_get(demo: &crate::Demo, path: &str) -> serde_json::Value {
    let reply = reqwest::Client::new()
        .get(format!("{}{path}", demo.base))
        .bearer_auth(collector::config::DEMO_ADMIN_KEY)
        .send()
        .await
        .expect("the admin API answers");
    assert!(reply.status().is_success(), "{path}: {}", reply.status());
    reply.json().await.expect("JSON")
}
