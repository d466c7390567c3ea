//! The Act page's export: filter controls for what the export API can filter (received dates,
//! stores, channels, journey stages), kept in the page's address, and the CSV and NDJSON
//! buttons, which download exactly that filter. See [`crate::filter`].

use yew::prelude::*;

use super::{Session, field, form_failure, input_value};
use crate::api::{self, ApiError, encode};
use crate::filter::{CHANNELS, ExportFilter, STAGES, toggle, ymd};
use crate::route::{current_query, keep_query};

#[derive(Debug, Properties, PartialEq)]
pub(crate) struct ExportProps {
    pub session: Session,
    pub site: String,
    pub survey: String,
    /// Stores to suggest in the store box (the site's kiosks').
    pub stores: Vec<String>,
}

/// Where an export stands.
#[derive(Debug, Clone, PartialEq)]
enum Export {
    Idle,
    Busy,
    Done(&'static str),
    Failed(ApiError),
}

/// The query parameters the filter's inputs stand for, as the API names them.
const PARAMS: [&str; 5] = ["from", "to", "store", "channel", "journey_stage"];

/// A date's local midnight, or the next day's (`after`), in milliseconds.
fn local_midnight(date: &str, after: bool) -> Option<i64> {
    let (year, month, day) = ymd(date)?;
    let day = day as i32 + i32::from(after);
    let ms = js_sys::Date::new_with_year_month_day(year as u32, month as i32 - 1, day).get_time();
    ms.is_finite().then_some(ms as i64)
}

/// Puts the filter in the address without a new history entry (and without `hashchange`: the
/// page stays as it is).
#[component]
pub(crate) fn ExportCard(props: &ExportProps) -> Html {
    let session = &props.session;
    let t = session.texts();
    let filter = use_state(|| ExportFilter::parse(&current_query()));
    let export = use_state(|| Export::Idle);

    let change = {
        let (filter, export) = (filter.clone(), export.clone());
        move |edit: fn(&mut ExportFilter, String)| {
            let (filter, export) = (filter.clone(), export.clone());
            Callback::from(move |e: Event| {
                let mut next = (*filter).clone();
                edit(&mut next, input_value(&e));
                keep_query(&next.to_query());
                filter.set(next);
                export.set(Export::Idle);
            })
        }
    };
    let toggler = |which: &'static str, value: &'static str| {
        let (filter, export) = (filter.clone(), export.clone());
        Callback::from(move |_: Event| {
            let mut next = (*filter).clone();
            match which {
                "channel" => next.channels = toggle(&next.channels, value, &CHANNELS),
                _ => next.stages = toggle(&next.stages, value, &STAGES),
            }
            keep_query(&next.to_query());
            filter.set(next);
            export.set(Export::Idle);
        })
    };
    let clear = {
        let (filter, export) = (filter.clone(), export.clone());
        Callback::from(move |_: MouseEvent| {
            keep_query("");
            filter.set(ExportFilter::default());
            export.set(Export::Idle);
        })
    };

    let start_export = |format: &'static str| {
        let (export, checker, filter) = (export.clone(), session.clone(), filter.clone());
        let (site, id) = (props.site.clone(), props.survey.clone());
        Callback::from(move |_: MouseEvent| {
            let (export, checker) = (export.clone(), checker.clone());
            let path = format!(
                "/v1/admin/sites/{}/export?format={format}&survey={}{}",
                encode(&site),
                encode(&id),
                filter.api_query(local_midnight)
            );
            let file_name = format!("{}.{format}", filter.file_stem(&site, &id));
            export.set(Export::Busy);
            wasm_bindgen_futures::spawn_local(async move {
                let result = checker.checked(api::download(&checker.key, &path, &file_name).await);
                export.set(match result {
                    Ok(()) => Export::Done(format),
                    Err(e) => Export::Failed(e),
                });
            });
        })
    };

    let failed = match &*export {
        Export::Failed(e) => Some(e),
        _ => None,
    };
    let busy = *export == Export::Busy;
    let export_state = match &*export {
        Export::Idle => html! {},
        Export::Busy => {
            html! { <span class="muted small" id="export-state">{ t.exporting }</span> }
        }
        Export::Done(format) => html! {
            <span class="small ok" id="export-state" data-format={*format}>
                { format!("✓ {} ({})", t.exported, format.to_uppercase()) }
            </span>
        },
        Export::Failed(e) => html! {
            <span id="export-state" data-failed="true">{ form_failure(session, e, &PARAMS) }</span>
        },
    };
    let f = &*filter;
    let date = |id: &'static str, value: &str, edit: fn(&mut ExportFilter, String)| {
        html! { <input type="date" {id} value={value.to_owned()} onchange={change(edit)} /> }
    };
    let checks = |which: &'static str, values: &[&'static str], on: &[&'static str]| {
        html! {
            <div class="checks" id={format!("filter-{which}")}>
                { for values.iter().map(|v| html! {
                    <label class="check">
                        <input type="checkbox" value={*v} checked={on.contains(v)}
                            onchange={toggler(which, v)} />
                        { t.context_value(v) }
                    </label>
                }) }
            </div>
        }
    };
    let summary = if f.is_empty() {
        t.filter_all.to_owned()
    } else {
        let mut parts = Vec::new();
        match (f.from.as_str(), f.to.as_str()) {
            ("", "") => {}
            (from, "") => parts.push(format!("{from} →")),
            ("", to) => parts.push(format!("→ {to}")),
            (from, to) => parts.push(format!("{from} → {to}")),
        }
        let stores = f.store_list();
        if !stores.is_empty() {
            parts.push(stores.join(", "));
        }
        for list in [&f.channels, &f.stages] {
            if !list.is_empty() {
                let names: Vec<&str> = list.iter().map(|v| t.context_value(v)).collect();
                parts.push(names.join(", "));
            }
        }
        format!("{}{}", t.filter_some, parts.join(" · "))
    };

    html! {
        <section class="card" id="export">
            <h2>{ t.export }</h2>
            <p class="muted small">{ t.export_help }</p>
            <div class="filters">
                { field(t.from_day, "", date("filter-from", &f.from, |f, v| f.from = v),
                    failed, &["from"]) }
                { field(t.to_day, "", date("filter-to", &f.to, |f, v| f.to = v),
                    failed, &["to"]) }
                { field(t.stores, t.stores_hint, html! {
                    <input type="text" id="filter-store" list="known-stores" autocomplete="off"
                        placeholder="gangnam-01, hongdae-02" value={f.stores.clone()}
                        oninput={change(|f, v| f.stores = v).reform(Event::from)} />
                }, failed, &["store"]) }
                <datalist id="known-stores">
                    { for props.stores.iter().map(|s| html! { <option value={s.clone()} /> }) }
                </datalist>
                // Where and how in one row, which channels and stages in the next.
                <div class="break"></div>
                { field(t.channels, "", checks("channel", &CHANNELS, &f.channels),
                    failed, &["channel"]) }
                { field(t.journey_stage, "", checks("journey_stage", &STAGES, &f.stages),
                    failed, &["journey_stage"]) }
            </div>
            <p class="filter-summary small" id="filter-summary">{ summary }</p>
            <div class="controls">
                <button type="button" class="primary" id="export-csv" disabled={busy}
                    onclick={start_export("csv")}>{ t.download_csv }</button>
                <button type="button" id="export-ndjson" disabled={busy}
                    onclick={start_export("ndjson")}>{ t.download_ndjson }</button>
                if !f.is_empty() {
                    <button type="button" class="link" id="filter-clear" onclick={clear}>
                        { t.clear_filter }
                    </button>
                }
                { export_state }
            </div>
        </section>
    }
}
