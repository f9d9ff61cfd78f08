//! Fonts, colours and sizes shared by every chart.
//!
//! One palette module means the US is the same blue and `cn_open` the same
//! orange in every figure, so a reader who learned the colours on the
//! dashboard can read any other chart at a glance.

use std::sync::Once;

use plotters::style::{register_font, FontStyle, RGBColor};

/// The family name every text style uses; it is bound to the embedded DejaVu Sans.
///
/// plotters' `ab_glyph` backend only knows fonts registered at run time, so
/// charts render the same on a laptop, a CI box and a Slurm node without fonts.
pub const FONT: &str = "sans-serif";

/// Default figure size in pixels: wide enough for three panels side by side,
/// small enough (≈100–200 kB) to embed several in a report.
pub const FIGURE_SIZE: (u32, u32) = (1400, 900);

static FONTS: Once = Once::new();

/// Register the embedded DejaVu Sans (regular and bold) as [`FONT`], once per process.
///
/// Called before every drawing; cheap after the first call. No system font or
/// fontconfig is ever consulted. Registration of bytes compiled into the
/// binary cannot fail in practice; if it did, drawing reports a font error
/// instead of panicking.
pub fn ensure_fonts() {
    FONTS.call_once(|| {
        let _ = register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
        let _ = register_font(FONT, FontStyle::Bold, dejavu::sans::bold());
    });
}

/// Main text colour (titles, tick labels): near-black reads softer than pure black.
pub const TEXT: RGBColor = RGBColor(33, 37, 41);
/// Secondary text (subtitles, "no data"): clearly subordinate to titles.
pub const SUBTLE: RGBColor = RGBColor(108, 117, 125);
/// Grid lines: visible enough to read values off, light enough not to compete with data.
pub const GRID: RGBColor = RGBColor(226, 228, 232);
/// Axis lines and reference thresholds (critical margin, 1.0 and 3× lines).
pub const REFERENCE: RGBColor = RGBColor(45, 45, 45);

/// United States (bloc and country): blue, the conventional colour in US–China charts.
pub const US: RGBColor = RGBColor(31, 95, 191);
/// China (bloc and country): red.
pub const CN: RGBColor = RGBColor(214, 39, 40);
/// US allies bloc: teal, related to but distinct from the US blue.
pub const ALLY: RGBColor = RGBColor(42, 157, 143);
/// Non-aligned bloc (the Global South): amber, the swing vote of the diffusion race.
pub const NONALIGNED: RGBColor = RGBColor(230, 145, 20);
/// World aggregate: dark grey, a neutral total.
pub const WORLD: RGBColor = RGBColor(70, 70, 70);

/// The bloc scopes in the order every chart lists them.
pub const BLOCS: [&str; 4] = ["US", "CN", "ALLY", "NONALIGNED"];

/// The model stacks in the order they are stacked (US first, then China, then the rest).
pub const STACKS: [&str; 5] = ["us_closed", "us_open", "cn_open", "cn_closed", "other"];

/// Colour of a bloc or world scope; unknown scopes get the neutral world grey.
pub fn bloc_color(scope: &str) -> RGBColor {
    match scope {
        "US" => US,
        "CN" => CN,
        "ALLY" => ALLY,
        "NONALIGNED" => NONALIGNED,
        _ => WORLD,
    }
}

/// Reader-facing name of a scope: "China" says more to a newcomer than `CN`.
pub fn bloc_label(scope: &str) -> String {
    match scope {
        "US" => "US".into(),
        "CN" => "China".into(),
        "ALLY" => "US allies".into(),
        "NONALIGNED" => "Non-aligned (Global South)".into(),
        "world" => "World".into(),
        other => other.into(),
    }
}

/// Colour of a model stack: US stacks are blues, Chinese stacks reds/oranges,
/// so a stacked area reads as "how much is American vs Chinese" at a glance.
pub fn stack_color(stack: &str) -> RGBColor {
    match stack {
        "us_closed" => RGBColor(20, 60, 140),
        "us_open" => RGBColor(110, 165, 225),
        "cn_open" => RGBColor(240, 120, 60),
        "cn_closed" => RGBColor(160, 25, 30),
        _ => RGBColor(165, 165, 165),
    }
}

/// Reader-facing name of a model stack.
pub fn stack_label(stack: &str) -> String {
    match stack {
        "us_closed" => "US closed".into(),
        "us_open" => "US open".into(),
        "cn_open" => "China open".into(),
        "cn_closed" => "China closed".into(),
        "other" => "Other".into(),
        s => s.into(),
    }
}

/// A qualitative palette (Tableau 10 order, reordered so neighbours contrast)
/// for series that carry no bloc meaning: runs in a comparison, power markets.
const QUALITATIVE: [RGBColor; 12] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(0, 0, 0),
    RGBColor(174, 199, 232),
];

/// Colour of the `i`-th series in a palette without bloc meaning.
///
/// Cycles after 12; callers dash the second cycle so series stay distinguishable.
pub fn series_color(i: usize) -> RGBColor {
    QUALITATIVE[i % QUALITATIVE.len()]
}

/// Viridis colour map sampled at 9 stops: perceptually uniform and readable
/// by colour-blind readers, so a heatmap cell's shade is its value.
const VIRIDIS: [(u8, u8, u8); 9] = [
    (68, 1, 84),
    (71, 44, 122),
    (59, 81, 139),
    (44, 113, 142),
    (33, 144, 141),
    (39, 173, 129),
    (92, 200, 99),
    (170, 220, 50),
    (253, 231, 37),
];

/// Colour of `t` in 0..=1 on the viridis map (clamped; NaN maps to light grey).
pub fn viridis(t: f64) -> RGBColor {
    if !t.is_finite() {
        return RGBColor(220, 220, 220);
    }
    let x = t.clamp(0.0, 1.0) * (VIRIDIS.len() - 1) as f64;
    let i = (x.floor() as usize).min(VIRIDIS.len() - 2);
    let f = x - i as f64;
    let lerp = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    RGBColor(lerp(a.0, b.0), lerp(a.1, b.1), lerp(a.2, b.2))
}

/// `c` blended towards white by `amount` (0 = unchanged, 1 = white).
///
/// Used for opaque fills (stacked areas, bands) so overlapping layers never
/// blend into muddy mixtures the legend cannot explain.
pub fn lighten(c: RGBColor, amount: f64) -> RGBColor {
    let f = |v: u8| (v as f64 + (255.0 - v as f64) * amount.clamp(0.0, 1.0)).round() as u8;
    RGBColor(f(c.0), f(c.1), f(c.2))
}

/// Whether text drawn on `c` should be white (dark background) rather than dark.
pub fn is_dark(c: RGBColor) -> bool {
    0.299 * f64::from(c.0) + 0.587 * f64::from(c.1) + 0.114 * f64::from(c.2) < 140.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viridis_ends_and_clamps() {
        assert_eq!(viridis(0.0), RGBColor(68, 1, 84));
        assert_eq!(viridis(1.0), RGBColor(253, 231, 37));
        assert_eq!(viridis(7.0), viridis(1.0));
        assert_eq!(viridis(f64::NAN), RGBColor(220, 220, 220));
    }

    #[test]
    fn blocs_have_distinct_colours() {
        let mut c: Vec<_> = BLOCS
            .iter()
            .chain(["world"].iter())
            .map(|b| bloc_color(b))
            .collect();
        c.dedup();
        assert_eq!(c.len(), 5);
        assert!(is_dark(US) && !is_dark(lighten(US, 0.9)));
    }
}
