//! Parameter sweeps: expand a design into runs, execute them (locally or as
//! Slurm array shards), and summarise the outcomes.
//!
//! Layout of a sweep folder (`--out`, default `output/sweeps/<name>`):
//!
//! ```text
//! plan.json            the expanded design (what merge reads)
//! sweep.toml           copy of the sweep file, for the record
//! records/*.jsonl      one JSON line per finished or failed run (its outcomes
//!                      or its error), one log per worker: see [`records`]
//! runs/<run-id>/       with `keep_runs = true`, one run folder each
//!                      (timeseries.csv, config.toml, outcomes.json, manifest.json
//!                      last); a failed run's folder holds failed.json
//! summary.csv          one row per run, sorted by run id
//! failures.csv         one row per failed run
//! bands.csv, charts/, report.html
//! sweep.sbatch, merge.sbatch, slurm/   (airace slurm)
//! ```

//!
//! The stages, one module each: [`spec`] (sweep file → typed spec),
//! [`plan`] (spec → runs, seeds, shards, `plan.json`), [`executor`] (runs →
//! run records), [`summary`] and [`charts`] (records → summary, bands,
//! report). A scenario set (`crate::scenarios`) is a plan whose points are
//! overlay files, run by the same executor.

pub mod analyze;
mod analyze_page;
pub mod charts;
pub mod design;
pub mod executor;
pub mod plan;
pub mod records;
pub mod slurm;
pub mod spec;
pub mod summary;
pub mod table;

use std::path::{Path, PathBuf};

use crate::config;
use crate::error::{Error, Result};
use crate::io::atomic::write_atomic;
use crate::layout::{FolderLock, REPORT, RUNS, SUMMARY, SWEEP_FILE};

use executor::{ActionCounts, ExecOptions, Source};
use plan::{PlanFile, Shard};
use spec::{OutcomeTick, SweepSpec};
use summary::{RunOnDisk, Tally};

/// Options of `airace sweep`, validated by the caller.
#[derive(Clone, Debug, Default)]
pub struct SweepOptions {
    /// The sweep file.
    pub sweep: PathBuf,
    /// Output folder (default: `output/sweeps/<sweep name>`).
    pub out: Option<PathBuf>,
    /// Runs executed at once.
    pub jobs: usize,
    /// Run only this shard.
    pub shard: Option<Shard>,
    /// No progress or summary lines.
    pub quiet: bool,
    /// `--max-memory`: refuse when `jobs` × the per-run estimate exceeds it.
    pub max_memory: Option<String>,
    /// Write into a folder that holds other work ([`crate::layout::claim_folder`]).
    pub force: bool,
}

/// Options of `airace slurm`, validated by the caller.
#[derive(Clone, Debug, Default)]
pub struct SlurmOptions {
    /// The sweep file.
    pub sweep: PathBuf,
    /// Output folder shared by all tasks.
    pub out: PathBuf,
    /// Number of array tasks (shards), at least 1.
    pub tasks: usize,
    /// Submit with sbatch.
    pub submit: bool,
    /// Extra sbatch options.
    pub sbatch_args: Vec<String>,
}

/// A validated sweep ready to execute: nothing has been written yet.
pub struct Prepared {
    /// The sweep file, validated.
    pub spec: SweepSpec,
    /// The expanded design.
    pub plan: PlanFile,
    /// The config of each design point (replicate 0), for the memory check.
    pub point_configs: Vec<config::Config>,
    /// The design over `[uncertainty]` factors, recorded in `plan.json`.
    pub study: Option<design::PlanStudy>,
}

impl Prepared {
    /// Execution options for this sweep.
    fn exec_options(&self, jobs: usize, quiet: bool) -> ExecOptions<'_> {
        ExecOptions {
            source: Source::Sweep(&self.spec),
            jobs,
            quiet,
            label: "sweep",
        }
    }
}

/// Load and fully validate a sweep file: the file itself, and the config of
/// every design point (replicates differ only by seed), so an unknown
/// parameter path or an out-of-range value fails before anything runs.
pub fn prepare(path: &Path) -> Result<Prepared> {
    let spec = spec::load_sweep(path)?;
    let runs = plan::expand(&spec);
    let plan = PlanFile::new(&spec, &runs);
    let study = design::PlanStudy::of(&spec);
    let mut prepared = Prepared {
        spec,
        plan,
        point_configs: Vec::new(),
        study,
    };
    let file = path.display().to_string();
    let mut point_configs = Vec::new();
    for run in prepared.plan.runs.iter().filter(|r| r.replicate == 0) {
        let assignments = plan::assignments(&prepared.spec, run);
        let loaded = config::load(&prepared.spec.base, &assignments).map_err(|e| match e {
            Error::Config { key, message, .. } => {
                Error::config(&file, key, format!("point {}: {message}", run.point))
            }
            other => Error::config(&file, "base", format!("point {}: {other}", run.point)),
        })?;
        check_outcome_ticks(&prepared.spec, loaded.config.run.ticks, &file)?;
        if run.point == 0 {
            spec::check_outcomes_recorded(&prepared.spec, &loaded.config)?;
        }
        point_configs.push(loaded.config);
    }
    prepared.point_configs = point_configs;
    Ok(prepared)
}

fn check_outcome_ticks(spec: &SweepSpec, ticks: u32, file: &str) -> Result<()> {
    for (i, o) in spec.outcomes.iter().enumerate() {
        if let OutcomeTick::At(t) = o.tick {
            if t >= ticks {
                let m = format!(
                    "tick {t} is past the run's last tick {}",
                    ticks.saturating_sub(1)
                );
                return Err(Error::config(file, format!("outcomes[{i}].tick"), m));
            }
        }
    }
    Ok(())
}

/// Create the sweep folder and write `plan.json` and the sweep file copy.
/// Only a whole-sweep invocation (which holds the folder lock) removes temp
/// files left by killed writers: shards of a Slurm array share the folder
/// and write `plan.json` at the same time, so one shard's clean-up would
/// delete another's temp file between its write and its rename.
fn init_out_dir(out: &Path, prepared: &Prepared, force: bool, whole: bool) -> Result<()> {
    crate::layout::claim_folder(out, crate::layout::FolderWork::Sweep, force)?;
    std::fs::create_dir_all(out.join(RUNS)).map_err(|e| Error::output(out, e))?;
    if whole {
        crate::layout::remove_stale_temps(out);
    }
    prepared
        .plan
        .write_checked_with(out, force, prepared.study.as_ref())?;
    let text = crate::io::read::read_bytes(&prepared.spec.file, crate::io::read::Cap::Config)?;
    write_atomic(&out.join(SWEEP_FILE), &text)
}

/// `airace sweep`: run (or resume) a sweep, or one shard of it; without a
/// shard, finish with the summary, charts and report.
pub fn sweep(args: &SweepOptions) -> Result<()> {
    let prepared = prepare(&args.sweep)?;
    let shard = args.shard;
    let jobs = args.jobs;
    crate::limits::check_sweep_memory(&prepared.point_configs, jobs, args.max_memory.as_deref())?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output/sweeps").join(&prepared.spec.name));
    // Shards of one sweep share its folder by design (each run and record log
    // belongs to one shard), so only a whole-sweep invocation locks it.
    let _lock = match shard {
        None => Some(FolderLock::acquire(&out)?),
        Some(_) => None,
    };
    init_out_dir(&out, &prepared, args.force, shard.is_none())?;
    let selected = match shard {
        Some(s) => plan::shard_runs(&prepared.plan.runs, &s),
        None => prepared.plan.runs.clone(),
    };
    executor::install_interrupt_handler();
    let results = executor::execute(
        &out,
        &prepared.plan,
        &selected,
        &prepared.exec_options(jobs, args.quiet),
    )?;
    if executor::interrupted() {
        return Err(Error::Interrupted);
    }
    let counts = ActionCounts::of(&results);
    if !args.quiet {
        let what = shard.map_or(String::new(), |s| format!(" (shard {s})"));
        eprintln!("sweep {}{what}: {}", prepared.plan.name, counts.describe());
    }
    if let Some(s) = shard {
        // This shard's runs as Parquet; `merge` writes the whole sweep's.
        let part = PlanFile {
            runs: selected.clone(),
            ..prepared.plan.clone()
        };
        let states: Vec<RunOnDisk> = summary::run_states(&out, &part.runs)?;
        let suffix = format!("-shard-{}-of-{}", s.index + 1, s.count);
        table::write_parquet(&out, &part, &states, &suffix)?;
        return counts.shard_result("sweep", &s, &out);
    }
    finalize(&out, &prepared.plan, args.quiet)
}

/// Summary, failures, charts and report from the run records on disk; an
/// error if any run failed or is missing.
pub(crate) fn finalize(dir: &Path, plan: &PlanFile, quiet: bool) -> Result<()> {
    let states: Vec<RunOnDisk> = summary::run_states(dir, &plan.runs)?;
    let tally = summary::write_summary(dir, plan, &states)?;
    table::write_parquet(dir, plan, &states, "")?;
    let status = status_line(plan, &tally);
    charts::render(dir, plan, &states, &status)?;
    if !tally.failed.is_empty() || !tally.missing.is_empty() {
        return Err(Error::Failed(format!(
            "{status}; wrote {} (see failures.csv)",
            dir.join(SUMMARY).display()
        )));
    }
    if !quiet {
        eprintln!("{status}; open {}", dir.join(REPORT).display());
    }
    Ok(())
}

fn status_line(plan: &PlanFile, t: &Tally) -> String {
    let total = plan.runs.len();
    let mut s = format!("sweep {}: {} of {total} runs finished", plan.name, t.done);
    if !t.failed.is_empty() {
        s += &format!("; {} of {total} runs failed", t.failed.len());
    }
    if !t.missing.is_empty() {
        let shown: Vec<&str> = t.missing.iter().take(20).map(String::as_str).collect();
        let more = t.missing.len().saturating_sub(shown.len());
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        s += &format!("; {} missing: {}{more}", t.missing.len(), shown.join(", "));
    }
    s
}

/// `airace merge DIR`: summary, failures and charts of a (sharded) sweep
/// from its folder alone.
pub fn merge(dir: &Path) -> Result<()> {
    let plan = PlanFile::read(dir)?;
    let _lock = FolderLock::acquire(dir)?;
    finalize(dir, &plan, false)
}

/// `airace slurm`: write (and optionally submit) the job-array scripts.
pub fn slurm(args: &SlurmOptions) -> Result<()> {
    let prepared = prepare(&args.sweep)?;
    let tasks = args.tasks.min(prepared.plan.runs.len().max(1));
    let abs = |p: &Path| {
        std::fs::canonicalize(p).map_err(|e| Error::input(p, format!("cannot resolve path: {e}")))
    };
    let exe = std::env::current_exe()
        .map_err(|e| Error::Failed(format!("cannot locate the airace binary: {e}")))?;
    let sweep = abs(&args.sweep)?;
    crate::layout::claim_folder(&args.out, crate::layout::FolderWork::Sweep, false)?;
    std::fs::create_dir_all(&args.out).map_err(|e| Error::output(&args.out, e))?;
    let scripts = slurm::Scripts {
        exe: abs(&exe)?,
        sweep,
        out: abs(&args.out)?,
        name: prepared.plan.name.clone(),
        tasks,
    };
    scripts.write()?;
    println!(
        "wrote {} ({tasks} array tasks) and {}",
        scripts.out.join(slurm::ARRAY_SCRIPT).display(),
        scripts.out.join(slurm::MERGE_SCRIPT).display()
    );
    if args.submit {
        let (array, merge) = slurm::submit(&scripts.out, &args.sbatch_args)?;
        println!("submitted array job {array} and merge job {merge}");
    }
    Ok(())
}
