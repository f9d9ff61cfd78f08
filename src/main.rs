//! The `airace` binary: [`cli::main`] parses the command line, calls the
//! library and maps errors to exit codes. The command-line layer lives in
//! the binary, not the library, so the library cannot depend on it.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
