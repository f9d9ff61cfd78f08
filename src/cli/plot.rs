//! `airace plot` and `airace compare`.

use std::path::PathBuf;

use clap::Args;

use airace::error::Result;

/// Arguments of `airace plot`.
#[derive(Args, Debug, Clone)]
pub struct PlotArgs {
    /// Run folder holding timeseries.csv.
    pub dir: PathBuf,
}

/// Arguments of `airace compare`.
#[derive(Args, Debug, Clone)]
pub struct CompareArgs {
    /// Run folders to compare.
    #[arg(required = true, num_args = 2..)]
    pub dirs: Vec<PathBuf>,
    /// Output folder for the comparison charts and page.
    #[arg(long)]
    pub out: PathBuf,
    /// Write into a folder that holds other work.
    #[arg(long)]
    pub force: bool,
}

/// Redraw a run folder's charts and report.
pub fn plot(a: PlotArgs) -> Result<()> {
    super::args::check_out("DIR", &a.dir)?;
    let files = airace::render::plot_run(&a.dir)?;
    eprintln!("wrote {} files under {}", files.len(), a.dir.display());
    Ok(())
}

/// Overlay runs.
pub fn compare(a: CompareArgs) -> Result<()> {
    super::args::check_out("--out", &a.out)?;
    let files = airace::render::compare_runs(&a.dirs, &a.out, a.force)?;
    eprintln!("wrote {} files under {}", files.len(), a.out.display());
    Ok(())
}
