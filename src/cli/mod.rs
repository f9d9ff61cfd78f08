//! The command line: the only code that knows clap.
//!
//! Each command family has its own file declaring its flags (from the shared
//! groups in [`args`]) and turning them, validated once, into the plain
//! option structs the library takes (ripgrep's flags → `HiArgs`, hyperfine's
//! `Options`). Errors become exit codes in one place, [`main`].

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use airace::error::Result;

mod analyze;
pub mod args;
mod plot;
mod resume;
mod run;
mod scenarios;
mod sweep;
mod validate;
mod verify;

/// airace: an agent-based policy simulator of the US–China AI race.
#[derive(Parser, Debug)]
#[command(name = "airace", version, long_version = airace::io::manifest::LONG_VERSION, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run one scenario and write CSV, charts and a report.
    Run(run::RunArgs),
    /// Continue a run from a checkpoint; with --set, branch a new scenario from it.
    Resume(resume::ResumeArgs),
    /// Rerun the run described by DIR/manifest.json and compare every data file.
    Verify(verify::VerifyArgs),
    /// Redraw the charts and report of a run folder from its timeseries.csv.
    Plot(plot::PlotArgs),
    /// Overlay several runs on the headline charts.
    Compare(plot::CompareArgs),
    /// Run a parameter sweep (grid or Latin hypercube, with replicates).
    Sweep(sweep::SweepArgs),
    /// Build summary.csv, failures and charts from the shards of a sweep.
    Merge(sweep::MergeArgs),
    /// Write (and optionally submit) a Slurm job array for a sweep.
    Slurm(sweep::SlurmArgs),
    /// Which assumptions drive the answer: Sobol, Morris or PRIM on a sweep folder.
    Analyze(analyze::AnalyzeArgs),
    /// Run the baseline and every policy scenario with replicates, and compare them.
    Scenarios(scenarios::ScenariosArgs),
    /// Replay 2023-2025 (configs/history.toml) and score the model against observed figures.
    Validate(validate::ValidateArgs),
}

/// Execute a parsed command line.
pub fn dispatch(cli: Cli) -> Result<()> {
    airace::limits::check_rayon_env(
        std::env::var(airace::limits::RAYON_THREADS_ENV)
            .ok()
            .as_deref(),
    )?;
    match cli.command {
        Command::Run(a) => run::execute(a),
        Command::Resume(a) => resume::execute(a),
        Command::Verify(a) => verify::execute(a),
        Command::Plot(a) => plot::plot(a),
        Command::Compare(a) => plot::compare(a),
        Command::Sweep(a) => sweep::sweep(a),
        Command::Merge(a) => sweep::merge(a),
        Command::Slurm(a) => sweep::slurm(a),
        Command::Analyze(a) => analyze::execute(a),
        Command::Scenarios(a) => scenarios::execute(a),
        Command::Validate(a) => validate::execute(a),
    }
}

/// Parse the command line, run it and map the outcome to an exit code:
/// 0 ok, 1 the job ran but failed, 2 bad usage or input, 130 interrupted.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap uses 0 for --help/--version and 2 for usage errors, as we do.
            let code = ExitCode::from(e.exit_code().clamp(0, 255) as u8);
            if e.exit_code() == 0 {
                let _ = e.print();
            } else {
                // clap echoes the offending argument whole: make it terminal-safe.
                eprint!("{}", airace::io::quote::terminal(&e.render().to_string()));
            }
            return code;
        }
    };
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Messages quote user input themselves; this is the last guard (docs/errors.md).
            eprintln!("error: {}", airace::io::quote::terminal(&format!("{e:#}")));
            ExitCode::from(e.exit_code())
        }
    }
}
