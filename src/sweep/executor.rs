//! Executing the runs of a plan (a sweep or a scenario set): in parallel,
//! resumably, with bounded memory, recording failures instead of stopping.
//!
//! Each run is independent: load its config (from its [`Source`]), simulate, pull out the outcomes, write `outcomes.json`, then the
//! run folder with its manifest *last*. A run folder with a manifest is
//! therefore finished; anything else is debris from a kill and is redone.
//! Only one run's time series per worker is ever in memory.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use rayon::prelude::*;

use crate::config::{self, Config, ConfigFile};
use crate::error::{Error, Result};
use crate::io::manifest::sha256_hex;
use crate::io::manifest::Manifest;
use crate::io::timeseries::Timeseries;
use crate::layout::{self, OUTCOMES, TIMESERIES};
use crate::progress::Progress;
use crate::run;
use crate::simulation::{seeded, with_threads, Simulation};

use super::plan::{self, PlanFile, Run};
use super::spec::SweepSpec;
use super::summary::{self, Failure};

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

/// What this invocation did with one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunAction {
    /// Already finished on disk; not recomputed.
    Skipped,
    /// Computed now.
    Done,
    /// Failed now (recorded in its folder).
    Failed,
    /// Not started because of Ctrl-C.
    NotStarted,
}

/// Where a run's config comes from: the one thing sweeps and scenario
/// sets do differently.
pub enum Source<'a> {
    /// A sweep: the base config with the sweep's sets, the run's parameter
    /// values and its seed ([`plan::assignments`]).
    Sweep(&'a SweepSpec),
    /// A scenario set: point `i` is overlay file `files[i]`, loaded with the
    /// same `sets` for every run, then `point_sets[i]` (if any: the parameter
    /// draw of `scenarios --uncertainty`); the seed is the run's.
    Overlays {
        /// One config file per point, in point order.
        files: &'a [PathBuf],
        /// `--set` overrides applied to every run.
        sets: &'a [String],
        /// Extra overrides per point, in point order (empty: none).
        point_sets: &'a [Vec<String>],
    },
}

impl Source<'_> {
    /// The resolved config of `run`, seed in place, its file read through `files`.
    fn config(&self, run: &Run, files: &FileCache) -> Result<Config> {
        let loaded = match self {
            Source::Sweep(spec) => files.get(0)?.load(&plan::assignments(spec, run))?,
            Source::Overlays {
                sets, point_sets, ..
            } => {
                let file = files.get(files.slot_of(run)?)?;
                match point_sets.get(run.point) {
                    Some(extra) => file.load(&[*sets, extra.as_slice()].concat())?,
                    None => file.load(sets)?,
                }
            }
        };
        Ok(seeded(&loaded.config, Some(run.seed)))
    }

    /// The distinct config files of this source, in first-use order, and each
    /// point's file among them (empty for a sweep: one file for every run).
    fn files(&self) -> (Vec<PathBuf>, Vec<usize>) {
        match self {
            Source::Sweep(spec) => (vec![spec.base.clone()], Vec::new()),
            Source::Overlays { files, .. } => {
                let mut distinct: Vec<PathBuf> = Vec::new();
                let slots = files
                    .iter()
                    .map(|f| match distinct.iter().position(|d| d == f) {
                        Some(i) => i,
                        None => {
                            distinct.push(f.clone());
                            distinct.len() - 1
                        }
                    })
                    .collect();
                (distinct, slots)
            }
        }
    }
}

/// The config files of one execution, each read and parsed on first use and then
/// shared by every run that loads it (parsing dominated a run's set-up). A file
/// that fails to read is not cached: each of its runs records the error.
struct FileCache {
    paths: Vec<PathBuf>,
    /// Each point's index into `paths` (empty: every run uses `paths[0]`).
    point_slot: Vec<usize>,
    read: Vec<OnceLock<ConfigFile>>,
}

impl FileCache {
    fn new(source: &Source) -> Self {
        let (paths, point_slot) = source.files();
        let read = paths.iter().map(|_| OnceLock::new()).collect();
        FileCache {
            paths,
            point_slot,
            read,
        }
    }

    /// The file slot of `run`'s point.
    fn slot_of(&self, run: &Run) -> Result<usize> {
        self.point_slot.get(run.point).copied().ok_or_else(|| {
            Error::Failed(format!(
                "{}: no scenario file for point {}",
                run.run_id, run.point
            ))
        })
    }

    /// The parsed file in `slot`, read now if no run has yet.
    fn get(&self, slot: usize) -> Result<&ConfigFile> {
        let cell = &self.read[slot];
        if let Some(f) = cell.get() {
            return Ok(f);
        }
        let parsed = ConfigFile::read(&self.paths[slot])?;
        // Two workers may race to read it; both read the same file, one is kept.
        Ok(cell.get_or_init(|| parsed))
    }
}

/// How to execute.
pub struct ExecOptions<'a> {
    /// Where each run's config comes from.
    pub source: Source<'a>,
    /// Worker threads shared by all runs.
    pub jobs: usize,
    /// No progress output.
    pub quiet: bool,
    /// Prefix of plain progress lines ("sweep", "scenarios").
    pub label: &'static str,
}

/// Execute `runs` of `plan` into `dir/runs/`, `jobs` at a time; returns one
/// result per run, in input order. Failures are recorded, not raised.
pub fn execute(
    dir: &Path,
    plan: &PlanFile,
    runs: &[Run],
    opts: &ExecOptions,
) -> Result<Vec<RunAction>> {
    let progress = Mutex::new(Progress::counting(
        runs.len() as u64,
        opts.quiet,
        "runs",
        opts.label,
    ));
    let failed = AtomicUsize::new(0);
    let files = FileCache::new(&opts.source);
    let results = with_threads(Some(opts.jobs), || {
        runs.par_iter()
            .with_max_len(1)
            .map(|run| {
                if INTERRUPTED.load(Ordering::SeqCst) {
                    return RunAction::NotStarted;
                }
                let r = one_run(dir, plan, run, opts, &files);
                if r == RunAction::Failed {
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
fn one_run(
    dir: &Path,
    plan: &PlanFile,
    run: &Run,
    opts: &ExecOptions,
    files: &FileCache,
) -> RunAction {
    let rd = summary::run_dir(dir, &run.run_id);
    match try_run(&rd, plan, run, opts, files) {
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
            RunAction::Failed
        }
    }
}

fn try_run(
    rd: &Path,
    plan: &PlanFile,
    run: &Run,
    opts: &ExecOptions,
    files: &FileCache,
) -> Result<RunAction> {
    let config = opts.source.config(run, files)?;
    if is_finished(rd, &config) {
        if summary::read_outcomes(rd).is_none_or(|o| o.seed != run.seed) {
            // Killed between manifest and nothing else: outcomes are written
            // before the manifest, so this only happens after manual edits.
            let ts = Timeseries::read(&rd.join(TIMESERIES))?;
            summary::write_outcomes(rd, &summary::extract(plan, run, &ts)?)?;
        }
        return Ok(RunAction::Skipped);
    }
    clear_dir(rd)?;
    simulate_into(rd, plan, run, config, keeps_runs(&opts.source))?;
    Ok(RunAction::Done)
}

/// A run folder holds this exact run, intact.
fn is_finished(rd: &Path, config: &Config) -> bool {
    let Ok(m) = layout::read_manifest(rd) else {
        return false;
    };
    m.config_hash == sha256_hex(config::to_toml(config).as_bytes())
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
fn simulate_into(
    rd: &Path,
    plan: &PlanFile,
    run: &Run,
    config: Config,
    keep_runs: bool,
) -> Result<()> {
    let started = Instant::now();
    let mut sim = Simulation::new(config);
    sim.run_to_end(|_| Ok(()))?;
    let outcomes = summary::extract(plan, run, &sim.timeseries)?;
    summary::write_outcomes(rd, &outcomes)?;
    let threads = rayon::current_num_threads();
    if keep_runs {
        run::write_run_dir(
            rd,
            &sim.config,
            &sim.timeseries,
            threads,
            started,
            true,
            None,
        )?;
        return Ok(());
    }
    // Only the outcomes (a few KB) and a manifest that lists them: the
    // manifest still marks the run finished and pins its config and seed.
    let config_toml = config::to_toml(&sim.config);
    let mut manifest = Manifest::new_for_build(
        &sim.config.name,
        &config_toml,
        sim.config.run.seed,
        sim.config.run.ticks,
        threads,
    );
    manifest.add_file(rd, OUTCOMES)?;
    manifest.wall_time_s = (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
    layout::write_run_manifest(rd, &manifest)
}

/// Whether runs of this source keep their full folders: a sweep's
/// `keep_runs` (default false); a scenario set does, except under
/// `--uncertainty` (per-point parameter draws), where thousands of runs would
/// otherwise take ~1 MB each.
fn keeps_runs(source: &Source<'_>) -> bool {
    match source {
        Source::Sweep(spec) => spec.keep_runs,
        Source::Overlays { point_sets, .. } => point_sets.is_empty(),
    }
}

/// Whether Ctrl-C was pressed.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}
