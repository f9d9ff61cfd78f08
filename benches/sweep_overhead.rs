//! Per-run cost of a sweep member: 2,000 firms × 40 ticks, split into its parts.
//!
//! Issue 8 asks for 1,000 such runs in under 60 s on 2 cores, i.e. ≤ 120 ms
//! of CPU per run when two runs go in parallel. The parts measured here:
//! `setup` (World::new via Simulation::new), `stepping` (all 40 ticks with
//! metrics), `write` (run::write_run_dir, no charts, into a temp folder) and
//! `whole_run` (all three). Runs use one thread each, as a sweep would.

use std::path::Path;
use std::time::{Duration, Instant};

use airace::config::{self, Config};
use airace::run;
use airace::simulation::Simulation;
use criterion::{black_box, criterion_group, criterion_main, Criterion};

fn sweep_member() -> Config {
    let sets = vec!["firms.count=2000".to_string(), "run.ticks=40".to_string()];
    config::load(Path::new("configs/baseline.toml"), &sets)
        .unwrap_or_else(|e| panic!("cannot load the baseline config: {e}"))
        .config
}

fn run_all(sim: &mut Simulation) {
    sim.run_to_end(|_| Ok(()))
        .unwrap_or_else(|e| panic!("run failed: {e}"));
}

fn write(dir: &Path, sim: &Simulation) {
    run::write_run_dir(
        dir,
        &sim.config,
        &sim.timeseries,
        1,
        Instant::now(),
        true,
        None,
    )
    .unwrap_or_else(|e| panic!("write failed: {e}"));
}

fn sweep_overhead(c: &mut Criterion) {
    let cfg = sweep_member();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap_or_else(|e| panic!("pool: {e}"));
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let mut finished = Simulation::new(cfg.clone());
    pool.install(|| run_all(&mut finished));
    let mut group = c.benchmark_group("sweep_overhead");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    group.bench_function("setup", |b| {
        b.iter(|| black_box(Simulation::new(cfg.clone())))
    });
    group.bench_function("stepping", |b| {
        b.iter_custom(|iters| {
            pool.install(|| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let mut sim = Simulation::new(cfg.clone());
                    let t = Instant::now();
                    run_all(&mut sim);
                    total += t.elapsed();
                    black_box(&sim.timeseries);
                }
                total
            })
        })
    });
    group.bench_function("write", |b| {
        b.iter(|| write(&tmp.path().join("run"), &finished))
    });
    group.bench_function("whole_run", |b| {
        b.iter(|| {
            pool.install(|| {
                let mut sim = Simulation::new(cfg.clone());
                run_all(&mut sim);
                write(&tmp.path().join("whole"), &sim);
            })
        })
    });
    group.finish();
}

criterion_group!(benches, sweep_overhead);
criterion_main!(benches);
