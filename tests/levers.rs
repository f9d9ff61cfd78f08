//! A test per lever: every behavioural and policy key of `configs/baseline.toml`, moved
//! to each end of its documented range, must move at least one of the outcomes it is
//! declared to reach; otherwise it must be listed in [`INERT`] with the reason it does
//! nothing in the baseline. A lever that no longer reaches any output fails by name.
//!
//! The keys are not listed by hand: they are every leaf of the baseline's resolved
//! config under the behavioural and policy sections ([`SECTIONS`]), so a new key is
//! covered the moment it appears in the baseline. The "documented range" of a key is
//! the one the config validator enforces: the test asks the validator (setting the key
//! to ±1e300 and reading the `allowed lo ..= hi` of the refusal), and falls back to
//! ×4 and ÷4 of the baseline value where a side has no bound. An end that the validator
//! refuses because of another key (e.g. `utility_min` may not pass `utility_max`) is
//! approached by halving the step until it is accepted. Booleans are flipped, and
//! enumerations take every other variant the validator names.
//!
//! Every run uses the same seed, so the comparison is exact: an outcome "moves" when
//! its series differs from the baseline's in any value. That is not a statistical
//! claim (no seed noise enters), only a wiring check: the lever reaches the outcome.
//!
//! Size: the tiny firm population (`firms.count=600`, one agent per peer group) over 24
//! quarters, each key's runs on a worker thread. Measured: about a minute on 2 shared
//! cores in a debug build (see docs/testing.md).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use airace::config;
use airace::io::timeseries::Timeseries;
use airace::scenarios;
use toml::Value;

/// Sections whose keys are behavioural parameters or policy levers. The others are
/// per-entity data (countries, markets, chips, labs, sectors, supply limits: calibration
/// inputs, not levers) or the run itself (`run`, `name`, `schedule`).
const SECTIONS: &[&str] = &[
    "firms",
    "stack_choice",
    "blocs",
    "lab_dynamics",
    "capital",
    "chip_market",
    "chip_buyers",
    "datacenters",
    "downloads",
    "alignment",
    "policy",
];

/// Keys inside those sections that are not levers: the population size and the agents
/// per group set the resolution of the agent model (tests/diffusion.rs checks results
/// do not depend on them), and identity fields name what a rule applies to.
const NOT_LEVERS: &[(&str, &str)] = &[
    (
        "firms.count",
        "resolution of the agent population, not a behaviour",
    ),
    (
        "firms.min_per_group",
        "resolution of the agent population, not a behaviour",
    ),
];

/// Field names that identify a list entry (what a rule is about), never a lever.
const IDENTITY: &[&str] = &["chip", "dest", "name", "code", "id"];

/// Keys that do nothing in the baseline's first quarters (the window this test runs),
/// each with the reason. The test fails if one of them starts to move an outcome (then
/// it is connected: remove it from this list).
const INERT: &[(&str, &str)] = &[
    (
        "lab_dynamics.talent_elasticity",
        "every lab's talent is 1 in the baseline, and 1 to any power is 1",
    ),
    (
        "firms.potential.abandon_hazard",
        "adopters abandon only after abandon_after_ticks quarters under half served; no \
         country is that short in the baseline's first quarters",
    ),
    (
        "blocs.US.target_margin",
        "US generation is built at the gen_build_rate cap every quarter, never stopped by \
         the target margin",
    ),
    (
        "blocs.CN.onsite_power_gw_per_tick",
        "China's grid connects every request at once: no queue for on-site power to serve",
    ),
    (
        "stack_choice.start_shares.CN.us_closed",
        "US closed models are not offered in China (policy.china.foreign_closed_models_blocked)",
    ),
];

/// Inert by the baseline's own rules, derived from the config rather than listed: a
/// revenue share of a banned chip (shares apply to licensed sales only), and every
/// term of a US export rule for a chip China itself blocks (nothing reaches China).
fn inert_by_rule(cfg: &config::Config, key: &str) -> Option<String> {
    let rest = key.strip_prefix("policy.us.export[")?;
    let (i, field) = rest.split_once("].")?;
    let rule = cfg.policy.us.export.get(i.parse::<usize>().ok()?)?;
    let blocked = rule.dest == config::Bloc::CN
        && cfg
            .policy
            .china
            .import
            .iter()
            .any(|r| r.chip == rule.chip && r.stance == config::ImportStance::Block);
    if blocked {
        return Some(format!(
            "China blocks {} imports in the baseline, so no US rule for it reaches China",
            rule.chip
        ));
    }
    (field == "revenue_share" && rule.rule == config::ExportRule::Ban).then(|| {
        format!(
            "{} to {} is banned: a revenue share applies to licensed sales only",
            rule.chip,
            rule.dest.code()
        )
    })
}

/// Keys whose reach differs from their section's (see [`declared`]).
const REACHES: &[(&str, &[&str])] = &[(
    "lab_dynamics.download_sensitivity",
    &["open_download", "downloads", "diffusion"],
)];

/// Outcomes each section's keys are declared to reach (metric name prefixes, any
/// scope). Policy reaches through every channel, so its keys may move any outcome.
fn declared(key: &str) -> &'static [&'static str] {
    if let Some((_, r)) = REACHES.iter().find(|(k, _)| *k == key) {
        return r;
    }
    let section = key.split(['.', '[']).next().unwrap_or("");
    match section {
        "firms" | "stack_choice" => &[
            "adoption",
            "adopters_on_closed_stacks",
            "intensity_mean",
            "diffusion_index",
            "embodied",
            "usage_by_origin",
        ],
        "downloads" => &["downloads", "open_downloads", "diffusion_index"],
        "alignment" => &["aligned", "dominance_index"],
        "blocs" | "datacenters" => &[
            "dc_capacity_gw",
            "reserve_margin",
            "critical_reserve_margin",
            "us_markets_below_critical",
            "cn_spare_power_over_global_dc_demand",
            "chip_utilisation",
            "compute_h100e",
        ],
        "lab_dynamics" | "capital" | "chip_market" | "chip_buyers" => &[
            "frontier_capability",
            "frontier_gap_months",
            "compute_h100e",
            "lab_budget_usd",
            "lab_capital_usd",
            "lab_revenue_usd",
            "cn_chip_self_sufficiency",
            "cn_inference_self_sufficiency",
            "us_license_revenue_usd",
            "innovation_index",
        ],
        // Policy reaches through every channel: any outcome counts.
        _ => &[""],
    }
}

/// The small world every run uses (same seed throughout).
const SIZE: &[&str] = &["firms.count=600", "firms.min_per_group=1", "run.ticks=24"];
const SEED: u64 = 7;

fn baseline_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/baseline.toml")
}

fn with(sets: &[String]) -> Result<config::Config, String> {
    let mut all: Vec<String> = SIZE.iter().map(|s| s.to_string()).collect();
    all.extend(sets.iter().cloned());
    config::load(&baseline_path(), &all)
        .map(|l| l.config)
        .map_err(|e| e.to_string())
}

/// A lever: its `--set` path and its baseline value.
struct Lever {
    key: String,
    value: Value,
}

/// Every leaf under [`SECTIONS`] of the resolved baseline, as `--set` paths (list
/// entries by index).
fn levers() -> Vec<Lever> {
    let cfg = with(&[]).expect("baseline loads");
    let root: Value = toml::from_str(&config::to_toml(&cfg)).expect("resolved config parses");
    let mut out = Vec::new();
    for s in SECTIONS {
        let v = root
            .get(*s)
            .unwrap_or_else(|| panic!("section `{s}` missing from the resolved baseline"));
        walk(s, v, &mut out);
    }
    out.retain(|l| !NOT_LEVERS.iter().any(|(k, _)| *k == l.key));
    out
}

fn walk(path: &str, v: &Value, out: &mut Vec<Lever>) {
    match v {
        Value::Table(t) => {
            for (k, child) in t {
                if IDENTITY.contains(&k.as_str()) {
                    continue;
                }
                walk(&format!("{path}.{k}"), child, out);
            }
        }
        Value::Array(items) if items.iter().all(Value::is_table) && !items.is_empty() => {
            for (i, item) in items.iter().enumerate() {
                walk(&format!("{path}[{i}]"), item, out);
            }
        }
        _ => out.push(Lever {
            key: path.to_string(),
            value: v.clone(),
        }),
    }
}

/// `lo ..= hi` from a validator refusal that names `key`.
fn allowed(err: &str, key: &str) -> Option<(f64, f64)> {
    if !err.contains(key) {
        return None;
    }
    let rest = &err[err.find("allowed ")? + "allowed ".len()..];
    let (lo, hi) = rest.split_once(" ..= ")?;
    let hi: String = hi
        .chars()
        .take_while(|c| c.is_ascii_digit() || "+-.eEinfINF".contains(*c))
        .collect();
    Some((lo.trim().parse().ok()?, hi.trim().parse().ok()?))
}

fn literal(v: f64, integer: bool) -> String {
    if integer {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:e}")
    }
}

/// The values a lever is moved to: both ends of its range, the other booleans, every
/// other variant of an enumeration.
fn ends(l: &Lever) -> Vec<String> {
    let key = &l.key;
    match &l.value {
        Value::Boolean(b) => vec![(!b).to_string()],
        Value::String(s) => {
            let err = with(&[format!("{key}=\"__no_such_variant__\"")])
                .expect_err("a bogus variant is refused");
            let expected = err.split("expected").nth(1).unwrap_or("");
            let variants: Vec<String> = expected
                .split('`')
                .skip(1)
                .step_by(2)
                .filter(|v| v != s)
                .map(|v| format!("\"{v}\""))
                .collect();
            assert!(!variants.is_empty(), "{key}: no variants in `{err}`");
            variants
        }
        Value::Integer(_) | Value::Float(_) => {
            let integer = l.value.is_integer();
            let v = l
                .value
                .as_float()
                .or(l.value.as_integer().map(|i| i as f64))
                .unwrap();
            let probe = |x: f64| with(&[format!("{key}={}", literal(x, integer))]);
            let big = if integer { u32::MAX as f64 } else { 1e300 };
            let hi = probe(big)
                .err()
                .and_then(|e| allowed(&e, key))
                .map(|r| r.1)
                .unwrap_or(if v > 0.0 { v * 4.0 } else { v + 1.0 });
            let lo = probe(if integer { 0.0 } else { -1e300 })
                .err()
                .and_then(|e| allowed(&e, key))
                .map(|r| r.0)
                .unwrap_or(if v > 0.0 { v / 4.0 } else { v - 1.0 });
            let mut out = Vec::new();
            for end in [lo, hi] {
                // Approach an end the validator refuses because of another key.
                let mut x = end;
                for _ in 0..40 {
                    if probe(x).is_ok() {
                        break;
                    }
                    x = v + (x - v) / 2.0;
                }
                let lit = literal(x, integer);
                if x != v && probe(x).is_ok() && !out.contains(&lit) {
                    out.push(lit);
                }
            }
            out
        }
        Value::Array(_) => Vec::new(),
        other => panic!("{key}: unexpected value {other:?}"),
    }
}

type Series = BTreeMap<(String, String), Vec<f64>>;

fn series(ts: &Timeseries) -> Series {
    let mut out: Series = BTreeMap::new();
    for r in ts.rows() {
        out.entry((r.metric.to_string(), r.scope.to_string()))
            .or_default()
            .push(r.value);
    }
    out
}

fn run(sets: &[String]) -> Result<Series, String> {
    let cfg = with(sets)?;
    scenarios::simulate(&cfg, SEED)
        .map(|ts| series(&ts))
        .map_err(|e| e.to_string())
}

/// Metrics (names) whose series differ between two runs.
fn moved(base: &Series, other: &Series) -> BTreeSet<String> {
    base.iter()
        .filter(|(k, v)| other.get(*k) != Some(*v))
        .map(|((m, _), _)| m.clone())
        .collect()
}

/// What one lever did at each of its ends.
struct Outcome {
    key: String,
    /// (value, metrics moved) per end; an end that failed to run has Err.
    ends: Vec<(String, Result<BTreeSet<String>, String>)>,
}

#[test]
fn every_lever_moves_a_declared_outcome() {
    let base = run(&[]).expect("baseline runs");
    let levers = levers();
    assert!(levers.len() > 100, "only {} levers found", levers.len());
    let queue = Mutex::new(levers.iter());
    let results = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let Some(l) = queue.lock().unwrap().next() else {
                    break;
                };
                let ends = ends(l)
                    .into_iter()
                    .map(|v| {
                        let r = run(&[format!("{}={v}", l.key)]).map(|s| moved(&base, &s));
                        (v, r)
                    })
                    .collect();
                results.lock().unwrap().push(Outcome {
                    key: l.key.clone(),
                    ends,
                });
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by(|a, b| a.key.cmp(&b.key));

    let cfg = with(&[]).expect("baseline loads");
    let mut failures: Vec<String> = INERT
        .iter()
        .filter(|(k, _)| !results.iter().any(|o| o.key == *k))
        .map(|(k, _)| format!("{k}: listed in INERT but not a lever of the baseline any more"))
        .collect();
    for o in &results {
        let inert = INERT
            .iter()
            .find(|(k, _)| *k == o.key)
            .map(|(k, why)| (k.to_string(), why.to_string()))
            .or_else(|| inert_by_rule(&cfg, &o.key).map(|why| (o.key.clone(), why)));
        let mut reached = BTreeSet::new();
        let mut any = BTreeSet::new();
        for (v, r) in &o.ends {
            match r {
                Err(e) => failures.push(format!("{}={v}: the run failed: {e}", o.key)),
                Ok(m) => {
                    any.extend(m.iter().cloned());
                    reached.extend(
                        m.iter()
                            .filter(|m| declared(&o.key).iter().any(|p| m.starts_with(p)))
                            .cloned(),
                    );
                }
            }
        }
        if std::env::var_os("AIRACE_LEVERS_VERBOSE").is_some() {
            eprintln!(
                "{}: {:?} -> {:?}",
                o.key,
                o.ends.iter().map(|e| &e.0).collect::<Vec<_>>(),
                any
            );
        }
        match (inert, reached.is_empty()) {
            (None, true) if o.ends.is_empty() => failures.push(format!(
                "{}: no value to move it to (its range is a single point)",
                o.key
            )),
            (None, true) => failures.push(format!(
                "{}: disconnected lever: moved to {:?} it reaches none of its declared outcomes {:?} (moved: {:?})",
                o.key,
                o.ends.iter().map(|e| &e.0).collect::<Vec<_>>(),
                declared(&o.key),
                any
            )),
            (Some((k, why)), false) => failures.push(format!(
                "{k}: listed as inert ({why}) but moves {reached:?}: remove it from INERT"
            )),
            _ => {}
        }
    }
    eprintln!(
        "{} levers, {} runs",
        results.len(),
        results.iter().map(|o| o.ends.len()).sum::<usize>() + 1
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_range_reader_understands_the_validator() {
    // Pins the message format the lever test relies on, through a real refusal.
    let err = with(&["firms.p=1e300".to_string()]).unwrap_err();
    assert_eq!(allowed(&err, "firms.p"), Some((0.0, 1.0)), "{err}");
    assert_eq!(allowed(&err, "firms.q"), None);
}
