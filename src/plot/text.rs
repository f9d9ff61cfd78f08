//! Text drawing with correct glyph placement.
//!
//! plotters 0.3.7's `ab_glyph` text path drops each glyph's left side bearing
//! and truncates its vertical offset, so labels come out with uneven letter
//! spacing ("inde x", "Chin a"). All chart text is therefore laid out here
//! with `ab_glyph` directly (advance + kerning, glyphs placed at their true
//! pixel bounds, anti-aliased by blending coverage) from the embedded DejaVu
//! Sans; plotters only draws lines, areas and axes.

use std::sync::OnceLock;

use ab_glyph::{point, Font as _, FontRef, Glyph, PxScale, ScaleFont};
use plotters::prelude::*;

use super::canvas::{Area, DrawError, DrawResult};

/// A text style: size (em height in pixels), colour and weight.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Font {
    /// Em height in pixels.
    pub size: f32,
    /// Ink colour (anti-aliased edges blend it with the background).
    pub color: RGBColor,
    /// DejaVu Sans Bold instead of Regular.
    pub bold: bool,
}

impl Font {
    /// Regular weight.
    pub fn regular(size: f32, color: RGBColor) -> Self {
        Font {
            size,
            color,
            bold: false,
        }
    }

    /// Bold weight, for titles.
    pub fn bold(size: f32, color: RGBColor) -> Self {
        Font {
            size,
            color,
            bold: true,
        }
    }
}

/// Horizontal alignment of text relative to its anchor point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum HAlign {
    Left,
    Center,
    Right,
}

/// Vertical alignment: `Top` puts the top of capitals at the anchor,
/// `Middle` centres capitals on it (what axis tick labels need).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum VAlign {
    Top,
    Middle,
}

struct Faces {
    regular: FontRef<'static>,
    bold: FontRef<'static>,
}

fn faces() -> DrawResult<&'static Faces> {
    static FACES: OnceLock<Option<Faces>> = OnceLock::new();
    FACES
        .get_or_init(|| {
            let regular = FontRef::try_from_slice(dejavu::sans::regular()).ok()?;
            let bold = FontRef::try_from_slice(dejavu::sans::bold()).ok()?;
            Some(Faces { regular, bold })
        })
        .as_ref()
        .ok_or_else(|| DrawError("embedded DejaVu Sans could not be parsed".into()))
}

/// Glyphs of one line of text, positioned with the baseline at y = 0 and
/// the pen starting at x = 0.
struct Line {
    glyphs: Vec<Glyph>,
    width: f32,
    cap: f32,
}

fn layout(s: &str, f: &Font) -> DrawResult<(Line, &'static FontRef<'static>)> {
    let faces = faces()?;
    let face = if f.bold { &faces.bold } else { &faces.regular };
    let per_em = face.height_unscaled() / face.units_per_em().unwrap_or(2048.0);
    let scale = PxScale::from(f.size * per_em);
    let scaled = face.as_scaled(scale);
    let mut glyphs = Vec::with_capacity(s.len());
    let mut pen = 0.0f32;
    let mut prev = None;
    for c in s.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = prev {
            pen += scaled.kern(p, id);
        }
        glyphs.push(id.with_scale_and_position(scale, point(pen, 0.0)));
        pen += scaled.h_advance(id);
        prev = Some(id);
    }
    let cap = face
        .outline_glyph(face.glyph_id('H').with_scale(scale))
        .map(|o| -o.px_bounds().min.y)
        .unwrap_or(f.size * 0.73);
    Ok((
        Line {
            glyphs,
            width: pen,
            cap,
        },
        face,
    ))
}

/// Width in pixels of `s` in font `f` (for legends and layout).
pub(crate) fn text_width(s: &str, f: &Font) -> DrawResult<u32> {
    Ok(layout(s, f)?.0.width.ceil() as u32)
}

/// Visit every covered pixel of `s` laid out with its anchor at (0, 0).
///
/// The alignment offset is rounded once, up front: rounding each pixel's
/// float position instead (half away from zero) opens a blank row or
/// column at the anchor whenever the offset ends in .5.
fn rasterize(
    s: &str,
    f: &Font,
    h: HAlign,
    v: VAlign,
    mut put: impl FnMut(i32, i32, f32),
) -> DrawResult {
    let (line, face) = layout(s, f)?;
    let dx = match h {
        HAlign::Left => 0.0,
        HAlign::Center => -line.width / 2.0,
        HAlign::Right => -line.width,
    };
    let dy = match v {
        VAlign::Top => line.cap,
        VAlign::Middle => line.cap / 2.0,
    };
    let (dx, dy) = (dx.round() as i32, dy.round() as i32);
    for g in line.glyphs {
        if let Some(outline) = face.outline_glyph(g) {
            let b = outline.px_bounds();
            let (x0, y0) = (b.min.x.floor() as i32 + dx, b.min.y.floor() as i32 + dy);
            outline.draw(|x, y, c| put(x0 + x as i32, y0 + y as i32, c));
        }
    }
    Ok(())
}

/// Draw `s` on `area` anchored at `pos` (area pixels).
pub(crate) fn draw_text(
    area: &Area<'_>,
    s: &str,
    f: &Font,
    pos: (i32, i32),
    h: HAlign,
    v: VAlign,
) -> DrawResult {
    let mut result = Ok(());
    rasterize(s, f, h, v, |x, y, c| {
        if c > 0.004 && result.is_ok() {
            let p = (pos.0 + x, pos.1 + y);
            result = area.draw_pixel(p, &f.color.mix(f64::from(c.min(1.0))));
        }
    })?;
    result.map_err(DrawError::from)
}

/// Draw `s` rotated a quarter turn anticlockwise (reading bottom to top),
/// centred on `centre`: the y-axis title.
pub(crate) fn draw_text_vertical(
    area: &Area<'_>,
    s: &str,
    f: &Font,
    centre: (i32, i32),
) -> DrawResult {
    let mut result = Ok(());
    rasterize(s, f, HAlign::Center, VAlign::Middle, |x, y, c| {
        if c > 0.004 && result.is_ok() {
            let p = (centre.0 + y, centre.1 - x);
            result = area.draw_pixel(p, &f.color.mix(f64::from(c.min(1.0))));
        }
    })?;
    result.map_err(DrawError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_grow_with_text_and_weight() {
        let f = Font::regular(14.0, BLACK);
        let w1 = text_width("US", &f).unwrap();
        let w2 = text_width("United States", &f).unwrap();
        assert!(w1 > 10 && w2 > 4 * w1, "{w1} {w2}");
        assert!(text_width("United States", &Font::bold(14.0, BLACK)).unwrap() > w2);
        assert_eq!(text_width("", &f).unwrap(), 0);
    }

    /// Darkest value of each pixel row after drawing `s` centred on row 20.
    fn row_ink(s: &str, size: f32) -> Vec<u8> {
        let mut buf = vec![255u8; 200 * 40 * 3];
        {
            let root = BitMapBackend::with_buffer(&mut buf, (200, 40)).into_drawing_area();
            draw_text(
                &root,
                s,
                &Font::regular(size, BLACK),
                (10, 20),
                HAlign::Left,
                VAlign::Middle,
            )
            .unwrap();
        }
        (0..40)
            .map(|y| {
                (0..200)
                    .map(|x| buf[(y * 200 + x) * 3])
                    .min()
                    .unwrap_or(255)
            })
            .collect()
    }

    #[test]
    fn glyphs_have_no_blank_rows() {
        for size in [12.5, 13.0, 15.0, 16.0, 24.0] {
            let ink = row_ink("baseline", size);
            let inked: Vec<usize> = (0..40).filter(|&y| ink[y] < 200).collect();
            let (first, last) = (inked[0], inked[inked.len() - 1]);
            assert!(
                inked.len() == last - first + 1,
                "size {size}: gap in rows {ink:?}"
            );
        }
    }
}
