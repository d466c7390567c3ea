//! Previews of survey drafts: checked as publishing checks them, shown in a receipt's shape,
//! answered without storing anything, gone after an hour.

use reqwest::StatusCode;
use serde_json::json;
use shared::time::Period;

use crate::helpers::*;

fn draft() -> serde_json::Value {
    let mut survey = nps_survey_json();
    survey["name"] = json!("After purchase, reworded");
    survey["status"] = json!("draft");
    survey["questions"][0]["text"]["en"] = json!("Would you recommend us to a friend?");
    survey
}

#[tokio::test]
async fn a_draft_is_previewed_as_the_next_version_and_its_answers_are_checked_but_never_stored() {
    let app = spawn_app_with_survey().await;
    let made = app
        .admin_post(&format!("/v1/admin/sites/{SITE}/previews"), &draft())
        .await;
    made.assert_status(StatusCode::CREATED);
    let id = made.body["id"].as_str().unwrap().to_owned();
    assert_eq!(made.body["url"], json!(format!("/p/{id}")));
    assert_eq!(made.body["version"], json!(2), "survey nps is at version 1");

    // What the widget's receipt mode reads: the draft, active, with no purchase.
    let shown = app.get(&format!("/v1/previews/{id}")).await;
    shown.assert_status(StatusCode::OK);
    assert_eq!(shown.body["site_id"], json!("nunchi-preview"));
    assert_eq!(shown.body["survey"]["site_id"], json!(SITE));
    assert_eq!(shown.body["survey"]["status"], json!("active"));
    assert_eq!(shown.body["survey"]["version"], json!(2));
    assert_eq!(
        shown.body["survey"]["questions"][0]["text"]["en"],
        json!("Would you recommend us to a friend?")
    );
    assert_eq!(shown.body["purchase"], json!(null));
    assert_eq!(
        shown.body["responses_url"],
        json!(format!("/v1/previews/{id}/responses"))
    );

    // An answer that fits is checked and acknowledged, and stored nowhere.
    let mut answer = response_json(&new_id(), 9);
    answer["survey_version"] = json!(2);
    answer["context"]["site_id"] = json!("nunchi-preview");
    answer["context"]["channel"] = json!("receipt");
    let checked = app
        .post(&format!("/v1/previews/{id}/responses"), &answer)
        .await;
    checked.assert_status(StatusCode::OK);
    assert_eq!(checked.body["stored"], json!(false));
    assert!(app.stored_responses().await.is_empty());
    // The published survey is untouched: still version 1, still active.
    let published = app
        .admin_get(&format!("/v1/admin/sites/{SITE}/surveys/nps"))
        .await;
    assert_eq!(published.body["version"], json!(1));
    assert_eq!(published.body["status"], json!("active"));

    // One that does not fit the draft is refused as the real ingest would refuse it.
    let mut wrong = answer.clone();
    wrong["answers"] = json!({ "nps": 11 });
    let refused = app
        .post(&format!("/v1/previews/{id}/responses"), &wrong)
        .await;
    refused.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.error().1.as_deref(), Some("answers.nps"));

    // The page is there while the preview is; an hour later both are gone.
    let page = app
        .client
        .get(app.url(&format!("/p/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(
        page.headers()["content-security-policy"],
        "frame-ancestors 'self'"
    );
    assert!(page.text().await.unwrap().contains("/preview.js"));
    app.clock.advance(Period::hours(1));
    app.get(&format!("/v1/previews/{id}"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let gone = app
        .client
        .get(app.url(&format!("/p/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    app.post(&format!("/v1/previews/{id}/responses"), &answer)
        .await
        .assert_status(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_draft_that_could_not_be_published_cannot_be_previewed_either() {
    let app = spawn_app_with_survey().await;
    let mut bad = draft();
    bad["questions"][1]["show_if"]["question"] = json!("nowhere");
    let refused = app
        .admin_post(&format!("/v1/admin/sites/{SITE}/previews"), &bad)
        .await;
    refused.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused.error().1.as_deref(),
        Some("questions.1.show_if.question")
    );
    // A new survey previews as version 1; an unknown site is 404; no key is 401.
    let mut new = draft();
    new["id"] = json!("brand-new");
    let made = app
        .admin_post(&format!("/v1/admin/sites/{SITE}/previews"), &new)
        .await;
    made.assert_status(StatusCode::CREATED);
    assert_eq!(made.body["version"], json!(1));
    app.admin_post("/v1/admin/sites/elsewhere/previews", &new)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    app.post(&format!("/v1/admin/sites/{SITE}/previews"), &new)
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    app.get("/v1/previews/0123456789abcdef0123456789abcdef")
        .await
        .assert_status(StatusCode::NOT_FOUND);
}
