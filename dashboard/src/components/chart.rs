//! The charts, drawn as SVG by the app with their numbers written on them, so they read
//! without hovering (and print). Styles come from the page's stylesheet (classes only: no
//! inline styles, for a strict CSP).

use yew::prelude::*;

use crate::summary::{Distribution, ScoreKind};

/// One period of a trend.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Point {
    /// The period as the axis writes it (`11-23`, `W47`, `2025-11`).
    pub label: String,
    pub value: Option<f64>,
    pub responses: u64,
    /// Too few responses to lean on: drawn hollow.
    pub few: bool,
}

#[derive(Debug, Properties, PartialEq)]
pub(crate) struct TrendProps {
    pub kind: ScoreKind,
    pub points: Vec<Point>,
}

// About the size it is drawn at on a laptop, so that its text is close to the page's.
const W: f64 = 760.0;
const H: f64 = 260.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 30.0;
const BOTTOM: f64 = 50.0;

/// Where a value sits between `lo` (the bottom) and `hi` (the top) of the plot.
pub(crate) fn y_of(value: f64, (lo, hi): (f64, f64)) -> f64 {
    let share = ((value - lo) / (hi - lo)).clamp(0.0, 1.0);
    TOP + (1.0 - share) * (H - TOP - BOTTOM)
}

/// The x of point `i` of `n`, spread evenly; a lone point sits in the middle.
pub(crate) fn x_of(i: usize, n: usize) -> f64 {
    let width = W - LEFT - RIGHT;
    if n <= 1 {
        LEFT + width / 2.0
    } else {
        LEFT + width * (i as f64 + 0.5) / n as f64
    }
}

/// A value's label baseline above its dot, and below it.
const ABOVE: f64 = 10.0;
const BELOW: f64 = 18.0;
/// How far apart two neighbouring labels' baselines must be not to touch.
const CLEAR: f64 = 13.0;

/// Where each value's label goes (its baseline), given its dot's height on the plot (`None`:
/// no value). On a busy chart (past 16 periods) neighbouring labels would overlap, so a dip is
/// written below its dot (a zigzag's labels alternate), a label that would touch its left
/// neighbour's takes the other side, and nothing is written on the axis.
pub(crate) fn value_label_ys(dots: &[Option<f64>], busy: bool, axis: f64) -> Vec<Option<f64>> {
    if !busy {
        return dots.iter().map(|dot| dot.map(|y| y - ABOVE)).collect();
    }
    let mut out = Vec::with_capacity(dots.len());
    let mut last: Option<f64> = None;
    for (i, dot) in dots.iter().enumerate() {
        let Some(y) = *dot else {
            out.push(None);
            last = None;
            continue;
        };
        let (above, below) = (y - ABOVE, y + BELOW);
        let fits_below = below < axis - 4.0;
        let prev = i.checked_sub(1).and_then(|j| dots[j]);
        let next = dots.get(i + 1).copied().flatten();
        // On screen a dip is lower: a larger y than its neighbours.
        let dip = (prev.is_some_and(|p| y > p) && next.is_none_or(|n| y >= n))
            || (prev.is_none_or(|p| y >= p) && next.is_some_and(|n| y > n));
        let clashes = |label: f64| last.is_some_and(|l| (l - label).abs() < CLEAR);
        let (first, second) = if dip && fits_below {
            (below, above)
        } else {
            (above, below)
        };
        let second_fits = second == above || fits_below;
        let chosen = if clashes(first) && second_fits && !clashes(second) {
            second
        } else {
            first
        };
        out.push(Some(chosen));
        last = Some(chosen);
    }
    out
}

fn ticks(kind: ScoreKind) -> Vec<f64> {
    match kind {
        ScoreKind::Nps => vec![-100.0, -50.0, 0.0, 50.0, 100.0],
        ScoreKind::Csat => vec![0.0, 25.0, 50.0, 75.0, 100.0],
        ScoreKind::Ces => (1..=7).map(f64::from).collect(),
        ScoreKind::Smiley => (1..=4).map(f64::from).collect(),
    }
}

#[component]
pub(crate) fn TrendChart(props: &TrendProps) -> Html {
    let range = props.kind.range();
    let n = props.points.len();
    // Past 16 periods every other axis label is left out, counting back from the latest so
    // that it is always written; every value stays.
    let label_every = if n > 16 { 2 } else { 1 };
    let small = n > 16;
    let dots: Vec<Option<f64>> = props
        .points
        .iter()
        .map(|p| p.value.map(|v| y_of(v, range)))
        .collect();
    let label_ys = value_label_ys(&dots, small, H - BOTTOM);
    let grid = ticks(props.kind).into_iter().map(|tick| {
        let y = y_of(tick, range);
        let class = if tick == 0.0 && props.kind == ScoreKind::Nps {
            "grid zero"
        } else {
            "grid"
        };
        let label = match props.kind {
            ScoreKind::Csat => format!("{tick:.0}%"),
            kind => kind.format(tick),
        };
        html! {
            <g>
                <line class={class} x1={LEFT.to_string()} x2={(W - RIGHT).to_string()}
                    y1={y.to_string()} y2={y.to_string()} />
                <text class="tick" x={(LEFT - 8.0).to_string()} y={(y + 4.0).to_string()}
                    text-anchor="end">{ label }</text>
            </g>
        }
    });
    // The line joins consecutive periods that have a score.
    let mut path = String::new();
    let mut joined = false;
    for (i, p) in props.points.iter().enumerate() {
        match p.value {
            Some(v) => {
                let command = if joined { 'L' } else { 'M' };
                path.push_str(&format!(
                    "{command}{:.1},{:.1} ",
                    x_of(i, n),
                    y_of(v, range)
                ));
                joined = true;
            }
            None => joined = false,
        }
    }
    let points = props.points.iter().enumerate().map(|(i, p)| {
        let x = x_of(i, n);
        let axis = H - BOTTOM;
        let labelled = (n - 1 - i).is_multiple_of(label_every);
        let label = labelled.then(|| {
            html! {
                <text class="axis" x={x.to_string()} y={(axis + 18.0).to_string()}
                    text-anchor="middle">{ &p.label }</text>
            }
        });
        let count = html! {
            <text class="count" x={x.to_string()} y={(axis + 36.0).to_string()}
                text-anchor="middle">{ format!("n={}", p.responses) }</text>
        };
        let dot = p.value.map(|v| {
            let y = y_of(v, range);
            let class = if p.few { "dot few" } else { "dot" };
            let text_y = label_ys[i].unwrap_or(y - ABOVE);
            html! {
                <g class="point" data-period={p.label.clone()}>
                    <circle class={class} cx={x.to_string()} cy={y.to_string()} r="5" />
                    <text class={if small { "value small" } else { "value" }} x={x.to_string()}
                        y={text_y.to_string()} text-anchor="middle">
                        { props.kind.format(v) }
                    </text>
                </g>
            }
        });
        html! { <>{ label }{ if labelled { count } else { Html::default() } }{ dot }</> }
    });
    html! {
        <svg class="chart trend" viewBox={format!("0 0 {W} {H}")} role="img"
            preserveAspectRatio="xMidYMid meet">
            { for grid }
            <path class="line" d={path} />
            { for points }
        </svg>
    }
}

#[derive(Debug, Properties, PartialEq)]
pub(crate) struct DistributionProps {
    pub kind: ScoreKind,
    pub distribution: Distribution,
}

/// The bar class of a score: NPS colours detractors, passives and promoters; the others
/// colour low, middle and high answers alike.
fn tone(kind: ScoreKind, score: i64) -> &'static str {
    let (low, high) = match kind {
        ScoreKind::Nps => (6, 9),
        ScoreKind::Csat => (2, 4),
        ScoreKind::Ces => (3, 6),
        ScoreKind::Smiley => (2, 4),
    };
    if score <= low {
        "bar low"
    } else if score >= high {
        "bar high"
    } else {
        "bar mid"
    }
}

/// One column per score, with its count above and its share below the axis.
#[component]
pub(crate) fn DistributionChart(props: &DistributionProps) -> Html {
    const DW: f64 = 380.0;
    const DH: f64 = 260.0;
    const PAD: f64 = 12.0;
    const TOP: f64 = 26.0;
    const BOTTOM: f64 = 50.0;
    let bars = &props.distribution.0;
    let total: u64 = bars.iter().map(|(_, c)| c).sum();
    let most = bars.iter().map(|(_, c)| *c).max().unwrap_or(0).max(1);
    let slot = (DW - 2.0 * PAD) / bars.len().max(1) as f64;
    let width = (slot * 0.72).min(44.0);
    let plot = DH - TOP - BOTTOM;
    let axis = DH - BOTTOM;
    let columns = bars.iter().enumerate().map(|(i, (label, count))| {
        let x = PAD + slot * (i as f64 + 0.5);
        let h = plot * *count as f64 / most as f64;
        let class = label
            .parse::<i64>()
            .map_or("bar mid", |score| tone(props.kind, score));
        let share = if total > 0 {
            format!("{:.0}%", 100.0 * *count as f64 / total as f64)
        } else {
            String::new()
        };
        html! {
            <g class="column" data-score={label.clone()} data-count={count.to_string()}>
                <rect class={class} x={(x - width / 2.0).to_string()} y={(axis - h).to_string()}
                    width={width.to_string()} height={h.max(1.0).to_string()} rx="3" />
                <text class="value" x={x.to_string()} y={(axis - h - 6.0).to_string()}
                    text-anchor="middle">{ count.to_string() }</text>
                <text class="axis" x={x.to_string()} y={(axis + 18.0).to_string()}
                    text-anchor="middle">{ label }</text>
                <text class="count" x={x.to_string()} y={(axis + 36.0).to_string()}
                    text-anchor="middle">{ share }</text>
            </g>
        }
    });
    html! {
        <svg class="chart distribution" viewBox={format!("0 0 {DW} {DH}")} role="img"
            preserveAspectRatio="xMidYMid meet">
            <line class="grid" x1={PAD.to_string()} x2={(DW - PAD).to_string()}
                y1={axis.to_string()} y2={axis.to_string()} />
            { for columns }
        </svg>
    }
}

/// A horizontal bar for a breakdown row: the score's place on its scale.
#[derive(Debug, Properties, PartialEq)]
pub(crate) struct ScoreBarProps {
    pub kind: ScoreKind,
    pub value: f64,
}

#[component]
pub(crate) fn ScoreBar(props: &ScoreBarProps) -> Html {
    const BW: f64 = 100.0;
    let (lo, hi) = props.kind.range();
    let share = ((props.value - lo) / (hi - lo)).clamp(0.0, 1.0);
    // NPS bars grow from the middle (0), left for negative scores.
    let (x, w) = if props.kind == ScoreKind::Nps {
        let mid = BW / 2.0;
        let end = share * BW;
        (mid.min(end), (end - mid).abs())
    } else {
        (0.0, share * BW)
    };
    let class = if props.kind == ScoreKind::Nps && props.value < 0.0 {
        "bar low"
    } else {
        "bar high"
    };
    html! {
        <svg class="score-bar" viewBox={format!("0 0 {BW} 10")} preserveAspectRatio="none"
            aria-hidden="true">
            <rect class="track" x="0" y="0" width={BW.to_string()} height="10" rx="2" />
            <rect class={class} x={x.to_string()} y="0" width={w.max(0.5).to_string()}
                height="10" rx="2" />
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_map_onto_the_plot() {
        let nps = ScoreKind::Nps.range();
        assert_eq!(y_of(100.0, nps), TOP);
        assert_eq!(y_of(-100.0, nps), H - BOTTOM);
        assert_eq!(y_of(0.0, nps), TOP + (H - TOP - BOTTOM) / 2.0);
        // Out of range is drawn at the edge, never outside the chart.
        assert_eq!(y_of(250.0, nps), TOP);
    }

    #[test]
    fn a_busy_charts_labels_keep_clear_of_each_other() {
        // Dots' heights on screen (a larger y is lower); true: the label is below its dot.
        let check = |dots: &[Option<f64>], expected: &[bool]| {
            let ys = value_label_ys(dots, true, 210.0);
            let below: Vec<bool> = dots
                .iter()
                .zip(&ys)
                .map(|(dot, label)| matches!((dot, label), (Some(d), Some(l)) if l > d))
                .collect();
            assert_eq!(below, expected, "{dots:?} → {ys:?}");
        };
        // A zigzag: every dip below, every peak above.
        check(
            &[
                Some(100.0),
                Some(80.0),
                Some(90.0),
                Some(80.0),
                Some(120.0),
                Some(50.0),
            ],
            &[true, false, true, false, true, false],
        );
        // Level values alternate sides, on a peak and in a dip alike.
        check(
            &[Some(150.0), Some(30.0), Some(30.0), Some(30.0)],
            &[true, false, true, false],
        );
        check(
            &[Some(80.0), Some(100.0), Some(100.0), Some(20.0)],
            &[false, true, false, false],
        );
        // A small dip after a label written below: below would touch it, so above.
        check(&[Some(30.0), Some(30.0), Some(40.0)], &[false, true, false]);
        // At the bottom nothing is written on the axis, and a gap has no label.
        check(
            &[Some(100.0), Some(210.0), None, Some(50.0)],
            &[false, false, false, false],
        );
        // A quiet chart writes every value above its dot.
        let quiet = value_label_ys(&[Some(100.0), Some(120.0), Some(90.0)], false, 210.0);
        assert_eq!(quiet, [Some(90.0), Some(110.0), Some(80.0)]);
    }

    #[test]
    fn points_spread_across_the_width() {
        assert_eq!(x_of(0, 1), LEFT + (W - LEFT - RIGHT) / 2.0);
        assert!(x_of(0, 3) < x_of(1, 3) && x_of(1, 3) < x_of(2, 3));
        assert!(x_of(2, 3) < W - RIGHT);
    }
}
