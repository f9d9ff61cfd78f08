//! Physical invariants checked after every tick. The cheap ones ([`check_cheap`]:
//! labs, chips, money, China's chip share; O(labs + chips + countries)) run in every
//! build from the recorder; the full set ([`check`]: also every market and firm
//! group) runs in debug builds or with `--check-invariants`.
//!
//! A policy tool is trusted only if it never prints a plausible-looking wrong
//! number; these checks turn a silent modelling bug into a loud stop that
//! names the tick, the agent and the quantity.

use super::stack::N_STACKS;
use super::{TickReport, World};
use crate::config::Config;
use crate::error::{Error, Result};

fn bad(tick: u32, agent: impl Into<String>, quantity: impl Into<String>) -> Error {
    Error::Invariant {
        tick,
        agent: agent.into(),
        quantity: quantity.into(),
    }
}

fn non_negative(tick: u32, agent: &str, name: &str, v: f64) -> Result<()> {
    if v.is_finite() && v >= -1e-9 {
        Ok(())
    } else {
        Err(bad(
            tick,
            agent,
            format!("{name} = {v} (must be finite and >= 0)"),
        ))
    }
}

fn share(tick: u32, agent: &str, name: &str, v: f64) -> Result<()> {
    if v.is_finite() && (-1e-9..=1.0 + 1e-9).contains(&v) {
        Ok(())
    } else {
        Err(bad(
            tick,
            agent,
            format!("{name} = {v} (must be in [0, 1])"),
        ))
    }
}

/// The cheap invariants, run after every tick in every build: labs' state is finite and
/// non-negative, no lab's capability exceeds its own trained level by more than the
/// distillation margin, chips are conserved, stocks stay within the makers' limit, and
/// China's domestic chip share is a share.
pub fn check_cheap(cfg: &Config, world: &World, report: &TickReport) -> Result<()> {
    let t = report.tick;
    chips(cfg, world, t)?;
    let margin = cfg.lab_dynamics.distill_margin;
    for (l, lab) in world.labs.iter().enumerate() {
        let who = format!("lab {} ({})", l, lab.name);
        non_negative(t, &who, "train_h100e", lab.train_h100e)?;
        non_negative(t, &who, "chip_power_gw", lab.chip_power_gw)?;
        non_negative(t, &who, "budget_usd", lab.budget_usd)?;
        non_negative(t, &who, "revenue_usd", lab.revenue_usd)?;
        non_negative(t, &who, "capital_usd", lab.capital_usd)?;
        non_negative(t, &who, "rented_h100e", lab.rented_h100e)?;
        non_negative(t, &who, "price_usd_per_mtok", lab.price_usd_per_mtok)?;
        non_negative(t, &who, "algo_efficiency", lab.algo_efficiency)?;
        if !lab.capability.is_finite() || !lab.own_capability.is_finite() {
            return Err(bad(t, who, format!("capability = {}", lab.capability)));
        }
        if lab.capability > lab.own_capability + margin + 1e-9 {
            return Err(bad(
                t,
                who,
                format!(
                    "capability {} exceeds own trained level {} by more than the distillation margin {margin}",
                    lab.capability, lab.own_capability
                ),
            ));
        }
    }
    share(
        t,
        "CN",
        "cn_chip_self_sufficiency",
        world.last.cn_self_sufficiency,
    )?;
    share(
        t,
        "CN",
        "cn_inference_self_sufficiency",
        report.cn_inference_share,
    )?;
    non_negative(
        t,
        "US government",
        "license revenue",
        report.clearing.license_revenue,
    )
}

/// Check every invariant of the state after the tick in `report`.
pub fn check(cfg: &Config, world: &World, report: &TickReport) -> Result<()> {
    let t = report.tick;
    check_cheap(cfg, world, report)?;
    for m in &world.markets {
        non_negative(t, &m.id, "capacity_gw", m.capacity_gw)?;
        non_negative(t, &m.id, "base_peak_gw", m.base_peak_gw)?;
        non_negative(t, &m.id, "dc_operational_gw", m.dc_operational_gw)?;
        non_negative(t, &m.id, "dc_other_gw", m.dc_other_gw)?;
        for p in m.dc_building.iter().chain(&m.gen_building) {
            non_negative(t, &m.id, "project GW", p.gw)?;
        }
        for r in &m.queue {
            non_negative(t, &m.id, "queued request GW", r.gw)?;
        }
    }
    for (c, row) in world.country_stack_shares(cfg).iter().enumerate() {
        let total: f64 = row.iter().sum();
        if total != 0.0 && (total - 1.0).abs() > 1e-9 {
            return Err(bad(
                t,
                &cfg.countries[c].code,
                format!("stack shares of adopters sum to {total}, not 1"),
            ));
        }
    }
    power(cfg, world, t)?;
    firms(cfg, world, t)?;
    non_negative(
        t,
        "US government",
        "license revenue",
        report.clearing.license_revenue,
    )
}

/// Chips are conserved: what was on offer was delivered, smuggled or kept in inventory;
/// prices are positive; unsold stock stays within the makers' limit.
fn chips(cfg: &Config, world: &World, t: u32) -> Result<()> {
    for (c, st) in cfg.chips.iter().zip(&world.chips) {
        let who = format!("chip {}", c.name);
        for (name, v) in [
            ("capacity", st.capacity),
            ("inventory", st.inventory),
            ("delivered", st.delivered),
            ("leaked", st.leaked),
            ("cumulative", st.cumulative),
            ("written_off", st.written_off),
        ] {
            non_negative(t, &who, name, v)?;
        }
        if !(st.price_usd.is_finite() && st.price_usd > 0.0) {
            return Err(bad(t, who, format!("price_usd = {}", st.price_usd)));
        }
        let keep = cfg.chip_market.max_inventory_ticks * st.capacity;
        if st.inventory > keep * (1.0 + 1e-9) + 1e-6 {
            return Err(bad(
                t,
                who,
                format!(
                    "inventory {} exceeds {} quarters of capacity {}",
                    st.inventory, cfg.chip_market.max_inventory_ticks, st.capacity
                ),
            ));
        }
        let out = st.delivered + st.leaked + st.inventory;
        // Inventory before this tick = out - produced; it must itself be non-negative.
        if out + 1e-6 * out.max(1.0) < st.produced {
            return Err(bad(
                t,
                who,
                format!(
                    "delivered {} + leaked {} + inventory {} < produced {}",
                    st.delivered, st.leaked, st.inventory, st.produced
                ),
            ));
        }
    }
    Ok(())
}

/// Chips never use more power than running data centers supply.
fn power(cfg: &Config, world: &World, t: u32) -> Result<()> {
    let power = world.chip_power_gw(cfg);
    let dc = world.dc_operational_gw(cfg);
    for (c, ct) in cfg.countries.iter().enumerate() {
        let u = world.last.utilisation.get(c).copied().unwrap_or(1.0);
        share(t, &ct.code, "chip utilisation", u)?;
        let used = power[c] * cfg.datacenters.pue * u;
        if used > dc[c] * (1.0 + 1e-9) + 1e-9 {
            return Err(bad(
                t,
                &ct.code,
                format!("chips draw {used} GW but data centers supply {} GW", dc[c]),
            ));
        }
        share(
            t,
            &ct.code,
            "served share of inference demand",
            world.last.served[c],
        )?;
        non_negative(t, &ct.code, "inference stock", world.infer_h100e[c])?;
        share(
            t,
            &ct.code,
            "alignment (as (a+1)/2)",
            (world.gov.alignment[c] + 1.0) / 2.0,
        )?;
    }
    Ok(())
}

/// Every firm is counted once, intensities stay in [0, 1].
fn firms(cfg: &Config, world: &World, t: u32) -> Result<()> {
    let mut total = 0u64;
    for (g, totals) in world.firms.groups.iter().zip(&world.last.groups) {
        let n = (g.end - g.start) as u64;
        total += n;
        let adopters: u64 = totals.adopters.iter().map(|&a| a as u64).sum();
        let who = format!(
            "firms of {} / {}",
            cfg.countries[g.country].code, cfg.sectors[g.sector].name
        );
        if adopters > n {
            return Err(bad(t, who, format!("{adopters} adopters among {n} firms")));
        }
        for k in 0..N_STACKS {
            let mean = if totals.adopters[k] > 0 {
                totals.intensity[k] / totals.adopters[k] as f64
            } else {
                0.0
            };
            share(t, &who, "mean intensity", mean)?;
        }
    }
    let want = super::firm_agents(cfg);
    if total != want {
        return Err(bad(
            t,
            "firms",
            format!("{total} firm agents in groups, config calls for {want}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testing::tiny_config;

    fn stepped() -> (Config, World, TickReport) {
        let cfg = tiny_config();
        let mut w = World::new(&cfg, 1);
        let r = w.step(&cfg);
        (cfg, w, r)
    }

    #[test]
    fn a_healthy_tick_passes() {
        let (cfg, w, r) = stepped();
        check(&cfg, &w, &r).unwrap();
    }

    #[test]
    fn violations_name_tick_agent_and_quantity() {
        let (cfg, mut w, r) = stepped();
        w.labs[2].train_h100e = f64::NAN;
        let e = check(&cfg, &w, &r).unwrap_err().to_string();
        assert!(
            e.contains("tick 0") && e.contains(&w.labs[2].name) && e.contains("train_h100e"),
            "{e}"
        );

        let (cfg, mut w, r) = stepped();
        w.chips[0].delivered = -5.0;
        assert!(check(&cfg, &w, &r)
            .unwrap_err()
            .to_string()
            .contains("delivered"));

        let (cfg, mut w, r) = stepped();
        let k = w
            .last
            .groups
            .iter()
            .position(|g| g.adopters[0] > 0)
            .unwrap();
        w.last.groups[k].adopters[0] += 10_000;
        assert!(check(&cfg, &w, &r)
            .unwrap_err()
            .to_string()
            .contains("adopters among"));

        let (cfg, mut w, r) = stepped();
        w.markets[0]
            .queue
            .push(crate::model::utility::Request { since: 0, gw: -1.0 });
        assert!(check(&cfg, &w, &r)
            .unwrap_err()
            .to_string()
            .contains("queued"));
    }

    #[test]
    fn chips_drawing_more_power_than_data_centers_supply_is_caught() {
        let (cfg, mut w, r) = stepped();
        w.last.utilisation[0] = 1.0;
        for m in w.markets.iter_mut().filter(|m| m.country == 0) {
            m.dc_operational_gw = 0.0;
        }
        let e = check(&cfg, &w, &r).unwrap_err();
        assert_eq!(e.exit_code(), 1);
        assert!(e.to_string().contains("data centers supply"), "{e}");
    }
}
