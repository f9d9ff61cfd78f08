//! Issue 17, item 2: one folder rule for every command that writes a folder.
//! A command writes into a new or empty folder, a folder it made itself for
//! the same work, or anywhere with `--force`; anything else is exit 2 naming
//! the folder and what is in it, and nothing in it changes.

mod common;

use std::fs;
use std::path::Path;

use common::airace;

const TINY: [&str; 8] = [
    "configs/tiny.toml",
    "-q",
    "--set",
    "firms.count=300",
    "--set",
    "run.ticks=4",
    "--threads",
    "1",
];

fn run(out: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    airace()
        .arg("run")
        .args(TINY)
        .args(extra)
        .arg("--out")
        .arg(out)
        .assert()
}

/// A copy of the tiny sweep with its base made absolute and one value changed
/// when `other` (so it is a different design).
fn sweep_file(dir: &Path, other: bool) -> std::path::PathBuf {
    let text = fs::read_to_string("configs/sweeps/tiny_grid.toml").unwrap();
    let base = fs::canonicalize("configs/tiny.toml").unwrap();
    let mut text = text.replace(
        "\"../tiny.toml\"",
        &format!("{:?}", base.display().to_string()),
    );
    text = text.replace("replicates = 3", "replicates = 1");
    if other {
        text = text.replace("steps = 2", "steps = 3");
    }
    let path = dir.join(if other { "b.toml" } else { "a.toml" });
    fs::write(&path, text).unwrap();
    path
}

fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for e in walk(dir) {
        out.push((e.display().to_string(), fs::read(&e).unwrap()));
    }
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            files.extend(walk(&p));
        } else {
            files.push(p);
        }
    }
    files
}

fn stderr_of(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

#[test]
fn a_second_sweep_does_not_replace_the_first() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (sweep_file(tmp.path(), false), sweep_file(tmp.path(), true));
    let out = tmp.path().join("s");
    airace()
        .args(["sweep", "-q", "--jobs", "2"])
        .arg(&a)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let before = snapshot(&out);
    let refused = airace()
        .args(["sweep", "-q"])
        .arg(&b)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2);
    assert!(
        stderr_of(&refused).contains("different sweep"),
        "{}",
        stderr_of(&refused)
    );
    assert_eq!(
        snapshot(&out),
        before,
        "the refused sweep changed the folder"
    );
    // The same sweep again is a resume, and --force lets the other one in.
    airace()
        .args(["sweep", "-q"])
        .arg(&a)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    airace()
        .args(["sweep", "-q", "--force"])
        .arg(&b)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
}

#[test]
fn a_folder_of_the_users_own_files_is_not_overwritten() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("mine");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("config.toml"), "# my notes\n").unwrap();
    fs::write(out.join("report.html"), "<p>my report</p>").unwrap();
    let before = snapshot(&out);
    let refused = run(&out, &[]).code(2);
    let err = stderr_of(&refused);
    assert!(
        err.contains(&out.display().to_string())
            && err.contains("config.toml")
            && err.contains("--force"),
        "{err}"
    );
    assert_eq!(snapshot(&out), before);
    run(&out, &["--force"]).success();
    assert!(out.join("timeseries.csv").exists());
}

#[test]
fn runs_and_sweeps_do_not_write_into_each_other() {
    let tmp = tempfile::tempdir().unwrap();
    let run_dir = tmp.path().join("run");
    run(&run_dir, &[]).success();
    let sweep_dir = tmp.path().join("sweep");
    let a = sweep_file(tmp.path(), false);
    airace()
        .args(["sweep", "-q"])
        .arg(&a)
        .arg("--out")
        .arg(&sweep_dir)
        .assert()
        .success();
    let (run_before, sweep_before) = (snapshot(&run_dir), snapshot(&sweep_dir));
    run(&sweep_dir, &[]).code(2);
    airace()
        .args(["sweep", "-q"])
        .arg(&a)
        .arg("--out")
        .arg(&run_dir)
        .assert()
        .code(2);
    airace()
        .args(["compare"])
        .arg(&run_dir)
        .arg(&run_dir)
        .arg("--out")
        .arg(&sweep_dir)
        .assert()
        .code(2);
    airace()
        .args(["validate", "--replicates", "1", "-q", "--out"])
        .arg(&run_dir)
        .assert()
        .code(2);
    assert_eq!(snapshot(&run_dir), run_before);
    assert_eq!(snapshot(&sweep_dir), sweep_before);
}

#[test]
fn a_rerun_and_a_killed_run_of_the_same_config_may_rewrite_their_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    run(&out, &[]).success();
    run(&out, &[]).success();
    // A killed run leaves its config but no manifest (the manifest is written last).
    fs::remove_file(out.join("manifest.json")).unwrap();
    run(&out, &[]).success();
    // A different config is a different run.
    fs::remove_file(out.join("manifest.json")).unwrap();
    let refused = run(&out, &["--seed", "99"]).code(2);
    assert!(
        stderr_of(&refused).contains("did not make"),
        "{}",
        stderr_of(&refused)
    );
    let refused = {
        run(&out, &["--force"]).success();
        run(&out, &["--seed", "99"]).code(2)
    };
    assert!(
        stderr_of(&refused).contains("a different run"),
        "{}",
        stderr_of(&refused)
    );
}

#[test]
fn an_empty_folder_and_a_compare_folder_are_fine() {
    let tmp = tempfile::tempdir().unwrap();
    let run_dir = tmp.path().join("run");
    run(&run_dir, &[]).success();
    let cmp = tmp.path().join("cmp");
    fs::create_dir(&cmp).unwrap();
    for _ in 0..2 {
        airace()
            .args(["compare"])
            .arg(&run_dir)
            .arg(&run_dir)
            .arg("--out")
            .arg(&cmp)
            .assert()
            .success();
    }
}
