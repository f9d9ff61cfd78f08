//! PRIM scenario discovery: in which region of the uncertainty space does a
//! boolean outcome ("China leads innovation in 2035") happen?
//!
//! The Patient Rule Induction Method (Friedman & Fisher 1999), as EMA
//! Workbench uses it for scenario discovery (Bryant & Lempert 2010): start
//! with a box holding every run, repeatedly peel off the α-quantile slice (of
//! one factor, at one end) whose removal most raises the share of runs inside
//! where the outcome is true (the *density*), until the box holds too few
//! runs. Each step trades *coverage* (the share of all true runs still inside)
//! for density; the analyst picks a point on that trajectory. The chosen box
//! is then *pasted* (bounds widened again while density does not fall) and
//! reported as parameter ranges an analyst can read — and run, via
//! [`overlay_toml`].

use std::fmt::Write as _;

use serde::Serialize;

use super::uncertainty::UncertaintySpec;
use super::{AnalysisError, Result};

/// How the box is picked from the peeling trajectory.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BoxRule {
    /// The box with the highest coverage among those with density ≥ this
    /// (EMA's usual reading of the trade-off curve); if none reaches it, the
    /// densest box.
    MaxCoverageAtDensity(f64),
    /// A given step of the trajectory (0 = all runs).
    Step(usize),
}

/// PRIM settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrimOptions {
    /// Share of the box's runs peeled per step (0.05 is customary).
    pub peel_alpha: f64,
    /// Share of the box's runs added per pasting step.
    pub paste_alpha: f64,
    /// Stop peeling when the box would hold fewer than this share of runs.
    pub mass_min: f64,
    /// Which box to report.
    pub rule: BoxRule,
    /// Paste the chosen box.
    pub paste: bool,
}

impl Default for PrimOptions {
    fn default() -> Self {
        PrimOptions {
            peel_alpha: 0.05,
            paste_alpha: 0.05,
            mass_min: 0.05,
            rule: BoxRule::MaxCoverageAtDensity(0.8),
            paste: true,
        }
    }
}

/// One step of the peeling trajectory (a CSV row).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrajectoryRow {
    /// Step number (0 = the box of all runs).
    pub step: usize,
    /// Share of all true runs inside the box.
    pub coverage: f64,
    /// Share of the box's runs that are true.
    pub density: f64,
    /// Share of all runs inside the box.
    pub mass: f64,
    /// Runs inside.
    pub runs: usize,
    /// Factors whose range the box restricts.
    pub restricted: usize,
}

/// One factor's range in a box (a CSV row).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BoxLimit {
    /// Factor name.
    pub factor: String,
    /// Lower bound of the box.
    pub min: f64,
    /// Upper bound of the box.
    pub max: f64,
    /// Whether the box is narrower than the sampled range here.
    pub restricted: bool,
}

/// The chosen box.
#[derive(Debug, Clone, PartialEq)]
pub struct PrimBox {
    /// Trajectory step it came from.
    pub step: usize,
    /// Per-factor ranges, in factor order.
    pub limits: Vec<BoxLimit>,
    /// Its coverage, density and mass (after pasting).
    pub coverage: f64,
    /// See [`PrimBox::coverage`].
    pub density: f64,
    /// See [`PrimBox::coverage`].
    pub mass: f64,
    /// Whether pasting widened it.
    pub pasted: bool,
}

/// Everything PRIM reports.
#[derive(Debug, Clone, PartialEq)]
pub struct PrimResult {
    /// The peeling trajectory (coverage vs density).
    pub trajectory: Vec<TrajectoryRow>,
    /// The box picked by the rule, pasted if asked.
    pub chosen: PrimBox,
    /// Runs used (outcome known).
    pub runs_used: usize,
    /// Runs whose outcome was missing (failed or not run), left out.
    pub runs_missing: usize,
    /// Runs where the outcome is true.
    pub positives: usize,
}

type Limits = Vec<(f64, f64)>;

struct Data<'a> {
    x: Vec<&'a [f64]>,
    y: Vec<bool>,
    positives: usize,
    full: Limits,
}

impl Data<'_> {
    fn stats(&self, inside: &[usize]) -> (f64, f64, f64) {
        let hits = inside.iter().filter(|&&i| self.y[i]).count() as f64;
        let n = inside.len() as f64;
        let density = if n > 0.0 { hits / n } else { 0.0 };
        (
            hits / self.positives as f64,
            density,
            n / self.y.len() as f64,
        )
    }

    fn restricted(&self, limits: &Limits) -> usize {
        limits
            .iter()
            .zip(&self.full)
            .filter(|(l, f)| l != f)
            .count()
    }

    fn mean(&self, idx: &[usize]) -> f64 {
        idx.iter().filter(|&&i| self.y[i]).count() as f64 / idx.len().max(1) as f64
    }
}

/// Run PRIM on parameter rows `x` (one per run, numeric) and outcomes `y`
/// (`None` = the run is missing or failed, left out and counted).
pub fn analyze(
    names: &[String],
    x: &[Vec<f64>],
    y: &[Option<bool>],
    opts: &PrimOptions,
) -> Result<PrimResult> {
    let data = prepare(names, x, y)?;
    let runs_missing = y.iter().filter(|v| v.is_none()).count();
    let mut inside: Vec<usize> = (0..data.y.len()).collect();
    let mut limits = data.full.clone();
    let mut boxes = vec![(limits.clone(), inside.clone())];
    let min_runs = (opts.mass_min * data.y.len() as f64).ceil() as usize;
    while data.mean(&inside) < 1.0 {
        let Some((j, bound, kept)) = best_peel(&data, &inside, opts.peel_alpha) else {
            break;
        };
        if kept.len() < min_runs.max(1) {
            break;
        }
        if bound.0 {
            limits[j].0 = bound.1;
        } else {
            limits[j].1 = bound.1;
        }
        inside = kept;
        boxes.push((limits.clone(), inside.clone()));
    }
    let trajectory: Vec<TrajectoryRow> = boxes
        .iter()
        .enumerate()
        .map(|(step, (l, idx))| {
            let (coverage, density, mass) = data.stats(idx);
            TrajectoryRow {
                step,
                coverage,
                density,
                mass,
                runs: idx.len(),
                restricted: data.restricted(l),
            }
        })
        .collect();
    let step = choose(&trajectory, opts.rule)?;
    let (mut l, mut idx) = boxes[step].clone();
    let mut pasted = false;
    if opts.paste {
        while let Some((nl, nidx)) = best_paste(&data, &l, &idx, opts.paste_alpha) {
            (l, idx, pasted) = (nl, nidx, true);
        }
    }
    let (coverage, density, mass) = data.stats(&idx);
    let chosen = PrimBox {
        step,
        limits: names
            .iter()
            .zip(l.iter().zip(&data.full))
            .map(|(n, (b, f))| BoxLimit {
                factor: n.clone(),
                min: b.0,
                max: b.1,
                restricted: b != f,
            })
            .collect(),
        coverage,
        density,
        mass,
        pasted,
    };
    Ok(PrimResult {
        trajectory,
        chosen,
        runs_used: data.y.len(),
        runs_missing,
        positives: data.positives,
    })
}

fn prepare<'a>(names: &[String], x: &'a [Vec<f64>], y: &[Option<bool>]) -> Result<Data<'a>> {
    if x.len() != y.len() || x.iter().any(|r| r.len() != names.len()) {
        return Err(AnalysisError::Mismatch(format!(
            "prim: {} parameter rows of {} factors for {} outcomes",
            x.len(),
            names.len(),
            y.len()
        )));
    }
    let mut data = Data {
        x: Vec::new(),
        y: Vec::new(),
        positives: 0,
        full: Vec::new(),
    };
    for (row, v) in x.iter().zip(y) {
        if let Some(v) = v {
            if let Some(j) = row.iter().position(|v| !v.is_finite()) {
                return Err(AnalysisError::Mismatch(format!(
                    "prim: factor `{}` has a non-numeric value; PRIM needs numbers",
                    names[j]
                )));
            }
            data.x.push(row);
            data.y.push(*v);
        }
    }
    data.positives = data.y.iter().filter(|&&v| v).count();
    if data.positives == 0 || data.y.len() < 10 {
        return Err(AnalysisError::TooFewRuns {
            method: "prim",
            unit: "runs with a known outcome (and at least one true)",
            usable: if data.positives == 0 { 0 } else { data.y.len() },
            needed: 10,
            missing: y.len() - data.y.len(),
        });
    }
    data.full = (0..names.len())
        .map(|j| {
            data.x
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), r| {
                    (lo.min(r[j]), hi.max(r[j]))
                })
        })
        .collect();
    Ok(data)
}

/// The peel that leaves the densest box: `(factor, (is_lower, new bound), kept runs)`.
/// Ties go to the larger box, then to the earlier factor and the lower end.
fn best_peel(
    data: &Data,
    inside: &[usize],
    alpha: f64,
) -> Option<(usize, (bool, f64), Vec<usize>)> {
    type Candidate = (f64, usize, usize, (bool, f64), Vec<usize>);
    let mut best: Option<Candidate> = None;
    for j in 0..data.full.len() {
        let mut vals: Vec<f64> = inside.iter().map(|&i| data.x[i][j]).collect();
        vals.sort_by(f64::total_cmp);
        let m = vals.len();
        if m < 2 {
            return None;
        }
        let k = ((alpha * m as f64) as usize).clamp(1, m - 1);
        // Lower peel keeps x >= cut; with ties at the minimum (a discrete
        // factor), cut at the next distinct value so the peel removes something.
        let (lo, hi) = (vals[0], vals[m - 1]);
        let lower = Some(vals[k])
            .filter(|&c| c > lo)
            .or_else(|| vals.iter().copied().find(|&v| v > lo));
        let upper = Some(vals[m - 1 - k])
            .filter(|&c| c < hi)
            .or_else(|| vals.iter().rev().copied().find(|&v| v < hi));
        for (is_lower, cut) in [(true, lower), (false, upper)] {
            let Some(cut) = cut else { continue };
            let kept: Vec<usize> = inside
                .iter()
                .copied()
                .filter(|&i| {
                    let v = data.x[i][j];
                    if is_lower {
                        v >= cut
                    } else {
                        v <= cut
                    }
                })
                .collect();
            let mean = data.mean(&kept);
            let better = match &best {
                None => true,
                Some((bm, bn, ..)) => mean > *bm || (mean == *bm && kept.len() > *bn),
            };
            if better && !kept.is_empty() {
                best = Some((mean, kept.len(), j, (is_lower, cut), kept));
            }
        }
    }
    best.map(|(_, _, j, b, kept)| (j, b, kept))
}

/// Widen one bound by about α of the box's runs if that does not lower the
/// density; `None` when no widening qualifies.
fn best_paste(
    data: &Data,
    limits: &Limits,
    inside: &[usize],
    alpha: f64,
) -> Option<(Limits, Vec<usize>)> {
    let cur = data.mean(inside);
    let add = ((alpha * inside.len() as f64) as usize).max(1);
    let mut best: Option<(f64, Limits, Vec<usize>)> = None;
    for j in 0..limits.len() {
        // Runs inside every other bound but outside this factor's.
        let others = |i: usize| {
            (0..limits.len()).all(|k| k == j || (limits[k].0..=limits[k].1).contains(&data.x[i][k]))
        };
        for lower in [true, false] {
            let mut outside: Vec<f64> = (0..data.y.len())
                .filter(|&i| others(i))
                .map(|i| data.x[i][j])
                .filter(|&v| {
                    if lower {
                        v < limits[j].0
                    } else {
                        v > limits[j].1
                    }
                })
                .collect();
            if outside.is_empty() {
                continue;
            }
            outside.sort_by(f64::total_cmp);
            let new = if lower {
                outside[outside.len().saturating_sub(add)]
            } else {
                outside[add.min(outside.len()) - 1]
            };
            let mut nl = limits.clone();
            if lower {
                nl[j].0 = new;
            } else {
                nl[j].1 = new;
            }
            let idx: Vec<usize> = (0..data.y.len())
                .filter(|&i| (0..nl.len()).all(|k| (nl[k].0..=nl[k].1).contains(&data.x[i][k])))
                .collect();
            let mean = data.mean(&idx);
            if mean >= cur && best.as_ref().is_none_or(|(bm, ..)| mean > *bm) {
                best = Some((mean, nl, idx));
            }
        }
    }
    best.map(|(_, l, idx)| (l, idx))
}

fn choose(trajectory: &[TrajectoryRow], rule: BoxRule) -> Result<usize> {
    match rule {
        BoxRule::Step(s) if s < trajectory.len() => Ok(s),
        BoxRule::Step(s) => Err(AnalysisError::Design {
            key: "step".into(),
            message: format!(
                "{s}: the peeling trajectory has steps 0..{}",
                trajectory.len() - 1
            ),
        }),
        BoxRule::MaxCoverageAtDensity(min) => {
            let pick = trajectory
                .iter()
                .filter(|t| t.density >= min)
                .max_by(|a, b| a.coverage.total_cmp(&b.coverage).then(b.step.cmp(&a.step)))
                .or_else(|| {
                    trajectory
                        .iter()
                        .max_by(|a, b| a.density.total_cmp(&b.density).then(b.step.cmp(&a.step)))
                });
            Ok(pick.map_or(0, |t| t.step))
        }
    }
}

/// The box as a TOML `[uncertainty]` overlay: the restricted factors narrowed
/// to the box (same distribution family, clipped), ready to paste into a
/// sweep or scenario file to study "the worlds where it happens" directly.
/// Unrestricted factors are left as they are in `spec`.
pub fn overlay_toml(b: &PrimBox, spec: &UncertaintySpec, outcome: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# PRIM box for `{outcome}`: coverage {:.3}, density {:.3}, mass {:.3} \
         (peeling step {}{}).\n# Only the factors the box restricts are listed; \
         the others keep their [uncertainty] ranges.",
        b.coverage,
        b.density,
        b.mass,
        b.step,
        if b.pasted { ", pasted" } else { "" }
    );
    for (lim, f) in b.limits.iter().zip(&spec.factors) {
        if f.path.is_none() || !lim.restricted {
            continue;
        }
        s += &f.to_toml(
            Some((lim.min, lim.max)),
            &format!("PRIM box for {outcome} (full range: {})", f.source),
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_one_dimensional_threshold() {
        let n = 400;
        let x: Vec<Vec<f64>> = (0..n)
            .map(|i| vec![(i as f64 + 0.5) / n as f64, ((i * 7) % n) as f64 / n as f64])
            .collect();
        let y: Vec<Option<bool>> = x.iter().map(|r| Some(r[0] > 0.7)).collect();
        let names = vec!["a".to_string(), "b".to_string()];
        let opts = PrimOptions {
            rule: BoxRule::MaxCoverageAtDensity(0.99),
            ..PrimOptions::default()
        };
        let r = analyze(&names, &x, &y, &opts).unwrap();
        let b = &r.chosen;
        assert!((b.limits[0].min - 0.7).abs() < 0.02, "{b:?}");
        assert!(!b.limits[1].restricted, "{b:?}");
        assert_eq!(b.density, 1.0);
        assert!(b.coverage > 0.95, "{b:?}");
        // Coverage never rises along the trajectory.
        assert!(r
            .trajectory
            .windows(2)
            .all(|w| w[1].coverage <= w[0].coverage));
    }

    #[test]
    fn refuses_without_true_outcomes() {
        let x = vec![vec![0.0]; 20];
        let y = vec![Some(false); 20];
        assert!(matches!(
            analyze(&["a".into()], &x, &y, &PrimOptions::default()),
            Err(AnalysisError::TooFewRuns { .. })
        ));
    }
}
