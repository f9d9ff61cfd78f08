//! Issue 17: random in-range configs never produce a non-finite state or break
//! an invariant. Every numeric key of configs/tiny.toml (and so of the
//! baseline it overlays) is drawn uniformly in the range the validator
//! allows, every boolean and every enum (export rule, import stance, remote
//! access, lab release) is drawn too, and the run goes 40 quarters with the
//! full invariant set on (`--check-invariants`).
//!
//! The ranges are not copied here: each key's range is read from the
//! validator itself, by setting the key far out of range and parsing the
//! "allowed LO ..= HI" of the refusal. A range changed in
//! `src/config/validate.rs` is what this test draws from the next time.
//! Cross-key rules (shares summing to 1, `critical_margin <= target_margin`,
//! `utility_max >= utility_min`) are restored after the draw; a new kind of
//! cross-key rule makes the test fail naming it, so it gets taught here.
//!
//! Kept apart from the draw (to keep CI fast, and because they are sizes, not
//! behaviour): `run.ticks` is 40, `firms.count` is 1–400 and
//! `firms.min_per_group` 0–2, and the `schedule` entries are the baseline's;
//! `run.seed` is drawn over its whole range.
//! Names, codes and blocs are identity, not parameters, and stay as they are.
//!
//! 256 cases with a fixed seed. A key keeps its baseline value with
//! probability 1e-4 (so shrinking can put it back there). On a failure proptest shrinks the case by
//! putting keys back to their baseline values, so the report lists only the
//! keys that matter (as `--set` lines).

use std::path::Path;

use airace::config::{self, Config};
use airace::error::Error;
use airace::simulation::Simulation;
use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, RngAlgorithm, TestRng, TestRunner};
use toml::Value;

/// One step into the config tree.
#[derive(Clone, Debug)]
enum Seg {
    Key(String),
    Idx(usize),
}

/// What a leaf may hold.
#[derive(Clone, Debug)]
enum Kind {
    Float { lo: f64, hi: f64 },
    Int { lo: i64, hi: i64 },
    Bool,
    Choice(&'static [&'static str]),
}

/// A key the test draws, with the key name the validator uses for it.
#[derive(Clone, Debug)]
struct Leaf {
    path: Vec<Seg>,
    kind: Kind,
    /// How the validator names it (`countries[US].gdp_usd_tn`), from the probe.
    key: String,
}

impl Leaf {
    /// The `--set` path of the leaf, by index (for failure reports).
    fn set_path(&self) -> String {
        let mut s = String::new();
        for seg in &self.path {
            match seg {
                Seg::Key(k) if s.is_empty() => s.push_str(k),
                Seg::Key(k) => s.push_str(&format!(".{k}")),
                Seg::Idx(i) => s.push_str(&format!("[{i}]")),
            }
        }
        s
    }

    /// `u` in [0, 1) mapped uniformly onto the leaf's range.
    fn value(&self, u: f64) -> Value {
        match &self.kind {
            Kind::Float { lo, hi } => Value::Float(lo + u * (hi - lo)),
            Kind::Int { lo, hi } => {
                let span = (hi - lo) as f64 + 1.0;
                Value::Integer((*lo + (u * span) as i64).min(*hi))
            }
            Kind::Bool => Value::Boolean(u < 0.5),
            Kind::Choice(c) => {
                Value::String(c[((u * c.len() as f64) as usize).min(c.len() - 1)].into())
            }
        }
    }
}

fn get_mut<'a>(root: &'a mut Value, path: &[Seg]) -> &'a mut Value {
    path.iter().fold(root, |v, seg| match seg {
        Seg::Key(k) => v.get_mut(k.as_str()).expect("key exists"),
        Seg::Idx(i) => v.get_mut(*i).expect("entry exists"),
    })
}

fn get<'a>(root: &'a Value, path: &[Seg]) -> &'a Value {
    path.iter().fold(root, |v, seg| match seg {
        Seg::Key(k) => &v[k.as_str()],
        Seg::Idx(i) => &v[*i],
    })
}

fn key_of(path: &[Seg]) -> String {
    Leaf {
        path: path.to_vec(),
        kind: Kind::Bool,
        key: String::new(),
    }
    .set_path()
}

/// Sizes and identity, not behaviour: not drawn (see the module comment).
fn fixed(path: &str) -> bool {
    path == "run.ticks"
        || path == "firms.count"
        || path == "firms.min_per_group"
        || path == "run.seed"
        || path.starts_with("schedule")
        || path == "name"
}

fn choices(last: &str) -> Option<&'static [&'static str]> {
    match last {
        "rule" => Some(&["allow", "ban", "license"]),
        "stance" => Some(&["allow", "block"]),
        "remote_access" => Some(&["allow", "ban"]),
        "release" => Some(&["open", "closed"]),
        _ => None,
    }
}

/// Every scalar under `v`, with its path.
fn walk(v: &Value, path: &mut Vec<Seg>, out: &mut Vec<(Vec<Seg>, Value)>) {
    match v {
        Value::Table(t) => {
            for (k, x) in t {
                path.push(Seg::Key(k.clone()));
                walk(x, path, out);
                path.pop();
            }
        }
        Value::Array(a) if a.iter().all(Value::is_table) => {
            for (i, x) in a.iter().enumerate() {
                path.push(Seg::Idx(i));
                walk(x, path, out);
                path.pop();
            }
        }
        Value::Array(_) | Value::Datetime(_) => {}
        scalar => out.push((path.clone(), scalar.clone())),
    }
}

fn validate(v: &Value) -> Result<Config, (String, String)> {
    config::from_value(v.clone(), "probe", &[]).map_err(|e| match e {
        Error::Config { key, message, .. } => (key, message),
        other => ("?".into(), other.to_string()),
    })
}

/// `lo`, `hi` from "... allowed LO ..= HI".
fn allowed(msg: &str) -> Option<(f64, f64)> {
    let r = msg.split("allowed ").nth(1)?;
    let (lo, hi) = r.split_once(" ..= ")?;
    Some((lo.trim().parse().ok()?, hi.trim().parse().ok()?))
}

/// The keys to draw and their ranges, read from the validator.
fn leaves(base: &Value) -> Vec<Leaf> {
    let mut scalars = Vec::new();
    walk(base, &mut Vec::new(), &mut scalars);
    let mut out = Vec::new();
    let mut unbounded = Vec::new();
    for (path, v) in scalars {
        let shown = key_of(&path);
        if fixed(&shown) {
            continue;
        }
        let probe = |x: Value| {
            let mut t = base.clone();
            *get_mut(&mut t, &path) = x;
            validate(&t).err()
        };
        let kind = match v {
            Value::Boolean(_) => Kind::Bool,
            Value::String(_) => {
                let last = match path.last() {
                    Some(Seg::Key(k)) => k.as_str(),
                    _ => "",
                };
                match choices(last) {
                    Some(c) => Kind::Choice(c),
                    None => continue, // a name, code, bloc or reference
                }
            }
            Value::Float(_) => match probe(Value::Float(1e300)).zip(probe(Value::Float(-1e300))) {
                Some(((k, m), _)) if allowed(&m).is_some() => {
                    let (lo, hi) = allowed(&m).unwrap();
                    out.push(Leaf {
                        path,
                        kind: Kind::Float { lo, hi },
                        key: k,
                    });
                    continue;
                }
                _ => {
                    unbounded.push(shown);
                    continue;
                }
            },
            Value::Integer(_) => {
                let found = [i64::MAX, u32::MAX as i64, u16::MAX as i64, 255]
                    .into_iter()
                    .find_map(|x| {
                        probe(Value::Integer(x)).and_then(|(k, m)| allowed(&m).map(|r| (k, r)))
                    });
                match found {
                    Some((k, (lo, hi))) => {
                        out.push(Leaf {
                            path,
                            kind: Kind::Int {
                                lo: lo as i64,
                                hi: hi as i64,
                            },
                            key: k,
                        });
                        continue;
                    }
                    None => {
                        unbounded.push(shown);
                        continue;
                    }
                }
            }
            _ => continue,
        };
        let key = shown.clone();
        out.push(Leaf { path, kind, key });
    }
    assert!(
        unbounded.is_empty(),
        "numeric keys without a range in the validator (add one, or teach this test): {unbounded:?}"
    );
    out
}

/// Put the cross-key rules back after a draw; `u` picks where in a range.
fn repair(v: &mut Value, leaves: &[Leaf], u: f64) -> Config {
    for _ in 0..200 {
        let (key, msg) = match validate(v) {
            Ok(c) => return c,
            Err(e) => e,
        };
        if let Some((lo, hi)) = allowed(&msg) {
            // A range that depends on another key (utility_max >= utility_min).
            let leaf = leaves
                .iter()
                .find(|l| l.key == key)
                .unwrap_or_else(|| panic!("{key}: {msg}: not a drawn key"));
            let x = match leaf.kind {
                Kind::Int { .. } => Value::Integer((lo + u * (hi - lo)).round() as i64),
                _ => Value::Float(lo + u * (hi - lo)),
            };
            *get_mut(v, &leaf.path) = x;
        } else if msg.contains("must sum to 1") {
            let group: Vec<&Leaf> = match key.as_str() {
                "sectors[*].share" => leaves
                    .iter()
                    .filter(|l| l.key.starts_with("sectors[") && l.key.ends_with("].share"))
                    .collect(),
                k if k.starts_with("alignment.w_home") => leaves
                    .iter()
                    .filter(|l| {
                        [
                            "alignment.w_home",
                            "alignment.w_trade",
                            "alignment.w_stacks",
                        ]
                        .contains(&l.key.as_str())
                    })
                    .collect(),
                k if k.starts_with("power_markets[country=") => {
                    let country = k
                        .trim_start_matches("power_markets[country=")
                        .split(']')
                        .next()
                        .unwrap();
                    leaves
                        .iter()
                        .filter(|l| {
                            l.key.ends_with(".dc_share") && l.key.starts_with("power_markets[")
                        })
                        .filter(|l| {
                            let mut p = l.path.clone();
                            p.pop();
                            get(v, &p)["country"].as_str() == Some(country)
                        })
                        .collect()
                }
                _ => panic!("{key}: {msg}: a sum rule this test does not know"),
            };
            let total: f64 = group
                .iter()
                .map(|l| get(v, &l.path).as_float().unwrap())
                .sum();
            for l in &group {
                let x = get(v, &l.path).as_float().unwrap();
                let share = if total > 0.0 {
                    x / total
                } else {
                    1.0 / group.len() as f64
                };
                *get_mut(v, &l.path) = Value::Float(share);
            }
        } else if msg.contains("must not exceed target_margin") {
            let mut target = key_path(&key);
            target.pop();
            target.push(Seg::Key("target_margin".into()));
            let t = get(v, &target).as_float().unwrap();
            *get_mut(v, &key_path(&key)) = Value::Float(u * t);
        } else {
            panic!("{key}: {msg}: a cross-key rule this test does not know");
        }
    }
    panic!("could not repair the draw")
}

/// `blocs.US.critical_margin` as a path (dotted keys only).
fn key_path(key: &str) -> Vec<Seg> {
    key.split('.').map(|k| Seg::Key(k.to_string())).collect()
}

fn base() -> Value {
    let tiny = Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/tiny.toml");
    let loaded = config::load(&tiny, &[]).expect("tiny.toml loads");
    Value::try_from(&loaded.config).expect("config serialises")
}

/// One case: `draws[i]` is leaf i's position in its range, `None` = baseline value.
fn case(
    base: &Value,
    leaves: &[Leaf],
    draws: &[Option<f64>],
    firms: i64,
    mpg: i64,
    seed: i64,
) -> Result<(), String> {
    let mut v = base.clone();
    for (leaf, d) in leaves.iter().zip(draws) {
        if let Some(u) = d {
            *get_mut(&mut v, &leaf.path) = leaf.value(*u);
        }
    }
    v["run"]["ticks"] = Value::Integer(40);
    v["run"]["seed"] = Value::Integer(seed);
    v["firms"]["count"] = Value::Integer(firms);
    v["firms"]["min_per_group"] = Value::Integer(mpg);
    let cfg = repair(&mut v, leaves, 0.5);
    // The draw reached the config: most keys differ from the baseline.
    let moved = leaves
        .iter()
        .filter(|l| get(&v, &l.path) != get(base, &l.path))
        .count();
    if moved * 4 < leaves.len() * 3 {
        return Err(format!("only {moved} of {} keys moved", leaves.len()));
    }
    let mut sim = Simulation::new(cfg);
    sim.check_invariants = true;
    sim.run_to_end(|_| Ok(())).map_err(|e| e.to_string())?;
    if let Some(r) = sim.timeseries.rows().iter().find(|r| !r.value.is_finite()) {
        return Err(format!("non-finite row written: {r:?}"));
    }
    Ok(())
}

#[test]
fn the_validator_declares_a_range_for_every_numeric_key() {
    let b = base();
    let l = leaves(&b);
    // tiny.toml has hundreds of keys (countries × fields, labs × fields, …).
    assert!(l.len() > 200, "{} keys", l.len());
    assert!(l.iter().any(|x| x.key == "firms.p"));
    assert!(l
        .iter()
        .any(|x| x.key.starts_with("labs[") && x.key.ends_with(".talent")));
}

#[test]
fn random_in_range_configs_stay_finite_and_keep_every_invariant() {
    let b = base();
    let l = leaves(&b);
    let n = l.len();
    let strategy = (
        proptest::collection::vec(proptest::option::weighted(0.9999, 0.0f64..1.0), n..=n),
        1i64..=400,
        0i64..=2,
        0i64..i64::MAX,
    );
    let config = RunnerConfig {
        cases: 256,
        failure_persistence: None,
        max_shrink_iters: 2000,
        rng_algorithm: RngAlgorithm::ChaCha,
        ..RunnerConfig::default()
    };
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[17; 32]);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let cases = std::sync::atomic::AtomicUsize::new(0);
    let result = runner.run(&strategy, |(draws, firms, mpg, seed)| {
        cases.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        case(&b, &l, &draws, firms, mpg, seed).map_err(|e| {
            let sets: Vec<String> = l
                .iter()
                .zip(&draws)
                .filter_map(|(leaf, d)| {
                    d.map(|u| format!("--set '{}={}'", leaf.set_path(), leaf.value(u)))
                })
                .collect();
            TestCaseError::fail(format!(
                "{e}\nfirms.count={firms} min_per_group={mpg} seed={seed}\n{}",
                sets.join(" ")
            ))
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    eprintln!("{} keys drawn, {} cases", n, cases.into_inner());
}
