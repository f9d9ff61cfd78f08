//! `validation.png`: every target on one page.
//!
//! Targets have different units (shares, GW, months, H100-equivalents), so
//! each is drawn on its own normalised scale: the observed value at 0, the
//! trusted range from −1 to +1 (grey), the model's 5–95% band as a line and
//! its mean as a dot (green inside the range, red outside; squares for fit
//! targets, circles for held-out checks). Values beyond ±4 half-widths are
//! pinned to the edge with an arrow. Rows are grouped by area so a reader sees
//! at a glance which part of the model fits the past and which does not.
//!
//! Drawn with plotters into memory with the embedded DejaVu Sans (no system
//! fonts), encoded without timestamps and written atomically, like the run charts.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::score::{normalised_error, short, Scored};
use super::targets::Use;
use crate::error::{Error, Result};
use crate::io::atomic::write_atomic;
use crate::plot::style;

const WIDTH: u32 = 1500;
const ROW: i32 = 30;
const HEADER: i32 = 110;
const AREA_GAP: i32 = 34;
const LABEL_W: i32 = 760;
const LIMIT: f64 = 4.0;
const GREEN: RGBColor = RGBColor(40, 150, 70);
const RED: RGBColor = RGBColor(205, 40, 40);

/// Draw the chart of `rows` (already in display order) to `path`.
pub fn render(rows: &[Scored], title: &str, path: &Path) -> Result<()> {
    style::ensure_fonts();
    let areas = area_runs(rows);
    let height = (HEADER + 40 + areas.len() as i32 * AREA_GAP + rows.len() as i32 * ROW) as u32;
    let mut buf = vec![255u8; WIDTH as usize * height as usize * 3];
    let fail =
        |m: String| Error::output(path, std::io::Error::other(format!("drawing failed: {m}")));
    {
        let root = BitMapBackend::with_buffer(&mut buf, (WIDTH, height)).into_drawing_area();
        draw(&root, rows, &areas, title, height as i32).map_err(fail)?;
        root.present().map_err(|e| fail(e.to_string()))?;
    }
    let bytes = encode_png(&buf, (WIDTH, height)).map_err(|e| fail(e.to_string()))?;
    write_atomic(path, &bytes)
}

/// Consecutive rows of the same area: (area, first row, count).
fn area_runs(rows: &[Scored]) -> Vec<(String, usize, usize)> {
    let mut out: Vec<(String, usize, usize)> = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        match out.last_mut() {
            Some(last) if last.0 == r.area => last.2 += 1,
            _ => out.push((r.area.clone(), i, 1)),
        }
    }
    out
}

type Root<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;

fn text_style(size: f64, color: RGBColor, bold: bool) -> TextStyle<'static> {
    let f = (style::FONT, size).into_font();
    let f = if bold { f.style(FontStyle::Bold) } else { f };
    f.color(&color)
}

fn draw(
    root: &Root<'_>,
    rows: &[Scored],
    areas: &[(String, usize, usize)],
    title: &str,
    height: i32,
) -> std::result::Result<(), String> {
    let e = |x: DrawingAreaErrorKind<_>| x.to_string();
    root.fill(&WHITE).map_err(e)?;
    let x0 = LABEL_W + 20;
    let x1 = WIDTH as i32 - 40;
    let xpos =
        |v: f64| x0 + ((v.clamp(-LIMIT, LIMIT) + LIMIT) / (2.0 * LIMIT) * (x1 - x0) as f64) as i32;
    root.draw(&Text::new(
        title.to_string(),
        (30, 18),
        text_style(26.0, style::TEXT, true),
    ))
    .map_err(e)?;
    let sub = "Each row: observed value at 0, its trusted range = grey (−1..+1); model 5–95% band = line, mean = dot \
               (green inside, red outside; ■ fit, ● check). Scale: half-widths of the range.";
    root.draw(&Text::new(
        sub,
        (30, 56),
        text_style(15.0, style::SUBTLE, false),
    ))
    .map_err(e)?;
    let top = HEADER;
    let bottom = height - 40;
    for v in [-4.0, -2.0, -1.0, 0.0, 1.0, 2.0, 4.0] {
        let x = xpos(v);
        let color = if v == 0.0 {
            style::REFERENCE
        } else {
            style::GRID
        };
        root.draw(&PathElement::new(vec![(x, top - 8), (x, bottom)], color))
            .map_err(e)?;
        let label = if v == 0.0 {
            "observed".to_string()
        } else {
            format!("{v:+}")
        };
        let st = text_style(13.0, style::SUBTLE, false).pos(Pos::new(HPos::Center, VPos::Bottom));
        root.draw(&Text::new(label, (x, top - 10), st)).map_err(e)?;
    }
    let mut y = top;
    for (area, first, n) in areas {
        y += AREA_GAP;
        root.draw(&Text::new(
            area.clone(),
            (30, y - 26),
            text_style(18.0, style::TEXT, true),
        ))
        .map_err(e)?;
        for r in &rows[*first..first + n] {
            draw_row(root, r, y, &xpos).map_err(e)?;
            y += ROW;
        }
    }
    Ok(())
}

fn draw_row<'a>(
    root: &Root<'a>,
    r: &Scored,
    y: i32,
    xpos: &dyn Fn(f64) -> i32,
) -> std::result::Result<(), DrawingAreaErrorKind<<BitMapBackend<'a> as DrawingBackend>::ErrorType>>
{
    let mid = y + ROW / 2;
    let label = format!(
        "{} · {} · obs {} · model {}",
        r.id,
        r.when,
        short(r.target),
        short(r.mean)
    );
    let st = text_style(14.0, style::TEXT, false).pos(Pos::new(HPos::Left, VPos::Center));
    root.draw(&Text::new(label, (40, mid), st))?;
    let band = RGBColor(215, 218, 224);
    root.draw(&Rectangle::new(
        [(xpos(-1.0), y + 6), (xpos(1.0), y + ROW - 6)],
        band.filled(),
    ))?;
    let color = if r.inside { GREEN } else { RED };
    let lo = normalised_error(r.p05, r.target, r.range);
    let hi = normalised_error(r.p95, r.target, r.range);
    root.draw(&PathElement::new(
        vec![(xpos(lo), mid), (xpos(hi), mid)],
        color.stroke_width(3),
    ))?;
    let x = xpos(r.error);
    match r.use_ {
        Use::Fit => root.draw(&Rectangle::new(
            [(x - 6, mid - 6), (x + 6, mid + 6)],
            color.filled(),
        ))?,
        Use::Check => root.draw(&Circle::new((x, mid), 7, color.filled()))?,
    }
    if r.error.abs() > LIMIT {
        let d = if r.error > 0.0 { 10 } else { -10 };
        let tip = (x + d + d / 2, mid);
        root.draw(&Polygon::new(
            vec![(x + d, mid - 6), (x + d, mid + 6), tip],
            color.filled(),
        ))?;
    }
    Ok(())
}

/// Encode an RGB8 buffer as PNG (no time chunk: same data, same bytes).
fn encode_png(rgb: &[u8], (w, h): (u32, u32)) -> std::result::Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::with_capacity(rgb.len() / 8);
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header()?;
        writer.write_image_data(rgb)?;
        writer.finish()?;
    }
    Ok(out)
}
