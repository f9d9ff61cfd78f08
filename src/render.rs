//! Glue between a finished run and its charts and report, and the `plot` and
//! `compare` commands.

use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::io::manifest::Manifest;
use crate::io::timeseries::Timeseries;
use crate::plot::{self, ChartMeta};
use crate::report::{self, ReportMeta};

/// Render `charts/*.png` and `report.html` into a run folder.
pub fn charts_and_report(out: &Path, ts: &Timeseries, manifest: &Manifest) -> Result<()> {
    let meta = ChartMeta {
        config_name: manifest.config_name.clone(),
        seed: manifest.seed,
    };
    let charts = plot::render_run_charts(ts, &meta.subtitle(), &out.join("charts"))?;
    let report_meta = ReportMeta {
        config_name: manifest.config_name.clone(),
        seed: manifest.seed,
        file_hashes: manifest
            .files
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    };
    report::write_run_report(out, ts, &report_meta, &charts)
}

/// `airace plot DIR`: redraw charts and report from `DIR/timeseries.csv`.
pub fn plot_command(dir: &Path) -> Result<()> {
    let files = plot::plot_command(dir)?;
    eprintln!("wrote {} files under {}", files.len(), dir.display());
    Ok(())
}

/// `airace compare DIR... --out DIR`: overlay runs on the headline charts.
pub fn compare_command(dirs: &[PathBuf], out: &Path) -> Result<()> {
    let files = plot::compare_command(dirs, out)?;
    eprintln!("wrote {} files under {}", files.len(), out.display());
    Ok(())
}
