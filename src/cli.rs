//! Command-line definitions (clap derive) and their dispatch.
//!
//! Each subcommand maps to one library call; this file only translates flags
//! into options, so the library stays usable from tests and other programs.

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

use crate::config;
use crate::error::{Error, Result};
use crate::run::{self, RunOptions};

/// airace: an agent-based policy simulator of the US–China AI race.
#[derive(Parser, Debug)]
#[command(name = "airace", version, long_version = crate::io::manifest::LONG_VERSION, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options shared by commands that run the model.
#[derive(clap::Args, Debug, Clone)]
pub struct ModelArgs {
    /// Seed (overrides `run.seed` in the config).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Override a config value, e.g. `--set firms.count=5000` or `--set chips[H200].price_usd=30000`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// Check model invariants after every tick (always on in debug builds).
    #[arg(long)]
    pub check_invariants: bool,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run one scenario and write CSV, charts and a report.
    Run {
        /// Config file (e.g. configs/baseline.toml or a scenario overlay).
        config: PathBuf,
        /// Output folder (default: output/<config file stem>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Model options.
        #[command(flatten)]
        model: ModelArgs,
        /// Write a checkpoint every K ticks into <out>/checkpoints/.
        #[arg(long, value_name = "K")]
        checkpoint_every: Option<u32>,
        /// Overwrite an output folder that holds a different run.
        #[arg(long)]
        force: bool,
    },
}

/// Default output folder for a config: `output/<stem>`.
pub fn default_out(config: &Path) -> PathBuf {
    let stem = config
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "run".into());
    PathBuf::from("output").join(stem)
}

fn check_threads(threads: Option<usize>) -> Result<()> {
    match threads {
        Some(0) => Err(Error::Usage("--threads must be at least 1".into())),
        Some(n) if n > 1024 => Err(Error::Usage(format!("--threads {n} is more than 1024"))),
        _ => Ok(()),
    }
}

/// Execute a parsed command line.
pub fn dispatch(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Run {
            config: path,
            out,
            model,
            checkpoint_every,
            force,
        } => {
            check_threads(model.threads)?;
            if checkpoint_every == Some(0) {
                return Err(Error::Usage("--checkpoint-every must be at least 1".into()));
            }
            let loaded = config::load(&path, &model.sets)?;
            let out = out.unwrap_or_else(|| default_out(&path));
            let opts = RunOptions {
                seed: model.seed,
                threads: model.threads,
                quiet: model.quiet,
                check_invariants: model.check_invariants,
                checkpoint_every,
                no_charts: false,
                force,
            };
            let outcome = run::run_to_dir(&loaded, &opts, &out)?;
            if !model.quiet {
                eprintln!("{}", run::summary(&outcome));
            }
            Ok(())
        }
    }
}
