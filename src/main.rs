//! The `alssim` command line. Thin: parses arguments, calls the library, and turns errors into
//! messages and exit codes (never a backtrace for a user mistake).

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
