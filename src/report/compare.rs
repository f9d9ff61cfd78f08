//! `compare.html`: what differs between several runs, and what it changes.
//!
//! The first run is the reference. The page says which config values
//! differ (a key-by-key diff of the resolved `config.toml` files), then the
//! overlay charts, then the last-quarter values with a delta column against
//! the reference for every other run.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::{escape_html, figure, table, write_page, Cell, Page};
use crate::catalogue;
use crate::error::Result;
use crate::io::timeseries::Timeseries;
use crate::plot::race;
use crate::plot::CompareRow;

/// One run on the comparison page.
#[derive(Clone, Debug)]
pub struct CompareRun {
    /// Unique display name (the folder's name).
    pub name: String,
    /// The run folder as given.
    pub dir: PathBuf,
    /// Its rows.
    pub timeseries: Timeseries,
    /// Its provenance line from the manifest ("baseline + policy.us.friction=0.9"), if any.
    pub provenance: String,
    /// Its resolved `config.toml`, when the folder has one.
    pub config_toml: Option<String>,
}

/// Config keys shown in the "what differs" table before the rest are counted.
const MAX_DIFF_ROWS: usize = 40;

/// Flatten a TOML document into `dotted.key → value` leaves; arrays of
/// tables get `[i]` indices (`countries[3].gdp_usd_tn`) and arrays of
/// values print whole. Unparseable text gives an empty map.
pub fn flatten_toml(text: &str) -> BTreeMap<String, String> {
    fn walk(prefix: &str, v: &toml::Value, out: &mut BTreeMap<String, String>) {
        match v {
            toml::Value::Table(t) => {
                for (k, v) in t {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&key, v, out);
                }
            }
            toml::Value::Array(a) if a.iter().all(|x| x.is_table()) && !a.is_empty() => {
                for (i, x) in a.iter().enumerate() {
                    // Name the element by its `id` or `name` when it has one.
                    let tag = x
                        .get("id")
                        .or_else(|| x.get("name"))
                        .and_then(|n| n.as_str())
                        .map_or_else(|| i.to_string(), str::to_string);
                    walk(&format!("{prefix}[{tag}]"), x, out);
                }
            }
            other => {
                out.insert(prefix.to_string(), other.to_string());
            }
        }
    }
    let mut out = BTreeMap::new();
    if let Ok(v) = text.parse::<toml::Table>() {
        walk("", &toml::Value::Table(v), &mut out);
    }
    out
}

/// Keys whose values differ between any run and the first, with each run's
/// value ("—" where a run lacks the key), in key order. `name` and `run.seed`
/// are included: they are differences too.
pub fn config_diff(configs: &[BTreeMap<String, String>]) -> Vec<(String, Vec<String>)> {
    let mut keys: Vec<&String> = configs.iter().flat_map(|c| c.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let vals: Vec<String> = configs
                .iter()
                .map(|c| c.get(k).cloned().unwrap_or_else(|| "—".into()))
                .collect();
            vals.iter()
                .any(|v| *v != vals[0])
                .then(|| (k.clone(), vals))
        })
        .collect()
}

/// The differing keys of run `i` against the reference, for sentences.
fn keys_of(diff: &[(String, Vec<String>)], i: usize) -> Vec<&str> {
    diff.iter()
        .filter(|(_, v)| v[i] != v[0])
        .map(|(k, _)| k.as_str())
        .collect()
}

/// The chart subtitle for a comparison: the runs and what sets them apart.
pub fn compare_subtitle(runs: &[CompareRun]) -> String {
    let configs: Vec<_> = runs
        .iter()
        .map(|r| flatten_toml(r.config_toml.as_deref().unwrap_or("")))
        .collect();
    let diff = config_diff(&configs);
    let names: Vec<&str> = runs.iter().map(|r| r.name.as_str()).collect();
    let mut s = names.join(" vs ");
    let keys: Vec<&str> = diff
        .iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| *k != "name")
        .collect();
    match keys.len() {
        0 => {}
        n if n <= 3 => {
            let _ = write!(s, " · differ in {}", keys.join(", "));
        }
        n => {
            let _ = write!(
                s,
                " · differ in {} and {} more config values",
                keys[..2].join(", "),
                n - 2
            );
        }
    }
    s
}

/// Write `compare.html`: the answer, what differs, the overlay charts
/// (linked by file name, beside the page) and the last-quarter values with
/// deltas against the first run.
pub fn write_compare_page(
    path: &Path,
    runs: &[CompareRun],
    charts: &[PathBuf],
    rows: &[CompareRow],
) -> Result<()> {
    let configs: Vec<_> = runs
        .iter()
        .map(|r| flatten_toml(r.config_toml.as_deref().unwrap_or("")))
        .collect();
    let diff = config_diff(&configs);
    let title = format!(
        "Run comparison: {}",
        runs.iter()
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>()
            .join(" vs ")
    );
    let subtitle = format!(
        "{} runs · reference: {} · deltas are each run minus the reference",
        runs.len(),
        runs.first().map_or("", |r| r.name.as_str())
    );
    let mut body = runs_html(runs);
    body.push_str(&diff_html(runs, &diff));
    body.push_str("<h2>Charts</h2>\n");
    for c in charts {
        let f = c
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        body.push_str(&figure(
            &f,
            &f,
            "One colour per run (never the US blue or China red); the reference is the first in the legend.",
        ));
    }
    body.push_str(&values_html(runs, rows));
    write_page(
        path,
        &Page {
            title: &title,
            subtitle: &subtitle,
            answer: &answer(runs, &diff),
            body: &body,
        },
    )
}

/// One sentence per run against the reference: what differs and how the
/// three indices (4-quarter means, US) move.
fn answer(runs: &[CompareRun], diff: &[(String, Vec<String>)]) -> String {
    let Some(first) = runs.first() else {
        return String::new();
    };
    let mut s = String::new();
    for (i, r) in runs.iter().enumerate().skip(1) {
        let keys: Vec<&str> = keys_of(diff, i)
            .into_iter()
            .filter(|k| *k != "name")
            .collect();
        let what = match keys.len() {
            0 if r.config_toml.is_none() || first.config_toml.is_none() => {
                "(no config.toml to compare)".to_string()
            }
            0 => "has the same config".to_string(),
            1..=3 => format!("differs in {}", keys.join(", ")),
            n => format!(
                "differs in {} config values ({}, …)",
                n,
                keys[..2].join(", ")
            ),
        };
        let moves: Vec<String> = [
            ("innovation", "innovation_index"),
            ("diffusion", "diffusion_index"),
        ]
        .iter()
        .filter_map(|(n, m)| {
            let (a, b) = (
                race::race(&first.timeseries, m)?,
                race::race(&r.timeseries, m)?,
            );
            Some(format!(
                "US {n} index {} → {} ({}, {})",
                catalogue::fixed(a.us, 2),
                catalogue::fixed(b.us, 2),
                catalogue::metric(m).format_delta(b.us - a.us),
                b.verdict()
            ))
        })
        .collect();
        let _ = write!(
            s,
            "<b>{}</b> {} from <b>{}</b>",
            escape_html(&r.name),
            escape_html(&what),
            escape_html(&first.name)
        );
        if !moves.is_empty() {
            let _ = write!(s, "; {}", escape_html(&moves.join("; ")));
        }
        s.push_str(". ");
    }
    s.push_str("Index values are 4-quarter means.");
    s
}

/// The run list: name, provenance, folder.
fn runs_html(runs: &[CompareRun]) -> String {
    let rows: Vec<Vec<Cell>> = runs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let role = if i == 0 { " (reference)" } else { "" };
            vec![
                Cell::Text(format!("{}{role}", r.name)),
                Cell::Text(if r.provenance.is_empty() {
                    "—".into()
                } else {
                    r.provenance.clone()
                }),
                Cell::Html(format!(
                    "<code>{}</code>",
                    escape_html(&r.dir.display().to_string())
                )),
            ]
        })
        .collect();
    format!(
        "<h2>Runs</h2>\n{}",
        table(&["Run".into(), "Made from".into(), "Folder".into()], &rows)
    )
}

/// The config values that differ, one row per key.
fn diff_html(runs: &[CompareRun], diff: &[(String, Vec<String>)]) -> String {
    let mut h = String::from("<h2>What differs between the runs</h2>\n");
    if diff.is_empty() {
        h.push_str("<p>The resolved configs are identical (or missing).</p>\n");
        return h;
    }
    let mut head = vec!["Config value".to_string()];
    head.extend(runs.iter().map(|r| r.name.clone()));
    let rows: Vec<Vec<Cell>> = diff
        .iter()
        .take(MAX_DIFF_ROWS)
        .map(|(k, vals)| {
            let mut row = vec![Cell::Html(format!("<code>{}</code>", escape_html(k)))];
            row.extend(vals.iter().map(|v| Cell::Text(v.clone())));
            row
        })
        .collect();
    h.push_str(&table(&head, &rows));
    if diff.len() > MAX_DIFF_ROWS {
        let _ = writeln!(
            h,
            "<p class=\"sub\">… and {} more; compare the runs' config.toml files for all.</p>",
            diff.len() - MAX_DIFF_ROWS
        );
    }
    h
}

/// Last-quarter values with a delta column against the reference per run.
fn values_html(runs: &[CompareRun], rows: &[CompareRow]) -> String {
    let mut head = vec!["Figure".to_string()];
    for (i, r) in runs.iter().enumerate() {
        head.push(r.name.clone());
        if i > 0 {
            head.push(format!("Δ {}", r.name));
        }
    }
    let body: Vec<Vec<Cell>> = rows
        .iter()
        .map(|row| {
            let m = catalogue::metric(row.metric);
            let reference = runs
                .first()
                .and_then(|r| r.timeseries.last_value(row.metric, row.scope));
            let mut cells = vec![Cell::Text(m.label_in(row.scope))];
            for (i, r) in runs.iter().enumerate() {
                let v = r.timeseries.last_value(row.metric, row.scope);
                cells.push(Cell::Num(v.map_or("—".into(), |v| m.format(v))));
                if i > 0 {
                    cells.push(match (v, reference) {
                        (Some(v), Some(b)) => Cell::Delta(m.format_delta(v - b), v - b),
                        _ => Cell::Num("—".into()),
                    });
                }
            }
            cells
        })
        .collect();
    let when = runs
        .first()
        .and_then(|r| r.timeseries.periods().last().map(|p| p.1.clone()))
        .unwrap_or_default();
    format!(
        "<h2>Values in the last quarter ({})</h2>\n{}",
        escape_html(&when),
        table(&head, &body)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_diff_lists_only_keys_that_differ() {
        let a = flatten_toml(
            "name = \"baseline\"\n[policy.us]\nfriction = 0.3\n[[countries]]\nid = \"DE\"\ngdp = 4.0\n",
        );
        let b = flatten_toml(
            "name = \"baseline\"\n[policy.us]\nfriction = 0.9\n[[countries]]\nid = \"DE\"\ngdp = 4.0\n",
        );
        assert_eq!(a.get("countries[DE].gdp").map(String::as_str), Some("4.0"));
        let d = config_diff(&[a, b]);
        assert_eq!(
            d,
            vec![(
                "policy.us.friction".to_string(),
                vec!["0.3".into(), "0.9".into()]
            )]
        );
    }
}
