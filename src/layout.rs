//! The layout of every folder airace writes: one place for each file name,
//! and the readers and writers of the files that identify a folder.
//!
//! A run folder (`run`, `resume`, and every run inside a sweep or scenario set):
//!
//! ```text
//! timeseries.csv   the data                       config.toml   the resolved config
//! manifest.json    written last: "finished"       charts/*.png, report.html
//! checkpoints/tick-N.bin (with --checkpoint-every)
//! outcomes.json or failed.json (runs inside a sweep or scenario set that keep them)
//! ```
//!
//! A sweep folder (`sweep`, `merge`, `slurm`, `scenarios`):
//!
//! ```text
//! plan.json  sweep.toml  records/*.jsonl  summary.csv  failures.csv
//! bands.csv  charts/  report.html        (scenarios add scenarios.csv, scenarios.md)
//! runs/<run-id>/   only for runs that keep their folder (`keep_runs`) or failed
//! ```
//!
//! Nothing else in the crate spells these names, so the rule about which
//! folders a command may write into (and the lock that serialises writers)
//! has exactly one place to live.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::io::atomic::write_atomic;
use crate::io::manifest::Manifest;
use crate::io::read;
use crate::io::timeseries::Timeseries;

/// The run's time series (tidy CSV).
pub const TIMESERIES: &str = "timeseries.csv";
/// The resolved config a run can be repeated from.
pub const CONFIG: &str = "config.toml";
/// The manifest, written last: its presence means "finished".
pub const MANIFEST: &str = "manifest.json";
/// The human-readable page of a run, a sweep or a scenario set.
pub const REPORT: &str = "report.html";
/// Folder of PNG charts.
pub const CHARTS: &str = "charts";
/// Folder of checkpoints inside a run folder.
pub const CHECKPOINTS: &str = "checkpoints";
/// A sweep run's outcome values (written before its manifest).
pub const OUTCOMES: &str = "outcomes.json";
/// A sweep run's failure record (a folder holding it has no manifest).
pub const FAILED: &str = "failed.json";
/// The expanded design of a sweep or scenario set.
pub const PLAN: &str = "plan.json";
/// Copy of the sweep file, for the record.
pub const SWEEP_FILE: &str = "sweep.toml";
/// Folder of the run folders of a sweep or scenario set.
pub const RUNS: &str = "runs";
/// Folder of the run record logs of a sweep or scenario set (one JSON line
/// per finished or failed run, one file per worker).
pub const RECORDS: &str = "records";
/// One row per run of a sweep or scenario set.
pub const SUMMARY: &str = "summary.csv";
/// One row per failed run.
pub const FAILURES: &str = "failures.csv";
/// Per-tick bands across replicates.
pub const BANDS: &str = "bands.csv";
/// One row per (run, outcome) of a sweep, parameters joined (Parquet).
pub const SUMMARY_PARQUET: &str = "summary.parquet";
/// The outcomes' time series of every finished run, long form (Parquet).
pub const SERIES_PARQUET: &str = "series.parquet";
/// Default folder of `airace analyze` inside a sweep folder.
pub const ANALYSIS_DIR: &str = "analysis";
/// The page of `airace analyze` (its folder's marker file).
pub const ANALYSIS_HTML: &str = "analysis.html";
/// Headline outcomes of a scenario set.
pub const SCENARIOS_CSV: &str = "scenarios.csv";
/// The README table of a scenario set.
pub const SCENARIOS_MD: &str = "scenarios.md";
/// Headlines as probabilities over parameter draws (`scenarios --uncertainty`).
pub const PROBABILITIES_CSV: &str = "probabilities.csv";
/// One row per (scenario, parameter draw): the draw's values joined to its
/// replicate-mean outcomes (`scenarios --uncertainty`).
pub const WORLDS_CSV: &str = "worlds.csv";
/// The table of scored targets in a validate folder (its marker file).
pub const VALIDATION_CSV: &str = "validation.csv";
/// The Slurm array script of `airace slurm`.
pub const SLURM_ARRAY_SCRIPT: &str = "sweep.sbatch";
/// The Slurm merge script of `airace slurm`.
pub const SLURM_MERGE_SCRIPT: &str = "merge.sbatch";
/// Folder of the Slurm jobs' logs.
pub const SLURM_LOGS: &str = "slurm";
/// The page of `airace compare`.
pub const COMPARE_HTML: &str = "compare.html";

/// The data files every run folder must have and its manifest must list,
/// fixed by the run type (not read from the manifest): what `verify` reruns.
pub const RUN_DATA_FILES: [&str; 2] = [TIMESERIES, CONFIG];

/// Whether a manifest entry is a rendering (chart or page), not data.
pub fn is_rendering(name: &str) -> bool {
    name == REPORT
        || name
            .strip_prefix("charts/")
            .is_some_and(|f| f.ends_with(".png"))
}

/// `dir/charts`.
pub fn charts_dir(dir: &Path) -> PathBuf {
    dir.join(CHARTS)
}

/// A chart's path relative to its folder (`charts/<file>`), as pages link it.
pub fn chart_link(file: &str) -> String {
    format!("{CHARTS}/{file}")
}

/// Path of the checkpoint for `tick` inside a run folder.
pub fn checkpoint_path(run_dir: &Path, tick: u32) -> PathBuf {
    run_dir.join(CHECKPOINTS).join(format!("tick-{tick}.bin"))
}

/// The run folder a checkpoint belongs to, if it sits in `<run>/checkpoints/`.
pub fn run_of_checkpoint(checkpoint: &Path) -> Option<PathBuf> {
    let dir = checkpoint.parent()?;
    if dir.file_name()? != CHECKPOINTS {
        return None;
    }
    let run = dir.parent()?;
    (!run.as_os_str().is_empty()).then(|| run.to_path_buf())
}

/// Folder of run `id` inside a sweep (or scenario-set) folder.
pub fn sweep_run_dir(sweep_dir: &Path, id: &str) -> PathBuf {
    sweep_dir.join(RUNS).join(id)
}

/// Whether `dir` holds a manifest (a finished run).
pub fn has_manifest(dir: &Path) -> bool {
    dir.join(MANIFEST).is_file()
}

/// Read `dir/manifest.json` through its type.
///
/// A missing or malformed manifest is an input error (exit 2) naming the
/// file and, for a bad value, the key, because it usually means the user
/// pointed at the wrong folder or edited the file.
pub fn read_manifest(dir: &Path) -> Result<Manifest> {
    let path = dir.join(MANIFEST);
    let text = read::try_read_text(&path, read::Cap::Record).map_err(|e| match e {
        read::ReadError::NotFound => Error::input(
            &path,
            "no manifest here; is this an airace run folder? (every run writes one when it finishes)",
        ),
        _ => Error::input(&path, format!("cannot read manifest: {e}")),
    })?;
    Manifest::from_json(&text, &path)
}

/// Read `dir/manifest.json` when present; `Ok(None)` when the folder has none.
pub fn read_manifest_if_any(dir: &Path) -> Result<Option<Manifest>> {
    if dir.join(MANIFEST).exists() {
        read_manifest(dir).map(Some)
    } else {
        Ok(None)
    }
}

/// Write `dir/manifest.json` atomically. Write it last: its presence then
/// means the folder's files are complete.
pub fn write_manifest(dir: &Path, manifest: &Manifest) -> Result<()> {
    let path = dir.join(MANIFEST);
    write_atomic(&path, &manifest.to_json(&path)?)
}

/// Read a folder's resolved `config.toml` as text.
pub fn read_config_text(dir: &Path) -> Result<String> {
    let path = dir.join(CONFIG);
    read::read_text(&path, read::Cap::Config)
}

/// Read and fully validate `dir/timeseries.csv`.
///
/// Beyond the row syntax `Timeseries::parse` checks, charts need each tick
/// to have one calendar label and each (tick, scope, metric) to appear once;
/// otherwise a line would zig-zag between two values without any warning.
pub fn read_timeseries(dir: &Path) -> Result<Timeseries> {
    let path = dir.join(TIMESERIES);
    let text = read::read_text(&path, read::Cap::Timeseries)?;
    let ts = Timeseries::parse(&text, &path)?;
    let lines: Vec<u64> = text
        .lines()
        .enumerate()
        .skip(1)
        .filter(|(_, l)| !l.trim_end_matches('\r').is_empty())
        .map(|(i, _)| i as u64 + 1)
        .collect();
    let mut periods: BTreeMap<u32, &str> = BTreeMap::new();
    let mut seen: BTreeSet<(u32, &str, &str)> = BTreeSet::new();
    for (row, &line) in ts.rows().iter().zip(&lines) {
        let p = *periods.entry(row.tick).or_insert(&*row.period);
        if *p != *row.period {
            let msg = format!(
                "tick {} is labelled `{}` here but `{p}` on an earlier line",
                row.tick, row.period
            );
            return Err(Error::input_at(&path, line, msg));
        }
        if !seen.insert((row.tick, &*row.scope, &*row.metric)) {
            let msg = format!(
                "duplicate row for tick {}, scope `{}`, metric `{}`",
                row.tick, row.scope, row.metric
            );
            return Err(Error::input_at(&path, line, msg));
        }
    }
    Ok(ts)
}

/// A folder's display name: its last component, resolving `.` and `..`.
pub fn display_name(dir: &Path) -> String {
    let named = dir.file_name().map(|n| n.to_string_lossy().into_owned());
    named
        .or_else(|| {
            dir.canonicalize()
                .ok()
                .and_then(|c| c.file_name().map(|n| n.to_string_lossy().into_owned()))
        })
        .unwrap_or_else(|| "run".to_string())
}

/// The work a command is about to write into a folder, for [`claim_folder`].
#[derive(Clone, Copy, Debug)]
pub enum FolderWork<'a> {
    /// One run of this resolved config (`run`, `resume`).
    Run {
        /// The resolved config text the run will write as `config.toml`.
        config_toml: &'a str,
    },
    /// A sweep, a shard of one, its Slurm scripts, or a scenario set. The
    /// design itself is compared with `plan.json` by the caller.
    Sweep,
    /// A `compare` page.
    Compare,
    /// An `airace validate` folder.
    Validate,
    /// An `airace analyze` folder.
    Analysis,
}

/// The one folder rule every command that writes a folder obeys: it writes
/// into a new or empty folder, into a folder it made itself for the same
/// work, or anywhere with `force`. Anything else is refused (exit 2) naming
/// the folder and what is in it, so no command replaces results, or a
/// user's own files, it did not make.
///
/// "Empty" ignores the lock file and this program's temporary files; "the
/// same work" is a run folder of the same resolved config (finished, with a
/// manifest, or killed, with a `config.toml` equal to ours), a sweep folder
/// (its `plan.json` is then checked against the design by the caller; the
/// files a shard or `airace slurm` writes before it are accepted), or a
/// folder holding a `compare` page.
pub fn claim_folder(dir: &Path, work: FolderWork<'_>, force: bool) -> Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    if !dir.is_dir() {
        return Err(Error::Usage(format!(
            "output path {} exists and is not a folder",
            dir.display()
        )));
    }
    if force {
        return Ok(());
    }
    let entries = folder_entries(dir)?;
    if entries.is_empty() || same_work(dir, work, &entries)? {
        return Ok(());
    }
    let shown: Vec<String> = entries
        .iter()
        .take(5)
        .map(|e| crate::io::quote::quote(e))
        .collect();
    let more = match entries.len().saturating_sub(shown.len()) {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    let what = match work {
        FolderWork::Run { .. } if has_manifest(dir) => "a different run",
        FolderWork::Sweep if dir.join(PLAN).exists() => "a different sweep",
        _ => "files this command did not make",
    };
    Err(Error::Usage(format!(
        "{} already holds {what} ({}{more}); choose another --out, or pass --force to write into it anyway",
        dir.display(),
        shown.join(", ")
    )))
}

/// The names in `dir`, sorted, without the lock file, this program's
/// temporary files (`.<name>.tmp-<pid>`) and an empty `runs/` folder.
fn folder_entries(dir: &Path) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| Error::input(dir, format!("cannot list: {e}")))? {
        let entry = entry.map_err(|e| Error::input(dir, format!("cannot list: {e}")))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let temp = name.starts_with('.') && name.contains(".tmp-");
        let empty_runs =
            name == RUNS && fs::read_dir(entry.path()).is_ok_and(|mut d| d.next().is_none());
        if name != LOCK && !temp && !empty_runs {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

/// Whether a non-empty folder was made by this kind of command for this work.
fn same_work(dir: &Path, work: FolderWork<'_>, entries: &[String]) -> Result<bool> {
    Ok(match work {
        FolderWork::Run { config_toml } => match read_manifest_if_any(dir) {
            Ok(Some(m)) => m.config_hash == crate::io::manifest::sha256_hex(config_toml.as_bytes()),
            Ok(None) => read::try_read_text(&dir.join(CONFIG), read::Cap::Config)
                .is_ok_and(|text| without_comments(&text) == without_comments(config_toml)),
            Err(_) => false,
        },
        FolderWork::Sweep => {
            dir.join(PLAN).is_file()
                || entries.iter().all(|e| {
                    [
                        SWEEP_FILE,
                        SLURM_ARRAY_SCRIPT,
                        SLURM_MERGE_SCRIPT,
                        SLURM_LOGS,
                        RUNS,
                        RECORDS,
                    ]
                    .contains(&e.as_str())
                })
        }
        FolderWork::Compare => dir.join(COMPARE_HTML).is_file(),
        FolderWork::Validate => dir.join(VALIDATION_CSV).is_file(),
        FolderWork::Analysis => dir.join(ANALYSIS_HTML).is_file(),
    })
}

/// A config text without its leading comment lines (a run's `config.toml`
/// starts with a note saying where it was written).
fn without_comments(text: &str) -> &str {
    let mut rest = text;
    while rest.starts_with('#') {
        rest = rest.split_once('\n').map_or("", |(_, r)| r);
    }
    rest
}

/// The advisory lock file a writer holds in its output folder.
pub const LOCK: &str = ".airace.lock";

/// An exclusive advisory lock on an output folder, held for the whole
/// write: a second `airace` writing into the same folder at the same time
/// is refused (exit 2, "in use by process N") instead of mixing its files
/// with ours. The lock file holds the holder's process id and is removed
/// when the lock is dropped; the operating system releases the lock itself
/// if the process dies, so a killed run never leaves a folder locked.
#[derive(Debug)]
pub struct FolderLock {
    file: fs::File,
    path: PathBuf,
}

impl FolderLock {
    /// Create `dir` if needed and lock it, or explain who holds it.
    pub fn acquire(dir: &Path) -> Result<FolderLock> {
        if dir.exists() && !dir.is_dir() {
            return Err(Error::Usage(format!(
                "output path {} exists and is not a folder",
                dir.display()
            )));
        }
        fs::create_dir_all(dir).map_err(|e| Error::output(dir, e))?;
        let path = dir.join(LOCK);
        let mut file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::output(&path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                let holder = fs::read_to_string(&path).unwrap_or_default();
                let holder = holder.trim();
                let who = if holder.is_empty() {
                    "another process".to_string()
                } else {
                    format!("process {}", crate::io::quote::quote(holder))
                };
                return Err(Error::Usage(format!(
                    "{} is in use by {who} (it holds {}); wait for it to finish or choose another --out",
                    dir.display(),
                    path.display()
                )));
            }
            Err(fs::TryLockError::Error(e)) => return Err(Error::output(&path, e)),
        }
        use std::io::{Seek, Write};
        let pid = std::process::id().to_string();
        file.set_len(0)
            .and_then(|_| file.rewind())
            .and_then(|_| file.write_all(pid.as_bytes()))
            .map_err(|e| Error::output(&path, e))?;
        Ok(FolderLock { file, path })
    }
}

impl Drop for FolderLock {
    fn drop(&mut self) {
        // Remove the file while still holding the lock, then release it.
        let _ = fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

/// Remove temp files left by a killed writer (any process id) in `dir` and
/// in the subfolders airace writes there (`charts/`, `checkpoints/`). Only
/// regular files named like ours are touched.
pub fn remove_stale_temps(dir: &Path) {
    for d in [dir.to_path_buf(), charts_dir(dir), dir.join(CHECKPOINTS)] {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if crate::io::atomic::is_our_temp(&name) && entry.file_type().is_ok_and(|t| t.is_file())
            {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::manifest::sha256_hex;
    use crate::io::manifest::tests::sample;
    use std::fs;
    const FILE_NAME: &str = MANIFEST;

    #[test]
    fn write_read_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let m = sample();
        write_manifest(dir.path(), &m).unwrap();
        let back = read_manifest(dir.path()).unwrap();
        assert_eq!(back, m);
        assert_eq!(back.config_hash, sha256_hex(b"[run]\nseed = 7\n"));
        let text = fs::read_to_string(dir.path().join(FILE_NAME)).unwrap();
        assert!(
            text.ends_with('\n') && text.contains("\n  \"seed\": 7"),
            "{text}"
        );
    }

    #[test]
    fn read_tolerates_missing_optional_fields() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = serde_json::to_value(sample()).unwrap();
        let obj = v.as_object_mut().unwrap();
        obj.remove("parent");
        obj.remove("extra");
        fs::write(dir.path().join(FILE_NAME), serde_json::to_vec(&v).unwrap()).unwrap();
        let back = read_manifest(dir.path()).unwrap();
        assert!(back.parent.is_none() && back.extra.is_empty());
    }

    #[test]
    fn read_missing_or_malformed_is_input_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_manifest(dir.path()).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains(FILE_NAME), "{err}");

        fs::write(dir.path().join(FILE_NAME), "{\n  \"seed\": \"x\"\n}").unwrap();
        let err = read_manifest(dir.path()).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let msg = err.to_string();
        assert!(
            msg.contains(FILE_NAME) && msg.contains("malformed"),
            "{msg}"
        );
    }

    #[test]
    fn stale_temps_are_removed_in_the_folder_and_its_checkpoints() {
        let dir = tempfile::tempdir().unwrap();
        let ck = dir.path().join("checkpoints");
        fs::create_dir_all(&ck).unwrap();
        for p in [
            dir.path().join(".timeseries.csv.tmp-123"),
            ck.join(".tick-4.bin.tmp-99"),
        ] {
            fs::write(&p, "x").unwrap();
        }
        // Not ours: kept.
        let keep = [dir.path().join(".my.tmp-notes"), dir.path().join("a.tmp-1")];
        for p in &keep {
            fs::write(p, "x").unwrap();
        }
        remove_stale_temps(dir.path());
        let left: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .chain(fs::read_dir(&ck).unwrap())
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        let mut left = left;
        left.sort();
        assert_eq!(left, [".my.tmp-notes", "a.tmp-1", "checkpoints"]);
    }
}
