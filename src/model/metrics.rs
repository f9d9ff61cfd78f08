//! What firms see of the model market, and what each tick reports.
//!
//! The reporting half turns the world into tidy rows: adoption and intensity
//! per stack and scope, the frontier and the gap in months, compute, power,
//! alignment, licence revenue, and three scores (innovation, diffusion, and a
//! dominance score that needs both). Scores for the US and China are shares
//! of their combined standing, so 0.5 means level and above 0.5 means ahead.

use super::firm::GroupRule;
use super::government::Governments;
use super::lab::Lab;
use super::stack::{Stack, N_STACKS};
use super::utility::GridRules;
use super::{TickReport, World};
use crate::config::{Bloc, Config};
use crate::error::{Error, Result};
use crate::io::timeseries::Timeseries;
use crate::math;

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
            + b.price * math::ln(price.max(1e-9))
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
fn bass_terms(cfg: &Config, country: usize, sector: usize, best_capability: f64) -> (f64, f64) {
    let f = &cfg.firms;
    if !f.utility_terms {
        return (f.p, f.q);
    }
    let ct = &cfg.countries[country];
    let utility =
        math::exp(f.utility_capability_weight * (best_capability - f.utility_reference_capability))
            .clamp(0.1, 2.0);
    let sentiment = math::powf((ct.sentiment / 0.5).max(0.01), f.sentiment_weight);
    let embodied = if ct.bloc == Bloc::CN && cfg.sectors[sector].embodied {
        cfg.policy.china.embodied_priority
    } else {
        1.0
    };
    let scale = utility * sentiment * embodied;
    (f.p * scale, f.q * scale)
}

/// Logit weights `exp(u - max u)`; unavailable stacks (utility −∞) get 0.
fn logit_weights(util: &[f64; N_STACKS]) -> [f64; N_STACKS] {
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
fn cumulate(w: &[f64; N_STACKS]) -> [f32; N_STACKS] {
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

/// Firm counts, adopters and sums per scope.
#[derive(Clone, Copy, Debug, Default)]
struct Tally {
    firms: f64,
    adopters: [f64; N_STACKS],
    intensity: [f64; N_STACKS],
    embodied_firms: f64,
    embodied_adopters: f64,
}

impl Tally {
    fn add(&mut self, o: &Tally) {
        self.firms += o.firms;
        self.embodied_firms += o.embodied_firms;
        self.embodied_adopters += o.embodied_adopters;
        for k in 0..N_STACKS {
            self.adopters[k] += o.adopters[k];
            self.intensity[k] += o.intensity[k];
        }
    }
    fn total(&self) -> f64 {
        self.adopters.iter().sum()
    }
}

/// The quantities the indices are built from, per bloc (US, CN).
#[derive(Clone, Copy, Debug, Default)]
struct Standing {
    adoption: f64,
    intensity: f64,
    world_stack_share: f64,
    embodied: f64,
    downloads: f64,
    aligned_gdp: f64,
    compute: f64,
}

/// Writes one tick's rows.
pub struct Recorder<'a> {
    cfg: &'a Config,
    world: &'a World,
    report: &'a TickReport,
    period: String,
    ts: &'a mut Timeseries,
    error: Option<Error>,
}

impl<'a> Recorder<'a> {
    /// Record every metric of the tick just computed, after the cheap invariants (which
    /// run in every build). A non-finite or impossible state is an error naming the tick,
    /// the agent and the quantity; nothing wrong is written.
    pub fn record(
        cfg: &'a Config,
        world: &'a World,
        report: &'a TickReport,
        period: String,
        ts: &'a mut Timeseries,
    ) -> Result<()> {
        super::invariants::check_cheap(cfg, world, report)?;
        let mut r = Recorder {
            cfg,
            world,
            report,
            period,
            ts,
            error: None,
        };
        r.all();
        match r.error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Write one value; a non-finite value is never written: the first one is kept as
    /// the tick's error (the run stops with it).
    fn put(&mut self, scope: &str, metric: &str, value: f64) {
        if !value.is_finite() {
            if self.error.is_none() {
                self.error = Some(Error::Invariant {
                    tick: self.report.tick,
                    agent: scope.to_string(),
                    quantity: format!("{metric} = {value} (must be finite)"),
                });
            }
            return;
        }
        self.ts
            .push(self.report.tick, &self.period, scope, metric, value);
    }

    fn all(&mut self) {
        let tallies = self.tallies();
        let mut us = Standing::default();
        let mut cn = Standing::default();
        self.adoption(&tallies, &mut us, &mut cn);
        self.frontier_and_downloads(&mut us, &mut cn);
        self.compute_and_power(&mut us, &mut cn);
        self.alignment(&mut us, &mut cn);
        self.indices(&us, &cn);
    }

    /// Tallies for world, the four blocs, then each country.
    fn tallies(&self) -> Vec<(String, Tally)> {
        let cfg = self.cfg;
        let mut country = vec![Tally::default(); cfg.countries.len()];
        for (g, t) in self.world.firms.groups.iter().zip(&self.world.last.groups) {
            let c = &mut country[g.country];
            let n = (g.end - g.start) as f64;
            let mut one = Tally {
                firms: n,
                ..Tally::default()
            };
            for k in 0..N_STACKS {
                one.adopters[k] = t.adopters[k] as f64;
                one.intensity[k] = t.intensity[k];
            }
            if cfg.sectors[g.sector].embodied {
                one.embodied_firms = n;
                one.embodied_adopters = one.total();
            }
            c.add(&one);
        }
        let mut world = Tally::default();
        let mut blocs = [Tally::default(); 4];
        for (c, t) in cfg.countries.iter().zip(&country) {
            world.add(t);
            blocs[c.bloc.index()].add(t);
        }
        let mut out = vec![("world".to_string(), world)];
        for b in Bloc::ALL {
            out.push((b.code().to_string(), blocs[b.index()]));
        }
        for (c, t) in cfg.countries.iter().zip(country) {
            if c.code != "US" && c.code != "CN" {
                out.push((c.code.clone(), t));
            }
        }
        out
    }

    fn adoption(&mut self, tallies: &[(String, Tally)], us: &mut Standing, cn: &mut Standing) {
        let world_adopters = tallies[0].1.total();
        for (i, (scope, t)) in tallies.iter().enumerate() {
            let firms = t.firms.max(1.0);
            let adopters = t.total();
            self.put(scope, "adoption_share", adopters / firms);
            for s in Stack::ALL {
                self.put(
                    scope,
                    &format!("adoption_share.{}", s.code()),
                    t.adopters[s as usize] / firms,
                );
            }
            let intensity = if adopters > 0.0 {
                t.intensity.iter().sum::<f64>() / adopters
            } else {
                0.0
            };
            self.put(scope, "intensity_mean", intensity);
            if i <= 4 {
                let emb = if t.embodied_firms > 0.0 {
                    t.embodied_adopters / t.embodied_firms
                } else {
                    0.0
                };
                self.put(scope, "embodied_deployment", emb);
                let target = match scope.as_str() {
                    "US" => Some(&mut *us),
                    "CN" => Some(&mut *cn),
                    _ => None,
                };
                if let Some(st) = target {
                    st.adoption = adopters / firms;
                    st.intensity = intensity;
                    st.embodied = emb;
                }
            }
        }
        let w = &tallies[0].1;
        let side = |sign: f64| {
            Stack::ALL
                .iter()
                .filter(|s| s.side() == sign)
                .map(|s| w.adopters[*s as usize])
                .sum::<f64>()
        };
        if world_adopters > 0.0 {
            us.world_stack_share = side(1.0) / world_adopters;
            cn.world_stack_share = side(-1.0) / world_adopters;
        }
    }

    fn frontier_and_downloads(&mut self, us: &mut Standing, cn: &mut Standing) {
        let w = self.world;
        let us_cap = w.frontier(Bloc::US);
        let cn_cap = w.frontier(Bloc::CN);
        let world_cap = w.labs.iter().map(|l| l.capability).fold(0.0, f64::max);
        self.put("US", "frontier_capability", us_cap);
        self.put("CN", "frontier_capability", cn_cap);
        self.put("world", "frontier_capability", world_cap);
        let pace = self.cfg.lab_dynamics.prehistory_pace_per_year / 4.0;
        let gap = gap_months(&w.us_frontier, &w.cn_frontier, pace);
        self.put("world", "frontier_gap_months", gap);
        let (du, dc) = download_shares(self.cfg, &w.labs);
        self.put("world", "open_download_share.US", du);
        self.put("world", "open_download_share.CN", dc);
        us.downloads = du;
        cn.downloads = dc;
        us.compute = 1.0 / (1.0 + math::exp(-gap / 6.0));
        cn.compute = 1.0 - us.compute;
    }

    fn compute_and_power(&mut self, us: &mut Standing, cn: &mut Standing) {
        let cfg = self.cfg;
        let w = self.world;
        let util = &w.last.utilisation;
        let mut compute = [0.0; 4];
        let mut dc = [0.0; 4];
        for (c, ct) in cfg.countries.iter().enumerate() {
            compute[ct.bloc.index()] += w.infer_h100e[c] * util[c];
        }
        let mut labs_money = [[0.0; 4]; 4];
        let mut installed = [0.0; 4];
        let mut powered = [0.0; 4];
        for (c, ct) in cfg.countries.iter().enumerate() {
            installed[ct.bloc.index()] += w.infer_h100e[c];
            powered[ct.bloc.index()] += w.infer_h100e[c] * util[c];
        }
        for l in &w.labs {
            let b = l.bloc.index();
            // Compute a bloc's labs use: owned chips that have power, plus rented abroad.
            compute[b] += l.train_h100e * util[l.country] + l.rented_h100e;
            installed[b] += l.train_h100e;
            powered[b] += l.train_h100e * util[l.country];
            labs_money[0][b] += l.revenue_usd;
            labs_money[1][b] += l.capital_usd;
            labs_money[2][b] += l.budget_usd;
            labs_money[3][b] += l.rented_h100e;
        }
        for m in &w.markets {
            dc[m.bloc.index()] += m.dc_operational_gw;
        }
        for b in Bloc::ALL {
            let i = b.index();
            self.put(b.code(), "compute_h100e", compute[i]);
            self.put(b.code(), "dc_capacity_gw", dc[i]);
            let u = if installed[i] > 0.0 {
                powered[i] / installed[i]
            } else {
                1.0
            };
            self.put(b.code(), "chip_utilisation", u);
            self.put(b.code(), "lab_revenue_usd", labs_money[0][i]);
            self.put(b.code(), "lab_capital_usd", labs_money[1][i]);
            self.put(b.code(), "lab_budget_usd", labs_money[2][i]);
            self.put(b.code(), "rented_h100e", labs_money[3][i]);
        }
        self.put("world", "rent_usd_per_h100e_tick", w.rental.price);
        self.put("world", "rental_pool_h100e", w.rental.pool);
        let frontier_us = us.compute;
        let share_us = compute[0] / (compute[0] + compute[1]).max(1e-9);
        us.compute = 0.5 * frontier_us + 0.5 * share_us;
        cn.compute = 0.5 * (1.0 - frontier_us) + 0.5 * (1.0 - share_us);
        self.put("CN", "cn_chip_self_sufficiency", w.last.cn_self_sufficiency);
        self.put(
            "CN",
            "cn_inference_self_sufficiency",
            self.report.cn_inference_share,
        );
        self.power();
        self.put(
            "US",
            "us_license_revenue_usd",
            self.report.clearing.license_revenue,
        );
    }

    fn power(&mut self) {
        let cfg = self.cfg;
        let lf = cfg.datacenters.load_factor;
        let mut below = 0.0;
        let mut cn_spare = 0.0;
        let mut dc_load = 0.0;
        let critical_us = GridRules::for_bloc(cfg, Bloc::US).critical_margin;
        for m in &self.world.markets {
            let margin = m.reserve_margin(lf);
            self.ts.push(
                self.report.tick,
                &self.period,
                &m.id,
                "reserve_margin",
                margin,
            );
            if m.bloc == Bloc::US && margin <= critical_us + 1e-12 {
                below += 1.0;
            }
            if m.bloc == Bloc::CN {
                cn_spare += m.spare_gw(lf);
            }
            dc_load += m.dc_load_gw(lf);
        }
        self.put("US", "critical_reserve_margin", critical_us);
        self.put("US", "us_markets_below_critical", below);
        self.put(
            "world",
            "cn_spare_power_over_global_dc_demand",
            if dc_load > 0.0 {
                cn_spare / dc_load
            } else {
                0.0
            },
        );
    }

    fn alignment(&mut self, us: &mut Standing, cn: &mut Standing) {
        let cfg = self.cfg;
        let th = cfg.alignment.threshold;
        let gdp_total: f64 = cfg.countries.iter().map(|c| c.gdp_usd_tn).sum();
        let (mut nu, mut nc, mut gu, mut gc) = (0.0, 0.0, 0.0, 0.0);
        for (c, a) in cfg.countries.iter().zip(&self.world.gov.alignment) {
            if *a > th {
                nu += 1.0;
                gu += c.gdp_usd_tn;
            } else if *a < -th {
                nc += 1.0;
                gc += c.gdp_usd_tn;
            }
        }
        self.put("world", "aligned_countries.US", nu);
        self.put("world", "aligned_countries.CN", nc);
        self.put("world", "aligned_gdp_share.US", gu / gdp_total);
        self.put("world", "aligned_gdp_share.CN", gc / gdp_total);
        us.aligned_gdp = gu / gdp_total;
        cn.aligned_gdp = gc / gdp_total;
    }

    fn indices(&mut self, us: &Standing, cn: &Standing) {
        let rel = |a: f64, b: f64| if a + b > 0.0 { a / (a + b) } else { 0.5 };
        let innovation_us = us.compute;
        let parts = [
            rel(us.world_stack_share, cn.world_stack_share),
            rel(us.adoption * us.intensity, cn.adoption * cn.intensity),
            rel(us.embodied, cn.embodied),
            rel(us.downloads, cn.downloads),
            rel(us.aligned_gdp, cn.aligned_gdp),
        ];
        let diffusion_us = parts.iter().sum::<f64>() / parts.len() as f64;
        for (scope, inn, dif) in [
            ("US", innovation_us, diffusion_us),
            ("CN", 1.0 - innovation_us, 1.0 - diffusion_us),
        ] {
            self.put(scope, "innovation_index", inn);
            self.put(scope, "diffusion_index", dif);
            self.put(scope, "dominance_index", (inn * dif).sqrt());
        }
    }
}

/// Months China is behind the US: how long ago the US frontier stood where China's is now
/// (negative when China leads). Before the start, the US frontier is extrapolated back at `pace_per_tick`.
pub fn gap_months(us: &[f64], cn: &[f64], pace_per_tick: f64) -> f64 {
    let (Some(&u), Some(&c)) = (us.last(), cn.last()) else {
        return 0.0;
    };
    if c <= u {
        3.0 * ticks_behind(us, c, pace_per_tick)
    } else {
        -3.0 * ticks_behind(cn, u, pace_per_tick)
    }
}

/// Ticks since `leader` last stood at `level` (interpolated; extrapolated before tick 0).
fn ticks_behind(leader: &[f64], level: f64, pace_per_tick: f64) -> f64 {
    let now = (leader.len() - 1) as f64;
    for t in (0..leader.len()).rev() {
        if leader[t] <= level {
            if t + 1 < leader.len() && leader[t + 1] > leader[t] {
                let frac = (level - leader[t]) / (leader[t + 1] - leader[t]);
                return now - (t as f64 + frac);
            }
            return now - t as f64;
        }
    }
    now + (leader[0] - level) / pace_per_tick.max(1e-9)
}

/// Shares of this quarter's open-model downloads by origin (US, CN): the better a model
/// relative to the best open one, the more it is downloaded; Chinese promotion widens reach.
pub fn download_shares(cfg: &Config, labs: &[Lab]) -> (f64, f64) {
    let best = labs
        .iter()
        .filter(|l| l.stack.is_open())
        .map(|l| l.capability)
        .fold(f64::NEG_INFINITY, f64::max);
    let sens = cfg.lab_dynamics.download_sensitivity;
    let (mut us, mut cn, mut total) = (0.0, 0.0, 0.0);
    for l in labs.iter().filter(|l| l.stack.is_open()) {
        let reach = if l.bloc == Bloc::CN {
            1.0 + cfg.policy.china.open_weight_promotion
        } else {
            1.0
        };
        let w = math::exp(sens * (l.capability - best)) * reach;
        total += w;
        match l.bloc {
            Bloc::US => us += w,
            Bloc::CN => cn += w,
            _ => {}
        }
    }
    // Closed models from before a ban keep no downloads; open models from other labs keep theirs.
    if total > 0.0 {
        (us / total, cn / total)
    } else {
        (0.0, 0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gap_interpolates_and_extrapolates() {
        let us = [10.0, 11.0, 12.0];
        assert!(
            (gap_months(&us, &[10.0, 10.5, 11.5], 1.0) - 1.5).abs() < 1e-9,
            "0.5 tick behind"
        );
        assert!(
            (gap_months(&us, &[9.0, 9.0, 9.0], 1.0) - 9.0).abs() < 1e-9,
            "before the start at 1/tick"
        );
        assert!(
            gap_months(&us, &[12.0, 12.0, 13.0], 1.0) < 0.0,
            "China ahead is negative"
        );
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
}
