//! Checkpoints, `resume` and branching (issue 5).
//!
//! Runs use the tiny config shrunk further, so each binary call takes well
//! under a second; the property test drives the library in-process.

use std::fs;
use std::path::{Path, PathBuf};

use airace::checkpoint::format as container;
use airace::checkpoint::{self, CheckpointState, STATE_SCHEMA};
use airace::simulation::Simulation;
use proptest::prelude::*;

const TICKS: u32 = 40;
const HALF: u32 = 20;

mod common;
use common::airace;

/// Run the tiny config for 40 ticks at 400 firms into `out`.
fn run(out: &Path, threads: &str, extra: &[&str]) {
    let mut cmd = airace();
    cmd.args(["run", "configs/tiny.toml", "--quiet", "--threads", threads])
        .args(["--set", &format!("run.ticks={TICKS}")])
        .args(["--set", "firms.count=400", "--out"])
        .arg(out)
        .args(extra);
    cmd.assert().success();
}

/// A run with a checkpoint every 20 ticks; returns the tick-20 checkpoint.
fn run_with_checkpoint(dir: &Path) -> PathBuf {
    let out = dir.join("parent");
    run(&out, "1", &["--checkpoint-every", &HALF.to_string()]);
    let ck = checkpoint::path_for(&out, HALF);
    assert!(ck.is_file(), "missing {}", ck.display());
    ck
}

fn read(p: &Path) -> String {
    fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn straight_run_equals_checkpoint_plus_resume_at_other_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let straight = dir.path().join("straight");
    run(&straight, "2", &[]);
    let ck = run_with_checkpoint(dir.path());
    let resumed = dir.path().join("resumed");
    airace()
        .args(["resume", "--quiet", "--threads", "2", "--out"])
        .arg(&resumed)
        .arg(&ck)
        .assert()
        .success();
    // The full invariant checks read the state and never change it.
    let checked = dir.path().join("checked");
    airace()
        .args(["resume", "--quiet", "--check-invariants", "--out"])
        .arg(&checked)
        .arg(&ck)
        .assert()
        .success();
    let a = read(&straight.join("timeseries.csv"));
    assert!(
        a == read(&resumed.join("timeseries.csv")),
        "resumed run differs"
    );
    assert!(
        a == read(&checked.join("timeseries.csv")),
        "a resume with --check-invariants differs"
    );
    assert!(a == read(&dir.path().join("parent/timeseries.csv")));
    let m = airace::layout::read_manifest(&resumed).unwrap();
    let parent = m.parent.expect("parent recorded");
    assert_eq!((parent.tick, parent.changes.len()), (HALF, 0));
    assert_eq!(m.ticks, TICKS);
    assert_eq!(
        m.config_hash,
        airace::layout::read_manifest(&straight)
            .unwrap()
            .config_hash
    );
}

#[test]
fn default_out_is_next_to_the_parent_and_parent_is_protected() {
    let dir = tempfile::tempdir().unwrap();
    let ck = run_with_checkpoint(dir.path());
    airace().args(["resume", "-q"]).arg(&ck).assert().success();
    // The default folder holds the finished continuation of the parent, not just a file.
    let resumed = dir.path().join("parent-resumed");
    let m = airace::layout::read_manifest(&resumed).unwrap();
    assert_eq!((m.ticks, m.parent.map(|p| p.tick)), (TICKS, Some(HALF)));
    assert!(
        read(&resumed.join("timeseries.csv")) == read(&dir.path().join("parent/timeseries.csv")),
        "resuming without changes must reproduce the parent's series"
    );
    let out = airace()
        .args(["resume", "-q", "--out"])
        .arg(dir.path().join("parent"))
        .arg(&ck)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("--force"), "{err}");
}

#[test]
fn branch_differs_only_from_the_branch_tick_on() {
    let dir = tempfile::tempdir().unwrap();
    let ck = run_with_checkpoint(dir.path());
    let branch = dir.path().join("branch");
    airace()
        .args(["resume", "-q", "--set", "policy.us.friction=0.9", "--out"])
        .arg(&branch)
        .arg(&ck)
        .assert()
        .success();
    let parent =
        airace::io::timeseries::Timeseries::read(&dir.path().join("parent/timeseries.csv"))
            .unwrap();
    let child = airace::io::timeseries::Timeseries::read(&branch.join("timeseries.csv")).unwrap();
    assert_eq!(parent.rows().len(), child.rows().len());
    let before = |t: &airace::io::timeseries::Timeseries| {
        t.rows()
            .iter()
            .filter(|r| r.tick < HALF)
            .cloned()
            .collect::<Vec<_>>()
    };
    assert!(!before(&parent).is_empty());
    assert!(
        before(&parent) == before(&child),
        "rows before the branch tick differ"
    );
    let differing = parent
        .rows()
        .iter()
        .zip(child.rows())
        .filter(|(a, b)| a != b)
        .inspect(|(a, _)| assert!(a.tick >= HALF, "row differs before the branch: {a:?}"))
        .count();
    assert!(differing > 0, "the branch changed nothing");

    let m = airace::layout::read_manifest(&branch).unwrap();
    let p = m.parent.expect("parent recorded");
    assert_eq!(p.tick, HALF);
    assert_eq!(p.changes, vec!["policy.us.friction=0.9".to_string()]);
    assert_eq!(
        p.checkpoint_sha256,
        airace::io::manifest::sha256_file(&ck).unwrap()
    );
    // The branch is recorded in config.toml as a scheduled change at the checkpoint's tick.
    let cfg = airace::config::from_str(&read(&branch.join("config.toml")), "branch").unwrap();
    assert!(cfg
        .schedule
        .iter()
        .any(|e| e.tick == HALF && e.set == p.changes));
}

#[test]
fn ticks_shortens_or_extends_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let ck = run_with_checkpoint(dir.path());
    for (more, total) in [(5u32, 25u32), (30, 50)] {
        let out = dir.path().join(format!("r{more}"));
        airace()
            .args(["resume", "-q", "--ticks", &more.to_string(), "--out"])
            .arg(&out)
            .arg(&ck)
            .assert()
            .success();
        let m = airace::layout::read_manifest(&out).unwrap();
        assert_eq!(m.ticks, total);
        let ts = airace::io::timeseries::Timeseries::read(&out.join("timeseries.csv")).unwrap();
        assert_eq!(ts.rows().last().unwrap().tick, total - 1);
    }
    // The first 25 ticks of the shortened run are the parent's first 25 ticks.
    let short = read(&dir.path().join("r5/timeseries.csv"));
    let parent = read(&dir.path().join("parent/timeseries.csv"));
    assert!(parent.starts_with(&short));
}

/// Resume `ck` into `dir/out`; expect exit 2, a message containing `needle`, no folder.
fn refused(dir: &Path, ck: &Path, extra: &[&str], needle: &str) {
    let out = dir.join("out");
    let assert = airace()
        .args(["resume", "-q"])
        .args(extra)
        .arg("--out")
        .arg(&out)
        .arg(ck)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(err.contains(needle), "expected {needle:?} in: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!out.exists(), "output folder created despite the error");
}

/// Write a patched copy of `ck` and check resuming it is refused.
fn refused_patched(dir: &Path, ck: &Path, patch: impl Fn(&mut Vec<u8>), needle: &str) {
    let mut bytes = fs::read(ck).unwrap();
    patch(&mut bytes);
    let bad = dir.join("bad.bin");
    fs::write(&bad, bytes).unwrap();
    refused(dir, &bad, &[], needle);
}

#[test]
fn damaged_checkpoints_are_refused_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let ck = run_with_checkpoint(dir.path());
    let d = dir.path();
    refused_patched(d, &ck, |b| b.truncate(b.len() / 2), "truncated");
    refused_patched(d, &ck, |b| b.truncate(30), "truncated");
    refused_patched(
        d,
        &ck,
        |b| {
            let i = b.len() - 100;
            b[i] ^= 0x10;
        },
        "checksum mismatch",
    );
    refused_patched(d, &ck, |b| b[0] = b'X', "not an airace checkpoint");
    refused_patched(
        d,
        &ck,
        |b| b[8..12].copy_from_slice(&2u32.to_le_bytes()),
        "newer airace",
    );
    refused(d, &d.join("nope.bin"), &[], "not found");
}

#[test]
fn incompatible_checkpoints_are_refused_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ck = run_with_checkpoint(d);
    let state: CheckpointState = checkpoint::load(&ck).unwrap();

    let other_schema = d.join("other-schema.bin");
    container::write(&other_schema, &state, "airace-world-v0+0.0").unwrap();
    refused(d, &other_schema, &[], "written by an incompatible airace");

    let mut doctored = state.clone();
    doctored.config_toml = format!("retired_knob = 3\n{}", doctored.config_toml);
    let unknown_key = d.join("unknown-key.bin");
    container::write(&unknown_key, &doctored, STATE_SCHEMA).unwrap();
    refused(
        d,
        &unknown_key,
        &[],
        "no longer matches this version's config schema",
    );

    let mut inconsistent = state;
    inconsistent.world.seed ^= 1;
    let bad_seed = d.join("bad-seed.bin");
    container::write(&bad_seed, &inconsistent, STATE_SCHEMA).unwrap();
    refused(d, &bad_seed, &[], "inconsistent checkpoint");
}

#[test]
fn bad_resume_options_are_refused_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ck = run_with_checkpoint(d);
    refused(
        d,
        &ck,
        &["--set", "firms.count=500"],
        "cannot change mid-run",
    );
    refused(d, &ck, &["--set", "run.ticks=60"], "--ticks");
    refused(
        d,
        &ck,
        &["--set", "policy.no_such_lever=1"],
        "no_such_lever",
    );
    refused(d, &ck, &["--ticks", "0"], "at least 1");
    let end = checkpoint::path_for(&d.join("parent"), TICKS);
    refused(d, &end, &[], "end of the run");
}

/// Tiny config with the given size, horizon and seed.
fn small_config(firms: u32, ticks: u32, seed: u64) -> airace::config::Config {
    let sets = vec![
        format!("firms.count={firms}"),
        format!("run.ticks={ticks}"),
        format!("run.seed={seed}"),
    ];
    airace::config::load(Path::new("configs/tiny.toml"), &sets)
        .unwrap()
        .config
}

fn run_sim(sim: &mut Simulation) {
    sim.run_to_end(|_| Ok(())).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    /// Checkpoint at a random tick, round-trip through the file format, resume:
    /// the rows equal the straight run's.
    #[test]
    fn checkpoint_resume_equals_straight_run(
        firms in 50u32..=400,
        ticks in 4u32..=10,
        // TOML integers are i64, so configs cannot hold seeds above i64::MAX.
        seed in 0u64..=i64::MAX as u64,
        at in 0u32..10,
    ) {
        let config = small_config(firms, ticks, seed);
        let at = at % ticks;
        let mut straight = Simulation::new(config.clone());
        run_sim(&mut straight);

        let mut first = Simulation::new(config);
        for _ in 0..at {
            first.step().unwrap();
        }
        let origin = Path::new("mem.bin");
        let bytes = container::encode(&checkpoint::state_of(&first), STATE_SCHEMA).unwrap();
        let state: CheckpointState = container::decode(&bytes, STATE_SCHEMA, origin).unwrap();
        let mut resumed = checkpoint::restore(state, origin).unwrap();
        prop_assert_eq!(resumed.world.tick, at);
        run_sim(&mut resumed);
        prop_assert!(
            resumed.timeseries.to_csv_string() == straight.timeseries.to_csv_string(),
            "resume at tick {} of {} differs", at, ticks
        );
    }
}
