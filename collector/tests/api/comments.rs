//! Comments and labels: open-text answers newest first with their context, labels set by the
//! team, the filter by label, pages, refusals, and labels gone with an erased member.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

/// A response to `nps` with a comment on the follow-up (`why`), for `member` if given.
async fn answer(app: &TestApp, nps: i64, why: Option<&str>, member: Option<&str>) -> String {
    let id = new_id();
    let mut body = response_json(&id, nps);
    if let Some(why) = why {
        body["answers"]["why"] = json!(why);
    }
    if let Some(member) = member {
        body["context"]["member"] = json!(member);
    }
    body["context"]["store_id"] = json!("gangnam-01");
    app.post("/v1/responses", &body)
        .await
        .assert_status(StatusCode::CREATED);
    id
}

async fn comments(app: &TestApp, query: &str) -> Reply {
    app.admin_get(&format!(
        "/v1/admin/sites/{SITE}/surveys/nps/comments{query}"
    ))
    .await
}

fn texts(page: &Reply) -> Vec<&str> {
    page.body["comments"]
        .as_array()
        .expect("a list of comments")
        .iter()
        .map(|c| c["text"].as_str().unwrap())
        .collect()
}

async fn label(app: &TestApp, response: &str, labels: Value) -> Reply {
    app.admin_put(
        &format!("/v1/admin/sites/{SITE}/responses/{response}/labels"),
        &json!({ "labels": labels }),
    )
    .await
}

#[tokio::test]
async fn comments_come_newest_first_with_context_and_the_team_labels_and_filters_them() {
    let app = spawn_app_with_survey().await;
    let late = answer(&app, 3, Some("배송이 늦었어요"), None).await;
    answer(&app, 10, None, None).await;
    let cold = answer(&app, 5, Some("Coffee was cold"), None).await;
    let rude = answer(&app, 6, Some("  "), None).await;
    let price = answer(&app, 2, Some("Too expensive"), None).await;

    let page = comments(&app, "").await;
    page.assert_status(StatusCode::OK);
    assert_eq!(
        texts(&page),
        ["Too expensive", "Coffee was cold", "배송이 늦었어요"],
        "newest first; no comment for a promoter without text or a blank one"
    );
    let newest = &page.body["comments"][0];
    assert_eq!(newest["response_id"], price.as_str());
    assert_eq!(newest["question_id"], "why");
    assert_eq!(newest["channel"], "web");
    assert_eq!(newest["store_id"], "gangnam-01");
    assert_eq!(newest["journey_stage"], "post_purchase");
    assert_eq!(
        newest["score"],
        json!({ "question_id": "nps", "kind": "nps", "value": 2, "detractor": true })
    );
    assert_eq!(newest["labels"], json!([]));
    assert!(page.body.get("next_before").is_none(), "{}", page.body);

    // Labels: trimmed, without repeats, sorted; more than one per comment.
    let set = label(&app, &price, json!([" price ", "배송", "price"])).await;
    set.assert_status(StatusCode::OK);
    assert_eq!(set.body["labels"], json!(["price", "배송"]));
    label(&app, &late, json!(["배송"]))
        .await
        .assert_status(StatusCode::OK);
    label(&app, &cold, json!(["quality"]))
        .await
        .assert_status(StatusCode::OK);
    label(&app, &rude, json!(["noise"]))
        .await
        .assert_status(StatusCode::OK);
    // An empty list removes them.
    label(&app, &cold, json!([]))
        .await
        .assert_status(StatusCode::OK);

    assert_eq!(
        texts(&comments(&app, "?label=%EB%B0%B0%EC%86%A1").await),
        ["Too expensive", "배송이 늦었어요"]
    );
    assert_eq!(
        texts(&comments(&app, "?label=price").await),
        ["Too expensive"]
    );
    assert_eq!(
        texts(&comments(&app, "?label=quality").await),
        Vec::<&str>::new()
    );
    assert_eq!(
        comments(&app, "").await.body["comments"][0]["labels"],
        json!(["price", "배송"])
    );

    let in_use = app
        .admin_get(&format!("/v1/admin/sites/{SITE}/labels"))
        .await;
    in_use.assert_status(StatusCode::OK);
    assert_eq!(
        in_use.body,
        json!([
            { "label": "noise", "responses": 1 },
            { "label": "price", "responses": 1 },
            { "label": "배송", "responses": 2 }
        ])
    );

    // Pages: `next_before` leads on without repeating or missing one.
    let mut seen = Vec::new();
    let mut query = "?limit=1".to_owned();
    loop {
        let page = comments(&app, &query).await;
        page.assert_status(StatusCode::OK);
        seen.extend(texts(&page).into_iter().map(str::to_owned));
        match page.body["next_before"].as_u64() {
            Some(before) => query = format!("?limit=1&before={before}"),
            None => break,
        }
    }
    assert_eq!(
        seen,
        ["Too expensive", "Coffee was cold", "배송이 늦었어요"]
    );
}

#[tokio::test]
async fn bad_labels_unknown_responses_and_wrong_keys_are_refused() {
    let app = spawn_app_with_survey().await;
    let id = answer(&app, 4, Some("slow"), None).await;

    let bad = label(&app, &id, json!(["ok", "", "x".repeat(41)])).await;
    bad.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        bad.body["error"]["details"][0]["field"], "labels.1",
        "{}",
        bad.body
    );
    assert_eq!(
        bad.body["error"]["details"][1]["field"], "labels.2",
        "{}",
        bad.body
    );
    let many: Vec<String> = (0..11).map(|i| format!("l{i}")).collect();
    label(&app, &id, json!(many))
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    app.admin_put(
        &format!("/v1/admin/sites/{SITE}/responses/{id}/labels"),
        &json!({ "labels": ["a"], "colour": "red" }),
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    label(&app, &new_id(), json!(["a"]))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    label(&app, "not-a-uuid", json!(["a"]))
        .await
        .assert_status(StatusCode::NOT_FOUND);

    comments(&app, "?limit=0")
        .await
        .assert_status(StatusCode::BAD_REQUEST);
    comments(&app, "?limit=201")
        .await
        .assert_status(StatusCode::BAD_REQUEST);
    comments(&app, "?before=soon")
        .await
        .assert_status(StatusCode::BAD_REQUEST);
    app.admin_get(&format!("/v1/admin/sites/{SITE}/surveys/nope/comments"))
        .await
        .assert_status(StatusCode::NOT_FOUND);

    // An export key reads comments but may not label them; another site's key reads nothing.
    let (_, export) = app.create_key("export", Some(SITE)).await;
    let path = format!("/v1/admin/sites/{SITE}/surveys/nps/comments");
    app.get_with_key(&path, &export)
        .await
        .assert_status(StatusCode::OK);
    let put = reqwest::Client::new()
        .put(app.url(&format!("/v1/admin/sites/{SITE}/responses/{id}/labels")))
        .bearer_auth(&export)
        .json(&json!({ "labels": ["a"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::FORBIDDEN);
    let mut other = site_json();
    other["id"] = json!("other-shop");
    app.admin_post("/v1/admin/sites", &other)
        .await
        .assert_status(StatusCode::CREATED);
    let (_, elsewhere) = app.create_key("export", Some("other-shop")).await;
    app.get_with_key(&path, &elsewhere)
        .await
        .assert_status(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn erasing_a_member_takes_the_labels_of_their_responses_along() {
    let app = spawn_app_with_survey().await;
    let theirs = answer(&app, 1, Some("never again"), Some("M-1")).await;
    let other = answer(&app, 2, Some("meh"), Some("M-2")).await;
    label(&app, &theirs, json!(["call back"]))
        .await
        .assert_status(StatusCode::OK);
    label(&app, &other, json!(["call back"]))
        .await
        .assert_status(StatusCode::OK);

    app.admin_post(
        &format!("/v1/admin/sites/{SITE}/erasures"),
        &json!({ "member": "M-1" }),
    )
    .await
    .assert_status(StatusCode::OK);
    assert_eq!(
        app.admin_get(&format!("/v1/admin/sites/{SITE}/labels"))
            .await
            .body,
        json!([{ "label": "call back", "responses": 1 }])
    );
    assert_eq!(texts(&comments(&app, "?label=call%20back").await), ["meh"]);
    label(&app, &theirs, json!(["again"]))
        .await
        .assert_status(StatusCode::NOT_FOUND);
}
