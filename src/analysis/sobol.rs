//! Sobol sensitivity indices from a Saltelli design.
//!
//! First order S_i (the share of output variance explained by factor i alone)
//! uses Saltelli et al. (2010)'s estimator `mean(B·(AB_i − A)) / V`; total
//! order ST_i (everything i takes part in, interactions included) uses
//! Jansen's `mean((A − AB_i)²) / 2V`; second order S_ij uses Saltelli (2002).
//! These are SALib's choices too, and outputs are standardised the same way
//! first (the first-order estimator is not shift-invariant in finite samples),
//! so on the same sample the two tools agree to rounding.
//!
//! Missing or failed runs: a block (one row of A with its AB_i, BA_i and B)
//! is usable only if every run in it succeeded. Incomplete blocks are
//! dropped and counted; the estimate refuses (a typed error) when fewer than
//! [`SobolOptions::min_fraction`] of the blocks remain, because a few blocks
//! of a Sobol net are no longer a balanced design.

use serde::Serialize;

use super::bootstrap::{mean, Bootstrap};
use super::saltelli::{block_len, row_kind, RowKind};
use super::{AnalysisError, Result};

/// Estimation settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SobolOptions {
    /// Compute second-order indices (needs a design with BA rows).
    pub second_order: bool,
    /// Bootstrap settings for the confidence intervals.
    pub bootstrap: Bootstrap,
    /// Refuse when fewer than this fraction of the N blocks is complete.
    pub min_fraction: f64,
}

impl Default for SobolOptions {
    fn default() -> Self {
        SobolOptions {
            second_order: false,
            bootstrap: Bootstrap::default(),
            min_fraction: 0.5,
        }
    }
}

/// First- and total-order indices of one factor (a CSV row).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SobolRow {
    /// Factor name.
    pub factor: String,
    /// First-order index.
    pub s1: f64,
    /// Half-width of its confidence interval.
    pub s1_conf: f64,
    /// Total-order index.
    pub st: f64,
    /// Half-width of its confidence interval.
    pub st_conf: f64,
}

/// A second-order index (a CSV row).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SecondOrderRow {
    /// First factor.
    pub factor_a: String,
    /// Second factor.
    pub factor_b: String,
    /// The index.
    pub s2: f64,
    /// Half-width of its confidence interval.
    pub s2_conf: f64,
}

/// Indices recomputed on a prefix of the design (a CSV row): if they still
/// move between N/2 and N, N was too small.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConvergenceRow {
    /// Blocks in the prefix (N/4, N/2 or N before dropping incomplete ones).
    pub n: usize,
    /// Complete blocks actually used.
    pub blocks_used: usize,
    /// Factor name.
    pub factor: String,
    /// First-order index.
    pub s1: f64,
    /// Its half-width.
    pub s1_conf: f64,
    /// Total-order index.
    pub st: f64,
    /// Its half-width.
    pub st_conf: f64,
}

/// Everything a Sobol analysis reports.
#[derive(Debug, Clone, PartialEq)]
pub struct SobolResult {
    /// One row per factor, in design order.
    pub indices: Vec<SobolRow>,
    /// Second-order indices (empty unless asked for), pairs in order.
    pub second_order: Vec<SecondOrderRow>,
    /// Indices at N/4, N/2 and N.
    pub convergence: Vec<ConvergenceRow>,
    /// Complete blocks used.
    pub blocks_used: usize,
    /// Blocks in the design.
    pub blocks_total: usize,
    /// Runs missing or failed (each spoils its block).
    pub runs_missing: usize,
}

/// Outputs regrouped by matrix: `a[j]`, `b[j]`, `ab[i][j]`, `ba[i][j]` for block j.
struct Blocks {
    a: Vec<f64>,
    b: Vec<f64>,
    ab: Vec<Vec<f64>>,
    ba: Vec<Vec<f64>>,
}

/// Sobol indices of `outputs`, given in the design's row order (see
/// [`super::SaltelliDesign`]); `None` marks a missing or failed run.
pub fn analyze(
    names: &[String],
    n: usize,
    design_second_order: bool,
    outputs: &[Option<f64>],
    opts: &SobolOptions,
) -> Result<SobolResult> {
    let d = names.len();
    let len = block_len(d, design_second_order);
    if outputs.len() != n * len {
        return Err(AnalysisError::Mismatch(format!(
            "sobol: {} outputs, but a Saltelli design with N = {n} and {d} factors has {}",
            outputs.len(),
            n * len
        )));
    }
    if opts.second_order && !design_second_order {
        return Err(AnalysisError::Design {
            key: "second_order".into(),
            message: "second-order indices need a design built with second_order = true".into(),
        });
    }
    let ok = |y: &Option<f64>| y.is_some_and(f64::is_finite);
    let runs_missing = outputs.iter().filter(|y| !ok(y)).count();
    let complete: Vec<usize> = (0..n)
        .filter(|&j| outputs[j * len..(j + 1) * len].iter().all(ok))
        .collect();
    let needed = ((opts.min_fraction * n as f64).ceil() as usize).max(2);
    if complete.len() < needed {
        return Err(AnalysisError::TooFewRuns {
            method: "sobol",
            unit: "Saltelli blocks",
            usable: complete.len(),
            needed,
            missing: runs_missing,
        });
    }
    let blocks = regroup(outputs, &complete, d, design_second_order);
    let all: Vec<usize> = (0..complete.len()).collect();
    let (indices, second_order) = with_intervals(names, &blocks, &all, opts);
    let convergence = convergence(names, n, &complete, &blocks, opts);
    Ok(SobolResult {
        indices,
        second_order,
        convergence,
        blocks_used: complete.len(),
        blocks_total: n,
        runs_missing,
    })
}

/// Collect the complete blocks' outputs by matrix, standardised with the mean
/// and (population) standard deviation of all of them, as SALib does.
fn regroup(outputs: &[Option<f64>], complete: &[usize], d: usize, so: bool) -> Blocks {
    let len = block_len(d, so);
    let used: Vec<f64> = complete
        .iter()
        .flat_map(|&j| {
            outputs[j * len..(j + 1) * len]
                .iter()
                .map(|y| y.unwrap_or(0.0))
        })
        .collect();
    let m = mean(&used);
    let sd = (used.iter().map(|y| (y - m) * (y - m)).sum::<f64>() / used.len() as f64).sqrt();
    let scale = if sd > 0.0 { 1.0 / sd } else { 1.0 };
    let mut blocks = Blocks {
        a: Vec::with_capacity(complete.len()),
        b: Vec::with_capacity(complete.len()),
        ab: vec![Vec::with_capacity(complete.len()); d],
        ba: vec![Vec::with_capacity(if so { complete.len() } else { 0 }); d],
    };
    for (jj, _) in complete.iter().enumerate() {
        for k in 0..len {
            let y = (used[jj * len + k] - m) * scale;
            match row_kind(d, so, k) {
                RowKind::A => blocks.a.push(y),
                RowKind::B => blocks.b.push(y),
                RowKind::AB(i) => blocks.ab[i].push(y),
                RowKind::BA(i) => blocks.ba[i].push(y),
            }
        }
    }
    blocks
}

/// `(s1, st, s2)` for every factor (s2 flattened over pairs j < k).
type Estimates = (Vec<f64>, Vec<f64>, Vec<f64>);

/// Point estimates on the blocks `idx` (repeats allowed: a bootstrap resample).
/// Returns `(s1, st, s2)` with `s2` flattened over pairs j < k.
fn estimate(blocks: &Blocks, idx: &[usize], second_order: bool) -> Estimates {
    let d = blocks.ab.len();
    let m = idx.len() as f64;
    let mu = idx.iter().map(|&j| blocks.a[j] + blocks.b[j]).sum::<f64>() / (2.0 * m);
    let var = idx
        .iter()
        .map(|&j| (blocks.a[j] - mu).powi(2) + (blocks.b[j] - mu).powi(2))
        .sum::<f64>()
        / (2.0 * m);
    if var <= f64::EPSILON {
        let pairs = if second_order { d * (d - 1) / 2 } else { 0 };
        return (vec![0.0; d], vec![0.0; d], vec![0.0; pairs]);
    }
    let first = |i: usize| {
        idx.iter()
            .map(|&j| blocks.b[j] * (blocks.ab[i][j] - blocks.a[j]))
            .sum::<f64>()
            / m
            / var
    };
    let s1: Vec<f64> = (0..d).map(first).collect();
    let st: Vec<f64> = (0..d)
        .map(|i| {
            idx.iter()
                .map(|&j| (blocks.a[j] - blocks.ab[i][j]).powi(2))
                .sum::<f64>()
                / m
                / (2.0 * var)
        })
        .collect();
    let mut s2 = Vec::new();
    if second_order {
        for a in 0..d {
            for b in a + 1..d {
                let vjk = idx
                    .iter()
                    .map(|&j| blocks.ba[a][j] * blocks.ab[b][j] - blocks.a[j] * blocks.b[j])
                    .sum::<f64>()
                    / m
                    / var;
                s2.push(vjk - s1[a] - s1[b]);
            }
        }
    }
    (s1, st, s2)
}

/// Point estimates on `idx` plus bootstrap half-widths.
fn with_intervals(
    names: &[String],
    blocks: &Blocks,
    idx: &[usize],
    opts: &SobolOptions,
) -> (Vec<SobolRow>, Vec<SecondOrderRow>) {
    let (s1, st, s2) = estimate(blocks, idx, opts.second_order);
    let reps = opts.bootstrap.replicate(idx.len(), |r| {
        let sub: Vec<usize> = r.iter().map(|&k| idx[k]).collect();
        estimate(blocks, &sub, opts.second_order)
    });
    let conf = |pick: &dyn Fn(&Estimates) -> f64| {
        let v: Vec<f64> = reps.iter().map(pick).collect();
        opts.bootstrap.half_width(&v)
    };
    let rows = names
        .iter()
        .enumerate()
        .map(|(i, name)| SobolRow {
            factor: name.clone(),
            s1: s1[i],
            s1_conf: conf(&|r| r.0[i]),
            st: st[i],
            st_conf: conf(&|r| r.1[i]),
        })
        .collect();
    let mut pairs = Vec::new();
    if opts.second_order {
        let mut p = 0;
        for a in 0..names.len() {
            for b in a + 1..names.len() {
                pairs.push(SecondOrderRow {
                    factor_a: names[a].clone(),
                    factor_b: names[b].clone(),
                    s2: s2[p],
                    s2_conf: conf(&|r| r.2[p]),
                });
                p += 1;
            }
        }
    }
    (rows, pairs)
}

/// Indices on the first N/4, N/2 and N blocks (Sobol prefixes of a power of
/// two are balanced nets, so each prefix is a design in its own right).
fn convergence(
    names: &[String],
    n: usize,
    complete: &[usize],
    blocks: &Blocks,
    opts: &SobolOptions,
) -> Vec<ConvergenceRow> {
    let first_only = SobolOptions {
        second_order: false,
        ..*opts
    };
    let mut rows = Vec::new();
    for prefix in [n / 4, n / 2, n] {
        // `complete` is sorted, so the usable blocks of a prefix are a prefix of it.
        let idx: Vec<usize> = (0..complete.partition_point(|&j| j < prefix)).collect();
        if idx.len() < 2 {
            continue;
        }
        let (ind, _) = with_intervals(names, blocks, &idx, &first_only);
        rows.extend(ind.into_iter().map(|r| ConvergenceRow {
            n: prefix,
            blocks_used: idx.len(),
            factor: r.factor,
            s1: r.s1,
            s1_conf: r.s1_conf,
            st: r.st,
            st_conf: r.st_conf,
        }));
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::saltelli::SaltelliDesign;

    fn linear(x: &[f64]) -> f64 {
        // Y = x0 + 2 x1 with uniform inputs: S = (1/5, 4/5), no interactions.
        x[0] + 2.0 * x[1]
    }

    fn opts() -> SobolOptions {
        SobolOptions {
            bootstrap: Bootstrap {
                resamples: 200,
                confidence: 0.95,
                seed: 1,
            },
            ..SobolOptions::default()
        }
    }

    #[test]
    fn additive_function() {
        let s = SaltelliDesign::new(1024, 3, false, 3).unwrap();
        let y: Vec<Option<f64>> = s.rows.iter().map(|r| Some(linear(r))).collect();
        let names: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let r = analyze(&names, 1024, false, &y, &opts()).unwrap();
        let want = [0.2, 0.8, 0.0];
        for (row, w) in r.indices.iter().zip(want) {
            assert!((row.s1 - w).abs() < 3.0 * row.s1_conf.max(0.01), "{row:?}");
            assert!((row.st - w).abs() < 3.0 * row.st_conf.max(0.01), "{row:?}");
        }
        assert_eq!(r.convergence.len(), 9);
    }

    #[test]
    fn missing_runs_drop_blocks_or_refuse() {
        let s = SaltelliDesign::new(64, 2, false, 3).unwrap();
        let names: Vec<String> = ["a", "b"].map(String::from).to_vec();
        let mut y: Vec<Option<f64>> = s.rows.iter().map(|r| Some(linear(r))).collect();
        y[5] = None; // block 1 (block length 4)
        y[6] = Some(f64::NAN); // also block 1
        y[9] = None; // block 2
        let r = analyze(&names, 64, false, &y, &opts()).unwrap();
        assert_eq!((r.blocks_used, r.runs_missing), (62, 3));
        for v in y.iter_mut().take(40 * 4) {
            *v = None;
        }
        match analyze(&names, 64, false, &y, &opts()) {
            Err(AnalysisError::TooFewRuns {
                usable: 24,
                needed: 32,
                ..
            }) => {}
            other => panic!("{other:?}"),
        }
        assert!(analyze(&names, 64, false, &y[1..], &opts()).is_err());
    }
}
