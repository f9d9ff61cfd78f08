//! The tidy time-series table every run writes and every chart reads.
//!
//! One row per (tick, scope, metric): long format is what pandas, R and
//! spreadsheet pivots expect, and it never changes shape when a metric or a
//! country is added. The header is a contract: `tick,period,scope,metric,value`.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use crate::error::{Error, Result};

/// The exact header line of `timeseries.csv`.
pub const HEADER: &str = "tick,period,scope,metric,value";

/// A period, scope or metric name, shared by every row that carries it: a run
/// writes the same ~600 names every quarter, and sharing them instead of
/// allocating three strings per row is what keeps recording cheap in sweeps.
pub type Name = Arc<str>;

/// One observation: the value of `metric` for `scope` after quarter `tick`.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// 0-based quarter index; tick 0 is the first simulated quarter.
    pub tick: u32,
    /// Calendar label of the quarter, e.g. `2026Q1`.
    pub period: Name,
    /// `world`, a bloc (`US` `CN` `ALLY` `NONALIGNED`), a country code or a power market (`US-PJM`).
    pub scope: Name,
    /// Metric name, e.g. `adoption_share.cn_open`.
    pub metric: Name,
    /// The value; always finite.
    pub value: f64,
}

/// A whole run's rows, in the order they were written (tick, then scope, then metric).
///
/// A run writes the same (scope, metric) sequence every quarter. The table notices
/// this as rows arrive (its layout): a row reuses the names of the row at the same
/// place in the quarter before, and while the shape holds a series is read by
/// striding through the quarters instead of scanning every row. Any other order
/// still works, through the plain scans.
#[derive(Clone, Debug, Default)]
pub struct Timeseries {
    rows: Vec<Row>,
    layout: Layout,
}

/// What [`Timeseries`] knows about the shape of its rows.
#[derive(Clone, Copy, Debug, Default)]
struct Layout {
    /// Index of the first row of the last quarter.
    tick_start: usize,
    /// Index of the first row of the quarter before it (`None` during the first).
    prev_start: Option<usize>,
    /// Rows in the first quarter, once a second has started.
    width: usize,
    /// Every quarter so far has the first quarter's keys in the same order, and
    /// quarters ascend. Checked row by row; one mismatch turns it off for good.
    regular: bool,
}

impl PartialEq for Timeseries {
    /// Two tables are equal when their rows are (the layout is derived from them).
    fn eq(&self, other: &Self) -> bool {
        self.rows == other.rows
    }
}

/// Calendar label of `tick` for a run starting in `start_year` quarter `start_quarter` (1–4).
pub fn period_label(start_year: i32, start_quarter: u32, tick: u32) -> String {
    let q0 = start_quarter.clamp(1, 4) - 1 + tick;
    format!("{}Q{}", start_year + (q0 / 4) as i32, q0 % 4 + 1)
}

/// Format a value the same way on every machine: 10 significant digits, then
/// the shortest decimal that round-trips (so `0.1` stays `0.1`, not `0.1000000000`).
pub fn format_value(v: f64) -> String {
    if v == 0.0 {
        return "0".to_string();
    }
    let rounded: f64 = format!("{v:.9e}").parse().unwrap_or(v);
    format!("{rounded}")
}

impl Timeseries {
    /// All rows, in the order they were written.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// Every row's value, for changing in place (keys and order stay as they are).
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut f64> {
        self.rows.iter_mut().map(|r| &mut r.value)
    }

    /// Append one row.
    pub fn push(&mut self, tick: u32, period: &str, scope: &str, metric: &str, value: f64) {
        let l = &mut self.layout;
        match self.rows.last() {
            None => {
                *l = Layout {
                    tick_start: 0,
                    prev_start: None,
                    width: 0,
                    regular: true,
                };
            }
            Some(last) if last.tick != tick => {
                // A new quarter: the one that just ended must match the first in length.
                let ended = self.rows.len() - l.tick_start;
                if l.prev_start.is_none() {
                    l.width = ended;
                }
                l.regular &= tick > last.tick && ended == l.width;
                l.prev_start = Some(l.tick_start);
                l.tick_start = self.rows.len();
            }
            Some(_) => {}
        }
        // The row at the same place in the quarter before, if the shape holds so far.
        let offset = self.rows.len() - l.tick_start;
        let twin = l.prev_start.and_then(|p| {
            (p + offset < l.tick_start)
                .then(|| &self.rows[p + offset])
                .filter(|r| *r.scope == *scope && *r.metric == *metric)
        });
        if l.prev_start.is_some() && twin.is_none() {
            l.regular = false;
        }
        let last = self.rows.last();
        let (scope, metric) = match twin {
            Some(t) => (t.scope.clone(), t.metric.clone()),
            None => (
                reuse(last.map(|r| &r.scope), scope),
                reuse(last.map(|r| &r.metric), metric),
            ),
        };
        let period = reuse(last.map(|r| &r.period), period);
        self.rows.push(Row {
            tick,
            period,
            scope,
            metric,
            value,
        });
    }

    /// Rows per quarter when every quarter, the last included, has the same keys in
    /// the same order (`None` otherwise, or when empty).
    fn stride(&self) -> Option<usize> {
        let l = &self.layout;
        let w = if l.prev_start.is_some() {
            l.width
        } else {
            self.rows.len()
        };
        (self.layout.regular && w > 0 && self.rows.len() - self.layout.tick_start == w).then_some(w)
    }

    /// Serialise as CSV text with the contract header.
    pub fn to_csv_string(&self) -> String {
        let mut out = String::with_capacity(self.rows.len() * 48 + HEADER.len() + 1);
        out.push_str(HEADER);
        out.push('\n');
        for r in &self.rows {
            let _ = writeln!(
                out,
                "{},{},{},{},{}",
                r.tick,
                r.period,
                r.scope,
                r.metric,
                format_value(r.value)
            );
        }
        out
    }

    /// Read and validate `path`; errors name the file and the 1-based line.
    pub fn read(path: &Path) -> Result<Self> {
        let text = crate::io::read::read_text(path, crate::io::read::Cap::Timeseries)?;
        Self::parse(&text, path)
    }

    /// Parse CSV text; `origin` is only used in error messages.
    pub fn parse(text: &str, origin: &Path) -> Result<Self> {
        let mut lines = text.lines();
        match lines.next() {
            None => {
                return Err(Error::input_at(
                    origin,
                    1,
                    format!("empty file; expected header `{HEADER}`"),
                ))
            }
            Some(h) if h.trim_end_matches('\r') != HEADER => {
                return Err(Error::input_at(
                    origin,
                    1,
                    format!(
                        "header is `{h}`, expected exactly `{HEADER}`",
                        h = crate::io::quote::quote(h)
                    ),
                ))
            }
            Some(_) => {}
        }
        let mut ts = Timeseries::default();
        for (i, raw) in lines.enumerate() {
            let line_no = i as u64 + 2;
            let line = raw.trim_end_matches('\r');
            if line.is_empty() {
                continue;
            }
            let (tick, period, scope, metric, value) =
                parse_row(line).map_err(|m| Error::input_at(origin, line_no, m))?;
            ts.push(tick, period, scope, metric, value);
        }
        if ts.rows.is_empty() {
            return Err(Error::input_at(origin, 2, "no data rows after the header"));
        }
        Ok(ts)
    }

    /// The (tick, value) points of one metric in one scope, in tick order.
    pub fn series(&self, metric: &str, scope: &str) -> Vec<(u32, f64)> {
        let hit = |r: &&Row| *r.metric == *metric && *r.scope == *scope;
        if let Some(w) = self.stride() {
            // Find the key in the first quarter, then stride: quarters ascend.
            return match self.rows[..w].iter().position(|r| hit(&r)) {
                Some(j) => self.rows[j..]
                    .iter()
                    .step_by(w)
                    .map(|r| (r.tick, r.value))
                    .collect(),
                None => Vec::new(),
            };
        }
        let mut pts: Vec<(u32, f64)> = self
            .rows
            .iter()
            .filter(hit)
            .map(|r| (r.tick, r.value))
            .collect();
        pts.sort_by_key(|p| p.0);
        pts
    }

    /// The value at the last tick present for `metric` in `scope`.
    pub fn last_value(&self, metric: &str, scope: &str) -> Option<f64> {
        self.series(metric, scope).last().map(|p| p.1)
    }

    /// The value at `tick` for `metric` in `scope`.
    pub fn value_at(&self, metric: &str, scope: &str, tick: u32) -> Option<f64> {
        if self.stride().is_some() {
            return self
                .series(metric, scope)
                .into_iter()
                .find(|p| p.0 == tick)
                .map(|p| p.1);
        }
        self.rows
            .iter()
            .find(|r| r.tick == tick && *r.metric == *metric && *r.scope == *scope)
            .map(|r| r.value)
    }

    /// Period labels indexed by tick (ticks present in the data, ascending).
    pub fn periods(&self) -> Vec<(u32, String)> {
        let mut v: Vec<(u32, String)> = Vec::new();
        for r in &self.rows {
            // Rows come grouped by quarter: the last entry is the usual match.
            if v.last().is_some_and(|(t, _)| *t == r.tick) {
                continue;
            }
            if !v.iter().any(|(t, _)| *t == r.tick) {
                v.push((r.tick, r.period.to_string()));
            }
        }
        v.sort_by_key(|p| p.0);
        v
    }

    /// Distinct scopes that report `metric`, sorted.
    pub fn scopes_of(&self, metric: &str) -> Vec<String> {
        let mut v: Vec<String> = self
            .rows
            .iter()
            .filter(|r| *r.metric == *metric)
            .map(|r| r.scope.to_string())
            .collect();
        v.sort();
        v.dedup();
        v
    }
}

/// `name` as a shared [`Name`]: `prev`'s when it is the same text, else a new one.
fn reuse(prev: Option<&Name>, name: &str) -> Name {
    match prev {
        Some(p) if **p == *name => p.clone(),
        _ => Name::from(name),
    }
}

/// One CSV line as (tick, period, scope, metric, value).
type ParsedRow<'a> = (u32, &'a str, &'a str, &'a str, f64);

fn parse_row(line: &str) -> std::result::Result<ParsedRow<'_>, String> {
    let fields: Vec<&str> = line.split(',').collect();
    if fields.len() != 5 {
        return Err(format!(
            "expected 5 comma-separated fields (tick,period,scope,metric,value), found {}",
            fields.len()
        ));
    }
    let tick = fields[0].parse::<u32>().map_err(|_| {
        format!(
            "tick `{}` is not a whole number",
            crate::io::quote::quote(fields[0])
        )
    })?;
    let value = fields[4].parse::<f64>().map_err(|_| {
        format!(
            "value `{}` is not a number",
            crate::io::quote::quote(fields[4])
        )
    })?;
    if !value.is_finite() {
        return Err(format!(
            "value `{}` is not finite",
            crate::io::quote::quote(fields[4])
        ));
    }
    for (name, f) in [
        ("period", fields[1]),
        ("scope", fields[2]),
        ("metric", fields[3]),
    ] {
        if f.is_empty() {
            return Err(format!("empty {name}"));
        }
    }
    Ok((tick, fields[1], fields[2], fields[3], value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_roll_over_years() {
        assert_eq!(period_label(2026, 1, 0), "2026Q1");
        assert_eq!(period_label(2026, 1, 3), "2026Q4");
        assert_eq!(period_label(2026, 1, 4), "2027Q1");
        assert_eq!(period_label(2026, 3, 39), "2036Q2");
    }

    #[test]
    fn values_format_stably() {
        assert_eq!(format_value(0.1), "0.1");
        assert_eq!(format_value(3.0), "3");
        assert_eq!(format_value(1.0 / 3.0), "0.3333333333");
        assert_eq!(format_value(-0.0), "0");
    }

    #[test]
    fn round_trip() {
        let mut ts = Timeseries::default();
        ts.push(0, "2026Q1", "world", "adoption_share", 0.25);
        ts.push(1, "2026Q2", "US", "compute_h100e", 1.5e6);
        let text = ts.to_csv_string();
        let back = Timeseries::parse(&text, Path::new("x.csv")).unwrap();
        assert_eq!(back, ts);
    }

    /// The plain scans the strided lookups must agree with.
    fn scan(ts: &Timeseries, metric: &str, scope: &str) -> Vec<(u32, f64)> {
        let mut v: Vec<(u32, f64)> = ts
            .rows()
            .iter()
            .filter(|r| &*r.metric == metric && &*r.scope == scope)
            .map(|r| (r.tick, r.value))
            .collect();
        v.sort_by_key(|p| p.0);
        v
    }

    fn quarters(ts: &mut Timeseries, ticks: std::ops::Range<u32>, keys: &[(&str, &str)]) {
        for t in ticks {
            let period = period_label(2026, 1, t);
            for (i, (scope, metric)) in keys.iter().enumerate() {
                ts.push(t, &period, scope, metric, f64::from(t) * 10.0 + i as f64);
            }
        }
    }

    #[test]
    fn strided_lookups_match_a_scan_and_names_are_shared() {
        let keys = [("world", "a"), ("US", "a"), ("US", "b"), ("CN", "a")];
        let mut ts = Timeseries::default();
        quarters(&mut ts, 3..7, &keys);
        assert!(ts.stride() == Some(4), "a regular table is read by stride");
        for (scope, metric) in keys.iter().chain(&[("XX", "a"), ("US", "zz")]) {
            assert_eq!(ts.series(metric, scope), scan(&ts, metric, scope));
            assert_eq!(
                ts.value_at(metric, scope, 5),
                scan(&ts, metric, scope)
                    .iter()
                    .find(|p| p.0 == 5)
                    .map(|p| p.1)
            );
        }
        assert_eq!(ts.value_at("b", "US", 6), Some(62.0));
        assert_eq!(ts.last_value("a", "CN"), Some(63.0));
        // Rows a quarter apart share their names; a new period is a new name.
        let (r0, r4) = (&ts.rows()[1], &ts.rows()[5]);
        assert!(Arc::ptr_eq(&r0.scope, &r4.scope) && Arc::ptr_eq(&r0.metric, &r4.metric));
        assert!(!Arc::ptr_eq(&r0.period, &r4.period));
        assert_eq!(ts.periods().len(), 4);
    }

    #[test]
    fn irregular_tables_fall_back_to_scans() {
        let keys = [("world", "a"), ("US", "a")];
        // A quarter with other keys, a short quarter, and quarters out of order.
        let cases: [&dyn Fn(&mut Timeseries); 3] = [
            &|ts| {
                quarters(ts, 0..2, &keys);
                quarters(ts, 2..3, &[("US", "a"), ("world", "a")]);
            },
            &|ts| {
                quarters(ts, 0..2, &keys);
                quarters(ts, 2..3, &keys[..1]);
            },
            &|ts| {
                quarters(ts, 2..4, &keys);
                quarters(ts, 0..1, &keys);
            },
        ];
        for (i, build) in cases.iter().enumerate() {
            let mut ts = Timeseries::default();
            build(&mut ts);
            assert_eq!(ts.stride(), None, "case {i}");
            for (scope, metric) in keys {
                assert_eq!(
                    ts.series(metric, scope),
                    scan(&ts, metric, scope),
                    "case {i}"
                );
            }
            assert_eq!(
                ts.value_at("a", "US", 2),
                scan(&ts, "a", "US").iter().find(|p| p.0 == 2).map(|p| p.1),
                "case {i}"
            );
        }
        // A table read back from CSV has the same shape knowledge as the original.
        let mut ts = Timeseries::default();
        quarters(&mut ts, 0..3, &keys);
        let back = Timeseries::parse(&ts.to_csv_string(), Path::new("x.csv")).unwrap();
        assert_eq!(back.stride(), Some(2));
        assert_eq!(back, ts);
    }

    #[test]
    fn bad_rows_name_the_line() {
        let p = Path::new("t.csv");
        let e = Timeseries::parse(
            "tick,period,scope,metric,value\n0,2026Q1,world,a,1\n1,2026Q2,world,a,x\n",
            p,
        )
        .unwrap_err();
        assert!(e.to_string().contains("t.csv:3"), "{e}");
        assert!(Timeseries::parse("", p)
            .unwrap_err()
            .to_string()
            .contains("empty"));
        assert!(Timeseries::parse("tick,scope,metric,value\n", p)
            .unwrap_err()
            .to_string()
            .contains("header"));
        assert!(
            Timeseries::parse("tick,period,scope,metric,value\n0,2026Q1,world,a\n", p).is_err()
        );
    }
}
