//! Saving and restoring a simulation mid-run.
//!
//! A checkpoint holds the whole world, the resolved config (as TOML text, so a
//! schema change is caught by the normal validation on restore) and the rows
//! recorded so far, so a resumed run writes the complete time series.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::io::checkpoint;
use crate::run::Simulation;

/// Layout version of the checkpointed state; bump whenever `World` changes shape.
pub const STATE_SCHEMA: &str = "airace-world-v1";

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
    out.join("checkpoints").join(format!("tick-{tick}.bin"))
}

/// Write the simulation's current state to `out/checkpoints/tick-<t>.bin`.
pub fn save(sim: &Simulation, out: &Path) -> Result<PathBuf> {
    let state = CheckpointState {
        config_toml: crate::config::to_toml(&sim.config),
        world: sim.world.clone(),
        rows_csv: sim.timeseries.to_csv_string(),
    };
    let path = path_for(out, sim.world.tick);
    checkpoint::write(&path, &state, STATE_SCHEMA)?;
    Ok(path)
}

/// `airace resume`: not yet implemented.
pub fn resume_command(_args: &crate::cli::ResumeArgs) -> Result<()> {
    Err(crate::error::Error::Usage("resume is not implemented yet".into()))
}
