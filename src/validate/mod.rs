//! `airace validate`: replay 2023–2025 and score the model against what happened.
//!
//! A model that starts in 2026 and is never checked against the past cannot
//! tell a finding from an artefact. This module runs `configs/history.toml`
//! (the world on 2023Q1 and the real policy timeline) with several seeds,
//! reads the observed figures in `configs/targets/*.toml`, and scores every
//! target: model mean and 5–95% band over replicates, the observed value and
//! its trusted range, inside or not, and a normalised error. Targets used to
//! set inputs (`use = "fit"`) are reported apart from those held out to check
//! the model (`use = "check"`): only the latter are evidence.
//!
//! Everything that can be wrong with the input (config, target files, metric,
//! scope and period names checked against what a one-tick run actually
//! writes) is checked before any file is written; the output folder gets
//! `validation.csv`, `validation.md` (the README table), `validation.png` and
//! `report.html`, each written atomically.

pub mod chart;
pub mod history;
pub mod odd;
pub mod score;
pub mod targets;

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::config;
use crate::error::{Error, Result};
use crate::io::atomic::write_atomic;
use crate::report::escape_html;
use score::{short, Scored};
pub use targets::{Resolved, TargetError, TargetProblem, Use};

/// The history config shipped with the model.
pub const DEFAULT_CONFIG: &str = "configs/history.toml";

/// What to validate and where to write.
#[derive(Clone, Debug)]
pub struct ValidateOptions {
    /// The history config (default [`DEFAULT_CONFIG`]).
    pub config: PathBuf,
    /// Folder of target files (default: `targets/` beside the config).
    pub targets: Option<PathBuf>,
    /// Seeds to run (at least 1).
    pub replicates: u32,
    /// Output folder.
    pub out: PathBuf,
    /// `--set` assignments applied to the config.
    pub sets: Vec<String>,
    /// Worker threads (default: all cores); results do not depend on it.
    pub threads: Option<usize>,
    /// Write into a folder that holds other work ([`crate::layout::claim_folder`]).
    pub force: bool,
}

impl Default for ValidateOptions {
    fn default() -> Self {
        ValidateOptions {
            config: PathBuf::from(DEFAULT_CONFIG),
            targets: None,
            replicates: 10,
            out: PathBuf::from("output/validate"),
            sets: Vec::new(),
            threads: None,
            force: false,
        }
    }
}

/// The scored hindcast.
#[derive(Clone, Debug)]
pub struct ValidationReport {
    /// Name of the config run.
    pub config_name: String,
    /// Replicates run.
    pub replicates: u32,
    /// One row per target, grouped by area (files in name order), fit before check.
    pub rows: Vec<Scored>,
    /// Wall time of the runs and scoring, seconds.
    pub wall_time_s: f64,
}

impl ValidationReport {
    /// (inside, total) over targets of one use.
    pub fn tally(&self, use_: Use) -> (usize, usize) {
        score::tally(&self.rows, use_)
    }

    /// Held-out check targets that miss their range.
    pub fn misses(&self) -> Vec<&Scored> {
        self.rows
            .iter()
            .filter(|r| r.use_ == Use::Check && !r.inside)
            .collect()
    }

    /// A few lines for the terminal.
    pub fn summary(&self, out: &Path) -> String {
        let (ci, cn) = self.tally(Use::Check);
        let (fi, fnn) = self.tally(Use::Fit);
        let mut s = format!(
            "validated {} with {} replicates in {:.1} s: {ci}/{cn} check targets inside their range, {fi}/{fnn} fit targets\n",
            self.config_name, self.replicates, self.wall_time_s
        );
        for m in self.misses() {
            s.push_str(&format!(
                "  miss {}: model {} vs observed {} ({}–{})\n",
                m.id,
                short(m.mean),
                short(m.target),
                short(m.range[0]),
                short(m.range[1])
            ));
        }
        s.push_str(&format!("  wrote {}", out.join("report.html").display()));
        s
    }

    /// The HTML section for a report: score line, chart, and the table with sources.
    pub fn html_section(&self, chart_href: &str) -> String {
        let (ci, cn) = self.tally(Use::Check);
        let (fi, fnn) = self.tally(Use::Fit);
        let mut b = format!(
            "<section id=\"validation\">\n<h2>How well does it fit the past? (2023–2025)</h2>\n\
             <p class=\"lead\">{ci} of {cn} held-out check targets inside their range; \
             {fi} of {fnn} fit targets ({} replicates of <code>{}</code>).</p>\n\
             <figure><img src=\"{}\" alt=\"validation chart\"><figcaption>Each target on its own \
             scale: observed value at 0, trusted range grey, model band and mean.</figcaption></figure>\n\
             <table><tr><th>area</th><th>use</th><th>target</th><th>when</th><th>observed (range)</th>\
             <th>model mean [5–95%]</th><th>inside</th><th>source · mapping</th></tr>\n",
            self.replicates,
            escape_html(&self.config_name),
            escape_html(chart_href)
        );
        for r in &self.rows {
            b.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td><code>{}</code><br><small>{}</small></td><td>{}</td>\
                 <td class=\"num\">{} ({}–{})</td><td class=\"num\">{} [{}–{}]</td><td>{}</td>\
                 <td><small>{} · {}</small></td></tr>\n",
                escape_html(&r.area),
                r.use_.label(),
                escape_html(&r.id),
                escape_html(&r.observable),
                escape_html(&r.when),
                short(r.target),
                short(r.range[0]),
                short(r.range[1]),
                short(r.mean),
                short(r.p05),
                short(r.p95),
                if r.inside { "yes" } else { "<b>no</b>" },
                escape_html(&r.source),
                escape_html(&r.mapping)
            ));
        }
        b.push_str("</table>\n</section>\n");
        b
    }
}

/// Everything checked and ready to run: nothing has been written yet.
struct Prepared {
    config: config::Config,
    targets: Vec<Resolved>,
}

/// Load the config and the targets and check every name against a one-tick run.
fn prepare(opts: &ValidateOptions) -> Result<Prepared> {
    if opts.replicates == 0 {
        return Err(Error::Usage("--replicates must be at least 1".into()));
    }
    let loaded = config::load(&opts.config, &opts.sets)?;
    let dir = match &opts.targets {
        Some(d) => d.clone(),
        None => opts
            .config
            .parent()
            .unwrap_or(Path::new("."))
            .join("targets"),
    };
    let shape = history::run_shape(&loaded.config)?;
    let mut targets = targets::load_dir(&dir, &shape)?;
    // Stable display order: by file (area), fit before check, then as written.
    targets.sort_by_key(|t| (t.file.clone(), t.target.use_));
    Ok(Prepared {
        config: loaded.config,
        targets,
    })
}

/// Run the history and score it, in memory (no files).
pub fn evaluate(opts: &ValidateOptions) -> Result<ValidationReport> {
    let prepared = prepare(opts)?;
    score_prepared(&prepared, opts)
}

fn score_prepared(p: &Prepared, opts: &ValidateOptions) -> Result<ValidationReport> {
    let started = Instant::now();
    let runs = crate::simulation::with_threads(opts.threads, || {
        history::run_replicates(&p.config, opts.replicates, &p.targets)
    })??;
    let rows = p
        .targets
        .iter()
        .map(|t| {
            let values: Vec<f64> = runs.iter().map(|(_, s)| score::observe(t, s)).collect();
            score::score(t, &values)
        })
        .collect();
    Ok(ValidationReport {
        config_name: p.config.name.clone(),
        replicates: opts.replicates,
        rows,
        wall_time_s: (started.elapsed().as_secs_f64() * 100.0).round() / 100.0,
    })
}

/// `airace validate`: check the input, run, score, and write the output folder.
///
/// Bad input (config, target file, unknown metric, scope or period) is an
/// error with exit code 2 and nothing is written. The command succeeds
/// whatever the score: a poor fit is a finding, not a failure.
pub fn run(opts: ValidateOptions) -> Result<ValidationReport> {
    let prepared = prepare(&opts)?;
    crate::layout::claim_folder(&opts.out, crate::layout::FolderWork::Validate, opts.force)?;
    let report = score_prepared(&prepared, &opts)?;
    let _lock = crate::layout::FolderLock::acquire(&opts.out)?;
    write_outputs(&report, &opts.out)?;
    Ok(report)
}

/// Write `validation.csv`, `validation.md`, `validation.png` and `report.html` into `out`.
pub fn write_outputs(report: &ValidationReport, out: &Path) -> Result<()> {
    std::fs::create_dir_all(out).map_err(|e| Error::output(out, e))?;
    crate::layout::remove_stale_temps(out);
    write_atomic(
        &out.join(crate::layout::VALIDATION_CSV),
        score::to_csv(&report.rows).as_bytes(),
    )?;
    let md = score::to_markdown(&report.rows, report.replicates as usize);
    write_atomic(&out.join("validation.md"), md.as_bytes())?;
    let title = format!(
        "airace hindcast: {} ({} replicates)",
        report.config_name, report.replicates
    );
    chart::render(&report.rows, &title, &out.join("validation.png"))?;
    let body = format!(
        "<h1>airace: validation against 2023–2025</h1>\n{}",
        report.html_section("validation.png")
    );
    crate::report::write_html_page(&out.join("report.html"), &title, &body)
}
