//! Physical invariants checked after every tick. The cheap ones ([`check_cheap`]:
//! labs, chips, money, China's chip share; O(labs + chips + countries)) run in every
//! build from the recorder; the full set ([`check`]: also every market and firm
//! group) runs in debug builds or with `--check-invariants`.
//!
//! A policy tool is trusted only if it never prints a plausible-looking wrong
//! number; these checks turn a silent modelling bug into a loud stop that
//! names the tick, the agent and the quantity.

use super::chips::ROUNDING_EPS;
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
    chips(cfg, world, report, t)?;
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
    power(cfg, world, t)?;
    firms(cfg, world, t)?;
    stack_shares(cfg, world, t)?;
    non_negative(
        t,
        "US government",
        "license revenue",
        report.clearing.license_revenue,
    )
}

/// Chips are conserved, checked both ways: the opening stock plus this tick's output
/// equals what was delivered, smuggled, written off and is still in stock (so neither
/// lost chips nor chips delivered beyond supply pass); the market's totals equal the sum
/// of the deliveries it reports; prices are positive; stock stays within the makers' limit.
fn chips(cfg: &Config, world: &World, report: &TickReport, t: u32) -> Result<()> {
    if report.chip_opening.len() != world.chips.len() {
        return Err(bad(
            t,
            "chip market",
            format!(
                "opening balance has {} chips, the market {}",
                report.chip_opening.len(),
                world.chips.len()
            ),
        ));
    }
    let mut legal = vec![0.0; world.chips.len()];
    let mut smuggled = vec![0.0; world.chips.len()];
    for d in &report.clearing.deliveries {
        let Some(slot) = (if d.smuggled {
            &mut smuggled
        } else {
            &mut legal
        })
        .get_mut(d.chip) else {
            return Err(bad(
                t,
                "chip market",
                format!("delivery of chip {}", d.chip),
            ));
        };
        *slot += d.units;
    }
    // Every balance below is a sum of at most (deliveries + a few) terms, each rounded
    // once: the error is bounded by that count × ROUNDING_EPS × the largest magnitude.
    let ops = report.clearing.deliveries.len() as f64 + 16.0;
    for (k, (c, st)) in cfg.chips.iter().zip(&world.chips).enumerate() {
        let who = format!("chip {}", c.name);
        for (name, v) in [
            ("capacity", st.capacity),
            ("inventory", st.inventory),
            ("produced", st.produced),
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
        let (opening, opening_cumulative) = report.chip_opening[k];
        let inflow = opening + st.produced;
        let outflow = st.delivered + st.leaked + st.written_off + st.inventory;
        let tol = |scale: f64| ops * ROUNDING_EPS * scale.abs().max(1.0);
        if (inflow - outflow).abs() > tol(inflow.abs() + outflow.abs()) {
            return Err(bad(
                t,
                who,
                format!(
                    "opening stock {opening} + produced {} = {inflow}, but delivered {} + leaked {} + written off {} + inventory {} = {outflow}",
                    st.produced, st.delivered, st.leaked, st.written_off, st.inventory
                ),
            ));
        }
        let on_offer = opening - st.written_off + st.produced;
        if (st.offered - on_offer).abs() > tol(on_offer) {
            return Err(bad(
                t,
                who,
                format!(
                    "offered {} but stock and output came to {on_offer}",
                    st.offered
                ),
            ));
        }
        if st.produced > st.capacity * (1.0 + 1e-12) {
            return Err(bad(
                t,
                who,
                format!("produced {} above capacity {}", st.produced, st.capacity),
            ));
        }
        let cumulative = opening_cumulative + st.produced;
        if (st.cumulative - cumulative).abs() > tol(cumulative) {
            return Err(bad(
                t,
                who,
                format!(
                    "cumulative output {} but {opening_cumulative} + produced {} = {cumulative}",
                    st.cumulative, st.produced
                ),
            ));
        }
        for (name, market, sum) in [
            ("delivered", st.delivered, legal[k]),
            ("leaked", st.leaked, smuggled[k]),
        ] {
            if (market - sum).abs() > tol(market.abs() + sum.abs()) {
                return Err(bad(
                    t,
                    who,
                    format!("{name} {market} but the deliveries add up to {sum}"),
                ));
            }
        }
    }
    Ok(())
}

/// Stack shares are checked before they are normalised: each country's weighted adopters
/// per stack are finite and non-negative, together at most its real firms, and the
/// normalised shares are exactly those counts over their sum (so they sum to 1).
fn stack_shares(cfg: &Config, world: &World, t: u32) -> Result<()> {
    let n = cfg.countries.len();
    let mut raw = vec![[0.0; N_STACKS]; n];
    let mut firms = vec![0.0; n];
    for (g, totals) in world.firms.groups.iter().zip(&world.last.groups) {
        firms[g.country] += g.real_firms();
        for (r, a) in raw[g.country].iter_mut().zip(&totals.adopters) {
            *r += *a as f64 * g.weight;
        }
    }
    let shares = world.country_stack_shares(cfg);
    for c in 0..n {
        let who = &cfg.countries[c].code;
        for (k, v) in raw[c].iter().enumerate() {
            non_negative(t, who, &format!("adopters on stack {k}"), *v)?;
        }
        let total: f64 = raw[c].iter().sum();
        if total > firms[c] * (1.0 + 1e-9) {
            return Err(bad(
                t,
                who,
                format!("{total} adopters (weighted) among {} real firms", firms[c]),
            ));
        }
        for k in 0..N_STACKS {
            let want = if total > 0.0 { raw[c][k] / total } else { 0.0 };
            if (shares[c][k] - want).abs() > 1e-12 {
                return Err(bad(
                    t,
                    who,
                    format!("stack {k} share {} but adopters give {want}", shares[c][k]),
                ));
            }
        }
        let sum: f64 = shares[c].iter().sum();
        if total > 0.0 && (sum - 1.0).abs() > 1e-9 {
            return Err(bad(
                t,
                who,
                format!("stack shares of adopters sum to {sum}, not 1"),
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
        // The Chinese-chip part of the stock can never exceed the stock (`cn_chip_share`
        // clamps only rounding; this catches a delivery booked to one and not the other).
        non_negative(
            t,
            &ct.code,
            "inference stock on Chinese chips",
            world.infer_h100e_cn[c],
        )?;
        if world.infer_h100e[c] > 0.0 {
            share(
                t,
                &ct.code,
                "Chinese-chip share of the inference stock",
                world.infer_h100e_cn[c] / world.infer_h100e[c],
            )?;
        }
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
        let c = (0..w.infer_h100e.len())
            .find(|&c| w.infer_h100e[c] > 0.0)
            .expect("some country holds inference chips");
        w.infer_h100e_cn[c] = 2.0 * w.infer_h100e[c];
        let e = check(&cfg, &w, &r).unwrap_err().to_string();
        assert!(
            e.contains(&cfg.countries[c].code) && e.contains("Chinese-chip share"),
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

    /// A chip index with stock or deliveries this tick, so a tampered balance is visible.
    fn busy_chip(w: &World) -> usize {
        w.chips
            .iter()
            .position(|c| c.delivered > 0.0 && c.inventory > 0.0)
            .or_else(|| w.chips.iter().position(|c| c.delivered > 0.0))
            .expect("some chip was delivered in tick 0")
    }

    #[test]
    fn conservation_fails_both_ways() {
        // Over-delivery: more chips delivered than were on offer (the old one-sided check
        // and the inventory clamp let this through).
        let (cfg, mut w, mut r) = stepped();
        let k = busy_chip(&w);
        w.chips[k].delivered *= 1.01;
        for d in r
            .clearing
            .deliveries
            .iter_mut()
            .filter(|d| d.chip == k && !d.smuggled)
        {
            d.units *= 1.01;
        }
        let e = check_cheap(&cfg, &w, &r).unwrap_err().to_string();
        assert!(
            e.contains("opening stock") && e.contains(&cfg.chips[k].name),
            "{e}"
        );

        // Lost chips: stock vanishes without being delivered or written off.
        let (cfg, mut w, r) = stepped();
        let k = busy_chip(&w);
        w.chips[k].inventory *= 0.5;
        w.chips[k].produced *= 0.999;
        let e = check_cheap(&cfg, &w, &r).unwrap_err().to_string();
        assert!(e.contains("opening stock"), "{e}");

        // The market's total disagrees with the deliveries it reports.
        let (cfg, mut w, mut r) = stepped();
        let k = busy_chip(&w);
        let d = r
            .clearing
            .deliveries
            .iter()
            .position(|d| d.chip == k && !d.smuggled)
            .unwrap();
        r.clearing.deliveries[d].units *= 2.0;
        let e = check_cheap(&cfg, &w, &r).unwrap_err().to_string();
        assert!(e.contains("deliveries add up to"), "{e}");
        w.chips[k].cumulative += 1.0;
        r.clearing.deliveries[d].units /= 2.0;
        let e = check_cheap(&cfg, &w, &r).unwrap_err().to_string();
        assert!(e.contains("cumulative output"), "{e}");

        // A missing opening balance is itself a violation, never a skipped check.
        let (cfg, w, mut r) = stepped();
        r.chip_opening.clear();
        assert!(check_cheap(&cfg, &w, &r).is_err());
    }

    #[test]
    fn clearing_keeps_unsold_stock_exactly() {
        // Stock after clearing is supply less what was taken, with no clamp at 0 (a clamp hid
        // over-delivery); scarce supply sells out to exactly 0.
        use crate::config::Bloc;
        use crate::model::chips::{clear, Access, Buyer, Order};
        let cfg = tiny_config();
        let mut states = crate::model::chips::start_states(&cfg);
        let orders = [Order {
            buyer: Buyer::Country(0),
            bloc: Bloc::US,
            chip: 0,
            units: 100.0,
            access: Access::Legal {
                revenue_share: 0.0,
                licensed: false,
            },
        }];
        let mut supply = vec![0.0; cfg.chips.len()];
        supply[0] = 50.0;
        clear(&cfg, &mut states, &supply, &orders);
        assert_eq!(states[0].delivered, 50.0);
        assert_eq!(states[0].inventory, 0.0);
        // Ample supply keeps the rest in stock.
        let mut states = crate::model::chips::start_states(&cfg);
        supply[0] = 200.0;
        clear(&cfg, &mut states, &supply, &orders);
        assert_eq!(states[0].inventory, 100.0);
    }

    #[test]
    fn stack_shares_are_checked_before_normalisation() {
        let (cfg, mut w, r) = stepped();
        let k = w
            .last
            .groups
            .iter()
            .position(|g| g.adopters[1] > 0)
            .unwrap();
        // More adopters than firms in the group's country: the normalised shares still sum
        // to 1, so only the count before normalisation can catch it.
        let n = (w.firms.groups[k].end - w.firms.groups[k].start) as u32;
        w.last.groups[k].adopters[1] += n * 1000;
        let e = stack_shares(&cfg, &w, r.tick).unwrap_err().to_string();
        assert!(e.contains("real firms"), "{e}");
    }
}
