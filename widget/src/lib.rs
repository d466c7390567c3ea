//! The nunchi widget, compiled to wasm32 and embedded by one `<script>` tag.
//!
//! The loader (`widget.js`, written by `cargo xtask dist`) reads the script tag, defines the one
//! global `nunchi` (queueing calls made before the bundle is ready), loads this module and calls
//! [`boot`]. `boot` returns the function that every later `nunchi.*` call goes to.
//!
//! # Layout
//!
//! - [`embed`]: the script tag's options, validated.
//! - [`api`]: the collector's endpoints.
//! - [`device`]: the device id and contact history in local storage.
//! - [`mount`]: the host element and its shadow root.
//! - [`outbox`]: answers kept on the device until the collector has them.
//! - [`components`]: the survey card and the question views.
//! - [`texts`]: the widget's own interface texts, in Korean and English.

mod api;
mod components;
mod device;
mod embed;
mod mount;
mod outbox;
mod texts;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use shared::answer::AnswerValue;
use shared::display::{DisplayEvent, DisplayKind};
use shared::ids::{DisplayId, QuestionId, ResponseId};
use shared::response::{Context, PageUrl, RawResponse, Response};
use shared::site::SiteConfig;
use shared::survey::Survey;
use shared::throttle::{Contact, ContactKind, DecisionInput, decide};
use shared::time::Timestamp;
use shared::trigger::{Audience, PageEvent, Scalar};
use wasm_bindgen::prelude::*;
use yew::{AppHandle, Callback};

use crate::components::{SurveyCard, SurveyCardProps};
use crate::embed::{Embed, RawEmbed};
use crate::mount::Mount;

/// A call from the host page: `nunchi.show("web-nps")`, `nunchi.track("purchase", {...})`.
#[derive(Debug, Clone)]
enum Command {
    Show(String),
    Track(String, BTreeMap<String, Scalar>),
    /// The page was loaded (sent once the configuration is in).
    PageView,
}

struct Widget {
    embed: Embed,
    config: Option<Rc<SiteConfig>>,
    /// Calls that arrived before the site's configuration.
    waiting: Vec<Command>,
    on_screen: Option<OnScreen>,
}

/// The survey being shown. At most one is on screen.
struct OnScreen {
    app: AppHandle<SurveyCard>,
    _mount: Mount,
}

thread_local! {
    static WIDGET: RefCell<Option<Widget>> = const { RefCell::new(None) };
}

pub(crate) fn warn(message: &str) {
    web_sys::console::warn_1(&JsValue::from_str(&format!("nunchi: {message}")));
}

/// Starts the widget with the script tag's options and returns the command handler.
#[wasm_bindgen]
pub fn boot(options: JsValue) -> Result<js_sys::Function, JsValue> {
    let raw: RawEmbed =
        serde_wasm_bindgen::from_value(options).map_err(|e| JsValue::from_str(&e.to_string()))?;
    let embed = raw
        .parse()
        .map_err(|e| JsValue::from_str(&format!("nunchi: {e}")))?;
    WIDGET.with_borrow_mut(|w| {
        *w = Some(Widget {
            embed: embed.clone(),
            config: None,
            waiting: Vec::new(),
            on_screen: None,
        })
    });
    // Answers left from an earlier page (or an earlier outage) go out first.
    outbox::flush(&embed);
    listen_for_network(&embed);
    wasm_bindgen_futures::spawn_local(async move {
        match api::fetch_config(&embed).await {
            Ok(config) => {
                let waiting = WIDGET.with_borrow_mut(|w| {
                    let w = w.as_mut()?;
                    w.config = Some(Rc::new(config));
                    Some(std::mem::take(&mut w.waiting))
                });
                run(Command::PageView);
                for command in waiting.unwrap_or_default() {
                    run(command);
                }
            }
            Err(e) => warn(&format!("could not load the site's surveys: {e}")),
        }
    });
    let handler =
        Closure::<dyn Fn(String, js_sys::Array)>::new(|method: String, args: js_sys::Array| {
            match parse_command(&method, &args) {
                Ok(command) => run(command),
                Err(e) => warn(&e),
            }
        });
    Ok(handler.into_js_value().unchecked_into())
}

/// `online`: the network is back, send what waits. `pagehide`: the page is going away, hand
/// what waits to the browser as beacons.
fn listen_for_network(embed: &Embed) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let on_online = {
        let embed = embed.clone();
        Closure::<dyn Fn()>::new(move || outbox::flush(&embed))
    };
    let on_pagehide = {
        let embed = embed.clone();
        Closure::<dyn Fn()>::new(move || outbox::beacon(&embed))
    };
    let _ = window.add_event_listener_with_callback("online", on_online.as_ref().unchecked_ref());
    let _ =
        window.add_event_listener_with_callback("pagehide", on_pagehide.as_ref().unchecked_ref());
    // Listeners live as long as the page.
    on_online.forget();
    on_pagehide.forget();
}

fn parse_command(method: &str, args: &js_sys::Array) -> Result<Command, String> {
    match method {
        "show" => args
            .get(0)
            .as_string()
            .map(Command::Show)
            .ok_or_else(|| "show(surveyId) needs a survey id".into()),
        "track" => {
            let name = args
                .get(0)
                .as_string()
                .ok_or("track(event, props) needs an event name")?;
            let props = args.get(1);
            let props = if props.is_undefined() || props.is_null() {
                BTreeMap::new()
            } else {
                serde_wasm_bindgen::from_value(props)
                    .map_err(|e| format!("track({name:?}): {e}"))?
            };
            Ok(Command::Track(name, props))
        }
        other => Err(format!("nunchi.{other} is not supported yet")),
    }
}

/// Runs a command now, or keeps it until the configuration has arrived.
fn run(command: Command) {
    let ready = WIDGET.with_borrow_mut(|w| match w {
        Some(w) if w.config.is_none() => {
            w.waiting.push(command.clone());
            None
        }
        Some(w) => w.config.clone().map(|c| (c, w.embed.clone())),
        None => None,
    });
    let Some((config, embed)) = ready else { return };
    let event = match &command {
        Command::Show(id) => {
            // The host asked for this survey by name: no trigger, no throttling.
            match config.surveys.iter().find(|s| s.id.as_str() == id) {
                Some(survey) => show(Rc::new(survey.clone()), embed),
                None => warn(&format!("no active survey {id:?} on this site")),
            }
            return;
        }
        Command::PageView => PageEvent::PageView,
        Command::Track(name, props) => PageEvent::Custom { name, props },
    };
    let url = page_url();
    let attributes = BTreeMap::new();
    let audience = Audience {
        url: url.as_deref(),
        channel: embed.channel,
        locale: &embed.locale,
        attributes: &attributes,
    };
    let history = device::history(&embed.site);
    let subject = device::device_id(&embed.site);
    let now = now();
    for survey in &config.surveys {
        let Some(trigger) = survey.triggers.iter().find(|t| t.fires(&event)) else {
            continue;
        };
        if !survey.targeting.matches(&audience) {
            continue;
        }
        let quota = config.usage.get(&survey.id).copied().unwrap_or_default();
        let input = DecisionInput {
            policy: &config.policy,
            survey,
            history: &history,
            subject: &subject,
            quota,
            now,
        };
        if decide(&input).is_show() {
            let (survey, embed) = (Rc::new(survey.clone()), embed.clone());
            after(trigger.delay.millis(), move || show(survey, embed));
            return;
        }
    }
}

/// Runs `f` after `ms` milliseconds.
pub(crate) fn after(ms: i64, f: impl FnOnce() + 'static) {
    let callback = Closure::once_into_js(f);
    if let Some(window) = web_sys::window() {
        let ms = i32::try_from(ms).unwrap_or(i32::MAX);
        let _ = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(callback.unchecked_ref(), ms);
    }
}

/// The device's time, plus the test clock offset (see [`device::clock_offset_ms`]).
pub(crate) fn now() -> Timestamp {
    Timestamp(js_sys::Date::now() as i64 + device::clock_offset_ms())
}

/// Notes a display or dismissal on the device and reports it to the collector.
fn note(survey: &Survey, embed: &Embed, kind: DisplayKind) {
    let contact = Contact {
        at: now(),
        survey_id: survey.id.clone(),
        channel: embed.channel,
    };
    device::record(&embed.site, kind.into(), contact);
    let Ok(display_id) = DisplayId::from_uuid(uuid::Uuid::now_v7()) else {
        return;
    };
    let event = DisplayEvent {
        display_id,
        survey_id: survey.id.clone(),
        survey_version: survey.version,
        kind,
        context: context(embed),
        client_time: now(),
    };
    let embed = embed.clone();
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(e) = api::send_display(&embed, &event).await {
            warn(&format!("the display could not be reported: {e}"));
        }
    });
}

fn context(embed: &Embed) -> Context {
    Context {
        channel: embed.channel,
        site_id: embed.site.clone(),
        page_url: page_url().and_then(|u| PageUrl::parse(&u).ok()),
        store_id: embed.store.clone(),
        kiosk_id: embed.kiosk.clone(),
        receipt_id: None,
        journey_stage: None,
        locale: embed.locale.clone(),
        member: None,
        attributes: BTreeMap::new(),
    }
}

fn page_url() -> Option<String> {
    web_sys::window().and_then(|w| w.location().href().ok())
}

fn show(survey: Rc<Survey>, embed: Embed) {
    let busy = WIDGET.with_borrow(|w| w.as_ref().is_some_and(|w| w.on_screen.is_some()));
    if busy {
        return;
    }
    let mount = match Mount::new() {
        Ok(m) => m,
        Err(e) => return warn(&e),
    };
    let on_submit = {
        let (survey, embed) = (survey.clone(), embed.clone());
        Callback::from(move |answers: BTreeMap<QuestionId, AnswerValue>| {
            submit(&survey, &embed, answers)
        })
    };
    let on_dismiss = {
        let (survey, embed) = (survey.clone(), embed.clone());
        Callback::from(move |()| {
            note(&survey, &embed, DisplayKind::Dismissed);
            close_later(0);
        })
    };
    note(&survey, &embed, DisplayKind::Shown);
    let props = SurveyCardProps {
        survey,
        locale: embed.locale.clone(),
        on_submit,
        on_dismiss,
    };
    let app = yew::Renderer::<SurveyCard>::with_root_and_props(mount.root.clone(), props).render();
    WIDGET.with_borrow_mut(|w| {
        if let Some(w) = w.as_mut() {
            w.on_screen = Some(OnScreen { app, _mount: mount });
        }
    });
}

/// Closes the survey after `ms` milliseconds (outside the callback that asks for it).
fn close_later(ms: i32) {
    let close = Closure::once_into_js(|| {
        if let Some(screen) =
            WIDGET.with_borrow_mut(|w| w.as_mut().and_then(|w| w.on_screen.take()))
        {
            screen.app.destroy();
        }
    });
    if let Some(window) = web_sys::window() {
        let _ =
            window.set_timeout_with_callback_and_timeout_and_arguments_0(close.unchecked_ref(), ms);
    }
}

fn submit(survey: &Survey, embed: &Embed, answers: BTreeMap<QuestionId, AnswerValue>) {
    let Ok(response_id) = ResponseId::from_uuid(uuid::Uuid::now_v7()) else {
        return;
    };
    let raw = RawResponse {
        response_id,
        survey_id: survey.id.clone(),
        survey_version: survey.version,
        answers,
        context: context(embed),
        client_time: now(),
    };
    // The same check the collector makes: never send what it would refuse.
    if let Err(errors) = Response::parse(raw.clone(), survey) {
        return warn(&format!("the answers do not fit the survey: {errors:?}"));
    }
    let contact = Contact {
        at: raw.client_time,
        survey_id: survey.id.clone(),
        channel: embed.channel,
    };
    device::record(&embed.site, ContactKind::Answered, contact);
    // Kept on the device first: the thank-you shows only after this returns.
    outbox::keep(embed, raw);
    outbox::flush(embed);
    close_later(4_000);
}
