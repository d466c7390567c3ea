//! API keys with scopes: made and revoked through the admin API, kept across restarts.

use collector::api_key::{self, KeyRequest, Scope};
use collector::store::{Store, StoreOptions};
use reqwest::StatusCode;
use serde_json::json;
use shared::ids::SiteId;
use shared::time::Timestamp;

use crate::helpers::*;

const EXPORT: &str = "/v1/admin/sites/shop/export?format=json";

#[tokio::test]
async fn an_export_key_exports_its_own_site_and_nothing_else() {
    let app = spawn_app_with_survey().await;
    app.admin_post(
        "/v1/admin/sites",
        &json!({ "id": "other", "name": "Other", "allowed_origins": [] }),
    )
    .await
    .assert_status(StatusCode::CREATED);
    app.seed([stored_response(1, json!({"nps": 9}), json!({}))])
        .await;
    let (_, key) = app.create_key("export", Some(SITE)).await;

    let page = app.get_with_key(EXPORT, &key).await;
    page.assert_status(StatusCode::OK);
    assert_eq!(page.body["responses"].as_array().unwrap().len(), 1);

    for path in [
        "/v1/admin/sites/other/export",
        "/v1/admin/sites/ghost/export",
        // The site list and its surveys it may read (see the test below).
        "/v1/admin/sites/shop/responses",
        "/v1/admin/keys",
    ] {
        let reply = app.get_with_key(path, &key).await;
        reply.assert_status(StatusCode::FORBIDDEN);
        assert_eq!(reply.error().0, "insufficient_scope", "{path}");
    }
}

#[tokio::test]
async fn a_receipts_key_cannot_export() {
    let app = spawn_app_with_survey().await;
    let (_, key) = app.create_key("receipts", Some(SITE)).await;
    let reply = app.get_with_key(EXPORT, &key).await;
    reply.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(reply.error().0, "insufficient_scope");
}

#[tokio::test]
async fn a_revoked_key_is_refused_at_once() {
    let app = spawn_app_with_survey().await;
    let (id, key) = app.create_key("export", Some(SITE)).await;
    app.get_with_key(EXPORT, &key)
        .await
        .assert_status(StatusCode::OK);

    let revoked = app
        .client
        .delete(app.url(&format!("/v1/admin/keys/{id}")))
        .bearer_auth(ADMIN_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::OK);
    let revoked: serde_json::Value = revoked.json().await.unwrap();
    assert!(revoked["revoked_at"].as_i64().is_some(), "{revoked}");

    let reply = app.get_with_key(EXPORT, &key).await;
    reply.assert_status(StatusCode::UNAUTHORIZED);
    assert_eq!(reply.error().0, "unauthorized");
    // The list still shows it, as revoked, and never a secret or digest.
    let list = app.admin_get("/v1/admin/keys").await;
    list.assert_status(StatusCode::OK);
    assert_eq!(list.body[0]["id"], json!(id));
    assert!(list.body[0]["revoked_at"].is_i64());
    let text = list.body.to_string();
    assert!(
        !text.contains(&key[3..]) && !text.contains("digest"),
        "{text}"
    );
}

#[tokio::test]
async fn an_export_in_progress_stops_when_its_key_is_revoked() {
    let app = spawn_app_with_survey().await;
    // Far more than the socket buffers hold, so the stream is still being read when revoked.
    app.seed((0..40_000).map(|i| {
        stored_response(
            1,
            json!({"nps": 2, "why": format!("{i} {}", "늦".repeat(150))}),
            json!({}),
        )
    }))
    .await;
    let (id, key) = app.create_key("export", Some(SITE)).await;
    let mut response = app
        .client
        .get(app.url("/v1/admin/sites/shop/export?format=ndjson"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut received = response.chunk().await.unwrap().unwrap().len();
    let revoked = app
        .client
        .delete(app.url(&format!("/v1/admin/keys/{id}")))
        .bearer_auth(ADMIN_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::OK);
    let cut = loop {
        match response.chunk().await {
            Ok(Some(chunk)) => received += chunk.len(),
            Ok(None) => break false,
            Err(_) => break true,
        }
    };
    assert!(
        cut,
        "the whole export ({received} bytes) arrived after revocation"
    );
}

#[tokio::test]
async fn keys_are_checked_when_made_and_revoked() {
    let app = spawn_app_with_survey().await;
    let cases = [
        (
            json!({"scope": "export"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "required",
            Some("site"),
        ),
        (
            json!({"scope": "admin", "site": SITE}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_value",
            Some("site"),
        ),
        (
            json!({"scope": "owner", "site": SITE}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_type",
            Some("scope"),
        ),
        (
            json!({"scope": "export", "site": "ghost"}),
            StatusCode::NOT_FOUND,
            "unknown_site",
            Some("site"),
        ),
    ];
    for (body, status, code, field) in cases {
        let reply = app.admin_post("/v1/admin/keys", &body).await;
        assert_eq!(reply.status, status, "{body}: {}", reply.body);
        assert_eq!(
            reply.error(),
            (code.to_owned(), field.map(str::to_owned)),
            "{body}"
        );
    }
    let reply = app
        .admin_post(
            "/v1/admin/keys",
            &json!({"scope": "admin", "name": "ops laptop"}),
        )
        .await;
    reply.assert_status(StatusCode::CREATED);
    let admin = reply.body["key"].as_str().unwrap().to_owned();
    assert_eq!(reply.body["name"], "ops laptop");
    // A stored admin key opens the admin API like the configured one.
    app.get_with_key("/v1/admin/sites", &admin)
        .await
        .assert_status(StatusCode::OK);

    for id in ["key_0000000000000000", "nope"] {
        let reply = app
            .client
            .delete(app.url(&format!("/v1/admin/keys/{id}")))
            .bearer_auth(ADMIN_KEY)
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), StatusCode::NOT_FOUND, "{id}");
    }
}

#[tokio::test]
async fn keys_and_revocations_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let shop = SiteId::parse(SITE).unwrap();
    let open = || reopen(|| Store::open(dir.path(), &StoreOptions::default()));

    let (store, writer) = open();
    let site = serde_json::from_value(site_json()).unwrap();
    let site = collector::site::Site::create(site, Timestamp(0)).unwrap();
    store.catalog().create_site(site).unwrap();
    let request = |scope| KeyRequest {
        scope,
        site: Some(shop.clone()),
        name: String::new(),
    };
    let kept = api_key::create(&store, request(Scope::Export), Timestamp(1)).unwrap();
    let gone = api_key::create(&store, request(Scope::Receipts), Timestamp(2)).unwrap();
    store.key_ring().revoke(&gone.id, Timestamp(3)).unwrap();
    drop(store);
    writer.join();

    let (store, writer) = open();
    let keys = store.key_ring().all();
    assert_eq!(keys.len(), 2);
    assert_eq!((&keys[0].id, keys[0].revoked_at), (&kept.id, None));
    assert_eq!(
        (&keys[1].id, keys[1].revoked_at),
        (&gone.id, Some(Timestamp(3)))
    );
    let checker = collector::auth::ApiKeys::new(None, store.key_ring().clone());
    assert_eq!(
        checker
            .verify(kept.key.as_deref().unwrap())
            .map(|c| c.scope),
        Some(Scope::Export)
    );
    assert_eq!(checker.verify(gone.key.as_deref().unwrap()), None);
    drop((store, checker));
    writer.join();
}

#[tokio::test]
async fn an_export_key_reads_its_own_site_and_its_surveys_and_says_what_it_is() {
    let app = spawn_app_with_survey().await;
    let mut other = site_json();
    other["id"] = serde_json::json!("elsewhere");
    app.admin_post("/v1/admin/sites", &other)
        .await
        .assert_status(StatusCode::CREATED);
    let (id, export) = app.create_key("export", Some(SITE)).await;

    let me = app.get_with_key("/v1/admin/whoami", &export).await;
    me.assert_status(StatusCode::OK);
    assert_eq!(
        me.body,
        serde_json::json!({ "id": id, "scope": "export", "site": SITE })
    );
    let admin = app.admin_get("/v1/admin/whoami").await;
    assert_eq!(
        admin.body,
        serde_json::json!({ "id": null, "scope": "admin", "site": null })
    );

    // The site list holds its own site only; an admin key sees both.
    let sites = app.get_with_key("/v1/admin/sites", &export).await;
    sites.assert_status(StatusCode::OK);
    let ids: Vec<&str> = sites
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [SITE]);
    assert_eq!(
        app.admin_get("/v1/admin/sites")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Its surveys can be read, not written, and no other site's.
    let surveys = app
        .get_with_key(&format!("/v1/admin/sites/{SITE}/surveys"), &export)
        .await;
    surveys.assert_status(StatusCode::OK);
    assert_eq!(surveys.body[0]["id"], serde_json::json!("nps"));
    app.get_with_key(&format!("/v1/admin/sites/{SITE}/surveys/nps"), &export)
        .await
        .assert_status(StatusCode::OK);
    app.get_with_key(
        &format!("/v1/admin/sites/{SITE}/surveys/nps/versions/1"),
        &export,
    )
    .await
    .assert_status(StatusCode::OK);
    app.get_with_key("/v1/admin/sites/elsewhere/surveys", &export)
        .await
        .assert_status(StatusCode::FORBIDDEN);
    app.get_with_key(&format!("/v1/admin/sites/{SITE}"), &export)
        .await
        .assert_status(StatusCode::FORBIDDEN);
    app.get_with_key(&format!("/v1/admin/sites/{SITE}/responses"), &export)
        .await
        .assert_status(StatusCode::FORBIDDEN);

    // A receipts key (a till's) is no reader.
    let (_, receipts) = app.create_key("receipts", Some(SITE)).await;
    app.get_with_key("/v1/admin/sites", &receipts)
        .await
        .assert_status(StatusCode::FORBIDDEN);
    app.get_with_key(&format!("/v1/admin/sites/{SITE}/surveys"), &receipts)
        .await
        .assert_status(StatusCode::FORBIDDEN);
}
