//! One full tick of the shipped 20,000-firm baseline, on the machine's default thread pool.
//!
//! This is the unit a sweep pays thousands of times, so it is measured both as
//! `World::step` alone and as `Simulation::step` (which also records the
//! tick's metrics). Each iteration steps a fresh clone of a world warmed up
//! for a few ticks, so every sample measures the same quarter.

use std::path::Path;
use std::time::{Duration, Instant};

use airace::config;
use airace::run::Simulation;
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

/// Ticks run before measuring.
const WARMUP_TICKS: u32 = 4;

fn warmed_up_baseline() -> Simulation {
    let loaded = config::load(Path::new("configs/baseline.toml"), &[])
        .unwrap_or_else(|e| panic!("cannot load the baseline config: {e}"));
    let mut sim = Simulation::new(loaded.config);
    for _ in 0..WARMUP_TICKS {
        sim.step()
            .unwrap_or_else(|e| panic!("warm-up tick failed: {e}"));
    }
    sim
}

fn baseline_tick(c: &mut Criterion) {
    let sim = warmed_up_baseline();
    let cfg = config::config_at_tick(&sim.config, sim.world.tick)
        .unwrap_or_else(|e| panic!("schedule: {e}"));
    let mut group = c.benchmark_group("baseline_tick");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(sim.world.firms.firms.len() as u64));
    group.bench_function("world_step", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let mut world = sim.world.clone();
                let t = Instant::now();
                black_box(world.step(&cfg));
                total += t.elapsed();
            }
            total
        })
    });
    group.bench_function("sim_step", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let mut s = sim.clone();
                let t = Instant::now();
                s.step().unwrap_or_else(|e| panic!("tick failed: {e}"));
                total += t.elapsed();
                black_box(&s.timeseries);
            }
            total
        })
    });
    group.finish();
}

criterion_group!(benches, baseline_tick);
criterion_main!(benches);
