//! Kiosks: the heartbeat and its admin list, and repeated presses stored flagged, not counted.

use reqwest::StatusCode;
use serde_json::{Value, json};
use shared::time::Period;

use crate::helpers::*;

fn beat(kiosk: &str, backlog: u32) -> Value {
    json!({
        "site_id": SITE,
        "store_id": "gangnam-01",
        "kiosk_id": kiosk,
        "backlog": backlog,
        "widget_version": "0.4.1",
        "client_time": 1_763_855_198_000_i64
    })
}

fn kiosks(list: &Reply) -> &Vec<Value> {
    list.body["kiosks"].as_array().expect("a list of kiosks")
}

#[tokio::test]
async fn a_heartbeat_is_listed_overwritten_and_goes_stale() {
    let app = spawn_app_with_survey().await;
    let before = app.clock.now().0;
    let first = app.post("/v1/kiosks/heartbeat", &beat("k1", 7)).await;
    first.assert_status(StatusCode::OK);
    let seen = first.body["last_seen"].as_i64().unwrap();
    assert!(
        (before..=app.clock.now().0).contains(&seen),
        "the collector's clock, not the kiosk's"
    );

    app.clock.advance(Period::seconds(30));
    app.post("/v1/kiosks/heartbeat", &beat("k1", 0))
        .await
        .assert_status(StatusCode::OK);
    app.post("/v1/kiosks/heartbeat", &beat("k2", 3))
        .await
        .assert_status(StatusCode::OK);

    let list = app
        .admin_get(&format!("/v1/admin/sites/{SITE}/kiosks"))
        .await;
    list.assert_status(StatusCode::OK);
    assert_eq!(list.body["stale_after"], 600);
    let all = kiosks(&list);
    assert_eq!(all.len(), 2, "one record per kiosk: {}", list.body);
    let k1 = &all[0];
    assert_eq!(k1["kiosk_id"], "k1");
    assert_eq!(k1["store_id"], "gangnam-01");
    assert_eq!(k1["backlog"], 0, "the latest heartbeat wins");
    assert_eq!(k1["widget_version"], "0.4.1");
    assert!(k1["last_seen"].as_i64().unwrap() >= seen + 30_000);
    assert_eq!(k1["client_time"], 1_763_855_198_000_i64);
    assert!(k1["seconds_since_seen"].as_u64().unwrap() <= 1);
    assert_eq!(k1["stale"], false);

    app.clock.advance(Period::minutes(11));
    let list = app
        .admin_get(&format!("/v1/admin/sites/{SITE}/kiosks"))
        .await;
    let k1 = &kiosks(&list)[0];
    assert!((660..=661).contains(&k1["seconds_since_seen"].as_u64().unwrap()));
    assert_eq!(k1["stale"], true);
    let list = app
        .admin_get(&format!("/v1/admin/sites/{SITE}/kiosks?stale_after=3600"))
        .await;
    assert_eq!(kiosks(&list)[0]["stale"], false);
    assert_eq!(list.body["stale_after"], 3600);
}

#[tokio::test]
async fn a_bad_heartbeat_gets_a_clear_error() {
    let app = spawn_app_with_survey().await;
    let mut bad_version = beat("k1", 1);
    bad_version["widget_version"] = json!("<script>");
    let reply = app.post("/v1/kiosks/heartbeat", &bad_version).await;
    reply.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.error().1.as_deref(), Some("widget_version"));

    let mut negative = beat("k1", 1);
    negative["backlog"] = json!(-1);
    let reply = app.post("/v1/kiosks/heartbeat", &negative).await;
    reply.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.error().1.as_deref(), Some("backlog"));

    let mut unknown = beat("k1", 1);
    unknown["battery"] = json!(80);
    app.post("/v1/kiosks/heartbeat", &unknown)
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY);

    let mut other_site = beat("k1", 1);
    other_site["site_id"] = json!("nowhere");
    let reply = app.post("/v1/kiosks/heartbeat", &other_site).await;
    reply.assert_status(StatusCode::NOT_FOUND);
    assert_eq!(reply.error().1.as_deref(), Some("site_id"));

    let reply = app
        .post_raw("/v1/kiosks/heartbeat", |r| {
            r.header("Origin", "https://evil.example")
                .json(&beat("k1", 1))
        })
        .await;
    reply.assert_status(StatusCode::FORBIDDEN);

    // Nothing of the above was kept; the list needs a key.
    let list = app
        .admin_get(&format!("/v1/admin/sites/{SITE}/kiosks"))
        .await;
    assert!(kiosks(&list).is_empty(), "{}", list.body);
    assert_eq!(
        app.get(&format!("/v1/admin/sites/{SITE}/kiosks"))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    app.admin_get("/v1/admin/sites/nowhere/kiosks")
        .await
        .assert_status(StatusCode::NOT_FOUND);
}

/// One press at a kiosk: a response on the kiosk channel.
fn press(nps: i64, client_time: i64) -> Value {
    json!({
        "response_id": new_id(),
        "survey_id": "nps",
        "survey_version": 1,
        "answers": { "nps": nps },
        "context": {
            "channel": "kiosk",
            "site_id": SITE,
            "store_id": "gangnam-01",
            "kiosk_id": "k1",
            "locale": "ko"
        },
        "client_time": client_time
    })
}

const T: i64 = 1_763_855_198_000;

async fn summary_count(app: &TestApp) -> u64 {
    let reply = app
        .admin_get(&format!("/v1/admin/sites/{SITE}/surveys/nps/summary"))
        .await;
    reply.assert_status(StatusCode::OK);
    reply.body["total"]["responses"].as_u64().unwrap()
}

fn flagged(stored: &[Value]) -> usize {
    stored
        .iter()
        .filter(|r| r["flag"] == "repeat_press")
        .count()
}

#[tokio::test]
async fn ten_presses_of_one_smiley_within_five_seconds_count_once() {
    let app = spawn_app_with_survey().await;
    let mut first_id = None;
    for i in 0..10 {
        let body = press(9, T + i * 450);
        first_id.get_or_insert_with(|| body["response_id"].clone());
        app.post("/v1/responses", &body)
            .await
            .assert_status(StatusCode::CREATED);
    }
    assert_eq!(summary_count(&app).await, 1, "one counted");

    let stored = app.stored_responses().await;
    assert_eq!(stored.len(), 10, "every press is kept");
    assert_eq!(flagged(&stored), 9);
    let first_id = first_id.unwrap();
    assert!(stored[0]["flag"].is_null());
    assert!(
        stored[1..].iter().all(|r| r["repeat_of"] == first_id),
        "each repeat names the counted press"
    );

    let csv = app
        .client
        .get(app.url(&format!(
            "/v1/admin/sites/{SITE}/export?format=csv&survey=nps"
        )))
        .bearer_auth(ADMIN_KEY)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (flag, repeat_of) = (column("flagged"), column("repeat_of"));
    let rows: Vec<_> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 10, "the export has every press");
    assert_eq!(
        rows.iter().filter(|r| &r[flag] == "repeat_press").count(),
        9
    );
    assert_eq!(&rows[0][flag], "");
    assert_eq!(&rows[9][repeat_of], first_id.as_str().unwrap());
}

#[tokio::test]
async fn presses_six_seconds_apart_or_with_other_answers_both_count() {
    let app = spawn_app_with_survey().await;
    for body in [
        press(9, T),
        press(9, T + 6_000),
        press(3, T + 7_000),
        press(9, T + 8_000),
    ] {
        app.post("/v1/responses", &body)
            .await
            .assert_status(StatusCode::CREATED);
    }
    assert_eq!(summary_count(&app).await, 4);
    assert_eq!(flagged(&app.stored_responses().await), 0);
}

#[tokio::test]
async fn a_duplicate_response_id_is_a_duplicate_not_a_repeated_press() {
    let app = spawn_app_with_survey().await;
    let body = press(9, T);
    app.post("/v1/responses", &body)
        .await
        .assert_status(StatusCode::CREATED);
    let again = app.post("/v1/responses", &body).await;
    again.assert_status(StatusCode::OK);
    assert_eq!(again.body["duplicate"], true);
    let stored = app.stored_responses().await;
    assert_eq!(stored.len(), 1);
    assert_eq!(flagged(&stored), 0);
}

#[tokio::test]
async fn a_late_batch_is_compared_by_client_time_and_the_window_is_the_sites() {
    let app = spawn_app_with_survey().await;
    // An offline kiosk delivers its presses in one batch, a day later.
    app.clock.advance(Period::days(1));
    let batch = json!({ "responses": [press(9, T), press(9, T + 2_000), press(9, T + 20_000)] });
    app.post("/v1/responses/batch", &batch)
        .await
        .assert_status(StatusCode::OK);
    assert_eq!(
        summary_count(&app).await,
        2,
        "the press 2 s later repeats the first"
    );

    // Other kiosks and other channels are not repeats of this one.
    let mut other_kiosk = press(9, T + 21_000);
    other_kiosk["context"]["kiosk_id"] = json!("k2");
    let mut web = response_json(&new_id(), 9);
    web["client_time"] = json!(T + 21_000);
    for body in [other_kiosk, web] {
        app.post("/v1/responses", &body)
            .await
            .assert_status(StatusCode::CREATED);
    }
    assert_eq!(summary_count(&app).await, 4);

    // A site that counts every press.
    let mut site = site_json();
    site["repeat_press_window"] = json!(0);
    app.admin_put(&format!("/v1/admin/sites/{SITE}"), &site)
        .await
        .assert_status(StatusCode::OK);
    app.post("/v1/responses", &press(9, T + 20_500))
        .await
        .assert_status(StatusCode::CREATED);
    assert_eq!(summary_count(&app).await, 5);

    site["repeat_press_window"] = json!("11m");
    let reply = app
        .admin_put(&format!("/v1/admin/sites/{SITE}"), &site)
        .await;
    reply.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.error().1.as_deref(), Some("repeat_press_window"));
}

#[tokio::test]
async fn a_press_that_arrives_late_is_compared_with_the_kiosks_latest_and_never_replaces_it() {
    let app = spawn_app_with_survey().await;
    // Retries reorder two presses: the later one (T + 3 s) arrives first.
    for body in [press(9, T + 3_000), press(9, T), press(9, T + 7_000)] {
        app.post("/v1/responses", &body)
            .await
            .assert_status(StatusCode::CREATED);
    }
    // T is within 5 s of T + 3 s; T + 7 s is compared with T + 3 s (the latest), not with T.
    assert_eq!(summary_count(&app).await, 1);
    let stored = app.stored_responses().await;
    assert_eq!(flagged(&stored), 2);
    assert!(
        stored[1..]
            .iter()
            .all(|r| r["repeat_of"] == stored[0]["response_id"])
    );
}
