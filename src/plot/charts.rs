//! The seven standard figures of one run.
//!
//! Chart rules applied here (issue 16): blue and red only for the US and
//! China; axis rules from the metric catalogue (zero-based non-negative
//! quantities, whole-number counts, log ratios with a 1× line, a 0.5 line
//! on indices, the gap as "US lead, months"); direct end labels instead of
//! legends; noisy quarterly series as a 4-quarter mean over the faint raw line.
//!
//! Each figure answers one question of the innovation-vs-diffusion story
//! (who adopts, who leads the frontier, chips, power, data centres,
//! alignment, and the summary dashboard). A metric missing from the CSV
//! leaves its panel saying "no data" rather than failing the run's charts.

use std::ops::Range;
use std::path::{Path, PathBuf};

use plotters::style::RGBColor;
use rayon::prelude::*;

use super::axis::XAxis;
use super::canvas::{render_png_with_text, write_all};
use super::figure::{draw_figure, FigureSpec, Layout};
use super::panel::{trailing_mean, Kind, Panel, Series};
use super::race;
use super::style::{self, bloc_color, bloc_label, stack_color, stack_label, BLOCS, STACKS};
use crate::catalogue;
use crate::error::Result;
use crate::io::timeseries::Timeseries;

/// Identity of the run a chart shows, printed in every subtitle so a PNG
/// that travels alone (pasted in a slide, attached to an issue) stays traceable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChartMeta {
    /// Name of the config the run used (e.g. `baseline`).
    pub config_name: String,
    /// The run's master seed.
    pub seed: u64,
}

impl ChartMeta {
    /// The default chart subtitle, "config baseline · seed 42". Callers that
    /// know the run's provenance (overrides, overlay chain, resume parent)
    /// pass their own subtitle to [`render_run_charts`] instead.
    pub fn subtitle(&self) -> String {
        format!("config {} · seed {}", self.config_name, self.seed)
    }
}

/// File names of the run figures, in the order a report shows them
/// (summary first, then the headline adoption chart).
pub const RUN_CHARTS: [&str; 8] = [
    "dashboard.png",
    "components.png",
    "adoption.png",
    "frontier.png",
    "chips.png",
    "power.png",
    "datacenters.png",
    "alignment.png",
];

/// Quarters in the trailing mean drawn over noisy quarterly series.
const SMOOTH: usize = 4;

/// Render all run figures of `ts` into `charts_dir` (created if needed);
/// returns the written paths in [`RUN_CHARTS`] order.
///
/// `subtitle` is printed under every title: the run's provenance, e.g.
/// "baseline + policy.us.friction=0.9 · seed 42" ([`ChartMeta::subtitle`]
/// gives the plain default). The figures render in parallel into memory;
/// only when all succeeded are they written (each atomically), so a failure
/// leaves the folder's charts as they were. Same data, same bytes, at any
/// thread count.
pub fn render_run_charts(
    ts: &Timeseries,
    subtitle: &str,
    charts_dir: &Path,
) -> Result<Vec<PathBuf>> {
    let pngs = run_chart_pngs(ts, subtitle, charts_dir)?;
    write_all(pngs)
}

/// The run figures as PNG bytes, rendered in parallel, without writing:
/// `(path under charts_dir, bytes)` in [`RUN_CHARTS`] order.
pub fn run_chart_pngs(
    ts: &Timeseries,
    subtitle: &str,
    charts_dir: &Path,
) -> Result<Vec<(PathBuf, Vec<u8>)>> {
    let x = XAxis::new(&ts.periods());
    let specs = run_figures(ts, subtitle);
    specs
        .par_iter()
        .map(|(file, spec)| {
            let path = charts_dir.join(file);
            let text = [
                ("Title", spec.title.as_str()),
                ("Description", &spec.subtitle),
            ];
            let bytes = render_png_with_text(&path, style::FIGURE_SIZE, &text, |root| {
                draw_figure(root, spec, &x)
            })?;
            Ok((path, bytes))
        })
        .collect()
}

/// The y axis one panel of a run figure chose.
#[derive(Clone, Debug, PartialEq)]
pub struct PanelAxis {
    /// Figure file name (one of [`RUN_CHARTS`]).
    pub file: &'static str,
    /// Panel title.
    pub panel: String,
    /// The catalogue metric the panel shows, if it shows one.
    pub metric: Option<String>,
    /// The y range drawn.
    pub range: Range<f64>,
    /// Whether the axis is log10.
    pub log: bool,
    /// Tick positions.
    pub ticks: Vec<f64>,
}

/// The y axis every chart panel of the run figures chooses for `ts`, so
/// tests (and curious readers) can check the axis rules without decoding
/// pixels: a non-negative metric's range starts at 0, a count's ticks are
/// whole, a ratio's axis is log.
pub fn run_chart_axes(ts: &Timeseries) -> Vec<PanelAxis> {
    let mut out = Vec::new();
    for (file, spec) in run_figures(ts, "") {
        for p in spec.panels.iter().filter(|p| p.kind != Kind::Note) {
            let c = p.y_axis_choice(330);
            out.push(PanelAxis {
                file,
                panel: p.title.clone(),
                metric: p.metric.clone(),
                range: c.range,
                log: c.log,
                ticks: c.ticks,
            });
        }
    }
    out
}

/// A figure's title, layout and panels, built from the data.
type Figure = (String, Layout, Vec<Panel>);

/// All figure specs, keyed by file name, in [`RUN_CHARTS`] order.
fn run_figures(ts: &Timeseries, subtitle: &str) -> Vec<(&'static str, FigureSpec)> {
    let builders: [fn(&Timeseries) -> Figure; 8] = [
        dashboard,
        components,
        adoption,
        frontier,
        chips,
        power,
        datacenters,
        alignment,
    ];
    RUN_CHARTS
        .iter()
        .zip(builders)
        .map(|(file, build)| {
            let (title, layout, panels) = build(ts);
            (
                *file,
                FigureSpec {
                    title,
                    subtitle: subtitle.to_string(),
                    layout,
                    panels,
                    legend: Vec::new(),
                },
            )
        })
        .collect()
}

/// `metric` in `scope` as a line in the bloc's colour, labelled at its end.
fn bloc(ts: &Timeseries, metric: &str, scope: &str) -> Series {
    let short = match scope {
        "NONALIGNED" => "Non-aligned".to_string(),
        s => bloc_label(s),
    };
    Series::new(
        bloc_label(scope),
        bloc_color(scope),
        ts.series(metric, scope),
    )
    .labelled(short)
}

/// A panel of `metric` for the blocs in `scopes`, end-labelled, no legend.
fn by_bloc(ts: &Timeseries, title: &str, metric: &str, scopes: &[&str]) -> Panel {
    let mut p = Panel::for_metric(title, metric);
    p.legend = false;
    for b in scopes {
        p = p.with(bloc(ts, metric, b));
    }
    p
}

/// A noisy quarterly series as its 4-quarter mean, labelled at the end with
/// `label` and the last mean, over the raw quarters drawn faint.
fn smoothed(
    panel: Panel,
    raw: Vec<(u32, f64)>,
    color: RGBColor,
    label: &str,
    metric: &str,
) -> Panel {
    let mean = trailing_mean(&raw, SMOOTH);
    let m = catalogue::metric(metric);
    let end = mean
        .last()
        .map(|p| format!("{label} {}", m.format(p.1)))
        .unwrap_or_else(|| label.to_string());
    panel
        .with(Series::faint(color, raw))
        .with(Series::new(label, color, mean).labelled(end.trim().to_string()))
}

/// Adoption split by model stack in `scope`, as stacked areas.
fn stack_panel(ts: &Timeseries, title: &str, scope: &str) -> Panel {
    let mut p = Panel::for_metric(title, "adoption_share");
    p.y_label = "share of firms (%)".into();
    p.kind = Kind::Stacked;
    for s in STACKS {
        p = p.with(Series::new(
            stack_label(s),
            stack_color(s),
            ts.series(&format!("adoption_share.{s}"), scope),
        ));
    }
    p
}

fn adoption(ts: &Timeseries) -> Figure {
    let mut headline = by_bloc(
        ts,
        "Share of firms using any AI model, by bloc",
        "adoption_share",
        &["US", "CN", "ALLY", "NONALIGNED", "world"],
    );
    headline.y_label = "share of firms (%)".into();
    let panels = vec![
        headline,
        stack_panel(ts, "World: whose models firms use", "world"),
        stack_panel(ts, "Non-aligned (Global South): whose models", "NONALIGNED"),
    ];
    (
        "Diffusion: AI adoption by firms".into(),
        Layout::WideOverTwo,
        panels,
    )
}

fn frontier(ts: &Timeseries) -> Figure {
    let mut cap = by_bloc(
        ts,
        "Frontier capability",
        "frontier_capability",
        &["US", "CN"],
    );
    cap.y_label = "log10 effective FLOP".into();
    let mut gap = Panel::for_metric(
        "US lead at the frontier (4-quarter mean; raw quarters faint)",
        "frontier_gap_months",
    );
    gap.legend = false;
    gap.y_label = "US lead (months; negative = China ahead)".into();
    let gap = smoothed(
        gap,
        ts.series("frontier_gap_months", "world"),
        style::TEXT,
        "",
        "frontier_gap_months",
    );
    (
        "Innovation: the frontier race".into(),
        Layout::Grid(1, 2),
        vec![cap, gap],
    )
}

fn chips(ts: &Timeseries) -> Figure {
    let stock = by_bloc(
        ts,
        "Installed, powered compute by bloc",
        "compute_h100e",
        &BLOCS,
    );
    let mut selfsuff = Panel::for_metric(
        "China's inference chips: domestic supply ÷ demand",
        "cn_inference_self_sufficiency",
    );
    selfsuff.legend = false;
    selfsuff.y_label = "supply ÷ demand".into();
    selfsuff.refs[0].label = "self-sufficient (1×)".into();
    let selfsuff = selfsuff.with(bloc(ts, "cn_inference_self_sufficiency", "CN"));
    let mut revenue = Panel::for_metric("US chip licence revenue", "us_license_revenue_usd");
    revenue.legend = false;
    revenue.y_label = "USD per quarter".into();
    let revenue = revenue.with(Series::new(
        "licence revenue",
        style::US,
        ts.series("us_license_revenue_usd", "US"),
    ));
    (
        "Chips and compute".into(),
        Layout::WideOverTwo,
        vec![stock, selfsuff, revenue],
    )
}

fn power(ts: &Timeseries) -> Figure {
    let critical = ts.last_value("critical_reserve_margin", "US");
    let crit = critical.filter(|c| c.is_finite()).unwrap_or(0.15);
    let last = ts.periods().last().map(|p| p.1.clone()).unwrap_or_default();
    let markets: Vec<String> = ts
        .scopes_of("reserve_margin")
        .into_iter()
        .filter(|s| s.starts_with("US-"))
        .collect();
    let mut margins = Panel::for_metric(
        format!("US power markets: reserve margin (orange: below the critical margin in {last})"),
        "reserve_margin",
    );
    margins.zero_based = true;
    margins.legend = false;
    margins.y_label = "reserve margin (%)".into();
    let mut below = Vec::new();
    for m in &markets {
        let pts = ts.series("reserve_margin", m);
        let short = m.trim_start_matches("US-");
        match pts.last() {
            Some(&(_, v)) if v < crit => {
                let end = format!("{short} {}", catalogue::fixed(v * 100.0, 0) + "%");
                below.push(Series::new(short, style::HIGHLIGHT, pts).labelled(end))
            }
            _ => {
                let mut s = Series::new("", style::CONTEXT, pts);
                s.width = 2;
                margins = margins.with(s);
            }
        }
    }
    for mut s in below {
        s.width = 2;
        margins = margins.with(s);
    }
    let label = match critical {
        Some(c) => format!(
            "critical margin ({})",
            catalogue::metric("critical_reserve_margin").format(c)
        ),
        None => "critical margin (default 15%)".to_string(),
    };
    margins.refs.push(super::panel::RefLine {
        label,
        value: crit,
        strong: true,
    });
    margins.shade = Some((0.0, crit, style::lighten(style::HIGHLIGHT, 0.9)));
    let mut count = Panel::for_metric(
        "US markets below the critical margin",
        "us_markets_below_critical",
    );
    count.legend = false;
    count.y_label = format!("markets (of {})", markets.len());
    let count = count.with(Series::new(
        "markets below critical",
        style::US,
        ts.series("us_markets_below_critical", "US"),
    ));
    let mut spare = Panel::for_metric(
        "China's spare power ÷ world data-centre demand",
        "cn_spare_power_over_global_dc_demand",
    )
    .with_ref("3×", 3.0);
    spare.legend = false;
    spare.y_label = "spare power ÷ DC demand".into();
    let spare = spare.with(Series::new(
        "China spare power",
        style::CN,
        ts.series("cn_spare_power_over_global_dc_demand", "world"),
    ));
    (
        "Power: grid headroom for data centres".into(),
        Layout::WideOverTwo,
        vec![margins, count, spare],
    )
}

fn datacenters(ts: &Timeseries) -> Figure {
    let cap = by_bloc(ts, "Data-centre capacity by bloc", "dc_capacity_gw", &BLOCS);
    ("Data centres".into(), Layout::Grid(1, 1), vec![cap])
}

fn alignment(ts: &Timeseries) -> Figure {
    let line = |metric: &str, who: &str| {
        Series::new(
            format!("aligned with {}", bloc_label(who)),
            bloc_color(who),
            ts.series(&format!("{metric}.{who}"), "world"),
        )
        .labelled(bloc_label(who))
    };
    let mut count = Panel::for_metric("Countries aligned with each stack", "aligned_countries");
    count.y_label = "countries".into();
    count.legend = false;
    let mut gdp = Panel::for_metric("World GDP aligned with each stack", "aligned_gdp_share");
    gdp.y_label = "share of world GDP (%)".into();
    gdp.legend = false;
    for who in ["US", "CN"] {
        count = count.with(line("aligned_countries", who));
        gdp = gdp.with(line("aligned_gdp_share", who));
    }
    (
        "Alignment: which stack do countries side with?".into(),
        Layout::Grid(1, 2),
        vec![count, gdp],
    )
}

/// The index metrics the dashboard mirrors.
const INDICES: [(&str, &str); 3] = [
    ("Innovation", "innovation_index"),
    ("Diffusion", "diffusion_index"),
    ("Dominance", "dominance_index"),
];

/// One y range, symmetric about 0.5, that holds every US and China index
/// value: the mirrored panels then share a scale, so a lead looks as big as it is.
fn index_range(ts: &Timeseries) -> Range<f64> {
    let dev = INDICES
        .iter()
        .flat_map(|(_, m)| ["US", "CN"].map(|s| ts.series(m, s)))
        .flatten()
        .map(|(_, v)| (v - 0.5).abs())
        .filter(|d| d.is_finite())
        .fold(0.0, f64::max);
    let h = ((dev * 1.05 / 0.05).ceil() * 0.05).clamp(0.1, 0.5);
    0.5 - h..0.5 + h
}

fn dashboard(ts: &Timeseries) -> Figure {
    let range = index_range(ts);
    let idx = |name: &str, metric: &str| {
        let mut p = Panel::for_metric(
            format!("{name} index (4-quarter mean; raw quarters faint)"),
            metric,
        );
        p.legend = false;
        p.fixed_y = Some(range.clone());
        p.y_label = "index (0.5 = level)".into();
        let p = smoothed(p, ts.series(metric, "US"), style::US, "US", metric);
        smoothed(p, ts.series(metric, "CN"), style::CN, "China", metric)
    };
    let mut panels: Vec<Panel> = INDICES.iter().map(|(n, m)| idx(n, m)).collect();
    panels.push(Panel::note(scoreboard_title(ts), scoreboard(ts)));
    (
        "Innovation vs diffusion: who leads?".into(),
        Layout::Grid(2, 2),
        panels,
    )
}

/// The index components as small multiples: each the US (blue) and China
/// (red) share of one part of an index, 4-quarter means over the raw
/// quarters, on one scale around the 0.5 line, so the reader sees which part
/// moves the lead. The title of each says its weight in its index.
fn components(ts: &Timeseries) -> Figure {
    let parts = race::components(ts);
    let dev = parts
        .iter()
        .flat_map(|c| c.us.iter().map(|p| (p.1 - 0.5).abs()))
        .filter(|d| d.is_finite())
        .fold(0.0, f64::max);
    let h = ((dev * 1.05 / 0.05).ceil() * 0.05).clamp(0.1, 0.5);
    let panels = parts
        .iter()
        .map(|c| {
            let which = if c.index == "innovation_index" {
                "Innovation"
            } else {
                "Diffusion"
            };
            let weight = catalogue::fixed(c.weight * 100.0, 0);
            let mut p = Panel::for_metric(
                format!("{which} ({weight}%): {}", c.label),
                "innovation_index",
            );
            p.legend = false;
            p.fixed_y = Some(0.5 - h..0.5 + h);
            p.y_label = "share (0.5 = level)".into();
            let cn: Vec<(u32, f64)> = c.us.iter().map(|&(t, v)| (t, 1.0 - v)).collect();
            let p = smoothed(p, c.us.clone(), style::US, "US", "innovation_index");
            smoothed(p, cn, style::CN, "China", "innovation_index")
        })
        .collect();
    (
        "What moves each index: its components, US vs China".into(),
        Layout::Grid(2, 3),
        panels,
    )
}

fn scoreboard_title(ts: &Timeseries) -> String {
    match ts.periods().last() {
        Some((_, p)) => format!("Scoreboard at {p} (4-quarter means)"),
        None => "Scoreboard".into(),
    }
}

/// The scoreboard: who leads each race over the last four quarters, then the drivers.
fn scoreboard(ts: &Timeseries) -> Vec<(String, RGBColor)> {
    let mut lines: Vec<(String, RGBColor)> = INDICES
        .iter()
        .map(|(name, metric)| race_line(ts, name, metric))
        .collect();
    lines.extend(driver_lines(ts).into_iter().map(|l| (l, style::TEXT)));
    lines
}

/// The last `SMOOTH` values of `metric` in `scope`.
fn recent(ts: &Timeseries, metric: &str, scope: &str) -> Vec<f64> {
    let s = ts.series(metric, scope);
    s[s.len().saturating_sub(SMOOTH)..]
        .iter()
        .map(|p| p.1)
        .collect()
}

/// "Innovation: US leads, 0.75 vs 0.57", in the leader's colour, from
/// 4-quarter means; "too close to call" unless the lead holds in each of
/// those quarters and beyond one quarter's noise ([`super::race`], the same
/// verdict the report and the terminal summary print).
fn race_line(ts: &Timeseries, name: &str, metric: &str) -> (String, RGBColor) {
    let Some(r) = race::race(ts, metric) else {
        return (format!("{name}: no data"), style::SUBTLE);
    };
    let m = catalogue::metric(metric);
    let (fu, fc) = (m.format(r.us), m.format(r.cn));
    match r.lead {
        race::Lead::Us => (format!("{name}: US leads, {fu} vs {fc}"), style::US),
        race::Lead::China => (format!("{name}: China leads, {fc} vs {fu}"), style::CN),
        race::Lead::TooClose => (
            format!("{name}: too close to call (US {fu} vs China {fc})"),
            style::TEXT,
        ),
    }
}

/// One-line facts behind the scores (each skipped when its metric is missing).
fn driver_lines(ts: &Timeseries) -> Vec<String> {
    let last = |m: &str, s: &str| ts.last_value(m, s).filter(|v| v.is_finite());
    let mut lines = Vec::new();
    let gap = recent(ts, "frontier_gap_months", "world");
    if !gap.is_empty() {
        let g = gap.iter().map(|x| x / gap.len() as f64).sum::<f64>();
        let who = if g >= 0.0 { "US" } else { "China" };
        lines.push(format!(
            "Frontier: {who} ahead by {} months",
            catalogue::fixed(g.abs(), 1)
        ));
    }
    if let (Some(us), Some(cn)) = (last("compute_h100e", "US"), last("compute_h100e", "CN")) {
        if cn > 0.0 {
            lines.push(format!(
                "US compute stock: {}× China's",
                catalogue::significant(us / cn, 2)
            ));
        }
    }
    if let Some(a) = last("adoption_share", "world") {
        lines.push(format!(
            "Firms using AI worldwide: {}",
            catalogue::metric("adoption_share").format(a)
        ));
    }
    let (us, cn) = (
        last("aligned_countries.US", "world"),
        last("aligned_countries.CN", "world"),
    );
    if let (Some(us), Some(cn)) = (us, cn) {
        lines.push(format!(
            "Countries aligned: {us:.0} with the US, {cn:.0} with China"
        ));
    }
    if let Some(when) = sustained_from(ts, "cn_inference_self_sufficiency", "CN", 1.0) {
        lines.push(format!("China inference chips self-sufficient from {when}"));
    }
    lines
}

/// The period from which `metric` stays at or above `level` to the end.
fn sustained_from(ts: &Timeseries, metric: &str, scope: &str, level: f64) -> Option<String> {
    let s = ts.series(metric, scope);
    let start = s
        .iter()
        .rposition(|p| p.1 < level || p.1.is_nan())
        .map_or(0, |i| i + 1);
    let tick = s.get(start)?.0;
    ts.periods().into_iter().find(|p| p.0 == tick).map(|p| p.1)
}
