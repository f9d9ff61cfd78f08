//! Utilities: one per power market (13 US regional markets, several Chinese
//! grids, one per other country).
//!
//! A utility connects a data center only while its reserve margin stays at or
//! above the critical level; otherwise the request waits in a first-come
//! queue. It starts new generation when the margin projected over its lead
//! time falls below target, at a build rate that differs by bloc and policy.
//! This is where "diffusion is bound by power" enters the model.

use serde::{Deserialize, Serialize};

use crate::config::{Bloc, Config};

/// Something under construction.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
pub struct Project {
    /// Tick at which it comes online.
    pub ready_tick: u32,
    /// Capacity, GW.
    pub gw: f64,
}

/// A data center waiting for an interconnection.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
pub struct Request {
    /// Tick the request was filed.
    pub since: u32,
    /// Data-center capacity asked for, GW.
    pub gw: f64,
}

/// One power market and its utility.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Market {
    /// Scope id, e.g. `US-PJM`.
    pub id: String,
    /// Country index.
    pub country: usize,
    /// Bloc of the country.
    pub bloc: Bloc,
    /// Firm generating capacity, GW.
    pub capacity_gw: f64,
    /// Non-data-center peak load, GW.
    pub base_peak_gw: f64,
    /// Base load growth per quarter (multiplicative).
    pub growth_per_tick: f64,
    /// Share of the country's new data centers sited here.
    pub dc_share: f64,
    /// AI data centers running, GW of capacity (what chips can use).
    pub dc_operational_gw: f64,
    /// Other (non-AI) data centers, GW: they load the grid but host no AI chips.
    pub dc_other_gw: f64,
    /// Data centers connected and under construction.
    pub dc_building: Vec<Project>,
    /// Data centers waiting for an interconnection, first come first served.
    pub queue: Vec<Request>,
    /// Generation under construction.
    pub gen_building: Vec<Project>,
}

/// Grid parameters in force for one market this tick.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GridRules {
    /// Quarters to build a data center once connected.
    pub dc_build_ticks: u32,
    /// Quarters to bring new generation online.
    pub gen_lead_ticks: u32,
    /// Most new generation started per quarter, as a share of capacity.
    pub build_per_tick: f64,
    /// Margin utilities plan for.
    pub target_margin: f64,
    /// Margin below which no data center is connected.
    pub critical_margin: f64,
    /// Average data-center load relative to capacity.
    pub load_factor: f64,
}

impl GridRules {
    /// The rules for a market in `bloc` under the current config (US policy levers applied).
    pub fn for_bloc(cfg: &Config, bloc: Bloc) -> GridRules {
        let b = cfg.blocs.get(bloc);
        let mut rules = GridRules {
            dc_build_ticks: b.dc_build_ticks,
            gen_lead_ticks: b.gen_lead_ticks,
            build_per_tick: b.gen_build_rate / 4.0,
            target_margin: b.target_margin,
            critical_margin: b.critical_margin,
            load_factor: cfg.datacenters.load_factor,
        };
        if bloc == Bloc::US {
            let us = &cfg.policy.us;
            rules.build_per_tick *= us.green_build_factor;
            rules.gen_lead_ticks = rules
                .gen_lead_ticks
                .saturating_sub(us.permitting_speedup_ticks)
                .max(1);
            rules.dc_build_ticks = rules
                .dc_build_ticks
                .saturating_sub(us.permitting_speedup_ticks / 2);
            if let Some(m) = us.interconnect_margin {
                rules.critical_margin = m;
            }
        }
        rules
    }
}

/// What a utility did this tick (for reporting and tests).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct UtilityReport {
    /// Interconnections approved, GW.
    pub approved_gw: f64,
    /// Generation started, GW.
    pub gen_started_gw: f64,
}

impl Market {
    /// Data-center load on the grid now, GW.
    pub fn dc_load_gw(&self, load_factor: f64) -> f64 {
        (self.dc_operational_gw + self.dc_other_gw) * load_factor
    }

    /// Peak load including data centers, GW.
    pub fn peak_gw(&self, load_factor: f64) -> f64 {
        self.base_peak_gw + self.dc_load_gw(load_factor)
    }

    /// Reserve margin: spare capacity over peak load.
    pub fn reserve_margin(&self, load_factor: f64) -> f64 {
        let peak = self.peak_gw(load_factor);
        if peak > 0.0 {
            (self.capacity_gw - peak) / peak
        } else {
            0.0
        }
    }

    /// Spare capacity above peak, GW (never negative).
    pub fn spare_gw(&self, load_factor: f64) -> f64 {
        (self.capacity_gw - self.peak_gw(load_factor)).max(0.0)
    }

    /// Data-center capacity running, being built or queued, GW.
    pub fn dc_committed_gw(&self) -> f64 {
        self.dc_operational_gw
            + self.dc_building.iter().map(|p| p.gw).sum::<f64>()
            + self.queue.iter().map(|r| r.gw).sum::<f64>()
    }

    /// One quarter: load grows, projects finish, the queue is served, generation is planned.
    pub fn step(&mut self, rules: &GridRules, tick: u32) -> UtilityReport {
        self.base_peak_gw *= self.growth_per_tick;
        self.capacity_gw += take_ready(&mut self.gen_building, tick);
        let approved_gw = self.connect(rules, tick);
        self.dc_operational_gw += take_ready(&mut self.dc_building, tick);
        let gen_started_gw = self.plan_generation(rules, tick);
        UtilityReport {
            approved_gw,
            gen_started_gw,
        }
    }

    /// Approve queued requests in arrival order while the margin stays at or above
    /// critical. The request at the head of the queue may be connected in part (a
    /// phased interconnection); whatever does not fit waits, and so does everyone behind it.
    fn connect(&mut self, rules: &GridRules, tick: u32) -> f64 {
        let building: f64 = self.dc_building.iter().map(|p| p.gw).sum();
        let committed = self.dc_operational_gw + self.dc_other_gw + building;
        // Most data-center capacity the grid can carry at the critical margin.
        let limit = (self.capacity_gw / (1.0 + rules.critical_margin) - self.base_peak_gw)
            / rules.load_factor;
        self.take_from_queue(rules, tick, limit - committed)
    }

    /// Serve up to `gw` of the queue with the developers' own on-site generation, sized
    /// so the grid's margin is unchanged; returns the data-center capacity served.
    pub fn connect_onsite(&mut self, rules: &GridRules, tick: u32, gw: f64) -> f64 {
        let served = self.take_from_queue(rules, tick, gw);
        self.capacity_gw += served * rules.load_factor * (1.0 + rules.critical_margin);
        served
    }

    /// Start building up to `room` GW of queued data centers, first come first served
    /// (the head request may be split); returns the GW started.
    fn take_from_queue(&mut self, rules: &GridRules, tick: u32, mut room: f64) -> f64 {
        let mut started = 0.0;
        let mut served = 0;
        for req in self.queue.iter_mut() {
            if room <= 1e-9 {
                break;
            }
            let gw = req.gw.min(room);
            room -= gw;
            started += gw;
            self.dc_building.push(Project {
                ready_tick: tick + rules.dc_build_ticks,
                gw,
            });
            req.gw -= gw;
            if req.gw > 1e-12 {
                break;
            }
            served += 1;
        }
        self.queue.drain(..served);
        started
    }

    /// Start generation when the margin projected over the lead time falls below target.
    fn plan_generation(&mut self, rules: &GridRules, tick: u32) -> f64 {
        let lead = rules.gen_lead_ticks;
        let base = self.base_peak_gw * self.growth_per_tick.powi(lead as i32);
        let peak = base + (self.dc_committed_gw() + self.dc_other_gw) * rules.load_factor;
        let cap = self.capacity_gw + self.gen_building.iter().map(|p| p.gw).sum::<f64>();
        let needed = (1.0 + rules.target_margin) * peak - cap;
        if needed <= 0.0 {
            return 0.0;
        }
        let start = needed.min(rules.build_per_tick * self.capacity_gw);
        if start > 0.0 {
            self.gen_building.push(Project {
                ready_tick: tick + lead,
                gw: start,
            });
        }
        start
    }
}

/// Remove projects that are ready by `tick` and return their capacity.
fn take_ready(projects: &mut Vec<Project>, tick: u32) -> f64 {
    let ready: f64 = projects
        .iter()
        .filter(|p| p.ready_tick <= tick)
        .map(|p| p.gw)
        .sum();
    projects.retain(|p| p.ready_tick > tick);
    ready
}

#[cfg(test)]
mod tests {
    use super::*;

    fn market(capacity: f64, peak: f64) -> Market {
        Market {
            id: "US-X".into(),
            country: 0,
            bloc: Bloc::US,
            capacity_gw: capacity,
            base_peak_gw: peak,
            growth_per_tick: 1.0,
            dc_share: 1.0,
            dc_operational_gw: 0.0,
            dc_other_gw: 0.0,
            dc_building: vec![],
            queue: vec![],
            gen_building: vec![],
        }
    }

    fn rules(build: u32) -> GridRules {
        GridRules {
            dc_build_ticks: build,
            gen_lead_ticks: 8,
            build_per_tick: 0.0,
            target_margin: 0.2,
            critical_margin: 0.15,
            load_factor: 1.0,
        }
    }

    #[test]
    fn data_center_runs_after_its_build_time() {
        for build in [2u32, 12] {
            let mut m = market(200.0, 100.0);
            m.queue.push(Request { since: 0, gw: 5.0 });
            let r = rules(build);
            for t in 0..=build {
                let rep = m.step(&r, t);
                if t == 0 {
                    assert_eq!(rep.approved_gw, 5.0);
                }
                let expect = if t < build { 0.0 } else { 5.0 };
                assert_eq!(m.dc_operational_gw, expect, "build {build}, tick {t}");
            }
        }
    }

    #[test]
    fn interconnection_refused_below_critical_margin() {
        // 120 GW capacity, 100 GW peak: margin 20 %. Only what keeps it at 15 % connects.
        let mut m = market(120.0, 100.0);
        m.queue.push(Request { since: 0, gw: 10.0 });
        m.queue.push(Request { since: 0, gw: 1.0 });
        let rep = m.step(&rules(0), 0);
        let fits = 120.0 / 1.15 - 100.0;
        assert!((rep.approved_gw - fits).abs() < 1e-9, "{rep:?}");
        assert!((m.reserve_margin(1.0) - 0.15).abs() < 1e-9);
        assert_eq!(
            m.queue.len(),
            2,
            "the rest of the first request waits, and the second behind it"
        );
        // A market already below critical connects nothing.
        let rep = m.step(&rules(0), 1);
        assert_eq!(rep.approved_gw, 0.0);
        // New capacity lets the rest through.
        m.capacity_gw = 140.0;
        let rep = m.step(&rules(0), 2);
        assert!((rep.approved_gw - (11.0 - fits)).abs() < 1e-9);
        assert!(m.queue.is_empty());
        assert!(m.reserve_margin(1.0) >= 0.15);
    }

    #[test]
    fn generation_is_planned_below_target() {
        let mut m = market(110.0, 100.0);
        let mut r = rules(0);
        r.build_per_tick = 0.05;
        let rep = m.step(&r, 0);
        assert!(
            (rep.gen_started_gw - 5.5).abs() < 1e-9,
            "capped at 5 % of capacity: {rep:?}"
        );
        // Lead time: capacity arrives 8 ticks later.
        for t in 1..8 {
            m.step(&rules(0), t);
            assert_eq!(m.capacity_gw, 110.0);
        }
        m.step(&rules(0), 8);
        assert!((m.capacity_gw - 115.5).abs() < 1e-9);
    }
}
