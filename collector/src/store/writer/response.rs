//! Storing a response: once per id, once per receipt, flagged when a kiosk press repeats, with
//! its quota counts, the member's ledger entry, its index entries and its webhook messages.

use serde::{Deserialize, Serialize};
use shared::ids::{MemberHash, ResponseId};
use shared::response::{Channel, Response};
use shared::throttle::{Contact, ContactKind};
use shared::time::{Period, Timestamp};
use uuid::Uuid;

use super::{Group, Job, ledger, outbox, record_json};
use crate::store::StoreError;
use crate::store::keys;
use crate::store::records::{Flag, Message, NewMessage, NewResponse, ResponseRecord};

/// How a response or display was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    New {
        seq: u64,
    },
    /// Already stored before: nothing was written.
    Duplicate {
        seq: u64,
    },
    /// Another response to the same receipt is stored (`seq`): one receipt, one response.
    /// Nothing was written.
    ReceiptUsed {
        seq: u64,
    },
}

/// Store a validated, pseudonymized response once, with an outbox message for each webhook
/// that wants it (written only if the response is new and counted).
pub(in crate::store) struct PutResponse(pub(in crate::store) NewResponse);

/// A kiosk's latest press on a survey (`P` in `events`): what a repeated press is compared with.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Press {
    /// The press's client time.
    at: Timestamp,
    /// Its answers as JSON (the map is sorted, so equal answers are equal text).
    answers: String,
    /// The counted response this press is, or repeats.
    counted: ResponseId,
}

impl Job for PutResponse {
    type Output = Stored;

    fn apply(self, group: &mut Group<'_>) -> Result<Stored, StoreError> {
        let NewResponse {
            response,
            received_at,
            messages,
            repeat_window,
        } = self.0;
        let id_key = keys::response_id(&response.response_id);
        if let Some(seq) = group.read_seq(&id_key)? {
            return Ok(Stored::Duplicate { seq });
        }
        // One response per receipt: checked after the id, so that a retry of the response that
        // used the receipt is still a duplicate, and marked in the response's own batch.
        let receipt_key = match (&response.context.channel, &response.context.receipt_id) {
            (Channel::Receipt, Some(receipt)) => {
                let key = keys::receipt(&response.context.site_id, receipt);
                if let Some(seq) = group.read_seq(&key)? {
                    return Ok(Stored::ReceiptUsed { seq });
                }
                Some(key)
            }
            _ => None,
        };
        // A repeated press is checked after the id, so that a retry stays a duplicate.
        let repeat_of = press(&response, repeat_window, group)?;
        let seq = group.take_response_seq();
        if let Some(key) = receipt_key {
            group.put(key, seq.to_be_bytes().to_vec());
        }
        let ctx = &response.context;
        if repeat_of.is_none() {
            group.bump(keys::quota_total(&ctx.site_id, &response.survey_id))?;
        }
        if let (None, Some(store)) = (repeat_of, &ctx.store_id) {
            group.bump(keys::quota_store_day(
                &ctx.site_id,
                &response.survey_id,
                store,
                received_at.utc_day(),
            ))?;
        }
        if let Some(member) = &ctx.member {
            let contact = Contact {
                at: response.client_time,
                survey_id: response.survey_id.clone(),
                channel: ctx.channel,
            };
            ledger::note_contact(group, &ctx.site_id, member, ContactKind::Answered, contact)?;
        }
        let record = ResponseRecord {
            seq,
            received_at,
            flag: repeat_of.map(|_| Flag::RepeatPress),
            repeat_of,
            response,
        };
        group.put(keys::response_seq(seq), record_json(&record)?);
        group.put(id_key, seq.to_be_bytes().to_vec());
        let (site, survey) = (&record.response.context.site_id, &record.response.survey_id);
        group.put(keys::site_response(site, seq), Vec::new());
        group.put(keys::survey_response(site, survey, seq), Vec::new());
        group.count_response(&record);
        if repeat_of.is_none() {
            // A repeated press is kept for the record, but is no new answer to announce.
            put_messages(&record, messages, group)?;
        }
        Ok(Stored::New { seq })
    }
}

/// On the kiosk channel: whether `response` repeats the kiosk's latest press on the survey
/// (same answers, client times at most `window` apart), and which counted response it
/// repeats. Presses are compared by client time, not by arrival: an offline kiosk's late
/// batch comes in its own order, and the latest press stays the one compared with (an
/// older press that arrives late is checked against it but does not replace it).
fn press(
    response: &Response<MemberHash>,
    window: Period,
    group: &mut Group<'_>,
) -> Result<Option<ResponseId>, StoreError> {
    let ctx = &response.context;
    let (Channel::Kiosk, Some(kiosk)) = (ctx.channel, &ctx.kiosk_id) else {
        return Ok(None);
    };
    let key = keys::kiosk_press(
        &ctx.site_id,
        ctx.store_id.as_ref(),
        kiosk,
        &response.survey_id,
    );
    let answers = serde_json::to_string(&response.answers)?;
    let latest: Option<Press> = group.read_json(&key)?;
    let at = response.client_time;
    let repeat_of = latest
        .as_ref()
        .filter(|p| {
            window > Period::ZERO
                && p.answers == answers
                && (at.0 - p.at.0).unsigned_abs() <= window.millis().unsigned_abs()
        })
        .map(|p| p.counted);
    if latest.as_ref().is_none_or(|p| p.at <= at) {
        let press = Press {
            at,
            answers,
            counted: repeat_of.unwrap_or(response.response_id),
        };
        group.put(key, serde_json::to_vec(&press)?);
    }
    Ok(repeat_of)
}

/// The outbox messages of a new response, in its batch: once the response is durable, so
/// are they.
fn put_messages(
    record: &ResponseRecord,
    messages: Vec<NewMessage>,
    group: &mut Group<'_>,
) -> Result<(), StoreError> {
    for new in messages {
        let message = Message {
            id: Uuid::now_v7(),
            site: record.response.context.site_id.clone(),
            webhook: new.webhook,
            response_seq: record.seq,
            created_at: record.received_at,
            attempts: 0,
            due: record.received_at,
            last_error: None,
            body: new.body.with_seq(record.seq),
        };
        outbox::put_message(&message, group)?;
    }
    Ok(())
}
