//! Parameter sweeps: expand a design into runs, execute them (locally or as
//! Slurm array shards), and summarise the outcomes.

pub mod plan;

use std::path::Path;

use crate::error::{Error, Result};

/// `airace sweep`.
pub fn sweep_command(_args: &crate::cli::SweepArgs) -> Result<()> {
    Err(Error::Usage("sweep is not implemented yet".into()))
}

/// `airace merge DIR`.
pub fn merge_command(_dir: &Path) -> Result<()> {
    Err(Error::Usage("merge is not implemented yet".into()))
}

/// `airace slurm`.
pub fn slurm_command(_args: &crate::cli::SlurmArgs) -> Result<()> {
    Err(Error::Usage("slurm is not implemented yet".into()))
}
