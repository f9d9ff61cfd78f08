//! Fuzzing in CI: arbitrary and mutated input to every parser a user can feed
//! a file to must give a clean `Err` (or, for a mutation that happens to stay
//! valid, an `Ok`), never a panic.
//!
//! The libFuzzer targets under `fuzz/` (nightly only, never built in CI) share
//! their bodies with this file: `fuzz/targets.rs` is compiled here too and run on
//! arbitrary bytes, so a change that would break a fuzz target breaks `cargo test`.
//! This proptest version runs on stable in every `cargo test`. Raise `PROPTEST_CASES` for a
//! longer session (the issue note records how long and what it found).

use std::path::Path;

use airace::checkpoint::format as checkpoint;
use airace::checkpoint::{CheckpointState, STATE_SCHEMA};
use airace::config;
use airace::io::timeseries::Timeseries;
use airace::sweep::spec::parse_sweep;
use proptest::prelude::*;
use serde::ser::{SerializeTuple, Serializer};

/// The fuzz targets' bodies (see `fuzz/targets.rs`).
#[path = "../fuzz/targets.rs"]
mod targets;

fn repo(p: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

fn read(p: &str) -> String {
    std::fs::read_to_string(repo(p)).expect("fixture")
}

/// Bytes that serialise as themselves (a tuple of u8 has no length prefix),
/// so a checkpoint can be built around an arbitrary payload with a valid
/// header and checksum, reaching the payload decoder rather than the checksum.
struct Raw(Vec<u8>);

impl serde::Serialize for Raw {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut t = s.serialize_tuple(self.0.len())?;
        for b in &self.0 {
            t.serialize_element(b)?;
        }
        t.end()
    }
}

/// Apply byte edits (position, new byte) and a truncation to `base`.
fn mutate(base: &[u8], edits: &[(usize, u8)], keep: usize) -> Vec<u8> {
    let mut v = base.to_vec();
    for &(i, b) in edits {
        if !v.is_empty() {
            let n = v.len();
            v[i % n] = b;
        }
    }
    v.truncate(keep.max(1));
    v
}

/// A valid TOML-ish mutation: replace one `= value` right-hand side with a hostile literal.
fn hostile_literal() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "-1",
        "1e308",
        "-1e308",
        "nan",
        "inf",
        "-inf",
        "0",
        "18446744073709551615",
        "9223372036854775807",
        "\"\"",
        "[]",
        "{}",
        "true",
        "\"x\"",
        "1.5",
        "-0.0",
        "[1, 2]",
        "{ a = 1 }",
        "2026-01-01",
    ])
    .prop_map(str::to_string)
}

fn replace_nth_value(text: &str, n: usize, lit: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let candidates: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].contains(" = ") && !lines[i].trim_start().starts_with('#'))
        .collect();
    if candidates.is_empty() {
        return text.to_string();
    }
    let i = candidates[n % candidates.len()];
    let mut out: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
    let key = out[i].split(" = ").next().unwrap_or("").to_string();
    out[i] = format!("{key} = {lit}");
    out.join("\n")
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(64)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn config_loader_never_panics_on_arbitrary_text(s in ".{0,400}") {
        prop_assert!(config::from_str(&s, "fuzz.toml").is_err());
    }

    #[test]
    fn config_loader_never_panics_on_mutated_baseline(
        edits in prop::collection::vec((any::<usize>(), any::<u8>()), 0..4),
        keep in any::<usize>(),
        n in any::<usize>(),
        lit in hostile_literal(),
    ) {
        let base = read("configs/baseline.toml");
        let text = replace_nth_value(&base, n, &lit);
        let keep = if keep % 4 == 0 { keep % text.len() } else { text.len() };
        let bytes = mutate(text.as_bytes(), &edits, keep);
        let _ = config::from_str(&String::from_utf8_lossy(&bytes), "fuzz.toml");
    }

    #[test]
    fn sweep_loader_never_panics(
        s in ".{0,400}",
        n in any::<usize>(),
        lit in hostile_literal(),
        edits in prop::collection::vec((any::<usize>(), any::<u8>()), 0..3),
    ) {
        let origin = repo("configs/sweeps/fuzz.toml");
        prop_assert!(parse_sweep(&s, &origin).is_err());
        let base = read("configs/sweeps/tiny_grid.toml");
        let text = replace_nth_value(&base, n, &lit);
        let bytes = mutate(text.as_bytes(), &edits, text.len());
        let _ = parse_sweep(&String::from_utf8_lossy(&bytes), &origin);
    }

    #[test]
    fn timeseries_reader_never_panics(
        s in "(tick,period,scope,metric,value\n)?[0-9a-zA-Z,.\\-+eE\n\r ]{0,300}",
        bytes in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        let origin = Path::new("fuzz.csv");
        let _ = Timeseries::parse(&s, origin);
        let _ = Timeseries::parse(&String::from_utf8_lossy(&bytes), origin);
    }

    #[test]
    fn the_libfuzzer_targets_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        targets::config_loader(&bytes);
        targets::sweep_loader(&bytes);
        targets::timeseries_csv(&bytes);
    }

    #[test]
    fn checkpoint_decoder_never_panics(
        bytes in prop::collection::vec(any::<u8>(), 0..400),
        payload in prop::collection::vec(any::<u8>(), 0..400),
    ) {
        let origin = Path::new("fuzz.bin");
        prop_assert!(checkpoint::decode::<CheckpointState>(&bytes, STATE_SCHEMA, origin).is_err());
        let wrapped = checkpoint::encode(&Raw(payload), STATE_SCHEMA).expect("encode raw");
        let _ = checkpoint::decode::<CheckpointState>(&wrapped, STATE_SCHEMA, origin);
    }
}

/// A real checkpoint with its payload mutated behind a valid header.
#[test]
fn mutated_real_checkpoints_never_panic() {
    let path = repo("configs/tiny.toml");
    let sets = ["firms.count=50".to_string(), "run.ticks=2".to_string()];
    let cfg = config::load(&path, &sets).expect("tiny loads").config;
    let mut sim = airace::simulation::Simulation::new(cfg.clone());
    sim.step().expect("one tick");
    let state = CheckpointState {
        config_toml: config::to_toml(&cfg),
        world: sim.world.clone(),
        rows_csv: sim.timeseries.to_csv_string(),
    };
    let payload = bincode::serde::encode_to_vec(&state, bincode::config::standard()).unwrap();
    let origin = Path::new("fuzz.bin");
    proptest!(ProptestConfig { cases: cases(), ..ProptestConfig::default() },
        |(edits in prop::collection::vec((any::<usize>(), any::<u8>()), 1..4), cut in any::<bool>(), keep in any::<usize>())| {
        let keep = if cut { keep % payload.len() } else { payload.len() };
        let p = mutate(&payload, &edits, keep);
        let wrapped = checkpoint::encode(&Raw(p), STATE_SCHEMA).expect("encode raw");
        let _ = checkpoint::decode::<CheckpointState>(&wrapped, STATE_SCHEMA, origin);
    });
}
