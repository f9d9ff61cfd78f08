//! What a sweep leaves on disk, and how the summary is rebuilt from it.
//!
//! Everything `merge` needs lives in the sweep folder: `plan.json` (the
//! expanded design) and, per run, a record in `records/*.jsonl` (the outcome
//! values and their short time series, or the error; see
//! [`super::records`]). Runs that keep their folders also hold
//! `runs/<id>/outcomes.json`, and a failed run `runs/<id>/failed.json`. The
//! summary is *always* rebuilt from these files, never from memory, so a
//! local sweep at any `--jobs`, a set of Slurm shards plus `merge`, and a
//! resumed sweep all produce the same bytes.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::io::atomic::write_atomic;
use crate::io::quote::csv_text;
use crate::io::read::{try_read_text, Cap};
use crate::io::timeseries::{format_value, Timeseries};

use crate::layout::{self, FAILED, FAILURES, MANIFEST, OUTCOMES, SUMMARY};

use super::plan::{PlanFile, PlanOutcome, Run, FORMAT_VERSION};

/// The contents of a run's `outcomes.json`: the few numbers a sweep keeps
/// from a run, kept small on purpose so the summariser never loads a whole
/// time series.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct OutcomeRecord {
    /// Format version.
    pub version: u32,
    /// Run id.
    pub run_id: String,
    /// Seed.
    pub seed: u64,
    /// One value per plan outcome, formatted exactly as in `timeseries.csv`.
    pub values: Vec<String>,
    /// Full series (tick, value) per distinct (metric, scope) of the outcomes.
    pub series: Vec<OutcomeSeries>,
    /// Period labels by tick, for chart axes.
    pub periods: Vec<(u32, String)>,
}

/// The time series of one outcome metric in one scope.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct OutcomeSeries {
    /// Metric.
    pub metric: String,
    /// Scope.
    pub scope: String,
    /// `(tick, value)` in tick order.
    pub points: Vec<(u32, f64)>,
}

/// Distinct (metric, scope) pairs of the outcomes, in first-seen order.
pub fn series_keys(outcomes: &[PlanOutcome]) -> Vec<(String, String)> {
    let mut keys: Vec<(String, String)> = Vec::new();
    for o in outcomes {
        let k = (o.metric.clone(), o.scope.clone());
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    keys
}

/// Pull the outcomes of one run out of its time series. A metric/scope the
/// run did not record is an error naming what exists, so a typo in the sweep
/// file is reported as a failure rather than as empty cells.
pub fn extract(plan: &PlanFile, run: &Run, ts: &Timeseries) -> Result<OutcomeRecord> {
    let mut values = Vec::with_capacity(plan.outcomes.len());
    for o in &plan.outcomes {
        let v = match o.tick.as_str() {
            "last" => ts.last_value(&o.metric, &o.scope),
            t => t
                .parse()
                .ok()
                .and_then(|t| ts.value_at(&o.metric, &o.scope, t)),
        };
        let v = v.ok_or_else(|| missing_outcome(o, ts))?;
        values.push(format_value(v));
    }
    let series = series_keys(&plan.outcomes)
        .into_iter()
        .map(|(metric, scope)| OutcomeSeries {
            points: ts.series(&metric, &scope),
            metric,
            scope,
        })
        .collect();
    Ok(OutcomeRecord {
        version: FORMAT_VERSION,
        run_id: run.run_id.clone(),
        seed: run.seed,
        values,
        series,
        periods: ts.periods(),
    })
}

fn missing_outcome(o: &PlanOutcome, ts: &Timeseries) -> Error {
    let scopes = ts.scopes_of(&o.metric);
    let why = if scopes.is_empty() {
        format!(
            "the run recorded no metric `{}`",
            crate::io::quote::quote(&o.metric)
        )
    } else if !scopes.contains(&o.scope) {
        format!(
            "`{}` has no scope `{}` (known: {})",
            o.metric,
            o.scope,
            scopes.join(", ")
        )
    } else {
        format!("no value at tick {}", o.tick)
    };
    Error::Failed(format!("outcome {}: {why}", o.column()))
}

/// Write `outcomes.json` into a run folder.
///
/// Not fsynced: the run's manifest, written after it, pins its hash, and a resumed
/// sweep recomputes a run whose files do not match (see
/// [`crate::io::atomic::write_atomic_verified`]).
pub fn write_outcomes(run_dir: &Path, outcomes: &OutcomeRecord) -> Result<()> {
    let path = run_dir.join(OUTCOMES);
    let mut json =
        serde_json::to_vec(outcomes).map_err(|e| Error::output(&path, std::io::Error::other(e)))?;
    json.push(b'\n');
    crate::io::atomic::write_atomic_verified(&path, &json)
}

/// Read a run's `outcomes.json`, `None` if absent or unreadable.
pub fn read_outcomes(run_dir: &Path) -> Option<OutcomeRecord> {
    let text = try_read_text(&run_dir.join(OUTCOMES), Cap::Record).ok()?;
    serde_json::from_str(&text).ok()
}

/// A failure record for one run.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// Run id.
    pub run_id: String,
    /// Seed.
    pub seed: u64,
    /// The error message.
    pub error: String,
}

/// Write `failed.json` into a run folder.
pub fn write_failure(run_dir: &Path, failure: &Failure) -> Result<()> {
    write_json(&run_dir.join(FAILED), failure)
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let mut json =
        serde_json::to_vec(value).map_err(|e| Error::output(path, std::io::Error::other(e)))?;
    json.push(b'\n');
    write_atomic(path, &json)
}

/// The state of one planned run, as found on disk.
#[derive(Clone, Debug)]
pub enum RunOnDisk {
    /// Finished: manifest and outcomes present.
    Done(OutcomeRecord),
    /// Failed, with its record.
    Failed(Failure),
    /// Never ran, or was interrupted.
    Missing,
}

/// Folder of run `id` in sweep folder `dir`.
pub fn run_dir(dir: &Path, id: &str) -> PathBuf {
    layout::sweep_run_dir(dir, id)
}

/// The state of each of `runs` in sweep folder `dir`, in order: the latest
/// record of the run in the record logs (all read once), or, for a run with
/// none (a sweep written before record logs, or a run killed after its kept
/// folder was finished but before its record), its run folder.
pub fn run_states(dir: &Path, runs: &[Run]) -> Result<Vec<RunOnDisk>> {
    let mut index: super::records::RecordIndex = super::records::RecordIndex::load(dir)?;
    Ok(runs
        .iter()
        .map(|r| match index.take(&r.run_id, r.seed) {
            Some(rec) => match (rec.outcomes, rec.error) {
                (Some(o), _) if o.seed == r.seed => RunOnDisk::Done(o),
                (_, Some(error)) => RunOnDisk::Failed(Failure {
                    run_id: rec.run_id,
                    seed: rec.seed,
                    error,
                }),
                _ => RunOnDisk::Missing,
            },
            None => folder_state(dir, r),
        })
        .collect())
}

/// Look at a run folder. A folder counts as done only with both a manifest
/// (written last by the run) and readable outcomes for the same seed.
fn folder_state(dir: &Path, run: &Run) -> RunOnDisk {
    let rd = run_dir(dir, &run.run_id);
    if rd.join(MANIFEST).is_file() {
        if let Some(o) = read_outcomes(&rd).filter(|o| o.seed == run.seed) {
            return RunOnDisk::Done(o);
        }
    }
    let failed = try_read_text(&rd.join(FAILED), Cap::Record)
        .ok()
        .and_then(|t| serde_json::from_str::<Failure>(&t).ok());
    match failed {
        Some(f) if f.seed == run.seed => RunOnDisk::Failed(f),
        _ => RunOnDisk::Missing,
    }
}

/// Counts after summarising.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Runs with outcomes.
    pub done: usize,
    /// Failed run ids.
    pub failed: Vec<String>,
    /// Missing run ids.
    pub missing: Vec<String>,
}

/// Write `summary.csv` and `failures.csv` from the run folders alone.
/// Rows follow the plan (run-id order); failed and missing runs keep their
/// row with a `status` and empty outcome cells, so nothing silently drops.
pub fn write_summary(dir: &Path, plan: &PlanFile, states: &[RunOnDisk]) -> Result<Tally> {
    let mut tally = Tally::default();
    let mut summary = csv_writer();
    let mut header = vec!["run_id", "point", "replicate", "seed", "status"]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
    header.extend(plan.parameters.iter().map(|p| csv_text(&p.path)));
    header.extend(plan.outcomes.iter().map(|o| csv_text(&o.column())));
    let mut failures = csv_writer();
    failures
        .write_record(["run_id", "seed", "error"])
        .map_err(csv_err)?;
    summary.write_record(&header).map_err(csv_err)?;
    for (run, state) in plan.runs.iter().zip(states) {
        let mut row = vec![
            csv_text(&run.run_id),
            run.point.to_string(),
            run.replicate.to_string(),
            run.seed.to_string(),
        ];
        let status = match state {
            RunOnDisk::Done(_) => "ok",
            RunOnDisk::Failed(_) => "failed",
            RunOnDisk::Missing => "missing",
        };
        row.push(status.into());
        row.extend(run.values.iter().map(|v| csv_text(&plain_value(v))));
        match state {
            RunOnDisk::Done(o) => {
                tally.done += 1;
                row.extend(o.values.iter().cloned());
            }
            RunOnDisk::Failed(f) => {
                tally.failed.push(run.run_id.clone());
                failures
                    .write_record([
                        &csv_text(&f.run_id),
                        &f.seed.to_string(),
                        &csv_text(&f.error),
                    ])
                    .map_err(csv_err)?;
                row.extend(plan.outcomes.iter().map(|_| String::new()));
            }
            RunOnDisk::Missing => {
                tally.missing.push(run.run_id.clone());
                row.extend(plan.outcomes.iter().map(|_| String::new()));
            }
        }
        summary.write_record(&row).map_err(csv_err)?;
    }
    write_atomic(&dir.join(SUMMARY), &finish(summary)?)?;
    write_atomic(&dir.join(FAILURES), &finish(failures)?)?;
    Ok(tally)
}

fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new())
}

fn finish(w: csv::Writer<Vec<u8>>) -> Result<Vec<u8>> {
    w.into_inner()
        .map_err(|e| Error::Failed(format!("cannot build CSV: {e}")))
}

fn csv_err(e: csv::Error) -> Error {
    Error::Failed(format!("cannot build CSV: {e}"))
}

/// A TOML literal as a CSV cell: strings lose their quotes (`ban`, not
/// `"ban"`), numbers and booleans stay as written.
pub fn plain_value(literal: &str) -> String {
    match toml::from_str::<toml::Table>(&format!("v = {literal}")) {
        Ok(t) => match t.get("v") {
            Some(toml::Value::String(s)) => s.clone(),
            _ => literal.to_string(),
        },
        Err(_) => literal.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn plain_values_drop_string_quotes_only() {
        assert_eq!(plain_value("\"ban\""), "ban");
        assert_eq!(plain_value("0.4"), "0.4");
        assert_eq!(plain_value("true"), "true");
    }

    #[test]
    fn summary_cells_cannot_be_formulas() {
        let dir = tempfile::tempdir().unwrap();
        let run = Run {
            run_id: "p0-r0".into(),
            point: 0,
            replicate: 0,
            seed: 5,
            values: vec!["\"=HYPERLINK(1)\"".into(), "-1.5".into()],
        };
        let plan = PlanFile {
            version: FORMAT_VERSION,
            name: "t".into(),
            design: "grid".into(),
            parameters: serde_json::from_str(
                r#"[{"path":"=a","discrete":true},{"path":"b","discrete":true}]"#,
            )
            .unwrap(),
            outcomes: vec![],
            runs: vec![run],
            sources: None,
        };
        let failure = Failure {
            run_id: "p0-r0".into(),
            seed: 5,
            error: "@SUM(A1)".into(),
        };
        write_summary(dir.path(), &plan, &[RunOnDisk::Failed(failure)]).unwrap();
        let summary = fs::read_to_string(dir.path().join(SUMMARY)).unwrap();
        assert!(summary.contains(",'=HYPERLINK(1),-1.5"), "{summary}");
        let failures = fs::read_to_string(dir.path().join(FAILURES)).unwrap();
        assert!(failures.contains(",'@SUM(A1)"), "{failures}");
    }

    #[test]
    fn extract_reads_last_and_fixed_ticks_and_names_missing_scopes() {
        let mut ts = Timeseries::default();
        for t in 0..3 {
            ts.push(
                t,
                &format!("2026Q{}", t + 1),
                "world",
                "gap",
                f64::from(t) * 1.5,
            );
        }
        let outcome = |scope: &str, tick: &str| PlanOutcome {
            metric: "gap".into(),
            scope: scope.into(),
            tick: tick.into(),
        };
        let run = Run {
            run_id: "p0-r0".into(),
            point: 0,
            replicate: 0,
            seed: 5,
            values: vec![],
        };
        let mut plan = PlanFile {
            version: FORMAT_VERSION,
            name: "t".into(),
            design: "grid".into(),
            parameters: vec![],
            outcomes: vec![outcome("world", "last"), outcome("world", "1")],
            runs: vec![run.clone()],
            sources: None,
        };
        let o = extract(&plan, &run, &ts).unwrap();
        assert_eq!(o.values, ["3", "1.5"]);
        assert_eq!(o.series.len(), 1);
        assert_eq!(o.series[0].points.len(), 3);
        plan.outcomes.push(outcome("US", "last"));
        let err = extract(&plan, &run, &ts).unwrap_err().to_string();
        assert!(
            err.contains("gap@US@last") && err.contains("known: world"),
            "{err}"
        );
    }
}
