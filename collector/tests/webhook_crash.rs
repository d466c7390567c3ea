//! The webhook outbox survives a crash: the real `nunchi` binary is SIGKILLed while clients
//! post and its webhook receiver is down. After a restart, with the receiver up, every
//! response that was acknowledged is delivered, by exactly one message.

// A test that cannot reach its server should stop right there, with the reason.
#![allow(clippy::unwrap_used)]
// Shared with the API tests, which use all of it.
#![allow(dead_code, unreachable_pub)]

mod receiver;

mod server;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::{Value, json};
use server::Server;

use receiver::{Receiver, verify};

const ADMIN_KEY: &str = "webhook-crash-admin-key-01";
const CLIENTS: usize = 4;

/// The collector, trying failed webhooks again after 50–100 ms (doubling to 1 s), nearly forever.
async fn start(data: &Path) -> Server {
    let retries = [
        "--webhook-retry-ms",
        "100",
        "--webhook-max-retry-ms",
        "1000",
        "--webhook-attempts",
        "100000",
    ];
    server::start(data, ADMIN_KEY, &retries).await
}

async fn admin_post(base: &str, path: &str, body: &Value) -> Value {
    let r = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .bearer_auth(ADMIN_KEY)
        .json(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::CREATED);
    r.json().await.unwrap()
}

/// Posts responses until the server goes away, keeping the ids acknowledged with a 2xx.
async fn post_until_gone(base: String, acked: Arc<Mutex<Vec<String>>>) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let mut failures = 0;
    while failures < 3 {
        let id = uuid::Uuid::now_v7().to_string();
        let response = json!({
            "response_id": id, "survey_id": "nps", "survey_version": 1,
            "answers": { "nps": 2, "why": "결제가 안 됐어요" },
            "context": { "channel": "kiosk", "site_id": "shop", "store_id": "gangnam-01", "locale": "ko" },
            "client_time": 1_763_855_198_000_i64
        });
        match client
            .post(format!("{base}/v1/responses"))
            .json(&response)
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_acknowledged_while_the_receiver_is_down_are_delivered_after_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = start(&data).await;
    admin_post(
        &server.base,
        "/v1/admin/sites",
        &json!({ "id": "shop", "name": "Shop", "allowed_origins": ["*"] }),
    )
    .await;
    admin_post(
        &server.base,
        "/v1/admin/sites/shop/surveys",
        &json!({
            "id": "nps", "name": "NPS", "status": "active", "default_locale": "ko",
            "questions": [
                { "id": "nps", "kind": { "type": "nps" }, "required": true, "text": { "ko": "추천?" } },
                { "id": "why", "kind": { "type": "open_text" }, "text": { "ko": "왜요?" } }
            ]
        }),
    )
    .await;
    // The receiver's port, with nothing listening on it yet.
    let receiver_port = server::free_port();
    let hook = admin_post(
        &server.base,
        "/v1/admin/sites/shop/webhooks",
        &json!({ "url": format!("http://127.0.0.1:{receiver_port}/hook") }),
    )
    .await;
    let secret = hook["secret"].as_str().unwrap().to_owned();

    // Clients post while every webhook try is refused; the kill lands mid-load.
    let acked = Arc::new(Mutex::new(Vec::new()));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| tokio::spawn(post_until_gone(server.base.clone(), acked.clone())))
        .collect();
    tokio::time::sleep(Duration::from_millis(800)).await;
    kill(Pid::from_raw(server.child.id() as i32), Signal::SIGKILL).unwrap();
    for c in clients {
        c.await.unwrap();
    }
    drop(server);
    let acked: HashSet<String> = acked.lock().unwrap().iter().cloned().collect();
    assert!(!acked.is_empty(), "no response was acknowledged");

    // The receiver comes up, then the collector again.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", receiver_port))
        .await
        .expect("the receiver's port is still free");
    let receiver = Receiver::start_on(listener, &[], 200);
    let _server = start(&data).await;
    let response_of = |body: &Value| body["data"]["response_id"].as_str().unwrap().to_owned();
    let deliveries = receiver
        .wait_until(|got| {
            let delivered: HashSet<String> = got.iter().map(|d| response_of(&d.json())).collect();
            acked.iter().all(|id| delivered.contains(id))
        })
        .await;

    // One message per response: retried tries share the message's id, and no response has
    // two messages.
    let mut messages: HashMap<String, HashSet<String>> = HashMap::new();
    for delivery in &deliveries {
        verify(&secret, delivery).unwrap();
        messages
            .entry(response_of(&delivery.json()))
            .or_default()
            .insert(delivery.id.clone());
    }
    assert!(
        messages.values().all(|ids| ids.len() == 1),
        "a response had two messages"
    );
    eprintln!(
        "{} responses acknowledged before the kill, {} delivered after the restart ({} requests)",
        acked.len(),
        messages.len(),
        deliveries.len()
    );
}
