//! One survey's results: the score now, its trend, the answers, breakdowns by store, channel
//! and journey stage, and how many of those shown the survey answered it. Every figure is
//! the collector's summary (`…/summary`), read for the chosen period.

use shared::survey::Survey;
use yew::prelude::*;

use super::chart::{DistributionChart, Point, ScoreBar, TrendChart};
use super::{Session, Tab, failure, survey_title, tabs};
use crate::api::{self, ApiError, encode};
use crate::calendar::{self, Date, Step};
use crate::summary::{Group, Headline, ScoreKind, Summary};
use crate::texts::Texts;

/// The periods the trend can cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Span {
    Days,
    Weeks,
    Months,
}

impl Span {
    const ALL: [Span; 3] = [Span::Days, Span::Weeks, Span::Months];

    fn interval(self) -> &'static str {
        match self {
            Span::Days => "day",
            Span::Weeks => "week",
            Span::Months => "month",
        }
    }

    fn days(self) -> f64 {
        match self {
            Span::Days => 30.0,
            Span::Weeks => 26.0 * 7.0,
            Span::Months => 365.0,
        }
    }

    fn label(self, t: &Texts) -> &'static str {
        match self {
            Span::Days => t.last_30_days,
            Span::Weeks => t.last_26_weeks,
            Span::Months => t.last_12_months,
        }
    }

    /// The trend's caption opens with what one point is.
    fn point(self, t: &Texts) -> &'static str {
        let [day, week, month] = t.trend_point;
        match self {
            Span::Days => day,
            Span::Weeks => week,
            Span::Months => month,
        }
    }

    fn step(self) -> Step {
        match self {
            Span::Days => Step::Day,
            Span::Weeks => Step::Week,
            Span::Months => Step::Month,
        }
    }
}

/// The trend's points: one per period from the first with answers to the last, those without
/// answers included (they show as a gap in the line, `n=0`).
fn trend_points(headline: &Headline, groups: &[Group], step: Step) -> Vec<Point> {
    let dated: Vec<(Date, &Group)> = groups
        .iter()
        .filter_map(|g| Some((Date::parse(g.period_start.as_deref()?)?, g)))
        .collect();
    let (Some((first, _)), Some((last, _))) = (dated.first(), dated.last()) else {
        return Vec::new();
    };
    // 400 covers a year of days; the spans asked for are shorter.
    calendar::periods(*first, *last, step, 400)
        .into_iter()
        .map(|date| {
            let group = dated.iter().find(|(d, _)| *d == date).map(|(_, g)| *g);
            Point {
                label: date.label(step),
                value: group.and_then(|g| headline.score(g)),
                responses: group.map_or(0, |g| g.responses),
                few: group.is_some_and(|g| g.below_minimum),
            }
        })
        .collect()
}

/// The browser's offset from UTC, as the API takes it (`+09:00`), so days start at the
/// team's midnight.
fn utc_offset() -> String {
    let minutes = -(js_sys::Date::new_0().get_timezone_offset() as i64);
    let sign = if minutes < 0 { '-' } else { '+' };
    format!("{sign}{:02}:{:02}", minutes.abs() / 60, minutes.abs() % 60)
}

#[derive(Debug, Clone, PartialEq)]
struct Loaded {
    survey: Survey,
    trend: Summary,
    by_store: Summary,
    by_channel: Summary,
    by_stage: Summary,
}

async fn load(key: &str, site: &str, survey: &str, span: Span) -> Result<Loaded, ApiError> {
    let base = format!(
        "/v1/admin/sites/{}/surveys/{}",
        encode(site),
        encode(survey)
    );
    let from = (js_sys::Date::now() - span.days() * 86_400_000.0).floor() as i64;
    let common = format!("from={from}&utc_offset={}", encode(&utc_offset()));
    let summary = |query: String| {
        let path = format!("{base}/summary?{common}&{query}");
        async move { api::get::<Summary>(key, &path).await }
    };
    Ok(Loaded {
        survey: api::get(key, &base).await?,
        trend: summary(format!("interval={}", span.interval())).await?,
        by_store: summary("group_by=store".into()).await?,
        by_channel: summary("group_by=channel".into()).await?,
        by_stage: summary("group_by=journey_stage".into()).await?,
    })
}

#[derive(Debug, Properties, PartialEq)]
pub(crate) struct ResultsProps {
    pub session: Session,
    pub site: String,
    pub survey: String,
}

#[component]
pub(crate) fn Results(props: &ResultsProps) -> Html {
    let session = &props.session;
    let t = session.texts();
    let span = use_state(|| Span::Days);
    // Bumped by the refresh button: the same query read again.
    let reads = use_state(|| 0_u32);
    let data = use_state(|| None::<Result<Loaded, ApiError>>);
    {
        let (data, checker) = (data.clone(), session.clone());
        let deps = (
            session.key.clone(),
            props.site.clone(),
            props.survey.clone(),
            *span,
            *reads,
        );
        use_effect_with(deps, move |(key, site, survey, span, _)| {
            let (key, site, survey, span) = (key.clone(), site.clone(), survey.clone(), *span);
            wasm_bindgen_futures::spawn_local(async move {
                data.set(Some(
                    checker.checked(load(&key, &site, &survey, span).await),
                ));
            });
        });
    }
    let on_span = {
        let span = span.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            if let Some(s) = Span::ALL
                .into_iter()
                .find(|s| s.interval() == select.value())
            {
                span.set(s);
            }
        })
    };
    let refresh = {
        let reads = reads.clone();
        Callback::from(move |_: MouseEvent| reads.set(*reads + 1))
    };
    let controls = html! {
        <div class="controls">
            <label for="span">{ t.period }</label>
            <select id="span" onchange={on_span}>
                { for Span::ALL.into_iter().map(|s| html! {
                    <option value={s.interval()} selected={s == *span}>{ s.label(t) }</option>
                }) }
            </select>
            <button type="button" id="refresh" onclick={refresh}>{ t.refresh }</button>
        </div>
    };
    let body = match &*data {
        None => html! { <p class="muted">{ t.loading }</p> },
        Some(Err(e)) => failure(session, e),
        Some(Ok(loaded)) => view(t, loaded, *span),
    };
    let loaded = match &*data {
        Some(Ok(l)) => Some(&l.survey),
        _ => None,
    };
    let title = survey_title(t, &props.site, &props.survey, loaded);
    html! {
        <section class="page" id="results-page">
            <a class="back" href="#/">{ "← " }{ t.all_surveys }</a>
            <div class="title-row">
                <div>{ title }</div>
                { controls }
            </div>
            { tabs(session, &props.site, &props.survey, Tab::Results) }
            { body }
        </section>
    }
}

fn view(t: &Texts, l: &Loaded, span: Span) -> Html {
    let Some(headline) = Headline::of(&l.survey) else {
        return tiles(t, None, &l.trend.total);
    };
    let total = &l.trend.total;
    let points = trend_points(&headline, &l.trend.groups, span.step());
    let distribution = headline
        .figures(total)
        .map(|f| f.distribution.clone())
        .unwrap_or_default();
    html! {
        <>
            { tiles(t, Some(&headline), total) }
            <div class="charts">
                <section class="card wide" id="trend">
                    <h2>{ t.trend }</h2>
                    if points.is_empty() {
                        <p class="muted empty">{ t.no_answers }</p>
                    } else {
                        <TrendChart kind={headline.kind} {points} />
                        <p class="muted note">{ span.point(t) }{ t.trend_help }</p>
                    }
                </section>
                <section class="card" id="distribution">
                    <h2>{ t.distribution }</h2>
                    if total.responses == 0 {
                        <p class="muted empty">{ t.no_answers }</p>
                    } else {
                        <DistributionChart kind={headline.kind} {distribution} />
                        if headline.kind == ScoreKind::Nps {
                            <p class="legend muted">
                                <span class="swatch low"></span>{ t.detractors }{ " 0–6 " }
                                <span class="swatch mid"></span>{ t.passives }{ " 7–8 " }
                                <span class="swatch high"></span>{ t.promoters }{ " 9–10" }
                            </p>
                        }
                    }
                </section>
            </div>
            <div class="breakdowns">
                { breakdown(t, &headline, ("by-store", t.by_store, t.no_store), &l.by_store) }
                { breakdown(t, &headline, ("by-channel", t.by_channel, t.not_set), &l.by_channel) }
                { breakdown(t, &headline, ("by-stage", t.by_stage, t.not_set), &l.by_stage) }
            </div>
        </>
    }
}

fn rate(r: Option<f64>) -> String {
    r.map_or_else(|| "—".to_owned(), |r| format!("{:.0}%", r * 100.0))
}

/// The headline figures: the score (with what it is made of), responses, shown, the rate.
fn tiles(t: &Texts, headline: Option<&Headline>, total: &Group) -> Html {
    let score = headline.and_then(|h| h.score(total).map(|v| (h, v)));
    let (value, detail) = match score {
        None => (t.no_score.to_owned(), String::new()),
        Some((h, v)) => {
            let f = h.figures(total);
            let detail = match h.kind {
                ScoreKind::Nps => f
                    .and_then(|f| f.nps.as_ref())
                    .map(|n| {
                        let margin = n
                            .margin
                            .map(|m| format!(" · {} ±{m:.0}", t.margin))
                            .unwrap_or_default();
                        format!(
                            "{} {} · {} {} · {} {}{margin}",
                            t.promoters,
                            n.promoters,
                            t.passives,
                            n.passives,
                            t.detractors,
                            n.detractors
                        )
                    })
                    .unwrap_or_default(),
                ScoreKind::Csat => {
                    let mean = f
                        .and_then(|f| f.csat.as_ref())
                        .and_then(|c| c.mean)
                        .map(|m| format!(" · {m:.1} / 5"))
                        .unwrap_or_default();
                    format!("{}{mean}", t.satisfied)
                }
                ScoreKind::Ces => t.mean_effort.to_owned(),
                ScoreKind::Smiley => t.mean_smiley.to_owned(),
            };
            (h.kind.format(v), detail)
        }
    };
    let kind = headline.map_or("", |h| match h.kind {
        ScoreKind::Nps => "NPS",
        ScoreKind::Csat => "CSAT",
        ScoreKind::Ces => "CES",
        ScoreKind::Smiley => "",
    });
    html! {
        <div class="tiles">
            <div class="tile score" id="score">
                <div class="label">{ if kind.is_empty() { t.score_now } else { kind } }</div>
                <div class="big">{ value }</div>
                <div class="muted small">{ detail }</div>
            </div>
            <div class="tile" id="responses">
                <div class="label">{ t.responses }</div>
                <div class="big">{ total.responses.to_string() }</div>
            </div>
            <div class="tile" id="shown">
                <div class="label">{ t.shown }</div>
                <div class="big">{ total.displays.to_string() }</div>
                <div class="muted small">{ format!("{} {}", t.dismissed, total.dismissals) }</div>
            </div>
            <div class="tile" id="rate">
                <div class="label">{ t.response_rate }</div>
                <div class="big">{ rate(total.response_rate) }</div>
                <div class="muted small">{ format!("{} / {}", total.responses, total.displays) }</div>
            </div>
        </div>
    }
}

/// One dimension's groups, most responses first, those without a value (no store) last.
fn breakdown(
    t: &Texts,
    headline: &Headline,
    (id, title, none): (&str, &str, &str),
    summary: &Summary,
) -> Html {
    let mut groups: Vec<&Group> = summary.groups.iter().collect();
    groups.sort_by_key(|g| (g.key.is_none(), std::cmp::Reverse(g.responses)));
    let rows = groups.into_iter().map(|g| {
        let name = g
            .key
            .as_deref()
            .map_or(none, |k| t.context_value(k))
            .to_owned();
        let score = headline.score(g);
        html! {
            <tr data-key={g.key.clone().unwrap_or_default()} class={classes!(g.below_minimum.then_some("few"))}>
                <th scope="row">{ name }</th>
                <td class="num">{ g.responses.to_string() }</td>
                <td class="num">{ rate(g.response_rate) }</td>
                <td class="num score">
                    { score.map_or_else(|| t.no_score.to_owned(), |v| headline.kind.format(v)) }
                    if g.below_minimum {
                        <span class="few-mark" title={t.few_help}>{ t.few }</span>
                    }
                </td>
                <td class="bar-cell">
                    if let Some(v) = score {
                        <ScoreBar kind={headline.kind} value={v} />
                    }
                </td>
            </tr>
        }
    });
    html! {
        <section class="card breakdown" id={id.to_owned()}>
            <h2>{ title }</h2>
            if summary.groups.is_empty() {
                <p class="muted">{ t.no_answers }</p>
            } else {
                <table class="list">
                    <thead><tr>
                        <th></th>
                        <th class="num">{ t.responses }</th>
                        <th class="num">{ t.rate }</th>
                        <th class="num">{ t.score_now }</th>
                        <th></th>
                    </tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
            }
        </section>
    }
}
