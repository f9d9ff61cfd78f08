//! The crate's dependency rule (docs/architecture.md), checked on the source:
//! imports between the top-level modules of `src/` point one way. A cycle
//! means two modules can only be understood (and changed) together, which is
//! what the layering exists to prevent. `scripts/check-layers.sh` checks the
//! other two rules (clap only under `src/cli/`, no file over 900 lines).
//!
//! An edge `a -> b` is any `crate::b` path in a non-comment line of a file of
//! module `a` (test modules included: test code is code too).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Top-level modules of the library: `src/x.rs` and `src/x/`, minus the binary's.
fn top_modules(src: &Path) -> BTreeSet<String> {
    fs::read_dir(src)
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let stem = name.strip_suffix(".rs").unwrap_or(&name).to_string();
            (!matches!(stem.as_str(), "main" | "lib" | "cli")).then_some(stem)
        })
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module paths a line names after `crate::`, including grouped imports
/// (`use crate::{a, b::c}` names `a` and `b`).
fn named_modules(line: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (i, _) in line.match_indices("crate::") {
        let rest = &line[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = group.split('}').next().unwrap_or("");
            for item in group.split(',') {
                let head = item.trim().split("::").next().unwrap_or("");
                found.push(head.trim().to_string());
            }
        } else {
            let head: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            found.push(head);
        }
    }
    found
}

/// The module graph: for each module, the modules it imports and from which files.
fn graph(src: &Path) -> BTreeMap<String, BTreeMap<String, BTreeSet<String>>> {
    let modules = top_modules(src);
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut g: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for file in files {
        let rel = file
            .strip_prefix(src)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let first = rel.split('/').next().unwrap();
        let from = first.strip_suffix(".rs").unwrap_or(first).to_string();
        if !modules.contains(&from) {
            continue;
        }
        let text = fs::read_to_string(&file).unwrap();
        for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
            for to in named_modules(line) {
                if to != from && modules.contains(&to) {
                    g.entry(from.clone())
                        .or_default()
                        .entry(to)
                        .or_default()
                        .insert(rel.clone());
                }
            }
        }
    }
    g
}

/// A cycle through `start`, if there is one (depth-first search).
fn cycle_through(
    g: &BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
    start: &str,
) -> Option<Vec<String>> {
    fn walk(
        g: &BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
        start: &str,
        at: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        for next in g.get(at).into_iter().flat_map(|m| m.keys()) {
            if next == start {
                path.push(next.clone());
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(g, start, next, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![start.to_string()];
    let mut seen = BTreeSet::new();
    walk(g, start, start, &mut path, &mut seen).then_some(path)
}

#[test]
fn no_import_cycle_between_top_level_modules() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let g = graph(&src);
    let mut report = Vec::new();
    for module in top_modules(&src) {
        if let Some(cycle) = cycle_through(&g, &module) {
            let edges: Vec<String> = cycle
                .windows(2)
                .map(|w| format!("{} -> {} (in {:?})", w[0], w[1], g[&w[0]][&w[1]]))
                .collect();
            report.push(edges.join("\n  "));
        }
    }
    assert!(
        report.is_empty(),
        "import cycles:\n  {}",
        report.join("\n\n  ")
    );
}

/// The checker itself can fail: a planted two-module cycle is found.
#[test]
fn the_cycle_check_finds_a_planted_cycle() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    fs::write(src.join("lib.rs"), "pub mod a;\npub mod b;\n").unwrap();
    fs::write(src.join("a.rs"), "use crate::{b::Thing, c};\n").unwrap();
    fs::create_dir(src.join("b")).unwrap();
    fs::write(
        src.join("b/mod.rs"),
        "// crate::a in a comment is no edge\n",
    )
    .unwrap();
    fs::write(src.join("c.rs"), "").unwrap();
    assert!(cycle_through(&graph(src), "a").is_none());
    fs::write(src.join("b/inner.rs"), "fn f() { crate::a::g() }\n").unwrap();
    assert_eq!(cycle_through(&graph(src), "a").unwrap(), ["a", "b", "a"]);
    assert!(cycle_through(&graph(src), "c").is_none());
}
