//! Parameter sweeps: expand a design into runs, execute them (locally or as
//! Slurm array shards), and summarise the outcomes.

pub mod plan;
