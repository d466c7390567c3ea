//! Privacy: erasing a member, retention, Global Privacy Control.

use collector::privacy;
use reqwest::StatusCode;
use serde_json::{Value, json};
use shared::ids::{MemberHash, MemberId, SiteId};
use shared::time::Period;

use crate::helpers::*;

fn member_hash(app: &TestApp, member: &str) -> MemberHash {
    let site = app
        .store
        .catalog()
        .site(&SiteId::parse(SITE).unwrap())
        .unwrap();
    site.member_hash(&MemberId::parse(member).unwrap())
}

fn response_of(member: &str, nps: i64) -> Value {
    let mut body = response_json(&new_id(), nps);
    body["context"]["member"] = json!(member);
    body
}

fn display_of(member: &str) -> Value {
    json!({
        "display_id": new_id(), "survey_id": "nps", "survey_version": 1, "kind": "shown",
        "context": { "channel": "web", "site_id": SITE, "locale": "ko", "member": member },
        "client_time": 1_763_855_198_000_i64
    })
}

fn ask(member: &str) -> Value {
    json!({
        "display_id": new_id(), "survey_id": "nps",
        "context": { "channel": "app", "site_id": SITE, "locale": "ko", "member": member }
    })
}

async fn export_ndjson(app: &TestApp, query: &str) -> String {
    let response = app
        .client
        .get(app.url(&format!(
            "/v1/admin/sites/{SITE}/export?format=ndjson{query}"
        )))
        .bearer_auth(ADMIN_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap()
}

#[tokio::test]
async fn after_erasure_no_record_of_the_member_remains_anywhere() {
    let app = spawn_app_with_survey().await;
    // A webhook nobody answers keeps every response's message waiting in the outbox.
    let hook = app
        .admin_post(
            &format!("/v1/admin/sites/{SITE}/webhooks"),
            &json!({ "url": "http://127.0.0.1:9/nobody" }),
        )
        .await;
    hook.assert_status(StatusCode::CREATED);
    let hook = format!(
        "/v1/admin/sites/{SITE}/webhooks/{}",
        hook.body["id"].as_str().unwrap()
    );

    assert_eq!(
        app.post("/v1/eligibility", &ask("M-1")).await.body["decision"],
        "show"
    );
    let mut erased_ids = Vec::new();
    for nps in [2, 9, 10] {
        let body = response_of("M-1", nps);
        erased_ids.push(body.clone());
        app.post("/v1/responses", &body)
            .await
            .assert_status(StatusCode::CREATED);
    }
    app.post("/v1/displays", &display_of("M-1"))
        .await
        .assert_status(StatusCode::CREATED);
    assert_eq!(
        app.post("/v1/eligibility", &ask("M-1")).await.body["decision"],
        "suppress",
        "the ledger knows the member"
    );
    app.post("/v1/responses", &response_of("M-2", 7))
        .await
        .assert_status(StatusCode::CREATED);
    app.post("/v1/displays", &display_of("M-2"))
        .await
        .assert_status(StatusCode::CREATED);

    let (m1, m2) = (member_hash(&app, "M-1"), member_hash(&app, "M-2"));
    let site = SiteId::parse(SITE).unwrap();
    assert!(app.store.member_has_records(&site, &m1).unwrap());
    assert_eq!(app.admin_get(&hook).await.body["waiting"], 4);

    let erase = json!({ "member": "M-1" });
    let path = format!("/v1/admin/sites/{SITE}/erasures");
    let reply = app.admin_post(&path, &erase).await;
    reply.assert_status(StatusCode::OK);
    assert_eq!(
        reply.body["erased"],
        json!({ "responses": 3, "displays": 2, "ledger_entries": 1, "webhook_messages": 3 }),
        "three responses, a display and the eligibility display, the ledger, three messages"
    );

    // The store: no response, display or ledger entry of the member, through any index.
    assert!(!app.store.member_has_records(&site, &m1).unwrap());
    assert!(app.store.member_has_records(&site, &m2).unwrap());
    // The admin listing (site index), exports (site and survey index), the summary.
    let stored = app.stored_responses().await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["context"]["member"], m2.as_str());
    for query in ["", "&survey=nps"] {
        let export = export_ndjson(&app, query).await;
        assert_eq!(export.lines().count(), 1, "{query}: {export}");
        assert!(!export.contains(m1.as_str()));
    }
    let csv = app
        .get_with_key(
            &format!("/v1/admin/sites/{SITE}/export?format=csv&survey=nps"),
            ADMIN_KEY,
        )
        .await;
    assert_eq!(
        csv.body.as_str().unwrap().lines().count(),
        2,
        "header and M-2"
    );
    let summary = app
        .admin_get(&format!(
            "/v1/admin/sites/{SITE}/surveys/nps/summary?min_count=1"
        ))
        .await;
    summary.assert_status(StatusCode::OK);
    assert_eq!(summary.body["total"]["responses"], 1);
    assert_eq!(summary.body["total"]["displays"], 1);
    // The webhook outbox keeps only M-2's message.
    assert_eq!(app.admin_get(&hook).await.body["waiting"], 1);

    // Idempotent: a second erasure finds nothing.
    let again = app.admin_post(&path, &erase).await;
    again.assert_status(StatusCode::OK);
    assert_eq!(
        again.body["erased"],
        json!({ "responses": 0, "displays": 0, "ledger_entries": 0, "webhook_messages": 0 })
    );
    // A widget retrying an erased response does not bring it back.
    let retried = app.post("/v1/responses", &erased_ids[0]).await;
    assert_eq!(retried.body["duplicate"], true);
    assert_eq!(app.stored_responses().await.len(), 1);
    // The ledger is gone: the member is a stranger again.
    assert_eq!(
        app.post("/v1/eligibility", &ask("M-1")).await.body["decision"],
        "show"
    );

    // Errors: unknown site, bad member, no key.
    app.admin_post("/v1/admin/sites/nope/erasures", &erase)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    app.admin_post(&path, &json!({ "member": "" }))
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    app.post(&path, &erase)
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_sweeper_deletes_responses_older_than_the_site_retention() {
    let app = spawn_app_with(|config| config.retention_sweep_secs = 1).await;
    let mut site = site_json();
    app.admin_post("/v1/admin/sites", &site)
        .await
        .assert_status(StatusCode::CREATED);
    app.admin_post(
        &format!("/v1/admin/sites/{SITE}/surveys"),
        &nps_survey_json(),
    )
    .await
    .assert_status(StatusCode::CREATED);
    let response = || stored_response(1, json!({ "nps": 8 }), json!({}));
    app.seed((0..3).map(|_| response())).await;
    app.clock.advance(Period::days(20));
    app.seed((0..2).map(|_| response())).await;
    app.clock.advance(Period::days(15));

    // Without a retention, nothing goes.
    assert_eq!(
        privacy::sweep(&app.store, app.clock.now())
            .await
            .unwrap()
            .responses,
        0
    );
    site["retention_days"] = json!(0);
    app.admin_put(&format!("/v1/admin/sites/{SITE}"), &site)
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    site["retention_days"] = json!(30);
    let updated = app
        .admin_put(&format!("/v1/admin/sites/{SITE}"), &site)
        .await;
    updated.assert_status(StatusCode::OK);
    assert_eq!(updated.body["retention_days"], 30);

    // The periodic sweeper (every second here) deletes the three responses 35 days old.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while app.stored_responses().await.len() != 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "the sweeper did not run"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(export_ndjson(&app, "&survey=nps").await.lines().count(), 2);
    assert_eq!(
        privacy::sweep(&app.store, app.clock.now())
            .await
            .unwrap()
            .responses,
        0,
        "nothing left to sweep"
    );
    // Past their 30 days, the other two go as well.
    app.clock.advance(Period::days(16));
    assert_eq!(
        privacy::sweep(&app.store, app.clock.now())
            .await
            .unwrap()
            .responses,
        2
    );
    assert!(export_ndjson(&app, "").await.is_empty());
}

#[tokio::test]
async fn with_global_privacy_control_no_member_identifier_is_stored() {
    let app = spawn_app_with_survey().await;
    let gpc = |request: reqwest::RequestBuilder, body: &Value| {
        request
            .header("Origin", ORIGIN)
            .header("Sec-GPC", "1")
            .json(body)
    };
    let site = SiteId::parse(SITE).unwrap();
    let m7 = member_hash(&app, "M-7");

    let body = response_of("M-7", 3);
    app.post_raw("/v1/responses", |r| gpc(r, &body))
        .await
        .assert_status(StatusCode::CREATED);
    let body = display_of("M-7");
    app.post_raw("/v1/displays", |r| gpc(r, &body))
        .await
        .assert_status(StatusCode::CREATED);
    let body = ask("M-7");
    let answer = app.post_raw("/v1/eligibility", |r| gpc(r, &body)).await;
    answer.assert_status(StatusCode::OK);
    assert_eq!(
        answer.body,
        json!({ "decision": "decide_on_device", "reason": "global_privacy_control" })
    );

    let stored = app.stored_responses().await;
    assert_eq!(stored.len(), 1, "the response itself is kept");
    assert!(
        stored[0]["context"].get("member").is_none(),
        "{}",
        stored[0]
    );
    assert!(
        !app.store.member_has_records(&site, &m7).unwrap(),
        "no response, display or ledger entry carries the member"
    );
    // The eligibility ask recorded nothing: the survey has one display, the GPC one.
    let summary = app
        .admin_get(&format!(
            "/v1/admin/sites/{SITE}/surveys/nps/summary?min_count=1"
        ))
        .await;
    assert_eq!(summary.body["total"]["displays"], 1);

    // Without the signal (or with `Sec-GPC: 0`) the member is kept, hashed.
    let body = response_of("M-7", 4);
    app.post_raw("/v1/responses", |r| {
        r.header("Origin", ORIGIN)
            .header("Sec-GPC", "0")
            .json(&body)
    })
    .await
    .assert_status(StatusCode::CREATED);
    assert!(app.store.member_has_records(&site, &m7).unwrap());
}
