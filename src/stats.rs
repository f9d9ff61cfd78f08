//! Small statistics shared by every multi-run summary: quantiles and the
//! mean / 5–95% / standard deviation of replicate values.
//!
//! Sweep bands and scenario tables both describe "the spread across seeds";
//! one implementation means one definition of a 5th percentile in every
//! output. Sums run in the order the caller gives (no parallel reduction), so
//! the same values always give the same bits.

/// Quantile `q` of sorted values, linear between order statistics
/// (Hyndman–Fan type 7, the default of R and numpy).
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let h = q.clamp(0.0, 1.0) * (n - 1) as f64;
            let (lo, frac) = (h.floor() as usize, h - h.floor());
            let hi = (lo + 1).min(n - 1);
            sorted[lo] + frac * (sorted[hi] - sorted[lo])
        }
    }
}

/// Mean, 5th and 95th percentile and standard deviation of replicate values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    /// Arithmetic mean.
    pub mean: f64,
    /// 5th percentile (linear interpolation between order statistics).
    pub p05: f64,
    /// 95th percentile.
    pub p95: f64,
    /// Sample standard deviation (n − 1).
    pub sd: f64,
    /// Number of values.
    pub n: usize,
}

/// Summarise replicate values. The mean sums `values` in the order given, so
/// callers that want a particular order (e.g. sorted) pass it that way.
pub fn summarise(values: &[f64]) -> Summary {
    let n = values.len();
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let mean = if n > 0 {
        values.iter().sum::<f64>() / n as f64
    } else {
        f64::NAN
    };
    let sd = if n > 1 {
        (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
    } else {
        0.0
    };
    Summary {
        mean,
        p05: quantile(&sorted, 0.05),
        p95: quantile(&sorted, 0.95),
        sd,
        n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_interpolates_like_numpy() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile(&v, 0.5), 3.0);
        assert!((quantile(&v, 0.05) - 1.2).abs() < 1e-12);
        assert!(quantile(&[], 0.5).is_nan());
        assert_eq!(quantile(&[7.0], 0.9), 7.0);
    }

    #[test]
    fn summary_of_replicates() {
        let s = summarise(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]);
        assert_eq!(s.mean, 5.0);
        assert_eq!(s.n, 8);
        assert!((s.sd - 2.138089935299395).abs() < 1e-12);
    }
}
