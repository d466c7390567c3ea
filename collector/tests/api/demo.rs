//! `serve --demo --demo-history`: the demo site with a month of sample answers, which the
//! summaries and comments read like any others.

use collector::demo;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{TestApp, spawn_app_with};

async fn demo_app(history: bool) -> TestApp {
    spawn_app_with(|config| {
        config.demo = true;
        config.demo_history = history;
    })
    .await
}

async fn summary(app: &TestApp, survey: &str, query: &str) -> Value {
    let reply = app
        .admin_get(&format!(
            "/v1/admin/sites/demo-shop/surveys/{survey}/summary{query}"
        ))
        .await;
    reply.assert_status(StatusCode::OK);
    reply.body
}

fn score(group: &Value, question: &str, figure: &str) -> f64 {
    let questions = group["questions"].as_array().unwrap();
    let q = questions.iter().find(|q| q["id"] == question).unwrap();
    q[figure]["score"]
        .as_f64()
        .or_else(|| q[figure]["satisfied_share"].as_f64())
        .unwrap_or_else(|| panic!("no {figure} figure in {q}"))
}

#[tokio::test]
async fn demo_history_fills_a_month_that_summaries_and_comments_show() {
    let app = demo_app(true).await;

    let by_day = summary(&app, "web-nps", "?interval=day").await;
    let total = &by_day["total"];
    let responses = total["responses"].as_u64().unwrap();
    let shown = total["displays"].as_u64().unwrap();
    assert!(responses >= 100, "{responses} web answers in a month");
    assert!(
        shown > responses,
        "some were shown and not answered: {total}"
    );
    assert!(total["dismissals"].as_u64().unwrap() > 0, "{total}");
    let days = by_day["groups"].as_array().unwrap();
    assert!(
        (30..=31).contains(&days.len()),
        "a group for every day of the month: {}",
        days.len()
    );

    // The story the demo tells: gangnam-01 is liked better than busan-03.
    let by_store = summary(&app, "web-nps", "?group_by=store").await;
    let stores = by_store["groups"].as_array().unwrap();
    let store = |id: &str| stores.iter().find(|g| g["key"] == id).unwrap();
    assert!(
        score(store("gangnam-01"), "nps", "nps") > score(store("busan-03"), "nps", "nps"),
        "{by_store}"
    );

    for survey in ["kiosk-smiley", "receipt-csat"] {
        let total = &summary(&app, survey, "").await["total"];
        assert!(
            total["responses"].as_u64().unwrap() > 30,
            "{survey}: {total}"
        );
    }

    let comments = app
        .admin_get("/v1/admin/sites/demo-shop/surveys/web-nps/comments?limit=5")
        .await;
    comments.assert_status(StatusCode::OK);
    let listed = comments.body["comments"].as_array().unwrap();
    assert_eq!(listed.len(), 5, "{}", comments.body);
    assert!(
        listed.iter().all(|c| c["score"]["detractor"] == true),
        "{listed:?}"
    );
}

#[tokio::test]
async fn demo_history_is_stored_once_and_never_without_asking() {
    // A restart finds the demo site and seeds nothing again: `seed` made no site.
    let app = demo_app(true).await;
    assert!(demo::seed(&app.store, &app.clock).unwrap().is_none());

    let plain = demo_app(false).await;
    let total = &summary(&plain, "web-nps", "").await["total"];
    assert_eq!(
        total["responses"], 0,
        "--demo alone stores no answers: {total}"
    );
}

#[test]
fn demo_history_needs_the_demo() {
    use clap::Parser;
    #[derive(Debug, Parser)]
    struct Serve {
        #[command(flatten)]
        config: collector::Config,
    }
    let refused = Serve::try_parse_from(["serve", "--demo-history"]).unwrap_err();
    assert_eq!(
        refused.kind(),
        clap::error::ErrorKind::MissingRequiredArgument
    );
    let both = Serve::try_parse_from(["serve", "--demo", "--demo-history"]).unwrap();
    assert!(both.config.demo_history);
}
