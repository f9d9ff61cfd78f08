//! `airace verify`.

use std::path::PathBuf;

use clap::Args;

use super::args::Threads;
use airace::error::Result;

/// Arguments of `airace verify`.
#[derive(Args, Debug, Clone)]
pub struct VerifyArgs {
    /// Run folder with manifest.json and config.toml.
    pub dir: PathBuf,
    /// Worker threads for the rerun (the result must not depend on it).
    #[command(flatten)]
    threads: Threads,
}

/// Rerun and compare.
pub fn execute(a: VerifyArgs) -> Result<()> {
    airace::verify::verify(&a.dir, a.threads.threads)
}
