//! Webhooks: signed deliveries to a real receiver on loopback, retries, dead letters and
//! their retry, the chat line, and the admin API. Retry timing is shortened by configuration.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::receiver::{Delivery, Receiver, verify};

/// A collector whose failed webhook tries come back after 10–20 ms (doubling up to 100 ms),
/// with `attempts` tries before a dead letter.
async fn spawn_fast(attempts: u32) -> TestApp {
    let app = spawn_app_with(|config| {
        config.webhook_attempts = attempts;
        config.webhook_retry_ms = 20;
        config.webhook_max_retry_ms = 100;
        config.webhook_timeout_secs = 5;
    })
    .await;
    app.admin_post("/v1/admin/sites", &site_json())
        .await
        .assert_status(StatusCode::CREATED);
    app.admin_post(
        &format!("/v1/admin/sites/{SITE}/surveys"),
        &nps_survey_json(),
    )
    .await
    .assert_status(StatusCode::CREATED);
    app
}

/// Registers a webhook and returns (id, secret).
async fn add_webhook(app: &TestApp, body: Value) -> (String, String) {
    let reply = app
        .admin_post(&format!("/v1/admin/sites/{SITE}/webhooks"), &body)
        .await;
    reply.assert_status(StatusCode::CREATED);
    (
        reply.body["id"].as_str().unwrap().to_owned(),
        reply.body["secret"].as_str().unwrap().to_owned(),
    )
}

/// Waits until the webhook has no message waiting, and returns its status.
async fn settled(app: &TestApp, hook: &str) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let reply = app
            .admin_get(&format!("/v1/admin/sites/{SITE}/webhooks/{hook}"))
            .await;
        reply.assert_status(StatusCode::OK);
        if reply.body["waiting"] == 0 {
            return reply.body;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still waiting: {}",
            reply.body
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

fn ok(d: &Delivery) -> bool {
    (200..300).contains(&d.answered)
}

#[tokio::test]
async fn a_receiver_that_fails_twice_gets_the_response_once_with_a_valid_signature() {
    let app = spawn_fast(5).await;
    let receiver = Receiver::start(&[500, 500], 200).await;
    let (hook, secret) = add_webhook(&app, json!({ "url": receiver.url })).await;
    assert!(secret.starts_with("whsec_"), "{secret}");

    let id = new_id();
    let mut response = response_json(&id, 4);
    response["context"]["member"] = json!("M-7");
    app.post("/v1/responses", &response)
        .await
        .assert_status(StatusCode::CREATED);

    let deliveries = receiver.wait_until(|d| d.iter().any(ok)).await;
    let status = settled(&app, &hook).await;
    assert_eq!(
        (status["waiting"].as_u64(), status["dead_letters"].as_u64()),
        (Some(0), Some(0))
    );
    // Nothing more comes once the delivery is recorded.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(receiver.deliveries().len(), deliveries.len());

    let answered: Vec<u16> = deliveries.iter().map(|d| d.answered).collect();
    assert_eq!(answered, [500, 500, 200], "two failures, then one delivery");
    let ids: HashSet<&str> = deliveries.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(
        ids.len(),
        1,
        "every try carries the same webhook-id: {ids:?}"
    );
    assert!(deliveries[0].id.starts_with("msg_"));
    for delivery in &deliveries {
        verify(&secret, delivery).unwrap();
        assert_eq!(delivery.content_type, "application/json");
        assert_eq!(
            delivery.body, deliveries[0].body,
            "the same body on every try"
        );
    }
    let mut forged = deliveries[2].clone();
    forged.body = forged.body.replace("\"nps\":4", "\"nps\":10");
    assert!(
        verify(&secret, &forged).is_err(),
        "a changed body fails verification"
    );

    let event = deliveries[2].json();
    assert_eq!(event["type"], "response.created");
    let data = &event["data"];
    assert_eq!(data["response_id"], id.as_str());
    assert_eq!(data["answers"]["nps"], 4);
    assert_eq!(data["context"]["site_id"], SITE);
    assert!(data["seq"].as_u64().is_some());
    assert!(
        data["context"].get("member").is_none(),
        "no member hash leaves: {data}"
    );
}

#[tokio::test]
async fn a_receiver_that_always_fails_ends_in_the_dead_letters_which_can_be_retried() {
    let app = spawn_fast(3).await;
    let receiver = Receiver::start(&[], 500).await;
    let (hook, secret) = add_webhook(&app, json!({ "url": receiver.url })).await;
    let id = new_id();
    app.post("/v1/responses", &response_json(&id, 8))
        .await
        .assert_status(StatusCode::CREATED);

    let letters_path = format!("/v1/admin/sites/{SITE}/webhooks/{hook}/dead-letters");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let letters = loop {
        let reply = app.admin_get(&letters_path).await;
        reply.assert_status(StatusCode::OK);
        let letters = reply.body["dead_letters"].as_array().unwrap().clone();
        if !letters.is_empty() {
            break letters;
        }
        assert!(std::time::Instant::now() < deadline, "no dead letter yet");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    };
    assert_eq!(letters.len(), 1);
    let letter = &letters[0];
    assert_eq!(letter["attempts"], 3);
    assert!(
        letter["last_error"].as_str().unwrap().contains("500"),
        "{letter}"
    );
    assert_eq!(letter["body"]["data"]["response_id"], id.as_str());
    let deliveries = receiver.deliveries();
    assert_eq!(deliveries.len(), 3, "exactly the bounded number of tries");
    assert_eq!(letter["id"], deliveries[0].id.as_str());
    assert_eq!(settled(&app, &hook).await["dead_letters"], 1);

    // Retried by hand once the receiver works again: delivered, and the list is empty.
    receiver.answer(200);
    let unknown = app
        .admin_post(
            &format!("{letters_path}/msg_0190b0a47f6e7a3c8a4e1c2d3e4f5a6b/retry"),
            &json!({}),
        )
        .await;
    unknown.assert_status(StatusCode::NOT_FOUND);
    assert_eq!(unknown.error().0, "unknown_dead_letter");
    let retried = app
        .admin_post(
            &format!("{letters_path}/{}/retry", letter["id"].as_str().unwrap()),
            &json!({}),
        )
        .await;
    retried.assert_status(StatusCode::OK);
    assert_eq!(retried.body["retried"], 1);
    let deliveries = receiver.wait_until(|d| d.iter().any(ok)).await;
    assert_eq!(deliveries.len(), 4);
    verify(&secret, &deliveries[3]).unwrap();
    assert_eq!(
        deliveries[3].id, deliveries[0].id,
        "the same message, the same id"
    );
    let status = settled(&app, &hook).await;
    assert_eq!(status["dead_letters"], 0);
    let again = app
        .admin_post(&format!("{letters_path}/retry"), &json!({}))
        .await;
    assert_eq!(again.body["retried"], 0);
}

fn web_nps_survey() -> Value {
    let mut survey = nps_survey_json();
    survey["id"] = json!("web-nps");
    survey
}

fn kiosk_response(nps: i64, comment: Option<&str>) -> Value {
    let mut answers = json!({ "nps": nps });
    if let Some(comment) = comment {
        answers["why"] = json!(comment);
    }
    json!({
        "response_id": new_id(), "survey_id": "web-nps", "survey_version": 1,
        "answers": answers,
        "context": { "channel": "kiosk", "site_id": SITE, "store_id": "gangnam-01", "locale": "ko" },
        "client_time": 1_763_855_198_000_i64
    })
}

#[tokio::test]
async fn the_chat_webhook_sends_a_detractor_line_for_nps_3_and_nothing_for_nps_9() {
    let app = spawn_fast(5).await;
    app.admin_post(
        &format!("/v1/admin/sites/{SITE}/surveys"),
        &web_nps_survey(),
    )
    .await
    .assert_status(StatusCode::CREATED);
    let receiver = Receiver::start(&[], 200).await;
    let (hook, secret) = add_webhook(
        &app,
        json!({
            "url": receiver.url, "payload": "chat", "surveys": ["web-nps"],
            "when": { "kind": "nps", "at_most": 6 }, "description": "#cx-alerts"
        }),
    )
    .await;

    // A promoter: no message is even written (it would be in the response's own batch).
    app.post("/v1/responses", &kiosk_response(9, None))
        .await
        .assert_status(StatusCode::CREATED);
    let status = app
        .admin_get(&format!("/v1/admin/sites/{SITE}/webhooks/{hook}"))
        .await;
    assert_eq!(status.body["waiting"], 0);
    // Another survey of the site is not this webhook's.
    app.post("/v1/responses", &response_json(&new_id(), 0))
        .await
        .assert_status(StatusCode::CREATED);

    app.post(
        "/v1/responses",
        &kiosk_response(3, Some("the queue was too long")),
    )
    .await
    .assert_status(StatusCode::CREATED);
    let deliveries = receiver.wait_until(|d| !d.is_empty()).await;
    settled(&app, &hook).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let deliveries_after = receiver.deliveries();
    assert_eq!(
        deliveries_after.len(),
        1,
        "only the detractor: {deliveries_after:#?}"
    );
    assert_eq!(
        deliveries[0].json(),
        json!({ "text": "NPS 3 at store gangnam-01 (web-nps): \"the queue was too long\"" })
    );
    verify(&secret, &deliveries[0]).unwrap();
}

#[tokio::test]
async fn duplicates_and_disabled_webhooks_add_nothing_to_the_outbox() {
    let app = spawn_app().await;
    app.admin_post("/v1/admin/sites", &site_json())
        .await
        .assert_status(StatusCode::CREATED);
    app.admin_post(
        &format!("/v1/admin/sites/{SITE}/surveys"),
        &nps_survey_json(),
    )
    .await
    .assert_status(StatusCode::CREATED);
    // Nothing listens there, and the next try is 30 s away: the message stays waiting.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", closed.local_addr().unwrap());
    drop(closed);
    let (hook, _) = add_webhook(&app, json!({ "url": url })).await;
    let hook_path = format!("/v1/admin/sites/{SITE}/webhooks/{hook}");

    let response = response_json(&new_id(), 5);
    app.post("/v1/responses", &response)
        .await
        .assert_status(StatusCode::CREATED);
    app.post("/v1/responses", &response)
        .await
        .assert_status(StatusCode::OK);
    let waiting = app.admin_get(&format!("{hook_path}/outbox")).await;
    assert_eq!(
        waiting.body["total"], 1,
        "a duplicate sends nothing: {}",
        waiting.body
    );
    let message = &waiting.body["messages"][0];
    assert_eq!(
        message["body"]["data"]["response_id"],
        response["response_id"]
    );

    // Disabled: new responses make no message.
    let mut update = json!({ "url": url, "enabled": false });
    app.admin_put(&hook_path, &update)
        .await
        .assert_status(StatusCode::OK);
    app.post("/v1/responses", &response_json(&new_id(), 5))
        .await
        .assert_status(StatusCode::CREATED);
    let status = app.admin_get(&hook_path).await;
    assert_eq!(status.body["enabled"], false);
    assert_eq!(status.body["waiting"], 1);
    update["enabled"] = json!(true);
    app.admin_put(&hook_path, &update)
        .await
        .assert_status(StatusCode::OK);
}

#[tokio::test]
async fn webhooks_are_managed_through_the_admin_api() {
    let app = spawn_app_with_survey().await;
    let base = format!("/v1/admin/sites/{SITE}/webhooks");
    let (hook, secret) = add_webhook(
        &app,
        json!({ "url": "https://hooks.example/T0/B0", "surveys": ["nps"] }),
    )
    .await;

    // The secret is shown once.
    let list = app.admin_get(&base).await;
    list.assert_status(StatusCode::OK);
    assert_eq!(list.body.as_array().unwrap().len(), 1);
    assert_eq!(list.body[0]["payload"], "event");
    assert_eq!(list.body[0]["enabled"], true);
    assert!(
        !list.body.to_string().contains(&secret[6..]),
        "{}",
        list.body
    );
    let read = app.admin_get(&format!("{base}/{hook}")).await;
    assert!(read.body.get("secret").is_none());

    // A new secret replaces the old one, shown once.
    let rotated = app
        .admin_post(&format!("{base}/{hook}/rotate-secret"), &json!({}))
        .await;
    rotated.assert_status(StatusCode::OK);
    let new_secret = rotated.body["secret"].as_str().unwrap();
    assert!(new_secret.starts_with("whsec_") && new_secret != secret);

    let invalid = [
        (json!({ "url": "ftp://hooks.example" }), "url"),
        (
            json!({ "url": "https://hooks.example", "surveys": ["nope"] }),
            "surveys.0",
        ),
        (
            json!({ "url": "https://hooks.example", "when": { "kind": "nps", "at_most": 11 } }),
            "when.at_most",
        ),
        (
            json!({ "url": "https://hooks.example", "payload": "sms" }),
            "payload",
        ),
        (
            json!({ "url": "https://hooks.example", "secret": "mine" }),
            "secret",
        ),
    ];
    for (body, field) in invalid {
        let reply = app.admin_post(&base, &body).await;
        reply.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(reply.error().1.as_deref(), Some(field), "{body}");
    }
    let reply = app
        .admin_post(
            "/v1/admin/sites/nope/webhooks",
            &json!({ "url": "https://hooks.example" }),
        )
        .await;
    reply.assert_status(StatusCode::NOT_FOUND);
    assert_eq!(reply.error().0, "unknown_site");

    // Export keys do not manage webhooks.
    let (_, export_key) = app.create_key("export", Some(SITE)).await;
    app.get_with_key(&base, &export_key)
        .await
        .assert_status(StatusCode::FORBIDDEN);

    let deleted = app
        .client
        .delete(app.url(&format!("{base}/{hook}")))
        .bearer_auth(ADMIN_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let gone = app.admin_get(&format!("{base}/{hook}")).await;
    gone.assert_status(StatusCode::NOT_FOUND);
    assert_eq!(gone.error().0, "unknown_webhook");
}
