//! `airace analyze`: Sobol, Morris or PRIM on a finished, partial or resumed sweep.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::args::Quiet;
use airace::error::{Error, Result};
use airace::sweep::analyze::{self, AnalyzeOptions, Method};

/// `--method`.
#[derive(ValueEnum, Debug, Clone, Copy)]
pub enum MethodArg {
    /// Sobol first- and total-order indices (a `design = "sobol"` sweep).
    Sobol,
    /// Morris μ*, σ (a `design = "morris"` sweep).
    Morris,
    /// PRIM scenario discovery on `--where` (any design).
    Prim,
}

/// Arguments of `airace analyze`.
#[derive(Args, Debug, Clone)]
pub struct AnalyzeArgs {
    /// Sweep output folder (finished, partial or resumed).
    pub dir: PathBuf,
    /// Method (default: the sweep's design; prim when --where is given).
    #[arg(long, value_enum)]
    pub method: Option<MethodArg>,
    /// Outcome METRIC@SCOPE:WHEN (WHEN a tick or `last`), repeatable; default: all of the sweep's.
    #[arg(long, value_name = "METRIC@SCOPE:WHEN")]
    pub outcome: Vec<String>,
    /// PRIM case: `METRIC@SCOPE:WHEN OP NUMBER`, e.g. "frontier_gap_months@world:39 < 0".
    #[arg(long = "where", value_name = "CONDITION")]
    pub condition: Option<String>,
    /// PRIM: choose the box with the highest coverage at or above this density (0 to 1).
    #[arg(long, default_value_t = 0.8)]
    pub density: f64,
    /// Bootstrap resamples for the confidence intervals (100 to 100000).
    #[arg(long, default_value_t = 1000)]
    pub resamples: usize,
    /// Output folder (default: SWEEP_DIR/analysis).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write into a folder that holds other work.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    quiet: Quiet,
}

/// Run the analysis.
pub fn execute(a: AnalyzeArgs) -> Result<()> {
    if !(a.density > 0.0 && a.density <= 1.0) {
        return Err(Error::Usage(format!(
            "--density {}: allowed a share in (0, 1]",
            a.density
        )));
    }
    if !(100..=100_000).contains(&a.resamples) {
        return Err(Error::Usage(format!(
            "--resamples {}: allowed 100 to 100000",
            a.resamples
        )));
    }
    analyze::analyze(&AnalyzeOptions {
        dir: a.dir,
        method: a.method.map(|m| match m {
            MethodArg::Sobol => Method::Sobol,
            MethodArg::Morris => Method::Morris,
            MethodArg::Prim => Method::Prim,
        }),
        outcomes: a.outcome,
        condition: a.condition,
        density: a.density,
        out: a.out,
        force: a.force,
        resamples: a.resamples,
        quiet: a.quiet.quiet,
    })
}
