//! A sweep folder as an outcome table, and as Parquet files.
//!
//! The analysis layer never reads sweep folders; this is where a plan and
//! the run folders on disk become an [`OutcomeTable`] (one record per
//! planned run, failed and missing runs included with their status), and
//! where that table goes to `summary.parquet` (one row per (run, outcome))
//! and the outcomes' time series to `series.parquet` (long form: run_id,
//! tick, scope, metric, value). Both are rebuilt from disk like
//! `summary.csv`, so any `--jobs`, shard split or resume gives the same bytes.

use std::path::Path;

use crate::analysis::parquet::{write_series, write_summary, SeriesRow};
use crate::analysis::table::{OutcomeTable, RunRecord, RunStatus};
use crate::analysis::uncertainty::{DiscreteValue, ParamValue};
use crate::error::Result;
use crate::layout::{SERIES_PARQUET, SUMMARY_PARQUET};

use super::plan::PlanFile;
use super::summary::RunOnDisk;

/// A TOML literal from a run's values as the table's parameter value.
pub fn param_value(literal: &str) -> ParamValue {
    let parsed = toml::from_str::<toml::Table>(&format!("v = {literal}"))
        .ok()
        .and_then(|t| t.get("v").cloned());
    match parsed {
        Some(toml::Value::Float(x)) => ParamValue::Number(x),
        Some(toml::Value::Integer(i)) => ParamValue::Number(i as f64),
        Some(toml::Value::Boolean(b)) => ParamValue::Discrete(DiscreteValue::Boolean(b)),
        Some(toml::Value::String(s)) => ParamValue::Discrete(DiscreteValue::String(s)),
        _ => ParamValue::Discrete(DiscreteValue::String(literal.to_string())),
    }
}

/// The outcome table of `plan`'s runs in their on-disk `states` (parameter
/// names are the plan's paths; the dummy column is `dummy`).
pub fn outcome_table(plan: &PlanFile, states: &[RunOnDisk]) -> OutcomeTable {
    let runs = plan
        .runs
        .iter()
        .zip(states)
        .map(|(run, state)| {
            let (status, values) = match state {
                RunOnDisk::Done(o) => (
                    RunStatus::Ok,
                    o.values.iter().map(|v| v.parse::<f64>().ok()).collect(),
                ),
                RunOnDisk::Failed(_) => (RunStatus::Failed, vec![None; plan.outcomes.len()]),
                RunOnDisk::Missing => (RunStatus::Missing, vec![None; plan.outcomes.len()]),
            };
            RunRecord {
                run_id: run.run_id.clone(),
                point: run.point,
                replicate: run.replicate,
                seed: run.seed,
                status,
                params: run.values.iter().map(|v| param_value(v)).collect(),
                values,
            }
        })
        .collect();
    OutcomeTable {
        parameters: plan.parameters.iter().map(|p| p.path.clone()).collect(),
        outcomes: plan.outcomes.iter().map(|o| o.column()).collect(),
        runs,
    }
}

/// The outcomes' full series of every finished run, long form, run order.
pub fn series_rows(plan: &PlanFile, states: &[RunOnDisk]) -> Vec<SeriesRow> {
    let mut rows = Vec::new();
    for (run, state) in plan.runs.iter().zip(states) {
        let RunOnDisk::Done(o) = state else { continue };
        for s in &o.series {
            rows.extend(s.points.iter().map(|&(tick, value)| SeriesRow {
                run_id: run.run_id.clone(),
                tick,
                scope: s.scope.clone(),
                metric: s.metric.clone(),
                value,
            }));
        }
    }
    rows
}

/// Write `summary.parquet` and `series.parquet` into `dir`, with `suffix`
/// before the extension (a shard writes `-shard-2-of-3`; the whole sweep none).
pub fn write_parquet(
    dir: &Path,
    plan: &PlanFile,
    states: &[RunOnDisk],
    suffix: &str,
) -> Result<()> {
    let name = |file: &str| {
        let (stem, ext) = file.rsplit_once('.').unwrap_or((file, "parquet"));
        dir.join(format!("{stem}{suffix}.{ext}"))
    };
    write_summary(&name(SUMMARY_PARQUET), &outcome_table(plan, states))?;
    write_series(&name(SERIES_PARQUET), &series_rows(plan, states))
}
