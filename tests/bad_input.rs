//! Hostile and mistaken input: every case must exit 2, name the offending
//! file or key (and the allowed range for range errors), and write nothing.
//!
//! Each case is a few lines on top of the helpers below, so adding one costs
//! nothing. Output-safety cases (existing file, foreign run, full disk) live
//! at the end.

mod common;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

/// A scratch folder with a valid tiny config at `cfg.toml` to build cases on.
struct Case {
    dir: TempDir,
}

impl Case {
    fn new() -> Case {
        let c = Case {
            dir: TempDir::new().expect("temp dir"),
        };
        c.file("cfg.toml", "");
        c
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Write `name`: an overlay of configs/tiny.toml with `body` added (scalars
    /// before tables is the caller's job), and 300 firms × 6 ticks for speed.
    fn file(&self, name: &str, body: &str) -> PathBuf {
        let text = format!(
            "base = {:?}\n{body}\n",
            repo("configs/tiny.toml").display().to_string()
        );
        self.raw(name, &text)
    }

    /// Write `name` verbatim.
    fn raw(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, text).expect("write fixture");
        p
    }

    fn out(&self) -> PathBuf {
        self.path("out")
    }

    /// Run `airace <args>` in the scratch folder; return (exit code, stderr).
    fn exec(&self, args: &[&str]) -> (i32, String) {
        let o = common::airace()
            .current_dir(self.dir.path())
            .args(args)
            .output()
            .expect("spawn");
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    }

    /// Expect exit 2, a message containing every needle, and no `out` folder.
    fn expect_bad(&self, args: &[&str], needles: &[&str]) {
        let (code, err) = self.exec(args);
        assert_eq!(code, 2, "args {args:?}: exit {code}, stderr:\n{err}");
        for n in needles {
            assert!(err.contains(n), "args {args:?}: stderr lacks `{n}`:\n{err}");
        }
        assert!(!err.contains("panicked"), "panic on {args:?}:\n{err}");
        assert!(!self.out().exists(), "args {args:?} created the out folder");
    }

    /// `airace run cfg.toml --out out --quiet <extra>` must be refused.
    fn run_bad(&self, cfg: &str, extra: &[&str], needles: &[&str]) {
        let out = self.out();
        let mut args = vec!["run", cfg, "--out", out.to_str().unwrap(), "--quiet"];
        args.extend_from_slice(extra);
        self.expect_bad(&args, needles);
    }

    /// `--set` cases on the valid base config.
    fn set_bad(&self, set: &str, needles: &[&str]) {
        self.run_bad("cfg.toml", &["--set", set], needles);
    }

    /// A config body that must be refused.
    fn body_bad(&self, body: &str, needles: &[&str]) {
        self.file("bad.toml", body);
        self.run_bad("bad.toml", &[], needles);
    }
}

// ---------------------------------------------------------------- run: config keys and values

#[test]
fn unknown_top_level_key() {
    Case::new().body_bad("bogus_key = 1", &["bad.toml", "bogus_key"]);
}

#[test]
fn unknown_nested_key() {
    Case::new().body_bad("[firms]\nbogus_rate = 0.1", &["bad.toml", "bogus_rate"]);
}

#[test]
fn wrong_type_in_file() {
    Case::new().body_bad("[firms]\ncount = \"many\"", &["bad.toml", "firms.count"]);
}

#[test]
fn probability_above_one() {
    Case::new().set_bad("firms.p=1.5", &["firms.p", "allowed 0 ..= 1"]);
}

#[test]
fn negative_count() {
    Case::new().body_bad("[firms]\ncount = -5", &["bad.toml", "firms.count"]);
}

#[test]
fn negative_imitation() {
    Case::new().set_bad("firms.q=-1", &["firms.q", "allowed 0 ..= 5"]);
}

#[test]
fn nan_is_out_of_range() {
    Case::new().set_bad("firms.p=nan", &["firms.p", "allowed 0 ..= 1"]);
}

#[test]
fn shares_not_summing_to_one() {
    Case::new().set_bad("sectors[0].share=0.9", &["sectors", "sum to 1"]);
}

#[test]
fn start_quarter_five() {
    Case::new().set_bad(
        "run.start_quarter=5",
        &["run.start_quarter", "allowed 1 ..= 4"],
    );
}

#[test]
fn zero_ticks() {
    Case::new().set_bad("run.ticks=0", &["run.ticks", "allowed 1 ..= 1000"]);
}

#[test]
fn ten_million_ticks() {
    Case::new().set_bad("run.ticks=10000000", &["run.ticks", "allowed 1 ..= 1000"]);
}

#[test]
fn a_trillion_firms() {
    Case::new().set_bad(
        "firms.count=1000000000000",
        &["firms.count", "allowed 1 ..= 50000000"],
    );
}

#[test]
fn duplicate_country_code() {
    Case::new().set_bad(
        "countries[2].code=\"US\"",
        &["countries", "`US` appears twice"],
    );
}

#[test]
fn unknown_chip_in_export_rule() {
    Case::new().set_bad(
        "policy.us.export[0].chip=\"Z80\"",
        &["policy.us.export[0].chip", "Z80"],
    );
}

#[test]
fn lab_in_unknown_country() {
    Case::new().set_bad("labs[0].country=\"XX\"", &["labs[", ".country", "XX"]);
}

#[test]
fn schedule_tick_beyond_horizon() {
    let body = "[[schedule]]\ntick = 50\nset = [\"policy.us.friction=0.5\"]";
    Case::new().body_bad(body, &["bad.toml", "schedule[0].tick", "allowed 0 ..= 7"]);
}

#[test]
fn schedule_changing_firm_count() {
    let body = "[[schedule]]\ntick = 2\nset = [\"firms.count=900\"]";
    Case::new().body_bad(body, &["bad.toml", "schedule[0]", "firms.count"]);
}

// ---------------------------------------------------------------- run: files

#[test]
fn missing_config_file() {
    Case::new().run_bad("nope.toml", &[], &["nope.toml", "cannot read"]);
}

#[test]
fn directory_instead_of_file() {
    let c = Case::new();
    std::fs::create_dir(c.path("adir.toml")).unwrap();
    c.run_bad("adir.toml", &[], &["adir.toml"]);
}

#[test]
fn malformed_toml() {
    let c = Case::new();
    c.raw("broken.toml", "name = \"x\"\n[firms\ncount = 3\n");
    c.run_bad("broken.toml", &[], &["broken.toml", "not valid TOML"]);
}

#[test]
fn overlay_base_missing() {
    let c = Case::new();
    c.raw("child.toml", "base = \"missing_base.toml\"\n");
    c.run_bad("child.toml", &[], &["missing_base.toml", "cannot read"]);
}

#[test]
fn overlay_cycle() {
    let c = Case::new();
    c.raw("a.toml", "base = \"b.toml\"\n");
    c.raw("b.toml", "base = \"a.toml\"\n");
    c.run_bad("a.toml", &[], &["a.toml", "b.toml", "cycle"]);
}

#[test]
fn overlay_base_not_a_string() {
    let c = Case::new();
    c.raw("c.toml", "base = 3\n");
    c.run_bad("c.toml", &[], &["c.toml", "base"]);
}

// ---------------------------------------------------------------- run: --set syntax

#[test]
fn set_without_equals() {
    Case::new().set_bad("firms.count", &["--set firms.count", "key.path=value"]);
}

#[test]
fn set_unknown_path() {
    Case::new().set_bad("firms.bogus_knob=1", &["bogus_knob"]);
}

#[test]
fn set_bad_list_selector() {
    Case::new().set_bad("chips[NoSuchChip].price_usd=1", &["NoSuchChip", "known:"]);
}

#[test]
fn set_unclosed_selector() {
    Case::new().set_bad("chips[H200.price_usd=1", &["chips[H200", "unclosed"]);
}

#[test]
fn set_index_out_of_range() {
    Case::new().set_bad(
        "labs[999].talent=1",
        &["labs[999]", "index 999 is out of range"],
    );
}

#[test]
fn set_wrong_type() {
    Case::new().set_bad("run.ticks=\"abc\"", &["--set run.ticks", "run.ticks"]);
}

// ---------------------------------------------------------------- run: flags

#[test]
fn zero_threads() {
    Case::new().run_bad("cfg.toml", &["--threads", "0"], &["--threads"]);
}

#[test]
fn zero_checkpoint_interval() {
    Case::new().run_bad(
        "cfg.toml",
        &["--checkpoint-every", "0"],
        &["--checkpoint-every"],
    );
}

#[test]
fn max_memory_too_small() {
    Case::new().run_bad(
        "cfg.toml",
        &["--max-memory", "1K"],
        &[
            "estimated peak memory",
            "--max-memory",
            "1.000 KiB",
            "firms.count",
        ],
    );
}

#[test]
fn max_memory_bad_syntax() {
    Case::new().run_bad(
        "cfg.toml",
        &["--max-memory", "lots"],
        &["--max-memory", "lots"],
    );
}

// ---------------------------------------------------------------- plot

fn run_dir_with_csv(c: &Case, csv: &str) -> PathBuf {
    let d = c.path("run");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("timeseries.csv"), csv).unwrap();
    d
}

fn plot_bad(c: &Case, dir: &Path, needles: &[&str]) {
    c.expect_bad(&["plot", dir.to_str().unwrap()], needles);
    assert!(
        !dir.join("charts").exists(),
        "plot wrote charts for bad input"
    );
}

#[test]
fn plot_missing_dir() {
    let c = Case::new();
    plot_bad(&c, &c.path("no_such_run"), &["no_such_run"]);
}

#[test]
fn plot_empty_csv() {
    let c = Case::new();
    let d = run_dir_with_csv(&c, "");
    plot_bad(&c, &d, &["timeseries.csv", "empty"]);
}

#[test]
fn plot_bad_header() {
    let c = Case::new();
    let d = run_dir_with_csv(&c, "tick,when,where,what,value\n0,2026Q1,US,x,1\n");
    plot_bad(&c, &d, &["timeseries.csv:1", "header"]);
}

#[test]
fn plot_non_numeric_value() {
    let c = Case::new();
    let csv = "tick,period,scope,metric,value\n0,2026Q1,US,adoption_share,lots\n";
    let d = run_dir_with_csv(&c, csv);
    plot_bad(&c, &d, &["timeseries.csv:2"]);
}

// ---------------------------------------------------------------- sweep

fn sweep_file(c: &Case, body: &str) -> PathBuf {
    let text = format!(
        "base = {:?}\nreplicates = 1\nmaster_seed = 1\nsets = [\"firms.count=200\", \"run.ticks=2\"]\n{body}\n",
        repo("configs/tiny.toml").display().to_string()
    );
    c.raw("sweep.toml", &text)
}

fn sweep_bad(c: &Case, extra: &[&str], needles: &[&str]) {
    let out = c.out();
    let mut args = vec![
        "sweep",
        "sweep.toml",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ];
    args.extend_from_slice(extra);
    c.expect_bad(&args, needles);
}

const GOOD_AXIS: &str =
    "[[parameters]]\npath = \"firms.p\"\nvalues = [0.01, 0.02]\n[design]\nkind = \"grid\"\n[[outcomes]]\nmetric = \"adoption_share\"\n";

#[test]
fn sweep_missing_file() {
    let c = Case::new();
    sweep_bad(&c, &[], &["sweep.toml"]);
}

#[test]
fn sweep_unknown_parameter_path() {
    let c = Case::new();
    sweep_file(&c, &GOOD_AXIS.replace("firms.p", "firms.bogus_knob"));
    sweep_bad(&c, &[], &["sweep.toml", "firms.bogus_knob"]);
}

#[test]
fn sweep_empty_range() {
    let c = Case::new();
    let body = "[[parameters]]\npath = \"firms.p\"\nrange = [0.5, 0.5]\nsteps = 3\n[design]\nkind = \"grid\"\n[[outcomes]]\nmetric = \"adoption_share\"\n";
    sweep_file(&c, body);
    sweep_bad(&c, &[], &["sweep.toml", "range"]);
}

#[test]
fn sweep_zero_replicates() {
    let c = Case::new();
    let p = sweep_file(&c, GOOD_AXIS);
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, text.replace("replicates = 1", "replicates = 0")).unwrap();
    sweep_bad(&c, &[], &["sweep.toml", "replicates"]);
}

#[test]
fn sweep_shard_beyond_count() {
    let c = Case::new();
    sweep_file(&c, GOOD_AXIS);
    sweep_bad(&c, &["--shard", "4/3"], &["4/3"]);
}

#[test]
fn scenarios_shard_beyond_count() {
    let c = Case::new();
    let configs = Path::new(env!("CARGO_MANIFEST_DIR")).join("configs");
    let (code, err) = c.exec(&[
        "scenarios",
        "--configs",
        configs.to_str().unwrap(),
        "--shard",
        "4/3",
        "--out",
        "sc",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("4/3") && err.contains("1..=3"), "{err}");
    assert!(!c.dir.path().join("sc").exists(), "nothing written");
}

#[test]
fn sweep_unknown_key() {
    let c = Case::new();
    sweep_file(&c, &format!("replicas = 3\n{GOOD_AXIS}"));
    sweep_bad(&c, &[], &["sweep.toml", "replicas"]);
}

#[test]
fn sweep_value_out_of_range() {
    let c = Case::new();
    sweep_file(&c, &GOOD_AXIS.replace("[0.01, 0.02]", "[0.01, 7.0]"));
    sweep_bad(&c, &[], &["firms.p", "allowed 0 ..= 1"]);
}

// ---------------------------------------------------------------- merge

#[test]
fn merge_missing_dir() {
    let c = Case::new();
    c.expect_bad(&["merge", "no_such_sweep"], &["no_such_sweep"]);
}

#[test]
fn merge_dir_that_is_not_a_sweep() {
    let c = Case::new();
    std::fs::create_dir(c.path("plain")).unwrap();
    c.expect_bad(&["merge", "plain"], &["plain"]);
    assert!(!c.path("plain/summary.csv").exists());
}

// ---------------------------------------------------------------- resume

fn resume_bad(c: &Case, ckpt: &str, extra: &[&str], needles: &[&str]) {
    let out = c.out();
    let mut args = vec!["resume", ckpt, "--out", out.to_str().unwrap(), "--quiet"];
    args.extend_from_slice(extra);
    c.expect_bad(&args, needles);
}

/// A real run with a checkpoint at tick 2; returns the checkpoint path.
fn checkpointed_run(c: &Case) -> PathBuf {
    let parent = c.path("parent");
    let (code, err) = c.exec(&[
        "run",
        "cfg.toml",
        "--set",
        "firms.count=200",
        "--set",
        "run.ticks=4",
        "--checkpoint-every",
        "2",
        "--out",
        parent.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(code, 0, "{err}");
    parent.join("checkpoints/tick-2.bin")
}

#[test]
fn resume_missing_checkpoint() {
    let c = Case::new();
    resume_bad(&c, "tick-9.bin", &[], &["tick-9.bin"]);
}

#[test]
fn resume_not_a_checkpoint() {
    let c = Case::new();
    resume_bad(
        &c,
        "cfg.toml",
        &[],
        &["cfg.toml", "not an airace checkpoint"],
    );
}

#[test]
fn resume_truncated_checkpoint() {
    let c = Case::new();
    let ck = checkpointed_run(&c);
    let bytes = std::fs::read(&ck).unwrap();
    std::fs::write(c.path("cut.bin"), &bytes[..bytes.len() / 2]).unwrap();
    resume_bad(&c, "cut.bin", &[], &["cut.bin", "truncated"]);
}

#[test]
fn resume_flipped_byte() {
    let c = Case::new();
    let ck = checkpointed_run(&c);
    let mut bytes = std::fs::read(&ck).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x55;
    std::fs::write(c.path("flip.bin"), &bytes).unwrap();
    resume_bad(&c, "flip.bin", &[], &["flip.bin", "checksum"]);
}

#[test]
fn resume_branch_with_unknown_key() {
    let c = Case::new();
    let ck = checkpointed_run(&c);
    let ck = ck.to_str().unwrap();
    resume_bad(
        &c,
        ck,
        &["--set", "policy.us.bogus_knob=1"],
        &["bogus_knob"],
    );
}

#[test]
fn resume_branch_changing_structure() {
    let c = Case::new();
    let ck = checkpointed_run(&c);
    let ck = ck.to_str().unwrap();
    resume_bad(&c, ck, &["--set", "firms.count=999"], &["firms.count"]);
}

#[test]
fn resume_zero_threads() {
    let c = Case::new();
    let ck = checkpointed_run(&c);
    resume_bad(
        &c,
        ck.to_str().unwrap(),
        &["--threads", "0"],
        &["--threads"],
    );
}

// ---------------------------------------------------------------- output safety

fn run_ok(c: &Case, out: &Path, extra: &[&str]) -> (i32, String) {
    let mut args = vec!["run", "cfg.toml", "--out", out.to_str().unwrap(), "--quiet"];
    args.extend_from_slice(extra);
    c.exec(&args)
}

#[test]
fn out_path_is_a_regular_file() {
    let c = Case::new();
    let f = c.raw("taken", "keep me");
    let (code, err) = run_ok(&c, &f, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("taken") && err.contains("not a folder"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&f).unwrap(), "keep me");
}

#[test]
fn out_dir_with_a_different_run_is_kept_without_force() {
    let c = Case::new();
    let out = c.path("res");
    assert_eq!(run_ok(&c, &out, &["--seed", "1"]).0, 0);
    let before = std::fs::read(out.join("timeseries.csv")).unwrap();
    let (code, err) = run_ok(&c, &out, &["--seed", "2"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("res") && err.contains("--force"), "{err}");
    assert_eq!(std::fs::read(out.join("timeseries.csv")).unwrap(), before);
    assert_eq!(run_ok(&c, &out, &["--seed", "2", "--force"]).0, 0);
}

#[test]
fn same_config_rerun_is_allowed() {
    let c = Case::new();
    let out = c.path("res");
    assert_eq!(run_ok(&c, &out, &[]).0, 0);
    let (code, err) = run_ok(&c, &out, &[]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn out_path_under_a_regular_file_is_unwritable() {
    // Root ignores permissions, so "unwritable" is a path no one can create.
    let c = Case::new();
    c.raw("plainfile", "x");
    let out = c.path("plainfile/sub");
    let (code, err) = run_ok(&c, &out, &[]);
    assert!(code == 1 || code == 2, "exit {code}: {err}");
    assert!(err.contains("plainfile"), "{err}");
    let (code, err) = run_ok(&c, Path::new("/proc/version/x"), &[]);
    assert!(code == 1 || code == 2, "exit {code}: {err}");
    assert!(err.contains("/proc/version"), "{err}");
}

/// Mount a 64 KiB tmpfs (root only); `None` with a printed reason otherwise.
fn tiny_tmpfs(at: &Path) -> Option<()> {
    std::fs::create_dir_all(at).ok()?;
    let st = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
        .arg(at)
        .status();
    match st {
        Ok(s) if s.success() => Some(()),
        other => {
            eprintln!("skipping full-disk test: cannot mount tmpfs ({other:?}); needs root");
            None
        }
    }
}

#[test]
fn full_disk_fails_cleanly_and_keeps_earlier_results() {
    let c = Case::new();
    let earlier = c.path("earlier");
    assert_eq!(run_ok(&c, &earlier, &[]).0, 0);
    let before = std::fs::read(earlier.join("manifest.json")).unwrap();
    let mnt = c.path("full");
    if tiny_tmpfs(&mnt).is_none() {
        return;
    }
    let out = mnt.join("run");
    let (code, err) = run_ok(&c, &out, &[]);
    let leftover: Vec<_> = std::fs::read_dir(&out)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    let _ = std::process::Command::new("umount").arg(&mnt).status();
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("cannot write"), "{err}");
    assert!(
        !leftover.iter().any(|n| n == "manifest.json"),
        "a full disk must not leave a manifest: {leftover:?}"
    );
    assert_eq!(
        std::fs::read(earlier.join("manifest.json")).unwrap(),
        before
    );
}

// ---- issue 17, item 3: one writer per output folder ----

/// Hold the folder lock of `dir` as if another airace (process 4242) were writing.
fn hold_lock(dir: &Path) -> std::fs::File {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join(airace::layout::LOCK);
    std::fs::write(&path, "4242").unwrap();
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .unwrap();
    f.try_lock().unwrap();
    f
}

#[test]
fn second_writer_of_a_run_folder_is_refused_with_the_holder() {
    let c = Case::new();
    let out = c.dir.path().join("busy");
    let _held = hold_lock(&out);
    let (code, err) = c.exec(&["run", "cfg.toml", "--quiet", "--out", "busy"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("in use by process 4242"), "{err}");
    assert!(!out.join("timeseries.csv").exists(), "nothing written");
}

#[test]
fn second_writer_of_a_sweep_or_scenario_folder_is_refused() {
    let c = Case::new();
    let out = c.dir.path().join("busy");
    let _held = hold_lock(&out);
    let sweep = Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/sweeps/tiny_grid.toml");
    let (code, err) = c.exec(&["sweep", sweep.to_str().unwrap(), "--quiet", "--out", "busy"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("in use by process 4242"), "{err}");
    assert!(!out.join("plan.json").exists(), "nothing written");
    let configs = Path::new(env!("CARGO_MANIFEST_DIR")).join("configs");
    let (code, err) = c.exec(&[
        "scenarios",
        "--configs",
        configs.to_str().unwrap(),
        "--replicates",
        "1",
        "--quiet",
        "--out",
        "busy",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("in use by process 4242"), "{err}");
}
