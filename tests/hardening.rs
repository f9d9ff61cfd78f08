//! Issue 17 (hardening II): verify cannot be bypassed, inputs cannot exhaust
//! memory, checkpoints are checked against their config, sweeps refuse bad
//! outcomes up front, output text is escaped. Each case failed before its fix.

mod common;
use std::fs;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

/// (exit code, stdout, stderr) of `airace <args>` in `dir`.
fn exec(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let o = common::airace()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("spawn");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// A finished tiny run in `dir/name`.
fn tiny_run(dir: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let tiny = repo("configs/tiny.toml");
    let mut args = vec!["run", tiny.to_str().unwrap(), "--out", name, "--quiet"];
    args.extend_from_slice(extra);
    let (code, _, err) = exec(dir, &args);
    assert_eq!(code, 0, "{err}");
    dir.join(name)
}

fn edit_manifest(run: &Path, f: impl FnOnce(&mut serde_json::Value)) {
    let p = run.join("manifest.json");
    let mut v: serde_json::Value = serde_json::from_str(&fs::read_to_string(&p).unwrap()).unwrap();
    f(&mut v);
    fs::write(&p, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
}

// ---------------------------------------------------------------- verify (item 4)

#[test]
fn verify_fails_when_an_edited_file_is_dropped_from_the_manifest() {
    let t = TempDir::new().unwrap();
    let run = tiny_run(t.path(), "r", &[]);
    let ts = run.join("timeseries.csv");
    let text = fs::read_to_string(&ts).unwrap().replace(",0.", ",9.");
    fs::write(&ts, text).unwrap();
    edit_manifest(&run, |v| {
        v["files"].as_object_mut().unwrap().remove("timeseries.csv");
    });
    let (code, out, err) = exec(t.path(), &["verify", "r"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("timeseries.csv: not listed"), "{out}");
    assert!(!out.contains("identical"), "{out}");
}

#[test]
fn verify_fails_on_a_file_the_run_does_not_write() {
    let t = TempDir::new().unwrap();
    let run = tiny_run(t.path(), "r", &[]);
    fs::write(run.join("extra.csv"), "x\n").unwrap();
    edit_manifest(&run, |v| {
        v["files"]["extra.csv"] = "00".into();
    });
    let (code, out, err) = exec(t.path(), &["verify", "r"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("extra.csv: listed in manifest.json but not a file a run writes"),
        "{out}"
    );
}

#[test]
fn verify_fails_on_a_missing_data_file() {
    let t = TempDir::new().unwrap();
    let run = tiny_run(t.path(), "r", &[]);
    fs::remove_file(run.join("timeseries.csv")).unwrap();
    let (code, out, err) = exec(t.path(), &["verify", "r"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("timeseries.csv: missing"), "{out}");
}

#[test]
fn verify_says_the_config_was_edited_before_rerunning() {
    let t = TempDir::new().unwrap();
    let run = tiny_run(t.path(), "r", &[]);
    let c = run.join("config.toml");
    let text = fs::read_to_string(&c).unwrap();
    fs::write(&c, format!("{text}# edited\n")).unwrap();
    let (code, out, err) = exec(t.path(), &["verify", "r"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("config.toml was edited since the run"),
        "{err}"
    );
}

#[test]
fn verify_reruns_an_unrecorded_branch_from_its_checkpoint_or_refuses() {
    let t = TempDir::new().unwrap();
    tiny_run(t.path(), "r", &["--checkpoint-every", "2"]);
    let (code, _, err) = exec(
        t.path(),
        &[
            "resume",
            "r/checkpoints/tick-2.bin",
            "--out",
            "b",
            "--quiet",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let b = t.path().join("b");
    // A branch the config does not record must rerun from its checkpoint.
    edit_manifest(&b, |v| {
        v["parent"]["changes"] = serde_json::json!(["policy.export_controls=false"]);
    });
    let (code, out, err) = exec(t.path(), &["verify", "b"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("rerunning from its checkpoint"), "{err}");
    fs::remove_file(t.path().join("r/checkpoints/tick-2.bin")).unwrap();
    let (code, _, err) = exec(t.path(), &["verify", "b"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot rerun this branched run"), "{err}");
}

// ---------------------------------------------------------------- help / version

#[test]
fn help_and_version_exit_0() {
    let t = TempDir::new().unwrap();
    let (code, out, _) = exec(t.path(), &["--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("run") && out.contains("verify"), "{out}");
    let (code, out, _) = exec(t.path(), &["--version"]);
    assert_eq!(code, 0);
    assert!(
        out.contains(env!("CARGO_PKG_VERSION")) && out.contains("commit"),
        "{out}"
    );
}

// ---------------------------------------------------------------- allocation bombs (item 6)

#[test]
fn non_regular_inputs_are_refused_with_exit_2() {
    let t = TempDir::new().unwrap();
    fs::write(t.path().join("cfg.toml"), "base = \"/dev/zero\"\n").unwrap();
    let (code, _, err) = exec(t.path(), &["run", "cfg.toml", "--out", "o", "--quiet"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not a regular file"), "{err}");
    assert!(!t.path().join("o").exists());

    let run = tiny_run(t.path(), "r", &[]);
    fs::remove_file(run.join("timeseries.csv")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", run.join("timeseries.csv")).unwrap();
    let (code, _, err) = exec(t.path(), &["plot", "r"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("timeseries.csv") && err.contains("a device"),
        "{err}"
    );

    let (code, _, err) = exec(t.path(), &["resume", "/dev/zero", "--out", "x"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not a regular file"), "{err}");
    fs::create_dir(t.path().join("sw.toml")).unwrap();
    let (code, _, err) = exec(t.path(), &["sweep", "sw.toml", "--out", "s"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("a folder"), "{err}");
}

// ---------------------------------------------------------------- checkpoint shape (item 9)

#[test]
fn a_checkpoint_whose_config_disagrees_with_its_world_is_refused() {
    use airace::checkpoint::{self, format, STATE_SCHEMA};
    let t = TempDir::new().unwrap();
    tiny_run(t.path(), "r", &["--checkpoint-every", "2"]);
    let ck = t.path().join("r/checkpoints/tick-2.bin");
    let state = checkpoint::load(&ck).unwrap();
    let cfg = airace::config::from_str(&state.config_toml, "ck").unwrap();
    let count = cfg.firms.count;
    let edit = |from: String, to: String, needle: &str| {
        let mut s = state.clone();
        assert!(s.config_toml.contains(&from), "{from}");
        s.config_toml = s.config_toml.replacen(&from, &to, 1);
        let p = t.path().join("edited.bin");
        format::write(&p, &s, STATE_SCHEMA).unwrap();
        let (code, _, err) = exec(t.path(), &["resume", "edited.bin", "--out", "o", "--quiet"]);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains("inconsistent checkpoint") && err.contains(needle),
            "{err}"
        );
        assert!(!t.path().join("o").exists());
    };
    edit(
        format!("count = {count}"),
        format!("count = {}", count + 1),
        "firms.count",
    );
    let lab = &cfg.labs[0].name;
    edit(
        format!("name = \"{lab}\""),
        "name = \"Renamed\"".into(),
        "labs",
    );
}

// ---------------------------------------------------------------- sweep outcomes (item 8)

#[test]
fn unknown_outcome_metric_or_scope_is_refused_before_any_run() {
    let t = TempDir::new().unwrap();
    let grid = fs::read_to_string(repo("configs/sweeps/tiny_grid.toml"))
        .unwrap()
        .replace("../tiny.toml", repo("configs/tiny.toml").to_str().unwrap());
    for (from, to, needle) in [
        (
            "metric = \"frontier_gap_months\"",
            "metric = \"nope\"",
            "no metric `nope`",
        ),
        ("scope = \"CN\"", "scope = \"XX\"", "has no scope `XX`"),
    ] {
        fs::write(t.path().join("sw.toml"), grid.replacen(from, to, 1)).unwrap();
        let (code, _, err) = exec(t.path(), &["sweep", "sw.toml", "--out", "s", "--quiet"]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("outcomes[") && err.contains(needle), "{err}");
        assert!(!t.path().join("s").exists(), "the sweep folder was written");
    }
}

#[test]
fn sweep_memory_is_checked_for_all_jobs_before_any_run() {
    let t = TempDir::new().unwrap();
    let sw = repo("configs/sweeps/tiny_grid.toml");
    let args = [
        "sweep",
        sw.to_str().unwrap(),
        "--out",
        "s",
        "--quiet",
        "--jobs",
        "2",
    ];
    let mut a = args.to_vec();
    a.extend(["--max-memory", "1K"]);
    let (code, _, err) = exec(t.path(), &a);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("2 runs at once") && err.contains("--max-memory"),
        "{err}"
    );
    assert!(!t.path().join("s").exists());
}

// ---------------------------------------------------------------- stale temps (item 10)

#[test]
fn a_rerun_removes_the_temp_files_a_killed_run_left() {
    let t = TempDir::new().unwrap();
    let run = tiny_run(t.path(), "r", &["--checkpoint-every", "2"]);
    let stale = [
        run.join(".timeseries.csv.tmp-999999"),
        run.join("checkpoints/.tick-4.bin.tmp-999999"),
    ];
    for p in &stale {
        fs::write(p, "half").unwrap();
    }
    tiny_run(t.path(), "r", &["--checkpoint-every", "2", "--force"]);
    for p in &stale {
        assert!(!p.exists(), "{} left behind", p.display());
    }
}

// ---------------------------------------------------------------- messages (item 11)

#[test]
fn a_key_set_twice_is_refused_naming_both() {
    let t = TempDir::new().unwrap();
    let tiny = repo("configs/tiny.toml");
    let args = [
        "run",
        tiny.to_str().unwrap(),
        "--out",
        "o",
        "--quiet",
        "--set",
        "firms.count=300",
        "--set",
        "firms.count=-5",
    ];
    let (code, _, err) = exec(t.path(), &args);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--set firms.count=300 and --set firms.count=-5") && err.contains("twice"),
        "{err}"
    );
    assert!(!t.path().join("o").exists());
}
