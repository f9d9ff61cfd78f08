//! The Morris method: elementary effects along one-at-a-time trajectories.
//!
//! Cheaper than Sobol (r·(D+1) runs instead of N·(D+2)), Morris screens many
//! factors to find the few worth a Sobol study: μ* (mean absolute effect)
//! ranks importance, σ (spread of the effects) flags non-linearity or
//! interactions, μ's sign the direction. Designs follow Morris (1991) with
//! Campolongo et al. (2007)'s μ*: each trajectory starts at a random point of
//! a p-level grid and moves every factor once by Δ = p / (2(p − 1)), in random
//! order and direction. Effects are in output units per unit of the
//! factor's *unit-cube* coordinate, exactly as `SALib.analyze.morris`
//! computes them, so the two agree on the same sample.

use serde::Serialize;

use super::bootstrap::{mean, std_dev, Bootstrap};
use super::{AnalysisError, Result};
use crate::rng::{derive_seed, splitmix64};

/// A Morris design in the unit hypercube.
#[derive(Debug, Clone, PartialEq)]
pub struct MorrisDesign {
    /// Number of trajectories r.
    pub trajectories: usize,
    /// Grid levels p (even).
    pub levels: usize,
    /// Number of factors D.
    pub d: usize,
    /// Rows, trajectory by trajectory: `r * (D + 1)` of them.
    pub rows: Vec<Vec<f64>>,
}

impl MorrisDesign {
    /// Build `r` trajectories on a `p`-level grid, deterministic in `seed`.
    pub fn new(r: usize, p: usize, d: usize, seed: u64) -> Result<MorrisDesign> {
        let bad = |key: &str, message: String| AnalysisError::Design {
            key: key.into(),
            message,
        };
        if p < 2 || !p.is_multiple_of(2) {
            return Err(bad(
                "levels",
                format!("{p}: need an even number of levels ≥ 2 (4 is usual), so every step is Δ = p/(2(p−1))"),
            ));
        }
        if r < 2 {
            return Err(bad(
                "trajectories",
                format!("{r}: need at least 2 (10–50 is usual)"),
            ));
        }
        if d == 0 {
            return Err(bad("factors", "no factors to analyse".into()));
        }
        let delta = self::delta(p);
        let mut rows = Vec::with_capacity(r * (d + 1));
        for t in 0..r {
            let key = derive_seed(seed, &[0x40_0441, t as u64]);
            let mut draw = counter(key);
            // Each factor moves between `low` and `low + Δ`; start at the top
            // for factors that will step down.
            let low: Vec<f64> = (0..d)
                .map(|_| (draw(p / 2) as f64) / (p - 1) as f64)
                .collect();
            let up: Vec<bool> = (0..d).map(|_| draw(2) == 0).collect();
            let mut order: Vec<usize> = (0..d).collect();
            for i in (1..d).rev() {
                order.swap(i, draw(i + 1));
            }
            let mut x: Vec<f64> = (0..d)
                .map(|i| if up[i] { low[i] } else { low[i] + delta })
                .collect();
            rows.push(x.clone());
            for &i in &order {
                x[i] = if up[i] { low[i] + delta } else { low[i] };
                rows.push(x.clone());
            }
        }
        Ok(MorrisDesign {
            trajectories: r,
            levels: p,
            d,
            rows,
        })
    }
}

/// The step Δ = p / (2(p − 1)) for `p` levels.
pub fn delta(p: usize) -> f64 {
    p as f64 / (2.0 * (p as f64 - 1.0))
}

/// A counter-based draw of integers in `0..n`.
fn counter(key: u64) -> impl FnMut(usize) -> usize {
    let mut i = 0u64;
    move |n| {
        i += 1;
        let x = splitmix64(key ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        ((u128::from(x) * n as u128) >> 64) as usize
    }
}

/// Estimation settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MorrisOptions {
    /// Bootstrap settings for μ*'s interval.
    pub bootstrap: Bootstrap,
    /// Refuse when a factor keeps fewer than this fraction of its r effects.
    pub min_fraction: f64,
}

impl Default for MorrisOptions {
    fn default() -> Self {
        MorrisOptions {
            bootstrap: Bootstrap::default(),
            min_fraction: 0.5,
        }
    }
}

/// Morris statistics of one factor (a CSV row).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MorrisRow {
    /// Factor name.
    pub factor: String,
    /// Mean elementary effect (signed).
    pub mu: f64,
    /// Mean absolute elementary effect: the importance measure.
    pub mu_star: f64,
    /// Standard deviation of the effects (ddof 1): non-linearity/interactions.
    pub sigma: f64,
    /// Bootstrap half-width of μ*'s interval.
    pub mu_star_conf: f64,
    /// Elementary effects used (r when nothing is missing).
    pub effects: usize,
}

/// Everything a Morris analysis reports.
#[derive(Debug, Clone, PartialEq)]
pub struct MorrisResult {
    /// One row per factor, in design order.
    pub rows: Vec<MorrisRow>,
    /// Runs missing or failed.
    pub runs_missing: usize,
}

impl MorrisResult {
    /// Factor names from most to least important by μ* (ties by name).
    pub fn ranking(&self) -> Vec<String> {
        let mut rows: Vec<&MorrisRow> = self.rows.iter().collect();
        rows.sort_by(|a, b| {
            b.mu_star
                .total_cmp(&a.mu_star)
                .then(a.factor.cmp(&b.factor))
        });
        rows.into_iter().map(|r| r.factor.clone()).collect()
    }
}

/// Morris statistics of `outputs` (in the design's row order; `None` marks a
/// missing or failed run, which loses the one or two effects it takes part in).
pub fn analyze(
    names: &[String],
    design: &MorrisDesign,
    outputs: &[Option<f64>],
    opts: &MorrisOptions,
) -> Result<MorrisResult> {
    let d = design.d;
    if names.len() != d || outputs.len() != design.rows.len() {
        return Err(AnalysisError::Mismatch(format!(
            "morris: {} names and {} outputs for a design of {d} factors and {} runs",
            names.len(),
            outputs.len(),
            design.rows.len()
        )));
    }
    let ok = |y: Option<f64>| y.filter(|v| v.is_finite());
    let runs_missing = outputs.iter().filter(|y| ok(**y).is_none()).count();
    let step = delta(design.levels);
    let mut effects: Vec<Vec<f64>> = vec![Vec::new(); d];
    for t in 0..design.trajectories {
        for k in t * (d + 1)..(t + 1) * (d + 1) - 1 {
            let (x0, x1) = (&design.rows[k], &design.rows[k + 1]);
            let Some(i) = (0..d).find(|&i| x0[i] != x1[i]) else {
                return Err(AnalysisError::Mismatch(format!(
                    "morris: rows {k} and {} do not differ in any factor",
                    k + 1
                )));
            };
            if let (Some(y0), Some(y1)) = (ok(outputs[k]), ok(outputs[k + 1])) {
                let sign = if x1[i] > x0[i] { 1.0 } else { -1.0 };
                effects[i].push(sign * (y1 - y0) / step);
            }
        }
    }
    let needed = ((opts.min_fraction * design.trajectories as f64).ceil() as usize).max(2);
    if let Some(fewest) = effects.iter().map(Vec::len).min().filter(|&m| m < needed) {
        return Err(AnalysisError::TooFewRuns {
            method: "morris",
            unit: "elementary effects for some factor",
            usable: fewest,
            needed,
            missing: runs_missing,
        });
    }
    let rows = names
        .iter()
        .zip(&effects)
        .enumerate()
        .map(|(i, (name, ee))| {
            let abs: Vec<f64> = ee.iter().map(|e| e.abs()).collect();
            let boot = Bootstrap {
                seed: derive_seed(opts.bootstrap.seed, &[i as u64]),
                ..opts.bootstrap
            };
            let reps = boot.replicate(abs.len(), |r| {
                r.iter().map(|&k| abs[k]).sum::<f64>() / r.len() as f64
            });
            MorrisRow {
                factor: name.clone(),
                mu: mean(ee),
                mu_star: mean(&abs),
                sigma: std_dev(ee),
                mu_star_conf: boot.half_width(&reps),
                effects: ee.len(),
            }
        })
        .collect();
    Ok(MorrisResult { rows, runs_missing })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trajectories_move_one_factor_by_delta() {
        let m = MorrisDesign::new(20, 4, 5, 7).unwrap();
        assert_eq!(m.rows.len(), 20 * 6);
        let dl = delta(4);
        for t in 0..20 {
            let traj = &m.rows[t * 6..(t + 1) * 6];
            let mut moved = [false; 5];
            for w in traj.windows(2) {
                let diff: Vec<usize> = (0..5).filter(|&i| w[0][i] != w[1][i]).collect();
                assert_eq!(diff.len(), 1);
                assert!(((w[1][diff[0]] - w[0][diff[0]]).abs() - dl).abs() < 1e-12);
                moved[diff[0]] = true;
            }
            assert!(moved.iter().all(|&b| b));
            assert!(traj.iter().flatten().all(|&x| (0.0..=1.0).contains(&x)));
        }
        assert_eq!(m, MorrisDesign::new(20, 4, 5, 7).unwrap());
        assert!(MorrisDesign::new(20, 3, 5, 7).is_err());
    }

    #[test]
    fn linear_effects_are_exact() {
        let m = MorrisDesign::new(10, 4, 3, 1).unwrap();
        let y: Vec<Option<f64>> = m.rows.iter().map(|x| Some(3.0 * x[0] - x[1])).collect();
        let names: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let r = analyze(&names, &m, &y, &MorrisOptions::default()).unwrap();
        assert!((r.rows[0].mu - 3.0).abs() < 1e-12 && r.rows[0].sigma < 1e-12);
        assert!((r.rows[1].mu + 1.0).abs() < 1e-12 && (r.rows[1].mu_star - 1.0).abs() < 1e-12);
        assert_eq!(r.rows[2].mu_star, 0.0);
        assert_eq!(r.ranking(), ["a", "b", "c"]);
    }
}
