//! `airace scenarios`.

use std::path::PathBuf;

use clap::Args;

use super::args::{Jobs, Output, Overrides, Quiet};
use airace::error::Result;
use airace::scenarios::{self, ScenariosOptions};
use airace::sweep::plan;

/// Arguments of `airace scenarios`.
#[derive(Args, Debug, Clone)]
pub struct ScenariosArgs {
    /// Output folder (default: output/scenarios) and --force (write into a
    /// folder made by a different scenario set).
    #[command(flatten)]
    output: Output,
    /// Seeds per scenario, or per scenario and parameter draw with
    /// --uncertainty (1 to 10000; default 10, or 2 with --uncertainty).
    #[arg(long)]
    pub replicates: Option<u32>,
    /// Run every scenario over N parameter draws from the uncertainty file
    /// (scrambled Sobol, same draws and seeds in every scenario) and report
    /// each headline as a probability over these worlds (1 to 65536).
    #[arg(long, value_name = "N")]
    pub uncertainty: Option<u32>,
    /// The uncertainty file for --uncertainty (default: CONFIGS/uncertainty.toml).
    #[arg(long, value_name = "FILE", requires = "uncertainty")]
    pub uncertainty_file: Option<PathBuf>,
    /// Folder holding baseline.toml and scenarios/.
    #[arg(long, default_value = "configs")]
    pub configs: PathBuf,
    /// Overrides applied to every run (e.g. `--set firms.count=2000`).
    #[command(flatten)]
    overrides: Overrides,
    #[command(flatten)]
    jobs: Jobs,
    /// Run only shard K of N of the runs (1-based, e.g. `--shard 2/3`), to
    /// spread the set over machines or a Slurm array sharing DIR. A shard
    /// writes its runs' records only; rerun without --shard (every run is
    /// then already done) to build the tables and report.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    #[command(flatten)]
    quiet: Quiet,
}

/// Run (or resume) the scenario set.
pub fn execute(a: ScenariosArgs) -> Result<()> {
    if let Some(out) = &a.output.out {
        super::args::check_out("--out", out)?;
    }
    let shard = a.shard.as_deref().map(plan::parse_shard).transpose()?;
    scenarios::scenarios(&ScenariosOptions {
        out: a.output.out,
        replicates: a
            .replicates
            .unwrap_or(if a.uncertainty.is_some() { 2 } else { 10 }),
        configs: a.configs,
        sets: a.overrides.sets,
        jobs: a.jobs.resolve(),
        quiet: a.quiet.quiet,
        force: a.output.force,
        uncertainty: a.uncertainty,
        uncertainty_file: a.uncertainty_file,
        shard,
    })
}
