//! `airace scenarios`: the baseline and every policy scenario, with replicates, compared.
//!
//! A scenario set is a sweep whose points are overlay files: it is expanded
//! into a [`PlanFile`] (run ids `<scenario>/rNN`) and run by the sweep
//! executor, so it shares the sweep's resume (finished runs are kept), its
//! failure records (`failed.json`, `failures.csv`, exit 1 at the end, the
//! other runs carry on), its progress, `summary.csv` and the shared
//! [`crate::stats`]. Only the tables and charts below are its own.
//!
//! Every scenario runs with the *same* replicate seeds (common random numbers):
//! replicate r of every scenario uses [`crate::rng::derive_seed`]`(master, [r])`, where
//! `master` is the baseline's `run.seed`. Differences between scenarios are then
//! driven by policy, not by which firms happened to draw which numbers, so a
//! handful of replicates separates real effects from noise.
//!
//! Outputs in `DIR`: `runs/<scenario>/rNN/` (one run folder each, no charts,
//! with `outcomes.json`; under `--uncertainty` only the runs' records),
//! `records/*.jsonl` (each run's outcomes, see [`crate::sweep::records`]),
//! `plan.json`, `summary.csv`, `failures.csv`,
//! `scenarios.csv` (headline outcomes: mean and 90% interval across
//! replicates), `bands.csv` (per-tick mean and 5–95% band of the chart
//! metrics), `scenarios.md` (the README table) and `report.html`.
//!
//! With `--shard K/N` an invocation runs only every N-th run (as a sweep
//! shard does) and writes their records, nothing else; shards may run at
//! once on one shared folder. An invocation without `--shard` then finds
//! every run done and builds the tables, so a sharded set's tables are the
//! same bytes as an unsharded one's.
//!
//! With `--uncertainty N` ([`worlds`]) every scenario also runs over the same
//! N parameter draws from `configs/uncertainty.toml`, and the headlines become
//! probabilities over those worlds (`probabilities.csv`, `worlds.csv`; the
//! tables and bands then pool worlds and seeds).

pub mod worlds;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::config::{self, Config};
use crate::error::{Error, Result};
use crate::io::atomic::write_atomic;
use crate::io::manifest::sha256_hex;
use crate::io::timeseries::{format_value, period_label, Timeseries};
use crate::layout::{self, BANDS, REPORT, SCENARIOS_CSV, SCENARIOS_MD};
use crate::simulation::{seeded, Simulation};
pub use crate::stats::{summarise, Summary};
use crate::sweep::executor::{self, ActionCounts, ExecOptions, RunAction, Source};
use crate::sweep::plan::{
    shard_runs, PlanFile, PlanOutcome, PlanParameter, Run, Shard, FORMAT_VERSION,
};
use crate::sweep::summary::{self, OutcomeRecord, RunOnDisk};

/// How a run's series is reduced to one number.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Statistic {
    /// Value at the last tick (end of horizon).
    End,
    /// Sum over all ticks (flows such as licence revenue: the end value alone
    /// says nothing about what was collected along the way).
    Sum,
    /// Mean over all ticks (a level averaged over the horizon).
    HorizonMean,
    /// First tick from which the value stays at or above the threshold to the
    /// end of the horizon; `run.ticks` if never (censored at the horizon).
    FirstSustained(f64),
}

impl Statistic {
    /// Column label in `scenarios.csv`.
    pub fn label(&self) -> String {
        match self {
            Statistic::End => "end".into(),
            Statistic::Sum => "sum".into(),
            Statistic::HorizonMean => "horizon_mean".into(),
            Statistic::FirstSustained(t) => format!("first_tick_sustained_ge_{t}"),
        }
    }

    /// Reduce one run's per-tick values (index = tick).
    pub fn apply(&self, values: &[f64]) -> f64 {
        let n = values.len();
        match self {
            Statistic::End => values.last().copied().unwrap_or(f64::NAN),
            Statistic::Sum => values.iter().sum(),
            Statistic::HorizonMean if n > 0 => values.iter().sum::<f64>() / n as f64,
            Statistic::HorizonMean => f64::NAN,
            Statistic::FirstSustained(t) => {
                let below = values.iter().rposition(|v| v < t);
                match below {
                    None => 0.0,
                    Some(i) => (i + 1) as f64,
                }
            }
        }
    }
}

/// One headline outcome: a metric in a scope, reduced by a statistic.
#[derive(Clone, Copy, Debug)]
pub struct HeadlineOutcome {
    /// Metric name in `timeseries.csv`.
    pub metric: &'static str,
    /// Scope in `timeseries.csv`.
    pub scope: &'static str,
    /// Reduction over the horizon.
    pub stat: Statistic,
}

const fn h(metric: &'static str, scope: &'static str, stat: Statistic) -> HeadlineOutcome {
    HeadlineOutcome {
        metric,
        scope,
        stat,
    }
}

/// The outcomes tabulated in `scenarios.csv`, in output order.
pub const HEADLINES: &[HeadlineOutcome] = &[
    h("frontier_gap_months", "world", Statistic::End),
    h("frontier_gap_months", "world", Statistic::HorizonMean),
    h("frontier_capability", "CN", Statistic::End),
    h("frontier_capability", "US", Statistic::End),
    h("us_license_revenue_usd", "US", Statistic::Sum),
    h("us_license_revenue_usd", "US", Statistic::End),
    h("cn_chip_self_sufficiency", "CN", Statistic::End),
    // Bernstein's measure: domestic chips' share of China's AI-chip demand
    // by value; "self-sufficient" at 90% (it forecasts ~93% for 2028).
    h(
        "cn_chip_self_sufficiency",
        "CN",
        Statistic::FirstSustained(0.9),
    ),
    h("dc_capacity_gw", "US", Statistic::End),
    h("us_markets_below_critical", "US", Statistic::End),
    h("aligned_countries.CN", "world", Statistic::End),
    h("open_download_share.US", "world", Statistic::End),
    h("adoption_share", "world", Statistic::End),
    h("adoption_share", "US", Statistic::End),
    h("adoption_share", "CN", Statistic::End),
    h("adoption_share", "NONALIGNED", Statistic::End),
    h("innovation_index", "US", Statistic::End),
    h("innovation_index", "CN", Statistic::End),
    h("diffusion_index", "US", Statistic::End),
    h("diffusion_index", "CN", Statistic::End),
    h("dominance_index", "US", Statistic::End),
    h("dominance_index", "CN", Statistic::End),
];

/// Metrics drawn as comparison charts (metric, scope, chart title, y label).
pub const CHARTS: &[(&str, &str, &str, &str)] = &[
    (
        "frontier_gap_months",
        "world",
        "US-China frontier gap",
        "months (positive: US ahead)",
    ),
    (
        "frontier_capability",
        "CN",
        "China's frontier capability",
        "log10 effective FLOP",
    ),
    (
        "us_license_revenue_usd",
        "US",
        "US licence revenue",
        "USD per quarter",
    ),
    (
        "cn_chip_self_sufficiency",
        "CN",
        "China's AI-chip self-sufficiency",
        "domestic share of AI-chip demand (by value)",
    ),
    ("dc_capacity_gw", "US", "US data-center capacity", "GW"),
    (
        "us_markets_below_critical",
        "US",
        "US power markets below the critical margin",
        "markets (of 13)",
    ),
    (
        "aligned_countries.CN",
        "world",
        "Countries aligned with China",
        "countries",
    ),
    (
        "open_download_share.US",
        "world",
        "US share of open-model downloads",
        "share",
    ),
    (
        "adoption_share",
        "world",
        "Firms using AI, world",
        "share of firms",
    ),
    ("dominance_index", "US", "US dominance index", "index"),
    ("dominance_index", "CN", "China dominance index", "index"),
];

/// Per-tick values of the tracked series of one run, keyed by (metric, scope).
pub type RunSeries = BTreeMap<(String, String), Vec<f64>>;

/// A scenario to run: its name (file stem) and config file.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioFile {
    /// `baseline` or the file stem under `scenarios/`.
    pub name: String,
    /// Path of the config file.
    pub path: PathBuf,
}

/// The baseline, then every `scenarios/*.toml` sorted by name.
pub fn discover(configs: &Path) -> Result<Vec<ScenarioFile>> {
    let baseline = configs.join("baseline.toml");
    if !baseline.is_file() {
        return Err(Error::Usage(format!(
            "{} not found; --configs must name the folder holding baseline.toml and scenarios/",
            baseline.display()
        )));
    }
    let mut out = vec![ScenarioFile {
        name: "baseline".into(),
        path: baseline,
    }];
    let dir = configs.join("scenarios");
    let entries = std::fs::read_dir(&dir).map_err(|e| Error::input(&dir, e.to_string()))?;
    let mut found: Vec<ScenarioFile> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter_map(|p| {
            let name = p.file_stem()?.to_string_lossy().into_owned();
            Some(ScenarioFile { name, path: p })
        })
        .collect();
    found.sort_by(|a, b| a.name.cmp(&b.name));
    out.extend(found);
    Ok(out)
}

/// Seed of replicate `r`: the same for every scenario (common random numbers).
pub fn replicate_seed(master: u64, r: u32) -> u64 {
    crate::rng::derive_seed(master, &[r as u64])
}

/// The tracked metrics as plan outcomes, each read at the run's last tick.
pub(crate) fn tracked_outcomes() -> Vec<PlanOutcome> {
    tracked()
        .into_iter()
        .map(|(metric, scope)| PlanOutcome {
            metric,
            scope,
            tick: "last".into(),
        })
        .collect()
}

/// Every (metric, scope) a headline or chart needs.
pub fn tracked() -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = HEADLINES
        .iter()
        .map(|x| (x.metric.to_string(), x.scope.to_string()))
        .chain(CHARTS.iter().map(|c| (c.0.to_string(), c.1.to_string())))
        .collect();
    v.sort();
    v.dedup();
    v
}

/// The tracked series of a finished run, from its `outcomes.json` (which
/// keeps full precision, unlike the 10-digit CSV): one value per tick,
/// `NaN` where the run recorded none.
pub fn series_of(record: &OutcomeRecord, ticks: u32) -> RunSeries {
    let mut out: RunSeries = tracked()
        .into_iter()
        .map(|k| (k, vec![f64::NAN; ticks as usize]))
        .collect();
    for s in &record.series {
        if let Some(v) = out.get_mut(&(s.metric.clone(), s.scope.clone())) {
            for &(t, value) in &s.points {
                if let Some(slot) = v.get_mut(t as usize) {
                    *slot = value;
                }
            }
        }
    }
    out
}

/// Run `config` with `seed` in memory (no files) and return its time series.
pub fn simulate(config: &Config, seed: u64) -> Result<Timeseries> {
    let mut sim = Simulation::new(seeded(config, Some(seed)));
    sim.run_to_end(|_| Ok(()))?;
    Ok(sim.timeseries)
}

/// All replicates of one scenario.
#[derive(Clone, Debug)]
pub struct ScenarioResult {
    /// Scenario name.
    pub name: String,
    /// Tracked series per replicate, in replicate order.
    pub runs: Vec<RunSeries>,
}

impl ScenarioResult {
    /// Replicate values of one headline.
    pub fn values(&self, hl: &HeadlineOutcome) -> Vec<f64> {
        let key = (hl.metric.to_string(), hl.scope.to_string());
        self.runs
            .iter()
            .map(|r| r.get(&key).map(|s| hl.stat.apply(s)).unwrap_or(f64::NAN))
            .collect()
    }

    /// Per-tick (tick, mean, p05, p95) of one series across replicates.
    pub fn band(&self, metric: &str, scope: &str) -> Vec<(u32, f64, f64, f64)> {
        let key = (metric.to_string(), scope.to_string());
        let ticks = self
            .runs
            .iter()
            .filter_map(|r| r.get(&key).map(Vec::len))
            .max()
            .unwrap_or(0);
        (0..ticks)
            .map(|t| {
                let vals: Vec<f64> = self
                    .runs
                    .iter()
                    .filter_map(|r| r.get(&key).and_then(|s| s.get(t)).copied())
                    .filter(|v| v.is_finite())
                    .collect();
                let s = summarise(&vals);
                (t as u32, s.mean, s.p05, s.p95)
            })
            .collect()
    }
}

/// Options of `airace scenarios`, validated by the caller.
#[derive(Clone, Debug)]
pub struct ScenariosOptions {
    /// Output folder (default: `output/scenarios`).
    pub out: Option<PathBuf>,
    /// Seeds per scenario, 1 to [`MAX_REPLICATES`].
    pub replicates: u32,
    /// Folder holding `baseline.toml` and `scenarios/`.
    pub configs: PathBuf,
    /// Overrides applied to every run.
    pub sets: Vec<String>,
    /// Runs executed at once.
    pub jobs: usize,
    /// No progress or summary lines.
    pub quiet: bool,
    /// Write into a folder made by a different scenario set.
    pub force: bool,
    /// `--uncertainty N`: run every scenario over N parameter draws.
    pub uncertainty: Option<u32>,
    /// The uncertainty file (default: `<configs>/uncertainty.toml`).
    pub uncertainty_file: Option<PathBuf>,
    /// Run only this shard of the runs and write no tables: shards share the
    /// folder (as a sweep's do), and an unsharded invocation afterwards finds
    /// every run done and builds the tables from the records.
    pub shard: Option<Shard>,
}

/// Most replicates per scenario.
pub const MAX_REPLICATES: u32 = 10_000;

/// `airace scenarios`: run (or resume) the scenario set and write its tables,
/// charts and report. Failed runs are recorded and the rest carry on; the
/// command then fails (exit 1) after writing everything it can.
pub fn scenarios(opts: &ScenariosOptions) -> Result<()> {
    if opts.replicates == 0 || opts.replicates > MAX_REPLICATES {
        return Err(Error::Usage(format!(
            "--replicates must be between 1 and {MAX_REPLICATES}"
        )));
    }
    let out = opts
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output/scenarios"));
    let files = discover(&opts.configs)?;
    // Load (and validate) everything before running anything: a bad overlay
    // fails fast with exit 2 and nothing written.
    let configs: Vec<Config> = files
        .iter()
        .map(|f| Ok(config::load(&f.path, &opts.sets)?.config))
        .collect::<Result<_>>()?;
    let master = configs[0].run.seed;
    let worlds = match opts.uncertainty {
        None => None,
        Some(n) => {
            let file = opts
                .uncertainty_file
                .clone()
                .unwrap_or_else(|| opts.configs.join(worlds::UNCERTAINTY_FILE));
            let spec = worlds::load_spec(&file)?;
            let w = worlds::Worlds::new(spec, &file, n, master, &configs, &opts.sets)?;
            w.validate(&files[0].path, &opts.sets)?;
            Some(w)
        }
    };
    let (plan, point_files, point_sets) = match &worlds {
        None => (
            scenario_plan(&files, &configs, opts.replicates, master),
            files.iter().map(|f| f.path.clone()).collect(),
            Vec::new(),
        ),
        Some(w) => w.plan(&files, &configs, opts.replicates, master),
    };
    if out.exists() && !out.is_dir() {
        return Err(Error::Usage(format!(
            "--out {} exists and is not a folder",
            out.display()
        )));
    }
    layout::claim_folder(&out, layout::FolderWork::Sweep, opts.force)?;
    // As with a sweep: shards share the folder by design (each record log
    // belongs to one shard), so only a whole-set invocation locks it and
    // removes temp files left by killed writers.
    let _lock = match opts.shard {
        None => {
            let lock = layout::FolderLock::acquire(&out)?;
            layout::remove_stale_temps(&out);
            Some(lock)
        }
        Some(_) => None,
    };
    plan.write_checked(&out, opts.force)?;
    let exec = ExecOptions {
        source: Source::Overlays {
            files: &point_files,
            sets: &opts.sets,
            point_sets: &point_sets,
        },
        jobs: opts.jobs,
        quiet: opts.quiet,
        label: "scenarios",
    };
    executor::install_interrupt_handler();
    let selected = match &opts.shard {
        Some(s) => shard_runs(&plan.runs, s),
        None => plan.runs.clone(),
    };
    let actions = executor::execute(&out, &plan, &selected, &exec)?;
    if executor::interrupted() || actions.contains(&RunAction::NotStarted) {
        return Err(Error::Interrupted);
    }
    if let Some(s) = &opts.shard {
        // Its runs are recorded; the tables wait for an unsharded call.
        let counts = ActionCounts::of(&actions);
        if !opts.quiet {
            eprintln!(
                "scenarios (shard {s}): {}\n  when every shard is done, rerun without \
                 --shard to build the tables in {}",
                counts.describe(),
                out.display()
            );
        }
        return counts.shard_result("scenarios", s, &out);
    }
    let states: Vec<RunOnDisk> = summary::run_states(&out, &plan.runs)?;
    let tally = summary::write_summary(&out, &plan, &states)?;
    let results = collect_results(&files, &configs, &plan, &states, worlds.as_ref());
    let periods = periods_of(&configs[0]);
    match &worlds {
        None => write_outputs(&out, &results, &periods, master, None)?,
        Some(w) => {
            let by_world = collect_worlds(&files, &configs, &plan, &states, w.draws());
            let reps = opts.replicates;
            write_atomic(
                &out.join(layout::PROBABILITIES_CSV),
                worlds::probabilities_csv(&by_world).as_bytes(),
            )?;
            write_atomic(
                &out.join(layout::WORLDS_CSV),
                worlds::worlds_csv(w, &by_world).as_bytes(),
            )?;
            let extra = Extra {
                table_csv: worlds::spread_csv(&by_world),
                markdown: worlds::readme_markdown(&by_world, w.draws(), reps, master),
                html: worlds::report_table(&by_world, w.draws(), reps),
            };
            write_outputs(&out, &results, &periods, master, Some(&extra))?;
        }
    }
    let bad = tally.failed.len() + tally.missing.len();
    if bad > 0 {
        return Err(Error::Failed(format!(
            "scenarios: {bad} of {} runs failed; the tables use the others (see {})",
            plan.runs.len(),
            out.join(layout::FAILURES).display()
        )));
    }
    if !opts.quiet {
        let worlds_note = worlds.as_ref().map_or(String::new(), |w| {
            format!(" x {} parameter draws", w.draws())
        });
        eprintln!(
            "wrote {} ({} scenarios x {} replicates{worlds_note})\n  table  {}\n  report {}",
            out.display(),
            results.len(),
            opts.replicates,
            out.join(SCENARIOS_CSV).display(),
            out.join(REPORT).display()
        );
    }
    Ok(())
}

/// The scenario set as a plan: point = scenario file, replicates share
/// seeds across scenarios, outcomes = every tracked series at its last tick
/// (the full series is kept in each run's `outcomes.json`).
pub fn scenario_plan(
    files: &[ScenarioFile],
    configs: &[Config],
    replicates: u32,
    master: u64,
) -> PlanFile {
    let width = replicates.saturating_sub(1).to_string().len().max(2);
    let runs = files
        .iter()
        .enumerate()
        .flat_map(|(point, f)| {
            (0..replicates).map(move |r| Run {
                run_id: format!("{}/r{r:0width$}", f.name),
                point,
                replicate: r,
                seed: replicate_seed(master, r),
                values: vec![crate::sweep::spec::string_literal(&f.name)],
            })
        })
        .collect();
    let sources = files
        .iter()
        .zip(configs)
        .map(|(f, c)| format!("{} {}", f.name, sha256_hex(config::to_toml(c).as_bytes())))
        .collect();
    PlanFile {
        version: FORMAT_VERSION,
        name: "scenarios".into(),
        design: "scenarios".into(),
        parameters: vec![PlanParameter {
            path: "scenario".into(),
            discrete: true,
        }],
        outcomes: tracked_outcomes(),
        runs,
        sources: Some(sources),
    }
}

/// Group the finished runs by scenario, in plan order (with worlds: every
/// draw's replicates, pooled).
fn collect_results(
    files: &[ScenarioFile],
    configs: &[Config],
    plan: &PlanFile,
    states: &[RunOnDisk],
    worlds: Option<&worlds::Worlds>,
) -> Vec<ScenarioResult> {
    let per_scenario = worlds.map_or(1, worlds::Worlds::draws);
    files
        .iter()
        .zip(configs)
        .enumerate()
        .map(|(scenario, (f, c))| ScenarioResult {
            name: f.name.clone(),
            runs: plan
                .runs
                .iter()
                .zip(states)
                .filter(|(r, _)| r.point / per_scenario == scenario)
                .filter_map(|(_, s)| match s {
                    RunOnDisk::Done(o) => Some(series_of(o, c.run.ticks)),
                    _ => None,
                })
                .collect(),
        })
        .collect()
}

/// Group the finished runs by scenario and draw (point = scenario × N + draw).
fn collect_worlds(
    files: &[ScenarioFile],
    configs: &[Config],
    plan: &PlanFile,
    states: &[RunOnDisk],
    draws: usize,
) -> Vec<worlds::WorldsResult> {
    let mut out: Vec<worlds::WorldsResult> = files
        .iter()
        .map(|f| worlds::WorldsResult {
            name: f.name.clone(),
            draws: vec![Vec::new(); draws],
        })
        .collect();
    for (run, state) in plan.runs.iter().zip(states) {
        if let RunOnDisk::Done(o) = state {
            let (s, d) = (run.point / draws, run.point % draws);
            out[s].draws[d].push(series_of(o, configs[s].run.ticks));
        }
    }
    out
}

/// What `--uncertainty` writes instead of the seeds-only tables.
pub struct Extra {
    /// `scenarios.csv`: spread of each headline across worlds.
    pub table_csv: String,
    /// `scenarios.md`: probabilities and spreads (the README table).
    pub markdown: String,
    /// The probability table at the top of `report.html`.
    pub html: String,
}

/// Calendar labels of the run's ticks.
fn periods_of(c: &Config) -> Vec<(u32, String)> {
    (0..c.run.ticks)
        .map(|t| (t, period_label(c.run.start_year, c.run.start_quarter, t)))
        .collect()
}

/// `scenarios.csv`: one row per (scenario, headline), deterministic order and formatting.
pub fn table_csv(results: &[ScenarioResult]) -> String {
    let mut s = String::from("scenario,metric,scope,statistic,mean,p05,p95,replicates\n");
    for res in results {
        for hl in HEADLINES {
            let sm = summarise(&res.values(hl));
            let _ = writeln!(
                s,
                "{},{},{},{},{},{},{},{}",
                crate::io::quote::csv_field(&res.name),
                hl.metric,
                hl.scope,
                hl.stat.label(),
                fmt(sm.mean),
                fmt(sm.p05),
                fmt(sm.p95),
                sm.n
            );
        }
    }
    s
}

/// `bands.csv`: per-tick mean and 5–95% band of every chart metric.
pub fn bands_csv(results: &[ScenarioResult], periods: &[(u32, String)]) -> String {
    let mut s = String::from("scenario,metric,scope,tick,period,mean,p05,p95\n");
    for (metric, scope, _, _) in CHARTS {
        for res in results {
            for (t, m, lo, hi) in res.band(metric, scope) {
                let period = periods
                    .iter()
                    .find(|p| p.0 == t)
                    .map(|p| p.1.as_str())
                    .unwrap_or("");
                let _ = writeln!(
                    s,
                    "{},{metric},{scope},{t},{period},{},{},{}",
                    res.name,
                    fmt(m),
                    fmt(lo),
                    fmt(hi)
                );
            }
        }
    }
    s
}

/// Deterministic number formatting (`NaN` spelled out; never happens for finite runs).
fn fmt(v: f64) -> String {
    if v.is_finite() {
        format_value(v)
    } else {
        "NaN".into()
    }
}

/// Rows of the README table: (headline index, label, scale, decimals).
const README_ROWS: &[(usize, &str, f64, usize)] = &[
    (0, "Frontier gap, 2035Q4 (months, + = US ahead)", 1.0, 1),
    (1, "Frontier gap, mean 2026-2035 (months)", 1.0, 1),
    (
        2,
        "China frontier capability, 2035Q4 (log10 eff. FLOP)",
        1.0,
        2,
    ),
    (4, "US licence revenue, 2026-2035 total ($B)", 1e-9, 1),
    (
        7,
        "First quarter domestic chips meet 90% of China's AI-chip demand for good (tick)",
        1.0,
        1,
    ),
    (8, "US data-center capacity, 2035Q4 (GW)", 1.0, 0),
    (9, "US power markets below critical, 2035Q4 (of 13)", 1.0, 1),
    (10, "Countries aligned with China, 2035Q4", 1.0, 1),
    (11, "US share of open-model downloads, 2035Q4", 1.0, 2),
    (12, "Firms using AI, world, 2035Q4", 1.0, 2),
    (20, "Dominance index US, 2035Q4", 1.0, 2),
    (21, "Dominance index China, 2035Q4", 1.0, 2),
];

/// The README block: a Markdown table, outcomes as rows, scenarios as columns.
pub fn readme_markdown(results: &[ScenarioResult], replicates: usize, master: u64) -> String {
    let mut s = format!(
        "Mean across {replicates} seeds (common random numbers, master seed {master}), \
         with the 90% interval across seeds in brackets. Regenerate with \
         `scripts/update-readme-results.sh`; full table: `output/scenarios/scenarios.csv`.\n\n| Outcome |"
    );
    for r in results {
        let _ = write!(s, " {} |", crate::io::quote::markdown_cell(&r.name));
    }
    s.push_str("\n|---|");
    for _ in results {
        s.push_str("---|");
    }
    s.push('\n');
    for (i, label, scale, dec) in README_ROWS {
        let _ = write!(s, "| {label} |");
        for r in results {
            let sm = summarise(&r.values(&HEADLINES[*i]));
            let (m, lo, hi) = (sm.mean * scale, sm.p05 * scale, sm.p95 * scale);
            let _ = write!(s, " {m:.dec$} [{lo:.dec$}, {hi:.dec$}] |");
        }
        s.push('\n');
    }
    s
}

/// Write `scenarios.csv`, `bands.csv`, `scenarios.md`, charts and
/// `report.html`; with `extra` (`--uncertainty`), its table and Markdown
/// replace the seeds-only ones and its probabilities head the report.
pub fn write_outputs(
    out: &Path,
    results: &[ScenarioResult],
    periods: &[(u32, String)],
    master: u64,
    extra: Option<&Extra>,
) -> Result<()> {
    std::fs::create_dir_all(out).map_err(|e| Error::output(out, e))?;
    let replicates = results.iter().map(|r| r.runs.len()).max().unwrap_or(0);
    let (csv, md) = match extra {
        Some(e) => (e.table_csv.clone(), e.markdown.clone()),
        None => (
            table_csv(results),
            readme_markdown(results, replicates, master),
        ),
    };
    write_atomic(&out.join(SCENARIOS_CSV), csv.as_bytes())?;
    write_atomic(&out.join(BANDS), bands_csv(results, periods).as_bytes())?;
    write_atomic(&out.join(SCENARIOS_MD), md.as_bytes())?;
    let charts = render_charts(out, results, periods)?;
    let mut body = report_body(results, &charts, replicates, master);
    if let Some(e) = extra {
        let cut = body.find("<p>").unwrap_or(0);
        body.insert_str(cut, &e.html);
    }
    crate::report::write_html_page(&out.join(REPORT), "airace scenarios", &body)
}

/// Comparison charts, one per [`CHARTS`] entry: a colour per scenario, mean line
/// and 5–95% band. Returns the chart files relative to `out`.
fn render_charts(
    out: &Path,
    results: &[ScenarioResult],
    periods: &[(u32, String)],
) -> Result<Vec<String>> {
    let dir = layout::charts_dir(out);
    std::fs::create_dir_all(&dir).map_err(|e| Error::output(&dir, e))?;
    let mut files = Vec::new();
    for (metric, scope, title, ylab) in CHARTS {
        let groups: Vec<crate::plot::BandSeries> = results
            .iter()
            .map(|r| crate::plot::BandSeries {
                name: r.name.clone(),
                points: r.band(metric, scope),
            })
            .collect();
        let file = layout::chart_link(&format!("{}_{}.png", metric.replace('.', "_"), scope));
        let pooled = format!(
            "{} seeds per scenario",
            results.first().map_or(0, |r| r.runs.len())
        );
        let baseline = results.iter().position(|r| r.name == "baseline");
        let (subtitle, _) = ("scenarios (common random numbers)", ylab);
        let spec = crate::plot::BandChart {
            title,
            subtitle,
            metric,
            groups: &groups,
            baseline,
            pooled: &pooled,
            periods,
        };
        crate::plot::band_chart(&spec, &out.join(&file))?;
        files.push(file);
    }
    Ok(files)
}

/// The report page's body: the table of means and intervals, then the charts
/// (the page itself, with the shared style, comes from [`crate::report::write_html_page`]).
fn report_body(results: &[ScenarioResult], charts: &[String], reps: usize, master: u64) -> String {
    use crate::report::{table, Cell};
    let mut b = format!(
        "<p>{} scenarios × {reps} replicates, master seed {master}; cells: mean [5th, 95th \
         percentile] across replicates, and below it the difference of the mean from the \
         baseline. All tracked outcomes: <a href=\"{SCENARIOS_CSV}\">{SCENARIOS_CSV}</a>, \
         <a href=\"{BANDS}\">{BANDS}</a>.</p>\n",
        results.len()
    );
    let baseline = results.iter().find(|r| r.name == "baseline");
    let mut head = vec!["outcome".to_string()];
    head.extend(results.iter().map(|r| r.name.clone()));
    let rows: Vec<Vec<Cell>> = README_ROWS
        .iter()
        .map(|(i, label, scale, dec)| {
            let hl = &HEADLINES[*i];
            let base_mean = baseline.map(|r| summarise(&r.values(hl)).mean * scale);
            let mut row = vec![Cell::Text(label.to_string())];
            for r in results {
                let sm = summarise(&r.values(hl));
                let (m, lo, hi) = (sm.mean * scale, sm.p05 * scale, sm.p95 * scale);
                let mut cell = format!(
                    "<span style=\"white-space:nowrap\">{}</span>",
                    crate::report::escape_html(&format!("{m:.dec$} [{lo:.dec$}, {hi:.dec$}]"))
                );
                if let Some(bm) = base_mean.filter(|_| r.name != "baseline") {
                    // A difference that rounds to zero is shown as +0, never as -0.
                    let unit = 10f64.powi(*dec as i32);
                    let d = if ((m - bm) * unit).round() == 0.0 {
                        0.0
                    } else {
                        m - bm
                    };
                    let _ = write!(cell, "<br><small>Δ {d:+.dec$}</small>");
                }
                row.push(Cell::Html(cell));
            }
            row
        })
        .collect();
    b.push_str(&table(&head, &rows));
    for c in charts {
        b.push_str(&crate::report::figure(c, c, ""));
    }
    b
}
