//! Config text (no `base`) through parse, `--set`-style typing and validation: Err, never panic.
//! The body lives in ../targets.rs, which tests/fuzz_inputs.rs also runs on stable.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../targets.rs"]
mod targets;
use targets::*;

fuzz_target!(|data: &[u8]| config_loader(data));
