//! The simulation driver: a config and a world stepped tick by tick, with
//! the rows recorded so far.
//!
//! It sits below everything that runs the model (`run`, `resume`, `verify`,
//! sweeps and scenarios) and knows nothing about folders, so checkpoints can
//! save and restore it without importing the commands that use it.

use crate::config::{self, Config};
use crate::error::{Error, Result};
use crate::io::timeseries::{period_label, Timeseries};
use crate::model::metrics::Recorder;
use crate::model::World;

/// Most worker threads any command accepts (`--threads`, `--jobs` and
/// `RAYON_NUM_THREADS` alike). Far above any useful count on one node; it
/// exists so a typo (`--threads 100000`) is refused instead of spawning
/// threads for minutes.
pub const MAX_THREADS: usize = 1024;

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

/// Run `f` inside a pool of `threads` workers, or in the global pool when
/// `None` (whose size rayon takes from `RAYON_NUM_THREADS` or the cores).
///
/// Results never depend on the count; it only trades speed for memory. The
/// count is checked here too (1 to [`MAX_THREADS`]) so a library caller gets
/// the same rule as the command line.
pub fn with_threads<T: Send>(threads: Option<usize>, f: impl FnOnce() -> T + Send) -> Result<T> {
    match threads {
        None => Ok(f()),
        Some(n) if n == 0 || n > MAX_THREADS => Err(Error::Usage(format!(
            "thread count {n} is outside 1..={MAX_THREADS}"
        ))),
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
