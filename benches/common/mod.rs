//! Set-up and timing loops shared by the benches.
//!
//! Each timed iteration steps a fresh clone of a world that has already run a
//! few warm-up ticks, so every sample measures the same quarter (the model's
//! cost depends on adoption, which grows over a run) and the clone is never timed.

use std::path::Path;
use std::time::{Duration, Instant};

use airace::config;
use airace::simulation::Simulation;
use criterion::black_box;

/// Ticks run before measuring, so firms are past their initial state.
pub const WARMUP_TICKS: u32 = 4;

/// The shipped baseline with `sets` applied, already stepped `WARMUP_TICKS` times.
pub fn warmed_up(sets: &[String]) -> Simulation {
    let loaded = config::load(Path::new("configs/baseline.toml"), sets)
        .unwrap_or_else(|e| panic!("cannot load the baseline config: {e}"));
    let mut sim = Simulation::new(loaded.config);
    for _ in 0..WARMUP_TICKS {
        sim.step()
            .unwrap_or_else(|e| panic!("warm-up tick failed: {e}"));
    }
    sim
}

/// Time `iters` calls of `World::step` alone (no metrics), each on a fresh clone.
pub fn time_world_steps(sim: &Simulation, iters: u64) -> Duration {
    let cfg = config::config_at_tick(&sim.config, sim.world.tick)
        .unwrap_or_else(|e| panic!("schedule at tick {}: {e}", sim.world.tick));
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let mut world = sim.world.clone();
        let t = Instant::now();
        black_box(world.step(&cfg));
        total += t.elapsed();
    }
    total
}

/// Time `iters` calls of `Simulation::step` (tick plus metric recording), each on a fresh clone.
pub fn time_sim_steps(sim: &Simulation, iters: u64) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let mut s = sim.clone();
        let t = Instant::now();
        s.step().unwrap_or_else(|e| panic!("tick failed: {e}"));
        total += t.elapsed();
        black_box(&s.timeseries);
    }
    total
}
