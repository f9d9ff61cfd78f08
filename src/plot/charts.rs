//! The seven standard figures of one run.
//!
//! Each figure answers one question of the innovation-vs-diffusion story
//! (who adopts, who leads the frontier, chips, power, data centres,
//! alignment, and the summary dashboard). A metric missing from the CSV
//! leaves its panel saying "no data" rather than failing the run's charts.

use std::path::{Path, PathBuf};

use plotters::style::RGBColor;
use rayon::prelude::*;

use super::axis::{XAxis, YFormat};
use super::canvas::render_png;
use super::figure::{draw_figure, FigureSpec, Layout};
use super::panel::{Kind, Panel, Series};
use super::style::{self, bloc_color, bloc_label, stack_color, stack_label, BLOCS, STACKS};
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

/// File names of the run figures, in the order a report shows them
/// (summary first, then the headline adoption chart).
pub const RUN_CHARTS: [&str; 7] = [
    "dashboard.png",
    "adoption.png",
    "frontier.png",
    "chips.png",
    "power.png",
    "datacenters.png",
    "alignment.png",
];

/// Render all run figures of `ts` into `charts_dir` (created if needed);
/// returns the written paths in [`RUN_CHARTS`] order.
///
/// Each PNG is written atomically, and the same data gives byte-identical
/// files, so charts can be hashed and diffed like the CSV.
pub fn render_run_charts(
    ts: &Timeseries,
    meta: &ChartMeta,
    charts_dir: &Path,
) -> Result<Vec<PathBuf>> {
    let x = XAxis::new(&ts.periods());
    let subtitle = format!("config {} · seed {}", meta.config_name, meta.seed);
    let specs = run_figures(ts, &subtitle);
    specs
        .par_iter()
        .map(|(file, spec)| {
            let path = charts_dir.join(file);
            render_png(&path, style::FIGURE_SIZE, |root| {
                draw_figure(root, spec, &x)
            })?;
            Ok(path)
        })
        .collect()
}

/// A figure's title, layout and panels, built from the data.
type Figure = (String, Layout, Vec<Panel>);

/// All figure specs, keyed by file name, in [`RUN_CHARTS`] order.
fn run_figures(ts: &Timeseries, subtitle: &str) -> Vec<(&'static str, FigureSpec)> {
    let builders: [fn(&Timeseries) -> Figure; 7] = [
        dashboard,
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

/// One series of `metric` in `scope`, labelled with the bloc's reader-facing name.
fn bloc(ts: &Timeseries, metric: &str, scope: &str) -> Series {
    Series::new(
        bloc_label(scope),
        bloc_color(scope),
        ts.series(metric, scope),
    )
}

/// `metric` for the US and China, the two-line comparison most panels make.
fn us_cn(ts: &Timeseries, title: &str, y_label: &str, fmt: YFormat, metric: &str) -> Panel {
    Panel::lines(title, y_label, fmt)
        .with(bloc(ts, metric, "US"))
        .with(bloc(ts, metric, "CN"))
}

/// `metric` for the four blocs (plus the world line when `world` is set).
fn by_bloc(
    ts: &Timeseries,
    title: &str,
    y_label: &str,
    fmt: YFormat,
    metric: &str,
    world: bool,
) -> Panel {
    let mut p = Panel::lines(title, y_label, fmt);
    for b in BLOCS {
        p = p.with(bloc(ts, metric, b));
    }
    if world {
        p = p.with(bloc(ts, metric, "world"));
    }
    p
}

/// Adoption split by model stack in `scope`, as stacked areas.
fn stack_panel(ts: &Timeseries, title: &str, scope: &str) -> Panel {
    let mut p = Panel::lines(title, "share of firms (%)", YFormat::Percent);
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
    let headline = by_bloc(
        ts,
        "Share of firms using AI, by bloc",
        "share of firms (%)",
        YFormat::Percent,
        "adoption_share",
        true,
    );
    let panels = vec![
        headline,
        stack_panel(ts, "World: which model stack firms use", "world"),
        stack_panel(ts, "Non-aligned (Global South): which stack", "NONALIGNED"),
    ];
    (
        "Diffusion: AI adoption by firms".into(),
        Layout::WideOverTwo,
        panels,
    )
}

fn frontier(ts: &Timeseries) -> Figure {
    // Neither axis starts at zero: the story is the distance between the
    // lines, and the parity line must stay visible above the axis.
    let mut cap = us_cn(
        ts,
        "Frontier capability",
        "capability (ECI-like points)",
        YFormat::Number,
        "frontier_capability",
    );
    cap.zero_based = false;
    let mut gap = Panel::lines(
        "Frontier gap: how far China trails",
        "months behind (negative = ahead)",
        YFormat::Number,
    )
    .with(Series::new(
        "China's lag behind the US",
        style::CN,
        ts.series("frontier_gap_months", "world"),
    ))
    .with_ref("parity", 0.0);
    gap.zero_based = false;
    (
        "Innovation: the frontier race".into(),
        Layout::Grid(1, 2),
        vec![cap, gap],
    )
}

fn chips(ts: &Timeseries) -> Figure {
    let stock = by_bloc(
        ts,
        "Compute stock by bloc",
        "installed, powered (H100e)",
        YFormat::Number,
        "compute_h100e",
        false,
    );
    let selfsuff = Panel::lines(
        "China inference chip self-sufficiency",
        "domestic supply ÷ demand",
        YFormat::Multiple,
    )
    .with(bloc(ts, "cn_inference_self_sufficiency", "CN"))
    .with_ref("self-sufficient (1.0)", 1.0);
    let revenue = Panel::lines(
        "US chip licence revenue",
        "USD per quarter",
        YFormat::Number,
    )
    .with(Series::new(
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
    let markets: Vec<String> = ts
        .scopes_of("reserve_margin")
        .into_iter()
        .filter(|s| s.starts_with("US-"))
        .collect();
    let mut margins = Panel::lines(
        "US power markets: reserve margin",
        "reserve margin (%)",
        YFormat::Percent,
    );
    for (i, m) in markets.iter().enumerate() {
        let mut s = Series::new(
            m.trim_start_matches("US-"),
            style::series_color(i),
            ts.series("reserve_margin", m),
        );
        s.dashed = i >= 12;
        s.width = 2;
        margins = margins.with(s);
    }
    let critical = ts.last_value("critical_reserve_margin", "US");
    let label = match critical {
        Some(c) => format!("critical margin ({:.0}%)", c * 100.0),
        None => "critical margin (default 15%)".to_string(),
    };
    margins = margins.with_ref(label, critical.unwrap_or(0.15));
    let below = Panel::lines(
        "US markets below the critical margin",
        "markets",
        YFormat::Number,
    )
    .with(Series::new(
        "markets below critical",
        style::US,
        ts.series("us_markets_below_critical", "US"),
    ));
    let spare = Panel::lines(
        "China spare power vs global DC demand",
        "spare power ÷ DC demand",
        YFormat::Multiple,
    )
    .with(Series::new(
        "China spare power",
        style::CN,
        ts.series("cn_spare_power_over_global_dc_demand", "world"),
    ))
    .with_ref("3× line", 3.0);
    (
        "Power: grid headroom for data centres".into(),
        Layout::WideOverTwo,
        vec![margins, below, spare],
    )
}

fn datacenters(ts: &Timeseries) -> Figure {
    let cap = by_bloc(
        ts,
        "Data-centre capacity by bloc",
        "capacity (GW)",
        YFormat::Number,
        "dc_capacity_gw",
        false,
    );
    ("Data centres".into(), Layout::Grid(1, 1), vec![cap])
}

fn alignment(ts: &Timeseries) -> Figure {
    let series = |metric: &str, who: &str| bloc(ts, &format!("{metric}.{who}"), "world");
    let recolor = |mut s: Series, who: &str| {
        s.label = format!("aligned with {}", bloc_label(who));
        s.color = bloc_color(who);
        s
    };
    let mut count = Panel::lines(
        "Countries aligned with each stack",
        "countries",
        YFormat::Number,
    );
    let mut gdp = Panel::lines(
        "World GDP aligned with each stack",
        "share of world GDP (%)",
        YFormat::Percent,
    );
    for who in ["US", "CN"] {
        count = count.with(recolor(series("aligned_countries", who), who));
        gdp = gdp.with(recolor(series("aligned_gdp_share", who), who));
    }
    (
        "Alignment: which stack do countries side with?".into(),
        Layout::Grid(1, 2),
        vec![count, gdp],
    )
}

fn dashboard(ts: &Timeseries) -> Figure {
    let idx = |title: &str, metric: &str| {
        let mut p = us_cn(ts, title, "index (0–1)", YFormat::Number, metric);
        p.zero_based = false;
        p
    };
    let panels = vec![
        idx("Innovation index", "innovation_index"),
        idx("Diffusion index", "diffusion_index"),
        idx("Dominance index", "dominance_index"),
        Panel::note(scoreboard_title(ts), scoreboard(ts)),
    ];
    (
        "Innovation vs diffusion: who leads?".into(),
        Layout::Grid(2, 2),
        panels,
    )
}

fn scoreboard_title(ts: &Timeseries) -> String {
    match ts.periods().last() {
        Some((_, p)) => format!("Scoreboard at {p}"),
        None => "Scoreboard".into(),
    }
}

/// The scoreboard: who leads each race at the last tick, then the drivers.
fn scoreboard(ts: &Timeseries) -> Vec<(String, RGBColor)> {
    let races = [
        ("Innovation", "innovation_index"),
        ("Diffusion", "diffusion_index"),
        ("Dominance", "dominance_index"),
    ];
    let mut lines: Vec<(String, RGBColor)> = races
        .iter()
        .map(|(name, metric)| race_line(ts, name, metric))
        .collect();
    lines.extend(driver_lines(ts).into_iter().map(|l| (l, style::TEXT)));
    lines
}

/// "Innovation: US leads, 0.75 vs 0.57", in the leader's colour.
fn race_line(ts: &Timeseries, name: &str, metric: &str) -> (String, RGBColor) {
    let (Some(us), Some(cn)) = (ts.last_value(metric, "US"), ts.last_value(metric, "CN")) else {
        return (format!("{name}: no data"), style::SUBTLE);
    };
    let (u, c) = crate::report::format_pair(us, cn);
    if us > cn {
        (format!("{name}: US leads, {u} vs {c}"), style::US)
    } else if cn > us {
        (format!("{name}: China leads, {c} vs {u}"), style::CN)
    } else {
        (format!("{name}: tied at {u}"), style::TEXT)
    }
}

/// One-line facts behind the scores (each skipped when its metric is missing).
fn driver_lines(ts: &Timeseries) -> Vec<String> {
    let last = |m: &str, s: &str| ts.last_value(m, s);
    let mut lines = Vec::new();
    if let Some(g) = last("frontier_gap_months", "world") {
        let side = if g >= 0.0 { "behind" } else { "ahead" };
        lines.push(format!("Frontier gap: China {:.1} months {side}", g.abs()));
    }
    if let (Some(us), Some(cn)) = (last("compute_h100e", "US"), last("compute_h100e", "CN")) {
        if cn > 0.0 {
            lines.push(format!("US compute stock: {:.1}× China's", us / cn));
        }
    }
    if let Some(a) = last("adoption_share", "world") {
        lines.push(format!("Firms using AI worldwide: {:.0}%", a * 100.0));
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
    let ratio = "cn_inference_self_sufficiency";
    if let (_, Some(when)) = crate::report::crossing(ts, ratio, "CN", 1.0) {
        lines.push(format!("China inference chips self-sufficient from {when}"));
    }
    lines
}
