//! Issue 14: the 2023–2025 hindcast (`airace validate`), its continuity with the
//! baseline, a policy direction test, bad target files, and the ODD table.

use std::path::PathBuf;

use airace::config::{self, Config};
use airace::model::World;
use airace::validate::history::{
    baseline_start_from, mean_summary, replicate_seed, run_one, state_summary,
};
use airace::validate::{self, ValidateOptions};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn load(rel: &str) -> Config {
    config::load(&root().join(rel), &[]).unwrap().config
}

/// How close the history's end must come to the baseline's start.
#[derive(Clone, Copy, Debug)]
enum Tol {
    /// Within a factor (either way).
    Ratio(f64),
    /// Within an absolute difference.
    Abs(f64),
}

/// Tolerance per quantity (matched by prefix), with where it comes from: the precision of
/// the sources the baseline's 2026Q1 values rest on, never the size of the gap found.
const TOLERANCES: &[(&str, Tol, &str)] = &[
    ("compute_h100e.US", Tol::Ratio(1.33), "Epoch's ~15M H100e world stock is +-33%; the US holds ~75% of it"),
    ("compute_h100e.CN", Tol::Ratio(1.5), "China's 10-20% share of ~15M H100e: 1.5-3M, +-50% around the baseline's 2.2M"),
    ("compute_h100e.", Tol::Ratio(2.0), "no source pins the allies' or the Global South's stock: a ~10% share known to +-5 pp is a factor 2"),
    ("adoption_share.", Tol::Abs(0.04), "one year of adoption growth at the 2025 pace (~1 pp a quarter); BTOS itself reads 17-20%"),
    ("dc_running_gw.", Tol::Ratio(1.3), "Goldman's shares of global DC capacity (US 44%, China 25%) +-5 pp, and the chosen AI share of it"),
    ("dc_building_gw.", Tol::Abs(5.0), "one year of additions (Bernstein 2024: US 5.3 GW, China 3.9 GW)"),
    ("frontier.", Tol::Abs(0.55), "six months of frontier progress at ~1.1 orders of magnitude a year; Epoch's gap spans 4-14 months"),
    ("stacks_", Tol::Abs(0.15), "no source gives stack shares by bloc closer than ~15 pp (Menlo: closed models 85-90% of enterprise use)"),
];

/// Quantities known to disagree, each with the figures and why the baseline's input (not
/// the history's end) is the better-sourced value. The test asserts they still disagree,
/// so fixing the history makes it fail until the entry is removed. docs/calibration.md
/// ("History 2023–2025") says the same.
const KNOWN_GAPS: &[(&str, &str)] = &[
    ("compute_h100e.CN", "history ~1.2M H100e vs baseline 2.25M: the baseline takes Epoch's measured ~15% share of ~15M H100e [P] directly; the history accumulates China's stock from press-reported flows (A800/H800 2023, ~1M H20 2024, Huawei and Bernstein's domestic volumes [S]) that leave out smuggled parts and Chinese clusters abroad, so its level is the less certain one (its 2025Q2 share, 12%, is inside Epoch's 10-20%)"),
    ("dc_building_gw.US", "history ~6 GW vs baseline 40 GW under construction: the baseline's Stargate-era pipeline is set so US capacity in 2028 falls in LBNL's 74-132 GW projection [P]; the model's developers build only for chips already bought (plus the history's chosen 2023 pipeline), so the history cannot produce campuses announced ahead of their chips"),
];

fn within(tol: Tol, a: f64, b: f64) -> bool {
    match tol {
        Tol::Ratio(r) => a > 0.0 && b > 0.0 && a / b <= r && b / a <= r,
        Tol::Abs(d) => (a - b).abs() <= d,
    }
}

/// Continuity: the state the history ends in (2025Q4) against the state the baseline
/// starts from (2026Q1), each averaged over the same 10 seeds, on every calibrated
/// quantity: compute, adoption, data centers and stack shares by bloc, and the frontier.
#[test]
fn history_end_meets_baseline_start() {
    let hist = load("configs/history.toml");
    let base = load("configs/baseline.toml");
    let seeds: Vec<u64> = (0..10).map(|r| replicate_seed(hist.run.seed, r)).collect();
    let ends: Vec<_> = seeds
        .iter()
        .map(|&s| state_summary(&hist, &run_one(&hist, s, &[]).unwrap().0))
        .collect();
    let starts: Vec<_> = seeds
        .iter()
        .map(|&s| state_summary(&base, &World::new(&base, s)))
        .collect();
    let (h, b) = (mean_summary(&ends), mean_summary(&starts));
    let mut failures = Vec::new();
    for (k, &hv) in &h {
        let bv = b[k];
        let (_, tol, why) = TOLERANCES
            .iter()
            .find(|(p, _, _)| k.starts_with(p))
            .unwrap_or_else(|| panic!("no tolerance stated for {k}"));
        let ok = within(*tol, hv, bv);
        let known = KNOWN_GAPS.iter().find(|(g, _)| g == k);
        eprintln!(
            "{k:26} history {hv:>13.4} baseline {bv:>13.4} {tol:?} {}",
            if ok {
                "ok"
            } else if known.is_some() {
                "KNOWN GAP"
            } else {
                "FAIL"
            }
        );
        match (ok, known) {
            (false, None) => failures.push(format!("{k}: {hv} vs {bv} beyond {tol:?} ({why})")),
            (true, Some((g, _))) => {
                failures.push(format!("{g} now agrees: remove it from KNOWN_GAPS"))
            }
            _ => {}
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Mean Chinese compute (H100e) over 2024Q1–2025Q4 in one run.
fn cn_compute_2024_2025(cfg: &Config, seed: u64) -> f64 {
    let mut sim = airace::simulation::Simulation::new(airace::simulation::seeded(cfg, Some(seed)));
    sim.run_to_end(|_| Ok(())).unwrap();
    let v: Vec<f64> = sim
        .timeseries
        .series("compute_h100e", "CN")
        .into_iter()
        .filter(|(t, _)| (4..=11).contains(t))
        .map(|(_, v)| v)
        .collect();
    v.iter().sum::<f64>() / v.len() as f64
}

/// Removing the Oct 2023 rule (A800/H800 stay legal for China) raises China's compute in
/// 2024–25. Paired over 10 seeds (common random numbers); the mean difference must be
/// positive with a paired t above 2.262, the two-sided 5% point of t with 9 degrees of freedom.
#[test]
fn without_the_oct_2023_rule_china_has_more_compute() {
    let with = load("configs/history.toml");
    let mut without = with.clone();
    let before = without.schedule.len();
    without
        .schedule
        .retain(|e| !e.set.iter().any(|s| s.contains("A800_CN")));
    assert_eq!(
        without.schedule.len(),
        before - 1,
        "the Oct 2023 entry exists once"
    );
    let diffs: Vec<f64> = (0..10)
        .map(|r| {
            let s = replicate_seed(with.run.seed, r);
            cn_compute_2024_2025(&without, s) - cn_compute_2024_2025(&with, s)
        })
        .collect();
    let n = diffs.len() as f64;
    let mean = diffs.iter().sum::<f64>() / n;
    let sd = (diffs.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let t = if sd > 0.0 {
        mean / (sd / n.sqrt())
    } else {
        f64::INFINITY
    };
    eprintln!(
        "CN compute 2024-25 without minus with the Oct 2023 rule: mean {mean:.0} H100e, t = {t:.1}"
    );
    assert!(
        mean > 0.0 && t > 2.262,
        "mean {mean}, t {t}, diffs {diffs:?}"
    );
}

/// The shipped history with 10 replicates: every target is reported, the files are
/// written, and it runs in well under a minute.
#[test]
fn validate_reports_every_shipped_target() {
    let dir = tempfile::tempdir().unwrap();
    let opts = ValidateOptions {
        config: root().join("configs/history.toml"),
        out: dir.path().join("v"),
        ..ValidateOptions::default()
    };
    let started = std::time::Instant::now();
    let report = validate::run(opts).unwrap();
    let secs = started.elapsed().as_secs_f64();
    let mut ids = Vec::new();
    for f in std::fs::read_dir(root().join("configs/targets")).unwrap() {
        let text = std::fs::read_to_string(f.unwrap().path()).unwrap();
        let v: toml::Value = toml::from_str(&text).unwrap();
        for t in v["target"].as_array().unwrap() {
            ids.push(t["id"].as_str().unwrap().to_string());
        }
    }
    assert!(ids.len() >= 12, "at least 12 targets");
    for id in &ids {
        assert!(report.rows.iter().any(|r| &r.id == id), "{id} not scored");
    }
    assert_eq!(report.rows.len(), ids.len());
    assert!(
        report.rows.iter().all(|r| r.mean.is_finite()),
        "{:?}",
        report.rows
    );
    let csv = std::fs::read_to_string(dir.path().join("v/validation.csv")).unwrap();
    assert_eq!(csv.lines().count(), ids.len() + 1);
    for f in ["validation.png", "validation.md", "report.html"] {
        assert!(dir.path().join("v").join(f).is_file(), "{f}");
    }
    let html = std::fs::read_to_string(dir.path().join("v/report.html")).unwrap();
    assert!(html.contains("How well does it fit the past?"));
    eprintln!("{}", report.summary(dir.path()));
    assert!(secs < 60.0, "took {secs} s");
}

/// Same seeds, 1 or 2 threads: the same scores to the last bit.
#[test]
fn scores_do_not_depend_on_threads() {
    let opts = |threads| ValidateOptions {
        config: root().join("configs/history.toml"),
        replicates: 3,
        sets: vec!["firms.count=2000".into()],
        threads: Some(threads),
        ..ValidateOptions::default()
    };
    let a = validate::evaluate(&opts(1)).unwrap();
    let b = validate::evaluate(&opts(2)).unwrap();
    assert_eq!(a.rows, b.rows);
}

const GOOD: &str = r#"
area = "firms"
[[target]]
id = "ok_entry"
use = "check"
metric = "adoption_share"
scope = "US"
period = "2024Q1"
value = 0.1
range = [0.05, 0.15]
source = "test"
mapping = "test"

[[target]]
id = "the_bad_one"
use = "check"
metric = "adoption_share"
scope = "US"
period = "2024Q1"
value = 0.1
range = [0.05, 0.15]
source = "test"
mapping = "test"
"#;

/// An unknown metric, scope or period: exit 2, the message names the file and the entry,
/// and the output folder is not created.
#[test]
fn bad_target_names_exit_2_and_write_nothing() {
    let cases = [
        ("metric = \"adoption_rate\"", "unknown metric"),
        ("scope = \"EU\"", "has no scope"),
        ("period = \"2019Q4\"", "is not a quarter of this run"),
    ];
    for (bad_line, expect) in cases {
        let dir = tempfile::tempdir().unwrap();
        let targets = dir.path().join("targets");
        std::fs::create_dir_all(&targets).unwrap();
        // Change only the second entry.
        let (head, tail) = GOOD.split_at(GOOD.find("id = \"the_bad_one\"").unwrap());
        let key = bad_line.split(" = ").next().unwrap();
        let tail: String = tail
            .lines()
            .map(|l| {
                if l.starts_with(&format!("{key} = ")) {
                    bad_line.to_string()
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        std::fs::write(targets.join("mine.toml"), format!("{head}{tail}\n")).unwrap();
        let out = dir.path().join("out");
        let o = assert_cmd::Command::cargo_bin("airace")
            .unwrap()
            .arg("validate")
            .arg(root().join("configs/history.toml"))
            .arg("--targets")
            .arg(&targets)
            .arg("--out")
            .arg(&out)
            .arg("--replicates")
            .arg("2")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{bad_line}: {err}");
        assert!(
            err.contains("mine.toml") && err.contains("the_bad_one") && err.contains(expect),
            "{err}"
        );
        assert!(!out.exists(), "nothing written for {bad_line}");
    }
}

/// The parameter table in docs/odd.md is what `cargo run --example odd_table` generates.
#[test]
fn odd_parameter_table_is_fresh() {
    let table = airace::validate::odd::parameter_table(&root()).unwrap();
    let text = std::fs::read_to_string(root().join("docs/odd.md")).unwrap();
    let fresh = airace::validate::odd::splice(&text, &table).expect("markers in docs/odd.md");
    assert!(
        fresh == text,
        "docs/odd.md's parameter table is stale: run `cargo run --example odd_table`"
    );
}

/// Acceptance 5: the baseline's stylised facts (tests/core.rs) still hold when the
/// baseline starts from the history's end (every lab's chips and every country's adoption
/// taken from the history's 2025Q4 state) instead of its own 2026Q1 inputs, except where
/// a known gap keeps the better-sourced baseline input (China's compute). One seed: the
/// facts are checked on the shipped baseline at one seed too.
#[test]
fn baseline_facts_hold_from_the_history_end() {
    let hist = load("configs/history.toml");
    let (world, _) = run_one(&hist, hist.run.seed, &[]).unwrap();
    let mut sets = baseline_start_from(&hist, &world, &load("configs/baseline.toml"));
    // Where a known gap says the baseline's input is the better-sourced one (China's
    // compute), the baseline keeps it: those labs keep their own starting chips.
    let keep: Vec<&str> = KNOWN_GAPS
        .iter()
        .filter_map(|(k, _)| k.strip_prefix("compute_h100e."))
        .collect();
    sets.retain(|s| {
        !hist.labs.iter().any(|l| {
            let bloc = hist
                .countries
                .iter()
                .find(|c| c.code == l.country)
                .unwrap()
                .bloc;
            s.starts_with(&format!("labs[{}].chips_h100e=", l.name)) && keep.contains(&bloc.code())
        })
    });
    let base = config::load(&root().join("configs/baseline.toml"), &sets)
        .unwrap()
        .config;
    let mut sim = airace::simulation::Simulation::new(base);
    sim.check_invariants = true;
    sim.run_to_end(|_| Ok(())).unwrap();
    let ts = &sim.timeseries;
    let at = |m: &str, s: &str, t: u32| ts.value_at(m, s, t).unwrap();
    // Fact 1: the US leads the frontier in 2026 by months.
    for t in 0..4 {
        let gap = at("frontier_gap_months", "world", t);
        assert!(gap > 0.0 && gap < 12.0, "2026 tick {t}: gap {gap} months");
    }
    // Fact 2: China leads open-model downloads over 2026, narrowly (twelve-month mean).
    let mean = |m: &str| (0..4).map(|t| at(m, "world", t)).sum::<f64>() / 4.0;
    let (us, cn) = (
        mean("open_download_share.US"),
        mean("open_download_share.CN"),
    );
    assert!(cn > us && cn / (us + cn) < 0.6, "2026: CN {cn} vs US {us}");
    // Fact 3: domestic chips are not yet all of China's purchases at the start and reach
    // 90% by the end of 2028.
    let share = |t| at("cn_chip_self_sufficiency", "CN", t);
    assert!(share(0) < 0.9, "start {}", share(0));
    assert!((0..=11).any(|t| share(t) >= 0.9), "never 90% by 2028");
    // Fact 4: China's spare power over three times global DC demand by 2030.
    let r = at("cn_spare_power_over_global_dc_demand", "world", 19);
    assert!(r > 3.0, "2030Q4 ratio {r}");
    // Fact 5: 8 of 13 US markets at or below critical at the start.
    assert_eq!(at("us_markets_below_critical", "US", 0), 8.0);
    // Fact 7: Chinese adoption close to US levels.
    for t in [0, 4, 8, 12, 16] {
        let ratio = at("adoption_share", "CN", t) / at("adoption_share", "US", t);
        assert!(
            (0.8..=1.25).contains(&ratio),
            "tick {t}: CN/US adoption {ratio}"
        );
    }
}

/// The A800, H800 and H20 are made for China (`only_for = "CN"`): no US buyer ever gets
/// one, while Chinese buyers do.
#[test]
fn china_only_parts_reach_only_china() {
    let cfg = load("configs/history.toml");
    let only: Vec<usize> = cfg
        .chips
        .iter()
        .enumerate()
        .filter(|(_, c)| c.only_for.is_some())
        .map(|(i, _)| i)
        .collect();
    assert_eq!(only.len(), 3, "A800, H800, H20");
    let mut sim = airace::simulation::Simulation::new(cfg);
    let mut sold = 0.0;
    while sim.world.tick < sim.config.run.ticks {
        sim.step().unwrap();
        for &k in &only {
            let st = &sim.world.chips[k];
            assert_eq!(st.us_delivered, 0.0, "tick {}: chip {k}", sim.world.tick);
            sold += st.delivered;
        }
    }
    assert!(sold > 0.0, "China bought none of them");
}

/// Capability events are applied at their tick: R1 (tick 8, "1 month behind") puts the
/// measured gap at most 1 month in 2025Q1, and without any event China trails by more
/// than 3 months then (the model does not produce the closeness itself).
#[test]
fn capability_events_set_the_gap_where_stated() {
    let with = load("configs/history.toml");
    let gap_2025q1 = |cfg: &Config| {
        let mut sim = airace::simulation::Simulation::new(cfg.clone());
        sim.run_to_end(|_| Ok(())).unwrap();
        sim.timeseries
            .value_at("frontier_gap_months", "world", 8)
            .unwrap()
    };
    let g = gap_2025q1(&with);
    assert!((0.0..=1.0 + 1e-9).contains(&g), "gap with R1 imposed: {g}");
    let mut without = with.clone();
    without.schedule.retain(|e| e.capability.is_empty());
    let g0 = gap_2025q1(&without);
    assert!(g0 > 3.0, "gap without events: {g0}");
}

/// A capability event naming a lab that does not exist is bad input naming the key.
#[test]
fn capability_event_with_unknown_lab_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.toml");
    std::fs::write(
        &path,
        format!(
            "base = {:?}\n[[schedule]]\ntick = 2\ncapability = [{{ lab = \"NoSuchLab\", behind_us_months = 1.0 }}]\n",
            root().join("configs/history.toml").display().to_string()
        ),
    )
    .unwrap();
    let err = config::load(&path, &[]).unwrap_err().to_string();
    assert!(
        err.contains("schedule[") && err.contains("capability[0].lab") && err.contains("NoSuchLab"),
        "{err}"
    );
}
