//! Tests of sweep-file parsing (`spec`) and expansion (`plan`).

use std::collections::BTreeSet;
use std::path::PathBuf;

use super::*;
use crate::math;
use proptest::prelude::*;

/// A temp folder with `baseline.toml` and a (virtual) `sweeps/` file.
struct Fixture {
    _dir: tempfile::TempDir,
    origin: PathBuf,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sweeps")).unwrap();
    std::fs::write(dir.path().join("baseline.toml"), "").unwrap();
    std::fs::write(dir.path().join("tiny.toml"), "").unwrap();
    let origin = dir.path().join("sweeps").join("test_sweep.toml");
    Fixture { _dir: dir, origin }
}

const HEAD: &str = "base = \"../baseline.toml\"\nmaster_seed = 7\n";
const OUTCOME: &str = "[[outcomes]]\nmetric = \"frontier_gap_months\"\n";

/// A sweep with extra top-level keys `top` and tables `tables`.
fn text(top: &str, tables: &str) -> String {
    format!("{HEAD}{top}\n{tables}\n{OUTCOME}")
}

fn parse(text: &str) -> Result<SweepSpec> {
    let f = fixture();
    parse_sweep(text, &f.origin)
}

fn ok(top: &str, tables: &str) -> SweepSpec {
    parse(&text(top, tables)).unwrap_or_else(|e| panic!("{e}"))
}

/// The key a config error names (panics on other errors).
fn key_of(result: Result<SweepSpec>) -> (String, String) {
    match result {
        Err(Error::Config { key, message, .. }) => (key, message),
        Err(other) => panic!("expected a config error, got {other:?}"),
        Ok(_) => panic!("expected an error"),
    }
}

fn bad(top: &str, tables: &str) -> (String, String) {
    key_of(parse(&text(top, tables)))
}

const GRID: &str = "[[parameters]]\npath = \"policy.us.export[H200_CN].rule\"\n\
    values = [\"ban\", \"license\", \"allow\"]\n\
    [[parameters]]\npath = \"chips[Ascend910C].capacity_growth\"\n\
    range = [0.2, 0.8]\nsteps = 4\n";

const LHS: &str = "[[parameters]]\npath = \"policy.us.export[H200_CN].rule\"\n\
    values = [\"ban\", \"allow\"]\n\
    [[parameters]]\npath = \"chips[Ascend910C].capacity_growth\"\nrange = [0.2, 0.8]\n\
    [[parameters]]\npath = \"blocs.US.gen_build_rate\"\nrange = [1.0, 100.0]\nlog = true\n\
    [[parameters]]\npath = \"firms.count\"\nrange = [100, 200]\ninteger = true\n\
    [design]\nkind = \"lhs\"\npoints = 10\n";

// ----- parsing and validation -------------------------------------------

#[test]
fn parses_a_full_grid_sweep_with_defaults() {
    let spec = ok("replicates = 3\nsets = [\"firms.count=2000\"]", GRID);
    assert_eq!(spec.name, "test_sweep");
    assert!(spec.base.ends_with("sweeps/../baseline.toml"));
    assert_eq!((spec.replicates, spec.master_seed), (3, 7));
    assert_eq!(spec.sets, vec!["firms.count=2000".to_string()]);
    assert_eq!(spec.design, Design::Grid);
    assert_eq!(spec.parameters.len(), 2);
    assert_eq!(
        spec.outcomes,
        vec![Outcome {
            metric: "frontier_gap_months".into(),
            scope: "world".into(),
            tick: OutcomeTick::Last
        }]
    );
    assert_eq!((spec.point_count(), spec.run_count()), (12, 36));
    assert_eq!(ok("", "").replicates, 1, "replicates defaults to 1");
}

#[test]
fn explicit_name_and_outcome_fields() {
    let t = format!(
        "name = \"my-sweep.v2\"\n{HEAD}\
         [[outcomes]]\nmetric = \"a\"\nscope = \"CN\"\ntick = 12\n"
    );
    let spec = parse(&t).unwrap();
    assert_eq!(spec.name, "my-sweep.v2");
    assert_eq!(spec.outcomes[0].scope, "CN");
    assert_eq!(spec.outcomes[0].tick, OutcomeTick::At(12));
    let (key, _) = bad("name = \"../escape\"", "");
    assert_eq!(key, "name");
}

#[test]
fn unknown_keys_are_named_with_their_full_path() {
    assert_eq!(bad("colour = 1", "").0, "colour");
    let two = "[[parameters]]\npath = \"a\"\nvalues = [1]\n\
               [[parameters]]\npath = \"b\"\nrnage = [1, 2]";
    let (key, msg) = bad("", two);
    assert_eq!(key, "parameters[1].rnage");
    assert!(
        msg.contains("expected one of") && msg.contains("line"),
        "{msg}"
    );
    assert_eq!(
        bad("", "[design]\nkind = \"grid\"\npionts = 3").0,
        "design.pionts"
    );
    let t = format!("{HEAD}[[outcomes]]\nmetric = \"m\"\nstat = \"mean\"\n");
    assert_eq!(key_of(parse(&t)).0, "outcomes[0].stat");
}

#[test]
fn type_errors_and_missing_fields_name_the_key() {
    assert_eq!(bad("replicates = \"many\"", "").0, "replicates");
    let (key, _) = bad("", "[[parameters]]\npath = \"a\"\nrange = [1, \"x\"]");
    assert_eq!(key, "parameters[0].range[1]");
    assert_eq!(
        bad("", "[[parameters]]\nvalues = [1]").0,
        "parameters[0].path"
    );
    let t = format!("master_seed = 1\n{OUTCOME}");
    assert_eq!(key_of(parse(&t)).0, "base");
}

#[test]
fn syntax_errors_are_input_errors_with_a_line() {
    let err = parse(&format!("{HEAD}replicates = [1,\n")).unwrap_err();
    assert!(matches!(err, Error::Input { line: Some(_), .. }), "{err:?}");
    assert_eq!(err.exit_code(), crate::error::EXIT_BAD_INPUT);
}

#[test]
fn replicates_and_seed_ranges() {
    for r in [0, -1, 10_001] {
        let (key, msg) = bad(&format!("replicates = {r}"), "");
        assert_eq!(key, "replicates");
        assert!(msg.contains("1..=10000"), "{msg}");
    }
    assert_eq!(ok("replicates = 10000", "").replicates, 10_000);
    let t = "base = \"../baseline.toml\"\nmaster_seed = -3\n[[outcomes]]\nmetric = \"m\"\n";
    assert_eq!(key_of(parse(t)).0, "master_seed");
}

#[test]
fn values_lists_are_checked() {
    let p = |v: &str| format!("[[parameters]]\npath = \"a.b\"\nvalues = {v}");
    let (key, msg) = bad("", &p("[]"));
    assert_eq!(key, "parameters[0].values");
    assert!(msg.contains("empty"));
    assert_eq!(bad("", &p("[1, [2]]")).0, "parameters[0].values[1]");
    assert_eq!(bad("", &p("[\"x\", \"x\"]")).0, "parameters[0].values[1]");
    let (key, _) = bad("", &format!("{}\nlog = true", p("[1]")));
    assert_eq!(key, "parameters[0].log");
    let (key, _) = bad("", &format!("{}\nrange = [1, 2]", p("[1]")));
    assert_eq!(key, "parameters[0]");
    assert_eq!(bad("", "[[parameters]]\npath = \"a\"").0, "parameters[0]");
}

#[test]
fn ranges_are_checked() {
    let p = |extra: &str| {
        format!("[[parameters]]\npath = \"a\"\n{extra}\n[design]\nkind = \"lhs\"\npoints = 4")
    };
    for r in [
        "[0.8, 0.2]",
        "[0.5, 0.5]",
        "[0.0, inf]",
        "[nan, 1.0]",
        "[1.0]",
        "[1, 2, 3]",
    ] {
        let (key, msg) = bad("", &p(&format!("range = {r}")));
        assert_eq!(key, "parameters[0].range", "{r}: {msg}");
    }
    let (_, msg) = bad("", &p("range = [0.8, 0.2]"));
    assert!(msg.contains("min < max"), "{msg}");
    assert_eq!(
        bad("", &p("range = [0.0, 1.0]\nlog = true")).0,
        "parameters[0].range"
    );
    assert_eq!(
        bad("", &p("range = [0.5, 3]\ninteger = true")).0,
        "parameters[0].range"
    );
    assert_eq!(
        bad("", &p("range = [0, 1]\nsteps = 1")).0,
        "parameters[0].steps"
    );
    let (key, msg) = bad("", &p("range = [1, 3]\ninteger = true\nsteps = 5"));
    assert_eq!(key, "parameters[0].steps", "{msg}");
}

#[test]
fn design_section_is_checked() {
    let r = "[[parameters]]\npath = \"a\"\nrange = [0.0, 1.0]\n";
    let (key, msg) = bad("", &format!("{r}[design]\nkind = \"lhs\"\npoints = 0"));
    assert_eq!(key, "design.points");
    assert!(msg.contains("1..=1000000"), "{msg}");
    assert_eq!(
        bad("", &format!("{r}[design]\nkind = \"lhs\"")).0,
        "design.points"
    );
    assert_eq!(
        bad("", &format!("{r}[design]\nkind = \"bogus\"")).0,
        "design.kind"
    );
    assert_eq!(
        bad("", &format!("{r}[design]\nkind = \"sobol\"")).0,
        "design.n"
    );
    assert_eq!(
        bad("", "[design]\nkind = \"grid\"\npoints = 3").0,
        "design.points"
    );
    // A grid cannot enumerate an unstepped range...
    assert_eq!(bad("", r).0, "parameters[0].range");
    // ...and an LHS needs something to sample.
    let v = "[[parameters]]\npath = \"a\"\nvalues = [1]\n";
    assert_eq!(
        bad("", &format!("{v}[design]\nkind = \"lhs\"\npoints = 3")).0,
        "design.kind"
    );
}

#[test]
fn parameter_paths_are_checked() {
    let p = |path: &str| format!("[[parameters]]\npath = \"{path}\"\nvalues = [1]");
    for path in [
        "", "a=1", "a b", "a..b", ".a", "a.", "a[", "a]", "a[]", "a[[0]]", "a[x.y]",
    ] {
        assert_eq!(bad("", &p(path)).0, "parameters[0].path", "{path:?}");
    }
    for path in [
        "policy.us.export[H200_CN].rule",
        "countries[3].gdp",
        "chips[H200].x",
    ] {
        ok("", &p(path));
    }
    let twice = format!("{}\n{}", p("a.b"), p("a.b"));
    let (key, msg) = bad("", &twice);
    assert_eq!(key, "parameters[1].path");
    assert!(msg.contains("twice"));
    assert_eq!(bad("", &p("run.seed")).0, "parameters[0].path");
    assert_eq!(bad("sets = [\"a.b=2\"]", &p("a.b")).0, "parameters[0].path");
}

#[test]
fn sets_are_checked() {
    for s in [
        "firms.count",
        "run.seed=3",
        "a b=1",
        "a=",
        "a=not quoted",
        "=1",
    ] {
        let (key, msg) = bad(&format!("sets = [\"x=1\", {s:?}]"), "");
        assert_eq!(key, "sets[1]", "{s}: {msg}");
    }
    assert_eq!(bad("sets = [\"x=1\", \"x=2\"]", "").0, "sets[1]");
    ok(
        "sets = [\"a.b=\\\"license\\\"\", \"c[2].d=1e-3\", \"e=true\"]",
        "",
    );
}

#[test]
fn outcomes_are_checked() {
    let (key, msg) = key_of(parse(HEAD));
    assert_eq!(key, "outcomes");
    assert!(msg.contains("at least one"));
    for tick in ["\"first\"", "-1", "1.5"] {
        let t = format!("{HEAD}[[outcomes]]\nmetric = \"m\"\ntick = {tick}\n");
        let (key, msg) = key_of(parse(&t));
        assert_eq!(key, "outcomes[0].tick", "{tick}");
        assert!(msg.contains("\"last\""), "{msg}");
    }
    let t = format!("{HEAD}{OUTCOME}{OUTCOME}");
    assert_eq!(key_of(parse(&t)).0, "outcomes[1].metric");
    let t = format!("{HEAD}[[outcomes]]\nmetric = \"\"\n");
    assert_eq!(key_of(parse(&t)).0, "outcomes[0].metric");
}

#[test]
fn base_must_exist_relative_to_the_sweep_file() {
    let t = format!("base = \"baseline.toml\"\nmaster_seed = 1\n{OUTCOME}");
    let (key, msg) = key_of(parse(&t));
    assert_eq!(key, "base");
    assert!(
        msg.contains("not found") && msg.contains("relative"),
        "{msg}"
    );
    let f = fixture();
    let missing = f.origin.with_file_name("nope.toml");
    assert!(matches!(load_sweep(&missing), Err(Error::Input { .. })));
    std::fs::write(&f.origin, text("", GRID)).unwrap();
    assert_eq!(load_sweep(&f.origin).unwrap().point_count(), 12);
}

#[test]
fn oversized_designs_are_too_large() {
    let big = "[[parameters]]\npath = \"a\"\nrange = [0.0, 1.0]\n\
               [design]\nkind = \"lhs\"\npoints = 100001\n";
    let (key, msg) = bad("replicates = 10", big);
    assert_eq!(key, "design");
    assert!(
        msg.starts_with("TooLarge") && msg.contains("1000010 runs"),
        "{msg}"
    );
    ok("replicates = 10", &big.replace("100001", "100000"));
    // Products far beyond u64 saturate instead of overflowing.
    let axis =
        |i: usize| format!("[[parameters]]\npath = \"p{i}\"\nrange = [0, 1]\nsteps = 10000\n");
    let huge: String = (0..6).map(axis).collect();
    assert_eq!(bad("", &huge).0, "design");
}

// ----- expansion --------------------------------------------------------

#[test]
fn grid_is_a_cartesian_product_last_parameter_fastest() {
    let spec = ok("replicates = 2", GRID);
    let runs = expand(&spec);
    assert_eq!(runs.len(), 3 * 4 * 2);
    fn values(r: &Run) -> Vec<&str> {
        r.values.iter().map(|v| v.as_str()).collect()
    }
    assert_eq!(values(&runs[0]), ["\"ban\"", "0.2"]);
    assert_eq!(values(&runs[2]), ["\"ban\"", "0.4"]);
    assert_eq!(values(&runs[4]), ["\"ban\"", "0.6"]);
    assert_eq!(values(&runs[6]), ["\"ban\"", "0.8"]);
    assert_eq!(values(&runs[8]), ["\"license\"", "0.2"]);
    assert_eq!(values(&runs[23]), ["\"allow\"", "0.8"]);
    assert_eq!(spec.parameters[0].path, "policy.us.export[H200_CN].rule");
    assert_eq!((runs[3].point, runs[3].replicate), (1, 1));
    assert_eq!(runs[3].run_id, "p01-r1");
    // Replicates share their point's parameters.
    assert_eq!(runs[2].values, runs[3].values);
}

#[test]
fn run_ids_sort_like_run_order() {
    let spec = ok("replicates = 12", GRID);
    let runs = expand(&spec);
    assert_eq!(runs.last().unwrap().run_id, "p11-r11");
    let ids: Vec<&str> = runs.iter().map(|r| r.run_id.as_str()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), ids.len());
    let single = expand(&ok("", ""));
    assert_eq!(single.len(), 1);
    assert_eq!(single[0].run_id, "p0-r0");
    assert!(single[0].values.is_empty());
}

#[test]
fn lhs_is_crossed_with_the_discrete_axes() {
    let spec = ok("replicates = 3", LHS);
    assert_eq!(spec.point_count(), 2 * 10);
    let runs = expand(&spec);
    assert_eq!(runs.len(), 2 * 10 * 3);
    let at = |p: usize| &runs[p * 3].values;
    for row in 0..10 {
        // Same LHS row under "ban" (points 0..10) and "allow" (10..20).
        assert_eq!(at(row)[0], "\"ban\"");
        assert_eq!(at(10 + row)[0], "\"allow\"");
        assert_eq!(at(row)[1..], at(10 + row)[1..]);
    }
    for run in &runs {
        let growth: f64 = run.values[1].parse().unwrap();
        let build: f64 = run.values[2].parse().unwrap();
        let count: i64 = run.values[3].parse().unwrap();
        assert!((0.2..=0.8).contains(&growth));
        assert!((1.0..=100.0).contains(&build));
        assert!((100..=200).contains(&count));
    }
}

#[test]
fn lhs_values_are_stratified_per_dimension() {
    let spec = ok("", LHS);
    let runs = expand(&spec);
    let rows = &runs[..10];
    let growth: Vec<f64> = rows.iter().map(|r| r.values[1].parse().unwrap()).collect();
    for k in 0..10 {
        let (lo, hi) = (0.2 + 0.06 * k as f64, 0.2 + 0.06 * (k + 1) as f64);
        let n = growth
            .iter()
            .filter(|&&g| g >= lo - 1e-12 && g < hi + 1e-12)
            .count();
        assert_eq!(n, 1, "linear stratum {k}");
    }
    let build: Vec<f64> = rows.iter().map(|r| r.values[2].parse().unwrap()).collect();
    for k in 0..10 {
        let (lo, hi) = (
            math::exp10(0.2 * k as f64),
            math::exp10(0.2 * (k + 1) as f64),
        );
        let n = build
            .iter()
            .filter(|&&b| b >= lo * (1.0 - 1e-12) && b < hi * (1.0 + 1e-12))
            .count();
        assert_eq!(n, 1, "log stratum {k}");
    }
}

fn finite_f64() -> impl Strategy<Value = f64> {
    any::<f64>().prop_filter("finite", |x| x.is_finite())
}

proptest! {
    #[test]
    fn lhs_columns_have_one_sample_per_stratum(seed in any::<u64>(), n in 1usize..300) {
        let column = lhs_column(seed, n);
        prop_assert_eq!(column.len(), n);
        let mut hits = vec![0; n];
        for &u in &column {
            let k = (0..n).find(|&k| u >= k as f64 / n as f64 && u < (k + 1) as f64 / n as f64);
            hits[k.expect("sample outside [0, 1)")] += 1;
        }
        prop_assert!(hits.iter().all(|&h| h == 1));
    }

    #[test]
    fn floats_round_trip_through_toml(x in finite_f64()) {
        let lit = float_literal(x);
        let back: toml::Table = format!("v = {lit}").parse().unwrap();
        prop_assert_eq!(back["v"].as_float().map(f64::to_bits), Some(x.to_bits()));
    }

    #[test]
    fn strings_round_trip_through_toml(s in any::<String>()) {
        let back: toml::Table = format!("v = {}", string_literal(&s)).parse().unwrap();
        prop_assert_eq!(back["v"].as_str(), Some(s.as_str()));
    }
}

#[test]
fn stratum_edge_is_never_crossed() {
    let almost_one = f64::from_bits(1.0f64.to_bits() - 1);
    for n in [1, 3, 7, 1000, 999_999] {
        for k in [0, n / 2, n - 1] {
            let u = in_stratum(k, n, almost_one);
            assert!(u < (k + 1) as f64 / n as f64 && u >= k as f64 / n as f64);
        }
    }
}

#[test]
fn expansion_is_deterministic_and_seeded_by_master_seed() {
    let a = expand(&ok("replicates = 4", LHS));
    assert_eq!(a, expand(&ok("replicates = 4", LHS)));
    let other = text("replicates = 4", LHS).replace("master_seed = 7", "master_seed = 8");
    let b = expand(&parse(&other).unwrap());
    assert_ne!(a[0].seed, b[0].seed);
    assert_ne!(a[0].values, b[0].values, "the LHS follows the master seed");
    // Pinned: changing the mixer would silently change every published sweep.
    // Values, not the formula restated: any change to the tag, the mixer, the argument
    // order or the 63-bit shift changes them (computed once by an independent script).
    assert_eq!(run_seed(7, 0, 0), 9_200_306_032_931_019_843);
    assert_eq!(run_seed(7, 3, 2), 1_381_641_553_490_385_514);
    assert_eq!(run_seed(0, 0, 0), 888_842_471_265_237_208);
    assert_eq!(lhs_seed(7, 0), 2_826_554_930_784_537_571);
    assert_eq!(lhs_seed(7, 1), 3_945_092_645_288_669_869);
    assert_eq!(splitmix64(0), 0xE220_A839_7B1D_CDAF);
}

#[test]
fn seeds_are_stable_under_replicate_growth_and_distinct() {
    let few = expand(&ok("replicates = 3", GRID));
    let many = expand(&ok("replicates = 20", GRID));
    for run in &few {
        let same = many
            .iter()
            .find(|m| m.point == run.point && m.replicate == run.replicate);
        let same = same.unwrap();
        assert_eq!((same.seed, &same.values), (run.seed, &run.values));
    }
    let seeds: BTreeSet<u64> = many.iter().map(|r| r.seed).collect();
    assert_eq!(seeds.len(), many.len());
    assert!(many.iter().all(|r| r.seed <= i64::MAX as u64));
}

#[test]
fn adding_a_trailing_sampled_parameter_keeps_earlier_columns() {
    let extra = "[[parameters]]\npath = \"z\"\nrange = [0.0, 1.0]\n";
    let base = expand(&ok("", LHS));
    let grown = expand(&ok(
        "",
        &LHS.replace("[design]", &format!("{extra}[design]")),
    ));
    for (a, b) in base.iter().zip(&grown) {
        assert_eq!(a.values[..], b.values[..4]);
    }
}

#[test]
fn assignments_are_sets_then_params_then_seed() {
    let spec = ok("sets = [\"firms.count=2000\"]", GRID);
    let run = &expand(&spec)[3];
    let list = assignments(&spec, run);
    assert_eq!(
        list,
        vec![
            "firms.count=2000".to_string(),
            "policy.us.export[H200_CN].rule=\"ban\"".to_string(),
            "chips[Ascend910C].capacity_growth=0.8".to_string(),
            format!("run.seed={}", run.seed),
        ]
    );
    // Every value part parses back as TOML.
    for spec in [ok("", GRID), ok("", LHS)] {
        for run in expand(&spec) {
            for a in assignments(&spec, &run) {
                let (_, value) = a.split_once('=').unwrap();
                assert!(format!("v = {value}").parse::<toml::Table>().is_ok(), "{a}");
            }
        }
    }
}

#[test]
fn literals_keep_their_toml_type() {
    let spec = ok(
        "",
        "[[parameters]]\npath = \"a\"\nvalues = [\"x\\\"y\", 3, 1.0, 5e-7, true]",
    );
    let Domain::Values(v) = &spec.parameters[0].domain else {
        panic!()
    };
    let shown: Vec<String> = v.iter().map(Literal::to_toml).collect();
    assert_eq!(shown, ["\"x\\\"y\"", "3", "1.0", "5e-7", "true"]);
    assert_eq!(float_literal(1e20), "1e20");
    assert_eq!(float_literal(-0.0), "-0.0");
    assert_eq!(float_literal(f64::NEG_INFINITY), "-inf");
    assert_eq!(string_literal("a\u{1}b"), "\"a\\u0001b\"");
}

#[test]
fn stepped_ranges_are_tidy_and_typed() {
    let r = |min, max, log, integer, steps| RangeSpec {
        min,
        max,
        log,
        integer,
        steps: Some(steps),
    };
    assert_eq!(
        stepped_values(&r(0.0, 1.0, false, false, 3)),
        ["0.0", "0.5", "1.0"]
    );
    assert_eq!(
        stepped_values(&r(0.2, 0.8, false, false, 4)),
        ["0.2", "0.4", "0.6", "0.8"]
    );
    assert_eq!(
        stepped_values(&r(1.0, 1000.0, true, false, 4)),
        ["1.0", "10.0", "100.0", "1000.0"]
    );
    assert_eq!(
        stepped_values(&r(1.0, 5.0, false, true, 3)),
        ["1", "3", "5"]
    );
}

#[test]
fn integer_samples_cover_every_value_evenly() {
    let r = RangeSpec {
        min: 1.0,
        max: 4.0,
        log: false,
        integer: true,
        steps: None,
    };
    let column = lhs_column(99, 400);
    let mut counts = [0; 4];
    for u in column {
        counts[sampled_value(&r, u).parse::<usize>().unwrap() - 1] += 1;
    }
    // Stratified sampling: each integer owns exactly a quarter of the strata.
    assert_eq!(counts, [100, 100, 100, 100]);
}

// ----- sharding ---------------------------------------------------------

#[test]
fn parse_shard_accepts_one_based_k_of_n() {
    assert_eq!(parse_shard("2/3").unwrap(), Shard { index: 1, count: 3 });
    assert_eq!(parse_shard(" 1/1 ").unwrap(), Shard { index: 0, count: 1 });
    assert_eq!(parse_shard("3/3").unwrap().to_string(), "3/3");
    for junk in [
        "0/3", "4/3", "1/0", "0/0", "", "3", "a/3", "1/b", "-1/3", "1/3/4", "1.5/3",
    ] {
        let err = parse_shard(junk).unwrap_err();
        assert!(
            matches!(&err, Error::Usage(m) if m.contains("K/N")),
            "{junk}: {err:?}"
        );
        assert_eq!(err.exit_code(), crate::error::EXIT_BAD_INPUT);
    }
}

#[test]
fn shards_partition_the_runs_evenly() {
    let runs = expand(&ok("replicates = 5", GRID));
    for count in 1..=9 {
        let mut seen: Vec<String> = Vec::new();
        let mut sizes = Vec::new();
        for index in 0..count {
            let part = shard_runs(&runs, &Shard { index, count });
            sizes.push(part.len());
            seen.extend(part.into_iter().map(|r| r.run_id));
        }
        seen.sort();
        let mut all: Vec<String> = runs.iter().map(|r| r.run_id.clone()).collect();
        all.sort();
        assert_eq!(seen, all, "every run in exactly one of {count} shards");
        let (lo, hi) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
        assert!(hi - lo <= 1, "{sizes:?}");
    }
    assert!(shard_runs(&runs, &Shard { index: 0, count: 0 }).is_empty());
}

// ----- shipped examples -------------------------------------------------

#[test]
fn example_sweeps_parse_and_expand() {
    let examples = [
        (
            "export_x_capacity",
            include_str!("../../../configs/sweeps/export_x_capacity.toml"),
        ),
        (
            "lhs_grid_and_power",
            include_str!("../../../configs/sweeps/lhs_grid_and_power.toml"),
        ),
        (
            "tiny_grid",
            include_str!("../../../configs/sweeps/tiny_grid.toml"),
        ),
    ];
    for (name, body) in examples {
        let f = fixture();
        let origin = f.origin.with_file_name(format!("{name}.toml"));
        let spec = parse_sweep(body, &origin).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(spec.name, name);
        assert_eq!(expand(&spec).len() as u64, spec.run_count());
    }
}

const FACTORS: &str = "[uncertainty]\ndummy = true\n\
    [[uncertainty.factors]]\nname = \"g\"\npath = \"chips[A].capacity_growth\"\n\
    distribution = \"uniform\"\nrange = [0.2, 0.8]\nsource = \"s\"\n\
    [[uncertainty.levers]]\npath = \"policy.rule\"\nvalues = [\"ban\", \"allow\"]\nsource = \"s\"\n";

#[test]
fn sobol_design_is_crossed_with_levers_with_common_seeds_per_block() {
    let spec = ok("", &format!("[design]\nkind = \"sobol\"\nn = 8\n{FACTORS}"));
    assert_eq!(
        spec.design,
        Design::Sobol {
            n: 8,
            second_order: false
        }
    );
    assert!(spec.common_seeds && !spec.keep_runs);
    // 2 lever settings x 8 blocks x (D + 2 = 4) rows.
    let runs = expand(&spec);
    assert_eq!(runs.len(), 2 * 8 * 4);
    let rows = crate::analysis::SaltelliDesign::new(8, 2, false, super::design::design_seed(7))
        .unwrap()
        .rows;
    for (k, run) in runs.iter().enumerate() {
        // Columns: lever, then g, then the dummy; the lever varies slowest.
        assert_eq!(run.values[0], if k < 32 { "\"ban\"" } else { "\"allow\"" });
        let g: f64 = run.values[1].parse().unwrap();
        assert!((g - (0.2 + 0.6 * rows[k % 32][0])).abs() < 1e-12);
        let dummy: f64 = run.values[2].parse().unwrap();
        assert_eq!(dummy, rows[k % 32][1]);
        // Common seeds: a block (and the same block at the other lever setting) shares one.
        assert_eq!(run.seed, runs[(k % 32) / 4 * 4].seed);
    }
    assert_ne!(runs[0].seed, runs[4].seed);
    // The dummy reaches no config.
    let a = assignments(&spec, &runs[3]);
    assert_eq!(a.len(), 3, "{a:?}");
    assert!(a[0].starts_with("policy.rule=") && a[1].starts_with("chips[A].capacity_growth="));
    let plan = PlanFile::new(&spec, &runs);
    assert_eq!(plan.design, "sobol");
    let paths: Vec<&str> = plan.parameters.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(paths, ["policy.rule", "chips[A].capacity_growth", "dummy"]);
    let study = super::design::PlanStudy::of(&spec).unwrap();
    assert_eq!((study.points_per_combo, study.first_factor), (32, 1));
    assert_eq!(study.uncertainty().factors, spec.uncertainty.factors);
}

#[test]
fn morris_and_lhs_designs_sample_the_factors() {
    let spec = ok(
        "",
        &format!("[design]\nkind = \"morris\"\ntrajectories = 3\ncommon_seeds = false\n{FACTORS}"),
    );
    assert_eq!(
        spec.design,
        Design::Morris {
            trajectories: 3,
            levels: 4
        }
    );
    let runs = expand(&spec);
    assert_eq!(runs.len(), 2 * 3 * 3);
    let seeds: BTreeSet<u64> = runs.iter().map(|r| r.seed).collect();
    assert_eq!(seeds.len(), runs.len(), "independent seeds per run");
    let lhs = ok(
        "",
        &format!("[design]\nkind = \"lhs\"\npoints = 10\n{FACTORS}"),
    );
    let runs = expand(&lhs);
    assert_eq!(runs.len(), 20);
    // The factor is stratified: one value per tenth of [0.2, 0.8].
    let mut strata: Vec<usize> = runs[..10]
        .iter()
        .map(|r| ((r.values[1].parse::<f64>().unwrap() - 0.2) / 0.06) as usize)
        .collect();
    strata.sort_unstable();
    assert_eq!(strata, (0..10).collect::<Vec<_>>());
    // Keys that do not apply to the kind are named.
    assert_eq!(
        bad(
            "",
            &format!("[design]\nkind = \"morris\"\ntrajectories = 3\nn = 4\n{FACTORS}")
        )
        .0,
        "design.n"
    );
    assert_eq!(bad("keep_runs = 3", "").0, "keep_runs");
}
