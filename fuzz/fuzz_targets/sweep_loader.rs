//! Sweep files through `parse_sweep`: Err, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let origin = std::path::Path::new("configs/sweeps/fuzz.toml");
        let _ = airace::sweep::spec::parse_sweep(text, origin);
    }
});
