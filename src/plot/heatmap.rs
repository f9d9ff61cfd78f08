//! Heatmaps of one outcome over a two-parameter grid, honest about noise.
//!
//! A colour scale stretched from the lowest to the highest cell mean turns
//! replicate noise into a rainbow. Here colour is the cell's difference from
//! the grid average on a diverging purple–orange scale (free of the bloc
//! blue and red) centred on that average, the scale is never narrower than
//! the typical 95% confidence interval of a cell mean, and a cell whose
//! difference lies within its own interval is hatched: the reader sees at a
//! glance which differences are real.

use std::path::Path;

use plotters::prelude::*;

use super::axis::{nice_range, KeyAxis};
use super::canvas::{render_png_bytes, Area, DrawResult};
use super::figure::header;
use super::panel::{draw_axis_labels, AxisText, Chart};
use super::style;
use super::text::{draw_text, text_width, Font, HAlign, VAlign};
use crate::catalogue;
use crate::error::{Error, Result};
use crate::io::atomic::write_atomic;

/// Everything a heatmap needs. The report layer fills it.
#[derive(Clone, Copy, Debug)]
pub struct HeatmapChart<'a> {
    /// Figure title ("Firms using AI, China, at 2035Q4").
    pub title: &'a str,
    /// Provenance ("sweep tiny_grid · 3 seeds per cell").
    pub subtitle: &'a str,
    /// Catalogue metric of the cells (formatting of values and differences).
    pub metric: &'a str,
    /// Plain label of the column parameter.
    pub x_label: &'a str,
    /// Column values.
    pub x_values: &'a [String],
    /// Plain label of the row parameter.
    pub y_label: &'a str,
    /// Row values.
    pub y_values: &'a [String],
    /// `z[row][col]`: the cell mean; NaN where no run finished.
    pub z: &'a [Vec<f64>],
    /// `ci[row][col]`: half-width of the 95% confidence interval of the cell
    /// mean (NaN when unknown, e.g. one replicate); `None` when not computed.
    pub ci: Option<&'a [Vec<f64>]>,
}

/// Draw `spec` and write it to `path` (PNG, atomic). Mismatched dimensions
/// are a caller error (`Error::Usage`, exit 2) and nothing is written.
pub fn heatmap_chart(spec: &HeatmapChart<'_>, path: &Path) -> Result<()> {
    let bytes = heatmap_chart_png(spec, path)?;
    write_atomic(path, &bytes)
}

/// Draw `spec` into PNG bytes without writing.
pub fn heatmap_chart_png(spec: &HeatmapChart<'_>, path: &Path) -> Result<Vec<u8>> {
    check_shape(spec)?;
    let scale = ColourScale::of(spec);
    let sub = format!("{}{}", spec.subtitle, scale.caption(spec));
    render_png_bytes(path, (1400, 900), |root| {
        let body = header(root, spec.title, &sub, &[])?;
        let (w, _) = body.dim_in_pixel();
        let (main, bar) = body.split_horizontally(w.saturating_sub(170));
        draw_heatmap(&main, spec, &scale)?;
        draw_colour_bar(&bar, spec, &scale)
    })
}

fn check_shape(spec: &HeatmapChart<'_>) -> Result<()> {
    let (nx, ny) = (spec.x_values.len(), spec.y_values.len());
    if nx == 0 || ny == 0 {
        return Err(Error::Usage(
            "heatmap needs at least one x and one y value".into(),
        ));
    }
    let bad = |m: &[Vec<f64>]| m.len() != ny || m.iter().any(|row| row.len() != nx);
    if bad(spec.z) || spec.ci.is_some_and(bad) {
        return Err(Error::Usage(format!(
            "heatmap z (and ci) must have {ny} rows of {nx} values (one row per y value)"
        )));
    }
    Ok(())
}

/// The colour scale: centre (grid average), half-width, and the typical CI.
#[derive(Clone, Debug, PartialEq)]
pub struct ColourScale {
    /// Value drawn white: the mean of the finite cell means.
    pub centre: f64,
    /// Difference from the centre drawn at full colour.
    pub half: f64,
    /// Median 95% CI half-width of the cells (NaN when unknown).
    pub typical_ci: f64,
}

impl ColourScale {
    /// The scale for `spec`: centred on the grid average, at least as wide as
    /// the typical confidence interval, robust to any finite values.
    pub fn of(spec: &HeatmapChart<'_>) -> Self {
        let vals: Vec<f64> = spec
            .z
            .iter()
            .flatten()
            .copied()
            .filter(|v| v.is_finite())
            .collect();
        let centre = if vals.is_empty() {
            0.0
        } else {
            vals.iter().map(|v| v / vals.len() as f64).sum()
        };
        let spread = vals
            .iter()
            .map(|v| (v / 2.0 - centre / 2.0).abs() * 2.0)
            .fold(0.0, f64::max)
            .min(f64::MAX);
        let mut cis: Vec<f64> = spec
            .ci
            .map(|c| {
                c.iter()
                    .flatten()
                    .copied()
                    .filter(|v| v.is_finite())
                    .collect()
            })
            .unwrap_or_default();
        cis.sort_by(f64::total_cmp);
        let typical_ci = cis.get(cis.len() / 2).copied().unwrap_or(f64::NAN);
        let mut half = spread.max(if typical_ci.is_finite() {
            typical_ci
        } else {
            0.0
        });
        if !(half.is_finite() && half > centre.abs() * 1e-12 && half > 1e-300) {
            half = if centre.abs() > 1e-300 {
                centre.abs() * 0.1
            } else {
                1.0
            };
        }
        ColourScale {
            centre,
            half,
            typical_ci,
        }
    }

    /// Position of `v` on the scale, -1..1 (NaN stays NaN: grey).
    pub fn t(&self, v: f64) -> f64 {
        (v / 2.0 - self.centre / 2.0) / (self.half / 2.0)
    }

    /// Whether cell `(j, i)` differs from the centre by no more than its CI.
    pub fn within_ci(&self, spec: &HeatmapChart<'_>, j: usize, i: usize) -> bool {
        let (Some(ci), Some(v)) = (spec.ci, spec.z.get(j).and_then(|r| r.get(i))) else {
            return false;
        };
        let c = ci[j][i];
        c.is_finite() && v.is_finite() && (v / 2.0 - self.centre / 2.0).abs() * 2.0 <= c
    }

    fn caption(&self, spec: &HeatmapChart<'_>) -> String {
        let m = catalogue::metric(spec.metric);
        let lead = if spec.subtitle.is_empty() { "" } else { " · " };
        let ci = if self.typical_ci.is_finite() {
            format!(
                "; hatched: within the cell's 95% CI (typical ±{})",
                m.format_delta(self.typical_ci).trim_start_matches('+')
            )
        } else {
            "; confidence intervals unknown (one run per cell)".into()
        };
        format!(
            "{lead}colour: difference from the grid average {}{ci}",
            m.format(self.centre)
        )
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

fn draw_heatmap(area: &Area<'_>, g: &HeatmapChart<'_>, scale: &ColourScale) -> DrawResult {
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
    draw_cells(&mut chart, g, scale)?;
    annotate_cells(&chart, area, g, scale)?;
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

/// One rectangle per cell on the diverging scale; cells within their CI hatched.
fn draw_cells(chart: &mut Chart<'_, '_>, g: &HeatmapChart<'_>, scale: &ColourScale) -> DrawResult {
    for (j, row) in g.z.iter().enumerate() {
        for (i, &v) in row.iter().enumerate() {
            let (x0, y0) = (i as f64, j as f64);
            let cell = [(x0, y0), (x0 + 1.0, y0 + 1.0)];
            let fill = style::diverging(scale.t(v)).filled();
            chart.draw_series(std::iter::once(Rectangle::new(cell, fill)))?;
            if scale.within_ci(g, j, i) {
                let hatch = style::SUBTLE.mix(0.45).stroke_width(1);
                let lines = (1..12).map(|k| {
                    let f = k as f64 / 12.0;
                    // Diagonals clipped to the cell: from the left/bottom edge to the top/right.
                    let a = if f <= 0.5 {
                        (x0, y0 + 2.0 * f)
                    } else {
                        (x0 + 2.0 * f - 1.0, y0 + 1.0)
                    };
                    let b = if f <= 0.5 {
                        (x0 + 2.0 * f, y0)
                    } else {
                        (x0 + 1.0, y0 + 2.0 * f - 1.0)
                    };
                    PathElement::new(vec![a, b], hatch)
                });
                chart.draw_series(lines)?;
            }
            chart.draw_series(std::iter::once(Rectangle::new(cell, WHITE.stroke_width(1))))?;
        }
    }
    Ok(())
}

/// Print each cell's value (and ± CI) inside it when cells are big enough.
fn annotate_cells(
    chart: &Chart<'_, '_>,
    area: &Area<'_>,
    g: &HeatmapChart<'_>,
    scale: &ColourScale,
) -> DrawResult {
    let (x0, y0) = chart.backend_coord(&(0.0, 0.0));
    let (x1, y1) = chart.backend_coord(&(1.0, 1.0));
    if (x1 - x0).abs() < 60 || (y0 - y1).abs() < 36 {
        return Ok(());
    }
    let m = catalogue::metric(g.metric);
    let (ax, ay) = area.get_base_pixel();
    for (j, row) in g.z.iter().enumerate() {
        for (i, &v) in row.iter().enumerate() {
            let (px, py) = chart.backend_coord(&(i as f64 + 0.5, j as f64 + 0.5));
            let label = if v.is_finite() {
                m.format(v)
            } else {
                "no runs".into()
            };
            let ink = if style::is_dark(style::diverging(scale.t(v))) {
                WHITE
            } else {
                style::TEXT
            };
            let pos = (px - ax, py - ay);
            draw_text(
                area,
                &label,
                &Font::bold(14.0, ink),
                (pos.0, pos.1 - 9),
                HAlign::Center,
                VAlign::Middle,
            )?;
            if let Some(c) =
                g.ci.map(|c| c[j][i])
                    .filter(|c| c.is_finite() && v.is_finite())
            {
                let d = m.format_delta(c);
                let s = format!("±{}", d.trim_start_matches(['+', '−']));
                draw_text(
                    area,
                    &s,
                    &Font::regular(12.0, ink),
                    (pos.0, pos.1 + 10),
                    HAlign::Center,
                    VAlign::Middle,
                )?;
            }
        }
    }
    Ok(())
}

/// The colour scale: a vertical bar of differences from the centre, labelled in the metric's unit.
fn draw_colour_bar(area: &Area<'_>, g: &HeatmapChart<'_>, scale: &ColourScale) -> DrawResult {
    // Drawn in scale units (-1..1) and labelled in data units, so a scale of
    // ±1e308 never meets an overflowing subtraction.
    let (_, ticks) = nice_range(-scale.half..scale.half, 6);
    let ticks: Vec<f64> = ticks
        .into_iter()
        .filter(|v| v.abs() <= scale.half)
        .collect();
    let pos: Vec<f64> = ticks.iter().map(|v| v / scale.half).collect();
    let mut chart = ChartBuilder::on(area)
        .margin_top(12)
        .margin_bottom(74)
        .margin_left(16)
        .margin_right(104)
        .build_cartesian_2d(0.0..1.0, KeyAxis::new(-1.0..1.0, pos.clone()))?;
    let steps = 120;
    chart.draw_series((0..steps).map(|k| {
        let a = -1.0 + 2.0 * k as f64 / steps as f64;
        let b = -1.0 + 2.0 * (k + 1) as f64 / steps as f64;
        Rectangle::new(
            [(0.0, a), (1.0, b)],
            style::diverging((a + b) / 2.0).filled(),
        )
    }))?;
    let m = catalogue::metric(g.metric);
    let (bx, by) = area.get_base_pixel();
    for (v, t) in ticks.iter().zip(&pos) {
        let (px, py) = chart.backend_coord(&(1.0, *t));
        area.draw(&PathElement::new(
            vec![(px - bx, py - by), (px - bx + 4, py - by)],
            style::SUBTLE,
        ))?;
        let label = if *v == 0.0 {
            "average".to_string()
        } else {
            m.format_delta(*v)
        };
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

#[cfg(test)]
mod tests {
    use super::*;

    fn spec<'a>(
        z: &'a [Vec<f64>],
        ci: Option<&'a [Vec<f64>]>,
        xs: &'a [String],
        ys: &'a [String],
    ) -> HeatmapChart<'a> {
        HeatmapChart {
            title: "t",
            subtitle: "s",
            metric: "adoption_share",
            x_label: "x",
            x_values: xs,
            y_label: "y",
            y_values: ys,
            z,
            ci,
        }
    }

    #[test]
    fn noise_does_not_stretch_the_scale() {
        let xs = vec!["a".to_string(), "b".to_string()];
        let ys = vec!["c".to_string()];
        let z = vec![vec![0.20, 0.21]];
        let ci = vec![vec![0.05, 0.05]];
        let sp = spec(&z, Some(&ci), &xs, &ys);
        let s = ColourScale::of(&sp);
        assert!((s.centre - 0.205).abs() < 1e-12);
        assert!((s.half - 0.05).abs() < 1e-12, "at least the typical CI");
        assert!(s.t(0.21).abs() < 0.2, "a within-noise cell stays pale");
        assert!(s.within_ci(&sp, 0, 0) && s.within_ci(&sp, 0, 1));
        let big = vec![vec![0.001, 0.001]];
        let sp = spec(&z, Some(&big), &xs, &ys);
        assert!(!ColourScale::of(&sp).within_ci(&sp, 0, 0));
    }

    #[test]
    fn extreme_cells_give_a_finite_scale() {
        let xs = vec!["a".to_string(), "b".to_string()];
        let ys = vec!["c".to_string()];
        for z in [
            vec![vec![1e308, -1e308]],
            vec![vec![0.0, 0.0]],
            vec![vec![f64::NAN, 5e-310]],
        ] {
            let s = ColourScale::of(&spec(&z, None, &xs, &ys));
            assert!(
                s.centre.is_finite() && s.half.is_finite() && s.half > 0.0,
                "{z:?}: {s:?}"
            );
        }
    }
}
