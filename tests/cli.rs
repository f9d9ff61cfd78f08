//! The `plot`, `compare` and `--version` commands through the binary (the library
//! functions behind them are tested in tests/charts.rs; these check the wiring).

use std::fs;
use std::path::{Path, PathBuf};

mod common;
use common::airace;

/// A tiny run (400 firms, 6 ticks) into `out`.
fn run(out: &Path, extra: &[&str]) {
    airace()
        .args(["run", "configs/tiny.toml", "-q", "--threads", "1"])
        .args(["--set", "run.ticks=6", "--set", "firms.count=400", "--out"])
        .arg(out)
        .args(extra)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .assert()
        .success();
}

fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push((p.clone(), fs::read(&p).unwrap()));
        }
    }
    out.sort();
    out
}

#[test]
fn plot_redraws_deleted_charts_byte_for_byte() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("r");
    run(&dir, &[]);
    let before = files(&dir);
    let charts = before
        .iter()
        .filter(|(p, _)| p.extension().is_some_and(|e| e == "png"))
        .count();
    assert!(charts >= 5, "only {charts} charts");
    fs::remove_dir_all(dir.join("charts")).unwrap();
    fs::remove_file(dir.join("report.html")).unwrap();
    let out = airace().arg("plot").arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("wrote {} files", charts + 1)),
        "{err}"
    );
    // Same pictures as the run drew: rendering depends only on the data.
    let after = files(&dir);
    assert_eq!(after.len(), before.len());
    for ((p, a), (q, b)) in before.iter().zip(&after) {
        assert_eq!(p, q);
        if p.extension().is_some_and(|e| e == "png") {
            assert!(a == b, "{} redrawn differently", p.display());
        }
    }
    // The page has the same text; its rounded numbers may differ in the last digit
    // shown, because `run` renders from the values in memory and `plot` from the CSV's
    // 10 significant digits (15.2500000001 shows 15.3, the CSV's 15.25 shows 15.2).
    let page = |files: &[(PathBuf, Vec<u8>)]| {
        let (_, b) = files
            .iter()
            .find(|(p, _)| p.ends_with("report.html"))
            .unwrap();
        String::from_utf8_lossy(b)
            .chars()
            .filter(|c| !c.is_ascii_digit())
            .collect::<String>()
    };
    assert_eq!(page(&before), page(&after), "plot wrote a different page");
    airace().arg("verify").arg(&dir).assert().success();
}

#[test]
fn compare_overlays_two_runs_deterministically() {
    let t = tempfile::tempdir().unwrap();
    let (a, b) = (t.path().join("low"), t.path().join("high"));
    run(&a, &[]);
    run(&b, &["--set", "policy.us.friction=0.9"]);
    let compare = |out: &Path| {
        let o = airace()
            .arg("compare")
            .arg(&a)
            .arg(&b)
            .arg("--out")
            .arg(out)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{o:?}");
        files(out)
    };
    let one = compare(&t.path().join("c1"));
    let html = one
        .iter()
        .find(|(p, _)| p.file_name().is_some_and(|n| n == "compare.html"))
        .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
        .expect("compare.html written");
    assert!(
        html.contains("low") && html.contains("high"),
        "page names both runs"
    );
    let pngs: Vec<_> = one
        .iter()
        .filter(|(p, _)| p.extension().is_some_and(|e| e == "png"))
        .collect();
    assert!(!pngs.is_empty(), "no comparison charts");
    for (p, bytes) in &pngs {
        assert!(
            bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
            "{} is not a PNG",
            p.display()
        );
    }
    let two = compare(&t.path().join("c2"));
    let strip = |v: Vec<(PathBuf, Vec<u8>)>, root: &Path| {
        v.into_iter()
            .map(|(p, b)| (p.strip_prefix(root).unwrap().to_path_buf(), b))
            .collect::<Vec<_>>()
    };
    assert!(
        strip(one, &t.path().join("c1")) == strip(two, &t.path().join("c2")),
        "compare is not deterministic"
    );
    // A folder that is not a run is refused before anything is written.
    let bad = t.path().join("c3");
    airace()
        .arg("compare")
        .arg(&a)
        .arg(t.path().join("nope"))
        .arg("--out")
        .arg(&bad)
        .assert()
        .code(2);
    assert!(!bad.exists());
}

#[test]
fn version_names_the_maths_library() {
    let out = airace().arg("--version").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    // Outputs are byte-identical only with the same libm: the version must say which.
    assert!(text.contains(airace::math::BACKEND), "{text}");
    assert!(
        airace::math::BACKEND.starts_with("libm "),
        "{}",
        airace::math::BACKEND
    );
    assert!(text.contains(env!("CARGO_PKG_VERSION")), "{text}");
}
