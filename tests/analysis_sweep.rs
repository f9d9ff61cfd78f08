//! Issue 15 through the binary: Sobol and Morris designs in sweep files,
//! `airace analyze` on finished, partial and nearly empty sweeps, PRIM with
//! its box written as a runnable sweep, and the Parquet summary.
//!
//! Small sweeps use `configs/tiny.toml` at 300 firms over 6 quarters (a few
//! milliseconds a run), so the whole file runs in seconds.

use std::fs;
use std::path::{Path, PathBuf};

use airace::analysis::parquet::read_summary;
use airace::analysis::table::RunStatus;

mod common;
use common::airace;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A tiny sweep file in `dir` with `design` and `uncertainty` tables.
fn tiny_sweep(dir: &Path, name: &str, top: &str, tables: &str) -> PathBuf {
    let base = repo().join("configs/tiny.toml");
    let text = format!(
        "name = \"{name}\"\nbase = {base:?}\nmaster_seed = 3\n{top}\n\
         sets = [\"firms.count=300\", \"run.ticks=6\"]\n{tables}\n\
         [[outcomes]]\nmetric = \"frontier_gap_months\"\n\
         [[outcomes]]\nmetric = \"adoption_share\"\nscope = \"CN\"\ntick = 3\n",
        base = base.display().to_string()
    );
    let path = dir.join(format!("{name}.toml"));
    fs::write(&path, text).unwrap();
    path
}

const FACTORS: &str = "[uncertainty]\ndummy = true\n\
    [[uncertainty.factors]]\nname = \"growth\"\npath = \"chips[Ascend910C].capacity_growth\"\n\
    distribution = \"uniform\"\nrange = [0.2, 0.9]\nsource = \"test\"\n\
    [[uncertainty.factors]]\nname = \"talent\"\npath = \"lab_dynamics.talent_elasticity\"\n\
    distribution = \"triangular\"\nrange = [0.0, 1.0]\nmode = 0.3\nsource = \"test\"\n";

fn run(args: &[&std::ffi::OsStr]) -> (i32, String) {
    let o = airace().args(args).output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn sweep(file: &Path, out: &Path) {
    let (code, err) = run(&[
        "sweep".as_ref(),
        file.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--quiet".as_ref(),
    ]);
    assert_eq!(code, 0, "sweep failed: {err}");
}

fn analyze(dir: &Path, extra: &[&str]) -> (i32, String) {
    let mut args: Vec<&std::ffi::OsStr> = vec!["analyze".as_ref(), dir.as_os_str()];
    args.extend(extra.iter().map(|s| std::ffi::OsStr::new(*s)));
    run(&args)
}

/// CSV rows as maps from header to cell.
fn csv_rows(path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            header
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn f(row: &std::collections::BTreeMap<String, String>, key: &str) -> f64 {
    row[key].parse().unwrap()
}

#[test]
fn sobol_sweep_analyses_whole_partial_and_refuses_when_too_few() {
    let t = tempfile::tempdir().unwrap();
    let file = tiny_sweep(
        t.path(),
        "tiny_sobol",
        "",
        &format!("[design]\nkind = \"sobol\"\nn = 16\n{FACTORS}"),
    );
    let out = t.path().join("out");
    sweep(&file, &out);
    // 16 blocks of D + 2 = 5 runs; each run is one record, no run folder.
    let plan: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("plan.json")).unwrap()).unwrap();
    assert_eq!(plan["runs"].as_array().unwrap().len(), 80);
    assert_eq!(plan["study"]["kind"], "sobol");
    assert_eq!(plan["study"]["n"], 16);
    assert!(!out.join("runs").join("p00-r0").exists());
    assert_eq!(common::finished_records(&out).len(), 80);
    let bytes: u64 = fs::read_dir(out.join("records"))
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    assert!(bytes <= 80 * 20_000, "80 runs take {bytes} bytes");
    // Common seeds: every run of a block shares the block's seed.
    let seeds: Vec<u64> = plan["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["seed"].as_u64().unwrap())
        .collect();
    assert!(seeds.chunks(5).all(|b| b.iter().all(|&s| s == b[0])));
    assert_ne!(seeds[0], seeds[5]);

    let (code, err) = analyze(&out, &["--quiet"]);
    assert_eq!(code, 0, "{err}");
    let a = out.join("analysis");
    let rows = csv_rows(&a.join("sobol_frontier_gap_months_world_last.csv"));
    let factors: Vec<&str> = rows.iter().map(|r| r["factor"].as_str()).collect();
    assert_eq!(factors, ["growth", "talent", "dummy"]);
    // With common seeds the dummy changes nothing a run sees: its AB rows
    // equal the A rows exactly, so both its indices are exactly zero.
    let dummy = &rows[2];
    assert_eq!((f(dummy, "s1"), f(dummy, "st")), (0.0, 0.0));
    let conv = csv_rows(&a.join("sobol_frontier_gap_months_world_last_convergence.csv"));
    let ns: Vec<&str> = conv.iter().map(|r| r["n"].as_str()).collect();
    assert_eq!(ns, ["4", "4", "4", "8", "8", "8", "16", "16", "16"]);
    for chart in [
        "sobol_frontier_gap_months_world_last.png",
        "sobol_adoption_share_CN_3.png",
    ] {
        assert!(a.join("charts").join(chart).is_file(), "{chart}");
    }
    let html = fs::read_to_string(a.join("analysis.html")).unwrap();
    assert!(html.contains("talent") && html.contains("16 of 16 Saltelli blocks"));
    assert_eq!(csv_rows(&a.join("runs_not_ok.csv")).len(), 0);

    // A killed sweep: three runs of blocks 2 and 9 never finished.
    for id in ["p10-r0", "p12-r0", "p45-r0"] {
        common::forget_run(&out, id);
    }
    let (code, err) = analyze(&out, &["--outcome", "frontier_gap_months@world:last"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("3 of 80 runs missing") && err.contains("p10-r0, p12-r0, p45-r0"),
        "{err}"
    );
    assert!(err.contains("dropped 2 of 16 Saltelli blocks"), "{err}");
    let missing = csv_rows(&a.join("runs_not_ok.csv"));
    assert_eq!(missing.len(), 3);
    assert_eq!(missing[0]["status"], "missing");

    // Fewer than half the blocks complete: refuse with exit 2, saying why.
    for b in 0..10 {
        let id = format!("p{:02}-r0", b * 5 + 1);
        common::forget_run(&out, &id);
    }
    let (code, err) = analyze(&out, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("too few usable runs") && err.contains("Saltelli blocks"),
        "{err}"
    );
    // Resuming the sweep reruns exactly the removed runs; the analysis is whole again.
    sweep(&file, &out);
    let (code, err) = analyze(&out, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("warning"), "{err}");
    let html = fs::read_to_string(a.join("analysis.html")).unwrap();
    assert!(html.contains("16 of 16 Saltelli blocks"));
    // Bad requests: exit 2 before anything is computed.
    let (code, err) = analyze(&out, &["--method", "morris"]);
    assert_eq!(code, 2);
    assert!(err.contains("kind = \"morris\""), "{err}");
    let (code, err) = analyze(&out, &["--outcome", "nope@world:last"]);
    assert_eq!(code, 2);
    assert!(err.contains("frontier_gap_months@world@last"), "{err}");
}

#[test]
fn morris_sweep_ranks_factors_and_prim_writes_a_runnable_box() {
    let t = tempfile::tempdir().unwrap();
    let file = tiny_sweep(
        t.path(),
        "tiny_morris",
        "",
        &format!("[design]\nkind = \"morris\"\ntrajectories = 6\nlevels = 4\n{FACTORS}"),
    );
    let out = t.path().join("out");
    sweep(&file, &out);
    let (code, err) = analyze(&out, &["--quiet"]);
    assert_eq!(code, 0, "{err}");
    let rows = csv_rows(&out.join("analysis/morris_frontier_gap_months_world_last.csv"));
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r["effects"] == "6"));
    // The dummy moves no run (common seeds): its effects are exactly zero.
    assert_eq!(f(&rows[2], "mu_star"), 0.0);
    assert!(out
        .join("analysis/charts/morris_frontier_gap_months_world_last.png")
        .is_file());

    // PRIM on an LHS sweep with a listed lever and a dummy.
    let file = tiny_sweep(
        t.path(),
        "tiny_lhs",
        "",
        &format!(
            "[[parameters]]\npath = \"policy.us.export[H200_CN].rule\"\n\
             values = [\"ban\", \"allow\"]\n[design]\nkind = \"lhs\"\npoints = 20\n{FACTORS}"
        ),
    );
    let lhs = t.path().join("lhs");
    sweep(&file, &lhs);
    let table = read_summary(&lhs.join("summary.parquet")).unwrap();
    assert_eq!(table.runs.len(), 40);
    assert_eq!(
        table.parameters,
        [
            "policy.us.export[H200_CN].rule",
            "chips[Ascend910C].capacity_growth",
            "lab_dynamics.talent_elasticity",
            "dummy"
        ]
    );
    let gaps: Vec<f64> = table.runs.iter().filter_map(|r| r.values[0]).collect();
    let mut sorted = gaps.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    let case = format!("frontier_gap_months@world:last > {median}");
    let (code, err) = analyze(&lhs, &["--where", &case, "--quiet"]);
    assert_eq!(code, 0, "{err}");
    let a = lhs.join("analysis");
    let traj = csv_rows(&a.join("prim_trajectory.csv"));
    assert_eq!(traj[0]["step"], "0");
    assert_eq!(f(&traj[0], "coverage"), 1.0);
    let boxed = csv_rows(&a.join("prim_box.csv"));
    assert_eq!(boxed.len(), 4);
    assert!(a.join("charts/prim.png").is_file());
    // The box is a sweep file the sweep parser accepts as is.
    let spec = airace::sweep::spec::load_sweep(&a.join("prim_box.toml"))
        .unwrap_or_else(|e| panic!("prim_box.toml: {e}"));
    assert_eq!(spec.uncertainty.factors.len(), 3);
    // No condition: PRIM is refused with exit 2.
    let (code, err) = analyze(&lhs, &[]);
    assert_eq!(code, 2);
    assert!(err.contains("--where"), "{err}");
    let (code, err) = analyze(&lhs, &["--where", "frontier_gap_months@world:last == 1"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn bad_designs_are_refused_before_anything_is_written() {
    let t = tempfile::tempdir().unwrap();
    let cases = [
        (
            format!("[design]\nkind = \"sobol\"\nn = 1000\n{FACTORS}"),
            "design.n",
            "power of two",
        ),
        (
            format!("[design]\nkind = \"morris\"\ntrajectories = 5\nlevels = 3\n{FACTORS}"),
            "design.levels",
            "even",
        ),
        (
            "[design]\nkind = \"sobol\"\nn = 8\n".to_string(),
            "uncertainty.factors",
            "at least one",
        ),
        (
            format!("[design]\nkind = \"grid\"\n{FACTORS}"),
            "uncertainty.factors[0]",
            "does not sample",
        ),
        (
            format!("[design]\nkind = \"lhs\"\npoints = 4\nn = 8\n{FACTORS}"),
            "design.n",
            "does not apply",
        ),
        (
            "[design]\nkind = \"sobol\"\nn = 8\n[uncertainty]\n[[uncertainty.factors]]\n\
             path = \"lab_dynamics.talent_elasticity\"\ndistribution = \"log_uniform\"\n\
             range = [0.0, 1.0]\nsource = \"x\"\n"
                .to_string(),
            "uncertainty.factors[0].range",
            "min > 0",
        ),
    ];
    for (i, (tables, key, why)) in cases.iter().enumerate() {
        let file = tiny_sweep(t.path(), &format!("bad{i}"), "", tables);
        let out = t.path().join(format!("out{i}"));
        let (code, err) = run(&[
            "sweep".as_ref(),
            file.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ]);
        assert_eq!(code, 2, "case {i}: {err}");
        assert!(
            err.contains(&format!("bad{i}.toml")) && err.contains(key) && err.contains(why),
            "case {i}: {err}"
        );
        assert!(!out.exists(), "case {i} wrote {}", out.display());
    }
}

#[test]
fn parquet_summary_has_one_row_per_run_and_outcome_and_shards_merge() {
    let t = tempfile::tempdir().unwrap();
    let file = tiny_sweep(
        t.path(),
        "tiny_pq",
        "keep_runs = true\nreplicates = 2",
        "[[parameters]]\npath = \"policy.us.export[H200_CN].rule\"\nvalues = [\"ban\", \"allow\"]\n\
         [uncertainty]\ndummy = true\n",
    );
    let out = t.path().join("out");
    for k in ["1/2", "2/2"] {
        let (code, err) = run(&[
            "sweep".as_ref(),
            file.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
            "--shard".as_ref(),
            k.as_ref(),
            "--quiet".as_ref(),
        ]);
        assert_eq!(code, 0, "{err}");
    }
    let a = read_summary(&out.join("summary-shard-1-of-2.parquet")).unwrap();
    let b = read_summary(&out.join("summary-shard-2-of-2.parquet")).unwrap();
    assert_eq!((a.runs.len(), b.runs.len()), (2, 2));
    let (code, err) = run(&["merge".as_ref(), out.as_os_str()]);
    assert_eq!(code, 0, "{err}");
    let whole = read_summary(&out.join("summary.parquet")).unwrap();
    assert_eq!(whole.runs.len(), 4);
    assert!(whole.runs.iter().all(|r| r.status == RunStatus::Ok));
    assert_eq!(
        whole.outcomes,
        ["frontier_gap_months@world@last", "adoption_share@CN@3"]
    );
    let merged = t.path().join("merged.parquet");
    let m = airace::analysis::parquet::merge_summaries(
        &[
            &out.join("summary-shard-2-of-2.parquet"),
            &out.join("summary-shard-1-of-2.parquet"),
        ],
        &merged,
    )
    .unwrap();
    assert_eq!(m, whole, "merging the shard files gives the merged summary");
    // keep_runs = true keeps each run's time series.
    assert!(out.join("runs/p0-r0/timeseries.csv").is_file());
    // The grid's dummy varies per point and reaches no run's config.
    let dummies: Vec<f64> = whole
        .runs
        .iter()
        .map(|r| r.params[1].as_f64().unwrap())
        .collect();
    assert_ne!(dummies[0], dummies[2]);
    let config = fs::read_to_string(out.join("runs/p0-r0/config.toml")).unwrap();
    assert!(!config.contains("dummy"));
    assert!(out.join("series.parquet").is_file());
}

/// Acceptance 2 of issue 15 on the shipped study: the dummy's total-order
/// index is below 0.05 and S1 ≤ ST + CI for every factor.
///
/// `configs/sweeps/baseline_sobol.toml` as shipped (N = 32 blocks × 8 runs),
/// at 1,000 firms instead of the default to keep CI short. With shared seeds
/// per Saltelli block the dummy's indices are 0 unless the dummy leaks into a
/// run; without them, why the check would still hold: the dummy's ST estimates (seed noise
/// variance) / (output variance), which is well below 0.05 at this firm
/// count (the baseline's 90% seed interval of the gap is ~0.1 month, the
/// factors move it by months); the estimate's bootstrap CI at N = 64 is
/// ~±0.01 for an index near 0, so 0.05 is many CIs away. S1 ≤ ST holds in
/// expectation for every factor (S1 is part of ST); with N = 64 the
/// estimates carry sampling error, so the check allows their CIs.
#[test]
fn baseline_sobol_dummy_is_noise_and_first_order_within_total() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("baseline_sobol");
    let shipped = fs::read_to_string(repo().join("configs/sweeps/baseline_sobol.toml")).unwrap();
    let base = repo().join("configs/baseline.toml");
    let small = shipped.replacen(
        "base = \"../baseline.toml\"",
        &format!(
            "base = {:?}\nsets = [\"firms.count=1000\"]",
            base.display().to_string()
        ),
        1,
    );
    assert_ne!(
        small, shipped,
        "the shipped study names its base as ../baseline.toml"
    );
    let file = t.path().join("baseline_sobol.toml");
    fs::write(&file, small).unwrap();
    sweep(&file, &out);
    let (code, err) = analyze(&out, &["--quiet"]);
    assert_eq!(code, 0, "{err}");
    for outcome in ["frontier_gap_months_world_39", "innovation_index_CN_39"] {
        let rows = csv_rows(&out.join(format!("analysis/sobol_{outcome}.csv")));
        eprintln!("{outcome}: {rows:?}");
        assert_eq!(rows.len(), 6);
        let dummy = rows.iter().find(|r| r["factor"] == "dummy").unwrap();
        assert!(
            f(dummy, "st") < 0.05,
            "{outcome}: dummy ST {}",
            f(dummy, "st")
        );
        for r in &rows {
            let ci = f(r, "s1_conf") + f(r, "st_conf");
            assert!(
                f(r, "s1") <= f(r, "st") + ci,
                "{outcome}: {}: S1 {} > ST {} + CI {ci}",
                r["factor"],
                f(r, "s1"),
                f(r, "st")
            );
        }
    }
}
