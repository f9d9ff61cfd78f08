//! Designs for global sensitivity analysis in the sweep file: `sobol` and
//! `morris` beside `grid` and `lhs`, the `[uncertainty]` section they sample,
//! and the record of the design that `plan.json` keeps for `airace analyze`.
//!
//! ```toml
//! keep_runs = false              # default: run folders hold outcomes.json + manifest only
//! uncertainty_file = "../uncertainty.toml"   # or an inline [uncertainty] section
//!
//! [design]
//! kind = "sobol"                 # N base points, a power of two (4..=65536)
//! n = 64
//! second_order = false           # add the BA rows for S2 (2D+2 runs per block instead of D+2)
//! common_seeds = true            # a Saltelli block / Morris trajectory shares one seed
//! # kind = "morris"; trajectories = 20 (2..=10000); levels = 4 (even, 2..=100)
//!
//! [uncertainty]
//! dummy = true                   # a factor the model never reads: the noise yardstick
//! [[uncertainty.factors]]
//! path = "lab_dynamics.talent_elasticity"
//! distribution = "uniform"       # uniform | log_uniform | triangular | discrete
//! range = [0.0, 1.0]
//! source = "chosen (docs/calibration.md: 0-1)"
//! ```
//!
//! Uncertainties and levers stay apart: `[[uncertainty.factors]]` are sampled
//! by the design (Sobol, Morris, LHS; a grid only takes the dummy), while
//! listed `[[parameters]]` values and `[[uncertainty.levers]]` are policy
//! choices *crossed* with the design, so every lever setting sees the very
//! same sampled worlds. Columns of a run's values: `[[parameters]]` in file
//! order, then the levers, then the factors (the dummy last).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::analysis::saltelli::block_len;
use crate::analysis::uncertainty::{DiscreteValue, Distribution, Factor, UncertaintySpec, DUMMY};
use crate::analysis::{sobol_seq, DesignKind};
use crate::error::{Error, Result};
use crate::layout;

use super::spec::{Design, Parameter, SweepSpec, MAX_LHS_POINTS, SEED_KEY};

/// Most Morris trajectories.
pub const MAX_TRAJECTORIES: u32 = 10_000;
/// Most Morris levels.
pub const MAX_LEVELS: u32 = 100;

/// Raw `[design]` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDesign {
    kind: String,
    points: Option<i64>,
    n: Option<i64>,
    second_order: Option<bool>,
    trajectories: Option<i64>,
    levels: Option<i64>,
    common_seeds: Option<bool>,
}

/// Validate `[design]`: the design and whether Sobol/Morris runs share seeds.
pub(crate) fn validate_design(raw: Option<RawDesign>, file: &str) -> Result<(Design, bool)> {
    let Some(raw) = raw else {
        return Ok((Design::Grid, false));
    };
    let err = |key: &str, m: String| Error::config(file, format!("design.{key}"), m);
    let kind = raw.kind.as_str();
    let allowed: &[&str] = match kind {
        "grid" => &[],
        "lhs" => &["points"],
        "sobol" => &["n", "second_order", "common_seeds"],
        "morris" => &["trajectories", "levels", "common_seeds"],
        other => {
            return Err(err(
                "kind",
                format!(
                    "unknown design `{}`; allowed \"grid\", \"lhs\", \"sobol\" or \"morris\"",
                    crate::io::quote::quote(other)
                ),
            ))
        }
    };
    let given = [
        ("points", raw.points.is_some()),
        ("n", raw.n.is_some()),
        ("second_order", raw.second_order.is_some()),
        ("trajectories", raw.trajectories.is_some()),
        ("levels", raw.levels.is_some()),
        ("common_seeds", raw.common_seeds.is_some()),
    ];
    if let Some((key, _)) = given.iter().find(|(k, set)| *set && !allowed.contains(k)) {
        return Err(err(
            key,
            format!("does not apply to kind = \"{kind}\" (it takes: {})", {
                if allowed.is_empty() {
                    "no other keys".to_string()
                } else {
                    allowed.join(", ")
                }
            }),
        ));
    }
    let need = |key: &str, v: Option<i64>, range: &str| {
        v.ok_or_else(|| {
            err(
                key,
                format!("kind = \"{kind}\" needs `{key}`; allowed {range}"),
            )
        })
    };
    let common = raw.common_seeds.unwrap_or(true);
    let design = match kind {
        "grid" => return Ok((Design::Grid, false)),
        "lhs" => {
            let range = format!("1..={MAX_LHS_POINTS}");
            let n = need("points", raw.points, &range)?;
            if !(1..=i64::from(MAX_LHS_POINTS)).contains(&n) {
                return Err(err("points", format!("{n} points; allowed {range}")));
            }
            return Ok((Design::Lhs { points: n as u32 }, false));
        }
        "sobol" => {
            let max = sobol_seq::MAX_POINTS as i64;
            let range = format!("a power of two, 4..={max}");
            let n = need("n", raw.n, &range)?;
            if !(4..=max).contains(&n) || !(n as u64).is_power_of_two() {
                let hint = (n.clamp(4, max) as u64).next_power_of_two();
                return Err(err("n", format!("{n}; allowed {range} (e.g. {hint})")));
            }
            Design::Sobol {
                n: n as u32,
                second_order: raw.second_order.unwrap_or(false),
            }
        }
        _ => {
            let tr = format!("2..={MAX_TRAJECTORIES}");
            let r = need("trajectories", raw.trajectories, &tr)?;
            if !(2..=i64::from(MAX_TRAJECTORIES)).contains(&r) {
                return Err(err("trajectories", format!("{r}; allowed {tr}")));
            }
            let p = raw.levels.unwrap_or(4);
            if !(2..=i64::from(MAX_LEVELS)).contains(&p) || p % 2 != 0 {
                return Err(err(
                    "levels",
                    format!("{p}; allowed an even number 2..={MAX_LEVELS} (4 is usual)"),
                ));
            }
            Design::Morris {
                trajectories: r as u32,
                levels: p as u32,
            }
        }
    };
    Ok((design, common))
}

/// The `[uncertainty]` section, inline or from the file `uncertainty_file`
/// names (relative to the sweep file's folder; any TOML file with an
/// `[uncertainty]` table, a config included). Not both.
pub(crate) fn load_uncertainty(
    inline: Option<toml::Value>,
    named: Option<String>,
    origin: &Path,
    file: &str,
) -> Result<UncertaintySpec> {
    match (inline, named) {
        (Some(_), Some(_)) => Err(Error::config(
            file,
            "uncertainty_file",
            "give either an [uncertainty] section or `uncertainty_file`, not both",
        )),
        (None, None) => Ok(UncertaintySpec::default()),
        (Some(v), None) => {
            let mut doc = toml::Table::new();
            doc.insert("uncertainty".into(), v);
            Ok(UncertaintySpec::parse(&doc.to_string(), file)?)
        }
        (None, Some(name)) => {
            let path = origin.parent().unwrap_or_else(|| Path::new("")).join(&name);
            let text = crate::io::read::try_read_text(&path, crate::io::read::Cap::Config)
                .map_err(|e| {
                    Error::config(
                        file,
                        "uncertainty_file",
                        format!(
                            "cannot read `{}` ({e}); it is resolved relative to the sweep \
                             file's folder",
                            path.display()
                        ),
                    )
                })?;
            Ok(UncertaintySpec::parse(&text, &path.display().to_string())?)
        }
    }
}

/// No config path is set twice: by `sets`, `[[parameters]]`, a lever or a factor.
pub(crate) fn check_columns(
    params: &[Parameter],
    sets: &[(String, String)],
    u: &UncertaintySpec,
    file: &str,
) -> Result<()> {
    let mut seen: Vec<&str> = params.iter().map(|p| p.path.as_str()).collect();
    seen.extend(sets.iter().map(|(_, p)| p.as_str()));
    let named = u
        .levers
        .iter()
        .enumerate()
        .map(|(i, l)| (format!("uncertainty.levers[{i}].path"), l.path.as_str()))
        .chain(u.factors.iter().enumerate().filter_map(|(i, f)| {
            f.path
                .as_deref()
                .map(|p| (format!("uncertainty.factors[{i}].path"), p))
        }));
    for (key, path) in named {
        if path == SEED_KEY {
            return Err(Error::config(
                file,
                key,
                format!("`{SEED_KEY}` is derived per run from `master_seed`"),
            ));
        }
        if seen.contains(&path) {
            return Err(Error::config(
                file,
                key,
                format!("`{path}` is already set or swept elsewhere in this file; keep one"),
            ));
        }
        seen.push(path);
    }
    Ok(())
}

/// Rows of the sampled design per combination of lever values.
pub fn inner_points(spec: &SweepSpec) -> u64 {
    let d = spec.uncertainty.factors.len();
    match spec.design {
        Design::Grid => 1,
        Design::Lhs { points } => u64::from(points),
        Design::Sobol { n, second_order } => u64::from(n) * block_len(d, second_order) as u64,
        Design::Morris { trajectories, .. } => u64::from(trajectories) * (d as u64 + 1),
    }
}

/// The analysis design of a Sobol or Morris sweep.
pub fn design_kind(design: Design) -> Option<DesignKind> {
    match design {
        Design::Sobol { n, second_order } => Some(DesignKind::Saltelli {
            n: n as usize,
            second_order,
        }),
        Design::Morris {
            trajectories,
            levels,
        } => Some(DesignKind::Morris {
            trajectories: trajectories as usize,
            levels: levels as usize,
        }),
        _ => None,
    }
}

/// Seed of the Sobol points or Morris trajectories, from the master seed.
pub fn design_seed(master: u64) -> u64 {
    crate::rng::derive_seed(master, &[0x6465_7369_676E]) // "design"
}

/// Unit-cube rows of a Sobol or Morris design (`None` for grid and LHS).
/// Infallible for a validated spec (N, levels and sizes were checked).
pub fn unit_rows(spec: &SweepSpec) -> Option<Vec<Vec<f64>>> {
    let kind = design_kind(spec.design)?;
    let d = spec.uncertainty.factors.len();
    kind.rows(d, design_seed(spec.master_seed)).ok()
}

/// Config path of every value column (`None` for the dummy, which no run sees).
pub fn column_paths(spec: &SweepSpec) -> Vec<Option<&str>> {
    spec.parameters
        .iter()
        .map(|p| Some(p.path.as_str()))
        .chain(
            spec.uncertainty
                .levers
                .iter()
                .map(|l| Some(l.path.as_str())),
        )
        .chain(spec.uncertainty.factors.iter().map(|f| f.path.as_deref()))
        .collect()
}

// ---------------------------------------------------------------------------
// The design as `plan.json` records it.

/// What `airace analyze` needs to rebuild a study's design: kept in
/// `plan.json` under `study`, next to the runs.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct PlanStudy {
    /// `grid`, `lhs`, `sobol` or `morris`.
    pub kind: String,
    /// Sobol: base sample size N.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<usize>,
    /// Sobol: whether BA rows were run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second_order: Option<bool>,
    /// Morris: trajectories r.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trajectories: Option<usize>,
    /// Morris: levels p.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub levels: Option<usize>,
    /// Seed of the Sobol points / Morris trajectories.
    pub design_seed: u64,
    /// Design rows per lever combination (point = combination × this + row).
    pub points_per_combo: usize,
    /// Whether a block / trajectory shares its seed.
    pub common_seeds: bool,
    /// Index in `plan.parameters` of the first factor column (factors are last).
    pub first_factor: usize,
    /// The sampled factors, in design order.
    pub factors: Vec<PlanFactor>,
    /// The sweep's master seed.
    pub master_seed: u64,
    /// The base config, absolute, so a PRIM box can be written as a runnable sweep.
    pub base: String,
    /// The sweep's fixed `sets`.
    pub sets: Vec<String>,
    /// Replicates per point.
    pub replicates: u32,
}

/// One factor with its distribution, as TOML would give it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct PlanFactor {
    /// Name in tables.
    pub name: String,
    /// Config path (`None` for the dummy).
    pub path: Option<String>,
    /// Distribution name.
    pub distribution: String,
    /// `[min, max]` (continuous).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<[f64; 2]>,
    /// Triangular mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<f64>,
    /// Discrete values as TOML literals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
    /// Where the range comes from.
    pub source: String,
}

impl PlanFactor {
    fn of(f: &Factor) -> PlanFactor {
        let (range, mode, values) = match &f.distribution {
            Distribution::Uniform { min, max } | Distribution::LogUniform { min, max } => {
                (Some([*min, *max]), None, None)
            }
            Distribution::Triangular { min, mode, max } => (Some([*min, *max]), Some(*mode), None),
            Distribution::Discrete(v) => {
                (None, None, Some(v.iter().map(|x| x.to_toml()).collect()))
            }
        };
        PlanFactor {
            name: f.name.clone(),
            path: f.path.clone(),
            distribution: f.distribution.kind().into(),
            range,
            mode,
            values,
            source: f.source.clone(),
        }
    }

    /// Back to the analysis type.
    pub fn factor(&self) -> Factor {
        let [min, max] = self.range.unwrap_or([0.0, 1.0]);
        let distribution = match self.distribution.as_str() {
            "log_uniform" => Distribution::LogUniform { min, max },
            "triangular" => Distribution::Triangular {
                min,
                mode: self.mode.unwrap_or(min),
                max,
            },
            "discrete" => Distribution::Discrete(
                self.values
                    .iter()
                    .flatten()
                    .filter_map(|v| {
                        toml::from_str::<toml::Table>(&format!("v = {v}"))
                            .ok()
                            .and_then(|t| t.get("v").cloned())
                            .and_then(|v| v.try_into::<DiscreteValue>().ok())
                    })
                    .collect(),
            ),
            _ => Distribution::Uniform { min, max },
        };
        Factor {
            name: self.name.clone(),
            path: self.path.clone(),
            distribution,
            source: self.source.clone(),
        }
    }
}

impl PlanStudy {
    /// The record of `spec`'s design (every sweep has one; scenario sets do not).
    pub fn of(spec: &SweepSpec) -> Option<PlanStudy> {
        let (mut n, mut so, mut r, mut p) = (None, None, None, None);
        let kind = match spec.design {
            Design::Grid => "grid",
            Design::Lhs { .. } => "lhs",
            Design::Sobol { n: k, second_order } => {
                (n, so) = (Some(k as usize), Some(second_order));
                "sobol"
            }
            Design::Morris {
                trajectories,
                levels,
            } => {
                (r, p) = (Some(trajectories as usize), Some(levels as usize));
                "morris"
            }
        };
        let base = std::fs::canonicalize(&spec.base).unwrap_or_else(|_| spec.base.clone());
        Some(PlanStudy {
            kind: kind.into(),
            n,
            second_order: so,
            trajectories: r,
            levels: p,
            design_seed: design_seed(spec.master_seed),
            points_per_combo: inner_points(spec) as usize,
            common_seeds: spec.common_seeds && design_kind(spec.design).is_some(),
            first_factor: spec.parameters.len() + spec.uncertainty.levers.len(),
            factors: spec
                .uncertainty
                .factors
                .iter()
                .map(PlanFactor::of)
                .collect(),
            master_seed: spec.master_seed,
            base: base.display().to_string(),
            sets: spec.sets.clone(),
            replicates: spec.replicates,
        })
    }

    /// The analysis design, if Sobol or Morris.
    pub fn design_kind(&self) -> Option<DesignKind> {
        match self.kind.as_str() {
            "sobol" => Some(DesignKind::Saltelli {
                n: self.n?,
                second_order: self.second_order?,
            }),
            "morris" => Some(DesignKind::Morris {
                trajectories: self.trajectories?,
                levels: self.levels?,
            }),
            _ => None,
        }
    }

    /// The factors as an uncertainty spec (levers are plan parameters).
    pub fn uncertainty(&self) -> UncertaintySpec {
        UncertaintySpec {
            factors: self.factors.iter().map(PlanFactor::factor).collect(),
            levers: Vec::new(),
        }
    }

    /// Factor names in design order.
    pub fn factor_names(&self) -> Vec<String> {
        self.factors.iter().map(|f| f.name.clone()).collect()
    }

    /// Read the `study` record of `dir/plan.json` (`None` if it has none).
    pub fn read(dir: &Path) -> Result<Option<PlanStudy>> {
        #[derive(Deserialize)]
        struct Doc {
            #[serde(default)]
            study: Option<PlanStudy>,
        }
        let path = dir.join(layout::PLAN);
        let text = crate::io::read::try_read_text(&path, crate::io::read::Cap::Plan)
            .map_err(|e| Error::input(&path, format!("cannot read the sweep plan ({e})")))?;
        let doc: Doc = serde_json::from_str(&text)
            .map_err(|e| Error::input(&path, format!("malformed study record: {e}")))?;
        Ok(doc.study)
    }
}

/// The name plan parameters give the dummy column.
pub const DUMMY_COLUMN: &str = DUMMY;
