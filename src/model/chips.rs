//! The chip market: production, export and import rules, and clearing.
//!
//! Clearing is pro-rata: when orders exceed supply every order of that chip
//! is filled by the same fraction, so the result never depends on which
//! buyer happened to order first. Licensed sales add the US government's
//! revenue share to the buyer's price; banned demand leaks through smuggling
//! at a configured rate and markup.

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

/// How a buyer in a given bloc can get a chip type.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Access {
    /// Legally; `revenue_share` > 0 means under licence.
    Legal {
        /// Government take added to the price.
        revenue_share: f64,
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
    /// List price now, USD: the configured price lowered by learning.
    pub price_usd: f64,
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
        return Access::Legal { revenue_share: 0.0 };
    }
    let rule = cfg
        .policy
        .us
        .export
        .iter()
        .find(|r| r.chip == chip.name && r.dest == bloc);
    match rule.map(|r| (r.rule, r.revenue_share)) {
        None | Some((ExportRule::Allow, _)) => Access::Legal { revenue_share: 0.0 },
        Some((ExportRule::License, share)) => Access::Legal {
            revenue_share: share,
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
            price_usd: c.price_usd,
            ..ChipState::default()
        })
        .collect()
}

/// Price per unit for a buyer with this access, from the chip's current list price.
pub fn unit_price(cfg: &Config, list_price: f64, access: Access) -> f64 {
    match access {
        Access::Legal { revenue_share } => list_price * (1.0 + revenue_share),
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

    fn bias(&self, chip: &ChipCfg, tilt: f64) -> f64 {
        let side = match chip.designer {
            Bloc::US => 1.0,
            Bloc::CN => -1.0,
            _ => 0.0,
        };
        match self.use_for {
            Use::Training => 1.0,
            Use::Inference => math::exp(tilt * self.alignment * side),
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
    let mut cands = Vec::new();
    for (k, chip) in cfg.chips.iter().enumerate() {
        let a = access(cfg, chip, p.bloc, stance);
        let perf = p.perf(chip);
        if !available[k] || a == Access::Denied || (a == Access::Leak && !allow_leak) || perf <= 0.0
        {
            continue;
        }
        let price = unit_price(cfg, states[k].price_usd, a);
        cands.push((
            k,
            a,
            price,
            math::powf(price / perf, -cfg.chip_buyers.cost_elasticity)
                * p.bias(chip, cfg.chip_buyers.alignment_tilt),
        ));
    }
    let total: f64 = cands.iter().map(|c| c.3).sum();
    if p.budget <= 0.0 || total <= 0.0 {
        return Vec::new();
    }
    cands
        .into_iter()
        .map(|(k, a, price, w)| {
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
        })
        .collect()
}

/// Advance production capacity one quarter and put this quarter's output on the market.
///
/// `extra_growth[k]` is added to chip k's yearly capacity growth (Chinese subsidies and
/// protection). Returns the units available for sale (output plus inventory).
pub fn produce(
    cfg: &Config,
    states: &mut [ChipState],
    tick: u32,
    extra_growth: &[f64],
) -> Vec<f64> {
    cfg.chips
        .iter()
        .zip(states.iter_mut())
        .zip(extra_growth)
        .map(|((chip, st), extra)| {
            st.us_delivered_last = st.us_delivered;
            st.us_delivered = 0.0;
            st.delivered = 0.0;
            st.leaked = 0.0;
            st.licensed = [0.0; 4];
            if tick < chip.intro_tick {
                st.produced = 0.0;
                return st.inventory;
            }
            if tick == chip.intro_tick || st.capacity == 0.0 {
                st.capacity = st.capacity.max(chip.capacity_per_tick);
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
            st.produced = st.capacity;
            st.cumulative += st.produced;
            st.price_usd = learned_price(chip, st.cumulative);
            st.produced + st.inventory
        })
        .collect()
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
    let mut out = Clearing::default();
    let n = cfg.chips.len();
    let caps = licence_caps(cfg, states);
    // Scale licensed orders per (chip, bloc) down to their cap.
    let mut licensed = vec![[0.0f64; 4]; n];
    for o in orders {
        if let Access::Legal { revenue_share } = o.access {
            if revenue_share > 0.0 {
                licensed[o.chip][o.bloc.index()] += o.units;
            }
        }
    }
    let cap_scale = |o: &Order| match (o.access, caps[o.chip][o.bloc.index()]) {
        (Access::Legal { revenue_share }, Some(cap)) if revenue_share > 0.0 => {
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
            Access::Legal { revenue_share } => {
                st.delivered += units;
                if revenue_share > 0.0 {
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
        });
    }
    for (k, st) in states.iter_mut().enumerate() {
        st.inventory = (supply[k] - taken[k]).max(0.0);
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
