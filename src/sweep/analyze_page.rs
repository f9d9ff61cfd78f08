//! What `airace analyze` writes: CSV tables, charts, the PRIM box as a
//! runnable sweep file, and `analysis.html` (the shared report style).
//!
//! Files (in the analysis folder, default `SWEEP_DIR/analysis/`):
//!
//! ```text
//! sobol_<outcome>.csv              factor, s1, s1_conf, st, st_conf
//! sobol_<outcome>_convergence.csv  the same at N/4, N/2, N (blocks used)
//! sobol_<outcome>_s2.csv           second-order indices (second_order designs)
//! morris_<outcome>.csv             factor, mu, mu_star, sigma, mu_star_conf, effects
//! prim_trajectory.csv, prim_box.csv, prim_box.toml
//! runs_not_ok.csv                  every missing or failed run, by id
//! charts/*.png, analysis.html
//! ```
//!
//! With several lever settings, each gets its own files (`_levers<k>`).

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::analysis::prim::PrimResult;
use crate::analysis::study::write_csv;
use crate::analysis::table::RunStatus;
use crate::analysis::uncertainty::{format_float, Distribution, Factor};
use crate::error::Result;
use crate::io::atomic::write_atomic;
use crate::io::quote::csv_text;
use crate::layout::{ANALYSIS_HTML, CHARTS};
use crate::plot::analysis::{morris_chart, prim_chart, sobol_chart, MorrisPoint, SobolBar};
use crate::report::{escape_html, write_html_page};

use super::analyze::{op_text, Case, Column, Finding, Method, Section};
use super::design::PlanStudy;
use super::plan::PlanFile;

/// Everything the page shows.
pub(crate) struct Page<'a> {
    pub plan: &'a PlanFile,
    pub study: Option<&'a PlanStudy>,
    pub method: Method,
    pub case: Option<&'a Case>,
    pub sections: &'a [Section],
    pub warnings: &'a [String],
    pub not_ok: &'a [(String, RunStatus, String)],
    pub runs_ok: usize,
}

#[derive(Serialize)]
struct NotOkRow<'a> {
    run_id: String,
    status: &'a str,
    error: String,
}

#[derive(Serialize)]
struct BoxRow {
    factor: String,
    min: f64,
    max: f64,
    restricted: bool,
    values: String,
}

/// Write every file of the analysis into `out` (charts first, page last).
pub(crate) fn write(out: &Path, page: &Page<'_>) -> Result<()> {
    let charts = out.join(CHARTS);
    std::fs::create_dir_all(&charts).map_err(|e| crate::error::Error::output(&charts, e))?;
    let rows: Vec<NotOkRow> = page
        .not_ok
        .iter()
        .map(|(id, s, e)| NotOkRow {
            run_id: csv_text(id),
            status: s.as_str(),
            error: csv_text(e),
        })
        .collect();
    if rows.is_empty() {
        write_atomic(&out.join("runs_not_ok.csv"), b"run_id,status,error\n")?;
    } else {
        write_csv(&out.join("runs_not_ok.csv"), &rows)?;
    }
    let mut body = intro(page);
    for s in page.sections {
        body += &match &s.finding {
            Finding::Sobol(r) => sobol_section(out, page, s, r)?,
            Finding::Morris(r) => morris_section(out, page, s, r)?,
            Finding::Prim(r, cols) => prim_section(out, page, s, r, cols)?,
        };
    }
    let title = format!(
        "Sensitivity of sweep {} ({})",
        page.plan.name,
        page.method.as_str()
    );
    write_html_page(&out.join(ANALYSIS_HTML), &title, &body)
}

fn intro(page: &Page<'_>) -> String {
    let mut h = String::new();
    let total = page.plan.runs.len();
    let design = page
        .study
        .map_or(page.plan.design.as_str(), |s| s.kind.as_str());
    let _ = writeln!(
        h,
        "<p>Sweep <code>{}</code>, {design} design: {} of {total} runs finished.</p>",
        escape_html(&page.plan.name),
        page.runs_ok
    );
    for w in page.warnings {
        let _ = writeln!(h, "<p><strong>Warning:</strong> {}</p>", escape_html(w));
    }
    if let Some(s) = page.study {
        h += "<h2>Uncertain factors</h2>\n<table><tr><th>factor</th><th>config path</th>\
              <th>distribution</th><th>source</th></tr>\n";
        for f in &s.factors {
            let fac = f.factor();
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                escape_html(&f.name),
                escape_html(f.path.as_deref().unwrap_or("(none: the dummy)")),
                escape_html(&describe(&fac)),
                escape_html(&f.source)
            );
        }
        h += "</table>\n";
    }
    h
}

fn describe(f: &Factor) -> String {
    match &f.distribution {
        Distribution::Uniform { min, max } => format!("uniform [{min}, {max}]"),
        Distribution::LogUniform { min, max } => format!("log-uniform [{min}, {max}]"),
        Distribution::Triangular { min, mode, max } => {
            format!("triangular [{min}, {max}], mode {mode}")
        }
        Distribution::Discrete(v) => {
            let v: Vec<String> = v.iter().map(|x| x.to_toml()).collect();
            format!("one of {}", v.join(", "))
        }
    }
}

fn heading(s: &Section) -> String {
    let mut parts = s.outcome.splitn(3, '@');
    let (metric, scope, when) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or("world"),
        parts.next().unwrap_or("last"),
    );
    let when = match when {
        "last" => "at the end of the run".to_string(),
        t => format!("after quarter {t}"),
    };
    let label = crate::catalogue::metric(metric).label_in(scope);
    let mut h = format!(
        "{} {when} (<code>{}</code>)",
        escape_html(&label),
        escape_html(&s.outcome)
    );
    if !s.levers.is_empty() {
        h += &format!(" at {}", escape_html(&s.levers));
    }
    h
}

/// The outcome in words: "Frontier gap … after quarter 39".
fn plain(outcome: &str) -> String {
    let mut parts = outcome.splitn(3, '@');
    let (metric, scope, when) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or("world"),
        parts.next().unwrap_or("last"),
    );
    let when = match when {
        "last" => "at the end of the run".to_string(),
        t => format!("after quarter {t}"),
    };
    format!(
        "{} {when}",
        crate::catalogue::metric(metric).label_in(scope)
    )
}

fn img(file: &str, alt: &str) -> String {
    format!(
        "<img src=\"{CHARTS}/{file}\" alt=\"{}\">\n",
        escape_html(alt)
    )
}

fn num(v: f64) -> String {
    format!("{v:.3}")
}

fn sobol_section(
    out: &Path,
    page: &Page<'_>,
    s: &Section,
    r: &crate::analysis::SobolResult,
) -> Result<String> {
    write_csv(&out.join(format!("{}.csv", s.stem)), &r.indices)?;
    write_csv(
        &out.join(format!("{}_convergence.csv", s.stem)),
        &r.convergence,
    )?;
    if !r.second_order.is_empty() {
        write_csv(&out.join(format!("{}_s2.csv", s.stem)), &r.second_order)?;
    }
    let bars: Vec<SobolBar> = r
        .indices
        .iter()
        .map(|i| SobolBar {
            factor: i.factor.clone(),
            s1: (i.s1, i.s1_conf),
            st: (i.st, i.st_conf),
        })
        .collect();
    let title = format!("What drives: {}?", plain(&s.outcome));
    let sub = format!(
        "Sobol indices, sweep {} · {} of {} Saltelli blocks complete{}",
        page.plan.name,
        r.blocks_used,
        r.blocks_total,
        if s.levers.is_empty() {
            String::new()
        } else {
            format!(" · {}", s.levers)
        }
    );
    let file = format!("{}.png", s.stem);
    sobol_chart(&title, &sub, &bars, &out.join(CHARTS).join(&file))?;
    let mut h = format!("<h2>{}</h2>\n", heading(s));
    let _ = writeln!(
        h,
        "<p>{} of {} Saltelli blocks complete ({} runs missing or failed). S1: the share of \
         the outcome's variance a factor explains alone; ST: with all its interactions. \
         The dummy factor is read by no run: indices near its own are noise.</p>",
        r.blocks_used, r.blocks_total, r.runs_missing
    );
    h += &img(&file, &title);
    h += "<table><tr><th>factor</th><th>S1</th><th>± CI</th><th>ST</th><th>± CI</th></tr>\n";
    for i in &r.indices {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape_html(&i.factor),
            num(i.s1),
            num(i.s1_conf),
            num(i.st),
            num(i.st_conf)
        );
    }
    h += "</table>\n<p>Convergence: the indices on the first N/4, N/2 and N blocks \
          (still moving between N/2 and N: raise N).</p>\n<table><tr><th>factor</th>";
    let ns: Vec<usize> = {
        let mut v: Vec<usize> = r.convergence.iter().map(|c| c.n).collect();
        v.dedup();
        v
    };
    for which in ["S1", "ST"] {
        for n in &ns {
            let _ = write!(h, "<th>{which} (N={n})</th>");
        }
    }
    h += "</tr>\n";
    for i in &r.indices {
        let _ = write!(h, "<tr><td>{}</td>", escape_html(&i.factor));
        for pick in [0, 1] {
            for n in &ns {
                let c = r
                    .convergence
                    .iter()
                    .find(|c| c.n == *n && c.factor == i.factor);
                let v = c.map_or(f64::NAN, |c| if pick == 0 { c.s1 } else { c.st });
                let _ = write!(h, "<td>{}</td>", num(v));
            }
        }
        h += "</tr>\n";
    }
    h += "</table>\n";
    let _ = writeln!(
        h,
        "<p>Data: <a href=\"{0}.csv\">{0}.csv</a>, <a href=\"{0}_convergence.csv\">{0}_convergence.csv</a>{1}.</p>",
        s.stem,
        if r.second_order.is_empty() {
            String::new()
        } else {
            format!(", <a href=\"{0}_s2.csv\">{0}_s2.csv</a>", s.stem)
        }
    );
    Ok(h)
}

fn morris_section(
    out: &Path,
    page: &Page<'_>,
    s: &Section,
    r: &crate::analysis::MorrisResult,
) -> Result<String> {
    write_csv(&out.join(format!("{}.csv", s.stem)), &r.rows)?;
    let points: Vec<MorrisPoint> = r
        .rows
        .iter()
        .map(|m| MorrisPoint {
            factor: m.factor.clone(),
            mu_star: (m.mu_star, m.mu_star_conf),
            sigma: m.sigma,
        })
        .collect();
    let title = format!("What moves: {}?", plain(&s.outcome));
    let sub = format!(
        "Morris screening, sweep {} · effects per unit of each factor's sampled range{}",
        page.plan.name,
        if s.levers.is_empty() {
            String::new()
        } else {
            format!(" · {}", s.levers)
        }
    );
    let file = format!("{}.png", s.stem);
    morris_chart(&title, &sub, &points, &out.join(CHARTS).join(&file))?;
    let mut h = format!("<h2>{}</h2>\n", heading(s));
    h += &img(&file, &title);
    h += "<table><tr><th>factor</th><th>μ*</th><th>± CI</th><th>μ</th><th>σ</th><th>effects</th></tr>\n";
    for m in &r.rows {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape_html(&m.factor),
            num(m.mu_star),
            num(m.mu_star_conf),
            num(m.mu),
            num(m.sigma),
            m.effects
        );
    }
    h += "</table>\n";
    let _ = writeln!(h, "<p>Data: <a href=\"{0}.csv\">{0}.csv</a>.</p>", s.stem);
    Ok(h)
}

fn prim_section(
    out: &Path,
    page: &Page<'_>,
    s: &Section,
    r: &PrimResult,
    cols: &[Column],
) -> Result<String> {
    let case = page.case.expect("PRIM has a case");
    write_csv(&out.join("prim_trajectory.csv"), &r.trajectory)?;
    let rows: Vec<BoxRow> = r
        .chosen
        .limits
        .iter()
        .zip(cols)
        .map(|(l, c)| BoxRow {
            factor: csv_text(&l.factor),
            min: l.min,
            max: l.max,
            restricted: l.restricted,
            values: c
                .labels
                .as_ref()
                .map(|v| csv_text(&kept(v, l.min, l.max).join(" ")))
                .unwrap_or_default(),
        })
        .collect();
    write_csv(&out.join("prim_box.csv"), &rows)?;
    write_atomic(
        &out.join("prim_box.toml"),
        box_sweep(page, case, r, cols).as_bytes(),
    )?;
    let pts: Vec<(f64, f64)> = r
        .trajectory
        .iter()
        .map(|t| (t.coverage, t.density))
        .collect();
    let title = format!("Where does {} hold?", case.text);
    let sub = format!(
        "PRIM peeling trajectory, sweep {} · {} of {} usable runs are cases · {} runs left out (missing or failed)",
        page.plan.name, r.positives, r.runs_used, r.runs_missing
    );
    prim_chart(
        &title,
        &sub,
        &pts,
        r.chosen.step,
        &out.join(CHARTS).join("prim.png"),
    )?;
    let mut h = format!("<h2>Scenario discovery: {}</h2>\n", escape_html(&case.text));
    h += &img("prim.png", &title);
    let _ = writeln!(
        h,
        "<p>Chosen box (step {}{}): coverage {}, density {}, mass {}. Restricted ranges:</p>",
        r.chosen.step,
        if r.chosen.pasted { ", pasted" } else { "" },
        num(r.chosen.coverage),
        num(r.chosen.density),
        num(r.chosen.mass)
    );
    h += "<table><tr><th>parameter</th><th>box</th><th>restricted</th></tr>\n";
    for (l, c) in r.chosen.limits.iter().zip(cols) {
        let range = match &c.labels {
            Some(v) => kept(v, l.min, l.max).join(", "),
            None => format!("{} – {}", short_num(l.min), short_num(l.max)),
        };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape_html(&l.factor),
            escape_html(&range),
            if l.restricted { "yes" } else { "" }
        );
    }
    h += "</table>\n<p>Data: <a href=\"prim_trajectory.csv\">prim_trajectory.csv</a>, \
          <a href=\"prim_box.csv\">prim_box.csv</a>; the box as a sweep you can run: \
          <a href=\"prim_box.toml\">prim_box.toml</a>.</p>\n";
    let _ = s;
    Ok(h)
}

fn short_num(v: f64) -> String {
    format!("{:.4}", v)
        .trim_end_matches('0')
        .trim_end_matches('.')
        .to_string()
}

/// The text values whose codes lie in `[min, max]`.
fn kept(labels: &[String], min: f64, max: f64) -> Vec<String> {
    labels
        .iter()
        .enumerate()
        .filter(|(i, _)| (min..=max).contains(&(*i as f64)))
        .map(|(_, v)| v.clone())
        .collect()
}

fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The box as a complete sweep file: the same base, sets and outcomes, the
/// levers narrowed to the values inside, sampled parameters and factors
/// narrowed to the box (an LHS over them), so `airace sweep prim_box.toml`
/// studies "the worlds where it happens" directly.
fn box_sweep(page: &Page<'_>, case: &Case, r: &PrimResult, cols: &[Column]) -> String {
    let b = &r.chosen;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# PRIM box for `{} {} {}`: coverage {:.3}, density {:.3}, mass {:.3} (peeling step {}{}),\n\
         # from sweep `{}`. Run it with `airace sweep prim_box.toml`.",
        case.outcome,
        op_text(case.condition.op),
        case.condition.threshold,
        b.coverage,
        b.density,
        b.mass,
        b.step,
        if b.pasted { ", pasted" } else { "" },
        page.plan.name
    );
    let study = page.study;
    let _ = writeln!(
        s,
        "name = {}",
        quote(&format!("{}_prim_box", page.plan.name))
    );
    let base = study.map_or("CHANGE-ME: the base config of the sweep", |st| {
        st.base.as_str()
    });
    let _ = writeln!(s, "base = {}", quote(base));
    let _ = writeln!(s, "replicates = {}", study.map_or(1, |st| st.replicates));
    let _ = writeln!(s, "master_seed = {}", study.map_or(1, |st| st.master_seed));
    if let Some(st) = study.filter(|st| !st.sets.is_empty()) {
        let sets: Vec<String> = st.sets.iter().map(|x| quote(x)).collect();
        let _ = writeln!(s, "sets = [{}]", sets.join(", "));
    }
    let mut factors = String::new();
    let mut dummy = false;
    for ((l, c), p) in b.limits.iter().zip(cols).zip(&page.plan.parameters) {
        if let (Some(i), Some(st)) = (c.factor, study) {
            let f = st.factors[i].factor();
            if f.is_dummy() {
                dummy = true;
                continue;
            }
            let limits = l.restricted.then_some((l.min, l.max));
            let source = match limits {
                Some(_) => format!("PRIM box (full range: {})", f.source),
                None => f.source.clone(),
            };
            factors += &f.to_toml(limits, &source);
            continue;
        }
        let _ = writeln!(s, "\n[[parameters]]\npath = {}", quote(&p.path));
        match &c.labels {
            Some(v) => {
                let vals: Vec<String> = kept(v, l.min, l.max).iter().map(|x| quote(x)).collect();
                let _ = writeln!(s, "values = [{}]", vals.join(", "));
            }
            None if p.discrete => {
                // A listed numeric axis: keep the listed values inside the box.
                let mut vals: Vec<String> = Vec::new();
                for run in &page.plan.runs {
                    let k = page
                        .plan
                        .parameters
                        .iter()
                        .position(|q| q == p)
                        .unwrap_or(0);
                    let v = &run.values[k];
                    let inside = v.parse::<f64>().is_ok_and(|x| (l.min..=l.max).contains(&x));
                    if inside && !vals.contains(v) {
                        vals.push(v.clone());
                    }
                }
                let _ = writeln!(s, "values = [{}]", vals.join(", "));
            }
            None => {
                let _ = writeln!(
                    s,
                    "range = [{}, {}]",
                    format_float(l.min),
                    format_float(l.max)
                );
            }
        }
    }
    let _ = writeln!(s, "\n[design]\nkind = \"lhs\"\npoints = 50");
    if dummy || !factors.is_empty() {
        let _ = writeln!(s, "\n[uncertainty]");
        if dummy {
            let _ = writeln!(s, "dummy = true");
        }
        s += &factors;
    }
    for o in &page.plan.outcomes {
        let tick = if o.tick == "last" {
            "\"last\"".to_string()
        } else {
            o.tick.clone()
        };
        let _ = writeln!(
            s,
            "\n[[outcomes]]\nmetric = {}\nscope = {}\ntick = {tick}",
            quote(&o.metric),
            quote(&o.scope)
        );
    }
    s
}
