//! Build script: records how this binary was built, so every run manifest can
//! say which code produced it.
//!
//! It sets three compile-time variables read by `io::manifest`:
//! `AIRACE_RUSTC_VERSION`, `AIRACE_TARGET` and `AIRACE_GIT_COMMIT`.
//! It must never fail the build: building from a tarball, without git, or in a
//! sandbox that forbids running git all give "unknown" instead of an error.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

const UNKNOWN: &str = "unknown";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    // Lets packagers building outside a checkout supply the commit themselves.
    println!("cargo:rerun-if-env-changed=AIRACE_GIT_COMMIT");

    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let rustc_version = run(Command::new(rustc).arg("--version")).unwrap_or_else(|| UNKNOWN.into());
    let target = env::var("TARGET").unwrap_or_else(|_| UNKNOWN.into());

    let manifest_dir =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap_or_else(|| ".".into()));
    let commit = env::var("AIRACE_GIT_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(|| git(&manifest_dir, &["rev-parse", "HEAD"]))
        .unwrap_or_else(|| UNKNOWN.into());

    for path in git_watch_paths(&manifest_dir) {
        println!("cargo:rerun-if-changed={}", path.display());
    }

    println!(
        "cargo:rustc-env=AIRACE_RUSTC_VERSION={}",
        one_line(&rustc_version)
    );
    println!("cargo:rustc-env=AIRACE_TARGET={}", one_line(&target));
    println!("cargo:rustc-env=AIRACE_GIT_COMMIT={}", one_line(&commit));
}

/// Run a command; its trimmed stdout if it succeeded and printed something.
fn run(cmd: &mut Command) -> Option<String> {
    let out = cmd.output().ok().filter(|o| o.status.success())?;
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// Run `git <args>` in `dir`, if git is installed and `dir` is in a repository.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    run(Command::new("git").arg("-C").arg(dir).args(args))
}

/// The files whose change means HEAD may point at a different commit.
///
/// Asking git for the folders handles worktrees (where `.git` is a file); the
/// plain `.git/…` paths are the fallback when git itself cannot run. Only
/// existing paths are listed: a missing path would make cargo rerun the
/// script on every build.
fn git_watch_paths(manifest_dir: &Path) -> Vec<PathBuf> {
    let resolve = |p: String| {
        let p = PathBuf::from(p);
        if p.is_absolute() {
            p
        } else {
            manifest_dir.join(p)
        }
    };
    let git_dir = git(manifest_dir, &["rev-parse", "--git-dir"]).map(resolve);
    let common_dir = git(manifest_dir, &["rev-parse", "--git-common-dir"]).map(resolve);
    let fallback = manifest_dir.join(".git");
    let git_dir = git_dir.unwrap_or_else(|| fallback.clone());
    let common_dir = common_dir.unwrap_or(fallback);

    let candidates = [
        git_dir.join("HEAD"),
        common_dir.join("refs"),
        common_dir.join("packed-refs"),
    ];
    let mut paths: Vec<PathBuf> = Vec::new();
    for p in candidates {
        if p.exists() && !paths.contains(&p) {
            paths.push(p);
        }
    }
    paths
}

/// `cargo:rustc-env` values must fit on one line.
fn one_line(s: &str) -> String {
    s.lines().next().unwrap_or(UNKNOWN).trim().to_string()
}
