//! What `cargo xtask demo` serves: the demo site with three surveys in Korean and English.

use collector::config::DEMO_ADMIN_KEY;
use nunchi_e2e::start_demo;
use serde_json::Value;

#[tokio::test]
async fn the_demo_serves_three_bilingual_surveys_one_per_channel() {
    let demo = start_demo().await;
    let config: Value = reqwest::get(format!("{}/v1/sites/demo-shop/config", demo.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let surveys = config["surveys"].as_array().unwrap();
    let mut found: Vec<(String, String)> = surveys
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap().to_owned(),
                s["targeting"]["channels"][0].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("kiosk-smiley", "kiosk"),
            ("receipt-csat", "receipt"),
            ("web-nps", "web")
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    for survey in surveys {
        for question in survey["questions"].as_array().unwrap() {
            for locale in ["ko", "en"] {
                assert!(
                    question["text"][locale].is_string(),
                    "{} lacks {locale}",
                    question["id"]
                );
            }
        }
    }
    let kinds: Vec<_> = surveys
        .iter()
        .map(|s| s["questions"][0]["kind"]["type"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"nps") && kinds.contains(&"smiley") && kinds.contains(&"csat"));
}

#[tokio::test]
async fn the_demo_admin_key_opens_the_admin_api_and_the_pages_are_served() {
    let demo = start_demo().await;
    let client = reqwest::Client::new();
    let sites: Value = client
        .get(format!("{}/v1/admin/sites", demo.base))
        .bearer_auth(DEMO_ADMIN_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(sites[0]["id"], "demo-shop");
    let page = client.get(format!("{}/", demo.base)).send().await.unwrap();
    assert!(page.status().is_success());
    assert!(page.text().await.unwrap().contains("demo-shop"));
}
