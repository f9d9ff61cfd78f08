//! `airace verify` (issue 5): reruns a run folder and compares its data files.

use std::fs;
use std::path::{Path, PathBuf};

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

/// A 12-tick parent run checkpointed at tick 6, and a branch resumed from that
/// checkpoint with one changed value; returns (parent, branch) folders under `root`.
fn parent_and_branch(root: &Path) -> (PathBuf, PathBuf) {
    let parent = root.join("parent");
    run(&parent, &["--checkpoint-every", "6"]);
    let ck = parent.join("checkpoints/tick-6.bin");
    let branch = root.join("branch");
    airace()
        .args(["resume", "-q", "--set", "policy.us.friction=0.9", "--out"])
        .arg(&branch)
        .arg(&ck)
        .assert()
        .success();
    (parent, branch)
}

#[test]
fn branched_run_verifies_without_its_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let (parent, branch) = parent_and_branch(dir.path());
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

/// A way to break a run folder: what it is, the edit, and what verify must say.
type Case<'a> = (&'a str, Box<dyn Fn(&Path) + 'a>, &'a str);

/// Edit `manifest.json` in `dir` with `f`.
fn edit_manifest(dir: &Path, f: impl FnOnce(&mut serde_json::Value)) {
    let path = dir.join("manifest.json");
    let mut m: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    f(&mut m);
    fs::write(&path, serde_json::to_string_pretty(&m).unwrap()).unwrap();
}

/// Every way a folder can disagree with its manifest or its rerun is a failure (exit 1)
/// that names the file: a data file missing on disk or from the manifest, a manifest
/// hash that no longer matches, an unknown manifest entry, an edited or missing chart.
#[test]
fn every_manifest_or_file_mismatch_fails_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let pristine = dir.path().join("pristine");
    run(&pristine, &[]);
    let copy = |name: &str| {
        let to = dir.path().join(name);
        fs::create_dir_all(to.join("charts")).unwrap();
        for e in walk(&pristine) {
            let rel = e.strip_prefix(&pristine).unwrap();
            fs::create_dir_all(to.join(rel).parent().unwrap()).unwrap();
            fs::copy(&e, to.join(rel)).unwrap();
        }
        to
    };
    // Runs do not list their renderings, but a manifest may (an older build's did); a
    // listed one must still match. List report.html with its true hash in every copy.
    let chart = "report.html".to_string();
    let report_hash = airace::io::manifest::sha256_hex(&fs::read(pristine.join(&chart)).unwrap());
    edit_manifest(&pristine, |m| {
        m["files"][&chart] = report_hash.clone().into()
    });
    let cases: Vec<Case> = vec![
        (
            "missing data file",
            Box::new(|d: &Path| fs::remove_file(d.join("timeseries.csv")).unwrap()),
            "timeseries.csv: missing from",
        ),
        (
            "data file dropped from the manifest",
            Box::new(|d: &Path| {
                edit_manifest(d, |m| {
                    m["files"].as_object_mut().unwrap().remove("timeseries.csv");
                })
            }),
            "timeseries.csv: not listed in manifest.json",
        ),
        (
            "manifest hash edited",
            Box::new(|d: &Path| {
                edit_manifest(d, |m| m["files"]["timeseries.csv"] = "00".repeat(32).into())
            }),
            "timeseries.csv: matches the rerun but not the SHA-256",
        ),
        (
            "unknown manifest entry",
            Box::new(|d: &Path| {
                edit_manifest(d, |m| m["files"]["notes.txt"] = "00".repeat(32).into())
            }),
            "notes.txt: listed in manifest.json but not a file a run writes",
        ),
        (
            "chart edited",
            Box::new(|d: &Path| {
                let p = d.join(&chart);
                let mut b = fs::read(&p).unwrap();
                let last = b.len() - 1;
                b[last] ^= 1;
                fs::write(&p, b).unwrap();
            }),
            "differs from the SHA-256 in manifest.json (edited since the run)",
        ),
        (
            "chart missing",
            Box::new(|d: &Path| fs::remove_file(d.join(&chart)).unwrap()),
            "missing from",
        ),
    ];
    for (i, (what, break_it, needle)) in cases.iter().enumerate() {
        let d = copy(&format!("case{i}"));
        break_it(&d);
        let (code, stdout, stderr) = verify(&d, "1");
        assert_eq!(code, 1, "{what}: {stdout}{stderr}");
        assert!(
            stdout.contains(needle),
            "{what}: wanted `{needle}` in {stdout}"
        );
        assert!(!stdout.contains("identical"), "{what}: {stdout}");
    }
    // The untouched copy still verifies: the failures above come from the edits alone.
    let (code, stdout, stderr) = verify(&copy("control"), "1");
    assert_eq!(code, 0, "{stdout}{stderr}");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A branched run whose config does not record the branch as a scheduled change (as
/// older builds wrote it: the changed value directly in config.toml) is rerun from its
/// checkpoint, and reproduces; once the checkpoint is gone it cannot be, and says so.
#[test]
fn unrecorded_branch_is_rerun_from_its_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let (parent, branch) = parent_and_branch(dir.path());
    // Rewrite config.toml the old way: the branch value in place, no schedule entry.
    let path = branch.join("config.toml");
    let text = fs::read_to_string(&path).unwrap();
    let header = text.lines().next().unwrap().to_string();
    let mut cfg = airace::config::from_str(&text, "branch").unwrap();
    assert_eq!(
        cfg.schedule.len(),
        1,
        "resume records its --set as a schedule entry"
    );
    cfg.schedule.clear();
    cfg.policy.us.friction = 0.9;
    let new = format!("{header}\n{}", airace::config::to_toml(&cfg));
    fs::write(&path, &new).unwrap();
    edit_manifest(&branch, |m| {
        m["files"]["config.toml"] = airace::io::manifest::sha256_hex(new.as_bytes()).into()
    });
    let (code, stdout, stderr) = verify(&branch, "2");
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stderr.contains("rerunning from its checkpoint"), "{stderr}");
    assert!(stdout.contains("identical: 2 files"), "{stdout}");

    // The checkpoint changed since: refused (exit 2) rather than rerun from tick 0.
    let ck = parent.join("checkpoints/tick-6.bin");
    let mut b = fs::read(&ck).unwrap();
    let last = b.len() - 1;
    b[last] ^= 1;
    fs::write(&ck, b).unwrap();
    let (code, _, stderr) = verify(&branch, "1");
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("cannot rerun this branched run"),
        "{stderr}"
    );
}
