//! Labs: the innovation side of the race.
//!
//! A lab turns chips (owned at home, or rented abroad where remote access is
//! allowed) into effective training compute, multiplies it by its algorithmic
//! efficiency, and every few quarters releases a model whose capability is
//! the log of that effective compute, raised by data quality. Efficiency grows
//! with talent and with spill-over from the best open-weight model.

use serde::{Deserialize, Serialize};

use super::chips::H100_TFLOPS;
use super::stack::Stack;
use crate::config::{Bloc, ChipCfg, Config, LabCfg, Release};
use crate::math;

/// Seconds in a quarter (91.3 days).
pub const SECONDS_PER_TICK: f64 = 7.889e6;
/// Watts per H100-equivalent of the chip stocks labs and countries start with (an H100
/// server's share).
pub const START_WATTS_PER_H100E: f64 = 700.0;
/// Price of an H100 in 2026, USD: the reference cost of compute that inference prices
/// are quoted against, and what a lab's starting chips are valued at.
pub const REFERENCE_COST_PER_H100E: f64 = 25_000.0;
/// Weight of the latest purchase in a lab's running average cost per H100e.
pub const COST_SMOOTHING: f64 = 0.2;

/// A lab's state.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Lab {
    /// Name, for reports.
    pub name: String,
    /// Home country index.
    pub country: usize,
    /// Home bloc.
    pub bloc: Bloc,
    /// Compute budget this quarter, USD.
    pub budget_usd: f64,
    /// Algorithmic efficiency multiplier.
    pub algo_efficiency: f64,
    /// Owned chips by type (units still in service, config order).
    pub chips_by_type: Vec<f64>,
    /// Owned training chips, H100-equivalents.
    pub train_h100e: f64,
    /// Power those chips draw at full use, GW (IT load, before PUE).
    pub chip_power_gw: f64,
    /// Compute rented abroad this quarter, H100-equivalents.
    pub rented_h100e: f64,
    /// Raw FLOP accumulated toward the next release.
    pub run_flop: f64,
    /// Capability of the current model (log10 effective FLOP).
    pub capability: f64,
    /// Current model's stack.
    pub stack: Stack,
    /// Current model's inference price, USD per million tokens.
    pub price_usd_per_mtok: f64,
    /// Average price paid per H100e of compute, USD (drives inference prices).
    pub cost_per_h100e: f64,
    /// Tick of the last release.
    pub last_release: i64,
}

/// Training H100-equivalents of one chip: peak TFLOPS relative to an H100, times the
/// share its software stack lets a lab use.
pub fn train_h100e(chip: &ChipCfg) -> f64 {
    chip.train_tflops / H100_TFLOPS * chip.software_efficiency
}

/// Raw FLOP one H100-equivalent delivers in a quarter at model-FLOP utilisation `mfu`.
pub fn flop_per_h100e_tick(mfu: f64) -> f64 {
    H100_TFLOPS * 1e12 * mfu * SECONDS_PER_TICK
}

impl Lab {
    /// A lab at the start, with a model trained on its initial chips over one release cycle.
    pub fn new(cfg: &Config, lc: &LabCfg, country: usize, bloc: Bloc) -> Lab {
        let d = &cfg.lab_dynamics;
        let mut lab = Lab {
            name: lc.name.clone(),
            country,
            bloc,
            budget_usd: lc.budget_usd_per_tick,
            algo_efficiency: lc.algo_efficiency,
            chips_by_type: vec![0.0; cfg.chips.len()],
            train_h100e: lc.chips_h100e,
            chip_power_gw: lc.chips_h100e * START_WATTS_PER_H100E * 1e-9,
            rented_h100e: 0.0,
            run_flop: 0.0,
            capability: 0.0,
            stack: Stack::of(bloc, lc.release),
            price_usd_per_mtok: d.price_usd_per_mtok,
            cost_per_h100e: REFERENCE_COST_PER_H100E,
            last_release: -1,
        };
        let flop = lc.chips_h100e
            * flop_per_h100e_tick(d.mfu)
            * d.training_fraction
            * lc.release_every as f64;
        lab.capability = capability(flop, lab.algo_efficiency, lc.data_quality, d.data_weight);
        lab.price_usd_per_mtok = lab.price(cfg, lc);
        lab
    }

    /// The release policy in force (a US open-weights ban forces US labs closed).
    pub fn release_policy(cfg: &Config, lc: &LabCfg, bloc: Bloc) -> Release {
        if bloc == Bloc::US && cfg.policy.us.open_weights_ban {
            Release::Closed
        } else {
            lc.release
        }
    }

    /// Budget for chips bought at home this quarter, and budget for renting abroad.
    pub fn budgets(&self, cfg: &Config, lc: &LabCfg) -> (f64, f64) {
        let abroad_allowed = self.bloc == Bloc::CN
            && cfg.policy.us.remote_access == crate::config::RemoteAccess::Allow;
        let abroad = if abroad_allowed {
            self.budget_usd * lc.abroad_share
        } else {
            0.0
        };
        (self.budget_usd - abroad, abroad)
    }

    /// Add delivered chips to the lab's stock.
    pub fn receive(&mut self, k: usize, chip: &ChipCfg, units: f64, unit_price: f64) {
        let h100e = units * train_h100e(chip);
        if h100e <= 0.0 {
            return;
        }
        if let Some(n) = self.chips_by_type.get_mut(k) {
            *n += units;
        }
        self.train_h100e += h100e;
        self.chip_power_gw += units * chip.watts * 1e-9;
        let paid = unit_price * units / h100e;
        self.cost_per_h100e = (1.0 - COST_SMOOTHING) * self.cost_per_h100e + COST_SMOOTHING * paid;
    }

    /// One quarter of training: old chips retire, powered chips (and rented ones) add FLOP,
    /// efficiency grows with talent and open-weight spill-over.
    pub fn train(&mut self, cfg: &Config, lc: &LabCfg, utilisation: f64, best_open: f64) {
        let d = &cfg.lab_dynamics;
        let keep = 1.0 - 1.0 / d.chip_life_ticks as f64;
        self.train_h100e *= keep;
        self.chip_power_gw *= keep;
        self.chips_by_type.iter_mut().for_each(|n| *n *= keep);
        let h100e = self.train_h100e * utilisation + self.rented_h100e;
        self.run_flop += h100e * flop_per_h100e_tick(d.mfu) * d.training_fraction;
        let growth = d.algo_growth_per_tick * math::powf(lc.talent, d.talent_elasticity);
        self.algo_efficiency *= math::exp(growth);
        if best_open > self.capability {
            self.algo_efficiency *= math::exp10(d.open_spillover * (best_open - self.capability));
        }
        self.budget_usd *= math::powf(1.0 + lc.budget_growth, 0.25);
    }

    /// Release a model if the cycle is complete; returns true when a model was released.
    pub fn maybe_release(&mut self, cfg: &Config, lc: &LabCfg, tick: u32) -> bool {
        if (tick as i64 - self.last_release) < lc.release_every as i64 {
            return false;
        }
        let d = &cfg.lab_dynamics;
        let cap = capability(
            self.run_flop,
            self.algo_efficiency,
            lc.data_quality,
            d.data_weight,
        );
        self.capability = self.capability.max(cap);
        self.stack = Stack::of(self.bloc, Lab::release_policy(cfg, lc, self.bloc));
        self.price_usd_per_mtok = self.price(cfg, lc);
        self.run_flop = 0.0;
        self.last_release = tick as i64;
        true
    }

    /// Inference price: falls with the cost of compute and with algorithmic efficiency.
    fn price(&self, cfg: &Config, lc: &LabCfg) -> f64 {
        let d = &cfg.lab_dynamics;
        let base = d.price_usd_per_mtok * (self.cost_per_h100e / REFERENCE_COST_PER_H100E)
            / self.algo_efficiency.max(1e-9);
        let open = Lab::release_policy(cfg, lc, self.bloc) == Release::Open;
        if open {
            base * (1.0 - d.open_price_discount)
        } else {
            base
        }
    }
}

/// Capability of a model trained with `flop` raw FLOP: log10 of effective compute,
/// plus a data-quality bonus (better data lets smaller runs match bigger ones).
pub fn capability(flop: f64, algo_efficiency: f64, data_quality: f64, data_weight: f64) -> f64 {
    math::log10(flop.max(1.0) * algo_efficiency) + data_weight * math::log10(data_quality)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capability_is_log_of_effective_compute() {
        let a = capability(1e25, 1.0, 1.0, 1.0);
        assert!((a - 25.0).abs() < 1e-12);
        assert!(
            (capability(1e26, 1.0, 1.0, 1.0) - a - 1.0).abs() < 1e-12,
            "10x compute = +1"
        );
        assert!(
            (capability(1e25, 10.0, 1.0, 1.0) - a - 1.0).abs() < 1e-12,
            "10x efficiency = +1"
        );
        assert!(
            capability(1e25, 1.0, 2.0, 0.5) > a,
            "better data raises capability"
        );
    }
}
