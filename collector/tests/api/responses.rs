//! `POST /v1/responses` and `/v1/responses/batch`: validation, idempotency, limits, origins.

use reqwest::StatusCode;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::*;

#[tokio::test]
async fn a_valid_response_is_stored_with_its_context() {
    let app = spawn_app_with_survey().await;
    let id = new_id();
    let mut body = response_json(&id, 3);
    body["answers"]["why"] = json!("택배가 늦었어요");
    let reply = app.post("/v1/responses", &body).await;
    reply.assert_status(StatusCode::CREATED);
    assert_eq!(reply.body, json!({ "response_id": id, "duplicate": false }));

    let stored = app.stored_responses().await;
    assert_eq!(stored.len(), 1);
    let r = &stored[0];
    assert_eq!(r["response_id"], json!(id));
    assert_eq!(r["answers"], json!({ "nps": 3, "why": "택배가 늦었어요" }));
    assert_eq!(r["context"]["channel"], "web");
    assert_eq!(
        r["context"]["page_url"], "https://shop.example/thanks",
        "query and fragment are dropped"
    );
    assert_eq!(r["context"]["locale"], "ko");
    assert_eq!(r["context"]["journey_stage"], "post_purchase");
    assert!(r["received_at"].as_i64().is_some() && r["seq"].as_u64() == Some(1));
}

#[tokio::test]
async fn fifty_concurrent_posts_of_one_id_store_it_once_and_all_succeed() {
    let app = spawn_app_with_survey().await;
    let id = new_id();
    let body = response_json(&id, 9);
    let posts = (0..50).map(|_| app.post("/v1/responses", &body));
    let replies = futures_join_all(posts).await;
    let mut fresh = 0;
    for reply in &replies {
        assert!(reply.status.is_success(), "{} {}", reply.status, reply.body);
        if reply.body["duplicate"] == json!(false) {
            fresh += 1;
            assert_eq!(reply.status, StatusCode::CREATED);
        } else {
            assert_eq!(reply.status, StatusCode::OK);
        }
    }
    assert_eq!(fresh, 1, "exactly one request stored it");
    assert_eq!(app.stored_responses().await.len(), 1);
}

/// Runs futures concurrently on this task (no extra dependency for `join_all`).
pub async fn futures_join_all<F: std::future::Future>(
    futures: impl IntoIterator<Item = F>,
) -> Vec<F::Output> {
    let mut set = Vec::new();
    for f in futures {
        set.push(Box::pin(f));
    }
    let mut outputs: Vec<Option<F::Output>> = set.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (slot, f) in outputs.iter_mut().zip(set.iter_mut()) {
            if slot.is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => *slot = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs
        .into_iter()
        .map(|o| o.expect("every future finished"))
        .collect()
}

#[tokio::test]
async fn a_wrong_answer_type_is_422_naming_the_field() {
    let app = spawn_app_with_survey().await;
    let mut body = response_json(&new_id(), 3);
    body["answers"]["nps"] = json!("ten");
    let reply = app.post("/v1/responses", &body).await;
    reply.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        reply.error(),
        ("invalid_type".into(), Some("answers.nps".into()))
    );

    let mut body = response_json(&new_id(), 11);
    body["answers"]["nps"] = json!(11);
    let reply = app.post("/v1/responses", &body).await;
    assert_eq!(
        reply.error(),
        ("out_of_range".into(), Some("answers.nps".into()))
    );

    // A follow-up answered although the score does not show it.
    let mut body = response_json(&new_id(), 9);
    body["answers"]["why"] = json!("nothing");
    let reply = app.post("/v1/responses", &body).await;
    assert_eq!(
        reply.error(),
        ("question_not_shown".into(), Some("answers.why".into()))
    );

    // A field of the wrong JSON type is named by its path too.
    let mut body = response_json(&new_id(), 9);
    body["context"]["channel"] = json!("fax");
    let reply = app.post("/v1/responses", &body).await;
    reply.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.error().1.as_deref(), Some("context.channel"));

    let mut body = response_json(&new_id(), 9);
    body.as_object_mut().unwrap().remove("survey_id");
    let reply = app.post("/v1/responses", &body).await;
    assert_eq!(reply.error(), ("required".into(), Some("survey_id".into())));

    let mut body = response_json("9b2f3c1e-2a4b-4c5d-8e6f-7a8b9c0d1e2f", 9);
    body["response_id"] = json!("9b2f3c1e-2a4b-4c5d-8e6f-7a8b9c0d1e2f");
    let reply = app.post("/v1/responses", &body).await;
    reply.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        reply.error().1.as_deref(),
        Some("response_id"),
        "a UUID v4 is refused"
    );
    assert!(
        app.stored_responses().await.is_empty(),
        "nothing invalid was stored"
    );
}

#[tokio::test]
async fn malformed_json_is_400_and_a_foreign_content_type_415() {
    let app = spawn_app_with_survey().await;
    let reply = app
        .post_raw("/v1/responses", |r| {
            r.header("content-type", "application/json")
                .body("{\"response_id\": ")
        })
        .await;
    reply.assert_status(StatusCode::BAD_REQUEST);
    assert_eq!(reply.error().0, "malformed_json");
    let reply = app
        .post_raw("/v1/responses", |r| {
            r.header("content-type", "application/xml").body("<a/>")
        })
        .await;
    reply.assert_status(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(reply.error().0, "unsupported_media_type");
}

#[tokio::test]
async fn a_beacon_sent_as_text_plain_is_accepted() {
    let app = spawn_app_with_survey().await;
    let body = response_json(&new_id(), 10).to_string();
    let reply = app
        .post_raw("/v1/responses", |r| {
            r.header("content-type", "text/plain;charset=UTF-8")
                .body(body)
        })
        .await;
    reply.assert_status(StatusCode::CREATED);
}

#[tokio::test]
async fn an_unknown_survey_site_or_version_is_404_naming_the_field() {
    let app = spawn_app_with_survey().await;
    let mut body = response_json(&new_id(), 9);
    body["survey_id"] = json!("ghost");
    let reply = app.post("/v1/responses", &body).await;
    reply.assert_status(StatusCode::NOT_FOUND);
    assert_eq!(
        reply.error(),
        ("unknown_survey".into(), Some("survey_id".into()))
    );

    let mut body = response_json(&new_id(), 9);
    body["survey_version"] = json!(7);
    let reply = app.post("/v1/responses", &body).await;
    reply.assert_status(StatusCode::NOT_FOUND);
    assert_eq!(
        reply.error(),
        (
            "unknown_survey_version".into(),
            Some("survey_version".into())
        )
    );

    let mut body = response_json(&new_id(), 9);
    body["context"]["site_id"] = json!("elsewhere");
    let reply = app.post("/v1/responses", &body).await;
    reply.assert_status(StatusCode::NOT_FOUND);
    assert_eq!(
        reply.error(),
        ("unknown_site".into(), Some("context.site_id".into()))
    );
}

#[tokio::test]
async fn a_post_from_a_foreign_origin_is_403() {
    let app = spawn_app_with_survey().await;
    let body = response_json(&new_id(), 9);
    let reply = app
        .post_raw("/v1/responses", |r| {
            r.header("Origin", "https://evil.example").json(&body)
        })
        .await;
    reply.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(reply.error().0, "origin_not_allowed");
    assert!(app.stored_responses().await.is_empty());

    // The collector's own pages (kiosk, receipt) are same-origin.
    let own = app.address.clone();
    let reply = app
        .post_raw("/v1/responses", |r| r.header("Origin", own).json(&body))
        .await;
    reply.assert_status(StatusCode::CREATED);
    // A client that is not a browser page sends no Origin.
    let reply = app
        .post_raw("/v1/responses", |r| r.json(&response_json(&new_id(), 8)))
        .await;
    reply.assert_status(StatusCode::CREATED);
}

#[tokio::test]
async fn an_oversized_body_is_413_with_or_without_a_length() {
    let app = spawn_app_with_survey().await;
    let mut body = response_json(&new_id(), 3);
    body["answers"]["why"] = json!("x".repeat(300 * 1024));
    let reply = app.post("/v1/responses", &body).await;
    reply.assert_status(StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.error().0, "payload_too_large");

    // Chunked: no Content-Length for the server to check up front.
    let addr = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /v1/responses HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = vec![b' '; 64 * 1024];
    for _ in 0..6 {
        let sent = async {
            stream
                .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .await?;
            stream.write_all(&chunk).await?;
            stream.write_all(b"\r\n").await
        };
        if sent.await.is_err() {
            break; // the server may close early, having answered already
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "got: {answer}");
    assert!(answer.contains("payload_too_large"), "got: {answer}");
}

#[tokio::test]
async fn a_batch_with_one_bad_item_stores_the_rest_and_reports_it() {
    let app = spawn_app_with_survey().await;
    let mut items: Vec<_> = (0..10).map(|i| response_json(&new_id(), i)).collect();
    items[6]["answers"]["nps"] = json!(42);
    let reply = app
        .post("/v1/responses/batch", &json!({ "responses": items }))
        .await;
    reply.assert_status(StatusCode::OK);
    assert_eq!(reply.body["stored"], 9);
    assert_eq!(reply.body["rejected"], 1);
    let results = reply.body["results"].as_array().unwrap();
    assert_eq!(results.len(), 10);
    let bad = &results[6];
    assert_eq!(bad["status"], "rejected");
    assert_eq!(bad["error"]["code"], "out_of_range");
    assert_eq!(bad["error"]["field"], "answers.nps");
    assert_eq!(bad["retry"], false, "a bad item will never succeed");
    assert!(
        results
            .iter()
            .enumerate()
            .all(|(i, r)| i == 6 || r["status"] == "stored")
    );
    assert_eq!(app.stored_responses().await.len(), 9);

    // Sending the same batch again stores nothing new: nine duplicates, the bad one rejected.
    let reply = app
        .post("/v1/responses/batch", &json!({ "responses": items }))
        .await;
    assert_eq!(
        (
            reply.body["stored"].as_u64(),
            reply.body["duplicates"].as_u64()
        ),
        (Some(0), Some(9))
    );
    assert_eq!(app.stored_responses().await.len(), 9);
}

#[tokio::test]
async fn a_batch_of_more_than_100_is_refused() {
    let app = spawn_app_with_survey().await;
    let items: Vec<_> = (0..101).map(|_| response_json(&new_id(), 5)).collect();
    let reply = app
        .post("/v1/responses/batch", &json!({ "responses": items }))
        .await;
    reply.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.error(), ("too_many".into(), Some("responses".into())));
    assert!(app.stored_responses().await.is_empty());
}

#[tokio::test]
async fn member_ids_are_stored_only_as_keyed_hashes() {
    let app = spawn_app_with_survey().await;
    let mut body = response_json(&new_id(), 9);
    body["context"]["member"] = json!("MEMBER-0042");
    app.post("/v1/responses", &body)
        .await
        .assert_status(StatusCode::CREATED);
    let stored = app.stored_responses().await;
    let member = stored[0]["context"]["member"].as_str().unwrap();
    assert_eq!(member.len(), 64);
    assert!(member.bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(!stored[0].to_string().contains("MEMBER-0042"));
}

#[tokio::test]
async fn when_too_many_writes_wait_the_rest_get_503_and_nothing_acknowledged_is_lost() {
    let app = spawn_app_with(|c| c.max_pending_writes = 1).await;
    app.admin_post("/v1/admin/sites", &site_json())
        .await
        .assert_status(StatusCode::CREATED);
    app.admin_post(
        &format!("/v1/admin/sites/{SITE}/surveys"),
        &nps_survey_json(),
    )
    .await
    .assert_status(StatusCode::CREATED);
    let bodies: Vec<_> = (0..200).map(|_| response_json(&new_id(), 9)).collect();
    let replies = futures_join_all(bodies.iter().map(|b| app.post("/v1/responses", b))).await;
    let (mut created, mut busy) = (0, 0);
    for reply in &replies {
        match reply.status {
            StatusCode::CREATED => created += 1,
            StatusCode::SERVICE_UNAVAILABLE => {
                busy += 1;
                assert_eq!(reply.error().0, "store_busy");
                assert_eq!(reply.headers["retry-after"], "1");
            }
            other => panic!("unexpected {other}: {}", reply.body),
        }
    }
    assert!(
        created > 0 && busy > 0,
        "{created} created, {busy} refused: the bound was not reached"
    );
    assert_eq!(
        app.stored_responses().await.len(),
        created,
        "exactly the acknowledged ones are stored"
    );
}
