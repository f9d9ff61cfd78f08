//! `airace verify` (issue 5): reruns a run folder and compares its data files.

use std::fs;
use std::path::Path;

mod common;
use common::airace;

/// A tiny run (400 firms, 12 ticks) into `out`.
fn run(out: &Path, extra: &[&str]) {
    airace()
        .args(["run", "configs/tiny.toml", "-q", "--threads", "1"])
        .args(["--set", "run.ticks=12", "--set", "firms.count=400", "--out"])
        .arg(out)
        .args(extra)
        .assert()
        .success();
}

/// Run verify; return (exit code, stdout, stderr).
fn verify(dir: &Path, threads: &str) -> (i32, String, String) {
    let out = airace()
        .args(["verify", "--threads", threads])
        .arg(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn fresh_run_verifies_at_another_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    run(&out, &[]);
    let (code, stdout, stderr) = verify(&out, "2");
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("identical: 2 files"), "{stdout}");
    assert!(!stderr.contains("different build"), "{stderr}");
}

#[test]
fn one_changed_byte_fails_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    run(&out, &[]);
    let path = out.join("timeseries.csv");
    let text = fs::read_to_string(&path).unwrap();
    // Change the last digit on line 10.
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let line = &mut lines[9];
    let last = line.pop().unwrap();
    line.push(if last == '1' { '2' } else { '1' });
    fs::write(&path, lines.join("\n") + "\n").unwrap();

    let (code, stdout, stderr) = verify(&out, "1");
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.contains("timeseries.csv"), "{stdout}");
    assert!(stdout.contains("line 10"), "{stdout}");
    assert!(stdout.contains(&lines[9]), "{stdout}");
    assert!(!stdout.contains("config.toml"), "{stdout}");
    assert!(!stdout.contains("identical"), "{stdout}");
}

#[test]
fn build_differences_are_noted() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    run(&out, &[]);
    let mpath = out.join("manifest.json");
    let mut m: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&mpath).unwrap()).unwrap();
    m["rustc_version"] = "rustc 1.0.0 (a28077b28 2015-05-13)".into();
    fs::write(&mpath, serde_json::to_string_pretty(&m).unwrap()).unwrap();
    let (code, stdout, stderr) = verify(&out, "1");
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stderr.contains("different build") && stderr.contains("rustc 1.0.0"),
        "{stderr}"
    );
}

#[test]
fn branched_run_verifies_without_its_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let parent = dir.path().join("parent");
    run(&parent, &["--checkpoint-every", "6"]);
    let ck = parent.join("checkpoints/tick-6.bin");
    let branch = dir.path().join("branch");
    airace()
        .args(["resume", "-q", "--set", "policy.us.friction=0.9", "--out"])
        .arg(&branch)
        .arg(&ck)
        .assert()
        .success();
    fs::remove_dir_all(parent.join("checkpoints")).unwrap();
    let (code, stdout, stderr) = verify(&branch, "2");
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("identical: 2 files"), "{stdout}");
    assert!(stderr.contains("resumed run"), "{stderr}");
}

#[test]
fn not_a_run_folder_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = verify(dir.path(), "1");
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("manifest.json"), "{stderr}");
}
