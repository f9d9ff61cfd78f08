//! airace: an agent-based policy simulator of the US–China AI race.
//!
//! The question it lets an analyst test, rather than assume: the US may lead
//! the *innovation* race (frontier models) while China leads the *diffusion*
//! race (getting good-enough models into firms and products worldwide). Labs,
//! firms, power utilities and governments act each quarter; the output is a
//! tidy time series plus charts.
//!
//! Layout: [`config`] loads and validates scenarios, [`model`] holds the agents
//! and the tick, [`run`] drives a run and writes its folder, [`io`] owns every
//! file format, [`sweep`] expands and executes parameter sweeps.

pub mod analysis;
pub mod checkpoint;
pub mod cli;
pub mod config;
pub mod error;
pub mod io;
pub mod limits;
pub mod math;
pub mod model;
pub mod plot;
pub mod render;
pub mod report;
pub mod rng;
pub mod run;
pub mod scenarios;
pub mod sweep;
pub mod verify;

pub use error::{Error, Result};
