//! `mtasts`: the MTA-STS checker's native binary. See `../shared/DESIGN.md` for the
//! command-line contract (output shapes and exit statuses are stable).

use std::process::ExitCode;

use clap::Parser;

mod cli;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    ExitCode::from(cli::run(args))
}
