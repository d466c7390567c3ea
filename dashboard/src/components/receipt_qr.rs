//! The receipt-QR generator: a purchase typed in (store, receipt, time, total, basket), sent
//! as a POS sends it (`POST /v1/sites/{site}/receipts`, for the page's survey), and the
//! printable code that comes back: the answer's `qr_svg` as an image (a `data:` URL: the
//! dashboard's policy allows `img-src data:`), the link it holds and when it expires. Print
//! prints the code and its caption only (`@media print` in `dashboard.css`).
//!
//! The collector makes a site's receipt signing key with its first code; "New signing key"
//! (`POST /v1/admin/sites/{site}/receipt-keys`) replaces it, and codes already printed keep
//! working until they expire.

use serde::{Deserialize, Serialize};
use yew::prelude::*;

use super::{Session, failure, field, form_failure, input_value};
use crate::api::{self, ApiError, FieldProblem, encode};
use crate::texts::Texts;

#[derive(Debug, Properties, PartialEq)]
pub(crate) struct ReceiptQrProps {
    pub session: Session,
    pub site: String,
    pub survey: String,
    /// Stores to suggest (the site's kiosks').
    pub stores: Vec<String>,
}

/// The currencies offered, with their minor units' digits.
const CURRENCIES: [(&str, u32); 5] = [("KRW", 0), ("USD", 2), ("EUR", 2), ("JPY", 0), ("GBP", 2)];

/// The form as typed.
#[derive(Debug, Clone, PartialEq)]
struct Form {
    store: String,
    receipt: String,
    /// `YYYY-MM-DDTHH:MM`, local time, as a `datetime-local` input gives it.
    purchased_at: String,
    amount: String,
    currency: String,
    categories: String,
    member: String,
    valid_days: String,
}

/// What the receipts route takes (`collector::receipt::ReceiptRequest`).
#[derive(Debug, Serialize)]
struct ReceiptRequest<'a> {
    store_id: &'a str,
    receipt_id: &'a str,
    purchased_at: i64,
    amount: i64,
    currency: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    categories: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    member: Option<&'a str>,
    survey_id: &'a str,
    valid_days: u32,
}

/// What it answers (`collector::receipt::Issued`), less the PNG.
#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Issued {
    url: String,
    expires_at: i64,
    qr_svg: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct NewKey {
    kid: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Idle,
    Busy,
    Issued {
        issued: Issued,
        store: String,
        receipt: String,
    },
    Failed(ApiError),
}

#[derive(Debug, Clone, PartialEq)]
enum KeyStep {
    Idle,
    Confirm,
    Done(String),
    Failed(ApiError),
}

/// The fields of the form, as the API names them.
const FIELDS: [&str; 8] = [
    "store_id",
    "receipt_id",
    "purchased_at",
    "amount",
    "currency",
    "categories",
    "member",
    "valid_days",
];

/// A total typed in the currency's major unit (`12,500`, `12.50`) in minor units.
fn minor_units(text: &str, digits: u32) -> Option<i64> {
    let plain: String = text.chars().filter(|c| !matches!(c, ',' | ' ')).collect();
    let (whole, fraction) = plain.split_once('.').unwrap_or((&plain, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
        || fraction.len() > digits as usize
    {
        return None;
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let padded = format!("{fraction:0<width$}", width = digits as usize);
    let fraction: i64 = if padded.is_empty() {
        0
    } else {
        padded.parse().ok()?
    };
    whole.checked_mul(10_i64.pow(digits))?.checked_add(fraction)
}

/// Now, as a `datetime-local` input writes it, in the browser's time zone.
fn now_local() -> String {
    let d = js_sys::Date::new_0();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes()
    )
}

/// A `datetime-local` value (local time) in milliseconds.
fn local_millis(text: &str) -> Option<i64> {
    if text.len() < 16 {
        return None;
    }
    let ms = js_sys::Date::new(&text.into()).get_time();
    ms.is_finite().then_some(ms as i64)
}

/// A time as the reader's language writes a date and a time to the minute.
pub(crate) fn local_time(ms: i64, t: &Texts) -> String {
    let date = js_sys::Date::new(&(ms as f64).into());
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"medium".into());
    let _ = js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into());
    String::from(date.to_locale_string(t.locale, &options))
}

/// A problem found before sending, in the API's shape, so it shows where the API's would.
fn local_problem(field: &str, message: &str) -> ApiError {
    ApiError::Invalid {
        status: 0,
        message: message.to_owned(),
        fields: vec![FieldProblem {
            field: field.to_owned(),
            message: message.to_owned(),
            code: String::new(),
        }],
    }
}

#[component]
pub(crate) fn ReceiptQr(props: &ReceiptQrProps) -> Html {
    let session = &props.session;
    let t = session.texts();
    let form = use_state(|| Form {
        store: props.stores.first().cloned().unwrap_or_default(),
        receipt: String::new(),
        purchased_at: now_local(),
        amount: String::new(),
        currency: "KRW".to_owned(),
        categories: String::new(),
        member: String::new(),
        valid_days: "30".to_owned(),
    });
    let step = use_state(|| Step::Idle);
    let key_step = use_state(|| KeyStep::Idle);

    let edit = |set: fn(&mut Form, String)| {
        let form = form.clone();
        Callback::from(move |e: Event| {
            let mut next = (*form).clone();
            set(&mut next, input_value(&e));
            form.set(next);
        })
    };

    let on_submit = {
        let (form, step, checker) = (form.clone(), step.clone(), session.clone());
        let (site, survey) = (props.site.clone(), props.survey.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let t = checker.texts();
            let f = (*form).clone();
            let digits = CURRENCIES
                .iter()
                .find(|(c, _)| *c == f.currency)
                .map_or(2, |(_, d)| *d);
            let Some(amount) = minor_units(&f.amount, digits) else {
                step.set(Step::Failed(local_problem("amount", t.amount_invalid)));
                return;
            };
            let Some(purchased_at) = local_millis(&f.purchased_at) else {
                step.set(Step::Failed(local_problem("purchased_at", t.time_invalid)));
                return;
            };
            let Ok(valid_days) = f.valid_days.trim().parse::<u32>() else {
                step.set(Step::Failed(local_problem("valid_days", t.days_invalid)));
                return;
            };
            let (step, checker) = (step.clone(), checker.clone());
            let path = format!("/v1/sites/{}/receipts", encode(&site));
            let survey = survey.clone();
            step.set(Step::Busy);
            wasm_bindgen_futures::spawn_local(async move {
                let member = f.member.trim();
                let request = ReceiptRequest {
                    store_id: f.store.trim(),
                    receipt_id: f.receipt.trim(),
                    purchased_at,
                    amount,
                    currency: &f.currency,
                    categories: f
                        .categories
                        .split(',')
                        .map(str::trim)
                        .filter(|c| !c.is_empty())
                        .collect(),
                    member: (!member.is_empty()).then_some(member),
                    survey_id: &survey,
                    valid_days,
                };
                let answer = api::post(&checker.key, &path, Some(&request)).await;
                step.set(match checker.checked(answer) {
                    Ok(issued) => Step::Issued {
                        issued,
                        store: f.store.trim().to_owned(),
                        receipt: f.receipt.trim().to_owned(),
                    },
                    Err(e) => Step::Failed(e),
                });
            });
        })
    };

    let on_print = Callback::from(|_: MouseEvent| {
        if let Some(window) = web_sys::window() {
            let _ = window.print();
        }
    });

    let key_confirm = {
        let key_step = key_step.clone();
        Callback::from(move |_: MouseEvent| key_step.set(KeyStep::Confirm))
    };
    let key_cancel = {
        let key_step = key_step.clone();
        Callback::from(move |_: MouseEvent| key_step.set(KeyStep::Idle))
    };
    let key_rotate = {
        let (key_step, checker, site) = (key_step.clone(), session.clone(), props.site.clone());
        Callback::from(move |_: MouseEvent| {
            let (key_step, checker) = (key_step.clone(), checker.clone());
            let path = format!("/v1/admin/sites/{}/receipt-keys", encode(&site));
            wasm_bindgen_futures::spawn_local(async move {
                let answer = api::post::<(), NewKey>(&checker.key, &path, None).await;
                key_step.set(match checker.checked(answer) {
                    Ok(key) => KeyStep::Done(key.kid),
                    Err(e) => KeyStep::Failed(e),
                });
            });
        })
    };

    let f = &*form;
    let failed = match &*step {
        Step::Failed(e) => Some(e),
        _ => None,
    };
    let text =
        |id: &'static str, value: &str, placeholder: &'static str, set: fn(&mut Form, String)| {
            html! {
                <input type="text" {id} value={value.to_owned()} {placeholder} autocomplete="off"
                    oninput={edit(set).reform(Event::from)} />
            }
        };
    let result = match &*step {
        Step::Issued {
            issued,
            store,
            receipt,
        } => {
            let src = format!("data:image/svg+xml,{}", encode(&issued.qr_svg));
            html! {
                <div class="qr-result">
                    <figure class="qr-print" id="receipt-print">
                        <img id="receipt-qr" {src} alt={t.qr_alt} width="220" height="220" />
                        <figcaption>
                            <strong>{ t.qr_caption }</strong>
                            <span>{ format!("{} {store}", t.store) }</span>
                            <span>{ format!("{} {receipt}", t.receipt_no) }</span>
                            <span id="receipt-expires" data-expires-at={issued.expires_at.to_string()}>
                                { format!("{} {}", t.valid_until, local_time(issued.expires_at, t)) }
                            </span>
                        </figcaption>
                    </figure>
                    <div class="qr-side">
                        <span class="field-label">{ t.qr_link }</span>
                        <code id="receipt-url" class="qr-url">{ &issued.url }</code>
                        <div class="controls">
                            <button type="button" class="primary" id="receipt-print-button"
                                onclick={on_print}>{ t.print }</button>
                            <a class="button" href={issued.url.clone()} target="_blank"
                                rel="noopener noreferrer">{ t.open_link }</a>
                        </div>
                        <p class="muted small">{ t.qr_once }</p>
                    </div>
                </div>
            }
        }
        Step::Busy => html! { <p class="muted small">{ t.making_qr }</p> },
        Step::Failed(e) => form_failure(session, e, &FIELDS),
        Step::Idle => html! {},
    };
    let key_line = match &*key_step {
        KeyStep::Idle => html! {
            <button type="button" class="link" id="receipt-key-new" onclick={key_confirm}>
                { t.new_signing_key }
            </button>
        },
        KeyStep::Confirm => html! {
            <span class="confirm" id="receipt-key-confirm">
                { t.new_signing_key_confirm }
                <button type="button" class="danger" id="receipt-key-yes" onclick={key_rotate}>
                    { t.new_signing_key }
                </button>
                <button type="button" onclick={key_cancel.clone()}>{ t.cancel }</button>
            </span>
        },
        KeyStep::Done(kid) => html! {
            <span class="ok" id="receipt-key-done">{ format!("✓ {} {kid}", t.signing_key_made) }</span>
        },
        KeyStep::Failed(e) => failure(session, e),
    };

    html! {
        <section class="card" id="receipt-qr-card">
            <h2>{ t.receipt_qr }</h2>
            <p class="muted small">{ t.receipt_qr_help }</p>
            <div class="qr-layout">
                <form class="qr-form" id="receipt-form" onsubmit={on_submit} novalidate=true>
                    <div class="grid2">
                        { field(t.store, "", html! {
                            <input type="text" id="receipt-store" list="receipt-stores" autocomplete="off"
                                placeholder="gangnam-01" value={f.store.clone()}
                                oninput={edit(|f, v| f.store = v).reform(Event::from)} />
                        }, failed, &["store_id"]) }
                        { field(t.receipt_no, "", text("receipt-id", &f.receipt, "R-20251123-0042",
                            |f, v| f.receipt = v), failed, &["receipt_id"]) }
                        { field(t.purchased_at, "", html! {
                            <input type="datetime-local" id="receipt-time" value={f.purchased_at.clone()}
                                onchange={edit(|f, v| f.purchased_at = v)} />
                        }, failed, &["purchased_at"]) }
                        <div class="amount">
                            { field(t.amount, "", html! {
                                <input type="text" inputmode="decimal" id="receipt-amount"
                                    placeholder="12,500" value={f.amount.clone()}
                                    oninput={edit(|f, v| f.amount = v).reform(Event::from)} />
                            }, failed, &["amount"]) }
                            { field(t.currency, "", html! {
                                <select id="receipt-currency" onchange={edit(|f, v| f.currency = v)}>
                                    { for CURRENCIES.iter().map(|(c, _)| html! {
                                        <option value={*c} selected={f.currency == *c}>{ *c }</option>
                                    }) }
                                </select>
                            }, failed, &["currency"]) }
                        </div>
                        { field(t.categories, t.categories_hint, text("receipt-categories",
                            &f.categories, "food, drinks", |f, v| f.categories = v),
                            failed, &["categories"]) }
                        { field(t.member, t.member_hint, text("receipt-member", &f.member, "",
                            |f, v| f.member = v), failed, &["member"]) }
                        { field(t.valid_days, "", html! {
                            <input type="number" id="receipt-days" min="1" max="365"
                                value={f.valid_days.clone()} oninput={edit(|f, v| f.valid_days = v).reform(Event::from)} />
                        }, failed, &["valid_days"]) }
                    </div>
                    <datalist id="receipt-stores">
                        { for props.stores.iter().map(|s| html! { <option value={s.clone()} /> }) }
                    </datalist>
                    <div class="controls">
                        <button type="submit" class="primary" id="receipt-make"
                            disabled={*step == Step::Busy}>{ t.make_qr }</button>
                    </div>
                </form>
                <div class="qr-out" id="receipt-result">{ result }</div>
            </div>
            <p class="muted small key-line">{ t.signing_key_help }{ " " }{ key_line }</p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::minor_units;

    #[test]
    fn totals_are_typed_in_major_units() {
        let cases = [
            ("12,500", 0, Some(12_500)),
            ("12500", 0, Some(12_500)),
            ("12.5", 2, Some(1_250)),
            ("12.50", 2, Some(1_250)),
            ("0.99", 2, Some(99)),
            (".5", 2, Some(50)),
            ("12", 2, Some(1_200)),
            ("12.5", 0, None),
            ("12.505", 2, None),
            ("-3", 0, None),
            ("", 0, None),
            ("abc", 2, None),
        ];
        for (text, digits, expected) in cases {
            assert_eq!(minor_units(text, digits), expected, "{text} ({digits})");
        }
    }
}
