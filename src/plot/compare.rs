//! Charts that put several runs (or groups of runs) side by side:
//! `airace compare`, sweep bands and parameter heatmaps.
//!
//! A policy question is answered by differences between scenarios, not by
//! one run, so these overlay runs in one colour each with a shared legend.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::axis::{XAxis, YFormat};
use super::canvas::{render_png_with_text, write_all};
use super::figure::{draw_figure, FigureSpec, Layout, LegendEntry, Swatch};
use super::panel::{Panel, Series};
use super::style;
use crate::error::{Error, Result};
use crate::io::timeseries::Timeseries;
use rayon::prelude::*;

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
/// per run from the Okabe–Ito run palette, never the US blue or China red)
/// into `out/compare_*.png`. `subtitle` is the caller's provenance line
/// (what differs between the runs); empty gives "N runs · last quarter Q".
/// Draws only: reading the run folders and writing the page are the report
/// layer's (`crate::render`). All figures are rendered before any is
/// written. Returns the written PNGs.
pub fn compare_charts(
    runs: &[(String, Timeseries)],
    subtitle: &str,
    out: &Path,
) -> Result<Vec<PathBuf>> {
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
    let subtitle = if subtitle.is_empty() {
        format!(
            "{} runs · last quarter {}",
            runs.len(),
            periods.last().map(|p| p.1.as_str()).unwrap_or("?")
        )
    } else {
        subtitle.to_string()
    };
    // Rendered in parallel, all before any is written (same bytes at any thread count).
    let pngs = COMPARE_FIGURES
        .par_iter()
        .map(|(file, title, grid, items)| {
            let panels = items.iter().map(|h| compare_panel(h, &runs)).collect();
            let spec = FigureSpec {
                title: title.to_string(),
                subtitle: subtitle.clone(),
                layout: Layout::Grid(grid.0, grid.1),
                panels,
                legend: legend.clone(),
            };
            let path = out.join(file);
            let text = [
                ("Title", spec.title.as_str()),
                ("Description", &spec.subtitle),
            ];
            let bytes = render_png_with_text(&path, style::FIGURE_SIZE, &text, |root| {
                draw_figure(root, &spec, &x)
            })?;
            Ok((path, bytes))
        })
        .collect::<Result<Vec<_>>>()?;
    write_all(pngs)
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

/// Runs past the palette's length reuse its colours; dashing them keeps them apart.
fn run_swatch(i: usize) -> Swatch {
    if style::series_dashed(i) {
        Swatch::Dashed
    } else {
        Swatch::Line
    }
}

fn compare_panel(h: &Overlay, runs: &[Timeseries]) -> Panel {
    let (title, y_label, fmt, metric, scope, threshold) = *h;
    let mut p = Panel::lines(title, y_label, fmt);
    p.legend = false;
    for (i, ts) in runs.iter().enumerate() {
        let mut s = Series::new("", style::series_color(i), ts.series(metric, scope));
        s.dashed = style::series_dashed(i);
        p = p.with(s);
    }
    if let Some((label, v)) = threshold {
        p = p.with_ref(label, v);
    }
    // Axis rules (zero-based, log ratios, 0.5 and 1× lines) from the catalogue.
    p.apply_metric(metric);
    p
}
