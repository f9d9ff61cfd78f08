//! Sweep files: parse and validate a sweep file into a typed [`SweepSpec`].
//!
//! An analyst asks "vary export policy × China's chip-capacity growth × US
//! grid build rate, 20 replicates each, show me the spread" (NetLogo's
//! BehaviorSpace, Mesa's `batch_run`). This module is the first stage of
//! that: it reads the sweep file and rejects anything ambiguous before a
//! single run starts. [`super::plan`] expands the spec into runs.
//!
//! # The sweep file
//!
//! ```toml
//! name = "export_x_capacity"     # optional; defaults to the file stem
//! base = "../baseline.toml"      # config, relative to this file's folder
//! replicates = 20                # 1..=10000, default 1
//! master_seed = 7                # 0..=2^63-1
//! sets = ["firms.count=2000"]    # fixed overrides for every run
//!
//! [[parameters]]                 # a discrete axis: explicit values
//! path = "policy.us.export[H200_CN].rule"
//! values = ["ban", "license", "allow"]
//!
//! [[parameters]]                 # a continuous parameter
//! path = "chips[Ascend910C].capacity_growth"
//! range = [0.2, 0.8]             # min < max; `log = true`, `integer = true`
//! steps = 4                      # optional: makes it a discrete axis
//!
//! [design]
//! kind = "grid"                  # or "lhs" with `points = 50`
//!
//! [[outcomes]]
//! metric = "frontier_gap_months"
//! scope = "world"                # default "world"
//! tick = "last"                  # or an integer tick; default "last"
//! ```

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::analysis::uncertainty::UncertaintySpec;
use crate::error::{Error, Result};
use crate::math;

/// Hard cap on runs per sweep; a typo like `points = 50000` with 20
/// replicates should fail in milliseconds, not fill a cluster quota.
pub const MAX_RUNS: u64 = 1_000_000;
/// Most replicates per point the file may ask for.
pub const MAX_REPLICATES: u32 = 10_000;
/// Most values a stepped `range` may produce.
pub const MAX_STEPS: u32 = 10_000;
/// Most Latin-hypercube points.
pub const MAX_LHS_POINTS: u32 = 1_000_000;
/// The config key that receives each run's seed. Sweeps may not set it
/// themselves, because the plan derives it per run.
pub const SEED_KEY: &str = "run.seed";

// ---------------------------------------------------------------------------
// Raw layer: what the TOML says, unknown keys rejected.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSweep {
    name: Option<String>,
    base: String,
    replicates: Option<i64>,
    master_seed: i64,
    #[serde(default)]
    sets: Vec<String>,
    #[serde(default)]
    parameters: Vec<RawParameter>,
    design: Option<super::design::RawDesign>,
    #[serde(default)]
    outcomes: Vec<RawOutcome>,
    uncertainty: Option<toml::Value>,
    uncertainty_file: Option<String>,
    keep_runs: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParameter {
    path: String,
    values: Option<Vec<toml::Value>>,
    range: Option<Vec<f64>>,
    log: Option<bool>,
    integer: Option<bool>,
    steps: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutcome {
    metric: String,
    scope: Option<String>,
    tick: Option<toml::Value>,
}

// ---------------------------------------------------------------------------
// Validated layer.

/// A parsed and fully validated sweep file. Holding one means expansion
/// cannot fail: every error is reported up front, before any run starts.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepSpec {
    /// Sweep name; names the output folder, so it is restricted to
    /// letters, digits, `_`, `-` and `.`.
    pub name: String,
    /// The sweep file as given (used in messages and manifests).
    pub file: PathBuf,
    /// The base config, resolved against the sweep file's folder; it exists.
    pub base: PathBuf,
    /// Replicates per point, `1..=MAX_REPLICATES`.
    pub replicates: u32,
    /// Root of every seed in the sweep (`0..=i64::MAX`, a valid TOML integer).
    pub master_seed: u64,
    /// Fixed `key.path=value` overrides applied to every run, before the
    /// swept parameters.
    pub sets: Vec<String>,
    /// Swept parameters in file order (the order of axes and assignments).
    pub parameters: Vec<Parameter>,
    /// How the parameters are combined into points.
    pub design: Design,
    /// What the summariser reports per run; at least one.
    pub outcomes: Vec<Outcome>,
    /// The `[uncertainty]` section (inline or from `uncertainty_file`):
    /// factors the design samples, levers crossed like listed values, and
    /// the optional `dummy` factor. Empty when the file has none.
    pub uncertainty: UncertaintySpec,
    /// Sobol and Morris designs only: every run of a Saltelli block or a
    /// Morris trajectory shares its seed (common random numbers), so the
    /// model's own noise cancels in the differences the estimators take.
    pub common_seeds: bool,
    /// Keep each run's full folder (time series, config); by default a run
    /// folder holds only `outcomes.json` and `manifest.json` (a few KB).
    pub keep_runs: bool,
}

/// One swept config key.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    /// Dotted config path as accepted by `--set`, e.g. `chips[H200].capacity_growth`.
    pub path: String,
    /// The values it takes.
    pub domain: Domain,
}

/// The values a parameter can take.
#[derive(Debug, Clone, PartialEq)]
pub enum Domain {
    /// An explicit, non-empty list without duplicates: a discrete axis.
    Values(Vec<Literal>),
    /// A numeric interval: a discrete axis if stepped, else sampled by LHS.
    Range(RangeSpec),
}

/// A numeric interval for a parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeSpec {
    /// Lower bound (finite, `< max`; `> 0` if `log`; integral if `integer`).
    pub min: f64,
    /// Upper bound (finite).
    pub max: f64,
    /// Spread evenly in log space: for growth rates and costs spanning decades.
    pub log: bool,
    /// Round to whole numbers and emit TOML integers (counts, years).
    pub integer: bool,
    /// `Some(n)`: `n` evenly spaced values, endpoints included (a grid axis).
    /// `None`: sampled by the Latin hypercube.
    pub steps: Option<u32>,
}

/// A grid value exactly as TOML typed it, so it reaches the config with
/// the same type (the string `"1"` and the integer `1` differ there).
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// A TOML string.
    String(String),
    /// A TOML integer.
    Integer(i64),
    /// A TOML float.
    Float(f64),
    /// A TOML boolean.
    Boolean(bool),
}

/// How parameters combine into points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Design {
    /// Full cartesian product of the discrete axes.
    Grid,
    /// A Latin hypercube over the sampled ranges, crossed with the discrete axes.
    Lhs {
        /// Points in the hypercube (`1..=MAX_LHS_POINTS`).
        points: u32,
    },
    /// A Saltelli design over the `[uncertainty]` factors (for Sobol
    /// indices), crossed with the discrete axes.
    Sobol {
        /// Base sample size N, a power of two.
        n: u32,
        /// Add the BA rows needed for second-order indices.
        second_order: bool,
    },
    /// Morris trajectories over the `[uncertainty]` factors, crossed with
    /// the discrete axes.
    Morris {
        /// Number of trajectories r.
        trajectories: u32,
        /// Grid levels p (even).
        levels: u32,
    },
}

/// A quantity to summarise per run, read from `timeseries.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The `metric` column value, e.g. `frontier_gap_months`.
    pub metric: String,
    /// The `scope` column value, e.g. `world`, `US`, `CN-East`.
    pub scope: String,
    /// Which tick's value to report.
    pub tick: OutcomeTick,
}

/// The tick an outcome is read at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutcomeTick {
    /// The last tick the run produced (robust to horizon changes).
    Last,
    /// A fixed tick (0 = the first quarter).
    At(u32),
}

impl Literal {
    /// The value as a TOML literal, ready for the right-hand side of `--set`.
    pub fn to_toml(&self) -> String {
        match self {
            Literal::String(s) => string_literal(s),
            Literal::Integer(i) => i.to_string(),
            Literal::Float(x) => float_literal(*x),
            Literal::Boolean(b) => b.to_string(),
        }
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_toml())
    }
}

impl SweepSpec {
    /// Number of parameter points (saturating), before replicates.
    pub fn point_count(&self) -> u64 {
        let lhs = super::design::inner_points(self);
        self.parameters
            .iter()
            .filter_map(|p| axis_len(&p.domain))
            .fold(lhs, u64::saturating_mul)
    }

    /// Total runs, points × replicates (saturating).
    pub fn run_count(&self) -> u64 {
        self.point_count()
            .saturating_mul(u64::from(self.replicates))
    }
}

/// Values on a discrete axis, or `None` for a sampled range.
fn axis_len(domain: &Domain) -> Option<u64> {
    match domain {
        Domain::Values(v) => Some(v.len() as u64),
        Domain::Range(r) => r.steps.map(u64::from),
    }
}

// ---------------------------------------------------------------------------
// Loading and validation.

/// Refuse outcomes naming a (metric, scope) pair a run of `config` does not
/// record, before anything runs. The pairs come from simulating one tick of
/// `config` in memory (with at most 2,000 firms: the pairs depend on the
/// countries, markets and labs, not on the firm count), so the check follows
/// the model rather than a list kept by hand.
pub fn check_outcomes_recorded(spec: &SweepSpec, config: &crate::config::Config) -> Result<()> {
    let mut probe = config.clone();
    probe.firms.count = probe.firms.count.min(2_000);
    probe.run.ticks = 1;
    probe.schedule.retain(|e| e.tick < 1);
    let mut sim = crate::simulation::Simulation::new(probe);
    crate::simulation::with_threads(Some(1), || sim.step())??;
    let ts = &sim.timeseries;
    let file = spec.file.display().to_string();
    for (i, o) in spec.outcomes.iter().enumerate() {
        let scopes = ts.scopes_of(&o.metric);
        let why = if scopes.is_empty() {
            let mut metrics: Vec<&str> = ts.rows().iter().map(|r| &*r.metric).collect();
            metrics.sort_unstable();
            metrics.dedup();
            format!(
                "a run records no metric `{}` (known: {})",
                crate::io::quote::quote(&o.metric),
                metrics.join(", ")
            )
        } else if !scopes.contains(&o.scope) {
            format!(
                "`{}` has no scope `{}` (known: {})",
                o.metric,
                crate::io::quote::quote(&o.scope),
                scopes.join(", ")
            )
        } else {
            continue;
        };
        return Err(Error::config(&file, format!("outcomes[{i}]"), why));
    }
    Ok(())
}

/// Read and validate a sweep file. I/O failures are input errors (exit 2)
/// naming the file; everything else is as in [`parse_sweep`].
pub fn load_sweep(path: &Path) -> Result<SweepSpec> {
    let text = crate::io::read::try_read_text(path, crate::io::read::Cap::Config)
        .map_err(|e| Error::input(path, format!("sweep file: {e}")))?;
    parse_sweep(&text, path)
}

/// Validate sweep text as if it were the file `origin` (which need not
/// exist; `base` is resolved against its folder and must). Parsing from a
/// string keeps tests free of fixture files.
pub fn parse_sweep(text: &str, origin: &Path) -> Result<SweepSpec> {
    let file = origin.display().to_string();
    if let Err(e) = text.parse::<toml::Table>() {
        let line = e.span().map_or(1, |s| line_of(text, s.start));
        let msg = format!("TOML syntax error: {}", one_line(e.message()));
        return Err(Error::input_at(origin, line, msg));
    }
    let raw: RawSweep = serde_path_to_error::deserialize(toml::Deserializer::new(text))
        .map_err(|e| structure_error(&file, text, e))?;
    validate(raw, origin, &file)
}

/// Map a serde error to the dotted key it concerns (with the line).
fn structure_error(
    file: &str,
    text: &str,
    e: serde_path_to_error::Error<toml::de::Error>,
) -> Error {
    let mut key = e.path().to_string();
    if key == "." {
        key.clear();
    }
    let msg = one_line(e.inner().message());
    if let Some(field) = msg
        .strip_prefix("missing field `")
        .and_then(|r| r.split('`').next())
    {
        key = if key.is_empty() {
            field.to_string()
        } else {
            format!("{key}.{field}")
        };
    }
    let line = e
        .inner()
        .span()
        .map(|s| format!(" (line {})", line_of(text, s.start)));
    Error::config(file, key, format!("{msg}{}", line.unwrap_or_default()))
}

fn line_of(text: &str, offset: usize) -> u64 {
    let upto = text.get(..offset).unwrap_or(text);
    upto.bytes().filter(|&b| b == b'\n').count() as u64 + 1
}

fn one_line(s: &str) -> String {
    s.trim().replace('\n', "; ")
}

fn validate(raw: RawSweep, origin: &Path, file: &str) -> Result<SweepSpec> {
    let err = |key: &str, msg: String| Error::config(file, key, msg);
    let name = validate_name(raw.name, origin).map_err(|m| err("name", m))?;
    let replicates = raw.replicates.unwrap_or(1);
    if !(1..=i64::from(MAX_REPLICATES)).contains(&replicates) {
        let m = format!("{replicates} replicates; allowed 1..={MAX_REPLICATES}");
        return Err(err("replicates", m));
    }
    if raw.master_seed < 0 {
        let m = format!("{} is negative; allowed 0..={}", raw.master_seed, i64::MAX);
        return Err(err("master_seed", m));
    }
    let sets = validate_sets(raw.sets, file)?;
    let (design, common_seeds) = super::design::validate_design(raw.design, file)?;
    let parameters = validate_parameters(raw.parameters, &sets, file)?;
    let uncertainty =
        super::design::load_uncertainty(raw.uncertainty, raw.uncertainty_file, origin, file)?;
    super::design::check_columns(&parameters, &sets, &uncertainty, file)?;
    check_design_fits(design, &parameters, &uncertainty, file)?;
    let outcomes = validate_outcomes(raw.outcomes, file)?;
    let base = resolve_base(&raw.base, origin).map_err(|m| err("base", m))?;
    let spec = SweepSpec {
        name,
        file: origin.to_path_buf(),
        base,
        replicates: replicates as u32,
        master_seed: raw.master_seed as u64,
        sets: sets.into_iter().map(|(s, _)| s).collect(),
        parameters,
        design,
        outcomes,
        uncertainty,
        common_seeds,
        keep_runs: raw.keep_runs.unwrap_or(false),
    };
    check_size(&spec, file)?;
    Ok(spec)
}

/// The name becomes a folder under `output/`, so keep it path-safe.
fn validate_name(name: Option<String>, origin: &Path) -> std::result::Result<String, String> {
    let (name, source) = match name {
        Some(n) => (n, "name"),
        None => {
            let stem = origin.file_stem().map(|s| s.to_string_lossy().into_owned());
            (stem.unwrap_or_default(), "the default name (the file stem)")
        }
    };
    let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    if name.is_empty() || name.starts_with('.') || name.len() > 100 || !name.chars().all(ok_char) {
        return Err(format!(
            "{source} `{name}` cannot name an output folder; allowed: 1 to 100 of \
             A-Z a-z 0-9 _ - . (not starting with `.`)"
        ));
    }
    Ok(name)
}

fn resolve_base(base: &str, origin: &Path) -> std::result::Result<PathBuf, String> {
    let dir = origin.parent().unwrap_or_else(|| Path::new(""));
    let resolved = dir.join(base);
    if base.trim().is_empty() || !resolved.is_file() {
        return Err(format!(
            "config file `{}` not found; `base` is resolved relative to the sweep file's folder",
            resolved.display()
        ));
    }
    Ok(resolved)
}

/// Reasons a dotted config path is malformed, or `Ok` if it looks usable.
/// The config loader does the real resolution; this only catches typos
/// that could never resolve, so they fail before the sweep starts.
fn check_path(path: &str) -> std::result::Result<(), String> {
    if path.is_empty() {
        return Err("path is empty".into());
    }
    if path.contains('=') {
        return Err(format!(
            "path `{path}` contains `=`; give the path alone",
            path = crate::io::quote::quote(path)
        ));
    }
    if path.chars().any(char::is_whitespace) {
        return Err(format!(
            "path `{path}` contains whitespace",
            path = crate::io::quote::quote(path)
        ));
    }
    let empty_segment = path.starts_with(['.', '['])
        || path.ends_with('.')
        || path.contains("..")
        || path.contains(".[");
    if empty_segment {
        return Err(format!(
            "path `{path}` has an empty segment",
            path = crate::io::quote::quote(path)
        ));
    }
    check_brackets(path)
        .map_err(|why| format!("path `{path}` {why}; expected e.g. `chips[H200].capacity_growth`"))
}

/// `[...]` selectors: not nested, not empty, no `.` inside, and followed by
/// `.`, `[` or the end.
fn check_brackets(path: &str) -> std::result::Result<(), &'static str> {
    let mut open = false;
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '[' if open => return Err("nests `[`"),
            '[' if chars.peek() == Some(&']') => return Err("has an empty `[]`"),
            '[' => open = true,
            ']' if !open => return Err("has `]` without `[`"),
            ']' if !matches!(chars.peek(), None | Some('.') | Some('[')) => {
                return Err("has text right after `]`")
            }
            ']' => open = false,
            '.' if open => return Err("has `.` inside `[...]`"),
            _ => {}
        }
    }
    if open {
        return Err("has an unclosed `[`");
    }
    Ok(())
}

/// Check `sets` entries; returns each entry with its path.
fn validate_sets(sets: Vec<String>, file: &str) -> Result<Vec<(String, String)>> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(sets.len());
    for (i, entry) in sets.into_iter().enumerate() {
        let err = |m: String| Error::config(file, format!("sets[{i}]"), m);
        let Some((path, value)) = entry.split_once('=') else {
            return Err(err(format!(
                "`{entry}` is not of the form `key.path=value`"
            )));
        };
        check_path(path).map_err(err)?;
        if path == SEED_KEY {
            return Err(err(format!(
                "`{SEED_KEY}` is derived per run from `master_seed`"
            )));
        }
        if format!("v = {value}").parse::<toml::Table>().is_err() {
            return Err(err(format!(
                "value `{value}` is not a TOML literal (quote strings: `\"text\"`)"
            )));
        }
        if !seen.insert(path.to_string()) {
            return Err(err(format!("`{path}` is set twice")));
        }
        let path = path.to_string();
        out.push((entry, path));
    }
    Ok(out)
}

fn validate_parameters(
    raw: Vec<RawParameter>,
    sets: &[(String, String)],
    file: &str,
) -> Result<Vec<Parameter>> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(raw.len());
    for (i, p) in raw.into_iter().enumerate() {
        let prefix = format!("parameters[{i}]");
        let err = |m: String| Error::config(file, format!("{prefix}.path"), m);
        check_path(&p.path).map_err(err)?;
        if p.path == SEED_KEY {
            return Err(err(format!(
                "`{SEED_KEY}` is derived per run; vary `replicates` or `master_seed` instead"
            )));
        }
        if sets.iter().any(|(_, s)| *s == p.path) {
            return Err(err(format!(
                "`{}` is also fixed in `sets`; keep one",
                p.path
            )));
        }
        if !seen.insert(p.path.clone()) {
            return Err(err(format!("`{}` appears twice in [[parameters]]", p.path)));
        }
        let domain = validate_domain(&p, &prefix, file)?;
        out.push(Parameter {
            path: p.path,
            domain,
        });
    }
    Ok(out)
}

fn validate_domain(p: &RawParameter, prefix: &str, file: &str) -> Result<Domain> {
    let err = |key: &str, m: &str| Error::config(file, format!("{prefix}{key}"), m);
    match (&p.values, &p.range) {
        (Some(_), Some(_)) => Err(err("", "give either `values` or `range`, not both")),
        (None, None) => Err(err("", "needs `values = [...]` or `range = [min, max]`")),
        (Some(values), None) => {
            for (key, set) in [("log", p.log.is_some()), ("integer", p.integer.is_some())] {
                if set {
                    return Err(err(&format!(".{key}"), "applies only to `range`"));
                }
            }
            if p.steps.is_some() {
                return Err(err(".steps", "applies only to `range`"));
            }
            validate_values(values, prefix, file).map(Domain::Values)
        }
        (None, Some(range)) => validate_range(p, range, prefix, file).map(Domain::Range),
    }
}

fn validate_values(values: &[toml::Value], prefix: &str, file: &str) -> Result<Vec<Literal>> {
    if values.is_empty() {
        let key = format!("{prefix}.values");
        return Err(Error::config(
            file,
            key,
            "is empty; give at least one value",
        ));
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(values.len());
    for (j, v) in values.iter().enumerate() {
        let err = |m: String| Error::config(file, format!("{prefix}.values[{j}]"), m);
        let lit = match v {
            toml::Value::String(s) => Literal::String(s.clone()),
            toml::Value::Integer(i) => Literal::Integer(*i),
            toml::Value::Float(x) => Literal::Float(*x),
            toml::Value::Boolean(b) => Literal::Boolean(*b),
            other => {
                return Err(err(format!(
                    "a {} is not allowed; allowed: string, integer, float, boolean",
                    other.type_str()
                )))
            }
        };
        if !seen.insert(lit.to_toml()) {
            return Err(err(format!("duplicate value {lit}")));
        }
        out.push(lit);
    }
    Ok(out)
}

fn validate_range(p: &RawParameter, range: &[f64], prefix: &str, file: &str) -> Result<RangeSpec> {
    let err = |key: &str, m: String| Error::config(file, format!("{prefix}.{key}"), m);
    let &[min, max] = range else {
        return Err(err(
            "range",
            format!("has {} numbers; give [min, max]", range.len()),
        ));
    };
    if !(min.is_finite() && max.is_finite() && min < max) {
        return Err(err(
            "range",
            format!("[{min}, {max}]: need finite min < max"),
        ));
    }
    let (log, integer) = (p.log.unwrap_or(false), p.integer.unwrap_or(false));
    if log && min <= 0.0 {
        return Err(err(
            "range",
            format!("min {min} with log = true; allowed min > 0"),
        ));
    }
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53: integers beyond are not exact
    if integer
        && [min, max]
            .iter()
            .any(|v| v.fract() != 0.0 || v.abs() > EXACT)
    {
        return Err(err(
            "range",
            format!("[{min}, {max}] with integer = true; need whole numbers within ±2^53"),
        ));
    }
    let steps = match p.steps {
        None => None,
        Some(s) if (2..=i64::from(MAX_STEPS)).contains(&s) => Some(s as u32),
        Some(s) => return Err(err("steps", format!("{s}; allowed 2..={MAX_STEPS}"))),
    };
    let spec = RangeSpec {
        min,
        max,
        log,
        integer,
        steps,
    };
    let values = stepped_values(&spec);
    if values.iter().collect::<BTreeSet<_>>().len() != values.len() {
        return Err(err(
            "steps",
            format!(
                "{} rounds to repeated integers in [{min}, {max}]; use fewer steps",
                steps.unwrap_or(0)
            ),
        ));
    }
    Ok(spec)
}

fn check_design_fits(
    design: Design,
    params: &[Parameter],
    uncertainty: &UncertaintySpec,
    file: &str,
) -> Result<()> {
    let sampled = |p: &Parameter| matches!(p.domain, Domain::Range(RangeSpec { steps: None, .. }));
    let real_factor = uncertainty.factors.iter().position(|f| !f.is_dummy());
    match design {
        Design::Grid => match (params.iter().position(sampled), real_factor) {
            (Some(i), _) => Err(Error::config(
                file,
                format!("parameters[{i}].range"),
                format!(
                    "a grid needs a finite list: add `steps = n` (2..={MAX_STEPS}), use \
                     `values`, or sample it with [design] kind = \"lhs\""
                ),
            )),
            (None, Some(i)) => Err(Error::config(
                file,
                format!("uncertainty.factors[{i}]"),
                "a grid does not sample [uncertainty] factors; use [design] kind = \"lhs\", \
                 \"sobol\" or \"morris\" (only `dummy = true` goes with a grid)",
            )),
            (None, None) => Ok(()),
        },
        Design::Lhs { .. } if !params.iter().any(sampled) && uncertainty.factors.is_empty() => {
            Err(Error::config(
                file,
                "design.kind",
                "\"lhs\" samples `range` parameters without `steps` and [uncertainty] factors, \
                 and there are none; use kind = \"grid\"",
            ))
        }
        Design::Lhs { .. } => Ok(()),
        Design::Sobol { .. } | Design::Morris { .. } => {
            if let Some(i) = params.iter().position(sampled) {
                return Err(Error::config(
                    file,
                    format!("parameters[{i}].range"),
                    "a sobol or morris design samples only [uncertainty] factors; move this \
                     range to [[uncertainty.factors]] (with its distribution and source), or \
                     give it `steps` to make it a lever crossed with the design",
                ));
            }
            if uncertainty.factors.is_empty() {
                return Err(Error::config(
                    file,
                    "uncertainty.factors",
                    "a sobol or morris design needs at least one [[uncertainty.factors]] \
                     (or `dummy = true`)",
                ));
            }
            Ok(())
        }
    }
}

fn validate_outcomes(raw: Vec<RawOutcome>, file: &str) -> Result<Vec<Outcome>> {
    if raw.is_empty() {
        return Err(Error::config(
            file,
            "outcomes",
            "no outcomes; add at least one [[outcomes]] with `metric`",
        ));
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(raw.len());
    for (i, o) in raw.into_iter().enumerate() {
        let err = |key: &str, m: String| Error::config(file, format!("outcomes[{i}].{key}"), m);
        let scope = o.scope.unwrap_or_else(|| "world".to_string());
        for (key, v) in [("metric", &o.metric), ("scope", &scope)] {
            if v.is_empty() || v.chars().any(char::is_whitespace) {
                return Err(err(
                    key,
                    format!(
                        "`{v}`: need a non-empty name without spaces",
                        v = crate::io::quote::quote(v)
                    ),
                ));
            }
        }
        let tick = match o.tick {
            None => OutcomeTick::Last,
            Some(toml::Value::String(s)) if s == "last" => OutcomeTick::Last,
            Some(toml::Value::Integer(t)) if (0..=i64::from(u32::MAX)).contains(&t) => {
                OutcomeTick::At(t as u32)
            }
            Some(v) => {
                let m = format!("{v}; allowed \"last\" or an integer tick 0..={}", u32::MAX);
                return Err(err("tick", m));
            }
        };
        if !seen.insert((o.metric.clone(), scope.clone(), format!("{tick:?}"))) {
            return Err(err(
                "metric",
                format!(
                    "duplicate outcome `{}` at {scope}",
                    crate::io::quote::quote(&o.metric)
                ),
            ));
        }
        out.push(Outcome {
            metric: o.metric,
            scope,
            tick,
        });
    }
    Ok(out)
}

fn check_size(spec: &SweepSpec, file: &str) -> Result<()> {
    let runs = spec.run_count();
    if runs > MAX_RUNS {
        return Err(Error::config(
            file,
            "design",
            format!(
                "TooLarge: {} points × {} replicates = {runs} runs; allowed at most {MAX_RUNS} \
                 (use fewer values, steps, points or replicates)",
                spec.point_count(),
                spec.replicates
            ),
        ));
    }
    Ok(())
}

pub(crate) fn number_literal(x: f64, integer: bool) -> String {
    if integer {
        (x.round() as i64).to_string()
    } else {
        float_literal(x)
    }
}

/// Shortest round-trip float text that TOML reads back as a float: Rust's
/// `Debug` always keeps a `.` or an exponent (`1.0`, `0.5`, `1e-7`, `1e20`);
/// non-finite values use TOML's `nan`/`inf` spellings.
pub(crate) fn float_literal(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    let s = format!("{x:?}");
    if s.contains(['.', 'e', 'E']) {
        s
    } else {
        s + ".0"
    }
}

/// A TOML basic string with the escapes TOML requires.
pub(crate) fn string_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The values of a stepped range, endpoints exact. Interior values are
/// rounded to 12 significant digits so literals read `0.4`, not
/// `0.39999999999999997`.
pub(crate) fn stepped_values(r: &RangeSpec) -> Vec<String> {
    let steps = r.steps.unwrap_or(2).max(2);
    (0..steps)
        .map(|k| {
            let x = if k == 0 {
                r.min
            } else if k == steps - 1 {
                r.max
            } else {
                let t = f64::from(k) / f64::from(steps - 1);
                let x = interpolate(r.min, r.max, r.log, t);
                format!("{x:.11e}").parse().unwrap_or(x)
            };
            number_literal(x, r.integer)
        })
        .collect()
}

/// A point `t` of the way from `lo` to `hi`, geometrically when `log`.
pub(crate) fn interpolate(lo: f64, hi: f64, log: bool, t: f64) -> f64 {
    if log {
        math::exp(math::ln(lo) + t * (math::ln(hi) - math::ln(lo)))
    } else {
        lo + t * (hi - lo)
    }
}
