//! `--format markdown`: a pull-request comment. A heading with the counts,
//! one table row per finding linking the rule's docs, and the help of each
//! finding folded away in a `<details>` block so the comment stays short.

use std::io::Write;

use super::{findings, fixable, rule_meta, summary};
use crate::lint::finding::{Report, Severity};

pub(super) fn render(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let total = findings(report).count();
    if total == 0 {
        writeln!(out, "### msmigrate lint")?;
        writeln!(out)?;
        let files = report.files.len();
        let s = if files == 1 { "" } else { "s" };
        return writeln!(out, "No findings in {files} file{s}.");
    }
    writeln!(out, "### msmigrate lint: {}", summary(report))?;
    writeln!(out)?;
    writeln!(out, "| Severity | Rule | Location | Message |")?;
    writeln!(out, "|---|---|---|---|")?;
    for (file, f) in findings(report) {
        let severity = match f.severity {
            Severity::Error => ":x: error",
            Severity::Warning => ":warning: warning",
            Severity::Info => ":information_source: info",
            Severity::Style => ":art: style",
        };
        writeln!(
            out,
            "| {severity} | {} | {} | {} |",
            rule_link(report, &f.rule, &f.name),
            cell(&format!("{}:{}", file.path, f.range.start.line)),
            cell(&f.message),
        )?;
    }
    let helped: Vec<_> = findings(report)
        .filter(|(_, f)| f.help.is_some() || f.fix.is_some())
        .collect();
    if !helped.is_empty() {
        writeln!(out)?;
        writeln!(out, "<details>")?;
        writeln!(out, "<summary>How to fix</summary>")?;
        writeln!(out)?;
        for (file, f) in helped {
            let mut text = String::new();
            if let Some(help) = &f.help {
                text.push_str(&escape(help, " "));
            }
            if let Some(fix) = &f.fix {
                if !text.is_empty() {
                    text.push(' ');
                }
                text.push_str("Autofix (`msmigrate lint --fix`): ");
                text.push_str(&escape(&fix.description, " "));
            }
            writeln!(
                out,
                "- {} ({}): {text}",
                rule_link(report, &f.rule, &f.name),
                escape(&format!("{}:{}", file.path, f.range.start.line), " "),
            )?;
        }
        writeln!(out)?;
        writeln!(out, "</details>")?;
    }
    let fixes = fixable(report);
    if fixes > 0 {
        writeln!(out)?;
        let s = if fixes == 1 { "" } else { "s" };
        writeln!(
            out,
            "{fixes} finding{s} can be fixed with `msmigrate lint --fix`."
        )?;
    }
    Ok(())
}

/// `[MS101](uri) build-tools-in-final-stage`, unlinked when the rule's
/// docs are unknown.
fn rule_link(report: &Report, id: &str, name: &str) -> String {
    let uri = rule_meta(report, id).map(|r| r.help_uri.as_str());
    let (id, name) = (cell(id), cell(name));
    match uri {
        Some(uri) if !uri.is_empty() => format!("[{id}]({}) {name}", uri_escape(uri)),
        _ => format!("{id} {name}"),
    }
}

/// Text for a table cell: one line, no HTML, no cell breaks.
fn cell(s: &str) -> String {
    escape(s, "<br>")
}

/// Escapes what would change the comment's structure: `|` (table cells;
/// `\|` stays a literal pipe even inside code spans, and a backslash
/// before it is doubled so it survives), `<`, `>` and `&` (HTML), and line
/// breaks, which become `newline`. Other Markdown is left alone: messages
/// quote code in backticks on purpose.
fn escape(s: &str, newline: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => out.push_str("\\\\"),
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push_str(newline);
                }
            }
            '\n' => out.push_str(newline),
            c => out.push(c),
        }
    }
    out
}

/// Keeps a link target from ending the link early.
fn uri_escape(uri: &str) -> String {
    uri.replace(' ', "%20")
        .replace('(', "%28")
        .replace(')', "%29")
        .replace('|', "%7C")
}
