//! Sweep plans: a validated [`SweepSpec`] expanded into a deterministic list
//! of [`Run`]s, their `--set` [`assignments`], and Slurm shards
//! ([`shard_runs`]). Run ids, seeds and assignments are pure functions of the
//! sweep file, so any machine, shard or resumed invocation agrees on them.
//! The executor calls only [`assignments`] and [`shard_runs`].
//!
//! # Expansion rules (stable: results and seeds depend on them)
//!
//! * Parameters keep the order written in the file; every run lists its
//!   assignments in that order.
//! * A *discrete axis* is a `values` list or a `range` with `steps` (evenly
//!   spaced, or geometrically if `log`, endpoints included). A range without
//!   `steps` is *sampled* and needs `kind = "lhs"`.
//! * `grid`: the cartesian product of the discrete axes, last parameter
//!   varying fastest.
//! * `lhs`: the sampled parameters form one Latin hypercube of `points`
//!   points; it is **crossed** with the discrete axes, so every combination
//!   of listed values sees the very same LHS points (a fair comparison
//!   between, say, export rules). Point index = combination × points + LHS
//!   row; the LHS row varies fastest.
//! * Runs are point-major, replicates fastest. A run's seed depends only on
//!   (master seed, point index, replicate), never on its queue position or
//!   shard, so adding replicates leaves existing runs untouched. Changing the
//!   lists renumbers points and therefore changes seeds.

use std::fmt;
use std::path::Path;

use rand::RngExt;
use rand_pcg::Pcg64Mcg;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::io::atomic::write_atomic;
use crate::layout;

use super::design;
#[cfg(test)]
use super::spec::*;
use super::spec::{
    interpolate, number_literal, stepped_values, Design, Domain, Literal, Outcome, OutcomeTick,
    RangeSpec, SweepSpec, SEED_KEY,
};

// Domain tags keep the run-seed and LHS streams independent. Never change.
const TAG_RUN_SEED: u64 = 0x7275_6E5F_7365_6564; // "run_seed"
const TAG_LHS: u64 = 0x6C68_735F_6469_6D73; // "lhs_dims"

/// One run of a sweep or scenario set: everything needed to start it and
/// to name its folder, without looking at any other run. The one run type
/// of the whole pipeline: expansion makes it, `plan.json` stores it, the
/// executor runs it and the summary reads it back.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// `p<point>-r<replicate>`, zero-padded so lexicographic order is run
    /// order (scenario sets use `<scenario>/r<replicate>`).
    pub run_id: String,
    /// Index of the parameter point (0-based).
    pub point: usize,
    /// Replicate number within the point (0-based).
    pub replicate: u32,
    /// The run's seed, a pure function of (master seed, point, replicate).
    pub seed: u64,
    /// Parameter values as TOML literals, in parameter order.
    pub values: Vec<String>,
}

/// One slice of a sweep for a Slurm array task. `index` is **0-based**;
/// the CLI form `K/N` (see [`parse_shard`]) is 1-based, and `Display`
/// prints it back that way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which shard, `0..count`.
    pub index: usize,
    /// How many shards in total, at least 1.
    pub count: usize,
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index + 1, self.count)
    }
}

// ---------------------------------------------------------------------------
// Expansion.

/// Expand a validated sweep into its runs, point-major with replicates
/// fastest (see the module docs for the exact order). Pure: the same spec
/// always gives the same runs, ids and seeds, on any machine.
pub fn expand(spec: &SweepSpec) -> Vec<Run> {
    let points = point_values(spec);
    let point_width = digits(points.len().saturating_sub(1) as u64);
    let rep_width = digits(u64::from(spec.replicates.saturating_sub(1)));
    let mut runs = Vec::with_capacity(points.len() * spec.replicates as usize);
    // Common random numbers: every run of a Saltelli block or Morris
    // trajectory (at every lever setting) shares the block's seed.
    let crn = design::design_kind(spec.design).filter(|_| spec.common_seeds);
    let inner = design::inner_points(spec).max(1) as usize;
    let d = spec.uncertainty.factors.len();
    for (point, values) in points.into_iter().enumerate() {
        let seed_key = match crn {
            Some(kind) => crate::analysis::crn_group(kind, d, point % inner),
            None => point,
        };
        for replicate in 0..spec.replicates {
            runs.push(Run {
                run_id: format!("p{point:0point_width$}-r{replicate:0rep_width$}"),
                point,
                replicate,
                seed: run_seed(spec.master_seed, seed_key as u64, replicate),
                values: values.clone(),
            });
        }
    }
    runs
}

/// The `--set` list for one run, in application order: the sweep's fixed
/// `sets`, then the run's parameters (file order), then `run.seed=<seed>`.
/// Later assignments win in the loader, so the seed can never be overridden.
pub fn assignments(spec: &SweepSpec, run: &Run) -> Vec<String> {
    let params = design::column_paths(spec)
        .into_iter()
        .zip(&run.values)
        .filter_map(|(p, value)| p.map(|p| format!("{p}={value}")));
    spec.sets
        .iter()
        .cloned()
        .chain(params)
        .chain(std::iter::once(format!("{SEED_KEY}={}", run.seed)))
        .collect()
}

/// The parameter literals of every point, each in column order
/// ([`design::column_paths`]: parameters, levers, factors).
fn point_values(spec: &SweepSpec) -> Vec<Vec<String>> {
    let inner = design::inner_points(spec) as usize;
    // Per column: Ok(discrete literals) or Err(sampled literals by design row).
    let mut dim = 0u64;
    let mut columns: Vec<std::result::Result<Vec<String>, Vec<String>>> = spec
        .parameters
        .iter()
        .map(|p| match &p.domain {
            Domain::Values(v) => Ok(v.iter().map(Literal::to_toml).collect()),
            Domain::Range(r) if r.steps.is_some() => Ok(stepped_values(r)),
            Domain::Range(r) => {
                let unit = lhs_column(lhs_seed(spec.master_seed, dim), inner);
                dim += 1;
                Err(unit.into_iter().map(|u| sampled_value(r, u)).collect())
            }
        })
        .collect();
    for l in &spec.uncertainty.levers {
        columns.push(Ok(l.values.iter().map(|v| v.to_toml()).collect()));
    }
    let rows = design::unit_rows(spec);
    let first_factor = columns.len();
    for (i, f) in spec.uncertainty.factors.iter().enumerate() {
        let col = match (&rows, spec.design) {
            (Some(rows), _) => rows.iter().map(|r| f.value_at(r[i]).to_toml()).collect(),
            (None, Design::Lhs { .. }) => {
                let unit = lhs_column(lhs_seed(spec.master_seed, dim), inner);
                dim += 1;
                unit.into_iter().map(|u| f.value_at(u).to_toml()).collect()
            }
            // A grid's dummy: filled in below, one stratum per grid point.
            _ => Vec::new(),
        };
        columns.push(Err(col));
    }
    let combos: usize = columns
        .iter()
        .filter_map(|c| c.as_ref().ok())
        .map(Vec::len)
        .product();
    let mut points = Vec::with_capacity(combos * inner);
    for combo in 0..combos {
        let digits = mixed_radix(combo, &columns);
        for row in 0..inner {
            let values = columns.iter().zip(&digits).map(|(c, &d)| match c {
                Ok(list) => list[d].clone(),
                Err(sampled) => sampled.get(row).cloned().unwrap_or_default(),
            });
            points.push(values.collect::<Vec<String>>());
        }
    }
    if spec.design == Design::Grid {
        for (i, f) in spec.uncertainty.factors.iter().enumerate() {
            let unit = lhs_column(lhs_seed(spec.master_seed, dim), points.len());
            dim += 1;
            for (p, u) in points.iter_mut().zip(unit) {
                p[first_factor + i] = f.value_at(u).to_toml();
            }
        }
    }
    points
}

/// Decode `combo` into one digit per column, last discrete column fastest
/// (sampled columns get 0).
fn mixed_radix<T, E>(mut combo: usize, columns: &[std::result::Result<Vec<T>, E>]) -> Vec<usize> {
    let mut digits = vec![0; columns.len()];
    for (digit, column) in digits.iter_mut().zip(columns).rev() {
        if let Ok(list) = column {
            *digit = combo % list.len();
            combo /= list.len();
        }
    }
    digits
}

fn digits(max_index: u64) -> usize {
    max_index.checked_ilog10().map_or(1, |d| d as usize + 1)
}

/// Map a unit-interval LHS coordinate onto the range. Integer ranges widen
/// by half a unit on each side so every integer gets an equal share.
fn sampled_value(r: &RangeSpec, u: f64) -> String {
    let (lo, hi) = if r.integer {
        (r.min - 0.5, r.max + 0.5)
    } else {
        (r.min, r.max)
    };
    let x = interpolate(lo, hi, r.log, u);
    let x = if r.integer { (x + 0.5).floor() } else { x };
    number_literal(x.clamp(r.min, r.max), r.integer)
}

// ---------------------------------------------------------------------------
// Seeds and the Latin hypercube.

/// splitmix64's finaliser: a bijective mixer with full avalanche. Kept
/// private here (not shared with the model's streams) so sweep seeds can
/// never shift because someone retuned another module.
fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn mix(parts: &[u64]) -> u64 {
    parts
        .iter()
        .fold(0, |acc, &p| splitmix64(acc ^ splitmix64(p)))
}

/// A run's seed. Shifted to 63 bits so `run.seed=<seed>` is a valid TOML
/// (i64) integer.
fn run_seed(master: u64, point: u64, replicate: u32) -> u64 {
    mix(&[TAG_RUN_SEED, master, point, u64::from(replicate)]) >> 1
}

/// The seed of LHS dimension `dim` (the dim-th sampled range in file order).
/// One stream per dimension: adding a sampled parameter after the others
/// leaves their columns unchanged.
fn lhs_seed(master: u64, dim: u64) -> u64 {
    mix(&[TAG_LHS, master, dim])
}

/// One LHS column: `n` values in [0, 1), exactly one in each stratum
/// `[k/n, (k+1)/n)`, strata shuffled by a seeded Fisher–Yates, each value
/// jittered uniformly inside its stratum.
fn lhs_column(seed: u64, n: usize) -> Vec<f64> {
    let hi = splitmix64(seed);
    let lo = splitmix64(hi ^ seed);
    let mut rng = Pcg64Mcg::new((u128::from(hi) << 64) | u128::from(lo));
    let mut strata: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = rng.random_range(0..=i as u64) as usize;
        strata.swap(i, j);
    }
    strata
        .into_iter()
        .map(|k| in_stratum(k, n, rng.random::<f64>()))
        .collect()
}

/// `(k + jitter) / n`, kept strictly below `(k+1)/n`: float rounding of
/// `k + jitter` can otherwise land on the next stratum's edge.
fn in_stratum(k: usize, n: usize, jitter: f64) -> f64 {
    let (lo, hi) = (k as f64 / n as f64, (k + 1) as f64 / n as f64);
    let u = (k as f64 + jitter) / n as f64;
    if u >= hi {
        f64::from_bits(hi.to_bits() - 1)
    } else {
        u.max(lo)
    }
}

// ---------------------------------------------------------------------------
// Sharding.

/// Parse `--shard K/N` (1-based: `2/3` is the second of three), as Slurm
/// array scripts pass `$SLURM_ARRAY_TASK_ID/N` with `--array=1-N`.
pub fn parse_shard(s: &str) -> Result<Shard> {
    let usage = |why: &str| {
        Error::Usage(format!(
            "--shard `{s}`: {why}; expected K/N with 1 <= K <= N, e.g. `--shard 2/3` for the \
             second of three shards"
        ))
    };
    let (k, n) = s
        .trim()
        .split_once('/')
        .ok_or_else(|| usage("missing `/`"))?;
    let k: usize = k
        .trim()
        .parse()
        .map_err(|_| usage("K is not a whole number"))?;
    let n: usize = n
        .trim()
        .parse()
        .map_err(|_| usage("N is not a whole number"))?;
    if n == 0 {
        return Err(usage("N must be at least 1"));
    }
    if k == 0 || k > n {
        return Err(usage(&format!("K must be in 1..={n}")));
    }
    Ok(Shard {
        index: k - 1,
        count: n,
    })
}

/// The runs of one shard: round-robin over the full [`expand`] list
/// (positions `index, index + count, …`), so shards differ in size by at
/// most one and each holds a spread of points. Every run is in exactly one
/// shard. An invalid shard (count 0 or index ≥ count) selects nothing.
pub fn shard_runs(runs: &[Run], shard: &Shard) -> Vec<Run> {
    if shard.count == 0 {
        return Vec::new();
    }
    runs.iter()
        .enumerate()
        .filter(|(i, _)| i % shard.count == shard.index)
        .map(|(_, r)| r.clone())
        .collect()
}

// ---------------------------------------------------------------------------
// plan.json: the expanded design on disk.

/// Version of `plan.json` / `outcomes.json`; bump on incompatible change.
pub const FORMAT_VERSION: u32 = 1;

/// The expanded design, self-contained so `merge` never needs the sweep file
/// (which on a cluster may sit on another machine or have been edited).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct PlanFile {
    /// Format version.
    pub version: u32,
    /// Sweep name.
    pub name: String,
    /// `grid` or `lhs`.
    pub design: String,
    /// Swept parameters in file order.
    pub parameters: Vec<PlanParameter>,
    /// Summarised outcomes in file order.
    pub outcomes: Vec<PlanOutcome>,
    /// Every run, in run-id order.
    pub runs: Vec<Run>,
    /// Scenario sets only: one fingerprint per point (`<name> <SHA-256 of
    /// its resolved config>`), so a folder made from other overlay files or
    /// other `--set`s is recognised as a different design. Absent for
    /// sweeps, whose design is fixed by parameters and outcomes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sources: Option<Vec<String>>,
}

/// A swept parameter as the summariser needs it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct PlanParameter {
    /// The `--set` path.
    pub path: String,
    /// A listed or stepped axis (not LHS-sampled): heatmaps and groups use these.
    pub discrete: bool,
}

/// An outcome: metric, scope and tick (`last` or a number).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct PlanOutcome {
    /// Metric name.
    pub metric: String,
    /// Scope.
    pub scope: String,
    /// `last` or a tick number.
    pub tick: String,
}

impl PlanOutcome {
    /// The summary column name, `<metric>@<scope>@<tick>`.
    pub fn column(&self) -> String {
        format!("{}@{}@{}", self.metric, self.scope, self.tick)
    }
}

impl PlanFile {
    /// Build the plan file from a validated spec and its expansion.
    pub fn new(spec: &SweepSpec, runs: &[Run]) -> PlanFile {
        let parameters = spec
            .parameters
            .iter()
            .map(|p| PlanParameter {
                path: p.path.clone(),
                discrete: !matches!(&p.domain, Domain::Range(r) if r.steps.is_none()),
            })
            .chain(spec.uncertainty.levers.iter().map(|l| PlanParameter {
                path: l.path.clone(),
                discrete: true,
            }))
            .chain(spec.uncertainty.factors.iter().map(|f| {
                PlanParameter {
                    path: f
                        .path
                        .clone()
                        .unwrap_or_else(|| design::DUMMY_COLUMN.into()),
                    discrete: false,
                }
            }))
            .collect();
        PlanFile {
            version: FORMAT_VERSION,
            name: spec.name.clone(),
            design: match spec.design {
                Design::Grid => "grid".into(),
                Design::Lhs { .. } => "lhs".into(),
                Design::Sobol { .. } => "sobol".into(),
                Design::Morris { .. } => "morris".into(),
            },
            parameters,
            outcomes: spec.outcomes.iter().map(plan_outcome).collect(),
            runs: runs.to_vec(),
            sources: None,
        }
    }

    /// Read `dir/plan.json` (input error, exit 2, if absent or malformed).
    pub fn read(dir: &Path) -> Result<PlanFile> {
        let path = dir.join(layout::PLAN);
        let text =
            crate::io::read::try_read_text(&path, crate::io::read::Cap::Plan).map_err(|e| {
                Error::input(
                    &path,
                    format!("cannot read the sweep plan ({e}); is this a sweep output folder?"),
                )
            })?;
        let plan: PlanFile = serde_json::from_str(&text)
            .map_err(|e| Error::input(&path, format!("malformed sweep plan: {e}")))?;
        if plan.version != FORMAT_VERSION {
            let m = format!(
                "plan format {} (this build reads {FORMAT_VERSION})",
                plan.version
            );
            return Err(Error::input(&path, m));
        }
        Ok(plan)
    }

    /// Whether `other` (the new plan) continues this one's work: same
    /// parameters, outcomes and point sources, and every run of this plan is
    /// still in `other` unchanged (same id, values and seed). A plan may so
    /// extend a sweep (more replicates, values added at the end of a list)
    /// and resume it, but never silently drop or redefine finished runs.
    pub fn same_design(&self, other: &PlanFile) -> bool {
        self.parameters == other.parameters
            && self.outcomes == other.outcomes
            && {
                let by_id: std::collections::BTreeMap<&str, &Run> =
                    other.runs.iter().map(|r| (r.run_id.as_str(), r)).collect();
                self.runs
                    .iter()
                    .all(|r| by_id.get(r.run_id.as_str()) == Some(&r))
            }
            && self.sources == other.sources
    }

    /// Write `dir/plan.json`, refusing (unless `force`) a folder that holds
    /// a different design; see [`PlanFile::same_design`].
    pub fn write_checked(&self, dir: &Path, force: bool) -> Result<()> {
        self.write_checked_with(dir, force, None)
    }

    /// [`PlanFile::write_checked`], recording `study` (the design of a
    /// sweep over `[uncertainty]` factors) under the key `study`, where
    /// `airace analyze` reads it back ([`design::PlanStudy::read`]).
    pub fn write_checked_with(
        &self,
        dir: &Path,
        force: bool,
        study: Option<&design::PlanStudy>,
    ) -> Result<()> {
        if !force && dir.join(layout::PLAN).exists() {
            let old = PlanFile::read(dir)?;
            if !old.same_design(self) {
                return Err(Error::Usage(format!(
                    "{} holds a different {} (`{}`: other parameters, outcomes or scenario \
                     files); pass another --out, delete that folder, or pass --force",
                    dir.display(),
                    if old.sources.is_some() {
                        "scenario set"
                    } else {
                        "sweep"
                    },
                    old.name
                )));
            }
        }
        let out_err = |e| Error::output(&dir.join(layout::PLAN), std::io::Error::other(e));
        /// The plan with its study record appended (field order kept).
        #[derive(Serialize)]
        struct WithStudy<'a> {
            #[serde(flatten)]
            plan: &'a PlanFile,
            #[serde(skip_serializing_if = "Option::is_none")]
            study: Option<&'a design::PlanStudy>,
        }
        let doc = WithStudy { plan: self, study };
        let mut json = serde_json::to_vec_pretty(&doc).map_err(out_err)?;
        json.push(b'\n');
        write_atomic(&dir.join(layout::PLAN), &json)
    }
}

fn plan_outcome(o: &Outcome) -> PlanOutcome {
    PlanOutcome {
        metric: o.metric.clone(),
        scope: o.scope.clone(),
        tick: match o.tick {
            OutcomeTick::Last => "last".into(),
            OutcomeTick::At(t) => t.to_string(),
        },
    }
}

#[cfg(test)]
mod tests;
