//! Driving one run, from a config or from a checkpoint, to a complete
//! output folder (`airace run` and `airace resume`).
//!
//! The whole time series is computed before anything is written, so a run
//! that fails (bad schedule, broken invariant) leaves no folder behind; files
//! are then written atomically, the manifest last, so a folder with a
//! manifest is a finished run.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::catalogue;
use crate::checkpoint;
use crate::config::{self, Config, LoadedConfig};
use crate::error::{Error, Result};
use crate::io::atomic::write_atomic;
use crate::io::manifest::{sha256_file, wall_time_s, Manifest, ParentInfo};
use crate::io::timeseries::Timeseries;
use crate::layout::remove_stale_temps;
use crate::layout::{self, CONFIG, TIMESERIES};
use crate::plot::race;
use crate::progress::Progress;
use crate::simulation::{seeded, with_threads, Simulation};

/// Runs smaller than this many firm-steps finish too fast to need a progress display.
const PROGRESS_MIN_FIRM_STEPS: u64 = 20_000_000;

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

/// The folder rule for a run ([`layout::claim_folder`]): a rerun of the same
/// config may rewrite its own folder; anything else needs `force`.
pub fn check_out_dir(out: &Path, config_toml: &str, force: bool) -> Result<()> {
    layout::claim_folder(out, layout::FolderWork::Run { config_toml }, force)
}

/// Lock `out` for writing and check it again under the lock: another
/// process may have finished a different run there while we computed ours.
fn lock_and_recheck(out: &Path, config_toml: &str, force: bool) -> Result<layout::FolderLock> {
    let lock = layout::FolderLock::acquire(out)?;
    check_out_dir(out, config_toml, force)?;
    Ok(lock)
}

/// What a finished run produced (its folder, rows and manifest).
#[derive(Clone, Debug)]
pub struct FinishedRun {
    /// The output folder.
    pub out_dir: PathBuf,
    /// All rows.
    pub timeseries: Timeseries,
    /// The manifest written last.
    pub manifest: Manifest,
}

/// Run a loaded config to the end and write its folder.
///
/// The whole process (set-up, stepping, charts, writing) runs in one pool of
/// `opts.threads` workers, so `--threads N` means N for all of it; the
/// output is the same at any count.
pub fn run_to_dir(loaded: &LoadedConfig, opts: &RunOptions, out: &Path) -> Result<FinishedRun> {
    with_threads(opts.threads, || run_in_pool(loaded, opts, out))?
}

/// [`run_to_dir`] inside its thread pool.
fn run_in_pool(loaded: &LoadedConfig, opts: &RunOptions, out: &Path) -> Result<FinishedRun> {
    let config = seeded(&loaded.config, opts.seed);
    let config_toml = config::to_toml(&config);
    check_out_dir(out, &config_toml, opts.force)?;
    remove_stale_temps(out);
    let started = Instant::now();
    let mut sim = Simulation::new(config.clone());
    sim.check_invariants |= opts.check_invariants;
    let every = opts.checkpoint_every.unwrap_or(0);
    if every > 0 {
        // Checkpoints land in the folder while the run goes on: write its
        // config first, so the folder is recognisably this run's (a rerun
        // of the same config may continue in it; another run is refused).
        std::fs::create_dir_all(out).map_err(|e| Error::output(out, e))?;
        write_config(out, &config_toml)?;
    }
    // Only long runs (above ~0.2 s of stepping) get a progress display.
    let work = config.firms.count.saturating_mul(config.run.ticks as u64);
    let quiet = opts.quiet || work < PROGRESS_MIN_FIRM_STEPS;
    let mut progress = Progress::counting(config.run.ticks as u64, quiet, "quarters", "run");
    sim.run_to_end(|s| {
        if every > 0 && s.world.tick % every == 0 {
            checkpoint::save(s, out)?;
        }
        progress.inc(0);
        Ok(())
    })?;
    progress.finish();
    let threads = opts.threads.unwrap_or_else(rayon::current_num_threads);
    let _lock = lock_and_recheck(out, &config_toml, opts.force)?;
    let provenance = Provenance {
        overrides: loaded.sets.clone(),
        overlay_chain: overlay_chain(loaded),
        parent: None,
    };
    let manifest = write_run_dir_with(
        out,
        &config,
        &sim.timeseries,
        threads,
        started,
        opts.no_charts,
        provenance,
    )?;
    Ok(FinishedRun {
        out_dir: out.to_path_buf(),
        timeseries: sim.timeseries,
        manifest,
    })
}

/// Write a run's `config.toml`: the resolved config under a one-line note.
fn write_config(out: &Path, config_toml: &str) -> Result<()> {
    let header = "# Resolved configuration of this run: `airace run <this folder>/config.toml` repeats it.\n";
    write_atomic(
        &out.join(CONFIG),
        format!("{header}{config_toml}").as_bytes(),
    )
}

/// Where a run's config came from beyond its file: what the manifest,
/// report title and every chart subtitle name ([`Manifest::provenance`]).
#[derive(Clone, Debug, Default)]
pub struct Provenance {
    /// `--set` assignments, in command-line order.
    pub overrides: Vec<String>,
    /// Overlay chain (given file first, root base last); empty for one file.
    pub overlay_chain: Vec<String>,
    /// The checkpoint a resumed run continues.
    pub parent: Option<ParentInfo>,
}

/// The overlay chain of a loaded config as the user's paths; empty when the
/// config is a single file (nothing to tell apart).
fn overlay_chain(loaded: &LoadedConfig) -> Vec<String> {
    if loaded.chain.len() < 2 {
        return Vec::new();
    }
    let chain = loaded.chain.iter().map(|p| p.display().to_string());
    chain.collect()
}

/// Write timeseries, config, charts, report and (last) the manifest, with
/// no provenance beyond an optional resume `parent` (sweep and scenario runs).
pub fn write_run_dir(
    out: &Path,
    config: &Config,
    ts: &Timeseries,
    threads: usize,
    started: Instant,
    no_charts: bool,
    parent: Option<ParentInfo>,
) -> Result<Manifest> {
    let provenance = Provenance {
        parent,
        ..Provenance::default()
    };
    write_run_dir_with(out, config, ts, threads, started, no_charts, provenance)
}

/// [`write_run_dir`] recording `provenance` in the manifest, the report and the charts.
pub fn write_run_dir_with(
    out: &Path,
    config: &Config,
    ts: &Timeseries,
    threads: usize,
    started: Instant,
    no_charts: bool,
    provenance: Provenance,
) -> Result<Manifest> {
    std::fs::create_dir_all(out).map_err(|e| Error::output(out, e))?;
    remove_stale_temps(out);
    let config_toml = config::to_toml(config);
    write_atomic(&out.join(TIMESERIES), ts.to_csv_string().as_bytes())?;
    write_config(out, &config_toml)?;
    let mut manifest = Manifest::new_for_build(
        &config.name,
        &config_toml,
        config.run.seed,
        config.run.ticks,
        threads,
    );
    manifest.parent = provenance.parent;
    manifest.overrides = provenance.overrides;
    manifest.overlay_chain = provenance.overlay_chain;
    manifest.add_file(out, TIMESERIES)?;
    manifest.add_file(out, CONFIG)?;
    if !no_charts {
        crate::render::charts_and_report(out, ts, &manifest)?;
    }
    manifest.wall_time_s = wall_time_s(started.elapsed());
    layout::write_manifest(out, &manifest)?;
    Ok(manifest)
}

/// A few lines for the terminal: where the run went, what it was made from,
/// and who leads each race, judged exactly as the report's answer and the
/// dashboard judge it ([`crate::plot::race`]): 4-quarter means, and "too
/// close to call" unless the lead holds in each quarter and beyond one
/// quarter's noise.
pub fn summary(outcome: &FinishedRun) -> String {
    let ts = &outcome.timeseries;
    let verdict = |metric: &str| match race::race(ts, metric) {
        Some(r) => {
            let (hi, lo) = match r.lead {
                race::Lead::China => (r.cn, r.us),
                _ => (r.us, r.cn),
            };
            let pair = match r.lead {
                race::Lead::TooClose => format!("US {:.2} vs China {:.2}", r.us, r.cn),
                _ => format!("{hi:.2} vs {lo:.2}"),
            };
            format!("{} ({pair}, 4-quarter means to {})", r.verdict(), r.to)
        }
        None => "no data".to_string(),
    };
    let mean4 = |m: &str, s: &str| {
        let v = ts.series(m, s);
        let tail = &v[v.len().saturating_sub(race::WINDOW)..];
        tail.iter().map(|p| p.1 / tail.len() as f64).sum::<f64>()
    };
    let gap =
        catalogue::metric("frontier_gap_months").format(mean4("frontier_gap_months", "world"));
    format!(
        "wrote {} ({} ticks, seed {}, {:.2} s)\n  made from: {}\n  innovation: {}; US lead at the frontier {gap}\n  diffusion:  {}; firms using AI: US {:.0}% China {:.0}%\n  open {}",
        outcome.out_dir.display(),
        outcome.manifest.ticks,
        outcome.manifest.seed,
        outcome.manifest.wall_time_s,
        outcome.manifest.provenance(),
        verdict("innovation_index"),
        verdict("diffusion_index"),
        100.0 * mean4("adoption_share", "US"),
        100.0 * mean4("adoption_share", "CN"),
        outcome.out_dir.join(layout::REPORT).display(),
    )
}

/// Options of `airace resume`, validated by the caller.
#[derive(Clone, Debug, Default)]
pub struct ResumeOptions {
    /// Checkpoint file (`<run>/checkpoints/tick-N.bin`).
    pub checkpoint: PathBuf,
    /// Ticks to run after the checkpoint (default: to the end of the run).
    pub ticks: Option<u32>,
    /// Output folder (default: `<run>-resumed` next to the checkpoint's run).
    pub out: Option<PathBuf>,
    /// Branch: config changes from the checkpoint's tick on.
    pub sets: Vec<String>,
    /// Worker threads.
    pub threads: Option<usize>,
    /// Overwrite an output folder that holds a different run.
    pub force: bool,
    /// Check model invariants every tick (always on in debug builds).
    pub check_invariants: bool,
}

/// Continue (or branch) a run from a checkpoint into a new run folder.
///
/// Everything that can be refused is checked before anything is written, so
/// a failed resume leaves no output folder behind. Returns the finished run
/// and the tick it resumed from.
pub fn resume(opts: &ResumeOptions) -> Result<(FinishedRun, u32)> {
    with_threads(opts.threads, || resume_in_pool(opts))?
}

/// [`resume`] inside its thread pool (loading, stepping, charts, writing).
fn resume_in_pool(opts: &ResumeOptions) -> Result<(FinishedRun, u32)> {
    let path = &opts.checkpoint;
    let started = Instant::now();
    let mut sim = checkpoint::restore(checkpoint::load(path)?, path)?;
    let tick = sim.world.tick;
    let end = checkpoint::end_tick(tick, sim.config.run.ticks, opts.ticks)?;
    sim.config = checkpoint::branch_config(
        &sim.config,
        tick,
        end,
        &opts.sets,
        &path.display().to_string(),
    )?;
    let out = opts
        .out
        .clone()
        .unwrap_or_else(|| checkpoint::default_out(path));
    checkpoint::check_not_parent(path, &out, opts.force)?;
    check_out_dir(&out, &config::to_toml(&sim.config), opts.force)?;
    remove_stale_temps(&out);
    let parent = ParentInfo {
        checkpoint: path.display().to_string(),
        checkpoint_sha256: sha256_file(path)?,
        tick,
        changes: opts.sets.clone(),
    };
    sim.check_invariants |= opts.check_invariants;
    sim.run_to_end(|_| Ok(()))?;
    let threads = opts.threads.unwrap_or_else(rayon::current_num_threads);
    let _lock = lock_and_recheck(&out, &config::to_toml(&sim.config), opts.force)?;
    // The parent run's own provenance carries over (its overrides and
    // overlays are in the checkpoint's config); a checkpoint without its run
    // folder's manifest simply has none to inherit.
    let inherited = layout::run_of_checkpoint(path)
        .and_then(|run| layout::read_manifest_if_any(&run).ok().flatten());
    let provenance = Provenance {
        overrides: inherited
            .as_ref()
            .map(|m| m.overrides.clone())
            .unwrap_or_default(),
        overlay_chain: inherited.map(|m| m.overlay_chain).unwrap_or_default(),
        parent: Some(parent),
    };
    let manifest = write_run_dir_with(
        &out,
        &sim.config,
        &sim.timeseries,
        threads,
        started,
        false,
        provenance,
    )?;
    let finished = FinishedRun {
        out_dir: out,
        timeseries: sim.timeseries,
        manifest,
    };
    Ok((finished, tick))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::timeseries::period_label;

    fn outcome(innovation_us: &[f64], diffusion_us: &[f64]) -> FinishedRun {
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
        FinishedRun {
            out_dir: PathBuf::from("out"),
            timeseries: ts,
            manifest: Manifest::new_for_build("x", "", 1, innovation_us.len() as u32, 1),
        }
    }

    #[test]
    fn summary_calls_only_earned_leads_on_four_quarter_means() {
        let text = summary(&outcome(
            &[0.6, 0.6, 0.4, 0.45, 0.6, 0.4],
            &[0.7, 0.7, 0.7, 0.7, 0.71, 0.7],
        ));
        assert!(
            text.contains("innovation: too close to call (US 0.46 vs China 0.54"),
            "{text}"
        );
        assert!(
            text.contains("diffusion:  US leads (0.70 vs 0.30, 4-quarter means to 2027Q2)"),
            "{text}"
        );
        assert!(text.contains("made from: x"), "{text}");
    }
}
