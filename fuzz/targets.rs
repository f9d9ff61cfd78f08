//! The bodies of the fuzz targets, shared by the libFuzzer binaries in
//! `fuzz_targets/` (nightly, `cargo fuzz run NAME`) and by `tests/fuzz_inputs.rs`
//! (stable proptest, every `cargo test`), so an API change that would break a
//! fuzz target breaks the ordinary build instead of rotting unseen.
//!
//! Each takes arbitrary bytes and must return without panicking.

/// Config text (no `base`) through parse, `--set`-style typing and validation.
pub fn config_loader(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = airace::config::from_str(text, "fuzz.toml");
    }
}

/// Sweep files through `parse_sweep`.
pub fn sweep_loader(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let origin = std::path::Path::new("configs/sweeps/fuzz.toml");
        let _ = airace::sweep::spec::parse_sweep(text, origin);
    }
}

/// The CSV reader used by `plot` and `merge`.
pub fn timeseries_csv(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = airace::io::timeseries::Timeseries::parse(&text, std::path::Path::new("fuzz.csv"));
}
