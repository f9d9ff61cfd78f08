//! `airace run`.

use std::path::{Path, PathBuf};

use clap::Args;

use super::args::{Memory, Output, Overrides, Quiet, Seed, Threads};
use airace::config;
use airace::error::{Error, Result};
use airace::run::{self, RunOptions};

/// Arguments of `airace run`.
#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    /// Config file (e.g. configs/baseline.toml or a scenario overlay).
    pub config: PathBuf,
    /// Output folder (default: `output/<config file stem>`) and --force.
    #[command(flatten)]
    pub output: Output,
    #[command(flatten)]
    seed: Seed,
    #[command(flatten)]
    threads: Threads,
    #[command(flatten)]
    overrides: Overrides,
    #[command(flatten)]
    quiet: Quiet,
    /// Check model invariants after every tick (always on in debug builds).
    #[arg(long)]
    pub check_invariants: bool,
    #[command(flatten)]
    memory: Memory,
    /// Write a checkpoint every K ticks into `<out>/checkpoints/`.
    #[arg(long, value_name = "K")]
    pub checkpoint_every: Option<u32>,
}

/// Default output folder for a config: `output/<stem>`.
pub fn default_out(config: &Path) -> PathBuf {
    let stem = config
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "run".into());
    PathBuf::from("output").join(stem)
}

/// Validate, load the config, check memory, run, print the summary.
pub fn execute(a: RunArgs) -> Result<()> {
    let seed = a.seed.resolve()?;
    if a.checkpoint_every == Some(0) {
        return Err(Error::Usage("--checkpoint-every must be at least 1".into()));
    }
    if let Some(out) = &a.output.out {
        super::args::check_out("--out", out)?;
    }
    let loaded = config::load(&a.config, &a.overrides.sets)?;
    airace::limits::check_memory(&loaded.config, a.memory.max_memory.as_deref())?;
    let out = a.output.out.unwrap_or_else(|| default_out(&a.config));
    super::args::check_out("--out", &out)?;
    let opts = RunOptions {
        seed,
        threads: a.threads.threads,
        quiet: a.quiet.quiet,
        check_invariants: a.check_invariants,
        checkpoint_every: a.checkpoint_every,
        no_charts: false,
        force: a.output.force,
    };
    let finished = run::run_to_dir(&loaded, &opts, &out)?;
    if !a.quiet.quiet {
        eprintln!("{}", run::summary(&finished));
    }
    Ok(())
}
