//! The y axis a panel chooses: range, ticks, log or linear.
//!
//! The chart rules live here, so they apply to every panel alike:
//! non-negative quantities start at zero, counts get whole-number ticks,
//! shares never run past 100%, ratios get a log axis (their 1× line is drawn
//! by the caller), and a range fixed by the figure (mirrored index panels)
//! wins over the data. Every computation survives any finite input: values
//! near ±1e308 (whose difference overflows), subnormals, a single point,
//! constant or all-zero series.

use std::ops::Range;

use super::axis::{integer_range, log_ticks, nice_range, YFormat};
use super::panel::{Kind, Panel};

/// The y axis a panel draws: its range, its tick positions, and whether it is log10.
#[derive(Clone, Debug, PartialEq)]
pub struct YAxisChoice {
    /// Bottom and top of the axis in data units.
    pub range: Range<f64>,
    /// Tick positions.
    pub ticks: Vec<f64>,
    /// Log10 axis (ratios).
    pub log: bool,
}

/// `a + b` that saturates at ±f64::MAX instead of overflowing to infinity.
fn sat_add(a: f64, b: f64) -> f64 {
    (a + b).clamp(-f64::MAX, f64::MAX)
}

/// Stacked layers as cumulative sums, bottom layer first (saturating).
pub(crate) fn stack_layers(p: &Panel) -> Vec<Vec<(u32, f64)>> {
    let mut acc: std::collections::BTreeMap<u32, f64> = Default::default();
    let mut layers = Vec::with_capacity(p.series.len());
    for s in &p.series {
        for &(t, v) in &s.points {
            let e = acc.entry(t).or_insert(0.0);
            if v.is_finite() {
                *e = sat_add(*e, v);
            }
        }
        layers.push(s.points.iter().map(|&(t, _)| (t, acc[&t])).collect());
    }
    layers
}

/// Every finite value a panel shows (series or stacked sums, bands, thresholds).
fn values(p: &Panel) -> Vec<f64> {
    let mut vals: Vec<f64> = p.refs.iter().map(|r| r.value).collect();
    match p.kind {
        Kind::Stacked => vals.extend(stack_layers(p).iter().flatten().map(|pt| pt.1)),
        _ => vals.extend(p.series.iter().flat_map(|s| s.points.iter().map(|pt| pt.1))),
    }
    vals.extend(
        p.bands
            .iter()
            .flat_map(|b| b.points.iter().flat_map(|pt| [pt.1, pt.2])),
    );
    vals.retain(|v| v.is_finite());
    vals
}

/// The data extent, padded by 5%, anchored at 0 for non-negative data when
/// `zero_based`, and capped at 100% for shares.
pub(crate) fn y_extent(p: &Panel) -> Range<f64> {
    let vals = values(p);
    let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (mut lo, mut hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
    if hi / 2.0 - lo / 2.0 < 1e-300 || (hi - lo) <= hi.abs().max(lo.abs()) * 1e-12 {
        let d = if lo.abs() > 1e-300 {
            lo.abs() * 0.1
        } else {
            0.5
        };
        (lo, hi) = (sat_add(lo, -d), sat_add(hi, d));
    }
    let pad = (hi / 2.0 - lo / 2.0) * 0.1;
    let anchored = p.zero_based && lo >= 0.0;
    let bottom = if anchored { 0.0 } else { sat_add(lo, -pad) };
    let top = if p.y_format == YFormat::Percent && hi <= 1.0 && lo >= 0.0 {
        sat_add(hi, pad).min(1.0)
    } else {
        sat_add(hi, pad)
    };
    bottom..top
}

/// The positive extent of a ratio panel (drawn on a log axis), or `None`
/// when the panel is not a ratio or has non-positive values (then linear).
fn log_extent(p: &Panel) -> Option<Range<f64>> {
    if p.y_format != YFormat::Multiple || p.kind != Kind::Lines {
        return None;
    }
    let vals = values(p);
    let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let wide = p.log || hi / lo > 30.0;
    let ok = lo > 1e-290 && hi < 1e290 && lo.is_finite() && hi.is_finite();
    if !(wide && ok) {
        return None;
    }
    // At least a factor of 4 overall so a flat ratio still reads as a level.
    let (mut a, mut b) = (lo / 1.25, hi * 1.25);
    if b / a < 4.0 {
        let g = (4.0 / (b / a)).sqrt();
        (a, b) = (a / g, b * g);
    }
    Some(a..b)
}

/// The y axis `p` draws, with about `ticks_wanted` ticks.
pub(crate) fn choose(p: &Panel, ticks_wanted: usize) -> YAxisChoice {
    if let Some(r) = p.fixed_y.clone() {
        if p.log && p.y_format == YFormat::Multiple && r.start > 0.0 && r.end.is_finite() {
            return YAxisChoice {
                ticks: log_ticks(&r),
                range: r,
                log: true,
            };
        }
        let (range, ticks) = nice_range(r, ticks_wanted);
        return YAxisChoice {
            range,
            ticks,
            log: false,
        };
    }
    if let Some(r) = log_extent(p) {
        let ticks = log_ticks(&r);
        return YAxisChoice {
            range: r,
            ticks,
            log: true,
        };
    }
    let (range, ticks) = if p.integer {
        let e = y_extent(p);
        // A count axis spans at least 0..2 so one step is never "0.5 markets".
        let e = e.start..e.end.max(e.start + 2.0);
        integer_range(e, ticks_wanted)
    } else {
        nice_range(y_extent(p), ticks_wanted)
    };
    YAxisChoice {
        range,
        ticks,
        log: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::panel::Series;
    use crate::plot::style;

    fn panel(vals: &[f64], fmt: YFormat) -> Panel {
        let pts = vals
            .iter()
            .enumerate()
            .map(|(i, v)| (i as u32, *v))
            .collect();
        Panel::lines("t", "y", fmt).with(Series::new("a", style::US, pts))
    }

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
        let mut p = panel(&[0.5, 0.6], YFormat::Number);
        p.zero_based = false;
        let r = y_extent(&p);
        assert!(r.start > 0.4 && r.end < 0.7, "{r:?}");
        let p = p.with_ref("line", 1.0);
        assert!(y_extent(&p).end > 1.0);
    }

    #[test]
    fn counts_get_whole_ticks_and_ratios_log() {
        let mut p = panel(&[8.0, 11.0, 9.0], YFormat::Number);
        p.integer = true;
        let c = choose(&p, 6);
        assert_eq!(c.range.start, 0.0);
        assert!(c.ticks.iter().all(|t| t.fract() == 0.0), "{:?}", c.ticks);
        let mut p = panel(&[0.5, 0.9, 2.0], YFormat::Multiple);
        p.log = true;
        assert!(choose(&p, 6).log);
        let p = panel(&[1.0, 1.0], YFormat::Number);
        assert_eq!(choose(&p, 6).range.start, 0.0);
    }

    #[test]
    fn extreme_values_give_finite_small_axes() {
        let cases: [&[f64]; 8] = [
            &[1e308, -1e308],
            &[f64::MAX, f64::MAX],
            &[-f64::MAX],
            &[1e-310, 2e-310],
            &[0.0, 0.0],
            &[5.0],
            &[1e308, 1e308, 0.0],
            &[-1e-300, 1e300],
        ];
        for vals in cases {
            for fmt in [YFormat::Number, YFormat::Percent, YFormat::Multiple] {
                for integer in [false, true] {
                    let mut p = panel(vals, fmt);
                    p.integer = integer;
                    p.log = fmt == YFormat::Multiple;
                    let c = choose(&p, 6);
                    assert!(
                        c.range.start.is_finite() && c.range.end.is_finite(),
                        "{vals:?}"
                    );
                    assert!(c.range.start < c.range.end, "{vals:?} {c:?}");
                    assert!(c.ticks.len() <= 70, "{vals:?}: {} ticks", c.ticks.len());
                }
            }
        }
    }
}
