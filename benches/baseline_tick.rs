//! One full tick of the shipped 20,000-firm baseline, on the machine's default thread pool.
//!
//! This is the unit a sweep pays thousands of times, so it is measured both as
//! `World::step` alone and as `Simulation::step` (which also records the
//! tick's metrics). Each iteration steps a fresh clone of a world warmed up
//! for a few ticks, so every sample measures the same quarter.

mod common;

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn baseline_tick(c: &mut Criterion) {
    let sim = common::warmed_up(&[]);
    let mut group = c.benchmark_group("baseline_tick");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(sim.world.firms.firms.len() as u64));
    group.bench_function("world_step", |b| {
        b.iter_custom(|iters| common::time_world_steps(&sim, iters))
    });
    group.bench_function("sim_step", |b| {
        b.iter_custom(|iters| common::time_sim_steps(&sim, iters))
    });
    group.finish();
}

criterion_group!(benches, baseline_tick);
criterion_main!(benches);
