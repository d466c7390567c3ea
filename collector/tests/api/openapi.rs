//! `GET /openapi.json`: an OpenAPI 3.1 document of every route, generated from the handlers.

use reqwest::{Method, StatusCode};

use crate::helpers::*;

const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

#[tokio::test]
async fn the_document_is_openapi_3_1_and_names_every_route_the_router_serves() {
    let app = spawn_app_with_survey().await;
    let doc = app.get("/openapi.json").await;
    doc.assert_status(StatusCode::OK);
    assert!(doc.body["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc.body["paths"].as_object().unwrap();
    for expected in [
        "/v1/responses",
        "/v1/admin/sites/{site}/erasures",
        "/v1/admin/sites/{site}/webhooks/{webhook}/dead-letters/{message}/retry",
        "/openapi.json",
    ] {
        assert!(paths.contains_key(expected), "{expected} is missing");
    }
    // Walk the router: at every documented path, each method the router answers (anything but
    // 405) must be documented, and each documented one must be answered.
    for (path, item) in paths {
        let concrete = path
            .replace("{site}", SITE)
            .replace("{survey}", "nps")
            .replace("{version}", "1")
            .replace("{webhook}", "wh_none")
            .replace("{message}", "none")
            .replace("{id}", "key_none")
            .replace("{file}", "none.js")
            .replace("{token}", "none");
        for method in METHODS {
            let answer = app
                .client
                .request(
                    Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                    app.url(&concrete),
                )
                .bearer_auth(ADMIN_KEY)
                .send()
                .await
                .unwrap()
                .status();
            let documented = item.get(method).is_some();
            assert_eq!(
                answer != StatusCode::METHOD_NOT_ALLOWED,
                documented,
                "{method} {path}: answered {answer}, documented: {documented}"
            );
        }
    }
}

/// Routes go through `utoipa_axum::routes!`, which reads each handler's `#[utoipa::path]`: a
/// plain `.route(…)` would serve a path the document does not have.
#[test]
fn no_route_is_added_outside_the_document() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    let mut files = vec![std::path::PathBuf::from(format!("{dir}/app.rs"))];
    for entry in std::fs::read_dir(format!("{dir}/routes")).unwrap() {
        files.push(entry.unwrap().path());
    }
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for needle in [".route(", ".route_service(", ".nest("] {
            assert!(
                !text.contains(needle),
                "{} adds a route with {needle}; use routes!(…) so it is in the OpenAPI document",
                file.display()
            );
        }
    }
}

/// The widget's routes, the dashboard's page and files (the app then sends the key its user
/// types), the operations routes and the document itself need no key: they say so with an
/// empty security requirement, and every admin route keeps the bearer key.
#[tokio::test]
async fn public_routes_are_documented_without_a_key_and_admin_routes_with_one() {
    let app = spawn_app_with_survey().await;
    let doc = app.get("/openapi.json").await;
    let public = [
        "/v1/sites/{site}/config",
        "/v1/responses",
        "/v1/responses/batch",
        "/v1/displays",
        "/v1/eligibility",
        "/v1/kiosks/heartbeat",
        "/v1/client-reports",
        "/healthz",
        "/metrics",
        "/openapi.json",
        "/widget.js",
        "/widget/{file}",
        "/dashboard",
        "/dashboard/{file}",
        "/v1/receipts/{token}",
        "/v1/receipts/{token}/qr",
        "/v1/receipts/{token}/responses",
        "/r/{token}",
        "/v1/previews/{id}",
        "/v1/previews/{id}/responses",
        "/p/{id}",
    ];
    for (path, item) in doc.body["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let security = &operation["security"];
            if public.contains(&path.as_str()) {
                assert_eq!(security, &serde_json::json!([{}]), "{method} {path}");
            } else {
                assert!(
                    security.is_null(),
                    "{method} {path} falls back to the bearer key"
                );
            }
            // Every error status is listed, each with the error shape.
            let responses = operation["responses"].as_object().unwrap();
            assert!(
                !responses.keys().any(|s| s.ends_with("XX")),
                "{method} {path}"
            );
        }
    }
    assert_eq!(doc.body["security"], serde_json::json!([{ "api_key": [] }]));
}

/// A survey version that is not a number is a 404 in the API's error shape, not axum's
/// plain-text 400 (found by schemathesis).
#[tokio::test]
async fn a_version_that_is_not_a_number_is_a_json_404() {
    let app = spawn_app_with_survey().await;
    let reply = app
        .get_with_key(
            &format!("/v1/admin/sites/{SITE}/surveys/nps/versions/x"),
            ADMIN_KEY,
        )
        .await;
    reply.assert_status(StatusCode::NOT_FOUND);
    assert_eq!(reply.body["error"]["code"], "unknown_survey_version");
}
