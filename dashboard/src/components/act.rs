//! What to do with a survey's answers, one card each: export them as a file (CSV, NDJSON) for a
//! filter kept in the address (`export.rs`); print a receipt's QR code for the survey
//! (`receipt_qr.rs`); the site's webhooks (`webhooks.rs`, `webhook_form.rs`); and the health
//! of the site's kiosks (last seen, backlog, build, stale ones highlighted), here.

use serde::Deserialize;
use yew::prelude::*;

use super::export::ExportCard;
use super::receipt_qr::ReceiptQr;
use super::webhooks::Webhooks;
use super::{Session, Tab, failure, survey_title, tabs, use_survey};
use crate::api::{self, ApiError, encode};
use crate::texts::Texts;

/// One kiosk's latest heartbeat, as `GET /v1/admin/sites/{site}/kiosks` lists it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
struct KioskView {
    store_id: String,
    kiosk_id: String,
    backlog: u64,
    widget_version: String,
    seconds_since_seen: u64,
    stale: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct KioskList {
    kiosks: Vec<KioskView>,
}

#[derive(Debug, Properties, PartialEq)]
pub(crate) struct ActProps {
    pub session: Session,
    pub site: String,
    pub survey: String,
}

#[component]
pub(crate) fn Act(props: &ActProps) -> Html {
    let session = &props.session;
    let t = session.texts();
    let survey = use_survey(session, &props.site, &props.survey);
    let kiosks = use_state(|| None::<Result<KioskList, ApiError>>);
    // Bumped by the refresh button: the kiosks are read again.
    let reads = use_state(|| 0_u32);

    {
        let (kiosks, checker) = (kiosks.clone(), session.clone());
        let deps = (
            session.key.clone(),
            props.site.clone(),
            *reads,
            session.admin,
        );
        use_effect_with(deps, move |(key, site, _, admin)| {
            // The kiosk list is the admin API's; an export key has no kiosks to show.
            if !admin {
                return;
            }
            let path = format!("/v1/admin/sites/{}/kiosks", encode(site));
            let key = key.clone();
            wasm_bindgen_futures::spawn_local(async move {
                kiosks.set(Some(checker.checked(api::get(&key, &path).await)));
            });
        });
    }

    let on_refresh = {
        let reads = reads.clone();
        Callback::from(move |_: MouseEvent| reads.set(*reads + 1))
    };
    let kiosk_body = match &*kiosks {
        None => html! { <p class="muted">{ t.loading }</p> },
        Some(Err(e)) => failure(session, e),
        Some(Ok(list)) if list.kiosks.is_empty() => {
            html! { <p class="muted" id="no-kiosks">{ t.no_kiosks }</p> }
        }
        Some(Ok(list)) => kiosk_table(t, &list.kiosks),
    };

    // The stores the site's kiosks are in, to suggest in the export filter and the receipt form.
    let mut stores: Vec<String> = match &*kiosks {
        Some(Ok(list)) => list.kiosks.iter().map(|k| k.store_id.clone()).collect(),
        _ => Vec::new(),
    };
    stores.sort();
    stores.dedup();

    let title = survey_title(t, &props.site, &props.survey, survey.as_ref());
    html! {
        <section class="page" id="act-page">
            <a class="back" href="#/">{ "← " }{ t.all_surveys }</a>
            <div class="title-row"><div>{ title }</div></div>
            { tabs(session, &props.site, &props.survey, Tab::Act) }
            if session.admin {
                <p class="muted small help">{ t.act_help }</p>
            }
            <ExportCard session={session.clone()} site={props.site.clone()}
                survey={props.survey.clone()} stores={stores.clone()} />
            // Receipts, webhooks and kiosks are the admin's; an export key exports.
            if session.admin {
            <ReceiptQr session={session.clone()} site={props.site.clone()}
                survey={props.survey.clone()} {stores} />
            <Webhooks session={session.clone()} site={props.site.clone()}
                survey={props.survey.clone()} />
            <section class="card" id="kiosks">
                <div class="title-row">
                    <h2>{ t.kiosks }<span class="muted id">{ &props.site }</span></h2>
                    <button type="button" id="kiosks-refresh" onclick={on_refresh}>
                        { t.refresh }
                    </button>
                </div>
                <p class="muted small">{ t.kiosks_help }</p>
                { kiosk_body }
            </section>
            }
        </section>
    }
}

fn kiosk_table(t: &Texts, kiosks: &[KioskView]) -> Html {
    html! {
        <table class="list">
            <thead><tr>
                <th>{ t.store }</th>
                <th>{ t.kiosk_id }</th>
                <th>{ t.status }</th>
                <th>{ t.last_seen }</th>
                <th class="num">{ t.backlog }</th>
                <th>{ t.build }</th>
            </tr></thead>
            <tbody>
                { for kiosks.iter().map(|k| html! {
                    <tr class={classes!("kiosk", k.stale.then_some("stale"))}
                        data-store={k.store_id.clone()} data-kiosk={k.kiosk_id.clone()}>
                        <td>{ &k.store_id }</td>
                        <td>{ &k.kiosk_id }</td>
                        <td>
                            if k.stale {
                                <span class="badge stale">{ t.stale }</span>
                            } else {
                                <span class="badge active">{ t.online }</span>
                            }
                        </td>
                        <td class="seen">{ t.ago(k.seconds_since_seen) }</td>
                        <td class={classes!("num", "backlog", (k.backlog > 0).then_some("waiting"))}>
                            { k.backlog }
                        </td>
                        <td class="build"><code>{ &k.widget_version }</code></td>
                    </tr>
                }) }
            </tbody>
        </table>
    }
}
