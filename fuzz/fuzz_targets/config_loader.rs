//! Config text (no `base`) through parse, `--set`-style typing and validation: Err, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = airace::config::from_str(text, "fuzz.toml");
    }
});
