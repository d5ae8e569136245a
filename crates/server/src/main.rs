//! `mtasts`: the MTA-STS checker's native binary. See `../shared/DESIGN.md` for the
//! command-line contract (output shapes and exit statuses are stable).

use std::process::ExitCode;

use clap::Parser as _;

mod cli;

fn main() -> ExitCode {
    let args = match cli::Cli::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(usage_status(&e));
        }
    };
    ExitCode::from(cli::run(args))
}

/// Help and version exit 0. A usage error exits 2, except for `check`, whose 2 means "red":
/// there a command line that cannot run is 3, as every check that could not run is.
fn usage_status(e: &clap::Error) -> u8 {
    if e.exit_code() == 0 {
        return 0;
    }
    let command = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    if command.as_deref() == Some("check") {
        cli::check::CANNOT_RUN
    } else {
        2
    }
}
