//! Firm-step throughput of the full model (all mechanisms on), in firm-steps per second.
//!
//! Each sample steps a fresh clone of a world that has already run a few
//! warm-up ticks, so every iteration measures the same quarter (the model's
//! cost depends on adoption, which grows over a run) and the clone is never
//! timed. Sizes 10k, 100k and 1M firms, at 1 and 2 rayon threads. Issue 8's
//! target: 50 M firm-steps/s on 2 threads at 1M firms, ≥ 1.8× from 1 → 2.

mod common;

use std::time::Duration;

use airace::model::firm::Firm;
use airace::simulation::Simulation;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

/// A pool of exactly `n` workers.
fn pool(n: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .unwrap_or_else(|e| panic!("cannot build a {n}-thread pool: {e}"))
}

/// Time `iters` world steps inside `pool`.
fn time_world_steps(sim: &Simulation, pool: &rayon::ThreadPool, iters: u64) -> Duration {
    pool.install(|| common::time_world_steps(sim, iters))
}

/// Time `iters` simulation steps (with metrics) inside `pool`.
fn time_sim_steps(sim: &Simulation, pool: &rayon::ThreadPool, iters: u64) -> Duration {
    pool.install(|| common::time_sim_steps(sim, iters))
}

fn firm_step(c: &mut Criterion) {
    eprintln!("size_of::<Firm>() = {} bytes", std::mem::size_of::<Firm>());
    let pools = [(1, pool(1)), (2, pool(2))];
    let mut group = c.benchmark_group("firm_step");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for firms in [10_000u64, 100_000, 1_000_000] {
        let sim = common::warmed_up(&[format!("firms.count={firms}")]);
        group.throughput(Throughput::Elements(firms));
        for (n, p) in &pools {
            let id = format!("{firms}/threads={n}");
            group.bench_function(BenchmarkId::new("world_step", &id), |b| {
                b.iter_custom(|iters| time_world_steps(&sim, p, iters))
            });
            group.bench_function(BenchmarkId::new("sim_step", &id), |b| {
                b.iter_custom(|iters| time_sim_steps(&sim, p, iters))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, firm_step);
criterion_main!(benches);
