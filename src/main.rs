//! The `msmigrate` binary: parses the command line, runs the command and maps
//! its outcome to an exit code (0 clean, 1 findings or differences, 2 error).

mod cli;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // RUN's sandbox helper: a re-execution of this binary, before clap.
    use msmigrate::builder::sandbox;
    if std::env::args_os().nth(1).as_deref() == Some(std::ffi::OsStr::new(sandbox::HELPER_ARG)) {
        sandbox::helper_main();
    }
    // Invoked as `docker` (a symlink verify puts on a legacy script's PATH).
    if std::env::args_os().next().is_some_and(|a| {
        std::path::Path::new(&a).file_name() == Some(std::ffi::OsStr::new("docker"))
    }) {
        return msmigrate::verify::shim::main();
    }
    let args = cli::Cli::parse();
    cli::output::init(args.color);
    match cli::run(args) {
        Ok(cli::Outcome::Clean) => ExitCode::from(0),
        Ok(cli::Outcome::Findings) => ExitCode::from(1),
        Err(report) if cli::output::is_broken_pipe(&report) => ExitCode::from(0),
        Err(report) => {
            // Not eprintln!: a closed stderr must not turn an error into a panic.
            let _ = writeln!(std::io::stderr(), "{report:?}");
            if sandbox::interrupted() {
                // The shell's convention for a command ended by Ctrl-C.
                return ExitCode::from(130);
            }
            ExitCode::from(2)
        }
    }
}
