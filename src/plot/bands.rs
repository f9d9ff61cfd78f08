//! Band charts: the mean and 5–95% band of several groups of runs
//! (scenarios, sweep points) over time.
//!
//! Eight overplotted lines hide the baseline and each other, so more than
//! two groups become small multiples: one panel per group on one shared y
//! axis, the group in its colour over the baseline in black and grey (or,
//! without a baseline, over the other groups in light grey). Labels are the
//! panel titles and the values at the line ends, not a long legend. The
//! subtitle says what a band pools (seeds only, or sampled parameters too).

use std::path::Path;

use super::axis::XAxis;
use super::canvas::{render_png_bytes, DrawResult};
use super::figure::{draw_figure, FigureSpec, Layout, LegendEntry, Swatch};
use super::panel::{Band, Panel, Series};
use super::{scale, style};
use crate::catalogue;
use crate::error::Result;
use crate::io::atomic::write_atomic;

/// One group's summary over runs, for [`band_chart`].
#[derive(Clone, Debug, PartialEq)]
pub struct BandSeries {
    /// Plain-language name (scenario, or parameter values), shown as the panel title.
    pub name: String,
    /// `(tick, mean, p05, p95)` per tick.
    pub points: Vec<(u32, f64, f64, f64)>,
}

/// Everything a band chart needs. The report layer fills it.
#[derive(Clone, Copy, Debug)]
pub struct BandChart<'a> {
    /// Figure title: the question, in words ("US lead at the frontier").
    pub title: &'a str,
    /// Provenance, e.g. "scenarios · baseline + 7 overlays · master seed 1".
    pub subtitle: &'a str,
    /// Catalogue metric (axis title, unit, axis rules); an unknown name is drawn plainly.
    pub metric: &'a str,
    /// The groups, in the order they should appear.
    pub groups: &'a [BandSeries],
    /// Index of the baseline group, drawn in black under every other group.
    pub baseline: Option<usize>,
    /// What one band pools, e.g. "10 seeds per scenario" or
    /// "3 seeds × 8 sampled values of the other parameters".
    pub pooled: &'a str,
    /// `(tick, period label)` for the x axis; empty labels ticks `t0, t1…`.
    pub periods: &'a [(u32, String)],
}

/// Figure width and height of a band chart with `panels` small multiples.
fn figure_size(panels: usize) -> (u32, u32) {
    let rows = grid(panels).0 as u32;
    (1400, (160 + 250 * rows).clamp(800, 1300))
}

/// Rows and columns of the small-multiple grid for `n` panels.
fn grid(n: usize) -> (usize, usize) {
    let cols = match n {
        0..=1 => 1,
        2..=4 => 2,
        5..=9 => 3,
        _ => 4,
    };
    (n.div_ceil(cols).max(1), cols)
}

/// Draw `spec` and write it to `path` (PNG, atomic).
pub fn band_chart(spec: &BandChart<'_>, path: &Path) -> Result<()> {
    let bytes = band_chart_png(spec, path)?;
    write_atomic(path, &bytes)
}

/// Draw `spec` into PNG bytes without writing (`path` names it in errors).
pub fn band_chart_png(spec: &BandChart<'_>, path: &Path) -> Result<Vec<u8>> {
    let periods = if spec.periods.is_empty() {
        tick_labels(spec.groups)
    } else {
        spec.periods.to_vec()
    };
    let fig = band_figure(spec);
    let x = XAxis::new(&periods);
    let n = fig.panels.len();
    render_png_bytes(path, figure_size(n), |root| -> DrawResult {
        draw_figure(root, &fig, &x)
    })
}

/// The y axis every panel of `spec` would draw (they share one).
pub fn band_chart_axis(spec: &BandChart<'_>) -> scale::YAxisChoice {
    let fig = band_figure(spec);
    fig.panels
        .first()
        .map(|p| p.y_axis_choice(300))
        .unwrap_or_else(|| Panel::lines("", "", super::axis::YFormat::Number).y_axis_choice(300))
}

/// Colour of group `i`, skipping the baseline so the first alternative is orange.
fn group_color(i: usize, baseline: Option<usize>) -> plotters::style::RGBColor {
    match baseline {
        Some(b) if i == b => style::BASELINE,
        Some(b) if i > b => style::series_color(i - 1),
        _ => style::series_color(i),
    }
}

/// A panel of `metric` for band charts: no legend, axis rules from the catalogue.
fn empty_panel(title: &str, metric: &str) -> Panel {
    let mut p = Panel::for_metric(title, metric);
    p.legend = false;
    p
}

/// The group's mean line, labelled at its end with its last value.
fn mean_line(g: &BandSeries, color: plotters::style::RGBColor, metric: &str, width: u32) -> Series {
    let m = catalogue::metric(metric);
    let pts: Vec<(u32, f64)> = g.points.iter().map(|p| (p.0, p.1)).collect();
    let end = pts.last().map(|p| m.format(p.1)).unwrap_or_default();
    let mut s = Series::new(g.name.clone(), color, pts).labelled(end);
    s.width = width;
    s
}

fn band_of(g: &BandSeries, color: plotters::style::RGBColor) -> Band {
    Band {
        color,
        points: g.points.iter().map(|p| (p.0, p.2, p.3)).collect(),
    }
}

/// The figure: one panel (one or two groups) or small multiples on a shared axis.
fn band_figure(spec: &BandChart<'_>) -> FigureSpec {
    let base = spec.baseline.filter(|&b| b < spec.groups.len());
    let focus: Vec<usize> = (0..spec.groups.len())
        .filter(|&i| Some(i) != base)
        .collect();
    let mut panels = Vec::new();
    if focus.len() <= 1 {
        let mut p = empty_panel("", spec.metric);
        for i in base.iter().chain(focus.iter()) {
            let g = &spec.groups[*i];
            let c = group_color(*i, base);
            p.bands.push(band_of(
                g,
                if Some(*i) == base { style::CONTEXT } else { c },
            ));
            let mut s = mean_line(g, c, spec.metric, 3);
            s.end_label = s.end_label.map(|v| format!("{} {v}", g.name));
            p = p.with(s);
        }
        panels.push(p);
    } else {
        for &i in &focus {
            let g = &spec.groups[i];
            let mut p = empty_panel(&g.name, spec.metric);
            if let Some(b) = base {
                let bg = &spec.groups[b];
                p.bands.push(band_of(bg, style::CONTEXT));
                p = p.with(mean_line(bg, style::BASELINE, spec.metric, 2));
                if let Some(last) = p.series.last_mut() {
                    last.end_label = None;
                }
            } else {
                for &j in focus.iter().filter(|&&j| j != i) {
                    let pts = spec.groups[j].points.iter().map(|p| (p.0, p.1)).collect();
                    p = p.with(Series::faint(style::SUBTLE, pts));
                }
            }
            let c = group_color(i, base);
            p.bands.push(band_of(g, c));
            panels.push(p.with(mean_line(g, c, spec.metric, 3)));
        }
    }
    if panels.len() > 1 {
        // The metric is in the title; each small multiple only needs the unit,
        // and the direction notes of a signed gap once.
        let unit = catalogue::metric(spec.metric).unit;
        for (k, p) in panels.iter_mut().enumerate() {
            p.y_label = unit.to_string();
            if k > 0 {
                p.corner_notes = None;
            }
        }
    }
    share_axis(&mut panels);
    let (rows, cols) = grid(panels.len());
    FigureSpec {
        title: spec.title.to_string(),
        subtitle: subtitle(spec),
        layout: Layout::Grid(rows, cols),
        panels,
        legend: legend(spec, base),
    }
}

/// Give every panel the y axis that holds all of them.
fn share_axis(panels: &mut [Panel]) {
    let Some(first) = panels.first() else {
        return;
    };
    let mut all = first.clone();
    for p in panels.iter().skip(1) {
        all.series.extend(p.series.iter().cloned());
        all.bands.extend(p.bands.iter().cloned());
    }
    let c = all.y_axis_choice(300);
    for p in panels.iter_mut() {
        p.fixed_y = Some(c.range.clone());
    }
}

fn subtitle(spec: &BandChart<'_>) -> String {
    let what = if spec.pooled.is_empty() {
        "runs".to_string()
    } else {
        spec.pooled.to_string()
    };
    let lead = if spec.subtitle.is_empty() {
        String::new()
    } else {
        format!("{} · ", spec.subtitle)
    };
    format!("{lead}line: mean; band: 5–95% of {what}")
}

fn legend(spec: &BandChart<'_>, base: Option<usize>) -> Vec<LegendEntry> {
    let mut v = Vec::new();
    if let Some(b) = base {
        v.push(LegendEntry {
            label: format!(
                "{} (mean, grey band), under every panel",
                spec.groups[b].name
            ),
            color: style::BASELINE,
            swatch: Swatch::Line,
        });
    } else if spec.groups.len() > 2 {
        v.push(LegendEntry {
            label: "the other groups' means".into(),
            color: style::lighten(style::SUBTLE, 0.55),
            swatch: Swatch::Line,
        });
    }
    v
}

fn tick_labels(groups: &[BandSeries]) -> Vec<(u32, String)> {
    let ticks: std::collections::BTreeSet<u32> = groups
        .iter()
        .flat_map(|g| g.points.iter().map(|p| p.0))
        .collect();
    ticks.into_iter().map(|t| (t, format!("t{t}"))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(n: usize, base: f64) -> Vec<BandSeries> {
        (0..n)
            .map(|g| BandSeries {
                name: format!("g{g}"),
                points: (0..6)
                    .map(|t| {
                        let m = base + g as f64 + t as f64;
                        (t, m, m - 0.5, m + 0.5)
                    })
                    .collect(),
            })
            .collect()
    }

    fn spec<'a>(g: &'a [BandSeries], metric: &'a str) -> BandChart<'a> {
        BandChart {
            title: "t",
            subtitle: "s",
            metric,
            groups: g,
            baseline: Some(0),
            pooled: "3 seeds",
            periods: &[],
        }
    }

    #[test]
    fn many_groups_become_small_multiples_on_one_axis() {
        let g = groups(8, 1.0);
        let fig = band_figure(&spec(&g, "dc_capacity_gw"));
        assert_eq!(fig.panels.len(), 7, "baseline drawn inside each panel");
        assert_eq!(fig.layout, Layout::Grid(3, 3));
        let r0 = fig.panels[0].y_axis_choice(300).range;
        assert!(fig.panels.iter().all(|p| p.y_axis_choice(300).range == r0));
        assert_eq!(r0.start, 0.0, "non-negative metric from zero");
        assert!(fig.legend.len() <= 1);
        assert!(fig.subtitle.contains("3 seeds"));
    }

    #[test]
    fn signed_metrics_float_and_ratios_go_log() {
        let g = groups(3, -5.0);
        let a = band_chart_axis(&spec(&g, "frontier_gap_months"));
        assert!(a.range.start < 0.0 && !a.log);
        let g = groups(2, 0.8);
        let a = band_chart_axis(&spec(&g, "cn_inference_self_sufficiency"));
        assert!(a.log, "{a:?}");
    }
}
