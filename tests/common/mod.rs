//! Helpers shared by the integration tests (each test file includes this
//! module with `mod common;`, so not every helper is used by every file).
#![allow(dead_code)]

use assert_cmd::Command;

/// The `airace` binary built by cargo for these tests.
pub fn airace() -> Command {
    Command::cargo_bin("airace").expect("the airace binary is built for integration tests")
}
