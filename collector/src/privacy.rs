//! Privacy: erasing a member, the retention sweeper, and Global Privacy Control.
//!
//! - **Erasure.** [`erase_member`] finds a member's responses and displays through the site's
//!   indexes (outside the writer) and has the writer remove them, their index entries, the
//!   member's ledger entry and the webhook messages of those responses in one batch. It is
//!   idempotent: a second erasure removes nothing.
//! - **Retention.** [`sweep`] deletes, for each site with `retention_days`, the responses
//!   received before that many days ago (with their index entries and webhook messages), a
//!   batch of at most [`SWEEP_BATCH`] at a time; [`spawn_sweeper`] runs it every interval.
//! - **Global Privacy Control.** A request with `Sec-GPC: 1` stores no member identifier:
//!   [`withholds_member`] tells the routes to drop the member id before it is hashed.

use std::time::Duration;

use axum::http::HeaderMap;
use shared::ids::{MemberHash, SiteId};
use shared::time::{Period, Timestamp};
use tokio::sync::watch;

use crate::clock::Clock;
use crate::store::{Erased, Erasure, Store, StoreError};

/// Responses deleted by the sweeper per writer job: one batch stays small.
pub const SWEEP_BATCH: usize = 5_000;

/// Whether the request carries `Sec-GPC: 1`, the browser's Global Privacy Control signal: the
/// visitor asks not to be tracked, so the collector keeps no member identifier of it.
pub fn withholds_member(headers: &HeaderMap) -> bool {
    headers
        .get("sec-gpc")
        .is_some_and(|v| v.as_bytes().trim_ascii() == b"1")
}

/// Erases every record of `member` on `site`; answers what was removed.
pub async fn erase_member(
    store: &Store,
    site: &SiteId,
    member: &MemberHash,
) -> Result<Erased, StoreError> {
    let plan = {
        let (store, site, member) = (store.clone(), site.clone(), member.clone());
        tokio::task::spawn_blocking(move || store.plan_member_erasure(&site, &member))
            .await
            .map_err(|e| StoreError::Io(std::io::Error::other(e)))??
    };
    submit(store, plan).await
}

async fn submit(store: &Store, erasure: Erasure) -> Result<Erased, StoreError> {
    store.erase(erasure)?.await
}

/// Deletes every response older than its site's retention, as of `now`.
pub async fn sweep(store: &Store, now: Timestamp) -> Result<Erased, StoreError> {
    let mut total = Erased::default();
    for site in store.catalog().sites() {
        let Some(days) = site.retention_days else {
            continue;
        };
        let before = now - Period::days(u64::from(days));
        loop {
            let plan = {
                let (store, id) = (store.clone(), site.id.clone());
                tokio::task::spawn_blocking(move || store.plan_expiry(&id, before, SWEEP_BATCH))
                    .await
                    .map_err(|e| StoreError::Io(std::io::Error::other(e)))??
            };
            if plan.is_empty() {
                break;
            }
            let erased = submit(store, plan).await?;
            total.add(erased);
            if erased.responses == 0 {
                break;
            }
        }
    }
    Ok(total)
}

/// Runs [`sweep`] every `every` (the first time right away) until `stop` turns true.
pub fn spawn_sweeper(
    store: Store,
    clock: Clock,
    every: Duration,
    mut stop: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = stop.changed() => return,
            }
            match sweep(&store, clock.now()).await {
                Ok(erased) if erased.responses > 0 => {
                    tracing::info!(
                        responses = erased.responses,
                        webhook_messages = erased.webhook_messages,
                        "retention: deleted expired responses"
                    );
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "retention sweep failed; trying again next time")
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sec_gpc_1_withholds_the_member() {
        let check = |value: Option<&str>| {
            let mut headers = HeaderMap::new();
            if let Some(v) = value {
                headers.insert("sec-gpc", v.parse().unwrap());
            }
            withholds_member(&headers)
        };
        assert!(check(Some("1")));
        assert!(check(Some(" 1 ")));
        assert!(!check(Some("0")));
        assert!(!check(Some("yes")));
        assert!(!check(None));
    }
}
