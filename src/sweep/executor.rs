//! Executing sweep runs: in parallel, resumably, with bounded memory.
//!
//! Each run is independent: load its config (base + sets + parameters +
//! seed), simulate, pull out the outcomes, write `outcomes.json`, then the
//! run folder with its manifest *last*. A run folder with a manifest is
//! therefore finished; anything else is debris from a kill and is redone.
//! Only one run's time series per worker is ever in memory.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use rayon::prelude::*;

use crate::config::{self, LoadedConfig};
use crate::error::{Error, Result};
use crate::io::manifest::{sha256_hex, Manifest};
use crate::io::timeseries::Timeseries;
use crate::run::{self, Simulation};

use super::progress::Progress;
use super::summary::{self, Failure, PlanFile, PlanRun};

/// Set by the Ctrl-C handler: no new run starts once it is true.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Install the Ctrl-C handler once per process (later calls are no-ops).
pub fn install_interrupt_handler() {
    static INSTALLED: AtomicBool = AtomicBool::new(false);
    if !INSTALLED.swap(true, Ordering::SeqCst) {
        let _ = ctrlc::set_handler(|| {
            INTERRUPTED.store(true, Ordering::SeqCst);
            eprintln!("\ninterrupted: finishing the runs in flight, starting no new ones");
        });
    }
}

/// What happened to one run in this invocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunResult {
    /// Already finished on disk; not recomputed.
    Skipped,
    /// Computed now.
    Done,
    /// Failed now (recorded in its folder).
    Failed,
    /// Not started because of Ctrl-C.
    NotStarted,
}

/// How to execute.
pub struct ExecOptions<'a> {
    /// The sweep's base config.
    pub base: &'a Path,
    /// Fixed sets of the sweep (before parameters).
    pub sets: &'a [String],
    /// Parameter paths in order.
    pub paths: Vec<String>,
    /// Worker threads shared by all runs.
    pub jobs: usize,
    /// No progress output.
    pub quiet: bool,
}

/// The `--set` list of a plan run: sweep sets, parameters, seed.
pub fn run_assignments(opts: &ExecOptions, run: &PlanRun) -> Vec<String> {
    let params = opts
        .paths
        .iter()
        .zip(&run.values)
        .map(|(p, v)| format!("{p}={v}"));
    opts.sets
        .iter()
        .cloned()
        .chain(params)
        .chain(std::iter::once(format!(
            "{}={}",
            super::plan::SEED_KEY,
            run.seed
        )))
        .collect()
}

/// Execute `runs` of `plan` into `dir/runs/`, `jobs` at a time; returns one
/// result per run, in input order. Failures are recorded, not raised.
pub fn execute(
    dir: &Path,
    plan: &PlanFile,
    runs: &[PlanRun],
    opts: &ExecOptions,
) -> Result<Vec<RunResult>> {
    let progress = Mutex::new(Progress::new(runs.len() as u64, opts.quiet));
    let failed = AtomicUsize::new(0);
    let results = crate::run::with_threads(Some(opts.jobs), || {
        runs.par_iter()
            .with_max_len(1)
            .map(|run| {
                if INTERRUPTED.load(Ordering::SeqCst) {
                    return RunResult::NotStarted;
                }
                let r = one_run(dir, plan, run, opts);
                if r == RunResult::Failed {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
                if let Ok(mut p) = progress.lock() {
                    p.inc(failed.load(Ordering::Relaxed));
                }
                r
            })
            .collect::<Vec<_>>()
    })?;
    if let Ok(p) = progress.into_inner() {
        p.finish();
    }
    Ok(results)
}

/// Run (or skip) one run; every error ends up in its `failed.json`.
fn one_run(dir: &Path, plan: &PlanFile, run: &PlanRun, opts: &ExecOptions) -> RunResult {
    let rd = summary::run_dir(dir, &run.run_id);
    match try_run(&rd, plan, run, opts) {
        Ok(r) => r,
        Err(e) => {
            let failure = Failure {
                run_id: run.run_id.clone(),
                seed: run.seed,
                error: e.to_string(),
            };
            if let Err(w) = summary::write_failure(&rd, &failure) {
                eprintln!("{}: {e}; and recording the failure failed: {w}", run.run_id);
            }
            RunResult::Failed
        }
    }
}

fn try_run(rd: &Path, plan: &PlanFile, run: &PlanRun, opts: &ExecOptions) -> Result<RunResult> {
    let loaded = config::load(opts.base, &run_assignments(opts, run))?;
    let config_toml = config::to_toml(&loaded.config);
    if is_finished(rd, &config_toml) {
        if summary::read_outcomes(rd).is_none_or(|o| o.seed != run.seed) {
            // Killed between manifest and nothing else: outcomes are written
            // before the manifest, so this only happens after manual edits.
            let ts = Timeseries::read(&rd.join(run::TIMESERIES))?;
            summary::write_outcomes(rd, &summary::extract(plan, run, &ts)?)?;
        }
        return Ok(RunResult::Skipped);
    }
    clear_dir(rd)?;
    simulate_into(rd, plan, run, &loaded)?;
    Ok(RunResult::Done)
}

/// A run folder holds this exact run, intact.
fn is_finished(rd: &Path, config_toml: &str) -> bool {
    let Ok(m) = Manifest::read(rd) else {
        return false;
    };
    m.config_hash == sha256_hex(config_toml.as_bytes())
        && m.verify_files(rd).is_ok_and(|changed| changed.is_empty())
}

/// Remove whatever a killed or outdated run left behind.
fn clear_dir(rd: &Path) -> Result<()> {
    if rd.exists() {
        fs::remove_dir_all(rd).map_err(|e| Error::output(rd, e))?;
    }
    Ok(())
}

/// Simulate in the current (sweep) pool, then write outcomes and the run
/// folder, manifest last. The time series is dropped on return.
fn simulate_into(rd: &Path, plan: &PlanFile, run: &PlanRun, loaded: &LoadedConfig) -> Result<()> {
    let started = Instant::now();
    let mut sim = Simulation::new(loaded.config.clone());
    sim.run_to_end(|_| Ok(()))?;
    let outcomes = summary::extract(plan, run, &sim.timeseries)?;
    summary::write_outcomes(rd, &outcomes)?;
    let threads = rayon::current_num_threads();
    run::write_run_dir(
        rd,
        &sim.config,
        &sim.timeseries,
        threads,
        started,
        true,
        None,
    )?;
    Ok(())
}

/// Whether Ctrl-C was pressed.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// The folder of every run, for messages.
pub fn runs_root(dir: &Path) -> PathBuf {
    dir.join("runs")
}
