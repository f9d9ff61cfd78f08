//! Glue between a finished run and its charts and report.

use std::path::Path;

use crate::error::Result;
use crate::io::manifest::Manifest;
use crate::io::timeseries::Timeseries;

/// Render `charts/*.png` and `report.html` into a run folder.
pub fn charts_and_report(_out: &Path, _ts: &Timeseries, _manifest: &Manifest) -> Result<()> {
    Ok(())
}

/// `airace plot DIR`: not yet implemented.
pub fn plot_command(_dir: &Path) -> Result<()> {
    Err(crate::error::Error::Usage("plot is not implemented yet".into()))
}

/// `airace compare DIR... --out DIR`: not yet implemented.
pub fn compare_command(_dirs: &[std::path::PathBuf], _out: &Path) -> Result<()> {
    Err(crate::error::Error::Usage("compare is not implemented yet".into()))
}
