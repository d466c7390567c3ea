//! Summaries from the rollups equal the full scan, to the last digit, for random queries on
//! random responses: two survey versions (scores, text, single and multiple choice, thumbs), kiosk repeat presses, displays,
//! and erasures of both.

use collector::store::{Erasure, NewResponse};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{RngExt, SeedableRng};
use reqwest::StatusCode;
use serde_json::{Value, json};
use shared::display::DisplayEvent;
use shared::ids::{MemberHash, SiteId};
use shared::time::Period;

use crate::helpers::*;

const SUMMARY: &str = "/v1/admin/sites/shop/surveys/nps/summary";

fn v2() -> Value {
    let mut survey = nps_survey_json();
    let text = json!({ "en": "?" });
    let choices = |ids: &[&str]| -> Value {
        ids.iter()
            .map(|id| json!({ "id": id, "text": { "en": id } }))
            .collect()
    };
    survey["questions"]
        .as_array_mut()
        .unwrap()
        .extend([
            json!({ "id": "pick", "kind": { "type": "single_choice", "choices": choices(&["a", "b", "c"]) }, "text": text }),
            json!({ "id": "tags", "kind": { "type": "multiple_choice", "choices": choices(&["x", "y", "z"]) }, "text": text }),
            json!({ "id": "thumb", "kind": { "type": "thumbs" }, "text": text }),
        ]);
    survey
}

fn answers(rng: &mut StdRng, version: u32) -> Value {
    let mut answers = json!({ "nps": rng.random_range(0..=10) });
    if rng.random_bool(0.3) {
        answers["why"] = json!(["slow", "  ", "kind staff"].choose(rng).unwrap());
    }
    if version == 2 {
        if rng.random_bool(0.8) {
            answers["pick"] = json!(["a", "b", "c"].choose(rng).unwrap());
        }
        let tags: Vec<&str> = ["x", "y", "z"]
            .into_iter()
            .filter(|_| rng.random_bool(0.4))
            .collect();
        answers["tags"] = json!(tags);
        answers["thumb"] = json!(rng.random_bool(0.6));
    }
    answers
}

fn context(rng: &mut StdRng) -> Value {
    let channel = *["web", "kiosk", "app"].choose(rng).unwrap();
    let locale = *["ko", "en"].choose(rng).unwrap();
    let mut ctx = json!({ "channel": channel, "locale": locale });
    if rng.random_bool(0.8) {
        ctx["store_id"] = json!(["gangnam", "hongdae", "busan"].choose(rng).unwrap());
    }
    if rng.random_bool(0.7) {
        ctx["journey_stage"] = json!(["purchase", "post_purchase"].choose(rng).unwrap());
    }
    if ctx["channel"] == "kiosk" {
        ctx["kiosk_id"] = json!(["k1", "k2"].choose(rng).unwrap());
    }
    ctx
}

/// A random query string of every kind the summary accepts.
fn query(rng: &mut StdRng, start: i64, end: i64) -> String {
    let mut q = Vec::new();
    if rng.random_bool(0.6) {
        let by = ["store", "channel", "journey_stage", "locale"]
            .choose(rng)
            .unwrap();
        q.push(format!("group_by={by}"));
    }
    if rng.random_bool(0.6) {
        q.push(format!(
            "interval={}",
            ["day", "week", "month"].choose(rng).unwrap()
        ));
    }
    if rng.random_bool(0.7) {
        let quarters: i32 = rng.random_range(-48..=56);
        let sign = if quarters < 0 { '-' } else { '+' };
        let minutes = quarters.unsigned_abs() * 15;
        q.push(format!(
            "utc_offset={}{:02}:{:02}",
            if sign == '+' {
                "%2B".to_owned()
            } else {
                "-".to_owned()
            },
            minutes / 60,
            minutes % 60
        ));
    }
    let time = |rng: &mut StdRng| -> i64 {
        let at = rng.random_range(start - 86_400_000..end + 86_400_000);
        match rng.random_range(0..3) {
            0 => at - at.rem_euclid(15 * 60 * 1000),
            1 => at - at.rem_euclid(3_600_000),
            _ => at,
        }
    };
    let (mut from, mut to) = (time(rng), time(rng));
    if from > to {
        std::mem::swap(&mut from, &mut to);
    }
    if rng.random_bool(0.5) && from < to {
        q.push(format!("from={from}"));
    }
    if rng.random_bool(0.4) && from < to {
        q.push(format!("to={to}"));
    }
    if rng.random_bool(0.25) {
        q.push(format!(
            "channel={}",
            ["web", "kiosk", "web,app"].choose(rng).unwrap()
        ));
    }
    if rng.random_bool(0.25) {
        q.push(format!(
            "store={}",
            ["gangnam", "busan,hongdae"].choose(rng).unwrap()
        ));
    }
    if rng.random_bool(0.2) {
        q.push("journey_stage=purchase".into());
    }
    q.join("&")
}

#[tokio::test]
async fn rollups_answer_every_query_as_the_scan_does() {
    let app = spawn_app_with_survey().await;
    app.admin_put("/v1/admin/sites/shop/surveys/nps", &v2())
        .await
        .assert_status(StatusCode::OK);
    let mut rng = StdRng::seed_from_u64(13);
    let start = app.clock.now().millis();
    let mut last_kiosk: Option<shared::response::Response<MemberHash>> = None;
    for _ in 0..600 {
        app.clock
            .advance(Period::seconds(rng.random_range(1..14_400)));
        if rng.random_bool(0.25) {
            let mut ctx = context(&mut rng);
            ctx["site_id"] = json!(SITE);
            let kind = *["shown", "shown", "dismissed"].choose(&mut rng).unwrap();
            let display: DisplayEvent<MemberHash> = serde_json::from_value(json!({
                "display_id": new_id(),
                "survey_id": "nps",
                "survey_version": 2,
                "kind": kind,
                "context": ctx,
                "client_time": app.clock.now(),
            }))
            .unwrap();
            app.store
                .put_display(display, app.clock.now())
                .unwrap()
                .await
                .unwrap();
        }
        // A kiosk pressed again with the same answers: stored, flagged, not counted.
        let response = match (&last_kiosk, rng.random_bool(0.1)) {
            (Some(kiosk), true) => {
                let mut again = kiosk.clone();
                again.response_id = shared::ids::ResponseId::parse(&new_id()).unwrap();
                again.client_time = shared::time::Timestamp(kiosk.client_time.millis() + 1_000);
                again
            }
            _ => {
                let version = rng.random_range(1..=2);
                let mut response =
                    stored_response(version, answers(&mut rng, version), context(&mut rng));
                response.client_time = app.clock.now();
                response
            }
        };
        if response.context.kiosk_id.is_some() {
            last_kiosk = Some(response.clone());
        }
        app.store
            .put_response(NewResponse {
                response,
                received_at: app.clock.now(),
                messages: Vec::new(),
                repeat_window: Period::seconds(5),
            })
            .unwrap()
            .await
            .unwrap();
    }
    let end = app.clock.now().millis();
    let erasure = Erasure {
        site: SiteId::parse(SITE).unwrap(),
        responses: (1..=600).filter(|_| rng.random_bool(0.15)).collect(),
        displays: (1..=150).filter(|_| rng.random_bool(0.15)).collect(),
        member: None,
    };
    let erased = app.store.erase(erasure).unwrap().await.unwrap();
    assert!(erased.responses > 50 && erased.displays > 5, "{erased:?}");

    let flagged = app
        .stored_responses()
        .await
        .iter()
        .filter(|r| r.get("flag").is_some())
        .count();
    assert!(flagged > 5, "some presses repeat: {flagged}");

    for _ in 0..250 {
        let q = query(&mut rng, start, end);
        let rollups = app.admin_get(&format!("{SUMMARY}?{q}")).await;
        rollups.assert_status(StatusCode::OK);
        let scan = app.admin_get(&format!("{SUMMARY}?{q}&source=scan")).await;
        assert_eq!(rollups.body, scan.body, "{q}");
    }
    let whole = app.admin_get(SUMMARY).await;
    let counted = whole.body["total"]["responses"].as_u64().unwrap();
    assert!(counted > 300, "{counted}");
}
