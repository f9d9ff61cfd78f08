//! Time-series panels: the unit every figure is built from.
//!
//! A panel is a title, a legend strip and a chart of lines, stacked areas or
//! bands over the shared time axis. A panel whose metrics are missing still
//! draws its title and says "no data" instead of failing the whole figure.

use std::ops::Range;

use plotters::prelude::*;

use super::axis::{format_short, format_tick, KeyAxis, XAxis, YFormat};
use super::canvas::{Area, DrawResult};
use super::figure::{legend_rows, LegendEntry, Swatch};
use super::scale::{self, YAxisChoice};
use super::style;
use super::text::{draw_text, draw_text_vertical, text_width, Font, HAlign, VAlign};

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
    /// Text written directly at the line's last point (instead of a legend entry).
    pub end_label: Option<String>,
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
            end_label: None,
        }
    }

    /// A thin, light line drawn under the others (raw data behind its mean,
    /// other groups behind the highlighted one); never in the legend.
    pub fn faint(color: RGBColor, points: Vec<(u32, f64)>) -> Self {
        let mut s = Series::new("", style::lighten(color, 0.55), points);
        s.width = 1;
        s
    }

    /// Label the line at its end with `text` (builder style).
    pub fn labelled(mut self, text: impl Into<String>) -> Self {
        self.end_label = Some(text.into());
        self
    }
}

/// The mean of the last `n` points at every point (fewer at the start):
/// a release-cadence sawtooth becomes the trend a reader should see.
pub(crate) fn trailing_mean(points: &[(u32, f64)], n: usize) -> Vec<(u32, f64)> {
    (0..points.len())
        .map(|i| {
            let w = &points[i.saturating_sub(n.max(1) - 1)..=i];
            // Divide before adding so 1e308-sized values cannot overflow.
            let m = w.iter().map(|p| p.1 / w.len() as f64).sum::<f64>();
            (points[i].0, m)
        })
        .collect()
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
    /// A threshold the story turns on (critical margin): drawn heavier.
    pub strong: bool,
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
    /// Whole-number ticks (counts: no "2.5 markets").
    pub integer: bool,
    /// A ratio drawn on a log axis whatever its spread.
    pub log: bool,
    /// A y range set by the figure (mirrored panels share one), overriding the data.
    pub fixed_y: Option<Range<f64>>,
    /// The catalogue metric the panel shows, when it shows one; tests use it to
    /// check the axis rules (non-negative metrics start at zero).
    pub metric: Option<String>,
    /// Words written inside the plot at the top-left and bottom-left corners
    /// (e.g. "▲ US ahead" / "▼ China ahead" on a signed gap), with their colours.
    pub corner_notes: Option<((String, RGBColor), (String, RGBColor))>,
    /// A horizontal strip shaded between two values (the region below a threshold).
    pub shade: Option<(f64, f64, RGBColor)>,
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
            integer: false,
            log: false,
            fixed_y: None,
            metric: None,
            corner_notes: None,
            shade: None,
        }
    }

    /// An empty line panel for catalogue metric `metric`: axis title, tick
    /// format and the axis rules of its kind (zero-based when non-negative,
    /// whole-number ticks for counts, log axis with a 1× line for ratios, a
    /// 0.5 line for indices, a "level" line for the signed frontier gap).
    pub fn for_metric(title: impl Into<String>, metric: &str) -> Self {
        use crate::catalogue::{self, Kind as K};
        let m = catalogue::metric(metric);
        let fmt = match m.kind {
            K::Share => YFormat::Percent,
            K::Ratio => YFormat::Multiple,
            _ => YFormat::Number,
        };
        let mut p = Panel::lines(title, "", fmt);
        p.apply_metric(metric);
        p
    }

    /// Apply the catalogue's axis rules for `metric` to this panel (keeps
    /// the title; replaces the axis title and format).
    pub fn apply_metric(&mut self, metric: &str) {
        use crate::catalogue::{self, Kind as K};
        let m = catalogue::metric(metric);
        self.metric = Some(metric.to_string());
        if self.y_label.is_empty() {
            self.y_label = match m.kind {
                K::Share => format!("{} (%)", m.label),
                _ => m.axis_title(),
            };
        }
        self.y_format = match m.kind {
            K::Share => YFormat::Percent,
            K::Ratio => YFormat::Multiple,
            _ => YFormat::Number,
        };
        self.zero_based = m.zero_based();
        self.integer = m.kind == K::Count;
        self.log = m.kind == K::Ratio;
        let has_ref = |p: &Panel, v: f64| p.refs.iter().any(|r| r.value == v);
        match m.kind {
            K::Ratio if !has_ref(self, 1.0) => self.refs.push(RefLine {
                label: "1×".into(),
                value: 1.0,
                strong: true,
            }),
            K::Index if !has_ref(self, 0.5) => self.refs.push(RefLine {
                label: "level (0.5)".into(),
                value: 0.5,
                strong: false,
            }),
            K::Months => {
                if !has_ref(self, 0.0) {
                    self.refs.push(RefLine {
                        label: "level".into(),
                        value: 0.0,
                        strong: false,
                    });
                }
                self.corner_notes = Some((
                    ("▲ US ahead".into(), style::US),
                    ("▼ China ahead".into(), style::CN),
                ));
            }
            _ => {}
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
            strong: false,
        });
        self
    }

    /// The y axis this panel draws (range, ticks, log or not) at a given
    /// plot height: what [`crate::plot::run_chart_axes`] reports.
    pub fn y_axis_choice(&self, plot_height: u32) -> YAxisChoice {
        scale::choose(self, if plot_height > 300 { 6 } else { 4 })
    }

    fn has_data(&self) -> bool {
        self.series.iter().any(|s| !s.points.is_empty())
            || self.bands.iter().any(|b| !b.points.is_empty())
    }

    /// Legend entries: the series (flagged when empty) and the thresholds.
    fn legend_entries(&self) -> Vec<LegendEntry> {
        let v: Vec<LegendEntry> = self
            .series
            .iter()
            .filter(|s| !s.label.is_empty() && s.end_label.is_none())
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
        let title = fit(&p.title, &font, w.saturating_sub(4))?;
        draw_text(area, &title, &font, (2, 4), HAlign::Left, VAlign::Top)?;
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

/// `text`, shortened with "…" until it fits in `width` pixels.
pub(crate) fn fit(text: &str, font: &Font, width: u32) -> DrawResult<String> {
    if text_width(text, font)? <= width {
        return Ok(text.to_string());
    }
    let mut chars: Vec<char> = text.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let s: String = chars.iter().collect::<String>() + "…";
        if text_width(&s, font)? <= width {
            return Ok(s);
        }
    }
    Ok(String::new())
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

/// A chart with explicit tick positions on both axes.
pub(crate) type Chart<'a, 'b> = ChartContext<'a, BitMapBackend<'b>, Cartesian2d<KeyAxis, KeyAxis>>;

/// Text of an axis tick label at a value.
type TickLabel<'a> = Box<dyn Fn(f64) -> String + 'a>;

/// Tick label text for the y axis `c` of panel `p`.
fn y_tick_label<'a>(p: &'a Panel, c: &YAxisChoice) -> TickLabel<'a> {
    if c.log {
        return Box::new(|v: f64| format!("{}×", format_short(v)));
    }
    let step = c
        .ticks
        .get(1)
        .zip(c.ticks.first())
        .map(|(b, a)| b - a)
        .unwrap_or(1.0);
    let scale = c.range.start.abs().max(c.range.end.abs());
    Box::new(move |v: f64| format_tick(v, step, scale, p.y_format))
}

/// Width reserved right of the plot for direct end labels.
fn end_label_room(p: &Panel) -> DrawResult<u32> {
    let font = Font::regular(13.0, style::TEXT);
    let mut w = 0;
    for s in p.series.iter().filter(|s| !s.points.is_empty()) {
        if let Some(l) = &s.end_label {
            w = w.max(text_width(l, &font)?);
        }
    }
    Ok(if w == 0 { 28 } else { (w + 14).min(260) })
}

fn draw_chart(body: &Area<'_>, p: &Panel, x: &XAxis) -> DrawResult {
    let (bw, bh) = body.dim_in_pixel();
    let c = p.y_axis_choice(bh);
    let y_label = y_tick_label(p, &c);
    let y_coord = if c.log {
        KeyAxis::log(c.range.clone(), c.ticks.clone())
    } else {
        KeyAxis::new(c.range.clone(), c.ticks.clone())
    };
    let y_area = 74;
    let right = end_label_room(p)?;
    let x_ticks = x.key_ticks(bw.saturating_sub(y_area + right + 8));
    let xr = x.range();
    let mut chart = ChartBuilder::on(body)
        .margin_right(right)
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
    let clip = Clip::new(&c);
    if let Some((a, b, color)) = p.shade {
        let (a, b) = (clip.y(a), clip.y(b));
        let rect = [(xr.start, a), (xr.end, b)];
        chart.draw_series(std::iter::once(Rectangle::new(rect, color.filled())))?;
    }
    draw_bands(&mut chart, &p.bands, &clip)?;
    for r in p.refs.iter().filter(|r| !r.strong) {
        draw_ref(&mut chart, r, &xr, &clip)?;
    }
    match p.kind {
        Kind::Stacked => draw_stacked(&mut chart, p, &clip)?,
        _ => draw_lines(&mut chart, &p.series, &clip)?,
    }
    for r in p.refs.iter().filter(|r| r.strong) {
        draw_ref(&mut chart, r, &xr, &clip)?;
    }
    draw_in_plot_text(body, &chart, p, &clip)?;
    let x_label = |t: f64| x.label(t);
    let y_title = if c.log {
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
            ticks: &c.ticks,
            label: &*y_label,
            title: &y_title,
        },
    )
}

/// Keeps drawn values inside the axis: a value far outside (or non-finite)
/// would otherwise become a pixel coordinate in the billions, which plotters
/// then rasterises pixel by pixel.
pub(crate) struct Clip {
    lo: f64,
    hi: f64,
}

impl Clip {
    /// Clip to the range of `c`.
    pub fn new(c: &YAxisChoice) -> Self {
        Clip {
            lo: c.range.start,
            hi: c.range.end,
        }
    }

    /// `v` clamped into the axis (NaN to the bottom).
    pub fn y(&self, v: f64) -> f64 {
        if v.is_nan() {
            self.lo
        } else {
            v.clamp(self.lo, self.hi)
        }
    }

    /// Points as plot coordinates, clamped, non-finite values dropped.
    pub fn points(&self, pts: &[(u32, f64)]) -> Vec<(f64, f64)> {
        pts.iter()
            .filter(|p| p.1.is_finite())
            .map(|&(t, v)| (f64::from(t), self.y(v)))
            .collect()
    }
}

/// A threshold line: dashed grey, or heavy black when `strong`.
fn draw_ref(chart: &mut Chart<'_, '_>, r: &RefLine, xr: &Range<f64>, clip: &Clip) -> DrawResult {
    if !r.value.is_finite() || clip.y(r.value) != r.value {
        return Ok(());
    }
    let pts = vec![(xr.start, r.value), (xr.end, r.value)];
    if r.strong {
        chart.draw_series(DashedLineSeries::new(
            pts,
            14,
            5,
            style::BASELINE.stroke_width(3),
        ))?;
    } else {
        chart.draw_series(DashedLineSeries::new(
            pts,
            6,
            5,
            style::SUBTLE.stroke_width(1),
        ))?;
    }
    Ok(())
}

/// Text drawn inside the plot: threshold labels at the left end of their
/// line, the corner notes, and direct end labels right of the lines.
fn draw_in_plot_text(body: &Area<'_>, chart: &Chart<'_, '_>, p: &Panel, clip: &Clip) -> DrawResult {
    let (bx, by) = body.get_base_pixel();
    let (xr, yr) = (chart.x_range(), chart.y_range());
    let (left, top) = chart.backend_coord(&(xr.start, yr.end));
    let (right, bottom) = chart.backend_coord(&(xr.end, yr.start));
    for r in &p.refs {
        if !r.value.is_finite() || clip.y(r.value) != r.value || r.label.is_empty() {
            continue;
        }
        let (_, py) = chart.backend_coord(&(xr.start, r.value));
        let font = if r.strong {
            Font::bold(12.5, style::TEXT)
        } else {
            Font::regular(12.0, style::SUBTLE)
        };
        let y = if py - top < 18 { py + 4 } else { py - 16 };
        draw_text(
            body,
            &r.label,
            &font,
            (left - bx + 6, y - by),
            HAlign::Left,
            VAlign::Top,
        )?;
    }
    if let Some(((up, up_c), (down, down_c))) = &p.corner_notes {
        let f = |c: RGBColor| Font::bold(13.0, c);
        let at = |y: i32| (right - bx - 8, y - by);
        draw_text(body, up, &f(*up_c), at(top + 6), HAlign::Right, VAlign::Top)?;
        draw_text(
            body,
            down,
            &f(*down_c),
            at(bottom - 20),
            HAlign::Right,
            VAlign::Top,
        )?;
    }
    let mut labels: Vec<(i32, String, RGBColor)> = Vec::new();
    let layers = scale::stack_layers(p);
    for (i, s) in p.series.iter().enumerate() {
        let (Some(text), Some(&(t, v))) = (
            &s.end_label,
            s.points.iter().rev().find(|q| q.1.is_finite()),
        ) else {
            continue;
        };
        let v = match p.kind {
            Kind::Stacked => layers[i].last().map_or(v, |l| l.1),
            _ => v,
        };
        let (_, py) = chart.backend_coord(&(f64::from(t), clip.y(v)));
        labels.push((py, text.clone(), s.color));
    }
    let ys = spread(labels.iter().map(|l| l.0).collect(), 15, top, bottom);
    for ((_, text, color), y) in labels.iter().zip(ys) {
        let font = Font::bold(13.0, style::ink(*color));
        draw_text(
            body,
            text,
            &font,
            (right - bx + 6, y - by),
            HAlign::Left,
            VAlign::Middle,
        )?;
    }
    Ok(())
}

/// Label positions near `wanted` (pixel rows), at least `gap` apart and
/// within `top..=bottom`, keeping their order: direct labels never overlap.
pub(crate) fn spread(wanted: Vec<i32>, gap: i32, top: i32, bottom: i32) -> Vec<i32> {
    let mut idx: Vec<usize> = (0..wanted.len()).collect();
    idx.sort_by_key(|&i| (wanted[i], i));
    let mut placed = vec![0; wanted.len()];
    let mut prev = i32::MIN / 2;
    for &i in &idx {
        let y = wanted[i].max(prev + gap).max(top);
        placed[i] = y;
        prev = y;
    }
    // Push back up from the bottom if the stack ran past it.
    let mut next = i32::MAX / 2;
    for &i in idx.iter().rev() {
        let y = placed[i].min(next - gap).min(bottom);
        placed[i] = y;
        next = y;
    }
    placed
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
    let room = u32::try_from(bottom - top).unwrap_or(0);
    let y_title = fit(y.title, &title_font, room)?;
    draw_text_vertical(body, &y_title, &title_font, (12, (top + bottom) / 2 - by))
}

/// Shaded ranges, translucent so overlapping bands of different groups stay
/// visible, with thin edges marking where each band ends.
fn draw_bands(chart: &mut Chart<'_, '_>, bands: &[Band], clip: &Clip) -> DrawResult {
    for b in bands {
        let ok = |p: &&(u32, f64, f64)| p.1.is_finite() && p.2.is_finite();
        let lower: Vec<(f64, f64)> = b
            .points
            .iter()
            .filter(ok)
            .map(|&(t, lo, _)| (f64::from(t), clip.y(lo)))
            .collect();
        let upper: Vec<(f64, f64)> = b
            .points
            .iter()
            .filter(ok)
            .map(|&(t, _, hi)| (f64::from(t), clip.y(hi)))
            .collect();
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

fn draw_lines(chart: &mut Chart<'_, '_>, series: &[Series], clip: &Clip) -> DrawResult {
    for s in series.iter().filter(|s| !s.points.is_empty()) {
        let pts = clip.points(&s.points);
        if pts.is_empty() {
            continue;
        }
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

fn draw_stacked(chart: &mut Chart<'_, '_>, p: &Panel, clip: &Clip) -> DrawResult {
    let layers = scale::stack_layers(p);
    for (s, layer) in p.series.iter().zip(&layers).rev() {
        let pts = clip.points(layer);
        if pts.is_empty() {
            continue;
        }
        let fill = style::lighten(s.color, 0.15);
        chart.draw_series(
            AreaSeries::new(pts, clip.y(0.0), fill.filled()).border_style(s.color.stroke_width(1)),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_spread_apart_in_order() {
        assert_eq!(spread(vec![100, 102, 300], 15, 0, 400), vec![100, 115, 300]);
        assert_eq!(spread(vec![398, 399], 15, 0, 400), vec![385, 400]);
        let v = spread(vec![50, 50, 50], 10, 0, 400);
        assert_eq!(v, vec![50, 60, 70]);
    }

    #[test]
    fn trailing_mean_smooths_a_sawtooth() {
        let pts: Vec<(u32, f64)> = (0..8)
            .map(|t| (t, if t % 2 == 0 { 1.0 } else { 3.0 }))
            .collect();
        let m = trailing_mean(&pts, 4);
        assert_eq!(m[0], (0, 1.0));
        assert!(m[3..].iter().all(|p| (p.1 - 2.0).abs() < 1e-12));
        assert_eq!(trailing_mean(&[(0, 1e308), (1, 1e308)], 4)[1].1, 1e308);
    }
}
