//! `--format json`: a flat array of findings for scripts. Lines and columns
//! are 1-based, columns count Unicode scalar values, and ends are exclusive,
//! as in the model.

use std::io::Write;

use serde::Serialize;

use super::findings;
use crate::lint::finding::Report;

#[derive(Serialize)]
struct Entry<'a> {
    rule: &'a str,
    name: &'a str,
    severity: &'static str,
    category: &'static str,
    message: &'a str,
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    fix: Option<Fix<'a>>,
}

#[derive(Serialize)]
struct Fix<'a> {
    description: &'a str,
    edits: Vec<Edit<'a>>,
}

#[derive(Serialize)]
struct Edit<'a> {
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    replacement: &'a str,
}

pub(super) fn render(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    super::write_json(out, &entries(report))
}

/// The findings as the JSON format's array, for embedding in other reports
/// (`convert --format json` has them as its `lint` field).
pub fn to_value(report: &Report) -> serde_json::Value {
    serde_json::to_value(entries(report)).unwrap_or_default()
}

fn entries(report: &Report) -> Vec<Entry<'_>> {
    findings(report)
        .map(|(file, f)| Entry {
            rule: &f.rule,
            name: &f.name,
            severity: f.severity.as_str(),
            category: f.category.as_str(),
            message: &f.message,
            file: &file.path,
            line: f.range.start.line,
            column: f.range.start.column,
            end_line: f.range.end.line,
            end_column: f.range.end.column,
            fix: f.fix.as_ref().map(|fix| Fix {
                description: &fix.description,
                edits: fix
                    .edits
                    .iter()
                    .map(|e| Edit {
                        line: e.range.start.line,
                        column: e.range.start.column,
                        end_line: e.range.end.line,
                        end_column: e.range.end.column,
                        replacement: &e.replacement,
                    })
                    .collect(),
            }),
        })
        .collect()
}
