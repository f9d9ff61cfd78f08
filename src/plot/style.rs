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

/// Colours for runs and scenarios: the Okabe–Ito palette (Okabe & Ito
/// 2008, safe for the common colour-vision deficiencies) without its blue,
/// sky blue and vermillion, which a reader would take for the US or China,
/// and without its black, which marks the baseline ([`BASELINE`]).
pub const RUNS: [RGBColor; 4] = [
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(240, 228, 66),
];

/// The baseline (or reference run): black, drawn underneath the alternatives.
pub const BASELINE: RGBColor = RGBColor(0, 0, 0);
/// Context lines (other groups, markets within limits): light grey.
pub const CONTEXT: RGBColor = RGBColor(196, 199, 204);
/// Highlighted series that carry no bloc meaning (markets below the critical margin).
pub const HIGHLIGHT: RGBColor = RGBColor(230, 159, 0);

/// Colour of the `i`-th run or scenario (cycles through [`RUNS`]).
///
/// Past the palette's length colours repeat; [`series_dashed`] tells the
/// caller to dash the repeats so series stay distinguishable.
pub fn series_color(i: usize) -> RGBColor {
    RUNS[i % RUNS.len()]
}

/// Whether the `i`-th run is drawn dashed: its colour repeats an earlier run's.
pub fn series_dashed(i: usize) -> bool {
    (i / RUNS.len()) % 2 == 1
}

/// Whether `c` would read as the US's blue or China's red: a saturated
/// colour whose hue lies in the blue (190°–250°) or red (≥ 345° or ≤ 20°) range.
///
/// The palette test uses it to keep run colours from borrowing bloc meaning.
pub fn reads_as_bloc(c: RGBColor) -> bool {
    let (r, g, b) = (f64::from(c.0), f64::from(c.1), f64::from(c.2));
    let (max, min) = (r.max(g).max(b), r.min(g).min(b));
    if max < 1.0 || (max - min) / max < 0.35 {
        return false;
    }
    let d = max - min;
    let hue = if max == r {
        60.0 * ((g - b) / d).rem_euclid(6.0)
    } else if max == g {
        60.0 * ((b - r) / d + 2.0)
    } else {
        60.0 * ((r - g) / d + 4.0)
    };
    (190.0..=250.0).contains(&hue) || !(20.0..345.0).contains(&hue)
}

/// The PuOr diverging scale (ColorBrewer, colour-blind safe, free of the
/// bloc blue and red) from purple (-1) through white (0) to orange (+1).
const PUOR: [(u8, u8, u8); 7] = [
    (84, 39, 136),
    (153, 142, 195),
    (216, 218, 235),
    (247, 247, 247),
    (254, 224, 182),
    (241, 163, 64),
    (179, 88, 6),
];

/// Colour of `t` in -1..=1 on the diverging PuOr scale (clamped; NaN is light grey).
pub fn diverging(t: f64) -> RGBColor {
    if !t.is_finite() {
        return RGBColor(220, 220, 220);
    }
    let x = (t.clamp(-1.0, 1.0) + 1.0) / 2.0 * (PUOR.len() - 1) as f64;
    let i = (x.floor() as usize).min(PUOR.len() - 2);
    let f = x - i as f64;
    let lerp = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    let (a, b) = (PUOR[i], PUOR[i + 1]);
    RGBColor(lerp(a.0, b.0), lerp(a.1, b.1), lerp(a.2, b.2))
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

/// A colour for text in the colour of a line: light colours (the palette's
/// yellow, context grey) are darkened until they read on white.
pub fn ink(c: RGBColor) -> RGBColor {
    let lum = 0.299 * f64::from(c.0) + 0.587 * f64::from(c.1) + 0.114 * f64::from(c.2);
    if lum <= 150.0 {
        return c;
    }
    let k = 150.0 / lum;
    let f = |v: u8| (f64::from(v) * k).round() as u8;
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

    #[test]
    fn run_palette_has_no_bloc_colours() {
        assert!(reads_as_bloc(US) && reads_as_bloc(CN));
        assert!(
            reads_as_bloc(RGBColor(0, 114, 178)),
            "Okabe-Ito blue reads as US"
        );
        assert!(reads_as_bloc(RGBColor(213, 94, 0)) || reads_as_bloc(RGBColor(86, 180, 233)));
        for c in RUNS.iter().chain([HIGHLIGHT, BASELINE, CONTEXT].iter()) {
            assert!(!reads_as_bloc(*c), "{c:?}");
        }
        for t in [-1.0, -0.5, 0.0, 0.5, 1.0] {
            assert!(!reads_as_bloc(diverging(t)), "{t}");
        }
        assert_eq!(diverging(0.0), RGBColor(247, 247, 247));
        assert!(!series_dashed(3) && series_dashed(4) && !series_dashed(8));
    }
}
