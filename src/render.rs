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
use crate::io::read::Cap;
use crate::io::timeseries::Timeseries;
use crate::layout::{self, COMPARE_HTML, REPORT};
use crate::plot::{self, ChartMeta};
use crate::report::{self, CompareRun, ReportMeta};

/// The identity a report shows, from a run's manifest: name, seed, file
/// hashes, and its provenance (overlays, overrides, resume parent) in one
/// line and in full.
fn meta_of(manifest: &Manifest) -> ReportMeta {
    let mut details = Vec::new();
    if manifest.overlay_chain.len() > 1 {
        details.push((
            "Overlay chain (file, then its bases)".to_string(),
            manifest.overlay_chain.join(" → "),
        ));
    }
    for o in &manifest.overrides {
        details.push(("Override (--set)".to_string(), o.clone()));
    }
    if let Some(p) = &manifest.parent {
        details.push((
            "Resumed from".to_string(),
            format!("{} (tick {})", p.checkpoint, p.tick),
        ));
        for c in &p.changes {
            details.push(("Change on resume (--set)".to_string(), c.clone()));
        }
    }
    ReportMeta {
        config_name: manifest.config_name.clone(),
        seed: manifest.seed,
        file_hashes: manifest
            .files
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        provenance: manifest.provenance(),
        provenance_details: details,
    }
}

/// The subtitle every chart of a run carries: "provenance · seed N", e.g.
/// "baseline + policy.us.friction=0.9 · seed 42"; a plain run keeps
/// [`ChartMeta::subtitle`]'s "config baseline · seed 42".
fn chart_subtitle(meta: &ReportMeta) -> String {
    if meta.provenance.is_empty() || meta.provenance == meta.config_name {
        let plain = ChartMeta {
            config_name: meta.config_name.clone(),
            seed: meta.seed,
        };
        return plain.subtitle();
    }
    format!("{} · seed {}", meta.provenance, meta.seed)
}

/// Draw `charts/*.png` and write `report.html` into `out`; returns the
/// chart files, then the report.
fn charts_then_report(out: &Path, ts: &Timeseries, meta: &ReportMeta) -> Result<Vec<PathBuf>> {
    let mut written = plot::render_run_charts(ts, &chart_subtitle(meta), &layout::charts_dir(out))?;
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
            ..ReportMeta::default()
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
        let manifest = layout::read_manifest_if_any(d).ok().flatten();
        // The resolved config, for the "what differs" table; a folder
        // without one (an edited CSV) is compared on its data alone.
        let config_toml = crate::io::read::try_read_text(&d.join(layout::CONFIG), Cap::Config).ok();
        runs.push(CompareRun {
            name,
            dir: d.clone(),
            timeseries: layout::read_timeseries(d)?,
            provenance: manifest.map(|m| m.provenance()).unwrap_or_default(),
            config_toml,
        });
    }
    let subtitle = report::compare_subtitle(&runs);
    let pairs: Vec<(String, Timeseries)> = runs
        .iter()
        .map(|r| (r.name.clone(), r.timeseries.clone()))
        .collect();
    let mut written = plot::compare_charts(&pairs, &subtitle, out)?;
    let html = out.join(COMPARE_HTML);
    report::write_compare_page(&html, &runs, &written, &plot::compare_rows())?;
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
