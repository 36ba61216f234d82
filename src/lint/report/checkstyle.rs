//! `--format checkstyle`: Checkstyle 4.3 XML, the lowest common denominator
//! of CI plugins (and `reviewdog -f=checkstyle`). Every linted file gets a
//! `<file>` element, with no `<error>` children when it is clean, as
//! Checkstyle itself reports every audited file.

use std::io::Write;

use crate::lint::finding::{Report, Severity};

pub(super) fn render(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(out, r#"<checkstyle version="4.3">"#)?;
    for file in &report.files {
        if file.findings.is_empty() {
            writeln!(out, r#"  <file name="{}"/>"#, escape(&file.path))?;
            continue;
        }
        writeln!(out, r#"  <file name="{}">"#, escape(&file.path))?;
        for f in &file.findings {
            let severity = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info | Severity::Style => "info",
            };
            writeln!(
                out,
                r#"    <error line="{}" column="{}" severity="{severity}" message="{}" source="msmigrate.{}"/>"#,
                f.range.start.line,
                f.range.start.column,
                escape(&f.message),
                escape(&f.rule),
            )?;
        }
        writeln!(out, "  </file>")?;
    }
    writeln!(out, "</checkstyle>")
}

/// Escapes text for a double-quoted XML attribute. Tab, LF and CR become
/// character references so attribute-value normalization keeps them; the
/// other C0 controls (and U+FFFE, U+FFFF) cannot appear in XML 1.0 at all,
/// even as references, so they become U+FFFD.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}
