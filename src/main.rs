//! The `airace` binary: everything happens in [`airace::cli::main`], which
//! parses the command line, calls the library and maps errors to exit codes.

fn main() -> std::process::ExitCode {
    airace::cli::main()
}
