//! The adoption rule: what firms see of the model market and how they act on it.
//!
//! Each tick, every (country, sector) peer group gets one [`GroupRule`]: the
//! Bass hazard of adopting this quarter and the logit tables for choosing a
//! stack. The rule depends only on shared read-only inputs (the labs' offers,
//! governments' alignment, last tick's stack shares), so groups are computed
//! in parallel and collected in order.

use super::firm::GroupRule;
use super::government::Governments;
use super::lab::Lab;
use super::stack::{Stack, N_STACKS};
use crate::config::{Bloc, Config};
use crate::math;

/// Floor on a model's price before taking its log (a free model would give −∞).
const MIN_PRICE_USD_PER_MTOK: f64 = 1e-9;
/// Floor on the sentiment ratio before raising it to a power (sentiment 0 would give 0^w).
const MIN_SENTIMENT_RATIO: f64 = 0.01;

/// Best (capability, price) on offer per stack, if any lab has released on it.
pub type StackOffer = [Option<(f64, f64)>; N_STACKS];

/// The best model of each stack.
pub fn stack_offer(labs: &[Lab]) -> StackOffer {
    let mut offer: StackOffer = [None; N_STACKS];
    for l in labs {
        let k = l.stack as usize;
        if offer[k].is_none_or(|(c, _)| l.capability > c) {
            offer[k] = Some((l.capability, l.price_usd_per_mtok));
        }
    }
    offer
}

/// Is `stack` usable in `country`?
fn stack_open_to(cfg: &Config, bloc: Bloc, stack: Stack) -> bool {
    !(bloc == Bloc::CN
        && stack == Stack::UsClosed
        && cfg.policy.china.foreign_closed_models_blocked)
}

/// Bass terms and logit tables for one (country, sector) group.
#[allow(clippy::too_many_arguments)]
pub fn group_rule(
    cfg: &Config,
    gov: &Governments,
    offer: &StackOffer,
    shares: &[[f64; N_STACKS]],
    best_world: f64,
    country: usize,
    sector: usize,
    peer_share: f64,
) -> GroupRule {
    let ct = &cfg.countries[country];
    let sec = &cfg.sectors[sector];
    let b = &cfg.stack_choice;
    let local_cloud = cfg.blocs.get(ct.bloc).local_cloud;
    let mut util = [f64::NEG_INFINITY; N_STACKS];
    let mut available = [false; N_STACKS];
    let mut best_here: f64 = 0.0;
    for s in Stack::ALL {
        let k = s as usize;
        let Some((cap, price)) = offer[k] else {
            continue;
        };
        if !stack_open_to(cfg, ct.bloc, s) {
            continue;
        }
        available[k] = true;
        best_here = best_here.max(cap);
        let open = if s.is_open() { 1.0 } else { 0.0 };
        util[k] = b.capability * (cap - best_world)
            + b.price * math::ln(price.max(MIN_PRICE_USD_PER_MTOK))
            + b.openness_customisation * open * sec.customisation_need
            + b.local_cloud * open * local_cloud
            + b.alignment * gov.alignment[country] * s.side()
            + b.network * shares[country][k];
    }
    // One exp per stack; switching rows reuse the weights scaled by exp(-switching cost).
    let w = logit_weights(&util);
    let choose_new = cumulate(&w);
    let stay_bonus = math::exp(-b.switching_cost);
    let mut choose_from = [[0.0f32; N_STACKS]; N_STACKS];
    for (j, row) in choose_from.iter_mut().enumerate() {
        let mut wj = w.map(|x| x * stay_bonus);
        wj[j] = w[j];
        *row = cumulate(&wj);
    }
    let (p, q) = bass_terms(cfg, country, sector, best_here);
    GroupRule {
        p,
        q,
        peer_share,
        hazard: 1.0 - math::exp(-(p + q * peer_share)),
        choose_new,
        choose_from,
        available,
    }
}

/// Bass p and q for a group: configured values, scaled by utility, sentiment and
/// China's embodied-AI priority when utility terms are on.
pub fn bass_terms(cfg: &Config, country: usize, sector: usize, best_capability: f64) -> (f64, f64) {
    let f = &cfg.firms;
    if !f.utility_terms {
        return (f.p, f.q);
    }
    let ct = &cfg.countries[country];
    let utility =
        math::exp(f.utility_capability_weight * (best_capability - f.utility_reference_capability))
            .clamp(f.utility_min, f.utility_max);
    let sentiment = math::powf(
        (ct.sentiment / f.sentiment_reference).max(MIN_SENTIMENT_RATIO),
        f.sentiment_weight,
    );
    let embodied = if ct.bloc == Bloc::CN && cfg.sectors[sector].embodied {
        cfg.policy.china.embodied_priority
    } else {
        1.0
    };
    let scale = utility * sentiment * embodied;
    (f.p * scale, f.q * scale)
}

/// Logit weights `exp(u - max u)`; unavailable stacks (utility −∞) get 0.
pub fn logit_weights(util: &[f64; N_STACKS]) -> [f64; N_STACKS] {
    let max = util.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    if !max.is_finite() {
        return [0.0; N_STACKS];
    }
    util.map(|x| {
        if x.is_finite() {
            math::exp(x - max)
        } else {
            0.0
        }
    })
}

/// Cumulative probabilities from weights; the last available stack closes at exactly 1
/// and stacks with no weight have zero width (all zeros when nothing is available).
pub fn cumulate(w: &[f64; N_STACKS]) -> [f32; N_STACKS] {
    let mut out = [0.0f32; N_STACKS];
    let total: f64 = w.iter().sum();
    if total <= 0.0 {
        return out;
    }
    let mut acc = 0.0;
    for k in 0..N_STACKS {
        acc += w[k] / total;
        out[k] = if w[k] > 0.0 {
            acc as f32
        } else {
            out.get(k.wrapping_sub(1)).copied().unwrap_or(0.0)
        };
    }
    if let Some(last) = (0..N_STACKS).rev().find(|&k| w[k] > 0.0) {
        for x in out.iter_mut().skip(last) {
            *x = 1.0;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cumulative_probabilities_respect_availability_and_switching() {
        let util = [
            0.0,
            f64::NEG_INFINITY,
            0.0,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        let w = logit_weights(&util);
        let c = cumulate(&w);
        assert!((c[0] - 0.5).abs() < 1e-6);
        assert_eq!(c[1], c[0], "unavailable stack has zero width");
        assert_eq!(c[2], 1.0);
        assert_eq!(c[4], 1.0);
        let mut from0 = w.map(|x| x * math::exp(-10.0));
        from0[0] = w[0];
        let stay = cumulate(&from0);
        assert_eq!(
            cumulate(&logit_weights(&[f64::NEG_INFINITY; N_STACKS])),
            [0.0; N_STACKS]
        );
        assert!(
            stay[0] > 0.99,
            "a high switching cost keeps firms where they are"
        );
    }
}
