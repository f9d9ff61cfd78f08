//! `airace verify`: rerun a run folder and compare its data files byte for byte.
//!
//! The rerun is computed in memory from `config.toml` and the manifest's seed
//! (any thread count: results must not depend on it). The data files a run
//! has are fixed by the run type ([`layout::RUN_DATA_FILES`]), not read from
//! the manifest: each is regenerated and must be listed in the manifest and
//! match both its SHA-256 there (the run reproduces) and the file on disk
//! (nobody edited it). Any other manifest entry must be a rendering (chart,
//! page) whose hash still matches; an unknown entry is a failure.
//!
//! `config.toml` starts with a comment naming the folder it was written to;
//! that line depends only on how the output path was spelled, so the
//! regenerated file reuses the recorded first comment line verbatim and the
//! comparison covers the resolved config itself.
//!
//! A resumed run (`manifest.parent` set) is rerun from tick 0: `resume`
//! records `--set` branches as a scheduled change at the checkpoint's tick,
//! so `config.toml` alone reproduces the whole lineage. A config that lacks
//! that record can only be rerun from its checkpoint, if it still exists.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::config::{self, Config};
use crate::error::{Error, Result};
use crate::io::manifest::{build_info, sha256_file, sha256_hex, Manifest, ParentInfo};
use crate::io::quote::quote;
use crate::io::read::{try_read_bytes, Cap};
use crate::layout::{self, CONFIG as CONFIG_FILE, RUN_DATA_FILES, TIMESERIES};
use crate::simulation::{seeded, with_threads, Simulation};

/// `airace verify DIR`: rerun the run in `dir` with `threads` workers (or
/// the global pool) and compare; a difference is [`Error::Failed`] (exit 1).
pub fn verify(dir: &Path, threads: Option<usize>) -> Result<()> {
    let manifest = layout::read_manifest(dir)?;
    if let Some(note) = build_note(&manifest) {
        eprintln!("{note}");
    }
    let config_path = dir.join(CONFIG_FILE);
    let recorded_config = layout::read_config_text(dir)?;
    let mut report = String::new();
    let mut differing = 0;
    // The manifest must list exactly the run's data files plus renderings;
    // which data files a run has is fixed by the run type, not by the manifest.
    for name in RUN_DATA_FILES {
        if !manifest.files.contains_key(name) {
            differing += 1;
            let _ = writeln!(
                report,
                "{name}: not listed in manifest.json (was the manifest edited?)"
            );
        }
    }
    for (name, expected) in &manifest.files {
        if RUN_DATA_FILES.contains(&name.as_str()) {
            continue;
        }
        if !layout::is_rendering(name) {
            differing += 1;
            let _ = writeln!(
                report,
                "{}: listed in manifest.json but not a file a run writes",
                quote(name)
            );
            continue;
        }
        if let Some(why) = check_rendering(dir, name, expected)? {
            differing += 1;
            let _ = writeln!(report, "{why}");
        }
    }
    if let Some(h) = manifest.files.get(CONFIG_FILE) {
        if !sha256_hex(recorded_config.as_bytes()).eq_ignore_ascii_case(h) {
            eprintln!(
                "note: {} was edited since the run (its SHA-256 differs from manifest.json); \
                 rerunning the edited config, so the comparison below will differ",
                config_path.display()
            );
        }
    }
    let config = seeded(
        &config::from_str(&recorded_config, &config_path.display().to_string())?,
        Some(manifest.seed),
    );
    let sim = rerun(&manifest, config, threads)?;
    let regenerated = [
        (TIMESERIES, sim.timeseries.to_csv_string()),
        (CONFIG_FILE, config_text(&recorded_config, &sim.config)),
    ];
    for (name, text) in &regenerated {
        let expected = manifest.files.get(*name).map_or("", String::as_str);
        if let Some(why) = compare(dir, name, expected, text)? {
            differing += 1;
            let _ = writeln!(report, "{why}");
        }
    }
    print!("{report}");
    if differing > 0 {
        return Err(Error::Failed(format!(
            "{}: {differing} problem(s): files differ from the rerun or from manifest.json",
            dir.display(),
        )));
    }
    println!("identical: {} files", regenerated.len());
    Ok(())
}

/// A chart or page must still match its manifest hash (it is not rerun).
fn check_rendering(dir: &Path, name: &str, expected: &str) -> Result<Option<String>> {
    match sha256_file(&dir.join(name)) {
        Ok(h) if h.eq_ignore_ascii_case(expected) => Ok(None),
        Ok(_) => Ok(Some(format!(
            "{name}: differs from the SHA-256 in manifest.json (edited since the run)"
        ))),
        Err(_) if !dir.join(name).exists() => {
            Ok(Some(format!("{name}: missing from {}", dir.display())))
        }
        Err(e) => Err(e),
    }
}

/// Compute the run again: from tick 0, or from the checkpoint when the branch
/// is not recorded in the config.
fn rerun(manifest: &Manifest, config: Config, threads: Option<usize>) -> Result<Simulation> {
    let mut sim = match &manifest.parent {
        Some(p) if !branch_recorded(&config, p) => from_checkpoint(p, config)?,
        Some(p) => {
            eprintln!(
                "note: resumed run (from {} at tick {}); rerunning its whole history from tick 0",
                p.checkpoint, p.tick
            );
            Simulation::new(config)
        }
        None => Simulation::new(config),
    };
    with_threads(threads, || sim.run_to_end(|_| Ok(())))??;
    Ok(sim)
}

/// Whether `resume --set` recorded its changes as a scheduled change in `config`.
fn branch_recorded(config: &Config, parent: &ParentInfo) -> bool {
    parent.changes.is_empty()
        || config
            .schedule
            .iter()
            .any(|e| e.tick == parent.tick && e.set == parent.changes)
}

/// Restart from the parent checkpoint, if it still exists unchanged.
fn from_checkpoint(parent: &ParentInfo, config: Config) -> Result<Simulation> {
    let path = PathBuf::from(&parent.checkpoint);
    let usable = path.is_file()
        && sha256_file(&path).is_ok_and(|h| h.eq_ignore_ascii_case(&parent.checkpoint_sha256));
    if !usable {
        return Err(Error::Usage(format!(
            "cannot rerun this branched run: its config.toml does not record the branch, and its \
             checkpoint {} is missing or has changed since (sha256 {})",
            parent.checkpoint, parent.checkpoint_sha256
        )));
    }
    eprintln!(
        "note: branched run; rerunning from its checkpoint {} (tick {})",
        parent.checkpoint, parent.tick
    );
    let mut sim = crate::checkpoint::restore(crate::checkpoint::load(&path)?, &path)?;
    sim.config = config;
    Ok(sim)
}

/// `config.toml` as the rerun would write it, keeping the recorded path comment.
fn config_text(recorded: &str, config: &Config) -> String {
    let header = recorded
        .split_inclusive('\n')
        .next()
        .filter(|l| l.starts_with('#'))
        .unwrap_or("");
    format!("{header}{}", config::to_toml(config))
}

/// `None` when `text` matches both the manifest hash and the file on disk;
/// otherwise a description of the difference.
fn compare(dir: &Path, name: &str, expected: &str, text: &str) -> Result<Option<String>> {
    let path = dir.join(name);
    let on_disk = match try_read_bytes(&path, Cap::Timeseries) {
        Ok(b) => b,
        Err(e) if e.is_not_found() => {
            return Ok(Some(format!("{name}: missing from {}", dir.display())))
        }
        Err(e) => return Err(Error::input(&path, e.to_string())),
    };
    if on_disk != text.as_bytes() {
        let what = if name.ends_with(".csv") || name.ends_with(".toml") {
            first_difference(&String::from_utf8_lossy(&on_disk), text)
        } else {
            "contents differ".to_string()
        };
        return Ok(Some(format!("{name}: differs from the rerun: {what}")));
    }
    if !expected.is_empty() && !sha256_hex(text.as_bytes()).eq_ignore_ascii_case(expected) {
        return Ok(Some(format!(
            "{name}: matches the rerun but not the SHA-256 in manifest.json (was the manifest edited?)"
        )));
    }
    Ok(None)
}

/// The first differing line (1-based) of two texts, with both versions.
pub fn first_difference(recorded: &str, rerun: &str) -> String {
    let show = |s: Option<&str>| {
        s.map_or("<end of file>".to_string(), |s| {
            format!("`{}`", crate::io::quote::quote(s))
        })
    };
    let mut a = recorded.lines();
    let mut b = rerun.lines();
    let mut line = 1;
    loop {
        match (a.next(), b.next()) {
            (None, None) => return "the files differ only in line endings".to_string(),
            (Some(x), Some(y)) if x == y => line += 1,
            (x, y) => {
                return format!(
                    "first difference at line {line}:\n  recorded: {}\n  rerun:    {}",
                    show(x),
                    show(y)
                )
            }
        }
    }
}

/// A note when this build differs from the one that made the run, since a
/// mismatch then may come from the build rather than from the run folder.
fn build_note(m: &Manifest) -> Option<String> {
    let b = build_info();
    let mut diffs = Vec::new();
    for (what, then, now) in [
        ("version", m.airace_version.as_str(), b.version),
        ("git commit", m.git_commit.as_str(), b.git_commit),
        ("rustc", m.rustc_version.as_str(), b.rustc_version),
        ("target", m.target.as_str(), b.target),
        ("maths", m.maths.as_str(), b.maths),
    ] {
        let then = if then.is_empty() { "unknown" } else { then };
        if then != now {
            diffs.push(format!("  {what}: run {then}, this build {now}"));
        }
    }
    (!diffs.is_empty()).then(|| {
        format!(
            "note: this run was made by a different build; a mismatch may come from that:\n{}",
            diffs.join("\n")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_difference_names_line_and_both_versions() {
        let d = first_difference("h\na\nb\n", "h\na\nc\n");
        assert!(
            d.contains("line 3") && d.contains("`b`") && d.contains("`c`"),
            "{d}"
        );
        let d = first_difference("h\n", "h\nx\n");
        assert!(d.contains("line 2") && d.contains("<end of file>"), "{d}");
    }

    #[test]
    fn build_note_names_a_different_maths_backend() {
        let mut m = Manifest::new_for_build("x", "", 1, 1, 1);
        assert_eq!(build_note(&m), None, "same build: no note");
        m.maths = "glibc 2.36".into();
        let note = build_note(&m).expect("a note");
        assert!(
            note.contains("maths: run glibc 2.36, this build libm"),
            "{note}"
        );
        m.maths.clear();
        let note = build_note(&m).expect("old manifests say unknown");
        assert!(note.contains("maths: run unknown"), "{note}");
    }

    #[test]
    fn config_text_keeps_the_recorded_comment() {
        let c = config::from_str(
            &std::fs::read_to_string("configs/baseline.toml").unwrap(),
            "baseline",
        );
        let Ok(c) = c else { return };
        let body = config::to_toml(&c);
        let recorded = format!("# written to x/config.toml\n{body}");
        assert_eq!(config_text(&recorded, &c), recorded);
        assert_eq!(config_text(&body, &c), body);
    }
}
