//! The run manifest: `manifest.json`, the record that makes a run folder
//! self-describing and checkable.
//!
//! A result is only as trustworthy as our ability to say where it came from:
//! which build (version, commit, compiler, target), which config (by hash),
//! which seed, and which files it produced (by SHA-256, so `verify` can tell
//! whether anything was edited or truncated since). When a run resumes from a
//! checkpoint, `parent` records that lineage and the overrides applied.
//!
//! Timestamps live *only* here. Every other output must be a pure function of
//! config + seed so that reruns are byte-identical; the manifest is the one
//! file that is allowed to differ between two otherwise identical runs.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::io::read::{open_regular, Cap, ReadError};

/// The multi-line text for `--version` (the command line's `--version`), so a bug
/// report pasted from a terminal already says which build produced it.
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    "\ncommit: ",
    env!("AIRACE_GIT_COMMIT"),
    "\nrustc: ",
    env!("AIRACE_RUSTC_VERSION"),
    "\ntarget: ",
    env!("AIRACE_TARGET"),
    // Outputs are byte-identical only with the same maths library: name it (a test
    // checks this matches `crate::math::BACKEND`).
    "\nmaths: libm 0.2.16",
);

/// How this binary was built, captured by `build.rs`.
///
/// Floating-point results can depend on the compiler and target (different
/// codegen, different libm), so "same config + seed" only promises identical
/// bytes for the same build; this is what lets a user check that.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BuildInfo {
    /// The crate version (`CARGO_PKG_VERSION`).
    pub version: &'static str,
    /// `git rev-parse HEAD` at build time, or `unknown` outside a checkout.
    pub git_commit: &'static str,
    /// `rustc --version` of the compiler that built this binary.
    pub rustc_version: &'static str,
    /// The target triple, e.g. `x86_64-unknown-linux-gnu`.
    pub target: &'static str,
    /// The transcendental-maths implementation compiled in ([`crate::math::BACKEND`]).
    pub maths: &'static str,
}

impl fmt::Display for BuildInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "airace {}\ncommit: {}\nrustc: {}\ntarget: {}\nmaths: {}",
            self.version, self.git_commit, self.rustc_version, self.target, self.maths
        )
    }
}

/// The build this code was compiled into; for `--version` and for manifests.
pub fn build_info() -> BuildInfo {
    BuildInfo {
        version: env!("CARGO_PKG_VERSION"),
        git_commit: env!("AIRACE_GIT_COMMIT"),
        rustc_version: env!("AIRACE_RUSTC_VERSION"),
        target: env!("AIRACE_TARGET"),
        maths: crate::math::BACKEND,
    }
}

/// Where a resumed run came from, so a chain of resumes can be traced back
/// to the run that started it and the changes made along the way.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ParentInfo {
    /// The checkpoint path exactly as the user gave it (it may be relative).
    pub checkpoint: String,
    /// SHA-256 of the checkpoint file, which identifies it even if it is moved.
    pub checkpoint_sha256: String,
    /// Number of ticks already simulated in the checkpoint.
    pub tick: u32,
    /// The `--set key=value` assignments applied on resume, in command-line order.
    pub changes: Vec<String>,
}

/// The contents of `manifest.json`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Manifest {
    /// Crate version that wrote the run.
    pub airace_version: String,
    /// Git commit of the build, or `unknown`.
    pub git_commit: String,
    /// `rustc --version` of the build.
    pub rustc_version: String,
    /// Target triple of the build.
    pub target: String,
    /// The maths backend (e.g. `libm 0.2.16`): outputs are byte-identical
    /// across machines only for the same backend. Empty in manifests written
    /// before it was recorded.
    #[serde(default)]
    pub maths: String,
    /// The config's name (file stem or scenario name), for humans.
    pub config_name: String,
    /// SHA-256 (hex) of the resolved config TOML text: two runs with the same
    /// hash, seed and build must produce identical data files.
    pub config_hash: String,
    /// The master seed.
    pub seed: u64,
    /// Number of ticks (quarters) simulated.
    pub ticks: u32,
    /// Worker threads used; recorded to show results do not depend on it.
    pub threads: usize,
    /// Data file name (relative to the run folder, `/`-separated) → SHA-256 hex.
    /// A BTreeMap so the JSON lists files in a stable order.
    pub files: BTreeMap<String, String>,
    /// Wall-clock duration of the run in seconds (must be finite).
    pub wall_time_s: f64,
    /// When the manifest was created, RFC 3339 UTC (e.g. `2026-11-03T14:05:09Z`).
    pub created_utc: String,
    /// Set when the run resumed from a checkpoint.
    #[serde(default)]
    pub parent: Option<ParentInfo>,
    /// The `--set key=value` assignments the run was started with, in
    /// command-line order, so a run can be told from its base config by its
    /// manifest alone. Empty in manifests written before it was recorded.
    #[serde(default)]
    pub overrides: Vec<String>,
    /// The config overlay chain as given (`base = ...` files), the file the
    /// user named first and the root base last; empty for a single file and in
    /// manifests written before it was recorded.
    #[serde(default)]
    pub overlay_chain: Vec<String>,
    /// Free-form notes (sweep point id, host, Slurm job id…); stable order.
    #[serde(default)]
    pub extra: BTreeMap<String, String>,
}

/// Assignments listed by name in [`Manifest::provenance`]; longer lists are counted.
pub const SHOWN_OVERRIDES: usize = 2;

/// " + a=1 + b=2", or " + 3 overrides" for a list longer than [`SHOWN_OVERRIDES`].
fn listed(items: &[String], noun: &str) -> String {
    match items.len() {
        0 => String::new(),
        n if n > SHOWN_OVERRIDES => format!(" + {n} {noun}s"),
        _ => items.iter().map(|a| format!(" + {}", a.trim())).collect(),
    }
}

/// SHA-256 of `bytes` as lowercase hex: the one hash format used in manifests.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// SHA-256 (lowercase hex) of a file's contents, streamed so large outputs
/// are not loaded whole.
///
/// A missing or unreadable file is an input error naming the file, since the
/// usual caller is checking something the user pointed at.
pub fn sha256_file(path: &Path) -> Result<String> {
    hash_file(path).map_err(|e| Error::input(path, e.to_string()))
}

fn hash_file(path: &Path) -> std::result::Result<String, ReadError> {
    let mut file = open_regular(path, Cap::Checkpoint)?;
    let mut hasher = Sha256::new();
    io::copy(&mut file, &mut hasher)?;
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    use fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The current time as RFC 3339 UTC with second precision.
///
/// Computed from `SystemTime` with the civil-calendar algorithm rather than a
/// date crate, because this is the only place the program needs a date.
pub fn utc_now_rfc3339() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    rfc3339_from_unix(secs)
}

/// Format seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ`.
fn rfc3339_from_unix(secs: u64) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Howard Hinnant's `civil_from_days`, for days since 1970-01-01 (non-negative).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097; // day of era, [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365], year starting 1 March
    let mp = (5 * doy + 2) / 153; // [0, 11], March = 0
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

/// A manifest file entry must stay inside the run folder, so that `verify`
/// on a downloaded run cannot be made to read arbitrary files.
fn is_safe_relative(name: &str) -> bool {
    !name.is_empty()
        && Path::new(name)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// Wall time as stored in manifests and run records: seconds, rounded to the
/// millisecond, so the files do not carry nanosecond noise that reads as
/// precision.
pub fn wall_time_s(elapsed: Duration) -> f64 {
    (elapsed.as_secs_f64() * 1000.0).round() / 1000.0
}

impl Manifest {
    /// A manifest for a run of this build, with no files recorded yet.
    ///
    /// Build facts come from compile time so they cannot drift from the
    /// binary; `config_toml` must be the *resolved* config text (after
    /// defaults and `--set`), since that is what determines the results.
    /// `wall_time_s` starts at 0 and `created_utc` at now: set `wall_time_s`
    /// when the run finishes, then add files with [`Manifest::add_file`].
    pub fn new_for_build(
        config_name: impl Into<String>,
        config_toml: &str,
        seed: u64,
        ticks: u32,
        threads: usize,
    ) -> Manifest {
        let build = build_info();
        Manifest {
            airace_version: build.version.to_string(),
            git_commit: build.git_commit.to_string(),
            rustc_version: build.rustc_version.to_string(),
            target: build.target.to_string(),
            maths: build.maths.to_string(),
            config_name: config_name.into(),
            config_hash: sha256_hex(config_toml.as_bytes()),
            seed,
            ticks,
            threads,
            files: BTreeMap::new(),
            wall_time_s: 0.0,
            created_utc: utc_now_rfc3339(),
            parent: None,
            overrides: Vec::new(),
            overlay_chain: Vec::new(),
            extra: BTreeMap::new(),
        }
    }

    /// Where the run's numbers come from, in one line for titles and chart
    /// subtitles: the root config, the overlays on it, the `--set`
    /// overrides, and the checkpoint it resumed from, e.g.
    /// "baseline + policy.us.friction=0.9" or "baseline + us_friction,
    /// resumed at tick 20 + 2 changes". More than [`SHOWN_OVERRIDES`]
    /// assignments in one list are counted ("+ 3 overrides"); the full lists
    /// stay in the manifest and the report.
    pub fn provenance(&self) -> String {
        let stem = |p: &str| {
            Path::new(p)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| p.to_string())
        };
        let mut s = match self.overlay_chain.split_last() {
            Some((root, overlays)) if !overlays.is_empty() => {
                let mut s = stem(root);
                for o in overlays.iter().rev() {
                    s.push_str(" + ");
                    s.push_str(&stem(o));
                }
                s
            }
            _ => self.config_name.clone(),
        };
        s.push_str(&listed(&self.overrides, "override"));
        if let Some(p) = &self.parent {
            s.push_str(&format!(", resumed at tick {}", p.tick));
            s.push_str(&listed(&p.changes, "change"));
        }
        s
    }

    /// True when the run is anything but its config file run as is: an
    /// overlay, `--set` overrides or a resume.
    pub fn has_provenance(&self) -> bool {
        self.overlay_chain.len() > 1 || !self.overrides.is_empty() || self.parent.is_some()
    }

    /// Hash `dir/name` and record it under `name` (relative, `/`-separated),
    /// after the file has been written in full.
    pub fn add_file(&mut self, dir: &Path, name: &str) -> Result<()> {
        if !is_safe_relative(name) {
            return Err(Error::input(
                &dir.join(name),
                "manifest entries must be paths inside the run folder (no `..`, no absolute paths)",
            ));
        }
        let hash = sha256_file(&dir.join(name))?;
        self.files.insert(name.to_string(), hash);
        Ok(())
    }

    /// The manifest as pretty JSON with a final newline; `path` names the
    /// file in the (unlikely) error. Where it goes is [`crate::layout`]'s business.
    pub fn to_json(&self, path: &Path) -> Result<Vec<u8>> {
        let mut json = serde_json::to_vec_pretty(self)
            .map_err(|e| Error::output(path, io::Error::other(e)))?;
        json.push(b'\n');
        Ok(json)
    }

    /// Parse a manifest's JSON text; `path` names the file in errors, which
    /// give the line and the key of a bad value (an input error, exit 2).
    pub fn from_json(text: &str, path: &Path) -> Result<Manifest> {
        let de = &mut serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let key = e.path().to_string();
            let inner = e.into_inner();
            let what = if key == "." {
                format!("malformed manifest: {inner}")
            } else {
                format!("malformed manifest: `{key}`: {inner}")
            };
            match inner.line() {
                0 => Error::input(path, what),
                line => Error::input_at(path, line as u64, what),
            }
        })
    }

    /// Names of recorded files that are missing from `dir` or whose SHA-256
    /// no longer matches, sorted; empty means the run folder is intact.
    ///
    /// Missing files are reported rather than raised because "what changed"
    /// is the answer `verify` needs; only unreadable files, or entries that
    /// point outside `dir`, are errors.
    pub fn verify_files(&self, dir: &Path) -> Result<Vec<String>> {
        let mut changed = Vec::new();
        for (name, expected) in &self.files {
            if !is_safe_relative(name) {
                return Err(Error::input(
                    dir,
                    format!(
                        "file entry `{name}` points outside the run folder",
                        name = crate::io::quote::quote(name)
                    ),
                ));
            }
            let path: PathBuf = dir.join(name);
            match hash_file(&path) {
                Ok(actual) if actual.eq_ignore_ascii_case(expected) => {}
                Ok(_) => changed.push(name.clone()),
                Err(ReadError::NotFound) => changed.push(name.clone()),
                Err(e) => return Err(Error::input(&path, e.to_string())),
            }
        }
        Ok(changed)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn wall_time_is_rounded_to_the_millisecond() {
        assert_eq!(wall_time_s(Duration::from_micros(1_234_567)), 1.235);
        assert_eq!(wall_time_s(Duration::from_micros(400)), 0.0);
        assert_eq!(wall_time_s(Duration::from_micros(600)), 0.001);
        assert_eq!(wall_time_s(Duration::from_secs(90)), 90.0);
    }

    /// A manifest with every optional part filled, shared with the layout tests.
    pub(crate) fn sample() -> Manifest {
        let mut m = Manifest::new_for_build("baseline", "[run]\nseed = 7\n", 7, 40, 4);
        m.wall_time_s = 1.25;
        m.parent = Some(ParentInfo {
            checkpoint: "output/base/tick-20.bin".into(),
            checkpoint_sha256: sha256_hex(b"ck"),
            tick: 20,
            changes: vec!["policy.export_controls=false".into()],
        });
        m.extra.insert("sweep_point".into(), "3".into());
        m
    }

    #[test]
    fn provenance_names_overlays_overrides_and_parent() {
        let mut m = Manifest::new_for_build("baseline", "", 7, 40, 1);
        assert_eq!(m.provenance(), "baseline");
        assert!(!m.has_provenance());
        m.overrides = vec!["policy.us.friction=0.9".into()];
        assert_eq!(m.provenance(), "baseline + policy.us.friction=0.9");
        m.config_name = "us_friction".into();
        m.overlay_chain = vec![
            "configs/scenarios/us_friction.toml".into(),
            "configs/scenarios/../baseline.toml".into(),
        ];
        assert_eq!(
            m.provenance(),
            "baseline + us_friction + policy.us.friction=0.9"
        );
        m.overrides = vec!["a=1".into(), "b=2".into(), "c=3".into()];
        assert_eq!(m.provenance(), "baseline + us_friction + 3 overrides");
        let mut s = sample();
        s.overlay_chain.clear();
        assert_eq!(
            s.provenance(),
            "baseline, resumed at tick 20 + policy.export_controls=false"
        );
        assert!(s.has_provenance());
    }

    #[test]
    fn old_manifests_without_provenance_still_read() {
        let m = sample();
        let mut v: serde_json::Value =
            serde_json::from_slice(&m.to_json(Path::new("m.json")).unwrap()).unwrap();
        let obj = v.as_object_mut().unwrap();
        obj.remove("overrides");
        obj.remove("overlay_chain");
        let back = Manifest::from_json(&v.to_string(), Path::new("m.json")).unwrap();
        assert!(back.overrides.is_empty() && back.overlay_chain.is_empty());
    }

    #[test]
    fn sha256_known_vector() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn sha256_file_matches_bytes_and_names_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.csv");
        fs::write(&p, b"abc").unwrap();
        assert_eq!(sha256_file(&p).unwrap(), sha256_hex(b"abc"));
        let err = sha256_file(&dir.path().join("nope.csv")).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("nope.csv"), "{err}");
    }

    #[test]
    fn rfc3339_formatting() {
        assert_eq!(rfc3339_from_unix(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_from_unix(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_from_unix(1_709_251_199), "2024-02-29T23:59:59Z");
        assert_eq!(rfc3339_from_unix(1_798_761_600), "2027-01-01T00:00:00Z");
        assert_eq!(rfc3339_from_unix(4_107_542_400), "2100-03-01T00:00:00Z");
        let now = utc_now_rfc3339();
        assert_eq!(now.len(), 20, "{now}");
        assert!(now.ends_with('Z') && now.as_bytes()[10] == b'T', "{now}");
    }

    #[test]
    fn build_info_is_filled() {
        let b = build_info();
        assert_eq!(b.version, env!("CARGO_PKG_VERSION"));
        assert!(!b.git_commit.is_empty() && !b.rustc_version.is_empty() && !b.target.is_empty());
        assert!(b.rustc_version.starts_with("rustc") || b.rustc_version == "unknown");
        assert!(LONG_VERSION.starts_with(b.version));
        assert!(b.to_string().contains(b.target));
    }

    #[test]
    fn verify_reports_changed_and_missing_files() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("charts")).unwrap();
        fs::write(dir.path().join("timeseries.csv"), "tick\n0\n").unwrap();
        fs::write(dir.path().join("charts/a.png"), "png").unwrap();
        fs::write(dir.path().join("config.toml"), "x = 1\n").unwrap();
        let mut m = sample();
        for name in ["timeseries.csv", "charts/a.png", "config.toml"] {
            m.add_file(dir.path(), name).unwrap();
        }
        assert!(m.verify_files(dir.path()).unwrap().is_empty());

        fs::write(dir.path().join("timeseries.csv"), "tick\n1\n").unwrap();
        fs::remove_file(dir.path().join("charts/a.png")).unwrap();
        assert_eq!(
            m.verify_files(dir.path()).unwrap(),
            vec!["charts/a.png", "timeseries.csv"]
        );
    }

    #[test]
    fn entries_outside_the_run_folder_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut m = sample();
        assert_eq!(m.add_file(dir.path(), "../x").unwrap_err().exit_code(), 2);
        m.files.insert("/etc/passwd".into(), sha256_hex(b""));
        let err = m.verify_files(dir.path()).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("/etc/passwd"), "{err}");
    }
}
