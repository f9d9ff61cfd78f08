//! Global sensitivity analysis and scenario discovery on sweep results.
//!
//! An analyst's question is rarely "what does the model say at the baseline?"
//! but "which assumptions drive the answer, and in which worlds does it flip?".
//! This module answers it natively, on top of the sweeps, with the methods
//! analysts know from SALib, EMA Workbench and OpenMOLE:
//!
//! - [`uncertainty`]: which parameters are uncertain (and how), kept apart
//!   from the policy levers an analyst chooses;
//! - designs: [`sobol_seq`] (scrambled Sobol points), [`saltelli`] (the A, B,
//!   AB_i, BA_i matrices) and [`morris`] (one-at-a-time trajectories);
//! - estimators: [`sobol`] (first-, total- and second-order indices with
//!   bootstrap intervals and a convergence table), [`morris`] (μ, μ*, σ) and
//!   [`prim`] (peeling and pasting boxes for a boolean outcome);
//! - [`table`]: the outcome table the sweep layer feeds, so nothing here reads
//!   a sweep folder itself, and [`study`]: the entry points the CLI calls
//!   (table in, CSV-ready rows out);
//! - [`functions`]: test functions with known answers (Ishigami, Sobol's G, a
//!   planted box) that go through exactly the same design → evaluate →
//!   estimate path as the model.
//!
//! Every result is deterministic given its seed, at any thread count:
//! bootstrap resamples draw from counter-based streams keyed by the resample
//! number, and are reduced in resample order.

pub mod bootstrap;
pub mod functions;
pub mod morris;
pub mod parquet;
pub mod prim;
pub mod saltelli;
pub mod sobol;
pub mod sobol_seq;
pub mod study;
pub mod table;
pub mod uncertainty;

/// What can go wrong in an analysis, with enough context to act on.
///
/// Kept local to the module (and converted into [`crate::Error`] in one
/// place below) so this module can grow without touching the crate-wide enum.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    /// The uncertainty spec has a bad key or value.
    #[error("{file}: `{key}`: {message}")]
    Spec {
        /// The file (or section) the spec came from.
        file: String,
        /// Dotted key, e.g. `uncertainty.factors[2].range`.
        key: String,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// A design cannot be built with these settings (N not a power of two…).
    #[error("design: `{key}`: {message}")]
    Design {
        /// The setting at fault, e.g. `n` or `levels`.
        key: String,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// The outputs do not match the design (wrong count, wrong layout).
    #[error("{0}")]
    Mismatch(String),
    /// Too many runs are missing or failed for the estimate to mean anything.
    #[error(
        "{method}: too few usable runs: {usable} usable {unit}, at least {needed} needed \
         ({missing} runs missing or failed); finish or resume the sweep, or lower the requirement"
    )]
    TooFewRuns {
        /// `sobol`, `morris` or `prim`.
        method: &'static str,
        /// What is counted: Saltelli blocks, elementary effects, points.
        unit: &'static str,
        /// How many complete units remain.
        usable: usize,
        /// How many are needed.
        needed: usize,
        /// How many individual runs are missing or failed.
        missing: usize,
    },
}

impl From<AnalysisError> for crate::Error {
    fn from(e: AnalysisError) -> Self {
        match e {
            AnalysisError::Spec { file, key, message } => {
                crate::Error::Config { file, key, message }
            }
            AnalysisError::Design { .. } => crate::Error::Usage(e.to_string()),
            AnalysisError::Mismatch(_) | AnalysisError::TooFewRuns { .. } => {
                crate::Error::Failed(e.to_string())
            }
        }
    }
}

/// Result alias for the analysis module.
pub type Result<T, E = AnalysisError> = std::result::Result<T, E>;

pub use morris::{MorrisDesign, MorrisOptions, MorrisResult, MorrisRow};
pub use prim::{BoxRule, PrimBox, PrimOptions, PrimResult};
pub use saltelli::SaltelliDesign;
pub use sobol::{SobolOptions, SobolResult, SobolRow};
pub use study::{
    crn_group, morris_from_table, outcome_key, prim_from_table, sobol_from_table, write_csv,
    Condition, DesignKind,
};
pub use table::{OutcomeTable, RunRecord, RunStatus};
pub use uncertainty::{Distribution, Factor, Lever, UncertaintySpec};
