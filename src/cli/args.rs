//! Argument groups shared by several commands, declared once with their
//! ranges so a flag means the same thing (and is refused the same way)
//! wherever it appears.

use std::path::{Path, PathBuf};

use clap::Args;

use airace::error::{Error, Result};
use airace::limits::MAX_THREADS;

/// Parse a thread or job count: a whole number from 1 to [`MAX_THREADS`].
fn count(text: &str) -> std::result::Result<usize, String> {
    let n: usize = text
        .trim()
        .parse()
        .map_err(|_| format!("`{}` is not a whole number", airace::io::quote::quote(text)))?;
    if n == 0 || n > MAX_THREADS {
        return Err(format!("must be from 1 to {MAX_THREADS}"));
    }
    Ok(n)
}

/// `--threads N`: worker threads for one run.
#[derive(Args, Debug, Clone, Default)]
pub struct Threads {
    /// Worker threads (default: all cores, or RAYON_NUM_THREADS), 1 to 1024. Results do not depend on it.
    #[arg(long, value_name = "N", value_parser = count)]
    pub threads: Option<usize>,
}

/// `--jobs N`: runs executed at once by a sweep or scenario set.
#[derive(Args, Debug, Clone, Default)]
pub struct Jobs {
    /// Runs executed at once (default: number of cores), 1 to 1024.
    #[arg(long, value_name = "N", value_parser = count)]
    pub jobs: Option<usize>,
}

impl Jobs {
    /// The job count, defaulting to the cores (capped like the flag).
    pub fn resolve(&self) -> usize {
        self.jobs.unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .min(MAX_THREADS)
        })
    }
}

/// `--quiet`.
#[derive(Args, Debug, Clone, Default)]
pub struct Quiet {
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `--set KEY=VALUE`, repeatable.
#[derive(Args, Debug, Clone, Default)]
pub struct Overrides {
    /// Override a config value, e.g. `--set firms.count=5000` or `--set chips[H200].price_usd=30000`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
}

/// `--out DIR` (optional, with a per-command default) and `--force`.
#[derive(Args, Debug, Clone, Default)]
pub struct Output {
    /// Output folder (default depends on the command; see its help).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Overwrite an output folder that holds different work.
    #[arg(long)]
    pub force: bool,
}

/// Refuse an output folder that is a symbolic link to nothing (exit 2): creating
/// it would fail later with an OS error (exit 1) that does not say why.
pub fn check_out(flag: &str, path: &Path) -> Result<()> {
    use airace::io::quote::quote;
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(());
    };
    if meta.file_type().is_symlink() && std::fs::metadata(path).is_err() {
        let target = std::fs::read_link(path).unwrap_or_default();
        return Err(Error::Usage(format!(
            "{flag} {}: a symbolic link to {}, which does not exist; \
             create the target folder or remove the link",
            quote(&path.display().to_string()),
            quote(&target.display().to_string())
        )));
    }
    Ok(())
}

/// `--max-memory SIZE`.
#[derive(Args, Debug, Clone, Default)]
pub struct Memory {
    /// Refuse to start when the estimated memory exceeds this (e.g. `4G`, `512M`).
    #[arg(long, value_name = "SIZE")]
    pub max_memory: Option<String>,
}

/// `--seed N`.
#[derive(Args, Debug, Clone, Default)]
pub struct Seed {
    /// Seed (overrides `run.seed` in the config), 0 to 2^63-1.
    #[arg(long)]
    pub seed: Option<u64>,
}

impl Seed {
    /// The seed, refused above `i64::MAX` (it is stored in TOML).
    pub fn resolve(&self) -> Result<Option<u64>> {
        match self.seed {
            Some(s) if s > i64::MAX as u64 => Err(Error::Usage(format!(
                "--seed must be at most {} (it is stored in TOML)",
                i64::MAX
            ))),
            s => Ok(s),
        }
    }
}
