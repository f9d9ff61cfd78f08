//! `airace verify`: rerun a run folder and compare its data files byte for byte.

use crate::error::{Error, Result};

/// `airace verify DIR`.
pub fn verify_command(_args: &crate::cli::VerifyArgs) -> Result<()> {
    Err(Error::Usage("verify is not implemented yet".into()))
}
