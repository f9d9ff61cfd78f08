//! `airace validate`.

use std::path::PathBuf;

use clap::Args;

use super::args::{Overrides, Quiet, Threads};
use airace::error::{Error, Result};
use airace::validate::{self, ValidateOptions};

/// Arguments of `airace validate`.
#[derive(Args, Debug, Clone)]
pub struct ValidateArgs {
    /// History config (default: configs/history.toml); targets are read from `targets/` beside it.
    pub config: Option<PathBuf>,
    /// Folder of target files (default: `targets/` beside the config).
    #[arg(long)]
    pub targets: Option<PathBuf>,
    /// Seeds to run (1 to 10000).
    #[arg(long, default_value_t = 10)]
    pub replicates: u32,
    /// Output folder (default: output/validate).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write into a folder that holds other work.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    overrides: Overrides,
    #[command(flatten)]
    threads: Threads,
    #[command(flatten)]
    quiet: Quiet,
}

/// Run the hindcast, score it, write the folder; exit 0 whatever the score.
pub fn execute(a: ValidateArgs) -> Result<()> {
    if !(1..=10_000).contains(&a.replicates) {
        return Err(Error::Usage("--replicates must be from 1 to 10000".into()));
    }
    let defaults = ValidateOptions::default();
    let opts = ValidateOptions {
        config: a.config.unwrap_or(defaults.config),
        targets: a.targets,
        replicates: a.replicates,
        out: a.out.unwrap_or(defaults.out),
        sets: a.overrides.sets,
        threads: a.threads.threads,
        force: a.force,
    };
    let out = opts.out.clone();
    super::args::check_out("--out", &out)?;
    let report = validate::run(opts)?;
    if !a.quiet.quiet {
        eprintln!("{}", report.summary(&out));
    }
    Ok(())
}
