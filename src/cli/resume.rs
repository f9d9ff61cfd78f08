//! `airace resume`.

use std::path::PathBuf;

use clap::Args;

use super::args::{Output, Overrides, Quiet, Threads};
use airace::error::Result;
use airace::run::{self, ResumeOptions};

/// Arguments of `airace resume`.
#[derive(Args, Debug, Clone)]
pub struct ResumeArgs {
    /// Checkpoint file (`<run>/checkpoints/tick-N.bin`).
    pub checkpoint: PathBuf,
    /// Ticks to run after the checkpoint (default: to the end of the run).
    #[arg(long)]
    pub ticks: Option<u32>,
    /// Output folder (default: `<run>-resumed` next to the checkpoint's run) and --force.
    #[command(flatten)]
    output: Output,
    /// Branch: change config values from the checkpoint's tick on.
    #[command(flatten)]
    overrides: Overrides,
    #[command(flatten)]
    threads: Threads,
    #[command(flatten)]
    quiet: Quiet,
    /// Check model invariants after every tick, as `run --check-invariants`
    /// (always on in debug builds).
    #[arg(long)]
    pub check_invariants: bool,
}

/// Resume and print the summary.
pub fn execute(a: ResumeArgs) -> Result<()> {
    if let Some(out) = &a.output.out {
        super::args::check_out("--out", out)?;
    }
    let opts = ResumeOptions {
        checkpoint: a.checkpoint,
        ticks: a.ticks,
        out: a.output.out,
        sets: a.overrides.sets,
        threads: a.threads.threads,
        force: a.output.force,
        check_invariants: a.check_invariants,
    };
    let (finished, tick) = run::resume(&opts)?;
    if !a.quiet.quiet {
        eprintln!("resumed from tick {tick}: {}", run::summary(&finished));
    }
    Ok(())
}
