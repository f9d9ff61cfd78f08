//! `airace scenarios`.

use std::path::PathBuf;

use clap::Args;

use super::args::{Jobs, Output, Overrides, Quiet};
use airace::error::Result;
use airace::scenarios::{self, ScenariosOptions};

/// Arguments of `airace scenarios`.
#[derive(Args, Debug, Clone)]
pub struct ScenariosArgs {
    /// Output folder (default: output/scenarios) and --force (write into a
    /// folder made by a different scenario set).
    #[command(flatten)]
    output: Output,
    /// Seeds per scenario (1 to 10000).
    #[arg(long, default_value_t = 10)]
    pub replicates: u32,
    /// Folder holding baseline.toml and scenarios/.
    #[arg(long, default_value = "configs")]
    pub configs: PathBuf,
    /// Overrides applied to every run (e.g. `--set firms.count=2000`).
    #[command(flatten)]
    overrides: Overrides,
    #[command(flatten)]
    jobs: Jobs,
    #[command(flatten)]
    quiet: Quiet,
}

/// Run (or resume) the scenario set.
pub fn execute(a: ScenariosArgs) -> Result<()> {
    if let Some(out) = &a.output.out {
        super::args::check_out("--out", out)?;
    }
    scenarios::scenarios(&ScenariosOptions {
        out: a.output.out,
        replicates: a.replicates,
        configs: a.configs,
        sets: a.overrides.sets,
        jobs: a.jobs.resolve(),
        quiet: a.quiet.quiet,
        force: a.output.force,
    })
}
