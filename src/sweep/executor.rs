//! Executing the runs of a plan (a sweep or a scenario set): in parallel,
//! resumably, with bounded memory, recording failures instead of stopping.
//!
//! Each run is independent: load its config (from its [`Source`]), simulate,
//! pull out the outcomes, and append them as one record to the worker's log
//! ([`super::records`]). A run that keeps its folder (`keep_runs`) writes it
//! first, manifest last, so a record always describes a complete folder.
//! Only one run's time series per worker is ever in memory.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use rayon::prelude::*;

use crate::config::{self, Config, ConfigFile};
use crate::error::{Error, Result};
use crate::io::manifest::{sha256_hex, wall_time_s};
use crate::io::timeseries::Timeseries;
use crate::layout::{self, TIMESERIES};
use crate::progress::Progress;
use crate::run;
use crate::simulation::{seeded, with_threads, Simulation};

use super::plan::{self, PlanFile, Run, Shard};
use super::records::{config_digest, RecordHead, RecordIndex, RecordLog, RunRecord};
use super::spec::SweepSpec;
use super::summary::{self, Failure, OutcomeRecord};

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

/// What one invocation did with its runs, counted: the line a sweep or
/// scenario set prints when it ends, and the exit of a shard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ActionCounts {
    /// Runs this invocation was given.
    pub total: usize,
    /// Computed now.
    pub done: usize,
    /// Found finished on disk.
    pub skipped: usize,
    /// Failed now.
    pub failed: usize,
}

impl ActionCounts {
    /// Count `actions` (runs not started are in `total` only).
    pub fn of(actions: &[RunAction]) -> ActionCounts {
        let count = |k: RunAction| actions.iter().filter(|&&a| a == k).count();
        ActionCounts {
            total: actions.len(),
            done: count(RunAction::Done),
            skipped: count(RunAction::Skipped),
            failed: count(RunAction::Failed),
        }
    }

    /// `N runs, D computed, S already done, F failed`.
    pub fn describe(&self) -> String {
        format!(
            "{} runs, {} computed, {} already done, {} failed",
            self.total, self.done, self.skipped, self.failed
        )
    }

    /// How a shard of `what` (a sweep or a scenario set in `dir`) ends: exit 1
    /// naming where the failures are if one of its runs failed. A shard writes
    /// no summary, so the message is the only place the failure shows.
    pub fn shard_result(&self, what: &str, shard: &Shard, dir: &Path) -> Result<()> {
        match self.failed {
            0 => Ok(()),
            n => Err(Error::Failed(format!(
                "{what} shard {shard}: {n} of {} runs failed; see {}/runs/<run-id>/failed.json",
                self.total,
                dir.display()
            ))),
        }
    }
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

/// Execute `runs` of `plan` into `dir`, `jobs` at a time; returns one result
/// per run, in input order. Failures are recorded, not raised.
///
/// Each run ends as one record in its worker's log under `dir/records/`
/// ([`super::records`]); a run that keeps its folder writes it first.
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
    let index = RecordIndex::<RecordHead>::load(dir)?;
    if index.skipped_lines > 0 {
        eprintln!(
            "{}: {} line(s) in {} could not be read (cut by a kill, or edited); \
             their runs will be run again",
            opts.label,
            index.skipped_lines,
            super::records::records_dir(dir).display()
        );
    }
    let ctx = Context {
        dir,
        plan,
        opts,
        files: FileCache::new(&opts.source),
        index,
        keep_runs: keeps_runs(&opts.source),
        logs: (0..=opts.jobs.max(1)).map(|_| Mutex::default()).collect(),
    };
    let results = with_threads(Some(opts.jobs), || {
        runs.par_iter()
            .with_max_len(1)
            .map(|run| {
                if INTERRUPTED.load(Ordering::SeqCst) {
                    return RunAction::NotStarted;
                }
                let r = ctx.one_run(run);
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

/// What every run of one execution shares.
struct Context<'a> {
    dir: &'a Path,
    plan: &'a PlanFile,
    opts: &'a ExecOptions<'a>,
    files: FileCache,
    /// The records on disk when the execution started (heads only).
    index: RecordIndex<RecordHead>,
    keep_runs: bool,
    /// One log per worker thread (indexed by rayon's thread index).
    logs: Vec<Mutex<RecordLog>>,
}

/// How a run that did not fail ended.
enum Ended {
    Skipped,
    Ran(Box<OutcomeRecord>),
}

impl Context<'_> {
    /// Run (or skip) one run; it ends as a record (and, when it failed, a
    /// `failed.json` in its folder, which messages point to).
    fn one_run(&self, run: &Run) -> RunAction {
        let rd = summary::run_dir(self.dir, &run.run_id);
        let started = Instant::now();
        let mut digest = String::new();
        let ended = self.try_run(&rd, run, &mut digest);
        let wall = wall_time_s(started.elapsed());
        let (action, record) = match ended {
            Ok(Ended::Skipped) => return RunAction::Skipped,
            Ok(Ended::Ran(outcomes)) => (
                RunAction::Done,
                RunRecord::done(digest.clone(), wall, *outcomes),
            ),
            Err(e) => {
                let failure = Failure {
                    run_id: run.run_id.clone(),
                    seed: run.seed,
                    error: e.to_string(),
                };
                if let Err(w) = summary::write_failure(&rd, &failure) {
                    eprintln!("{}: {e}; and recording the failure failed: {w}", run.run_id);
                }
                (
                    RunAction::Failed,
                    RunRecord::failed(&failure, digest.clone(), wall),
                )
            }
        };
        match self.append(&record) {
            Ok(()) => action,
            Err(e) => {
                eprintln!("{}: cannot record the run: {e}", run.run_id);
                RunAction::Failed
            }
        }
    }

    /// Append `record` to the calling worker's log.
    fn append(&self, record: &RunRecord) -> Result<()> {
        let slot = rayon::current_thread_index().unwrap_or(0) % self.logs.len();
        let mut log = self.logs[slot]
            .lock()
            .map_err(|_| Error::Failed("a worker's record log was poisoned".into()))?;
        log.append(self.dir, record)
    }

    fn try_run(&self, rd: &Path, run: &Run, digest: &mut String) -> Result<Ended> {
        let config = self.opts.source.config(run, &self.files)?;
        *digest = config_digest(&config);
        match self.index.get(&run.run_id, run.seed) {
            Some(_)
                if self.index.finished(&run.run_id, run.seed, digest)
                    && (!self.keep_runs || is_finished(rd, &config)) =>
            {
                return Ok(Ended::Skipped);
            }
            // No record: a run folder finished before record logs existed, or
            // one killed between its manifest and its record.
            None if is_finished(rd, &config) => {
                if summary::read_outcomes(rd).is_none_or(|o| o.seed != run.seed) {
                    // Outcomes are written before the manifest, so this only
                    // happens after manual edits.
                    let ts = Timeseries::read(&rd.join(TIMESERIES))?;
                    summary::write_outcomes(rd, &summary::extract(self.plan, run, &ts)?)?;
                }
                return Ok(Ended::Skipped);
            }
            _ => {}
        }
        clear_dir(rd)?;
        let outcomes = simulate_into(rd, self.plan, run, config, self.keep_runs)?;
        Ok(Ended::Ran(Box::new(outcomes)))
    }
}

/// A run folder holds this exact run, intact.
fn is_finished(rd: &Path, config: &Config) -> bool {
    let Ok(m) = layout::read_manifest(rd) else {
        return false;
    };
    m.config_hash == sha256_hex(config::to_toml(config).as_bytes())
        && m.verify_files(rd).is_ok_and(|changed| changed.is_empty())
}

/// Remove whatever a killed, failed or outdated run left behind.
fn clear_dir(rd: &Path) -> Result<()> {
    match fs::remove_dir_all(rd) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::output(rd, e)),
        _ => Ok(()),
    }
}

/// Simulate in the current (sweep) pool and pull out the outcomes; a run that
/// keeps its folder writes it (outcomes, then the run folder, manifest last).
/// The time series is dropped on return.
fn simulate_into(
    rd: &Path,
    plan: &PlanFile,
    run: &Run,
    config: Config,
    keep_run: bool,
) -> Result<OutcomeRecord> {
    let started = Instant::now();
    let mut sim = Simulation::new(config);
    sim.run_to_end(|_| Ok(()))?;
    let outcomes = summary::extract(plan, run, &sim.timeseries)?;
    if keep_run {
        summary::write_outcomes(rd, &outcomes)?;
        run::write_run_dir(
            rd,
            &sim.config,
            &sim.timeseries,
            rayon::current_num_threads(),
            started,
            true,
            None,
        )?;
    }
    Ok(outcomes)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_counts_count_each_kind_and_a_shard_fails_only_with_a_failed_run() {
        use RunAction::*;
        let c = ActionCounts::of(&[Done, Skipped, Failed, Done, NotStarted]);
        assert_eq!(
            (c.total, c.done, c.skipped, c.failed),
            (5, 2, 1, 1),
            "{c:?}"
        );
        assert_eq!(c.describe(), "5 runs, 2 computed, 1 already done, 1 failed");
        let shard = Shard { index: 1, count: 3 };
        let err = c
            .shard_result("sweep", &shard, Path::new("out/x"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("sweep shard 2/3: 1 of 5 runs failed")
                && err.contains("out/x/runs/<run-id>/failed.json"),
            "{err}"
        );
        let fine = ActionCounts::of(&[Done, Skipped]);
        assert!(fine.shard_result("sweep", &shard, Path::new("x")).is_ok());
    }
}
