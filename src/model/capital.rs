//! Where labs' money comes from: inference revenue and capital.
//!
//! Revenue is price × tokens: the inference that firms on a lab's stack are
//! served in each country (H100e of served demand, read through
//! [`World::usage_by_stack`](super::World::usage_by_stack)) times the tokens an
//! H100e serves at the lab's algorithmic efficiency, times the lab's price.
//! Within a stack users concentrate on the best model.
//!
//! Capital is what investors (venture and corporate, per bloc) and states put
//! in. A bloc's private inflow starts at its configured level and follows its
//! labs' revenue with a stated elasticity, up to a stated ceiling; state
//! capital is a policy lever (China's responds to the frontier gap). Each
//! bloc's capital goes to its labs by capability: weight
//! `exp(rank_sensitivity × (capability − best in bloc))`; Chinese open-weight
//! labs get `1 + open_weight_promotion` times the weight in state capital.
//! Only `capital.compute_share` of income is spent on compute.

use super::lab::Lab;
use super::stack::N_STACKS;
use crate::config::{Bloc, Config, Release};
use crate::math;

/// Inference revenue of every lab this quarter, USD. `usage[c][k]` is the served
/// inference (H100e) of firms in country c on stack k.
pub fn revenues(cfg: &Config, labs: &[Lab], usage: &[[f64; N_STACKS]]) -> Vec<f64> {
    let d = &cfg.lab_dynamics;
    let mut served = [0.0; N_STACKS];
    for row in usage {
        for (s, u) in served.iter_mut().zip(row) {
            *s += u;
        }
    }
    let mut best = [f64::NEG_INFINITY; N_STACKS];
    for l in labs {
        let k = l.stack as usize;
        best[k] = best[k].max(l.capability);
    }
    let weight = |l: &Lab| {
        math::exp(d.revenue_capability_sensitivity * (l.capability - best[l.stack as usize]))
    };
    let mut total = [0.0; N_STACKS];
    for l in labs {
        total[l.stack as usize] += weight(l);
    }
    labs.iter()
        .map(|l| {
            let k = l.stack as usize;
            if total[k] <= 0.0 {
                return 0.0;
            }
            let share = weight(l) / total[k];
            let tokens = served[k] * share * d.tokens_per_h100e_tick * l.algo_efficiency;
            l.price_usd_per_mtok * tokens / 1e6
        })
        .collect()
}

/// Labs' inference revenue summed per bloc.
pub fn bloc_revenue(labs: &[Lab], revenue: &[f64]) -> [f64; 4] {
    let mut out = [0.0; 4];
    for (l, r) in labs.iter().zip(revenue) {
        out[l.bloc.index()] += r;
    }
    out
}

/// Capital each lab receives this quarter, USD. `start_revenue` is each bloc's revenue
/// in the first quarter (the base the private inflow is indexed to); `gap_months` is
/// last quarter's frontier gap (positive: China behind).
pub fn capital(
    cfg: &Config,
    labs: &[Lab],
    revenue: &[f64],
    start_revenue: &[f64; 4],
    gap_months: f64,
) -> Vec<f64> {
    let c = &cfg.capital;
    let now = bloc_revenue(labs, revenue);
    let mut private = [0.0; 4];
    for b in Bloc::ALL {
        let i = b.index();
        let growth = if start_revenue[i] > 0.0 && now[i] > 0.0 {
            math::powf(now[i] / start_revenue[i], c.revenue_elasticity)
        } else {
            1.0
        };
        private[i] = c.private_usd_per_tick.get(b) * growth.min(c.max_growth_multiple);
    }
    let cn = &cfg.policy.china;
    let mut state = [0.0; 4];
    state[Bloc::US.index()] = cfg.policy.us.state_capital_usd_per_tick;
    state[Bloc::CN.index()] = cn.state_capital_usd_per_tick
        * (1.0 + cn.state_capital_gap_response * (gap_months / 12.0).clamp(0.0, 10.0));
    let mut best = [f64::NEG_INFINITY; 4];
    for l in labs {
        best[l.bloc.index()] = best[l.bloc.index()].max(l.capability);
    }
    let rank = |l: &Lab| math::exp(c.rank_sensitivity * (l.capability - best[l.bloc.index()]));
    let promoted = |l: &Lab, lc: &crate::config::LabCfg| {
        if l.bloc == Bloc::CN && lc.release == Release::Open {
            1.0 + cn.open_weight_promotion
        } else {
            1.0
        }
    };
    let mut w_private = [0.0; 4];
    let mut w_state = [0.0; 4];
    for (l, lc) in labs.iter().zip(&cfg.labs) {
        w_private[l.bloc.index()] += rank(l);
        w_state[l.bloc.index()] += rank(l) * promoted(l, lc);
    }
    labs.iter()
        .zip(&cfg.labs)
        .map(|(l, lc)| {
            let b = l.bloc.index();
            let mut x = 0.0;
            if w_private[b] > 0.0 {
                x += private[b] * rank(l) / w_private[b];
            }
            if w_state[b] > 0.0 {
                x += state[b] * rank(l) * promoted(l, lc) / w_state[b];
            }
            x
        })
        .collect()
}
