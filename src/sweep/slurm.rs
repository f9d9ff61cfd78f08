//! Slurm job arrays: one sweep shard per array task, then a merge job.
//!
//! The scripts call this very binary by absolute path with absolute sweep
//! and output paths, so they work from whatever folder Slurm starts them
//! in. The merge job depends on the array with `afterany`, not `afterok`:
//! a failed shard should still produce a summary that names the failed and
//! missing runs (the merge then exits 1), instead of leaving the merge job
//! pending forever with an unsatisfiable dependency.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{Error, Result};
use crate::io::atomic::write_atomic;

use crate::layout::SLURM_LOGS;
pub use crate::layout::{SLURM_ARRAY_SCRIPT as ARRAY_SCRIPT, SLURM_MERGE_SCRIPT as MERGE_SCRIPT};

/// Quote a string for a POSIX shell (single quotes; `'` becomes `'\''`).
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Everything the two scripts need.
pub struct Scripts {
    /// Absolute path of the airace binary.
    pub exe: PathBuf,
    /// Absolute path of the sweep file.
    pub sweep: PathBuf,
    /// Absolute sweep output folder.
    pub out: PathBuf,
    /// Sweep name (job names).
    pub name: String,
    /// Array tasks = shards.
    pub tasks: usize,
}

impl Scripts {
    /// The job-array script: task K runs shard K/N.
    pub fn array_script(&self) -> String {
        let q = |p: &Path| shell_quote(&p.display().to_string());
        let log = self.out.join(SLURM_LOGS).join("task-%A_%a.out");
        format!(
            "#!/bin/bash\n\
             # Written by `airace slurm`: one sweep shard per array task.\n\
             #SBATCH --job-name=airace-{name}\n\
             #SBATCH --array=1-{n}\n\
             #SBATCH --output={log}\n\
             set -euo pipefail\n\
             exec {exe} sweep {sweep} --out {out} --shard \"${{SLURM_ARRAY_TASK_ID}}/{n}\" --quiet\n",
            name = self.name,
            n = self.tasks,
            log = log.display(),
            exe = q(&self.exe),
            sweep = q(&self.sweep),
            out = q(&self.out),
        )
    }

    /// The merge script, run after the array.
    pub fn merge_script(&self) -> String {
        let q = |p: &Path| shell_quote(&p.display().to_string());
        let log = self.out.join(SLURM_LOGS).join("merge-%j.out");
        format!(
            "#!/bin/bash\n\
             # Written by `airace slurm`: summary, charts and report once every shard ran.\n\
             #SBATCH --job-name=airace-{name}-merge\n\
             #SBATCH --output={log}\n\
             set -euo pipefail\n\
             exec {exe} merge {out}\n",
            name = self.name,
            log = log.display(),
            exe = q(&self.exe),
            out = q(&self.out),
        )
    }

    /// Write both scripts and create `slurm/` for the logs (Slurm does not).
    pub fn write(&self) -> Result<()> {
        let logs = self.out.join(SLURM_LOGS);
        std::fs::create_dir_all(&logs).map_err(|e| Error::output(&logs, e))?;
        write_atomic(&self.out.join(ARRAY_SCRIPT), self.array_script().as_bytes())?;
        write_atomic(&self.out.join(MERGE_SCRIPT), self.merge_script().as_bytes())
    }
}

/// Submit the array, then the merge depending on it; returns both job ids.
pub fn submit(out: &Path, extra: &[String]) -> Result<(String, String)> {
    let array = sbatch(extra, &[], &out.join(ARRAY_SCRIPT))?;
    let dep = format!("--dependency=afterany:{array}");
    let merge = sbatch(extra, &[dep], &out.join(MERGE_SCRIPT))?;
    Ok((array, merge))
}

fn sbatch(extra: &[String], more: &[String], script: &Path) -> Result<String> {
    let output = Command::new("sbatch")
        .arg("--parsable")
        .args(more)
        .args(extra)
        .arg(script)
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::Usage(format!(
                "sbatch not found on PATH; the scripts are written in {}, submit them from a \
                 Slurm login node (`sbatch {}`)",
                script
                    .parent()
                    .map_or(String::new(), |p| p.display().to_string()),
                script.display()
            )),
            _ => Error::Failed(format!("cannot run sbatch: {e}")),
        })?;
    if !output.status.success() {
        return Err(Error::Failed(format!(
            "sbatch {} failed ({}): {}",
            script.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    // `--parsable` prints `jobid` or `jobid;cluster`.
    let text = String::from_utf8_lossy(&output.stdout);
    let id = text.trim().split(';').next().unwrap_or("").to_string();
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
        return Err(Error::Failed(format!(
            "sbatch printed no job id: `{}`",
            text.trim()
        )));
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_name_absolute_paths_and_shards() {
        let s = Scripts {
            exe: "/opt/air race/airace".into(),
            sweep: "/w/s.toml".into(),
            out: "/w/o".into(),
            name: "s".into(),
            tasks: 3,
        };
        let a = s.array_script();
        assert!(a.contains("#SBATCH --array=1-3\n"), "{a}");
        assert!(a.contains("'/opt/air race/airace' sweep '/w/s.toml' --out '/w/o' --shard \"${SLURM_ARRAY_TASK_ID}/3\""), "{a}");
        assert!(s.merge_script().contains("merge '/w/o'"));
        assert_eq!(shell_quote("a'b"), r"'a'\''b'");
    }
}
