//! Helpers shared by the integration tests (each test file includes this
//! module with `mod common;`, so not every helper is used by every file).
#![allow(dead_code)]

use assert_cmd::Command;

/// The `airace` binary built by cargo for these tests.
pub fn airace() -> Command {
    Command::cargo_bin("airace").expect("the airace binary is built for integration tests")
}

/// Every record line under `dir/records/` that parses, as (run id, the line),
/// in file-name then line order: what a sweep or scenario set recorded about
/// its runs (several lines for a run mean it was computed more than once).
pub fn record_lines(dir: &std::path::Path) -> Vec<(String, String)> {
    let mut files: Vec<_> = std::fs::read_dir(dir.join("records"))
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        for line in text.lines() {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(line) {
                if let Some(id) = v["run_id"].as_str() {
                    out.push((id.to_string(), line.to_string()));
                }
            }
        }
    }
    out
}

/// Finished runs: run id → its record line (the last one, if several), for
/// records that hold outcomes.
pub fn finished_records(dir: &std::path::Path) -> std::collections::BTreeMap<String, String> {
    record_lines(dir)
        .into_iter()
        .filter(|(_, line)| line.contains("\"outcomes\":"))
        .collect()
}

/// Each finished run's outcomes (run id → outcome JSON), without the wall
/// time and timestamp every record carries: what two executions of the same
/// runs must agree on byte for byte.
pub fn recorded_outcomes(dir: &std::path::Path) -> std::collections::BTreeMap<String, String> {
    finished_records(dir)
        .into_iter()
        .map(|(id, line)| {
            let v: serde_json::Value = serde_json::from_str(&line).expect("parsed above");
            (id, v["outcomes"].to_string())
        })
        .collect()
}

/// Make a sweep forget run `id`, as if it never ran: drop its record lines
/// and its run folder.
pub fn forget_run(dir: &std::path::Path, id: &str) {
    let records = dir.join("records");
    for e in std::fs::read_dir(&records)
        .expect("records folder")
        .flatten()
    {
        let text = std::fs::read_to_string(e.path()).expect("read a record log");
        let kept: String = text
            .lines()
            .filter(|l| {
                serde_json::from_str::<serde_json::Value>(l)
                    .map_or(true, |v| v["run_id"].as_str() != Some(id))
            })
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(e.path(), kept).expect("rewrite a record log");
    }
    let _ = std::fs::remove_dir_all(dir.join("runs").join(id));
}
