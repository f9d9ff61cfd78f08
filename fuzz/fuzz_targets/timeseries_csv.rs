//! The CSV reader used by `plot` and `merge`: Err, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = airace::io::timeseries::Timeseries::parse(&text, std::path::Path::new("fuzz.csv"));
});
