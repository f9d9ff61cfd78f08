//! Issue 17 item 11: error messages quote user input short and escaped. Each
//! input channel (command line, config file, overlay chain, sweep file,
//! target file, CSV, checkpoint, output folder) gets a huge value, a 309-digit
//! number, terminal escape sequences, a carriage return, a NUL where the
//! channel can carry one, and a long path; every one must exit 2 with a short
//! stderr (no line of 400 bytes or more) free of control characters.

mod common;
use std::fs;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

const ESC: &str = "\x1b[31m";
/// Longest stderr line accepted.
const MAX_LINE: usize = 400;

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

fn huge() -> String {
    // An argument can be at most 128 KiB on Linux; files get bigger ones.
    "9".repeat(100_000)
}

fn digits309() -> String {
    format!("1{}", "0".repeat(308))
}

/// Run `airace args` in `dir` and check exit 2 and a terminal-safe, short stderr.
fn refused(dir: &Path, args: &[&str]) -> String {
    let o = common::airace()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("spawn");
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    let shown: Vec<String> = args.iter().map(|a| a.chars().take(60).collect()).collect();
    assert_eq!(
        o.status.code(),
        Some(2),
        "{shown:?}: {}",
        err.escape_debug()
    );
    assert!(!err.trim().is_empty(), "{shown:?}: empty stderr");
    for line in err.lines() {
        assert!(
            line.len() < MAX_LINE,
            "{shown:?}: a stderr line of {} bytes: {}…",
            line.len(),
            line.chars().take(200).collect::<String>().escape_debug()
        );
    }
    assert!(
        !err.chars().any(|c| c.is_control() && c != '\n'),
        "{shown:?}: control character in stderr: {}",
        err.escape_debug()
    );
    err
}

fn tiny() -> String {
    repo("configs/tiny.toml").display().to_string()
}

/// `--set` values, keys and selectors on `run` (the same parser serves every command).
#[test]
fn command_line_assignments() {
    let t = TempDir::new().unwrap();
    let tiny = tiny();
    let sets = [
        format!("firms.p={}", huge()),
        format!("firms.count={}", digits309()),
        format!("firms.p={}.0", digits309()),
        format!("firms.p=-{}.5", digits309()),
        format!("firms.{ESC}p=1"),
        format!("name{ESC}=x"),
        format!("policy.us.export[H200_CN].rule={ESC}ban\r"),
        format!("chips[{ESC}\r].price_usd=1"),
        format!("chips[{}].price_usd=1", huge()),
        format!("labs[0].talent={ESC}"),
        format!("{}=1", "a.".repeat(30_000)),
        format!("-firms.{}", huge()),
        format!("firms.p{}", huge()),
    ];
    for s in &sets {
        refused(
            t.path(),
            &["run", &tiny, "--out", "o", "--quiet", "--set", s],
        );
    }
    assert!(!t.path().join("o").exists());
}

/// Values and keys in a config file, and names that reach validation messages.
#[test]
fn config_file_values_and_keys() {
    let t = TempDir::new().unwrap();
    let base = tiny();
    let cases = [
        format!("[firms]\np = \"{}\"\n", "x".repeat(1_000_000)),
        format!("[firms]\np = {}\n", digits309()),
        format!("[firms]\np = {}.0\n", digits309()),
        "[firms]\np = \"\\u001b[31mred\\r\\u0000\"\n".to_string(),
        "[firms]\n\"\\u001b[31m\\r\" = 1\n".to_string(),
        "[firms]\np = \u{0}1\n".to_string(),
        format!("[firms]\np = 1\n{}\n", "\u{1b}[2J".repeat(100)),
        format!("[[labs]]\nname = \"{}\"\n", "\u{1b}".repeat(10_000)),
        format!(
            "[policy.us]\nexport = [{{ chip = \"{ESC}{}\", dest = \"CN\", rule = \"ban\" }}]\n",
            "x".repeat(5000)
        ),
    ];
    for (i, body) in cases.iter().enumerate() {
        let f = t.path().join(format!("c{i}.toml"));
        fs::write(&f, format!("base = {base:?}\n{body}")).unwrap();
        refused(
            t.path(),
            &["run", f.to_str().unwrap(), "--out", "o", "--quiet"],
        );
    }
    // A file above the 16 MiB cap.
    let big = t.path().join("big.toml");
    fs::write(&big, format!("name = \"{}\"\n", "x".repeat(17 << 20))).unwrap();
    refused(
        t.path(),
        &["run", big.to_str().unwrap(), "--out", "o", "--quiet"],
    );
    assert!(!t.path().join("o").exists());
}

/// Overlay bases and the config path itself: hostile names, long paths.
#[test]
fn paths_and_overlay_names() {
    let t = TempDir::new().unwrap();
    let long = format!("{}/x.toml", "d".repeat(250));
    let cases = [
        format!("base = \"{ESC}\\r.toml\"\n"),
        format!("base = \"{}\"\n", "../".repeat(2000)),
        format!("base = \"{long}\"\n"),
        format!(
            "base = \"{}\"\noverrides = [\"firms.p={}\"]\n",
            tiny(),
            huge()
        ),
        format!("base = \"{}\"\noverrides = [\"{ESC}=1\"]\n", tiny()),
    ];
    for (i, body) in cases.iter().enumerate() {
        let f = t.path().join(format!("o{i}.toml"));
        fs::write(&f, body).unwrap();
        refused(
            t.path(),
            &["run", f.to_str().unwrap(), "--out", "o", "--quiet"],
        );
    }
    let weird = t.path().join(format!("{ESC}\r.toml"));
    fs::write(&weird, "name = 1\n").unwrap();
    refused(
        t.path(),
        &["run", weird.to_str().unwrap(), "--out", "o", "--quiet"],
    );
    let deep = format!("{}/c.toml", vec!["segment"; 600].join("/"));
    refused(t.path(), &["run", &deep, "--out", "o", "--quiet"]);
    refused(
        t.path(),
        &["resume", &format!("{ESC}{}", "c".repeat(3000)), "--quiet"],
    );
    assert!(!t.path().join("o").exists());
}

/// Flags: clap echoes bad values; ours are quoted.
#[test]
fn flags() {
    let t = TempDir::new().unwrap();
    let tiny = tiny();
    let cases: Vec<Vec<String>> = vec![
        vec!["--threads".into(), huge()],
        vec!["--threads".into(), format!("{ESC}\r")],
        vec!["--seed".into(), digits309()],
        vec!["--seed".into(), format!("{ESC}1")],
        vec!["--max-memory".into(), huge()],
        vec!["--max-memory".into(), format!("{ESC}4G\r")],
        vec![format!("--{ESC}{}", "x".repeat(5000))],
    ];
    for extra in &cases {
        let mut args = vec!["run", tiny.as_str(), "--out", "o", "--quiet"];
        args.extend(extra.iter().map(String::as_str));
        refused(t.path(), &args);
    }
    let sweep = repo("configs/sweeps/tiny_grid.toml");
    let s = sweep.to_str().unwrap();
    refused(
        t.path(),
        &[
            "sweep",
            s,
            "--out",
            "o",
            "--shard",
            &format!("{ESC}{}", huge()),
        ],
    );
    refused(
        t.path(),
        &["sweep", s, "--out", "o", "--jobs", &digits309()],
    );
    assert!(!t.path().join("o").exists());
}

/// Sweep files: parameter paths, values, outcomes and names.
#[test]
fn sweep_files() {
    let t = TempDir::new().unwrap();
    let head = format!("base = {:?}\nmaster_seed = 1\nreplicates = 1\n", tiny());
    let outcome = "[[outcomes]]\nmetric = \"frontier_gap_months\"\n";
    let bodies = [
        format!("[[parameters]]\npath = \"firms.{ESC}p\"\nvalues = [0.1]\n{outcome}"),
        format!(
            "[[parameters]]\npath = \"firms.p\"\nvalues = [\"{}\"]\n{outcome}",
            "9".repeat(1_000_000)
        ),
        format!(
            "[[parameters]]\npath = \"firms.p\"\nvalues = [{}.0]\n{outcome}",
            digits309()
        ),
        format!(
            "[[parameters]]\npath = \"firms.p\"\nrange = [0, {}.0]\nsteps = 2\n{outcome}",
            digits309()
        ),
        format!("[[outcomes]]\nmetric = \"{ESC}{}\"\n", "m".repeat(100_000)),
        "[[outcomes]]\nmetric = \"frontier_gap_months\"\nscope = \"\\r\\u001b[2J\"\n".to_string(),
        format!("sets = [\"{}\"]\n{outcome}", "\u{1b}".repeat(1000)),
        format!("{}= 1\n{outcome}", "k".repeat(10_000)),
    ];
    for (i, body) in bodies.iter().enumerate() {
        let f = t.path().join(format!("s{i}.toml"));
        fs::write(&f, format!("{head}{body}")).unwrap();
        let f = f.to_str().unwrap();
        refused(t.path(), &["sweep", f, "--out", "o", "--quiet"]);
        refused(t.path(), &["slurm", f, "--out", "o", "--tasks", "2"]);
    }
    assert!(!t.path().join("o").exists());
}

/// Target files of `validate`.
#[test]
fn target_files() {
    let t = TempDir::new().unwrap();
    let bodies = [
        format!("area = \"{ESC}\"\n[[target]]\nid = \"{}\"\n", "\u{1b}".repeat(5000)),
        format!(
            "area = \"x\"\n[[target]]\nid = \"a\"\nuse = \"check\"\nmetric = \"{ESC}{}\"\nscope = \"CN\"\nperiod = \"2024Q1\"\nvalue = 1.0\nrange = [0.0, 2.0]\nsource = \"s\"\nmapping = \"m\"\n",
            "m".repeat(200_000)
        ),
        format!(
            "area = \"x\"\n[[target]]\nid = \"a\"\nuse = \"check\"\nmetric = \"compute_h100e\"\nscope = \"CN\"\nperiod = \"{ESC}\\r\"\nvalue = {}.0\nrange = [0.0, 2.0]\nsource = \"s\"\nmapping = \"m\"\n",
            digits309()
        ),
    ];
    for (i, body) in bodies.iter().enumerate() {
        let d = t.path().join(format!("targets{i}"));
        fs::create_dir(&d).unwrap();
        fs::write(d.join("t.toml"), body).unwrap();
        refused(
            t.path(),
            &[
                "validate",
                "--targets",
                d.to_str().unwrap(),
                "--out",
                "o",
                "--quiet",
            ],
        );
    }
    assert!(!t.path().join("o").exists());
}

/// CSV cells and headers read by `plot`, `compare` and `merge`.
#[test]
fn csv_cells() {
    let t = TempDir::new().unwrap();
    let o = common::airace()
        .current_dir(t.path())
        .args(["run", &tiny(), "--out", "r", "--quiet"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let ts = t.path().join("r/timeseries.csv");
    let good = fs::read_to_string(&ts).unwrap();
    let header = good.lines().next().unwrap().to_string();
    let row = good.lines().nth(1).unwrap().to_string();
    let bad_rows = [
        format!("{header}\n{ESC}{}\r\u{0}\n", "x".repeat(1_000_000)),
        format!(
            "{header}\n{}\n",
            row.replacen(',', &format!(",{ESC}\r{},", "9".repeat(500_000)), 1)
        ),
        format!(
            "{header}\n{}\n",
            row.rsplit_once(',')
                .map(|(a, _)| format!("{a},{}", digits309()))
                .unwrap()
                + "x"
        ),
        format!("{ESC}{}\n{row}\n", "h".repeat(1_000_000)),
        format!("{header}\n{}\n", format!("{ESC},").repeat(50_000)),
    ];
    for body in &bad_rows {
        fs::write(&ts, body).unwrap();
        refused(t.path(), &["plot", "r"]);
        refused(t.path(), &["compare", "r", "r", "--out", "cmp"]);
    }
    assert!(!t.path().join("cmp").exists());
}

/// A checkpoint that is not one: its bytes must not reach the terminal.
#[test]
fn checkpoint_bytes() {
    let t = TempDir::new().unwrap();
    let f = t.path().join("ck.bin");
    let mut junk = ESC.repeat(1000).into_bytes();
    junk.extend(std::iter::repeat_n(0u8, 1000));
    fs::write(&f, &junk).unwrap();
    refused(
        t.path(),
        &["resume", f.to_str().unwrap(), "--out", "o", "--quiet"],
    );
    assert!(!t.path().join("o").exists());
}

/// `--out` as a symbolic link to nothing: exit 2 naming it, for every command that writes a folder.
#[cfg(unix)]
#[test]
fn dangling_out_symlink_is_refused_by_every_command() {
    let t = TempDir::new().unwrap();
    let link = t.path().join("dangling");
    std::os::unix::fs::symlink(t.path().join("nowhere/at/all"), &link).unwrap();
    let l = link.to_str().unwrap();
    let o = common::airace()
        .current_dir(t.path())
        .args([
            "run",
            &tiny(),
            "--out",
            "r",
            "--quiet",
            "--checkpoint-every",
            "4",
        ])
        .output()
        .unwrap();
    assert!(o.status.success());
    let ck = fs::read_dir(t.path().join("r/checkpoints"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "ckpt" || e == "bin") || p.is_file())
        .expect("a checkpoint");
    let sweep = repo("configs/sweeps/tiny_grid.toml");
    let commands: Vec<Vec<&str>> = vec![
        vec!["run", tiny_str(), "--out", l, "--quiet"],
        vec!["resume", ck.to_str().unwrap(), "--out", l, "--quiet"],
        vec!["sweep", sweep.to_str().unwrap(), "--out", l, "--quiet"],
        vec!["merge", l],
        vec!["slurm", sweep.to_str().unwrap(), "--out", l, "--tasks", "2"],
        vec!["scenarios", "--out", l, "--quiet"],
        vec!["validate", "--out", l, "--quiet"],
        vec!["compare", "r", "r", "--out", l],
        vec!["plot", l],
    ];
    for args in &commands {
        let err = refused(t.path(), args);
        assert!(
            err.contains("dangling") || err.contains("does not exist"),
            "{args:?}: {err}"
        );
        assert!(err.contains(l), "{args:?}: {err}");
    }
    assert!(!t.path().join("nowhere").exists());
}

fn tiny_str() -> &'static str {
    Box::leak(tiny().into_boxed_str())
}
