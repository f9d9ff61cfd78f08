//! Ctrl-C through the binary: a real SIGINT to a running `airace sweep` stops it with
//! exit 130 after the runs in flight, keeps every finished run, and rerunning the same
//! command finishes the sweep with the same summary as an uninterrupted one.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// 80 small runs (300 firms, 6 quarters): long enough to interrupt in the middle.
fn sweep_file(dir: &Path) -> PathBuf {
    let base = repo().join("configs/tiny.toml");
    let text = format!(
        "name = \"ctrlc\"\nbase = {base:?}\nreplicates = 20\nmaster_seed = 5\n\
         sets = [\"firms.count=300\", \"run.ticks=6\"]\n\
         [[parameters]]\npath = \"policy.us.friction\"\nvalues = [0.1, 0.3, 0.6, 0.9]\n\
         [[outcomes]]\nmetric = \"aligned_countries.CN\"\nscope = \"world\"\n",
        base = base.display().to_string()
    );
    let path = dir.join("ctrlc.toml");
    fs::write(&path, text).unwrap();
    path
}

/// Every run record: run id and the record's line (which holds the time it
/// was written, so a recomputed run would add a second, different line).
fn finished(dir: &Path) -> Vec<(String, String)> {
    common::record_lines(dir)
}

fn sweep(file: &Path, out: &Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_airace"))
        .arg("sweep")
        .arg(file)
        .args(["--out", out.to_str().unwrap(), "--jobs", "1", "--quiet"])
        .output()
        .unwrap()
}

#[test]
fn sigint_stops_a_sweep_with_130_and_the_same_command_resumes_it() {
    let t = tempfile::tempdir().unwrap();
    let file = sweep_file(t.path());
    let (stopped, clean) = (t.path().join("stopped"), t.path().join("clean"));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_airace"))
        .arg("sweep")
        .arg(&file)
        .args(["--out", stopped.to_str().unwrap(), "--jobs", "1", "--quiet"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait (polling, no timing assertion) until a few runs are done, then send SIGINT.
    let deadline = Instant::now() + Duration::from_secs(300);
    while finished(&stopped).len() < 3 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "sweep ended before the signal"
        );
        assert!(Instant::now() < deadline, "no runs finished within 300 s");
        std::thread::sleep(Duration::from_millis(5));
    }
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("interrupted"), "{err}");
    let before = finished(&stopped);
    assert!(before.len() < 80, "interrupted too late to test anything");
    assert!(
        !stopped.join("summary.csv").exists(),
        "no summary of a partial sweep"
    );

    let resumed = sweep(&file, &stopped);
    assert_eq!(resumed.status.code(), Some(0), "{resumed:?}");
    let full = sweep(&file, &clean);
    assert_eq!(full.status.code(), Some(0), "{full:?}");
    let after = finished(&stopped);
    assert_eq!(after.len(), 80, "one record per run: none recomputed");
    for (id, text) in &before {
        assert!(
            after.contains(&(id.clone(), text.clone())),
            "{id} changed on resume"
        );
    }
    assert_eq!(
        fs::read(stopped.join("summary.csv")).unwrap(),
        fs::read(clean.join("summary.csv")).unwrap(),
        "a resumed sweep summarises like an uninterrupted one"
    );
}
