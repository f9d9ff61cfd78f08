//! Everything that touches the disk: atomic writes, the time-series CSV,
//! the run manifest and checkpoints. Keeping I/O here keeps the model pure.

pub mod atomic;
pub mod checkpoint;
pub mod manifest;
pub mod parquet;
pub mod timeseries;
