//! The crash test: the real `nunchi` binary is SIGKILLed while clients post, five times over.
//! After each restart, every response that was acknowledged with a 2xx must be there, once.
//! A last round stops it with SIGTERM, which must let in-flight writes finish and exit cleanly.

// A test that cannot reach its server should stop right there, with the reason.
#![allow(clippy::unwrap_used)]

mod server;

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::{Value, json};
use server::Server;

const ADMIN_KEY: &str = "crash-test-admin-key-0123";
const CLIENTS: usize = 16;
const ROUNDS: usize = 5;

async fn start(data: &Path) -> Server {
    server::start(data, ADMIN_KEY, &[]).await
}

fn response(id: &str) -> Value {
    json!({
        "response_id": id,
        "survey_id": "nps",
        "survey_version": 1,
        "answers": { "nps": 4, "why": "the crash test says hello; 안녕하세요" },
        "context": { "channel": "kiosk", "site_id": "shop", "store_id": "gangnam", "locale": "ko" },
        "client_time": 1_763_855_198_000_i64
    })
}

/// Posts responses until the server goes away; returns the ids acknowledged with a 2xx.
async fn post_until_gone(base: String, acked: Arc<Mutex<Vec<String>>>) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let mut failures = 0;
    while failures < 3 {
        let id = uuid::Uuid::now_v7().to_string();
        match client
            .post(format!("{base}/v1/responses"))
            .json(&response(&id))
            .send()
            .await
        {
            Ok(r) if r.status().is_success() => {
                failures = 0;
                acked.lock().unwrap().push(id);
            }
            Ok(r) => panic!("unexpected status {} for a valid response", r.status()),
            Err(_) => {
                failures += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

async fn stored_ids(base: &str) -> Vec<String> {
    let client = reqwest::Client::new();
    let (mut ids, mut after) = (Vec::new(), 0);
    loop {
        let page: Value = client
            .get(format!(
                "{base}/v1/admin/sites/shop/responses?after={after}&limit=1000"
            ))
            .bearer_auth(ADMIN_KEY)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for r in page["responses"].as_array().unwrap() {
            ids.push(r["response_id"].as_str().unwrap().to_owned());
        }
        match page["next_after"].as_u64() {
            Some(next) => after = next,
            None => return ids,
        }
    }
}

async fn check_everything_acknowledged_is_stored_once(base: &str, acked: &[String], round: usize) {
    let stored = stored_ids(base).await;
    let unique: HashSet<&String> = stored.iter().collect();
    assert_eq!(
        unique.len(),
        stored.len(),
        "round {round}: a response was stored twice"
    );
    let missing: Vec<_> = acked.iter().filter(|id| !unique.contains(id)).collect();
    assert!(
        missing.is_empty(),
        "round {round}: {} acknowledged responses lost, e.g. {:?}",
        missing.len(),
        missing.first()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_responses_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut server = start(&data).await;
    let client = reqwest::Client::new();
    let site = json!({ "id": "shop", "name": "Shop", "allowed_origins": ["https://shop.example"] });
    let survey = json!({
        "id": "nps", "name": "NPS", "status": "active", "default_locale": "ko",
        "questions": [
            { "id": "nps", "kind": { "type": "nps" }, "required": true, "text": { "ko": "추천하시겠습니까?" } },
            { "id": "why", "kind": { "type": "open_text" }, "show_if": { "question": "nps", "when": { "score_at_most": 6 } },
              "text": { "ko": "무엇이 아쉬웠나요?" } }
        ]
    });
    for (path, body) in [
        ("/v1/admin/sites", &site),
        ("/v1/admin/sites/shop/surveys", &survey),
    ] {
        let r = client
            .post(format!("{}{path}", server.base))
            .bearer_auth(ADMIN_KEY)
            .json(body)
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            reqwest::StatusCode::CREATED,
            "{}",
            r.text().await.unwrap()
        );
    }

    let acked = Arc::new(Mutex::new(Vec::new()));
    for round in 1..=ROUNDS + 1 {
        let before = acked.lock().unwrap().len();
        let clients: Vec<_> = (0..CLIENTS)
            .map(|_| tokio::spawn(post_until_gone(server.base.clone(), acked.clone())))
            .collect();
        // Let the load run a little longer each round, so the kill lands at different points.
        tokio::time::sleep(Duration::from_millis(300 + 150 * round as u64)).await;
        let pid = Pid::from_raw(server.child.id() as i32);
        let graceful = round > ROUNDS;
        kill(
            pid,
            if graceful {
                Signal::SIGTERM
            } else {
                Signal::SIGKILL
            },
        )
        .unwrap();
        let status = server.child.wait().unwrap();
        if graceful {
            assert!(
                status.success(),
                "SIGTERM must end the collector cleanly, got {status}"
            );
        }
        for c in clients {
            c.await.unwrap();
        }
        let acked_now = acked.lock().unwrap().clone();
        assert!(
            acked_now.len() > before,
            "round {round}: the clients got no acknowledgement at all"
        );
        drop(server);
        server = start(&data).await;
        check_everything_acknowledged_is_stored_once(&server.base, &acked_now, round).await;
    }
}
