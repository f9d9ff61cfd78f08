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

// ---------------------------------------------------------------- invariants (item 1)

/// A checkpoint holding an impossible state (a lab's algorithmic efficiency
/// negative, which no config can produce) stops the resumed run at the first
/// tick with exit 1 naming the tick, the lab and the quantity, and writes no
/// run folder. The check is one of the cheap invariants, so it holds in every
/// build, `--check-invariants` or not.
#[test]
fn an_impossible_state_stops_the_run_naming_tick_agent_and_quantity() {
    use airace::checkpoint::{self, format, STATE_SCHEMA};
    let t = TempDir::new().unwrap();
    tiny_run(t.path(), "r", &["--checkpoint-every", "2"]);
    let mut state = checkpoint::load(&t.path().join("r/checkpoints/tick-2.bin")).unwrap();
    let lab = state.world.labs[0].name.clone();
    state.world.labs[0].algo_efficiency = -3.0;
    format::write(&t.path().join("bad.bin"), &state, STATE_SCHEMA).unwrap();
    let (code, _, err) = exec(t.path(), &["resume", "bad.bin", "--out", "o", "--quiet"]);
    assert_eq!(code, 1, "{err}");
    // The checkpoint holds 2 ticks (0 and 1), so tick 2 is the first computed.
    let head = format!("invariant violated at tick 2: lab 0 ({lab}): ");
    let quantity = err.split(&head).nth(1).unwrap_or_else(|| panic!("{err}"));
    assert!(
        quantity.contains(" = ") && quantity.contains("must be"),
        "{err}"
    );
    assert!(!t.path().join("o").exists(), "a folder was written");
}

/// An in-range config that overflows: algorithmic progress of 2 per quarter
/// (the maximum) with a top-talent lab drives capability to infinity at tick
/// 159. The run stops with exit 1 naming tick, lab and quantity; no folder.
#[test]
fn a_config_that_overflows_stops_the_run_with_exit_1_and_writes_nothing() {
    let t = TempDir::new().unwrap();
    let tiny = repo("configs/tiny.toml");
    let mut args = vec![
        "run",
        tiny.to_str().unwrap(),
        "--out",
        "o",
        "--quiet",
        "--check-invariants",
    ];
    for s in [
        "run.ticks=200",
        "firms.count=50",
        "lab_dynamics.algo_growth_per_tick=2",
        "labs[0].talent=10",
        "lab_dynamics.talent_elasticity=5",
    ] {
        args.extend(["--set", s]);
    }
    let (code, _, err) = exec(t.path(), &args);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("invariant violated at tick 159: lab 0 (OpenAI): capability = inf"),
        "{err}"
    );
    assert!(!t.path().join("o").exists());
}

// ---------------------------------------------------------------- failures mid-sweep (item 8)

/// One point of a sweep fails at run time (algorithmic progress of 2 per
/// quarter, in range, overflows a top-talent lab's capability to infinity
/// near quarter 160 of a 200-quarter run; it is stopped with exit 1):
/// the sweep finishes the other points, records the failure with its error in
/// `failures.csv` and the run's `failed.json`, and exits 1. Rerunning the
/// command retries the failed run and a deleted one, and skips finished runs.
#[test]
fn a_run_failing_mid_sweep_is_recorded_and_retried_alone() {
    let t = TempDir::new().unwrap();
    let file = t.path().join("fails.toml");
    fs::write(
        &file,
        format!(
            "base = {:?}\nmaster_seed = 3\nreplicates = 2\n\
             sets = [\"firms.count=50\", \"run.ticks=200\", \"labs[0].talent=10\", \
             \"lab_dynamics.talent_elasticity=5\"]\n\
             [[parameters]]\npath = \"lab_dynamics.algo_growth_per_tick\"\nvalues = [0.05, 2.0]\n\
             [[outcomes]]\nmetric = \"frontier_gap_months\"\n",
            repo("configs/tiny.toml").display().to_string()
        ),
    )
    .unwrap();
    let args = [
        "sweep",
        "fails.toml",
        "--out",
        "s",
        "--quiet",
        "--jobs",
        "2",
    ];
    let (code, _, err) = exec(t.path(), &args);
    assert_eq!(code, 1, "{err}");
    let s = t.path().join("s");
    let failures = fs::read_to_string(s.join("failures.csv")).unwrap();
    let lines: Vec<&str> = failures.lines().collect();
    assert_eq!(lines[0], "run_id,seed,error");
    // Point 1 (growth 2) fails in both replicates; point 0 runs.
    assert_eq!(lines.len(), 3, "{failures}");
    assert!(
        lines[1].starts_with("p1-r0,") && lines[2].starts_with("p1-r1,"),
        "{failures}"
    );
    assert!(
        failures.contains("invariant violated at tick"),
        "{failures}"
    );
    let failed_json = fs::read_to_string(s.join("runs/p1-r0/failed.json")).unwrap();
    assert!(failed_json.contains("invariant violated"), "{failed_json}");
    let summary = fs::read_to_string(s.join("summary.csv")).unwrap();
    assert!(
        summary
            .lines()
            .any(|l| l.starts_with("p0-r0,") && l.contains(",ok,")),
        "{summary}"
    );
    assert!(
        !s.join("runs/p0-r0").exists(),
        "a finished run is a record, not a folder"
    );
    let before = common::record_lines(&s);
    assert_eq!(before.len(), 4, "one record per run");

    // A finished run is kept, a failed run is retried, a forgotten run is redone.
    fs::write(s.join("runs/p1-r0/marker"), "redone").unwrap();
    common::forget_run(&s, "p0-r1");
    let (code, _, err) = exec(t.path(), &args);
    assert_eq!(code, 1, "{err}");
    let after = common::record_lines(&s);
    let of = |lines: &[(String, String)], id: &str| -> Vec<String> {
        lines
            .iter()
            .filter(|(r, _)| r == id)
            .map(|(_, l)| l.clone())
            .collect()
    };
    assert_eq!(
        of(&after, "p0-r0"),
        of(&before, "p0-r0"),
        "a finished run was redone"
    );
    assert_eq!(
        of(&after, "p1-r0").len(),
        2,
        "the failed run was not retried"
    );
    assert!(
        !s.join("runs/p1-r0/marker").exists(),
        "the failed run's folder was not cleared"
    );
    assert_eq!(
        common::finished_records(&s)
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        ["p0-r0", "p0-r1"],
        "the forgotten run was not redone"
    );
    assert_eq!(
        fs::read_to_string(s.join("failures.csv")).unwrap(),
        failures
    );
}

// ---------------------------------------------------------------- slurm and the folder rule (item 2)

#[test]
fn slurm_refuses_a_folder_holding_other_work() {
    let t = TempDir::new().unwrap();
    let sweep = repo("configs/sweeps/tiny_grid.toml");
    let s = sweep.to_str().unwrap();
    // The user's own files.
    let mine = t.path().join("mine");
    fs::create_dir(&mine).unwrap();
    fs::write(mine.join("notes.txt"), "my notes").unwrap();
    let (code, _, err) = exec(t.path(), &["slurm", s, "--out", "mine", "--tasks", "2"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("mine") && err.contains("notes.txt"), "{err}");
    assert_eq!(
        fs::read_dir(&mine).unwrap().count(),
        1,
        "something was written"
    );
    // A run folder.
    tiny_run(t.path(), "r", &[]);
    let before: Vec<_> = fs::read_dir(t.path().join("r"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    let (code, _, err) = exec(t.path(), &["slurm", s, "--out", "r", "--tasks", "2"]);
    assert_eq!(code, 2, "{err}");
    let after: Vec<_> = fs::read_dir(t.path().join("r"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        before.len(),
        after.len(),
        "something was written into the run folder"
    );
    // Its own folder again (same sweep) is fine.
    let (code, _, err) = exec(t.path(), &["slurm", s, "--out", "sl", "--tasks", "2"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = exec(t.path(), &["slurm", s, "--out", "sl", "--tasks", "2"]);
    assert_eq!(code, 0, "{err}");
}

/// `--set` blame survives index selectors: `countries[0]` is validated as
/// `countries[US]`, and the message still names the assignment. One key
/// written two ways (`countries[0]`, `countries[US]`, `countries.US`) is
/// still the same key set twice.
#[test]
fn index_selectors_keep_their_set_named_and_count_as_one_key() {
    let t = TempDir::new().unwrap();
    let tiny = repo("configs/tiny.toml");
    let tiny = tiny.to_str().unwrap();
    let run = |sets: &[&str]| {
        let mut args = vec!["run", tiny, "--out", "o", "--quiet"];
        for s in sets {
            args.extend(["--set", s]);
        }
        exec(t.path(), &args)
    };
    let (code, _, err) = run(&["countries[0].gdp_usd_tn=-1"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("(--set countries[0].gdp_usd_tn=-1)"), "{err}");
    let (code, _, err) = run(&["labs[1].talent=0.5", "labs[0].talent=99"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("(--set labs[0].talent=99)") && !err.contains("labs[1]"),
        "{err}"
    );
    let (code, _, err) = run(&["countries[0].sentiment=0.5", "countries.US.sentiment=2"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--set countries[0].sentiment=0.5 and --set countries.US.sentiment=2")
            && err.contains("twice"),
        "{err}"
    );
    // A key that is a prefix of another by text only is not blamed for it.
    let (code, _, err) = run(&["firms.p=0.01", "firms.potential.midpoint=99"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("(--set firms.potential.midpoint=99)"), "{err}");
    assert!(!t.path().join("o").exists());
}
