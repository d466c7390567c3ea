//! Key encodings of the `events` tree. One tree, so that one group commit is one atomic batch.
//!
//! | prefix | key after the prefix                         | value                       |
//! |--------|----------------------------------------------|-----------------------------|
//! | `R`    | ingest sequence (u64 BE)                     | response record (JSON)      |
//! | `r`    | response id (16 bytes)                       | its sequence (u64 BE)       |
//! | `D`    | display sequence (u64 BE)                    | display record (JSON)       |
//! | `d`    | display id (16 bytes)                        | its sequence (u64 BE)       |
//! | `L`    | site `\0` member hash                        | contact history (JSON)      |
//! | `Q`    | site `\0` survey                             | responses in total (u64 BE) |
//! | `S`    | site `\0` survey `\0` store `\0` day (i64 BE) | responses that day (u64 BE) |
//! | `I`    | site `\0` sequence (u64 BE)                  | empty: the site's responses |
//! | `J`    | site `\0` survey `\0` sequence (u64 BE)      | empty: the survey's responses |
//! | `K`    | site `\0` survey `\0` display sequence (u64 BE) | empty: the survey's displays |
//! | `O`    | due time (u64 BE, ms) message id (16 bytes)  | webhook message waiting to be sent (JSON) |
//! | `X`    | site `\0` webhook `\0` message id (16 bytes)  | dead letter: a message that ran out of tries (JSON) |
//! | `U`    | site `\0` receipt id                         | the sequence of the receipt's one response (u64 BE) |
//! | `M`    | a name                                       | store metadata              |
//! | `H`    | site `\0` store `\0` kiosk                   | the kiosk's latest heartbeat (JSON), overwritten |
//! | `P`    | site `\0` store `\0` kiosk `\0` survey       | the kiosk's latest press (JSON): repeated presses |
//! | `T`    | site `\0` sequence (u64 BE)                  | the team's labels on a response (JSON list) |
//!
//! Sequences are big-endian so that sled's byte order is ingest order: exports scan in order.
//! The writer thread assigns them, one after the other, and writes the `R` record and its `I`
//! and `J` index entries in the same atomic batch. Ids are slugs (no `\0`), so a site's prefix
//! never matches another site's keys.
//!
//! The webhook outbox (`O`) lives in this tree too, for the same reason: a response and the
//! messages it causes are one batch, so no acknowledged response can lose its webhook. Outbox
//! keys lead with the time a message is due, so the delivery worker reads only what is due.

use shared::ids::{
    DisplayId, KioskId, MemberHash, ReceiptId, ResponseId, SiteId, StoreId, SurveyId,
};
use shared::time::Timestamp;
use uuid::Uuid;

use shared::webhook::WebhookId;

pub(super) const RESPONSE: u8 = b'R';
pub(super) const DISPLAY: u8 = b'D';
const SITE_INDEX: u8 = b'I';
const SURVEY_INDEX: u8 = b'J';
pub(super) const META: u8 = b'M';
const DISPLAY_INDEX: u8 = b'K';
const OUTBOX: u8 = b'O';
const DEAD_LETTER: u8 = b'X';
const LABELS: u8 = b'T';

pub(super) fn with_prefix(prefix: u8, parts: &[&[u8]]) -> Vec<u8> {
    let mut key = Vec::with_capacity(1 + parts.iter().map(|p| p.len() + 1).sum::<usize>());
    key.push(prefix);
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            key.push(0);
        }
        key.extend_from_slice(part);
    }
    key
}

pub(super) fn response_seq(seq: u64) -> Vec<u8> {
    with_prefix(RESPONSE, &[&seq.to_be_bytes()])
}

/// The prefix of a site's response index entries (`I`).
pub(super) fn site_responses(site: &SiteId) -> Vec<u8> {
    let mut prefix = with_prefix(SITE_INDEX, &[site.as_str().as_bytes()]);
    prefix.push(0);
    prefix
}

/// The prefix of a site's display index entries (`K`), every survey of it.
pub(super) fn site_displays(site: &SiteId) -> Vec<u8> {
    let mut prefix = with_prefix(DISPLAY_INDEX, &[site.as_str().as_bytes()]);
    prefix.push(0);
    prefix
}

/// The prefix of a site's dead letters, every webhook of it.
pub(super) fn site_dead_letters(site: &SiteId) -> Vec<u8> {
    let mut prefix = with_prefix(DEAD_LETTER, &[site.as_str().as_bytes()]);
    prefix.push(0);
    prefix
}

/// Whether `key` is an outbox message or a dead letter: what an erasure looks through.
pub(super) fn is_webhook_message(key: &[u8]) -> bool {
    matches!(key.first(), Some(&OUTBOX) | Some(&DEAD_LETTER))
}

/// The first key past every response record.
pub(super) fn response_seq_end() -> Vec<u8> {
    vec![RESPONSE + 1]
}

/// The site index entry of a response: export reads a site without scanning the others.
pub(super) fn site_response(site: &SiteId, seq: u64) -> Vec<u8> {
    with_prefix(SITE_INDEX, &[site.as_str().as_bytes(), &seq.to_be_bytes()])
}

/// The survey index entry of a response.
pub(super) fn survey_response(site: &SiteId, survey: &SurveyId, seq: u64) -> Vec<u8> {
    with_prefix(
        SURVEY_INDEX,
        &[
            site.as_str().as_bytes(),
            survey.as_str().as_bytes(),
            &seq.to_be_bytes(),
        ],
    )
}

/// The index entry that leads the range of `scope`'s responses with sequence `seq` or more.
pub(super) fn index_entry(scope: &IndexScope<'_>, seq: u64) -> Vec<u8> {
    match scope {
        IndexScope::Site(site) => site_response(site, seq),
        IndexScope::Survey(site, survey) => survey_response(site, survey, seq),
    }
}

/// Which index a scan walks: a whole site, or one survey of it.
#[derive(Debug, Clone, Copy)]
pub enum IndexScope<'a> {
    Site(&'a SiteId),
    Survey(&'a SiteId, &'a SurveyId),
}

/// The sequence number at the end of an index entry.
pub(super) fn index_entry_seq(key: &[u8]) -> u64 {
    decode_u64(&key[key.len().saturating_sub(8)..])
}

/// Set once every response has its index entries (stores made before the indexes existed get
/// them on open).
pub(super) fn response_indexes_built() -> Vec<u8> {
    with_prefix(META, &[b"response-indexes-v1"])
}

/// Set once every display has its survey index entry.
pub(super) fn display_indexes_built() -> Vec<u8> {
    with_prefix(META, &[b"display-indexes-v1"])
}

/// The survey index entry of a display: a summary counts a survey's displays without reading
/// every display of every site.
pub(super) fn survey_display(site: &SiteId, survey: &SurveyId, seq: u64) -> Vec<u8> {
    with_prefix(
        DISPLAY_INDEX,
        &[
            site.as_str().as_bytes(),
            survey.as_str().as_bytes(),
            &seq.to_be_bytes(),
        ],
    )
}

/// The range of a survey's display index entries with sequences in `first..=last`.
pub(super) fn survey_displays(
    site: &SiteId,
    survey: &SurveyId,
    first: u64,
    last: u64,
) -> std::ops::RangeInclusive<Vec<u8>> {
    survey_display(site, survey, first)..=survey_display(site, survey, last)
}

/// A waiting webhook message, keyed by when it is due and then by its id.
pub(super) fn outbox(due: Timestamp, message: &Uuid) -> Vec<u8> {
    let due = u64::try_from(due.millis()).unwrap_or(0);
    with_prefix(
        OUTBOX,
        &[&[due.to_be_bytes().as_slice(), message.as_bytes()].concat()],
    )
}

/// The outbox keys of messages due at or before `now`.
pub(super) fn outbox_due(now: Timestamp) -> std::ops::RangeInclusive<Vec<u8>> {
    outbox(Timestamp(0), &Uuid::nil())..=outbox(now, &Uuid::max())
}

/// The outbox keys of messages due after `now`.
pub(super) fn outbox_later(now: Timestamp) -> std::ops::Range<Vec<u8>> {
    outbox(Timestamp(now.millis().saturating_add(1)), &Uuid::nil())..vec![OUTBOX + 1]
}

/// Every outbox key.
pub(super) fn outbox_all() -> std::ops::Range<Vec<u8>> {
    vec![OUTBOX]..vec![OUTBOX + 1]
}

/// The due time in an outbox key.
pub(super) fn outbox_key_due(key: &[u8]) -> Timestamp {
    Timestamp(decode_u64(key.get(1..9).unwrap_or_default()) as i64)
}

pub(super) fn dead_letter(site: &SiteId, webhook: &WebhookId, message: &Uuid) -> Vec<u8> {
    with_prefix(
        DEAD_LETTER,
        &[
            site.as_str().as_bytes(),
            webhook.as_str().as_bytes(),
            message.as_bytes(),
        ],
    )
}

/// The prefix of a webhook's dead letters.
pub(super) fn dead_letters(site: &SiteId, webhook: &WebhookId) -> Vec<u8> {
    let mut prefix = with_prefix(
        DEAD_LETTER,
        &[site.as_str().as_bytes(), webhook.as_str().as_bytes()],
    );
    prefix.push(0);
    prefix
}

pub(super) fn response_id(id: &ResponseId) -> Vec<u8> {
    with_prefix(b'r', &[id.as_bytes()])
}

pub(super) fn display_seq(seq: u64) -> Vec<u8> {
    with_prefix(DISPLAY, &[&seq.to_be_bytes()])
}

pub(super) fn display_id(id: &DisplayId) -> Vec<u8> {
    with_prefix(b'd', &[id.as_bytes()])
}

pub(super) fn ledger(site: &SiteId, member: &MemberHash) -> Vec<u8> {
    with_prefix(
        b'L',
        &[site.as_str().as_bytes(), member.as_str().as_bytes()],
    )
}

/// Marks a receipt answered: written with the receipt's one response, in its batch.
pub(super) fn receipt(site: &SiteId, receipt: &ReceiptId) -> Vec<u8> {
    with_prefix(
        b'U',
        &[site.as_str().as_bytes(), receipt.as_str().as_bytes()],
    )
}

pub(super) fn quota_total(site: &SiteId, survey: &SurveyId) -> Vec<u8> {
    with_prefix(
        b'Q',
        &[site.as_str().as_bytes(), survey.as_str().as_bytes()],
    )
}

pub(super) fn quota_store_day(
    site: &SiteId,
    survey: &SurveyId,
    store: &StoreId,
    day: i64,
) -> Vec<u8> {
    with_prefix(
        b'S',
        &[
            site.as_str().as_bytes(),
            survey.as_str().as_bytes(),
            store.as_str().as_bytes(),
            &day.to_be_bytes(),
        ],
    )
}

/// A kiosk's heartbeat: one per kiosk, overwritten.
pub(super) fn kiosk(site: &SiteId, store: &StoreId, kiosk: &KioskId) -> Vec<u8> {
    with_prefix(
        b'H',
        &[
            site.as_str().as_bytes(),
            store.as_str().as_bytes(),
            kiosk.as_str().as_bytes(),
        ],
    )
}

/// The prefix of a site's kiosk heartbeats.
pub(super) fn site_kiosks(site: &SiteId) -> Vec<u8> {
    let mut prefix = with_prefix(b'H', &[site.as_str().as_bytes()]);
    prefix.push(0);
    prefix
}

/// A kiosk's latest press on a survey, to tell a repeated press. A kiosk without a store has
/// an empty store part (store ids are never empty).
pub(super) fn kiosk_press(
    site: &SiteId,
    store: Option<&StoreId>,
    kiosk: &KioskId,
    survey: &SurveyId,
) -> Vec<u8> {
    with_prefix(
        b'P',
        &[
            site.as_str().as_bytes(),
            store.map_or(&b""[..], |s| s.as_str().as_bytes()),
            kiosk.as_str().as_bytes(),
            survey.as_str().as_bytes(),
        ],
    )
}

/// The team's labels on the response `seq` of `site` (see `store::labels`).
pub(super) fn labels(site: &SiteId, seq: u64) -> Vec<u8> {
    with_prefix(LABELS, &[site.as_str().as_bytes(), &seq.to_be_bytes()])
}

/// The prefix of a site's labelled responses, in ingest order.
pub(super) fn site_labels(site: &SiteId) -> Vec<u8> {
    let mut prefix = with_prefix(LABELS, &[site.as_str().as_bytes()]);
    prefix.push(0);
    prefix
}

/// The sequence number after the last key with `prefix`, so a restarted writer goes on from there.
pub(super) fn next_seq(tree: &sled::Tree, prefix: u8) -> sled::Result<u64> {
    let last = tree.scan_prefix([prefix]).next_back().transpose()?;
    Ok(last.map_or(1, |(key, _)| decode_u64(&key[1..]) + 1))
}

pub(super) fn decode_u64(bytes: &[u8]) -> u64 {
    let mut buf = [0u8; 8];
    let n = bytes.len().min(8);
    buf[..n].copy_from_slice(&bytes[..n]);
    u64::from_be_bytes(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_entries_sort_by_sequence_within_their_site_only() {
        let (a, ab) = (SiteId::parse("a").unwrap(), SiteId::parse("ab").unwrap());
        let survey = SurveyId::parse("nps").unwrap();
        assert!(site_response(&a, 2) < site_response(&a, 256));
        assert!(site_response(&a, u64::MAX) < site_response(&ab, 0));
        assert!(!site_response(&ab, 1).starts_with(&site_response(&a, 1)[..3]));
        assert_eq!(index_entry_seq(&site_response(&a, 258)), 258);
        assert_eq!(
            index_entry_seq(&survey_response(&a, &survey, 7)),
            7,
            "the sequence is the last 8 bytes"
        );
    }

    #[test]
    fn outbox_keys_sort_by_due_time_and_ranges_split_at_now() {
        let (early, late) = (Uuid::now_v7(), Uuid::nil());
        fn key(due: i64, id: &Uuid) -> Vec<u8> {
            outbox(Timestamp(due), id)
        }
        assert!(
            key(1_000, &early) < key(1_001, &late),
            "due time first, then id"
        );
        assert!(key(256, &Uuid::max()) < key(257, &Uuid::nil()));
        assert_eq!(
            outbox_key_due(&key(1_763_855_198_000, &early)).millis(),
            1_763_855_198_000
        );
        let now = Timestamp(5_000);
        let due = outbox_due(now);
        let later = outbox_later(now);
        for (at, is_due) in [(0, true), (4_999, true), (5_000, true), (5_001, false)] {
            let k = key(at, &early);
            assert_eq!(due.contains(&k), is_due, "{at}");
            assert_eq!(later.contains(&k), !is_due, "{at}");
            assert!(outbox_all().contains(&k));
        }
        assert!(!outbox_all().contains(&response_seq(1)));
    }
}
