//! Governments: policy levers and the drift of other countries between stacks.
//!
//! US and Chinese policy is mostly read straight from the config (a schedule
//! of changes at given ticks); this module holds what evolves: China's
//! adaptive import block, Huawei's presence abroad (digital diplomacy), and
//! each third country's alignment, pulled by its own stance, its trade
//! partners (a seeded gravity-like network), its firms' stack shares, Huawei,
//! and US friction.

use serde::{Deserialize, Serialize};

use super::chips::{self, ChinaStance, ChipState};
use super::stack::{Stack, N_STACKS};
use crate::config::{Bloc, Config};
use crate::math;
use crate::rng::{agent_rng, standard_normal, Stream};

/// Evolving government state.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Governments {
    /// Alignment per country: +1 US stack, −1 Chinese stack.
    pub alignment: Vec<f64>,
    /// Starting alignment (the "home" stance it is pulled back to).
    pub home_alignment: Vec<f64>,
    /// Huawei presence per country, 0–1.
    pub huawei: Vec<f64>,
    /// Row-normalised trade shares, `trade[i * n + j]` = share of i's trade with j.
    pub trade: Vec<f64>,
    /// Where China's adaptive import rules stand.
    pub cn_stance: ChinaStance,
}

impl Governments {
    /// Initial state from the config; the trade network is drawn from the seed.
    pub fn new(cfg: &Config, seed: u64) -> Governments {
        let alignment: Vec<f64> = cfg
            .countries
            .iter()
            .map(|c| match c.bloc {
                Bloc::US => 1.0,
                Bloc::CN => -1.0,
                _ => c.alignment,
            })
            .collect();
        Governments {
            home_alignment: alignment.clone(),
            alignment,
            huawei: cfg.countries.iter().map(|c| c.huawei_presence).collect(),
            trade: trade_network(cfg, seed),
            cn_stance: ChinaStance::AsListed,
        }
    }

    /// Share of country i's trade that is with country j.
    pub fn trade_share(&self, i: usize, j: usize) -> f64 {
        let n = self.alignment.len();
        self.trade[i * n + j]
    }

    /// China's adaptive import rules: tighten to a block of every foreign chip once
    /// domestic supply covers demand (and keep it), or lift the listed blocks while
    /// domestic supply falls short ("block the H200 for now").
    pub fn update_china(&mut self, cfg: &Config, self_sufficiency_last: f64) {
        let cn = &cfg.policy.china;
        if self.cn_stance == ChinaStance::BlockAll {
            return;
        }
        self.cn_stance = if cn
            .block_all_foreign_at_self_sufficiency
            .is_some_and(|t| self_sufficiency_last >= t)
        {
            ChinaStance::BlockAll
        } else if cn
            .lift_blocks_below_self_sufficiency
            .is_some_and(|t| self_sufficiency_last < t)
        {
            ChinaStance::LiftListed
        } else {
            ChinaStance::AsListed
        };
    }

    /// Digital diplomacy: Huawei spreads in the Global South (and, slower, among allies).
    pub fn update_huawei(&mut self, cfg: &Config) {
        let rate = cfg.policy.china.digital_diplomacy;
        for (h, c) in self.huawei.iter_mut().zip(&cfg.countries) {
            let reach = match c.bloc {
                Bloc::NONALIGNED => 1.0,
                Bloc::ALLY => 0.25,
                _ => 0.0,
            };
            *h += rate * reach * (1.0 - *h);
        }
    }

    /// Move each third country's alignment toward its target (US and China stay fixed).
    ///
    /// `stack_shares[c]` is the share of country c's adopters on each stack last tick.
    pub fn update_alignment(
        &mut self,
        cfg: &Config,
        stack_shares: &[[f64; N_STACKS]],
        us_index: Option<usize>,
    ) {
        let a = &cfg.alignment;
        let n = self.alignment.len();
        let old = self.alignment.clone();
        for i in 0..n {
            if matches!(cfg.countries[i].bloc, Bloc::US | Bloc::CN) {
                continue;
            }
            let partners: f64 = (0..n).map(|j| self.trade[i * n + j] * old[j]).sum();
            let sh = &stack_shares[i];
            let stacks: f64 = Stack::ALL.iter().map(|s| s.side() * sh[*s as usize]).sum();
            let us_exposure = us_index
                .map(|u| (4.0 * self.trade[i * n + u]).min(1.0))
                .unwrap_or(0.0);
            let target =
                a.w_home * self.home_alignment[i] + a.w_trade * partners + a.w_stacks * stacks
                    - a.w_huawei * self.huawei[i]
                    - a.w_friction * cfg.policy.us.friction * us_exposure;
            let next = old[i] + a.speed * (target.clamp(-1.0, 1.0) - old[i]);
            self.alignment[i] = next.clamp(-1.0, 1.0);
        }
    }
}

/// Import substitution: extra yearly capacity growth of each chip (non-zero for Chinese
/// designs only) from Beijing's subsidies and from protection, which pulls domestic
/// capacity only while domestic supply falls short of demand.
pub fn import_substitution_growth(
    cfg: &Config,
    states: &[ChipState],
    stance: ChinaStance,
    self_sufficiency_last: f64,
) -> Vec<f64> {
    let cn = &cfg.policy.china;
    let mut foreign = 0.0;
    let mut denied = 0.0;
    for (chip, st) in cfg.chips.iter().zip(states) {
        if chip.designer == Bloc::CN {
            continue;
        }
        let perf = st.capacity.max(chip.capacity_per_tick) * chip.infer_tflops;
        foreign += perf;
        if matches!(
            chips::access(cfg, chip, Bloc::CN, stance),
            chips::Access::Denied | chips::Access::Leak
        ) {
            denied += perf;
        }
    }
    let shortfall = (1.0 - self_sufficiency_last).clamp(0.0, 1.0);
    let protection = shortfall * if foreign > 0.0 { denied / foreign } else { 1.0 };
    let bonus = cn.subsidy_growth_per_10bn * cn.chip_subsidy_usd_per_tick / 1e10
        + cn.protection_growth * protection;
    cfg.chips
        .iter()
        .map(|c| if c.designer == Bloc::CN { bonus } else { 0.0 })
        .collect()
}

/// A gravity-like trade network: sqrt(GDP_i × GDP_j), boosted within a region,
/// times symmetric log-normal noise drawn from the seed; rows sum to 1.
pub fn trade_network(cfg: &Config, seed: u64) -> Vec<f64> {
    let n = cfg.countries.len();
    let a = &cfg.alignment;
    let mut t = vec![0.0; n * n];
    for i in 0..n {
        for j in (i + 1)..n {
            let (ci, cj) = (&cfg.countries[i], &cfg.countries[j]);
            let mut w = (ci.gdp_usd_tn * cj.gdp_usd_tn).sqrt();
            if ci.region == cj.region {
                w *= a.same_region_boost;
            }
            let mut rng = agent_rng(seed, Stream::TradeNetwork, (i * n + j) as u64, 0);
            w *= math::exp(a.trade_noise_sigma * standard_normal(&mut rng));
            t[i * n + j] = w;
            t[j * n + i] = w;
        }
    }
    for i in 0..n {
        let row = &mut t[i * n..(i + 1) * n];
        let s: f64 = row.iter().sum();
        if s > 0.0 {
            row.iter_mut().for_each(|x| *x /= s);
        }
    }
    t
}
