//! Render into memory, encode PNG, write atomically.
//!
//! plotters' own file output writes the PNG in place, so a killed process can
//! leave half an image that a report then links. Drawing into an RGB buffer
//! and handing finished bytes to [`write_atomic`] means a chart on disk is
//! always whole. The encoder writes only IHDR/IDAT/IEND (no time chunk), so
//! the same data gives the same bytes.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style;
use crate::error::{Error, Result};
use crate::io::atomic::write_atomic;

/// A drawing surface backed by an in-memory RGB buffer.
pub(crate) type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// A drawing failure (font lookup, geometry), kept as text until we know which file it concerns.
#[derive(Debug)]
pub(crate) struct DrawError(pub String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for DrawError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        DrawError(e.to_string())
    }
}

/// Result of a drawing step.
pub(crate) type DrawResult<T = ()> = std::result::Result<T, DrawError>;

/// Draw a `size` image with `draw` and return its PNG bytes, writing nothing
/// (`path` only names the chart in an error). Callers that write several
/// charts render them all first, so a failure leaves no chart half-updated.
pub(crate) fn render_png_bytes<F>(path: &Path, size: (u32, u32), draw: F) -> Result<Vec<u8>>
where
    F: FnOnce(&Area<'_>) -> DrawResult,
{
    render_png_with_text(path, size, &[], draw)
}

/// [`render_png_bytes`], also storing `text` as PNG `iTXt` chunks (keyword,
/// text), e.g. the standard `Title` and `Description`: a chart that travels
/// alone keeps its title and provenance in machine-readable form, and tests
/// can read what the title band says without decoding pixels.
pub(crate) fn render_png_with_text<F>(
    path: &Path,
    size: (u32, u32),
    text: &[(&str, &str)],
    draw: F,
) -> Result<Vec<u8>>
where
    F: FnOnce(&Area<'_>) -> DrawResult,
{
    style::ensure_fonts();
    let fail = |msg: String| {
        Error::output(
            path,
            std::io::Error::other(format!("drawing failed: {msg}")),
        )
    };
    let mut buf = vec![255u8; size.0 as usize * size.1 as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut buf, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(e.to_string()))?;
        draw(&root).map_err(|e| fail(e.0))?;
        root.present().map_err(|e| fail(e.to_string()))?;
    }
    encode_png(&buf, size, text).map_err(|e| fail(e.to_string()))
}

/// Write rendered charts, each atomically, in order; returns their paths.
pub(crate) fn write_all(
    files: Vec<(std::path::PathBuf, Vec<u8>)>,
) -> Result<Vec<std::path::PathBuf>> {
    let mut out = Vec::with_capacity(files.len());
    for (path, bytes) in files {
        write_atomic(&path, &bytes)?;
        out.push(path);
    }
    Ok(out)
}

/// Encode an RGB8 buffer as PNG bytes (adaptive filtering for small files).
fn encode_png(
    rgb: &[u8],
    (w, h): (u32, u32),
    text: &[(&str, &str)],
) -> std::result::Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::with_capacity(rgb.len() / 8);
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        for (key, value) in text {
            enc.add_itxt_chunk(key.to_string(), value.to_string())?;
        }
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Default);
        enc.set_adaptive_filter(png::AdaptiveFilterType::Adaptive);
        let mut writer = enc.write_header()?;
        writer.write_image_data(rgb)?;
        writer.finish()?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_a_decodable_png() {
        let rgb = vec![200u8; 4 * 3 * 3];
        let bytes = encode_png(&rgb, (4, 3), &[("Title", "a · b")]).unwrap();
        assert_eq!(&bytes[1..4], b"PNG");
        assert!(
            !bytes.windows(4).any(|w| w == b"tIME"),
            "no timestamp chunk"
        );
        let reader = png::Decoder::new(&bytes[..]).read_info().unwrap();
        let text = reader.info().utf8_text[0].get_text().unwrap();
        assert_eq!(text, "a · b");
    }
}
