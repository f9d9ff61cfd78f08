//! `report.html`: the one page a newcomer opens after a run.
//!
//! Within a minute it should say who leads on innovation and who on
//! diffusion (or that it is too close to call), what the indices measure and
//! why they stand where they do, in sentences generated from the data; then
//! show the charts, the end-of-horizon numbers with units, and the run's
//! identity and provenance (config, overlays, overrides, resume parent, seed,
//! file hashes) so the page can be traced back to its inputs.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::headline;
use super::{escape_html, figure, table, write_page, Cell, Page};
use crate::catalogue;
use crate::error::Result;
use crate::io::timeseries::Timeseries;

/// Identity of the run a report describes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReportMeta {
    /// Name of the config the run used.
    pub config_name: String,
    /// The run's master seed.
    pub seed: u64,
    /// `(file name, SHA-256 hex)` of the run's data files, as in `manifest.json`.
    pub file_hashes: Vec<(String, String)>,
    /// One-line provenance ("baseline + policy.us.friction=0.9"); empty = the config name.
    pub provenance: String,
    /// Provenance in full, `(what, value)`: overlay chain, each override, resume parent.
    pub provenance_details: Vec<(String, String)>,
}

impl ReportMeta {
    /// The provenance line, or the config name when there is nothing more to say.
    pub fn label(&self) -> &str {
        if self.provenance.is_empty() {
            &self.config_name
        } else {
            &self.provenance
        }
    }
}

/// Under the answer: a single run is one world, not a forecast.
const ONE_WORLD: &str = "<p class=\"note\">This is one world: one seed and one value of every \
uncertain parameter. <code>airace scenarios --uncertainty N</code> reports how often each lead \
holds across plausible worlds (parameter draws from <code>configs/uncertainty.toml</code>).</p>\n";

/// Write `out_dir/report.html` for one run: the answer, definitions, why,
/// charts, key figures, identity.
///
/// `chart_files` are linked relative to `out_dir` (normally `charts/*.png`);
/// the dashboard and components charts come first because they carry the answer.
pub fn write_run_report(
    out_dir: &Path,
    ts: &Timeseries,
    meta: &ReportMeta,
    chart_files: &[PathBuf],
) -> Result<()> {
    let periods = ts.periods();
    let span = match (periods.first(), periods.last()) {
        (Some(a), Some(b)) => format!("{}–{} ({} quarters)", a.1, b.1, periods.len()),
        _ => "no data".to_string(),
    };
    let mut body = String::from(ONE_WORLD);
    if !meta.provenance_details.is_empty() {
        let _ = writeln!(
            body,
            "<p>This run is not its config file as is: it differs by {} (listed under Run identity).</p>",
            escape_html(&meta.provenance_details.iter().map(|d| d.1.clone()).collect::<Vec<_>>().join("; "))
        );
    }
    body.push_str(&headline::definitions_html());
    body.push_str(&headline::why_html(ts));
    body.push_str(&charts_html(out_dir, chart_files));
    body.push_str(&figures_table(ts));
    body.push_str(&identity_html(meta));
    let title = format!("airace report: {}", meta.label());
    let subtitle = format!("seed {} · {span} · config {}", meta.seed, meta.config_name);
    write_page(
        &out_dir.join(crate::layout::REPORT),
        &Page {
            title: &title,
            subtitle: &subtitle,
            answer: &headline::answer(ts),
            body: &body,
        },
    )
}

/// Format a key figure for reading (not for re-parsing): shares as percentages,
/// big numbers with thousand/million/billion words, small ones with 2 decimals.
pub fn format_figure(v: f64, percent: bool) -> String {
    if percent {
        return format!("{:.1}%", v * 100.0);
    }
    let a = v.abs();
    match a {
        _ if a >= 1e12 => format!("{:.2} trillion", v / 1e12),
        _ if a >= 1e9 => format!("{:.2} billion", v / 1e9),
        _ if a >= 1e6 => format!("{:.2} million", v / 1e6),
        _ if a >= 100.0 => format!("{:.0}", v),
        _ if a >= 10.0 => format!("{:.1}", v),
        _ => format!("{:.2}", v),
    }
}

/// Two index values printed with just enough decimals (2 to 4) to tell them
/// apart, so "leads, 0.61 vs 0.61" never appears.
pub fn format_pair(a: f64, b: f64) -> (String, String) {
    for d in 2..4 {
        let (x, y) = (format!("{a:.d$}"), format!("{b:.d$}"));
        if x != y {
            return (x, y);
        }
    }
    (format!("{a:.4}"), format!("{b:.4}"))
}

/// Period label of `tick` (or `tick N` if the data has no label for it).
fn period_of(ts: &Timeseries, tick: u32) -> String {
    let label = ts
        .rows()
        .iter()
        .find(|r| r.tick == tick)
        .map(|r| r.period.to_string());
    label.unwrap_or_else(|| format!("tick {tick}"))
}

/// When `metric` in `scope` reaches `threshold` for good: `(first period at
/// or above it, period from which it stays there to the end)`.
///
/// A ratio that starts above 1.0, dips below and recovers has "first reached"
/// 1.0 at the start, which is not the story; the sustained crossing is.
pub(crate) fn crossing(
    ts: &Timeseries,
    metric: &str,
    scope: &str,
    threshold: f64,
) -> (Option<String>, Option<String>) {
    let s = ts.series(metric, scope);
    let first = s
        .iter()
        .find(|p| p.1 >= threshold)
        .map(|p| period_of(ts, p.0));
    let sustained = match s.iter().rposition(|p| p.1 < threshold) {
        None => s.first().map(|p| period_of(ts, p.0)),
        Some(i) => s.get(i + 1).map(|p| period_of(ts, p.0)),
    };
    (first, sustained)
}

/// A short caption per standard chart, telling the reader what to look for.
fn caption(file: &str) -> &'static str {
    match file {
        "dashboard.png" => "Innovation, diffusion and dominance indices, US vs China (4-quarter means over the raw quarters), with the scoreboard.",
        "components.png" => "The parts each index is built from, US vs China: the one furthest from 0.5, times its weight, moves the lead most.",
        "adoption.png" => "Share of firms using any AI model by bloc, and whose models they use worldwide and in the Global South.",
        "frontier.png" => "Frontier capability of the best US and Chinese models, and the US lead in months (negative: China ahead).",
        "chips.png" => "Installed, powered compute by bloc, China's inference-chip self-sufficiency (1× = covers demand), US licence revenue.",
        "power.png" => "Reserve margins of US power markets (grey; below-critical ones highlighted), and China's spare power against the 3× line.",
        "datacenters.png" => "Data-centre capacity by bloc.",
        "alignment.png" => "Countries, and their share of world GDP, aligned with the US or the Chinese stack.",
        _ => "",
    }
}

/// The chart gallery, dashboard and components first, linked relative to `out_dir`.
fn charts_html(out_dir: &Path, chart_files: &[PathBuf]) -> String {
    let rank = |p: &PathBuf| match p.file_name().and_then(|f| f.to_str()) {
        Some("dashboard.png") => 0,
        Some("components.png") => 1,
        Some("adoption.png") => 2,
        _ => 3,
    };
    let mut files: Vec<&PathBuf> = chart_files.iter().collect();
    files.sort_by_key(|p| rank(p));
    let mut h = String::from("<h2>Charts</h2>\n");
    for f in files {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let rel = match f.strip_prefix(out_dir) {
            Ok(r) => r
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/"),
            Err(_) => crate::layout::chart_link(&name),
        };
        h.push_str(&figure(&rel, &name, caption(&name)));
    }
    h
}

/// Key end-of-horizon figures: (metric, scope); labels, units and rounding
/// come from the metric catalogue.
const KEY_FIGURES: [(&str, &str); 29] = [
    ("innovation_index", "US"),
    ("innovation_index", "CN"),
    ("diffusion_index", "US"),
    ("diffusion_index", "CN"),
    ("dominance_index", "US"),
    ("dominance_index", "CN"),
    ("frontier_capability", "US"),
    ("frontier_capability", "CN"),
    ("frontier_gap_months", "world"),
    ("adoption_share", "world"),
    ("adoption_share", "US"),
    ("adoption_share", "CN"),
    ("adoption_share", "NONALIGNED"),
    ("intensity_mean", "world"),
    ("embodied_deployment", "world"),
    ("open_download_share.US", "world"),
    ("open_download_share.CN", "world"),
    ("compute_h100e", "US"),
    ("compute_h100e", "CN"),
    ("dc_capacity_gw", "US"),
    ("dc_capacity_gw", "CN"),
    ("cn_chip_self_sufficiency", "CN"),
    ("cn_spare_power_over_global_dc_demand", "world"),
    ("us_markets_below_critical", "US"),
    ("aligned_countries.US", "world"),
    ("aligned_countries.CN", "world"),
    ("aligned_gdp_share.US", "world"),
    ("aligned_gdp_share.CN", "world"),
    ("us_license_revenue_usd", "US"),
];

/// The end-of-horizon table: the last quarter and the 4-quarter mean of
/// each key figure, rounded and labelled by unit (the catalogue's); missing
/// metrics show "—".
fn figures_table(ts: &Timeseries) -> String {
    let when = ts.periods().last().map(|p| p.1.clone()).unwrap_or_default();
    let head = vec![
        "Figure".to_string(),
        when.clone(),
        "4-quarter mean".to_string(),
    ];
    let rows: Vec<Vec<Cell>> = KEY_FIGURES
        .iter()
        .map(|(metric, scope)| {
            let m = catalogue::metric(metric);
            let s = ts.series(metric, scope);
            let last = s.last().map_or("—".into(), |p| m.format(p.1));
            let tail = &s[s.len().saturating_sub(4)..];
            let mean = if tail.is_empty() {
                "—".into()
            } else {
                m.format(tail.iter().map(|p| p.1 / tail.len() as f64).sum())
            };
            vec![
                Cell::Text(m.label_in(scope)),
                Cell::Num(last),
                Cell::Num(mean),
            ]
        })
        .collect();
    format!(
        "<h2>Key figures at the end of the horizon</h2>\n{}",
        table(&head, &rows)
    )
}

/// Config, provenance, seed and data-file hashes: what someone needs to
/// reproduce or verify the run.
fn identity_html(meta: &ReportMeta) -> String {
    let mut rows = vec![vec![
        Cell::Text("Config".into()),
        Cell::Text(meta.config_name.clone()),
    ]];
    for (what, value) in &meta.provenance_details {
        rows.push(vec![Cell::Text(what.clone()), Cell::Text(value.clone())]);
    }
    rows.push(vec![
        Cell::Text("Seed".into()),
        Cell::Text(meta.seed.to_string()),
    ]);
    let mut h = format!(
        "<h2>Run identity</h2>\n{}",
        table(&["What".into(), "Value".into()], &rows)
    );
    if meta.file_hashes.is_empty() {
        h.push_str("<p class=\"sub\">No manifest with file hashes was found.</p>\n");
        return h;
    }
    let rows: Vec<Vec<Cell>> = meta
        .file_hashes
        .iter()
        .map(|(file, hash)| {
            vec![
                Cell::Text(file.clone()),
                Cell::Html(format!("<code>{}</code>", escape_html(hash))),
            ]
        })
        .collect();
    h.push_str(&table(&["File".into(), "SHA-256".into()], &rows));
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_well() {
        assert_eq!(format_figure(0.4123, true), "41.2%");
        assert_eq!(format_figure(2.5e6, false), "2.50 million");
        assert_eq!(format_figure(4.256, false), "4.26");
        assert_eq!(format_figure(42.0, false), "42.0");
    }

    #[test]
    fn crossing_is_the_sustained_one() {
        let mut ts = Timeseries::default();
        for (t, v) in [2.0, 0.5, 0.8, 1.1, 1.4].iter().enumerate() {
            ts.push(t as u32, &format!("2026Q{}", t + 1), "CN", "r", *v);
        }
        assert_eq!(
            crossing(&ts, "r", "CN", 1.0),
            (Some("2026Q1".into()), Some("2026Q4".into()))
        );
        assert_eq!(crossing(&ts, "r", "CN", 5.0), (None, None));
        assert_eq!(
            crossing(&ts, "r", "CN", 0.1),
            (Some("2026Q1".into()), Some("2026Q1".into()))
        );
    }

    #[test]
    fn key_figures_use_catalogue_labels_and_no_e_notation() {
        let mut ts = Timeseries::default();
        ts.push(0, "2026Q1", "US", "us_license_revenue_usd", 2.358e8);
        ts.push(0, "2026Q1", "US", "compute_h100e", 1.7e8);
        let t = figures_table(&ts);
        assert!(
            t.contains("US chip licence revenue") && t.contains("$236M"),
            "{t}"
        );
        assert!(!t.contains("e8") && !t.contains("compute_h100e"), "{t}");
    }
}
