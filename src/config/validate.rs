//! Range and consistency checks on a typed config.
//!
//! Each check names the key path and the allowed range, so the message alone
//! tells the user what to change. Absurd sizes (10^12 firms, 10^7 ticks) are
//! refused here, before anything is allocated.

use std::collections::BTreeSet;

use super::schema::*;

type Check = Result<(), (String, String)>;

/// Upper bounds that keep a run within a workstation's reach.
pub const MAX_FIRMS: u64 = 50_000_000;
/// Longest horizon accepted (250 years of quarters).
pub const MAX_TICKS: u32 = 1000;

fn range(key: impl Into<String>, v: f64, lo: f64, hi: f64) -> Check {
    if v.is_finite() && v >= lo && v <= hi {
        Ok(())
    } else {
        Err((
            key.into(),
            format!(
                "{} is out of range; allowed {lo} ..= {hi}",
                crate::io::quote::number(v)
            ),
        ))
    }
}

fn irange(key: impl Into<String>, v: u64, lo: u64, hi: u64) -> Check {
    if v >= lo && v <= hi {
        Ok(())
    } else {
        Err((
            key.into(),
            format!("{v} is out of range; allowed {lo} ..= {hi}"),
        ))
    }
}

fn fail(key: impl Into<String>, msg: impl Into<String>) -> Check {
    Err((key.into(), msg.into()))
}

fn sums_to_one(key: &str, total: f64) -> Check {
    if (total - 1.0).abs() <= 1e-6 {
        Ok(())
    } else {
        fail(key, format!("shares sum to {total}; they must sum to 1"))
    }
}

fn unique<'a>(key: &str, names: impl Iterator<Item = &'a str>) -> Check {
    let mut seen = BTreeSet::new();
    for n in names {
        if n.is_empty() {
            return fail(key, "names must not be empty");
        }
        if !seen.insert(n) {
            return fail(key, format!("`{n}` appears twice; names must be unique"));
        }
    }
    Ok(())
}

/// Check every field of `c`.
pub fn validate(c: &Config) -> Check {
    if c.name.trim().is_empty() {
        return fail("name", "must not be empty");
    }
    run(&c.run)?;
    firms(&c.firms)?;
    stack_choice(&c.stack_choice)?;
    sectors(&c.sectors)?;
    for b in Bloc::ALL {
        bloc(&format!("blocs.{}", b.code()), c.blocs.get(b))?;
    }
    countries(c)?;
    markets(c)?;
    chips(&c.chips)?;
    labs(c)?;
    lab_dynamics(&c.lab_dynamics)?;
    capital(&c.capital)?;
    chip_market(&c.chip_market)?;
    supply_limits(c)?;
    datacenters(&c.datacenters)?;
    chip_buyers(&c.chip_buyers)?;
    downloads(&c.downloads)?;
    alignment(&c.alignment)?;
    policy(c)?;
    super::policy::check_schedule(c, range, irange)?;
    Ok(())
}

fn run(r: &RunCfg) -> Check {
    irange("run.start_year", r.start_year.max(0) as u64, 1900, 2200)?;
    irange("run.start_quarter", r.start_quarter as u64, 1, 4)?;
    irange("run.ticks", r.ticks as u64, 1, MAX_TICKS as u64)?;
    // TOML integers are signed 64-bit: larger seeds could not be written to config.toml.
    irange("run.seed", r.seed, 0, i64::MAX as u64)
}

fn firms(f: &FirmsCfg) -> Check {
    irange("firms.count", f.count, 1, MAX_FIRMS)?;
    range("firms.p", f.p, 0.0, 1.0)?;
    range("firms.q", f.q, 0.0, 5.0)?;
    range(
        "firms.utility_capability_weight",
        f.utility_capability_weight,
        0.0,
        10.0,
    )?;
    range(
        "firms.utility_reference_capability",
        f.utility_reference_capability,
        0.0,
        60.0,
    )?;
    range("firms.utility_min", f.utility_min, 0.0, 100.0)?;
    range("firms.utility_max", f.utility_max, f.utility_min, 100.0)?;
    range("firms.sentiment_weight", f.sentiment_weight, 0.0, 10.0)?;
    range(
        "firms.sentiment_reference",
        f.sentiment_reference,
        0.01,
        1.0,
    )?;
    range("firms.reevaluate_prob", f.reevaluate_prob, 0.0, 1.0)?;
    range("firms.intensity_start", f.intensity_start, 0.0, 1.0)?;
    range("firms.intensity_growth", f.intensity_growth, 0.0, 1.0)?;
    range(
        "firms.full_adoption_demand_h100e",
        f.full_adoption_demand_h100e,
        0.0,
        1e12,
    )?;
    range("firms.size_sigma", f.size_sigma, 0.0, 5.0)?;
    irange("firms.min_per_group", f.min_per_group, 0, 100_000)?;
    range("firms.firms_m_per_usd_tn", f.firms_m_per_usd_tn, 0.0, 1e3)?;
    let p = &f.potential;
    let k = "firms.potential";
    range(format!("{k}.midpoint"), p.midpoint, -50.0, 50.0)?;
    range(
        format!("{k}.capability_weight"),
        p.capability_weight,
        0.0,
        10.0,
    )?;
    range(format!("{k}.price_weight"), p.price_weight, 0.0, 10.0)?;
    range(
        format!("{k}.reference_price_usd_per_mtok"),
        p.reference_price_usd_per_mtok,
        1e-6,
        1e4,
    )?;
    range(
        format!("{k}.served_elasticity"),
        p.served_elasticity,
        0.0,
        10.0,
    )?;
    range(format!("{k}.unserved_below"), p.unserved_below, 0.0, 1.0)?;
    irange(
        format!("{k}.abandon_after_ticks"),
        p.abandon_after_ticks as u64,
        0,
        MAX_TICKS as u64,
    )?;
    range(format!("{k}.abandon_hazard"), p.abandon_hazard, 0.0, 1.0)
}

fn downloads(d: &DownloadsCfg) -> Check {
    let k = "downloads";
    range(
        format!("{k}.per_usd_tn_usage"),
        d.per_usd_tn_usage,
        0.0,
        1e12,
    )?;
    range(
        format!("{k}.customisation_boost"),
        d.customisation_boost,
        0.0,
        100.0,
    )?;
    range(format!("{k}.per_developer"), d.per_developer, 0.0, 1e12)?;
    range(
        format!("{k}.developers_m_per_usd_tn"),
        d.developers_m_per_usd_tn,
        0.0,
        1e3,
    )?;
    range(format!("{k}.hobby_share"), d.hobby_share, 0.0, 0.99)?;
    range(format!("{k}.cn_visibility"), d.cn_visibility, 0.0, 1.0)
}

fn stack_choice(s: &StackChoiceCfg) -> Check {
    let k = "stack_choice";
    range(format!("{k}.capability"), s.capability, -100.0, 100.0)?;
    range(format!("{k}.price"), s.price, -100.0, 100.0)?;
    range(
        format!("{k}.openness_customisation"),
        s.openness_customisation,
        -100.0,
        100.0,
    )?;
    range(format!("{k}.local_cloud"), s.local_cloud, -100.0, 100.0)?;
    range(
        format!("{k}.cross_origin_hosting"),
        s.cross_origin_hosting,
        0.0,
        1.0,
    )?;
    range(format!("{k}.alignment"), s.alignment, -100.0, 100.0)?;
    range(format!("{k}.network"), s.network, -100.0, 100.0)?;
    range(format!("{k}.switching_cost"), s.switching_cost, 0.0, 100.0)?;
    range(
        format!("{k}.local_cloud_half_gw_per_usd_tn"),
        s.local_cloud_half_gw_per_usd_tn,
        1e-6,
        1e3,
    )?;
    for b in Bloc::ALL {
        let shares = s.start_shares.get(b).to_array();
        for (x, name) in
            shares
                .iter()
                .zip(["us_closed", "us_open", "cn_open", "cn_closed", "other"])
        {
            range(
                format!("{k}.start_shares.{}.{name}", b.code()),
                *x,
                0.0,
                1.0,
            )?;
        }
        if shares.iter().sum::<f64>() <= 0.0 {
            return fail(
                format!("{k}.start_shares.{}", b.code()),
                "at least one stack needs a positive share",
            );
        }
    }
    Ok(())
}

fn sectors(s: &[SectorCfg]) -> Check {
    if s.is_empty() || s.len() > 64 {
        return fail("sectors", format!("{} sectors; allowed 1 ..= 64", s.len()));
    }
    unique("sectors", s.iter().map(|x| x.name.as_str()))?;
    for (i, x) in s.iter().enumerate() {
        range(format!("sectors[{i}].share"), x.share, 0.0, 1.0)?;
        range(
            format!("sectors[{i}].customisation_need"),
            x.customisation_need,
            0.0,
            1.0,
        )?;
        range(
            format!("sectors[{i}].market_potential"),
            x.market_potential,
            0.01,
            1.0,
        )?;
    }
    sums_to_one("sectors[*].share", s.iter().map(|x| x.share).sum())
}

fn bloc(k: &str, b: &BlocCfg) -> Check {
    irange(
        format!("{k}.dc_build_ticks"),
        b.dc_build_ticks as u64,
        0,
        40,
    )?;
    irange(
        format!("{k}.gen_lead_ticks"),
        b.gen_lead_ticks as u64,
        0,
        80,
    )?;
    range(format!("{k}.gen_build_rate"), b.gen_build_rate, 0.0, 1.0)?;
    range(format!("{k}.target_margin"), b.target_margin, 0.0, 2.0)?;
    range(format!("{k}.critical_margin"), b.critical_margin, 0.0, 2.0)?;
    if b.critical_margin > b.target_margin {
        return fail(
            format!("{k}.critical_margin"),
            "must not exceed target_margin",
        );
    }
    range(format!("{k}.dc_start_rate"), b.dc_start_rate, 0.0, 1.0)?;
    range(
        format!("{k}.onsite_power_gw_per_tick"),
        b.onsite_power_gw_per_tick,
        0.0,
        1000.0,
    )
}

fn countries(c: &Config) -> Check {
    if c.countries.is_empty() || c.countries.len() > 1000 {
        return fail(
            "countries",
            format!("{} countries; allowed 1 ..= 1000", c.countries.len()),
        );
    }
    unique("countries", c.countries.iter().map(|x| x.code.as_str()))?;
    for (i, x) in c.countries.iter().enumerate() {
        let k = format!("countries[{}]", x.code);
        if x.code.contains([',', '-', ' ', '"']) {
            return fail(
                format!("countries[{i}].code"),
                "must not contain commas, dashes, spaces or quotes",
            );
        }
        let bloc_code = x.bloc.code();
        if (x.code == "US" || x.code == "CN") && bloc_code != x.code {
            return fail(
                format!("{k}.bloc"),
                format!("country {} must be in bloc {}", x.code, x.code),
            );
        }
        range(format!("{k}.gdp_usd_tn"), x.gdp_usd_tn, 0.0, 1000.0)?;
        if let Some(f) = x.firms_m {
            range(format!("{k}.firms_m"), f, 0.0, 1e4)?;
        }
        if let Some(d) = x.developers_m {
            range(format!("{k}.developers_m"), d, 0.0, 1e4)?;
        }
        range(format!("{k}.sentiment"), x.sentiment, 0.0, 1.0)?;
        range(format!("{k}.alignment"), x.alignment, -1.0, 1.0)?;
        range(format!("{k}.huawei_presence"), x.huawei_presence, 0.0, 1.0)?;
        range(
            format!("{k}.initial_adoption"),
            x.initial_adoption,
            0.0,
            1.0,
        )?;
        range(format!("{k}.dc_gw"), x.dc_gw, 0.0, 10_000.0)?;
        range(
            format!("{k}.dc_pipeline_gw"),
            x.dc_pipeline_gw,
            0.0,
            10_000.0,
        )?;
        let has_markets = c.power_markets.iter().any(|m| m.country == x.code);
        match (has_markets, x.capacity_gw, x.peak_gw, x.load_growth) {
            (true, None, None, None) => {}
            (true, ..) => {
                return fail(
                    &k,
                    "has power_markets, so capacity_gw/peak_gw/load_growth must not be set",
                )
            }
            (false, Some(cap), Some(peak), Some(g)) => {
                range(format!("{k}.capacity_gw"), cap, 0.001, 100_000.0)?;
                range(format!("{k}.peak_gw"), peak, 0.001, 100_000.0)?;
                range(format!("{k}.load_growth"), g, -0.5, 1.0)?;
            }
            (false, ..) => {
                return fail(
                    &k,
                    "needs capacity_gw, peak_gw and load_growth (or entries in power_markets)",
                )
            }
        }
    }
    if c.countries.iter().map(|x| x.gdp_usd_tn).sum::<f64>() <= 0.0 {
        return fail(
            "countries[*].gdp_usd_tn",
            "at least one country needs a positive GDP (firm agents are spread by GDP)",
        );
    }
    Ok(())
}

fn markets(c: &Config) -> Check {
    unique(
        "power_markets",
        c.power_markets.iter().map(|m| m.id.as_str()),
    )?;
    for (i, m) in c.power_markets.iter().enumerate() {
        let k = format!("power_markets[{}]", m.id);
        if !c.countries.iter().any(|x| x.code == m.country) {
            return fail(
                format!("power_markets[{i}].country"),
                format!("unknown country `{}`", m.country),
            );
        }
        if !m.id.starts_with(&format!("{}-", m.country)) || m.id.contains([',', ' ']) {
            return fail(
                format!("power_markets[{i}].id"),
                format!(
                    "must start with `{}-` and have no commas or spaces",
                    m.country
                ),
            );
        }
        range(format!("{k}.capacity_gw"), m.capacity_gw, 0.001, 100_000.0)?;
        range(format!("{k}.peak_gw"), m.peak_gw, 0.001, 100_000.0)?;
        range(format!("{k}.load_growth"), m.load_growth, -0.5, 1.0)?;
        range(format!("{k}.dc_share"), m.dc_share, 0.0, 1.0)?;
    }
    for x in &c.countries {
        let ms: Vec<&PowerMarketCfg> = c
            .power_markets
            .iter()
            .filter(|m| m.country == x.code)
            .collect();
        if !ms.is_empty() {
            sums_to_one(
                &format!("power_markets[country={}].dc_share", x.code),
                ms.iter().map(|m| m.dc_share).sum(),
            )?;
        }
    }
    Ok(())
}

fn chips(chips: &[ChipCfg]) -> Check {
    if chips.is_empty() || chips.len() > 64 {
        return fail(
            "chips",
            format!("{} chip types; allowed 1 ..= 64", chips.len()),
        );
    }
    unique("chips", chips.iter().map(|x| x.name.as_str()))?;
    for x in chips {
        let k = format!("chips[{}]", x.name);
        if !matches!(x.designer, Bloc::US | Bloc::CN | Bloc::ALLY) {
            return fail(format!("{k}.designer"), "must be US, CN or ALLY");
        }
        range(format!("{k}.train_tflops"), x.train_tflops, 0.0, 1e6)?;
        range(format!("{k}.infer_tflops"), x.infer_tflops, 0.001, 1e6)?;
        range(format!("{k}.watts"), x.watts, 1.0, 1e5)?;
        range(format!("{k}.price_usd"), x.price_usd, 1.0, 1e8)?;
        range(
            format!("{k}.capacity_per_tick"),
            x.capacity_per_tick,
            0.0,
            1e9,
        )?;
        range(
            format!("{k}.capacity_growth"),
            x.capacity_growth,
            -0.9,
            10.0,
        )?;
        range(
            format!("{k}.software_efficiency"),
            x.software_efficiency,
            0.05,
            1.0,
        )?;
        range(format!("{k}.learning_rate"), x.learning_rate, 0.0, 0.5)?;
        irange(format!("{k}.intro_tick"), x.intro_tick.into(), 0, 1000)?; // MAX_TICKS
    }
    Ok(())
}

fn labs(c: &Config) -> Check {
    if c.labs.is_empty() || c.labs.len() > 10_000 {
        return fail(
            "labs",
            format!("{} labs; allowed 1 ..= 10000", c.labs.len()),
        );
    }
    unique("labs", c.labs.iter().map(|x| x.name.as_str()))?;
    for x in &c.labs {
        let k = format!("labs[{}]", x.name);
        if !c.countries.iter().any(|ct| ct.code == x.country) {
            return fail(
                format!("{k}.country"),
                format!("unknown country `{}`", x.country),
            );
        }
        range(
            format!("{k}.budget_usd_per_tick"),
            x.budget_usd_per_tick,
            0.0,
            1e13,
        )?;
        range(format!("{k}.talent"), x.talent, 0.01, 10.0)?;
        range(format!("{k}.data_quality"), x.data_quality, 0.01, 10.0)?;
        range(
            format!("{k}.algo_efficiency"),
            x.algo_efficiency,
            0.001,
            1000.0,
        )?;
        range(format!("{k}.chips_h100e"), x.chips_h100e, 0.0, 1e9)?;
        irange(format!("{k}.release_every"), x.release_every as u64, 1, 40)?;
    }
    Ok(())
}

fn lab_dynamics(d: &LabDynamicsCfg) -> Check {
    let k = "lab_dynamics";
    range(
        format!("{k}.algo_growth_per_tick"),
        d.algo_growth_per_tick,
        0.0,
        2.0,
    )?;
    range(
        format!("{k}.talent_elasticity"),
        d.talent_elasticity,
        0.0,
        5.0,
    )?;
    range(format!("{k}.open_spillover"), d.open_spillover, 0.0, 1.0)?;
    range(
        format!("{k}.distill_decay_ticks"),
        d.distill_decay_ticks,
        0.1,
        100.0,
    )?;
    range(format!("{k}.distill_margin"), d.distill_margin, 0.0, 2.0)?;
    range(
        format!("{k}.tokens_per_h100e_tick"),
        d.tokens_per_h100e_tick,
        0.0,
        1e13,
    )?;
    range(
        format!("{k}.revenue_capability_sensitivity"),
        d.revenue_capability_sensitivity,
        0.0,
        20.0,
    )?;
    range(format!("{k}.mfu"), d.mfu, 0.01, 1.0)?;
    range(
        format!("{k}.training_fraction"),
        d.training_fraction,
        0.01,
        1.0,
    )?;
    range(format!("{k}.data_weight"), d.data_weight, 0.0, 10.0)?;
    range(
        format!("{k}.run_duration_growth"),
        d.run_duration_growth,
        0.0,
        1.0,
    )?;
    range(
        format!("{k}.max_run_duration_factor"),
        d.max_run_duration_factor,
        1.0,
        10.0,
    )?;
    irange(
        format!("{k}.chip_life_ticks"),
        d.chip_life_ticks as u64,
        1,
        200,
    )?;
    range(
        format!("{k}.price_usd_per_mtok"),
        d.price_usd_per_mtok,
        1e-6,
        1e4,
    )?;
    range(
        format!("{k}.open_price_discount"),
        d.open_price_discount,
        0.0,
        0.99,
    )?;
    range(format!("{k}.rental_margin"), d.rental_margin, 0.0, 5.0)?;
    range(
        format!("{k}.rental_share_of_host_compute"),
        d.rental_share_of_host_compute,
        0.0,
        1.0,
    )?;
    range(format!("{k}.rent_elasticity"), d.rent_elasticity, 0.0, 20.0)?;
    range(
        format!("{k}.download_sensitivity"),
        d.download_sensitivity,
        0.0,
        100.0,
    )?;
    range(
        format!("{k}.prehistory_pace_per_year"),
        d.prehistory_pace_per_year,
        0.01,
        10.0,
    )
}

fn capital(c: &CapitalCfg) -> Check {
    for b in Bloc::ALL {
        range(
            format!("capital.private_usd_per_tick.{}", b.code()),
            c.private_usd_per_tick.get(b),
            0.0,
            1e13,
        )?;
    }
    range("capital.revenue_elasticity", c.revenue_elasticity, 0.0, 3.0)?;
    range(
        "capital.max_growth_multiple",
        c.max_growth_multiple,
        1.0,
        1000.0,
    )?;
    range("capital.rank_sensitivity", c.rank_sensitivity, 0.0, 20.0)?;
    range("capital.compute_share", c.compute_share, 0.0, 1.0)?;
    range("capital.cash_buffer_ticks", c.cash_buffer_ticks, 0.5, 20.0)
}

fn chip_market(m: &ChipMarketCfg) -> Check {
    let k = "chip_market";
    range(
        format!("{k}.price_elasticity"),
        m.price_elasticity,
        0.0,
        5.0,
    )?;
    range(format!("{k}.max_price_step"), m.max_price_step, 0.0, 0.5)?;
    range(format!("{k}.price_floor"), m.price_floor, 0.05, 1.0)?;
    range(format!("{k}.price_cap"), m.price_cap, 1.0, 20.0)?;
    range(
        format!("{k}.obsolescence_per_tick"),
        m.obsolescence_per_tick,
        0.0,
        1.0,
    )?;
    range(
        format!("{k}.max_inventory_ticks"),
        m.max_inventory_ticks,
        1.0,
        8.0,
    )?;
    range(
        format!("{k}.price_performance_doubling_years"),
        m.price_performance_doubling_years,
        0.5,
        100.0,
    )?;
    range(
        format!("{k}.electricity_usd_per_kwh"),
        m.electricity_usd_per_kwh,
        0.0,
        2.0,
    )?;
    irange(
        format!("{k}.power_plan_ticks"),
        m.power_plan_ticks as u64,
        0,
        40,
    )
}

fn supply_limits(c: &Config) -> Check {
    unique(
        "supply_limits",
        c.supply_limits.iter().map(|x| x.name.as_str()),
    )?;
    for l in &c.supply_limits {
        let k = format!("supply_limits[{}]", l.name);
        range(format!("{k}.units_per_tick"), l.units_per_tick, 0.0, 1e9)?;
        range(format!("{k}.growth"), l.growth, -0.9, 10.0)?;
    }
    for x in &c.chips {
        if let Some(n) = &x.supply_limit {
            if !c.supply_limits.iter().any(|l| &l.name == n) {
                return fail(
                    format!("chips[{}].supply_limit", x.name),
                    format!("unknown supply limit `{n}`"),
                );
            }
        }
    }
    Ok(())
}

fn datacenters(d: &DataCenterCfg) -> Check {
    range("datacenters.pue", d.pue, 1.0, 3.0)?;
    range("datacenters.load_factor", d.load_factor, 0.05, 1.0)?;
    range("datacenters.ai_share_start", d.ai_share_start, 0.0, 1.0)?;
    range("datacenters.headroom", d.headroom, 0.0, 2.0)?;
    range(
        "datacenters.plan_growth_smoothing",
        d.plan_growth_smoothing,
        0.0,
        1.0,
    )?;
    range(
        "datacenters.plan_growth_cap_per_tick",
        d.plan_growth_cap_per_tick,
        0.0,
        1.0,
    )?;
    range("datacenters.plan_ahead_cap", d.plan_ahead_cap, 1.0, 10.0)?;
    range("datacenters.start_floor_gw", d.start_floor_gw, 0.0, 10.0)
}

fn chip_buyers(b: &ChipBuyersCfg) -> Check {
    range("chip_buyers.cost_elasticity", b.cost_elasticity, 0.0, 20.0)?;
    range(
        "chip_buyers.inference_headroom",
        b.inference_headroom,
        0.0,
        2.0,
    )?;
    range(
        "chip_buyers.inference_budget_per_h100e_usd",
        b.inference_budget_per_h100e_usd,
        1.0,
        1e7,
    )?;
    range(
        "chip_buyers.start_inference_cover",
        b.start_inference_cover,
        0.0,
        2.0,
    )?;
    range("chip_buyers.alignment_tilt", b.alignment_tilt, 0.0, 5.0)?;
    range(
        "chip_buyers.start_cn_domestic_share",
        b.start_cn_domestic_share,
        0.0,
        1.0,
    )
}

fn alignment(a: &AlignmentCfg) -> Check {
    let k = "alignment";
    range(format!("{k}.speed"), a.speed, 0.0, 1.0)?;
    range(format!("{k}.w_home"), a.w_home, 0.0, 1.0)?;
    range(format!("{k}.w_trade"), a.w_trade, 0.0, 1.0)?;
    range(format!("{k}.w_stacks"), a.w_stacks, 0.0, 1.0)?;
    sums_to_one(
        "alignment.w_home + w_trade + w_stacks",
        a.w_home + a.w_trade + a.w_stacks,
    )?;
    range(format!("{k}.w_huawei"), a.w_huawei, 0.0, 5.0)?;
    range(format!("{k}.w_friction"), a.w_friction, 0.0, 5.0)?;
    range(format!("{k}.threshold"), a.threshold, 0.0, 1.0)?;
    range(
        format!("{k}.trade_noise_sigma"),
        a.trade_noise_sigma,
        0.0,
        5.0,
    )?;
    range(
        format!("{k}.same_region_boost"),
        a.same_region_boost,
        0.0,
        100.0,
    )
}

fn policy(c: &Config) -> Check {
    us_policy(c)?;
    china_policy(c)
}

fn us_policy(c: &Config) -> Check {
    let us = &c.policy.us;
    let chip_known = |n: &str| c.chips.iter().any(|x| x.name == n);
    let mut pairs = BTreeSet::new();
    for (i, r) in us.export.iter().enumerate() {
        let k = format!("policy.us.export[{i}]");
        if !chip_known(&r.chip) {
            return fail(format!("{k}.chip"), format!("unknown chip `{}`", r.chip));
        }
        if !pairs.insert((r.chip.clone(), r.dest)) {
            return fail(
                &k,
                format!("a second rule for {} to {}", r.chip, r.dest.code()),
            );
        }
        range(format!("{k}.revenue_share"), r.revenue_share, 0.0, 0.9)?;
        if let Some(cap) = r.volume_cap {
            range(format!("{k}.volume_cap"), cap, 0.0, 100.0)?;
        }
    }
    range("policy.us.leakage", us.leakage, 0.0, 1.0)?;
    range("policy.us.leak_markup", us.leak_markup, 0.0, 10.0)?;
    range(
        "policy.us.green_build_factor",
        us.green_build_factor,
        0.0,
        5.0,
    )?;
    irange(
        "policy.us.permitting_speedup_ticks",
        us.permitting_speedup_ticks as u64,
        0,
        40,
    )?;
    if let Some(m) = us.interconnect_margin {
        range("policy.us.interconnect_margin", m, 0.0, 2.0)?;
    }
    range("policy.us.friction", us.friction, 0.0, 1.0)?;
    range(
        "policy.us.state_capital_usd_per_tick",
        us.state_capital_usd_per_tick,
        0.0,
        1e12,
    )?;
    Ok(())
}

fn china_policy(c: &Config) -> Check {
    let chip_known = |n: &str| c.chips.iter().any(|x| x.name == n);
    let cn = &c.policy.china;
    for (i, r) in cn.import.iter().enumerate() {
        if !chip_known(&r.chip) {
            return fail(
                format!("policy.china.import[{i}].chip"),
                format!("unknown chip `{}`", r.chip),
            );
        }
    }
    if let Some(t) = cn.lift_blocks_below_self_sufficiency {
        range(
            "policy.china.lift_blocks_below_self_sufficiency",
            t,
            0.0,
            1.0,
        )?;
    }
    if let Some(t) = cn.block_all_foreign_at_self_sufficiency {
        range(
            "policy.china.block_all_foreign_at_self_sufficiency",
            t,
            0.0,
            1.0,
        )?;
    }
    range(
        "policy.china.chip_subsidy_usd_per_tick",
        cn.chip_subsidy_usd_per_tick,
        0.0,
        1e12,
    )?;
    range(
        "policy.china.subsidy_growth_per_10bn",
        cn.subsidy_growth_per_10bn,
        0.0,
        10.0,
    )?;
    range(
        "policy.china.protection_growth",
        cn.protection_growth,
        0.0,
        10.0,
    )?;
    range(
        "policy.china.state_telecom_dc_gw_per_tick",
        cn.state_telecom_dc_gw_per_tick,
        0.0,
        1000.0,
    )?;
    range(
        "policy.china.embodied_priority",
        cn.embodied_priority,
        0.0,
        10.0,
    )?;
    range(
        "policy.china.open_weight_promotion",
        cn.open_weight_promotion,
        0.0,
        1.0,
    )?;
    range(
        "policy.china.state_capital_usd_per_tick",
        cn.state_capital_usd_per_tick,
        0.0,
        1e12,
    )?;
    range(
        "policy.china.state_capital_gap_response",
        cn.state_capital_gap_response,
        0.0,
        5.0,
    )?;
    range(
        "policy.china.digital_diplomacy",
        cn.digital_diplomacy,
        0.0,
        1.0,
    )
}

pub use super::structure::same_structure;
