//! `airace sweep`, `airace merge` and `airace slurm`.

use std::path::PathBuf;

use clap::Args;

use super::args::{Jobs, Memory, Quiet};
use airace::error::{Error, Result};
use airace::sweep::{self, plan, SlurmOptions, SweepOptions};

/// Arguments of `airace sweep`.
#[derive(Args, Debug, Clone)]
pub struct SweepArgs {
    /// Sweep file (see configs/sweeps/).
    pub sweep: PathBuf,
    /// Output folder (default: `output/sweeps/<sweep name>`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    jobs: Jobs,
    /// Run only shard K of N (1-based), e.g. `--shard 2/3`, for Slurm arrays.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Write into a folder that holds other work (another sweep's results, files of your own).
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    quiet: Quiet,
    #[command(flatten)]
    memory: Memory,
}

/// Arguments of `airace merge`.
#[derive(Args, Debug, Clone)]
pub struct MergeArgs {
    /// Sweep output folder.
    pub dir: PathBuf,
}

/// Arguments of `airace slurm`.
#[derive(Args, Debug, Clone)]
pub struct SlurmArgs {
    /// Sweep file.
    pub sweep: PathBuf,
    /// Output folder shared by all tasks.
    #[arg(long)]
    pub out: PathBuf,
    /// Number of array tasks (shards).
    #[arg(long)]
    pub tasks: usize,
    /// Submit with sbatch and print the job ids.
    #[arg(long)]
    pub submit: bool,
    /// Extra sbatch options, after `--`.
    #[arg(last = true)]
    pub sbatch_args: Vec<String>,
}

/// Run (a shard of) a sweep.
pub fn sweep(a: SweepArgs) -> Result<()> {
    if let Some(out) = &a.out {
        super::args::check_out("--out", out)?;
    }
    let shard = a.shard.as_deref().map(plan::parse_shard).transpose()?;
    sweep::sweep(&SweepOptions {
        sweep: a.sweep,
        out: a.out,
        jobs: a.jobs.resolve(),
        shard,
        quiet: a.quiet.quiet,
        max_memory: a.memory.max_memory,
        force: a.force,
    })
}

/// Summarise a sweep folder.
pub fn merge(a: MergeArgs) -> Result<()> {
    super::args::check_out("DIR", &a.dir)?;
    sweep::merge(&a.dir)
}

/// Write the Slurm scripts.
pub fn slurm(a: SlurmArgs) -> Result<()> {
    if a.tasks == 0 {
        return Err(Error::Usage("--tasks must be at least 1".into()));
    }
    super::args::check_out("--out", &a.out)?;
    sweep::slurm(&SlurmOptions {
        sweep: a.sweep,
        out: a.out,
        tasks: a.tasks,
        submit: a.submit,
        sbatch_args: a.sbatch_args,
    })
}
