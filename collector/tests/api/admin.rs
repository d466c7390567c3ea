//! Admin API: keys, sites, surveys and their versions.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn a_missing_or_wrong_api_key_is_401() {
    let app = spawn_app_with_survey().await;
    for path in [
        "/v1/admin/sites",
        "/v1/admin/sites/shop",
        "/v1/admin/sites/shop/surveys",
        "/v1/admin/sites/shop/responses",
    ] {
        let reply = app.get(path).await;
        reply.assert_status(StatusCode::UNAUTHORIZED);
        assert_eq!(reply.error().0, "unauthorized");
        let reply = app
            .get_with_authorization(path, "Bearer wrong-key-0123456789")
            .await;
        assert_eq!(reply, StatusCode::UNAUTHORIZED, "{path}");
        let reply = app
            .get_with_authorization(path, &format!("Basic {ADMIN_KEY}"))
            .await;
        assert_eq!(
            reply,
            StatusCode::UNAUTHORIZED,
            "{path}: the key must be a bearer token"
        );
    }
    let reply = app
        .post_raw("/v1/admin/sites", |r| r.json(&site_json()))
        .await;
    reply.assert_status(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn without_a_configured_key_the_admin_api_refuses_everyone() {
    let app = spawn_app_with(|c| c.admin_key = None).await;
    let reply = app.admin_get("/v1/admin/sites").await;
    reply.assert_status(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn sites_are_created_once_listed_and_updated() {
    let app = spawn_app().await;
    let reply = app.admin_post("/v1/admin/sites", &site_json()).await;
    reply.assert_status(StatusCode::CREATED);
    assert_eq!(reply.body["id"], SITE);
    assert!(
        reply.body.get("member_key").is_none(),
        "secrets never leave the collector"
    );

    let again = app.admin_post("/v1/admin/sites", &site_json()).await;
    again.assert_status(StatusCode::CONFLICT);
    assert_eq!(again.error().0, "already_exists");

    let mut changed = site_json();
    changed["allowed_origins"] = json!(["https://shop.example", "https://m.shop.example"]);
    let reply = app.admin_put("/v1/admin/sites/shop", &changed).await;
    reply.assert_status(StatusCode::OK);
    let list = app.admin_get("/v1/admin/sites").await;
    assert_eq!(list.body[0]["allowed_origins"][1], "https://m.shop.example");

    let mut bad = site_json();
    bad["id"] = json!("other");
    bad["allowed_origins"] = json!(["https://ok.example", "not an origin"]);
    let reply = app.admin_post("/v1/admin/sites", &bad).await;
    reply.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.error().1.as_deref(), Some("allowed_origins.1"));

    let reply = app
        .admin_put(
            "/v1/admin/sites/ghost",
            &json!({"id": "ghost", "name": "G"}),
        )
        .await;
    reply.assert_status(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn surveys_are_validated_on_write() {
    let app = spawn_app().await;
    app.admin_post("/v1/admin/sites", &site_json())
        .await
        .assert_status(StatusCode::CREATED);
    let path = format!("/v1/admin/sites/{SITE}/surveys");

    let mut survey = nps_survey_json();
    survey["questions"] = json!([]);
    let reply = app.admin_post(&path, &survey).await;
    reply.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.error(), ("too_few".into(), Some("questions".into())));

    let mut survey = nps_survey_json();
    survey["questions"][1]["show_if"]["when"] = json!({ "score_at_most": 11 });
    let reply = app.admin_post(&path, &survey).await;
    assert_eq!(reply.error().1.as_deref(), Some("questions.1.show_if.when"));

    let mut survey = nps_survey_json();
    survey["targeting"] = json!({ "urls": [{ "match": "regex", "value": "(unclosed" }] });
    let reply = app.admin_post(&path, &survey).await;
    assert_eq!(
        reply.error(),
        (
            "invalid_pattern".into(),
            Some("targeting.urls.0.value".into())
        )
    );

    let mut survey = nps_survey_json();
    survey["questions"][0]["kind"] = json!({ "type": "rating" });
    let reply = app.admin_post(&path, &survey).await;
    reply.assert_status(StatusCode::UNPROCESSABLE_ENTITY);

    let mut survey = nps_survey_json();
    survey["site_id"] = json!("another-site");
    let reply = app.admin_post(&path, &survey).await;
    assert_eq!(reply.error().1.as_deref(), Some("site_id"));

    let reply = app
        .admin_post("/v1/admin/sites/ghost/surveys", &nps_survey_json())
        .await;
    reply.assert_status(StatusCode::NOT_FOUND);
    assert_eq!(reply.error().0, "unknown_site");
}

#[tokio::test]
async fn an_update_makes_a_new_version_and_late_answers_to_the_old_one_still_count() {
    let app = spawn_app_with_survey().await;
    let mut v2 = nps_survey_json();
    v2["questions"][0]["text"]["en"] = json!("Would you recommend us?");
    v2["version"] = json!(99); // ignored: the collector numbers versions
    let reply = app
        .admin_put(&format!("/v1/admin/sites/{SITE}/surveys/nps"), &v2)
        .await;
    reply.assert_status(StatusCode::OK);
    assert_eq!(reply.body["version"], 2);

    let latest = app
        .admin_get(&format!("/v1/admin/sites/{SITE}/surveys/nps"))
        .await;
    assert_eq!(latest.body["version"], 2);
    let v1 = app
        .admin_get(&format!("/v1/admin/sites/{SITE}/surveys/nps/versions/1"))
        .await;
    assert_eq!(
        v1.body["questions"][0]["text"]["en"],
        "How likely are you to recommend us?"
    );

    // A kiosk that was offline answers version 1 after version 2 is out.
    app.post("/v1/responses", &response_json(&new_id(), 7))
        .await
        .assert_status(StatusCode::CREATED);
    let mut current = response_json(&new_id(), 7);
    current["survey_version"] = json!(2);
    app.post("/v1/responses", &current)
        .await
        .assert_status(StatusCode::CREATED);

    let list = app
        .admin_get(&format!("/v1/admin/sites/{SITE}/surveys"))
        .await;
    assert_eq!(
        list.body.as_array().unwrap().len(),
        1,
        "one survey, listed at its latest version"
    );

    let reply = app
        .admin_put(
            &format!("/v1/admin/sites/{SITE}/surveys/ghost"),
            &json!({"id": "ghost"}),
        )
        .await;
    assert!(reply.status.is_client_error());
}

#[tokio::test]
async fn configuration_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    {
        let app = spawn_app_with(|c| c.data_dir = data.clone()).await;
        app.admin_post("/v1/admin/sites", &site_json())
            .await
            .assert_status(StatusCode::CREATED);
        app.admin_post(
            &format!("/v1/admin/sites/{SITE}/surveys"),
            &nps_survey_json(),
        )
        .await
        .assert_status(StatusCode::CREATED);
        app.post("/v1/responses", &response_json(&new_id(), 9))
            .await
            .assert_status(StatusCode::CREATED);
        // The server task keeps the store open; a second instance needs its own directory
        // copy, so stop this one by dropping its runtime at the end of the test instead.
        let copy = dir.path().join("copy");
        copy_dir(&data, &copy);
        let reopened = spawn_app_with(|c| c.data_dir = copy.clone()).await;
        let surveys = reopened
            .admin_get(&format!("/v1/admin/sites/{SITE}/surveys"))
            .await;
        assert_eq!(surveys.body[0]["id"], "nps");
        assert_eq!(reopened.stored_responses().await.len(), 1);
        // Sequence numbers go on from where they were.
        reopened
            .post("/v1/responses", &response_json(&new_id(), 8))
            .await
            .assert_status(StatusCode::CREATED);
        let seqs: Vec<_> = reopened
            .stored_responses()
            .await
            .iter()
            .map(|r| r["seq"].as_u64().unwrap())
            .collect();
        assert_eq!(seqs, vec![1, 2]);
    }
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[tokio::test]
async fn an_edit_from_an_old_version_is_refused_and_says_which_is_the_latest() {
    let app = spawn_app_with_survey().await;
    let path = format!("/v1/admin/sites/{SITE}/surveys/nps");
    let read = app
        .client
        .get(app.url(&path))
        .bearer_auth(ADMIN_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(read.headers()["etag"], "\"1\"");
    let put = |tag: &'static str, name: &'static str| {
        let mut body = nps_survey_json();
        body["name"] = json!(name);
        app.client
            .put(app.url(&path))
            .bearer_auth(ADMIN_KEY)
            .header("If-Match", tag)
            .json(&body)
            .send()
    };
    // Two editors start from version 1; the first publishes version 2.
    let first = put("\"1\"", "first").await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let second = put("\"1\"", "second").await.unwrap();
    assert_eq!(second.status(), StatusCode::PRECONDITION_FAILED);
    let error: serde_json::Value = second.json().await.unwrap();
    assert_eq!(error["error"]["code"], json!("stale_version"));
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("version 2")
    );
    let latest = app.admin_get(&path).await;
    assert_eq!(latest.body["version"], json!(2));
    assert_eq!(
        latest.body["name"],
        json!("first"),
        "the second edit changed nothing"
    );
    // From the latest, or with `*`, or with no If-Match at all, it goes through.
    assert_eq!(
        put("\"2\"", "third").await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(put("*", "fourth").await.unwrap().status(), StatusCode::OK);
    assert_eq!(
        put("\"not-a-version\"", "fifth").await.unwrap().status(),
        StatusCode::PRECONDITION_FAILED
    );
}
