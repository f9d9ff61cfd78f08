//! Firm-step throughput of the full model (all mechanisms on), in firm-steps per second.
//!
//! Each sample steps a fresh clone of a world that has already run a few
//! warm-up ticks, so every iteration measures the same quarter (the model's
//! cost depends on adoption, which grows over a run) and the clone is never
//! timed. Sizes 10k, 100k and 1M firms, at 1 and 2 rayon threads. Issue 8's
//! target: 50 M firm-steps/s on 2 threads at 1M firms, ≥ 1.8× from 1 → 2.

use std::path::Path;
use std::time::{Duration, Instant};

use airace::config;
use airace::model::firm::Firm;
use airace::run::Simulation;
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

/// Ticks run before measuring, so firms are past their initial state.
const WARMUP_TICKS: u32 = 4;

/// A baseline simulation with `firms` firms, already stepped `WARMUP_TICKS` times.
pub fn warmed_up(firms: u64) -> Simulation {
    let sets = vec![format!("firms.count={firms}")];
    let loaded = config::load(Path::new("configs/baseline.toml"), &sets)
        .unwrap_or_else(|e| panic!("cannot load the baseline config: {e}"));
    let mut sim = Simulation::new(loaded.config);
    for _ in 0..WARMUP_TICKS {
        sim.step()
            .unwrap_or_else(|e| panic!("warm-up tick failed: {e}"));
    }
    sim
}

/// A pool of exactly `n` workers.
fn pool(n: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .unwrap_or_else(|e| panic!("cannot build a {n}-thread pool: {e}"))
}

/// Time `iters` steps of `World::step` alone (no metrics), each on a fresh clone.
fn time_world_steps(sim: &Simulation, pool: &rayon::ThreadPool, iters: u64) -> Duration {
    let cfg = config::config_at_tick(&sim.config, sim.world.tick)
        .unwrap_or_else(|e| panic!("schedule at tick {}: {e}", sim.world.tick));
    pool.install(|| {
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            let mut world = sim.world.clone();
            let t = Instant::now();
            black_box(world.step(&cfg));
            total += t.elapsed();
        }
        total
    })
}

/// Time `iters` calls of `Simulation::step` (tick plus metric recording), each on a fresh clone.
fn time_sim_steps(sim: &Simulation, pool: &rayon::ThreadPool, iters: u64) -> Duration {
    pool.install(|| {
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
        let sim = warmed_up(firms);
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
