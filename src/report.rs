//! `report.html`: the one page a newcomer opens after a run.
//!
//! Within a minute it should say who leads on innovation and who on
//! diffusion, and why, in sentences generated from the data; then show the
//! charts, the end-of-horizon numbers with units, and the run's identity
//! (config, seed, file hashes) so the page can be traced back to its inputs.
//! The page is self-contained: inline CSS, relative image links, no scripts,
//! no external assets, so it opens offline and survives being zipped.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::io::atomic::write_atomic;
use crate::io::timeseries::Timeseries;
use crate::plot::style::bloc_label;
use crate::plot::CompareRow;

/// Identity of the run a report describes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReportMeta {
    /// Name of the config the run used.
    pub config_name: String,
    /// The run's master seed.
    pub seed: u64,
    /// `(file name, SHA-256 hex)` of the run's data files, as in `manifest.json`.
    pub file_hashes: Vec<(String, String)>,
}

/// Escape `s` for HTML text and attribute values.
///
/// Config names, scopes and file names come from users; escaping every data
/// string keeps a name like `a<b` from breaking (or scripting) the page.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The shared stylesheet, so run, compare and sweep pages look alike.
const CSS: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;color:#212529;background:#fff;margin:0}
main{max-width:1180px;margin:0 auto;padding:24px 28px 60px;line-height:1.5}
h1{font-size:1.9em;margin:0.2em 0}h2{margin-top:1.8em;border-bottom:1px solid #dee2e6;padding-bottom:4px}
.sub{color:#6c757d;margin-top:0}
.lead{font-size:1.25em;background:#f4f6f9;border-left:5px solid #1f5fbf;padding:12px 16px;border-radius:4px}
.us{color:#1f5fbf;font-weight:600}.cn{color:#d62728;font-weight:600}
figure{margin:18px 0}figure img{width:100%;height:auto;border:1px solid #e2e4e8;border-radius:4px}
figcaption{color:#495057;font-size:0.95em}
table{border-collapse:collapse;margin:10px 0;font-size:0.95em}
th,td{border-bottom:1px solid #e2e4e8;padding:5px 12px;text-align:left;vertical-align:top}
th{background:#f4f6f9}td.num{text-align:right;font-variant-numeric:tabular-nums}
code{font-family:'DejaVu Sans Mono',monospace;font-size:0.9em;word-break:break-all}
";

/// Write a complete, self-contained HTML page to `path` (atomically).
///
/// `title` is escaped; `body_html` is inserted as is, so callers must escape
/// the data strings they put in it (use [`escape_html`]).
pub fn write_html_page(path: &Path, title: &str, body_html: &str) -> Result<()> {
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n{body_html}\n</main>\n</body>\n</html>\n",
        escape_html(title)
    );
    write_atomic(path, page.as_bytes())
}

/// Write `out_dir/report.html` for one run: headline, charts, key figures, identity.
///
/// `chart_files` are linked relative to `out_dir` (normally `charts/*.png`);
/// the dashboard and adoption charts come first because they carry the answer.
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
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>AI race: run report</h1>\n<p class=\"sub\">config <b>{}</b> · seed {} · {}</p>\n",
        escape_html(&meta.config_name),
        meta.seed,
        escape_html(&span)
    );
    body.push_str(&headline_html(ts));
    body.push_str(&charts_html(out_dir, chart_files));
    body.push_str(&figures_table(ts));
    body.push_str(&identity_html(meta));
    let title = format!("airace report: {}", meta.config_name);
    write_html_page(&out_dir.join(crate::layout::REPORT), &title, &body)
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

/// Who leads a race (`metric` for US vs CN at the last tick), as an HTML sentence.
fn lead_sentence(ts: &Timeseries, race: &str, metric: &str) -> String {
    let (Some(us), Some(cn)) = (ts.last_value(metric, "US"), ts.last_value(metric, "CN")) else {
        return format!("This run has no {race} index.");
    };
    let (u, c) = format_pair(us, cn);
    if us > cn {
        format!("<span class=\"us\">The US leads on {race}</span> (index {u} vs {c} for China).")
    } else if cn > us {
        format!("<span class=\"cn\">China leads on {race}</span> (index {c} vs {u} for the US).")
    } else {
        format!("The US and China are tied on {race} (index {u}).")
    }
}

/// Under the headline: a single run is one world, not a forecast.
const ONE_WORLD: &str = "<p class=\"note\">This is one world: one seed and one value of every \
uncertain parameter. <code>airace scenarios --uncertainty N</code> reports how often each lead \
holds across plausible worlds (parameter draws from <code>configs/uncertainty.toml</code>).</p>\n";

/// The answer first: who leads each race, then the drivers behind it.
fn headline_html(ts: &Timeseries) -> String {
    let when = ts.periods().last().map(|p| p.1.clone()).unwrap_or_default();
    let mut h = format!(
        "<h2>Who leads, at {}?</h2>\n<p class=\"lead\">",
        escape_html(&when)
    );
    let _ = writeln!(
        h,
        "{} {} {}</p>",
        lead_sentence(ts, "innovation", "innovation_index"),
        lead_sentence(ts, "diffusion", "diffusion_index"),
        lead_sentence(ts, "overall dominance", "dominance_index")
    );
    h.push_str(ONE_WORLD);
    for (title, items) in [
        ("Why: innovation", innovation_drivers(ts)),
        ("Why: diffusion", diffusion_drivers(ts)),
    ] {
        let _ = write!(h, "<h3>{title}</h3>\n<ul>\n");
        if items.is_empty() {
            h.push_str("<li>No driver metrics in this run's data.</li>\n");
        }
        for item in items {
            let _ = writeln!(h, "<li>{}</li>", escape_html(&item));
        }
        h.push_str("</ul>\n");
    }
    h
}

/// Plain-text sentences on what drives the innovation race: frontier gap,
/// compute, and the US grid constraint.
fn innovation_drivers(ts: &Timeseries) -> Vec<String> {
    let mut v = Vec::new();
    if let Some(g) = ts.last_value("frontier_gap_months", "world") {
        v.push(if g >= 0.0 {
            format!("China's best model trails the US frontier by {g:.1} months.")
        } else {
            format!(
                "China's best model is {:.1} months ahead of the US frontier.",
                -g
            )
        });
    }
    if let (Some(us), Some(cn)) = (
        ts.last_value("compute_h100e", "US"),
        ts.last_value("compute_h100e", "CN"),
    ) {
        if cn > 0.0 {
            v.push(format!(
                "The US has {:.1}× China's installed, powered compute ({} vs {} H100-equivalents).",
                us / cn,
                format_figure(us, false),
                format_figure(cn, false)
            ));
        }
    }
    if let Some(n) = ts.last_value("us_markets_below_critical", "US") {
        let total = ts
            .scopes_of("reserve_margin")
            .iter()
            .filter(|s| s.starts_with("US-"))
            .count()
            .max(13);
        v.push(format!(
            "{n:.0} of {total} US power markets end below the critical reserve margin."
        ));
    }
    v
}

/// Plain-text sentences on what drives the diffusion race: open downloads,
/// adoption, alignment, power and chip self-sufficiency.
fn diffusion_drivers(ts: &Timeseries) -> Vec<String> {
    let mut v = Vec::new();
    let last = |m: &str, s: &str| ts.last_value(m, s);
    if let (Some(cn), Some(us)) = (
        last("open_download_share.CN", "world"),
        last("open_download_share.US", "world"),
    ) {
        v.push(format!(
            "Chinese open models take {:.0}% of open-model downloads (US models {:.0}%).",
            cn * 100.0,
            us * 100.0
        ));
    }
    if let Some(w) = last("adoption_share", "world") {
        let mut s = format!("{:.0}% of firms worldwide use AI", w * 100.0);
        if let Some(gs) = last("adoption_share", "NONALIGNED") {
            let _ = write!(
                s,
                "; {:.0}% in non-aligned countries (the Global South)",
                gs * 100.0
            );
            let cn_stacks = last("adoption_share.cn_open", "NONALIGNED").unwrap_or(0.0)
                + last("adoption_share.cn_closed", "NONALIGNED").unwrap_or(0.0);
            if gs > 0.0 && ts.series("adoption_share.cn_open", "NONALIGNED").len() > 1 {
                let _ = write!(
                    s,
                    ", where Chinese stacks serve {:.0}% of adopters",
                    100.0 * cn_stacks / gs
                );
            }
        }
        v.push(s + ".");
    }
    let aligned = |who: &str| {
        (
            last(&format!("aligned_countries.{who}"), "world"),
            last(&format!("aligned_gdp_share.{who}"), "world"),
        )
    };
    if let ((Some(cn_n), cn_g), (Some(us_n), us_g)) = (aligned("CN"), aligned("US")) {
        let gdp = |g: Option<f64>| {
            g.map(|g| format!(" ({:.0}% of world GDP)", g * 100.0))
                .unwrap_or_default()
        };
        v.push(format!(
            "{cn_n:.0} countries{} align with China's stack, {us_n:.0}{} with the US stack.",
            gdp(cn_g),
            gdp(us_g)
        ));
    }
    if let Some(r) = last("cn_spare_power_over_global_dc_demand", "world") {
        let side = if r >= 3.0 { "at or above" } else { "below" };
        v.push(format!(
            "China's spare power is {r:.1}× global data-centre demand ({side} the 3× line)."
        ));
    }
    v.extend(self_sufficiency_sentence(ts));
    v
}

/// Period label of `tick` (or `tick N` if the data has no label for it).
fn period_of(ts: &Timeseries, tick: u32) -> String {
    let label = ts
        .rows
        .iter()
        .find(|r| r.tick == tick)
        .map(|r| r.period.clone());
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

/// When domestic chips meet 90% of China's AI-chip demand by value for good
/// (Bernstein's measure; it forecasts ~93% for 2028).
fn self_sufficiency_sentence(ts: &Timeseries) -> Option<String> {
    let end = ts.last_value("cn_chip_self_sufficiency", "CN")?;
    let end = format_figure(end, false);
    Some(match crossing(ts, "cn_chip_self_sufficiency", "CN", 0.9) {
        (Some(first), Some(from)) if first != from => format!(
            "Domestic chips meet 90% of China's AI-chip demand from {from} onwards (first in {first}, then lost; share {end} at the end)."
        ),
        (_, Some(from)) => {
            format!("Domestic chips meet 90% of China's AI-chip demand from {from} onwards (share {end} at the end).")
        }
        (Some(first), None) => format!(
            "Domestic chips met 90% of China's AI-chip demand in {first} but not at the end (share {end})."
        ),
        (None, None) => format!("Domestic chips never meet 90% of China's AI-chip demand (share {end} at the end)."),
    })
}

/// A short caption per standard chart, telling the reader what to look for.
fn caption(file: &str) -> &'static str {
    match file {
        "dashboard.png" => "Innovation, diffusion and dominance indices, US vs China, with the end-of-horizon scoreboard.",
        "adoption.png" => "Share of firms using AI by bloc, and which model stacks they use worldwide and in the Global South.",
        "frontier.png" => "Frontier capability of the best US and Chinese models, and how many months China trails.",
        "chips.png" => "Installed compute by bloc, China's inference chip self-sufficiency (1.0 = covers demand), US licence revenue.",
        "power.png" => "Reserve margins of US power markets against the critical line, and China's spare power vs the 3× line.",
        "datacenters.png" => "Data-centre capacity by bloc.",
        "alignment.png" => "Countries, and their share of world GDP, aligned with the US or the Chinese stack.",
        _ => "",
    }
}

/// The chart gallery, dashboard and adoption first, linked relative to `out_dir`.
fn charts_html(out_dir: &Path, chart_files: &[PathBuf]) -> String {
    let rank = |p: &PathBuf| match p.file_name().and_then(|f| f.to_str()) {
        Some("dashboard.png") => 0,
        Some("adoption.png") => 1,
        _ => 2,
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
        let _ = writeln!(
            h,
            "<figure><img src=\"{}\" alt=\"{}\" width=\"1400\" height=\"900\"><figcaption>{}</figcaption></figure>",
            escape_html(&rel),
            escape_html(&name),
            escape_html(caption(&name))
        );
    }
    h
}

/// How a key figure is printed.
#[derive(Clone, Copy)]
enum Kind {
    /// A 0–1 share, printed as a percentage.
    Share,
    /// A 0–1 index: three decimals, since leads are often narrow.
    Index,
    /// A whole count (markets, countries).
    Count,
    /// Anything else, via [`format_figure`].
    Amount,
}

/// Key end-of-horizon figures: (label, metric, scope, unit, kind).
const KEY_FIGURES: [(&str, &str, &str, &str, Kind); 29] = [
    (
        "Innovation index",
        "innovation_index",
        "US",
        "index 0–1",
        Kind::Index,
    ),
    (
        "Innovation index",
        "innovation_index",
        "CN",
        "index 0–1",
        Kind::Index,
    ),
    (
        "Diffusion index",
        "diffusion_index",
        "US",
        "index 0–1",
        Kind::Index,
    ),
    (
        "Diffusion index",
        "diffusion_index",
        "CN",
        "index 0–1",
        Kind::Index,
    ),
    (
        "Dominance index",
        "dominance_index",
        "US",
        "index 0–1",
        Kind::Index,
    ),
    (
        "Dominance index",
        "dominance_index",
        "CN",
        "index 0–1",
        Kind::Index,
    ),
    (
        "Frontier capability",
        "frontier_capability",
        "US",
        "ECI-like points",
        Kind::Amount,
    ),
    (
        "Frontier capability",
        "frontier_capability",
        "CN",
        "ECI-like points",
        Kind::Amount,
    ),
    (
        "Frontier gap (China behind)",
        "frontier_gap_months",
        "world",
        "months",
        Kind::Amount,
    ),
    (
        "Firms using AI",
        "adoption_share",
        "world",
        "% of firms",
        Kind::Share,
    ),
    (
        "Firms using AI",
        "adoption_share",
        "US",
        "% of firms",
        Kind::Share,
    ),
    (
        "Firms using AI",
        "adoption_share",
        "CN",
        "% of firms",
        Kind::Share,
    ),
    (
        "Firms using AI",
        "adoption_share",
        "NONALIGNED",
        "% of firms",
        Kind::Share,
    ),
    (
        "AI use intensity",
        "intensity_mean",
        "world",
        "mean, 0–1",
        Kind::Amount,
    ),
    (
        "Embodied AI deployment",
        "embodied_deployment",
        "world",
        "% of embodied-sector firms",
        Kind::Share,
    ),
    (
        "Open-model downloads: US models",
        "open_download_share.US",
        "world",
        "% of downloads",
        Kind::Share,
    ),
    (
        "Open-model downloads: Chinese models",
        "open_download_share.CN",
        "world",
        "% of downloads",
        Kind::Share,
    ),
    (
        "Compute stock",
        "compute_h100e",
        "US",
        "H100-equivalents",
        Kind::Amount,
    ),
    (
        "Compute stock",
        "compute_h100e",
        "CN",
        "H100-equivalents",
        Kind::Amount,
    ),
    (
        "Data-centre capacity",
        "dc_capacity_gw",
        "US",
        "GW",
        Kind::Amount,
    ),
    (
        "Data-centre capacity",
        "dc_capacity_gw",
        "CN",
        "GW",
        Kind::Amount,
    ),
    (
        "China AI-chip self-sufficiency (domestic share of demand, by value)",
        "cn_chip_self_sufficiency",
        "CN",
        "",
        Kind::Share,
    ),
    (
        "China spare power ÷ global DC demand",
        "cn_spare_power_over_global_dc_demand",
        "world",
        "×",
        Kind::Amount,
    ),
    (
        "US markets below critical reserve margin",
        "us_markets_below_critical",
        "US",
        "markets",
        Kind::Count,
    ),
    (
        "Countries aligned with US",
        "aligned_countries.US",
        "world",
        "countries",
        Kind::Count,
    ),
    (
        "Countries aligned with China",
        "aligned_countries.CN",
        "world",
        "countries",
        Kind::Count,
    ),
    (
        "World GDP aligned with US",
        "aligned_gdp_share.US",
        "world",
        "% of world GDP",
        Kind::Share,
    ),
    (
        "World GDP aligned with China",
        "aligned_gdp_share.CN",
        "world",
        "% of world GDP",
        Kind::Share,
    ),
    (
        "US chip licence revenue",
        "us_license_revenue_usd",
        "US",
        "USD per quarter",
        Kind::Amount,
    ),
];

/// The end-of-horizon table (last tick of each series); missing metrics show "—".
fn figures_table(ts: &Timeseries) -> String {
    let mut h = String::from(
        "<h2>Key figures at the end of the horizon</h2>\n<table>\n<tr><th>Figure</th><th>Scope</th><th>Value</th><th>Unit</th></tr>\n",
    );
    for (label, metric, scope, unit, kind) in KEY_FIGURES {
        let value = ts.last_value(metric, scope).map(|v| match kind {
            Kind::Share => format_figure(v, true),
            Kind::Index => format!("{v:.3}"),
            Kind::Count => format!("{v:.0}"),
            Kind::Amount => format_figure(v, false),
        });
        let value = value.unwrap_or_else(|| "—".into());
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            escape_html(label),
            escape_html(&bloc_label(scope)),
            escape_html(&value),
            escape_html(unit)
        );
    }
    h.push_str("</table>\n");
    h
}

/// Config, seed and data-file hashes: what someone needs to reproduce or verify the run.
fn identity_html(meta: &ReportMeta) -> String {
    let mut h = format!(
        "<h2>Run identity</h2>\n<table>\n<tr><th>Config</th><td>{}</td></tr>\n<tr><th>Seed</th><td>{}</td></tr>\n</table>\n",
        escape_html(&meta.config_name),
        meta.seed
    );
    if meta.file_hashes.is_empty() {
        h.push_str("<p class=\"sub\">No manifest with file hashes was found.</p>\n");
        return h;
    }
    h.push_str("<table>\n<tr><th>File</th><th>SHA-256</th></tr>\n");
    for (file, hash) in &meta.file_hashes {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td><code>{}</code></td></tr>",
            escape_html(file),
            escape_html(hash)
        );
    }
    h.push_str("</table>\n");
    h
}

/// Write `compare.html`: the run list, the overlay charts (linked by file
/// name, beside the page) and the last-quarter values side by side.
pub fn write_compare_page(
    path: &Path,
    dirs: &[PathBuf],
    runs: &[(String, Timeseries)],
    charts: &[PathBuf],
    rows: &[CompareRow],
) -> Result<()> {
    write_html_page(
        path,
        "airace: run comparison",
        &compare_body(dirs, runs, charts, rows),
    )
}

/// The comparison page: run list, charts, and the last-quarter values side by side.
fn compare_body(
    dirs: &[PathBuf],
    runs: &[(String, Timeseries)],
    charts: &[PathBuf],
    rows: &[CompareRow],
) -> String {
    let names: Vec<&String> = runs.iter().map(|r| &r.0).collect();
    let mut b = String::new();
    let _ = write!(
        b,
        "<h1>Run comparison</h1><p class=\"sub\">{} runs</p><ul>",
        runs.len()
    );
    for (n, d) in names.iter().zip(dirs) {
        let _ = write!(
            b,
            "<li><b>{}</b>: <code>{}</code></li>",
            escape_html(n),
            escape_html(&d.display().to_string())
        );
    }
    b.push_str("</ul><h2>Charts</h2>");
    for c in charts {
        let f = c
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let f = escape_html(&f);
        let _ = write!(b, "<figure><img src=\"{f}\" alt=\"{f}\"></figure>");
    }
    b.push_str("<h2>Last-quarter values</h2><table><tr><th>metric</th><th>scope</th>");
    for n in names {
        let _ = write!(b, "<th>{}</th>", escape_html(n));
    }
    b.push_str("</tr>");
    for row in rows {
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td>",
            escape_html(row.title),
            escape_html(row.scope)
        );
        for (_, ts) in runs {
            let v = ts
                .last_value(row.metric, row.scope)
                .map(|v| format_figure(v, row.percent));
            let _ = write!(
                b,
                "<td class=\"num\">{}</td>",
                escape_html(&v.unwrap_or_else(|| "—".into()))
            );
        }
        b.push_str("</tr>");
    }
    b.push_str("</table>");
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape_html("a<b & \"c\" 'd'>"),
            "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;"
        );
    }

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
    fn leader_sentences_follow_the_data() {
        let mut ts = Timeseries::default();
        ts.push(0, "2026Q1", "US", "innovation_index", 0.7);
        ts.push(0, "2026Q1", "CN", "innovation_index", 0.5);
        assert!(lead_sentence(&ts, "innovation", "innovation_index")
            .contains("The US leads on innovation"));
        assert!(lead_sentence(&ts, "diffusion", "diffusion_index").contains("no diffusion index"));
    }
}
