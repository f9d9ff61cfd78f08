//! Sweep results as one columnar Parquet file, for pandas, polars, R arrow
//! and DuckDB.
//!
//! A 10,000-run sweep as per-run CSV folders is gigabytes that every analysis
//! re-parses; as one Parquet file it is megabytes that DuckDB queries in
//! milliseconds. The layout is *long* (tidy): one row per (run, outcome),
//!
//! ```text
//! run_id  point  replicate  seed  status  param_<name>…  outcome  value
//! ```
//!
//! so a new outcome adds rows, not columns, and `GROUP BY outcome` works
//! everywhere. Every run of the design has its rows — failed or missing runs
//! too, with their `status` and a null `value` — so nothing is silently
//! dropped. Parameter columns are `DOUBLE` (a non-numeric discrete factor or
//! lever gets a `STRING` column); names keep the exact `--set` path after the
//! `param_` prefix (quote them in SQL: `"param_chips.cost"`). Selected time
//! series go to a second file of the same shape ([`write_series`]).
//!
//! We use the `parquet` crate's low-level column writer without its `arrow`
//! feature: the arrow crates would double the build for nothing we need.
//! Files are byte-for-byte deterministic (no timestamps; a fixed
//! `created_by`), written atomically (temp file + rename), and shards merge
//! with [`merge_summaries`].

use std::path::Path;
use std::sync::Arc;

use parquet::basic::{Compression, LogicalType, Repetition, Type as PhysicalType};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::reader::FileReader;
use parquet::file::serialized_reader::SerializedFileReader;
use parquet::file::writer::{SerializedColumnWriter, SerializedFileWriter};
use parquet::record::Field;
use parquet::schema::types::{Type, TypePtr};

use crate::analysis::table::{OutcomeTable, RunRecord, RunStatus};
use crate::analysis::uncertainty::{DiscreteValue, ParamValue};
use crate::error::{Error, Result};
use crate::io::atomic::write_atomic;

/// Prefix of parameter columns.
pub const PARAM_PREFIX: &str = "param_";
/// Rows per row group: large enough for good compression, small enough that
/// a reader can stream a big sweep.
const ROW_GROUP_ROWS: usize = 1 << 20;

/// The fixed columns before the parameters.
const HEAD: [&str; 5] = ["run_id", "point", "replicate", "seed", "status"];

/// One row of a long time-series file.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesRow {
    /// Run id.
    pub run_id: String,
    /// Tick (0 = the first quarter).
    pub tick: u32,
    /// Scope, e.g. `world`, `US`, `CN-East`.
    pub scope: String,
    /// Metric name.
    pub metric: String,
    /// Value.
    pub value: f64,
}

fn props() -> Arc<WriterProperties> {
    Arc::new(
        WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            // A fixed string: the default embeds nothing variable either, but
            // naming ourselves tells a reader which tool wrote the file.
            .set_created_by(format!("airace {}", env!("CARGO_PKG_VERSION")))
            .build(),
    )
}

fn column(name: &str, physical: PhysicalType, rep: Repetition, text: bool) -> TypePtr {
    let mut b = Type::primitive_type_builder(name, physical).with_repetition(rep);
    if text {
        b = b.with_logical_type(Some(LogicalType::String));
    }
    Arc::new(b.build().expect("a valid primitive column"))
}

fn perr(path: &Path, e: parquet::errors::ParquetError) -> Error {
    Error::Failed(format!("{}: parquet: {e}", path.display()))
}

/// A column's values for one row group, with definition levels for nullable columns.
enum Col {
    Text(Vec<ByteArray>),
    I32(Vec<i32>),
    I64(Vec<i64>),
    /// Values present and per-row definition levels (1 present, 0 null).
    F64(Vec<f64>, Vec<i16>),
    /// Nullable text.
    OptText(Vec<ByteArray>, Vec<i16>),
}

impl Col {
    fn write(&self, w: &mut SerializedColumnWriter<'_>) -> parquet::errors::Result<()> {
        match self {
            Col::Text(v) => w.typed::<ByteArrayType>().write_batch(v, None, None)?,
            Col::I32(v) => w.typed::<Int32Type>().write_batch(v, None, None)?,
            Col::I64(v) => w.typed::<Int64Type>().write_batch(v, None, None)?,
            Col::F64(v, d) => w.typed::<DoubleType>().write_batch(v, Some(d), None)?,
            Col::OptText(v, d) => w.typed::<ByteArrayType>().write_batch(v, Some(d), None)?,
        };
        Ok(())
    }
}

/// Serialise `columns` (each a function from a row range to a [`Col`]) in row groups.
fn encode(
    path: &Path,
    schema: TypePtr,
    rows: usize,
    make: impl Fn(std::ops::Range<usize>) -> Vec<Col>,
) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    let mut w = SerializedFileWriter::new(&mut buf, schema, props()).map_err(|e| perr(path, e))?;
    let mut start = 0;
    // An empty table is a valid file with the schema and no row groups.
    while start < rows {
        let end = (start + ROW_GROUP_ROWS).min(rows);
        let cols = make(start..end);
        let mut rg = w.next_row_group().map_err(|e| perr(path, e))?;
        let mut i = 0;
        while let Some(mut c) = rg.next_column().map_err(|e| perr(path, e))? {
            cols[i].write(&mut c).map_err(|e| perr(path, e))?;
            c.close().map_err(|e| perr(path, e))?;
            i += 1;
        }
        rg.close().map_err(|e| perr(path, e))?;
        start = end;
    }
    w.close().map_err(|e| perr(path, e))?;
    Ok(buf)
}

/// Whether parameter `j` needs a text column (some value is non-numeric).
fn text_param(table: &OutcomeTable, j: usize) -> bool {
    table.runs.iter().any(|r| r.params[j].as_f64().is_none())
}

/// Write the table as one Parquet file, one row per (run, outcome), atomically.
pub fn write_summary(path: &Path, table: &OutcomeTable) -> Result<()> {
    table.validate().map_err(Error::from)?;
    let text: Vec<bool> = (0..table.parameters.len())
        .map(|j| text_param(table, j))
        .collect();
    let mut fields = vec![
        column(
            "run_id",
            PhysicalType::BYTE_ARRAY,
            Repetition::REQUIRED,
            true,
        ),
        column("point", PhysicalType::INT64, Repetition::REQUIRED, false),
        column(
            "replicate",
            PhysicalType::INT32,
            Repetition::REQUIRED,
            false,
        ),
        column("seed", PhysicalType::INT64, Repetition::REQUIRED, false),
        column(
            "status",
            PhysicalType::BYTE_ARRAY,
            Repetition::REQUIRED,
            true,
        ),
    ];
    for (name, &t) in table.parameters.iter().zip(&text) {
        let phys = if t {
            PhysicalType::BYTE_ARRAY
        } else {
            PhysicalType::DOUBLE
        };
        fields.push(column(
            &format!("{PARAM_PREFIX}{name}"),
            phys,
            Repetition::OPTIONAL,
            t,
        ));
    }
    fields.push(column(
        "outcome",
        PhysicalType::BYTE_ARRAY,
        Repetition::REQUIRED,
        true,
    ));
    fields.push(column(
        "value",
        PhysicalType::DOUBLE,
        Repetition::OPTIONAL,
        false,
    ));
    let schema = Arc::new(
        Type::group_type_builder("airace_summary")
            .with_fields(fields)
            .build()
            .map_err(|e| perr(path, e))?,
    );
    let k = table.outcomes.len();
    let rows = table.runs.len() * k;
    let bytes = encode(path, schema, rows, |range| {
        let at = |i: usize| (&table.runs[i / k], i % k);
        let text_col = |f: &dyn Fn(&RunRecord, usize) -> String| {
            Col::Text(
                range
                    .clone()
                    .map(|i| {
                        let (r, o) = at(i);
                        ByteArray::from(f(r, o).as_str())
                    })
                    .collect(),
            )
        };
        let mut cols = vec![
            text_col(&|r, _| r.run_id.clone()),
            Col::I64(range.clone().map(|i| at(i).0.point as i64).collect()),
            Col::I32(range.clone().map(|i| at(i).0.replicate as i32).collect()),
            Col::I64(range.clone().map(|i| at(i).0.seed as i64).collect()),
            text_col(&|r, _| r.status.as_str().to_string()),
        ];
        for (j, &t) in text.iter().enumerate() {
            cols.push(if t {
                let vals = range.clone().map(|i| match &at(i).0.params[j] {
                    ParamValue::Discrete(DiscreteValue::String(s)) => ByteArray::from(s.as_str()),
                    other => ByteArray::from(other.to_toml().as_str()),
                });
                Col::OptText(vals.collect(), vec![1; range.len()])
            } else {
                let vals = range
                    .clone()
                    .map(|i| at(i).0.params[j].as_f64().unwrap_or(f64::NAN));
                Col::F64(vals.collect(), vec![1; range.len()])
            });
        }
        cols.push(text_col(&|_, o| table.outcomes[o].clone()));
        let values: Vec<Option<f64>> = range
            .clone()
            .map(|i| {
                let (r, o) = at(i);
                r.values[o].filter(|_| r.status == RunStatus::Ok)
            })
            .collect();
        cols.push(nullable(&values));
        cols
    })?;
    write_atomic(path, &bytes)
}

fn nullable(values: &[Option<f64>]) -> Col {
    Col::F64(
        values.iter().flatten().copied().collect(),
        values.iter().map(|v| i16::from(v.is_some())).collect(),
    )
}

/// Write selected time series in long form (`run_id, tick, scope, metric, value`).
pub fn write_series(path: &Path, rows: &[SeriesRow]) -> Result<()> {
    let schema = Arc::new(
        Type::group_type_builder("airace_series")
            .with_fields(vec![
                column(
                    "run_id",
                    PhysicalType::BYTE_ARRAY,
                    Repetition::REQUIRED,
                    true,
                ),
                column("tick", PhysicalType::INT32, Repetition::REQUIRED, false),
                column(
                    "scope",
                    PhysicalType::BYTE_ARRAY,
                    Repetition::REQUIRED,
                    true,
                ),
                column(
                    "metric",
                    PhysicalType::BYTE_ARRAY,
                    Repetition::REQUIRED,
                    true,
                ),
                column("value", PhysicalType::DOUBLE, Repetition::REQUIRED, false),
            ])
            .build()
            .map_err(|e| perr(path, e))?,
    );
    let bytes = encode(path, schema, rows.len(), |range| {
        let s = &rows[range];
        let text = |f: fn(&SeriesRow) -> &str| {
            Col::Text(s.iter().map(|r| ByteArray::from(f(r))).collect())
        };
        vec![
            text(|r| &r.run_id),
            Col::I32(s.iter().map(|r| r.tick as i32).collect()),
            text(|r| &r.scope),
            text(|r| &r.metric),
            Col::F64(s.iter().map(|r| r.value).collect(), vec![1; s.len()]),
        ]
    })?;
    write_atomic(path, &bytes)
}

fn reader(path: &Path) -> Result<SerializedFileReader<std::fs::File>> {
    let f = crate::io::read::open_regular(path, crate::io::read::Cap::Timeseries)
        .map_err(|e| Error::input(path, e.to_string()))?;
    SerializedFileReader::new(f).map_err(|e| Error::input(path, format!("not a Parquet file: {e}")))
}

/// Read a summary file back into an [`OutcomeTable`] (numeric discrete values
/// come back as plain numbers).
pub fn read_summary(path: &Path) -> Result<OutcomeTable> {
    let r = reader(path)?;
    let names: Vec<String> = r
        .metadata()
        .file_metadata()
        .schema_descr()
        .columns()
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    let params: Vec<String> = names
        .iter()
        .filter_map(|n| n.strip_prefix(PARAM_PREFIX).map(String::from))
        .collect();
    if names.len() != HEAD.len() + params.len() + 2 || names[..HEAD.len()] != HEAD {
        return Err(Error::input(
            path,
            format!("not an airace summary (columns: {})", names.join(", ")),
        ));
    }
    let mut table = OutcomeTable {
        parameters: params,
        ..Default::default()
    };
    let rows = r
        .get_row_iter(None)
        .map_err(|e| Error::input(path, e.to_string()))?;
    for row in rows {
        let row = row.map_err(|e| Error::input(path, e.to_string()))?;
        let f: Vec<&Field> = row.get_column_iter().map(|(_, f)| f).collect();
        let bad = || Error::input(path, "unexpected column type");
        let text = |x: &Field| match x {
            Field::Str(s) => Ok(s.clone()),
            _ => Err(bad()),
        };
        let int = |x: &Field| match x {
            Field::Long(v) => Ok(*v),
            Field::Int(v) => Ok(i64::from(*v)),
            _ => Err(bad()),
        };
        let run_id = text(f[0])?;
        let outcome = text(f[f.len() - 2])?;
        let value = match f[f.len() - 1] {
            Field::Double(v) => Some(*v),
            Field::Null => None,
            _ => return Err(bad()),
        };
        let o = match table.outcomes.iter().position(|x| *x == outcome) {
            Some(o) => o,
            None => {
                table.outcomes.push(outcome);
                table.outcomes.len() - 1
            }
        };
        if table.runs.last().is_none_or(|l| l.run_id != run_id) {
            let p: Result<Vec<ParamValue>> = f[HEAD.len()..f.len() - 2]
                .iter()
                .map(|x| match x {
                    Field::Double(v) => Ok(ParamValue::Number(*v)),
                    Field::Str(s) => Ok(ParamValue::Discrete(DiscreteValue::String(s.clone()))),
                    _ => Err(bad()),
                })
                .collect();
            table.runs.push(RunRecord {
                run_id,
                point: int(f[1])? as usize,
                replicate: int(f[2])? as u32,
                seed: int(f[3])? as u64,
                status: RunStatus::parse(&text(f[4])?).ok_or_else(bad)?,
                params: p?,
                values: Vec::new(),
            });
        }
        let last = table.runs.last_mut().expect("pushed above");
        if last.values.len() <= o {
            last.values.resize(o + 1, None);
        }
        last.values[o] = value;
    }
    for run in &mut table.runs {
        run.values.resize(table.outcomes.len(), None);
    }
    Ok(table)
}

/// Merge shard summaries into one file, runs sorted by id. A run present in
/// several shards (a resumed task) keeps its best status (ok over failed
/// over missing); shards must agree on parameters and outcomes.
pub fn merge_summaries(inputs: &[&Path], output: &Path) -> Result<OutcomeTable> {
    let mut merged: Option<OutcomeTable> = None;
    for &p in inputs {
        let t = read_summary(p)?;
        match &mut merged {
            None => merged = Some(t),
            Some(m) => {
                if m.parameters != t.parameters || m.outcomes != t.outcomes {
                    return Err(Error::input(
                        p,
                        "shard has different parameters or outcomes from the first shard",
                    ));
                }
                m.runs.extend(t.runs);
            }
        }
    }
    let mut m = merged.ok_or_else(|| Error::Usage("merge: no shard files given".into()))?;
    m.runs
        .sort_by(|a, b| a.run_id.cmp(&b.run_id).then(a.status.cmp(&b.status)));
    m.runs.dedup_by(|later, kept| later.run_id == kept.run_id);
    write_summary(output, &m)?;
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> OutcomeTable {
        let run = |i: usize, status| RunRecord {
            run_id: format!("p{i:02}-r00"),
            point: i,
            replicate: 0,
            seed: 100 + i as u64,
            status,
            params: vec![
                ParamValue::Number(i as f64 / 10.0),
                ParamValue::Discrete(DiscreteValue::String(
                    if i.is_multiple_of(2) { "ban" } else { "allow" }.into(),
                )),
            ],
            values: vec![
                Some(i as f64),
                if status == RunStatus::Ok {
                    Some(-(i as f64))
                } else {
                    None
                },
            ],
        };
        OutcomeTable {
            parameters: vec!["chips.cost".into(), "policy.rule".into()],
            outcomes: vec!["gap@world@last".into(), "share@CN@40".into()],
            runs: vec![
                run(0, RunStatus::Ok),
                run(1, RunStatus::Failed),
                run(2, RunStatus::Ok),
            ],
        }
    }

    #[test]
    fn round_trip_and_deterministic_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("summary.parquet");
        let t = table();
        write_summary(&p, &t).unwrap();
        let first = std::fs::read(&p).unwrap();
        write_summary(&p, &t).unwrap();
        assert_eq!(first, std::fs::read(&p).unwrap());
        let back = read_summary(&p).unwrap();
        let mut want = t.clone();
        want.runs[1].values = vec![None, None]; // a failed run's values are not reported
        assert_eq!(back, want);
    }

    #[test]
    fn shards_merge_sorted_and_deduplicated() {
        let dir = tempfile::tempdir().unwrap();
        let t = table();
        let (a, b, out) = (
            dir.path().join("a.parquet"),
            dir.path().join("b.parquet"),
            dir.path().join("m.parquet"),
        );
        let mut ta = t.clone();
        ta.runs = vec![t.runs[2].clone(), t.runs[1].clone()];
        let mut tb = t.clone();
        let mut retried = t.runs[1].clone();
        retried.status = RunStatus::Ok;
        tb.runs = vec![t.runs[0].clone(), retried];
        write_summary(&a, &ta).unwrap();
        write_summary(&b, &tb).unwrap();
        let m = merge_summaries(&[&a, &b], &out).unwrap();
        let ids: Vec<(&str, RunStatus)> = m
            .runs
            .iter()
            .map(|r| (r.run_id.as_str(), r.status))
            .collect();
        assert_eq!(
            ids,
            [
                ("p00-r00", RunStatus::Ok),
                ("p01-r00", RunStatus::Ok),
                ("p02-r00", RunStatus::Ok)
            ]
        );
        assert_eq!(read_summary(&out).unwrap().runs.len(), 3);
    }
}
