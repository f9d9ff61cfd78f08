//! Labs: the innovation side of the race.
//!
//! A lab turns chips (owned at home, or rented abroad where remote access is
//! allowed) into effective training compute, multiplies it by its algorithmic
//! efficiency, and every few quarters releases a model whose capability is
//! the log of that effective compute, raised by data quality. Efficiency grows
//! with talent at a bounded pace. Open-weight models spill over by
//! distillation: a lab behind the best open model closes a share of the gap
//! each quarter, a share that decays with the open model's age, and never
//! beyond the teacher's level nor more than `distill_margin` above what the
//! lab trained itself. Money is a stock: income (inference revenue and
//! capital, see `capital.rs`) adds to the budget, chips, rent and power are
//! paid from it, and whatever is not spent stays.

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
/// Ceiling on the talent multiplier of algorithmic progress: no lab improves its
/// algorithms more than twice as fast as frontier practice (keeps the growth rate of
/// efficiency bounded whatever `talent` and `talent_elasticity` are set to).
pub const MAX_TALENT_MULTIPLIER: f64 = 2.0;
/// Hours in a quarter.
pub const HOURS_PER_TICK: f64 = SECONDS_PER_TICK / 3600.0;

/// A lab's state.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Lab {
    /// Name, for reports.
    pub name: String,
    /// Home country index.
    pub country: usize,
    /// Home bloc.
    pub bloc: Bloc,
    /// Money available for compute (a stock: unspent money stays), USD.
    pub budget_usd: f64,
    /// Inference revenue last quarter, USD.
    pub revenue_usd: f64,
    /// Capital (private, corporate, state) received last quarter, USD.
    pub capital_usd: f64,
    /// Spent on chips, rent and power last quarter, USD.
    pub spent_usd: f64,
    /// Best capability the lab reached by its own training (log10 effective FLOP).
    pub own_capability: f64,
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
            revenue_usd: 0.0,
            capital_usd: 0.0,
            spent_usd: 0.0,
            own_capability: 0.0,
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
        lab.own_capability = lab.capability;
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

    /// May this lab rent compute abroad? Chinese labs only while the US allows remote access.
    pub fn may_rent_abroad(&self, cfg: &Config) -> bool {
        self.bloc != Bloc::CN || cfg.policy.us.remote_access == crate::config::RemoteAccess::Allow
    }

    /// Power bill of the chips that run this quarter, USD.
    pub fn power_bill(&self, cfg: &Config, utilisation: f64) -> f64 {
        self.chip_power_gw
            * utilisation
            * cfg.datacenters.pue
            * 1e6
            * HOURS_PER_TICK
            * cfg.chip_market.electricity_usd_per_kwh
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
    /// efficiency grows with talent (bounded pace), and the released model may be
    /// improved by distilling the best open model `best_open` = (capability, age in quarters).
    pub fn train(&mut self, cfg: &Config, lc: &LabCfg, utilisation: f64, best_open: (f64, f64)) {
        let d = &cfg.lab_dynamics;
        let keep = 1.0 - 1.0 / d.chip_life_ticks as f64;
        self.train_h100e *= keep;
        self.chip_power_gw *= keep;
        self.chips_by_type.iter_mut().for_each(|n| *n *= keep);
        let h100e = self.train_h100e * utilisation + self.rented_h100e;
        self.run_flop += h100e * flop_per_h100e_tick(d.mfu) * d.training_fraction;
        let talent = math::powf(lc.talent, d.talent_elasticity).min(MAX_TALENT_MULTIPLIER);
        self.algo_efficiency *= math::exp(d.algo_growth_per_tick * talent);
        self.distill(cfg, best_open);
    }

    /// Distillation toward the best open-weight model: close `open_spillover × e^(−age/τ)`
    /// of the gap, never beyond the teacher, never more than `distill_margin` above the
    /// lab's own trained level, never lowering the released model.
    pub fn distill(&mut self, cfg: &Config, best_open: (f64, f64)) {
        let d = &cfg.lab_dynamics;
        let (teacher, age) = best_open;
        if teacher <= self.capability {
            return;
        }
        let pull = d.open_spillover * math::exp(-age.max(0.0) / d.distill_decay_ticks);
        let target = self.capability + pull * (teacher - self.capability);
        let ceiling = teacher.min(self.own_capability + d.distill_margin);
        self.capability = self.capability.max(target.min(ceiling));
    }

    /// Release a model if the cycle is complete; returns true when a model was released.
    pub fn maybe_release(&mut self, cfg: &Config, lc: &LabCfg, tick: u32) -> bool {
        if (tick as i64 - self.last_release) < lc.release_every as i64 {
            return false;
        }
        let d = &cfg.lab_dynamics;
        let cap = capability(
            self.run_flop * run_duration_factor(cfg, tick),
            self.algo_efficiency,
            lc.data_quality,
            d.data_weight,
        );
        self.own_capability = self.own_capability.max(cap);
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

/// Frontier runs last longer each year (Epoch: training durations grow ~1.2× a year):
/// the run counts `(1 + run_duration_growth)^years` release cycles of compute, up to
/// `max_run_duration_factor`.
pub fn run_duration_factor(cfg: &Config, tick: u32) -> f64 {
    let d = &cfg.lab_dynamics;
    math::powf(1.0 + d.run_duration_growth, tick as f64 / 4.0).min(d.max_run_duration_factor)
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
