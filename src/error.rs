//! The library's error type.
//!
//! Every error knows which exit code it maps to, so the CLI edge never has to
//! guess: bad input or usage is 2 (nothing was written), a run that started
//! but could not finish is 1. Messages name the file, the key and the fix,
//! because the person reading them is an analyst mid-sweep, not the author.

use std::path::{Path, PathBuf};

/// Exit code for "the job ran but failed" (or `verify` found a difference).
pub const EXIT_FAILURE: u8 = 1;
/// Exit code for bad usage or bad input; nothing was written.
pub const EXIT_BAD_INPUT: u8 = 2;
/// Exit code after a clean stop on Ctrl-C (the shell convention 128 + SIGINT).
pub const EXIT_INTERRUPTED: u8 = 130;

/// Everything that can go wrong in airace, grouped by who has to act on it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A config (or sweep / scenario) file has a bad key or value.
    #[error("{file}: `{key}`: {message}")]
    Config {
        /// The file the value came from (or `--set` for a command-line override).
        file: String,
        /// Dotted key path, e.g. `firms.count` or `countries[3].gdp_weight`.
        key: String,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// The command line itself is wrong (bad flag combination, bad `--set` syntax…).
    #[error("{0}")]
    Usage(String),
    /// An input data file (CSV, checkpoint, manifest) is missing or malformed.
    #[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Input {
        /// The offending file.
        path: PathBuf,
        /// 1-based line number, when the problem is on a line.
        line: Option<u64>,
        /// What is wrong.
        message: String,
    },
    /// A checkpoint was written for another state layout (another build).
    /// Typed so callers can tell it apart from corruption without reading text.
    #[error(
        "{}: checkpoint was written for a different config schema/state layout \
         (schema {found}, this build {expected}); rerun from the start with this version",
        path.display()
    )]
    CheckpointSchema {
        /// The checkpoint file.
        path: PathBuf,
        /// Short hex of the schema hash in the file.
        found: String,
        /// Short hex of this build's schema hash.
        expected: String,
    },
    /// Writing an output failed (disk full, permissions…). Earlier results are intact.
    #[error("cannot write {}: {source}", path.display())]
    Output {
        /// The file or folder being written.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A model invariant broke: a bug or a parameter combination the model cannot handle.
    #[error("invariant violated at tick {tick}: {agent}: {quantity}")]
    Invariant {
        /// The tick at which the check failed.
        tick: u32,
        /// Which agent or market (e.g. `firm 17`, `chip H100`).
        agent: String,
        /// The quantity and its bad value.
        quantity: String,
    },
    /// The job ran but did not succeed (e.g. some sweep runs failed, `verify` differs).
    #[error("{0}")]
    Failed(String),
    /// The user pressed Ctrl-C; finished work is kept, unfinished work is discarded.
    #[error("interrupted; finished work is kept, rerun the same command to resume")]
    Interrupted,
}

impl Error {
    /// The process exit code this error should produce.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Config { .. }
            | Error::Usage(_)
            | Error::Input { .. }
            | Error::CheckpointSchema { .. } => EXIT_BAD_INPUT,
            Error::Output { .. } | Error::Invariant { .. } | Error::Failed(_) => EXIT_FAILURE,
            Error::Interrupted => EXIT_INTERRUPTED,
        }
    }

    /// Shorthand for a config error.
    pub fn config(
        file: impl Into<String>,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Error::Config {
            file: file.into(),
            key: key.into(),
            message: message.into(),
        }
    }

    /// Shorthand for an input-file error without a line number.
    pub fn input(path: &Path, message: impl Into<String>) -> Self {
        Error::Input {
            path: path.to_path_buf(),
            line: None,
            message: message.into(),
        }
    }

    /// Shorthand for an input-file error on a given 1-based line.
    pub fn input_at(path: &Path, line: u64, message: impl Into<String>) -> Self {
        Error::Input {
            path: path.to_path_buf(),
            line: Some(line),
            message: message.into(),
        }
    }

    /// Shorthand for an output error.
    pub fn output(path: &Path, source: std::io::Error) -> Self {
        Error::Output {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Result alias used across the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;
