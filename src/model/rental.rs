//! Renting compute abroad, on the same economics as owning it.
//!
//! Clouds in allied and non-aligned countries (Singapore, Malaysia, the Gulf,
//! Europe…) rent out a share of their compute. The rent is the owner's cost
//! of an H100e-quarter (the best-value chip those hosts can buy, paid off over
//! its service life, plus the power it draws) plus a margin. A lab compares
//! that with its own cost of owning an H100e-quarter at home (the best-value
//! chip it may buy, plus power, plus a shadow price when its country's data
//! centers cannot power what it wants to buy) and splits its budget by a
//! logit on the two costs. The pool is shared pro-rata; money that finds no
//! compute stays in the lab's budget. Chinese labs may rent only while the US
//! allows remote access.

use super::chips::{self, Access, ChinaStance, ChipState};
use super::lab::{self, Lab};
use crate::config::{Bloc, ChipCfg, Config};
use crate::math;

/// Owner's cost of one training H100e for a quarter, bought at `unit_price`: the chip
/// paid off over its service life plus the power it draws.
pub fn owner_cost(cfg: &Config, chip: &ChipCfg, unit_price: f64) -> f64 {
    let h = lab::train_h100e(chip);
    if h <= 0.0 {
        return f64::INFINITY;
    }
    let capital = unit_price / h / cfg.lab_dynamics.chip_life_ticks as f64;
    let kw = chip.watts / h * 1e-3 * cfg.datacenters.pue;
    capital + kw * lab::HOURS_PER_TICK * cfg.chip_market.electricity_usd_per_kwh
}

/// Cheapest owner's cost per H100e-quarter among chips on sale that `bloc` may buy.
pub fn best_own_cost(
    cfg: &Config,
    states: &[ChipState],
    bloc: Bloc,
    stance: ChinaStance,
    tick: u32,
) -> f64 {
    cfg.chips
        .iter()
        .zip(states)
        .filter(|(c, _)| tick >= c.intro_tick)
        .filter_map(|(c, st)| match chips::access(cfg, c, bloc, stance) {
            Access::Legal { .. } | Access::Leak => {
                let a = chips::access(cfg, c, bloc, stance);
                Some(owner_cost(cfg, c, chips::unit_price(cfg, st.price_usd, a)))
            }
            Access::Denied => None,
        })
        .fold(f64::INFINITY, f64::min)
}

/// The rental market this quarter: rent per H100e-quarter and the pool on offer.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RentalMarket {
    /// Rent, USD per H100e per quarter.
    pub price: f64,
    /// Rentable compute, H100e.
    pub pool: f64,
}

/// Rent and pool: hosts' best owner's cost plus the margin; a share of allied and
/// non-aligned countries' powered inference compute.
pub fn market(
    cfg: &Config,
    states: &[ChipState],
    infer_h100e: &[f64],
    utilisation: &[f64],
    tick: u32,
) -> RentalMarket {
    let d = &cfg.lab_dynamics;
    let host_cost = best_own_cost(cfg, states, Bloc::NONALIGNED, ChinaStance::AsListed, tick);
    let hosted: f64 = cfg
        .countries
        .iter()
        .enumerate()
        .filter(|(_, c)| matches!(c.bloc, Bloc::ALLY | Bloc::NONALIGNED))
        .map(|(i, _)| infer_h100e[i] * utilisation.get(i).copied().unwrap_or(1.0))
        .sum();
    if !host_cost.is_finite() {
        // Hosts can buy nothing: there is nothing to rent.
        return RentalMarket::default();
    }
    RentalMarket {
        price: host_cost * (1.0 + d.rental_margin),
        pool: d.rental_share_of_host_compute * hosted,
    }
}

/// Share of its budget a lab puts into renting: a logit on the two costs.
pub fn rent_share(cfg: &Config, own_cost: f64, rent: f64) -> f64 {
    if !rent.is_finite() || rent <= 0.0 {
        return 0.0;
    }
    if !own_cost.is_finite() {
        return 1.0;
    }
    let e = cfg.lab_dynamics.rent_elasticity;
    1.0 / (1.0 + math::powf(rent / own_cost, e))
}

/// Fill rental requests pro-rata to the pool: `money[i]` is what lab i offers to spend.
/// Sets each lab's rented compute and returns what each actually spent.
pub fn rent(labs: &mut [Lab], money: &[f64], m: RentalMarket) -> Vec<f64> {
    let want: Vec<f64> = money
        .iter()
        .map(|x| if m.price > 0.0 { x / m.price } else { 0.0 })
        .collect();
    let total: f64 = want.iter().sum();
    let scale = if total > m.pool && total > 0.0 {
        m.pool / total
    } else {
        1.0
    };
    labs.iter_mut()
        .zip(&want)
        .map(|(lab, w)| {
            lab.rented_h100e = w * scale;
            lab.rented_h100e * m.price
        })
        .collect()
}
