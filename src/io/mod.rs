//! File formats: atomic writes, the time-series CSV and the run manifest.
//! Which file goes where is [`crate::layout`]'s business; the checkpoint
//! container lives with the checkpoints ([`crate::checkpoint::format`]).

pub mod atomic;
pub mod manifest;
pub mod quote;
pub mod read;
pub mod timeseries;
