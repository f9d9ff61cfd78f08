//! Regenerate the parameter table of `docs/odd.md` from the config schema, the shipped
//! configs and `docs/calibration.md`:
//!
//! ```text
//! cargo run --example odd_table
//! ```
//!
//! The test `odd_parameter_table_is_fresh` (tests/validate.rs) fails until this is run
//! after a change to the schema, the configs or the calibration page.

fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    match airace::validate::odd::update(root) {
        Ok(true) => println!("docs/odd.md: parameter table regenerated"),
        Ok(false) => println!("docs/odd.md: parameter table already up to date"),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(e.exit_code() as i32);
        }
    }
}
