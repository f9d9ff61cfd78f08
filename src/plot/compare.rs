//! Charts that put several runs (or groups of runs) side by side:
//! `airace compare`, sweep bands and parameter heatmaps.
//!
//! A policy question is answered by differences between scenarios, not by
//! one run, so these overlay runs in one colour each with a shared legend.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::axis::{XAxis, YFormat};
use super::canvas::render_png;
use super::figure::{draw_figure, FigureSpec, Layout, LegendEntry, Swatch};
use super::panel::{Panel, Series};
use super::style;
use crate::error::{Error, Result};
use crate::io::timeseries::Timeseries;
use crate::report::{escape_html, write_html_page};

/// A headline metric overlaid across runs: (panel title, y label, format, metric, scope, threshold).
type Headline = (
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
    &'static [Headline],
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

/// `airace compare DIR... --out OUT`: overlay the headline metrics of several
/// runs, one colour per run, into `OUT/compare_*.png` and `OUT/compare.html`.
///
/// Every run's CSV is read and validated before anything is written, so a
/// typo in one folder name leaves `OUT` untouched (exit 2). Returns the
/// written files (PNGs, then the HTML page).
pub fn compare_command(dirs: &[PathBuf], out: &Path) -> Result<Vec<PathBuf>> {
    if dirs.is_empty() {
        return Err(Error::Usage("compare needs at least one run folder".into()));
    }
    let mut runs = Vec::with_capacity(dirs.len());
    for d in dirs {
        runs.push(super::read_run_csv(d)?);
    }
    let names = run_names(dirs);
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
    let html = out.join("compare.html");
    write_html_page(
        &html,
        "airace: run comparison",
        &compare_body(dirs, &names, &runs, &written),
    )?;
    written.push(html);
    Ok(written)
}

/// Legend names: each folder's own name, made unique (`run`, `run (2)`) when two
/// folders share one, so no two lines carry the same label.
fn run_names(dirs: &[PathBuf]) -> Vec<String> {
    let mut names: Vec<String> = Vec::with_capacity(dirs.len());
    for d in dirs {
        let base = super::dir_name(d);
        let mut name = base.clone();
        let mut k = 2;
        while names.contains(&name) {
            name = format!("{base} ({k})");
            k += 1;
        }
        names.push(name);
    }
    names
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
    if style::series_dashed(i) {
        Swatch::Dashed
    } else {
        Swatch::Line
    }
}

fn compare_panel(h: &Headline, runs: &[Timeseries]) -> Panel {
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

/// The comparison page: run list, charts, and the last-quarter values side by side.
fn compare_body(
    dirs: &[PathBuf],
    names: &[String],
    runs: &[Timeseries],
    charts: &[PathBuf],
) -> String {
    let mut b = String::new();
    let _ = write!(
        b,
        "<h1>Run comparison</h1><p class=\"sub\">{} runs</p><ul>",
        runs.len()
    );
    for (n, d) in names.iter().zip(dirs) {
        let _ = write!(
            b,
            "<li><b>{}</b>: <code>{}</code></li>",
            escape_html(n),
            escape_html(&d.display().to_string())
        );
    }
    b.push_str("</ul><h2>Charts</h2>");
    for c in charts {
        let f = c
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let f = escape_html(&f);
        let _ = write!(b, "<figure><img src=\"{f}\" alt=\"{f}\"></figure>");
    }
    b.push_str("<h2>Last-quarter values</h2><table><tr><th>metric</th><th>scope</th>");
    for n in names {
        let _ = write!(b, "<th>{}</th>", escape_html(n));
    }
    b.push_str("</tr>");
    for (_, _, _, items) in COMPARE_FIGURES {
        for (title, _, fmt, metric, scope, _) in items.iter() {
            let _ = write!(
                b,
                "<tr><td>{}</td><td>{}</td>",
                escape_html(title),
                escape_html(scope)
            );
            for ts in runs {
                let v = ts
                    .last_value(metric, scope)
                    .map(|v| crate::report::format_figure(v, *fmt == YFormat::Percent));
                let _ = write!(
                    b,
                    "<td class=\"num\">{}</td>",
                    escape_html(&v.unwrap_or_else(|| "—".into()))
                );
            }
            b.push_str("</tr>");
        }
    }
    b.push_str("</table>");
    b
}
