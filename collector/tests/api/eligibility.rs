//! `POST /v1/eligibility`: the collector decides for identified members against the ledger.

use reqwest::StatusCode;
use serde_json::{Value, json};
use shared::time::Period;

use crate::helpers::*;
use crate::responses::futures_join_all;

fn ask(member: &str) -> Value {
    json!({
        "display_id": new_id(),
        "survey_id": "nps",
        "context": { "channel": "app", "site_id": SITE, "locale": "ko", "member": member }
    })
}

#[tokio::test]
async fn a_second_display_inside_the_waiting_period_is_refused_with_the_reason() {
    let app = spawn_app_with_survey().await;
    let first = app.post("/v1/eligibility", &ask("M-1")).await;
    first.assert_status(StatusCode::OK);
    assert_eq!(first.body["decision"], "show");
    assert_eq!(first.body["survey_version"], 1);
    assert!(first.body["display_id"].is_string());

    let second = app.post("/v1/eligibility", &ask("M-1")).await;
    second.assert_status(StatusCode::OK);
    assert_eq!(second.body["decision"], "suppress");
    assert_eq!(second.body["reason"], "site_wait_after_shown");
    assert_eq!(second.body["because_of"]["survey_id"], "nps");
    assert_eq!(second.body["because_of"]["channel"], "app");
    let shown_at = second.body["because_of"]["at"].as_i64().unwrap();
    assert_eq!(
        second.body["until"].as_i64().unwrap(),
        shown_at + 86_400_000,
        "one day after it was shown"
    );

    // Another member is not affected.
    assert_eq!(
        app.post("/v1/eligibility", &ask("M-2")).await.body["decision"],
        "show"
    );

    // Past the waiting period, the member may be asked again.
    app.clock.advance(Period::days(1));
    assert_eq!(
        app.post("/v1/eligibility", &ask("M-1")).await.body["decision"],
        "show"
    );
}

#[tokio::test]
async fn concurrent_asks_for_one_member_show_the_survey_once() {
    let app = spawn_app_with_survey().await;
    let bodies: Vec<_> = (0..20).map(|_| ask("M-7")).collect();
    let replies = futures_join_all(bodies.iter().map(|b| app.post("/v1/eligibility", b))).await;
    let shows = replies
        .iter()
        .filter(|r| r.body["decision"] == "show")
        .count();
    assert_eq!(
        shows, 1,
        "the decision and the display are recorded in one step"
    );
}

#[tokio::test]
async fn an_answer_on_any_channel_is_in_the_ledger() {
    let app = spawn_app_with_survey().await;
    let mut response = response_json(&new_id(), 9);
    // A kiosk's answer (receipt answers are in the ledger too: see receipts.rs).
    response["context"]["channel"] = json!("kiosk");
    response["context"]["member"] = json!("M-9");
    app.post("/v1/responses", &response)
        .await
        .assert_status(StatusCode::CREATED);

    let reply = app.post("/v1/eligibility", &ask("M-9")).await;
    assert_eq!(reply.body["decision"], "suppress");
    // The survey never recurs once answered: the most lasting reason is given.
    assert_eq!(reply.body["reason"], "already_answered");
    assert_eq!(reply.body["because_of"]["channel"], "kiosk");
}

#[tokio::test]
async fn eligibility_needs_a_member_and_a_known_survey() {
    let app = spawn_app_with_survey().await;
    let mut body = ask("M-1");
    body["context"].as_object_mut().unwrap().remove("member");
    let reply = app.post("/v1/eligibility", &body).await;
    reply.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        reply.error(),
        ("required".into(), Some("context.member".into()))
    );

    let mut body = ask("M-1");
    body["survey_id"] = json!("ghost");
    let reply = app.post("/v1/eligibility", &body).await;
    reply.assert_status(StatusCode::NOT_FOUND);
    assert_eq!(reply.error().1.as_deref(), Some("survey_id"));
}

#[tokio::test]
async fn displays_are_stored_once_and_feed_the_ledger() {
    let app = spawn_app_with_survey().await;
    let display = json!({
        "display_id": new_id(),
        "survey_id": "nps",
        "survey_version": 1,
        "kind": "shown",
        "context": { "channel": "web", "site_id": SITE, "locale": "en", "member": "M-3" },
        "client_time": app.clock.now().millis()
    });
    app.post("/v1/displays", &display)
        .await
        .assert_status(StatusCode::CREATED);
    let again = app.post("/v1/displays", &display).await;
    again.assert_status(StatusCode::OK);
    assert_eq!(again.body["duplicate"], true);

    let reply = app.post("/v1/eligibility", &ask("M-3")).await;
    assert_eq!(reply.body["reason"], "site_wait_after_shown");
    assert_eq!(reply.body["because_of"]["channel"], "web");
}

fn rule<'a>(explanation: &'a Value, name: &str) -> &'a Value {
    explanation
        .as_array()
        .expect("an explanation is a list")
        .iter()
        .find(|c| c["rule"] == name)
        .unwrap_or_else(|| panic!("no rule {name} in {explanation}"))
}

#[tokio::test]
async fn explain_lists_every_rule_with_the_times_and_the_contact_that_mattered() {
    let app = spawn_app_with_survey().await;
    let plain = app.post("/v1/eligibility", &ask("M-1")).await;
    assert!(
        plain.body.get("explanation").is_none(),
        "only when asked for: {}",
        plain.body
    );

    let refused = app.post("/v1/eligibility?explain=true", &ask("M-1")).await;
    refused.assert_status(StatusCode::OK);
    assert_eq!(refused.body["reason"], "site_wait_after_shown");
    let explanation = &refused.body["explanation"];
    let rules: Vec<_> = explanation
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            "survey_active",
            "sampling",
            "total_quota",
            "store_daily_quota",
            "already_answered",
            "recurrence_wait",
            "max_displays",
            "dismiss_cooldown",
            "site_wait_after_answered",
            "site_wait_after_shown"
        ]
    );
    assert_eq!(rule(explanation, "survey_active")["outcome"], "passed");
    assert_eq!(rule(explanation, "sampling")["outcome"], "not_applicable");
    assert_eq!(
        rule(explanation, "site_wait_after_answered")["outcome"],
        "passed"
    );
    let shown = rule(explanation, "site_wait_after_shown");
    assert_eq!(shown["outcome"], "refused");
    assert_eq!(shown["contact"], refused.body["because_of"]);
    assert_eq!(shown["contact"]["channel"], "app");
    assert_eq!(shown["until"], refused.body["until"]);

    // A first ask, explained: everything passes, and the display is recorded as usual.
    let first = app.post("/v1/eligibility?explain=true", &ask("M-2")).await;
    assert_eq!(first.body["decision"], "show");
    assert!(first.body["display_id"].is_string());
    assert!(
        first.body["explanation"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["outcome"] != "refused"),
        "{}",
        first.body
    );

    let reply = app.post("/v1/eligibility?explain=maybe", &ask("M-3")).await;
    reply.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.error().1.as_deref(), Some("query"));
}

#[tokio::test]
async fn support_staff_explain_without_recording_a_display() {
    let app = spawn_app_with_survey().await;
    let path = format!("/v1/admin/sites/{SITE}/eligibility/explain");
    let asked = json!({ "survey_id": "nps", "member": "M-9" });
    for _ in 0..2 {
        let reply = app.admin_post(&path, &asked).await;
        reply.assert_status(StatusCode::OK);
        assert_eq!(reply.body["decision"], "show", "{}", reply.body);
        assert!(reply.body["at"].as_i64().unwrap() <= app.clock.now().0);
        assert_eq!(reply.body["explanation"].as_array().unwrap().len(), 10);
    }
    // Nothing was recorded: the member is still shown, once.
    assert_eq!(
        app.post("/v1/eligibility", &ask("M-9")).await.body["decision"],
        "show"
    );
    let reply = app.admin_post(&path, &asked).await;
    assert_eq!(reply.body["decision"], "suppress");
    assert_eq!(reply.body["reason"], "site_wait_after_shown");
    let shown = rule(&reply.body["explanation"], "site_wait_after_shown");
    assert_eq!(shown["until"], reply.body["until"]);

    // At a time of the caller's choosing: the next day, the wait is over.
    let tomorrow = app.clock.now().0 + 86_400_000;
    let later = app
        .admin_post(
            &path,
            &json!({ "survey_id": "nps", "member": "M-9", "at": tomorrow }),
        )
        .await;
    assert_eq!(later.body["decision"], "show");
    assert_eq!(
        rule(&later.body["explanation"], "site_wait_after_shown")["outcome"],
        "passed"
    );

    assert_eq!(
        app.post_raw(&path, |r| r.json(&asked)).await.status,
        StatusCode::UNAUTHORIZED
    );
    app.admin_post(&path, &json!({ "survey_id": "nope", "member": "M-9" }))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let far = app
        .admin_post(
            &path,
            &json!({ "survey_id": "nps", "member": "M-9", "at": i64::MAX }),
        )
        .await;
    far.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(far.error().1.as_deref(), Some("at"));
}
