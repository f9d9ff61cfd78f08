//! The report layer's glue: a run's charts and `report.html` assembled in
//! one place (after a run, and by `airace plot`), and the comparison page of
//! `airace compare`.
//!
//! Reading folders goes through [`crate::layout`], drawing through
//! [`crate::plot`], HTML through [`crate::report`]; this module only wires
//! them, so the three never need each other.

use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::io::manifest::Manifest;
use crate::io::timeseries::Timeseries;
use crate::layout::{self, COMPARE_HTML, REPORT};
use crate::plot::{self, ChartMeta};
use crate::report::{self, ReportMeta};

/// The identity a report shows, from a run's manifest.
fn meta_of(manifest: &Manifest) -> ReportMeta {
    ReportMeta {
        config_name: manifest.config_name.clone(),
        seed: manifest.seed,
        file_hashes: manifest
            .files
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    }
}

/// Draw `charts/*.png` and write `report.html` into `out`; returns the
/// chart files, then the report.
fn charts_then_report(out: &Path, ts: &Timeseries, meta: &ReportMeta) -> Result<Vec<PathBuf>> {
    let chart_meta = ChartMeta {
        config_name: meta.config_name.clone(),
        seed: meta.seed,
    };
    let mut written =
        plot::render_run_charts(ts, &chart_meta.subtitle(), &layout::charts_dir(out))?;
    report::write_run_report(out, ts, meta, &written)?;
    written.push(out.join(REPORT));
    Ok(written)
}

/// Render `charts/*.png` and `report.html` into a run folder being written.
pub fn charts_and_report(out: &Path, ts: &Timeseries, manifest: &Manifest) -> Result<()> {
    charts_then_report(out, ts, &meta_of(manifest)).map(|_| ())
}

/// `airace plot DIR`: (re)draw `DIR/charts/*.png` and `DIR/report.html`
/// from `DIR/timeseries.csv`, labelled from `DIR/manifest.json` when present.
///
/// Lets an analyst restyle or regenerate charts of an old run, or of a CSV
/// edited by hand, without rerunning the model. The CSV and manifest are
/// validated completely before anything is written: a bad input is an
/// input error naming the file and line (exit 2) and leaves `DIR` as it
/// was. Without a manifest the report names the folder and seed 0.
pub fn plot_run(dir: &Path) -> Result<Vec<PathBuf>> {
    let ts = layout::read_timeseries(dir)?;
    let meta = match layout::read_manifest_if_any(dir)? {
        Some(m) => meta_of(&m),
        None => ReportMeta {
            config_name: layout::display_name(dir),
            seed: 0,
            file_hashes: Vec::new(),
        },
    };
    charts_then_report(dir, &ts, &meta)
}

/// `airace compare DIR... --out OUT`: overlay the headline metrics of
/// several runs into `OUT/compare_*.png` and `OUT/compare.html`.
///
/// Every run's CSV is read and validated before anything is written, so a
/// typo in one folder name leaves `OUT` untouched (exit 2). Returns the
/// written files (PNGs, then the page).
pub fn compare_runs(dirs: &[PathBuf], out: &Path, force: bool) -> Result<Vec<PathBuf>> {
    layout::claim_folder(out, layout::FolderWork::Compare, force)?;
    let mut runs = Vec::with_capacity(dirs.len());
    for (d, name) in dirs.iter().zip(unique_names(dirs)) {
        runs.push((name, layout::read_timeseries(d)?));
    }
    let mut written = plot::compare_charts(&runs, "", out)?;
    let html = out.join(COMPARE_HTML);
    report::write_compare_page(&html, dirs, &runs, &written, &plot::compare_rows())?;
    written.push(html);
    Ok(written)
}

/// Legend names: each folder's own name, made unique (`run`, `run (2)`) when two
/// folders share one, so no two lines carry the same label.
fn unique_names(dirs: &[PathBuf]) -> Vec<String> {
    let mut names: Vec<String> = Vec::with_capacity(dirs.len());
    for d in dirs {
        let base = layout::display_name(d);
        let mut name = base.clone();
        let mut k = 2;
        while names.contains(&name) {
            name = format!("{base} ({k})");
            k += 1;
        }
        names.push(name);
    }
    names
}
