//! Saving and restoring a simulation mid-run (what `airace resume` builds on).
//!
//! [`format`](mod@format) is the binary container (the only code that names bincode);
//! this module decides what goes in it and how a restored state is checked.
//!
//! A checkpoint holds the whole world, the resolved config (as TOML text, so a
//! schema change is caught by the normal validation on restore) and the rows
//! recorded so far, so a resumed run writes the complete time series: without
//! `--set` its `timeseries.csv` equals the uninterrupted run byte for byte.
//!
//! # Branching
//!
//! `resume --set k=v` records the change as a scheduled change at the
//! checkpoint's tick (appended after every scheduled change already due by
//! then). That gives the intended meaning — the new value holds from the
//! checkpoint's tick on, even for a key the schedule had already changed
//! earlier, while scheduled changes due *later* still happen — and it makes
//! the resumed run's `config.toml` self-contained: a straight
//! `airace run config.toml` reproduces the branch from tick 0, which is how
//! `airace verify` checks a branched run without needing the checkpoint.
//!
//! # Run length
//!
//! `--ticks N` runs N more quarters and sets `run.ticks` to `tick + N` in the
//! resumed config, shorter or longer than the parent run (extending a
//! finished run is allowed, up to the usual `run.ticks` limit), so that the
//! resumed folder's config and manifest describe exactly what was simulated.
//! Scheduled changes that would fall after the new end are dropped, since
//! they could never apply.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::{self, Config, ScheduleEntry};
use crate::error::{Error, Result};
use crate::io::timeseries::{Timeseries, HEADER};
use crate::layout;
use crate::simulation::Simulation;

pub mod format;

/// Layout version of the checkpointed state, plus the crate's major.minor.
///
/// Bump the `vN` by hand whenever `World` (or [`CheckpointState`]) changes
/// shape; bincode is not self-describing, so an unbumped change would decode
/// garbage. Including major.minor makes every feature release refuse older
/// checkpoints even if someone forgets the bump; patch releases, which must
/// not change the model, keep them readable.
pub const STATE_SCHEMA: &str = concat!(
    "airace-world-v4+",
    env!("CARGO_PKG_VERSION_MAJOR"),
    ".",
    env!("CARGO_PKG_VERSION_MINOR")
);

/// What a checkpoint file contains.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct CheckpointState {
    /// Resolved config of the run, TOML.
    pub config_toml: String,
    /// The world after `world.tick` ticks.
    pub world: crate::model::World,
    /// Rows recorded up to that tick, CSV.
    pub rows_csv: String,
}

/// Path of the checkpoint for `tick` inside a run folder.
pub fn path_for(out: &Path, tick: u32) -> PathBuf {
    layout::checkpoint_path(out, tick)
}

/// The state to checkpoint for `sim`.
pub fn state_of(sim: &Simulation) -> CheckpointState {
    CheckpointState {
        config_toml: config::to_toml(&sim.config),
        world: sim.world.clone(),
        rows_csv: sim.timeseries.to_csv_string(),
    }
}

/// Write the simulation's current state to `out/checkpoints/tick-<t>.bin`.
pub fn save(sim: &Simulation, out: &Path) -> Result<PathBuf> {
    let path = path_for(out, sim.world.tick);
    format::write(&path, &state_of(sim), STATE_SCHEMA)?;
    Ok(path)
}

/// Read a checkpoint file; every failure is an input error (exit 2) naming it.
///
/// A checkpoint from a build with a different [`STATE_SCHEMA`] is reported as
/// "written by an incompatible airace", which tells the user what to do.
pub fn load(path: &Path) -> Result<CheckpointState> {
    format::read(path, STATE_SCHEMA).map_err(|e| match e {
        Error::CheckpointSchema { .. } => Error::input(
            path,
            format!(
                "written by an incompatible airace (its state layout differs from this \
                 build's `{STATE_SCHEMA}`); rerun from the start with this version"
            ),
        ),
        other => other,
    })
}

/// Rebuild the simulation from a decoded checkpoint, checking it is coherent.
///
/// `origin` names the checkpoint in error messages. A config that no longer
/// validates (a key renamed or removed since) is an input error saying so.
pub fn restore(state: CheckpointState, origin: &Path) -> Result<Simulation> {
    let config = config::from_str(&state.config_toml, &origin.display().to_string()).map_err(
        |e| match e {
            Error::Config { key, message, .. } => Error::input(
                origin,
                format!(
                    "the checkpoint's config no longer matches this version's config schema \
                     (`{key}`: {message}); rerun from the start with this version"
                ),
            ),
            other => other,
        },
    )?;
    let timeseries = parse_rows(&state.rows_csv, origin)?;
    let world = state.world;
    let bad = |m: String| {
        Err(Error::input(
            origin,
            format!("inconsistent checkpoint: {m}"),
        ))
    };
    if world.seed != config.run.seed {
        return bad(format!(
            "world seed {} but config seed {}",
            world.seed, config.run.seed
        ));
    }
    if world.tick > config.run.ticks {
        return bad(format!(
            "at tick {} of a {}-tick run",
            world.tick, config.run.ticks
        ));
    }
    if let Err(m) = check_shape(&world, &config) {
        return bad(m);
    }
    let last = timeseries.rows().last().map(|r| r.tick + 1).unwrap_or(0);
    if last != world.tick {
        return bad(format!(
            "world at tick {} but rows end at tick {last}",
            world.tick
        ));
    }
    Ok(Simulation::from_parts(config, world, timeseries))
}

/// The world must have the shape its config describes: the firm count, the
/// labs, power markets and chips (count, ids, home countries), and one entry
/// per country in the per-country state. Otherwise the checkpoint's config
/// (and the resumed run's `config.toml`) would misdescribe the run.
fn check_shape(world: &crate::model::World, config: &Config) -> std::result::Result<(), String> {
    let quantity = |what: &str, world_has: String, config_says: String| {
        Err(format!(
            "{what}: the world has {world_has} but its config says {config_says}"
        ))
    };
    // The agents the config makes: `firms.count` apportioned over the peer
    // groups, raised to each group's floor (`firms.min_per_group`).
    let firms = world.firms.firms.len() as u64;
    let expected: u64 = crate::model::firm_counts(config).iter().flatten().sum();
    if firms != expected {
        return quantity(
            "firms.count",
            format!("{firms} firm agents"),
            format!(
                "{expected} (firms.count = {} with its group floors)",
                config.firms.count
            ),
        );
    }
    let country = |code: &str| config.countries.iter().position(|c| c.code == code);
    let labs_w: Vec<(&str, Option<usize>)> = world
        .labs
        .iter()
        .map(|l| (l.name.as_str(), Some(l.country)))
        .collect();
    let labs_c: Vec<(&str, Option<usize>)> = config
        .labs
        .iter()
        .map(|l| (l.name.as_str(), country(&l.country)))
        .collect();
    if labs_w != labs_c {
        return quantity("labs", format!("{labs_w:?}"), format!("{labs_c:?}"));
    }
    let mut markets_c: Vec<(String, usize)> = Vec::new();
    for (i, c) in config.countries.iter().enumerate() {
        let explicit: Vec<(String, usize)> = config
            .power_markets
            .iter()
            .filter(|m| m.country == c.code)
            .map(|m| (m.id.clone(), i))
            .collect();
        if explicit.is_empty() {
            markets_c.push((format!("{}-grid", c.code), i));
        }
        markets_c.extend(explicit);
    }
    let markets_w: Vec<(String, usize)> = world
        .markets
        .iter()
        .map(|m| (m.id.clone(), m.country))
        .collect();
    if markets_w != markets_c {
        return quantity(
            "power_markets",
            format!("{markets_w:?}"),
            format!("{markets_c:?}"),
        );
    }
    if world.chips.len() != config.chips.len() {
        let n = |k: usize| format!("{k} chips");
        return quantity("chips", n(world.chips.len()), n(config.chips.len()));
    }
    let n = config.countries.len();
    for (what, len) in [
        ("gov.alignment", world.gov.alignment.len()),
        ("gov.huawei", world.gov.huawei.len()),
        ("gov.trade", world.gov.trade.len()),
        ("infer_h100e", world.infer_h100e.len()),
        ("infer_h100e_cn", world.infer_h100e_cn.len()),
        ("infer_power_gw", world.infer_power_gw.len()),
        ("planned_chip_power_gw", world.planned_chip_power_gw.len()),
        ("chip_power_growth", world.chip_power_growth.len()),
    ] {
        let want = if what == "gov.trade" { n * n } else { n };
        if len != want {
            return quantity(
                &format!("countries ({what})"),
                format!("{len} entries"),
                format!("{n} countries ({want} entries)"),
            );
        }
    }
    Ok(())
}

/// Parse the stored rows; a checkpoint taken before the first tick has none.
fn parse_rows(text: &str, origin: &Path) -> Result<Timeseries> {
    let mut lines = text.lines();
    let header_only = lines.next() == Some(HEADER) && lines.all(|l| l.trim().is_empty());
    if header_only {
        return Ok(Timeseries::default());
    }
    Timeseries::parse(text, origin)
}

/// The config to continue with: `base` run to `end`, with `sets` from `tick` on.
///
/// See the module docs for why a branch becomes a scheduled change. `sets` are
/// first applied directly with [`config::with_sets`] so a bad key, value or
/// structural change is reported against the `--set` that caused it.
pub fn branch_config(
    base: &Config,
    tick: u32,
    end: u32,
    sets: &[String],
    origin: &str,
) -> Result<Config> {
    if let Some(s) = sets.iter().find(|s| s.trim_start().starts_with("run.")) {
        return Err(Error::Usage(format!(
            "--set {s}: `run.*` cannot change on resume (use --ticks N for the run length; \
             the seed and calendar are fixed by the checkpoint)"
        )));
    }
    if !sets.is_empty() {
        config::with_sets(base, sets, origin)?;
    }
    let mut cfg = base.clone();
    cfg.run.ticks = end;
    cfg.schedule.retain(|e| e.tick < end);
    if !sets.is_empty() {
        let at = cfg
            .schedule
            .iter()
            .rposition(|e| e.tick <= tick)
            .map_or(0, |i| i + 1);
        let entry = ScheduleEntry {
            tick,
            set: sets.to_vec(),
            capability: Vec::new(),
        };
        cfg.schedule.insert(at, entry);
    }
    let value = toml::Value::try_from(&cfg).map_err(|e| Error::Failed(format!("config: {e}")))?;
    config::from_value(value, origin, sets)
}

/// Default output folder: `<run>-resumed` for `<run>/checkpoints/tick-N.bin`.
pub fn default_out(checkpoint: &Path) -> PathBuf {
    match parent_run_dir(checkpoint) {
        Some(run) => {
            let mut name = run.file_name().unwrap_or_default().to_os_string();
            name.push("-resumed");
            run.with_file_name(name)
        }
        None => {
            let mut name = checkpoint.file_stem().unwrap_or_default().to_os_string();
            name.push("-resumed");
            checkpoint.with_file_name(name)
        }
    }
}

/// The run folder a checkpoint belongs to, if it sits in `<run>/checkpoints/`.
fn parent_run_dir(checkpoint: &Path) -> Option<PathBuf> {
    layout::run_of_checkpoint(checkpoint)
}

/// Refuse to write the resumed run over the run it came from (unless forced).
pub fn check_not_parent(checkpoint: &Path, out: &Path, force: bool) -> Result<()> {
    let Some(run) = parent_run_dir(checkpoint) else {
        return Ok(());
    };
    let same = match (run.canonicalize(), out.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => run == out,
    };
    if same && !force {
        return Err(Error::Usage(format!(
            "--out {} is the run the checkpoint came from; choose another folder, or pass --force to overwrite it",
            out.display()
        )));
    }
    Ok(())
}

/// The tick the resumed run ends at.
pub fn end_tick(tick: u32, run_ticks: u32, more: Option<u32>) -> Result<u32> {
    let end = match more {
        Some(0) => return Err(Error::Usage("--ticks must be at least 1".into())),
        Some(n) => tick
            .checked_add(n)
            .ok_or_else(|| Error::Usage(format!("--ticks {n} is too large")))?,
        None => run_ticks,
    };
    if end <= tick {
        return Err(Error::Usage(format!(
            "the checkpoint is already at the end of the run (tick {tick} of {run_ticks}); \
             pass --ticks N to continue past it"
        )));
    }
    Ok(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_out_is_next_to_the_run() {
        assert_eq!(
            default_out(Path::new("output/base/checkpoints/tick-20.bin")),
            PathBuf::from("output/base-resumed")
        );
        assert_eq!(
            default_out(Path::new("tick-20.bin")),
            PathBuf::from("tick-20-resumed")
        );
    }

    #[test]
    fn end_tick_rules() {
        assert_eq!(end_tick(20, 40, None).unwrap(), 40);
        assert_eq!(end_tick(20, 40, Some(5)).unwrap(), 25);
        assert_eq!(end_tick(20, 40, Some(30)).unwrap(), 50);
        assert_eq!(end_tick(40, 40, None).unwrap_err().exit_code(), 2);
        assert_eq!(end_tick(20, 40, Some(0)).unwrap_err().exit_code(), 2);
        assert_eq!(end_tick(1, 40, Some(u32::MAX)).unwrap_err().exit_code(), 2);
    }

    #[test]
    fn schema_includes_major_minor() {
        assert!(STATE_SCHEMA.starts_with("airace-world-v"));
        assert!(STATE_SCHEMA.ends_with(&format!(
            "+{}.{}",
            env!("CARGO_PKG_VERSION_MAJOR"),
            env!("CARGO_PKG_VERSION_MINOR")
        )));
    }
}
