//! The entry points the CLI calls: an outcome table in, result tables out.
//!
//! `airace analyze SWEEP_DIR --method sobol|morris|prim --outcome M@S:WHEN`
//! reads the sweep (plan + outcomes, or `summary.parquet`) into an
//! [`OutcomeTable`], rebuilds the design from the plan's settings and seed
//! (designs are pure functions of them), and calls one of the functions here.
//! They check the table against the design, average replicates per design
//! point, and return rows ready for CSV ([`write_csv`]).
//!
//! Common random numbers: give every run of a Saltelli block (or a Morris
//! trajectory) the same seed — derive it from [`crn_group`], not from the
//! row — so the model's own noise cancels in the differences the estimators
//! take. With independent seeds that noise shows up as spurious interaction
//! (the dummy factor's ST rises above zero).

use std::path::Path;

use serde::Serialize;

use super::morris::{self, MorrisDesign, MorrisOptions, MorrisResult};
use super::prim::{self, PrimOptions, PrimResult};
use super::saltelli::{block_len, SaltelliDesign};
use super::sobol::{self, SobolOptions, SobolResult};
use super::table::OutcomeTable;
use super::{AnalysisError, Result};
use crate::io::atomic::write_atomic;

/// The design a study was run with, enough to rebuild it from its seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DesignKind {
    /// Saltelli: N base points, with or without BA rows.
    Saltelli {
        /// Base sample size N (power of two).
        n: usize,
        /// Whether BA rows were run.
        second_order: bool,
    },
    /// Morris: r trajectories on p levels.
    Morris {
        /// Trajectories r.
        trajectories: usize,
        /// Levels p.
        levels: usize,
    },
}

impl DesignKind {
    /// Number of design points for `d` factors.
    pub fn points(self, d: usize) -> usize {
        match self {
            DesignKind::Saltelli { n, second_order } => n * block_len(d, second_order),
            DesignKind::Morris { trajectories, .. } => trajectories * (d + 1),
        }
    }

    /// Unit-cube rows of the design for `d` factors.
    pub fn rows(self, d: usize, seed: u64) -> Result<Vec<Vec<f64>>> {
        Ok(match self {
            DesignKind::Saltelli { n, second_order } => {
                SaltelliDesign::new(n, d, second_order, seed)?.rows
            }
            DesignKind::Morris {
                trajectories,
                levels,
            } => MorrisDesign::new(trajectories, levels, d, seed)?.rows,
        })
    }
}

/// Group of design points that should share random numbers: the Saltelli
/// block or the Morris trajectory a point belongs to.
pub fn crn_group(kind: DesignKind, d: usize, point: usize) -> usize {
    match kind {
        DesignKind::Saltelli { second_order, .. } => point / block_len(d, second_order),
        DesignKind::Morris { .. } => point / (d + 1),
    }
}

/// Sobol indices of `outcome` from a study run on a Saltelli design.
pub fn sobol_from_table(
    table: &OutcomeTable,
    factors: &[String],
    n: usize,
    design_second_order: bool,
    outcome: &str,
    opts: &SobolOptions,
) -> Result<SobolResult> {
    check_factors(table, factors)?;
    let points = n * block_len(factors.len(), design_second_order);
    let y = table.point_outcomes(outcome, points)?;
    sobol::analyze(factors, n, design_second_order, &y, opts)
}

/// Morris statistics of `outcome` from a study run on `design`.
pub fn morris_from_table(
    table: &OutcomeTable,
    factors: &[String],
    design: &MorrisDesign,
    outcome: &str,
    opts: &MorrisOptions,
) -> Result<MorrisResult> {
    check_factors(table, factors)?;
    let y = table.point_outcomes(outcome, design.rows.len())?;
    morris::analyze(factors, design, &y, opts)
}

/// PRIM on the runs of any design, for the boolean outcome `condition`
/// applied to `outcome` (each run is one observation; failed and missing runs
/// are left out and counted).
pub fn prim_from_table(
    table: &OutcomeTable,
    outcome: &str,
    condition: Condition,
    opts: &PrimOptions,
) -> Result<PrimResult> {
    let k = table.outcome_index(outcome)?;
    let x: Vec<Vec<f64>> = table
        .runs
        .iter()
        .map(|r| {
            r.params
                .iter()
                .map(|p| p.as_f64().unwrap_or(f64::NAN))
                .collect()
        })
        .collect();
    let y: Vec<Option<bool>> = table
        .runs
        .iter()
        .map(|r| {
            (r.status == super::RunStatus::Ok)
                .then_some(r.values[k])
                .flatten()
                .filter(|v| v.is_finite())
                .map(|v| condition.holds(v))
        })
        .collect();
    prim::analyze(&table.parameters, &x, &y, opts)
}

fn check_factors(table: &OutcomeTable, factors: &[String]) -> Result<()> {
    if table.parameters != factors {
        return Err(AnalysisError::Mismatch(format!(
            "the study's parameters ({}) are not the design's factors ({})",
            table.parameters.join(", "),
            factors.join(", ")
        )));
    }
    table.validate()
}

/// A threshold turning a numeric outcome into PRIM's boolean, e.g. `< 0`
/// ("the US gap is negative: China leads").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Condition {
    /// The comparison.
    pub op: Comparison,
    /// The threshold.
    pub threshold: f64,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl Condition {
    /// Parse `<0`, `>= 0.5`, … (the CLI's `--where`).
    pub fn parse(s: &str) -> Result<Condition> {
        let s = s.trim();
        let (op, rest) = [
            ("<=", Comparison::Le),
            (">=", Comparison::Ge),
            ("<", Comparison::Lt),
            (">", Comparison::Gt),
        ]
        .into_iter()
        .find_map(|(p, op)| s.strip_prefix(p).map(|r| (op, r)))
        .ok_or_else(|| bad_condition(s))?;
        let threshold: f64 = rest.trim().parse().map_err(|_| bad_condition(s))?;
        if !threshold.is_finite() {
            return Err(bad_condition(s));
        }
        Ok(Condition { op, threshold })
    }

    /// Whether `v` satisfies the condition.
    pub fn holds(self, v: f64) -> bool {
        match self.op {
            Comparison::Lt => v < self.threshold,
            Comparison::Le => v <= self.threshold,
            Comparison::Gt => v > self.threshold,
            Comparison::Ge => v >= self.threshold,
        }
    }
}

fn bad_condition(s: &str) -> AnalysisError {
    AnalysisError::Design {
        key: "where".into(),
        message: format!(
            "`{s}`: expected a comparison with a number, e.g. `< 0` or `>= 0.5`",
            s = crate::io::quote::quote(s)
        ),
    }
}

/// The outcome-table name of `METRIC@SCOPE:WHEN` (WHEN a tick or `last`;
/// `@SCOPE` defaults to `world`, `:WHEN` to `last`), i.e. the sweep summary's
/// column name `METRIC@SCOPE@WHEN`.
pub fn outcome_key(spec: &str) -> Result<String> {
    let (rest, when) = spec.rsplit_once(':').unwrap_or((spec, "last"));
    let (metric, scope) = rest.split_once('@').unwrap_or((rest, "world"));
    let ok_name = |s: &str| !s.is_empty() && !s.contains(['@', ':', ' ']);
    if !ok_name(metric) || !ok_name(scope) || (when != "last" && when.parse::<u32>().is_err()) {
        return Err(AnalysisError::Design {
            key: "outcome".into(),
            message: format!("`{spec}`: expected METRIC@SCOPE:WHEN, e.g. frontier_gap_months@world:39 or adoption_share@CN:last", spec = crate::io::quote::quote(spec)),
        });
    }
    Ok(format!("{metric}@{scope}@{when}"))
}

/// Write result rows as CSV (header from the row struct), atomically.
pub fn write_csv<T: Serialize>(path: &Path, rows: &[T]) -> crate::Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.serialize(r)
            .map_err(|e| crate::Error::Failed(format!("{}: {e}", path.display())))?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| crate::Error::Failed(format!("{}: {e}", path.display())))?;
    write_atomic(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::functions::{
        evaluate, ishigami, ishigami_spec, planted_box, uniform_spec,
    };

    #[test]
    fn outcome_keys_and_conditions() {
        assert_eq!(outcome_key("gap@US:39").unwrap(), "gap@US@39");
        assert_eq!(outcome_key("gap").unwrap(), "gap@world@last");
        assert!(outcome_key("gap@US:soon").is_err());
        let c = Condition::parse(" <= -1.5").unwrap();
        assert!(c.holds(-2.0) && !c.holds(0.0));
        assert!(Condition::parse("== 3").is_err());
    }

    #[test]
    fn table_entry_points() {
        let spec = ishigami_spec();
        let names = spec.factor_names();
        let kind = DesignKind::Saltelli {
            n: 256,
            second_order: false,
        };
        let rows = kind.rows(names.len(), 1).unwrap();
        assert_eq!(rows.len(), kind.points(names.len()));
        assert_eq!(crn_group(kind, names.len(), 13), 2);
        let t = evaluate(&spec, &rows, "y@world@last", ishigami);
        let r = sobol_from_table(
            &t,
            &names,
            256,
            false,
            "y@world@last",
            &SobolOptions::default(),
        )
        .unwrap();
        assert_eq!(r.indices.len(), 4);
        assert!(sobol_from_table(
            &t,
            &names[..3],
            256,
            false,
            "y@world@last",
            &SobolOptions::default()
        )
        .is_err());
        let dir = tempfile::tempdir().unwrap();
        write_csv(&dir.path().join("sobol.csv"), &r.indices).unwrap();
        let text = std::fs::read_to_string(dir.path().join("sobol.csv")).unwrap();
        assert!(
            text.starts_with("factor,s1,s1_conf,st,st_conf\nx1,"),
            "{text}"
        );
        let bspec = uniform_spec(&["a", "b"], 0.0, 1.0, false);
        let t = evaluate(&bspec, &rows, "in", planted_box(&[(0.5, 1.0)]));
        let p = prim_from_table(
            &t,
            "in",
            Condition::parse(">0.5").unwrap(),
            &PrimOptions::default(),
        )
        .unwrap();
        assert!(p.chosen.limits[0].restricted);
    }
}
