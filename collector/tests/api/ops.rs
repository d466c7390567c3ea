//! `/healthz`, `/metrics`, pages and unknown routes.

use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn health_and_metrics() {
    let app = spawn_app_with_survey().await;
    let reply = app.get("/healthz").await;
    reply.assert_status(StatusCode::OK);
    assert_eq!(reply.body["status"], "ok");

    app.post("/v1/responses", &response_json(&new_id(), 9))
        .await
        .assert_status(StatusCode::CREATED);
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(r#"nunchi_responses_total{outcome="stored"} 1"#),
        "{text}"
    );
    assert!(text.contains(r#"route="/v1/responses""#), "{text}");
    let commits = text
        .lines()
        .find_map(|l| l.strip_prefix("nunchi_store_group_commits_total "))
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or_else(|| panic!("no group commit counter in {text}"));
    assert!(commits >= 1);
}

#[tokio::test]
async fn pages_are_served_and_unknown_api_routes_are_json_404() {
    let app = spawn_app().await;
    let page = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.text().await.unwrap().contains("nunchi"));

    let reply = app.get("/v1/nothing-here").await;
    reply.assert_status(StatusCode::NOT_FOUND);
    assert_eq!(reply.error().0, "not_found");
    let reply = app.get("/no-such-page.html").await;
    reply.assert_status(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn widgets_report_discarded_answers_into_the_metrics() {
    let app = spawn_app_with_survey().await;
    let report = |quantity: u64| {
        serde_json::json!({
            "site_id": SITE,
            "discarded": [{"reason": "outbox_full", "quantity": quantity}],
        })
    };
    app.post("/v1/client-reports", &report(3))
        .await
        .assert_status(StatusCode::NO_CONTENT);
    app.post("/v1/client-reports", &report(2))
        .await
        .assert_status(StatusCode::NO_CONTENT);
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let line = format!(r#"nunchi_widget_discarded_total{{site="{SITE}",reason="outbox_full"}} 5"#);
    assert!(text.contains(&line), "{text}");

    let reply = app.post("/v1/client-reports", &report(1_000_000)).await;
    reply.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        reply.error(),
        ("out_of_range".into(), Some("discarded[0].quantity".into()))
    );
    let reply = app
        .post(
            "/v1/client-reports",
            &serde_json::json!({"site_id": SITE, "discarded": [{"reason": "bored", "quantity": 1}]}),
        )
        .await;
    reply.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let reply = app
        .post(
            "/v1/client-reports",
            &serde_json::json!({"site_id": "no-such-site", "discarded": []}),
        )
        .await;
    reply.assert_status(StatusCode::NOT_FOUND);
}
