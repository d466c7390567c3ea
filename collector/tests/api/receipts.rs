//! Receipt QR: issuing a receipt's signed link, reading its QR code back as a phone would,
//! opening the survey, the one response per receipt, and refusing forged, altered and expired
//! tokens.

use reqwest::StatusCode;
use serde_json::{Value, json};
use shared::time::Period;

use crate::helpers::*;

/// A CSAT survey for the receipt channel.
fn receipt_survey(site: &str) -> Value {
    json!({
        "id": "receipt-csat",
        "site_id": site,
        "name": "This purchase",
        "status": "active",
        "default_locale": "ko",
        "questions": [
            { "id": "csat", "kind": { "type": "csat", "style": "stars" }, "required": true,
              "text": { "ko": "만족하셨나요?", "en": "Satisfied?" } }
        ],
        "targeting": { "channels": ["receipt"] }
    })
}

pub fn receipt(receipt_id: &str) -> Value {
    json!({
        "store_id": "gangnam-01",
        "receipt_id": receipt_id,
        "purchased_at": 1_763_855_198_000_i64,
        "amount": 12_900,
        "currency": "KRW",
        "categories": ["food", "drinks"],
        "member": "M-1"
    })
}

/// A collector with site `shop` (its NPS survey and a receipt survey) and a receipts key.
async fn spawn_with_receipts() -> (TestApp, String) {
    let app = spawn_app_with_survey().await;
    app.admin_post(
        &format!("/v1/admin/sites/{SITE}/surveys"),
        &receipt_survey(SITE),
    )
    .await
    .assert_status(StatusCode::CREATED);
    let (_, key) = app.create_key("receipts", Some(SITE)).await;
    (app, key)
}

async fn issue(app: &TestApp, key: &str, site: &str, body: &Value) -> Reply {
    app.post_raw(&format!("/v1/sites/{site}/receipts"), |r| {
        r.bearer_auth(key).json(body)
    })
    .await
}

/// A response to the receipt survey, answered now, with a context the token overrides.
fn answer(id: &str) -> Value {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    json!({
        "response_id": id,
        "survey_id": "receipt-csat",
        "survey_version": 1,
        "answers": { "csat": 5 },
        "context": { "channel": "web", "site_id": SITE, "locale": "ko", "store_id": "forged",
                     "member": "M-forged" },
        "client_time": now
    })
}

/// What a phone's camera reads from a PNG QR code.
fn scan(png_bytes: &[u8]) -> String {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    let (w, h) = (info.width as usize, info.height as usize);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[y * w + x]);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the picture");
    grids[0].decode().unwrap().1
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

/// The token at the end of a survey URL.
fn token_of(url: &str) -> &str {
    url.rsplit_once("/r/").unwrap().1
}

#[tokio::test]
async fn a_scanned_receipt_opens_its_survey_and_takes_one_response() {
    let (app, key) = spawn_with_receipts().await;
    let issued = issue(&app, &key, SITE, &receipt("R-1")).await;
    issued.assert_status(StatusCode::CREATED);
    // The phone reads the printed code, not the JSON beside it.
    let url = scan(&base64_decode(
        issued.body["qr_png_base64"].as_str().unwrap(),
    ));
    assert!(url.starts_with(&format!("{}/r/v1.", app.address)), "{url}");
    assert_eq!(issued.body["url"], url.as_str());
    assert!(issued.body["qr_svg"].as_str().unwrap().contains("<svg"));
    let token = token_of(&url).to_owned();
    assert!(!token.contains("M-1"), "the member id is not in the token");

    // The printer's PNG, fetched on its own, carries the same link.
    let png = app
        .client
        .get(app.url(&format!("/v1/receipts/{token}/qr?format=png")))
        .send()
        .await
        .unwrap();
    assert_eq!(png.headers()["content-type"], "image/png");
    assert_eq!(scan(&png.bytes().await.unwrap()), url);

    let opened = app.get(&format!("/v1/receipts/{token}")).await;
    opened.assert_status(StatusCode::OK);
    assert_eq!(opened.body["survey"]["id"], "receipt-csat");
    let purchase = &opened.body["purchase"];
    assert_eq!(purchase["store_id"], "gangnam-01");
    assert_eq!(purchase["receipt_id"], "R-1");
    assert_eq!(purchase["purchased_at"], 1_763_855_198_000_i64);
    assert_eq!(purchase["amount"], 12_900);
    assert_eq!(purchase["categories"], json!(["food", "drinks"]));
    assert!(opened.body.get("member").is_none(), "{}", opened.body);
    assert!(!opened.body.to_string().contains("M-1"));

    let path = format!("/v1/receipts/{token}/responses");
    let first = new_id();
    app.post(&path, &answer(&first))
        .await
        .assert_status(StatusCode::CREATED);
    // The same response again (a retry whose answer was lost) is a duplicate, not a refusal.
    let again = app.post(&path, &answer(&first)).await;
    again.assert_status(StatusCode::OK);
    assert_eq!(again.body["duplicate"], true);
    // Another response to the same receipt is refused, and says why.
    let second = app.post(&path, &answer(&new_id())).await;
    second.assert_status(StatusCode::CONFLICT);
    assert_eq!(second.error().0, "receipt_used");
    assert!(
        second.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("already been answered")
    );
    let reopened = app.get(&format!("/v1/receipts/{token}")).await;
    reopened.assert_status(StatusCode::CONFLICT);
    assert_eq!(reopened.error().0, "receipt_used");

    // Stored with the receipt's context, not the client's, and the member only hashed.
    let stored = app.stored_responses().await;
    assert_eq!(stored.len(), 1);
    let context = &stored[0]["context"];
    assert_eq!(context["channel"], "receipt");
    assert_eq!(context["store_id"], "gangnam-01");
    assert_eq!(context["receipt_id"], "R-1");
    assert_eq!(context["journey_stage"], "post_purchase");
    assert_eq!(context["attributes"]["purchase_amount"], 12_900.0);
    assert_eq!(context["attributes"]["purchase_categories"], "food,drinks");
    assert_eq!(context["member"].as_str().unwrap().len(), 64);
    assert!(!stored[0].to_string().contains("M-1"));
    assert!(!stored[0].to_string().contains("M-forged"));

    // The member's answer is in the contact ledger: the app does not ask them again.
    let ask = json!({
        "display_id": new_id(), "survey_id": "nps",
        "context": { "channel": "app", "site_id": SITE, "locale": "ko", "member": "M-1" }
    });
    let decision = app.post("/v1/eligibility", &ask).await;
    assert_eq!(decision.body["decision"], "suppress", "{}", decision.body);
    assert_eq!(decision.body["because_of"]["channel"], "receipt");
}

#[tokio::test]
async fn altered_forged_and_expired_tokens_never_open_a_survey() {
    let (app, key) = spawn_with_receipts().await;
    let issued = issue(&app, &key, SITE, &receipt("R-2")).await;
    let token = issued.body["token"].as_str().unwrap().to_owned();

    // One bit flipped in the payload: 3 ('3' = 0x33) becomes 2, and so on.
    let mut bytes = token.clone().into_bytes();
    let i = token.find('.').unwrap() + 12;
    bytes[i] ^= 1;
    let flipped = String::from_utf8(bytes).unwrap();
    for path in [
        format!("/v1/receipts/{flipped}"),
        format!("/v1/receipts/{flipped}/qr"),
    ] {
        let reply = app.get(&path).await;
        reply.assert_status(StatusCode::FORBIDDEN);
        assert_eq!(reply.error().0, "receipt_invalid");
    }
    let posted = app
        .post(
            &format!("/v1/receipts/{flipped}/responses"),
            &answer(&new_id()),
        )
        .await;
    posted.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(posted.error().0, "receipt_invalid");
    for forged in [
        "nonsense",
        "v1.deadbeef.e30.AAAA",
        &token.replacen("v1.", "v1.0", 1),
    ] {
        let reply = app.get(&format!("/v1/receipts/{forged}")).await;
        reply.assert_status(StatusCode::FORBIDDEN);
        assert_eq!(reply.error().0, "receipt_invalid");
    }
    // The page says so with its status too.
    let page = app
        .client
        .get(app.url(&format!("/r/{flipped}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::FORBIDDEN);

    app.get(&format!("/v1/receipts/{token}"))
        .await
        .assert_status(StatusCode::OK);
    app.clock.advance(Period::days(31));
    let expired = app.get(&format!("/v1/receipts/{token}")).await;
    expired.assert_status(StatusCode::GONE);
    assert_eq!(expired.error().0, "receipt_expired");
    let posted = app
        .post(
            &format!("/v1/receipts/{token}/responses"),
            &answer(&new_id()),
        )
        .await;
    posted.assert_status(StatusCode::GONE);
    assert!(app.stored_responses().await.is_empty());
}

#[tokio::test]
async fn a_token_of_one_site_does_not_open_another() {
    let (app, key) = spawn_with_receipts().await;
    let mut other = site_json();
    other["id"] = json!("other");
    app.admin_post("/v1/admin/sites", &other)
        .await
        .assert_status(StatusCode::CREATED);
    app.admin_post("/v1/admin/sites/other/surveys", &receipt_survey("other"))
        .await
        .assert_status(StatusCode::CREATED);
    // The shop's key cannot issue for the other site.
    let refused = issue(&app, &key, "other", &receipt("R-3")).await;
    refused.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(refused.error().0, "insufficient_scope");

    let shop = issue(&app, &key, SITE, &receipt("R-3")).await.body["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let theirs = issue(&app, ADMIN_KEY, "other", &receipt("R-3")).await.body["token"]
        .as_str()
        .unwrap()
        .to_owned();
    // A response of the other site with the shop's token.
    let mut body = answer(&new_id());
    body["context"]["site_id"] = json!("other");
    let reply = app
        .post(&format!("/v1/receipts/{shop}/responses"), &body)
        .await;
    reply.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        reply.error(),
        ("invalid_reference".into(), Some("context.site_id".into()))
    );
    // The shop's claims under the other site's key id: the signature no longer matches.
    let (ours, theirs) = (
        shop.split('.').collect::<Vec<_>>(),
        theirs.split('.').collect::<Vec<_>>(),
    );
    let spliced = format!("v1.{}.{}.{}", theirs[1], ours[2], ours[3]);
    let reply = app.get(&format!("/v1/receipts/{spliced}")).await;
    reply.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(reply.error().0, "receipt_invalid");
    // The same receipt number at two sites is two receipts.
    for token in [&shop, &theirs.join(".")] {
        let site = if token == &shop { SITE } else { "other" };
        let mut body = answer(&new_id());
        body["context"]["site_id"] = json!(site);
        app.post(&format!("/v1/receipts/{token}/responses"), &body)
            .await
            .assert_status(StatusCode::CREATED);
    }
}

#[tokio::test]
async fn issuing_checks_every_field_and_the_key() {
    let (app, key) = spawn_with_receipts().await;
    let table: &[(&str, Value, StatusCode, &str, Option<&str>)] = &[
        (
            "negative amount",
            json!({"amount": -5}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "out_of_range",
            Some("amount"),
        ),
        (
            "lowercase currency",
            json!({"currency": "krw"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_type",
            Some("currency"),
        ),
        (
            "receipt id with a space",
            json!({"receipt_id": "R 1"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_type",
            Some("receipt_id"),
        ),
        (
            "a year of validity and more",
            json!({"valid_days": 400}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "out_of_range",
            Some("valid_days"),
        ),
        (
            "a purchase tomorrow",
            json!({"purchased_at": 4_102_444_800_000_i64}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "out_of_range",
            Some("purchased_at"),
        ),
        (
            "an unknown survey",
            json!({"survey_id": "ghost"}),
            StatusCode::NOT_FOUND,
            "unknown_survey",
            Some("survey_id"),
        ),
        (
            "an unknown field",
            json!({"total": 1}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_field",
            Some("total"),
        ),
    ];
    for (case, change, status, code, field) in table {
        let mut body = receipt("R-4");
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let reply = issue(&app, &key, SITE, &body).await;
        assert_eq!(reply.status, *status, "{case}: {}", reply.body);
        let (got_code, got_field) = reply.error();
        assert_eq!(
            (got_code.as_str(), got_field.as_deref()),
            (*code, *field),
            "{case}"
        );
    }
    let mut body = receipt("R-4");
    body.as_object_mut().unwrap().remove("store_id");
    let reply = issue(&app, &key, SITE, &body).await;
    reply.assert_status(StatusCode::UNPROCESSABLE_ENTITY);

    let reply = app
        .post_raw(&format!("/v1/sites/{SITE}/receipts"), |r| {
            r.json(&receipt("R-4"))
        })
        .await;
    reply.assert_status(StatusCode::UNAUTHORIZED);
    let (_, export_key) = app.create_key("export", Some(SITE)).await;
    issue(&app, &export_key, SITE, &receipt("R-4"))
        .await
        .assert_status(StatusCode::FORBIDDEN);

    // A response claiming the receipt channel without a token is refused.
    let mut forged = response_json(&new_id(), 9);
    forged["context"]["channel"] = json!("receipt");
    let reply = app.post("/v1/responses", &forged).await;
    reply.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.error().1.as_deref(), Some("context.channel"));
}

#[tokio::test]
async fn a_site_without_a_receipt_survey_must_name_one_and_keys_rotate() {
    let app = spawn_app_with_survey().await;
    let reply = issue(&app, ADMIN_KEY, SITE, &receipt("R-5")).await;
    reply.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.error(), ("required".into(), Some("survey_id".into())));
    let mut named = receipt("R-5");
    named["survey_id"] = json!("nps");
    let old = issue(&app, ADMIN_KEY, SITE, &named).await;
    old.assert_status(StatusCode::CREATED);
    let old = old.body["token"].as_str().unwrap().to_owned();

    let rotated = app
        .admin_post(&format!("/v1/admin/sites/{SITE}/receipt-keys"), &json!({}))
        .await;
    rotated.assert_status(StatusCode::CREATED);
    let kid = rotated.body["kid"].as_str().unwrap();
    assert!(rotated.body.get("secret").is_none());
    let new = issue(&app, ADMIN_KEY, SITE, &named).await.body["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(new.starts_with(&format!("v1.{kid}.")), "{new}");
    assert!(!old.starts_with(&format!("v1.{kid}.")));
    // Tokens already printed keep working until they expire.
    app.get(&format!("/v1/receipts/{old}"))
        .await
        .assert_status(StatusCode::OK);
}

#[tokio::test]
async fn concurrent_answers_to_one_receipt_store_one() {
    let (app, key) = spawn_with_receipts().await;
    let token = issue(&app, &key, SITE, &receipt("R-6")).await.body["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/v1/receipts/{token}/responses");
    let bodies: Vec<_> = (0..20).map(|_| answer(&new_id())).collect();
    let replies =
        crate::responses::futures_join_all(bodies.iter().map(|b| app.post(&path, b))).await;
    let created = replies
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    let refused = replies
        .iter()
        .filter(|r| r.status == StatusCode::CONFLICT)
        .count();
    assert_eq!((created, refused), (1, 19));
    assert_eq!(app.stored_responses().await.len(), 1);
}
