//! Chart and `airace plot` / `compare` tests on a synthetic but realistic run.
//!
//! The run lives in `tests/fixtures/timeseries_sample.csv` so humans (and the
//! browser test) can use it too; `fixture_is_up_to_date` checks it still
//! matches the generator below. Regenerate with
//! `AIRACE_REGEN_FIXTURES=1 cargo test --test charts fixture_is_up_to_date`.
//!
//! PNGs are decoded with the `png` crate and checked for what a reader
//! needs: the right size, real content (many colours), a title (dark text
//! pixels in the top band), the series colours, and byte-identical output
//! for the same data.

use std::fs;
use std::path::Path;

use airace::io::timeseries::{period_label, Timeseries};
use airace::plot::{self, BandSeries, ChartMeta, HeatmapChart};

mod chart_support;
mod common;
use chart_support::*;

/// A smooth S-curve from 0 to 1 centred on `mid`, using only + − × ÷ so the
/// fixture is bit-identical on every platform (no libm `exp`).
fn s_curve(t: f64, mid: f64, width: f64) -> f64 {
    let z = (t - mid) / width;
    0.5 + 0.5 * z / (1.0 + z.abs())
}

/// A triangle wave in −1..1 with period `p` (a libm-free wiggle).
fn wiggle(t: f64, p: f64) -> f64 {
    let x = (t / p) % 1.0;
    4.0 * (x - 0.5).abs() - 1.0
}

const ALLY_COUNTRIES: [&str; 3] = ["DE", "JP", "GB"];
const NONALIGNED_COUNTRIES: [&str; 4] = ["IN", "BR", "ID", "NG"];
const US_MARKETS: [&str; 13] = [
    "US-PJM",
    "US-ERCOT",
    "US-CAISO",
    "US-MISO",
    "US-SPP",
    "US-NYISO",
    "US-ISONE",
    "US-SERC",
    "US-SOUTHEAST",
    "US-NORTHWEST",
    "US-SOUTHWEST",
    "US-FRCC",
    "US-TVA",
];
const OTHER_MARKETS: [&str; 7] = [
    "CN-East", "CN-North", "CN-South", "DE-grid", "JP-grid", "IN-grid", "BR-grid",
];

/// Adoption cap, midpoint and China-stack share trend of a scope.
fn adoption_profile(scope: &str) -> (f64, f64, f64, f64) {
    match scope {
        "US" => (0.85, 14.0, 0.08, 0.10),
        "CN" => (0.80, 16.0, 0.88, 0.90),
        "ALLY" | "DE" | "JP" | "GB" => (0.75, 17.0, 0.10, 0.16),
        _ => (0.60, 24.0, 0.25, 0.58),
    }
}

/// Adoption metrics (total, per stack, intensity) of one scope at tick `t`.
fn push_adoption(ts: &mut Timeseries, t: u32, p: &str, scope: &str, shift: f64) {
    let (cap, mid, cn0, cn1) = adoption_profile(scope);
    let f = t as f64 / (TICKS - 1) as f64;
    let total = cap * s_curve(t as f64, mid + shift, 6.0);
    let cn = cn0 + (cn1 - cn0) * f;
    let other = 0.06;
    let us = 1.0 - cn - other;
    let shares = [us * 0.68, us * 0.32, cn * 0.62, cn * 0.38, other];
    ts.push(t, p, scope, "adoption_share", total);
    for (stack, s) in ["us_closed", "us_open", "cn_open", "cn_closed", "other"]
        .iter()
        .zip(shares)
    {
        ts.push(t, p, scope, &format!("adoption_share.{stack}"), total * s);
    }
    ts.push(t, p, scope, "intensity_mean", 0.08 + 0.55 * total);
}

/// Bloc-level metrics (embodied deployment, compute, data centres).
fn push_bloc(ts: &mut Timeseries, t: u32, p: &str, bloc: &str) {
    let tf = t as f64;
    let (emb_mid, c0, cg, dc0, dcg) = match bloc {
        "US" => (16.0, 4.0e6, 0.12, 25.0, 2.5),
        "CN" => (13.0, 1.2e6, 0.10, 18.0, 2.1),
        "ALLY" => (18.0, 0.8e6, 0.09, 10.0, 0.8),
        _ => (26.0, 0.2e6, 0.11, 4.0, 0.5),
    };
    ts.push(
        t,
        p,
        bloc,
        "embodied_deployment",
        0.04 + 0.5 * s_curve(tf, emb_mid, 7.0),
    );
    ts.push(
        t,
        p,
        bloc,
        "compute_h100e",
        c0 * (1.0 + cg * tf + 0.004 * tf * tf),
    );
    ts.push(t, p, bloc, "dc_capacity_gw", dc0 + dcg * tf);
}

/// Race-level metrics reported for the US, CN or world scopes.
fn push_race(ts: &mut Timeseries, t: u32, p: &str) {
    let tf = t as f64;
    let (us_cap, cn_cap) = (140.0 + 2.2 * tf, 131.0 + 2.32 * tf + 1.5 * wiggle(tf, 7.0));
    let open = s_curve(tf, 12.0, 8.0);
    let rows: [(&str, &str, f64); 20] = [
        ("US", "frontier_capability", us_cap),
        ("CN", "frontier_capability", cn_cap),
        ("world", "frontier_capability", us_cap.max(cn_cap)),
        (
            "world",
            "frontier_gap_months",
            8.0 - 0.16 * tf + 1.2 * wiggle(tf, 7.0),
        ),
        ("world", "open_download_share.US", 0.46 - 0.2 * open),
        ("world", "open_download_share.CN", 0.38 + 0.26 * open),
        (
            "CN",
            "cn_inference_self_sufficiency",
            0.52 + 0.019 * tf + 0.03 * wiggle(tf, 5.0),
        ),
        (
            "CN",
            "cn_chip_self_sufficiency",
            (0.9 * (0.52 + 0.019 * tf + 0.03 * wiggle(tf, 5.0))).min(1.0),
        ),
        (
            "world",
            "cn_spare_power_over_global_dc_demand",
            4.6 - 0.055 * tf,
        ),
        ("world", "aligned_countries.US", (41.0 - 0.12 * tf).round()),
        ("world", "aligned_countries.CN", (24.0 + 0.45 * tf).round()),
        ("world", "aligned_gdp_share.US", 0.62 - 0.002 * tf),
        ("world", "aligned_gdp_share.CN", 0.21 + 0.0025 * tf),
        ("US", "us_license_revenue_usd", 1.5e9 * (1.0 + 0.03 * tf)),
        ("US", "innovation_index", 0.66 + 0.0022 * tf),
        ("CN", "innovation_index", 0.50 + 0.0018 * tf),
        ("US", "diffusion_index", 0.52 - 0.001 * tf),
        ("CN", "diffusion_index", 0.45 + 0.0052 * tf),
        ("US", "dominance_index", 0.59 + 0.0006 * tf),
        ("CN", "dominance_index", 0.475 + 0.0035 * tf),
    ];
    for (scope, metric, value) in rows {
        ts.push(t, p, scope, metric, value);
    }
}

/// Reserve margins of all power markets, the critical line and the count below it.
fn push_power(ts: &mut Timeseries, t: u32, p: &str) {
    let tf = t as f64;
    let mut below = 0;
    for (i, m) in US_MARKETS.iter().enumerate() {
        let start = 0.20 + 0.012 * (i % 5) as f64;
        let v = start - (0.0005 + 0.00028 * i as f64) * tf + 0.01 * wiggle(tf + i as f64, 8.0);
        below += u32::from(v < 0.15);
        ts.push(t, p, m, "reserve_margin", v);
    }
    for (i, m) in OTHER_MARKETS.iter().enumerate() {
        ts.push(t, p, m, "reserve_margin", 0.30 - 0.001 * i as f64 * tf);
    }
    ts.push(t, p, "US", "critical_reserve_margin", 0.15);
    ts.push(t, p, "US", "us_markets_below_critical", f64::from(below));
}

/// The synthetic run behind the fixture: every metric the charts use, 2026Q1 + 40 quarters.
fn sample_timeseries() -> Timeseries {
    let mut ts = Timeseries::default();
    for t in 0..TICKS {
        let p = period_label(2026, 1, t);
        push_adoption(&mut ts, t, &p, "world", 3.0);
        ts.push(
            t,
            &p,
            "world",
            "embodied_deployment",
            0.04 + 0.45 * s_curve(t as f64, 19.0, 7.0),
        );
        for bloc in ["US", "CN", "ALLY", "NONALIGNED"] {
            push_adoption(&mut ts, t, &p, bloc, 0.0);
            push_bloc(&mut ts, t, &p, bloc);
        }
        for (i, c) in ALLY_COUNTRIES
            .iter()
            .chain(NONALIGNED_COUNTRIES.iter())
            .enumerate()
        {
            push_adoption(&mut ts, t, &p, c, i as f64 - 3.0);
        }
        push_race(&mut ts, t, &p);
        push_power(&mut ts, t, &p);
    }
    ts
}

#[test]
fn fixture_is_up_to_date() {
    let text = sample_timeseries().to_csv_string();
    if std::env::var("AIRACE_REGEN_FIXTURES").as_deref() == Ok("1") {
        fs::create_dir_all("tests/fixtures").unwrap();
        fs::write(FIXTURE, &text).unwrap();
    }
    let committed = fs::read_to_string(FIXTURE)
        .expect("fixture exists; regenerate with AIRACE_REGEN_FIXTURES=1");
    assert!(
        committed == text,
        "{FIXTURE} is stale; regenerate with AIRACE_REGEN_FIXTURES=1"
    );
}

/// The checks every chart must pass: size, real content, a visible title.
fn assert_readable_chart(path: &Path, size: (u32, u32)) -> Image {
    let img = Image::decode(path);
    assert_eq!((img.width, img.height), size, "{}", path.display());
    let colours = img.distinct_colours();
    assert!(
        colours >= 24,
        "{} looks blank: {colours} colours",
        path.display()
    );
    let dark = img.dark_pixels_in_top(40);
    assert!(
        dark >= 150,
        "{}: no title text in the top band ({dark} dark pixels)",
        path.display()
    );
    img
}

#[test]
fn run_charts_are_readable_and_deterministic() {
    let ts = fixture();
    let meta = ChartMeta {
        config_name: "baseline".into(),
        seed: 42,
    };
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let sub = meta.subtitle();
    let files_a = plot::render_run_charts(&ts, &sub, &a.path().join("charts")).unwrap();
    let files_b = plot::render_run_charts(&ts, &sub, &b.path().join("charts")).unwrap();
    assert_eq!(names(&files_a), plot::RUN_CHARTS.to_vec());
    for (fa, fb) in files_a.iter().zip(&files_b) {
        let img = assert_readable_chart(fa, (1400, 900));
        assert_eq!(
            fs::read(fa).unwrap(),
            fs::read(fb).unwrap(),
            "{} differs between renders",
            fa.display()
        );
        assert!(
            fs::read(fa).unwrap().windows(4).all(|w| w != b"tIME"),
            "timestamp chunk in {}",
            fa.display()
        );
        let name = fa.file_name().unwrap().to_string_lossy().into_owned();
        if [
            "dashboard.png",
            "adoption.png",
            "frontier.png",
            "alignment.png",
        ]
        .contains(&name.as_str())
        {
            assert!(
                img.count_colour([31, 95, 191]) > 100,
                "{name}: US blue line missing"
            );
            assert!(
                img.count_colour([214, 39, 40]) > 100,
                "{name}: China red line missing"
            );
        }
    }
    let leftovers: Vec<_> = fs::read_dir(a.path().join("charts"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(leftovers.len(), 8, "temp files left: {leftovers:?}");
}

#[test]
fn missing_metrics_leave_panels_saying_no_data() {
    let mut ts = Timeseries::default();
    for t in 0..8 {
        ts.push(
            t,
            &period_label(2026, 1, t),
            "world",
            "adoption_share",
            0.1 + 0.02 * t as f64,
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let meta = ChartMeta {
        config_name: "tiny".into(),
        seed: 1,
    };
    let files = plot::render_run_charts(&ts, &meta.subtitle(), dir.path()).unwrap();
    assert_eq!(files.len(), 8);
    for f in &files {
        let img = Image::decode(f);
        assert_eq!((img.width, img.height), (1400, 900));
        assert!(
            img.dark_pixels_in_top(40) >= 150,
            "{}: no title",
            f.display()
        );
    }
}

#[test]
fn plot_command_writes_charts_and_report() {
    let root = tempfile::tempdir().unwrap();
    let dir = run_dir(root.path(), "baseline", 1.0);
    let written = airace::render::plot_run(&dir).unwrap();
    assert_eq!(written.len(), 9);
    assert!(written.iter().all(|p| p.exists()));
    let html = fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("baseline&lt;x&gt;"), "config name escaped");
    assert!(
        html.contains("seed 7") && html.contains("cd34") && html.contains("charts/dashboard.png")
    );
    let lead = &html[html.find("class=\"lead\"").unwrap()..];
    assert!(
        lead.contains("the US leads on innovation") && lead.contains("China leads on diffusion"),
        "the answer comes first"
    );
    assert!(html.contains("<b>Innovation index</b>: the US (or China) share"));
    assert!(html.find("charts/dashboard.png") < html.find("charts/components.png"));
    assert!(html.find("charts/components.png") < html.find("charts/adoption.png"));
    assert!(html.find("charts/adoption.png") < html.find("charts/frontier.png"));
    assert!(
        html.contains("demand from 2032Q2 onwards"),
        "self-sufficiency period reported"
    );
}

/// Write `csv` as a run folder's CSV and check `plot` rejects it without writing.
fn assert_rejected(csv: &str, line: u64, needle: &str) {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("run");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("timeseries.csv"), csv).unwrap();
    let err = airace::render::plot_run(&dir).expect_err("bad CSV must be rejected");
    let msg = err.to_string();
    assert_eq!(err.exit_code(), 2, "{msg}");
    assert!(
        msg.contains(&format!("timeseries.csv:{line}:")),
        "line {line} not named: {msg}"
    );
    assert!(msg.contains(needle), "`{needle}` not in: {msg}");
    assert!(!dir.join("charts").exists(), "charts written for bad input");
    assert!(
        !dir.join("report.html").exists(),
        "report written for bad input"
    );
}

#[test]
fn plot_command_rejects_bad_csv_before_writing() {
    let h = "tick,period,scope,metric,value\n";
    assert_rejected("", 1, "empty");
    assert_rejected("tick,period,scope,value\n0,2026Q1,world,1\n", 1, "header");
    assert_rejected(
        &format!("{h}0,2026Q1,world,adoption_share,0.1\n1,2026Q2,world,0.2\n"),
        3,
        "5 comma-separated",
    );
    assert_rejected(
        &format!("{h}0,2026Q1,world,adoption_share,0.1\n1,2026Q2,world,adoption_share,lots\n"),
        3,
        "not a number",
    );
    assert_rejected(
        &format!("{h}0,2026Q1,world,a,0.1\n\n0,2026Q1,world,a,0.2\n"),
        4,
        "duplicate",
    );
    assert_rejected(
        &format!("{h}0,2026Q1,world,a,0.1\n0,2026Q2,US,a,0.2\n"),
        3,
        "labelled",
    );
    assert_rejected(h, 2, "no data rows");
}

#[test]
fn plot_command_rejects_missing_folder_and_bad_manifest() {
    let root = tempfile::tempdir().unwrap();
    let err = airace::render::plot_run(&root.path().join("nope")).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(err.to_string().contains("timeseries.csv"), "{err}");

    let dir = run_dir(root.path(), "r", 1.0);
    fs::write(dir.join("manifest.json"), "{\"seed\": \"abc\"}").unwrap();
    let err = airace::render::plot_run(&dir).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(
        err.to_string().contains("manifest.json") && err.to_string().contains("seed"),
        "{err}"
    );
    fs::write(dir.join("manifest.json"), "{\n\"seed\": 3,\n").unwrap();
    let err = airace::render::plot_run(&dir).unwrap_err();
    assert!(
        err.to_string().contains("manifest.json:"),
        "JSON error names the line: {err}"
    );
    assert!(!dir.join("charts").exists());
}

#[test]
fn plot_command_without_manifest_uses_folder_name() {
    let root = tempfile::tempdir().unwrap();
    let dir = run_dir(root.path(), "scenario-a", 1.0);
    fs::remove_file(dir.join("manifest.json")).unwrap();
    airace::render::plot_run(&dir).unwrap();
    let html = fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(
        html.contains("seed 0") && html.contains("config scenario-a"),
        "fallback identity"
    );
}

#[test]
fn compare_overlays_runs() {
    let root = tempfile::tempdir().unwrap();
    let dirs = vec![
        run_dir(root.path(), "baseline", 1.0),
        run_dir(root.path(), "export-controls", 0.9),
    ];
    let out = root.path().join("cmp");
    let written = airace::render::compare_runs(&dirs, &out, false).unwrap();
    assert_eq!(
        names(&written),
        [
            "compare_adoption.png",
            "compare_race.png",
            "compare_indices.png",
            "compare.html"
        ]
    );
    for png in &written[..3] {
        let img = assert_readable_chart(png, (1400, 900));
        assert!(
            img.count_colour([230, 159, 0]) > 100,
            "{}: run 1 colour (Okabe–Ito orange) missing",
            png.display()
        );
        assert!(
            img.count_colour([0, 158, 115]) > 100,
            "{}: run 2 colour (Okabe–Ito green) missing",
            png.display()
        );
    }
    let html = fs::read_to_string(out.join("compare.html")).unwrap();
    assert!(html.contains("export-controls") && html.contains("src=\"compare_race.png\""));
    assert!(
        html.contains("<th class=\"num\">Δ export-controls</th>"),
        "delta column"
    );
    assert!(
        html.contains("−10.0 pp") || html.contains("pp"),
        "shares differ in pp"
    );

    let bad = vec![dirs[0].clone(), root.path().join("missing")];
    let out2 = root.path().join("cmp2");
    assert_eq!(
        airace::render::compare_runs(&bad, &out2, false)
            .unwrap_err()
            .exit_code(),
        2
    );
    assert!(!out2.exists(), "nothing written when one run is bad");
}

fn bands() -> Vec<BandSeries> {
    let mk = |name: &str, base: f64, slope: f64| BandSeries {
        name: name.into(),
        points: (0..TICKS)
            .map(|t| {
                let m = base + slope * t as f64;
                (
                    t,
                    m,
                    m - 0.02 - 0.001 * t as f64,
                    m + 0.02 + 0.0015 * t as f64,
                )
            })
            .collect(),
    };
    vec![
        mk("baseline", 0.45, 0.004),
        mk("export controls", 0.40, 0.006),
        mk("open-model ban", 0.48, 0.002),
    ]
}

#[test]
fn band_chart_is_readable_and_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let periods: Vec<(u32, String)> = (0..TICKS).map(|t| (t, period_label(2026, 1, t))).collect();
    let (a, b) = (dir.path().join("a.png"), dir.path().join("b.png"));
    let groups = bands();
    for p in [&a, &b] {
        plot::band_chart(&band_spec(&groups, &periods), p).unwrap();
    }
    let img = assert_readable_chart(&a, (1400, 800));
    assert!(
        img.count_colour([230, 159, 0]) > 100,
        "first alternative's mean line (Okabe–Ito orange) missing"
    );
    assert!(img.count_colour([0, 0, 0]) > 100, "baseline drawn in black");
    assert_eq!(fs::read(&a).unwrap(), fs::read(&b).unwrap());
    // Without period labels the ticks are numbered, and nothing fails.
    let c = dir.path().join("c.png");
    let mut spec = band_spec(&groups, &[]);
    spec.metric = "adoption_share";
    plot::band_chart(&spec, &c).unwrap();
    assert_readable_chart(&c, (1400, 800));
    assert_eq!(
        plot::band_chart_axis(&spec).range.start,
        0.0,
        "shares from zero"
    );
}

#[test]
fn heatmap_chart_is_readable_and_rejects_bad_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let xs: Vec<String> = ["0%", "10%", "25%", "50%", "75%"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let ys: Vec<String> = ["none", "light", "strict", "total"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let z: Vec<Vec<f64>> = (0..4)
        .map(|j| {
            (0..5)
                .map(|i| {
                    if (i, j) == (4, 3) {
                        f64::NAN
                    } else {
                        0.1 * i as f64 + 0.05 * j as f64
                    }
                })
                .collect()
        })
        .collect();
    let path = dir.path().join("heat.png");
    let ci: Vec<Vec<f64>> = z.iter().map(|r| r.iter().map(|_| 0.03).collect()).collect();
    let spec = HeatmapChart {
        title: "China leads diffusion by",
        subtitle: "demo sweep",
        metric: "adoption_share",
        x_label: "open-model subsidy",
        x_values: &xs,
        y_label: "export controls",
        y_values: &ys,
        z: &z,
        ci: Some(&ci),
    };
    plot::heatmap_chart(&spec, &path).unwrap();
    let img = assert_readable_chart(&path, (1400, 900));
    assert!(
        img.count_colour([179, 88, 6]) > 1000 || img.count_colour([84, 39, 136]) > 1000,
        "the extreme cells at the ends of the diverging scale"
    );
    assert!(img.count_colour([220, 220, 220]) > 1000, "NaN cell grey");
    let again = dir.path().join("heat2.png");
    plot::heatmap_chart(&spec, &again).unwrap();
    assert_eq!(fs::read(&path).unwrap(), fs::read(&again).unwrap());

    let bad = dir.path().join("bad.png");
    let short = HeatmapChart { z: &z[..3], ..spec };
    let err = plot::heatmap_chart(&short, &bad).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(!bad.exists());
}

/// `(keyword, text)` of a PNG's iTXt chunks (the chart's title and subtitle).
fn png_text(path: &Path) -> Vec<(String, String)> {
    let file = fs::File::open(path).unwrap();
    let reader = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .unwrap();
    reader
        .info()
        .utf8_text
        .iter()
        .map(|c| (c.keyword.clone(), c.get_text().unwrap()))
        .collect()
}

/// Acceptance 2 of issue 16, through the binary: a `--set` run on an
/// overlay names the override (and the overlay) in its manifest, its
/// report's title and every chart's subtitle; a branch resumed from its
/// checkpoint adds the resume and its own change.
#[test]
fn a_set_run_names_its_override_in_manifest_report_and_every_chart() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("friction");
    common::airace()
        .args(["run", "configs/tiny.toml", "--quiet", "--threads", "1"])
        .args(["--set", "policy.us.friction=0.9", "--checkpoint-every", "4"])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let want = "baseline + tiny + policy.us.friction=0.9";
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        manifest["overrides"],
        serde_json::json!(["policy.us.friction=0.9"])
    );
    let chain = manifest["overlay_chain"].as_array().unwrap();
    assert!(
        chain[0].as_str().unwrap().ends_with("tiny.toml"),
        "{chain:?}"
    );
    assert!(
        chain[1].as_str().unwrap().ends_with("baseline.toml"),
        "{chain:?}"
    );

    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains(&format!("<title>airace report: {want}</title>")),
        "title"
    );
    assert!(
        html.contains(&format!("<h1>airace report: {want}</h1>")),
        "h1"
    );
    assert!(html.contains("<td>Override (--set)</td><td>policy.us.friction=0.9</td>"));

    let mut charts = 0;
    for entry in fs::read_dir(out.join("charts")).unwrap() {
        let png = entry.unwrap().path();
        let text = png_text(&png);
        let sub = text.iter().find(|t| t.0 == "Description");
        let sub = sub.unwrap_or_else(|| panic!("{}: no subtitle text", png.display()));
        assert!(
            sub.1.starts_with(want),
            "{}: subtitle {:?}",
            png.display(),
            sub.1
        );
        assert!(text.iter().any(|t| t.0 == "Title" && !t.1.is_empty()));
        charts += 1;
    }
    assert_eq!(charts, plot::RUN_CHARTS.len());

    let branch = root.path().join("branch");
    common::airace()
        .arg("resume")
        .arg(airace::checkpoint::path_for(&out, 4))
        .args(["--set", "policy.us.friction=0.5", "--out"])
        .arg(&branch)
        .assert()
        .success();
    let html = fs::read_to_string(branch.join("report.html")).unwrap();
    let want =
        "baseline + tiny + policy.us.friction=0.9, resumed at tick 4 + policy.us.friction=0.5";
    assert!(
        html.contains(&format!("<h1>airace report: {want}</h1>")),
        "resumed h1"
    );
    let text = png_text(&branch.join("charts/dashboard.png"));
    assert!(text.iter().any(|t| t.1.starts_with(want)), "{text:?}");
}
