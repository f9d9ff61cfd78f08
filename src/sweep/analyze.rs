//! `airace analyze SWEEP_DIR`: Sobol, Morris or PRIM on a sweep folder.
//!
//! Reads the plan (with its `study` record: the design and its seed), looks
//! at every planned run on disk, builds the outcome table — missing and
//! failed runs included and reported by id — and hands it to
//! [`crate::analysis`]. A partial or killed sweep is analysed when the
//! estimator can cope (Sobol drops incomplete Saltelli blocks, Morris the
//! effects a missing run takes part in, PRIM the runs themselves), with a
//! warning saying how much was dropped; when too little remains it refuses
//! (exit 2) and says what to do. Lives in the sweep layer because it reads
//! sweep folders; the estimators know nothing of folders.

use std::path::{Path, PathBuf};

use crate::analysis::bootstrap::Bootstrap;
use crate::analysis::prim::{self, BoxRule, PrimOptions, PrimResult};
use crate::analysis::sobol::{SobolOptions, SobolResult};
use crate::analysis::study::{outcome_key, Comparison, Condition};
use crate::analysis::table::{OutcomeTable, RunStatus};
use crate::analysis::{morris, AnalysisError, DesignKind, MorrisDesign, MorrisResult};
use crate::error::{Error, Result};
use crate::layout::{self, FolderLock, FolderWork, ANALYSIS_DIR};

use super::analyze_page::{self, Page};
use super::design::PlanStudy;
use super::plan::PlanFile;
use super::summary::{self, RunOnDisk};
use super::table::outcome_table;

/// Which analysis to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// First- and total-order (and second-order) Sobol indices.
    Sobol,
    /// Morris elementary effects.
    Morris,
    /// PRIM scenario discovery on a boolean outcome.
    Prim,
}

impl Method {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Sobol => "sobol",
            Method::Morris => "morris",
            Method::Prim => "prim",
        }
    }
}

/// Options of `airace analyze`, validated by the caller.
#[derive(Clone, Debug)]
pub struct AnalyzeOptions {
    /// The sweep folder.
    pub dir: PathBuf,
    /// The method; default: the sweep's design (sobol, morris), or PRIM when
    /// `condition` is given.
    pub method: Option<Method>,
    /// `METRIC@SCOPE:WHEN` outcomes; default: every outcome of the sweep.
    pub outcomes: Vec<String>,
    /// PRIM's case definition, `METRIC@SCOPE:WHEN OP NUMBER`.
    pub condition: Option<String>,
    /// PRIM: the chosen box is the one with the highest coverage at or
    /// above this density.
    pub density: f64,
    /// Output folder (default `SWEEP_DIR/analysis`).
    pub out: Option<PathBuf>,
    /// Write into a folder holding other work.
    pub force: bool,
    /// Bootstrap resamples for the confidence intervals.
    pub resamples: usize,
    /// No warnings or summary lines on stderr.
    pub quiet: bool,
}

impl Default for AnalyzeOptions {
    fn default() -> Self {
        AnalyzeOptions {
            dir: PathBuf::new(),
            method: None,
            outcomes: Vec::new(),
            condition: None,
            density: 0.8,
            out: None,
            force: false,
            resamples: 1000,
            quiet: false,
        }
    }
}

/// A parsed `--where`: the outcome column and the comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    /// Outcome column, `METRIC@SCOPE@WHEN`.
    pub outcome: String,
    /// The comparison that makes a run a case.
    pub condition: Condition,
    /// The text as given, for titles.
    pub text: String,
}

/// Parse `METRIC@SCOPE:WHEN OP NUMBER` (OP one of `<`, `<=`, `>`, `>=`).
pub fn parse_case(s: &str) -> Result<Case> {
    let at = s.find(['<', '>']).ok_or_else(|| {
        Error::Usage(format!(
            "--where `{}`: expected METRIC@SCOPE:WHEN OP NUMBER, e.g. \
             \"frontier_gap_months@world:39 < 0\" (OP one of <, <=, >, >=)",
            crate::io::quote::quote(s)
        ))
    })?;
    let outcome = outcome_key(s[..at].trim()).map_err(|e| Error::Usage(format!("--where: {e}")))?;
    let condition =
        Condition::parse(&s[at..]).map_err(|e| Error::Usage(format!("--where: {e}")))?;
    Ok(Case {
        outcome,
        condition,
        text: s.trim().to_string(),
    })
}

/// What one analysis of one outcome (and lever setting) produced.
pub(crate) enum Finding {
    Sobol(SobolResult),
    Morris(MorrisResult),
    Prim(Box<PrimResult>, Vec<Column>),
}

/// A parameter column as PRIM saw it: numeric, or text coded by index.
#[derive(Clone, Debug)]
pub(crate) struct Column {
    pub name: String,
    /// For text columns, the values in code order.
    pub labels: Option<Vec<String>>,
    /// Whether it is a sampled factor (index into the study's factors).
    pub factor: Option<usize>,
}

/// One analysis section of the page: an outcome at one lever setting.
pub(crate) struct Section {
    /// Outcome column.
    pub outcome: String,
    /// Lever setting (`""` when the sweep has no levers).
    pub levers: String,
    /// File stem for its CSVs and chart.
    pub stem: String,
    pub finding: Finding,
}

/// `airace analyze`.
pub fn analyze(opts: &AnalyzeOptions) -> Result<()> {
    let plan = PlanFile::read(&opts.dir)?;
    let study = PlanStudy::read(&opts.dir)?;
    let case = opts.condition.as_deref().map(parse_case).transpose()?;
    let method = resolve_method(opts.method, study.as_ref(), case.is_some(), &plan)?;
    let columns: Vec<String> = plan.outcomes.iter().map(|o| o.column()).collect();
    let check = |key: &str| -> Result<String> {
        columns.iter().find(|c| *c == key).cloned().ok_or_else(|| {
            Error::Usage(format!(
                "outcome `{key}` is not in this sweep; it has: {} (write them as METRIC@SCOPE:WHEN)",
                columns.join(", ")
            ))
        })
    };
    let outcomes: Vec<String> = if opts.outcomes.is_empty() {
        columns.clone()
    } else {
        opts.outcomes
            .iter()
            .map(|o| outcome_key(o).map_err(|e| Error::Usage(format!("--outcome: {e}"))))
            .map(|k| k.and_then(|k| check(&k)))
            .collect::<Result<_>>()?
    };
    if let Some(c) = &case {
        check(&c.outcome)?;
    }
    let out = opts
        .out
        .clone()
        .unwrap_or_else(|| opts.dir.join(ANALYSIS_DIR));
    layout::claim_folder(&out, FolderWork::Analysis, opts.force)?;
    let states: Vec<RunOnDisk> = summary::run_states(&opts.dir, &plan.runs)?;
    let mut table = outcome_table(&plan, &states);
    if let Some(s) = &study {
        for (i, f) in s.factors.iter().enumerate() {
            if let Some(p) = table.parameters.get_mut(s.first_factor + i) {
                p.clone_from(&f.name);
            }
        }
    }
    let not_ok: Vec<(String, RunStatus, String)> = plan
        .runs
        .iter()
        .zip(&states)
        .filter_map(|(r, s)| match s {
            RunOnDisk::Done(_) => None,
            RunOnDisk::Failed(f) => Some((r.run_id.clone(), RunStatus::Failed, f.error.clone())),
            RunOnDisk::Missing => Some((r.run_id.clone(), RunStatus::Missing, String::new())),
        })
        .collect();
    let mut warnings = Vec::new();
    if !not_ok.is_empty() {
        warnings.push(missing_warning(&not_ok, plan.runs.len()));
    }
    let boot = |k: u64| Bootstrap {
        resamples: opts.resamples,
        confidence: 0.95,
        seed: crate::rng::derive_seed(0x0061_6E61_6C79_7A65, &[k]), // "analyze"
    };
    let mut sections = Vec::new();
    match (method, &study) {
        (Method::Prim, _) => {
            let case = case.as_ref().expect("resolved: PRIM has a case");
            let (x, cols) = prim_inputs(&table, study.as_ref());
            let k = table.outcome_index(&case.outcome).map_err(Error::from)?;
            let y: Vec<Option<bool>> = table
                .runs
                .iter()
                .map(|r| {
                    (r.status == RunStatus::Ok)
                        .then_some(r.values[k])
                        .flatten()
                        .filter(|v| v.is_finite())
                        .map(|v| case.condition.holds(v))
                })
                .collect();
            let names: Vec<String> = cols.iter().map(|c| c.name.clone()).collect();
            let popts = PrimOptions {
                rule: BoxRule::MaxCoverageAtDensity(opts.density),
                ..PrimOptions::default()
            };
            let r = prim::analyze(&names, &x, &y, &popts).map_err(|e| refuse(&opts.dir, e))?;
            sections.push(Section {
                outcome: case.outcome.clone(),
                levers: String::new(),
                stem: "prim".into(),
                finding: Finding::Prim(Box::new(r), cols),
            });
        }
        (_, Some(s)) => {
            let kind = s.design_kind().expect("resolved: sobol or morris design");
            let combos = lever_combos(&plan, s);
            for (oi, outcome) in outcomes.iter().enumerate() {
                for (ci, (label, sub)) in combos.iter().enumerate() {
                    let sub = sub_table(&table, s, *sub);
                    let stem = stem(method, outcome, combos.len(), ci);
                    let seed = (oi * combos.len() + ci) as u64;
                    let finding = estimate(kind, s, &sub, outcome, boot(seed))
                        .map_err(|e| refuse(&opts.dir, e))?;
                    if let Finding::Sobol(r) = &finding {
                        if r.blocks_used < r.blocks_total {
                            warnings.push(format!(
                                "{outcome}{}: dropped {} of {} Saltelli blocks with a missing or failed run; indices use the {} complete blocks",
                                lever_suffix(label),
                                r.blocks_total - r.blocks_used,
                                r.blocks_total,
                                r.blocks_used
                            ));
                        }
                    }
                    sections.push(Section {
                        outcome: outcome.clone(),
                        levers: label.clone(),
                        stem,
                        finding,
                    });
                }
            }
        }
        (_, None) => unreachable!("resolve_method refuses sobol/morris without a study"),
    }
    if !opts.quiet {
        for w in &warnings {
            eprintln!("warning: {w}");
        }
    }
    std::fs::create_dir_all(&out).map_err(|e| Error::output(&out, e))?;
    let _lock = FolderLock::acquire(&out)?;
    layout::remove_stale_temps(&out);
    let page = Page {
        plan: &plan,
        study: study.as_ref(),
        method,
        case: case.as_ref(),
        sections: &sections,
        warnings: &warnings,
        not_ok: &not_ok,
        runs_ok: states
            .iter()
            .filter(|s| matches!(s, RunOnDisk::Done(_)))
            .count(),
    };
    analyze_page::write(&out, &page)?;
    if !opts.quiet {
        eprintln!(
            "analyze {}: {} on {} of {} runs; open {}",
            plan.name,
            method.as_str(),
            page.runs_ok,
            plan.runs.len(),
            out.join(layout::ANALYSIS_HTML).display()
        );
    }
    Ok(())
}

fn lever_suffix(label: &str) -> String {
    if label.is_empty() {
        String::new()
    } else {
        format!(" at {label}")
    }
}

fn resolve_method(
    asked: Option<Method>,
    study: Option<&PlanStudy>,
    has_case: bool,
    plan: &PlanFile,
) -> Result<Method> {
    let design = study.map_or(plan.design.as_str(), |s| s.kind.as_str());
    let method = match (asked, design) {
        (Some(m), _) => m,
        (None, "sobol") => Method::Sobol,
        (None, "morris") => Method::Morris,
        (None, _) if has_case => Method::Prim,
        (None, d) => {
            return Err(Error::Usage(format!(
                "sweep `{}` has a {d} design: pass --method prim with --where \
                 \"METRIC@SCOPE:WHEN < NUMBER\" (Sobol and Morris need a design = \"sobol\" or \
                 \"morris\" sweep)",
                plan.name
            )))
        }
    };
    match method {
        Method::Sobol | Method::Morris if design != method.as_str() => Err(Error::Usage(format!(
            "--method {} needs a sweep run with [design] kind = \"{0}\"; `{}` has a {design} \
             design (PRIM works on any design: --method prim --where ...)",
            method.as_str(),
            plan.name
        ))),
        Method::Prim if !has_case => Err(Error::Usage(
            "--method prim needs --where \"METRIC@SCOPE:WHEN OP NUMBER\", e.g. \
             \"frontier_gap_months@world:39 < 0\""
                .into(),
        )),
        m => Ok(m),
    }
}

/// Too few usable runs is a problem with the input folder (exit 2); other
/// analysis errors keep their own mapping.
fn refuse(dir: &Path, e: AnalysisError) -> Error {
    match e {
        AnalysisError::TooFewRuns { .. } => Error::input(dir, e.to_string()),
        other => other.into(),
    }
}

fn missing_warning(not_ok: &[(String, RunStatus, String)], total: usize) -> String {
    let count = |s| not_ok.iter().filter(|r| r.1 == s).count();
    let shown: Vec<&str> = not_ok.iter().take(20).map(|r| r.0.as_str()).collect();
    let more = match not_ok.len().saturating_sub(shown.len()) {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    format!(
        "{} of {total} runs missing and {} failed ({}{more}; all listed in runs_not_ok.csv); \
         resume the sweep with the same command to finish them",
        count(RunStatus::Missing),
        count(RunStatus::Failed),
        shown.join(", ")
    )
}

/// The lever settings of a Sobol/Morris sweep: `(label, combination index)`.
fn lever_combos(plan: &PlanFile, s: &PlanStudy) -> Vec<(String, usize)> {
    let per = s.points_per_combo.max(1);
    let combos = plan
        .runs
        .iter()
        .map(|r| r.point / per + 1)
        .max()
        .unwrap_or(1);
    (0..combos)
        .map(|c| {
            let label = plan
                .runs
                .iter()
                .find(|r| r.point / per == c)
                .map(|r| {
                    (0..s.first_factor)
                        .map(|k| {
                            format!(
                                "{}={}",
                                super::charts::short(&plan.parameters[k].path),
                                summary::plain_value(&r.values[k])
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            (label, c)
        })
        .collect()
}

/// The runs of one lever combination, points renumbered from 0, factor columns only.
fn sub_table(table: &OutcomeTable, s: &PlanStudy, combo: usize) -> OutcomeTable {
    let per = s.points_per_combo.max(1);
    OutcomeTable {
        parameters: table.parameters[s.first_factor..].to_vec(),
        outcomes: table.outcomes.clone(),
        runs: table
            .runs
            .iter()
            .filter(|r| r.point / per == combo)
            .map(|r| {
                let mut r = r.clone();
                r.point -= combo * per;
                r.params = r.params[s.first_factor..].to_vec();
                r
            })
            .collect(),
    }
}

fn stem(method: Method, outcome: &str, combos: usize, ci: usize) -> String {
    let base = format!("{}_{}", method.as_str(), super::charts::slug(outcome));
    if combos > 1 {
        format!("{base}_levers{ci}")
    } else {
        base
    }
}

fn estimate(
    kind: DesignKind,
    s: &PlanStudy,
    table: &OutcomeTable,
    outcome: &str,
    bootstrap: Bootstrap,
) -> crate::analysis::Result<Finding> {
    let names = s.factor_names();
    Ok(match kind {
        DesignKind::Saltelli { n, second_order } => {
            let opts = SobolOptions {
                second_order,
                bootstrap,
                ..SobolOptions::default()
            };
            Finding::Sobol(crate::analysis::sobol_from_table(
                table,
                &names,
                n,
                second_order,
                outcome,
                &opts,
            )?)
        }
        DesignKind::Morris {
            trajectories,
            levels,
        } => {
            let design = MorrisDesign::new(trajectories, levels, names.len(), s.design_seed)?;
            let opts = morris::MorrisOptions {
                bootstrap,
                ..morris::MorrisOptions::default()
            };
            Finding::Morris(crate::analysis::morris_from_table(
                table, &names, &design, outcome, &opts,
            )?)
        }
    })
}

/// PRIM's inputs: one numeric row per run; text columns (export rules…)
/// coded by the order their values first appear.
fn prim_inputs(table: &OutcomeTable, study: Option<&PlanStudy>) -> (Vec<Vec<f64>>, Vec<Column>) {
    let first_factor = study.map_or(usize::MAX, |s| s.first_factor);
    let cols: Vec<Column> = table
        .parameters
        .iter()
        .enumerate()
        .map(|(j, name)| {
            let text = table.runs.iter().any(|r| r.params[j].as_f64().is_none());
            let labels = text.then(|| {
                let mut seen: Vec<String> = Vec::new();
                for r in &table.runs {
                    let v = summary::plain_value(&r.params[j].to_toml());
                    if !seen.contains(&v) {
                        seen.push(v);
                    }
                }
                seen
            });
            Column {
                name: name.clone(),
                labels,
                factor: j.checked_sub(first_factor),
            }
        })
        .collect();
    let x = table
        .runs
        .iter()
        .map(|r| {
            r.params
                .iter()
                .zip(&cols)
                .map(|(p, c)| match &c.labels {
                    Some(l) => {
                        let v = summary::plain_value(&p.to_toml());
                        l.iter().position(|x| *x == v).unwrap_or(0) as f64
                    }
                    None => p.as_f64().unwrap_or(f64::NAN),
                })
                .collect()
        })
        .collect();
    (x, cols)
}

/// The comparison's symbol, for titles.
pub(crate) fn op_text(c: Comparison) -> &'static str {
    match c {
        Comparison::Lt => "<",
        Comparison::Le => "<=",
        Comparison::Gt => ">",
        Comparison::Ge => ">=",
    }
}
