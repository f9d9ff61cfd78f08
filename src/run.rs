//! Driving one run: config in, a complete output folder out.
//!
//! The whole time series is computed before anything is written, so a run
//! that fails (bad schedule, broken invariant) leaves no folder behind; files
//! are then written atomically, the manifest last, so a folder with a
//! manifest is a finished run.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::config::{self, Config, LoadedConfig};
use crate::error::{Error, Result};
use crate::io::atomic::{remove_stale_temps, write_atomic};
use crate::io::manifest::Manifest;
use crate::io::timeseries::{period_label, Timeseries};
use crate::model::metrics::Recorder;
use crate::model::World;

/// Name of the time-series file in a run folder.
pub const TIMESERIES: &str = "timeseries.csv";
/// Runs smaller than this many firm-steps finish too fast to need a progress display.
const PROGRESS_MIN_FIRM_STEPS: u64 = 20_000_000;

/// Name of the resolved config in a run folder.
pub const CONFIG_FILE: &str = "config.toml";

/// How to run (everything that is not part of the model config).
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Seed override (else `run.seed`).
    pub seed: Option<u64>,
    /// Worker threads (else rayon's default: all cores).
    pub threads: Option<usize>,
    /// No progress output.
    pub quiet: bool,
    /// Check model invariants every tick (always on in debug builds).
    pub check_invariants: bool,
    /// Write a checkpoint every K ticks.
    pub checkpoint_every: Option<u32>,
    /// Skip charts and the HTML report (sweeps render their own).
    pub no_charts: bool,
    /// Overwrite an output folder that holds a different run.
    pub force: bool,
}

/// A simulation in progress: the base config, the world, and the rows so far.
#[derive(Clone, Debug)]
pub struct Simulation {
    /// Config with the run's seed in place; scheduled changes are applied per tick.
    pub config: Config,
    /// The agents.
    pub world: World,
    /// Rows recorded so far.
    pub timeseries: Timeseries,
    /// Check invariants after every tick.
    pub check_invariants: bool,
    /// The config in force, cached with the number of schedule entries it includes.
    in_force: Option<(usize, Config)>,
}

impl Simulation {
    /// Set up the world for `config` (whose `run.seed` is the seed used).
    pub fn new(config: Config) -> Simulation {
        let world = World::new(&config, config.run.seed);
        Simulation::from_parts(config, world, Timeseries::default())
    }

    /// Rebuild a simulation from saved parts (a checkpoint).
    pub fn from_parts(config: Config, world: World, timeseries: Timeseries) -> Simulation {
        Simulation {
            config,
            world,
            timeseries,
            check_invariants: cfg!(debug_assertions),
            in_force: None,
        }
    }

    /// Compute one tick and record its rows.
    pub fn step(&mut self) -> Result<()> {
        let tick = self.world.tick;
        let due = self
            .config
            .schedule
            .iter()
            .filter(|e| e.tick <= tick)
            .count();
        if self.in_force.as_ref().is_none_or(|(n, _)| *n != due) {
            self.in_force = Some((due, config::config_at_tick(&self.config, tick)?));
        }
        let cfg = match &self.in_force {
            Some((_, c)) => c,
            None => &self.config,
        };
        let report = self.world.step(cfg);
        if self.check_invariants {
            crate::model::invariants::check(cfg, &self.world, &report)?;
        }
        let period = period_label(cfg.run.start_year, cfg.run.start_quarter, tick);
        Recorder::record(cfg, &self.world, &report, period, &mut self.timeseries)?;
        Ok(())
    }

    /// Step until `run.ticks` quarters are done, calling `after_tick` after each.
    pub fn run_to_end(
        &mut self,
        mut after_tick: impl FnMut(&Simulation) -> Result<()>,
    ) -> Result<()> {
        while self.world.tick < self.config.run.ticks {
            self.step()?;
            after_tick(self)?;
        }
        Ok(())
    }
}

/// Run `cfg` inside a pool of `threads` workers (or the global pool).
pub fn with_threads<T: Send>(threads: Option<usize>, f: impl FnOnce() -> T + Send) -> Result<T> {
    match threads {
        None => Ok(f()),
        Some(n) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(|e| Error::Usage(format!("cannot start {n} threads: {e}")))?;
            Ok(pool.install(f))
        }
    }
}

/// The config with the seed override applied.
pub fn seeded(config: &Config, seed: Option<u64>) -> Config {
    let mut c = config.clone();
    if let Some(s) = seed {
        c.run.seed = s;
    }
    c
}

/// Refuse to clobber a folder holding a different run; a rerun of the same config is fine.
pub fn check_out_dir(out: &Path, config_toml: &str, force: bool) -> Result<()> {
    if out.exists() && !out.is_dir() {
        return Err(Error::Usage(format!(
            "output path {} exists and is not a folder",
            out.display()
        )));
    }
    let manifest = out.join(crate::io::manifest::FILE_NAME);
    if force || !manifest.exists() {
        return Ok(());
    }
    let same = Manifest::read(out)
        .map(|m| m.config_hash == crate::io::manifest::sha256_hex(config_toml.as_bytes()));
    match same {
        Ok(true) => Ok(()),
        _ => Err(Error::Usage(format!(
            "{} already holds a different run; pass --force to overwrite it, or --out to write elsewhere",
            out.display()
        ))),
    }
}

/// What a finished run produced.
#[derive(Clone, Debug)]
pub struct RunOutcome {
    /// The output folder.
    pub out_dir: PathBuf,
    /// All rows.
    pub timeseries: Timeseries,
    /// The manifest written last.
    pub manifest: Manifest,
}

/// Run a loaded config to the end and write its folder.
pub fn run_to_dir(loaded: &LoadedConfig, opts: &RunOptions, out: &Path) -> Result<RunOutcome> {
    let config = seeded(&loaded.config, opts.seed);
    let config_toml = config::to_toml(&config);
    check_out_dir(out, &config_toml, opts.force)?;
    let started = Instant::now();
    let mut sim = Simulation::new(config.clone());
    sim.check_invariants |= opts.check_invariants;
    let every = opts.checkpoint_every.unwrap_or(0);
    // Only long runs (above ~0.2 s of stepping) get a progress display.
    let work = config.firms.count.saturating_mul(config.run.ticks as u64);
    let quiet = opts.quiet || work < PROGRESS_MIN_FIRM_STEPS;
    let mut progress = crate::sweep::progress::Progress::counting(
        config.run.ticks as u64,
        quiet,
        "quarters",
        "run",
    );
    with_threads(opts.threads, || {
        sim.run_to_end(|s| {
            if every > 0 && s.world.tick % every == 0 {
                crate::checkpoint::save(s, out)?;
            }
            progress.inc(0);
            Ok(())
        })
    })??;
    progress.finish();
    let threads = opts.threads.unwrap_or_else(rayon::current_num_threads);
    let manifest = write_run_dir(
        out,
        &config,
        &sim.timeseries,
        threads,
        started,
        opts.no_charts,
        None,
    )?;
    Ok(RunOutcome {
        out_dir: out.to_path_buf(),
        timeseries: sim.timeseries,
        manifest,
    })
}

/// Write timeseries, config, charts, report and (last) the manifest.
pub fn write_run_dir(
    out: &Path,
    config: &Config,
    ts: &Timeseries,
    threads: usize,
    started: Instant,
    no_charts: bool,
    parent: Option<crate::io::manifest::ParentInfo>,
) -> Result<Manifest> {
    std::fs::create_dir_all(out).map_err(|e| Error::output(out, e))?;
    remove_stale_temps(out);
    let config_toml = config::to_toml(config);
    let header = "# Resolved configuration of this run: `airace run <this folder>/config.toml` repeats it.\n";
    write_atomic(&out.join(TIMESERIES), ts.to_csv_string().as_bytes())?;
    write_atomic(
        &out.join(CONFIG_FILE),
        format!("{header}{config_toml}").as_bytes(),
    )?;
    let mut manifest = Manifest::new_for_build(
        &config.name,
        &config_toml,
        config.run.seed,
        config.run.ticks,
        threads,
    );
    manifest.parent = parent;
    manifest.add_file(out, TIMESERIES)?;
    manifest.add_file(out, CONFIG_FILE)?;
    if !no_charts {
        crate::render::charts_and_report(out, ts, &manifest)?;
    }
    manifest.wall_time_s = (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
    manifest.write(out)?;
    Ok(manifest)
}

/// A few lines for the terminal: where the run went, who leads each race at the end,
/// and since when (the quarter the last lead change happened).
pub fn summary(outcome: &RunOutcome) -> String {
    let ts = &outcome.timeseries;
    let last = |m: &str, s: &str| ts.last_value(m, s).unwrap_or(f64::NAN);
    let race = |metric: &str| {
        let us = ts.series(metric, "US");
        let cn = ts.series(metric, "CN");
        let leads: Vec<bool> = us.iter().zip(&cn).map(|(u, c)| u.1 >= c.1).collect();
        let (u, c) = (last(metric, "US"), last(metric, "CN"));
        let who = if u >= c { "US" } else { "China" };
        let since = leads.windows(2).rposition(|w| w[0] != w[1]).map(|i| i + 1);
        let since = match since.and_then(|i| ts.periods().get(i).map(|p| p.1.clone())) {
            Some(p) => format!(", since {p}"),
            None => ", throughout".to_string(),
        };
        format!("{who} leads ({:.2} vs {:.2}{since})", u.max(c), u.min(c))
    };
    format!(
        "wrote {} ({} ticks, seed {}, {:.2} s)\n  innovation: {}; frontier gap {:.1} months\n  diffusion:  {}; adoption US {:.0}% CN {:.0}%\n  open {}",
        outcome.out_dir.display(),
        outcome.manifest.ticks,
        outcome.manifest.seed,
        outcome.manifest.wall_time_s,
        race("innovation_index"),
        last("frontier_gap_months", "world"),
        race("diffusion_index"),
        100.0 * last("adoption_share", "US"),
        100.0 * last("adoption_share", "CN"),
        outcome.out_dir.join("report.html").display(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(innovation_us: &[f64], diffusion_us: &[f64]) -> RunOutcome {
        let mut ts = Timeseries::default();
        for (t, (&i, &d)) in innovation_us.iter().zip(diffusion_us).enumerate() {
            let p = period_label(2026, 1, t as u32);
            for (scope, sign) in [("US", 1.0), ("CN", -1.0)] {
                ts.push(
                    t as u32,
                    &p,
                    scope,
                    "innovation_index",
                    0.5 + sign * (i - 0.5),
                );
                ts.push(
                    t as u32,
                    &p,
                    scope,
                    "diffusion_index",
                    0.5 + sign * (d - 0.5),
                );
            }
        }
        RunOutcome {
            out_dir: PathBuf::from("out"),
            timeseries: ts,
            manifest: Manifest::new_for_build("x", "", 1, innovation_us.len() as u32, 1),
        }
    }

    #[test]
    fn summary_says_who_leads_and_since_when() {
        let text = summary(&outcome(&[0.6, 0.6, 0.4, 0.45], &[0.7, 0.7, 0.7, 0.7]));
        assert!(
            text.contains("innovation: China leads (0.55 vs 0.45, since 2026Q3)"),
            "{text}"
        );
        assert!(
            text.contains("diffusion:  US leads (0.70 vs 0.30, throughout)"),
            "{text}"
        );
    }
}
