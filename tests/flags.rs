//! Flag rules are the same wherever a flag appears (issue 11, acceptance 4;
//! issue 17, item 7): one thread cap for `--threads`, `--jobs` and
//! `RAYON_NUM_THREADS`, refused with exit 2 before anything is written.

mod common;
use common::airace;

/// Every command that takes `--threads`, with the rest of a valid command line.
const THREADS: &[&[&str]] = &[
    &["run", "configs/tiny.toml", "--quiet"],
    &["resume", "no-such-checkpoint.bin", "--quiet"],
    &["verify", "no-such-run"],
];

/// Every command that takes `--jobs`.
const JOBS: &[&[&str]] = &[
    &["sweep", "configs/sweeps/tiny_grid.toml", "--quiet"],
    &["scenarios", "--replicates", "1", "--quiet"],
];

fn refused(args: &[&str], env: Option<&str>, needle: &str) {
    let out = tempfile::tempdir().unwrap();
    let mut cmd = airace();
    cmd.args(args);
    if matches!(args[0], "run" | "sweep" | "scenarios") {
        cmd.arg("--out").arg(out.path().join("o"));
    }
    if let Some(v) = env {
        cmd.env("RAYON_NUM_THREADS", v);
    }
    let assert = cmd.assert().code(2);
    let err = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(err.contains(needle), "{args:?}: {err}");
    assert!(!out.path().join("o").exists(), "{args:?} wrote its folder");
}

#[test]
fn threads_2000_is_refused_by_every_command_that_takes_it() {
    for base in THREADS {
        let mut args = base.to_vec();
        args.extend(["--threads", "2000"]);
        refused(&args, None, "1024");
        let mut args = base.to_vec();
        args.extend(["--threads", "0"]);
        refused(&args, None, "--threads");
    }
    for base in JOBS {
        let mut args = base.to_vec();
        args.extend(["--jobs", "2000"]);
        refused(&args, None, "1024");
        let mut args = base.to_vec();
        args.extend(["--jobs", "0"]);
        refused(&args, None, "--jobs");
    }
}

#[test]
fn rayon_num_threads_obeys_the_same_cap() {
    for base in THREADS.iter().chain(JOBS) {
        refused(base, Some("100000"), "RAYON_NUM_THREADS");
        refused(base, Some("1500"), "1024");
    }
    // Within the cap it is fine.
    let out = tempfile::tempdir().unwrap();
    airace()
        .env("RAYON_NUM_THREADS", "2")
        .args(["run", "configs/tiny.toml", "--quiet", "--out"])
        .arg(out.path().join("ok"))
        .assert()
        .success();
}
