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
    /// Refuse to start when the estimated memory exceeds this (e.g. `4G`, `512M`).
    #[arg(long, value_name = "SIZE")]
    pub max_memory: Option<String>,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run one scenario and write CSV, charts and a report.
    Run {
        /// Config file (e.g. configs/baseline.toml or a scenario overlay).
        config: PathBuf,
        /// Output folder (default: `output/<config file stem>`).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Model options.
        #[command(flatten)]
        model: ModelArgs,
        /// Write a checkpoint every K ticks into `<out>/checkpoints/`.
        #[arg(long, value_name = "K")]
        checkpoint_every: Option<u32>,
        /// Overwrite an output folder that holds a different run.
        #[arg(long)]
        force: bool,
    },
    /// Continue a run from a checkpoint; with --set, branch a new scenario from it.
    Resume(ResumeArgs),
    /// Rerun the run described by DIR/manifest.json and compare every data file.
    Verify(VerifyArgs),
    /// Redraw the charts and report of a run folder from its timeseries.csv.
    Plot {
        /// Run folder holding timeseries.csv.
        dir: PathBuf,
    },
    /// Overlay several runs on the headline charts.
    Compare {
        /// Run folders to compare.
        #[arg(required = true, num_args = 2..)]
        dirs: Vec<PathBuf>,
        /// Output folder for the comparison charts and page.
        #[arg(long)]
        out: PathBuf,
    },
    /// Run a parameter sweep (grid or Latin hypercube, with replicates).
    Sweep(SweepArgs),
    /// Build summary.csv, failures and charts from the shards of a sweep.
    Merge {
        /// Sweep output folder.
        dir: PathBuf,
    },
    /// Write (and optionally submit) a Slurm job array for a sweep.
    Slurm(SlurmArgs),
    /// Run the baseline and every policy scenario with replicates, and compare them.
    Scenarios(ScenariosArgs),
    /// Replay 2023-2025 (configs/history.toml) and score the model against observed figures.
    Validate(ValidateArgs),
}

/// Arguments of `airace validate`.
#[derive(clap::Args, Debug, Clone)]
pub struct ValidateArgs {
    /// History config (default: configs/history.toml); targets are read from `targets/` beside it.
    pub config: Option<PathBuf>,
    /// Folder of target files (default: `targets/` beside the config).
    #[arg(long)]
    pub targets: Option<PathBuf>,
    /// Seeds to run.
    #[arg(long, default_value_t = 10)]
    pub replicates: u32,
    /// Output folder (default: output/validate).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override a config value (e.g. `--set firms.count=5000`).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Arguments of `airace resume`.
#[derive(clap::Args, Debug, Clone)]
pub struct ResumeArgs {
    /// Checkpoint file (`<run>/checkpoints/tick-N.bin`).
    pub checkpoint: PathBuf,
    /// Ticks to run after the checkpoint (default: to the end of the run).
    #[arg(long)]
    pub ticks: Option<u32>,
    /// Output folder (default: `<run>-resumed` next to the checkpoint's run).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Branch: change config values from the checkpoint's tick on.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Worker threads.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// Overwrite an output folder that holds a different run.
    #[arg(long)]
    pub force: bool,
}

/// Arguments of `airace verify`.
#[derive(clap::Args, Debug, Clone)]
pub struct VerifyArgs {
    /// Run folder with manifest.json and config.toml.
    pub dir: PathBuf,
    /// Worker threads for the rerun (the result must not depend on it).
    #[arg(long)]
    pub threads: Option<usize>,
}

/// Arguments of `airace sweep`.
#[derive(clap::Args, Debug, Clone)]
pub struct SweepArgs {
    /// Sweep file (see configs/sweeps/).
    pub sweep: PathBuf,
    /// Output folder (default: `output/sweeps/<sweep name>`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Runs executed at once (default: number of cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Run only shard K of N (1-based), e.g. `--shard 2/3`, for Slurm arrays.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Arguments of `airace slurm`.
#[derive(clap::Args, Debug, Clone)]
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

/// Arguments of `airace scenarios`.
#[derive(clap::Args, Debug, Clone)]
pub struct ScenariosArgs {
    /// Output folder (default: output/scenarios).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Seeds per scenario.
    #[arg(long, default_value_t = 10)]
    pub replicates: u32,
    /// Folder holding baseline.toml and scenarios/ (default: configs).
    #[arg(long, default_value = "configs")]
    pub configs: PathBuf,
    /// Override a config value in every run (e.g. `--set firms.count=2000`).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Runs executed at once (default: number of cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
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
            if model.seed.is_some_and(|s| s > i64::MAX as u64) {
                return Err(Error::Usage(format!(
                    "--seed must be at most {} (it is stored in TOML)",
                    i64::MAX
                )));
            }
            if checkpoint_every == Some(0) {
                return Err(Error::Usage("--checkpoint-every must be at least 1".into()));
            }
            let loaded = config::load(&path, &model.sets)?;
            crate::limits::check_memory(&loaded.config, model.max_memory.as_deref())?;
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
        Command::Resume(args) => crate::checkpoint::resume_command(&args),
        Command::Verify(args) => crate::verify::verify_command(&args),
        Command::Plot { dir } => crate::render::plot_command(&dir),
        Command::Compare { dirs, out } => crate::render::compare_command(&dirs, &out),
        Command::Sweep(args) => crate::sweep::sweep_command(&args),
        Command::Merge { dir } => crate::sweep::merge_command(&dir),
        Command::Slurm(args) => crate::sweep::slurm_command(&args),
        Command::Scenarios(args) => crate::scenarios::scenarios_command(&args),
        Command::Validate(args) => {
            check_threads(args.threads)?;
            let defaults = crate::validate::ValidateOptions::default();
            let opts = crate::validate::ValidateOptions {
                config: args.config.unwrap_or(defaults.config),
                targets: args.targets,
                replicates: args.replicates,
                out: args.out.unwrap_or(defaults.out),
                sets: args.sets,
                threads: args.threads,
            };
            let out = opts.out.clone();
            let report = crate::validate::run(opts)?;
            if !args.quiet {
                eprintln!("{}", report.summary(&out));
            }
            Ok(())
        }
    }
}
