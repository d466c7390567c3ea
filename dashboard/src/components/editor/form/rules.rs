//! When a survey is asked (its triggers), to whom (targeting) and how often (throttling).

use shared::ids::Locale;
use shared::response::Channel;
use shared::survey::{PartialAnswer, Survey};
use shared::throttle::{Recurrence, ThrottlePolicy};
use shared::time::Period;
use shared::trigger::{Trigger, TriggerEvent};
use shared::url_rule::{UrlMatch, UrlRule};
use yew::prelude::*;

use super::{Form, locale, number};
use crate::words;

impl Form<'_> {
    pub(in crate::components::editor) fn triggers(&self, s: &Survey) -> Html {
        let t = self.t;
        let add = self.click(|s| {
            s.triggers.push(Trigger {
                on: TriggerEvent::PageView,
                delay: Period::ZERO,
            })
        });
        html! {
            <section class="card section" id="section-triggers">
                <h2>{ t.when_to_ask }</h2>
                <p class="muted small">{ t.when_help }</p>
                if s.triggers.is_empty() {
                    <p class="muted">{ t.no_triggers }</p>
                }
                { for s.triggers.iter().enumerate().map(|(i, trigger)| self.trigger(i, trigger)) }
                <button type="button" id="add-trigger" onclick={add}>{ t.add_trigger }</button>
                { self.problems_at("triggers") }
            </section>
        }
    }

    fn trigger(&self, i: usize, trigger: &Trigger) -> Html {
        let t = self.t;
        let tag = match &trigger.on {
            TriggerEvent::PageView => "page_view",
            TriggerEvent::ScrollDepth { .. } => "scroll_depth",
            TriggerEvent::ExitIntent => "exit_intent",
            TriggerEvent::Event { .. } => "event",
        };
        let set_kind = self.on::<Event>(move |s, v| {
            if let Some(trigger) = s.triggers.get_mut(i) {
                trigger.on = match v {
                    "scroll_depth" => TriggerEvent::ScrollDepth { percent: 50 },
                    "exit_intent" => TriggerEvent::ExitIntent,
                    "event" => TriggerEvent::Event {
                        name: "purchase".into(),
                        filters: Vec::new(),
                    },
                    _ => TriggerEvent::PageView,
                };
            }
        });
        let set_delay = self.on::<Event>(move |s, v| {
            if let Some(trigger) = s.triggers.get_mut(i) {
                trigger.delay = number(v).map_or(Period::ZERO, Period::seconds);
            }
        });
        let remove = self.click(move |s| {
            if i < s.triggers.len() {
                s.triggers.remove(i);
            }
        });
        let detail = match &trigger.on {
            TriggerEvent::ScrollDepth { percent } => {
                let set = self.on::<Event>(move |s, v| {
                    if let (Some(TriggerEvent::ScrollDepth { percent }), Some(n)) =
                        (s.triggers.get_mut(i).map(|t| &mut t.on), number(v))
                    {
                        *percent = n;
                    }
                });
                html! {
                    <label class="inline"><input type="number" class="narrow" min="1" max="100"
                        value={percent.to_string()} onchange={set} />{ t.scroll_percent }</label>
                }
            }
            TriggerEvent::Event { name, filters } => {
                let set = self.on::<InputEvent>(move |s, v| {
                    if let Some(TriggerEvent::Event { name, .. }) =
                        s.triggers.get_mut(i).map(|t| &mut t.on)
                    {
                        *name = v.to_owned();
                    }
                });
                html! {
                    <>
                        <input class="event-name" aria-label={t.event_name} placeholder={t.event_name}
                            value={name.clone()} oninput={set} />
                        if !filters.is_empty() {
                            <span class="muted small">{ format!("+{} {}", filters.len(), t.filters_kept) }</span>
                        }
                    </>
                }
            }
            _ => Html::default(),
        };
        html! {
            <div class="row trigger" id={format!("trigger-{i}")}>
                <select class="trigger-kind" onchange={set_kind}>
                    { for t.trigger_kinds.iter().map(|(value, label)| html! {
                        <option value={*value} selected={tag == *value}>{ *label }</option>
                    }) }
                </select>
                { detail }
                <label class="inline"><input type="number" class="narrow" min="0"
                    value={trigger.delay.as_secs().to_string()} onchange={set_delay} />{ t.delay_seconds }</label>
                <span class="grow"></span>
                <button type="button" class="link danger-text" onclick={remove}>{ t.remove }</button>
            </div>
        }
    }

    pub(in crate::components::editor) fn targeting(&self, s: &Survey) -> Html {
        let t = self.t;
        let targeting = &s.targeting;
        let kiosk_too =
            targeting.channels.is_empty() || targeting.channels.contains(&Channel::Kiosk);
        let set_urls = self.on::<Event>(|s, v| s.targeting.urls = url_rules(v));
        let set_excluded = self.on::<Event>(|s, v| s.targeting.exclude_urls = url_rules(v));
        let set_locales = self.on::<Event>(|s, v| {
            s.targeting.locales = v
                .split([',', ' '])
                .filter(|l| !l.is_empty())
                .filter_map(locale)
                .collect();
        });
        let set_partial = self.on::<Event>(|s, v| {
            s.kiosk.partial = if v == "drop" {
                PartialAnswer::Drop
            } else {
                PartialAnswer::Send
            };
        });
        html! {
            <section class="card section" id="section-targeting">
                <h2>{ t.who }</h2>
                <div class="row">
                    { for Channel::ALL.into_iter().map(|channel| {
                        let toggle = self.on_check(move |s, on| {
                            let channels = &mut s.targeting.channels;
                            channels.retain(|c| *c != channel);
                            if on {
                                channels.push(channel);
                                channels.sort_by_key(|c| Channel::ALL.iter().position(|a| a == c));
                            }
                        });
                        html! {
                            <label class="check">
                                <input type="checkbox" class={format!("channel-{}", channel.as_str())}
                                    checked={targeting.channels.contains(&channel)} onchange={toggle} />
                                { self.app.context_value(channel.as_str()) }
                            </label>
                        }
                    }) }
                    <small class="muted">{ t.channels_help }</small>
                </div>
                <div class="row">
                    <label class="field grow"><span>{ t.pages }</span>
                        <textarea id="target-urls" rows="2" placeholder="https://shop.example/checkout"
                            value={url_lines(&targeting.urls)} onchange={set_urls} />
                        <small class="muted">{ t.pages_help }</small></label>
                    <label class="field grow"><span>{ t.not_pages }</span>
                        <textarea id="exclude-urls" rows="2" value={url_lines(&targeting.exclude_urls)}
                            onchange={set_excluded} /></label>
                </div>
                <div class="row">
                    <label class="field grow"><span>{ t.locales }</span>
                        <input id="target-locales" value={targeting.locales.iter().map(Locale::as_str)
                            .collect::<Vec<_>>().join(", ")} onchange={set_locales} />
                        <small class="muted">{ t.locales_help }</small></label>
                    if kiosk_too {
                        <label class="field grow"><span>{ t.kiosk_partial }</span>
                            <select id="kiosk-partial" onchange={set_partial}>
                                <option value="send" selected={s.kiosk.partial == PartialAnswer::Send}>{ t.kiosk_send }</option>
                                <option value="drop" selected={s.kiosk.partial == PartialAnswer::Drop}>{ t.kiosk_drop }</option>
                            </select></label>
                    }
                </div>
                if !targeting.attributes.is_empty() {
                    <p class="muted small">{ format!("{} {}", targeting.attributes.len(), t.attributes_kept) }</p>
                }
                { self.problems_at("targeting") }
                { self.problems_at("kiosk") }
            </section>
        }
    }

    pub(in crate::components::editor) fn throttle(
        &self,
        s: &Survey,
        site: &ThrottlePolicy,
    ) -> Html {
        let t = self.t;
        let th = &s.throttle;
        let set_sample = self.on::<Event>(|s, v| {
            if let Some(p) = number::<f64>(&v.replace(',', ".")) {
                s.throttle.sample_percent = p;
            }
        });
        let set_recurrence = self.on::<Event>(|s, v| {
            s.throttle.recurrence = match v {
                "after" => Recurrence::After(Period::days(90)),
                _ => Recurrence::Never,
            };
        });
        let set_again = self.on::<Event>(|s, v| {
            if let Some(p) = period_of(v) {
                s.throttle.recurrence = Recurrence::After(p);
            }
        });
        let set_max = self.on::<Event>(|s, v| s.throttle.max_displays = number(v));
        let set_rest = self.on::<Event>(|s, v| s.throttle.dismiss_cooldown = period_of(v));
        let set_total = self.on::<Event>(|s, v| s.throttle.quota.total = number(v));
        let set_store = self.on::<Event>(|s, v| s.throttle.quota.per_store_per_day = number(v));
        let again = match th.recurrence {
            Recurrence::Never => None,
            Recurrence::After(p) => Some(p),
        };
        let optional = |n: Option<u64>| n.map(|n| n.to_string()).unwrap_or_default();
        html! {
            <section class="card section" id="section-throttle">
                <h2>{ t.how_often }</h2>
                <p class="policy" id="policy-words">{ words::policy(self.lang, site, th) }</p>
                if site.wait_after_shown.is_some() || site.wait_after_answered.is_some() {
                    <p class="muted small">{ t.site_rules }</p>
                }
                <div class="grid4">
                    <label class="field narrow"><span>{ t.sample }</span>
                        <input id="sample-percent" type="number" min="0" max="100" step="any"
                            value={th.sample_percent.to_string()} onchange={set_sample} /></label>
                    <label class="field"><span>{ t.after_answer }</span>
                        <select id="recurrence" onchange={set_recurrence}>
                            <option value="never" selected={again.is_none()}>{ t.never_again }</option>
                            <option value="after" selected={again.is_some()}>{ t.again_after }</option>
                        </select></label>
                    if again.is_some() {
                        <label class="field narrow"><span>{ t.days }</span>
                            <input id="ask-again-days" type="number" min="1" step="any"
                                value={days_of(again)} onchange={set_again} /></label>
                    }
                </div>
                <div class="grid4">
                    <label class="field narrow"><span>{ t.max_displays }</span>
                        <input id="max-displays" type="number" min="1" placeholder={t.no_limit}
                            value={optional(th.max_displays.map(u64::from))} onchange={set_max} /></label>
                    <label class="field narrow"><span>{ t.dismiss_rest }</span>
                        <input id="dismiss-days" type="number" min="0" step="any" placeholder={t.no_limit}
                            value={days_of(th.dismiss_cooldown)} onchange={set_rest} /></label>
                    <label class="field narrow"><span>{ t.quota_total }</span>
                        <input id="quota-total" type="number" min="1" placeholder={t.no_limit}
                            value={optional(th.quota.total)} onchange={set_total} /></label>
                    <label class="field narrow"><span>{ t.quota_store }</span>
                        <input id="quota-store" type="number" min="1" placeholder={t.no_limit}
                            value={optional(th.quota.per_store_per_day)} onchange={set_store} /></label>
                </div>
                { self.problems_at("throttle") }
            </section>
        }
    }
}

fn days_of(p: Option<Period>) -> String {
    p.map(|p| {
        let days = p.as_secs() as f64 / 86_400.0;
        format!("{}", (days * 1000.0).round() / 1000.0)
    })
    .unwrap_or_default()
}

/// A number of days as typed; empty or not a number is no period.
fn period_of(text: &str) -> Option<Period> {
    let days: f64 = text.trim().replace(',', ".").parse().ok()?;
    (days > 0.0).then(|| Period::seconds((days * 86_400.0).round() as u64))
}

/// URL rules as lines: a prefix as it is, any other kind after its name (`glob:…`).
fn url_lines(rules: &[UrlRule]) -> String {
    rules
        .iter()
        .map(|r| match r.kind {
            UrlMatch::Prefix => r.value.clone(),
            UrlMatch::Exact => format!("exact:{}", r.value),
            UrlMatch::Contains => format!("contains:{}", r.value),
            UrlMatch::Glob => format!("glob:{}", r.value),
            UrlMatch::Regex => format!("regex:{}", r.value),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn url_rules(lines: &str) -> Vec<UrlRule> {
    lines
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| {
            for (name, kind) in [
                ("exact:", UrlMatch::Exact),
                ("contains:", UrlMatch::Contains),
                ("glob:", UrlMatch::Glob),
                ("regex:", UrlMatch::Regex),
            ] {
                if let Some(rest) = line.strip_prefix(name) {
                    return UrlRule::new(kind, rest.trim());
                }
            }
            UrlRule::new(UrlMatch::Prefix, line)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_rules_round_trip_through_lines() {
        let rules =
            url_rules("https://shop.example/checkout\n\n  glob:*/thanks*  \nregex:^https://a");
        assert_eq!(
            rules,
            vec![
                UrlRule::new(UrlMatch::Prefix, "https://shop.example/checkout"),
                UrlRule::new(UrlMatch::Glob, "*/thanks*"),
                UrlRule::new(UrlMatch::Regex, "^https://a"),
            ]
        );
        assert_eq!(url_rules(&url_lines(&rules)), rules);
    }

    #[test]
    fn days_are_typed_and_shown_as_numbers() {
        assert_eq!(period_of("90"), Some(Period::days(90)));
        assert_eq!(period_of("0,5"), Some(Period::hours(12)));
        assert_eq!(period_of(""), None);
        assert_eq!(period_of("0"), None);
        assert_eq!(days_of(Some(Period::hours(12))), "0.5");
        assert_eq!(days_of(Some(Period::days(14))), "14");
    }
}
