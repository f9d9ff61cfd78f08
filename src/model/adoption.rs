//! The adoption rule: what firms see of the model market and how they act on it.
//!
//! Each tick, every (country, sector) peer group gets one [`GroupRule`]: the
//! Bass hazard of adopting this quarter and the logit tables for choosing a
//! stack. The rule depends only on shared read-only inputs (the labs' offers,
//! governments' alignment, last tick's stack shares), so groups are computed
//! in parallel and collected in order.

use super::firm::{GroupRule, GroupTotals};
use super::government::Governments;
use super::lab::Lab;
use super::stack::{Stack, N_STACKS};
use crate::config::{Bloc, Config};
use crate::math;

/// Floor on a model's price before taking its log (a free model would give −∞).
const MIN_PRICE_USD_PER_MTOK: f64 = 1e-9;
/// Floor on the sentiment ratio before raising it to a power (sentiment 0 would give 0^w).
const MIN_SENTIMENT_RATIO: f64 = 0.01;
/// Floor on GDP when dividing by it (a zero-GDP country has no cloud to speak of).
const MIN_GDP_USD_TN: f64 = 1e-6;
/// Floor on the market potential when measuring the peer share over it.
const MIN_POTENTIAL: f64 = 1e-9;
/// Share a stack with no configured starting share is calibrated to (rare, not impossible).
const MIN_START_SHARE: f64 = 0.002;

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

/// Is `stack` usable in a country of `bloc`?
pub fn stack_open_to(cfg: &Config, bloc: Bloc, stack: Stack) -> bool {
    !(bloc == Bloc::CN
        && stack == Stack::UsClosed
        && cfg.policy.china.foreign_closed_models_blocked)
}

/// What every peer group reads this tick: shared, read-only, per country where it varies.
pub struct MarketView<'a> {
    /// Best (capability, price) per stack.
    pub offer: StackOffer,
    /// Best capability anywhere.
    pub best_world: f64,
    /// Adopters' stack shares per country last tick (network effect).
    pub shares: &'a [[f64; N_STACKS]],
    /// Local-cloud availability per country and stack (0–1), from running data-center
    /// capacity by the origin of its chips ([`local_cloud`]).
    pub cloud: &'a [[f64; N_STACKS]],
    /// Share of each country's inference demand served last tick.
    pub served: &'a [f64],
    /// Consecutive quarters each country has not been served.
    pub unserved_ticks: &'a [u32],
    /// Alternative-specific constants per country and stack, fitted at the start.
    pub asc: &'a [[f64; N_STACKS]],
}

/// Local-cloud availability of a country for each stack: running AI data-center GW per
/// trillion USD of GDP that hosts the stack, `x / (x + half)`, so it grows with build-out
/// and saturates.
///
/// Capacity is split by the origin of the chips in it (`cn_chip_share` of the country's
/// inference stock is Chinese-designed): a bloc's capacity hosts its own bloc's models
/// fully and the other bloc's at `stack_choice.cross_origin_hosting` (open weights run on
/// any accelerator, but a cloud sells first the models of its own ecosystem); "other"
/// models run on all of it. Chip origin stands in for the cloud operator's origin, which
/// the model does not track. At `cross_origin_hosting = 1` every stack sees all capacity.
pub fn local_cloud(
    cfg: &Config,
    country: usize,
    dc_gw: f64,
    cn_chip_share: f64,
) -> [f64; N_STACKS] {
    let gdp = cfg.countries[country].gdp_usd_tn.max(MIN_GDP_USD_TN);
    let cross = cfg.stack_choice.cross_origin_hosting;
    let cn = cn_chip_share.clamp(0.0, 1.0);
    let availability = |hosting_share: f64| {
        let x = dc_gw.max(0.0) * hosting_share / gdp;
        x / (x + cfg.stack_choice.local_cloud_half_gw_per_usd_tn)
    };
    let us_side = availability((1.0 - cn) + cross * cn);
    let cn_side = availability(cn + cross * (1.0 - cn));
    let mut out = [0.0; N_STACKS];
    for s in Stack::ALL {
        out[s as usize] = match s {
            Stack::UsClosed | Stack::UsOpen => us_side,
            Stack::CnOpen | Stack::CnClosed => cn_side,
            Stack::Other => availability(1.0),
        };
    }
    out
}

/// What a country's peer groups share in a tick: every term of their rule that does
/// not depend on the sector, computed once per country instead of once per group.
///
/// A tick has ~900 (country, sector) groups over ~110 countries; the logarithms of
/// prices, the sentiment power and the market-potential logistic were recomputed
/// for every group. The terms are stored so that a group's utility is summed in
/// exactly the order [`utilities`] always used, so the rule is bit-for-bit the same.
#[derive(Clone, Copy, Debug)]
pub struct CountryTerms {
    /// Per stack: capability plus price term (−∞ where the stack is not on offer here).
    head: [f64; N_STACKS],
    /// Per stack: the local-cloud, alignment and network terms, added in this order
    /// after the sector's customisation term.
    tail: [[f64; 3]; N_STACKS],
    /// Stacks on offer and open to the country.
    available: [bool; N_STACKS],
    /// Bass utility multiplier from the best capability here (utility terms on).
    bass_utility: f64,
    /// Bass sentiment multiplier (utility terms on).
    bass_sentiment: f64,
    /// Market potential per unit of sector ceiling, as `(worth, served^elasticity)`;
    /// `None` when no stack on offer has a finite value (potential 0).
    potential: Option<(f64, f64)>,
    /// Weight multiplier of the stacks an adopter would switch to, `exp(-switching cost)`.
    stay_bonus: f64,
}

impl CountryTerms {
    /// The terms of `country` this tick.
    pub fn new(cfg: &Config, gov: &Governments, view: &MarketView, country: usize) -> Self {
        let (mut terms, best_here) = Self::stacks(cfg, gov, view, country);
        let f = &cfg.firms;
        if f.utility_terms {
            let ct = &cfg.countries[country];
            terms.bass_utility = math::exp(
                f.utility_capability_weight * (best_here - f.utility_reference_capability),
            )
            .clamp(f.utility_min, f.utility_max);
            terms.bass_sentiment = math::powf(
                (ct.sentiment / f.sentiment_reference).max(MIN_SENTIMENT_RATIO),
                f.sentiment_weight,
            );
            terms.potential = potential_terms(cfg, view, country, &terms.available);
        }
        terms
    }

    /// Only the stack utilities' terms (Bass multipliers 1, no potential), with the best
    /// capability on offer here (0 when none).
    fn stacks(cfg: &Config, gov: &Governments, view: &MarketView, country: usize) -> (Self, f64) {
        let bloc = cfg.countries[country].bloc;
        let b = &cfg.stack_choice;
        let mut head = [f64::NEG_INFINITY; N_STACKS];
        let mut tail = [[0.0; 3]; N_STACKS];
        let mut available = [false; N_STACKS];
        let mut best_here: f64 = 0.0;
        for s in Stack::ALL {
            let k = s as usize;
            let Some((cap, price)) = view.offer[k] else {
                continue;
            };
            if !stack_open_to(cfg, bloc, s) {
                continue;
            }
            let open = if s.is_open() { 1.0 } else { 0.0 };
            head[k] = b.capability * (cap - view.best_world)
                + b.price * math::ln(price.max(MIN_PRICE_USD_PER_MTOK));
            tail[k] = [
                b.local_cloud * open * view.cloud[country][k],
                b.alignment * gov.alignment[country] * s.side(),
                b.network * view.shares[country][k],
            ];
            available[k] = true;
            best_here = best_here.max(cap);
        }
        let terms = CountryTerms {
            head,
            tail,
            available,
            bass_utility: 1.0,
            bass_sentiment: 1.0,
            potential: None,
            stay_bonus: math::exp(-b.switching_cost),
        };
        (terms, best_here)
    }

    /// Logit utility of each stack for a firm with customisation need `need` (−∞ for
    /// stacks not on offer here), before the fitted constants.
    pub fn utilities(&self, cfg: &Config, need: f64) -> [f64; N_STACKS] {
        let b = &cfg.stack_choice;
        let mut util = [f64::NEG_INFINITY; N_STACKS];
        for s in Stack::ALL {
            let k = s as usize;
            if !self.available[k] {
                continue;
            }
            let open = if s.is_open() { 1.0 } else { 0.0 };
            let [cloud, alignment, network] = self.tail[k];
            util[k] =
                self.head[k] + b.openness_customisation * open * need + cloud + alignment + network;
        }
        util
    }
}

/// Logit utility of each stack for a firm of `country` with customisation need `need`
/// (−∞ for stacks not on offer there), before the fitted constants.
pub fn utilities(
    cfg: &Config,
    gov: &Governments,
    view: &MarketView,
    country: usize,
    need: f64,
) -> [f64; N_STACKS] {
    CountryTerms::stacks(cfg, gov, view, country)
        .0
        .utilities(cfg, need)
}

/// Bass terms, market potential, abandonment and logit tables for one (country, sector)
/// group of `agents` agents whose state at the start of the tick is `totals`; `terms`
/// are its country's ([`CountryTerms::new`]).
///
/// Only adopters re-evaluate, from the stack they are on at the start of the tick,
/// so the switching table is filled only for stacks the group has adopters of; the
/// other rows are never read and stay zero.
pub fn group_rule(
    cfg: &Config,
    terms: &CountryTerms,
    view: &MarketView,
    country: usize,
    sector: usize,
    agents: f64,
    totals: &GroupTotals,
) -> GroupRule {
    let adopters = totals.total_adopters() as f64;
    let sec = &cfg.sectors[sector];
    let mut util = terms.utilities(cfg, sec.customisation_need);
    let mut available = [false; N_STACKS];
    for (k, u) in util.iter_mut().enumerate() {
        if u.is_finite() {
            available[k] = true;
            *u += view.asc[country][k];
        }
    }
    // One exp per stack; switching rows reuse the weights scaled by exp(-switching cost).
    let w = logit_weights(&util);
    let choose_new = cumulate(&w);
    let stay_bonus = terms.stay_bonus;
    let mut choose_from = [[0.0f32; N_STACKS]; N_STACKS];
    for (j, row) in choose_from.iter_mut().enumerate() {
        if totals.adopters[j] == 0 {
            continue;
        }
        let mut wj = w.map(|x| x * stay_bonus);
        wj[j] = w[j];
        *row = cumulate(&wj);
    }
    let (p, q) = bass_terms(cfg, terms, country, sector);
    let potential = market_potential(cfg, terms, sector);
    let adopted = if agents > 0.0 { adopters / agents } else { 0.0 };
    let (peer_share, hazard) = hazard(p, q, potential, adopted);
    GroupRule {
        p,
        q,
        potential,
        peer_share,
        hazard,
        abandon: abandon_probability(cfg, view.unserved_ticks[country]),
        choose_new,
        choose_from,
        available,
    }
}

/// The Bass step with a market potential, per non-adopter.
///
/// With F the group's adopter share and m its market potential, the peer share is
/// measured over potential adopters, `a = F / m`, and the expected share follows
/// `F[t+1] = F[t] + (m - F[t]) (1 - exp(-(p + q F[t] / m)))`: the `m - F` potential
/// adopters who have not adopted yet each adopt with the Bass hazard. A non-adopter
/// (a share `1 - F` of the group) therefore adopts with probability
/// `(m - F) / (1 - F) × (1 - exp(-(p + q a)))`, which is what this returns (with the
/// peer share). When m falls below F nobody adopts. With m = 1 it is the plain Bass model.
pub fn hazard(p: f64, q: f64, potential: f64, adopted: f64) -> (f64, f64) {
    if potential <= 0.0 || adopted >= potential || adopted >= 1.0 {
        return ((adopted / potential.max(MIN_POTENTIAL)).min(1.0), 0.0);
    }
    let peer = adopted / potential;
    let bass = 1.0 - math::exp(-(p + q * peer));
    (peer, (potential - adopted) / (1.0 - adopted) * bass)
}

/// Market potential of a group of `sector` this tick (see [`crate::config::PotentialCfg`]):
/// the sector's ceiling times its country's market-potential terms.
pub fn market_potential(cfg: &Config, terms: &CountryTerms, sector: usize) -> f64 {
    let ceiling = cfg.sectors[sector].market_potential;
    if !cfg.firms.utility_terms {
        return ceiling;
    }
    match terms.potential {
        Some((worth, served)) => ceiling * worth * served,
        None => 0.0,
    }
}

/// The country part of the market potential: how much the best reachable stack (highest
/// capability-and-price value among those on offer) is worth, as a logistic share, and
/// the served share of demand raised to its elasticity. `None` when nothing is reachable.
fn potential_terms(
    cfg: &Config,
    view: &MarketView,
    country: usize,
    available: &[bool; N_STACKS],
) -> Option<(f64, f64)> {
    let f = &cfg.firms;
    let pc = &f.potential;
    let value = Stack::ALL
        .iter()
        .filter(|s| available[**s as usize])
        .filter_map(|s| view.offer[*s as usize])
        .map(|(cap, price)| {
            pc.capability_weight * (cap - f.utility_reference_capability)
                - pc.price_weight
                    * math::ln(price.max(MIN_PRICE_USD_PER_MTOK) / pc.reference_price_usd_per_mtok)
        })
        .fold(f64::NEG_INFINITY, f64::max);
    if !value.is_finite() {
        return None;
    }
    let worth = 1.0 / (1.0 + math::exp(-(pc.midpoint + value)));
    let served = view.served[country].clamp(0.0, 1.0);
    Some((worth, math::powf(served, pc.served_elasticity)))
}

/// Probability that an adopter abandons this quarter, given how long its country has
/// gone unserved (0 with utility terms off: the pure Bass model never loses adopters).
pub fn abandon_probability(cfg: &Config, unserved_ticks: u32) -> f64 {
    let f = &cfg.firms;
    if f.utility_terms && unserved_ticks >= f.potential.abandon_after_ticks.max(1) {
        f.potential.abandon_hazard
    } else {
        0.0
    }
}

/// Fit one constant per (bloc, stack) so that, at the start, new adopters' choice
/// reproduces the bloc's configured starting shares: the constant is the log share minus
/// the real-firm-weighted mean utility of the stack over the bloc's peer groups. Returns
/// the constants per country (each country gets its bloc's). Stacks with no share get a
/// constant from a small floor share, so they stay possible but rare.
pub fn fit_constants(
    cfg: &Config,
    gov: &Governments,
    view: &MarketView,
    groups: &[(usize, usize, f64)],
) -> Vec<[f64; N_STACKS]> {
    let mut sum = [[0.0f64; N_STACKS]; 4];
    let mut weight = [[0.0f64; N_STACKS]; 4];
    let terms: Vec<CountryTerms> = (0..cfg.countries.len())
        .map(|c| CountryTerms::stacks(cfg, gov, view, c).0)
        .collect();
    for &(c, s, real) in groups {
        let bi = cfg.countries[c].bloc.index();
        let u = terms[c].utilities(cfg, cfg.sectors[s].customisation_need);
        for k in 0..N_STACKS {
            if u[k].is_finite() {
                sum[bi][k] += real * u[k];
                weight[bi][k] += real;
            }
        }
    }
    let mut per_bloc = [[0.0f64; N_STACKS]; 4];
    for b in Bloc::ALL {
        let shares = cfg.stack_choice.start_shares.get(b).to_array();
        let total: f64 = shares.iter().sum();
        for k in 0..N_STACKS {
            if weight[b.index()][k] > 0.0 {
                let share = (shares[k] / total).max(MIN_START_SHARE);
                per_bloc[b.index()][k] = math::ln(share) - sum[b.index()][k] / weight[b.index()][k];
            }
        }
    }
    cfg.countries
        .iter()
        .map(|c| per_bloc[c.bloc.index()])
        .collect()
}

/// Cumulative starting-stack probabilities per country: its bloc's starting shares over
/// the stacks available there.
pub fn start_choice(cfg: &Config, offer: &StackOffer) -> Vec<[f32; N_STACKS]> {
    cfg.countries
        .iter()
        .map(|c| {
            let shares = cfg.stack_choice.start_shares.get(c.bloc).to_array();
            let mut w = [0.0; N_STACKS];
            for s in Stack::ALL {
                let k = s as usize;
                if offer[k].is_some() && stack_open_to(cfg, c.bloc, s) {
                    w[k] = shares[k];
                }
            }
            cumulate(&w)
        })
        .collect()
}

/// Bass p and q for a group: configured values, scaled by utility, sentiment and
/// China's embodied-AI priority when utility terms are on.
pub fn bass_terms(cfg: &Config, terms: &CountryTerms, country: usize, sector: usize) -> (f64, f64) {
    let f = &cfg.firms;
    if !f.utility_terms {
        return (f.p, f.q);
    }
    let embodied = if cfg.countries[country].bloc == Bloc::CN && cfg.sectors[sector].embodied {
        cfg.policy.china.embodied_priority
    } else {
        1.0
    };
    let scale = terms.bass_utility * terms.bass_sentiment * embodied;
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
    fn hazard_is_bass_over_potential_adopters() {
        // m = 1: the plain Bass hazard.
        let (a, h) = hazard(0.01, 0.3, 1.0, 0.2);
        assert!((a - 0.2).abs() < 1e-15);
        assert!((h - (1.0 - math::exp(-(0.01 + 0.3 * 0.2)))).abs() < 1e-15);
        // m = 0.5, F = 0.2: peer share 0.4; 0.3 of the 0.8 non-adopters are potential adopters.
        let (a, h) = hazard(0.01, 0.3, 0.5, 0.2);
        assert!((a - 0.4).abs() < 1e-12);
        let want = 0.3 / 0.8 * (1.0 - math::exp(-(0.01 + 0.3 * 0.4)));
        assert!((h - want).abs() < 1e-12);
        // Potential below adoption: nobody adopts.
        assert_eq!(hazard(0.01, 0.3, 0.1, 0.2).1, 0.0);
        assert_eq!(hazard(0.01, 0.3, 0.0, 0.0).1, 0.0);
    }

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

    #[test]
    fn local_cloud_splits_capacity_by_chip_origin() {
        let mut cfg = crate::model::testing::tiny_config();
        let c = cfg
            .countries
            .iter()
            .position(|c| c.bloc == Bloc::NONALIGNED)
            .expect("tiny config has a non-aligned country");
        let (us, cn, other) = (
            Stack::UsOpen as usize,
            Stack::CnOpen as usize,
            Stack::Other as usize,
        );
        // No split: every stack sees all capacity, whatever the chips.
        cfg.stack_choice.cross_origin_hosting = 1.0;
        let all = local_cloud(&cfg, c, 5.0, 0.3);
        assert!(
            all.iter().all(|x| (x - all[other]).abs() < 1e-15),
            "{all:?}"
        );
        // Full split on US chips only: Chinese models get no local hosting.
        cfg.stack_choice.cross_origin_hosting = 0.0;
        let us_chips = local_cloud(&cfg, c, 5.0, 0.0);
        assert_eq!(us_chips[cn], 0.0);
        assert!((us_chips[us] - all[other]).abs() < 1e-15);
        // Half and half at cross 0.5: each side hosts 0.5 + 0.5·0.5 of the capacity.
        cfg.stack_choice.cross_origin_hosting = 0.5;
        let half = local_cloud(&cfg, c, 5.0, 0.5);
        assert!((half[us] - half[cn]).abs() < 1e-15);
        let quarter_less = local_cloud(&cfg, c, 5.0 * 0.75, 0.0)[other];
        assert!(
            (half[us] - quarter_less).abs() < 1e-15,
            "{half:?} vs {quarter_less}"
        );
        // More Chinese chips: more hosting for Chinese models, less for US ones.
        let more_cn = local_cloud(&cfg, c, 5.0, 0.8);
        assert!(more_cn[cn] > half[cn] && more_cn[us] < half[us]);
    }
}
