//! A figure: title, subtitle, optional shared legend, and panels laid out
//! in a grid.
//!
//! Legends are drawn in header strips (under the subtitle, or above each
//! panel) rather than inside plots, so they can never hide data.

use plotters::prelude::*;

use super::axis::XAxis;
use super::canvas::{Area, DrawResult};
use super::panel::{draw_panel, Panel};
use super::style;
use super::text::{draw_text, text_width, Font, HAlign, VAlign};

/// A legend item: a swatch in `color` and its label.
#[derive(Clone, Debug)]
pub(crate) struct LegendEntry {
    /// Text after the swatch.
    pub label: String,
    /// Colour of the swatch.
    pub color: RGBColor,
    /// Shape of the swatch, matching how the series is drawn.
    pub swatch: Swatch,
}

/// The shape drawn next to a legend label.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Swatch {
    /// A solid line (line series).
    Line,
    /// A dashed line (thresholds, overflow runs).
    Dashed,
    /// A filled box (stacked areas, bands).
    Fill,
}

/// How a figure's body is divided among its panels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Layout {
    /// `rows × cols` equal panels, filled row by row.
    Grid(usize, usize),
    /// One full-width panel on top (the headline), two side by side below.
    WideOverTwo,
}

/// A whole figure: header, layout and panels.
#[derive(Clone, Debug)]
pub(crate) struct FigureSpec {
    /// Large bold title: the question the figure answers.
    pub title: String,
    /// Grey line under the title (run identity, e.g. "config baseline · seed 42").
    pub subtitle: String,
    /// How panels are arranged.
    pub layout: Layout,
    /// Panels in layout order (row by row).
    pub panels: Vec<Panel>,
    /// A legend shared by all panels (e.g. one colour per run), drawn under the subtitle.
    pub legend: Vec<LegendEntry>,
}

/// Draw `spec` onto `root`, every panel on the shared time axis `x`.
pub(crate) fn draw_figure(root: &Area<'_>, spec: &FigureSpec, x: &XAxis) -> DrawResult {
    let body = header(root, &spec.title, &spec.subtitle, &spec.legend)?;
    let areas = match spec.layout {
        Layout::Grid(r, c) => body.split_evenly((r, c)),
        Layout::WideOverTwo => {
            let (top, bottom) = body.split_vertically(body.dim_in_pixel().1 * 52 / 100);
            let mut v = vec![top];
            v.extend(bottom.split_evenly((1, 2)));
            v
        }
    };
    for (a, p) in areas.iter().zip(&spec.panels) {
        draw_panel(a, p, x)?;
    }
    Ok(())
}

/// Draw the title, the subtitle and an optional shared legend; return the area left below.
pub(crate) fn header<'a>(
    root: &Area<'a>,
    title: &str,
    subtitle: &str,
    legend: &[LegendEntry],
) -> DrawResult<Area<'a>> {
    let (w, h) = root.dim_in_pixel();
    draw_text(
        root,
        title,
        &Font::bold(24.0, style::TEXT),
        (24, 16),
        HAlign::Left,
        VAlign::Top,
    )?;
    let sub_font = Font::regular(15.0, style::SUBTLE);
    let lines = wrap(subtitle, &sub_font, w.saturating_sub(48))?;
    for (i, line) in lines.iter().enumerate() {
        let y = 50 + 21 * i as i32;
        draw_text(root, line, &sub_font, (24, y), HAlign::Left, VAlign::Top)?;
    }
    let mut used = 74 + 21 * lines.len().saturating_sub(1) as u32;
    if !legend.is_empty() {
        let strip = root.clone().shrink((24, used), (w.saturating_sub(48), 120));
        used += legend_rows(&strip, legend, 15.0)? + 4;
    }
    Ok(root.clone().shrink(
        (8, used),
        (w.saturating_sub(16), h.saturating_sub(used + 8)),
    ))
}

/// Split `text` into lines no wider than `width`, breaking at spaces
/// (a provenance subtitle with several overrides must not run off the image).
pub(crate) fn wrap(text: &str, font: &Font, width: u32) -> DrawResult<Vec<String>> {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in text.split(' ') {
        let candidate = if cur.is_empty() {
            word.to_string()
        } else {
            format!("{cur} {word}")
        };
        if !cur.is_empty() && text_width(&candidate, font)? > width {
            lines.push(std::mem::take(&mut cur));
            cur = word.to_string();
        } else {
            cur = candidate;
        }
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur);
    }
    // More than three lines would eat the plot; the rest is elided.
    if lines.len() > 3 {
        lines.truncate(3);
        lines[2].push_str(" …");
    }
    Ok(lines)
}

/// Draw legend entries left to right, wrapping to new rows; return the height used.
pub(crate) fn legend_rows(area: &Area<'_>, entries: &[LegendEntry], size: f32) -> DrawResult<u32> {
    let (w, _) = area.dim_in_pixel();
    let font = Font::regular(size, style::TEXT);
    let row_h = (size * 1.6).round() as i32;
    let (mut x, mut y) = (0i32, 0i32);
    for e in entries {
        let item_w = 28 + text_width(&e.label, &font)? as i32;
        if x > 0 && x + item_w > w as i32 {
            x = 0;
            y += row_h;
        }
        let cy = y + row_h / 2;
        draw_swatch(area, e, x, cy)?;
        draw_text(
            area,
            &e.label,
            &font,
            (x + 26, cy),
            HAlign::Left,
            VAlign::Middle,
        )?;
        x += item_w + 20;
    }
    Ok((y + row_h) as u32)
}

fn draw_swatch(area: &Area<'_>, e: &LegendEntry, x: i32, cy: i32) -> DrawResult {
    match e.swatch {
        Swatch::Fill => area.draw(&Rectangle::new(
            [(x, cy - 6), (x + 20, cy + 6)],
            e.color.filled(),
        ))?,
        Swatch::Line => area.draw(&Rectangle::new(
            [(x, cy - 1), (x + 20, cy + 1)],
            e.color.filled(),
        ))?,
        Swatch::Dashed => {
            for dx in [0, 8, 16] {
                area.draw(&Rectangle::new(
                    [(x + dx, cy - 1), (x + dx + 4, cy + 1)],
                    e.color.filled(),
                ))?;
            }
        }
    }
    Ok(())
}
