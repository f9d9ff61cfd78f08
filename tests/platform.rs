//! Issue 18: results must not depend on the platform's C maths library.
//!
//! The test builds `tests/fixtures/platform/libm_shim.c`, a shared library
//! whose `exp`, `log`, `pow`, `sin`, … return the C library's result with the
//! last bit flipped, and runs the binary under `LD_PRELOAD`. A positive
//! control (a C program calling `exp`) proves the shim is loaded; airace's
//! data files must be byte-identical with and without it, because every
//! transcendental function goes through `src/math.rs` (pure-Rust libm).
//!
//! Linux only. Skipped with a message when no C compiler is found, unless
//! `AIRACE_REQUIRE_SHIM=1` (CI), where that is a failure.
#![cfg(target_os = "linux")]

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command as Std;

use assert_cmd::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The C compiler, if there is one.
fn cc() -> Option<&'static str> {
    ["cc", "gcc", "clang"].into_iter().find(|c| {
        Std::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// Compile the shim and the control program into `dir`; `None` when there is
/// no compiler and it is not required.
fn build_fixtures(dir: &Path) -> Option<(PathBuf, PathBuf)> {
    let Some(cc) = cc() else {
        let required = std::env::var("AIRACE_REQUIRE_SHIM").is_ok_and(|v| v == "1");
        assert!(!required, "AIRACE_REQUIRE_SHIM=1 but no C compiler found");
        eprintln!("SKIPPED platform test: no C compiler (cc/gcc/clang) on PATH");
        return None;
    };
    let fixtures = repo().join("tests/fixtures/platform");
    let shim = dir.join("libairace_shim.so");
    let control = dir.join("control");
    let status = Std::new(cc)
        .args(["-shared", "-fPIC", "-O2", "-o"])
        .arg(&shim)
        .arg(fixtures.join("libm_shim.c"))
        .arg("-ldl")
        .status()
        .unwrap();
    assert!(status.success(), "building the shim failed");
    let status = Std::new(cc)
        .args(["-O0", "-o"])
        .arg(&control)
        .arg(fixtures.join("control.c"))
        .arg("-lm")
        .status()
        .unwrap();
    assert!(status.success(), "building the control program failed");
    Some((shim, control))
}

/// Every file under `dir` (relative path → bytes), except the manifests and
/// run records, which hold wall times and timestamps by design (the records'
/// outcomes are compared by [`assert_same_files`]).
fn data_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else if path.file_name().is_some_and(|n| n != "manifest.json")
                && !path.starts_with(root.join("records"))
            {
                let rel = path.strip_prefix(root).unwrap().display().to_string();
                out.insert(rel, fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn assert_same_files(plain: &Path, shimmed: &Path) {
    let (a, b) = (data_files(plain), data_files(shimmed));
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "the two runs wrote different file sets"
    );
    assert!(
        a.keys().any(|k| k.ends_with("timeseries.csv")),
        "no time series written"
    );
    for (name, bytes) in &a {
        assert!(
            bytes == &b[name],
            "{name} differs under the C-maths shim: some code still calls the platform's maths"
        );
    }
    assert!(
        common::recorded_outcomes(plain) == common::recorded_outcomes(shimmed),
        "run records differ under the C-maths shim: some code still calls the platform's maths"
    );
}

/// `airace ARGS` with or without the shim preloaded.
fn airace(shim: Option<&Path>, args: &[&str], out: &Path) {
    let mut cmd = Command::cargo_bin("airace").unwrap();
    cmd.current_dir(repo()).args(args).arg("--out").arg(out);
    if let Some(shim) = shim {
        cmd.env("LD_PRELOAD", shim);
    }
    cmd.assert().success();
}

#[test]
fn shim_changes_c_maths_but_not_airace_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let Some((shim, control)) = build_fixtures(tmp.path()) else {
        return;
    };

    // Positive control: the shim is loaded and changes the C library's exp.
    let plain = Std::new(&control).output().unwrap().stdout;
    let shimmed = Std::new(&control)
        .env("LD_PRELOAD", &shim)
        .output()
        .unwrap()
        .stdout;
    assert!(!plain.is_empty());
    assert_ne!(
        plain, shimmed,
        "the shim did not change the C library's exp"
    );

    // The baseline: every data file byte-identical.
    let run = ["run", "configs/baseline.toml", "-q", "--threads", "2"];
    let (a, b) = (tmp.path().join("plain"), tmp.path().join("shim"));
    airace(None, &run, &a);
    airace(Some(&shim), &run, &b);
    assert_same_files(&a, &b);

    // A sweep shard: the summary and every run's series.
    let sweep = [
        "sweep",
        "configs/sweeps/tiny_grid.toml",
        "-q",
        "--jobs",
        "2",
        "--shard",
        "2/3",
    ];
    let (a, b) = (
        tmp.path().join("sweep-plain"),
        tmp.path().join("sweep-shim"),
    );
    airace(None, &sweep, &a);
    airace(Some(&shim), &sweep, &b);
    assert_same_files(&a, &b);
}
