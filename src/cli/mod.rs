//! The command line: one file per subcommand, each turning its arguments into
//! library calls and printing the result.

mod build;
mod convert;
mod image;
mod lint;
pub mod output;
mod parse;
mod rule;
mod verify;
mod writes;

use clap::{Parser, Subcommand};

/// What a command found, mapped to the exit code by `main`.
pub enum Outcome {
    /// Nothing to report: exit 0.
    Clean,
    /// Findings or differences were reported: exit 1.
    Findings,
}

/// Migrate Docker builder-pattern setups (Dockerfile.build + a script that
/// runs `docker cp`) to one multi-stage Dockerfile, lint Dockerfiles for
/// bloat, and verify the migration.
#[derive(Parser)]
#[command(
    name = "msmigrate",
    version,
    after_help = "Exit codes:\n  0  success, nothing found\n  1  findings or differences were reported\n  2  usage error, invalid input or I/O error",
    max_term_width = 100
)]
pub struct Cli {
    /// When to color output: auto (default: when writing to a terminal and
    /// NO_COLOR is unset), always or never.
    #[arg(long, global = true, value_enum, default_value_t = output::Color::Auto)]
    pub color: output::Color,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Convert(convert::Args),
    Build(build::Args),
    Image(image::Args),
    Lint(lint::Args),
    Rule(rule::Args),
    Parse(parse::Args),
    Verify(verify::Args),
}

/// Runs the chosen command.
pub fn run(cli: Cli) -> miette::Result<Outcome> {
    match cli.command {
        Command::Convert(args) => convert::run(args),
        Command::Build(args) => build::run(args),
        Command::Image(args) => image::run(args),
        Command::Lint(args) => lint::run(args, cli.color),
        Command::Rule(args) => rule::run(args),
        Command::Parse(args) => parse::run(args),
        Command::Verify(args) => verify::run(args),
    }
}
