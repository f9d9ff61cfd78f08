//! Seeded bootstrap resampling, identical at any thread count.
//!
//! Resample `k` draws its indices from a counter-based stream keyed by
//! `(seed, k)`, so resamples can be computed in parallel (rayon) and collected
//! in resample order: the confidence intervals are the same bytes with 1 or 8
//! threads. Intervals follow SALib's convention — half-width `z · sd` of the
//! bootstrap replicates, `z` the normal quantile of the confidence level — so
//! the two tools' numbers can be compared directly.

use rayon::prelude::*;

use crate::math;
use crate::rng::{derive_seed, splitmix64};

/// Bootstrap settings shared by the estimators.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bootstrap {
    /// Number of resamples (SALib's default for Sobol is 100; 1000 is steadier).
    pub resamples: usize,
    /// Confidence level in (0, 1), e.g. 0.95.
    pub confidence: f64,
    /// Seed of the resampling streams.
    pub seed: u64,
}

impl Default for Bootstrap {
    fn default() -> Self {
        Bootstrap {
            resamples: 1000,
            confidence: 0.95,
            seed: 0,
        }
    }
}

impl Bootstrap {
    /// The `n` indices (each in `0..n`) of resample `k`.
    pub fn indices(&self, k: usize, n: usize) -> Vec<usize> {
        let key = derive_seed(self.seed, &[k as u64]);
        (0..n as u64)
            .map(|i| {
                let x = splitmix64(key ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15));
                // Lemire's multiply-shift: unbiased enough for n << 2^64.
                ((u128::from(x) * n as u128) >> 64) as usize
            })
            .collect()
    }

    /// Run `stat` on every resample, in parallel, returned in resample order.
    pub fn replicate<T, F>(&self, n: usize, stat: F) -> Vec<T>
    where
        T: Send,
        F: Fn(&[usize]) -> T + Sync,
    {
        (0..self.resamples)
            .into_par_iter()
            .map(|k| stat(&self.indices(k, n)))
            .collect()
    }

    /// `z` such that a normal variable lies within ±z·sd with this confidence.
    pub fn z(&self) -> f64 {
        normal_quantile(0.5 + self.confidence / 2.0)
    }

    /// Half-width of the interval from bootstrap replicates (z · sd, ddof 1).
    pub fn half_width(&self, replicates: &[f64]) -> f64 {
        self.z() * std_dev(replicates)
    }
}

/// Sample standard deviation (ddof = 1), summed in slice order.
pub fn std_dev(x: &[f64]) -> f64 {
    if x.len() < 2 {
        return 0.0;
    }
    let m = mean(x);
    let ss: f64 = x.iter().map(|v| (v - m) * (v - m)).sum();
    (ss / (x.len() - 1) as f64).sqrt()
}

/// Arithmetic mean, summed in slice order.
pub fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

/// Inverse of the standard normal CDF (Acklam's rational approximation,
/// relative error below 1.2e-9: far below any bootstrap's own noise).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let p = p.clamp(1e-300, 1.0 - 1e-16);
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * math::ln(p)).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * math::ln(1.0 - p)).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_quantiles() {
        assert!((normal_quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-8);
        assert!((normal_quantile(0.5)).abs() < 1e-12);
        assert!((normal_quantile(0.995) - 2.575_829_303_548_901).abs() < 1e-8);
        assert!((normal_quantile(0.001) + 3.090_232_306_167_813).abs() < 1e-8);
    }

    #[test]
    fn indices_deterministic_and_uniform() {
        let b = Bootstrap {
            resamples: 3,
            confidence: 0.95,
            seed: 9,
        };
        assert_eq!(b.indices(1, 100), b.indices(1, 100));
        assert_ne!(b.indices(1, 100), b.indices(2, 100));
        let mut counts = [0usize; 10];
        for k in 0..100 {
            for i in b.indices(k, 10) {
                counts[i] += 1;
            }
        }
        // 1000 draws in 10 cells: each ~100 ± 3 sd (sd ≈ 9.5).
        assert!(
            counts.iter().all(|&c| (70..=130).contains(&c)),
            "{counts:?}"
        );
    }
}
