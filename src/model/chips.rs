//! The chip market: production, export and import rules, clearing and prices.
//!
//! Clearing is pro-rata: when orders exceed supply every order of that chip
//! is filled by the same fraction, so the result never depends on which
//! buyer happened to order first. Licensed sales add the US government's
//! revenue share to the buyer's price; banned demand leaks through smuggling
//! at a configured rate and markup.
//!
//! Every vendor's parts follow one price-performance trend (Epoch: FLOP/s per
//! dollar doubles every ~2–2.5 years), on top of any configured learning
//! curve. The market price moves each quarter with the ratio of demand to
//! supply, by at most `chip_market.max_price_step`, between a floor and a cap
//! around that trend. Unsold stock becomes obsolete at a steady rate, makers
//! cut output rather than pile up more than `max_inventory_ticks` quarters of
//! capacity, and shared supply limits (HBM, advanced-node wafers) cap the
//! combined output of the parts that depend on them.

use serde::{Deserialize, Serialize};

use crate::config::{Bloc, ChipCfg, Config, ExportRule, ImportStance};
use crate::math;

/// Training TFLOPS of one H100, the unit of "H100-equivalents".
pub const H100_TFLOPS: f64 = 989.0;

/// Prior experience of a new chip's maker, in quarters of output at the starting rate
/// (so learning does not start from zero units).
pub const LEARNING_PRIOR_TICKS: f64 = 4.0;
/// Lowest yearly capacity growth (a producer can shrink 90% a year at most).
pub const MIN_CAPACITY_GROWTH: f64 = -0.9;

/// Relative rounding allowed per floating-point addition when sums of pro-rata fills are
/// compared with the supply they split (4 × f64 machine epsilon, for headroom).
pub const ROUNDING_EPS: f64 = 4.0 * f64::EPSILON;

/// How a buyer in a given bloc can get a chip type.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Access {
    /// Legally, with or without a US licence.
    Legal {
        /// Government take added to the price (0 without a licence, and may be 0 with one).
        revenue_share: f64,
        /// Under a US export licence, so subject to its volume cap if it has one.
        licensed: bool,
    },
    /// Only by smuggling (a US ban with imperfect enforcement).
    Leak,
    /// Not at all.
    Denied,
}

/// Market state of one chip type.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct ChipState {
    /// Units that can be produced this quarter.
    pub capacity: f64,
    /// Unsold units carried over.
    pub inventory: f64,
    /// Units produced this tick.
    pub produced: f64,
    /// Units delivered legally this tick.
    pub delivered: f64,
    /// Units smuggled this tick.
    pub leaked: f64,
    /// Units delivered to US buyers last tick (the base for licence volume caps).
    pub us_delivered_last: f64,
    /// Units delivered to US buyers so far this tick.
    pub us_delivered: f64,
    /// Licensed units delivered this tick, per destination bloc.
    pub licensed: [f64; 4],
    /// Cumulative units produced (learning).
    pub cumulative: f64,
    /// Market price now, USD.
    pub price_usd: f64,
    /// Units on offer this tick (output plus stock).
    pub offered: f64,
    /// Units ordered in the first round this tick (at the current price).
    pub demand: f64,
    /// Units of stock written off this tick (obsolete).
    pub written_off: f64,
}

/// Who placed an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Buyer {
    /// A lab buying training chips.
    Lab(usize),
    /// A country's cloud and telecom operators buying inference chips.
    Country(usize),
}

/// One order for one chip type.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Order {
    /// Who ordered.
    pub buyer: Buyer,
    /// Bloc of the buyer (rules depend on it).
    pub bloc: Bloc,
    /// Chip index.
    pub chip: usize,
    /// Units wanted.
    pub units: f64,
    /// How the buyer can get it.
    pub access: Access,
}

/// One filled order.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Delivery {
    /// Who receives it.
    pub buyer: Buyer,
    /// Chip index.
    pub chip: usize,
    /// Units received.
    pub units: f64,
    /// Price paid per unit, including licence share or smuggling markup.
    pub unit_price: f64,
    /// Smuggled (a banned chip that leaked through).
    pub smuggled: bool,
}

/// Outcome of clearing one tick.
#[derive(Clone, Debug, Default)]
pub struct Clearing {
    /// Filled orders, in order-book order.
    pub deliveries: Vec<Delivery>,
    /// Licence revenue collected by the US government, USD.
    pub license_revenue: f64,
}

/// Where China's adaptive import rules stand this quarter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum ChinaStance {
    /// The configured import list applies as written.
    #[default]
    AsListed,
    /// Domestic supply is ample: every foreign chip is blocked.
    BlockAll,
    /// Domestic supply is short: the listed blocks are lifted for now.
    LiftListed,
}

/// The rule a buyer in `bloc` faces for `chip`, given policy and China's adaptive stance.
pub fn access(cfg: &Config, chip: &ChipCfg, bloc: Bloc, stance: ChinaStance) -> Access {
    if chip.only_for.is_some_and(|b| b != bloc) {
        return Access::Denied;
    }
    if bloc == Bloc::US && chip.designer == Bloc::CN && cfg.policy.us.block_chinese_chips {
        return Access::Denied;
    }
    if bloc == Bloc::CN && chip.designer != Bloc::CN {
        let listed = cfg
            .policy
            .china
            .import
            .iter()
            .any(|r| r.chip == chip.name && r.stance == ImportStance::Block);
        let blocked = match stance {
            ChinaStance::AsListed => listed,
            ChinaStance::BlockAll => true,
            ChinaStance::LiftListed => false,
        };
        if blocked {
            return Access::Denied;
        }
    }
    if chip.designer != Bloc::US || bloc == Bloc::US {
        return Access::Legal {
            revenue_share: 0.0,
            licensed: false,
        };
    }
    let rule = cfg
        .policy
        .us
        .export
        .iter()
        .find(|r| r.chip == chip.name && r.dest == bloc);
    match rule.map(|r| (r.rule, r.revenue_share)) {
        None | Some((ExportRule::Allow, _)) => Access::Legal {
            revenue_share: 0.0,
            licensed: false,
        },
        Some((ExportRule::License, share)) => Access::Legal {
            revenue_share: share,
            licensed: true,
        },
        Some((ExportRule::Ban, _)) if cfg.policy.us.leakage > 0.0 => Access::Leak,
        Some((ExportRule::Ban, _)) => Access::Denied,
    }
}

/// Market state of every chip type at the start of a run.
pub fn start_states(cfg: &Config) -> Vec<ChipState> {
    cfg.chips
        .iter()
        .map(|c| ChipState {
            us_delivered: c.capacity_per_tick,
            price_usd: cost_trend(cfg, c, 0, 0.0),
            ..ChipState::default()
        })
        .collect()
}

/// Price per unit for a buyer with this access, from the chip's current list price.
pub fn unit_price(cfg: &Config, list_price: f64, access: Access) -> f64 {
    match access {
        Access::Legal { revenue_share, .. } => list_price * (1.0 + revenue_share),
        Access::Leak => list_price * (1.0 + cfg.policy.us.leak_markup),
        Access::Denied => f64::INFINITY,
    }
}

/// What a chip is bought for; it decides which performance figure the buyer values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Use {
    /// Training runs: effective training H100e (peak × software efficiency).
    Training,
    /// Serving models: inference H100e.
    Inference,
}

/// A buyer's intention for the quarter, before the market answers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Purchase {
    /// Who buys.
    pub buyer: Buyer,
    /// Bloc of the buyer (rules depend on it).
    pub bloc: Bloc,
    /// Money to spend this quarter, USD.
    pub budget: f64,
    /// What the chips are for.
    pub use_for: Use,
    /// The buyer's government alignment (+1 US … −1 China): tilts inference buyers
    /// toward chips from the aligned bloc.
    pub alignment: f64,
}

impl Purchase {
    fn perf(&self, chip: &ChipCfg) -> f64 {
        match self.use_for {
            Use::Training => chip.train_tflops / H100_TFLOPS * chip.software_efficiency,
            Use::Inference => chip.infer_tflops / H100_TFLOPS,
        }
    }

    /// Log of the buyer's tilt toward the chip's bloc.
    fn log_bias(&self, chip: &ChipCfg, tilt: f64) -> f64 {
        let side = match chip.designer {
            Bloc::US => 1.0,
            Bloc::CN => -1.0,
            _ => 0.0,
        };
        match self.use_for {
            Use::Training => 0.0,
            Use::Inference => tilt * self.alignment * side,
        }
    }
}

/// Split a purchase over the chips the buyer can get, favouring cheap performance.
///
/// Order shares fall with cost per unit of performance (elasticity `chip_buyers.cost_elasticity`);
/// smuggled orders are scaled by the leakage rate, and are left out when `allow_leak`
/// is false (a second round only redirects money to chips still on the shelf).
pub fn split_budget(
    cfg: &Config,
    p: &Purchase,
    states: &[ChipState],
    available: &[bool],
    stance: ChinaStance,
    allow_leak: bool,
) -> Vec<Order> {
    let table = BudgetTable::new(cfg, states, available, stance, allow_leak);
    table.split(cfg, p)
}

/// What [`split_budget`] needs that depends only on the buyer's bloc and use,
/// not on the buyer: the chips it may order, at what price and with which
/// cost term. Built once per clearing round and shared by every purchase, so
/// the access rules (string matches over the export and import lists) and the
/// logarithm run once per (bloc, use, chip) instead of once per buyer. The
/// weights are the same floating-point operations in the same order, so
/// orders are bit-for-bit those of computing everything per buyer.
///
/// Training purchases carry no alignment tilt, so every lab of a bloc gets the
/// same weights: those rows also keep their weights, exponentiated once.
pub struct BudgetTable {
    /// Per (bloc, use): its candidates.
    rows: Vec<(Bloc, Use, Vec<Candidate>)>,
    /// Per row, for training rows: the candidates with their weights
    /// (`exp(log-weight − max)`) and the weights' sum.
    weighted: Vec<Option<(Vec<Candidate>, f64)>>,
}

/// A chip a buyer may order: `(chip, access, unit price, log-weight)`; in a
/// [`BudgetTable`] the log-weight is `−elasticity × ln(price / perf)`.
type Candidate = (usize, Access, f64, f64);

impl BudgetTable {
    /// Candidates of every (bloc, use) for this round.
    pub fn new(
        cfg: &Config,
        states: &[ChipState],
        available: &[bool],
        stance: ChinaStance,
        allow_leak: bool,
    ) -> BudgetTable {
        let mut rows = Vec::with_capacity(8);
        for bloc in [Bloc::US, Bloc::CN, Bloc::ALLY, Bloc::NONALIGNED] {
            for use_for in [Use::Training, Use::Inference] {
                let probe = Purchase {
                    buyer: Buyer::Country(0),
                    bloc,
                    budget: 0.0,
                    use_for,
                    alignment: 0.0,
                };
                let mut cands = Vec::new();
                for (k, chip) in cfg.chips.iter().enumerate() {
                    let a = access(cfg, chip, bloc, stance);
                    let perf = probe.perf(chip);
                    if !available[k]
                        || a == Access::Denied
                        || (a == Access::Leak && !allow_leak)
                        || perf <= 0.0
                    {
                        continue;
                    }
                    let price = unit_price(cfg, states[k].price_usd, a);
                    let cost = -cfg.chip_buyers.cost_elasticity * math::ln(price / perf);
                    cands.push((k, a, price, cost));
                }
                rows.push((bloc, use_for, cands));
            }
        }
        let weighted = rows
            .iter()
            .map(|(_, use_for, cands)| {
                (*use_for == Use::Training).then(|| {
                    // What `split_into` computes for a training purchase: its
                    // tilt is 0, and `cost + 0.0` is `cost`.
                    let mut w = cands.clone();
                    let total = exponentiate(&mut w);
                    (w, total)
                })
            })
            .collect();
        BudgetTable { rows, weighted }
    }

    /// [`split_budget`] of one purchase.
    pub fn split(&self, cfg: &Config, p: &Purchase) -> Vec<Order> {
        let mut out = Vec::new();
        self.split_into(cfg, p, &mut Vec::new(), &mut out);
        out
    }

    /// [`split_budget`] of every purchase, in order: one vector, no per-purchase
    /// allocations (this runs twice a tick over every lab and country).
    pub fn split_all(&self, cfg: &Config, purchases: &[Purchase]) -> Vec<Order> {
        let per = self.rows.iter().map(|r| r.2.len()).max().unwrap_or(0);
        let mut out = Vec::with_capacity(purchases.len() * per);
        let mut scratch = Vec::with_capacity(per);
        for p in purchases {
            self.split_into(cfg, p, &mut scratch, &mut out);
        }
        out
    }

    /// Append the orders of `p` to `out`; `cands` is scratch space.
    fn split_into(
        &self,
        cfg: &Config,
        p: &Purchase,
        cands: &mut Vec<Candidate>,
        out: &mut Vec<Order>,
    ) {
        let Some(row) = self
            .rows
            .iter()
            .position(|r| r.0 == p.bloc && r.1 == p.use_for)
        else {
            return;
        };
        if let Some((weighted, total)) = &self.weighted[row] {
            emit_orders(cfg, p, weighted, *total, out);
            return;
        }
        // Weight (price/perf)^-elasticity × tilt, in logs so extreme prices cannot overflow.
        cands.clear();
        cands.extend(self.rows[row].2.iter().map(|&(k, a, price, cost)| {
            let bias = p.log_bias(&cfg.chips[k], cfg.chip_buyers.alignment_tilt);
            (k, a, price, cost + bias)
        }));
        let total = exponentiate(cands);
        emit_orders(cfg, p, cands, total, out);
    }
}

/// Replace each candidate's log-weight by its weight relative to the largest,
/// `exp(log-weight − max)`, and return the weights' sum.
fn exponentiate(cands: &mut [Candidate]) -> f64 {
    let top = cands.iter().map(|c| c.3).fold(f64::NEG_INFINITY, f64::max);
    for c in cands.iter_mut() {
        c.3 = math::exp(c.3 - top);
    }
    cands.iter().map(|c| c.3).sum()
}

/// Turn weighted candidates into orders appended to `out` (the second half of
/// [`split_budget`]).
fn emit_orders(cfg: &Config, p: &Purchase, cands: &[Candidate], total: f64, out: &mut Vec<Order>) {
    if p.budget <= 0.0 || total <= 0.0 {
        return;
    }
    out.extend(cands.iter().map(|&(k, a, price, w)| {
        let mut units = p.budget * (w / total) / price;
        if a == Access::Leak {
            units *= cfg.policy.us.leakage;
        }
        Order {
            buyer: p.buyer,
            bloc: p.bloc,
            chip: k,
            units,
            access: a,
        }
    }));
}

/// The maker's price trend of a chip at `tick`: its launch price, lowered along the
/// common price-performance trend since launch and by its own learning curve.
pub fn cost_trend(cfg: &Config, chip: &ChipCfg, tick: u32, cumulative: f64) -> f64 {
    let years = tick.saturating_sub(chip.intro_tick) as f64 / 4.0;
    let trend = math::powf(
        2.0,
        -years / cfg.chip_market.price_performance_doubling_years,
    );
    learned_price(chip, cumulative) * trend
}

/// Advance production capacity one quarter and put this quarter's output on the market.
///
/// `extra_growth[k]` is added to chip k's yearly capacity growth (Chinese subsidies and
/// protection); `limits` are the shared supply limits' current units per quarter.
/// Returns the units available for sale (output plus stock).
pub fn produce(
    cfg: &Config,
    states: &mut [ChipState],
    tick: u32,
    extra_growth: &[f64],
    limits: &[f64],
) -> Vec<f64> {
    let m = &cfg.chip_market;
    for ((chip, st), extra) in cfg.chips.iter().zip(states.iter_mut()).zip(extra_growth) {
        st.us_delivered_last = st.us_delivered;
        st.us_delivered = 0.0;
        st.delivered = 0.0;
        st.leaked = 0.0;
        st.licensed = [0.0; 4];
        st.demand = 0.0;
        // Unsold stock ages: a share becomes obsolete every quarter.
        st.written_off = st.inventory * m.obsolescence_per_tick;
        st.inventory -= st.written_off;
        if tick < chip.intro_tick {
            st.produced = 0.0;
            continue;
        }
        if tick == chip.intro_tick || st.capacity == 0.0 {
            st.capacity = st.capacity.max(chip.capacity_per_tick);
            st.price_usd = cost_trend(cfg, chip, tick, st.cumulative);
        } else {
            // Producers expand only while they sell out: unsold stock damps growth.
            let glut = if st.capacity > 0.0 {
                (st.inventory / st.capacity).min(1.0)
            } else {
                0.0
            };
            let yearly = (chip.capacity_growth + extra).max(MIN_CAPACITY_GROWTH);
            let yearly = if yearly > 0.0 {
                yearly * (1.0 - glut)
            } else {
                yearly
            };
            st.capacity *= math::powf(1.0 + yearly, 0.25);
        }
        // Stock beyond what the maker keeps is written off; output is cut so that stock
        // plus output never exceeds `max_inventory_ticks` quarters of capacity.
        let keep = m.max_inventory_ticks * st.capacity;
        if st.inventory > keep {
            st.written_off += st.inventory - keep;
            st.inventory = keep;
        }
        st.produced = st.capacity.min((keep - st.inventory).max(0.0));
    }
    // Shared supply limits scale down the output of the chips that depend on them.
    for (l, limit) in cfg.supply_limits.iter().zip(limits) {
        let uses = |c: &ChipCfg| c.supply_limit.as_deref() == Some(l.name.as_str());
        let total: f64 = cfg
            .chips
            .iter()
            .zip(states.iter())
            .filter(|(c, _)| uses(c))
            .map(|(_, st)| st.produced)
            .sum();
        if total > *limit {
            let scale = if total > 0.0 { limit / total } else { 0.0 };
            for (_, st) in cfg
                .chips
                .iter()
                .zip(states.iter_mut())
                .filter(|(c, _)| uses(c))
            {
                st.produced *= scale;
            }
        }
    }
    states
        .iter_mut()
        .map(|st| {
            st.cumulative += st.produced;
            st.offered = st.produced + st.inventory;
            st.offered
        })
        .collect()
}

/// Each quarter every chip's price moves with its demand / supply ratio (elasticity
/// `price_elasticity`), by at most `max_price_step`, within `[price_floor, price_cap]`
/// times the maker's cost trend.
pub fn adjust_prices(cfg: &Config, states: &mut [ChipState], tick: u32) {
    let m = &cfg.chip_market;
    for (chip, st) in cfg.chips.iter().zip(states.iter_mut()) {
        if tick < chip.intro_tick {
            continue;
        }
        let trend = cost_trend(cfg, chip, tick + 1, st.cumulative);
        let ratio = if st.offered > 0.0 {
            (st.demand / st.offered).clamp(1e-3, 1e3)
        } else {
            1.0
        };
        let step = math::powf(ratio, m.price_elasticity)
            .clamp(1.0 - m.max_price_step, 1.0 + m.max_price_step);
        st.price_usd = (st.price_usd * step).clamp(m.price_floor * trend, m.price_cap * trend);
    }
}

/// Grow each shared supply limit one quarter (`extra[k]` adds Beijing's push to limits
/// flagged `import_substitution`).
pub fn grow_limits(cfg: &Config, limits: &mut [f64], extra: f64) {
    for (l, v) in cfg.supply_limits.iter().zip(limits.iter_mut()) {
        let push = if l.import_substitution { extra } else { 0.0 };
        let yearly = (l.growth + push).max(MIN_CAPACITY_GROWTH);
        *v *= math::powf(1.0 + yearly, 0.25);
    }
}

/// Experience curve: each doubling of output (counting a year at the starting rate as
/// prior experience) cuts the price by `learning_rate`.
fn learned_price(chip: &ChipCfg, cumulative: f64) -> f64 {
    if chip.learning_rate <= 0.0 {
        return chip.price_usd;
    }
    let prior = LEARNING_PRIOR_TICKS * chip.capacity_per_tick.max(1.0);
    chip.price_usd
        * math::powf(
            (prior + cumulative) / prior,
            math::log2(1.0 - chip.learning_rate),
        )
}

/// Clear one round of orders pro-rata per chip type, applying what is left of the
/// licence volume caps. `supply` is what is on offer in this round; deliveries add to
/// the tick's totals and unsold units become inventory (offered again in a later round).
pub fn clear(cfg: &Config, states: &mut [ChipState], supply: &[f64], orders: &[Order]) -> Clearing {
    let mut out = Clearing {
        deliveries: Vec::with_capacity(orders.len()),
        ..Clearing::default()
    };
    let n = cfg.chips.len();
    let caps = licence_caps(cfg, states);
    // Scale licensed orders per (chip, bloc) down to their cap.
    let mut licensed = vec![[0.0f64; 4]; n];
    for o in orders {
        if let Access::Legal { licensed: true, .. } = o.access {
            licensed[o.chip][o.bloc.index()] += o.units;
        }
    }
    let cap_scale = |o: &Order| match (o.access, caps[o.chip][o.bloc.index()]) {
        (Access::Legal { licensed: true, .. }, Some(cap)) => {
            let want = licensed[o.chip][o.bloc.index()];
            if want > cap {
                cap / want
            } else {
                1.0
            }
        }
        _ => 1.0,
    };
    let wanted: Vec<f64> = orders.iter().map(|o| o.units * cap_scale(o)).collect();
    let mut demand = vec![0.0; n];
    for (o, w) in orders.iter().zip(&wanted) {
        demand[o.chip] += w;
    }
    let fill: Vec<f64> = (0..n)
        .map(|k| {
            if demand[k] > supply[k] {
                supply[k] / demand[k]
            } else {
                1.0
            }
        })
        .collect();
    let mut taken = vec![0.0; n];
    for (o, w) in orders.iter().zip(&wanted) {
        let units = w * fill[o.chip];
        if units <= 0.0 {
            continue;
        }
        let list = states[o.chip].price_usd;
        let price = unit_price(cfg, list, o.access);
        let st = &mut states[o.chip];
        match o.access {
            Access::Leak => st.leaked += units,
            Access::Legal {
                revenue_share,
                licensed,
            } => {
                st.delivered += units;
                if licensed {
                    st.licensed[o.bloc.index()] += units;
                }
                out.license_revenue += units * list * revenue_share;
            }
            Access::Denied => continue,
        }
        taken[o.chip] += units;
        if o.bloc == Bloc::US {
            st.us_delivered += units;
        }
        out.deliveries.push(Delivery {
            buyer: o.buyer,
            chip: o.chip,
            units,
            unit_price: price,
            smuggled: o.access == Access::Leak,
        });
    }
    for (k, st) in states.iter_mut().enumerate() {
        // Pro-rata fills sum to the supply up to rounding (one relative epsilon per
        // order added); only that rounding is forgiven. Real over-delivery leaves the
        // stock negative, which the invariants report instead of hiding.
        let left = supply[k] - taken[k];
        let rounding = ROUNDING_EPS * (orders.len() as f64 + 1.0) * supply[k].abs();
        st.inventory = if left < 0.0 && -left <= rounding {
            0.0
        } else {
            left
        };
    }
    out
}

/// Licence volume caps per (chip, bloc): a share of last quarter's US deliveries.
fn licence_caps(cfg: &Config, states: &[ChipState]) -> Vec<[Option<f64>; 4]> {
    let mut caps = vec![[None; 4]; cfg.chips.len()];
    for r in &cfg.policy.us.export {
        if let (ExportRule::License, Some(cap)) = (r.rule, r.volume_cap) {
            if let Some(k) = cfg.chips.iter().position(|c| c.name == r.chip) {
                let left =
                    cap * states[k].us_delivered_last.max(0.0) - states[k].licensed[r.dest.index()];
                caps[k][r.dest.index()] = Some(left.max(0.0));
            }
        }
    }
    caps
}
