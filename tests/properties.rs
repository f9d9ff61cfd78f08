//! Property tests over random valid small configs: no panic, invariants hold
//! every tick, output is deterministic and independent of the thread count.
//!
//! Case counts are small (16 by default, `PROPTEST_CASES` overrides) so CI
//! stays fast; each case is a few hundred firms for a few ticks.

use std::path::Path;

use airace::config;
use airace::io::timeseries::Timeseries;
use airace::simulation::{self as run, Simulation};
use proptest::prelude::*;

/// A random point in a small but varied corner of the config space.
#[derive(Clone, Debug)]
struct Knobs {
    firms: u64,
    ticks: u32,
    seed: u64,
    p: f64,
    q: f64,
    friction: f64,
    leakage: f64,
    rule: &'static str,
    diplomacy: f64,
}

fn knobs() -> impl Strategy<Value = Knobs> {
    (
        20u64..=500,
        1u32..=8,
        0u64..(1u64 << 63), // TOML integers are i64: see the note on seeds ≥ 2^63
        0.0f64..=0.2,
        0.0f64..=1.0,
        0.0f64..=1.0,
        0.0f64..=1.0,
        prop::sample::select(vec!["ban", "license", "allow"]),
        0.0f64..=1.0,
    )
        .prop_map(
            |(firms, ticks, seed, p, q, friction, leakage, rule, diplomacy)| Knobs {
                firms,
                ticks,
                seed,
                p,
                q,
                friction,
                leakage,
                rule,
                diplomacy,
            },
        )
}

fn sets(k: &Knobs) -> Vec<String> {
    vec![
        format!("firms.count={}", k.firms),
        format!("run.ticks={}", k.ticks),
        format!("run.seed={}", k.seed),
        format!("firms.p={}", k.p),
        format!("firms.q={}", k.q),
        format!("policy.us.friction={}", k.friction),
        format!("policy.us.leakage={}", k.leakage),
        format!("policy.us.export[H200_CN].rule=\"{}\"", k.rule),
        format!("policy.china.digital_diplomacy={}", k.diplomacy),
    ]
}

/// Run the knobs' config to the end with invariants checked, on `threads` workers.
fn simulate(k: &Knobs, threads: usize) -> Result<Timeseries, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/tiny.toml");
    let cfg = config::load(&path, &sets(k)).map_err(|e| format!("load: {e}"))?;
    let mut sim = Simulation::new(cfg.config);
    sim.check_invariants = true;
    run::with_threads(Some(threads), || sim.run_to_end(|_| Ok(())))
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("run: {e}"))?;
    Ok(sim.timeseries)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(16),
        ..ProptestConfig::default()
    })]

    #[test]
    fn invariants_hold_and_runs_are_deterministic(k in knobs()) {
        let a = simulate(&k, 1).map_err(TestCaseError::fail)?;
        let b = simulate(&k, 1).map_err(TestCaseError::fail)?;
        prop_assert_eq!(a.rows().len() as u64 > 0, true);
        prop_assert!(a == b, "two runs of the same config differ");
        prop_assert!(a.rows().iter().all(|r| r.value.is_finite()));
        prop_assert_eq!(a.periods().len() as u32, k.ticks);
    }

    #[test]
    fn results_do_not_depend_on_thread_count(mut k in knobs()) {
        // Firms step in fixed 4096-firm segments: scale up so several segments
        // (and so several workers) are really involved.
        k.firms *= 25;
        let one = simulate(&k, 1).map_err(TestCaseError::fail)?;
        let three = simulate(&k, 3).map_err(TestCaseError::fail)?;
        prop_assert!(
            one.to_csv_string() == three.to_csv_string(),
            "1 and 3 threads give different CSVs"
        );
    }
}
