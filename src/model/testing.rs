//! Shared fixtures for unit tests: the shipped tiny scenario.

use std::path::Path;

use crate::config::{self, Config};

/// `configs/tiny.toml`: the baseline shrunk to a few hundred firms and a few quarters.
pub fn tiny_config() -> Config {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/tiny.toml");
    match config::load(&path, &[]) {
        Ok(l) => l.config,
        Err(e) => panic!("configs/tiny.toml must load: {e}"),
    }
}
