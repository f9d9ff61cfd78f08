//! The innovation side: bounded catch-up, budgets from the market, a chip market that
//! clears, rent-or-own on comparable economics, China's chip self-sufficiency, and the
//! frontier pace (issue 12's acceptance items 1, 2, 4 and 5; the policy directions are
//! in `tests/scenarios.rs`).

use std::path::Path;

use airace::config::{self, Bloc, Config, ExportRule};
use airace::io::timeseries::Timeseries;
use airace::model::World;
use airace::scenarios;

fn load(sets: &[&str]) -> Config {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/baseline.toml");
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    config::load(&path, &sets)
        .unwrap_or_else(|e| panic!("{e}"))
        .config
}

fn series(ts: &Timeseries, metric: &str, scope: &str) -> Vec<f64> {
    let s: Vec<f64> = ts.series(metric, scope).into_iter().map(|p| p.1).collect();
    assert!(!s.is_empty(), "no series {metric}@{scope}");
    s
}

/// A mirror world: one US lab and one Chinese lab with identical inputs, identical
/// countries, grids, capital and policy, and no rule that treats the blocs differently.
/// Any asymmetry in results must then come from the model, not the inputs.
fn mirror() -> Config {
    let mut c = load(&["firms.count=2000"]);
    let us = c.countries.iter().find(|x| x.code == "US").unwrap().clone();
    let mut lab = c.labs.iter().find(|l| l.name == "OpenAI").unwrap().clone();
    lab.release = airace::config::Release::Closed;
    let mut us_lab = lab.clone();
    us_lab.name = "UsLab".into();
    let mut cn_lab = lab;
    cn_lab.name = "CnLab".into();
    cn_lab.country = "CN".into();
    c.labs = vec![us_lab, cn_lab];
    // Same country twice (only the code, name and bloc differ), each on one grid.
    for ct in c.countries.iter_mut() {
        if ct.code == "US" || ct.code == "CN" {
            let (code, name, bloc) = (ct.code.clone(), ct.name.clone(), ct.bloc);
            *ct = us.clone();
            ct.code = code;
            ct.name = name;
            ct.bloc = bloc;
            ct.alignment = if bloc == Bloc::US { 1.0 } else { -1.0 };
            ct.huawei_presence = 0.0;
            ct.capacity_gw = Some(1300.0);
            ct.peak_gw = Some(900.0);
            ct.load_growth = Some(0.02);
        }
    }
    c.power_markets
        .retain(|m| m.country != "US" && m.country != "CN");
    c.blocs.cn = c.blocs.us.clone();
    c.capital.private_usd_per_tick.cn = c.capital.private_usd_per_tick.us;
    let p = &mut c.policy;
    p.us.export.retain(|r| r.rule == ExportRule::Allow);
    p.us.block_chinese_chips = false;
    p.us.state_capital_usd_per_tick = 0.0;
    p.us.friction = 0.0;
    p.china.import.clear();
    p.china.block_all_foreign_at_self_sufficiency = None;
    p.china.lift_blocks_below_self_sufficiency = None;
    p.china.state_capital_usd_per_tick = 0.0;
    p.china.open_weight_promotion = 0.0;
    p.china.foreign_closed_models_blocked = false;
    p.china.state_telecom_dc_gw_per_tick = 0.0;
    p.china.embodied_priority = 1.0;
    p.china.digital_diplomacy = 0.0;
    c.chip_buyers.alignment_tilt = 0.0;
    c
}

/// Acceptance 1: identical inputs give frontiers within one release cycle of each other.
#[test]
fn identical_inputs_give_frontiers_within_one_release_cycle() {
    let cfg = mirror();
    let ts = scenarios::simulate(&cfg, cfg.run.seed).expect("mirror runs");
    let cycle_months = 3.0 * cfg.labs[0].release_every as f64;
    let gap = series(&ts, "frontier_gap_months", "world");
    let us = series(&ts, "frontier_capability", "US");
    let cn = series(&ts, "frontier_capability", "CN");
    for (t, g) in gap.iter().enumerate() {
        assert!(
            g.abs() <= cycle_months,
            "tick {t}: gap {g:.2} months (US {:.3}, CN {:.3}); one release cycle is {cycle_months} months",
            us[t],
            cn[t]
        );
    }
}

/// The baseline stepped in-process at reduced size.
fn baseline_world(ticks: u32) -> (Config, Vec<World>) {
    let cfg = load(&["firms.count=3000"]);
    let mut w = World::new(&cfg, cfg.run.seed);
    let mut out = Vec::new();
    for _ in 0..ticks {
        w.step(&cfg);
        out.push(w.clone());
    }
    (cfg, out)
}

/// Acceptance 2 (first half) and 4: no lab exceeds its own trained level by more than the
/// distillation margin, nor the best model; unsold stock stays within two quarters of
/// output; China's chip share is a share.
#[test]
fn labs_stay_within_the_margin_and_the_chip_market_clears() {
    let (cfg, worlds) = baseline_world(40);
    let margin = cfg.lab_dynamics.distill_margin;
    for (t, w) in worlds.iter().enumerate() {
        let best = w.labs.iter().map(|l| l.capability).fold(f64::MIN, f64::max);
        for l in &w.labs {
            assert!(
                l.capability <= l.own_capability + margin + 1e-9,
                "tick {t}: {} at {:.3}, own level {:.3}, margin {margin}",
                l.name,
                l.capability,
                l.own_capability
            );
            assert!(l.capability <= best);
        }
        for (c, st) in cfg.chips.iter().zip(&w.chips) {
            assert!(
                st.inventory <= 2.0 * st.capacity + 1e-6,
                "tick {t}: {} holds {:.0} unsold against {:.0} a quarter",
                c.name,
                st.inventory,
                st.capacity
            );
            assert!(st.price_usd.is_finite() && st.price_usd > 0.0);
        }
        let s = w.last.cn_self_sufficiency;
        assert!((0.0..=1.0).contains(&s), "tick {t}: share {s}");
    }
}

/// Acceptance 4 and 5 on the shipped baseline: powered utilisation of installed chips
/// of at least 0.8 for every bloc after 2027, and the leading bloc's frontier effective compute
/// (capability = log10 effective FLOP + a constant data term) grows 0.9-1.4 orders of
/// magnitude a year over 2026-2030 (Epoch: ~4-5x/yr training compute, ~3x/yr
/// algorithms).
#[test]
fn baseline_powers_its_chips_and_keeps_the_frontier_pace() {
    let cfg = load(&[]);
    let ts = scenarios::simulate(&cfg, cfg.run.seed).expect("baseline runs");
    for b in Bloc::ALL {
        let u = series(&ts, "chip_utilisation", b.code());
        for (t, x) in u.iter().enumerate().skip(8) {
            assert!(*x >= 0.8, "{} tick {t}: utilisation {x:.3}", b.code());
        }
    }
    let us = series(&ts, "frontier_capability", "US");
    let cn = series(&ts, "frontier_capability", "CN");
    let lead = if us[19] >= cn[19] { &us } else { &cn };
    // 2026Q1 (tick 0) to 2030Q4 (tick 19): 4.75 years.
    let pace = (lead[19] - lead[0]) / 4.75;
    assert!(
        (0.9..=1.4).contains(&pace),
        "leading frontier grows {pace:.3} orders of magnitude a year"
    );
    let share = series(&ts, "cn_chip_self_sufficiency", "CN");
    assert!(share.iter().all(|s| (0.0..=1.0).contains(s)));
}

/// Every key of the innovation sections at the ends of its allowed range.
const RANGES: &[(&str, f64, f64)] = &[
    ("lab_dynamics.algo_growth_per_tick", 0.0, 2.0),
    ("lab_dynamics.talent_elasticity", 0.0, 5.0),
    ("lab_dynamics.open_spillover", 0.0, 1.0),
    ("lab_dynamics.distill_decay_ticks", 0.1, 100.0),
    ("lab_dynamics.distill_margin", 0.0, 2.0),
    ("lab_dynamics.tokens_per_h100e_tick", 0.0, 1e13),
    ("lab_dynamics.revenue_capability_sensitivity", 0.0, 20.0),
    ("lab_dynamics.mfu", 0.01, 1.0),
    ("lab_dynamics.training_fraction", 0.01, 1.0),
    ("lab_dynamics.run_duration_growth", 0.0, 1.0),
    ("lab_dynamics.max_run_duration_factor", 1.0, 10.0),
    ("lab_dynamics.data_weight", 0.0, 10.0),
    ("lab_dynamics.chip_life_ticks", 1.0, 200.0),
    ("lab_dynamics.price_usd_per_mtok", 1e-6, 1e4),
    ("lab_dynamics.open_price_discount", 0.0, 0.99),
    ("lab_dynamics.rental_margin", 0.0, 5.0),
    ("lab_dynamics.rental_share_of_host_compute", 0.0, 1.0),
    ("lab_dynamics.rent_elasticity", 0.0, 20.0),
    ("lab_dynamics.prehistory_pace_per_year", 0.01, 10.0),
    ("capital.private_usd_per_tick.US", 0.0, 1e13),
    ("capital.private_usd_per_tick.CN", 0.0, 1e13),
    ("capital.revenue_elasticity", 0.0, 3.0),
    ("capital.max_growth_multiple", 1.0, 1000.0),
    ("capital.rank_sensitivity", 0.0, 20.0),
    ("capital.compute_share", 0.0, 1.0),
    ("capital.cash_buffer_ticks", 0.5, 20.0),
    ("chip_market.price_elasticity", 0.0, 5.0),
    ("chip_market.max_price_step", 0.0, 0.5),
    ("chip_market.price_floor", 0.05, 1.0),
    ("chip_market.price_cap", 1.0, 20.0),
    ("chip_market.obsolescence_per_tick", 0.0, 1.0),
    ("chip_market.max_inventory_ticks", 1.0, 8.0),
    ("chip_market.price_performance_doubling_years", 0.5, 100.0),
    ("chip_market.electricity_usd_per_kwh", 0.0, 2.0),
    ("chip_market.power_plan_ticks", 0.0, 40.0),
    ("chip_buyers.cost_elasticity", 0.0, 20.0),
    ("chip_buyers.alignment_tilt", 0.0, 5.0),
    ("chip_buyers.start_cn_domestic_share", 0.0, 1.0),
    ("datacenters.headroom", 0.0, 2.0),
    ("datacenters.plan_growth_smoothing", 0.0, 1.0),
    ("datacenters.plan_ahead_cap", 1.0, 10.0),
    ("policy.us.leakage", 0.0, 1.0),
    ("policy.us.leak_markup", 0.0, 10.0),
    ("policy.us.state_capital_usd_per_tick", 0.0, 1e12),
    ("policy.china.chip_subsidy_usd_per_tick", 0.0, 1e12),
    ("policy.china.subsidy_growth_per_10bn", 0.0, 10.0),
    ("policy.china.protection_growth", 0.0, 10.0),
    ("policy.china.state_capital_usd_per_tick", 0.0, 1e12),
    ("policy.china.state_capital_gap_response", 0.0, 5.0),
    ("policy.china.open_weight_promotion", 0.0, 1.0),
    (
        "policy.china.block_all_foreign_at_self_sufficiency",
        0.0,
        1.0,
    ),
    ("labs[OpenAI].talent", 0.01, 10.0),
    ("labs[DeepSeek].algo_efficiency", 0.001, 1000.0),
    ("labs[DeepSeek].budget_usd_per_tick", 0.0, 1e13),
    ("chips[Ascend910C].learning_rate", 0.0, 0.5),
    ("chips[B200].capacity_growth", -0.9, 10.0),
    ("supply_limits[CN-HBM-7nm].growth", -0.9, 10.0),
    ("supply_limits[TSMC-CoWoS].units_per_tick", 0.0, 1e9),
];

/// Acceptance 2 (second half): every key above at both ends of its allowed range, plus
/// all of them at once at the low and at the high end, runs 40 quarters with finite
/// state; the always-on invariants (finite values, the distillation margin, chip
/// conservation, the stock limit, China's share in [0, 1]) hold at every tick.
#[test]
fn every_allowed_value_runs_forty_ticks_with_finite_state() {
    let fmt = |k: &str, v: f64| {
        if k.ends_with("ticks") && !k.contains('.')
            || k == "lab_dynamics.chip_life_ticks"
            || k == "chip_market.power_plan_ticks"
        {
            format!("{k}={}", v as u64)
        } else {
            format!("{k}={v:e}")
        }
    };
    let run = |sets: Vec<String>| {
        let mut all = vec!["firms.count=200".to_string(), "run.ticks=40".to_string()];
        all.extend(sets.iter().cloned());
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/baseline.toml");
        let cfg = config::load(&path, &all)
            .unwrap_or_else(|e| panic!("{sets:?} must be accepted: {e}"))
            .config;
        let ts = scenarios::simulate(&cfg, 7).unwrap_or_else(|e| panic!("{sets:?}: {e}"));
        let cap = series(&ts, "frontier_capability", "world");
        assert_eq!(cap.len(), 40, "{sets:?}");
        assert!(cap.iter().all(|x| x.is_finite()), "{sets:?}");
    };
    for &(k, lo, hi) in RANGES {
        run(vec![fmt(k, lo)]);
        run(vec![fmt(k, hi)]);
    }
    run(RANGES.iter().map(|&(k, lo, _)| fmt(k, lo)).collect());
    run(RANGES.iter().map(|&(k, _, hi)| fmt(k, hi)).collect());
}
