//! The nunchi dashboard: what a CX team opens instead of curl. A yew app compiled to wasm32,
//! served by the collector at `/dashboard` (`cargo xtask dist` builds it into
//! `dist/dashboard/`), signed in with an API key and reading the admin API.
//!
//! It mounts into `#app` of the page the collector serves. Everything it shows comes from the
//! collector's own routes: the sites and surveys, and each survey's summary (the score over
//! time, the distribution, the breakdowns), so the numbers here are the API's numbers.
//!
//! # Layout
//!
//! - `calendar.rs`: civil dates, to put the periods without answers back on the trend's axis.
//! - `api.rs`: `fetch` with the key as a bearer token, and what can go wrong (a 401 signs out).
//! - `session.rs`: the key in `sessionStorage`, the language in `localStorage`.
//! - `filter.rs`: the Act page's export filter, as the address keeps it and the export API
//!   reads it.
//! - `route.rs`: the pages, in the address's fragment (`#/sites/S/surveys/V`, `…/comments`, `…/act`), so reloading
//!   or sharing a link keeps the page.
//! - `summary.rs`: the summary as the API answers it, and the headline score of a survey.
//! - `texts.rs`: the interface in Korean and English.
//! - `components/`: `app.rs` (the shell: sign-in, language switch, pages), `sign_in.rs`,
//!   `surveys.rs` (sites and their surveys), `results.rs` (one survey's results),
//!   `comments.rs` (its open-text answers and their labels), `act.rs` (what to do with the
//!   answers: `export.rs`, the filtered export; `receipt_qr.rs`, a receipt's printable QR code;
//!   `webhooks.rs` and `webhook_form.rs`, the site's webhooks; and the site's kiosks) and
//!   `chart.rs` (the SVG charts, drawn here, with their numbers on them).

mod api;
mod calendar;
mod components;
mod filter;
mod route;
mod session;
mod summary;
mod texts;
mod words;

use wasm_bindgen::prelude::wasm_bindgen;

/// Runs when the module is instantiated: mounts the app into `#app`.
#[wasm_bindgen(start)]
pub fn start() {
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("app"))
    else {
        return;
    };
    yew::Renderer::<components::app::App>::with_root(root).render();
}
