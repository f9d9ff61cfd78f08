//! Issue 18: a golden hash of a small seeded run.
//!
//! The SHA-256 of `timeseries.csv` for `configs/tiny.toml` at a fixed seed is
//! recorded in `tests/golden/tiny.sha256`. Any change to the model, the random
//! streams, the maths backend or the CSV format changes it, and so does a
//! platform whose arithmetic differs: on such a platform this test fails.
//! Update the hash only deliberately, with `scripts/update-golden.sh`, and say
//! why in the commit message.

use std::path::PathBuf;

use assert_cmd::Command;
use sha2::{Digest, Sha256};

/// The command whose output is pinned; `scripts/update-golden.sh` runs the same.
const GOLDEN_ARGS: [&str; 7] = [
    "run",
    "configs/tiny.toml",
    "--seed",
    "20260101",
    "--threads",
    "1",
    "-q",
];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The recorded hash: the first line of the file that is not a comment.
fn recorded() -> String {
    let text = std::fs::read_to_string(repo().join("tests/golden/tiny.sha256")).unwrap();
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .expect("a hash line in tests/golden/tiny.sha256")
        .to_string()
}

#[test]
fn tiny_run_matches_the_golden_hash() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("golden");
    Command::cargo_bin("airace")
        .unwrap()
        .current_dir(repo())
        .args(GOLDEN_ARGS)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let csv = std::fs::read(out.join("timeseries.csv")).unwrap();
    let hash = format!("{:x}", Sha256::digest(&csv));
    assert_eq!(
        hash,
        recorded(),
        "timeseries.csv of `airace {}` no longer matches tests/golden/tiny.sha256.\n\
         If the model changed on purpose, run scripts/update-golden.sh and give the reason in the \
         commit message; otherwise this platform or change alters seeded results.",
        GOLDEN_ARGS.join(" ")
    );
}
