//! Each mechanism, shown acting on its own.

use std::path::Path;

use airace::config::{self, Bloc, Config};
use airace::model::chips::{self, Access, Buyer};
use airace::model::government::Governments;
use airace::model::lab::Lab;
use airace::model::stack::N_STACKS;

fn baseline(sets: &[&str]) -> Config {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    config::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/baseline.toml"),
        &sets,
    )
    .unwrap()
    .config
}

fn chip(cfg: &Config, name: &str) -> usize {
    cfg.chips.iter().position(|c| c.name == name).unwrap()
}

#[test]
fn a_ban_stops_a_chip_reaching_a_bloc() {
    let cfg = baseline(&["policy.us.leakage=0.0", "policy.china.import=[]"]);
    let b200 = &cfg.chips[chip(&cfg, "B200")];
    assert_eq!(
        chips::access(&cfg, b200, Bloc::CN, chips::ChinaStance::AsListed),
        Access::Denied
    );
    assert!(
        matches!(chips::access(&cfg, b200, Bloc::NONALIGNED, chips::ChinaStance::AsListed), Access::Legal { revenue_share, licensed: false } if revenue_share == 0.0)
    );
    let available = vec![true; cfg.chips.len()];
    let p = chips::Purchase {
        buyer: Buyer::Lab(0),
        bloc: Bloc::CN,
        budget: 1e9,
        use_for: chips::Use::Training,
        alignment: -1.0,
    };
    let orders = chips::split_budget(
        &cfg,
        &p,
        &chips::start_states(&cfg),
        &available,
        chips::ChinaStance::AsListed,
        true,
    );
    assert!(orders.iter().all(|o| cfg.chips[o.chip].name != "B200"));
    assert!(!orders.is_empty(), "Chinese chips remain available");
}

#[test]
fn leakage_lets_a_share_of_banned_demand_through_at_a_markup() {
    let cfg = baseline(&["policy.us.leakage=0.25"]);
    let b200 = &cfg.chips[chip(&cfg, "B200")];
    assert_eq!(
        chips::access(&cfg, b200, Bloc::CN, chips::ChinaStance::AsListed),
        Access::Leak
    );
    let price = chips::unit_price(&cfg, b200.price_usd, Access::Leak);
    assert!((price - b200.price_usd * (1.0 + cfg.policy.us.leak_markup)).abs() < 1e-6);
}

/// US export rules bind only US-designed chips sold abroad: a rule naming a US buyer
/// or a Chinese chip is never applied (Washington does not license its own market, nor
/// other countries' chips).
#[test]
fn export_rules_apply_only_to_us_chips_leaving_the_us() {
    use airace::config::{ExportRule, ExportRuleCfg};
    let mut cfg = baseline(&["policy.china.import=[]", "policy.us.leakage=0.0"]);
    let h100 = chip(&cfg, "H100");
    let cn_chip = cfg
        .chips
        .iter()
        .position(|c| c.designer == Bloc::CN)
        .expect("the baseline has a Chinese chip");
    let ban = |chip: &str, dest| ExportRuleCfg {
        chip: chip.to_string(),
        dest,
        rule: ExportRule::Ban,
        revenue_share: 0.0,
        volume_cap: None,
    };
    let cn_name = cfg.chips[cn_chip].name.clone();
    cfg.policy.us.export.insert(0, ban("H100", Bloc::US));
    cfg.policy
        .us
        .export
        .insert(0, ban(&cn_name, Bloc::NONALIGNED));
    let free = Access::Legal {
        revenue_share: 0.0,
        licensed: false,
    };
    let access =
        |k: usize, bloc| chips::access(&cfg, &cfg.chips[k], bloc, chips::ChinaStance::AsListed);
    assert_eq!(access(h100, Bloc::US), free);
    assert_eq!(access(cn_chip, Bloc::NONALIGNED), free);
    // The baseline's own rule still binds: H100 to China is banned.
    assert_eq!(access(h100, Bloc::CN), Access::Denied);
}

#[test]
fn a_license_adds_the_revenue_share_to_price_and_to_us_revenue() {
    let cfg = baseline(&["policy.china.import=[]"]);
    let k = chip(&cfg, "H200");
    let h200 = &cfg.chips[k];
    let access = chips::access(&cfg, h200, Bloc::CN, chips::ChinaStance::AsListed);
    assert_eq!(
        access,
        Access::Legal {
            revenue_share: 0.25,
            licensed: true,
        }
    );
    assert!((chips::unit_price(&cfg, h200.price_usd, access) - 1.25 * h200.price_usd).abs() < 1e-6);
    let mut states = chips::start_states(&cfg);
    states.iter_mut().for_each(|s| s.us_delivered_last = 1e6);
    let mut supply = vec![0.0; cfg.chips.len()];
    supply[k] = 1000.0;
    let order = chips::Order {
        buyer: Buyer::Country(1),
        bloc: Bloc::CN,
        chip: k,
        units: 100.0,
        access,
    };
    let out = chips::clear(&cfg, &mut states, &supply, &[order]);
    assert!((out.license_revenue - 100.0 * h200.price_usd * 0.25).abs() < 1e-3);
    assert!((out.deliveries[0].unit_price - 1.25 * h200.price_usd).abs() < 1e-6);
}

/// The baseline's volume cap on H200 licences to China (a share of US deliveries).
fn h200_to_china_cap(cfg: &airace::config::Config) -> f64 {
    cfg.policy
        .us
        .export
        .iter()
        .find(|r| r.chip == "H200" && r.dest == Bloc::CN)
        .and_then(|r| r.volume_cap)
        .expect("the baseline caps H200 licences to China")
}

/// The licence volume cap binds: licensed H200 sales to China in a quarter are at most
/// `volume_cap` × last quarter's US deliveries, shared pro rata, and a second round in
/// the same quarter only gets what the first left under the cap. (The test above sets
/// US deliveries so high that the cap never binds.)
#[test]
fn the_licence_volume_cap_limits_sales_to_a_share_of_us_deliveries() {
    let cfg = baseline(&["policy.china.import=[]"]);
    let k = chip(&cfg, "H200");
    let cap = h200_to_china_cap(&cfg);
    let access = chips::access(&cfg, &cfg.chips[k], Bloc::CN, chips::ChinaStance::AsListed);
    let mut states = chips::start_states(&cfg);
    states[k].us_delivered_last = 400.0;
    let mut supply = vec![0.0; cfg.chips.len()];
    supply[k] = 10_000.0;
    let order = |buyer: usize, units: f64| chips::Order {
        buyer: Buyer::Country(buyer),
        bloc: Bloc::CN,
        chip: k,
        units,
        access,
    };
    // 300 + 100 units wanted; the cap allows cap × 400 = 200, split 3:1.
    let out = chips::clear(
        &cfg,
        &mut states,
        &supply,
        &[order(1, 300.0), order(2, 100.0)],
    );
    let got: Vec<f64> = out.deliveries.iter().map(|d| d.units).collect();
    let allowed = cap * 400.0;
    assert!((got.iter().sum::<f64>() - allowed).abs() < 1e-9, "{got:?}");
    assert!(
        (got[0] - 3.0 * got[1]).abs() < 1e-9,
        "pro rata under the cap: {got:?}"
    );
    assert!((out.license_revenue - allowed * cfg.chips[k].price_usd * 0.25).abs() < 1e-3);
    assert_eq!(states[k].licensed[Bloc::CN.index()], allowed);
    // The cap is per quarter: a second round finds it used up.
    let again = chips::clear(&cfg, &mut states, &supply, &[order(1, 50.0)]);
    assert!(again.deliveries.is_empty(), "{:?}", again.deliveries);
    // Unlicensed buyers of the same chip are not capped.
    let free = chips::Order {
        bloc: Bloc::ALLY,
        access: Access::Legal {
            revenue_share: 0.0,
            licensed: false,
        },
        ..order(3, 5_000.0)
    };
    let out = chips::clear(&cfg, &mut chips::start_states(&cfg), &supply, &[free]);
    assert_eq!(out.deliveries[0].units, 5_000.0);
}

/// A licence is a licence whatever the government's take: with a revenue share of 0
/// the H200 volume cap still binds (licensed orders used to be recognised by a
/// positive share, so a free licence had no cap).
#[test]
fn a_licence_without_revenue_share_keeps_its_volume_cap() {
    let cfg = baseline(&[
        "policy.china.import=[]",
        "policy.us.export[H200_CN].revenue_share=0.0",
    ]);
    let k = chip(&cfg, "H200");
    let access = chips::access(&cfg, &cfg.chips[k], Bloc::CN, chips::ChinaStance::AsListed);
    assert_eq!(
        access,
        Access::Legal {
            revenue_share: 0.0,
            licensed: true,
        }
    );
    let cap = h200_to_china_cap(&cfg);
    let mut states = chips::start_states(&cfg);
    states[k].us_delivered_last = 400.0;
    let mut supply = vec![0.0; cfg.chips.len()];
    supply[k] = 10_000.0;
    let order = chips::Order {
        buyer: Buyer::Country(1),
        bloc: Bloc::CN,
        chip: k,
        units: 1_000.0,
        access,
    };
    let out = chips::clear(&cfg, &mut states, &supply, &[order]);
    assert!(
        (out.deliveries[0].units - cap * 400.0).abs() < 1e-9,
        "{:?}",
        out.deliveries
    );
    assert_eq!(states[k].licensed[Bloc::CN.index()], cap * 400.0);
    assert_eq!(out.license_revenue, 0.0);
}

/// The first quarter's licence caps are a share of last quarter's US deliveries, so a
/// run starts as if every chip had sold a full quarter's capacity to US buyers (not 0,
/// which would ban licensed sales in the first quarter).
#[test]
fn chips_start_with_a_full_quarter_of_us_deliveries() {
    let cfg = baseline(&[]);
    let states = chips::start_states(&cfg);
    for (c, s) in cfg.chips.iter().zip(&states) {
        assert!(c.capacity_per_tick > 0.0, "{}", c.name);
        assert_eq!(s.us_delivered, c.capacity_per_tick, "{}", c.name);
    }
}

#[test]
fn clearing_is_pro_rata_never_first_come() {
    let cfg = baseline(&[]);
    let k = chip(&cfg, "B200");
    let mut states = chips::start_states(&cfg);
    let mut supply = vec![0.0; cfg.chips.len()];
    supply[k] = 100.0;
    let legal = Access::Legal {
        revenue_share: 0.0,
        licensed: false,
    };
    let a = chips::Order {
        buyer: Buyer::Lab(0),
        bloc: Bloc::US,
        chip: k,
        units: 150.0,
        access: legal,
    };
    let b = chips::Order {
        buyer: Buyer::Lab(1),
        bloc: Bloc::US,
        chip: k,
        units: 50.0,
        access: legal,
    };
    let ab = chips::clear(&cfg, &mut states.clone(), &supply, &[a, b]);
    let ba = chips::clear(&cfg, &mut states, &supply, &[b, a]);
    let got = |c: &chips::Clearing, buyer| {
        c.deliveries
            .iter()
            .find(|d| d.buyer == buyer)
            .unwrap()
            .units
    };
    assert!((got(&ab, Buyer::Lab(0)) - 75.0).abs() < 1e-9);
    assert!((got(&ab, Buyer::Lab(1)) - 25.0).abs() < 1e-9);
    assert_eq!(got(&ab, Buyer::Lab(0)), got(&ba, Buyer::Lab(0)));
}

#[test]
fn unpowered_chips_add_no_compute() {
    let cfg = baseline(&[]);
    let lc = &cfg.labs[0];
    let mut powered = Lab::new(&cfg, lc, 0, Bloc::US);
    let mut dark = powered.clone();
    powered.train(&cfg, lc, 1.0, (0.0, 0.0));
    dark.train(&cfg, lc, 0.0, (0.0, 0.0));
    assert!(powered.run_flop > 0.0);
    assert_eq!(
        dark.run_flop, 0.0,
        "chips without a powered data center train nothing"
    );
}

#[test]
fn open_weight_distillation_is_bounded() {
    let cfg = baseline(&[]);
    let d = &cfg.lab_dynamics;
    let lc = &cfg.labs[0];
    let mut alone = Lab::new(&cfg, lc, 0, Bloc::US);
    let mut helped = alone.clone();
    let own = alone.own_capability;
    alone.train(&cfg, lc, 1.0, (0.0, 0.0));
    // A new open model 0.2 ahead: the lab closes `open_spillover` of the gap.
    helped.train(&cfg, lc, 1.0, (own + 0.2, 0.0));
    assert!((helped.capability - (own + d.open_spillover * 0.2)).abs() < 1e-9);
    assert_eq!(
        helped.algo_efficiency, alone.algo_efficiency,
        "distillation lifts the model, not the lab's algorithms"
    );
    // An old teacher pulls less.
    let mut old = alone.clone();
    old.distill(&cfg, (own + 0.2, 8.0));
    assert!(old.capability - own < helped.capability - own);
    // However long and however far ahead the teacher, the lab stays within the margin.
    let mut far = alone.clone();
    for _ in 0..200 {
        far.distill(&cfg, (own + 10.0, 0.0));
    }
    assert!(
        (far.capability - (own + d.distill_margin)).abs() < 1e-9,
        "{}",
        far.capability
    );
    // Never beyond the teacher.
    let mut near = alone.clone();
    for _ in 0..200 {
        near.distill(&cfg, (own + 0.1, 0.0));
    }
    assert!(near.capability <= own + 0.1 + 1e-12);
}

#[test]
fn us_open_weights_ban_closes_us_labs() {
    let cfg = baseline(&["policy.us.open_weights_ban=true"]);
    let meta = cfg.labs.iter().find(|l| l.name == "Meta").unwrap();
    assert_eq!(
        Lab::release_policy(&cfg, meta, Bloc::US),
        airace::config::Release::Closed
    );
}

fn mean_nonaligned_alignment(friction: f64) -> f64 {
    let cfg = baseline(&[&format!("policy.us.friction={friction}")]);
    let mut gov = Governments::new(&cfg, 1);
    let shares = vec![[0.0; N_STACKS]; cfg.countries.len()];
    let us = cfg.countries.iter().position(|c| c.code == "US");
    for _ in 0..20 {
        gov.update_alignment(&cfg, &shares, us);
    }
    let idx: Vec<usize> = (0..cfg.countries.len())
        .filter(|&i| cfg.countries[i].bloc == Bloc::NONALIGNED)
        .collect();
    idx.iter().map(|&i| gov.alignment[i]).sum::<f64>() / idx.len() as f64
}

#[test]
fn us_friction_pushes_alignment_toward_china() {
    assert!(mean_nonaligned_alignment(0.9) < mean_nonaligned_alignment(0.0) - 0.01);
}

#[test]
fn china_adaptive_rule_blocks_foreign_chips_once_self_sufficient() {
    let cfg = baseline(&[]);
    let mut gov = Governments::new(&cfg, 1);
    gov.update_china(&cfg, 0.5);
    assert_eq!(gov.cn_stance, chips::ChinaStance::AsListed);
    gov.update_china(&cfg, 0.95);
    assert_eq!(gov.cn_stance, chips::ChinaStance::BlockAll);
    gov.update_china(&cfg, 0.1);
    assert_eq!(
        gov.cn_stance,
        chips::ChinaStance::BlockAll,
        "once tightened, the block stays"
    );
    let h20 = &cfg.chips[chip(&cfg, "H20")];
    assert_eq!(
        chips::access(&cfg, h20, Bloc::CN, chips::ChinaStance::BlockAll),
        Access::Denied
    );
}

#[test]
fn scheduled_policy_changes_apply_from_their_tick() {
    let mut cfg = baseline(&[]);
    cfg.schedule.push(airace::config::ScheduleEntry {
        tick: 4,
        set: vec!["policy.us.friction=0.9".into()],
        capability: Vec::new(),
    });
    let cfg = config::from_str(&config::to_toml(&cfg), "inline").unwrap();
    assert_eq!(
        config::config_at_tick(&cfg, 3).unwrap().policy.us.friction,
        0.3
    );
    assert_eq!(
        config::config_at_tick(&cfg, 4).unwrap().policy.us.friction,
        0.9
    );
}

#[test]
fn china_lifts_listed_blocks_while_domestic_supply_is_short() {
    let cfg = baseline(&["policy.china.lift_blocks_below_self_sufficiency=0.5"]);
    let h200 = &cfg.chips[chip(&cfg, "H200")];
    let mut gov = Governments::new(&cfg, 1);
    gov.update_china(&cfg, 0.3);
    assert_eq!(gov.cn_stance, chips::ChinaStance::LiftListed);
    assert!(matches!(
        chips::access(&cfg, h200, Bloc::CN, gov.cn_stance),
        Access::Legal { .. }
    ));
    gov.update_china(&cfg, 0.8);
    assert_eq!(gov.cn_stance, chips::ChinaStance::AsListed);
    assert_eq!(
        chips::access(&cfg, h200, Bloc::CN, gov.cn_stance),
        Access::Denied
    );
}

#[test]
fn learning_lowers_a_chip_price_as_output_accumulates() {
    // Learning is available to every designer: the trend price of a Huawei and of an
    // Nvidia part fall alike with cumulative output.
    let cfg = baseline(&[
        "chips[Ascend910C].learning_rate=0.2",
        "chips[B200].learning_rate=0.2",
    ]);
    for name in ["Ascend910C", "B200"] {
        let c = &cfg.chips[chip(&cfg, name)];
        let start = chips::cost_trend(&cfg, c, 0, 0.0);
        let later = chips::cost_trend(&cfg, c, 0, 8.0 * c.capacity_per_tick);
        assert!(later < 0.8 * start + 1e-6, "{name}: {start} -> {later}");
    }
    // And every part follows the common price-performance trend.
    let h100 = &cfg.chips[chip(&cfg, "H100")];
    let years = cfg.chip_market.price_performance_doubling_years;
    let t = (4.0 * years) as u32;
    let ratio = chips::cost_trend(&cfg, h100, t, 0.0) / chips::cost_trend(&cfg, h100, 0, 0.0);
    assert!((ratio - 0.5).abs() < 0.05, "{ratio}");
}

#[test]
fn us_buyers_cannot_buy_chinese_chips_unless_allowed() {
    let cfg = baseline(&[]);
    let ascend = &cfg.chips[chip(&cfg, "Ascend950")];
    assert_eq!(
        chips::access(&cfg, ascend, Bloc::US, chips::ChinaStance::AsListed),
        Access::Denied
    );
    assert!(matches!(
        chips::access(&cfg, ascend, Bloc::NONALIGNED, chips::ChinaStance::AsListed),
        Access::Legal { .. }
    ));
    let open = baseline(&["policy.us.block_chinese_chips=false"]);
    assert!(matches!(
        chips::access(&open, ascend, Bloc::US, chips::ChinaStance::AsListed),
        Access::Legal { .. }
    ));
}
