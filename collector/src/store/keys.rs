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
//!
//! Sequences are big-endian so that sled's byte order is ingest order: exports scan in order.

use shared::ids::{DisplayId, MemberHash, ResponseId, SiteId, StoreId, SurveyId};

pub const RESPONSE: u8 = b'R';
pub const DISPLAY: u8 = b'D';

fn with_prefix(prefix: u8, parts: &[&[u8]]) -> Vec<u8> {
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

pub fn response_seq(seq: u64) -> Vec<u8> {
    with_prefix(RESPONSE, &[&seq.to_be_bytes()])
}

/// The first key past every response record.
pub fn response_seq_end() -> Vec<u8> {
    vec![RESPONSE + 1]
}

pub fn response_id(id: &ResponseId) -> Vec<u8> {
    with_prefix(b'r', &[id.as_bytes()])
}

pub fn display_seq(seq: u64) -> Vec<u8> {
    with_prefix(DISPLAY, &[&seq.to_be_bytes()])
}

pub fn display_id(id: &DisplayId) -> Vec<u8> {
    with_prefix(b'd', &[id.as_bytes()])
}

pub fn ledger(site: &SiteId, member: &MemberHash) -> Vec<u8> {
    with_prefix(
        b'L',
        &[site.as_str().as_bytes(), member.as_str().as_bytes()],
    )
}

pub fn quota_total(site: &SiteId, survey: &SurveyId) -> Vec<u8> {
    with_prefix(
        b'Q',
        &[site.as_str().as_bytes(), survey.as_str().as_bytes()],
    )
}

pub fn quota_store_day(site: &SiteId, survey: &SurveyId, store: &StoreId, day: i64) -> Vec<u8> {
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

/// The sequence number after the last key with `prefix`, so a restarted writer goes on from there.
pub fn next_seq(tree: &sled::Tree, prefix: u8) -> sled::Result<u64> {
    let last = tree.scan_prefix([prefix]).next_back().transpose()?;
    Ok(last.map_or(1, |(key, _)| decode_u64(&key[1..]) + 1))
}

pub fn decode_u64(bytes: &[u8]) -> u64 {
    let mut buf = [0u8; 8];
    let n = bytes.len().min(8);
    buf[..n].copy_from_slice(&bytes[..n]);
    u64::from_be_bytes(buf)
}
