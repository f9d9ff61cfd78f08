//! `airace scenarios`: the baseline and every policy scenario, with replicates, compared.

use crate::error::{Error, Result};

/// `airace scenarios`.
pub fn scenarios_command(_args: &crate::cli::ScenariosArgs) -> Result<()> {
    Err(Error::Usage("scenarios is not implemented yet".into()))
}
