//! `spawn_app()` and request helpers shared by the API tests.

use std::sync::Once;

use collector::clock::Clock;
use collector::store::{NewResponse, Store};
use collector::{Application, Config};
use reqwest::StatusCode;
use serde_json::{Value, json};
use shared::ids::MemberHash;
use shared::response::Response;
use shared::time::Timestamp;
use tempfile::TempDir;

pub const ADMIN_KEY: &str = "test-admin-key-0123456789";
pub const SITE: &str = "shop";
pub const ORIGIN: &str = "https://shop.example";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub clock: Clock,
    /// The running app's store, to seed many responses without HTTP.
    pub store: Store,
    _dir: TempDir,
}

fn init_logs() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            tracing_subscriber::fmt()
                .with_env_filter("info")
                .with_test_writer()
                .init();
        }
    });
}

/// A collector on an ephemeral port with an empty store, with `config` adjusted by `tune`.
pub async fn spawn_app_with(tune: impl FnOnce(&mut Config)) -> TestApp {
    init_logs();
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut config = Config::for_tests(dir.path().join("data"));
    tune(&mut config);
    let app = Application::build(&config).await.expect("the app builds");
    let address = format!("http://{}", app.local_addr());
    let clock = app.state().clock.clone();
    let store = app.state().store.clone();
    tokio::spawn(app.run_until(std::future::pending()));
    TestApp {
        address,
        client: reqwest::Client::new(),
        clock,
        store,
        _dir: dir,
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// A collector with site `shop` (origin https://shop.example, 1-day wait after any survey
/// shown) and an active NPS survey `nps` with a follow-up for detractors.
pub async fn spawn_app_with_survey() -> TestApp {
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
    app
}

pub fn site_json() -> Value {
    json!({
        "id": SITE,
        "name": "Shop",
        "allowed_origins": [ORIGIN],
        "policy": { "wait_after_shown": "1d", "wait_after_answered": "14d" }
    })
}

pub fn nps_survey_json() -> Value {
    json!({
        "id": "nps",
        "name": "After purchase",
        "status": "active",
        "default_locale": "en",
        "questions": [
            { "id": "nps", "kind": { "type": "nps" }, "required": true,
              "text": { "en": "How likely are you to recommend us?", "ko": "추천하시겠습니까?" } },
            { "id": "why", "kind": { "type": "open_text", "max_length": 200 },
              "show_if": { "question": "nps", "when": { "score_at_most": 6 } },
              "text": { "en": "What went wrong?", "ko": "무엇이 아쉬웠나요?" } }
        ]
    })
}

/// A fresh UUID version 7, as the widget makes them.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A valid response to the `nps` survey.
pub fn response_json(id: &str, nps: i64) -> Value {
    json!({
        "response_id": id,
        "survey_id": "nps",
        "survey_version": 1,
        "answers": { "nps": nps },
        "context": {
            "channel": "web",
            "site_id": SITE,
            "page_url": "https://shop.example/thanks?order=42#top",
            "locale": "ko",
            "journey_stage": "post_purchase"
        },
        "client_time": 1_763_855_198_000_i64
    })
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    #[track_caller]
    pub fn assert_status(&self, status: StatusCode) -> &Self {
        assert_eq!(self.status, status, "body: {}", self.body);
        self
    }

    /// Checks the error shape and returns (code, field).
    #[track_caller]
    pub fn error(&self) -> (String, Option<String>) {
        let error = &self.body["error"];
        assert!(
            error["message"].as_str().is_some_and(|m| !m.is_empty()),
            "no message in {}",
            self.body
        );
        (
            error["code"]
                .as_str()
                .unwrap_or_else(|| panic!("no error code in {}", self.body))
                .to_owned(),
            error["field"].as_str().map(str::to_owned),
        )
    }
}

async fn reply(response: reqwest::Response) -> Reply {
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.expect("a body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Reply {
        status,
        headers,
        body,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> Reply {
        reply(
            self.client
                .get(self.url(path))
                .send()
                .await
                .expect("request sent"),
        )
        .await
    }

    pub async fn get_with_authorization(&self, path: &str, authorization: &str) -> StatusCode {
        self.client
            .get(self.url(path))
            .header("Authorization", authorization)
            .send()
            .await
            .expect("request sent")
            .status()
    }

    pub async fn admin_get(&self, path: &str) -> Reply {
        reply(
            self.client
                .get(self.url(path))
                .bearer_auth(ADMIN_KEY)
                .send()
                .await
                .expect("request sent"),
        )
        .await
    }

    pub async fn admin_post(&self, path: &str, body: &Value) -> Reply {
        reply(
            self.client
                .post(self.url(path))
                .bearer_auth(ADMIN_KEY)
                .json(body)
                .send()
                .await
                .expect("request sent"),
        )
        .await
    }

    pub async fn admin_put(&self, path: &str, body: &Value) -> Reply {
        reply(
            self.client
                .put(self.url(path))
                .bearer_auth(ADMIN_KEY)
                .json(body)
                .send()
                .await
                .expect("request sent"),
        )
        .await
    }

    /// A POST as the shop's own pages send it (with the allowed `Origin`).
    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        reply(
            self.client
                .post(self.url(path))
                .header("Origin", ORIGIN)
                .json(body)
                .send()
                .await
                .expect("request sent"),
        )
        .await
    }

    pub async fn post_raw(
        &self,
        path: &str,
        request: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
    ) -> Reply {
        reply(
            request(self.client.post(self.url(path)))
                .send()
                .await
                .expect("request sent"),
        )
        .await
    }

    /// Every stored response of the site, through the admin API.
    pub async fn stored_responses(&self) -> Vec<Value> {
        let mut all = Vec::new();
        let mut after = 0;
        loop {
            let page = self
                .admin_get(&format!(
                    "/v1/admin/sites/{SITE}/responses?after={after}&limit=1000"
                ))
                .await;
            page.assert_status(StatusCode::OK);
            all.extend(
                page.body["responses"]
                    .as_array()
                    .expect("a list")
                    .iter()
                    .cloned(),
            );
            match page.body["next_after"].as_u64() {
                Some(next) => after = next,
                None => return all,
            }
        }
    }
}

impl TestApp {
    /// Stores responses through the writer directly (no HTTP, no validation), in groups as
    /// large as the writer takes, a few groups in flight, and waits until all are durable.
    pub async fn seed(&self, responses: impl IntoIterator<Item = Response<MemberHash>>) {
        let mut responses = responses.into_iter().peekable();
        let mut in_flight = std::collections::VecDeque::new();
        while responses.peek().is_some() {
            let mut group = Vec::new();
            for response in responses.by_ref().take(2_000) {
                let received_at = self.clock.now();
                group.push(
                    self.store
                        .put_response(NewResponse {
                            response,
                            received_at,
                            messages: Vec::new(),
                            repeat_window: shared::time::Period::ZERO,
                        })
                        .expect("the writer takes the job"),
                );
            }
            in_flight.push_back(group);
            if in_flight.len() == 3 {
                for pending in in_flight.pop_front().unwrap_or_default() {
                    pending.await.expect("stored");
                }
            }
        }
        for pending in in_flight.into_iter().flatten() {
            pending.await.expect("stored");
        }
    }

    /// Makes an API key through the admin API and returns (id, secret).
    pub async fn create_key(&self, scope: &str, site: Option<&str>) -> (String, String) {
        let reply = self
            .admin_post("/v1/admin/keys", &json!({ "scope": scope, "site": site }))
            .await;
        reply.assert_status(StatusCode::CREATED);
        (
            reply.body["id"].as_str().unwrap().to_owned(),
            reply.body["key"].as_str().unwrap().to_owned(),
        )
    }

    /// A GET with `key` as the bearer token.
    pub async fn get_with_key(&self, path: &str, key: &str) -> Reply {
        reply(
            self.client
                .get(self.url(path))
                .bearer_auth(key)
                .send()
                .await
                .expect("request sent"),
        )
        .await
    }
}

/// A stored response to survey `nps` of site `shop`, as the collector would have made it.
pub fn stored_response(
    survey_version: u32,
    answers: Value,
    context: Value,
) -> Response<MemberHash> {
    let mut ctx = json!({ "channel": "web", "site_id": SITE, "locale": "ko" });
    if let (Some(ctx), Some(extra)) = (ctx.as_object_mut(), context.as_object()) {
        ctx.extend(extra.clone());
    }
    serde_json::from_value(json!({
        "response_id": new_id(),
        "survey_id": "nps",
        "survey_version": survey_version,
        "answers": answers,
        "context": ctx,
        "client_time": Timestamp(1_763_855_198_000),
    }))
    .expect("a response")
}

/// Opens `f()` (a store or a sled database) again, retrying for a moment: another test of this
/// binary may be spawning a process (Python) right now, and a forked child holds sled's file
/// lock until it execs.
#[track_caller]
pub fn reopen<T, E: std::fmt::Debug>(mut f: impl FnMut() -> Result<T, E>) -> T {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        match f() {
            Ok(opened) => return opened,
            Err(e) if std::time::Instant::now() > deadline => panic!("cannot reopen: {e:?}"),
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
        }
    }
}
