//! A webhook receiver for tests: a small axum server on loopback that records every request
//! and answers with scripted statuses, and a Standard Webhooks verifier written from the
//! specification (not the collector's own signing code).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::net::TcpListener;

/// One request the receiver got, and what it answered.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub content_type: String,
    pub body: String,
    pub answered: u16,
}

impl Delivery {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }
}

#[derive(Default)]
struct Inner {
    /// Statuses to answer, in order; then `otherwise`.
    script: VecDeque<u16>,
    otherwise: u16,
    received: Vec<Delivery>,
}

#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    inner: Arc<Mutex<Inner>>,
}

impl Receiver {
    /// A receiver on a fresh loopback port that answers `script`, then `otherwise`.
    pub async fn start(script: &[u16], otherwise: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::start_on(listener, script, otherwise)
    }

    pub fn start_on(listener: TcpListener, script: &[u16], otherwise: u16) -> Self {
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let inner = Arc::new(Mutex::new(Inner {
            script: script.iter().copied().collect(),
            otherwise,
            received: Vec::new(),
        }));
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(inner.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, inner }
    }

    pub fn deliveries(&self) -> Vec<Delivery> {
        self.inner.lock().unwrap().received.clone()
    }

    /// From now on, answer `status` (after what is left of the script).
    pub fn answer(&self, status: u16) {
        self.inner.lock().unwrap().otherwise = status;
    }

    /// Waits (at most 20 s) until `done` holds for what has been received, and returns it.
    pub async fn wait_until(&self, done: impl Fn(&[Delivery]) -> bool) -> Vec<Delivery> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let received = self.deliveries();
            if done(&received) {
                return received;
            }
            assert!(
                Instant::now() < deadline,
                "the receiver did not get what was expected; it got {received:#?}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

async fn receive(
    State(inner): State<Arc<Mutex<Inner>>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let mut inner = inner.lock().unwrap();
    let answered = inner.script.pop_front().unwrap_or(inner.otherwise);
    inner.received.push(Delivery {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        content_type: header("content-type"),
        body: String::from_utf8(body.to_vec()).unwrap(),
        answered,
    });
    StatusCode::from_u16(answered).unwrap()
}

/// Verifies a delivery as a Standard Webhooks receiver does: the secret is `whsec_` and
/// base64; the signature header holds space-separated `v1,<base64>` entries, one of which must
/// be the HMAC-SHA256 of `{id}.{timestamp}.{body}`; the timestamp must be within five minutes.
pub fn verify(secret: &str, delivery: &Delivery) -> Result<(), String> {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").ok_or("no whsec_ prefix")?)
        .map_err(|e| e.to_string())?;
    let timestamp: i64 = delivery.timestamp.parse().map_err(|_| "bad timestamp")?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    if (now - timestamp).abs() > 300 {
        return Err(format!(
            "timestamp {timestamp} is not within 5 minutes of {now}"
        ));
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.{}", delivery.id, delivery.timestamp, delivery.body).as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    delivery
        .signature
        .split(' ')
        .any(|s| s.strip_prefix("v1,") == Some(expected.as_str()))
        .then_some(())
        .ok_or_else(|| format!("no valid v1 signature in {:?}", delivery.signature))
}
