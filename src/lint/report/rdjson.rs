//! `--format rdjson` / `rdjsonl`: the reviewdog Diagnostic Format
//! (`proto/rdf/reviewdog.proto`). rdjson is one `DiagnosticResult`; rdjsonl
//! is one self-contained `Diagnostic` per line. Fix edits become
//! `suggestions`, which reviewdog's `github-pr-review` and
//! `gitlab-mr-discussion` reporters post as suggested changes.
//!
//! reviewdog counts columns in UTF-8 bytes (not characters), so positions
//! are recomputed from the byte spans.

use std::io::Write;

use serde::Serialize;

use super::{TOOL_URI, findings_with_lines, rule_meta};
use crate::lint::finding::{Finding, LineIndex, LintedFile, Report, Severity};

#[derive(Serialize)]
struct DiagnosticResult<'a> {
    source: Source,
    diagnostics: Vec<Diagnostic<'a>>,
}

#[derive(Serialize)]
struct Source {
    name: &'static str,
    url: &'static str,
}

const SOURCE: Source = Source {
    name: "msmigrate",
    url: TOOL_URI,
};

#[derive(Serialize)]
struct Diagnostic<'a> {
    message: &'a str,
    location: Location<'a>,
    severity: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<Source>,
    code: Code<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suggestions: Vec<Suggestion<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<RelatedLocation<'a>>,
}

#[derive(Serialize)]
struct Location<'a> {
    path: &'a str,
    range: Range,
}

#[derive(Serialize)]
struct Range {
    start: Position,
    end: Position,
}

#[derive(Serialize)]
struct Position {
    line: usize,
    column: usize,
}

#[derive(Serialize)]
struct Code<'a> {
    value: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
}

#[derive(Serialize)]
struct Suggestion<'a> {
    range: Range,
    text: &'a str,
}

#[derive(Serialize)]
struct RelatedLocation<'a> {
    message: &'a str,
    location: Location<'a>,
}

pub(super) fn render(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let result = DiagnosticResult {
        source: SOURCE,
        diagnostics: findings_with_lines(report)
            .map(|(file, lines, f)| diagnostic(report, file, &lines, f, false))
            .collect(),
    };
    super::write_json(out, &result)
}

pub(super) fn render_lines(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    for (file, lines, f) in findings_with_lines(report) {
        serde_json::to_writer(&mut *out, &diagnostic(report, file, &lines, f, true))?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

fn diagnostic<'a>(
    report: &'a Report,
    file: &'a LintedFile,
    lines: &LineIndex,
    f: &'a Finding,
    with_source: bool,
) -> Diagnostic<'a> {
    let range = |r: &crate::lint::finding::Range| {
        let (line, column) = lines.byte_position(r.span.start);
        let (end_line, end_column) = lines.byte_position(r.span.end);
        Range {
            start: Position { line, column },
            end: Position {
                line: end_line,
                column: end_column,
            },
        }
    };
    Diagnostic {
        message: &f.message,
        location: Location {
            path: &file.path,
            range: range(&f.range),
        },
        severity: match f.severity {
            Severity::Error => "ERROR",
            Severity::Warning => "WARNING",
            Severity::Info | Severity::Style => "INFO",
        },
        source: with_source.then_some(SOURCE),
        code: Code {
            value: &f.rule,
            url: rule_meta(report, &f.rule).map(|r| r.help_uri.as_str()),
        },
        suggestions: f
            .fix
            .iter()
            .flat_map(|fix| &fix.edits)
            .map(|e| Suggestion {
                range: range(&e.range),
                text: &e.replacement,
            })
            .collect(),
        related_locations: f
            .labels
            .iter()
            .map(|l| RelatedLocation {
                message: &l.message,
                location: Location {
                    path: &file.path,
                    range: range(&l.range),
                },
            })
            .collect(),
    }
}
