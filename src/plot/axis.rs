//! Axes: where ticks go and how their labels read.
//!
//! The time axis puts a tick at the first quarter of each year (thinned to
//! fit), labelled with the calendar period, because "2031Q1" means something
//! to a reader and "tick 20" does not. Value axes use "nice" steps (1, 2,
//! 2.5, 5 × 10ⁿ) and print shares as percentages and large counts with
//! k/M/B/T suffixes.

use std::collections::BTreeMap;
use std::ops::Range;

use crate::math;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;

/// How the value labels of an axis are written.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum YFormat {
    /// Values in 0..1 shown as percentages.
    Percent,
    /// Plain numbers with k/M/B/T suffixes for large magnitudes.
    Number,
    /// Ratios shown with a `×` suffix.
    Multiple,
}

/// A linear f64 axis whose ticks (and grid lines) sit exactly at `keys`.
///
/// plotters' own `with_key_points` wrapper loses the default label
/// formatting on f64 axes (so `configure_mesh` is unavailable); this small
/// type keeps it, so x ticks fall on year starts, y ticks on nice values and
/// heatmap ticks on cell centres.
///
/// With `log` set, positions are proportional to log10 of the value, for
/// ratios that span orders of magnitude (a self-sufficiency ratio going from
/// 0.5 to 200 would otherwise flatten the 1.0 line into the axis).
#[derive(Clone)]
pub(crate) struct KeyAxis {
    inner: RangedCoordf64,
    range: Range<f64>,
    keys: Vec<f64>,
    log: bool,
}

impl KeyAxis {
    /// A linear axis over `range` with ticks at `keys`.
    pub fn new(range: Range<f64>, keys: Vec<f64>) -> Self {
        KeyAxis {
            inner: range.clone().into(),
            range,
            keys,
            log: false,
        }
    }

    /// A log10 axis over `range` (both ends > 0) with ticks at `keys`.
    pub fn log(range: Range<f64>, keys: Vec<f64>) -> Self {
        let inner = (math::log10(range.start)..math::log10(range.end)).into();
        KeyAxis {
            inner,
            range,
            keys,
            log: true,
        }
    }
}

impl Ranged for KeyAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        if self.log {
            // Non-positive values cannot be shown on a log axis; pin them to the bottom.
            self.inner
                .map(&math::log10(value.max(self.range.start)), limit)
        } else {
            self.inner.map(value, limit)
        }
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.keys.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.range.clone()
    }
}

/// Ticks for a log axis over `range` (both ends > 0): 1-2-5 per decade when
/// the range spans at most three decades, powers of ten otherwise.
pub(crate) fn log_ticks(range: &Range<f64>) -> Vec<f64> {
    let (lo, hi) = (
        math::log10(range.start).floor() as i32,
        math::log10(range.end).ceil() as i32,
    );
    let mantissas: &[f64] = if math::log10(range.end / range.start) <= 3.0 {
        &[1.0, 2.0, 5.0]
    } else {
        &[1.0]
    };
    // Past a dozen decades, label every k-th power of ten only.
    let every = ((hi - lo) / 12 + 1).max(1) as usize;
    let mut ticks = Vec::new();
    for e in (lo..=hi).step_by(every) {
        for m in mantissas {
            let v = m * 10f64.powi(e);
            if v >= range.start * (1.0 - 1e-9) && v <= range.end * (1.0 + 1e-9) {
                ticks.push(v);
            }
        }
    }
    ticks
}

/// The shared time axis: tick numbers with their calendar labels.
#[derive(Clone, Debug)]
pub(crate) struct XAxis {
    labels: BTreeMap<u32, String>,
}

impl XAxis {
    /// Build from `Timeseries::periods()`-style (tick, label) pairs.
    pub fn new(periods: &[(u32, String)]) -> Self {
        XAxis {
            labels: periods.iter().cloned().collect(),
        }
    }

    /// First to last tick (a unit range around a single tick).
    pub fn range(&self) -> Range<f64> {
        let first = self.labels.keys().next().copied().unwrap_or(0) as f64;
        let last = self.labels.keys().next_back().copied().unwrap_or(0) as f64;
        if last > first {
            first..last
        } else {
            first - 0.5..first + 0.5
        }
    }

    /// Ticks to label: the first quarter of each year (every 4th tick if
    /// the labels are not quarters), every k-th year so labels ~72 px apart
    /// never collide, counted back from the end; the last tick (the end of
    /// the horizon) is always labelled, so the axis reads to where the data stops.
    pub fn key_ticks(&self, plot_width: u32) -> Vec<f64> {
        let all: Vec<u32> = self.labels.keys().copied().collect();
        let Some(&last) = all.last() else {
            return Vec::new();
        };
        let mut years: Vec<u32> = self
            .labels
            .iter()
            .filter(|(_, l)| l.ends_with("Q1"))
            .map(|(t, _)| *t)
            .collect();
        if years.len() < 4 {
            // A short horizon: every quarter is a candidate label.
            years = all.clone();
        }
        let r = self.range();
        let px_per_tick = f64::from(plot_width.max(1)) / (r.end - r.start).max(1.0);
        let min_px = 72.0;
        let per_label = years.windows(2).map(|w| w[1] - w[0]).min().unwrap_or(4);
        let k = (min_px / (px_per_tick * f64::from(per_label.max(1))))
            .ceil()
            .clamp(1.0, 1e6) as usize;
        let mut ticks: Vec<u32> = years.iter().rev().step_by(k).copied().collect();
        ticks.reverse();
        if ticks.last() != Some(&last) {
            let too_close = ticks
                .last()
                .is_some_and(|&t| f64::from(last - t) * px_per_tick < min_px);
            if too_close && ticks.len() > 1 {
                ticks.pop();
            } else if too_close {
                ticks.clear();
            }
            ticks.push(last);
        }
        ticks.into_iter().map(f64::from).collect()
    }

    /// Calendar label of the tick nearest `x` (empty if unknown).
    pub fn label(&self, x: f64) -> String {
        let t = x.round();
        if t < 0.0 {
            return String::new();
        }
        self.labels.get(&(t as u32)).cloned().unwrap_or_default()
    }
}

/// A "nice" tick step (1, 2, 2.5 or 5 × 10ⁿ) giving about `target` ticks over `span`.
///
/// Always finite and positive: a span that is zero, not finite, or so small
/// or large that its step would under- or overflow gets a usable fallback.
pub(crate) fn nice_step(span: f64, target: usize) -> f64 {
    if span.is_nan() || span <= 0.0 || span.is_infinite() {
        return 1.0;
    }
    let raw = span / target.max(1) as f64;
    let mag = math::exp10(math::log10(raw).floor());
    if !(mag.is_finite() && mag > 0.0) {
        return if raw.is_finite() && raw > 0.0 {
            raw
        } else {
            1.0
        };
    }
    let m = match raw / mag {
        n if n <= 1.0 => 1.0,
        n if n <= 2.0 => 2.0,
        n if n <= 2.5 => 2.5,
        n if n <= 5.0 => 5.0,
        _ => 10.0,
    };
    let step = m * mag;
    if step.is_finite() && step > 0.0 {
        step
    } else {
        raw
    }
}

/// A nice step of whole numbers (1, 2, 5 × 10ⁿ, at least 1), for counts:
/// no axis says "2.5 markets".
pub(crate) fn integer_step(span: f64, target: usize) -> f64 {
    let s = nice_step(span, target).max(1.0);
    let mag = math::exp10(math::log10(s).floor());
    if (s / mag - 2.5).abs() < 1e-9 {
        5.0 * mag
    } else {
        s
    }
}

/// Most ticks an axis ever gets; more means the range or step was degenerate.
const MAX_TICKS: usize = 64;

/// Widen `range` outward to multiples of its nice step; return it with the ticks.
pub(crate) fn nice_range(range: Range<f64>, target: usize) -> (Range<f64>, Vec<f64>) {
    stepped_range(range, target, nice_step)
}

/// [`nice_range`] with whole-number steps, for counts.
pub(crate) fn integer_range(range: Range<f64>, target: usize) -> (Range<f64>, Vec<f64>) {
    stepped_range(range, target, integer_step)
}

/// Widen `range` to multiples of `step_of(span, target)` and list the ticks.
///
/// Never panics and never returns more than [`MAX_TICKS`] ticks: any finite
/// range works, however huge (±1e308, where `end - start` overflows) or tiny
/// (1e-310, where the step underflows); a non-finite or empty range becomes 0..1.
fn stepped_range(
    range: Range<f64>,
    target: usize,
    step_of: fn(f64, usize) -> f64,
) -> (Range<f64>, Vec<f64>) {
    let (lo, hi) = (range.start, range.end);
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return (0.0..1.0, vec![0.0, 0.5, 1.0]);
    }
    // Halve before subtracting so ±1e308 does not overflow to infinity.
    let span = (hi / 2.0 - lo / 2.0) * 2.0;
    let step = step_of(span, target);
    let a = (lo / step + 1e-9).floor();
    let b = (hi / step - 1e-9).ceil();
    let n = b - a;
    let (lo2, hi2) = (a * step, b * step);
    if !(n.is_finite() && n >= 1.0 && n <= MAX_TICKS as f64 && lo2.is_finite() && hi2.is_finite()) {
        // Degenerate (overflowing ends, step lost to rounding): keep the raw
        // range and put evenly spaced ticks on it.
        let k = target.clamp(2, MAX_TICKS);
        let ticks = (0..=k)
            .map(|i| lo + (hi / k as f64 - lo / k as f64) * i as f64)
            .collect();
        return (lo..hi, ticks);
    }
    let ticks = (0..=n as i64)
        .map(|k| (a + k as f64) * step)
        .map(|v| if v.abs() < step * 1e-9 { 0.0 } else { v })
        .collect();
    (lo2..hi2, ticks)
}

/// Decimals needed to print multiples of `step` exactly (at most 4).
fn decimals_for(step: f64) -> usize {
    (0..4)
        .find(|&d| {
            ((step * 10f64.powi(d as i32)).round() - step * 10f64.powi(d as i32)).abs() < 1e-6
        })
        .unwrap_or(4)
}

/// Format an axis value. `step` (the tick step) sets the decimals and
/// `scale` (the largest magnitude on the axis) the suffix, so every label on
/// one axis shares a unit ("500k, 1.0M" never happens). Zero is plain "0".
pub(crate) fn format_tick(v: f64, step: f64, scale: f64, fmt: YFormat) -> String {
    match fmt {
        _ if v == 0.0 => match fmt {
            YFormat::Percent => "0%".into(),
            YFormat::Multiple => "0×".into(),
            YFormat::Number => "0".into(),
        },
        YFormat::Percent => format!("{:.*}%", decimals_for(step * 100.0), v * 100.0),
        YFormat::Multiple => format!("{:.*}×", decimals_for(step), v),
        YFormat::Number => format_number(v, step, scale),
    }
}

/// Divisor and suffix for numbers of magnitude `scale` (k only from 10 000,
/// so years and small counts stay plain).
fn suffix_for(scale: f64) -> (f64, &'static str) {
    match scale {
        s if s >= 1e12 => (1e12, "T"),
        s if s >= 1e9 => (1e9, "B"),
        s if s >= 1e6 => (1e6, "M"),
        s if s >= 1e4 => (1e3, "k"),
        _ => (1.0, ""),
    }
}

/// A number with a k/M/B/T suffix chosen from `scale` (the axis magnitude)
/// and decimals from the tick `step`, so a compute axis reads "2.5M" rather
/// than "2500000".
pub(crate) fn format_number(v: f64, step: f64, scale: f64) -> String {
    if scale.abs() >= 1e15 {
        // Beyond trillions no suffix helps; only pathological inputs get here.
        return format!("{v:.1e}");
    }
    let (div, suffix) = suffix_for(scale.abs());
    let s = format!("{:.*}{suffix}", decimals_for(step / div), v / div);
    // "-0" reads like a bug on an axis.
    match s.strip_prefix('-') {
        Some(rest) if rest.strip_suffix(suffix).unwrap_or(rest).parse::<f64>() == Ok(0.0) => {
            rest.to_string()
        }
        _ => s,
    }
}

/// A value with about three significant digits, for heatmap cells.
pub(crate) fn format_short(v: f64) -> String {
    let (div, suffix) = suffix_for(v.abs());
    let x = v / div;
    let d = match x.abs() {
        a if a >= 100.0 => 0,
        a if a >= 10.0 => 1,
        a if a >= 1.0 => 2,
        _ => 3,
    };
    let s = format!("{x:.d$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        &s
    };
    let s = if s == "-0" { "0" } else { s };
    format!("{s}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps_and_ranges() {
        assert_eq!(nice_step(1.0, 5), 0.2);
        assert_eq!(nice_step(0.78, 5), 0.2);
        assert_eq!(nice_step(40.0, 5), 10.0);
        let (r, t) = nice_range(0.0..0.78, 5);
        assert_eq!(r, 0.0..0.8);
        assert_eq!(t.len(), 5);
        let (r, _) = nice_range(-3.2..9.1, 5);
        assert_eq!(r, -5.0..10.0);
        let (r, t) = nice_range(0.0..10.4, 5);
        assert_eq!((r.start, t[0]), (0.0, 0.0), "a zero bound stays at zero");
    }

    #[test]
    fn log_ticks_cover_decades() {
        assert_eq!(
            log_ticks(&(0.4..250.0)),
            vec![0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0]
        );
        assert_eq!(
            log_ticks(&(0.05..5000.0)),
            vec![0.1, 1.0, 10.0, 100.0, 1000.0]
        );
        let a = KeyAxis::log(1.0..100.0, vec![]);
        assert_eq!(a.map(&10.0, (0, 100)), 50);
        assert_eq!(a.map(&-3.0, (0, 100)), 0);
    }

    #[test]
    fn labels_read_naturally() {
        assert_eq!(format_number(2_500_000.0, 500_000.0, 3e6), "2.5M");
        assert_eq!(format_number(500_000.0, 500_000.0, 3e6), "0.5M");
        assert_eq!(format_number(12.0, 2.0, 20.0), "12");
        assert_eq!(format_number(-0.0001, 0.1, 1.0), "0.0");
        assert_eq!(format_tick(0.0, 5e5, 3e6, YFormat::Number), "0");
        assert_eq!(format_tick(0.25, 0.05, 1.0, YFormat::Percent), "25%");
        assert_eq!(format_tick(0.125, 0.025, 1.0, YFormat::Percent), "12.5%");
        assert_eq!(format_tick(3.0, 0.5, 5.0, YFormat::Multiple), "3.0×");
        assert_eq!(format_short(0.5), "0.5");
        assert_eq!(format_short(0.123456), "0.123");
        assert_eq!(format_short(2.5e6), "2.5M");
        assert_eq!(format_short(-0.0001), "0");
        assert_eq!(format_short(37.25), "37.2");
    }

    #[test]
    fn x_ticks_are_year_starts_and_thin_out() {
        let periods: Vec<(u32, String)> = (0..40)
            .map(|t| (t, crate::io::timeseries::period_label(2026, 1, t)))
            .collect();
        let x = XAxis::new(&periods);
        // Ten year starts, and the end of the horizon labelled too.
        let wide = x.key_ticks(2000);
        assert_eq!(wide.len(), 11);
        assert_eq!(x.label(*wide.last().unwrap()), "2035Q4");
        let narrow = x.key_ticks(300);
        assert!(narrow.len() <= 5, "{narrow:?}");
        assert_eq!(x.label(*narrow.last().unwrap()), "2035Q4");
        assert_eq!(x.label(4.0), "2027Q1");
        assert_eq!(x.range(), 0.0..39.0);
    }
}
