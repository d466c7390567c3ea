//! The demo site that `serve --demo` seeds: a web shop with stores, and three surveys in Korean
//! and English, one per channel that the demo pages show; with `--demo-history`, a month of
//! sample answers to them (`history`).

pub mod history;

use std::sync::Arc;

use serde_json::json;
use shared::ids::SiteId;
use shared::survey::Survey;

use crate::clock::Clock;
use crate::site::{Site, SiteInput};
use crate::store::Store;
use crate::store::catalog::CatalogError;

pub const DEMO_SITE: &str = "demo-shop";

/// Seeds the demo site and its surveys unless they exist already (a restart keeps what a user
/// changed). Answers the site when this call made it.
pub fn seed(store: &Store, clock: &Clock) -> anyhow::Result<Option<Arc<Site>>> {
    let site_id = SiteId::parse(DEMO_SITE)?;
    let mut made = None;
    if store.catalog().site(&site_id).is_none() {
        let input: SiteInput = serde_json::from_value(json!({
            "id": DEMO_SITE,
            "name": "Nunchi Demo Shop",
            "allowed_origins": ["http://127.0.0.1:8080", "http://localhost:8080"],
            "policy": { "wait_after_shown": "1d", "wait_after_answered": "14d" }
        }))?;
        made = Some(
            store
                .catalog()
                .create_site(Site::create(input, clock.now())?)?,
        );
    }
    for survey in surveys()? {
        match store.catalog().create_survey(survey) {
            Ok(_) | Err(CatalogError::Exists) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(made)
}

fn surveys() -> anyhow::Result<Vec<Survey>> {
    let definitions = [
        json!({
            "id": "web-nps",
            "site_id": DEMO_SITE,
            "status": "active",
            "name": "Web: after a purchase (NPS)",
            "default_locale": "en",
            "questions": [
                {
                    "id": "nps",
                    "kind": { "type": "nps" },
                    "required": true,
                    "text": {
                        "ko": "저희 쇼핑몰을 친구나 동료에게 추천하실 가능성은 얼마나 되나요?",
                        "en": "How likely are you to recommend us to a friend or colleague?"
                    }
                },
                {
                    "id": "what_went_wrong",
                    "kind": { "type": "open_text", "max_length": 500 },
                    "show_if": { "question": "nps", "when": { "score_at_most": 6 } },
                    "text": { "ko": "어떤 점이 아쉬우셨나요?", "en": "What went wrong?" }
                }
            ],
            "triggers": [ { "on": { "type": "event", "name": "purchase" }, "delay": "2s" } ],
            "targeting": { "channels": ["web", "app"] },
            "throttle": { "max_displays": 3, "dismiss_cooldown": "7d", "recurrence": { "after": "90d" } },
            "thank_you": { "ko": "소중한 의견 감사합니다!", "en": "Thank you for your feedback!" }
        }),
        json!({
            "id": "kiosk-smiley",
            "site_id": DEMO_SITE,
            "status": "active",
            "name": "Kiosk: how was your visit (smileys)",
            "default_locale": "ko",
            "questions": [
                {
                    "id": "visit",
                    "kind": { "type": "smiley" },
                    "required": true,
                    "text": { "ko": "오늘 매장 이용은 어떠셨나요?", "en": "How was your visit today?" }
                },
                {
                    "id": "problem",
                    "kind": { "type": "single_choice", "choices": [
                        { "id": "finding", "text": { "ko": "상품 찾기", "en": "Finding products" } },
                        { "id": "checkout", "text": { "ko": "결제", "en": "Checkout" } },
                        { "id": "cleanliness", "text": { "ko": "청결", "en": "Cleanliness" } },
                        { "id": "other", "text": { "ko": "기타", "en": "Something else" } }
                    ] },
                    "show_if": { "question": "visit", "when": { "score_at_most": 2 } },
                    "text": { "ko": "무엇이 불편하셨나요?", "en": "What was the problem?" }
                }
            ],
            "targeting": { "channels": ["kiosk"] },
            "thank_you": { "ko": "감사합니다. 좋은 하루 되세요!", "en": "Thank you. Have a nice day!" }
        }),
        json!({
            "id": "receipt-csat",
            "site_id": DEMO_SITE,
            "status": "active",
            "name": "Receipt QR: this purchase (CSAT)",
            "default_locale": "ko",
            "questions": [
                {
                    "id": "csat",
                    "kind": { "type": "csat", "style": "stars" },
                    "required": true,
                    "text": { "ko": "이번 구매에 얼마나 만족하셨나요?", "en": "How satisfied are you with this purchase?" }
                },
                {
                    "id": "comment",
                    "kind": { "type": "open_text", "max_length": 1000 },
                    "text": { "ko": "더 하고 싶은 말씀이 있으신가요?", "en": "Anything else you would like to tell us?" }
                }
            ],
            "targeting": { "channels": ["receipt"] },
            "thank_you": { "ko": "응답해 주셔서 감사합니다!", "en": "Thanks for answering!" }
        }),
    ];
    definitions
        .into_iter()
        .map(|value| {
            let survey: Survey = serde_json::from_value(value)?;
            survey.validate().map_err(|errors| {
                anyhow::anyhow!("demo survey {} is invalid: {errors:?}", survey.id)
            })?;
            Ok(survey)
        })
        .collect()
}
