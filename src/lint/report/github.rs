//! `--format github`: GitHub Actions workflow commands
//! (`::warning file=…,line=…::message`), which the runner turns into
//! annotations on the pull request. Escaping follows `@actions/core`: `%`,
//! CR and LF in the message; additionally `:` and `,` in property values.
//! The runner keeps only a few annotations of each kind per step, so SARIF
//! or reviewdog suit large reports better.

use std::io::Write;

use super::{end_on_last_line, findings_with_lines};
use crate::lint::finding::{Report, Severity};

pub(super) fn render(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    for (file, lines, f) in findings_with_lines(report) {
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info | Severity::Style => "notice",
        };
        let mut message = f.message.clone();
        if let Some(help) = &f.help {
            message.push_str("\n\nhelp: ");
            message.push_str(help);
        }
        let end = end_on_last_line(&lines, &f.range);
        writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(&file.path),
            f.range.start.line,
            f.range.start.column,
            end.0,
            end.1,
            escape_property(&format!("{} {}", f.rule, f.name)),
            escape_data(&message),
        )?;
    }
    Ok(())
}

/// Escapes a command's message.
fn escape_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a command's property value.
fn escape_property(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' => out.push_str("%3A"),
            ',' => out.push_str("%2C"),
            c => out.push(c),
        }
    }
    out
}
