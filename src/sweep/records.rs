//! The run records of a sweep or scenario set: one JSON line per finished or
//! failed run, appended to a log file per worker under `records/`.
//!
//! Why a log and not a folder per run: at thousands of runs a minute, creating
//! a folder and two small files per run (and the kernel's work to write them
//! back) cost more than a fifth of a run at the default firm count. A record is
//! one `write` to a file the worker already holds open.
//!
//! Why it is still safe to kill at any moment:
//! - A record is appended with a single write of one whole line, so a kill
//!   leaves at most a partial *last* line. Readers skip any line that does not
//!   parse, and its run counts as not done, so a resumed sweep reruns it.
//! - A writer that finds an existing file not ending in a newline starts on a
//!   fresh line, so a partial line never swallows the next record.
//! - A run can have several records (a failure retried, a config changed
//!   between invocations): the one written last (`finished_ns`) is its state.
//!
//! Each worker writes its own file, named after the first run it records in
//! this invocation, so no two processes (Slurm array tasks on different nodes
//! share the folder) ever append to the same file.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::io::manifest::sha256_hex;
use crate::io::read::Cap;
use crate::layout::RECORDS;

use super::summary::{Failure, OutcomeRecord};

/// What became of one run, as one line of a record log.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct RunRecord {
    /// Run id.
    pub run_id: String,
    /// Seed the run used.
    pub seed: u64,
    /// [`config_digest`] of the run's resolved config: a resumed sweep reruns
    /// a run whose config no longer matches.
    pub config_sha256: String,
    /// Wall-clock time the record was written (ns since the Unix epoch): the
    /// latest record of a run is its state.
    pub finished_ns: u64,
    /// Seconds the run took.
    pub wall_time_s: f64,
    /// The outcomes of a finished run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcomes: Option<OutcomeRecord>,
    /// The error of a failed run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl RunRecord {
    /// A record of `outcomes`, stamped now.
    pub fn done(config_sha256: String, wall_time_s: f64, outcomes: OutcomeRecord) -> RunRecord {
        RunRecord {
            run_id: outcomes.run_id.clone(),
            seed: outcomes.seed,
            config_sha256,
            finished_ns: now_ns(),
            wall_time_s,
            outcomes: Some(outcomes),
            error: None,
        }
    }

    /// A record of a failure, stamped now. The config digest is empty when the
    /// config itself could not be loaded.
    pub fn failed(failure: &Failure, config_sha256: String, wall_time_s: f64) -> RunRecord {
        RunRecord {
            run_id: failure.run_id.clone(),
            seed: failure.seed,
            config_sha256,
            finished_ns: now_ns(),
            wall_time_s,
            outcomes: None,
            error: Some(failure.error.clone()),
        }
    }

    /// The failure this record holds, if it is one.
    pub fn failure(&self) -> Option<Failure> {
        self.error.as_ref().map(|e| Failure {
            run_id: self.run_id.clone(),
            seed: self.seed,
            error: e.clone(),
        })
    }
}

fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// SHA-256 of a resolved config's JSON form: what identifies "the same run"
/// across invocations. JSON, not TOML, because it is an order of magnitude
/// cheaper to produce and this runs once per run; every map in a config is
/// ordered, so the text is the same on every machine.
pub fn config_digest(config: &Config) -> String {
    match serde_json::to_vec(config) {
        Ok(json) => sha256_hex(&json),
        // Unreachable for a validated config; an empty digest matches nothing.
        Err(_) => String::new(),
    }
}

/// The folder of the record logs of sweep folder `dir`.
pub fn records_dir(dir: &Path) -> PathBuf {
    dir.join(RECORDS)
}

/// What an executor needs to know of a record to decide whether its run is
/// finished: everything but the outcomes, which are skipped unparsed (a resumed
/// 100,000-run sweep would otherwise hold every run's series in memory).
#[derive(Deserialize, Clone, Debug, PartialEq)]
pub struct RecordHead {
    /// Run id.
    pub run_id: String,
    /// Seed.
    pub seed: u64,
    /// See [`RunRecord::config_sha256`].
    pub config_sha256: String,
    /// See [`RunRecord::finished_ns`].
    pub finished_ns: u64,
    /// Present when the run finished.
    #[serde(default)]
    outcomes: Option<serde::de::IgnoredAny>,
}

/// A record type a [`RecordIndex`] can hold: whole records or their heads.
pub trait Record: serde::de::DeserializeOwned {
    /// Run id.
    fn run_id(&self) -> &str;
    /// Seed.
    fn seed(&self) -> u64;
    /// When it was written.
    fn finished_ns(&self) -> u64;
}

/// Both record types carry the same three fields under the same names.
macro_rules! impl_record {
    ($($t:ty),*) => {$(
        impl Record for $t {
            fn run_id(&self) -> &str {
                &self.run_id
            }
            fn seed(&self) -> u64 {
                self.seed
            }
            fn finished_ns(&self) -> u64 {
                self.finished_ns
            }
        }
    )*};
}

impl_record!(RunRecord, RecordHead);

/// The latest record (or record head) of every run found in `dir/records/*.jsonl`.
#[derive(Clone, Debug)]
pub struct RecordIndex<R = RunRecord> {
    latest: BTreeMap<String, R>,
    /// Lines that did not parse (a kill mid-write leaves one per killed writer).
    pub skipped_lines: usize,
}

impl<R> Default for RecordIndex<R> {
    fn default() -> Self {
        RecordIndex {
            latest: BTreeMap::new(),
            skipped_lines: 0,
        }
    }
}

impl RecordIndex<RecordHead> {
    /// Whether run `id` finished with `seed` under the config of digest `digest`.
    pub fn finished(&self, id: &str, seed: u64, digest: &str) -> bool {
        self.get(id, seed)
            .is_some_and(|r| r.outcomes.is_some() && r.config_sha256 == digest)
    }
}

impl<R: Record> RecordIndex<R> {
    /// Read every log under `dir/records/`, in file-name order. A missing
    /// folder is an empty index (a sweep from before record logs, or one that
    /// has not finished a run yet); an unreadable file is an error naming it.
    pub fn load(dir: &Path) -> Result<RecordIndex<R>> {
        let folder = records_dir(dir);
        let mut files: Vec<PathBuf> = match fs::read_dir(&folder) {
            Ok(entries) => entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(Error::output(&folder, e)),
        };
        files.sort();
        let mut index = RecordIndex::default();
        for f in &files {
            let file = File::open(f).map_err(|e| Error::output(f, e))?;
            index.read_log(BufReader::new(file), f, Cap::Record.bytes())?;
        }
        Ok(index)
    }

    /// Read one log; a line of `cap` bytes or more is skipped.
    fn read_log<B: BufRead>(&mut self, mut reader: B, path: &Path, cap: u64) -> Result<()> {
        let mut line = Vec::new();
        loop {
            line.clear();
            let n = (&mut reader)
                .take(cap)
                .read_until(b'\n', &mut line)
                .map_err(|e| Error::output(path, e))?;
            if n == 0 {
                return Ok(());
            }
            if line.last() != Some(&b'\n') {
                // A partial last line (a kill mid-write) or a line over the cap:
                // not a record, so its run counts as not done and is redone.
                self.skipped_lines += 1;
                if n as u64 == cap {
                    // Skip the rest of the long line; the records after it count.
                    reader
                        .skip_until(b'\n')
                        .map_err(|e| Error::output(path, e))?;
                    continue;
                }
                return Ok(());
            }
            match serde_json::from_slice::<R>(&line) {
                Ok(r) => self.add(r),
                Err(_) if line.iter().all(u8::is_ascii_whitespace) => {}
                Err(_) => self.skipped_lines += 1,
            }
        }
    }

    /// Keep `r` if it is the latest record of its run so far (a tie keeps the
    /// one read first, so the result does not depend on anything but the files).
    fn add(&mut self, r: R) {
        match self.latest.get(r.run_id()) {
            Some(old) if old.finished_ns() >= r.finished_ns() => {}
            _ => {
                self.latest.insert(r.run_id().to_string(), r);
            }
        }
    }

    /// The latest record of run `id`, if it has seed `seed`.
    pub fn get(&self, id: &str, seed: u64) -> Option<&R> {
        self.latest.get(id).filter(|r| r.seed() == seed)
    }

    /// Remove and return the latest record of run `id`, if it has seed `seed`.
    pub fn take(&mut self, id: &str, seed: u64) -> Option<R> {
        match self.latest.get(id) {
            Some(r) if r.seed() == seed => self.latest.remove(id),
            _ => None,
        }
    }

    /// Records held.
    pub fn len(&self) -> usize {
        self.latest.len()
    }

    /// No records.
    pub fn is_empty(&self) -> bool {
        self.latest.is_empty()
    }
}

/// One worker's log, opened on its first record.
#[derive(Debug, Default)]
pub struct RecordLog {
    file: Option<File>,
    line: Vec<u8>,
}

impl RecordLog {
    /// Append `record` to this worker's log under `dir/records/` (opened, and
    /// named after `record`'s run, on first use) as one whole line in one write.
    pub fn append(&mut self, dir: &Path, record: &RunRecord) -> Result<()> {
        if self.file.is_none() {
            self.file = Some(open_log(&log_path(dir, &record.run_id))?);
        }
        self.line.clear();
        serde_json::to_writer(&mut self.line, record).map_err(|e| {
            Error::Failed(format!(
                "cannot encode the record of {}: {e}",
                record.run_id
            ))
        })?;
        self.line.push(b'\n');
        let file = self.file.as_mut().expect("opened above");
        file.write_all(&self.line)
            .map_err(|e| Error::output(&records_dir(dir), e))
    }
}

/// The log a worker whose first record is run `first` writes:
/// `records/<run id, with anything but letters, digits, `-` and `.` as `_`>.jsonl`.
fn log_path(dir: &Path, first: &str) -> PathBuf {
    let name: String = first
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    records_dir(dir).join(format!("{name}.jsonl"))
}

/// Open `path` for appending, creating it (and its folder); if a killed writer
/// left it without a final newline, end that line first.
fn open_log(path: &Path) -> Result<File> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| Error::output(parent, e))?;
    }
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
        .map_err(|e| Error::output(path, e))?;
    let len = file.metadata().map_err(|e| Error::output(path, e))?.len();
    if len > 0 {
        let mut last = [0u8; 1];
        file.seek(SeekFrom::Start(len - 1))
            .and_then(|_| file.read_exact(&mut last))
            .map_err(|e| Error::output(path, e))?;
        if last[0] != b'\n' {
            file.write_all(b"\n").map_err(|e| Error::output(path, e))?;
        }
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcomes(id: &str, seed: u64, v: &str) -> OutcomeRecord {
        OutcomeRecord {
            version: 1,
            run_id: id.into(),
            seed,
            values: vec![v.into()],
            series: vec![],
            periods: vec![],
        }
    }

    fn record(id: &str, seed: u64, v: &str, at: u64) -> RunRecord {
        let mut r = RunRecord::done("abc".into(), 0.5, outcomes(id, seed, v));
        r.finished_ns = at;
        r
    }

    #[test]
    fn the_latest_record_of_a_run_wins_whatever_file_holds_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut a = RecordLog::default();
        let mut b = RecordLog::default();
        a.append(dir.path(), &record("p1-r0", 7, "old", 10))
            .unwrap();
        b.append(dir.path(), &record("p0-r0", 7, "x", 11)).unwrap();
        b.append(dir.path(), &record("p1-r0", 7, "new", 20))
            .unwrap();
        a.append(dir.path(), &record("p2-r0", 7, "y", 5)).unwrap();
        let index: RecordIndex = RecordIndex::load(dir.path()).unwrap();
        assert!(!index.is_empty());
        assert_eq!(index.len(), 3);
        let got = index.get("p1-r0", 7).unwrap();
        assert_eq!(got.outcomes.as_ref().unwrap().values, ["new"]);
        // The two workers wrote two files, named after their first runs.
        let mut names: Vec<String> = fs::read_dir(records_dir(dir.path()))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["p0-r0.jsonl", "p1-r0.jsonl"]);
        // Another seed is another run.
        assert!(index.get("p1-r0", 8).is_none());
        let mut index = index;
        assert!(index.take("p1-r0", 8).is_none());
        assert_eq!(index.len(), 3, "a take with another seed removes nothing");
        let taken = index.take("p1-r0", 7).unwrap();
        assert_eq!(taken.outcomes.unwrap().values, ["new"]);
        assert_eq!(index.len(), 2);
    }

    #[test]
    fn a_failure_after_a_success_makes_the_run_not_finished() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = RecordLog::default();
        log.append(dir.path(), &record("p0-r0", 1, "1", 10))
            .unwrap();
        let heads = RecordIndex::<RecordHead>::load(dir.path()).unwrap();
        assert!(heads.finished("p0-r0", 1, "abc"));
        assert!(!heads.finished("p0-r0", 1, "other config"));
        assert!(!heads.finished("p0-r0", 2, "abc"), "another seed");
        let failure = Failure {
            run_id: "p0-r0".into(),
            seed: 1,
            error: "boom".into(),
        };
        let mut f = RunRecord::failed(&failure, "abc".into(), 0.1);
        f.finished_ns = 11;
        log.append(dir.path(), &f).unwrap();
        let heads = RecordIndex::<RecordHead>::load(dir.path()).unwrap();
        assert!(!heads.finished("p0-r0", 1, "abc"));
        let index: RecordIndex = RecordIndex::load(dir.path()).unwrap();
        assert_eq!(index.get("p0-r0", 1).unwrap().failure(), Some(failure));
    }

    #[test]
    fn a_line_cut_by_a_kill_is_skipped_and_the_next_writer_starts_a_new_line() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = RecordLog::default();
        log.append(dir.path(), &record("a/r0", 1, "1", 10)).unwrap();
        log.append(dir.path(), &record("b/r0", 1, "2", 11)).unwrap();
        // Cut the last record in half, as a kill mid-write would.
        let path = records_dir(dir.path()).join("a_r0.jsonl");
        let bytes = fs::read(&path).unwrap();
        fs::write(&path, &bytes[..bytes.len() - 20]).unwrap();
        let heads = RecordIndex::<RecordHead>::load(dir.path()).unwrap();
        assert!(heads.finished("a/r0", 1, "abc"));
        assert!(!heads.finished("b/r0", 1, "abc"));
        assert_eq!(heads.skipped_lines, 1);
        // A resumed worker whose first run is a/r0 again appends to that file.
        let mut resumed = RecordLog::default();
        resumed
            .append(dir.path(), &record("a/r0", 1, "3", 12))
            .unwrap();
        resumed
            .append(dir.path(), &record("b/r0", 1, "4", 13))
            .unwrap();
        let index: RecordIndex = RecordIndex::load(dir.path()).unwrap();
        assert_eq!(index.skipped_lines, 1, "the cut line stays one bad line");
        assert_eq!(
            index
                .get("a/r0", 1)
                .unwrap()
                .outcomes
                .as_ref()
                .unwrap()
                .values,
            ["3"],
            "the record after the cut line starts a line of its own"
        );
        assert_eq!(
            index
                .get("b/r0", 1)
                .unwrap()
                .outcomes
                .as_ref()
                .unwrap()
                .values,
            ["4"]
        );
    }

    #[test]
    fn the_config_digest_tells_configs_apart_and_is_stable() {
        let a = crate::model::testing::tiny_config();
        let mut b = a.clone();
        b.run.seed += 1;
        let mut c = a.clone();
        c.policy.us.friction += 0.01;
        let d = config_digest(&a);
        assert_eq!(d.len(), 64, "{d}");
        assert_eq!(d, config_digest(&a.clone()));
        assert_ne!(d, config_digest(&b));
        assert_ne!(d, config_digest(&c));
        assert_ne!(config_digest(&b), config_digest(&c));
    }

    #[test]
    fn records_are_stamped_with_the_wall_clock() {
        let before = now_ns();
        let r = RunRecord::done("abc".into(), 0.5, outcomes("p0-r0", 1, "1"));
        let after = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        // After 2020-09-13 (1.6e18 ns), and between the two readings around it.
        assert!(before > 1_600_000_000_000_000_000, "{before}");
        assert!(u128::from(r.finished_ns) >= u128::from(before));
        assert!(u128::from(r.finished_ns) <= after);
    }

    #[test]
    fn an_unreadable_records_folder_is_an_error_not_an_empty_index() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(records_dir(dir.path()), "not a folder").unwrap();
        let err = RecordIndex::<RunRecord>::load(dir.path()).unwrap_err();
        assert!(err.to_string().contains("records"), "{err}");
    }

    #[test]
    fn blank_lines_are_ignored_and_an_over_long_line_is_skipped_alone() {
        let line = |id: &str, v: &str, at: u64| {
            let mut l = serde_json::to_vec(&record(id, 1, v, at)).unwrap();
            l.push(b'\n');
            l
        };
        let mut log = line("a", "1", 1);
        log.extend_from_slice(b"\n  \n");
        let long = line("b", &"9".repeat(500), 2);
        log.extend_from_slice(&long);
        log.extend(line("c", "1", 3));
        // The cap sits inside b's line: b is skipped, a and c are kept.
        let cap = (long.len() - 10) as u64;
        let mut index: RecordIndex = RecordIndex::default();
        index
            .read_log(std::io::Cursor::new(log), Path::new("x.jsonl"), cap)
            .unwrap();
        assert_eq!(index.skipped_lines, 1);
        assert!(index.get("a", 1).is_some() && index.get("c", 1).is_some());
        assert!(index.get("b", 1).is_none());
    }

    #[test]
    fn no_records_folder_is_an_empty_index() {
        let dir = tempfile::tempdir().unwrap();
        let index: RecordIndex = RecordIndex::load(dir.path()).unwrap();
        assert!(index.is_empty());
    }
}
