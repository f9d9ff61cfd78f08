//! Issue 4: parameter sweeps, locally. Drives the binary on the tiny sweep
//! (3 × 2 grid × 3 replicates of 300 firms over 6 quarters).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn tiny_sweep() -> PathBuf {
    repo().join("configs/sweeps/tiny_grid.toml")
}

mod common;
use common::airace;

/// Run `airace sweep` and return (exit code, stderr).
fn sweep(file: &Path, out: &Path, extra: &[&str]) -> (i32, String) {
    let o = airace()
        .arg("sweep")
        .arg(file)
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .args(extra)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn ok_sweep(file: &Path, out: &Path, extra: &[&str]) {
    let (code, err) = sweep(file, out, extra);
    assert_eq!(code, 0, "sweep {extra:?} failed: {err}");
}

fn read(p: &Path) -> String {
    fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn summary_is_byte_identical_for_any_jobs() {
    let t = tempfile::tempdir().unwrap();
    let (a, b) = (t.path().join("j1"), t.path().join("j4"));
    ok_sweep(&tiny_sweep(), &a, &["--jobs", "1"]);
    ok_sweep(&tiny_sweep(), &b, &["--jobs", "4"]);
    let summary = read(&a.join("summary.csv"));
    assert_eq!(summary, read(&b.join("summary.csv")));
    assert_eq!(read(&a.join("bands.csv")), read(&b.join("bands.csv")));
    for pq in ["summary.parquet", "series.parquet"] {
        let bytes = |d: &Path| fs::read(d.join(pq)).unwrap();
        assert!(
            bytes(&a) == bytes(&b),
            "{pq} differs between --jobs 1 and 4"
        );
    }
    // Header, then one row per run in run-id order, all finished.
    let lines: Vec<&str> = summary.lines().collect();
    assert_eq!(lines.len(), 1 + 18, "{summary}");
    assert!(
        lines[0].starts_with("run_id,point,replicate,seed,status,"),
        "{}",
        lines[0]
    );
    assert!(lines[0]
        .ends_with("frontier_gap_months@world@last,adoption_share@CN@last,adoption_share@US@3"));
    assert!(lines[1].starts_with("p0-r0,0,0,") && lines[18].starts_with("p5-r2,5,2,"));
    assert!(lines[1..].iter().all(|l| l.contains(",ok,")), "{summary}");
    assert_eq!(read(&a.join("failures.csv")), "run_id,seed,error\n");
    assert!(a.join("report.html").is_file() && a.join("plan.json").is_file());
    for chart in [
        "bands_frontier_gap_months_world.png",
        "bands_adoption_share_CN.png",
        "heatmap_adoption_share_US_3.png",
    ] {
        assert!(
            a.join("charts").join(chart).is_file(),
            "missing chart {chart}"
        );
    }
    let report = read(&a.join("report.html"));
    assert!(
        report.contains("charts/heatmap_frontier_gap_months_world_last.png"),
        "{report}"
    );
}

#[test]
fn three_shards_then_merge_equal_a_local_sweep() {
    let t = tempfile::tempdir().unwrap();
    let (local, sharded) = (t.path().join("local"), t.path().join("sharded"));
    ok_sweep(&tiny_sweep(), &local, &["--jobs", "2"]);
    for k in 1..=3 {
        ok_sweep(&tiny_sweep(), &sharded, &["--shard", &format!("{k}/3")]);
        assert!(
            !sharded.join("summary.csv").exists(),
            "a shard must not write the summary"
        );
    }
    let o = airace().arg("merge").arg(&sharded).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        read(&local.join("summary.csv")),
        read(&sharded.join("summary.csv"))
    );
}

#[test]
fn merge_lists_missing_runs_and_exits_1() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("s");
    ok_sweep(&tiny_sweep(), &dir, &["--shard", "1/2"]);
    let o = airace().arg("merge").arg(&dir).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    // Round-robin: shard 2/2 holds runs 1, 3, 5, ... (p0-r1 is the second run).
    assert!(err.contains("9 missing") && err.contains("p0-r1"), "{err}");
    let summary = read(&dir.join("summary.csv"));
    assert_eq!(summary.matches(",missing,").count(), 9, "{summary}");
}

/// A sweep long enough to kill mid-way: 4 points × 40 replicates.
fn long_sweep(dir: &Path) -> PathBuf {
    let base = repo().join("configs/tiny.toml");
    let text = format!(
        "name = \"long\"\nbase = {base:?}\nreplicates = 40\nmaster_seed = 3\n\
         sets = [\"firms.count=300\", \"run.ticks=6\"]\n\
         [[parameters]]\npath = \"chips[Ascend910C].capacity_growth\"\nvalues = [0.2, 0.4, 0.6, 0.8]\n\
         [[outcomes]]\nmetric = \"frontier_gap_months\"\n",
        base = base.display().to_string()
    );
    let path = dir.join("long.toml");
    fs::write(&path, text).unwrap();
    path
}

/// Every run record: run id and the record's line (which holds the time it
/// was written, so a recomputed run would add a second, different line).
fn finished(dir: &Path) -> Vec<(String, String)> {
    common::record_lines(dir)
}

#[test]
fn sigkill_then_rerun_completes_without_recomputing_finished_runs() {
    let t = tempfile::tempdir().unwrap();
    let file = long_sweep(t.path());
    let (killed, clean) = (t.path().join("killed"), t.path().join("clean"));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_airace"))
        .arg("sweep")
        .arg(&file)
        .args(["--out", killed.to_str().unwrap(), "--jobs", "1", "--quiet"])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while finished(&killed).len() < 5 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "sweep finished before it could be killed"
        );
        assert!(Instant::now() < deadline, "no runs finished within 120 s");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let before = finished(&killed);
    assert!(before.len() < 160, "killed too late to test anything");
    assert!(!killed.join("summary.csv").exists());

    let (code, err) = sweep(&file, &killed, &["--jobs", "2"]);
    assert_eq!(code, 0, "{err}");
    ok_sweep(&file, &clean, &["--jobs", "2"]);
    assert_eq!(
        read(&killed.join("summary.csv")),
        read(&clean.join("summary.csv"))
    );
    let after = finished(&killed);
    assert_eq!(after.len(), 160, "one record per run: none recomputed");
    for (id, line) in &before {
        let again: Vec<_> = after.iter().filter(|a| &a.0 == id).collect();
        assert_eq!(again, [&(id.clone(), line.clone())], "{id} was recomputed");
    }
}

#[test]
fn a_record_cut_by_a_kill_is_rerun_with_a_warning_and_nothing_else_is() {
    let t = tempfile::tempdir().unwrap();
    let body = "[[parameters]]\npath = \"chips[Ascend910C].capacity_growth\"\n\
                values = [0.2, 0.4, 0.6]\n";
    let file = sweep_file(t.path(), "cut.toml", "", body);
    let (cut, clean) = (t.path().join("cut"), t.path().join("clean"));
    ok_sweep(&file, &cut, &["--jobs", "1"]);
    ok_sweep(&file, &clean, &["--jobs", "1"]);
    // One worker: one log, one line per run in run order.
    let logs: Vec<PathBuf> = fs::read_dir(cut.join("records"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(logs.len(), 1, "{logs:?}");
    let text = read(&logs[0]);
    let before = common::record_lines(&cut);
    let ids: Vec<&str> = before.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["p0-r0", "p1-r0", "p2-r0"]);
    // Cut the last line in the middle, as a kill during its write leaves it.
    let last = text.lines().last().unwrap().len();
    fs::write(&logs[0], &text[..text.len() - 1 - last / 2]).unwrap();
    fs::remove_file(cut.join("summary.csv")).unwrap();
    let (code, err) = sweep(&file, &cut, &["--jobs", "1"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("1 line(s)") && err.contains("could not be read"),
        "{err}"
    );
    let after = common::record_lines(&cut);
    assert_eq!(after.len(), 3, "only the cut run ran again: {after:?}");
    assert_eq!(
        after[..2],
        before[..2],
        "finished runs were kept as they were"
    );
    assert_eq!(after[2].0, "p2-r0");
    assert_eq!(
        read(&cut.join("summary.csv")),
        read(&clean.join("summary.csv"))
    );
}

#[test]
fn a_sweep_resumed_after_its_base_config_changed_reruns_every_run() {
    let t = tempfile::tempdir().unwrap();
    let base = t.path().join("base.toml");
    let write_base = |friction: &str| {
        let text = format!(
            "base = {:?}\n[policy.us]\nfriction = {friction}\n",
            repo().join("configs/tiny.toml").display().to_string()
        );
        fs::write(&base, text).unwrap();
    };
    write_base("0.2");
    let sweep_text = format!(
        "base = {:?}\nmaster_seed = 1\nsets = [\"firms.count=300\", \"run.ticks=4\"]\n\
         [[parameters]]\npath = \"chips[Ascend910C].capacity_growth\"\nvalues = [0.2, 0.4]\n\
         [[outcomes]]\nmetric = \"aligned_countries.CN\"\nscope = \"world\"\n",
        base.display().to_string()
    );
    let file = t.path().join("edited.toml");
    fs::write(&file, sweep_text).unwrap();
    let out = t.path().join("out");
    ok_sweep(&file, &out, &["--jobs", "1"]);
    let first = common::record_lines(&out);
    assert_eq!(first.len(), 2);
    // Same config: nothing runs again.
    ok_sweep(&file, &out, &["--jobs", "1"]);
    assert_eq!(common::record_lines(&out), first);
    // The base file changed under the same plan: every run is stale.
    write_base("0.3");
    ok_sweep(&file, &out, &["--jobs", "1"]);
    let again = common::record_lines(&out);
    assert_eq!(again.len(), 4, "both runs ran again: {again:?}");
    for (id, line) in &first {
        assert!(
            again.iter().filter(|(i, _)| i == id).count() == 2
                && again.contains(&(id.clone(), line.clone())),
            "{id}"
        );
    }
}

/// With `keep_runs`, a finished record is not enough: the run's folder must
/// still match its manifest, or the run is computed again (and its folder
/// comes back byte for byte).
#[test]
fn a_kept_run_folder_edited_after_the_sweep_is_rerun_alone() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("out");
    ok_sweep(&tiny_sweep(), &out, &["--jobs", "2"]);
    let first = common::record_lines(&out);
    assert_eq!(first.len(), 18);
    let id = &first[0].0;
    let ts = out.join("runs").join(id).join("timeseries.csv");
    let original = fs::read(&ts).unwrap();
    let mut edited = original.clone();
    edited.extend_from_slice(b"# edited\n");
    fs::write(&ts, &edited).unwrap();
    ok_sweep(&tiny_sweep(), &out, &["--jobs", "2"]);
    let again = common::record_lines(&out);
    assert_eq!(again.len(), 19, "only the edited run ran again");
    assert_eq!(again.iter().filter(|(i, _)| i == id).count(), 2, "{id}");
    assert_eq!(fs::read(&ts).unwrap(), original, "{id}: folder rewritten");
}

#[test]
fn unknown_outcome_metric_is_refused_before_any_run() {
    let t = tempfile::tempdir().unwrap();
    let base = repo().join("configs/tiny.toml");
    let file = t.path().join("bad_metric.toml");
    let text = format!(
        "base = {:?}\nmaster_seed = 1\nreplicates = 2\nsets = [\"firms.count=300\", \"run.ticks=4\"]\n\
         [[outcomes]]\nmetric = \"no_such_metric\"\n",
        base.display().to_string()
    );
    fs::write(&file, text).unwrap();
    let out = t.path().join("out");
    let (code, err) = sweep(&file, &out, &[]);
    // Issue 17 item 8: refused up front (exit 2, nothing written) rather than
    // recorded as a failure of every run.
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no_such_metric"), "{err}");
    assert!(!out.exists());
}

/// Write a sweep with `body` after a valid header into `dir`.
fn sweep_file(dir: &Path, name: &str, top: &str, body: &str) -> PathBuf {
    let base = repo().join("configs/tiny.toml");
    let text = format!(
        "base = {:?}\nmaster_seed = 1\n{top}\nsets = [\"firms.count=300\", \"run.ticks=4\"]\n{body}\n\
         [[outcomes]]\nmetric = \"frontier_gap_months\"\n",
        base.display().to_string()
    );
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path
}

#[test]
fn bad_sweep_files_exit_2_and_write_nothing() {
    let t = tempfile::tempdir().unwrap();
    let param = |p: &str, v: &str| format!("[[parameters]]\npath = \"{p}\"\n{v}\n");
    let cases = [
        (
            sweep_file(
                t.path(),
                "unknown.toml",
                "",
                &param("chips[Nope].capacity_growth", "values = [0.1]"),
            ),
            vec![],
            "no entry named `Nope`",
        ),
        (
            sweep_file(
                t.path(),
                "unknown_key.toml",
                "",
                &param("firms.nope", "values = [1]"),
            ),
            vec![],
            "firms.nope",
        ),
        (
            sweep_file(
                t.path(),
                "empty.toml",
                "",
                &param(
                    "chips[H200].capacity_growth",
                    "range = [0.5, 0.5]\nsteps = 2",
                ),
            ),
            vec![],
            "range",
        ),
        (
            sweep_file(t.path(), "rep0.toml", "replicates = 0", ""),
            vec![],
            "replicates",
        ),
        (tiny_sweep(), vec!["--shard", "4/3"], "K must be in 1..=3"),
    ];
    for (i, (file, extra, needle)) in cases.iter().enumerate() {
        let out = t.path().join(format!("out{i}"));
        let (code, err) = sweep(file, &out, extra);
        assert_eq!(code, 2, "{}: {err}", file.display());
        assert!(
            err.contains(needle),
            "{}: expected `{needle}` in: {err}",
            file.display()
        );
        assert!(!out.exists(), "{} wrote {}", file.display(), out.display());
    }
}
