//! From a command to a survey on screen and an answer in the outbox.
//!
//! A trigger fires and targeting matches: then, for an anonymous visitor, `shared::decide`
//! runs on the device against its local history; for a member, the collector decides against
//! the contact ledger shared by every channel (and records the display in the same step).

use shared::map::Map;
use std::sync::Arc;

use shared::answer::AnswerValue;
use shared::display::{DisplayEvent, DisplayKind, EligibilityRequest};
use shared::ids::{DisplayId, QuestionId, ResponseId};
use shared::response::{Context, PageUrl, RawResponse};
use shared::survey::Survey;
use shared::throttle::{Contact, ContactKind, DecisionInput, decide};
use shared::trigger::{Audience, PageEvent};
use yew::Callback;

use crate::api::Eligible;
use crate::command::Command;
use crate::components::{SurveyCard, SurveyCardProps};
use crate::embed::Embed;
use crate::mount::Mount;
use crate::state::{self, OnScreen};
use crate::{after, api, device, host_events, now, outbox, warn};
use shared::site::SiteConfig;

/// The page of a call made on a page that is gone: it never matches the current one.
pub(crate) const GONE: u64 = u64::MAX;

/// Runs a command now, or keeps it until the configuration has arrived.
pub(crate) fn run(command: Command) {
    run_on_page(command, None);
}

/// Runs a command issued on in-page navigation number `issued_on` (now, if `None`): a command
/// kept while the configuration loaded still belongs to the page it was issued on.
pub(crate) fn run_on_page(command: Command, issued_on: Option<u64>) {
    if crate::failed() {
        return;
    }
    match &command {
        Command::Identify(member, attributes) => {
            let site = state::with(|w| {
                w.member = Some(member.clone());
                w.attributes = attributes.clone();
                w.embed.site.clone()
            });
            if let Some(site) = site {
                device::remember_member(&site, Some(member));
            }
            return;
        }
        // Someone else now: a card on screen was theirs, and goes without a word (a kiosk's
        // next customer, when the survey drops partial answers).
        Command::Reset => {
            if let Some(site) = state::with(|w| {
                w.member = None;
                w.attributes.clear();
                w.embed.site.clone()
            }) {
                device::remember_member(&site, None);
            }
            close_later(0);
            return;
        }
        _ => {}
    }
    let ready = state::with(|w| match &w.config {
        None => {
            w.waiting
                .push((command.clone(), issued_on.unwrap_or(w.page)));
            None
        }
        Some(config) => Some((config.clone(), w.embed.clone(), issued_on.unwrap_or(w.page))),
    })
    .flatten();
    let Some((config, embed, page)) = ready else {
        return;
    };
    let event = match &command {
        Command::Show(_) if page == GONE => return,
        Command::Show(id) => {
            match config.surveys.iter().find(|s| s.id.as_str() == id) {
                Some(survey) => show(survey.clone(), embed, true),
                None => warn(&format!("no active survey \"{id}\" on this site")),
            }
            return;
        }
        Command::PageView => PageEvent::PageView,
        Command::Track(name, props) => PageEvent::Custom { name, props },
        Command::Scrolled(percent) => PageEvent::Scrolled { percent: *percent },
        Command::ExitIntent => PageEvent::ExitIntent,
        Command::Identify(..) | Command::Reset => return,
    };
    let url = page_url();
    let (member, attributes) =
        state::with(|w| (w.member.clone(), w.attributes.clone())).unwrap_or_default();
    let audience = Audience {
        url: url.as_deref(),
        channel: embed.channel,
        locale: &embed.locale,
        attributes: &attributes,
    };
    let candidates: Vec<(Arc<Survey>, i64)> = config
        .surveys
        .iter()
        .filter_map(|s| {
            s.triggers
                .iter()
                .find(|t| t.fires(&event))
                .map(|t| (s, t.delay.millis()))
        })
        .filter(|(s, _)| s.targeting.matches(&audience))
        .map(|(s, delay)| (s.clone(), delay))
        .collect();
    if candidates.is_empty() {
        return;
    }
    if member.is_some() {
        // The collector decides for members, one candidate after another.
        wasm_bindgen_futures::spawn_local(async move {
            for (i, (survey, delay)) in candidates.iter().enumerate() {
                let Some(display_id) = new_display_id() else {
                    return;
                };
                let request = EligibilityRequest {
                    display_id,
                    survey_id: survey.id.clone(),
                    context: context(&embed),
                };
                match api::eligibility(&embed, &request).await {
                    Ok(Eligible::Show) => {
                        return show_later(survey.clone(), embed, *delay, page, false);
                    }
                    Ok(Eligible::NotNow) => {}
                    Ok(Eligible::OnDevice) => {
                        return decide_on_device(&config, &candidates[i..], embed, page);
                    }
                    Err(e) => return warn(&format!("eligibility: {e}")),
                }
            }
        });
        return;
    }
    decide_on_device(&config, &candidates, embed, page);
}

/// The device decides (anonymous visitors, and members whose browser asks for privacy): the
/// first candidate that `decide` allows is shown after its delay.
fn decide_on_device(
    config: &SiteConfig,
    candidates: &[(Arc<Survey>, i64)],
    embed: Embed,
    page: u64,
) {
    let history = device::history(&embed.site);
    let subject = device::device_id(&embed.site);
    let now = now();
    for (survey, delay) in candidates {
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
            return show_later(survey.clone(), embed, *delay, page, true);
        }
    }
}

/// Shows `survey` after its trigger's delay, unless the visitor has moved to another page.
fn show_later(survey: Arc<Survey>, embed: Embed, delay: i64, page: u64, report_shown: bool) {
    after(delay, move || {
        if state::with(|w| w.page) == Some(page) {
            show(survey, embed, report_shown);
        }
    });
}

/// `None` only if the uuid crate broke its promise of a version 7 UUID.
fn new_display_id() -> Option<DisplayId> {
    DisplayId::from_uuid(crate::new_uuid()).ok()
}

pub(crate) fn page_url() -> Option<String> {
    web_sys::window().and_then(|w| w.location().href().ok())
}

fn context(embed: &Embed) -> Context {
    let (member, attributes) =
        state::with(|w| (w.member.clone(), w.attributes.clone())).unwrap_or_default();
    Context {
        channel: embed.channel,
        site_id: embed.site.clone(),
        page_url: page_url().and_then(|u| PageUrl::parse(&u).ok()),
        store_id: embed.store.clone(),
        kiosk_id: embed.kiosk.clone(),
        receipt_id: None,
        journey_stage: None,
        locale: embed.locale.clone(),
        member,
        attributes,
    }
}

/// Notes a display or dismissal on the device, reports it to the collector and to the host.
fn note(survey: &Survey, embed: &Embed, kind: DisplayKind, report: bool) {
    let contact = Contact {
        at: now(),
        survey_id: survey.id.clone(),
        channel: embed.channel,
    };
    device::record(&embed.site, kind.into(), contact);
    let name = match kind {
        DisplayKind::Shown => host_events::SHOWN,
        DisplayKind::Dismissed => host_events::DISMISSED,
    };
    host_events::dispatch(
        name,
        &host_events::Detail {
            survey_id: &survey.id,
            survey_version: survey.version,
            response_id: None,
            answers: None,
        },
    );
    let (true, Some(display_id)) = (report, new_display_id()) else {
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

/// Puts `survey` on screen, unless one already is. `report_shown` is false when the collector
/// has recorded the display already (eligibility).
fn show(survey: Arc<Survey>, embed: Embed, report_shown: bool) {
    if state::with(|w| w.on_screen.is_some()).unwrap_or(true) {
        return;
    }
    let right_to_left = embed.locale.is_right_to_left();
    let mount = match Mount::new(&embed.placement, right_to_left, embed.receipt.is_some()) {
        Ok(m) => m,
        Err(e) => return warn(&e),
    };
    let on_submit = {
        let (survey, embed) = (survey.clone(), embed.clone());
        Callback::from(move |answers: Map<QuestionId, AnswerValue>| {
            submit(&survey, &embed, answers)
        })
    };
    let on_dismiss = {
        let (survey, embed) = (survey.clone(), embed.clone());
        Callback::from(move |answers: Map<QuestionId, AnswerValue>| {
            // A kiosk customer who walked away: the kiosk page closes the card only when the
            // survey keeps partial answers (`kiosk.partial`; else it calls `reset`).
            if embed.kiosk.is_some() && !answers.is_empty() {
                return submit(&survey, &embed, answers);
            }
            note(&survey, &embed, DisplayKind::Dismissed, true);
            close_later(0);
        })
    };
    let modal = matches!(embed.placement, crate::embed::Placement::Center);
    let return_focus = modal
        .then(|| web_sys::window()?.document()?.active_element())
        .flatten();
    let props = SurveyCardProps {
        survey: survey.clone(),
        locale: embed.locale.clone(),
        on_submit,
        on_dismiss,
        modal,
    };
    let app = yew::Renderer::<SurveyCard>::with_root_and_props(mount.root.clone(), props).render();
    // After yew's first render (a task it schedules), so that `nunchi:shown` means on screen.
    after(0, move || {
        note(&survey, &embed, DisplayKind::Shown, report_shown)
    });
    state::with(|w| {
        w.on_screen = Some(OnScreen {
            app,
            _mount: mount,
            return_focus,
        })
    });
}

/// Receipt mode: the receipt's survey, at once (the collector counts the receipt, not a
/// display).
#[cfg(feature = "receipt")]
pub(crate) fn show_receipt(survey: Arc<Survey>, embed: Embed) {
    show(survey, embed, false);
}

/// Closes the survey after `ms` milliseconds (outside the callback that asks for it).
fn close_later(ms: i64) {
    after(ms, || {
        if let Some(screen) = state::with(|w| w.on_screen.take()).flatten() {
            screen.app.destroy();
            if let Some(element) = screen.return_focus {
                crate::components::give_focus_back(&element);
            }
        }
    });
}

fn submit(survey: &Survey, embed: &Embed, answers: Map<QuestionId, AnswerValue>) {
    let Ok(response_id) = ResponseId::from_uuid(crate::new_uuid()) else {
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
    // No `Response::parse` here: the card only lets through answers that fit, the collector
    // checks again, and what it refuses is dropped and counted. The check cost 4.4 KB brotli.
    let contact = Contact {
        at: raw.client_time,
        survey_id: survey.id.clone(),
        channel: embed.channel,
    };
    device::record(&embed.site, ContactKind::Answered, contact);
    host_events::dispatch(
        host_events::ANSWERED,
        &host_events::Detail {
            survey_id: &survey.id,
            survey_version: survey.version,
            response_id: Some(&raw.response_id),
            answers: Some(&raw.answers),
        },
    );
    // Kept on the device first: the thank-you shows only after this returns.
    outbox::keep(embed, &raw, embed.receipt.as_deref());
    outbox::flush(embed, false);
    // A receipt page is the survey: its thank-you stays. A kiosk page shows its own thank-you
    // and asks the next customer at once, so every press is a response of its own.
    if embed.receipt.is_none() {
        close_later(if embed.kiosk.is_some() { 0 } else { 4_000 });
    }
}
