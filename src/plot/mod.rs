//! Charts: PNG figures of one run, comparisons of several runs, and the
//! band / heatmap building blocks sweeps use.
//!
//! Everything draws with plotters into memory using an embedded font (no
//! system fonts, no fontconfig), then writes PNGs atomically, so charts come
//! out the same on every machine and a crash never leaves half an image.
//!
//! - [`render_run_charts`]: the seven standard figures of one run.
//! - [`compare_charts`]: several runs overlaid (`airace compare`).
//! - [`band_chart`], [`heatmap_chart`]: reusable summaries for sweeps.
//!
//! This layer draws and nothing else: it never reads a folder and never
//! writes HTML. `crate::render` reads the inputs and assembles pages.

/// Sobol bars, the Morris plane and PRIM's trade-off (`airace analyze`).
pub mod analysis;
mod axis;
mod bands;
mod canvas;
mod charts;
mod compare;
mod figure;
mod heatmap;
mod panel;
/// Who leads (4-quarter means, beyond the noise) and the index components.
pub mod race;
mod scale;
/// Palette and fonts, public so sweep and scenario charts use the same colours.
pub mod style;
mod text;

pub use bands::{band_chart, band_chart_axis, band_chart_png, BandChart, BandSeries};
pub use charts::{
    render_run_charts, run_chart_axes, run_chart_pngs, ChartMeta, PanelAxis, RUN_CHARTS,
};
pub use compare::{compare_charts, compare_rows, CompareRow};
pub use heatmap::{heatmap_chart, heatmap_chart_png, ColourScale, HeatmapChart};
pub use scale::YAxisChoice;
