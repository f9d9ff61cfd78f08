//! The world and its quarterly tick.
//!
//! A tick runs in fixed phases, each reading what earlier phases (or last
//! quarter's aggregates) left, so no agent ever sees another's half-updated
//! state: governments → chip production → orders and clearing → data-center
//! requests → utilities → labs train and release → firms adopt (in parallel)
//! → aggregates. Only the firm phase is parallel; its reductions are done in
//! a fixed order, so results do not depend on the thread count.

pub mod adoption;
pub mod capital;
pub mod chips;
pub mod datacenter;
pub mod downloads;
pub mod events;
pub mod firm;
pub mod government;
pub mod invariants;
pub mod lab;
pub mod metrics;
pub mod rental;
pub mod setup;
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
    /// China's domestic share of its AI-chip purchases (training and inference) by value,
    /// 0–1 (Bernstein's measure).
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
    /// The part of `infer_h100e` on Chinese-designed chips (decays with it), which
    /// splits local-cloud availability by stack origin.
    pub infer_h100e_cn: Vec<f64>,
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
    /// Shared chip supply limits now, units per quarter (config order).
    pub supply_limits: Vec<f64>,
    /// Each bloc's labs' inference revenue in the first quarter (capital is indexed to it).
    pub revenue_start: Option<[f64; 4]>,
    /// Share of each country's wanted chip power that data centers could supply last quarter.
    pub powered_share: Vec<f64>,
    /// Chip power each country wanted beyond what its data centers could supply, GW.
    pub deferred_power_gw: Vec<f64>,
    /// The rental market this quarter.
    pub rental: rental::RentalMarket,
}

/// Floor on the powered share used as the shadow price of power (a country whose data
/// centers can power nothing new sees owning as 20× dearer, not infinitely).
pub const MIN_POWERED_SHARE: f64 = 0.05;

/// What happened during one tick that the metrics need but the state does not keep.
#[derive(Clone, Debug, Default)]
pub struct TickReport {
    /// The tick just computed.
    pub tick: u32,
    /// Chip clearing outcome.
    pub clearing: Clearing,
    /// China's domestic share of its inference-chip purchases this tick, by value.
    pub cn_inference_share: f64,
    /// Each chip's unsold stock and cumulative output when the tick began (config
    /// order): the opening balance the invariants check conservation against.
    pub chip_opening: Vec<(f64, f64)>,
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
        let infer_h100e_cn = vec![0.0; n];
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
            infer_h100e_cn,
            infer_power_gw,
            last: Aggregates::default(),
            planned_chip_power_gw: vec![0.0; n],
            chip_power_growth: vec![0.0; n],
            asc: vec![[0.0; N_STACKS]; n],
            unserved_ticks: vec![0; n],
            group_potential: Vec::new(),
            us_frontier: Vec::new(),
            cn_frontier: Vec::new(),
            supply_limits: cfg.supply_limits.iter().map(|l| l.units_per_tick).collect(),
            revenue_start: None,
            powered_share: vec![1.0; n],
            deferred_power_gw: vec![0.0; n],
            rental: rental::RentalMarket::default(),
        };
        let totals = world.firms.totals();
        world.last = world.aggregate(
            cfg,
            totals.clone(),
            world.utilisation(cfg),
            cfg.chip_buyers.start_cn_domestic_share,
        );
        // Countries start a little short of inference chips (demand ran ahead of supply
        // in 2025: Chinese H200 orders alone exceeded Nvidia's inventory [S]).
        for c in 0..n {
            world.infer_h100e[c] =
                world.last.demand_h100e[c] * cfg.chip_buyers.start_inference_cover;
            world.infer_power_gw[c] = world.infer_h100e[c] * lab::START_WATTS_PER_H100E * 1e-9;
            // China's stock starts at its domestic share (Bernstein); Chinese accelerators
            // outside China were negligible in 2025 (Huawei's Ascend output went to
            // Chinese buyers, and US guidance of May 2025 warned that using it anywhere
            // risks violating US export controls).
            if cfg.countries[c].bloc == Bloc::CN {
                world.infer_h100e_cn[c] =
                    world.infer_h100e[c] * cfg.chip_buyers.start_cn_domestic_share;
            }
        }
        world.last = world.aggregate(
            cfg,
            totals,
            world.utilisation(cfg),
            cfg.chip_buyers.start_cn_domestic_share,
        );
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
        let chip_opening = self
            .chips
            .iter()
            .map(|s| (s.inventory, s.cumulative))
            .collect();
        let (clearing, cn_share) = self.trade_chips(cfg, t);
        self.build_and_power(cfg, t);
        let utilisation = self.utilisation(cfg);
        self.train_labs(cfg, t, &utilisation);
        let pace = cfg.lab_dynamics.prehistory_pace_per_year / 4.0;
        events::apply(cfg, t, &mut self.labs, &self.us_frontier, pace);
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
        let (share, inference_share) =
            cn_share.unwrap_or((self.last.cn_self_sufficiency, self.last.cn_self_sufficiency));
        self.last = self.aggregate(cfg, groups, utilisation, share);
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
            cn_inference_share: inference_share,
            chip_opening,
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

    /// Local-cloud availability per country and stack (0–1) from its running data-center
    /// capacity and the origin of the chips in it.
    pub fn local_cloud(&self, cfg: &Config) -> Vec<[f64; N_STACKS]> {
        self.dc_operational_gw(cfg)
            .iter()
            .enumerate()
            .map(|(c, gw)| adoption::local_cloud(cfg, c, *gw, self.cn_chip_share(c)))
            .collect()
    }

    /// Share of a country's inference stock (H100e) on Chinese-designed chips.
    pub fn cn_chip_share(&self, country: usize) -> f64 {
        let total = self.infer_h100e[country];
        if total > 0.0 {
            (self.infer_h100e_cn[country] / total).clamp(0.0, 1.0)
        } else {
            0.0
        }
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
        cloud: &'a [[f64; N_STACKS]],
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

    /// Served inference (H100e) of each country's firms on each stack, from last quarter's
    /// aggregates. The one place the innovation side reads the firms' usage.
    pub fn usage_by_stack(&self, cfg: &Config) -> Vec<[f64; N_STACKS]> {
        // The same weighting as the demand in `aggregate`: each country's GDP share of the
        // world's full-adoption demand, times its real firms' mean load on each stack.
        let n = cfg.countries.len();
        let mut real = vec![0.0; n];
        for g in &self.firms.groups {
            real[g.country] += g.real_firms();
        }
        let gdp_world: f64 = cfg.countries.iter().map(|c| c.gdp_usd_tn).sum();
        let mut out = vec![[0.0; N_STACKS]; n];
        for (g, t) in self.firms.groups.iter().zip(&self.last.groups) {
            if real[g.country] <= 0.0 || gdp_world <= 0.0 {
                continue;
            }
            let served = self.last.served.get(g.country).copied().unwrap_or(1.0);
            let per_load = cfg.firms.full_adoption_demand_h100e
                * cfg.countries[g.country].gdp_usd_tn
                / gdp_world
                * g.weight
                / real[g.country];
            for (o, l) in out[g.country].iter_mut().zip(&t.load) {
                *o += l * per_load * served;
            }
        }
        out
    }

    /// Labs' income this quarter: inference revenue and capital (only the compute share
    /// reaches the compute budget), less the power bill of the chips that ran.
    fn fund_labs(&mut self, cfg: &Config) {
        let usage = self.usage_by_stack(cfg);
        let revenue = capital::revenues(cfg, &self.labs, &usage);
        if self.revenue_start.is_none() {
            self.revenue_start = Some(capital::bloc_revenue(&self.labs, &revenue));
        }
        let start = self.revenue_start.unwrap_or_default();
        let gap = self.gap_months(cfg);
        let inflow = capital::capital(cfg, &self.labs, &revenue, &start, gap);
        let share = cfg.capital.compute_share;
        for ((i, lab), lc) in self.labs.iter_mut().enumerate().zip(&cfg.labs) {
            lab.revenue_usd = revenue[i];
            // Labs raise capital only to fund spending: up to `cash_buffer_ticks` quarters of
            // what they spent last quarter (at least their starting budget), net of cash held.
            let target = cfg.capital.cash_buffer_ticks * lab.spent_usd.max(lc.budget_usd_per_tick);
            let room = (target - lab.budget_usd - share * revenue[i]).max(0.0) / share.max(1e-9);
            lab.capital_usd = inflow[i].min(room);
            lab.budget_usd += share * (revenue[i] + lab.capital_usd);
            let u = self
                .last
                .utilisation
                .get(lab.country)
                .copied()
                .unwrap_or(1.0);
            let bill = lab.power_bill(cfg, u).min(lab.budget_usd);
            lab.budget_usd -= bill;
            lab.spent_usd = bill;
        }
    }

    /// Last quarter's frontier gap in months (positive: China behind).
    pub fn gap_months(&self, cfg: &Config) -> f64 {
        metrics::gap_months(
            &self.us_frontier,
            &self.cn_frontier,
            cfg.lab_dynamics.prehistory_pace_per_year / 4.0,
        )
    }

    /// Data-center power (GW of chip load) each country expects to have for new chips:
    /// running capacity plus what finishes within `power_plan_ticks`, less what its chips
    /// (after this quarter's retirements) already draw.
    fn power_headroom(&self, cfg: &Config, t: u32) -> Vec<f64> {
        let n = cfg.countries.len();
        let horizon = t + cfg.chip_market.power_plan_ticks;
        let mut expect = vec![0.0; n];
        for m in &self.markets {
            let soon: f64 = m
                .dc_building
                .iter()
                .filter(|p| p.ready_tick <= horizon)
                .map(|p| p.gw)
                .sum();
            expect[m.country] += m.dc_operational_gw + soon;
        }
        let keep = 1.0 - 1.0 / cfg.lab_dynamics.chip_life_ticks as f64;
        let power = self.chip_power_gw(cfg);
        (0..n)
            .map(|c| (expect[c] / cfg.datacenters.pue - power[c] * keep).max(0.0))
            .collect()
    }

    /// Production, rent-or-own, orders from labs and inference buyers (sized to the power
    /// buyers expect), pro-rata clearing in two rounds (money that found no chips in the
    /// first is redirected to chips still on the shelf), deliveries, and next quarter's
    /// prices. Returns the clearing and China's domestic share of chip purchases by value
    /// (all chips, inference chips), or `None` when China bought nothing.
    fn trade_chips(&mut self, cfg: &Config, t: u32) -> (Clearing, Option<(f64, f64)>) {
        let extra = government::import_substitution_growth(
            cfg,
            &self.chips,
            self.gov.cn_stance,
            self.last.cn_self_sufficiency,
        );
        let push = cfg
            .chips
            .iter()
            .zip(&extra)
            .find(|(c, _)| c.designer == Bloc::CN)
            .map(|(_, e)| *e)
            .unwrap_or(0.0);
        if t > 0 {
            chips::grow_limits(cfg, &mut self.supply_limits, push);
        }
        let supply = chips::produce(cfg, &mut self.chips, t, &extra, &self.supply_limits);
        self.fund_labs(cfg);
        let block = self.gov.cn_stance;
        // Rent or own, on comparable economics.
        let market = rental::market(
            cfg,
            &self.chips,
            &self.infer_h100e,
            &self.last.utilisation,
            t,
        );
        // The cheapest own compute depends on the bloc only: once per bloc.
        let mut own_by_bloc: [Option<f64>; 4] = [None; 4];
        let money: Vec<f64> = self
            .labs
            .iter()
            .map(|l| {
                if !l.may_rent_abroad(cfg) {
                    return 0.0;
                }
                let shadow = 1.0 / self.powered_share[l.country].max(MIN_POWERED_SHARE);
                let own = *own_by_bloc[l.bloc.index()].get_or_insert_with(|| {
                    rental::best_own_cost(cfg, &self.chips, l.bloc, block, t)
                }) * shadow;
                l.budget_usd * rental::rent_share(cfg, own, market.price)
            })
            .collect();
        let paid = rental::rent(&mut self.labs, &money, market);
        for (lab, p) in self.labs.iter_mut().zip(&paid) {
            lab.budget_usd = (lab.budget_usd - p).max(0.0);
            lab.spent_usd += p;
        }
        self.rental = market;
        let mut purchases = self.purchases(cfg);
        let introduced: Vec<bool> = cfg.chips.iter().map(|c| t >= c.intro_tick).collect();
        let mut headroom = self.power_headroom(cfg, t);
        let table = chips::BudgetTable::new(cfg, &self.chips, &introduced, block, true);
        let mut orders = table.split_all(cfg, &purchases);
        self.deferred_power_gw = self.fit_to_power(cfg, &mut orders, &mut headroom, true);
        for o in &orders {
            self.chips[o.chip].demand += o.units;
        }
        let mut clearing = chips::clear(cfg, &mut self.chips, &supply, &orders);
        // Purchases are one per lab, then one per country (`purchases`), so a
        // buyer's index is direct; checked, so a reordering cannot misattribute.
        let nlabs = self.labs.len();
        let index_of = |b: chips::Buyer| match b {
            Buyer::Lab(i) => i,
            Buyer::Country(c) => nlabs + c,
        };
        debug_assert!(purchases
            .iter()
            .enumerate()
            .all(|(i, p)| index_of(p.buyer) == i));
        let mut spent = vec![0.0; purchases.len()];
        for d in &clearing.deliveries {
            if let Some(x) = spent.get_mut(index_of(d.buyer)) {
                *x += d.units * d.unit_price;
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
        // Power taken by first-round deliveries is no longer free for the second round.
        let mut used = vec![0.0; cfg.countries.len()];
        for d in &clearing.deliveries {
            used[self.buyer_country(d.buyer)] += d.units * cfg.chips[d.chip].watts * 1e-9;
        }
        for (h, u) in headroom.iter_mut().zip(&used) {
            *h = (*h - u).max(0.0);
        }
        let table = chips::BudgetTable::new(cfg, &self.chips, &on_shelf, block, false);
        let mut second = table.split_all(cfg, &purchases);
        self.fit_to_power(cfg, &mut second, &mut headroom, false);
        let round2 = chips::clear(cfg, &mut self.chips, &shelf, &second);
        clearing.license_revenue += round2.license_revenue;
        clearing.deliveries.extend(round2.deliveries);
        self.deliver(cfg, &clearing);
        chips::adjust_prices(cfg, &mut self.chips, t);
        let cn_share = self.cn_domestic_share(cfg, &clearing);
        (clearing, cn_share)
    }

    /// Home country of a buyer.
    fn buyer_country(&self, b: Buyer) -> usize {
        match b {
            Buyer::Lab(i) => self.labs[i].country,
            Buyer::Country(c) => c,
        }
    }

    /// Scale each country's orders down to the power its data centers are expected to
    /// supply. Records, on the first round, the share of wanted chip power that can be
    /// powered (the shadow price of power for rent-or-own) and returns the chip power
    /// wanted beyond it per country (what developers should build for), GW.
    fn fit_to_power(
        &mut self,
        cfg: &Config,
        orders: &mut [chips::Order],
        headroom: &mut [f64],
        first: bool,
    ) -> Vec<f64> {
        let n = cfg.countries.len();
        let mut want = vec![0.0; n];
        for o in orders.iter() {
            want[self.buyer_country(o.buyer)] += o.units * cfg.chips[o.chip].watts * 1e-9;
        }
        let scale: Vec<f64> = (0..n)
            .map(|c| {
                if want[c] > headroom[c] {
                    headroom[c] / want[c]
                } else {
                    1.0
                }
            })
            .collect();
        for o in orders.iter_mut() {
            o.units *= scale[self.buyer_country(o.buyer)];
        }
        if first {
            self.powered_share = scale.clone();
        }
        (0..n).map(|c| (want[c] - headroom[c]).max(0.0)).collect()
    }

    /// China's domestic share of its chip purchases this quarter, by value: all chips
    /// (training and inference), and inference chips alone.
    fn cn_domestic_share(&self, cfg: &Config, clearing: &Clearing) -> Option<(f64, f64)> {
        let (mut dom, mut all, mut dom_inf, mut all_inf) = (0.0, 0.0, 0.0, 0.0);
        for d in &clearing.deliveries {
            let bloc = match d.buyer {
                Buyer::Lab(i) => self.labs[i].bloc,
                Buyer::Country(c) => cfg.countries[c].bloc,
            };
            // Bernstein's market data cover legal sales; smuggled chips are left out.
            if bloc != Bloc::CN || d.smuggled {
                continue;
            }
            let v = d.units * d.unit_price;
            let domestic = cfg.chips[d.chip].designer == Bloc::CN;
            all += v;
            if domestic {
                dom += v;
            }
            if matches!(d.buyer, Buyer::Country(_)) {
                all_inf += v;
                if domestic {
                    dom_inf += v;
                }
            }
        }
        if all <= 0.0 {
            return None;
        }
        let inf = if all_inf > 0.0 {
            dom_inf / all_inf
        } else {
            dom / all
        };
        Some(((dom / all).clamp(0.0, 1.0), inf.clamp(0.0, 1.0)))
    }

    /// Every buyer's budget this quarter: labs for training, countries for the inference
    /// chips their demand calls for.
    fn purchases(&mut self, cfg: &Config) -> Vec<chips::Purchase> {
        let mut out = Vec::new();
        for (i, lab) in self.labs.iter().enumerate() {
            out.push(chips::Purchase {
                buyer: Buyer::Lab(i),
                bloc: lab.bloc,
                budget: lab.budget_usd,
                use_for: chips::Use::Training,
                alignment: self.gov.alignment[lab.country],
            });
        }
        let keep = 1.0 - 1.0 / cfg.lab_dynamics.chip_life_ticks as f64;
        // Inference buyers size budgets at the 2026 price per H100e, lowered along the
        // common price-performance trend.
        let years = self.tick as f64 / 4.0;
        let trend = math::powf(
            2.0,
            -years / cfg.chip_market.price_performance_doubling_years,
        );
        for (c, ct) in cfg.countries.iter().enumerate() {
            self.infer_h100e[c] *= keep;
            self.infer_h100e_cn[c] *= keep;
            self.infer_power_gw[c] *= keep;
            let want = (self.last.demand_h100e[c] * (1.0 + cfg.chip_buyers.inference_headroom)
                - self.infer_h100e[c])
                .max(0.0);
            out.push(chips::Purchase {
                buyer: Buyer::Country(c),
                bloc: ct.bloc,
                budget: want * cfg.chip_buyers.inference_budget_per_h100e_usd * trend,
                use_for: chips::Use::Inference,
                alignment: self.gov.alignment[c],
            });
        }
        out
    }

    /// Put delivered chips into labs' and countries' stocks; labs pay for theirs.
    fn deliver(&mut self, cfg: &Config, clearing: &Clearing) {
        for d in &clearing.deliveries {
            let chip = &cfg.chips[d.chip];
            match d.buyer {
                Buyer::Lab(i) => {
                    let lab = &mut self.labs[i];
                    let cost = d.units * d.unit_price;
                    lab.budget_usd = (lab.budget_usd - cost).max(0.0);
                    lab.spent_usd += cost;
                    lab.receive(d.chip, chip, d.units, d.unit_price);
                }
                Buyer::Country(c) => {
                    let h100e = d.units * chip.infer_tflops / H100_TFLOPS;
                    self.infer_h100e[c] += h100e;
                    if chip.designer == Bloc::CN {
                        self.infer_h100e_cn[c] += h100e;
                    }
                    self.infer_power_gw[c] += d.units * chip.watts * 1e-9;
                }
            }
        }
    }

    /// Data-center requests per country, then every utility's quarter.
    fn build_and_power(&mut self, cfg: &Config, t: u32) {
        // Developers build for the chips buyers hold and for those they could not power.
        let power: Vec<f64> = self
            .chip_power_gw(cfg)
            .iter()
            .zip(&self.deferred_power_gw)
            .map(|(p, d)| p + d)
            .collect();
        for (c, ct) in cfg.countries.iter().enumerate() {
            let prev = self.planned_chip_power_gw[c];
            let dcs = &cfg.datacenters;
            let growth = if prev > 0.0 {
                (power[c] / prev - 1.0).clamp(0.0, dcs.plan_growth_cap_per_tick)
            } else {
                0.0
            };
            let w = dcs.plan_growth_smoothing;
            self.chip_power_growth[c] = (1.0 - w) * self.chip_power_growth[c] + w * growth;
            self.planned_chip_power_gw[c] = power[c];
            // Developers plan for the chips they will have when the building is finished.
            let build = cfg.blocs.get(ct.bloc).dc_build_ticks as i32;
            let ahead = (1.0 + self.chip_power_growth[c])
                .powi(build)
                .min(dcs.plan_ahead_cap);
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
        // The best open-weight model and its age in quarters (the distillation teacher).
        let best_open = self
            .labs
            .iter()
            .filter(|l| l.stack.is_open())
            .map(|l| (l.capability, (t as i64 - l.last_release) as f64))
            .fold((0.0, 0.0), |a, b| if b.0 > a.0 { b } else { a });
        for (lab, lc) in self.labs.iter_mut().zip(&cfg.labs) {
            lab.train(cfg, lc, utilisation[lab.country], best_open);
            lab.maybe_release(cfg, lc, t);
        }
    }

    /// Per-group Bass terms, market potential and logit choice tables for this tick.
    fn group_rules(&self, cfg: &Config, shares: &[[f64; N_STACKS]]) -> Vec<GroupRule> {
        let cloud = self.local_cloud(cfg);
        let view = self.view(cfg, shares, &cloud, &self.asc);
        // What a country's groups share, once per country (the logs and powers of the
        // rule); then each group's rule from shared read-only inputs, `collect` keeps order.
        let terms: Vec<adoption::CountryTerms> = (0..cfg.countries.len())
            .map(|c| adoption::CountryTerms::new(cfg, &self.gov, &view, c))
            .collect();
        self.firms
            .groups
            .par_iter()
            .zip(self.last.groups.par_iter())
            .with_min_len(16)
            .map(|(g, totals)| {
                adoption::group_rule(
                    cfg,
                    &terms[g.country],
                    &view,
                    g.country,
                    g.sector,
                    g.agents() as f64,
                    totals,
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

use self::setup::build_markets;
pub use self::setup::{apportion, country_index, firm_agents, firm_counts, firm_weights};
