//! Charts that put several runs (or groups of runs) side by side:
//! `airace compare`, sweep bands and parameter heatmaps.
//!
//! A policy question is answered by differences between scenarios, not by
//! one run, so these overlay runs in one colour each with a shared legend.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use plotters::prelude::*;

use super::axis::{format_number, format_short, nice_step, KeyAxis, XAxis, YFormat};
use super::canvas::{render_png, Area, DrawResult};
use super::figure::{draw_figure, header, FigureSpec, Layout, LegendEntry, Swatch};
use super::panel::{draw_axis_labels, AxisText, Band, Chart, Panel, Series};
use super::style;
use super::text::{draw_text, text_width, Font, HAlign, VAlign};
use crate::error::{Error, Result};
use crate::io::timeseries::Timeseries;

/// One group's summary over replicate runs, for [`band_chart`].
#[derive(Clone, Debug, PartialEq)]
pub struct BandSeries {
    /// Legend name (scenario or parameter value).
    pub name: String,
    /// `(tick, mean, p05, p95)` per tick; the band shows the 5–95% range of replicates.
    pub points: Vec<(u32, f64, f64, f64)>,
}

/// A headline metric overlaid across runs: (panel title, y label, format, metric, scope, threshold).
type Overlay = (
    &'static str,
    &'static str,
    YFormat,
    &'static str,
    &'static str,
    Option<(&'static str, f64)>,
);

/// One compare figure: file name, title, grid (rows, columns), the metrics it overlays.
type CompareFigure = (
    &'static str,
    &'static str,
    (usize, usize),
    &'static [Overlay],
);

/// The compare figures.
const COMPARE_FIGURES: [CompareFigure; 3] = [
    (
        "compare_adoption.png",
        "Diffusion across runs",
        (2, 2),
        &[
            (
                "AI adoption: world",
                "share of firms (%)",
                YFormat::Percent,
                "adoption_share",
                "world",
                None,
            ),
            (
                "AI adoption: US",
                "share of firms (%)",
                YFormat::Percent,
                "adoption_share",
                "US",
                None,
            ),
            (
                "AI adoption: China",
                "share of firms (%)",
                YFormat::Percent,
                "adoption_share",
                "CN",
                None,
            ),
            (
                "Countries aligned with China",
                "countries",
                YFormat::Number,
                "aligned_countries.CN",
                "world",
                None,
            ),
        ],
    ),
    (
        "compare_race.png",
        "Frontier, compute and chips across runs",
        (2, 2),
        &[
            (
                "Frontier gap (China behind)",
                "months",
                YFormat::Number,
                "frontier_gap_months",
                "world",
                Some(("parity", 0.0)),
            ),
            (
                "Compute stock: US",
                "H100e",
                YFormat::Number,
                "compute_h100e",
                "US",
                None,
            ),
            (
                "Compute stock: China",
                "H100e",
                YFormat::Number,
                "compute_h100e",
                "CN",
                None,
            ),
            (
                "China inference self-sufficiency",
                "supply ÷ demand",
                YFormat::Multiple,
                "cn_inference_self_sufficiency",
                "CN",
                Some(("self-sufficient (1.0)", 1.0)),
            ),
        ],
    ),
    (
        "compare_indices.png",
        "Innovation, diffusion and dominance indices across runs",
        (2, 3),
        &[
            (
                "Innovation index: US",
                "index (0–1)",
                YFormat::Number,
                "innovation_index",
                "US",
                None,
            ),
            (
                "Diffusion index: US",
                "index (0–1)",
                YFormat::Number,
                "diffusion_index",
                "US",
                None,
            ),
            (
                "Dominance index: US",
                "index (0–1)",
                YFormat::Number,
                "dominance_index",
                "US",
                None,
            ),
            (
                "Innovation index: China",
                "index (0–1)",
                YFormat::Number,
                "innovation_index",
                "CN",
                None,
            ),
            (
                "Diffusion index: China",
                "index (0–1)",
                YFormat::Number,
                "diffusion_index",
                "CN",
                None,
            ),
            (
                "Dominance index: China",
                "index (0–1)",
                YFormat::Number,
                "dominance_index",
                "CN",
                None,
            ),
        ],
    ),
];

/// One row of the comparison table: a headline metric overlaid by `compare`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CompareRow {
    /// Panel title.
    pub title: &'static str,
    /// Metric name.
    pub metric: &'static str,
    /// Scope.
    pub scope: &'static str,
    /// Whether values are shares shown as percentages.
    pub percent: bool,
}

/// The metrics the comparison charts overlay, in chart order, so the
/// report can tabulate exactly what the charts show.
pub fn compare_rows() -> Vec<CompareRow> {
    COMPARE_FIGURES
        .iter()
        .flat_map(|(_, _, _, items)| items.iter())
        .map(|(title, _, fmt, metric, scope, _)| CompareRow {
            title,
            metric,
            scope,
            percent: *fmt == YFormat::Percent,
        })
        .collect()
}

/// Overlay the headline metrics of several runs (`(name, rows)`, one colour
/// per run) into `out/compare_*.png`. Draws only: reading the run folders
/// and writing the page are the report layer's (`crate::render`). Returns
/// the written PNGs.
pub fn compare_charts(runs: &[(String, Timeseries)], out: &Path) -> Result<Vec<PathBuf>> {
    if runs.is_empty() {
        return Err(Error::Usage("compare needs at least one run folder".into()));
    }
    let names: Vec<String> = runs.iter().map(|r| r.0.clone()).collect();
    let runs: Vec<Timeseries> = runs.iter().map(|r| r.1.clone()).collect();
    let periods = union_periods(&runs);
    let x = XAxis::new(&periods);
    let legend: Vec<LegendEntry> = names
        .iter()
        .enumerate()
        .map(|(i, n)| LegendEntry {
            label: n.clone(),
            color: style::series_color(i),
            swatch: run_swatch(i),
        })
        .collect();
    let subtitle = format!(
        "{} runs · last quarter {}",
        runs.len(),
        periods.last().map(|p| p.1.as_str()).unwrap_or("?")
    );
    let mut written = Vec::new();
    for (file, title, grid, items) in COMPARE_FIGURES {
        let panels = items.iter().map(|h| compare_panel(h, &runs)).collect();
        let spec = FigureSpec {
            title: title.to_string(),
            subtitle: subtitle.clone(),
            layout: Layout::Grid(grid.0, grid.1),
            panels,
            legend: legend.clone(),
        };
        let path = out.join(file);
        render_png(&path, style::FIGURE_SIZE, |root| {
            draw_figure(root, &spec, &x)
        })?;
        written.push(path);
    }
    Ok(written)
}

fn union_periods(runs: &[Timeseries]) -> Vec<(u32, String)> {
    let mut all: BTreeMap<u32, String> = BTreeMap::new();
    for r in runs {
        for (t, p) in r.periods() {
            all.entry(t).or_insert(p);
        }
    }
    all.into_iter().collect()
}

/// Runs after the 12th reuse palette colours; dashing them keeps them apart.
fn run_swatch(i: usize) -> Swatch {
    if i >= 12 {
        Swatch::Dashed
    } else {
        Swatch::Line
    }
}

fn compare_panel(h: &Overlay, runs: &[Timeseries]) -> Panel {
    let (title, y_label, fmt, metric, scope, threshold) = *h;
    let mut p = Panel::lines(title, y_label, fmt);
    p.legend = false;
    // Index differences between runs are small; the gap needs its parity line visible.
    p.zero_based = !(metric.ends_with("_index") || metric == "frontier_gap_months");
    for (i, ts) in runs.iter().enumerate() {
        let mut s = Series::new("", style::series_color(i), ts.series(metric, scope));
        s.dashed = i >= 12;
        p = p.with(s);
    }
    if let Some((label, v)) = threshold {
        p = p.with_ref(label, v);
    }
    p
}

/// Overlay the mean and the 5–95% band of several groups (scenarios, sweep
/// values) on one time axis, and write the chart to `path` (PNG, atomic).
///
/// Sweeps summarise replicates this way because one seed's line hides how
/// much of a difference between scenarios is noise. `periods` labels the
/// x axis (`Timeseries::periods()`); when empty, ticks are labelled `t0, t1…`.
pub fn band_chart(
    title: &str,
    subtitle: &str,
    y_label: &str,
    groups: &[BandSeries],
    periods: &[(u32, String)],
    path: &Path,
) -> Result<()> {
    let periods = if periods.is_empty() {
        tick_labels(groups)
    } else {
        periods.to_vec()
    };
    let mut panel = Panel::lines("", y_label, YFormat::Number);
    panel.legend = false;
    panel.zero_based = false;
    let mut legend = Vec::with_capacity(groups.len() + 1);
    for (i, g) in groups.iter().enumerate() {
        let color = style::series_color(i);
        panel.bands.push(Band {
            color,
            points: g.points.iter().map(|p| (p.0, p.2, p.3)).collect(),
        });
        let mut s = Series::new(
            g.name.clone(),
            color,
            g.points.iter().map(|p| (p.0, p.1)).collect(),
        );
        s.dashed = i >= 12;
        panel = panel.with(s);
        legend.push(LegendEntry {
            label: format!("{} (mean)", g.name),
            color,
            swatch: run_swatch(i),
        });
    }
    legend.push(LegendEntry {
        label: "shaded: 5–95% of runs".into(),
        color: style::lighten(style::SUBTLE, 0.6),
        swatch: Swatch::Fill,
    });
    let spec = FigureSpec {
        title: title.into(),
        subtitle: subtitle.into(),
        layout: Layout::Grid(1, 1),
        panels: vec![panel],
        legend,
    };
    let x = XAxis::new(&periods);
    render_png(path, (1400, 800), |root| draw_figure(root, &spec, &x))
}

fn tick_labels(groups: &[BandSeries]) -> Vec<(u32, String)> {
    let ticks: std::collections::BTreeSet<u32> = groups
        .iter()
        .flat_map(|g| g.points.iter().map(|p| p.0))
        .collect();
    ticks.into_iter().map(|t| (t, format!("t{t}"))).collect()
}

/// Draw `z` (one row per `y_values` entry, one column per `x_values` entry)
/// as a colour grid with a colour bar, and write it to `path` (PNG, atomic).
///
/// For two-parameter sweeps: the reader sees where in parameter space the
/// outcome flips (e.g. where China's diffusion lead appears). NaN cells mean
/// "no runs" and are drawn grey. Mismatched dimensions are a caller error
/// (`Error::Usage`, exit 2) and nothing is written.
#[allow(clippy::too_many_arguments)]
pub fn heatmap_chart(
    title: &str,
    subtitle: &str,
    x_label: &str,
    x_values: &[String],
    y_label: &str,
    y_values: &[String],
    z: &[Vec<f64>],
    path: &Path,
) -> Result<()> {
    if x_values.is_empty() || y_values.is_empty() {
        return Err(Error::Usage(
            "heatmap needs at least one x and one y value".into(),
        ));
    }
    if z.len() != y_values.len() || z.iter().any(|row| row.len() != x_values.len()) {
        return Err(Error::Usage(format!(
            "heatmap z must have {} rows of {} values (one row per y value)",
            y_values.len(),
            x_values.len()
        )));
    }
    let grid = Heatmap {
        x_label,
        x_values,
        y_label,
        y_values,
        z,
    };
    render_png(path, (1400, 900), |root| {
        let body = header(root, title, subtitle, &[])?;
        let (w, _) = body.dim_in_pixel();
        let (main, bar) = body.split_horizontally(w.saturating_sub(150));
        let (lo, hi) = grid.z_range();
        draw_heatmap(&main, &grid, lo, hi)?;
        draw_colour_bar(&bar, lo, hi)
    })
}

/// The heatmap's inputs, bundled to keep the drawing helpers' signatures short.
struct Heatmap<'a> {
    x_label: &'a str,
    x_values: &'a [String],
    y_label: &'a str,
    y_values: &'a [String],
    z: &'a [Vec<f64>],
}

impl Heatmap<'_> {
    fn z_range(&self) -> (f64, f64) {
        let finite = self.z.iter().flatten().copied().filter(|v| v.is_finite());
        let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
        match (lo.is_finite(), hi > lo) {
            (false, _) => (0.0, 1.0),
            (true, false) => (lo - 0.5, lo + 0.5),
            (true, true) => (lo, hi),
        }
    }
}

/// Category centres (`i + 0.5`) to label, thinned so labels `min_px` apart do not overlap.
fn category_keys(n: usize, px: u32, min_px: u32) -> Vec<f64> {
    let per = (px as usize / n.max(1)).max(1);
    let step = (min_px as usize).div_ceil(per).max(1);
    (0..n).step_by(step).map(|i| i as f64 + 0.5).collect()
}

fn category_label(values: &[String], v: f64) -> String {
    if v < 0.0 {
        return String::new();
    }
    values.get(v.floor() as usize).cloned().unwrap_or_default()
}

fn draw_heatmap(area: &Area<'_>, g: &Heatmap<'_>, lo: f64, hi: f64) -> DrawResult {
    let (w, h) = area.dim_in_pixel();
    let font = Font::regular(12.5, style::TEXT);
    let widest = |v: &[String]| {
        v.iter()
            .map(|s| text_width(s, &font))
            .try_fold(0, |m, w| w.map(|w| m.max(w)))
    };
    let y_area = (widest(g.y_values)? + 46).clamp(70, 320);
    let x_keys = category_keys(
        g.x_values.len(),
        w.saturating_sub(y_area + 40),
        widest(g.x_values)? + 16,
    );
    let y_keys = category_keys(g.y_values.len(), h.saturating_sub(100), 22);
    let (nx, ny) = (g.x_values.len() as f64, g.y_values.len() as f64);
    let mut chart = ChartBuilder::on(area)
        .margin(12)
        .margin_right(24)
        .x_label_area_size(62)
        .y_label_area_size(y_area)
        .build_cartesian_2d(
            KeyAxis::new(0.0..nx, x_keys.clone()),
            KeyAxis::new(0.0..ny, y_keys.clone()),
        )?;
    let blank = |_: &f64| String::new();
    chart
        .configure_mesh()
        .disable_mesh()
        .x_label_formatter(&blank)
        .y_label_formatter(&blank)
        .axis_style(style::SUBTLE)
        .set_all_tick_mark_size(4)
        .draw()?;
    let t = |v: f64| (v - lo) / (hi - lo);
    draw_cells(&mut chart, g.z, &t)?;
    annotate_cells(&chart, area, g, &t)?;
    let xl = |v: f64| category_label(g.x_values, v);
    let yl = |v: f64| category_label(g.y_values, v);
    let x_axis = AxisText {
        ticks: &x_keys,
        label: &xl,
        title: g.x_label,
    };
    let y_axis = AxisText {
        ticks: &y_keys,
        label: &yl,
        title: g.y_label,
    };
    draw_axis_labels(area, &chart, x_axis, y_axis)
}

/// One viridis rectangle per cell; `t` maps a value to 0..1 on the colour scale.
fn draw_cells(chart: &mut Chart<'_, '_>, z: &[Vec<f64>], t: &dyn Fn(f64) -> f64) -> DrawResult {
    for (j, row) in z.iter().enumerate() {
        for (i, &v) in row.iter().enumerate() {
            let cell = [(i as f64, j as f64), (i as f64 + 1.0, j as f64 + 1.0)];
            let fill = style::viridis(t(v)).filled();
            chart.draw_series(std::iter::once(Rectangle::new(cell, fill)))?;
        }
    }
    Ok(())
}

/// Print each cell's value inside it when cells are big enough to hold the text.
fn annotate_cells(
    chart: &Chart<'_, '_>,
    area: &Area<'_>,
    g: &Heatmap<'_>,
    t: &dyn Fn(f64) -> f64,
) -> DrawResult {
    let (x0, y0) = chart.backend_coord(&(0.0, 0.0));
    let (x1, y1) = chart.backend_coord(&(1.0, 1.0));
    if (x1 - x0).abs() < 48 || (y0 - y1).abs() < 22 {
        return Ok(());
    }
    let (ax, ay) = area.get_base_pixel();
    for (j, row) in g.z.iter().enumerate() {
        for (i, &v) in row.iter().enumerate() {
            let (px, py) = chart.backend_coord(&(i as f64 + 0.5, j as f64 + 0.5));
            let label = if v.is_finite() {
                format_short(v)
            } else {
                "n/a".into()
            };
            let ink = if style::is_dark(style::viridis(t(v))) {
                WHITE
            } else {
                style::TEXT
            };
            draw_text(
                area,
                &label,
                &Font::regular(13.0, ink),
                (px - ax, py - ay),
                HAlign::Center,
                VAlign::Middle,
            )?;
        }
    }
    Ok(())
}

/// The colour scale: a vertical viridis bar from `lo` to `hi` with nice tick labels.
fn draw_colour_bar(area: &Area<'_>, lo: f64, hi: f64) -> DrawResult {
    let span = hi - lo;
    let step = nice_step(span, 6);
    let first = (lo / step).ceil() as i64;
    let ticks: Vec<f64> = (first..)
        .map(|k| k as f64 * step)
        .take_while(|v| *v <= hi + step * 1e-9)
        .filter(|v| *v >= lo - step * 1e-9)
        .collect();
    let mut chart = ChartBuilder::on(area)
        .margin_top(12)
        .margin_bottom(74)
        .margin_left(16)
        .margin_right(84)
        .build_cartesian_2d(0.0..1.0, KeyAxis::new(lo..hi, ticks.clone()))?;
    let steps = 120;
    chart.draw_series((0..steps).map(|k| {
        let a = lo + span * k as f64 / steps as f64;
        let b = lo + span * (k + 1) as f64 / steps as f64;
        Rectangle::new(
            [(0.0, a), (1.0, b)],
            style::viridis((k as f64 + 0.5) / steps as f64).filled(),
        )
    }))?;
    let (bx, by) = area.get_base_pixel();
    for v in ticks {
        let (px, py) = chart.backend_coord(&(1.0, v));
        area.draw(&PathElement::new(
            vec![(px - bx, py - by), (px - bx + 4, py - by)],
            style::SUBTLE,
        ))?;
        let label = format_number(v, step, lo.abs().max(hi.abs()));
        draw_text(
            area,
            &label,
            &Font::regular(12.5, style::TEXT),
            (px - bx + 8, py - by),
            HAlign::Left,
            VAlign::Middle,
        )?;
    }
    Ok(())
}
