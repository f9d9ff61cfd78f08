//! Charts: PNG figures of one run, comparisons of several runs, and the
//! band / heatmap building blocks sweeps use.
//!
//! Everything draws with plotters into memory using an embedded font (no
//! system fonts, no fontconfig), then writes PNGs atomically, so charts come
//! out the same on every machine and a crash never leaves half an image.
//!
//! - [`render_run_charts`]: the seven standard figures of one run.
//! - [`plot_command`]: `airace plot DIR` (charts + `report.html` from a run folder).
//! - [`compare_command`]: `airace compare DIR...` overlays runs.
//! - [`band_chart`], [`heatmap_chart`]: reusable summaries for sweeps.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::io::timeseries::Timeseries;
use crate::report::{write_run_report, ReportMeta};

mod axis;
mod bands;
mod canvas;
mod charts;
mod compare;
mod figure;
mod heatmap;
mod panel;
mod scale;
/// Palette and fonts, public so sweep and scenario charts use the same colours.
pub mod style;
mod text;

pub use bands::{band_chart, band_chart_axis, band_chart_png, BandChart, BandSeries};
pub use charts::{
    render_run_charts, run_chart_axes, run_chart_pngs, ChartMeta, PanelAxis, RUN_CHARTS,
};
pub use compare::compare_command;
pub use heatmap::{heatmap_chart, heatmap_chart_png, ColourScale, HeatmapChart};
pub use scale::YAxisChoice;

/// `airace plot DIR`: (re)draw `DIR/charts/*.png` and `DIR/report.html` from
/// `DIR/timeseries.csv`, labelled from `DIR/manifest.json` when present.
///
/// Lets an analyst restyle or regenerate charts of an old run, or of a CSV
/// edited by hand, without rerunning the model. The CSV (and manifest) are
/// validated completely before anything is written: a bad input is an
/// `Error::Input` naming the file and line (exit 2) and leaves `DIR` as it
/// was. Returns the written files: the charts, then the report.
pub fn plot_command(dir: &Path) -> Result<Vec<PathBuf>> {
    let ts = read_run_csv(dir)?;
    let info = read_manifest(dir)?;
    let chart_meta = ChartMeta {
        config_name: info.config_name.clone(),
        seed: info.seed,
    };
    let mut written = render_run_charts(&ts, &chart_meta.subtitle(), &dir.join("charts"))?;
    write_run_report(dir, &ts, &info, &written)?;
    written.push(dir.join("report.html"));
    Ok(written)
}

/// Read and fully validate `dir/timeseries.csv`.
///
/// Beyond the row syntax `Timeseries::parse` checks, charts need each tick
/// to have one calendar label and each (tick, scope, metric) to appear once;
/// otherwise a line would zig-zag between two values without any warning.
pub(crate) fn read_run_csv(dir: &Path) -> Result<Timeseries> {
    let path = dir.join("timeseries.csv");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Error::input(&path, format!("cannot read: {e}")))?;
    let ts = Timeseries::parse(&text, &path)?;
    let lines: Vec<u64> = text
        .lines()
        .enumerate()
        .skip(1)
        .filter(|(_, l)| !l.trim_end_matches('\r').is_empty())
        .map(|(i, _)| i as u64 + 1)
        .collect();
    let mut periods: BTreeMap<u32, &str> = BTreeMap::new();
    let mut seen: BTreeSet<(u32, &str, &str)> = BTreeSet::new();
    for (row, &line) in ts.rows.iter().zip(&lines) {
        let p = *periods.entry(row.tick).or_insert(row.period.as_str());
        if p != row.period {
            let msg = format!(
                "tick {} is labelled `{}` here but `{p}` on an earlier line",
                row.tick, row.period
            );
            return Err(Error::input_at(&path, line, msg));
        }
        if !seen.insert((row.tick, row.scope.as_str(), row.metric.as_str())) {
            let msg = format!(
                "duplicate row for tick {}, scope `{}`, metric `{}`",
                row.tick, row.scope, row.metric
            );
            return Err(Error::input_at(&path, line, msg));
        }
    }
    Ok(ts)
}

/// A folder's display name: its last component, resolving `.` and `..`.
pub(crate) fn dir_name(dir: &Path) -> String {
    let named = dir.file_name().map(|n| n.to_string_lossy().into_owned());
    named
        .or_else(|| {
            dir.canonicalize()
                .ok()
                .and_then(|c| c.file_name().map(|n| n.to_string_lossy().into_owned()))
        })
        .unwrap_or_else(|| "run".to_string())
}

/// Run identity from `dir/manifest.json`: `config_name`, `seed`, `files`
/// (name → SHA-256). A missing manifest or key falls back to the folder
/// name, seed 0 and no hashes; malformed JSON or a key of the wrong type is
/// an input error, since a report with a silently wrong seed misleads.
fn read_manifest(dir: &Path) -> Result<ReportMeta> {
    let path = dir.join("manifest.json");
    let mut meta = ReportMeta {
        config_name: dir_name(dir),
        seed: 0,
        file_hashes: Vec::new(),
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(meta),
        Err(e) => return Err(Error::input(&path, format!("cannot read: {e}"))),
    };
    let v: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::input_at(&path, e.line() as u64, format!("invalid JSON: {e}")))?;
    let bad = |key: &str, want: &str| Error::input(&path, format!("`{key}` must be {want}"));
    if let Some(c) = v.get("config_name") {
        meta.config_name = c
            .as_str()
            .ok_or_else(|| bad("config_name", "a string"))?
            .to_string();
    }
    if let Some(s) = v.get("seed") {
        let parsed = s
            .as_u64()
            .or_else(|| s.as_str().and_then(|t| t.parse().ok()));
        meta.seed = parsed.ok_or_else(|| bad("seed", "a non-negative whole number"))?;
    }
    if let Some(f) = v.get("files") {
        let obj = f
            .as_object()
            .ok_or_else(|| bad("files", "an object of file name → SHA-256 hex"))?;
        for (name, hash) in obj {
            let h = hash
                .as_str()
                .ok_or_else(|| bad(&format!("files.{name}"), "a SHA-256 hex string"))?;
            meta.file_hashes.push((name.clone(), h.to_string()));
        }
        meta.file_hashes.sort();
    }
    Ok(meta)
}
