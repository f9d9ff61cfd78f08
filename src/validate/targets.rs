//! Observed figures as data: `configs/targets/*.toml`.
//!
//! Each entry names what a source measured (a metric and scope the model
//! writes, a quarter or a window of quarters, how the window is reduced), the
//! observed value and the range it is trusted to, and in words how the
//! model's observable maps onto the source's measure. Keeping targets in data
//! rather than in test code means anyone can add or challenge a figure without
//! touching Rust, and the score follows the file.
//!
//! Every check that can fail on a target file runs before anything is
//! written, and every failure is a [`TargetError`] that names the file and the
//! entry, so a typo in a metric name is a clear exit 2 rather than a silent
//! "no data" in the chart.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Whether a target was used to set an input (fit) or is held out to check the model.
#[derive(Deserialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Use {
    /// An input of `configs/history.toml` was set so the model reproduces this figure:
    /// matching it proves nothing, missing it shows a broken fit.
    Fit,
    /// Held out: nothing was set from it, so matching it is evidence.
    Check,
}

impl Use {
    /// The word used in files and reports.
    pub fn label(self) -> &'static str {
        match self {
            Use::Fit => "fit",
            Use::Check => "check",
        }
    }
}

/// How the per-quarter observable is turned into one number over the window.
#[derive(Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Reduce {
    /// Mean over the quarters of the window (a survey or a year's average).
    #[default]
    Mean,
    /// The value in the window's last quarter.
    Last,
    /// Last minus first (e.g. capacity added during a year).
    Change,
    /// Last over first (e.g. a stock's growth factor).
    Growth,
    /// (Last minus first) per year of window (e.g. orders of magnitude a year).
    ChangePerYear,
}

/// One target as written in the file.
#[derive(Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Unique id across all target files, e.g. `btos_us_2024q1`.
    pub id: String,
    /// Fit or check.
    #[serde(rename = "use")]
    pub use_: Use,
    /// Metric name as in `timeseries.csv`.
    pub metric: String,
    /// Scope as in `timeseries.csv`.
    pub scope: String,
    /// A single quarter, e.g. `2024Q1` (give this or `window`).
    #[serde(default)]
    pub period: Option<String>,
    /// First and last quarter of a window, inclusive.
    #[serde(default)]
    pub window: Option<[String; 2]>,
    /// How the window is reduced (default `mean`).
    #[serde(default)]
    pub reduce: Reduce,
    /// Add these `metric@scope` terms each quarter (e.g. a world total from the blocs).
    #[serde(default)]
    pub plus: Vec<String>,
    /// Divide by the sum of these `metric@scope` terms each quarter (a share).
    #[serde(default)]
    pub share_of: Vec<String>,
    /// Multiplies the model's observable to express it in the source's measure
    /// (e.g. survey wordings); 1 by default.
    #[serde(default = "one")]
    pub factor: f64,
    /// The observed value, in the source's measure.
    pub value: f64,
    /// The range the observed value is trusted to (source error plus mapping error).
    pub range: [f64; 2],
    /// Where the figure comes from.
    pub source: String,
    /// How the model's observable maps onto what the source measured.
    pub mapping: String,
}

fn one() -> f64 {
    1.0
}

/// A target file: an area (for grouping in the chart) and its entries.
#[derive(Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TargetFile {
    /// Area of the model the figures speak to (firms, compute, chips, power, downloads, frontier).
    pub area: String,
    /// The entries.
    #[serde(rename = "target")]
    pub targets: Vec<Target>,
}

/// A target with where it came from and its window resolved to ticks.
#[derive(Clone, Debug, PartialEq)]
pub struct Resolved {
    /// The entry as written.
    pub target: Target,
    /// Area of its file.
    pub area: String,
    /// The file it came from.
    pub file: PathBuf,
    /// First tick of the window.
    pub first: u32,
    /// Last tick of the window (inclusive).
    pub last: u32,
    /// Added terms parsed as (metric, scope).
    pub plus: Vec<(String, String)>,
    /// Denominator terms parsed as (metric, scope).
    pub share_of: Vec<(String, String)>,
}

/// What is wrong with a target entry.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TargetProblem {
    /// The file is not valid TOML or does not match the schema.
    #[error("{0}")]
    Syntax(String),
    /// No run of this config writes the metric.
    #[error("unknown metric `{0}` (the run writes: {1})")]
    UnknownMetric(String, String),
    /// The metric exists but not for this scope.
    #[error("metric `{0}` has no scope `{1}` (it has: {2})")]
    UnknownScope(String, String, String),
    /// The period is malformed or outside the run.
    #[error("period `{0}` is not a quarter of this run ({1})")]
    UnknownPeriod(String, String),
    /// Anything else: bad range, missing period, duplicate id…
    #[error("{0}")]
    Invalid(String),
}

/// A bad target: the file, the entry, and what is wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}: target `{entry}`: {problem}", file.display())]
pub struct TargetError {
    /// The target file.
    pub file: PathBuf,
    /// The entry's id (or its position when it has none).
    pub entry: String,
    /// What is wrong.
    pub problem: TargetProblem,
}

impl From<TargetError> for crate::Error {
    /// Bad targets are bad input: exit 2, nothing written.
    fn from(e: TargetError) -> Self {
        crate::Error::config(
            e.file.display().to_string(),
            format!("target `{}`", e.entry),
            e.problem.to_string(),
        )
    }
}

/// The calendar and the (metric, scope) pairs a run of the config writes.
#[derive(Clone, Debug, Default)]
pub struct RunShape {
    /// Year of tick 0.
    pub start_year: i32,
    /// Quarter of tick 0 (1–4).
    pub start_quarter: u32,
    /// Ticks in the run.
    pub ticks: u32,
    /// Every (metric, scope) the run writes.
    pub pairs: BTreeSet<(String, String)>,
}

impl RunShape {
    /// Tick of a period label like `2024Q3`, if it is a quarter of this run.
    pub fn tick_of(&self, period: &str) -> Option<u32> {
        let (y, q) = period.split_once('Q')?;
        let y: i32 = y.parse().ok()?;
        let q: u32 = q.parse().ok()?;
        if !(1..=4).contains(&q) {
            return None;
        }
        let t = (y - self.start_year) * 4 + q as i32 - self.start_quarter as i32;
        (0..self.ticks as i32).contains(&t).then_some(t as u32)
    }

    fn span(&self) -> String {
        let p = |t| crate::io::timeseries::period_label(self.start_year, self.start_quarter, t);
        format!("{}..{}", p(0), p(self.ticks.saturating_sub(1)))
    }
}

/// Read every `*.toml` in `dir` (sorted by name) and check each entry against `shape`.
pub fn load_dir(dir: &Path, shape: &RunShape) -> Result<Vec<Resolved>, TargetError> {
    let bad = |p: String| TargetError {
        file: dir.to_path_buf(),
        entry: "(folder)".into(),
        problem: TargetProblem::Invalid(p),
    };
    let entries = std::fs::read_dir(dir).map_err(|e| bad(format!("cannot read: {e}")))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(bad("no target files (*.toml)".into()));
    }
    let mut out = Vec::new();
    for f in &files {
        let text =
            crate::io::read::try_read_text(f, crate::io::read::Cap::Config).map_err(|e| {
                TargetError {
                    file: f.clone(),
                    entry: "(file)".into(),
                    problem: TargetProblem::Invalid(e.to_string()),
                }
            })?;
        out.extend(parse(&text, f, shape)?);
    }
    let mut seen = BTreeSet::new();
    for r in &out {
        if !seen.insert(r.target.id.clone()) {
            return Err(TargetError {
                file: r.file.clone(),
                entry: r.target.id.clone(),
                problem: TargetProblem::Invalid(
                    "duplicate id (ids are unique across files)".into(),
                ),
            });
        }
    }
    Ok(out)
}

/// Parse one target file's text and check every entry against `shape`.
pub fn parse(text: &str, file: &Path, shape: &RunShape) -> Result<Vec<Resolved>, TargetError> {
    let parsed: TargetFile = toml::from_str(text).map_err(|e| TargetError {
        file: file.to_path_buf(),
        entry: entry_of_syntax_error(text, &e),
        problem: TargetProblem::Syntax(e.message().to_string()),
    })?;
    parsed
        .targets
        .iter()
        .map(|t| resolve(t, &parsed.area, file, shape))
        .collect()
}

/// The id of the `[[target]]` block a syntax error falls in, if any.
fn entry_of_syntax_error(text: &str, e: &toml::de::Error) -> String {
    let Some(at) = e.span().map(|s| s.start) else {
        return "(file)".into();
    };
    let before = &text[..at.min(text.len())];
    let block = before.rfind("[[target]]").map(|i| &text[i..]);
    let id = block.and_then(|b| {
        b.lines()
            .find_map(|l| l.trim().strip_prefix("id").map(str::trim))
            .and_then(|l| l.strip_prefix('='))
            .map(|v| v.trim().trim_matches('"').to_string())
    });
    id.unwrap_or_else(|| "(file)".into())
}

fn resolve(t: &Target, area: &str, file: &Path, shape: &RunShape) -> Result<Resolved, TargetError> {
    let err = |problem| TargetError {
        file: file.to_path_buf(),
        entry: if t.id.is_empty() {
            "(no id)".into()
        } else {
            t.id.clone()
        },
        problem,
    };
    let invalid = |m: &str| err(TargetProblem::Invalid(m.to_string()));
    if t.id.trim().is_empty() || t.source.trim().is_empty() || t.mapping.trim().is_empty() {
        return Err(invalid("id, source and mapping must not be empty"));
    }
    check_pair(&t.metric, &t.scope, shape).map_err(err)?;
    let terms = |list: &[String]| {
        list.iter()
            .map(|term| {
                let (m, s) = term.split_once('@').ok_or_else(|| {
                    invalid(&format!(
                        "term `{term}` is not `metric@scope`",
                        term = crate::io::quote::quote(term)
                    ))
                })?;
                check_pair(m, s, shape).map_err(err)?;
                Ok((m.to_string(), s.to_string()))
            })
            .collect::<Result<Vec<_>, TargetError>>()
    };
    let plus = terms(&t.plus)?;
    let share_of = terms(&t.share_of)?;
    let (first, last) = match (&t.period, &t.window) {
        (Some(p), None) => {
            let k = tick(p, shape).map_err(err)?;
            (k, k)
        }
        (None, Some([a, b])) => (tick(a, shape).map_err(err)?, tick(b, shape).map_err(err)?),
        _ => return Err(invalid("give exactly one of `period` or `window`")),
    };
    let [lo, hi] = t.range;
    if !(first <= last && lo <= t.value && t.value <= hi && t.factor.is_finite() && t.factor > 0.0)
    {
        return Err(invalid(
            "need window start <= end, range[0] <= value <= range[1], factor > 0",
        ));
    }
    if matches!(
        t.reduce,
        Reduce::Change | Reduce::Growth | Reduce::ChangePerYear
    ) && first == last
    {
        return Err(invalid(
            "change, growth and change_per_year need a window of 2+ quarters",
        ));
    }
    Ok(Resolved {
        target: t.clone(),
        area: area.to_string(),
        file: file.to_path_buf(),
        first,
        last,
        plus,
        share_of,
    })
}

fn tick(period: &str, shape: &RunShape) -> Result<u32, TargetProblem> {
    shape
        .tick_of(period)
        .ok_or_else(|| TargetProblem::UnknownPeriod(period.to_string(), shape.span()))
}

fn check_pair(metric: &str, scope: &str, shape: &RunShape) -> Result<(), TargetProblem> {
    let scopes: Vec<&str> = shape
        .pairs
        .iter()
        .filter(|(m, _)| m == metric)
        .map(|(_, s)| s.as_str())
        .collect();
    if scopes.is_empty() {
        let mut metrics: Vec<&str> = shape.pairs.iter().map(|(m, _)| m.as_str()).collect();
        metrics.dedup();
        return Err(TargetProblem::UnknownMetric(
            metric.into(),
            metrics.join(", "),
        ));
    }
    if !scopes.contains(&scope) {
        let shown: Vec<&str> = scopes.iter().take(12).copied().collect();
        let more = if scopes.len() > 12 { ", …" } else { "" };
        return Err(TargetProblem::UnknownScope(
            metric.into(),
            scope.into(),
            format!("{}{more}", shown.join(", ")),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape() -> RunShape {
        let pairs = [("adoption_share", "US"), ("adoption_share", "CN")]
            .iter()
            .map(|(m, s)| (m.to_string(), s.to_string()))
            .collect();
        RunShape {
            start_year: 2023,
            start_quarter: 1,
            ticks: 12,
            pairs,
        }
    }

    const OK: &str = r#"
area = "firms"
[[target]]
id = "a"
use = "check"
metric = "adoption_share"
scope = "US"
period = "2024Q1"
value = 0.05
range = [0.04, 0.06]
source = "s"
mapping = "m"
"#;

    #[test]
    fn periods_map_to_ticks_within_the_run() {
        let s = shape();
        assert_eq!(s.tick_of("2023Q1"), Some(0));
        assert_eq!(s.tick_of("2025Q4"), Some(11));
        assert_eq!(s.tick_of("2026Q1"), None);
        assert_eq!(s.tick_of("2022Q4"), None);
        assert_eq!(s.tick_of("2024Q5"), None);
        assert_eq!(s.tick_of("2024-Q1"), None);
    }

    #[test]
    fn a_good_entry_resolves() {
        let r = parse(OK, Path::new("f.toml"), &shape()).unwrap();
        assert_eq!((r[0].first, r[0].last), (4, 4));
        assert_eq!(r[0].area, "firms");
    }

    #[test]
    fn each_kind_of_bad_name_is_typed_and_names_file_and_entry() {
        let cases = [
            ("\"adoption_share\"", "\"adoption_rate\"", "UnknownMetric"),
            ("scope = \"US\"", "scope = \"EU\"", "UnknownScope"),
            ("\"2024Q1\"", "\"2019Q1\"", "UnknownPeriod"),
            ("mapping = \"m\"", "mapping = \"m\"\nwording = 1", "Syntax"),
        ];
        for (from, to, kind) in cases {
            let text = OK.replace(from, to);
            let e = parse(&text, Path::new("x/f.toml"), &shape()).unwrap_err();
            assert_eq!(e.file, Path::new("x/f.toml"));
            assert_eq!(e.entry, "a", "{kind}: {e}");
            assert!(format!("{:?}", e.problem).starts_with(kind), "{e:?}");
        }
    }

    #[test]
    fn value_outside_its_range_is_rejected() {
        let text = OK.replace("value = 0.05", "value = 0.07");
        assert!(parse(&text, Path::new("f.toml"), &shape()).is_err());
    }
}
