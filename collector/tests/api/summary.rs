//! Summaries: figures checked against a fixture worked out by hand, groups under the minimum
//! marked, periods, other sites and surveys left out, and bad parameters.

use reqwest::StatusCode;
use serde_json::{Value, json};
use shared::time::Period;

use crate::helpers::*;

/// A survey with one question of each kind a summary computes figures for.
fn mix_survey() -> Value {
    json!({
        "id": "mix",
        "name": "After the visit",
        "status": "active",
        "default_locale": "en",
        "questions": [
            { "id": "nps", "kind": { "type": "nps" }, "text": { "en": "Recommend us?" } },
            { "id": "csat", "kind": { "type": "csat" }, "text": { "en": "Satisfied?" } },
            { "id": "ces", "kind": { "type": "ces" }, "text": { "en": "Easy?" } },
            { "id": "reason", "kind": { "type": "single_choice", "choices": [
                { "id": "price", "text": { "en": "Price" } },
                { "id": "quality", "text": { "en": "Quality" } },
                { "id": "staff", "text": { "en": "Staff" } },
                { "id": "parking", "text": { "en": "Parking" } }
            ] }, "text": { "en": "Why?" } },
            { "id": "comment", "kind": { "type": "open_text" }, "text": { "en": "Anything else?" } }
        ]
    })
}

/// The fixture: (store, NPS, CSAT, CES, reason, comment); `None` is not answered.
type Row = (
    Option<&'static str>,
    i64,
    Option<i64>,
    Option<i64>,
    Option<&'static str>,
    Option<&'static str>,
);

const ROWS: [Row; 12] = [
    (
        Some("gangnam-01"),
        10,
        Some(5),
        Some(1),
        Some("price"),
        None,
    ),
    (
        Some("gangnam-01"),
        10,
        Some(4),
        Some(2),
        Some("quality"),
        None,
    ),
    (Some("gangnam-01"), 9, Some(4), Some(2), Some("price"), None),
    (Some("gangnam-01"), 9, Some(3), Some(3), Some("staff"), None),
    (
        Some("gangnam-01"),
        9,
        Some(2),
        Some(7),
        Some("price"),
        Some("the queue was too long"),
    ),
    (
        Some("gangnam-01"),
        8,
        Some(5),
        Some(5),
        Some("quality"),
        None,
    ),
    (Some("gangnam-01"), 7, None, None, None, None),
    (Some("hongdae-02"), 6, Some(1), None, None, Some("rude")),
    (Some("hongdae-02"), 3, Some(4), None, None, None),
    (Some("hongdae-02"), 0, None, None, None, None),
    (None, 10, None, None, None, None),
    (None, 9, None, None, None, None),
];

fn row_json(site: &str, (store, nps, csat, ces, reason, comment): Row) -> Value {
    let mut answers = json!({ "nps": nps });
    for (question, value) in [
        ("csat", csat.map(Value::from)),
        ("ces", ces.map(Value::from)),
        ("reason", reason.map(Value::from)),
        ("comment", comment.map(Value::from)),
    ] {
        if let Some(value) = value {
            answers[question] = value;
        }
    }
    let mut context = json!({ "channel": "kiosk", "site_id": site, "locale": "ko" });
    if let Some(store) = store {
        context["store_id"] = json!(store);
    }
    json!({
        "response_id": new_id(), "survey_id": "mix", "survey_version": 1,
        "answers": answers, "context": context, "client_time": 1_763_855_198_000_i64
    })
}

fn display_json(store: Option<&str>, kind: &str) -> Value {
    let mut context = json!({ "channel": "kiosk", "site_id": SITE, "locale": "ko" });
    if let Some(store) = store {
        context["store_id"] = json!(store);
    }
    json!({
        "display_id": new_id(), "survey_id": "mix", "survey_version": 1, "kind": kind,
        "context": context, "client_time": 1_763_855_198_000_i64
    })
}

/// A site `shop` with survey `mix`, the fixture's responses and displays (gangnam-01: 10 shown
/// and 2 dismissed; hongdae-02: 3 shown; none without a store); and another site with a survey
/// of the same id and responses that must not count.
async fn app_with_fixture() -> TestApp {
    let app = spawn_app().await;
    app.admin_post("/v1/admin/sites", &site_json())
        .await
        .assert_status(StatusCode::CREATED);
    app.admin_post(&format!("/v1/admin/sites/{SITE}/surveys"), &mix_survey())
        .await
        .assert_status(StatusCode::CREATED);
    for row in ROWS {
        app.post("/v1/responses", &row_json(SITE, row))
            .await
            .assert_status(StatusCode::CREATED);
    }
    let displays = [
        ("gangnam-01", "shown", 10),
        ("gangnam-01", "dismissed", 2),
        ("hongdae-02", "shown", 3),
    ];
    for (store, kind, times) in displays {
        for _ in 0..times {
            app.post("/v1/displays", &display_json(Some(store), kind))
                .await
                .assert_status(StatusCode::CREATED);
        }
    }

    let mut other = site_json();
    other["id"] = json!("other-shop");
    app.admin_post("/v1/admin/sites", &other)
        .await
        .assert_status(StatusCode::CREATED);
    app.admin_post("/v1/admin/sites/other-shop/surveys", &mix_survey())
        .await
        .assert_status(StatusCode::CREATED);
    for _ in 0..4 {
        let row = (
            Some("gangnam-01"),
            0,
            Some(1),
            Some(7),
            Some("parking"),
            None,
        );
        app.post("/v1/responses", &row_json("other-shop", row))
            .await
            .assert_status(StatusCode::CREATED);
    }
    app
}

#[track_caller]
fn close(actual: &Value, expected: f64) {
    let actual = actual
        .as_f64()
        .unwrap_or_else(|| panic!("{actual} is not a number"));
    assert!(
        (actual - expected).abs() < 1e-9,
        "{actual} is not {expected}"
    );
}

fn question<'a>(group: &'a Value, id: &str) -> &'a Value {
    group["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["id"] == id)
        .unwrap_or_else(|| panic!("no question {id} in {group}"))
}

#[tokio::test]
async fn summary_figures_equal_the_hand_computed_ones() {
    let app = app_with_fixture().await;
    let reply = app
        .admin_get(&format!("/v1/admin/sites/{SITE}/surveys/mix/summary"))
        .await;
    reply.assert_status(StatusCode::OK);
    let total = &reply.body["total"];
    assert_eq!(total["responses"], 12, "only this site's survey: {total}");
    assert_eq!(
        (total["displays"].as_u64(), total["dismissals"].as_u64()),
        (Some(13), Some(2))
    );
    close(&total["response_rate"], 12.0 / 13.0);
    assert_eq!(total["below_minimum"], false);

    // NPS: 10 10 9 9 9 8 7 6 3 0 10 9 → 7 promoters, 2 passives, 3 detractors of 12.
    // score = 100 · (7 − 3)/12 = 33.333…;
    // var = (7/12 + 3/12 − (4/12)²)/12 = 0.060185185…; margin = 1.96 · √var · 100 = 48.084031…
    let nps = question(total, "nps");
    assert_eq!(nps["kind"], "nps");
    assert_eq!(nps["answered"], 12);
    let figures = &nps["nps"];
    assert_eq!(
        (
            &figures["promoters"],
            &figures["passives"],
            &figures["detractors"]
        ),
        (&json!(7), &json!(2), &json!(3))
    );
    close(&figures["score"], 33.333_333_333_333_336);
    close(&figures["margin"], 48.084_031_383_340_495);
    close(&figures["ci95"]["low"], -14.750_698_050_007_16);
    close(&figures["ci95"]["high"], 81.417_364_716_673_83);
    close(&figures["promoter_share"], 7.0 / 12.0);
    assert_eq!(
        nps["distribution"],
        json!({ "0": 1, "1": 0, "2": 0, "3": 1, "4": 0, "5": 0, "6": 1, "7": 1, "8": 1, "9": 4, "10": 3 })
    );

    // CSAT: 5 4 4 3 2 5 1 4 → 5 of 8 satisfied (4–5) = 0.625; mean 28/8 = 3.5.
    let csat = question(total, "csat");
    assert_eq!(csat["answered"], 8);
    assert_eq!(csat["csat"]["satisfied"], 5);
    close(&csat["csat"]["satisfied_share"], 0.625);
    close(&csat["csat"]["mean"], 3.5);
    assert_eq!(
        csat["distribution"],
        json!({ "1": 1, "2": 1, "3": 1, "4": 3, "5": 2 })
    );

    // CES: 1 2 2 3 7 5 → mean 20/6 = 3.333…
    let ces = question(total, "ces");
    assert_eq!(ces["answered"], 6);
    close(&ces["mean"], 20.0 / 6.0);

    // Reasons: price ×3, quality ×2, staff ×1, parking never (it was only picked elsewhere).
    let reason = question(total, "reason");
    assert_eq!(reason["answered"], 6);
    assert_eq!(
        reason["distribution"],
        json!({ "price": 3, "quality": 2, "staff": 1, "parking": 0 })
    );
    assert_eq!(
        reason["top_choices"],
        json!([
            { "choice": "price", "count": 3, "share": 0.5 },
            { "choice": "quality", "count": 2, "share": 2.0 / 6.0 },
            { "choice": "staff", "count": 1, "share": 1.0 / 6.0 }
        ])
    );
    assert_eq!(question(total, "comment")["answered"], 2);
    assert_eq!(reply.body["groups"], json!([]), "no grouping asked for");
}

#[tokio::test]
async fn groups_under_the_minimum_are_marked_not_hidden() {
    let app = app_with_fixture().await;
    let reply = app
        .admin_get(&format!(
            "/v1/admin/sites/{SITE}/surveys/mix/summary?group_by=store"
        ))
        .await;
    reply.assert_status(StatusCode::OK);
    assert_eq!(reply.body["min_count"], 5);
    let groups = reply.body["groups"].as_array().unwrap();
    let keys: Vec<&Value> = groups.iter().map(|g| &g["key"]).collect();
    assert_eq!(
        keys,
        [&Value::Null, &json!("gangnam-01"), &json!("hongdae-02")]
    );
    let by = |store: Value| groups.iter().find(|g| g["key"] == store).unwrap();

    // gangnam-01: 10 10 9 9 9 8 7 → 5 promoters, 2 passives of 7: 500/7 = 71.43 points,
    // var = (5/7 − (5/7)²)/7 = 10/343, margin = 33.466…; the interval stops at 100.
    let gangnam = by(json!("gangnam-01"));
    assert_eq!(
        (
            gangnam["responses"].as_u64(),
            gangnam["below_minimum"].as_bool()
        ),
        (Some(7), Some(false))
    );
    assert_eq!(
        (gangnam["displays"].as_u64(), gangnam["dismissals"].as_u64()),
        (Some(10), Some(2))
    );
    close(&gangnam["response_rate"], 0.7);
    let nps = &question(gangnam, "nps")["nps"];
    close(&nps["score"], 500.0 / 7.0);
    close(&nps["margin"], 33.466_401_061_363_02);
    close(&nps["ci95"]["low"], 37.962_170_367_208_41);
    close(&nps["ci95"]["high"], 100.0);
    // CSAT there: 5 4 4 3 2 5 → 4 of 6 satisfied, mean 23/6.
    close(
        &question(gangnam, "csat")["csat"]["satisfied_share"],
        4.0 / 6.0,
    );
    close(&question(gangnam, "csat")["csat"]["mean"], 23.0 / 6.0);

    // hongdae-02: 6 3 0, three detractors: −100 with no spread; 3 responses < 5: marked.
    let hongdae = by(json!("hongdae-02"));
    assert_eq!(
        (
            hongdae["responses"].as_u64(),
            hongdae["below_minimum"].as_bool()
        ),
        (Some(3), Some(true))
    );
    close(&hongdae["response_rate"], 1.0);
    let nps = &question(hongdae, "nps")["nps"];
    close(&nps["score"], -100.0);
    close(&nps["margin"], 0.0);

    // No store: 2 responses, no displays, so no rate.
    let none = by(Value::Null);
    assert_eq!(
        (none["responses"].as_u64(), none["below_minimum"].as_bool()),
        (Some(2), Some(true))
    );
    assert_eq!(none["response_rate"], Value::Null);

    // A lower minimum unmarks them; figures do not change.
    let reply = app
        .admin_get(&format!(
            "/v1/admin/sites/{SITE}/surveys/mix/summary?group_by=store&min_count=2&store=hongdae-02,gangnam-01"
        ))
        .await;
    reply.assert_status(StatusCode::OK);
    let groups = reply.body["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2, "filtered to two stores");
    assert!(groups.iter().all(|g| g["below_minimum"] == false));
    assert_eq!(reply.body["total"]["responses"], 10);
}

#[tokio::test]
async fn summaries_group_by_period_in_a_utc_offset() {
    let app = spawn_app().await;
    app.admin_post("/v1/admin/sites", &site_json())
        .await
        .assert_status(StatusCode::CREATED);
    app.admin_post(&format!("/v1/admin/sites/{SITE}/surveys"), &mix_survey())
        .await
        .assert_status(StatusCode::CREATED);
    let first_day = app.clock.now();
    for nps in [10, 2] {
        let row = (None, nps, None, None, None, None);
        app.post("/v1/responses", &row_json(SITE, row))
            .await
            .assert_status(StatusCode::CREATED);
    }
    app.clock.advance(Period::days(1));
    let row = (None, 9, None, None, None, None);
    app.post("/v1/responses", &row_json(SITE, row))
        .await
        .assert_status(StatusCode::CREATED);

    let reply = app
        .admin_get(&format!(
            "/v1/admin/sites/{SITE}/surveys/mix/summary?interval=day&utc_offset=%2B09:00&group_by=channel"
        ))
        .await;
    reply.assert_status(StatusCode::OK);
    assert_eq!(reply.body["utc_offset"], "+09:00");
    let groups = reply.body["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2, "{groups:#?}");
    let seoul = time::UtcOffset::from_hms(9, 0, 0).unwrap();
    let day_of = |ms: i64| {
        let date = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
            .unwrap()
            .to_offset(seoul)
            .date();
        format!(
            "{:04}-{:02}-{:02}",
            date.year(),
            u8::from(date.month()),
            date.day()
        )
    };
    let (day_one, day_two) = (day_of(first_day.millis()), day_of(app.clock.now().millis()));
    assert_eq!(groups[0]["period"], day_one.as_str());
    assert_eq!(
        groups[0]["period_start"],
        format!("{day_one}T00:00:00+09:00")
    );
    assert_eq!(groups[0]["key"], "kiosk");
    assert_eq!(groups[0]["responses"], 2);
    close(&question(&groups[0], "nps")["nps"]["score"], 0.0);
    assert_eq!(groups[1]["period"], day_two.as_str());
    assert_eq!(groups[1]["responses"], 1);

    // Weeks and months name themselves the ISO way.
    let reply = app
        .admin_get(&format!(
            "/v1/admin/sites/{SITE}/surveys/mix/summary?interval=week"
        ))
        .await;
    reply.assert_status(StatusCode::OK);
    let week = reply.body["groups"][0]["period"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(week.len() == 8 && week.as_bytes()[4..6] == *b"-W", "{week}");
    assert!(
        reply.body["groups"][0].get("key").is_none(),
        "no group_by, no key"
    );
}

#[tokio::test]
async fn summary_needs_an_export_or_admin_key_for_its_site() {
    let app = app_with_fixture().await;
    let path = format!("/v1/admin/sites/{SITE}/surveys/mix/summary");
    let (_, export_key) = app.create_key("export", Some(SITE)).await;
    let (_, other_key) = app.create_key("export", Some("other-shop")).await;
    let (_, receipts_key) = app.create_key("receipts", Some(SITE)).await;
    app.get_with_key(&path, &export_key)
        .await
        .assert_status(StatusCode::OK);
    for key in [other_key, receipts_key] {
        let reply = app.get_with_key(&path, &key).await;
        reply.assert_status(StatusCode::FORBIDDEN);
        assert_eq!(reply.error().0, "insufficient_scope");
    }
    app.get(&path).await.assert_status(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn bad_summary_parameters_get_machine_readable_errors() {
    let app = app_with_fixture().await;
    let base = format!("/v1/admin/sites/{SITE}/surveys/mix/summary");
    let cases = [
        ("?group_by=city", "invalid_parameter", "group_by"),
        ("?interval=year", "invalid_parameter", "interval"),
        ("?min_count=-1", "invalid_parameter", "min_count"),
        ("?min_count=five", "invalid_parameter", "min_count"),
        ("?utc_offset=KST", "invalid_parameter", "utc_offset"),
        ("?from=yesterday", "invalid_time", "from"),
        ("?from=2025-11-02&to=2025-11-01", "invalid_time", "to"),
        ("?channel=fax", "invalid_parameter", "channel"),
        (
            "?journey_stage=browsing",
            "invalid_parameter",
            "journey_stage",
        ),
        (
            "?interval=day&interval=week",
            "invalid_parameter",
            "interval",
        ),
        ("?format=csv", "unknown_parameter", "query"),
    ];
    for (query, code, field) in cases {
        let reply = app.admin_get(&format!("{base}{query}")).await;
        reply.assert_status(StatusCode::BAD_REQUEST);
        assert_eq!(
            reply.error(),
            (code.to_owned(), Some(field.to_owned())),
            "{query}"
        );
    }
    let reply = app
        .admin_get(&format!("/v1/admin/sites/{SITE}/surveys/nope/summary"))
        .await;
    reply.assert_status(StatusCode::NOT_FOUND);
    assert_eq!(reply.error().0, "unknown_survey");
    let reply = app
        .admin_get("/v1/admin/sites/nope/surveys/mix/summary")
        .await;
    reply.assert_status(StatusCode::NOT_FOUND);
    assert_eq!(reply.error().0, "unknown_site");
}

/// A store written before the display index existed gets it on its next open, so summaries
/// count old displays too.
#[tokio::test]
async fn displays_stored_before_the_display_index_existed_are_indexed_on_open() {
    use collector::store::{Store, StoreOptions};

    let dir = tempfile::tempdir().unwrap();
    let (store, writer) = Store::open(dir.path(), &StoreOptions::default()).unwrap();
    for i in 0..5 {
        let display = serde_json::from_value(display_json(Some("gangnam-01"), "shown")).unwrap();
        store
            .put_display(display, shared::time::Timestamp(i))
            .unwrap()
            .await
            .unwrap();
    }
    drop(store);
    writer.join();

    // Take the display index away, as in a store from before it.
    let db = reopen(|| sled::open(dir.path()));
    let events = db.open_tree("events").unwrap();
    for prefix in [b'K', b'M'] {
        for key in events.scan_prefix([prefix]).keys() {
            events.remove(key.unwrap()).unwrap();
        }
    }
    db.flush().unwrap();
    drop((events, db));

    let (store, _writer) = reopen(|| Store::open(dir.path(), &StoreOptions::default()));
    let site = shared::ids::SiteId::parse(SITE).unwrap();
    let survey = shared::ids::SurveyId::parse("mix").unwrap();
    assert_eq!(store.scan_displays(&site, &survey).count(), 5);
    let other = shared::ids::SurveyId::parse("nps").unwrap();
    assert_eq!(store.scan_displays(&site, &other).count(), 0);
}
