//! Running the history, and the state it ends in.
//!
//! Replicates run in parallel over seeds; each returns only what the targets
//! read, collected in seed order, so the scores do not depend on the thread
//! count. [`StateSummary`] condenses a world into the calibrated quantities
//! the baseline sets for 2026Q1 (compute, adoption, data centers, stack
//! shares, frontier), so the history's end and the baseline's start can be
//! compared quantity by quantity.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use super::score::{extract, Series};
use super::targets::{Resolved, RunShape};
use crate::config::{Bloc, Config};
use crate::error::Result;
use crate::model::stack::{Stack, N_STACKS};
use crate::model::World;
use crate::simulation::{seeded, Simulation};

/// Seed of replicate `r`: derived from the config's seed, the same for every config
/// (common random numbers, so a policy change and its absence face the same draws).
/// Kept below 2^63: scheduled changes pass the config, seed included, through TOML,
/// whose integers are signed 64-bit.
pub fn replicate_seed(master: u64, r: u32) -> u64 {
    crate::rng::derive_seed(master, &[r as u64]) >> 1
}

/// The calendar and every (metric, scope) a run of `config` writes, found by running
/// one tick in memory: the check follows the model as its metrics change.
pub fn run_shape(config: &Config) -> Result<RunShape> {
    let mut one = config.clone();
    one.run.ticks = one.run.ticks.min(1);
    let mut sim = Simulation::new(one);
    sim.run_to_end(|_| Ok(()))?;
    let pairs: BTreeSet<(String, String)> = sim
        .timeseries
        .rows()
        .iter()
        .map(|r| (r.metric.to_string(), r.scope.to_string()))
        .collect();
    Ok(RunShape {
        start_year: config.run.start_year,
        start_quarter: config.run.start_quarter,
        ticks: config.run.ticks,
        pairs,
    })
}

/// Run `config` to the end with `seed` and return the world and the series targets read.
pub fn run_one(config: &Config, seed: u64, targets: &[Resolved]) -> Result<(World, Series)> {
    let mut sim = Simulation::new(seeded(config, Some(seed)));
    sim.run_to_end(|_| Ok(()))?;
    let series = extract(&sim.timeseries, targets, config.run.ticks);
    Ok((sim.world, series))
}

/// Run `replicates` seeds in parallel; results in seed order.
pub fn run_replicates(
    config: &Config,
    replicates: u32,
    targets: &[Resolved],
) -> Result<Vec<(World, Series)>> {
    let master = config.run.seed;
    (0..replicates)
        .into_par_iter()
        .map(|r| run_one(config, replicate_seed(master, r), targets))
        .collect()
}

/// The calibrated quantities of a world, by name (e.g. `compute_h100e.CN`).
pub type StateSummary = BTreeMap<String, f64>;

/// Condense a world: per bloc, compute stock (labs' training chips plus inference chips,
/// H100e), adoption share, AI data-center capacity running and under construction (GW),
/// and the share of adopters on US, Chinese and other stacks; the US and Chinese frontier
/// (capability points).
pub fn state_summary(cfg: &Config, world: &World) -> StateSummary {
    let mut out = StateSummary::new();
    let bloc_of = |c: usize| cfg.countries[c].bloc;
    let mut compute = [0.0; 4];
    for l in &world.labs {
        compute[l.bloc.index()] += l.train_h100e;
    }
    for (c, v) in world.infer_h100e.iter().enumerate() {
        compute[bloc_of(c).index()] += v;
    }
    let (mut running, mut building) = ([0.0; 4], [0.0; 4]);
    for m in &world.markets {
        running[m.bloc.index()] += m.dc_operational_gw;
        building[m.bloc.index()] += m.dc_building.iter().map(|p| p.gw).sum::<f64>();
    }
    let mut firms = [0.0; 4];
    let mut adopters = [[0.0; N_STACKS]; 4];
    for (g, t) in world.firms.groups.iter().zip(&world.last.groups) {
        let b = bloc_of(g.country).index();
        firms[b] += (g.end - g.start) as f64;
        for (a, n) in adopters[b].iter_mut().zip(&t.adopters) {
            *a += *n as f64;
        }
    }
    for b in Bloc::ALL {
        let i = b.index();
        let code = b.code();
        let total: f64 = adopters[i].iter().sum();
        out.insert(format!("compute_h100e.{code}"), compute[i]);
        out.insert(format!("dc_running_gw.{code}"), running[i]);
        out.insert(format!("dc_building_gw.{code}"), building[i]);
        out.insert(format!("adoption_share.{code}"), total / firms[i].max(1.0));
        for (side, name) in [(1.0, "us"), (-1.0, "cn"), (0.0, "other")] {
            let on: f64 = Stack::ALL
                .iter()
                .filter(|s| s.side() == side)
                .map(|s| adopters[i][*s as usize])
                .sum();
            out.insert(format!("stacks_{name}.{code}"), on / total.max(1.0));
        }
    }
    out.insert("frontier.US".into(), world.frontier(Bloc::US));
    out.insert("frontier.CN".into(), world.frontier(Bloc::CN));
    out
}

/// Mean of several summaries, key by key.
pub fn mean_summary(all: &[StateSummary]) -> StateSummary {
    let mut out = StateSummary::new();
    for s in all {
        for (k, v) in s {
            *out.entry(k.clone()).or_insert(0.0) += v / all.len() as f64;
        }
    }
    out
}

/// The history's end state as `--set` assignments on the baseline `base`, so the baseline
/// can start from where the history left off rather than from its own calibrated 2026
/// inputs, on the quantities the continuity check compares by bloc: each bloc's training
/// chips (the baseline's labs scaled so their total is the history's; the split between a
/// bloc's labs stays the baseline's) and every country's adoption share (real firms).
/// Used to check that the baseline's stylised facts survive that start.
pub fn baseline_start_from(hist: &Config, world: &World, base: &Config) -> Vec<String> {
    let (mut had, mut has) = ([0.0; 4], [0.0; 4]);
    for l in &world.labs {
        had[l.bloc.index()] += l.train_h100e;
    }
    let bloc_of = |country: &str| {
        base.countries
            .iter()
            .find(|c| c.code == country)
            .map(|c| c.bloc)
    };
    for lc in &base.labs {
        if let Some(b) = bloc_of(&lc.country) {
            has[b.index()] += lc.chips_h100e;
        }
    }
    let mut out = Vec::new();
    for lc in &base.labs {
        if let Some(b) = bloc_of(&lc.country) {
            let i = b.index();
            let scale = if has[i] > 0.0 { had[i] / has[i] } else { 1.0 };
            out.push(format!(
                "labs[{}].chips_h100e={}",
                lc.name,
                lc.chips_h100e * scale
            ));
        }
    }
    let n = hist.countries.len();
    let (mut adopted, mut firms) = (vec![0.0; n], vec![0.0; n]);
    for (g, t) in world.firms.groups.iter().zip(&world.last.groups) {
        adopted[g.country] += t.total_adopters() as f64 * g.weight;
        firms[g.country] += g.real_firms();
    }
    for (c, ct) in hist.countries.iter().enumerate() {
        let share = if firms[c] > 0.0 {
            adopted[c] / firms[c]
        } else {
            0.0
        };
        out.push(format!("countries[{}].initial_adoption={share}", ct.code));
    }
    out
}
