//! Test functions with known answers, run through the real analysis path.
//!
//! An estimator checked only on its own output proves little. These functions
//! stand in for the model: a design's unit points are mapped to parameter
//! values by the same [`UncertaintySpec`], evaluated, gathered into the same
//! [`OutcomeTable`] a sweep produces, and estimated by the same code. Their
//! true indices are known analytically, so the tests can hold the estimators
//! to them (and to SALib on the same sample).

use std::f64::consts::PI;

use super::table::{OutcomeTable, RunRecord, RunStatus};
use super::uncertainty::{Distribution, Factor, ParamValue, UncertaintySpec};
use crate::math;

/// Ishigami's a and b in the standard benchmark.
pub const ISHIGAMI_A: f64 = 7.0;
/// See [`ISHIGAMI_A`].
pub const ISHIGAMI_B: f64 = 0.1;

/// The Ishigami function sin x1 + a sin² x2 + b x3⁴ sin x1 on [−π, π]³.
pub fn ishigami(x: &[f64]) -> f64 {
    let s1 = math::sin(x[0]);
    s1 + ISHIGAMI_A * math::sin(x[1]).powi(2) + ISHIGAMI_B * x[2].powi(4) * s1
}

/// Analytic (S1, ST) of the Ishigami function for a = 7, b = 0.1.
pub fn ishigami_indices() -> ([f64; 3], [f64; 3]) {
    let (a, b) = (ISHIGAMI_A, ISHIGAMI_B);
    let v1 = 0.5 * (1.0 + b * PI.powi(4) / 5.0).powi(2);
    let v2 = a * a / 8.0;
    let v13 = b * b * PI.powi(8) * (1.0 / 18.0 - 1.0 / 50.0);
    let v = v1 + v2 + v13;
    ([v1 / v, v2 / v, 0.0], [(v1 + v13) / v, v2 / v, v13 / v])
}

/// The spec of the Ishigami study: x1, x2, x3 uniform on [−π, π], plus the dummy.
pub fn ishigami_spec() -> UncertaintySpec {
    uniform_spec(&["x1", "x2", "x3"], -PI, PI, true)
}

/// Sobol's G function Π (|4xᵢ − 2| + aᵢ) / (1 + aᵢ) on [0, 1]ᵈ: factor i
/// matters less the larger aᵢ, so the ranking is known by construction.
pub fn g_function(a: &[f64]) -> impl Fn(&[f64]) -> f64 + '_ {
    move |x| {
        x.iter()
            .zip(a)
            .map(|(xi, ai)| ((4.0 * xi - 2.0).abs() + ai) / (1.0 + ai))
            .product()
    }
}

/// The usual G-function coefficients: x1 most important, x5…x8 negligible.
pub const G_COEFFICIENTS: [f64; 8] = [0.0, 1.0, 4.5, 9.0, 99.0, 99.0, 99.0, 99.0];

/// A boolean outcome that is true inside `box` (per-dimension `[lo, hi]`,
/// unrestricted dimensions omitted from the end) — PRIM's planted target.
pub fn planted_box(bounds: &[(f64, f64)]) -> impl Fn(&[f64]) -> f64 + '_ {
    move |x| {
        let inside = bounds
            .iter()
            .zip(x)
            .all(|(&(lo, hi), &xi)| (lo..=hi).contains(&xi));
        if inside {
            1.0
        } else {
            0.0
        }
    }
}

/// A spec of uniform factors `names` on `[min, max]` (test studies).
pub fn uniform_spec(names: &[&str], min: f64, max: f64, dummy: bool) -> UncertaintySpec {
    let mut factors: Vec<Factor> = names
        .iter()
        .map(|n| Factor {
            name: (*n).into(),
            path: Some(format!("test.{n}")),
            distribution: Distribution::Uniform { min, max },
            source: "test function".into(),
        })
        .collect();
    if dummy {
        factors.push(Factor::dummy());
    }
    UncertaintySpec {
        factors,
        levers: vec![],
    }
}

/// Evaluate `f` at every design row exactly as a sweep would run the model:
/// unit point → parameter values (via the spec) → one run per row, gathered
/// into an [`OutcomeTable`] with one outcome named `outcome`. The dummy
/// factor's value is passed along but, like in the model, nothing reads it
/// unless `f` chooses to (the test functions ignore trailing columns).
pub fn evaluate(
    spec: &UncertaintySpec,
    rows: &[Vec<f64>],
    outcome: &str,
    f: impl Fn(&[f64]) -> f64,
) -> OutcomeTable {
    let runs = rows
        .iter()
        .enumerate()
        .map(|(i, unit)| {
            let params = spec.values_at(unit);
            let x: Vec<f64> = params
                .iter()
                .map(|p| p.as_f64().unwrap_or(f64::NAN))
                .collect();
            RunRecord {
                run_id: format!("p{i:06}-r00"),
                point: i,
                replicate: 0,
                seed: i as u64,
                status: RunStatus::Ok,
                params,
                values: vec![Some(f(&x))],
            }
        })
        .collect();
    OutcomeTable {
        parameters: spec.factor_names(),
        outcomes: vec![outcome.into()],
        runs,
    }
}

/// Numeric parameter matrix of a table (one row per run; non-numeric values
/// become NaN), as PRIM and the cross-checks read it.
pub fn param_matrix(table: &OutcomeTable) -> Vec<Vec<f64>> {
    table
        .runs
        .iter()
        .map(|r| {
            r.params
                .iter()
                .map(|p: &ParamValue| p.as_f64().unwrap_or(f64::NAN))
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ishigami_reference_values() {
        let (s1, st) = ishigami_indices();
        assert!((s1[0] - 0.3139).abs() < 1e-3 && (s1[1] - 0.4424).abs() < 1e-3);
        assert!((st[0] - 0.5576).abs() < 1e-3 && (st[2] - 0.2437).abs() < 1e-3);
        assert!((ishigami(&[0.0, PI / 2.0, 1.0]) - 7.0).abs() < 1e-12);
    }
}
