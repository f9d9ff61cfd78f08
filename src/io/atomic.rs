//! Atomic file writes: write to a temporary name in the same folder, then rename.
//!
//! A reader (or a resumed sweep) therefore sees either the old file or the new
//! one, never half of one, even if the process is killed mid-write.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The temporary sibling used while `path` is being written.
///
/// It starts with a dot and carries the process id, so two processes writing
/// the same folder (Slurm array tasks) never share a temp file, and leftover
/// temp files are easy to recognise and clean.
pub fn temp_path_for(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// Write `bytes` to `path` atomically (temp file + fsync + rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(|e| Error::output(dir, e))?;
    }
    let tmp = temp_path_for(path);
    let result = (|| -> std::io::Result<()> {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(Error::output(path, e));
    }
    Ok(())
}

/// Whether `name` is one of our temp files (`.<name>.tmp-<pid>`).
fn is_our_temp(name: &str) -> bool {
    name.starts_with('.')
        && name.rsplit_once(".tmp-").is_some_and(|(stem, pid)| {
            stem.len() > 1 && !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit())
        })
}

/// Remove temp files left by a killed writer (any process id) in `dir` and
/// in the subfolders airace writes there (`charts/`, `checkpoints/`). Only
/// regular files named like ours are touched.
pub fn remove_stale_temps(dir: &Path) {
    for d in [
        dir.to_path_buf(),
        crate::layout::charts_dir(dir),
        dir.join(crate::layout::CHECKPOINTS),
    ] {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if is_our_temp(&name) && entry.file_type().is_ok_and(|t| t.is_file()) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_then_overwrite_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/a.txt");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(p.parent().unwrap())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names.len(), 1, "temp file left behind: {names:?}");
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

    #[test]
    fn failed_write_keeps_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        write_atomic(&p, b"old").unwrap();
        // A folder in the way of the rename target makes the rename fail.
        let blocked = dir.path().join("d");
        fs::create_dir_all(blocked.join("x")).unwrap();
        assert!(write_atomic(&blocked, b"new").is_err());
        assert_eq!(fs::read(&p).unwrap(), b"old");
        assert!(fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .all(|e| !e.file_name().to_string_lossy().contains(".tmp-")));
    }
}
