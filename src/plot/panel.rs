//! Time-series panels: the unit every figure is built from.
//!
//! A panel is a title, a legend strip and a chart of lines, stacked areas or
//! bands over the shared time axis. A panel whose metrics are missing still
//! draws its title and says "no data" instead of failing the whole figure.

use std::collections::BTreeMap;
use std::ops::Range;

use plotters::prelude::*;

use super::axis::{format_short, format_tick, log_ticks, nice_range, KeyAxis, XAxis, YFormat};
use super::canvas::{Area, DrawResult};
use super::figure::{legend_rows, LegendEntry, Swatch};
use super::style;
use super::text::{draw_text, draw_text_vertical, Font, HAlign, VAlign};

/// What a panel draws.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Kind {
    /// Independent lines.
    Lines,
    /// Series stacked on top of each other as filled areas, first at the bottom.
    Stacked,
    /// No chart: the panel's `note` lines as text (e.g. the dashboard scoreboard).
    Note,
}

/// One named line (or stacked layer) of a panel.
#[derive(Clone, Debug)]
pub(crate) struct Series {
    /// Legend text; empty to leave the series out of the legend.
    pub label: String,
    /// Line (or fill) colour, from [`super::style`].
    pub color: RGBColor,
    /// `(tick, value)` in tick order; empty when the metric is missing.
    pub points: Vec<(u32, f64)>,
    /// Dashed instead of solid (palette overflow, secondary series).
    pub dashed: bool,
    /// Line width in pixels: 3 by default, 2 where many lines share a panel.
    pub width: u32,
}

impl Series {
    /// A solid line.
    pub fn new(label: impl Into<String>, color: RGBColor, points: Vec<(u32, f64)>) -> Self {
        Series {
            label: label.into(),
            color,
            points,
            dashed: false,
            width: 3,
        }
    }
}

/// A shaded range (e.g. the 5–95% band of a sweep) drawn under the lines.
#[derive(Clone, Debug)]
pub(crate) struct Band {
    /// Colour of the group the band belongs to (drawn translucent).
    pub color: RGBColor,
    /// `(tick, low, high)` in tick order.
    pub points: Vec<(u32, f64, f64)>,
}

/// A horizontal threshold (critical reserve margin, the 1.0 and 3× lines).
#[derive(Clone, Debug)]
pub(crate) struct RefLine {
    /// Legend text, e.g. "critical margin (15%)".
    pub label: String,
    /// Height of the line in data units.
    pub value: f64,
}

/// Everything needed to draw one panel.
#[derive(Clone, Debug)]
pub(crate) struct Panel {
    /// Bold panel title; empty for none (single-panel figures).
    pub title: String,
    /// Y-axis title with the unit, e.g. "capacity (GW)".
    pub y_label: String,
    /// How y tick labels are written.
    pub y_format: YFormat,
    /// Lines, stacked areas or a text note.
    pub kind: Kind,
    /// The data series.
    pub series: Vec<Series>,
    /// Shaded ranges drawn under the series.
    pub bands: Vec<Band>,
    /// Horizontal threshold lines.
    pub refs: Vec<RefLine>,
    /// Draw a per-panel legend (off when the figure has a shared one).
    pub legend: bool,
    /// Start the y axis at zero for non-negative data (honest for shares and
    /// stocks); off for indices, where the differences are the story.
    pub zero_based: bool,
    /// Text lines (and their colours) of a [`Kind::Note`] panel.
    pub note: Vec<(String, RGBColor)>,
}

impl Panel {
    /// An empty line panel.
    pub fn lines(title: impl Into<String>, y_label: impl Into<String>, y_format: YFormat) -> Self {
        Panel {
            title: title.into(),
            y_label: y_label.into(),
            y_format,
            kind: Kind::Lines,
            series: Vec::new(),
            bands: Vec::new(),
            refs: Vec::new(),
            legend: true,
            zero_based: true,
            note: Vec::new(),
        }
    }

    /// A text-only panel: a title over coloured lines of text.
    pub fn note(title: impl Into<String>, lines: Vec<(String, RGBColor)>) -> Self {
        let mut p = Panel::lines(title, "", YFormat::Number);
        p.kind = Kind::Note;
        p.note = lines;
        p
    }

    /// Add a series (builder style).
    pub fn with(mut self, s: Series) -> Self {
        self.series.push(s);
        self
    }

    /// Add a threshold line (builder style).
    pub fn with_ref(mut self, label: impl Into<String>, value: f64) -> Self {
        self.refs.push(RefLine {
            label: label.into(),
            value,
        });
        self
    }

    fn has_data(&self) -> bool {
        self.series.iter().any(|s| !s.points.is_empty())
            || self.bands.iter().any(|b| !b.points.is_empty())
    }

    /// Legend entries: the series (flagged when empty) and the thresholds.
    fn legend_entries(&self) -> Vec<LegendEntry> {
        let mut v: Vec<LegendEntry> = self
            .series
            .iter()
            .filter(|s| !s.label.is_empty())
            .map(|s| LegendEntry {
                label: if s.points.is_empty() {
                    format!("{} (no data)", s.label)
                } else {
                    s.label.clone()
                },
                color: s.color,
                swatch: match (self.kind, s.dashed) {
                    (Kind::Stacked, _) => Swatch::Fill,
                    (_, true) => Swatch::Dashed,
                    _ => Swatch::Line,
                },
            })
            .collect();
        v.extend(self.refs.iter().map(|r| LegendEntry {
            label: r.label.clone(),
            color: style::REFERENCE,
            swatch: Swatch::Dashed,
        }));
        v
    }
}

/// Draw one panel: title, legend strip, then the chart (or "no data", or the note).
pub(crate) fn draw_panel(area: &Area<'_>, p: &Panel, x: &XAxis) -> DrawResult {
    let area = area.margin(8, 6, 12, 12);
    let (w, h) = area.dim_in_pixel();
    let top = panel_header(&area, p)?;
    let body = area.clone().shrink((0, top), (w, h.saturating_sub(top)));
    match p.kind {
        Kind::Note => draw_note(&body, &p.note),
        _ if !p.has_data() => draw_no_data(&body),
        _ => draw_chart(&body, p, x),
    }
}

/// The panel title and legend strip; returns the height they take.
fn panel_header(area: &Area<'_>, p: &Panel) -> DrawResult<u32> {
    let (w, h) = area.dim_in_pixel();
    let mut top = 0;
    if !p.title.is_empty() {
        let font = Font::bold(16.0, style::TEXT);
        draw_text(area, &p.title, &font, (2, 4), HAlign::Left, VAlign::Top)?;
        top = 30;
    }
    // A panel with nothing to plot gets no legend: a row of "(no data)" labels is noise.
    if p.legend && p.has_data() {
        let legend = p.legend_entries();
        if !legend.is_empty() {
            let size = (w.saturating_sub(4), h.saturating_sub(top));
            let strip = area.clone().shrink((2, top), size);
            top += legend_rows(&strip, &legend, 13.0)? + 4;
        }
    }
    Ok(top)
}

/// Lines of text, one under the other (the dashboard scoreboard).
fn draw_note(body: &Area<'_>, lines: &[(String, RGBColor)]) -> DrawResult {
    for (i, (line, color)) in lines.iter().enumerate() {
        let font = Font::regular(17.0, *color);
        draw_text(
            body,
            line,
            &font,
            (14, 16 + 32 * i as i32),
            HAlign::Left,
            VAlign::Top,
        )?;
    }
    Ok(())
}

/// A light frame saying "no data": the metric is missing from this run's CSV.
fn draw_no_data(body: &Area<'_>) -> DrawResult {
    let (bw, bh) = body.dim_in_pixel();
    let frame = [(0, 0), (bw as i32 - 1, bh as i32 - 1)];
    body.draw(&Rectangle::new(frame, style::GRID.stroke_width(1)))?;
    let centre = (bw as i32 / 2, bh as i32 / 2);
    let font = Font::regular(18.0, style::SUBTLE);
    draw_text(
        body,
        "no data",
        &font,
        centre,
        HAlign::Center,
        VAlign::Middle,
    )
}

/// Stacked layers as cumulative sums, bottom layer first.
fn stack_layers(series: &[Series]) -> Vec<Vec<(u32, f64)>> {
    let mut acc: BTreeMap<u32, f64> = BTreeMap::new();
    let mut layers = Vec::with_capacity(series.len());
    for s in series {
        for &(t, v) in &s.points {
            *acc.entry(t).or_insert(0.0) += v;
        }
        layers.push(s.points.iter().map(|&(t, _)| (t, acc[&t])).collect());
    }
    layers
}

/// The data extent (series, stacked sums, bands, thresholds), padded, anchored
/// at 0 for non-negative data when `zero_based`, and capped at 100% for shares.
fn y_extent(p: &Panel) -> Range<f64> {
    let mut vals: Vec<f64> = p.refs.iter().map(|r| r.value).collect();
    match p.kind {
        Kind::Stacked => vals.extend(stack_layers(&p.series).iter().flatten().map(|pt| pt.1)),
        _ => vals.extend(p.series.iter().flat_map(|s| s.points.iter().map(|pt| pt.1))),
    }
    vals.extend(
        p.bands
            .iter()
            .flat_map(|b| b.points.iter().flat_map(|pt| [pt.1, pt.2])),
    );
    let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (mut lo, mut hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
    if hi - lo < 1e-12 {
        let d = if lo.abs() > 0.0 { lo.abs() * 0.1 } else { 0.5 };
        (lo, hi) = (lo - d, hi + d);
    }
    let pad = (hi - lo) * 0.05;
    let anchored = p.zero_based && lo >= 0.0;
    let bottom = if anchored { 0.0 } else { lo - pad };
    let top = if p.y_format == YFormat::Percent && hi <= 1.0 {
        (hi + pad).min(1.0)
    } else {
        hi + pad
    };
    bottom..top
}

/// A chart with explicit tick positions on both axes.
pub(crate) type Chart<'a, 'b> = ChartContext<'a, BitMapBackend<'b>, Cartesian2d<KeyAxis, KeyAxis>>;

/// The positive extent of a ratio panel whose values span more than 30×,
/// which is then drawn on a log axis; `None` keeps the axis linear.
fn log_extent(p: &Panel) -> Option<Range<f64>> {
    if p.y_format != YFormat::Multiple || p.kind != Kind::Lines {
        return None;
    }
    let vals: Vec<f64> = p
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|pt| pt.1))
        .chain(p.refs.iter().map(|r| r.value))
        .collect();
    let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (lo > 0.0 && hi / lo > 30.0).then(|| lo / 1.25..hi * 1.25)
}

/// Text of an axis tick label at a value.
type TickLabel<'a> = Box<dyn Fn(f64) -> String + 'a>;

/// The y axis of a panel: coordinate, tick positions and tick label text.
fn y_axis(p: &Panel, ticks_wanted: usize) -> (KeyAxis, Vec<f64>, TickLabel<'_>) {
    if let Some(r) = log_extent(p) {
        let ticks = log_ticks(&r);
        let label = |v: f64| format!("{}×", format_short(v));
        return (KeyAxis::log(r, ticks.clone()), ticks, Box::new(label));
    }
    let (yr, ticks) = nice_range(y_extent(p), ticks_wanted);
    let step = ticks
        .get(1)
        .zip(ticks.first())
        .map(|(b, a)| b - a)
        .unwrap_or(1.0);
    let scale = yr.start.abs().max(yr.end.abs());
    let label = move |v: f64| format_tick(v, step, scale, p.y_format);
    (KeyAxis::new(yr, ticks.clone()), ticks, Box::new(label))
}

fn draw_chart(body: &Area<'_>, p: &Panel, x: &XAxis) -> DrawResult {
    let (bw, bh) = body.dim_in_pixel();
    let (y_coord, y_ticks, y_label) = y_axis(p, if bh > 300 { 6 } else { 4 });
    let y_area = 74;
    let x_ticks = x.key_ticks(bw.saturating_sub(y_area + 30));
    let xr = x.range();
    let mut chart = ChartBuilder::on(body)
        .margin_right(28)
        .margin_top(8)
        .x_label_area_size(30)
        .y_label_area_size(y_area)
        .build_cartesian_2d(KeyAxis::new(xr.clone(), x_ticks.clone()), y_coord)?;
    let blank = |_: &f64| String::new();
    chart
        .configure_mesh()
        .x_label_formatter(&blank)
        .y_label_formatter(&blank)
        .bold_line_style(style::GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(style::SUBTLE)
        .set_all_tick_mark_size(4)
        .draw()?;
    draw_bands(&mut chart, &p.bands)?;
    match p.kind {
        Kind::Stacked => draw_stacked(&mut chart, &p.series)?,
        _ => draw_lines(&mut chart, &p.series)?,
    }
    for r in &p.refs {
        let pts = vec![(xr.start, r.value), (xr.end, r.value)];
        let style = style::REFERENCE.stroke_width(2);
        chart.draw_series(DashedLineSeries::new(pts, 9, 6, style))?;
    }
    let x_label = |t: f64| x.label(t);
    let y_title = if log_extent(p).is_some() {
        format!("{} (log scale)", p.y_label)
    } else {
        p.y_label.clone()
    };
    draw_axis_labels(
        body,
        &chart,
        AxisText {
            ticks: &x_ticks,
            label: &x_label,
            title: "",
        },
        AxisText {
            ticks: &y_ticks,
            label: &*y_label,
            title: &y_title,
        },
    )
}

/// Tick positions, their label function and the axis title (empty for none).
pub(crate) struct AxisText<'a> {
    /// Tick positions in data units.
    pub ticks: &'a [f64],
    /// Label text at a tick.
    pub label: &'a dyn Fn(f64) -> String,
    /// Axis title (with unit); empty for none.
    pub title: &'a str,
}

/// Tick labels along both axes and the axis titles (the y title rotated),
/// drawn with [`super::text`] for correct letter spacing.
pub(crate) fn draw_axis_labels(
    body: &Area<'_>,
    chart: &Chart<'_, '_>,
    x: AxisText<'_>,
    y: AxisText<'_>,
) -> DrawResult {
    let (bx, by) = body.get_base_pixel();
    let font = Font::regular(12.5, style::TEXT);
    let (xr, yr) = (chart.x_range(), chart.y_range());
    for &t in x.ticks {
        let (px, py) = chart.backend_coord(&(t, yr.start));
        draw_text(
            body,
            &(x.label)(t),
            &font,
            (px - bx, py - by + 9),
            HAlign::Center,
            VAlign::Top,
        )?;
    }
    for &v in y.ticks {
        let (px, py) = chart.backend_coord(&(xr.start, v));
        draw_text(
            body,
            &(y.label)(v),
            &font,
            (px - bx - 8, py - by),
            HAlign::Right,
            VAlign::Middle,
        )?;
    }
    let title_font = Font::regular(13.5, style::TEXT);
    let (left, top) = chart.backend_coord(&(xr.start, yr.end));
    let (right, bottom) = chart.backend_coord(&(xr.end, yr.start));
    if !x.title.is_empty() {
        let pos = ((left + right) / 2 - bx, bottom - by + 32);
        draw_text(body, x.title, &title_font, pos, HAlign::Center, VAlign::Top)?;
    }
    draw_text_vertical(body, y.title, &title_font, (12, (top + bottom) / 2 - by))
}

/// Shaded ranges, translucent so overlapping bands of different groups stay
/// visible, with thin edges marking where each band ends.
fn draw_bands(chart: &mut Chart<'_, '_>, bands: &[Band]) -> DrawResult {
    for b in bands {
        let lower: Vec<(f64, f64)> = b.points.iter().map(|&(t, lo, _)| (t as f64, lo)).collect();
        let upper: Vec<(f64, f64)> = b.points.iter().map(|&(t, _, hi)| (t as f64, hi)).collect();
        let poly: Vec<(f64, f64)> = lower.iter().chain(upper.iter().rev()).copied().collect();
        chart.draw_series(std::iter::once(Polygon::new(
            poly,
            b.color.mix(0.16).filled(),
        )))?;
        let edge = style::lighten(b.color, 0.45).stroke_width(1);
        chart.draw_series(LineSeries::new(lower, edge))?;
        chart.draw_series(LineSeries::new(upper, edge))?;
    }
    Ok(())
}

fn draw_lines(chart: &mut Chart<'_, '_>, series: &[Series]) -> DrawResult {
    for s in series.iter().filter(|s| !s.points.is_empty()) {
        let pts: Vec<(f64, f64)> = s.points.iter().map(|&(t, v)| (t as f64, v)).collect();
        if s.dashed {
            chart.draw_series(DashedLineSeries::new(
                pts,
                10,
                5,
                s.color.stroke_width(s.width.min(2)),
            ))?;
        } else if pts.len() == 1 {
            chart.draw_series(std::iter::once(Circle::new(pts[0], 4, s.color.filled())))?;
        } else {
            chart.draw_series(LineSeries::new(pts, s.color.stroke_width(s.width)))?;
        }
    }
    Ok(())
}

fn draw_stacked(chart: &mut Chart<'_, '_>, series: &[Series]) -> DrawResult {
    let layers = stack_layers(series);
    for (s, layer) in series.iter().zip(&layers).rev() {
        if layer.is_empty() {
            continue;
        }
        let pts: Vec<(f64, f64)> = layer.iter().map(|&(t, v)| (t as f64, v)).collect();
        let fill = style::lighten(s.color, 0.15);
        chart.draw_series(
            AreaSeries::new(pts, 0.0, fill.filled()).border_style(s.color.stroke_width(1)),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stacked_extent_covers_the_sum_and_percent_caps_at_one() {
        let mut p = Panel::lines("t", "y", YFormat::Percent);
        p.kind = Kind::Stacked;
        p = p
            .with(Series::new("a", style::US, vec![(0, 0.5)]))
            .with(Series::new("b", style::CN, vec![(0, 0.48)]));
        assert_eq!(y_extent(&p), 0.0..1.0);
    }

    #[test]
    fn thresholds_are_in_range_and_indices_float() {
        let mut p = Panel::lines("t", "y", YFormat::Number).with(Series::new(
            "a",
            style::US,
            vec![(0, 0.5), (1, 0.6)],
        ));
        p.zero_based = false;
        let r = y_extent(&p);
        assert!(r.start > 0.4 && r.end < 0.7, "{r:?}");
        let p = p.with_ref("line", 1.0);
        assert!(y_extent(&p).end > 1.0);
    }
}
