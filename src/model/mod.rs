//! The world and its quarterly tick.
//!
//! A tick runs in fixed phases, each reading what earlier phases (or last
//! quarter's aggregates) left, so no agent ever sees another's half-updated
//! state: governments → chip production → orders and clearing → data-center
//! requests → utilities → labs train and release → firms adopt (in parallel)
//! → aggregates. Only the firm phase is parallel; its reductions are done in
//! a fixed order, so results do not depend on the thread count.

pub mod adoption;
pub mod chips;
pub mod datacenter;
pub mod downloads;
pub mod firm;
pub mod government;
pub mod invariants;
pub mod lab;
pub mod metrics;
pub mod stack;
#[cfg(test)]
pub mod testing;
pub mod utility;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use self::chips::{Buyer, ChipState, Clearing, H100_TFLOPS};
use self::firm::{CountryRule, Firms, GroupRule, GroupTotals};
use self::government::Governments;
use self::lab::Lab;
use self::stack::N_STACKS;
use self::utility::{GridRules, Market};
use crate::config::{Bloc, Config};
use crate::math;

/// Per-country aggregates of the last tick, read by the next one.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct Aggregates {
    /// Per firm group (country × sector) totals.
    pub groups: Vec<GroupTotals>,
    /// Per-country inference demand, H100e.
    pub demand_h100e: Vec<f64>,
    /// Per-country share of inference demand that was served (0–1).
    pub served: Vec<f64>,
    /// Per-country share of chips that had power (0–1).
    pub utilisation: Vec<f64>,
    /// China's domestic inference chip supply over demand.
    pub cn_self_sufficiency: f64,
}

/// Everything the model knows at the end of a tick.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct World {
    /// Ticks completed so far (the next step computes tick `tick`).
    pub tick: u32,
    /// The run's seed.
    pub seed: u64,
    /// Firms.
    pub firms: Firms,
    /// Labs, in config order.
    pub labs: Vec<Lab>,
    /// Power markets (utilities).
    pub markets: Vec<Market>,
    /// Chip market state, in config order.
    pub chips: Vec<ChipState>,
    /// Governments.
    pub gov: Governments,
    /// Inference chips per country, H100e.
    pub infer_h100e: Vec<f64>,
    /// Power those inference chips draw at full use, GW.
    pub infer_power_gw: Vec<f64>,
    /// Last tick's aggregates.
    pub last: Aggregates,
    /// Chip power per country at the last data-center planning, GW.
    pub planned_chip_power_gw: Vec<f64>,
    /// Smoothed quarterly growth of each country's chip power (developers plan ahead with it).
    pub chip_power_growth: Vec<f64>,
    /// Logit constants per country and stack, fitted at the start to the bloc's starting shares.
    pub asc: Vec<[f64; N_STACKS]>,
    /// Consecutive quarters each country's inference demand has not been served.
    pub unserved_ticks: Vec<u32>,
    /// Market potential each firm group faced in the last tick (group order).
    pub group_potential: Vec<f64>,
    /// US frontier capability after each tick.
    pub us_frontier: Vec<f64>,
    /// Chinese frontier capability after each tick.
    pub cn_frontier: Vec<f64>,
}

/// What happened during one tick that the metrics need but the state does not keep.
#[derive(Clone, Debug, Default)]
pub struct TickReport {
    /// The tick just computed.
    pub tick: u32,
    /// Chip clearing outcome.
    pub clearing: Clearing,
    /// China's domestic inference supply this tick, H100e.
    pub cn_domestic_supply: f64,
    /// China's inference chip demand this tick, H100e.
    pub cn_inference_demand: f64,
}

impl World {
    /// Build the world at the start of the run.
    pub fn new(cfg: &Config, seed: u64) -> World {
        let n = cfg.countries.len();
        let counts = firm_counts(cfg);
        let weights = firm_weights(cfg, &counts);
        let initial: Vec<f64> = cfg.countries.iter().map(|c| c.initial_adoption).collect();
        let labs: Vec<Lab> = cfg
            .labs
            .iter()
            .map(|lc| {
                let ci = country_index(cfg, &lc.country);
                Lab::new(cfg, lc, ci, cfg.countries[ci].bloc)
            })
            .collect();
        let initial_stack = adoption::start_choice(cfg, &adoption::stack_offer(&labs));
        let f = &cfg.firms;
        let firms = Firms::new(
            &counts,
            &weights,
            &initial,
            &initial_stack,
            f.size_sigma,
            f.intensity_start,
            seed,
        );
        let markets = build_markets(cfg);
        let infer_h100e = vec![0.0; n];
        let infer_power_gw = vec![0.0; n];
        let chips = chips::start_states(cfg);
        let mut world = World {
            tick: 0,
            seed,
            firms,
            labs,
            markets,
            chips,
            gov: Governments::new(cfg, seed),
            infer_h100e,
            infer_power_gw,
            last: Aggregates::default(),
            planned_chip_power_gw: vec![0.0; n],
            chip_power_growth: vec![0.0; n],
            asc: vec![[0.0; N_STACKS]; n],
            unserved_ticks: vec![0; n],
            group_potential: Vec::new(),
            us_frontier: Vec::new(),
            cn_frontier: Vec::new(),
        };
        let totals = world.firms.totals();
        world.last = world.aggregate(cfg, totals.clone(), world.utilisation(cfg), 0.0);
        // Countries start a little short of inference chips (demand ran ahead of supply
        // in 2025: Chinese H200 orders alone exceeded Nvidia's inventory [S]).
        for c in 0..n {
            world.infer_h100e[c] =
                world.last.demand_h100e[c] * cfg.chip_buyers.start_inference_cover;
            world.infer_power_gw[c] = world.infer_h100e[c] * lab::START_WATTS_PER_H100E * 1e-9;
        }
        world.last = world.aggregate(cfg, totals, world.utilisation(cfg), 0.0);
        world.asc = world.fit_constants(cfg);
        let shares = world.country_stack_shares(cfg);
        world.group_potential = world
            .group_rules(cfg, &shares)
            .iter()
            .map(|r| r.potential)
            .collect();
        world
    }

    /// Advance one quarter under `cfg` (the config in force at this tick).
    pub fn step(&mut self, cfg: &Config) -> TickReport {
        let t = self.tick;
        self.gov.update_china(cfg, self.last.cn_self_sufficiency);
        self.gov.update_huawei(cfg);
        let shares = self.country_stack_shares(cfg);
        self.gov.update_alignment(
            cfg,
            &shares,
            cfg.countries.iter().position(|c| c.code == "US"),
        );
        let (clearing, cn_supply, cn_demand) = self.trade_chips(cfg, t);
        self.build_and_power(cfg, t);
        let utilisation = self.utilisation(cfg);
        self.train_labs(cfg, t, &utilisation);
        let rules = self.group_rules(cfg, &shares);
        self.group_potential = rules.iter().map(|r| r.potential).collect();
        let country_rules: Vec<CountryRule> = self
            .last
            .served
            .iter()
            .map(|s| CountryRule {
                intensity_growth: cfg.firms.intensity_growth * s,
            })
            .collect();
        let f = &cfg.firms;
        let groups = self.firms.step(
            &rules,
            &country_rules,
            f.reevaluate_prob,
            f.intensity_start,
            self.seed,
            t,
        );
        let ratio = if cn_demand > 0.0 {
            cn_supply / cn_demand
        } else {
            self.last.cn_self_sufficiency
        };
        self.last = self.aggregate(cfg, groups, utilisation, ratio);
        let below = cfg.firms.potential.unserved_below;
        for (run, served) in self.unserved_ticks.iter_mut().zip(&self.last.served) {
            *run = if *served < below { *run + 1 } else { 0 };
        }
        self.us_frontier.push(self.frontier(Bloc::US));
        self.cn_frontier.push(self.frontier(Bloc::CN));
        self.tick += 1;
        TickReport {
            tick: t,
            clearing,
            cn_domestic_supply: cn_supply,
            cn_inference_demand: cn_demand,
        }
    }

    /// Best capability among labs of `bloc` (0 when it has none).
    pub fn frontier(&self, bloc: Bloc) -> f64 {
        self.labs
            .iter()
            .filter(|l| l.bloc == bloc)
            .map(|l| l.capability)
            .fold(0.0, f64::max)
    }

    /// Share of each country's adopters on each stack last tick (real firms, not agents).
    pub fn country_stack_shares(&self, cfg: &Config) -> Vec<[f64; N_STACKS]> {
        let mut out = vec![[0.0; N_STACKS]; cfg.countries.len()];
        for (g, t) in self.firms.groups.iter().zip(&self.last.groups) {
            for (o, a) in out[g.country].iter_mut().zip(&t.adopters) {
                *o += *a as f64 * g.weight;
            }
        }
        for row in out.iter_mut() {
            let s: f64 = row.iter().sum();
            if s > 0.0 {
                row.iter_mut().for_each(|x| *x /= s);
            }
        }
        out
    }

    /// Usage per country and stack last tick: real firms × intensity (millions of
    /// full-intensity firm-equivalents). Inference revenue by stack and country follows
    /// from it; so do the adoption component of the diffusion index and downloads.
    pub fn usage_by_country_stack(&self, cfg: &Config) -> Vec<[f64; N_STACKS]> {
        let mut out = vec![[0.0; N_STACKS]; cfg.countries.len()];
        for (g, t) in self.firms.groups.iter().zip(&self.last.groups) {
            for (o, i) in out[g.country].iter_mut().zip(&t.intensity) {
                *o += i * g.weight;
            }
        }
        out
    }

    /// Local-cloud availability per country (0–1) from its running data-center capacity.
    pub fn local_cloud(&self, cfg: &Config) -> Vec<f64> {
        self.dc_operational_gw(cfg)
            .iter()
            .enumerate()
            .map(|(c, gw)| adoption::local_cloud(cfg, c, *gw))
            .collect()
    }

    /// Logit constants that make new adopters' choice at the start match the starting shares.
    fn fit_constants(&self, cfg: &Config) -> Vec<[f64; N_STACKS]> {
        let shares = self.country_stack_shares(cfg);
        let cloud = self.local_cloud(cfg);
        let zero = vec![[0.0; N_STACKS]; cfg.countries.len()];
        let view = self.view(cfg, &shares, &cloud, &zero);
        let groups: Vec<(usize, usize, f64)> = self
            .firms
            .groups
            .iter()
            .map(|g| (g.country, g.sector, g.real_firms()))
            .collect();
        adoption::fit_constants(cfg, &self.gov, &view, &groups)
    }

    /// What firms read of the world this tick.
    fn view<'a>(
        &'a self,
        cfg: &Config,
        shares: &'a [[f64; N_STACKS]],
        cloud: &'a [f64],
        asc: &'a [[f64; N_STACKS]],
    ) -> adoption::MarketView<'a> {
        let _ = cfg;
        let offer = adoption::stack_offer(&self.labs);
        let best_world = offer.iter().flatten().map(|o| o.0).fold(0.0, f64::max);
        adoption::MarketView {
            offer,
            best_world,
            shares,
            cloud,
            served: &self.last.served,
            unserved_ticks: &self.unserved_ticks,
            asc,
        }
    }

    /// Chip power installed per country (labs' training chips plus inference chips), GW.
    pub fn chip_power_gw(&self, cfg: &Config) -> Vec<f64> {
        let mut p = self.infer_power_gw.clone();
        for l in &self.labs {
            p[l.country] += l.chip_power_gw;
        }
        p.truncate(cfg.countries.len());
        p
    }

    /// Running data-center capacity per country, GW.
    pub fn dc_operational_gw(&self, cfg: &Config) -> Vec<f64> {
        let mut v = vec![0.0; cfg.countries.len()];
        for m in &self.markets {
            v[m.country] += m.dc_operational_gw;
        }
        v
    }

    /// Share of each country's chips that have power.
    pub fn utilisation(&self, cfg: &Config) -> Vec<f64> {
        let power = self.chip_power_gw(cfg);
        let dc = self.dc_operational_gw(cfg);
        power
            .iter()
            .zip(&dc)
            .map(|(p, d)| datacenter::utilisation(cfg, *p, *d))
            .collect()
    }

    /// Production, orders from labs and inference buyers, pro-rata clearing in two rounds
    /// (money that found no chips in the first is redirected to chips still on the shelf),
    /// deliveries. Returns the clearing and China's domestic inference supply and demand.
    fn trade_chips(&mut self, cfg: &Config, t: u32) -> (Clearing, f64, f64) {
        let extra = self.domestic_growth_bonus(cfg);
        let supply = chips::produce(cfg, &mut self.chips, t, &extra);
        let (mut purchases, cn_demand) = self.purchases(cfg);
        self.rent_abroad(cfg);
        let block = self.gov.cn_stance;
        let introduced: Vec<bool> = cfg.chips.iter().map(|c| t >= c.intro_tick).collect();
        let orders: Vec<chips::Order> = purchases
            .iter()
            .flat_map(|p| chips::split_budget(cfg, p, &self.chips, &introduced, block, true))
            .collect();
        let mut clearing = chips::clear(cfg, &mut self.chips, &supply, &orders);
        let mut spent = vec![0.0; purchases.len()];
        for d in &clearing.deliveries {
            if let Some(i) = purchases.iter().position(|p| p.buyer == d.buyer) {
                spent[i] += d.units * d.unit_price;
            }
        }
        let shelf: Vec<f64> = self.chips.iter().map(|s| s.inventory).collect();
        let on_shelf: Vec<bool> = introduced
            .iter()
            .zip(&shelf)
            .map(|(i, s)| *i && *s > 0.0)
            .collect();
        for (p, s) in purchases.iter_mut().zip(&spent) {
            p.budget = (p.budget - s).max(0.0);
        }
        let second: Vec<chips::Order> = purchases
            .iter()
            .flat_map(|p| chips::split_budget(cfg, p, &self.chips, &on_shelf, block, false))
            .collect();
        let round2 = chips::clear(cfg, &mut self.chips, &shelf, &second);
        clearing.license_revenue += round2.license_revenue;
        clearing.deliveries.extend(round2.deliveries);
        self.deliver(cfg, &clearing);
        let cn_supply: f64 = cfg
            .chips
            .iter()
            .zip(&self.chips)
            .filter(|(c, _)| c.designer == Bloc::CN)
            .map(|(c, s)| s.produced * c.infer_tflops / H100_TFLOPS)
            .sum();
        (clearing, cn_supply, cn_demand)
    }

    /// Every buyer's budget this quarter: labs for training, countries for the inference
    /// chips their demand calls for. Also returns China's inference demand (H100e).
    fn purchases(&mut self, cfg: &Config) -> (Vec<chips::Purchase>, f64) {
        let mut out = Vec::new();
        for (i, (lab, lc)) in self.labs.iter().zip(&cfg.labs).enumerate() {
            out.push(chips::Purchase {
                buyer: Buyer::Lab(i),
                bloc: lab.bloc,
                budget: lab.budgets(cfg, lc).0,
                use_for: chips::Use::Training,
                alignment: self.gov.alignment[lab.country],
            });
        }
        let keep = 1.0 - 1.0 / cfg.lab_dynamics.chip_life_ticks as f64;
        let mut cn_demand = 0.0;
        for (c, ct) in cfg.countries.iter().enumerate() {
            let retired = self.infer_h100e[c] * (1.0 - keep);
            self.infer_h100e[c] *= keep;
            self.infer_power_gw[c] *= keep;
            let want = (self.last.demand_h100e[c] * (1.0 + cfg.chip_buyers.inference_headroom)
                - self.infer_h100e[c])
                .max(0.0);
            if ct.bloc == Bloc::CN {
                // Demand for inference chips is at least what wears out each quarter,
                // so the self-sufficiency ratio stays meaningful when stocks run ahead.
                cn_demand += want.max(retired);
            }
            out.push(chips::Purchase {
                buyer: Buyer::Country(c),
                bloc: ct.bloc,
                budget: want * cfg.chip_buyers.inference_budget_per_h100e_usd,
                use_for: chips::Use::Inference,
                alignment: self.gov.alignment[c],
            });
        }
        (out, cn_demand)
    }

    /// Chinese labs rent compute abroad where remote access is allowed, pro-rata to a shared pool.
    fn rent_abroad(&mut self, cfg: &Config) {
        let d = &cfg.lab_dynamics;
        let want: Vec<f64> = self
            .labs
            .iter()
            .zip(&cfg.labs)
            .map(|(l, lc)| l.budgets(cfg, lc).1 / d.rent_usd_per_h100e_tick)
            .collect();
        let total: f64 = want.iter().sum();
        let scale = if total > d.abroad_pool_h100e {
            d.abroad_pool_h100e / total
        } else {
            1.0
        };
        for (lab, w) in self.labs.iter_mut().zip(&want) {
            lab.rented_h100e = w * scale;
        }
    }

    /// Put delivered chips into labs' and countries' stocks.
    fn deliver(&mut self, cfg: &Config, clearing: &Clearing) {
        for d in &clearing.deliveries {
            let chip = &cfg.chips[d.chip];
            match d.buyer {
                Buyer::Lab(i) => self.labs[i].receive(d.chip, chip, d.units, d.unit_price),
                Buyer::Country(c) => {
                    self.infer_h100e[c] += d.units * chip.infer_tflops / H100_TFLOPS;
                    self.infer_power_gw[c] += d.units * chip.watts * 1e-9;
                }
            }
        }
    }

    /// Extra yearly capacity growth of Chinese chips from subsidies and protection.
    fn domestic_growth_bonus(&self, cfg: &Config) -> Vec<f64> {
        let cn = &cfg.policy.china;
        let mut foreign = 0.0;
        let mut denied = 0.0;
        for (chip, st) in cfg.chips.iter().zip(&self.chips) {
            if chip.designer == Bloc::CN {
                continue;
            }
            let perf = st.capacity.max(chip.capacity_per_tick) * chip.infer_tflops;
            foreign += perf;
            if matches!(
                chips::access(cfg, chip, Bloc::CN, self.gov.cn_stance),
                chips::Access::Denied | chips::Access::Leak
            ) {
                denied += perf;
            }
        }
        // Import substitution pulls domestic capacity only while domestic supply falls short.
        let shortfall = (1.0 - self.last.cn_self_sufficiency).clamp(0.0, 1.0);
        let protection = shortfall * if foreign > 0.0 { denied / foreign } else { 1.0 };
        let bonus = cn.subsidy_growth_per_10bn * cn.chip_subsidy_usd_per_tick / 1e10
            + cn.protection_growth * protection;
        cfg.chips
            .iter()
            .map(|c| if c.designer == Bloc::CN { bonus } else { 0.0 })
            .collect()
    }

    /// Data-center requests per country, then every utility's quarter.
    fn build_and_power(&mut self, cfg: &Config, t: u32) {
        let power = self.chip_power_gw(cfg);
        for (c, ct) in cfg.countries.iter().enumerate() {
            let prev = self.planned_chip_power_gw[c];
            let growth = if prev > 0.0 {
                (power[c] / prev - 1.0).clamp(0.0, 0.2)
            } else {
                0.0
            };
            self.chip_power_growth[c] = 0.7 * self.chip_power_growth[c] + 0.3 * growth;
            self.planned_chip_power_gw[c] = power[c];
            // Developers plan for the chips they will have when the building is finished.
            let build = cfg.blocs.get(ct.bloc).dc_build_ticks as i32;
            let ahead = (1.0 + self.chip_power_growth[c]).powi(build).min(3.0);
            let mut ms: Vec<&mut Market> =
                self.markets.iter_mut().filter(|m| m.country == c).collect();
            datacenter::file_requests(cfg, ct.bloc, power[c] * ahead, &mut ms, t);
        }
        for m in self.markets.iter_mut() {
            let rules = GridRules::for_bloc(cfg, m.bloc);
            m.step(&rules, t);
        }
        self.power_onsite(cfg, t);
    }

    /// Developers still waiting for the grid power some campuses themselves, up to the
    /// bloc's on-site rate, shared over markets by the size of their queues.
    fn power_onsite(&mut self, cfg: &Config, t: u32) {
        for (c, ct) in cfg.countries.iter().enumerate() {
            let onsite = cfg.blocs.get(ct.bloc).onsite_power_gw_per_tick;
            let queued: f64 = self
                .markets
                .iter()
                .filter(|m| m.country == c)
                .flat_map(|m| m.queue.iter().map(|r| r.gw))
                .sum();
            if onsite <= 0.0 || queued <= 0.0 {
                continue;
            }
            let rules = GridRules::for_bloc(cfg, ct.bloc);
            for m in self.markets.iter_mut().filter(|m| m.country == c) {
                let mine: f64 = m.queue.iter().map(|r| r.gw).sum();
                m.connect_onsite(&rules, t, onsite.min(queued) * mine / queued);
            }
        }
    }

    /// Labs train on powered chips and release on their cycle.
    fn train_labs(&mut self, cfg: &Config, t: u32, utilisation: &[f64]) {
        let best_open = self
            .labs
            .iter()
            .filter(|l| l.stack.is_open())
            .map(|l| l.capability)
            .fold(0.0, f64::max);
        let promotion = cfg.policy.china.open_weight_promotion;
        for (lab, lc) in self.labs.iter_mut().zip(&cfg.labs) {
            lab.train(cfg, lc, utilisation[lab.country], best_open);
            if lab.bloc == Bloc::CN && lc.release == crate::config::Release::Open {
                lab.budget_usd *= 1.0 + 0.02 * promotion;
            }
            lab.maybe_release(cfg, lc, t);
        }
    }

    /// Per-group Bass terms, market potential and logit choice tables for this tick.
    fn group_rules(&self, cfg: &Config, shares: &[[f64; N_STACKS]]) -> Vec<GroupRule> {
        let cloud = self.local_cloud(cfg);
        let view = self.view(cfg, shares, &cloud, &self.asc);
        // Each group's rule depends only on shared read-only inputs; `collect` keeps order.
        self.firms
            .groups
            .par_iter()
            .zip(self.last.groups.par_iter())
            .with_min_len(16)
            .map(|(g, totals)| {
                adoption::group_rule(
                    cfg,
                    &self.gov,
                    &view,
                    g.country,
                    g.sector,
                    g.agents() as f64,
                    totals.total_adopters() as f64,
                )
            })
            .collect()
    }

    /// Aggregates from the current firm state.
    fn aggregate(
        &self,
        cfg: &Config,
        groups: Vec<GroupTotals>,
        utilisation: Vec<f64>,
        cn_ratio: f64,
    ) -> Aggregates {
        let n = cfg.countries.len();
        // Mean size × intensity per real firm in each country, times its GDP share of the
        // world's full-adoption demand: weighted, so independent of the number of agents.
        let mut load = vec![0.0; n];
        let mut real = vec![0.0; n];
        for (g, t) in self.firms.groups.iter().zip(&groups) {
            load[g.country] += t.total_load() * g.weight;
            real[g.country] += g.real_firms();
        }
        let gdp_world: f64 = cfg.countries.iter().map(|c| c.gdp_usd_tn).sum();
        let demand: Vec<f64> = (0..n)
            .map(|c| {
                let per_firm = if real[c] > 0.0 {
                    load[c] / real[c]
                } else {
                    0.0
                };
                cfg.firms.full_adoption_demand_h100e * cfg.countries[c].gdp_usd_tn / gdp_world
                    * per_firm
            })
            .collect();
        let served = (0..n)
            .map(|c| {
                if demand[c] > 0.0 {
                    (self.infer_h100e[c] * utilisation[c] / demand[c]).min(1.0)
                } else {
                    1.0
                }
            })
            .collect();
        Aggregates {
            groups,
            demand_h100e: demand,
            served,
            utilisation,
            cn_self_sufficiency: cn_ratio,
        }
    }
}

/// Index of a country code (validated to exist).
pub fn country_index(cfg: &Config, code: &str) -> usize {
    cfg.countries
        .iter()
        .position(|c| c.code == code)
        .unwrap_or(0)
}

/// Firm agents per (country, sector): every group with firms gets `firms.min_per_group`,
/// and the rest of `firms.count` is apportioned by GDP × sector share (largest remainder).
pub fn firm_counts(cfg: &Config) -> Vec<Vec<u64>> {
    let weights: Vec<f64> = cfg
        .countries
        .iter()
        .flat_map(|c| cfg.sectors.iter().map(move |s| c.gdp_usd_tn * s.share))
        .collect();
    let floor = cfg.firms.min_per_group;
    let groups = weights.iter().filter(|w| **w > 0.0).count() as u64;
    let rest = cfg.firms.count.saturating_sub(floor * groups);
    let flat: Vec<u64> = apportion(rest, &weights)
        .iter()
        .zip(&weights)
        .map(|(n, w)| if *w > 0.0 { n + floor } else { *n })
        .collect();
    flat.chunks(cfg.sectors.len()).map(|c| c.to_vec()).collect()
}

/// Total firm agents of a run (`firms.count`, or more when the group floor needs it).
pub fn firm_agents(cfg: &Config) -> u64 {
    firm_counts(cfg).iter().flatten().sum()
}

/// Real firms each agent stands for, per (country, sector): the country's firms
/// (millions) × the sector's share, over the group's agents.
pub fn firm_weights(cfg: &Config, counts: &[Vec<u64>]) -> Vec<Vec<f64>> {
    cfg.countries
        .iter()
        .zip(counts)
        .map(|(c, row)| {
            let firms = c.firms_m(cfg.firms.firms_m_per_usd_tn);
            cfg.sectors
                .iter()
                .zip(row)
                .map(|(s, n)| {
                    if *n > 0 {
                        firms * s.share / *n as f64
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect()
}

/// Split `total` into integers proportional to `weights` (largest remainder, ties by index).
pub fn apportion(total: u64, weights: &[f64]) -> Vec<u64> {
    let sum: f64 = weights.iter().sum();
    let exact: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut out: Vec<u64> = exact.iter().map(|x| x.floor() as u64).collect();
    let mut left = total.saturating_sub(out.iter().sum());
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        (exact[b] - exact[b].floor())
            .total_cmp(&(exact[a] - exact[a].floor()))
            .then(a.cmp(&b))
    });
    for i in order {
        if left == 0 {
            break;
        }
        out[i] += 1;
        left -= 1;
    }
    out
}

/// Power markets: the explicit ones, plus one `<code>-grid` per country without any.
fn build_markets(cfg: &Config) -> Vec<Market> {
    let mut out = Vec::new();
    for (c, ct) in cfg.countries.iter().enumerate() {
        let explicit: Vec<_> = cfg
            .power_markets
            .iter()
            .filter(|m| m.country == ct.code)
            .collect();
        let specs: Vec<(String, f64, f64, f64, f64)> = if explicit.is_empty() {
            vec![(
                format!("{}-grid", ct.code),
                ct.capacity_gw.unwrap_or(0.0),
                ct.peak_gw.unwrap_or(0.0),
                ct.load_growth.unwrap_or(0.0),
                1.0,
            )]
        } else {
            explicit
                .iter()
                .map(|m| {
                    (
                        m.id.clone(),
                        m.capacity_gw,
                        m.peak_gw,
                        m.load_growth,
                        m.dc_share,
                    )
                })
                .collect()
        };
        let build = cfg.blocs.get(ct.bloc).dc_build_ticks.max(1);
        for (id, cap, peak, growth, share) in specs {
            let pipeline = (0..build)
                .map(|t| utility::Project {
                    ready_tick: t,
                    gw: ct.dc_pipeline_gw * share / build as f64,
                })
                .filter(|p| p.gw > 0.0)
                .collect();
            out.push(Market {
                id,
                country: c,
                bloc: ct.bloc,
                capacity_gw: cap,
                base_peak_gw: peak,
                growth_per_tick: math::powf(1.0 + growth, 0.25),
                dc_share: share,
                dc_operational_gw: ct.dc_gw * share * cfg.datacenters.ai_share_start,
                dc_other_gw: ct.dc_gw * share * (1.0 - cfg.datacenters.ai_share_start),
                dc_building: pipeline,
                queue: Vec::new(),
                gen_building: Vec::new(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_is_exact_and_proportional() {
        let v = apportion(10, &[1.0, 1.0, 1.0]);
        assert_eq!(v.iter().sum::<u64>(), 10);
        assert_eq!(v, vec![4, 3, 3]);
        assert_eq!(apportion(7, &[0.0, 1.0]), vec![0, 7]);
    }
}
