//! Sweep charts: the spread across replicates, and 2-parameter heatmaps.
//!
//! Bands answer "how sure are we?": per design point (or per group of
//! points when there are too many to read), the mean and the 5–95% range
//! across replicates at every tick. Heatmaps answer "where in the grid does
//! the outcome flip?" for two-parameter grids. The numbers behind both are
//! also written as `bands.csv`, so nothing on a chart is unavailable as data.

use crate::io::quote::csv_text;
use std::fmt::Write as _;
use std::path::Path;

use crate::error::Result;
use crate::io::atomic::write_atomic;
use crate::io::timeseries::format_value;
use crate::stats;

use crate::layout::{self, BANDS, CHARTS, FAILURES, REPORT, RUNS, SUMMARY};

use super::plan::PlanFile;
use super::summary::{plain_value, series_keys, RunOnDisk};

/// Most band groups drawn on one chart before points are pooled.
pub const MAX_GROUPS: usize = 12;

/// One group's band for one (metric, scope): `(tick, mean, p05, p95)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Band {
    /// Legend label.
    pub name: String,
    /// Points in tick order.
    pub points: Vec<(u32, f64, f64, f64)>,
}

/// How runs are grouped into bands: by point when few, else by the values
/// of the discrete parameters when those are few, else all runs together.
/// Returns `(label, run indices)` in first-seen (run) order.
pub fn groups(plan: &PlanFile) -> Vec<(String, Vec<usize>)> {
    let points = plan.runs.iter().map(|r| r.point).max().map_or(0, |m| m + 1);
    let discrete: Vec<usize> = (0..plan.parameters.len())
        .filter(|&i| plan.parameters[i].discrete)
        .collect();
    let all: Vec<usize> = (0..plan.parameters.len()).collect();
    let by = |keys: &[usize]| group_by(plan, keys);
    if points <= MAX_GROUPS {
        by(&all)
    } else {
        let g = by(&discrete);
        if g.len() <= MAX_GROUPS {
            g
        } else {
            by(&[])
        }
    }
}

fn group_by(plan: &PlanFile, keys: &[usize]) -> Vec<(String, Vec<usize>)> {
    let mut out: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, run) in plan.runs.iter().enumerate() {
        let label = keys
            .iter()
            .map(|&k| {
                format!(
                    "{}={}",
                    short(&plan.parameters[k].path),
                    plain_value(&run.values[k])
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let label = if label.is_empty() {
            "all runs".to_string()
        } else {
            label
        };
        match out.iter_mut().find(|(l, _)| *l == label) {
            Some((_, v)) => v.push(i),
            None => out.push((label, vec![i])),
        }
    }
    out
}

/// A short legend name for a config path: its last key
/// (`chips[X].capacity_growth` → `capacity_growth`), with the list selector
/// kept when the key alone says little (`export[H200_CN].rule` → `H200_CN rule`).
pub fn short(path: &str) -> String {
    let last = path.rsplit('.').next().unwrap_or(path);
    match path.rfind('[') {
        Some(i) if last.len() < 8 => path[i + 1..].replacen("].", " ", 1),
        _ => last.to_string(),
    }
}

/// Bands of one (metric, scope) for every group, from finished runs only.
pub fn bands(plan: &PlanFile, states: &[RunOnDisk], metric: &str, scope: &str) -> Vec<Band> {
    let mut out = Vec::new();
    for (name, members) in groups(plan) {
        let mut by_tick: std::collections::BTreeMap<u32, Vec<f64>> = Default::default();
        for &i in &members {
            let RunOnDisk::Done(o) = &states[i] else {
                continue;
            };
            let s = o
                .series
                .iter()
                .find(|s| s.metric == metric && s.scope == scope);
            for &(t, v) in s.map(|s| s.points.as_slice()).unwrap_or(&[]) {
                by_tick.entry(t).or_default().push(v);
            }
        }
        let points = by_tick
            .into_iter()
            .map(|(t, mut v)| {
                // Sorted first: the mean then sums in ascending order, as it always has.
                v.sort_by(f64::total_cmp);
                let s = stats::summarise(&v);
                (t, s.mean, s.p05, s.p95)
            })
            .collect::<Vec<_>>();
        if !points.is_empty() {
            out.push(Band { name, points });
        }
    }
    out
}

/// A heatmap's data: cell means of one outcome over a 2-parameter grid.
#[derive(Clone, Debug, PartialEq)]
pub struct HeatmapGrid {
    /// Values of the second parameter (columns).
    pub x_values: Vec<String>,
    /// Values of the first parameter (rows).
    pub y_values: Vec<String>,
    /// `z[y][x]`: mean across finished replicates, NaN where none finished.
    pub z: Vec<Vec<f64>>,
}

/// For a 2-parameter grid: the heatmap of outcome `k` (x = second
/// parameter, which varies fastest, y = first); `None` for other designs.
pub fn heatmap(plan: &PlanFile, states: &[RunOnDisk], k: usize) -> Option<HeatmapGrid> {
    if plan.design != "grid" || plan.parameters.len() != 2 {
        return None;
    }
    let axis = |j: usize| {
        let mut v: Vec<String> = Vec::new();
        for r in &plan.runs {
            if !v.contains(&r.values[j]) {
                v.push(r.values[j].clone());
            }
        }
        v
    };
    let (ys, xs) = (axis(0), axis(1));
    let mut sum = vec![vec![(0.0, 0usize); xs.len()]; ys.len()];
    for (run, state) in plan.runs.iter().zip(states) {
        let RunOnDisk::Done(o) = state else { continue };
        let (Some(y), Some(x)) = (
            ys.iter().position(|v| *v == run.values[0]),
            xs.iter().position(|v| *v == run.values[1]),
        ) else {
            continue;
        };
        if let Some(v) = o.values.get(k).and_then(|s| s.parse::<f64>().ok()) {
            sum[y][x].0 += v;
            sum[y][x].1 += 1;
        }
    }
    let z = sum
        .into_iter()
        .map(|row| {
            row.into_iter()
                .map(|(s, n)| if n == 0 { f64::NAN } else { s / n as f64 })
                .collect()
        })
        .collect();
    let plain = |v: Vec<String>| v.iter().map(|s| plain_value(s)).collect();
    Some(HeatmapGrid {
        x_values: plain(xs),
        y_values: plain(ys),
        z,
    })
}

/// Write `bands.csv`: group, metric, scope, tick, mean, p05, p95.
pub fn write_bands_csv(dir: &Path, plan: &PlanFile, states: &[RunOnDisk]) -> Result<()> {
    let mut text = String::from("group,metric,scope,tick,mean,p05,p95\n");
    for (metric, scope) in series_keys(&plan.outcomes) {
        for band in bands(plan, states, &metric, &scope) {
            for (t, mean, lo, hi) in &band.points {
                let _ = writeln!(
                    text,
                    "\"{}\",{metric},{scope},{t},{},{},{}",
                    csv_text(&band.name).replace('"', "\"\""),
                    format_value(*mean),
                    format_value(*lo),
                    format_value(*hi)
                );
            }
        }
    }
    write_atomic(&dir.join(BANDS), text.as_bytes())
}

/// File-name-safe slug.
pub fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Render charts into `dir/charts/` and `dir/report.html`.
pub fn render(dir: &Path, plan: &PlanFile, states: &[RunOnDisk], status_line: &str) -> Result<()> {
    write_bands_csv(dir, plan, states)?;
    draw::render(dir, plan, states, status_line)
}

mod draw {
    //! Drawing through `crate::plot` and the shared report page.
    use super::*;
    use crate::catalogue;
    use crate::plot::{band_chart, heatmap_chart, BandChart, BandSeries, HeatmapChart};
    use crate::report;

    pub fn render(dir: &Path, plan: &PlanFile, states: &[RunOnDisk], status: &str) -> Result<()> {
        let mut body = draw_bands(&layout::charts_dir(dir), plan, states)?;
        body += &draw_heatmaps(&layout::charts_dir(dir), plan, states)?;
        body.push_str(&format!(
            "<p>Data: <a href=\"{SUMMARY}\">{SUMMARY}</a>, <a href=\"{BANDS}\">{BANDS}</a>, \
             <a href=\"{FAILURES}\">{FAILURES}</a>, one folder per run in <code>{RUNS}/</code>.</p>\n",
        ));
        let title = format!("Sweep {}", plan.name);
        let page = report::Page {
            title: &title,
            answer: &report::escape_html(status),
            body: &body,
            ..report::Page::default()
        };
        report::write_page(&dir.join(REPORT), &page)
    }

    /// Plain group names (the values of the parameters that are constant
    /// within each group, "ban · 0.3"), the key naming those parameters in
    /// plain words, and a statement of what a band pools: seeds only, or
    /// seeds and sampled parameter values.
    fn plain_groups(plan: &PlanFile) -> (Vec<(String, String)>, String, String) {
        let groups = groups(plan);
        let mut varying: Vec<usize> = Vec::new();
        let mut constant: Vec<usize> = Vec::new();
        let mut names = Vec::new();
        for (label, members) in &groups {
            let mut parts = Vec::new();
            for k in 0..plan.parameters.len() {
                let v0 = &plan.runs[members[0]].values[k];
                if members.iter().all(|&i| &plan.runs[i].values[k] == v0) {
                    parts.push(plain_value(v0));
                    if !constant.contains(&k) {
                        constant.push(k);
                    }
                } else if !varying.contains(&k) {
                    varying.push(k);
                }
            }
            let name = if parts.is_empty() {
                "all runs".to_string()
            } else {
                parts.join(" · ")
            };
            names.push((label.clone(), name));
        }
        let per_group = groups.iter().map(|g| g.1.len()).max().unwrap_or(0);
        let pooled = if varying.is_empty() {
            format!("{per_group} replicate seeds of one design point")
        } else {
            let labels: Vec<String> = varying
                .iter()
                .map(|&k| catalogue::parameter_label(&plan.parameters[k].path))
                .collect();
            format!(
                "up to {per_group} runs: seeds and sampled values of {}",
                labels.join(", ")
            )
        };
        let key: Vec<String> = constant
            .iter()
            .map(|&k| catalogue::parameter_label(&plan.parameters[k].path))
            .collect();
        (names, key.join(" · "), pooled)
    }

    /// One band chart per (metric, scope); returns the report's HTML for them.
    fn draw_bands(charts: &Path, plan: &PlanFile, states: &[RunOnDisk]) -> Result<String> {
        let periods = states
            .iter()
            .find_map(|s| match s {
                RunOnDisk::Done(o) => Some(o.periods.clone()),
                _ => None,
            })
            .unwrap_or_default();
        let (names, key, pooled) = plain_groups(plan);
        let mut subtitle = format!(
            "sweep {} ({} design, {} runs)",
            plan.name,
            plan.design,
            plan.runs.len()
        );
        if !key.is_empty() {
            subtitle += &format!(" · panels: {key}");
        }
        let mut html = String::new();
        for (metric, scope) in series_keys(&plan.outcomes) {
            let groups: Vec<BandSeries> = bands(plan, states, &metric, &scope)
                .into_iter()
                .map(|b| BandSeries {
                    name: names
                        .iter()
                        .find(|(l, _)| *l == b.name)
                        .map_or(b.name.clone(), |(_, n)| n.clone()),
                    points: b.points,
                })
                .collect();
            if groups.is_empty() {
                continue;
            }
            let file = format!("bands_{}_{}.png", slug(&metric), slug(&scope));
            let title = catalogue::metric(&metric).label_in(&scope);
            let spec = BandChart {
                title: &title,
                subtitle: &subtitle,
                metric: &metric,
                groups: &groups,
                baseline: None,
                pooled: &pooled,
                periods: &periods,
            };
            band_chart(&spec, &charts.join(&file))?;
            let caption = format!("Line: mean; band: 5–95% of {pooled}.");
            html.push_str(&report::figure(
                &format!("{CHARTS}/{file}"),
                &title,
                &caption,
            ));
        }
        Ok(html)
    }

    /// Half-width of the 95% confidence interval of the mean of `v`
    /// (Student t); NaN with fewer than two values.
    pub(super) fn ci95(v: &[f64]) -> f64 {
        const T975: [f64; 10] = [
            12.71, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        ];
        let n = v.len();
        if n < 2 {
            return f64::NAN;
        }
        let mean = v.iter().map(|x| x / n as f64).sum::<f64>();
        let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
        let t = T975
            .get(n - 2)
            .copied()
            .unwrap_or(if n <= 31 { 2.09 } else { 1.96 });
        t * (var / n as f64).sqrt()
    }

    /// Per-cell 95% CI half-widths of outcome `k`, laid out like [`heatmap`].
    fn heatmap_ci(plan: &PlanFile, states: &[RunOnDisk], k: usize) -> Vec<Vec<f64>> {
        let axis = |j: usize| {
            let mut v: Vec<&String> = Vec::new();
            for r in &plan.runs {
                if !v.contains(&&r.values[j]) {
                    v.push(&r.values[j]);
                }
            }
            v
        };
        let (ys, xs) = (axis(0), axis(1));
        let mut cells = vec![vec![Vec::new(); xs.len()]; ys.len()];
        for (run, state) in plan.runs.iter().zip(states) {
            let RunOnDisk::Done(o) = state else { continue };
            let y = ys.iter().position(|v| **v == run.values[0]);
            let x = xs.iter().position(|v| **v == run.values[1]);
            let val = o.values.get(k).and_then(|s| s.parse::<f64>().ok());
            if let (Some(y), Some(x), Some(v)) = (y, x, val) {
                cells[y][x].push(v);
            }
        }
        cells
            .iter()
            .map(|row| row.iter().map(|c| ci95(c)).collect())
            .collect()
    }

    /// For 2-parameter grids, one heatmap per outcome.
    fn draw_heatmaps(charts: &Path, plan: &PlanFile, states: &[RunOnDisk]) -> Result<String> {
        let mut html = String::new();
        for (k, o) in plan.outcomes.iter().enumerate() {
            let Some(h) = heatmap(plan, states, k) else {
                break;
            };
            let file = format!(
                "heatmap_{}_{}_{}.png",
                slug(&o.metric),
                slug(&o.scope),
                slug(&o.tick)
            );
            let xl = catalogue::parameter_label(&plan.parameters[1].path);
            let yl = catalogue::parameter_label(&plan.parameters[0].path);
            let when = match o.tick.as_str() {
                "last" => "at the end of the run".to_string(),
                t => format!("after quarter {t}"),
            };
            let title = format!("{} {when}", catalogue::metric(&o.metric).label_in(&o.scope));
            let ci = heatmap_ci(plan, states, k);
            let per_cell = plan.runs.len() / (h.x_values.len() * h.y_values.len()).max(1);
            let sub = format!(
                "sweep {} · cell: mean of {per_cell} replicate seeds",
                plan.name
            );
            let spec = HeatmapChart {
                title: &title,
                subtitle: &sub,
                metric: &o.metric,
                x_label: &xl,
                x_values: &h.x_values,
                y_label: &yl,
                y_values: &h.y_values,
                z: &h.z,
                ci: Some(&ci),
            };
            heatmap_chart(&spec, &charts.join(&file))?;
            html.push_str(&report::figure(&format!("{CHARTS}/{file}"), &title, &sub));
        }
        Ok(html)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> (PlanFile, Vec<RunOnDisk>) {
        use super::super::plan::{PlanOutcome, PlanParameter, Run};
        use super::super::summary::{OutcomeRecord, OutcomeSeries};
        let param = |p: &str| PlanParameter {
            path: p.into(),
            discrete: true,
        };
        let mut runs = Vec::new();
        let mut states = Vec::new();
        for (point, (a, b)) in [
            ("\"x\"", "1"),
            ("\"x\"", "2"),
            ("\"y\"", "1"),
            ("\"y\"", "2"),
        ]
        .into_iter()
        .enumerate()
        {
            for replicate in 0..3u32 {
                let v = (point * 10) as f64 + f64::from(replicate);
                runs.push(Run {
                    run_id: format!("p{point}-r{replicate}"),
                    point,
                    replicate,
                    seed: 1,
                    values: vec![a.into(), b.into()],
                });
                states.push(RunOnDisk::Done(OutcomeRecord {
                    version: 1,
                    run_id: String::new(),
                    seed: 1,
                    values: vec![format_value(v)],
                    series: vec![OutcomeSeries {
                        metric: "m".into(),
                        scope: "world".into(),
                        points: vec![(0, v), (1, 2.0 * v)],
                    }],
                    periods: vec![],
                }));
            }
        }
        states[11] = RunOnDisk::Missing;
        let plan = PlanFile {
            version: 1,
            name: "toy".into(),
            design: "grid".into(),
            parameters: vec![param("a.rule"), param("chips[Z].growth")],
            outcomes: vec![PlanOutcome {
                metric: "m".into(),
                scope: "world".into(),
                tick: "last".into(),
            }],
            runs,
            sources: None,
        };
        (plan, states)
    }

    #[test]
    fn bands_and_heatmaps_use_finished_replicates_per_point() {
        let (plan, states) = toy();
        let b = bands(&plan, &states, "m", "world");
        assert_eq!(b.len(), 4);
        assert_eq!(b[1].name, "rule=x, Z growth=2");
        // Point 1: replicates 10, 11, 12 at tick 0; 5% quantile = 10 + 0.1.
        let (t, mean, lo, hi) = b[1].points[0];
        assert_eq!((t, mean), (0, 11.0));
        assert!((lo - 10.1).abs() < 1e-12 && (hi - 11.9).abs() < 1e-12);
        let h = heatmap(&plan, &states, 0).unwrap();
        assert_eq!(
            (h.x_values.clone(), h.y_values.clone()),
            (vec!["1".into(), "2".into()], vec!["x".into(), "y".into()])
        );
        // The missing run (point 3, replicate 2) is left out of the mean.
        assert_eq!(h.z, vec![vec![1.0, 11.0], vec![21.0, 30.5]]);
    }

    #[test]
    fn short_names_keep_ambiguous_paths() {
        assert_eq!(short("chips[A].capacity_growth"), "capacity_growth");
        assert_eq!(short("policy.us.export[H200_CN].rule"), "H200_CN rule");
        assert_eq!(short("firms.count"), "count");
        assert_eq!(slug("a.b[c]"), "a_b_c_");
    }

    #[test]
    fn confidence_intervals_use_student_t() {
        assert!(draw::ci95(&[1.0]).is_nan());
        // mean 2, sd 1, n 3: t(2) = 4.303, so 4.303 / sqrt(3).
        let c = draw::ci95(&[1.0, 2.0, 3.0]);
        assert!((c - 4.303 / 3f64.sqrt()).abs() < 1e-9, "{c}");
    }
}
