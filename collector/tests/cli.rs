//! The `keys`, `export`, `erase` and `receipt` commands of the real `nunchi` binary, against a real data directory
//! and a real collector: keys made on a stopped collector's directory, incremental exports with
//! a cursor file, revocation through the admin API.

// A test that cannot reach its server should stop right there, with the reason.
#![allow(clippy::unwrap_used)]

mod server;

use std::path::Path;
use std::process::{Command, Output};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::{Value, json};
use server::Server;

const ADMIN_KEY: &str = "cli-test-admin-key-0123456";

/// Stops the collector as an operator would (SIGTERM), expecting a clean exit.
fn stop(mut server: Server) {
    kill(Pid::from_raw(server.child.id() as i32), Signal::SIGTERM).unwrap();
    assert!(server.child.wait().unwrap().success());
}

async fn start(data: &Path) -> Server {
    server::start(data, ADMIN_KEY, &[]).await
}

/// Runs `nunchi` with `args` (off the async runtime) and returns its output.
async fn nunchi(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_nunchi"))
            .args(&args)
            .env("NUNCHI_LOG", "warn")
            .env_remove("NUNCHI_URL")
            .env_remove("NUNCHI_ADMIN_KEY")
            .env_remove("NUNCHI_KEY")
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

#[track_caller]
fn succeeded(output: &Output) -> String {
    assert!(
        output.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

async fn post_responses(base: &str, n: usize) {
    let client = reqwest::Client::new();
    for i in 0..n {
        let reply = client
            .post(format!("{base}/v1/responses"))
            .json(&json!({
                "response_id": uuid::Uuid::now_v7().to_string(),
                "survey_id": "nps",
                "survey_version": 1,
                "answers": { "nps": 3, "why": format!("포장이 찢어졌어요 {i}") },
                "context": { "channel": "kiosk", "site_id": "shop", "store_id": "gangnam", "locale": "ko" },
                "client_time": 1_763_855_198_000_i64
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 201);
    }
}

fn csv_rows(path: &Path) -> Vec<csv::StringRecord> {
    csv::Reader::from_path(path)
        .unwrap()
        .records()
        .map(Result::unwrap)
        .collect()
}

#[tokio::test]
async fn keys_made_on_the_data_dir_pull_incremental_exports_until_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_arg = data.to_str().unwrap().to_owned();

    // A collector with a site, a survey and fifty responses, then stopped.
    let server = start(&data).await;
    let client = reqwest::Client::new();
    for (path, body) in [
        (
            "/v1/admin/sites",
            json!({ "id": "shop", "name": "Shop", "allowed_origins": [] }),
        ),
        (
            "/v1/admin/sites/shop/surveys",
            json!({ "id": "nps", "name": "NPS", "status": "active", "default_locale": "ko",
                    "questions": [
                      { "id": "nps", "kind": { "type": "nps" }, "required": true, "text": { "ko": "추천?" } },
                      { "id": "why", "kind": { "type": "open_text" }, "text": { "ko": "왜요?" } }]}),
        ),
    ] {
        let reply = client
            .post(format!("{}{path}", server.base))
            .bearer_auth(ADMIN_KEY)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 201, "{path}");
    }
    post_responses(&server.base, 50).await;
    stop(server);

    // The first export key is made on the stopped collector's directory.
    let created = succeeded(
        &nunchi(args(&[
            "keys",
            "create",
            "--data-dir",
            &data_arg,
            "--site",
            "shop",
            "--scope",
            "export",
            "--name",
            "data team",
            "--json",
        ]))
        .await,
    );
    let created: Value = serde_json::from_str(&created).unwrap();
    let (id, key) = (
        created["id"].as_str().unwrap().to_owned(),
        created["key"].as_str().unwrap().to_owned(),
    );
    let listed = succeeded(&nunchi(args(&["keys", "list", "--data-dir", &data_arg])).await);
    assert!(
        listed.contains(&id) && listed.contains("active"),
        "{listed}"
    );
    assert!(!listed.contains(&key), "the secret is shown once");
    let refused = nunchi(args(&[
        "keys",
        "create",
        "--data-dir",
        &data_arg,
        "--scope",
        "export",
    ]))
    .await;
    assert!(!refused.status.success(), "an export key needs a site");

    let server = start(&data).await;
    let busy = nunchi(args(&["keys", "list", "--data-dir", &data_arg])).await;
    assert!(!busy.status.success());
    assert!(
        String::from_utf8_lossy(&busy.stderr).contains("--url"),
        "a running collector holds the directory: the error says what to do"
    );

    // Two pulls with a cursor file: everything, then only what came since.
    let out = dir.path().join("first.csv");
    let cursor_file = dir.path().join("cursor");
    let export = |output: &Path| {
        args(&[
            "export",
            "--url",
            &server.base,
            "--key",
            &key,
            "--site",
            "shop",
            "--survey",
            "nps",
            "--bom",
            "--cursor-file",
            cursor_file.to_str().unwrap(),
            "--output",
            output.to_str().unwrap(),
        ])
    };
    let first = nunchi(export(&out)).await;
    succeeded(&first);
    assert!(String::from_utf8_lossy(&first.stderr).contains("wrote 50 rows"));
    let rows = csv_rows(&out);
    assert_eq!(rows.len(), 50);
    assert_eq!(&rows[7][19], "포장이 찢어졌어요 7");
    assert_eq!(std::fs::read_to_string(&cursor_file).unwrap(), "50\n");

    post_responses(&server.base, 7).await;
    let second = dir.path().join("second.csv");
    succeeded(&nunchi(export(&second)).await);
    let rows = csv_rows(&second);
    assert_eq!(rows.len(), 7);
    assert_eq!(&rows[0][0], "51");
    assert_eq!(std::fs::read_to_string(&cursor_file).unwrap(), "57\n");

    // Revoked through the running collector's admin API: the next pull fails, keeps the cursor.
    let revoked = succeeded(
        &nunchi(args(&[
            "keys",
            "revoke",
            &id,
            "--url",
            &server.base,
            "--admin-key",
            ADMIN_KEY,
        ]))
        .await,
    );
    assert!(revoked.contains(&format!("revoked {id}")), "{revoked}");
    let third = dir.path().join("third.csv");
    let refused = nunchi(export(&third)).await;
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("unauthorized"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert!(!third.exists());
    assert_eq!(std::fs::read_to_string(&cursor_file).unwrap(), "57\n");

    // Keys made through the API work the same.
    let created = succeeded(
        &nunchi(args(&[
            "keys",
            "create",
            "--url",
            &server.base,
            "--admin-key",
            ADMIN_KEY,
            "--scope",
            "receipts",
            "--site",
            "shop",
            "--json",
        ]))
        .await,
    );
    let created: Value = serde_json::from_str(&created).unwrap();
    assert_eq!(created["scope"], "receipts");
    assert!(created["key"].as_str().unwrap().starts_with("nk_"));
    stop(server);
}

#[tokio::test]
async fn erase_removes_a_member_through_the_api_and_on_the_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_arg = data.to_str().unwrap().to_owned();
    let server = start(&data).await;
    let client = reqwest::Client::new();
    for (path, body) in [
        (
            "/v1/admin/sites",
            json!({ "id": "shop", "name": "Shop", "allowed_origins": ["*"] }),
        ),
        (
            "/v1/admin/sites/shop/surveys",
            json!({ "id": "nps", "name": "NPS", "status": "active", "default_locale": "ko",
                    "questions": [{ "id": "nps", "kind": { "type": "nps" }, "required": true, "text": { "ko": "추천?" } }]}),
        ),
    ] {
        let reply = client
            .post(format!("{}{path}", server.base))
            .bearer_auth(ADMIN_KEY)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 201, "{path}");
    }
    let answer = |member: &str| {
        json!({
            "response_id": uuid::Uuid::now_v7().to_string(), "survey_id": "nps", "survey_version": 1,
            "answers": { "nps": 5 },
            "context": { "channel": "app", "site_id": "shop", "locale": "ko", "member": member },
            "client_time": 1_763_855_198_000_i64
        })
    };
    for member in ["M-1", "M-2", "M-2"] {
        let reply = client
            .post(format!("{}/v1/responses", server.base))
            .json(&answer(member))
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 201);
    }
    let erase = |member: &str, rest: &[&str]| {
        let mut list = args(&["erase", "--site", "shop", "--member", member, "--json"]);
        list.extend(rest.iter().map(|s| (*s).to_owned()));
        list
    };
    let through_api = ["--url", &server.base, "--admin-key", ADMIN_KEY];
    let erased: Value =
        serde_json::from_str(&succeeded(&nunchi(erase("M-1", &through_api)).await)).unwrap();
    assert_eq!(erased["responses"], 1);
    assert_eq!(erased["ledger_entries"], 1);
    stop(server);

    let on_dir = ["--data-dir", &data_arg];
    let erased: Value =
        serde_json::from_str(&succeeded(&nunchi(erase("M-2", &on_dir)).await)).unwrap();
    assert_eq!(erased["responses"], 2);
    let again: Value =
        serde_json::from_str(&succeeded(&nunchi(erase("M-2", &on_dir)).await)).unwrap();
    assert_eq!(again["responses"], 0, "erasing twice removes nothing");
    let unknown = nunchi(args(&[
        "erase",
        "--site",
        "nope",
        "--member",
        "M-2",
        "--data-dir",
        &data_arg,
    ]))
    .await;
    assert!(!unknown.status.success(), "an unknown site is an error");
}

/// What a phone reads from a PNG QR code.
fn scan(png_bytes: &[u8]) -> String {
    let mut reader = png::Decoder::new(std::io::Cursor::new(png_bytes))
        .read_info()
        .unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    let (w, h) = (info.width as usize, info.height as usize);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[y * w + x]);
    image.detect_grids()[0].decode().unwrap().1
}

#[tokio::test]
async fn receipt_links_are_made_through_the_api_and_on_the_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_arg = data.to_str().unwrap().to_owned();
    let server = start(&data).await;
    let client = reqwest::Client::new();
    for (path, body) in [
        ("/v1/admin/sites", json!({ "id": "shop", "name": "Shop" })),
        (
            "/v1/admin/sites/shop/surveys",
            json!({ "id": "receipt-csat", "name": "This purchase", "status": "active",
                    "default_locale": "ko", "targeting": { "channels": ["receipt"] },
                    "questions": [{ "id": "csat", "kind": { "type": "csat" }, "required": true,
                                    "text": { "ko": "만족하셨나요?" } }]}),
        ),
    ] {
        let reply = client
            .post(format!("{}{path}", server.base))
            .bearer_auth(ADMIN_KEY)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 201, "{path}");
    }
    let receipt = |number: &str| {
        args(&[
            "receipt",
            "--site",
            "shop",
            "--store",
            "gangnam-01",
            "--receipt",
            number,
            "--amount",
            "12900",
            "--category",
            "food",
            "--member",
            "M-1",
        ])
    };

    // Through the running collector: the URL is printed and the QR code written.
    let png = dir.path().join("receipt.png");
    let svg = dir.path().join("receipt.svg");
    let mut through_api = receipt("R-1");
    through_api.extend(args(&["--url", &server.base, "--key", ADMIN_KEY]));
    through_api.extend(args(&[
        "--png",
        png.to_str().unwrap(),
        "--svg",
        svg.to_str().unwrap(),
    ]));
    let url = succeeded(&nunchi(through_api).await).trim().to_owned();
    assert!(url.starts_with(&format!("{}/r/v1.", server.base)), "{url}");
    assert_eq!(scan(&std::fs::read(&png).unwrap()), url);
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));
    let token = url.rsplit_once("/r/").unwrap().1.to_owned();
    let opened = client
        .get(format!("{}/v1/receipts/{token}", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status(), 200);

    // A bad field is named, and nothing is printed as a link.
    let bad = args(&[
        "receipt",
        "--site",
        "shop",
        "--store",
        "gangnam-01",
        "--receipt",
        "R-9",
        "--amount=-1",
        "--url",
        &server.base,
        "--key",
        ADMIN_KEY,
    ]);
    let failed = nunchi(bad).await;
    assert!(!failed.status.success());
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(
        stderr.contains("out_of_range") && stderr.contains("amount"),
        "{stderr}"
    );
    stop(server);

    // On the stopped collector's directory, linking to where customers reach it.
    let mut offline = receipt("R-2");
    offline.extend(args(&[
        "--data-dir",
        &data_arg,
        "--public-url",
        "https://survey.example",
    ]));
    let url = succeeded(&nunchi(offline).await).trim().to_owned();
    assert!(url.starts_with("https://survey.example/r/v1."), "{url}");
    let server = start(&data).await;
    let token = url.rsplit_once("/r/").unwrap().1;
    let opened = client
        .get(format!("{}/v1/receipts/{token}", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status(), 200);
    stop(server);
}
