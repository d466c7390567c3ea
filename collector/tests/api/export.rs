//! `GET /v1/admin/sites/{site}/export`: CSV read back by two parsers, the cursor under
//! concurrent ingest, filters, errors, and a stream that holds one page.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use collector::export::{self, ExportQuery, PAGE_BYTES, PAGE_ROWS, Progress};
use futures_util::StreamExt as _;
use reqwest::StatusCode;
use serde_json::{Value, json};
use shared::ids::SiteId;

use crate::helpers::*;

const EXPORT: &str = "/v1/admin/sites/shop/export";

/// The `nps` survey's second version: `why` is gone, `again` (thumbs) and a question whose id
/// is also a context column's name are new.
fn nps_survey_v2() -> Value {
    json!({
        "id": "nps",
        "name": "After purchase",
        "status": "active",
        "default_locale": "en",
        "questions": [
            { "id": "nps", "kind": { "type": "nps" }, "required": true,
              "text": { "en": "How likely are you to recommend us?" } },
            { "id": "again", "kind": { "type": "thumbs" },
              "text": { "en": "Would you buy again?" } },
            { "id": "channel", "kind": { "type": "open_text" },
              "text": { "en": "Where did you hear of us?" } }
        ]
    })
}

async fn app_with_two_versions() -> TestApp {
    let app = spawn_app_with_survey().await;
    app.admin_put("/v1/admin/sites/shop/surveys/nps", &nps_survey_v2())
        .await
        .assert_status(StatusCode::OK);
    app
}

/// The i-th of the hundred thousand: detractors explain themselves in Korean, one of them with
/// a formula; every tenth answers version 2.
fn hundred_thousand(i: usize) -> shared::response::Response<shared::ids::MemberHash> {
    let store = json!({ "store_id": format!("store-{}", i % 7), "journey_stage": "post_purchase" });
    if i % 10 == 9 {
        return stored_response(
            2,
            json!({ "nps": 10, "again": true, "channel": "친구" }),
            store,
        );
    }
    let nps = (i % 11) as i64;
    let answers = match (i, nps) {
        (0, _) => json!({ "nps": 0, "why": "=HYPERLINK(\"http://evil.example\",\"환불\")" }),
        (_, 0..=6) => json!({ "nps": nps, "why": format!("배송이 늦었어요, \"정말\"\n#{i}") }),
        _ => json!({ "nps": nps }),
    };
    stored_response(1, answers, store)
}

#[tokio::test]
async fn a_hundred_thousand_responses_export_as_csv_that_two_parsers_read_back() {
    let started = Instant::now();
    let app = app_with_two_versions().await;
    let n = 100_000;
    app.seed((0..n).map(hundred_thousand)).await;
    let seeded = started.elapsed();

    let mut response = app
        .client
        .get(app.url(&format!("{EXPORT}?format=csv&survey=nps&bom=true")))
        .bearer_auth(ADMIN_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert_eq!(
        response.headers()["nunchi-next-cursor"],
        n.to_string().as_str()
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.csv");
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.unwrap() {
        bytes.extend_from_slice(&chunk);
    }
    std::fs::write(&path, &bytes).unwrap();
    assert!(
        bytes.starts_with("\u{feff}seq,".as_bytes()),
        "a BOM, then the header"
    );

    // The csv crate.
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let header = reader.headers().unwrap().clone();
    let columns = 18 + 4;
    assert_eq!(header.len(), columns, "{header:?}");
    assert_eq!(&header[0], "seq", "the BOM is not part of the first name");
    let names: Vec<&str> = header.iter().skip(18).collect();
    assert_eq!(
        names,
        ["nps", "again", "answer.channel", "why"],
        "the latest version's questions, then the older ones'"
    );
    let (mut rows, mut korean, mut formula) = (0, 0, None);
    for (i, record) in reader.records().enumerate() {
        let record = record.unwrap();
        assert_eq!(record.len(), columns);
        assert_eq!(record[0], (i + 1).to_string(), "ingest order");
        let why = &record[21];
        if i == 0 {
            formula = Some(why.to_owned());
        } else if i == 5 {
            assert_eq!(why, "배송이 늦었어요, \"정말\"\n#5");
        }
        if why.starts_with("배송이") {
            korean += 1;
        }
        if i % 10 == 9 {
            assert_eq!(
                (&record[4], &record[19], &record[20]),
                ("2", "true", "친구")
            );
        }
        assert!(
            !record
                .iter()
                .any(|cell| cell.starts_with(['=', '+', '-', '@'])),
            "row {i}: {record:?}"
        );
        rows += 1;
    }
    assert_eq!(rows, n);
    assert_eq!(
        korean,
        (1..n).filter(|i| i % 10 != 9 && i % 11 <= 6).count()
    );
    assert_eq!(
        formula.as_deref(),
        Some("'=HYPERLINK(\"http://evil.example\",\"환불\")"),
        "the formula is text"
    );

    // Python's csv module, as a data team would read it.
    let script = r#"
import csv, json, sys
with open(sys.argv[1], newline="", encoding="utf-8-sig") as f:
    rows = list(csv.reader(f))
header, body = rows[0], rows[1:]
print(json.dumps({"columns": len(header), "rows": len(body), "first": header[0],
                  "widths": sorted({len(r) for r in body}),
                  "korean": body[5][header.index("why")], "formula": body[0][header.index("why")]}))
"#;
    let output = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&path)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seen: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        seen,
        json!({
            "columns": columns, "rows": n, "first": "seq", "widths": [columns],
            "korean": "배송이 늦었어요, \"정말\"\n#5",
            "formula": "'=HYPERLINK(\"http://evil.example\",\"환불\")"
        })
    );
    eprintln!(
        "100,000 responses: seeded in {seeded:?}, exported and read back twice in {:?} ({} MB of CSV)",
        started.elapsed() - seeded,
        bytes.len() / 1_000_000
    );
}

/// Pulls every new response (NDJSON) after `cursor`; returns the ids and the next cursor.
async fn pull_ndjson(app: &TestApp, key: &str, cursor: &str) -> (Vec<String>, String) {
    let response = app
        .client
        .get(app.url(&format!("{EXPORT}?format=ndjson&cursor={cursor}")))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let next = response.headers()["nunchi-next-cursor"]
        .to_str()
        .unwrap()
        .to_owned();
    let text = response.text().await.unwrap();
    let ids = text
        .lines()
        .map(|line| {
            let record: Value = serde_json::from_str(line).unwrap();
            record["response_id"].as_str().unwrap().to_owned()
        })
        .collect();
    (ids, next)
}

/// Pulls JSON pages of at most 250 until one says there is no more.
async fn pull_json_pages(app: &TestApp, key: &str, cursor: &str) -> (Vec<String>, String) {
    let (mut ids, mut cursor) = (Vec::new(), cursor.to_owned());
    loop {
        let page = app
            .get_with_key(
                &format!("{EXPORT}?format=json&limit=250&cursor={cursor}"),
                key,
            )
            .await;
        page.assert_status(StatusCode::OK);
        for r in page.body["responses"].as_array().unwrap() {
            ids.push(r["response_id"].as_str().unwrap().to_owned());
        }
        cursor = page.body["next_cursor"].as_str().unwrap().to_owned();
        assert_eq!(page.headers["nunchi-next-cursor"], cursor.as_str());
        if page.body["has_more"] == json!(false) {
            return (ids, cursor);
        }
    }
}

#[tokio::test]
async fn pulls_by_cursor_during_five_thousand_concurrent_responses_get_each_exactly_once() {
    let started = Instant::now();
    let app = Arc::new(spawn_app_with_survey().await);
    let (_, key) = app.create_key("export", Some(SITE)).await;
    let done = Arc::new(AtomicBool::new(false));

    // Two data teams pull every 200 ms, one NDJSON, one JSON pages, each with its own cursor.
    let puller = |json_pages: bool| {
        let (app, key, done) = (app.clone(), key.clone(), done.clone());
        tokio::spawn(async move {
            let (mut seen, mut cursor, mut pulls_with_news) = (Vec::new(), "0".to_owned(), 0);
            loop {
                // Read the flag first: a pull that starts after the last write was
                // acknowledged must bring everything.
                let last = done.load(Ordering::SeqCst);
                let (ids, next) = if json_pages {
                    pull_json_pages(&app, &key, &cursor).await
                } else {
                    pull_ndjson(&app, &key, &cursor).await
                };
                if !last && !ids.is_empty() {
                    pulls_with_news += 1;
                }
                seen.extend(ids);
                cursor = next;
                if last {
                    return (seen, pulls_with_news);
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    };
    let ndjson = puller(false);
    let pages = puller(true);

    // Sixteen clients send 5,000 responses: singles and batches of ten, concurrently.
    let writers: Vec<_> = (0..16)
        .map(|w| {
            let app = app.clone();
            tokio::spawn(async move {
                let mut sent = Vec::new();
                let mut i = w;
                while i < 5_000 {
                    // Customers trickle in over a few seconds rather than all at once: about
                    // 57 sends per writer, 25 ms apart, so the ingest lasts at least 1.4 s
                    // however fast the machine, and pulls 200 ms apart see it arrive.
                    tokio::time::sleep(Duration::from_millis(25)).await;
                    if (i / 16) % 2 == 0 {
                        let id = new_id();
                        let reply = app.post("/v1/responses", &response_json(&id, 9)).await;
                        reply.assert_status(StatusCode::CREATED);
                        sent.push(id);
                        i += 16;
                    } else {
                        let ids: Vec<String> = (0..10)
                            .take_while(|k| i + 16 * k < 5_000)
                            .map(|_| new_id())
                            .collect();
                        let batch: Vec<Value> =
                            ids.iter().map(|id| response_json(id, 10)).collect();
                        let reply = app
                            .post("/v1/responses/batch", &json!({ "responses": batch }))
                            .await;
                        reply.assert_status(StatusCode::OK);
                        assert_eq!(reply.body["stored"], json!(ids.len()), "{}", reply.body);
                        i += 16 * ids.len();
                        sent.extend(ids);
                    }
                }
                sent
            })
        })
        .collect();
    let mut sent = HashSet::new();
    for writer in writers {
        sent.extend(writer.await.unwrap());
    }
    assert_eq!(sent.len(), 5_000);
    done.store(true, Ordering::SeqCst);

    for (name, puller) in [("ndjson", ndjson), ("json pages", pages)] {
        let (seen, pulls) = puller.await.unwrap();
        let unique: HashSet<&String> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "{name}: a response came twice");
        assert_eq!(seen.len(), 5_000, "{name}: responses are missing");
        assert!(unique.iter().all(|id| sent.contains(*id)), "{name}");
        assert!(
            pulls > 3,
            "{name}: only {pulls} pulls brought news during the ingest"
        );
    }
    eprintln!(
        "5,000 concurrent responses pulled by cursor in {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn filters_select_by_survey_time_channel_store_and_journey_stage() {
    let app = spawn_app_with_survey().await;
    let mut other = nps_survey_json();
    other["id"] = json!("kiosk");
    app.admin_post("/v1/admin/sites/shop/surveys", &other)
        .await
        .assert_status(StatusCode::CREATED);
    let early = app.clock.now();
    app.seed([
        stored_response(
            1,
            json!({"nps": 1}),
            json!({"channel": "web", "journey_stage": "pre_purchase"}),
        ),
        stored_response(
            1,
            json!({"nps": 2}),
            json!({"channel": "kiosk", "store_id": "gangnam", "journey_stage": "purchase"}),
        ),
    ])
    .await;
    app.clock.advance(shared::time::Period::hours(2));
    let late = app.clock.now();
    let mut kiosk = stored_response(
        1,
        json!({"nps": 3}),
        json!({"channel": "kiosk", "store_id": "hongdae", "journey_stage": "post_purchase"}),
    );
    kiosk.survey_id = shared::ids::SurveyId::parse("kiosk").unwrap();
    app.seed([
        stored_response(
            1,
            json!({"nps": 4}),
            json!({"channel": "app", "store_id": "gangnam"}),
        ),
        kiosk,
    ])
    .await;

    let scores = |query: String| {
        let app = &app;
        async move {
            let page = app
                .admin_get(&format!("{EXPORT}?format=json&{query}"))
                .await;
            page.assert_status(StatusCode::OK);
            page.body["responses"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["answers"]["nps"].as_i64().unwrap())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(scores(String::new()).await, [1, 2, 4, 3]);
    assert_eq!(scores("survey=nps".into()).await, [1, 2, 4]);
    assert_eq!(scores("survey=kiosk".into()).await, [3]);
    assert_eq!(scores("channel=kiosk".into()).await, [2, 3]);
    assert_eq!(scores("channel=kiosk,app".into()).await, [2, 4, 3]);
    assert_eq!(scores("channel=web&channel=app".into()).await, [1, 4]);
    assert_eq!(scores("store=gangnam".into()).await, [2, 4]);
    assert_eq!(
        scores("journey_stage=purchase,post_purchase".into()).await,
        [2, 3]
    );
    assert_eq!(scores(format!("from={}", late.millis())).await, [4, 3]);
    assert_eq!(scores(format!("to={}", late.millis())).await, [1, 2]);
    assert_eq!(
        scores(format!(
            "from={}&to={}&survey=nps&store=gangnam",
            early.millis(),
            late.millis()
        ))
        .await,
        [2]
    );
    // NDJSON with filters reads the same rows.
    let text = app
        .client
        .get(app.url(&format!("{EXPORT}?format=ndjson&channel=kiosk")))
        .bearer_auth(ADMIN_KEY)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(text.lines().count(), 2);
}

#[tokio::test]
async fn bad_query_strings_get_clear_errors() {
    let app = spawn_app_with_survey().await;
    app.seed([stored_response(1, json!({"nps": 9}), json!({}))])
        .await;
    let cases: &[(&str, StatusCode, &str, &str)] = &[
        (
            "format=xlsx",
            StatusCode::BAD_REQUEST,
            "unknown_format",
            "format",
        ),
        (
            "from=yesterday",
            StatusCode::BAD_REQUEST,
            "invalid_time",
            "from",
        ),
        (
            "to=2025-13-01",
            StatusCode::BAD_REQUEST,
            "invalid_time",
            "to",
        ),
        (
            "from=2025-11-24&to=2025-11-23",
            StatusCode::BAD_REQUEST,
            "invalid_time",
            "to",
        ),
        (
            "cursor=abc",
            StatusCode::BAD_REQUEST,
            "invalid_cursor",
            "cursor",
        ),
        (
            "cursor=-1",
            StatusCode::BAD_REQUEST,
            "invalid_cursor",
            "cursor",
        ),
        (
            "cursor=99",
            StatusCode::BAD_REQUEST,
            "invalid_cursor",
            "cursor",
        ),
        (
            "channel=fax",
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            "channel",
        ),
        (
            "journey_stage=checkout",
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            "journey_stage",
        ),
        (
            "store=a%20b",
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            "store",
        ),
        (
            "format=json&limit=0",
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            "limit",
        ),
        (
            "format=csv&survey=nps&limit=5",
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            "limit",
        ),
        (
            "format=ndjson&bom=true",
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            "bom",
        ),
        (
            "format=csv",
            StatusCode::BAD_REQUEST,
            "survey_required",
            "survey",
        ),
        (
            "format=csv&format=json",
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            "format",
        ),
        (
            "sort=desc",
            StatusCode::BAD_REQUEST,
            "unknown_parameter",
            "query",
        ),
        (
            "survey=ghost",
            StatusCode::NOT_FOUND,
            "unknown_survey",
            "survey",
        ),
    ];
    for (query, status, code, field) in cases {
        let reply = app.admin_get(&format!("{EXPORT}?{query}")).await;
        assert_eq!(reply.status, *status, "{query}: {}", reply.body);
        assert_eq!(
            reply.error(),
            ((*code).to_owned(), Some((*field).to_owned())),
            "{query}"
        );
    }
    let reply = app.admin_get("/v1/admin/sites/ghost/export").await;
    reply.assert_status(StatusCode::NOT_FOUND);
    assert_eq!(reply.error().0, "unknown_site");
    // A cursor at the end is fine: nothing new.
    let reply = app
        .admin_get(&format!("{EXPORT}?format=json&cursor=1"))
        .await;
    reply.assert_status(StatusCode::OK);
    assert_eq!(reply.body["responses"], json!([]));
    assert_eq!(reply.body["next_cursor"], "1");
}

/// The stream reads a page only when the client has taken the one before, and no page is
/// larger than [`PAGE_BYTES`] and one row: the collector holds one page, whatever the size.
#[tokio::test]
async fn an_export_stream_holds_one_page_at_a_time() {
    let app = spawn_app_with_survey().await;
    let n = 20_000;
    app.seed((0..n).map(|i| {
        stored_response(
            1,
            json!({ "nps": 3, "why": format!("{i}: {}", "아".repeat(i % 150)) }),
            json!({}),
        )
    }))
    .await;
    let site = SiteId::parse(SITE).unwrap();
    for format in ["ndjson", "csv"] {
        let pairs = vec![
            ("format".to_owned(), format.to_owned()),
            ("survey".to_owned(), "nps".to_owned()),
        ];
        let query = ExportQuery::parse(
            site.clone(),
            &pairs,
            app.store.catalog(),
            app.store.committed_response_seq(),
        )
        .unwrap();
        let progress = Arc::new(Progress::default());
        let mut body = Box::pin(export::stream(&app.store, &query, progress.clone(), || {
            true
        }));
        if format == "csv" {
            let header = body.next().await.unwrap().unwrap();
            assert!(header.starts_with(b"seq,"));
            assert_eq!(progress.scanned.load(Ordering::Relaxed), 0, "{format}");
        }
        let first = body.next().await.unwrap().unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let scanned = progress.scanned.load(Ordering::Relaxed) as usize;
        assert!(
            scanned <= PAGE_ROWS,
            "{format}: {scanned} rows read while the client holds the first page"
        );
        let (mut pages, mut largest, mut bytes) = (1, first.len(), first.len());
        while let Some(page) = body.next().await {
            let page = page.unwrap();
            pages += 1;
            largest = largest.max(page.len());
            bytes += page.len();
        }
        assert_eq!(progress.rows.load(Ordering::Relaxed), n as u64, "{format}");
        assert!(
            largest <= PAGE_BYTES + 4 * 1024,
            "{format}: a page of {largest} bytes"
        );
        assert!(
            pages >= n / PAGE_ROWS,
            "{format}: {pages} pages for {bytes} bytes"
        );
        eprintln!("{format}: {n} rows, {bytes} bytes in {pages} pages of at most {largest} bytes");
    }
}

/// A store written before the site and survey indexes existed gets them on its next open.
#[tokio::test]
async fn responses_stored_before_the_indexes_existed_are_indexed_on_open() {
    use collector::store::{IndexScope, NewResponse, Store, StoreOptions};

    let dir = tempfile::tempdir().unwrap();
    let (store, writer) = Store::open(dir.path(), &StoreOptions::default()).unwrap();
    for i in 0..30 {
        store
            .put_response(NewResponse {
                response: stored_response(1, json!({ "nps": i % 11 }), json!({})),
                received_at: shared::time::Timestamp(i),
                messages: Vec::new(),
                repeat_window: shared::time::Period::ZERO,
            })
            .unwrap()
            .await
            .unwrap();
    }
    drop(store);
    writer.join();

    // Take the indexes away, as in a store from before them.
    let db = reopen(|| sled::open(dir.path()));
    let events = db.open_tree("events").unwrap();
    for prefix in [b'I', b'J', b'M'] {
        for key in events.scan_prefix([prefix]).keys() {
            events.remove(key.unwrap()).unwrap();
        }
    }
    db.flush().unwrap();
    drop((events, db));

    let (store, writer) = reopen(|| Store::open(dir.path(), &StoreOptions::default()));
    let site = SiteId::parse(SITE).unwrap();
    let survey = shared::ids::SurveyId::parse("nps").unwrap();
    let seqs = |scope| {
        store
            .scan_responses(scope, 0, u64::MAX)
            .map(|r| r.unwrap().seq)
            .collect::<Vec<_>>()
    };
    assert_eq!(seqs(IndexScope::Site(&site)), (1..=30).collect::<Vec<_>>());
    assert_eq!(seqs(IndexScope::Survey(&site, &survey)).len(), 30);
    assert_eq!(
        store
            .scan_responses(IndexScope::Site(&site), 10, 12)
            .count(),
        2
    );
    drop(store);
    writer.join();
}
