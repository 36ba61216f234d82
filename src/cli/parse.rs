//! `msmigrate parse`: show how BuildKit reads a Dockerfile.

use std::io::Write;
use std::path::PathBuf;

use miette::IntoDiagnostic;
use msmigrate::dockerfile::{self, Dockerfile, Instruction, dump};

use super::Outcome;

/// Parse a Dockerfile the way BuildKit does and print its syntax tree.
///
/// The JSON form is one object per instruction with the fields cmd, sub_cmd,
/// json, original, start_line, end_line, flags, value and heredocs, and is
/// what conformance checks against BuildKit's own parser compare. A file
/// BuildKit would reject is an error (exit 2) pointing at the offending line.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  msmigrate parse Dockerfile\n  msmigrate parse --format json Dockerfile | jq '.[] | select(.cmd == \"run\") | .value'\n  cat Dockerfile | msmigrate parse -"
)]
pub struct Args {
    /// The Dockerfile to read (`-` for standard input).
    file: PathBuf,

    /// Output format: `text` for people, `json` for tools.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

pub fn run(args: Args) -> miette::Result<Outcome> {
    let bytes = super::output::read_input(&args.file)?;
    let text = String::from_utf8_lossy(&bytes);
    let parsed = dockerfile::parse(&text).map_err(|e| {
        miette::Report::new(e.to_diagnostic(&args.file.display().to_string(), &text))
    })?;
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &dump::dump(&parsed)).into_diagnostic()?;
            writeln!(out).into_diagnostic()?;
        }
        Format::Text => write_tree(&mut out, &parsed).into_diagnostic()?,
    }
    Ok(Outcome::Clean)
}

fn write_tree(out: &mut impl Write, file: &Dockerfile) -> std::io::Result<()> {
    writeln!(out, "escape {:?}", file.escape)?;
    for d in &file.directives {
        writeln!(out, "directive {}={}", d.name, d.value)?;
    }
    for w in &file.warnings {
        let line = file.source[..w.span.start].matches('\n').count() + 1;
        writeln!(out, "warning line {line}: {}", w.message)?;
    }
    for i in &file.instructions {
        let lines = if i.start_line == i.end_line {
            format!("{}", i.start_line)
        } else {
            format!("{}-{}", i.start_line, i.end_line)
        };
        writeln!(out, "{lines:<7} {}", i.name.to_uppercase())?;
        write_instruction(out, i, 8)?;
    }
    Ok(())
}

fn write_instruction(out: &mut impl Write, i: &Instruction, indent: usize) -> std::io::Result<()> {
    let pad = " ".repeat(indent);
    for f in &i.flags {
        writeln!(out, "{pad}flag  {}", f.text)?;
    }
    if i.json {
        writeln!(out, "{pad}exec form")?;
    }
    if let Some(sub) = &i.onbuild {
        writeln!(out, "{pad}{}", sub.name.to_uppercase())?;
        return write_instruction(out, sub, indent + 2);
    }
    for a in &i.args {
        writeln!(out, "{pad}arg   {:?}", a.text)?;
    }
    for h in &i.heredocs {
        let kind = match (h.chomp, h.expand) {
            (true, true) => "<<-, expanded",
            (true, false) => "<<-, quoted",
            (false, true) => "<<, expanded",
            (false, false) => "<<, quoted",
        };
        writeln!(
            out,
            "{pad}heredoc {} (fd {}, {kind}, {} lines)",
            h.name,
            h.file_descriptor,
            h.content.lines().count()
        )?;
    }
    Ok(())
}
