//! Policy scenarios: do they move the model the way the column argues, and does
//! `airace scenarios` run, tabulate and reject bad overlays?
//!
//! Direction tests run each scenario and the baseline in-process over
//! `REPLICATES` seeds at reduced size (1,500 firms asked, raised to the group floor; the full 40 quarters), with
//! common random numbers: replicate r of every scenario uses the same seed. The
//! comparison is therefore paired: d_r = scenario_r − baseline_r. A direction
//! holds when the mean difference lies on the claimed side of zero by more than
//! `T_CRIT` standard errors of the mean difference, SE = sd(d) / sqrt(R). With
//! R = 10, `T_CRIT` = 2.262 is the two-sided 95% Student-t quantile for 9
//! degrees of freedom, so a scenario with no real effect passes by chance at
//! most ~2.5% of the time, and no hard-coded model number appears anywhere.
//! When every paired difference is the same (sd(d) = 0) the t statistic is
//! undefined. A claim about agents' behaviour (`Effect::Stochastic`) then fails:
//! zero spread means the metric does not come from the agents' random choices, and
//! "any positive mean with sd 0" would pass anything. A claim declared deterministic
//! (`Effect::Exact { min }`) must have every difference on the claimed side by at
//! least `min`, a floor the caller derives from the mechanism.
//!
//! Each bundled scenario that moves several levers at once has a single-lever
//! companion test beside it (an overlay of the baseline that moves only the lever the
//! claim is about), so a claim cannot pass on the strength of another lever in the
//! bundle (e.g. Beijing's import blocks without the doubled subsidy).

mod common;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use airace::config;
use airace::io::timeseries::Timeseries;
use airace::scenarios::{self, replicate_seed, Statistic};
use assert_cmd::Command;

/// Seeds per scenario in the direction tests.
const REPLICATES: u32 = 10;
/// Two-sided 95% Student-t quantile, 9 degrees of freedom (REPLICATES − 1).
const T_CRIT: f64 = 2.262;
/// Reduced size: fewer firms (the expensive agents), full horizon. Every (country, sector)
/// peer group still gets `firms.min_per_group` agents, so the run has ~9,600 agents.
const SETS: &[&str] = &["firms.count=1500"];

fn configs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("configs")
}

fn sets() -> Vec<String> {
    SETS.iter().map(|s| s.to_string()).collect()
}

/// Run `path` over REPLICATES seeds derived from the baseline's master seed.
fn replicates(path: &Path) -> Vec<Timeseries> {
    let master = config::load(&configs().join("baseline.toml"), &sets())
        .expect("baseline loads")
        .config
        .run
        .seed;
    let lc = config::load(path, &sets()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (0..REPLICATES)
        .map(|r| scenarios::simulate(&lc.config, replicate_seed(master, r)).expect("run"))
        .collect()
}

fn baseline() -> &'static [Timeseries] {
    static B: OnceLock<Vec<Timeseries>> = OnceLock::new();
    B.get_or_init(|| replicates(&configs().join("baseline.toml")))
}

fn scenario(name: &str) -> Vec<Timeseries> {
    replicates(&configs().join("scenarios").join(format!("{name}.toml")))
}

/// A bundled scenario with some of its levers taken out: the overlay's lines that
/// mention any of `drop` are removed, and `base` points at the shipped baseline.
fn scenario_without(name: &str, drop: &[&str]) -> Vec<Timeseries> {
    let path = configs().join("scenarios").join(format!("{name}.toml"));
    let text = std::fs::read_to_string(&path).expect("scenario file");
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| !drop.iter().any(|d| l.contains(d)))
        .collect();
    assert!(
        kept.len() < text.lines().count(),
        "{name}: none of {drop:?} found; the companion test no longer isolates a lever"
    );
    let base = configs().join("baseline.toml");
    let body = kept
        .iter()
        .map(|l| {
            if l.starts_with("base =") {
                format!("base = {:?}", base.display().to_string())
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(format!("{name}_single.toml"));
    std::fs::write(&file, body + "\n").unwrap();
    replicates(&file)
}

/// The baseline with extra `--set` assignments, over the same seeds.
fn baseline_with(extra: &[&str]) -> Vec<Timeseries> {
    let master = config::load(&configs().join("baseline.toml"), &sets())
        .expect("baseline loads")
        .config
        .run
        .seed;
    let mut all = sets();
    all.extend(extra.iter().map(|s| s.to_string()));
    let lc = config::load(&configs().join("baseline.toml"), &all).expect("loads");
    (0..REPLICATES)
        .map(|r| scenarios::simulate(&lc.config, replicate_seed(master, r)).expect("run"))
        .collect()
}

/// Mean over 2026Q1..2030Q4 (ticks 0..20).
fn to_2030(v: &[f64]) -> f64 {
    horizon_mean(&v[..20.min(v.len())])
}

/// Mean over 2031Q1..2035Q4 (ticks 20..40): reported, not asserted.
fn after_2030(v: &[f64]) -> f64 {
    horizon_mean(&v[20.min(v.len())..])
}

fn report_after_2030(
    what: &str,
    base: &[Timeseries],
    scen: &[Timeseries],
    metric: &str,
    scope: &str,
) {
    let b = stat(base, metric, scope, &after_2030);
    let s = stat(scen, metric, scope, &after_2030);
    let n = b.len() as f64;
    eprintln!(
        "{what}: {metric}@{scope} mean 2031-2035: baseline {:.4e}, scenario {:.4e} (reported, not asserted)",
        b.iter().sum::<f64>() / n,
        s.iter().sum::<f64>() / n
    );
}

#[test]
fn a_remote_access_ban_alone_lowers_china_compute_to_2030() {
    // Chinese labs that may not rent abroad put the money into owned chips at home,
    // which cost more per unit of training compute (domestic parts, HBM-limited supply).
    let s = baseline_with(&["policy.us.remote_access=\"ban\""]);
    let b = baseline();
    assert_direction(
        "compute_h100e@CN, mean 2026-2030, remote-access ban",
        &stat(b, "compute_h100e", "CN", &to_2030),
        &stat(&s, "compute_h100e", "CN", &to_2030),
        Dir::Down,
    );
    report_after_2030("remote-access ban", b, &s, "compute_h100e", "CN");
}

#[test]
fn strict_controls_lower_china_compute_and_frontier_to_2030() {
    let s = scenario("strict_controls");
    let b = baseline();
    assert_direction(
        "compute_h100e@CN, mean 2026-2030, strict controls",
        &stat(b, "compute_h100e", "CN", &to_2030),
        &stat(&s, "compute_h100e", "CN", &to_2030),
        Dir::Down,
    );
    assert_direction(
        "frontier_capability@CN, mean 2026-2030, strict controls",
        &stat(b, "frontier_capability", "CN", &to_2030),
        &stat(&s, "frontier_capability", "CN", &to_2030),
        Dir::Down,
    );
    report_after_2030("strict controls", b, &s, "compute_h100e", "CN");
    report_after_2030("strict controls", b, &s, "frontier_capability", "CN");
}

/// Per-replicate value of a series reduced over ticks `from..to` (mean) or by a statistic.
fn stat(
    runs: &[Timeseries],
    metric: &str,
    scope: &str,
    reduce: &dyn Fn(&[f64]) -> f64,
) -> Vec<f64> {
    runs.iter()
        .map(|ts| {
            let s: Vec<f64> = ts.series(metric, scope).into_iter().map(|p| p.1).collect();
            assert!(!s.is_empty(), "no series {metric}@{scope}");
            reduce(&s)
        })
        .collect()
}

fn end(s: &[f64]) -> f64 {
    Statistic::End.apply(s)
}

fn horizon_mean(s: &[f64]) -> f64 {
    Statistic::HorizonMean.apply(s)
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Dir {
    Up,
    Down,
}

/// What kind of effect a direction test claims.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Effect {
    /// Comes from the agents' random choices: the paired differences vary by seed.
    Stochastic,
    /// The same in every replicate by construction of the mechanism; every paired
    /// difference must be on the claimed side by at least `min`.
    Exact { min: f64 },
}

/// Paired test of a stochastic effect: mean(d) on the claimed side by more than
/// T_CRIT standard errors. Zero spread fails (see the module comment).
fn assert_direction(what: &str, base: &[f64], scen: &[f64], dir: Dir) {
    assert_effect(what, base, scen, dir, Effect::Stochastic)
}

fn assert_effect(what: &str, base: &[f64], scen: &[f64], dir: Dir, effect: Effect) {
    let d: Vec<f64> = scen.iter().zip(base).map(|(s, b)| s - b).collect();
    let n = d.len() as f64;
    let mean = d.iter().sum::<f64>() / n;
    let sd = (d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let se = sd / n.sqrt();
    let signed = if dir == Dir::Up { mean } else { -mean };
    let bm = base.iter().sum::<f64>() / n;
    let sm = scen.iter().sum::<f64>() / n;
    match effect {
        Effect::Exact { min } => {
            assert!(min > 0.0, "{what}: an exact effect needs a positive floor");
            let worst = d
                .iter()
                .map(|x| if dir == Dir::Up { *x } else { -x })
                .fold(f64::INFINITY, f64::min);
            assert!(
                worst >= min,
                "{what}: expected every paired difference {dir:?} by at least {min:e}; \
                 the smallest was {worst:e} (baseline mean {bm:.6}, scenario mean {sm:.6})"
            );
        }
        Effect::Stochastic => {
            assert!(
                se > 0.0,
                "{what}: the paired difference is {mean:.6} in every replicate (zero variance), \
                 so it does not come from the agents' random choices and the t test says \
                 nothing; declare the effect exact with the mechanism's minimum, or test \
                 another outcome"
            );
            assert!(
                signed > T_CRIT * se,
                "{what}: expected {dir:?}; baseline mean {bm:.6}, scenario mean {sm:.6}, \
                 mean paired difference {mean:.6} (SE {se:.6}, need |d| > {T_CRIT} SE on the {dir:?} side)"
            );
        }
    }
}

/// The values vary across seeds: the metric comes from agents' random choices, so a
/// direction test on it is not true by construction.
fn assert_stochastic(what: &str, values: &[f64]) {
    let first = values[0];
    assert!(
        values.iter().any(|v| *v != first),
        "{what}: identical in every replicate ({first}); it does not come from the agents"
    );
}

#[test]
fn h200_licensing_narrows_the_gap_and_raises_licence_revenue() {
    let s = scenario("h200_licensed");
    let b = baseline();
    // The claim (Institute for Progress: exports shrink the 2026 US compute lead) is about
    // the near term, so the gap is averaged over 2026Q1..2029Q4 (ticks 0..16). Later the
    // model lets imports slow China's own chip industry, which can reverse the sign.
    let near = |v: &[f64]| horizon_mean(&v[..16.min(v.len())]);
    assert_direction(
        "frontier_gap_months@world, mean 2026-2029",
        &stat(b, "frontier_gap_months", "world", &near),
        &stat(&s, "frontier_gap_months", "world", &near),
        Dir::Down,
    );
    let sum = |v: &[f64]| Statistic::Sum.apply(v);
    assert_direction(
        "us_license_revenue_usd@US, total 2026-2035",
        &stat(b, "us_license_revenue_usd", "US", &sum),
        &stat(&s, "us_license_revenue_usd", "US", &sum),
        Dir::Up,
    );
}

#[test]
fn beijing_block_raises_self_sufficiency_earlier() {
    // Mean of ticks 0..16 = 2026Q1..2029Q4: "earlier", before both paths saturate.
    let early = |v: &[f64]| horizon_mean(&v[..16.min(v.len())]);
    assert_direction(
        "cn_inference_self_sufficiency@CN, mean 2026-2029",
        &stat(baseline(), "cn_inference_self_sufficiency", "CN", &early),
        &stat(
            &scenario("beijing_blocks"),
            "cn_inference_self_sufficiency",
            "CN",
            &early,
        ),
        Dir::Up,
    );
}

#[test]
fn us_grid_buildout_raises_dc_capacity_and_relieves_markets() {
    let s = scenario("us_grid_buildout");
    let b = baseline();
    assert_direction(
        "dc_capacity_gw@US, 2035Q4",
        &stat(b, "dc_capacity_gw", "US", &end),
        &stat(&s, "dc_capacity_gw", "US", &end),
        Dir::Up,
    );
    // The grid's markets follow deterministic build rules, not the firms' draws: the
    // count is the same in every replicate. The claim is that the build-out relieves
    // markets, and the smallest relief there is is one market fewer below critical.
    assert_effect(
        "us_markets_below_critical@US, 2035Q4",
        &stat(b, "us_markets_below_critical", "US", &end),
        &stat(&s, "us_markets_below_critical", "US", &end),
        Dir::Down,
        Effect::Exact { min: 1.0 },
    );
}

#[test]
fn us_friction_pushes_countries_toward_china() {
    assert_direction(
        "aligned_countries.CN@world, 2035Q4",
        &stat(baseline(), "aligned_countries.CN", "world", &end),
        &stat(
            &scenario("us_friction"),
            "aligned_countries.CN",
            "world",
            &end,
        ),
        Dir::Up,
    );
}

#[test]
fn chip_breakthrough_raises_china_frontier_capability() {
    assert_direction(
        "frontier_capability@CN, 2035Q4",
        &stat(baseline(), "frontier_capability", "CN", &end),
        &stat(
            &scenario("china_chip_breakthrough"),
            "frontier_capability",
            "CN",
            &end,
        ),
        Dir::Up,
    );
}

/// Downloads come from firms and developers choosing open models (model/downloads.rs):
/// a ban removes US open weights from the offer, US-open adopters are stranded and move,
/// and developers pick other weights.
///
/// The US share of downloads under the ban is 0 by construction (there are no US open
/// weights left to download), so a paired test on it would pass whatever the agents
/// did. That is asserted as the mechanism it is; the direction test is on where the
/// downloads go instead: Chinese weights gain share, which depends on the developers'
/// and firms' choices among what is left (other open weights compete for them).
#[test]
fn open_weights_ban_lowers_us_download_share() {
    let near = |v: &[f64]| horizon_mean(&v[..16.min(v.len())]);
    let s = scenario("open_weights_ban_us");
    let banned = stat(&s, "open_download_share.US", "world", &end);
    assert!(
        banned.iter().all(|x| *x == 0.0),
        "no US open weights are left to download under the ban: {banned:?}"
    );
    let base = stat(baseline(), "open_download_share.US", "world", &end);
    assert!(
        base.iter().all(|x| *x > 0.0),
        "the baseline downloads US weights: {base:?}"
    );
    let cn_base = stat(baseline(), "open_download_share.CN", "world", &end);
    assert_stochastic("open_download_share.CN@world, 2035Q4, baseline", &cn_base);
    assert_direction(
        "open_download_share.CN@world, 2035Q4 (the ban's downloads go to Chinese weights)",
        &cn_base,
        &stat(&s, "open_download_share.CN", "world", &end),
        Dir::Up,
    );
    assert_direction(
        "adoption_share.us_open@world, mean 2026-2029",
        &stat(baseline(), "adoption_share.us_open", "world", &near),
        &stat(&s, "adoption_share.us_open", "world", &near),
        Dir::Down,
    );
}

// ---------------------------------------------------------------- single-lever companions

/// h200_licensed bundles China allowing H200 imports with dropping its adaptive
/// block-all rule (the US licence terms are the baseline's). China's stance alone must
/// already raise the licence revenue: licensed H200 sales to China become possible.
#[test]
fn china_allowing_h200_alone_raises_licence_revenue() {
    let s = scenario_without("h200_licensed", &["block_all_foreign_at_self_sufficiency"]);
    let sum = |v: &[f64]| Statistic::Sum.apply(v);
    assert_direction(
        "us_license_revenue_usd@US, total 2026-2035, China allows H200 only",
        &stat(baseline(), "us_license_revenue_usd", "US", &sum),
        &stat(&s, "us_license_revenue_usd", "US", &sum),
        Dir::Up,
    );
}

/// beijing_blocks also doubles the chip subsidy; the import blocks alone must raise
/// China's inference self-sufficiency early (the issue's mutation "import substitution
/// off" passed the bundled test on the subsidy's strength).
#[test]
fn beijing_import_blocks_alone_raise_self_sufficiency_earlier() {
    let early = |v: &[f64]| horizon_mean(&v[..16.min(v.len())]);
    let s = scenario_without("beijing_blocks", &["chip_subsidy_usd_per_tick"]);
    assert_direction(
        "cn_inference_self_sufficiency@CN, mean 2026-2029, import blocks only",
        &stat(baseline(), "cn_inference_self_sufficiency", "CN", &early),
        &stat(&s, "cn_inference_self_sufficiency", "CN", &early),
        Dir::Up,
    );
}

/// strict_controls also bans remote access (tested alone above) and tightens
/// leakage; the export bans alone must lower China's compute to 2030.
#[test]
fn export_bans_alone_lower_china_compute_to_2030() {
    let s = scenario_without("strict_controls", &["remote_access", "leakage"]);
    assert_direction(
        "compute_h100e@CN, mean 2026-2030, export bans only",
        &stat(baseline(), "compute_h100e", "CN", &to_2030),
        &stat(&s, "compute_h100e", "CN", &to_2030),
        Dir::Down,
    );
}

/// us_grid_buildout also shortens lead times, speeds permits and builds green power;
/// the faster generation build alone must raise US data-center capacity.
#[test]
fn faster_generation_build_alone_raises_us_dc_capacity() {
    let s = scenario_without(
        "us_grid_buildout",
        &[
            "gen_lead_ticks",
            "green_build_factor",
            "permitting_speedup_ticks",
        ],
    );
    assert_direction(
        "dc_capacity_gw@US, 2035Q4, generation build rate only",
        &stat(baseline(), "dc_capacity_gw", "US", &end),
        &stat(&s, "dc_capacity_gw", "US", &end),
        Dir::Up,
    );
}

#[test]
fn every_shipped_scenario_loads_names_itself_and_bases_on_the_baseline() {
    let files = scenarios::discover(&configs()).expect("discover");
    assert_eq!(files[0].name, "baseline");
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    for want in [
        "h200_licensed",
        "beijing_blocks",
        "strict_controls",
        "us_grid_buildout",
        "us_friction",
        "china_chip_breakthrough",
        "open_weights_ban_us",
    ] {
        assert!(names.contains(&want), "missing scenario {want}");
    }
    let mut sorted = names[1..].to_vec();
    sorted.sort();
    assert_eq!(sorted, names[1..].to_vec(), "scenarios run in name order");
    for f in &files[1..] {
        let lc = config::load(&f.path, &[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(lc.config.name, f.name, "name = file stem");
        assert_eq!(
            lc.chain.len(),
            2,
            "{} overlays the baseline directly",
            f.name
        );
        let text = std::fs::read_to_string(&f.path).expect("read");
        assert!(
            text.starts_with('#'),
            "{} opens with its claim/source comment",
            f.name
        );
    }
}

#[test]
fn first_sustained_statistic_ignores_early_blips() {
    let s = Statistic::FirstSustained(1.0);
    assert_eq!(s.apply(&[2.0, 0.5, 0.9, 1.0, 3.0]), 3.0);
    assert_eq!(s.apply(&[1.0, 1.5]), 0.0);
    assert_eq!(s.apply(&[0.1, 0.2]), 2.0, "never: censored at the horizon");
    let q = scenarios::summarise(&[1.0, 2.0, 3.0, 4.0, 5.0]);
    assert_eq!((q.mean, q.p05, q.p95), (3.0, 1.2, 4.8));
}

// ---------- the command ----------

/// A configs folder holding the shipped baseline and the given scenario files.
fn configs_dir(scenarios: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        configs().join("baseline.toml"),
        dir.path().join("baseline.toml"),
    )
    .expect("copy");
    std::fs::create_dir(dir.path().join("scenarios")).expect("mkdir");
    for (name, text) in scenarios {
        std::fs::write(dir.path().join("scenarios").join(name), text).expect("write");
    }
    dir
}

fn scenarios_cmd(configs: &Path, out: &Path, jobs: &str) -> Command {
    let mut c = common::airace();
    c.arg("scenarios")
        .arg("--configs")
        .arg(configs)
        .arg("--out")
        .arg(out)
        .args(["--replicates", "2", "--jobs", jobs, "--quiet"])
        .args(["--set", "firms.count=300", "--set", "run.ticks=6"]);
    c
}

#[test]
fn scenarios_command_writes_a_deterministic_table() {
    let friction =
        std::fs::read_to_string(configs().join("scenarios/us_friction.toml")).expect("read");
    let dir = configs_dir(&[("us_friction.toml", &friction)]);
    let (a, b) = (dir.path().join("out_a"), dir.path().join("out_b"));
    scenarios_cmd(dir.path(), &a, "2").assert().success();
    scenarios_cmd(dir.path(), &b, "1").assert().success();
    let csv = std::fs::read_to_string(a.join("scenarios.csv")).expect("scenarios.csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "scenario,metric,scope,statistic,mean,p05,p95,replicates"
    );
    assert_eq!(lines.len(), 1 + 2 * scenarios::HEADLINES.len());
    assert!(lines[1].starts_with("baseline,frontier_gap_months,world,end,"));
    assert!(lines.last().unwrap().starts_with("us_friction,"));
    assert_eq!(
        csv,
        std::fs::read_to_string(b.join("scenarios.csv")).expect("b"),
        "same table whatever the number of jobs"
    );
    // The other products name both scenarios, and the replicate runs are real runs with
    // the paired seeds (the same seed for replicate r of every scenario).
    for f in ["bands.csv", "scenarios.md", "report.html"] {
        let text = std::fs::read_to_string(a.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert!(
            text.contains("baseline") && text.contains("us_friction"),
            "{f} does not name both scenarios"
        );
    }
    // The page reads like the README table: plain labels with units, no e-notation,
    // and the difference of every other scenario from the baseline.
    let page = std::fs::read_to_string(a.join("report.html")).expect("report.html");
    assert!(
        page.contains("Frontier gap, 2035Q4 (months, + = US ahead)"),
        "no readable labels"
    );
    assert!(!page.contains("frontier_gap_months @"), "raw metric names");
    assert_eq!(
        page.matches("<small>Δ ").count(),
        12,
        "one difference per README row for the one non-baseline scenario"
    );
    assert!(
        !page.contains("Δ -0.0<") && !page.contains("Δ -0<"),
        "negative zero"
    );
    let mut seeds = Vec::new();
    for r in ["r00", "r01"] {
        let run = a.join("runs/us_friction").join(r);
        let m = airace::layout::read_manifest(&run).unwrap();
        let base = airace::layout::read_manifest(&a.join("runs/baseline").join(r)).unwrap();
        assert_eq!(
            m.seed, base.seed,
            "{r}: replicates are paired across scenarios"
        );
        assert!(m.ticks > 0);
        seeds.push(m.seed);
    }
    assert_ne!(seeds[0], seeds[1], "replicates use distinct seeds");
}

/// Run the command on an overlay set and return stderr, asserting exit 2 and no table.
fn rejects(scenarios: &[(&str, &str)]) -> String {
    let dir = configs_dir(scenarios);
    let out = dir.path().join("out");
    let assert = scenarios_cmd(dir.path(), &out, "2").assert().code(2);
    assert!(!out.join("scenarios.csv").exists(), "nothing tabulated");
    String::from_utf8_lossy(&assert.get_output().stderr).into_owned()
}

#[test]
fn unknown_key_in_an_overlay_exits_2_naming_the_chain() {
    let err = rejects(&[(
        "bad.toml",
        "base = \"../baseline.toml\"\nname = \"bad\"\n[policy.us]\nfrictoin = 0.9\n",
    )]);
    assert!(err.contains("bad.toml <- base"), "{err}");
    assert!(err.contains("baseline.toml"), "{err}");
    assert!(err.contains("frictoin"), "{err}");
}

#[test]
fn missing_base_exits_2_naming_the_chain() {
    let err = rejects(&[(
        "orphan.toml",
        "base = \"../nowhere.toml\"\nname = \"orphan\"\n",
    )]);
    assert!(err.contains("orphan.toml <- base"), "{err}");
    assert!(err.contains("nowhere.toml"), "{err}");
}

#[test]
fn cycle_in_bases_exits_2_naming_the_chain() {
    let err = rejects(&[
        ("a.toml", "base = \"b.toml\"\nname = \"a\"\n"),
        ("b.toml", "base = \"a.toml\"\nname = \"b\"\n"),
    ]);
    assert!(err.contains("a.toml") && err.contains("b.toml"), "{err}");
    assert!(err.contains("cycle"), "{err}");
}

#[test]
fn run_of_an_invalid_overlay_exits_2_too() {
    let dir = configs_dir(&[(
        "bad.toml",
        "base = \"../baseline.toml\"\nname = \"bad\"\n[blocs.US]\ngen_build_rate = 7.0\n",
    )]);
    let assert = common::airace()
        .arg("run")
        .arg(dir.path().join("scenarios/bad.toml"))
        .arg("--out")
        .arg(dir.path().join("run"))
        .arg("--quiet")
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        err.contains("bad.toml <- base") && err.contains("gen_build_rate"),
        "{err}"
    );
}

// ---------- resume, like a sweep ----------

/// Every file under `dir` (relative path → bytes), sorted.
fn tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).expect("read"));
            }
        }
    }
    out
}

/// Finished runs (relative manifest path → manifest bytes).
fn finished_manifests(out: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    tree(out)
        .into_iter()
        .filter(|(k, _)| k.starts_with("runs/") && k.ends_with("manifest.json"))
        .collect()
}

#[test]
fn scenarios_resume_after_sigkill_keeping_finished_runs() {
    let friction =
        std::fs::read_to_string(configs().join("scenarios/us_friction.toml")).expect("read");
    let dir = configs_dir(&[("us_friction.toml", &friction)]);
    let (killed, straight) = (dir.path().join("killed"), dir.path().join("straight"));
    let args = |out: &Path| -> Vec<String> {
        let mut a: Vec<String> = ["scenarios", "--quiet", "--jobs", "1", "--replicates", "4"]
            .map(String::from)
            .to_vec();
        a.extend(["--configs".into(), dir.path().display().to_string()]);
        a.extend(["--out".into(), out.display().to_string()]);
        a.extend(["--set", "firms.count=4000", "--set", "run.ticks=12"].map(String::from));
        a
    };
    let bin = assert_cmd::cargo::cargo_bin("airace");
    let mut child = std::process::Command::new(&bin)
        .args(args(&killed))
        .spawn()
        .expect("spawn");
    // Wait until some (not all) runs are finished, then SIGKILL.
    let started = std::time::Instant::now();
    loop {
        let n = if killed.exists() {
            finished_manifests(&killed).len()
        } else {
            0
        };
        if n >= 2 || started.elapsed() > std::time::Duration::from_secs(120) {
            break;
        }
        if child.try_wait().expect("try_wait").is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let _ = child.kill(); // SIGKILL on Unix
    let _ = child.wait();
    let before = finished_manifests(&killed);
    assert!(
        !before.is_empty() && before.len() < 8,
        "killed midway: {} of 8 runs finished",
        before.len()
    );
    // Rerun: resumes, keeps finished runs byte for byte (their manifests hold
    // wall times, so a recomputed run would differ), and completes.
    common::airace().args(args(&killed)).assert().success();
    let after = finished_manifests(&killed);
    for (k, v) in &before {
        assert_eq!(after.get(k), Some(v), "{k} was recomputed");
    }
    assert_eq!(after.len(), 8);
    // Same tables, charts and run data as an uninterrupted run.
    common::airace().args(args(&straight)).assert().success();
    let (a, b) = (tree(&killed), tree(&straight));
    // Manifests and records hold wall times; which log file a record lands in
    // depends on which run a worker started with. The records' outcomes must match.
    assert_eq!(
        common::recorded_outcomes(&killed),
        common::recorded_outcomes(&straight)
    );
    let data = |t: &std::collections::BTreeMap<String, Vec<u8>>| -> Vec<(String, Vec<u8>)> {
        t.iter()
            .filter(|(k, _)| !k.ends_with("manifest.json") && !k.starts_with("records/"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    assert_eq!(
        data(&a).iter().map(|x| &x.0).collect::<Vec<_>>(),
        data(&b).iter().map(|x| &x.0).collect::<Vec<_>>()
    );
    for ((k, x), (_, y)) in data(&a).iter().zip(data(&b).iter()) {
        assert!(x == y, "{k} differs after resume");
    }
}

#[test]
fn scenarios_refuse_a_folder_of_another_design_unless_forced() {
    let friction =
        std::fs::read_to_string(configs().join("scenarios/us_friction.toml")).expect("read");
    let dir = configs_dir(&[("us_friction.toml", &friction)]);
    let out = dir.path().join("out");
    scenarios_cmd(dir.path(), &out, "2").assert().success();
    let table = std::fs::read(out.join("scenarios.csv")).expect("table");
    // Other --set values make other configs: a different design.
    let assert = scenarios_cmd(dir.path(), &out, "2")
        .args(["--set", "policy.us.friction=0.9"])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        err.contains("different scenario set") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(std::fs::read(out.join("scenarios.csv")).unwrap(), table);
    scenarios_cmd(dir.path(), &out, "2")
        .args(["--set", "policy.us.friction=0.9", "--force"])
        .assert()
        .success();
    // The same command again is a resume: nothing to redo, same table.
    scenarios_cmd(dir.path(), &out, "2")
        .arg("--force")
        .assert()
        .success();
    assert_eq!(std::fs::read(out.join("scenarios.csv")).unwrap(), table);
}

// ---------- headlines over parameter uncertainty ----------

/// `(a, b)` ranges ("0.1–0.5", "−1.5 – −0.2", "3e8–1.2e9") in a table cell, in order.
fn ranges_in(cell: &str) -> Vec<(f64, f64)> {
    let cell = cell.replace('−', "-");
    let mut out = Vec::new();
    for part in cell.split(',') {
        if let Some((a, b)) = part.split_once('–') {
            let num = |s: &str| -> Option<f64> {
                let t: String = s
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | 'e'))
                    .collect();
                t.parse().ok()
            };
            let a = a.trim().rsplit(' ').next().unwrap_or("");
            if let (Some(x), Some(y)) = (num(a), num(b)) {
                out.push((x, y));
            }
        }
    }
    out
}

/// Every entry of `configs/uncertainty.toml` has the plausible range that
/// `docs/calibration.md` states for that key, and is marked chosen or fitted
/// there (so the two cannot drift apart silently). A doc row lists one or
/// more keys (`datacenters.pue`, `load_factor`, ...) and as many ranges; a key
/// matches a factor's path when equal to it or to its last segments.
#[test]
fn uncertainty_file_agrees_with_the_calibration_doc() {
    use airace::analysis::uncertainty::UncertaintySpec;
    let text = std::fs::read_to_string(configs().join("uncertainty.toml")).expect("read");
    let spec = UncertaintySpec::parse(&text, "configs/uncertainty.toml").expect("parses");
    assert!(spec.factors.len() >= 30, "{} factors", spec.factors.len());
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/calibration.md"))
            .expect("doc");
    // (key, range, status cell) for every table row with backticked keys.
    let mut rows: Vec<(String, (f64, f64), String)> = Vec::new();
    for line in doc.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").collect();
        let (keys_cell, status, range_cell) =
            (cells[0], cells[cells.len() - 2], cells[cells.len() - 1]);
        let keys: Vec<String> = keys_cell
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect();
        let ranges = ranges_in(range_cell);
        for (i, k) in keys.iter().enumerate() {
            let r = if ranges.len() == keys.len() {
                ranges[i]
            } else if ranges.len() == 1 {
                ranges[0]
            } else {
                continue;
            };
            rows.push((k.clone(), r, status.to_lowercase()));
        }
    }
    for f in &spec.factors {
        let path = f.path.as_deref().expect("no dummy in the shipped file");
        assert!(
            !path.starts_with("policy."),
            "{path}: a lever, not an uncertainty"
        );
        let (lo, hi) = f.distribution.bounds();
        let matching: Vec<&(String, (f64, f64), String)> = rows
            .iter()
            .filter(|(k, _, _)| path == k || path.ends_with(&format!(".{k}")))
            .collect();
        assert!(
            !matching.is_empty(),
            "{path}: no row in docs/calibration.md"
        );
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0);
        assert!(
            matching.iter().any(|(_, (a, b), st)| close(*a, lo)
                && close(*b, hi)
                && (st.contains("chosen") || st.contains("fitted") || st.contains("interpolated"))),
            "{path}: range [{lo}, {hi}] is not the doc's ({:?})",
            matching.iter().map(|m| (m.1, &m.2)).collect::<Vec<_>>()
        );
        assert!(!f.source.trim().is_empty(), "{path}: no source");
    }
}

/// A small configs folder for `--uncertainty`: the baseline, one scenario that
/// sets one of the uncertain parameters itself, and a three-factor file.
fn uncertainty_dir() -> tempfile::TempDir {
    let friction =
        std::fs::read_to_string(configs().join("scenarios/us_friction.toml")).expect("read");
    let holds = "base = \"../baseline.toml\"\nname = \"pricey\"\n[lab_dynamics]\nprice_usd_per_mtok = 15.0\n";
    let dir = configs_dir(&[("us_friction.toml", &friction), ("pricey.toml", holds)]);
    let spec = r#"
[uncertainty]
[[uncertainty.factors]]
path = "lab_dynamics.open_spillover"
distribution = "uniform"
range = [0.1, 0.5]
source = "test"
[[uncertainty.factors]]
path = "lab_dynamics.price_usd_per_mtok"
distribution = "log_uniform"
range = [3.0, 20.0]
source = "test"
[[uncertainty.factors]]
path = "lab_dynamics.chip_life_ticks"
distribution = "discrete"
values = [16, 20, 24]
source = "test"
"#;
    std::fs::write(dir.path().join("uncertainty.toml"), spec).expect("write");
    dir
}

fn uncertainty_cmd(configs: &Path, out: &Path, jobs: &str) -> Command {
    let mut c = scenarios_cmd(configs, out, jobs);
    c.args(["--uncertainty", "4"]);
    c
}

/// The tables `--uncertainty` writes, by name.
const WORLD_TABLES: &[&str] = &[
    "probabilities.csv",
    "worlds.csv",
    "scenarios.csv",
    "scenarios.md",
    "summary.csv",
    "bands.csv",
];

#[test]
fn uncertainty_headlines_are_identical_at_1_and_2_jobs_across_shards_and_after_resume() {
    let dir = uncertainty_dir();
    let (a, b, c) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("c"),
    );
    uncertainty_cmd(dir.path(), &a, "1").assert().success();
    uncertainty_cmd(dir.path(), &b, "2").assert().success();
    // Shards: each runs its own runs (records only, no tables); the
    // unsharded invocation after them computes nothing and builds the tables.
    uncertainty_cmd(dir.path(), &c, "2")
        .args(["--shard", "2/3"])
        .assert()
        .success();
    assert_eq!(
        common::finished_records(&c).len(),
        8,
        "shard 2/3: 24 runs / 3"
    );
    assert!(
        !c.join("probabilities.csv").exists(),
        "a shard writes no tables"
    );
    for k in ["1/3", "3/3"] {
        uncertainty_cmd(dir.path(), &c, "1")
            .args(["--shard", k])
            .assert()
            .success();
    }
    assert_eq!(common::record_lines(&c).len(), 24);
    uncertainty_cmd(dir.path(), &c, "2").assert().success();
    assert_eq!(
        common::record_lines(&c).len(),
        24,
        "after the shards no run is computed again"
    );
    for f in WORLD_TABLES {
        let (x, y, z) = (
            std::fs::read(a.join(f)).expect(f),
            std::fs::read(b.join(f)).expect(f),
            std::fs::read(c.join(f)).expect(f),
        );
        assert!(x == y, "{f} differs between --jobs 1 and --jobs 2");
        assert!(
            x == z,
            "{f} differs between one invocation and three shards"
        );
    }
    // 3 scenarios x 4 draws x 2 replicates, ids <scenario>/dNN-rNN.
    // Their records only: no run folder per draw.
    let records = common::finished_records(&a);
    assert_eq!(records.len(), 24);
    assert!(records.contains_key("pricey/d03-r01"));
    assert!(finished_manifests(&a).is_empty());
    let probs = std::fs::read_to_string(a.join("probabilities.csv")).expect("probabilities");
    let lines: Vec<&str> = probs.lines().collect();
    assert_eq!(
        lines[0],
        "scenario,claim,worlds,worlds_true,probability,wilson95_lo,wilson95_hi"
    );
    assert_eq!(lines.len(), 1 + 3 * airace::scenarios::worlds::CLAIMS.len());
    for l in &lines[1..] {
        let c: Vec<&str> = l.split(',').collect();
        let (n, k): (usize, usize) = (c[2].parse().unwrap(), c[3].parse().unwrap());
        assert_eq!(n, 4, "{l}: every world has a result");
        let p: f64 = c[4].parse().unwrap();
        let (lo, hi): (f64, f64) = (c[5].parse().unwrap(), c[6].parse().unwrap());
        assert!(
            (p - k as f64 / 4.0).abs() < 1e-12 && lo <= p && p <= hi,
            "{l}"
        );
    }
    // Common draws: the same world has the same drawn values in every
    // scenario, except the parameter a scenario sets itself (held at 15).
    let worlds = std::fs::read_to_string(a.join("worlds.csv")).expect("worlds");
    let rows: Vec<Vec<&str>> = worlds
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows.len(), 12);
    for d in 0..4 {
        let of = |s: &str| {
            rows.iter()
                .find(|r| r[0] == s && r[1] == d.to_string())
                .unwrap()
        };
        let (base, fr, pr) = (of("baseline"), of("us_friction"), of("pricey"));
        assert_eq!(
            base[3..6],
            fr[3..6],
            "world {d}: same draw in every scenario"
        );
        assert_eq!(base[3], pr[3]);
        assert_eq!(pr[4], "15.0", "the scenario's own value wins over the draw");
        assert_ne!(base[4], "15.0");
        assert!(["16", "20", "24"].contains(&base[5]), "{}", base[5]);
    }
    // Resume: remove some finished runs, rerun, same tables.
    for id in ["baseline/d01-r00", "pricey/d03-r01", "us_friction/d00-r01"] {
        common::forget_run(&a, id);
    }
    uncertainty_cmd(dir.path(), &a, "2").assert().success();
    for f in WORLD_TABLES {
        let (x, y) = (
            std::fs::read(a.join(f)).expect(f),
            std::fs::read(b.join(f)).expect(f),
        );
        assert!(x == y, "{f} differs after resume");
    }
}

#[test]
fn uncertainty_refuses_a_lever_and_a_missing_file_with_exit_2() {
    let dir = uncertainty_dir();
    let lever = "[uncertainty]\n[[uncertainty.factors]]\npath = \"policy.us.leakage\"\n\
                 distribution = \"uniform\"\nrange = [0.0, 0.3]\nsource = \"x\"\n";
    let f = dir.path().join("lever.toml");
    std::fs::write(&f, lever).expect("write");
    let out = dir.path().join("out");
    let err = uncertainty_cmd(dir.path(), &out, "1")
        .arg("--uncertainty-file")
        .arg(&f)
        .assert()
        .code(2);
    let msg = String::from_utf8_lossy(&err.get_output().stderr).into_owned();
    assert!(
        msg.contains("uncertainty.factors[0].path") && msg.contains("lever"),
        "{msg}"
    );
    assert!(!out.join("plan.json").exists(), "nothing written");
    let bad_range = lever
        .replace("policy.us.leakage", "lab_dynamics.mfu")
        .replace("[0.0, 0.3]", "[0.3, 9.0]");
    std::fs::write(&f, bad_range).expect("write");
    let err = uncertainty_cmd(dir.path(), &out, "1")
        .arg("--uncertainty-file")
        .arg(&f)
        .assert()
        .code(2);
    let msg = String::from_utf8_lossy(&err.get_output().stderr).into_owned();
    assert!(msg.contains("draw") && msg.contains("mfu"), "{msg}");
    let err = uncertainty_cmd(dir.path(), &out, "1")
        .arg("--uncertainty-file")
        .arg(dir.path().join("nope.toml"))
        .assert()
        .code(2);
    assert!(String::from_utf8_lossy(&err.get_output().stderr).contains("nope.toml"));
}

/// A shard reports its own runs: a failed run exits 1 naming the runs folder
/// (the other shard is unaffected), `--quiet` says nothing on success, and a
/// rerun shard counts its runs as already done.
#[test]
fn a_shard_with_a_failed_run_exits_1_and_a_rerun_shard_computes_nothing() {
    // Algorithmic progress of 2 per quarter overflows a top-talent lab's
    // capability long before quarter 200 (as in tests/hardening.rs).
    let breaks = "base = \"../baseline.toml\"\nname = \"breaks\"\n[lab_dynamics]\n\
                  algo_growth_per_tick = 2.0\ntalent_elasticity = 5.0\n";
    let dir = configs_dir(&[("breaks.toml", breaks)]);
    let out = dir.path().join("out");
    let shard = |k: &str, quiet: bool| {
        let mut c = common::airace();
        c.arg("scenarios")
            .arg("--configs")
            .arg(dir.path())
            .arg("--out")
            .arg(&out)
            .args(["--replicates", "1", "--shard", k])
            .args(["--set", "firms.count=50", "--set", "run.ticks=200"])
            .args(["--set", "labs[0].talent=10"]);
        if quiet {
            c.arg("--quiet");
        }
        c.output().expect("airace runs")
    };
    let stderr = |o: &std::process::Output| String::from_utf8_lossy(&o.stderr).into_owned();
    // Runs in plan order: baseline/r00 (shard 1/2), breaks/r00 (shard 2/2).
    let broken = shard("2/2", false);
    let msg = stderr(&broken);
    assert_eq!(broken.status.code(), Some(1), "{msg}");
    assert!(
        msg.contains("1 runs, 0 computed, 0 already done, 1 failed")
            && msg.contains("1/1 runs (100%), 1 failed")
            && msg.contains("scenarios shard 2/2: 1 of 1 runs failed")
            && msg.contains("failed.json")
            && msg.contains("runs"),
        "{msg}"
    );
    let fine = shard("1/2", true);
    assert_eq!(fine.status.code(), Some(0), "{}", stderr(&fine));
    assert_eq!(stderr(&fine), "", "--quiet prints nothing");
    let again = shard("1/2", false);
    let msg = stderr(&again);
    assert_eq!(again.status.code(), Some(0), "{msg}");
    assert!(
        msg.contains("1 runs, 0 computed, 1 already done, 0 failed")
            && msg.contains("rerun without --shard"),
        "{msg}"
    );
    assert!(
        !out.join("scenarios.csv").exists(),
        "shards write no tables"
    );
}
