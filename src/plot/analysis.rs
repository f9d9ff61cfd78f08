//! Charts of a sensitivity study (`airace analyze`): Sobol bars with their
//! confidence intervals, the Morris μ*–σ plane, and PRIM's coverage–density
//! trade-off.
//!
//! Drawn with plotters primitives on a plain pixel frame (one panel each),
//! with the shared text renderer and palette: the indices are no bloc's, so
//! they take Okabe–Ito orange and bluish green, never the US blue or China
//! red; every axis of a non-negative quantity (ST, μ*, σ, coverage, density)
//! starts at zero, so bar lengths and distances read true.

use std::ops::Range;
use std::path::Path;

use plotters::prelude::*;

use super::axis::{format_number, nice_range};
use super::canvas::{render_png_bytes, Area, DrawResult};
use super::figure::header;
use super::style;
use super::text::{draw_text, draw_text_vertical, Font, HAlign, VAlign};
use crate::error::Result;
use crate::io::atomic::write_atomic;

/// Colour of first-order indices (Okabe–Ito orange).
pub const FIRST_ORDER: RGBColor = style::RUNS[0];
/// Colour of total-order indices (Okabe–Ito bluish green).
pub const TOTAL_ORDER: RGBColor = style::RUNS[1];

/// One factor's Sobol indices with their CI half-widths.
#[derive(Clone, Debug, PartialEq)]
pub struct SobolBar {
    /// Factor name.
    pub factor: String,
    /// First-order index and its half-width.
    pub s1: (f64, f64),
    /// Total-order index and its half-width.
    pub st: (f64, f64),
}

/// One factor's Morris statistics.
#[derive(Clone, Debug, PartialEq)]
pub struct MorrisPoint {
    /// Factor name.
    pub factor: String,
    /// μ* and its CI half-width.
    pub mu_star: (f64, f64),
    /// σ.
    pub sigma: f64,
}

/// The frame of a panel: the plot rectangle in pixels and the data ranges.
struct Frame {
    left: i32,
    top: i32,
    right: i32,
    bottom: i32,
    x: Range<f64>,
    y: Range<f64>,
}

impl Frame {
    fn px(&self, x: f64, y: f64) -> (i32, i32) {
        let fx = (x - self.x.start) / (self.x.end - self.x.start);
        let fy = (y - self.y.start) / (self.y.end - self.y.start);
        (
            self.left + (fx * f64::from(self.right - self.left)).round() as i32,
            self.bottom - (fy * f64::from(self.bottom - self.top)).round() as i32,
        )
    }

    /// Grid lines, tick labels and axis titles.
    fn axes(
        &self,
        area: &Area<'_>,
        xt: &[f64],
        yt: &[f64],
        x_title: &str,
        y_title: &str,
    ) -> DrawResult {
        let tick = Font::regular(15.0, style::TEXT);
        let ystep = yt.windows(2).map(|w| w[1] - w[0]).next().unwrap_or(1.0);
        for &v in yt {
            let (_, py) = self.px(self.x.start, v);
            area.draw(&PathElement::new(
                vec![(self.left, py), (self.right, py)],
                style::GRID.stroke_width(1),
            ))?;
            let label = format_number(v, ystep, 1.0);
            draw_text(
                area,
                &label,
                &tick,
                (self.left - 8, py),
                HAlign::Right,
                VAlign::Middle,
            )?;
        }
        let xstep = xt.windows(2).map(|w| w[1] - w[0]).next().unwrap_or(1.0);
        for &v in xt {
            let (px, _) = self.px(v, self.y.start);
            area.draw(&PathElement::new(
                vec![(px, self.top), (px, self.bottom)],
                style::GRID.stroke_width(1),
            ))?;
            let label = format_number(v, xstep, 1.0);
            draw_text(
                area,
                &label,
                &tick,
                (px, self.bottom + 8),
                HAlign::Center,
                VAlign::Top,
            )?;
        }
        self.zero_lines(area)?;
        let title = Font::regular(16.0, style::TEXT);
        if !x_title.is_empty() {
            let cx = (self.left + self.right) / 2;
            draw_text(
                area,
                x_title,
                &title,
                (cx, self.bottom + 36),
                HAlign::Center,
                VAlign::Top,
            )?;
        }
        draw_text_vertical(
            area,
            y_title,
            &title,
            (self.left - 70, (self.top + self.bottom) / 2),
        )
    }

    /// The axis lines at zero (or at the range's start).
    fn zero_lines(&self, area: &Area<'_>) -> DrawResult {
        let y0 = if self.y.contains(&0.0) {
            0.0
        } else {
            self.y.start
        };
        let x0 = if self.x.contains(&0.0) {
            0.0
        } else {
            self.x.start
        };
        let (_, py) = self.px(self.x.start, y0);
        let (px, _) = self.px(x0, self.y.start);
        area.draw(&PathElement::new(
            vec![(self.left, py), (self.right, py)],
            style::REFERENCE.stroke_width(1),
        ))?;
        area.draw(&PathElement::new(
            vec![(px, self.top), (px, self.bottom)],
            style::REFERENCE.stroke_width(1),
        ))?;
        Ok(())
    }
}

/// A data range that includes zero and is widened to nice ticks.
fn zero_based(lo: f64, hi: f64, min_top: f64) -> (Range<f64>, Vec<f64>) {
    let lo = if lo.is_finite() { lo.min(0.0) } else { 0.0 };
    let hi = if hi.is_finite() {
        hi.max(min_top)
    } else {
        min_top
    };
    nice_range(lo..hi, 6)
}

fn legend_swatch(area: &Area<'_>, at: (i32, i32), color: RGBColor, label: &str) -> DrawResult<i32> {
    let f = Font::regular(15.0, style::TEXT);
    area.draw(&Rectangle::new(
        [(at.0, at.1 - 7), (at.0 + 18, at.1 + 7)],
        color.filled(),
    ))?;
    draw_text(
        area,
        label,
        &f,
        (at.0 + 26, at.1),
        HAlign::Left,
        VAlign::Middle,
    )?;
    Ok(at.0 + 26 + super::text::text_width(label, &f)? as i32 + 28)
}

/// Sobol S1 and ST per factor as paired bars with their CIs (whiskers).
pub fn sobol_chart(title: &str, subtitle: &str, bars: &[SobolBar], path: &Path) -> Result<()> {
    let (w, h) = (1200u32, 720u32);
    let bytes = render_png_bytes(path, (w, h), |root| {
        let body = header(root, title, subtitle, &[])?;
        let (bw, bh) = body.dim_in_pixel();
        let lo = bars
            .iter()
            .map(|b| (b.s1.0 - b.s1.1).min(b.st.0 - b.st.1))
            .fold(0.0, f64::min);
        let hi = bars
            .iter()
            .map(|b| (b.s1.0 + b.s1.1).max(b.st.0 + b.st.1))
            .fold(0.0, f64::max);
        let (y, yt) = zero_based(lo, hi, 0.1);
        let n = bars.len().max(1) as f64;
        let frame = Frame {
            left: 100,
            top: 40,
            right: bw as i32 - 24,
            bottom: bh as i32 - 80,
            x: 0.0..n,
            y,
        };
        let mut next = legend_swatch(&body, (frame.left, 14), FIRST_ORDER, "first order S1")?;
        next = legend_swatch(&body, (next, 14), TOTAL_ORDER, "total order ST")?;
        let f = Font::regular(14.0, style::SUBTLE);
        draw_text(
            &body,
            "whiskers: bootstrap CI",
            &f,
            (next, 14),
            HAlign::Left,
            VAlign::Middle,
        )?;
        frame.axes(
            &body,
            &[],
            &yt,
            "",
            "Sobol index (share of output variance)",
        )?;
        let label = Font::regular(15.0, style::TEXT);
        let slot = (frame.right - frame.left) as f64 / n;
        let mut widest = 0;
        for b in bars {
            widest = widest.max(super::text::text_width(&b.factor, &label)?);
        }
        let stagger = f64::from(widest) > slot - 8.0;
        for (i, b) in bars.iter().enumerate() {
            let x = i as f64;
            for (k, (v, c), color) in [(0, b.s1, FIRST_ORDER), (1, b.st, TOTAL_ORDER)] {
                let x0 = x + 0.14 + 0.36 * f64::from(k);
                let (a, base) = (frame.px(x0, v), frame.px(x0 + 0.34, 0.0));
                body.draw(&Rectangle::new(
                    [(a.0, a.1), (base.0, base.1)],
                    color.filled(),
                ))?;
                let mid = x0 + 0.17;
                let (p, q) = (frame.px(mid, v - c), frame.px(mid, v + c));
                let ink = style::REFERENCE.stroke_width(2);
                body.draw(&PathElement::new(vec![p, q], ink))?;
                for end in [p, q] {
                    body.draw(&PathElement::new(
                        vec![(end.0 - 6, end.1), (end.0 + 6, end.1)],
                        ink,
                    ))?;
                }
            }
            let (cx, _) = frame.px(x + 0.5, 0.0);
            // Long names would collide: stagger every other one a line down.
            let dy = if stagger && i % 2 == 1 { 24 } else { 0 };
            draw_text(
                &body,
                &b.factor,
                &label,
                (cx, frame.bottom + 10 + dy),
                HAlign::Center,
                VAlign::Top,
            )?;
        }
        Ok(())
    })?;
    write_atomic(path, &bytes)
}

/// Morris μ* (x) against σ (y), one labelled point per factor, with μ*'s
/// CI as a horizontal whisker and the line σ = μ* (above it, effects vary
/// in sign or size across the space: non-linearity or interactions).
pub fn morris_chart(
    title: &str,
    subtitle: &str,
    points: &[MorrisPoint],
    path: &Path,
) -> Result<()> {
    let (w, h) = (1200u32, 800u32);
    let bytes = render_png_bytes(path, (w, h), |root| {
        let body = header(root, title, subtitle, &[])?;
        let (bw, bh) = body.dim_in_pixel();
        let xmax = points
            .iter()
            .map(|p| p.mu_star.0 + p.mu_star.1)
            .fold(0.0, f64::max);
        let ymax = points.iter().map(|p| p.sigma).fold(0.0, f64::max);
        let top = xmax.max(ymax).max(1e-12) * 1.1;
        let (x, xt) = zero_based(0.0, top, 0.0);
        let (y, yt) = zero_based(0.0, top, 0.0);
        let frame = Frame {
            left: 100,
            top: 20,
            right: bw as i32 - 40,
            bottom: bh as i32 - 80,
            x,
            y,
        };
        frame.axes(
            &body,
            &xt,
            &yt,
            "μ* (mean absolute elementary effect)",
            "σ (spread of the effects)",
        )?;
        let end = frame.x.end.min(frame.y.end);
        body.draw(&PathElement::new(
            vec![frame.px(0.0, 0.0), frame.px(end, end)],
            style::CONTEXT.stroke_width(2),
        ))?;
        let f = Font::regular(14.0, style::SUBTLE);
        let (lx, ly) = frame.px(end, end);
        draw_text(
            &body,
            "σ = μ*",
            &f,
            (lx - 6, ly + 6),
            HAlign::Right,
            VAlign::Top,
        )?;
        let label = Font::regular(15.0, style::TEXT);
        for p in points {
            let (a, b) = (
                frame.px(p.mu_star.0 - p.mu_star.1, p.sigma),
                frame.px(p.mu_star.0 + p.mu_star.1, p.sigma),
            );
            body.draw(&PathElement::new(vec![a, b], FIRST_ORDER.stroke_width(2)))?;
            let c = frame.px(p.mu_star.0, p.sigma);
            body.draw(&Circle::new(c, 6, FIRST_ORDER.filled()))?;
            body.draw(&Circle::new(c, 6, style::TEXT.stroke_width(1)))?;
            draw_text(
                &body,
                &p.factor,
                &label,
                (c.0 + 10, c.1 - 14),
                HAlign::Left,
                VAlign::Middle,
            )?;
        }
        Ok(())
    })?;
    write_atomic(path, &bytes)
}

/// PRIM's peeling trajectory: coverage (x) against density (y), one point
/// per box, the chosen box ringed and labelled.
pub fn prim_chart(
    title: &str,
    subtitle: &str,
    trajectory: &[(f64, f64)],
    chosen: usize,
    path: &Path,
) -> Result<()> {
    let (w, h) = (1100u32, 800u32);
    let bytes = render_png_bytes(path, (w, h), |root| {
        let body = header(root, title, subtitle, &[])?;
        let (bw, bh) = body.dim_in_pixel();
        let (x, xt) = zero_based(0.0, 1.0, 1.0);
        let (y, yt) = zero_based(0.0, 1.0, 1.0);
        let frame = Frame {
            left: 100,
            top: 20,
            right: bw as i32 - 40,
            bottom: bh as i32 - 80,
            x,
            y,
        };
        frame.axes(
            &body,
            &xt,
            &yt,
            "coverage (share of all cases inside the box)",
            "density (share of the box's runs that are cases)",
        )?;
        let pts: Vec<(i32, i32)> = trajectory.iter().map(|&(c, d)| frame.px(c, d)).collect();
        body.draw(&PathElement::new(pts.clone(), TOTAL_ORDER.stroke_width(2)))?;
        for p in &pts {
            body.draw(&Circle::new(*p, 4, TOTAL_ORDER.filled()))?;
        }
        if let Some(&p) = pts.get(chosen) {
            body.draw(&Circle::new(p, 10, style::BASELINE.stroke_width(2)))?;
            let (c, d) = trajectory[chosen];
            let f = Font::bold(15.0, style::TEXT);
            let text = format!("chosen box (step {chosen}): coverage {c:.2}, density {d:.2}");
            draw_text(
                &body,
                &text,
                &f,
                (p.0 + 14, p.1 - 16),
                HAlign::Left,
                VAlign::Middle,
            )?;
        }
        Ok(())
    })?;
    write_atomic(path, &bytes)
}
