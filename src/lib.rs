//! airace: an agent-based policy simulator of the US–China AI race.
//!
//! The question it lets an analyst test, rather than assume: the US may lead
//! the *innovation* race (frontier models) while China leads the *diffusion*
//! race (getting good-enough models into firms and products worldwide). Labs,
//! firms, power utilities and governments act each quarter; the output is a
//! tidy time series plus charts.
//!
//! Layers, imports pointing down (see `docs/architecture.md`):
//!
//! - The binary's `cli` module (src/cli/, not part of this library): flags →
//!   option structs → exit codes.
//! - Commands: [`run`] (run and resume), [`verify`], [`sweep`] (spec → plan →
//!   execute → summarise), [`scenarios`] (a sweep whose points are overlays),
//!   [`validate`] (the 2023–2025 hindcast scored against observed figures).
//! - Folders and pages: [`layout`] (every file name of a run or sweep folder),
//!   [`render`] (charts + report assembled once), [`report`] (HTML), [`plot`] (draws).
//! - Core: [`simulation`] (the driver), [`checkpoint`], [`model`], [`config`],
//!   [`io`], [`rng`], [`math`], [`stats`], [`progress`], [`limits`], [`error`].

pub mod analysis;
pub mod catalogue;
pub mod checkpoint;

pub mod config;
pub mod error;
pub mod io;
pub mod layout;
pub mod limits;
pub mod math;
pub mod model;
pub mod plot;
pub mod progress;
pub mod render;
pub mod report;
pub mod rng;
pub mod run;
pub mod scenarios;
pub mod simulation;
pub mod stats;
pub mod sweep;
pub mod validate;
pub mod verify;

pub use error::{Error, Result};
