//! `GET /v1/sites/{site}/config`: active surveys, caching headers.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn config_lists_active_surveys_with_an_etag() {
    let app = spawn_app_with_survey().await;
    let mut draft = nps_survey_json();
    draft["id"] = json!("draft");
    draft["status"] = json!("draft");
    app.admin_post(&format!("/v1/admin/sites/{SITE}/surveys"), &draft)
        .await
        .assert_status(StatusCode::CREATED);

    let reply = app.get(&format!("/v1/sites/{SITE}/config")).await;
    reply.assert_status(StatusCode::OK);
    let ids: Vec<_> = reply.body["surveys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].clone())
        .collect();
    assert_eq!(ids, vec![json!("nps")], "drafts are not served");
    assert_eq!(reply.body["policy"]["wait_after_shown"], "1d");
    assert_eq!(reply.body["usage"]["nps"]["total"], 0);
    assert_eq!(reply.headers["cache-control"], "public, max-age=60");
    let etag = reply.headers["etag"].to_str().unwrap().to_owned();

    let cached = app
        .client
        .get(app.url(&format!("/v1/sites/{SITE}/config")))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);

    // A response changes the quota usage, and so the ETag.
    app.post("/v1/responses", &response_json(&new_id(), 9))
        .await
        .assert_status(StatusCode::CREATED);
    let reply = app.get(&format!("/v1/sites/{SITE}/config")).await;
    assert_eq!(reply.body["usage"]["nps"]["total"], 1);
    assert_ne!(reply.headers["etag"].to_str().unwrap(), etag);
}

#[tokio::test]
async fn config_of_an_unknown_site_is_404_and_bad_queries_422() {
    let app = spawn_app_with_survey().await;
    let reply = app.get("/v1/sites/ghost/config").await;
    reply.assert_status(StatusCode::NOT_FOUND);
    assert_eq!(reply.error().0, "unknown_site");
    let reply = app
        .get(&format!("/v1/sites/{SITE}/config?store=bad%20store"))
        .await;
    reply.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn config_is_gzipped_for_clients_that_accept_it() {
    let app = spawn_app_with_survey().await;
    let reply = app
        .client
        .get(app.url(&format!("/v1/sites/{SITE}/config")))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), StatusCode::OK);
    assert_eq!(reply.headers()["content-encoding"], "gzip");
}

/// Regex URL rules are served with their compiled programs (the widget has no parser), and a
/// definition cannot bring its own program: the collector compiles what it validated.
#[tokio::test]
async fn regex_rules_are_served_compiled_and_a_written_program_is_refused() {
    let app = spawn_app_with_survey().await;
    let mut survey = nps_survey_json();
    survey["id"] = json!("targeted");
    survey["targeting"] = json!({
        "urls": [{ "match": "regex", "value": "^https://shop\\.example/p/\\d" }],
        "exclude_urls": [{ "match": "prefix", "value": "https://shop.example/p/0" }]
    });
    app.admin_post(&format!("/v1/admin/sites/{SITE}/surveys"), &survey)
        .await
        .assert_status(StatusCode::CREATED);
    let reply = app.get(&format!("/v1/sites/{SITE}/config")).await;
    let served = reply.body["surveys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "targeted")
        .unwrap()
        .clone();
    let program = served["targeting"]["urls"][0]["program"].as_str().unwrap();
    let compiled = shared::url_rule::pattern::Regex::from_program(program).unwrap();
    assert!(compiled.is_match("https://shop.example/p/7"));
    assert!(!compiled.is_match("https://shop.example/q/7"));
    assert_eq!(
        served["targeting"]["exclude_urls"][0].get("program"),
        None,
        "only regex rules are compiled"
    );
    // The stored definition stays as written.
    let stored = app
        .admin_get(&format!("/v1/admin/sites/{SITE}/surveys/targeted"))
        .await;
    assert_eq!(stored.body["targeting"]["urls"][0].get("program"), None);

    survey["id"] = json!("smuggled");
    survey["targeting"]["urls"][0]["program"] = json!("m");
    let reply = app
        .admin_post(&format!("/v1/admin/sites/{SITE}/surveys"), &survey)
        .await;
    reply.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
}
