//! `--format codeclimate`: a GitLab Code Quality report, the subset of the
//! Code Climate issue spec GitLab reads (`artifacts:reports:codequality`).
//!
//! The fingerprint is the first 32 hex digits of the SHA-256 of the path,
//! the rule id, the finding's first line with whitespace normalized, and how
//! many earlier findings of that rule in that file had the same line text.
//! It survives lines added above a finding and is unique in a report, which
//! GitLab needs to tell new findings from fixed ones.
//!
//! Severities keep their order: error is `blocker`, warning `major`, info
//! `minor`, style `info`.

use std::io::Write;

use serde::Serialize;

use super::{end_on_last_line, fingerprint_keys, hash_hex};
use crate::lint::finding::{Category, LineIndex, Report, Severity};

#[derive(Serialize)]
struct Issue<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    check_name: &'a str,
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<Content<'a>>,
    categories: [&'static str; 1],
    location: Location<'a>,
    severity: &'static str,
    fingerprint: String,
}

#[derive(Serialize)]
struct Content<'a> {
    body: &'a str,
}

#[derive(Serialize)]
struct Location<'a> {
    path: &'a str,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
    end: usize,
}

pub(super) fn render(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let mut issues = Vec::new();
    for file in &report.files {
        let keys = fingerprint_keys(file);
        let lines = LineIndex::new(&file.source);
        for (f, (text, occurrence)) in file.findings.iter().zip(keys) {
            issues.push(Issue {
                kind: "issue",
                check_name: &f.rule,
                description: &f.message,
                content: f.help.as_deref().map(|body| Content { body }),
                categories: [match f.category {
                    Category::Bloat => "Performance",
                    Category::Migration => "Compatibility",
                    Category::Correctness => "Bug Risk",
                    Category::Security => "Security",
                }],
                location: Location {
                    path: &file.path,
                    lines: Lines {
                        begin: f.range.start.line,
                        end: end_on_last_line(&lines, &f.range).0,
                    },
                },
                severity: match f.severity {
                    Severity::Error => "blocker",
                    Severity::Warning => "major",
                    Severity::Info => "minor",
                    Severity::Style => "info",
                },
                fingerprint: hash_hex(&[&file.path, &f.rule, &text, &occurrence.to_string()], 32),
            });
        }
    }
    super::write_json(out, &issues)
}
