//! `airace scenarios --uncertainty N`: every scenario over the same N
//! plausible worlds, and each headline as a probability.
//!
//! A single run is one world: one value for each of the ~50 parameters that
//! `docs/calibration.md` marks "chosen" or "fitted". `configs/uncertainty.toml`
//! says how far each could plausibly be off ([`UncertaintySpec`]). Here the
//! scenario set is crossed with N draws from it:
//!
//! - **the draws** are the first N points of a scrambled Sobol sequence keyed
//!   by the baseline's `run.seed` ([`sobol_seq::points`]), mapped through each
//!   factor's inverse CDF; they spread over the cube more evenly than random
//!   draws, so a probability settles with fewer worlds;
//! - **common random numbers**: draw `i`, replicate `r` uses
//!   [`draw_seed`]`(master, i, r)` and the same parameter values in *every*
//!   scenario, so a difference between scenarios in world `i` is the policy's
//!   doing, not the noise's or the parameters';
//! - **a scenario keeps what it sets**: a factor the scenario's overlay (or a
//!   `--set`) changes from the baseline is not drawn for that scenario;
//! - **replicates are averaged first**: in each world the headline statistic
//!   is the mean over its replicates (the world's expected outcome), and a
//!   claim ("the US leads innovation in 2035") is tested on that mean. The
//!   probability is the share of worlds where it holds, with a 95% **Wilson
//!   score interval** over the N worlds ([`wilson`]). Sobol points are not
//!   independent draws; their error is smaller than an i.i.d. sample's, so the
//!   Wilson interval is conservative.
//!
//! Run ids are `<scenario>/d<draw>-r<replicate>`; point `s × N + i` is
//! scenario `s` in world `i`. Everything is rebuilt from the run folders, so a
//! resumed run and any `--jobs` give the same bytes.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use toml::Value;

use super::{fmt, HeadlineOutcome, RunSeries, ScenarioFile, Statistic, HEADLINES};
use crate::analysis::sobol_seq;
use crate::analysis::uncertainty::UncertaintySpec;
use crate::config::{self, overrides, Config};
use crate::error::{Error, Result};
use crate::io::manifest::sha256_hex;
use crate::io::quote::{csv_field, markdown_cell};
use crate::io::read::{read_text, Cap};
use crate::sweep::plan::{PlanFile, PlanParameter, Run, FORMAT_VERSION};

/// The uncertainty file `scenarios --uncertainty` reads from `--configs`.
pub const UNCERTAINTY_FILE: &str = "uncertainty.toml";
/// Most draws (the Sobol generator's limit).
pub const MAX_DRAWS: u32 = sobol_seq::MAX_POINTS as u32;
/// Domain tag of the draw seeds, so they never coincide with the plain
/// replicate seeds of `scenarios` without `--uncertainty`. Never change.
const TAG_DRAW: u64 = 0x6472_6177_5F73_6565; // "draw_see"
/// Two-sided 95% standard normal quantile.
const Z95: f64 = 1.959_963_984_540_054;

/// Seed of replicate `r` in world `draw`: the same in every scenario.
pub fn draw_seed(master: u64, draw: u32, r: u32) -> u64 {
    crate::rng::derive_seed(master, &[TAG_DRAW, u64::from(draw), u64::from(r)])
}

/// 95% Wilson score interval of a proportion `k / n` (Wilson 1927): unlike
/// p ± 1.96·se it stays inside [0, 1] and does not collapse to a point at 0%
/// or 100%, which is where a headline's probability often sits.
pub fn wilson(k: usize, n: usize) -> (f64, f64) {
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let z2 = Z95 * Z95;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = Z95 / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// Read and check the uncertainty file: a factor on a policy lever is
/// refused (levers are what scenarios set, not what nature draws).
pub fn load_spec(path: &Path) -> Result<UncertaintySpec> {
    let text = read_text(path, Cap::Config)?;
    let origin = path.display().to_string();
    let spec = UncertaintySpec::parse(&text, &origin)?;
    for (i, f) in spec.factors.iter().enumerate() {
        if f.path.as_deref().is_some_and(|p| p.starts_with("policy.")) {
            return Err(Error::config(
                &origin,
                format!("uncertainty.factors[{i}].path"),
                format!(
                    "`{}` is a policy lever: set it in a scenario overlay, not as an uncertainty",
                    f.path.as_deref().unwrap_or_default()
                ),
            ));
        }
    }
    if spec.factors.is_empty() {
        return Err(Error::config(
            &origin,
            "uncertainty.factors",
            "no factors: list at least one uncertain parameter",
        ));
    }
    Ok(spec)
}

/// The N worlds of a scenario set: the draws, and which factors each
/// scenario holds at its own value.
#[derive(Clone, Debug)]
pub struct Worlds {
    /// The uncertain factors.
    pub spec: UncertaintySpec,
    /// The uncertainty file, for the plan's sources.
    pub file: PathBuf,
    /// Unit-cube point of each draw (one coordinate per factor).
    pub unit: Vec<Vec<f64>>,
    /// Per scenario, per factor: `Some(value)` when the scenario sets the
    /// parameter itself (its TOML literal), `None` when it is drawn.
    pub held: Vec<Vec<Option<String>>>,
}

impl Worlds {
    /// The first `n` scrambled Sobol points for `spec`, keyed by `master`,
    /// and the factors each scenario (`configs[0]` is the baseline) holds.
    pub fn new(
        spec: UncertaintySpec,
        file: &Path,
        n: u32,
        master: u64,
        configs: &[Config],
        sets: &[String],
    ) -> Result<Worlds> {
        if n == 0 || n > MAX_DRAWS {
            return Err(Error::Usage(format!(
                "--uncertainty must be between 1 and {MAX_DRAWS} draws"
            )));
        }
        let unit = sobol_seq::points(n as usize, spec.factors.len(), master)?;
        let tree = |c: &Config| {
            Value::try_from(c).map_err(|e| Error::Failed(format!("config as TOML: {e}")))
        };
        let mut base = tree(&configs[0])?;
        let set_keys: Vec<String> = sets
            .iter()
            .map(|s| {
                let key = s.split('=').next().unwrap_or(s);
                key.trim().trim_start_matches('-').to_string()
            })
            .collect();
        let origin = file.display().to_string();
        let mut held = Vec::with_capacity(configs.len());
        for c in configs {
            let mut t = tree(c)?;
            let mut row = Vec::with_capacity(spec.factors.len());
            for (i, f) in spec.factors.iter().enumerate() {
                let Some(path) = &f.path else {
                    row.push(None);
                    continue;
                };
                let bad =
                    |m: String| Error::config(&origin, format!("uncertainty.factors[{i}].path"), m);
                let mine = overrides::get(&mut t, path).map_err(bad)?.clone();
                let theirs = overrides::get(&mut base, path).map_err(bad)?;
                let by_set = set_keys.iter().any(|k| k == path);
                row.push((by_set || &mine != theirs).then(|| mine.to_string()));
            }
            held.push(row);
        }
        Ok(Worlds {
            spec,
            file: file.to_path_buf(),
            unit,
            held,
        })
    }

    /// Number of draws N.
    pub fn draws(&self) -> usize {
        self.unit.len()
    }

    /// The `path=value` overrides of world `draw` in scenario `scenario`
    /// (held factors and the dummy factor left out).
    pub fn assignments(&self, scenario: usize, draw: usize) -> Vec<String> {
        self.spec
            .factors
            .iter()
            .zip(&self.unit[draw])
            .zip(&self.held[scenario])
            .filter(|(_, held)| held.is_none())
            .filter_map(|((f, &u), _)| {
                f.path
                    .as_ref()
                    .map(|p| format!("{p}={}", f.value_at(u).to_toml()))
            })
            .collect()
    }

    /// The parameter values scenario `scenario` runs with in world `draw`,
    /// as TOML literals in factor order (held factors: the scenario's value).
    pub fn values(&self, scenario: usize, draw: usize) -> Vec<String> {
        self.spec
            .factors
            .iter()
            .zip(&self.unit[draw])
            .zip(&self.held[scenario])
            .map(|((f, &u), held)| held.clone().unwrap_or_else(|| f.value_at(u).to_toml()))
            .collect()
    }

    /// Load the baseline in every world, so an out-of-range draw fails with
    /// exit 2 before anything runs (the error names the draw and its values).
    pub fn validate(&self, baseline: &Path, sets: &[String]) -> Result<()> {
        let origin = self.file.display().to_string();
        for d in 0..self.draws() {
            let a = self.assignments(0, d);
            config::load(baseline, &[sets, a.as_slice()].concat()).map_err(|e| {
                Error::config(&origin, "uncertainty.factors", format!("draw {d}: {e}"))
            })?;
        }
        Ok(())
    }

    /// The scenario set crossed with the worlds, as a plan, with the config
    /// file and extra overrides of every point (for [`crate::sweep::executor::Source::Overlays`]).
    pub fn plan(
        &self,
        files: &[ScenarioFile],
        configs: &[Config],
        replicates: u32,
        master: u64,
    ) -> (PlanFile, Vec<PathBuf>, Vec<Vec<String>>) {
        let n = self.draws();
        let dw = n.saturating_sub(1).to_string().len().max(2);
        let rw = replicates.saturating_sub(1).to_string().len().max(2);
        let mut runs = Vec::with_capacity(files.len() * n * replicates as usize);
        let mut point_files = Vec::with_capacity(files.len() * n);
        let mut point_sets = Vec::with_capacity(files.len() * n);
        for (s, f) in files.iter().enumerate() {
            for d in 0..n {
                let point = s * n + d;
                let mut values = vec![crate::sweep::spec::string_literal(&f.name)];
                values.extend(self.values(s, d));
                for r in 0..replicates {
                    runs.push(Run {
                        run_id: format!("{}/d{d:0dw$}-r{r:0rw$}", f.name),
                        point,
                        replicate: r,
                        seed: draw_seed(master, d as u32, r),
                        values: values.clone(),
                    });
                }
                point_files.push(f.path.clone());
                point_sets.push(self.assignments(s, d));
            }
        }
        let mut sources: Vec<String> = files
            .iter()
            .zip(configs)
            .map(|(f, c)| format!("{} {}", f.name, sha256_hex(config::to_toml(c).as_bytes())))
            .collect();
        let spec_text: String = self
            .spec
            .factors
            .iter()
            .map(|f| format!("{} {:?}\n", f.name, f.distribution))
            .collect();
        sources.push(format!("uncertainty {}", sha256_hex(spec_text.as_bytes())));
        let mut parameters = vec![PlanParameter {
            path: "scenario".into(),
            discrete: true,
        }];
        parameters.extend(self.spec.factors.iter().map(|f| PlanParameter {
            path: f.name.clone(),
            discrete: matches!(
                f.distribution,
                crate::analysis::uncertainty::Distribution::Discrete(_)
            ),
        }));
        let plan = PlanFile {
            version: FORMAT_VERSION,
            name: "scenarios".into(),
            design: format!("scenarios x {n} sobol draws"),
            parameters,
            outcomes: super::tracked_outcomes(),
            runs,
            sources: Some(sources),
        };
        (plan, point_files, point_sets)
    }
}

/// A claim tested in every world.
#[derive(Clone, Copy, Debug)]
pub enum Test {
    /// The outcome exceeds a threshold.
    Above(f64),
    /// The outcome is below a threshold.
    Below(f64),
    /// The outcome is at most a threshold.
    AtMost(f64),
    /// The outcome is at least a threshold.
    AtLeast(f64),
    /// The outcome exceeds another outcome (e.g. US index > China's).
    Exceeds(HeadlineOutcome),
}

/// A yes/no headline: a label, the outcome it reads and the test.
#[derive(Clone, Copy, Debug)]
pub struct Claim {
    /// Sentence fragment for tables ("US leads innovation, 2035Q4").
    pub label: &'static str,
    /// Short id for CSV files.
    pub id: &'static str,
    /// The outcome tested.
    pub outcome: HeadlineOutcome,
    /// The test.
    pub test: Test,
}

const fn hl(metric: &'static str, scope: &'static str, stat: Statistic) -> HeadlineOutcome {
    HeadlineOutcome {
        metric,
        scope,
        stat,
    }
}

/// Last tick of 2030 (2030Q4) for a run starting 2026Q1, as the baseline does.
const TICK_2030Q4: f64 = 19.0;

/// The claims reported as probabilities, in output order.
pub const CLAIMS: &[Claim] = &[
    Claim {
        label: "US leads innovation (index), 2035Q4",
        id: "us_leads_innovation",
        outcome: hl("innovation_index", "US", Statistic::End),
        test: Test::Exceeds(hl("innovation_index", "CN", Statistic::End)),
    },
    Claim {
        label: "US leads diffusion (index), 2035Q4",
        id: "us_leads_diffusion",
        outcome: hl("diffusion_index", "US", Statistic::End),
        test: Test::Exceeds(hl("diffusion_index", "CN", Statistic::End)),
    },
    Claim {
        label: "US leads overall (dominance index), 2035Q4",
        id: "us_leads_dominance",
        outcome: hl("dominance_index", "US", Statistic::End),
        test: Test::Exceeds(hl("dominance_index", "CN", Statistic::End)),
    },
    Claim {
        label: "US frontier ahead of China's, 2035Q4",
        id: "us_frontier_ahead",
        outcome: hl("frontier_gap_months", "world", Statistic::End),
        test: Test::Above(0.0),
    },
    Claim {
        label: "US frontier more than 6 months ahead, 2035Q4",
        id: "us_frontier_ahead_6m",
        outcome: hl("frontier_gap_months", "world", Statistic::End),
        test: Test::Above(6.0),
    },
    Claim {
        label: "China's chips meet 90% of its AI-chip demand for good by 2030Q4",
        id: "cn_self_sufficient_by_2030",
        outcome: hl(
            "cn_chip_self_sufficiency",
            "CN",
            Statistic::FirstSustained(0.9),
        ),
        test: Test::AtMost(TICK_2030Q4),
    },
    Claim {
        label: "China leads open-model downloads, 2035Q4",
        id: "cn_leads_open_downloads",
        outcome: hl("open_download_share.US", "world", Statistic::End),
        test: Test::Below(0.5),
    },
    Claim {
        label: "Most US power markets (7+ of 13) below critical reserve, 2035Q4",
        id: "us_power_bound",
        outcome: hl("us_markets_below_critical", "US", Statistic::End),
        test: Test::AtLeast(7.0),
    },
];

/// Continuous rows of the README table: (index into [`HEADLINES`], label, scale, decimals).
const SPREAD_ROWS: &[(usize, &str, f64, usize)] = &[
    (0, "Frontier gap, 2035Q4 (months, + = US ahead)", 1.0, 1),
    (4, "US licence revenue, 2026-2035 total ($B)", 1e-9, 1),
    (8, "US data-center capacity, 2035Q4 (GW)", 1.0, 0),
    (10, "Countries aligned with China, 2035Q4", 1.0, 1),
    (20, "Dominance index US, 2035Q4", 1.0, 2),
];

/// One scenario's runs by world: `draws[i]` holds world i's finished replicates.
#[derive(Clone, Debug)]
pub struct WorldsResult {
    /// Scenario name.
    pub name: String,
    /// Tracked series of each finished replicate, per draw, in replicate order.
    pub draws: Vec<Vec<RunSeries>>,
}

impl WorldsResult {
    /// The replicate mean of `o` in every world (`NaN` where no replicate finished).
    pub fn world_means(&self, o: &HeadlineOutcome) -> Vec<f64> {
        let key = (o.metric.to_string(), o.scope.to_string());
        self.draws
            .iter()
            .map(|reps| {
                let v: Vec<f64> = reps
                    .iter()
                    .map(|r| r.get(&key).map_or(f64::NAN, |s| o.stat.apply(s)))
                    .collect();
                if v.is_empty() {
                    f64::NAN
                } else {
                    v.iter().sum::<f64>() / v.len() as f64
                }
            })
            .collect()
    }

    /// (worlds where the claim holds, worlds with a result) for `claim`.
    pub fn tally(&self, claim: &Claim) -> (usize, usize) {
        let a = self.world_means(&claim.outcome);
        let b = match claim.test {
            Test::Exceeds(other) => self.world_means(&other),
            _ => vec![f64::NAN; a.len()],
        };
        let mut yes = 0;
        let mut n = 0;
        for (x, y) in a.iter().zip(&b) {
            let holds = match claim.test {
                Test::Above(t) => x.is_finite().then_some(*x > t),
                Test::Below(t) => x.is_finite().then_some(*x < t),
                Test::AtMost(t) => x.is_finite().then_some(*x <= t),
                Test::AtLeast(t) => x.is_finite().then_some(*x >= t),
                Test::Exceeds(_) => (x.is_finite() && y.is_finite()).then_some(x > y),
            };
            if let Some(h) = holds {
                n += 1;
                yes += usize::from(h);
            }
        }
        (yes, n)
    }
}

/// Whole percent, for tables.
fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:.0}", 100.0 * x)
    } else {
        "NaN".into()
    }
}

/// `probabilities.csv`: one row per (scenario, claim).
pub fn probabilities_csv(results: &[WorldsResult]) -> String {
    let mut s =
        String::from("scenario,claim,worlds,worlds_true,probability,wilson95_lo,wilson95_hi\n");
    for r in results {
        for c in CLAIMS {
            let (k, n) = r.tally(c);
            let (lo, hi) = wilson(k, n);
            let p = if n > 0 { k as f64 / n as f64 } else { f64::NAN };
            let _ = writeln!(
                s,
                "{},{},{n},{k},{},{},{}",
                csv_field(&r.name),
                c.id,
                fmt(p),
                fmt(lo),
                fmt(hi)
            );
        }
    }
    s
}

/// `scenarios.csv` over worlds: per (scenario, headline) the mean, 5th, 50th
/// and 95th percentile of the world means.
pub fn spread_csv(results: &[WorldsResult]) -> String {
    let mut s = String::from("scenario,metric,scope,statistic,mean,p05,p50,p95,worlds\n");
    for r in results {
        for h in HEADLINES {
            let (sm, median) = spread(&r.world_means(h));
            let _ = writeln!(
                s,
                "{},{},{},{},{},{},{},{},{}",
                csv_field(&r.name),
                h.metric,
                h.scope,
                h.stat.label(),
                fmt(sm.mean),
                fmt(sm.p05),
                fmt(median),
                fmt(sm.p95),
                sm.n
            );
        }
    }
    s
}

/// Summary and median of the finite world means.
fn spread(values: &[f64]) -> (crate::stats::Summary, f64) {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let mut sorted = finite.clone();
    sorted.sort_by(|a, b| a.total_cmp(b));
    (
        crate::stats::summarise(&finite),
        crate::stats::quantile(&sorted, 0.5),
    )
}

/// `worlds.csv`: every (scenario, draw) with its parameter values and its
/// replicate-mean headline outcomes, the table to hand to PRIM or a notebook.
pub fn worlds_csv(worlds: &Worlds, results: &[WorldsResult]) -> String {
    let mut s = String::from("scenario,draw,replicates");
    for f in &worlds.spec.factors {
        let _ = write!(s, ",{}", csv_field(&f.name));
    }
    for h in HEADLINES {
        let _ = write!(s, ",{}@{}:{}", h.metric, h.scope, h.stat.label());
    }
    s.push('\n');
    for (si, r) in results.iter().enumerate() {
        let means: Vec<Vec<f64>> = HEADLINES.iter().map(|h| r.world_means(h)).collect();
        for (d, reps) in r.draws.iter().enumerate() {
            let _ = write!(s, "{},{d},{}", csv_field(&r.name), reps.len());
            for v in worlds.values(si, d) {
                let _ = write!(s, ",{}", csv_field(&v));
            }
            for m in &means {
                let _ = write!(s, ",{}", fmt(m[d]));
            }
            s.push('\n');
        }
    }
    s
}

/// The README block: probabilities with Wilson intervals, then the spread of
/// a few outcomes across worlds; scenarios as columns.
pub fn readme_markdown(
    results: &[WorldsResult],
    draws: usize,
    replicates: u32,
    master: u64,
) -> String {
    let mut s = format!(
        "Share of {draws} plausible worlds (parameter draws from `configs/uncertainty.toml`, \
         scrambled Sobol, seed {master}) in which each claim holds, with its 95% Wilson interval; \
         in each world the outcome is the mean over {replicates} seed(s), and every scenario sees the \
         same worlds and seeds. Below: median [5th–95th percentile] across worlds. \
         Regenerate with `scripts/update-readme-results.sh`; full tables: \
         `output/scenarios/probabilities.csv`, `scenarios.csv`, `worlds.csv`.\n\n| |"
    );
    for r in results {
        let _ = write!(s, " {} |", markdown_cell(&r.name));
    }
    s.push_str("\n|---|");
    for _ in results {
        s.push_str("---|");
    }
    s.push('\n');
    for c in CLAIMS {
        let _ = write!(s, "| {} |", c.label);
        for r in results {
            let (k, n) = r.tally(c);
            let (lo, hi) = wilson(k, n);
            let p = if n > 0 { k as f64 / n as f64 } else { f64::NAN };
            let _ = write!(s, " {}% [{}–{}] |", pct(p), pct(lo), pct(hi));
        }
        s.push('\n');
    }
    for (i, label, scale, dec) in SPREAD_ROWS {
        let _ = write!(s, "| {label} |");
        for r in results {
            let (sm, med) = spread(&r.world_means(&HEADLINES[*i]));
            let (m, lo, hi) = (med * scale, sm.p05 * scale, sm.p95 * scale);
            let _ = write!(s, " {m:.dec$} [{lo:.dec$}, {hi:.dec$}] |");
        }
        s.push('\n');
    }
    s
}

/// The probability table for the report page (HTML).
pub fn report_table(results: &[WorldsResult], draws: usize, replicates: u32) -> String {
    let esc = crate::report::escape_html;
    let mut b = format!(
        "<h2>Across {draws} plausible worlds</h2>\n<p>Share of parameter draws in which each \
         claim holds (replicate means of {replicates} seeds per world), 95% Wilson interval in \
         brackets. Data: <a href=\"{p}\">{p}</a>, <a href=\"{w}\">{w}</a>.</p>\n<table>\n<tr><th>claim</th>",
        p = crate::layout::PROBABILITIES_CSV,
        w = crate::layout::WORLDS_CSV,
    );
    for r in results {
        let _ = write!(b, "<th>{}</th>", esc(&r.name));
    }
    b.push_str("</tr>\n");
    for c in CLAIMS {
        let _ = write!(b, "<tr><td>{}</td>", esc(c.label));
        for r in results {
            let (k, n) = r.tally(c);
            let (lo, hi) = wilson(k, n);
            let p = if n > 0 { k as f64 / n as f64 } else { f64::NAN };
            let _ = write!(b, "<td>{}% [{}–{}]</td>", pct(p), pct(lo), pct(hi));
        }
        b.push_str("</tr>\n");
    }
    b.push_str("</table>\n");
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_hand_computed_values() {
        // 64 of 100: p = 0.64, z = 1.96; centre = (0.64 + 0.0192) / 1.0384 = 0.63482,
        // half = 1.96 / 1.0384 * sqrt(0.002304 + 0.0000960) = 0.092469.
        let (lo, hi) = wilson(64, 100);
        assert!(
            (lo - 0.5423).abs() < 5e-4 && (hi - 0.7273).abs() < 5e-4,
            "{lo} {hi}"
        );
        // 0 of n: lower bound exactly 0, upper z²/(n+z²).
        let (lo, hi) = wilson(0, 50);
        let z2 = Z95 * Z95;
        assert_eq!(lo, 0.0);
        assert!((hi - z2 / (50.0 + z2)).abs() < 1e-12, "{hi}");
        let (lo, hi) = wilson(50, 50);
        assert!(
            (lo - 50.0 / (50.0 + z2)).abs() < 1e-12 && hi == 1.0,
            "{lo} {hi}"
        );
        assert!(wilson(0, 0).0.is_nan());
    }

    #[test]
    fn draw_seeds_are_distinct_and_not_replicate_seeds() {
        let m = 20260101;
        let mut seen = std::collections::BTreeSet::new();
        for d in 0..50 {
            for r in 0..4 {
                assert!(seen.insert(draw_seed(m, d, r)));
            }
        }
        for r in 0..4 {
            assert!(!seen.contains(&super::super::replicate_seed(m, r)));
        }
    }
}
