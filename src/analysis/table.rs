//! The outcome table: what the sweep layer hands the analysis.
//!
//! One record per run: its id, design point, replicate, seed, status, the
//! parameter values it ran with and one value per outcome. The analysis never
//! reads sweep folders itself, so it can be fed by a finished sweep, a merged
//! Slurm sweep, a Parquet file or a test function alike, and a run that is
//! missing or failed is a record with that status (never silently absent).

use serde::Serialize;

use super::uncertainty::ParamValue;
use super::{AnalysisError, Result};

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Finished; its outcomes are valid.
    Ok,
    /// Started but failed (a model invariant, a bad parameter combination).
    Failed,
    /// Never finished (a killed or unfinished sweep).
    Missing,
}

impl RunStatus {
    /// The lowercase name used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Ok => "ok",
            RunStatus::Failed => "failed",
            RunStatus::Missing => "missing",
        }
    }

    /// Parse the lowercase name.
    pub fn parse(s: &str) -> Option<RunStatus> {
        match s {
            "ok" => Some(RunStatus::Ok),
            "failed" => Some(RunStatus::Failed),
            "missing" => Some(RunStatus::Missing),
            _ => None,
        }
    }
}

/// One run of a study.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    /// Run id, e.g. `p0012-r01`.
    pub run_id: String,
    /// Design point (row of the design) the run evaluates.
    pub point: usize,
    /// Replicate within the point.
    pub replicate: u32,
    /// The run's seed.
    pub seed: u64,
    /// How it ended.
    pub status: RunStatus,
    /// Parameter values, in [`OutcomeTable::parameters`] order.
    pub params: Vec<ParamValue>,
    /// Outcome values in [`OutcomeTable::outcomes`] order (`None` if absent).
    pub values: Vec<Option<f64>>,
}

/// Runs of one study with their parameters and outcomes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OutcomeTable {
    /// Parameter names (columns of `params`).
    pub parameters: Vec<String>,
    /// Outcome names, e.g. `frontier_gap_months@world@40`.
    pub outcomes: Vec<String>,
    /// The runs, in run-id order.
    pub runs: Vec<RunRecord>,
}

impl OutcomeTable {
    /// Index of an outcome by name, with a message listing the known ones.
    pub fn outcome_index(&self, name: &str) -> Result<usize> {
        self.outcomes.iter().position(|o| o == name).ok_or_else(|| {
            AnalysisError::Mismatch(format!(
                "unknown outcome `{name}`; this study has: {}",
                self.outcomes.join(", ")
            ))
        })
    }

    /// Check every record has one value per parameter and outcome.
    pub fn validate(&self) -> Result<()> {
        for r in &self.runs {
            if r.params.len() != self.parameters.len() || r.values.len() != self.outcomes.len() {
                return Err(AnalysisError::Mismatch(format!(
                    "run {}: {} parameters and {} outcomes, the table has {} and {}",
                    r.run_id,
                    r.params.len(),
                    r.values.len(),
                    self.parameters.len(),
                    self.outcomes.len()
                )));
            }
        }
        Ok(())
    }

    /// One value per design point for `outcome`: the mean over the point's
    /// successful replicates (which averages out the model's own noise), or
    /// `None` when none succeeded. `points` is the design's size, so points
    /// with no record at all come back `None` too.
    pub fn point_outcomes(&self, outcome: &str, points: usize) -> Result<Vec<Option<f64>>> {
        let k = self.outcome_index(outcome)?;
        let mut sum = vec![0.0; points];
        let mut count = vec![0usize; points];
        for r in &self.runs {
            if r.point >= points {
                return Err(AnalysisError::Mismatch(format!(
                    "run {}: point {} is outside the design's {points} points",
                    r.run_id, r.point
                )));
            }
            if let (RunStatus::Ok, Some(v)) = (r.status, r.values[k]) {
                if v.is_finite() {
                    sum[r.point] += v;
                    count[r.point] += 1;
                }
            }
        }
        Ok(sum
            .iter()
            .zip(&count)
            .map(|(s, &c)| (c > 0).then(|| s / c as f64))
            .collect())
    }

    /// Runs per status, in status order (ok, failed, missing).
    pub fn status_counts(&self) -> [(RunStatus, usize); 3] {
        let n = |s| self.runs.iter().filter(|r| r.status == s).count();
        [
            (RunStatus::Ok, n(RunStatus::Ok)),
            (RunStatus::Failed, n(RunStatus::Failed)),
            (RunStatus::Missing, n(RunStatus::Missing)),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replicates_are_averaged_and_failures_skipped() {
        let rec = |point, rep, status, v| RunRecord {
            run_id: format!("p{point}-r{rep}"),
            point,
            replicate: rep,
            seed: 0,
            status,
            params: vec![],
            values: vec![v],
        };
        let t = OutcomeTable {
            parameters: vec![],
            outcomes: vec!["y".into()],
            runs: vec![
                rec(0, 0, RunStatus::Ok, Some(1.0)),
                rec(0, 1, RunStatus::Ok, Some(3.0)),
                rec(1, 0, RunStatus::Failed, Some(9.0)),
                rec(2, 0, RunStatus::Ok, None),
            ],
        };
        t.validate().unwrap();
        assert_eq!(
            t.point_outcomes("y", 4).unwrap(),
            [Some(2.0), None, None, None]
        );
        assert!(t
            .point_outcomes("z", 4)
            .unwrap_err()
            .to_string()
            .contains("has: y"));
        assert!(t.point_outcomes("y", 2).is_err());
        assert_eq!(t.status_counts()[1], (RunStatus::Failed, 1));
    }
}
