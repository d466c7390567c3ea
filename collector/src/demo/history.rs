//! A month of sample answers for the demo site, so that a first look at the dashboard shows a
//! trend, breakdowns and comments instead of zeros. `serve --demo --demo-history` stores them
//! once, when it creates the demo site; a restart adds nothing.
//!
//! They take the path real answers take, short of HTTP: each is parsed against its survey
//! (`Response::parse`, `DisplayEvent` as the widget sends it) and written by the writer, with
//! the time it would have arrived. The generator is seeded, so every demo tells the same story:
//! gangnam-01 does well and busan-03 less so, the web score climbs over the month, detractors
//! say what went wrong, and kiosks hear about checkout.

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{RngExt, SeedableRng};
use serde_json::{Value, json};
use shared::display::DisplayEvent;
use shared::ids::{MemberHash, SiteId};
use shared::response::RawResponse;
use shared::time::{Period, Timestamp};

use crate::ingest;
use crate::site::Site;
use crate::store::Store;

/// How far back the sample answers go.
pub const DAYS: u64 = 30;

/// Jobs handed to the writer before waiting for them: well under its queue's bound, and
/// enough for it to group them into few flushes.
const CHUNK: usize = 256;

/// How a store's customers feel: the share of promoters and of detractors (NPS), and the
/// weights of the kiosk's four smileys and of a receipt's one to five stars.
struct Mood {
    store: &'static str,
    promoters: f64,
    detractors: f64,
    smileys: [u32; 4],
    stars: [u32; 5],
}

const STORES: [Mood; 3] = [
    Mood {
        store: "gangnam-01",
        promoters: 0.58,
        detractors: 0.12,
        smileys: [1, 3, 14, 22],
        stars: [1, 2, 5, 14, 20],
    },
    Mood {
        store: "hongdae-02",
        promoters: 0.46,
        detractors: 0.22,
        smileys: [3, 6, 15, 14],
        stars: [2, 3, 7, 13, 12],
    },
    Mood {
        store: "busan-03",
        promoters: 0.34,
        detractors: 0.34,
        smileys: [6, 8, 14, 10],
        stars: [4, 5, 9, 11, 8],
    },
];

/// What detractors on the web write, in Korean and English.
const WEB_COMMENTS: [(&str, &str); 8] = [
    (
        "배송이 너무 늦었어요. 일주일이나 걸렸습니다.",
        "Delivery took over a week.",
    ),
    (
        "결제할 때 쿠폰이 적용되지 않아서 정가로 샀어요.",
        "The coupon code did not work at checkout, so I paid full price.",
    ),
    (
        "앱에서 결제하려고 하면 자꾸 다시 로그인하라고 해요.",
        "Checkout kept asking me to log in again.",
    ),
    (
        "원하는 사이즈가 항상 품절이에요.",
        "My size is always sold out.",
    ),
    ("포장이 찢어져서 왔어요.", "The box arrived torn."),
    (
        "고객센터 전화 연결이 안 됩니다.",
        "I could not reach customer service.",
    ),
    (
        "상품 사진과 실제 색상이 달라요.",
        "The colour is not what the photo showed.",
    ),
    (
        "반품 절차가 너무 복잡해요.",
        "Returning something is far too complicated.",
    ),
];

/// What customers write under a receipt's survey, whatever their score.
const RECEIPT_COMMENTS: [(&str, &str); 6] = [
    ("직원분이 친절했어요.", "The staff were friendly."),
    ("계산 줄이 너무 길었어요.", "The checkout queue was long."),
    (
        "매장이 깨끗해서 좋았어요.",
        "Clean store, easy to find things.",
    ),
    ("주차하기가 불편해요.", "Parking was a pain."),
    (
        "셀프 계산대가 자주 멈춰요.",
        "The self-checkout froze twice.",
    ),
    ("신상품이 많아서 좋았어요.", "Lots of new products, nice."),
];

/// Why a kiosk's unhappy customers were unhappy, by the kiosk survey's choice ids, weighted.
const KIOSK_PROBLEMS: [(&str, u32); 4] = [
    ("checkout", 5),
    ("finding", 3),
    ("cleanliness", 2),
    ("other", 1),
];

/// What was stored.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct History {
    pub responses: usize,
    pub displays: usize,
}

/// One sample event, before it is parsed.
enum Sample {
    Response { at: Timestamp, raw: Value },
    Display { at: Timestamp, raw: Value },
}

impl Sample {
    fn at(&self) -> Timestamp {
        match self {
            Sample::Response { at, .. } | Sample::Display { at, .. } => *at,
        }
    }
}

/// Stores [`DAYS`] days of sample answers before `now` for the demo's three surveys, oldest
/// first, and waits until they are on disk. Responses take the ingest routes' own path
/// ([`ingest::queue`]), as the collector's own ([`ingest::Source::Collector`]).
pub async fn seed(store: &Store, site: &Site, now: Timestamp) -> anyhow::Result<History> {
    let mut samples = samples(&site.id, now);
    samples.sort_by_key(Sample::at);
    let mut history = History::default();
    for chunk in samples.chunks(CHUNK) {
        let mut pending = Vec::with_capacity(chunk.len());
        for sample in chunk {
            pending.push(match sample {
                Sample::Response { at, raw } => {
                    let raw: RawResponse = serde_json::from_value(raw.clone())?;
                    ingest::queue(store, ingest::Source::Collector, raw, *at)
                        .map_err(|e| anyhow::anyhow!("a sample answer is refused: {e}"))?
                }
                Sample::Display { at, raw } => {
                    let display: DisplayEvent = serde_json::from_value(raw.clone())?;
                    store.put_display(display.pseudonymize(anonymous), *at)?
                }
            });
        }
        for (sample, stored) in chunk.iter().zip(pending) {
            stored.await?;
            match sample {
                Sample::Response { .. } => history.responses += 1,
                Sample::Display { .. } => history.displays += 1,
            }
        }
    }
    Ok(history)
}

fn anonymous(_: &shared::ids::MemberId) -> MemberHash {
    unreachable!("sample answers name no member")
}

/// Every sample event of the month, in no particular order.
fn samples(site: &SiteId, now: Timestamp) -> Vec<Sample> {
    let mut rng = StdRng::seed_from_u64(0x6e75_6e63_6869);
    let mut out = Vec::new();
    let mut receipt_no = 0;
    for days_ago in (0..DAYS).rev() {
        // 0 a month ago, 1 today: the web score improves as the month goes on.
        let progress = 1.0 - days_ago as f64 / DAYS as f64;
        let day_end = now - Period::days(days_ago);
        // Within the 12 hours before the day's end, so nothing is in the future.
        let at = |rng: &mut StdRng| day_end - Period::seconds(rng.random_range(60..43_200));

        for _ in 0..rng.random_range(8..=14) {
            let time = at(&mut rng);
            web(&mut rng, &mut out, site, time, progress);
        }
        for _ in 0..rng.random_range(6..=14) {
            let time = at(&mut rng);
            kiosk(&mut rng, &mut out, site, time);
        }
        for _ in 0..rng.random_range(4..=9) {
            receipt_no += 1;
            let time = at(&mut rng);
            receipt(&mut rng, &mut out, site, time, receipt_no);
        }
    }
    out
}

/// A shop visitor shown the post-purchase NPS: most answer, some close it, some ignore it.
fn web(rng: &mut StdRng, out: &mut Vec<Sample>, site: &SiteId, at: Timestamp, progress: f64) {
    let mood = pick(rng, &STORES);
    let store = mood.store;
    let channel = if rng.random_bool(0.3) { "app" } else { "web" };
    let locale = if rng.random_bool(0.7) { "ko" } else { "en" };
    let stage = if rng.random_bool(0.15) {
        "purchase"
    } else {
        "post_purchase"
    };
    let context = json!({
        "channel": channel, "site_id": site, "store_id": store,
        "journey_stage": stage, "locale": locale,
    });
    out.push(display(rng, "web-nps", "shown", &context, at));
    let roll: f64 = rng.random();
    if roll < 0.12 {
        let closed = at + Period::seconds(rng.random_range(3..30));
        out.push(display(rng, "web-nps", "dismissed", &context, closed));
        return;
    }
    if roll < 0.25 {
        return;
    }
    let score = nps(
        rng,
        mood.promoters + 0.12 * progress,
        (mood.detractors - 0.1 * progress).max(0.02),
    );
    let mut answers = json!({ "nps": score });
    if score <= 6 && rng.random_bool(0.6) {
        answers["what_went_wrong"] = json!(text(pick(rng, &WEB_COMMENTS), locale));
    }
    let answered = at + Period::seconds(rng.random_range(5..90));
    out.push(response(rng, "web-nps", answers, &context, answered));
}

/// A press on a store's kiosk; an unhappy one often says what the problem was.
fn kiosk(rng: &mut StdRng, out: &mut Vec<Sample>, site: &SiteId, at: Timestamp) {
    let mood = pick(rng, &STORES);
    let context = json!({
        "channel": "kiosk", "site_id": site, "store_id": mood.store, "kiosk_id": "k1",
        "journey_stage": "post_purchase", "locale": "ko",
    });
    let score = weighted(rng, &mood.smileys) + 1;
    let mut answers = json!({ "visit": score });
    if score <= 2 && rng.random_bool(0.7) {
        let problems: Vec<u32> = KIOSK_PROBLEMS.iter().map(|(_, w)| *w).collect();
        answers["problem"] = json!(KIOSK_PROBLEMS[weighted(rng, &problems)].0);
    }
    out.push(display(rng, "kiosk-smiley", "shown", &context, at));
    out.push(response(rng, "kiosk-smiley", answers, &context, at));
}

/// A receipt's QR code scanned: the survey about that purchase, usually answered.
fn receipt(rng: &mut StdRng, out: &mut Vec<Sample>, site: &SiteId, at: Timestamp, n: u32) {
    let mood = pick(rng, &STORES);
    let locale = if rng.random_bool(0.8) { "ko" } else { "en" };
    let context = json!({
        "channel": "receipt", "site_id": site, "store_id": mood.store,
        "receipt_id": format!("R-DEMO-{n:04}"), "journey_stage": "post_purchase",
        "locale": locale,
    });
    out.push(display(rng, "receipt-csat", "shown", &context, at));
    if rng.random_bool(0.15) {
        return;
    }
    let mut answers = json!({ "csat": weighted(rng, &mood.stars) + 1 });
    if rng.random_bool(0.35) {
        answers["comment"] = json!(text(pick(rng, &RECEIPT_COMMENTS), locale));
    }
    let answered = at + Period::seconds(rng.random_range(10..120));
    out.push(response(rng, "receipt-csat", answers, &context, answered));
}

fn response(
    rng: &mut StdRng,
    survey: &str,
    answers: Value,
    context: &Value,
    at: Timestamp,
) -> Sample {
    Sample::Response {
        at,
        raw: json!({
            "response_id": uuid7(rng, at), "survey_id": survey, "survey_version": 1,
            "answers": answers, "context": context, "client_time": at.millis(),
        }),
    }
}

fn display(rng: &mut StdRng, survey: &str, kind: &str, context: &Value, at: Timestamp) -> Sample {
    Sample::Display {
        at,
        raw: json!({
            "display_id": uuid7(rng, at), "survey_id": survey, "survey_version": 1,
            "kind": kind, "context": context, "client_time": at.millis(),
        }),
    }
}

/// A UUIDv7 for `at`, as a widget would make it, from the seeded generator.
fn uuid7(rng: &mut StdRng, at: Timestamp) -> String {
    let random: [u8; 10] = rng.random();
    let millis = u64::try_from(at.millis()).unwrap_or_default();
    uuid::Builder::from_unix_timestamp_millis(millis, &random)
        .into_uuid()
        .to_string()
}

/// An NPS answer: a promoter (9–10), a detractor (0–6, mostly 5 or 6) or a passive (7–8).
fn nps(rng: &mut StdRng, promoters: f64, detractors: f64) -> u32 {
    let roll: f64 = rng.random();
    if roll < promoters {
        *pick(rng, &[9, 10, 10])
    } else if roll < promoters + detractors {
        *pick(rng, &[0, 2, 3, 4, 5, 5, 6, 6, 6])
    } else {
        *pick(rng, &[7, 8, 8])
    }
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    items.choose(rng).expect("the sample lists are not empty")
}

/// An index into `weights`, each drawn in proportion to its weight.
fn weighted(rng: &mut StdRng, weights: &[u32]) -> usize {
    let mut roll = rng.random_range(0..weights.iter().sum::<u32>());
    for (i, w) in weights.iter().enumerate() {
        if roll < *w {
            return i;
        }
        roll -= w;
    }
    weights.len() - 1
}

fn text<'a>(pair: &'a (&'a str, &'a str), locale: &str) -> &'a str {
    if locale == "ko" { pair.0 } else { pair.1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn month() -> Vec<Sample> {
        let site = SiteId::parse("demo-shop").expect("a valid id");
        samples(&site, Timestamp(1_764_547_200_000))
    }

    #[test]
    fn a_month_of_samples_is_in_the_past_and_the_same_every_time() {
        let now = Timestamp(1_764_547_200_000);
        let (first, second) = (month(), month());
        assert_eq!(first.len(), second.len());
        assert!(first.len() > 30 * 10, "{} samples", first.len());
        assert!(
            first
                .iter()
                .all(|s| s.at() <= now && s.at() > now - Period::days(DAYS))
        );
        let raw = |s: &Sample| match s {
            Sample::Response { raw, .. } | Sample::Display { raw, .. } => raw.clone(),
        };
        assert!(first.iter().map(raw).eq(second.iter().map(raw)));
    }

    #[test]
    fn weighted_draws_follow_their_weights() {
        let mut rng = StdRng::seed_from_u64(7);
        let mut counts = [0u32; 3];
        for _ in 0..10_000 {
            counts[weighted(&mut rng, &[1, 0, 3])] += 1;
        }
        assert_eq!(counts[1], 0);
        assert!((2_200..2_800).contains(&counts[0]), "{counts:?}");
    }
}
