//! What firms see of the model market, and what each tick reports.
//!
//! The reporting half turns the world into tidy rows: adoption and intensity
//! per stack and scope, the frontier and the gap in months, compute, power,
//! alignment, licence revenue, and three scores (innovation, diffusion, and a
//! dominance score that needs both). Scores for the US and China are shares
//! of their combined standing, so 0.5 means level and above 0.5 means ahead.
//!
//! Every firm total is weighted by the real firms each agent stands for.
//!
//! The diffusion index is the mean of four components, each the US (or China)
//! share of the two's combined standing, and each built only from what agents did:
//!
//! - `adoption`: AI use worldwide on each side's stacks — real firms × intensity of
//!   use on US stacks vs on Chinese stacks, in every country (where a bloc's models
//!   are used, not where the firm is);
//! - `embodied`: the same, restricted to embodied sectors (manufacturing, vehicles,
//!   robots, devices), where models ship inside physical products;
//! - `downloads`: each side's share of this quarter's open-weight downloads, which
//!   firms, developers and hobbyists generate by the open models they use;
//! - `aligned_gdp`: the GDP share of countries whose governments have aligned with
//!   each side, an alignment that drifts with local firms' stack shares, trade
//!   partners, Huawei's presence and US friction.

use super::stack::{Stack, N_STACKS};
use super::utility::GridRules;
use super::{downloads, TickReport, World};
use crate::config::{Bloc, Config};
use crate::error::{Error, Result};
use crate::io::timeseries::Timeseries;
use crate::math;

/// Firm counts, adopters and sums per scope.
#[derive(Clone, Copy, Debug, Default)]
struct Tally {
    firms: f64,
    adopters: [f64; N_STACKS],
    intensity: [f64; N_STACKS],
    embodied_firms: f64,
    embodied_adopters: f64,
    potential: f64,
}

impl Tally {
    fn add(&mut self, o: &Tally) {
        self.firms += o.firms;
        self.embodied_firms += o.embodied_firms;
        self.embodied_adopters += o.embodied_adopters;
        self.potential += o.potential;
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
    usage: f64,
    embodied_usage: f64,
    downloads: f64,
    aligned_gdp: f64,
    /// The innovation standing (frontier gap and compute share). Only the US value is
    /// kept: China's innovation index is its complement.
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
        self.compute_and_power(&mut us);
        self.alignment(&mut us, &mut cn);
        self.indices(&us, &cn);
    }

    /// Tallies for world, the four blocs, then each country (real firms, not agents).
    fn tallies(&self) -> Vec<(&'a str, Tally)> {
        let cfg = self.cfg;
        let mut country = vec![Tally::default(); cfg.countries.len()];
        let groups = self.world.firms.groups.iter().zip(&self.world.last.groups);
        for (gi, (g, t)) in groups.enumerate() {
            let c = &mut country[g.country];
            let w = g.weight;
            let real = g.real_firms();
            let potential = self.world.group_potential.get(gi).copied().unwrap_or(0.0);
            let mut one = Tally {
                firms: real,
                potential: real * potential,
                ..Tally::default()
            };
            for k in 0..N_STACKS {
                one.adopters[k] = t.adopters[k] as f64 * w;
                one.intensity[k] = t.intensity[k] * w;
            }
            if cfg.sectors[g.sector].embodied {
                one.embodied_firms = real;
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
        let mut out = vec![("world", world)];
        for b in Bloc::ALL {
            out.push((b.code(), blocs[b.index()]));
        }
        for (c, t) in cfg.countries.iter().zip(country) {
            if c.code != "US" && c.code != "CN" {
                out.push((c.code.as_str(), t));
            }
        }
        out
    }

    /// AI use on US and on Chinese stacks worldwide, all sectors and embodied ones: in each
    /// country, usage per real firm (adopters × intensity) on the side's stacks times the
    /// country's GDP, so the world total weighs economies, not firm counts.
    fn usage_by_origin(&self) -> ([f64; 2], [f64; 2]) {
        let cfg = self.cfg;
        let w = self.world;
        let mut real = vec![0.0; cfg.countries.len()];
        for g in &w.firms.groups {
            real[g.country] += g.real_firms();
        }
        let (mut all, mut embodied) = ([0.0; 2], [0.0; 2]);
        for (g, t) in w.firms.groups.iter().zip(&w.last.groups) {
            if real[g.country] <= 0.0 {
                continue;
            }
            let scale = cfg.countries[g.country].gdp_usd_tn * g.weight / real[g.country];
            for s in Stack::ALL {
                let side = match s.side() {
                    x if x > 0.0 => 0,
                    x if x < 0.0 => 1,
                    _ => continue,
                };
                let u = scale * t.intensity[s as usize];
                all[side] += u;
                if cfg.sectors[g.sector].embodied {
                    embodied[side] += u;
                }
            }
        }
        (all, embodied)
    }

    fn adoption(&mut self, tallies: &[(&str, Tally)], us: &mut Standing, cn: &mut Standing) {
        for (i, (scope, t)) in tallies.iter().enumerate() {
            let firms = t.firms.max(f64::MIN_POSITIVE);
            let adopters = t.total();
            self.put(scope, "adoption_share", adopters / firms);
            for s in Stack::ALL {
                self.put(
                    scope,
                    s.adoption_share_metric(),
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
                self.put(scope, "adoption_potential", t.potential / firms);
                if adopters > 0.0 {
                    let closed =
                        t.adopters[Stack::UsClosed as usize] + t.adopters[Stack::CnClosed as usize];
                    self.put(scope, "adopters_on_closed_stacks", closed / adopters);
                }
            }
        }
        // Usage worldwide by the origin of the stack used, each country weighted by GDP.
        let (usage, embodied) = self.usage_by_origin();
        us.usage = usage[0];
        cn.usage = usage[1];
        us.embodied_usage = embodied[0];
        cn.embodied_usage = embodied[1];
        for (scope, st) in [("US", &*us), ("CN", &*cn)] {
            self.put(scope, "usage_by_origin", st.usage);
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
        let dl = downloads::count(self.cfg, w);
        let (du, dc) = dl.shares();
        self.put("world", "open_download_share.US", du);
        self.put("world", "open_download_share.CN", dc);
        self.put("world", "open_downloads", dl.total());
        self.put("world", "open_downloads.firms", dl.by_firms);
        self.put("world", "open_downloads.developers", dl.by_developers);
        self.put("world", "open_downloads.hobbyists", dl.by_hobbyists);
        us.downloads = du;
        cn.downloads = dc;
        us.compute = 1.0 / (1.0 + math::exp(-gap / 6.0));
    }

    fn compute_and_power(&mut self, us: &mut Standing) {
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
            ("adoption", rel(us.usage, cn.usage)),
            ("embodied", rel(us.embodied_usage, cn.embodied_usage)),
            ("downloads", rel(us.downloads, cn.downloads)),
            ("aligned_gdp", rel(us.aligned_gdp, cn.aligned_gdp)),
        ];
        for (name, v) in parts {
            let metric = format!("diffusion_component.{name}");
            self.put("US", &metric, v);
            self.put("CN", &metric, 1.0 - v);
        }
        let diffusion_us = parts.iter().map(|p| p.1).sum::<f64>() / parts.len() as f64;
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
}
