//! Mechanical checks of the chart rules (issue 16) and of the drawing
//! code's robustness (issue 17 item 5): no run or scenario in the US blue or
//! China red, axes that follow the metric catalogue, the same PNG bytes at
//! any thread count, and no panic on any finite value.

use std::fs;
use std::path::{Path, PathBuf};

use airace::io::timeseries::{period_label, Timeseries};
use airace::plot::{self, BandSeries, HeatmapChart};

mod chart_support;
use chart_support::*;

/// How many bloc-coloured pixels a runs/scenarios chart may hold.
///
/// A line in such a colour covers thousands of pixels (3 px × hundreds); a
/// few dozen come from anti-aliased edges where purple and orange lines
/// cross, which blend to a reddish tone no reader sees as a line.
const BLEND_ALLOWANCE: usize = 150;

/// Pixels of `img` whose colour reads as the US blue or China red.
fn bloc_coloured_pixels(img: &Image) -> usize {
    img.rgb
        .chunks_exact(3)
        .filter(|c| plot::style::reads_as_bloc(plotters::style::RGBColor(c[0], c[1], c[2])))
        .count()
}

#[test]
fn runs_and_scenarios_never_wear_us_or_china_colours() {
    let root = tempfile::tempdir().unwrap();
    let dirs: Vec<PathBuf> = (0..6)
        .map(|i| run_dir(root.path(), &format!("run{i}"), 1.0 - 0.05 * i as f64))
        .collect();
    let out = root.path().join("cmp");
    let written = airace::render::compare_runs(&dirs, &out, false).unwrap();
    let img = Image::decode(&written[0]);
    assert_eq!(names(&written[..1]), ["compare_adoption.png"]);
    let n = bloc_coloured_pixels(&img);
    assert!(
        n < BLEND_ALLOWANCE,
        "a run drawn in US blue or China red ({n} px)"
    );

    let groups: Vec<BandSeries> = (0..8)
        .map(|g| BandSeries {
            name: format!("scenario {g}"),
            points: (0..TICKS)
                .map(|t| {
                    let m = 0.1 + 0.01 * t as f64 + 0.02 * g as f64;
                    (t, m, m - 0.03, m + 0.03)
                })
                .collect(),
        })
        .collect();
    let path = root.path().join("scen.png");
    let mut spec = band_spec(&groups, &[]);
    spec.metric = "adoption_share";
    plot::band_chart(&spec, &path).unwrap();
    let img = Image::decode(&path);
    let n = bloc_coloured_pixels(&img);
    assert!(
        n < BLEND_ALLOWANCE,
        "a scenario in US blue or China red ({n} px)"
    );
    for c in plot::style::RUNS {
        assert!(!plot::style::reads_as_bloc(c));
    }
}

#[test]
fn axes_follow_the_catalogue_rules() {
    let axes = plot::run_chart_axes(&fixture());
    assert!(axes.len() >= 12, "{} panels", axes.len());
    for a in &axes {
        let Some(metric) = &a.metric else { continue };
        let m = airace::catalogue::metric(metric);
        let what = format!("{} / {}: {:?}", a.file, a.panel, a.range);
        if m.zero_based() {
            assert_eq!(
                a.range.start, 0.0,
                "non-negative metric not from zero: {what}"
            );
        }
        match m.kind {
            airace::catalogue::Kind::Count => {
                assert!(
                    a.ticks.iter().all(|t| t.fract() == 0.0),
                    "fractional count ticks: {what} {:?}",
                    a.ticks
                )
            }
            airace::catalogue::Kind::Ratio => assert!(a.log, "ratio not on a log axis: {what}"),
            airace::catalogue::Kind::Index => {
                let mid = (a.range.start + a.range.end) / 2.0;
                assert!(
                    (mid - 0.5).abs() < 1e-9,
                    "index axis not centred on 0.5: {what}"
                );
            }
            _ => {}
        }
    }
    // Mirrored index panels share one range.
    let idx: Vec<_> = axes.iter().filter(|a| a.file == "dashboard.png").collect();
    assert_eq!(idx.len(), 3);
    assert!(idx.iter().all(|a| a.range == idx[0].range));
    // The US-lead axis is signed: it floats below zero when China leads.
    let gap = axes
        .iter()
        .find(|a| a.metric.as_deref() == Some("frontier_gap_months"))
        .unwrap();
    assert!(gap.range.start < 0.0 && gap.range.end > 0.0, "{gap:?}");
}

#[test]
fn png_bytes_are_identical_across_thread_counts() {
    let ts = fixture();
    let render = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            plot::run_chart_pngs(&ts, "baseline · seed 42", Path::new("charts")).unwrap()
        })
    };
    let one = render(1);
    for n in [2, 4] {
        let many = render(n);
        assert_eq!(one.len(), many.len());
        for ((pa, a), (pb, b)) in one.iter().zip(&many) {
            assert_eq!(pa, pb);
            assert!(a == b, "{} differs between 1 and {n} threads", pa.display());
        }
    }
}

/// A time series carrying every charted metric with `values` (cycled).
fn extreme_series(values: &[f64]) -> Timeseries {
    let mut ts = Timeseries::default();
    let metrics = [
        (
            "adoption_share",
            vec!["world", "US", "CN", "ALLY", "NONALIGNED"],
        ),
        ("adoption_share.us_open", vec!["world", "NONALIGNED"]),
        ("adoption_share.cn_open", vec!["world", "NONALIGNED"]),
        ("innovation_index", vec!["US", "CN"]),
        ("diffusion_index", vec!["US", "CN"]),
        ("dominance_index", vec!["US", "CN"]),
        ("frontier_capability", vec!["US", "CN"]),
        ("frontier_gap_months", vec!["world"]),
        ("compute_h100e", vec!["US", "CN"]),
        ("cn_inference_self_sufficiency", vec!["CN"]),
        ("us_license_revenue_usd", vec!["US"]),
        ("reserve_margin", vec!["US-PJM", "US-ERCOT"]),
        ("critical_reserve_margin", vec!["US"]),
        ("us_markets_below_critical", vec!["US"]),
        ("cn_spare_power_over_global_dc_demand", vec!["world"]),
        ("dc_capacity_gw", vec!["US", "CN"]),
        ("aligned_countries.US", vec!["world"]),
        ("aligned_gdp_share.CN", vec!["world"]),
    ];
    let n = values.len().max(1) as u32;
    let mut k = 0;
    for t in 0..n {
        for (m, scopes) in &metrics {
            for s in scopes {
                let v = values.get(k % values.len().max(1)).copied().unwrap_or(0.0);
                ts.push(t, &period_label(2026, 1, t), s, m, v);
                k += 1;
            }
        }
    }
    ts
}

/// Render every chart kind of `values` in memory; a panic fails the test.
fn render_everything(values: &[f64]) {
    let ts = extreme_series(values);
    let pngs = plot::run_chart_pngs(&ts, "extreme", Path::new("charts")).unwrap();
    assert_eq!(pngs.len(), plot::RUN_CHARTS.len());
    let groups: Vec<BandSeries> = (0..3)
        .map(|g| BandSeries {
            name: format!("g{g}"),
            points: values
                .iter()
                .enumerate()
                .map(|(t, &v)| (t as u32, v, v.min(-v), v.max(-v)))
                .skip(g)
                .collect(),
        })
        .collect();
    for metric in [
        "adoption_share",
        "cn_inference_self_sufficiency",
        "frontier_gap_months",
        "x",
    ] {
        let mut spec = band_spec(&groups, &[]);
        spec.metric = metric;
        plot::band_chart_png(&spec, Path::new("b.png")).unwrap();
    }
    let xs = vec!["a".to_string(), "b".to_string()];
    let ys = vec!["c".to_string()];
    let z = vec![vec![values[0], *values.last().unwrap()]];
    let ci = vec![vec![values[0].abs(), f64::NAN]];
    let spec = HeatmapChart {
        title: "t",
        subtitle: "s",
        metric: "adoption_share",
        x_label: "x",
        x_values: &xs,
        y_label: "y",
        y_values: &ys,
        z: &z,
        ci: Some(&ci),
    };
    plot::heatmap_chart_png(&spec, Path::new("h.png")).unwrap();
}

#[test]
fn extreme_finite_values_never_panic() {
    // Issue 17 item 5: ±1e308 used to overflow a Vec capacity in the axis code.
    for values in [
        vec![1e308, -1e308],
        vec![f64::MAX, f64::MAX, f64::MAX],
        vec![-f64::MAX],
        vec![5e-324, 1e-310, 0.0],
        vec![0.0; 5],
        vec![42.0],
        vec![1e308, 0.0, -1e-300, 3.0],
    ] {
        render_everything(&values);
    }
    // And through the commands: a run folder holding extreme values plots and compares.
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("huge");
    fs::create_dir_all(&dir).unwrap();
    fs::write(
        dir.join("timeseries.csv"),
        extreme_series(&[1e308, -1e308]).to_csv_string(),
    )
    .unwrap();
    airace::render::plot_run(&dir).unwrap();
    let out = root.path().join("cmp");
    airace::render::compare_runs(&[dir.clone(), dir], &out, false).unwrap();
}

mod property {
    use super::*;
    use proptest::prelude::*;

    fn value() -> impl Strategy<Value = f64> {
        prop_oneof![
            proptest::num::f64::NORMAL | proptest::num::f64::SUBNORMAL | proptest::num::f64::ZERO,
            Just(f64::MAX),
            Just(-f64::MAX),
            Just(f64::MIN_POSITIVE),
            -2.0..2.0f64,
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]
        #[test]
        fn any_finite_values_render(values in proptest::collection::vec(value(), 1..6)) {
            render_everything(&values);
        }
    }
}
