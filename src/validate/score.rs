//! Scoring: from replicate time series to one row per target.
//!
//! A target is judged on the model's *mean* over replicates (inside its
//! range or not), and the 5–95% band over replicates is reported beside it so
//! a reader can tell a miss by a mile from a miss within seed noise. The
//! normalised error puts targets of different units on one scale: the model
//! mean's distance from the observed value in half-widths of the trusted
//! range on the side of the miss, so |error| ≤ 1 exactly when the mean is
//! inside the range.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::targets::{Reduce, Resolved, Use};
use crate::io::timeseries::Timeseries;

/// Values of the (metric, scope) pairs targets need, per tick.
pub type Series = BTreeMap<(String, String), Vec<f64>>;

/// Keep the series the targets read (a whole run has thousands of rows per tick).
pub fn extract(ts: &Timeseries, targets: &[Resolved], ticks: u32) -> Series {
    let mut out: Series = BTreeMap::new();
    for t in targets {
        let pairs = std::iter::once((t.target.metric.clone(), t.target.scope.clone()))
            .chain(t.plus.iter().cloned())
            .chain(t.share_of.iter().cloned());
        for p in pairs {
            out.entry(p)
                .or_insert_with(|| vec![f64::NAN; ticks as usize]);
        }
    }
    for r in ts.rows() {
        if let Some(v) = out.get_mut(&(r.metric.to_string(), r.scope.to_string())) {
            if let Some(slot) = v.get_mut(r.tick as usize) {
                *slot = r.value;
            }
        }
    }
    out
}

/// The target's observable in one run, in the source's measure.
pub fn observe(t: &Resolved, s: &Series) -> f64 {
    let at = |tick: u32| -> f64 {
        let get = |m: &str, sc: &str| {
            s.get(&(m.to_string(), sc.to_string()))
                .and_then(|v| v.get(tick as usize).copied())
                .unwrap_or(f64::NAN)
        };
        let x = get(&t.target.metric, &t.target.scope)
            + t.plus.iter().map(|(m, sc)| get(m, sc)).sum::<f64>();
        if t.share_of.is_empty() {
            return x;
        }
        let denom: f64 = t.share_of.iter().map(|(m, sc)| get(m, sc)).sum();
        if denom != 0.0 {
            x / denom
        } else {
            f64::NAN
        }
    };
    let (a, b) = (at(t.first), at(t.last));
    let years = (t.last - t.first) as f64 / 4.0;
    let v = match t.target.reduce {
        Reduce::Mean => {
            let n = (t.last - t.first + 1) as f64;
            (t.first..=t.last).map(at).sum::<f64>() / n
        }
        Reduce::Last => b,
        Reduce::Change => b - a,
        Reduce::Growth => b / a,
        Reduce::ChangePerYear => (b - a) / years,
    };
    v * t.target.factor
}

/// One scored target.
#[derive(Clone, Debug, PartialEq)]
pub struct Scored {
    /// Target id.
    pub id: String,
    /// Area (from its file).
    pub area: String,
    /// Fit or check.
    pub use_: Use,
    /// `metric@scope` as read.
    pub observable: String,
    /// Period or window as written.
    pub when: String,
    /// Observed value.
    pub target: f64,
    /// Trusted range of the observed value.
    pub range: [f64; 2],
    /// Model mean over replicates (in the source's measure).
    pub mean: f64,
    /// 5th percentile over replicates.
    pub p05: f64,
    /// 95th percentile over replicates.
    pub p95: f64,
    /// Model mean within the range.
    pub inside: bool,
    /// Signed distance of the mean from the target in half-widths of the range.
    pub error: f64,
    /// Source, as written.
    pub source: String,
    /// Mapping from model to source, as written.
    pub mapping: String,
}

pub use crate::stats::quantile;

/// Signed error in half-widths of the range on the side of the miss.
pub fn normalised_error(mean: f64, value: f64, range: [f64; 2]) -> f64 {
    let half = if mean >= value {
        range[1] - value
    } else {
        value - range[0]
    };
    if half > 0.0 {
        (mean - value) / half
    } else if mean == value {
        0.0
    } else {
        f64::INFINITY.copysign(mean - value)
    }
}

/// Score one target from its observable in each replicate.
pub fn score(t: &Resolved, values: &[f64]) -> Scored {
    let mut sorted: Vec<f64> = values.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let mean = values.iter().sum::<f64>() / values.len().max(1) as f64;
    let tg = &t.target;
    let when = match (&tg.period, &tg.window) {
        (Some(p), _) => p.clone(),
        (_, Some([a, b])) => format!("{a}..{b}"),
        _ => String::new(),
    };
    let mut observable = format!("{}@{}", tg.metric, tg.scope);
    for p in &tg.plus {
        observable.push_str(" + ");
        observable.push_str(p);
    }
    if !t.share_of.is_empty() {
        observable.push_str(" / sum of ");
        observable.push_str(&tg.share_of.join(" + "));
    }
    Scored {
        id: tg.id.clone(),
        area: t.area.clone(),
        use_: tg.use_,
        observable,
        when,
        target: tg.value,
        range: tg.range,
        mean,
        p05: quantile(&sorted, 0.05),
        p95: quantile(&sorted, 0.95),
        inside: mean >= tg.range[0] && mean <= tg.range[1],
        error: normalised_error(mean, tg.value, tg.range),
        source: tg.source.clone(),
        mapping: tg.mapping.clone(),
    }
}

/// Count of targets inside their range, and of all, for one use.
pub fn tally(rows: &[Scored], use_: Use) -> (usize, usize) {
    let of: Vec<&Scored> = rows.iter().filter(|r| r.use_ == use_).collect();
    (of.iter().filter(|r| r.inside).count(), of.len())
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// `validation.csv`: one row per target, fit targets first within each area.
pub fn to_csv(rows: &[Scored]) -> String {
    let mut out = String::from(
        "id,area,use,observable,when,target,range_lo,range_hi,model_mean,model_p05,model_p95,inside,normalised_error,source\n",
    );
    let f = crate::io::timeseries::format_value;
    for r in rows {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            csv_field(&r.id),
            csv_field(&r.area),
            r.use_.label(),
            csv_field(&r.observable),
            csv_field(&r.when),
            f(r.target),
            f(r.range[0]),
            f(r.range[1]),
            f(r.mean),
            f(r.p05),
            f(r.p95),
            r.inside,
            f(r.error),
            csv_field(&r.source),
        );
    }
    out
}

/// A number for reading: 3 significant digits, plain below a million.
pub fn short(v: f64) -> String {
    let a = v.abs();
    if !v.is_finite() {
        format!("{v}")
    } else if a >= 1e6 {
        format!("{v:.2e}")
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// The README table (Markdown), check targets first, then fit.
pub fn to_markdown(rows: &[Scored], replicates: usize) -> String {
    let (ci, cn) = tally(rows, Use::Check);
    let (fi, fnn) = tally(rows, Use::Fit);
    let mut out = format!(
        "Hindcast 2023Q1–2025Q4 (`configs/history.toml`), {replicates} replicates: \
         **{ci} of {cn} held-out check targets inside their range**; {fi} of {fnn} fit targets.\n\n\
         | use | target | when | observed (range) | model mean [5–95%] | inside |\n|---|---|---|---|---|---|\n"
    );
    for u in [Use::Check, Use::Fit] {
        for r in rows.iter().filter(|r| r.use_ == u) {
            let _ = writeln!(
                out,
                "| {} | `{}` | {} | {} ({}–{}) | {} [{}–{}] | {} |",
                u.label(),
                r.id,
                r.when,
                short(r.target),
                short(r.range[0]),
                short(r.range[1]),
                short(r.mean),
                short(r.p05),
                short(r.p95),
                if r.inside { "yes" } else { "**no**" }
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalised_error_is_one_at_the_range_edges() {
        let r = [2.0, 6.0];
        assert_eq!(normalised_error(6.0, 4.0, r), 1.0);
        assert_eq!(normalised_error(2.0, 4.0, r), -1.0);
        assert_eq!(normalised_error(5.0, 4.0, r), 0.5);
        let asym = [3.0, 10.0];
        assert_eq!(normalised_error(3.5, 4.0, asym), -0.5);
        assert_eq!(normalised_error(7.0, 4.0, asym), 0.5);
    }

    #[test]
    fn quantiles_interpolate() {
        let v: Vec<f64> = (0..11).map(f64::from).collect();
        assert_eq!(quantile(&v, 0.05), 0.5);
        assert_eq!(quantile(&v, 0.95), 9.5);
        assert_eq!(quantile(&[3.0], 0.05), 3.0);
    }

    #[test]
    fn csv_quotes_fields_with_commas() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"x\", y"), "\"say \"\"x\"\", y\"");
    }
}
