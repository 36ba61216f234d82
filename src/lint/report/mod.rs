//! Reporters: one [`Report`] rendered for people (`text`, `markdown`), for
//! scripts (`json`), for code-scanning and review bots (`sarif`, `rdjson`,
//! `rdjsonl`, `github`, `checkstyle`, `codeclimate`). Every format reads the
//! same data, so they never disagree about what was found or where.
//!
//! Positions in the model count Unicode scalar values; formats whose
//! consumers count otherwise (reviewdog counts UTF-8 bytes) convert here,
//! from the byte spans.

mod checkstyle;
mod codeclimate;
mod github;
mod json;
mod markdown;
mod rdjson;
mod sarif;
mod text;

use std::collections::HashMap;
use std::io::Write;
use std::rc::Rc;

use sha2::{Digest, Sha256};

use super::finding::{Finding, LineIndex, LintedFile, Range, Report, Severity};

pub use json::to_value as json_value;

/// Where msmigrate is documented; the tool URI in SARIF and rdjson.
pub const TOOL_URI: &str = "https://github.com/msmigrate/msmigrate";

/// The output format of `msmigrate lint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people: each finding with its source lines, labels and help.
    Text,
    /// A JSON array of findings with 1-based lines and columns.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// One reviewdog DiagnosticResult (`reviewdog -f=rdjson`), with fixes as suggestions.
    Rdjson,
    /// reviewdog Diagnostics, one JSON object per line (`reviewdog -f=rdjsonl`).
    Rdjsonl,
    /// GitHub Actions workflow commands that annotate the pull request.
    Github,
    /// Checkstyle XML, read by many CI plugins and by reviewdog.
    Checkstyle,
    /// GitLab Code Quality (Code Climate) JSON.
    #[value(alias = "gitlab")]
    Codeclimate,
    /// Markdown for a pull-request comment.
    Markdown,
}

/// How to render.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// Color and hyperlinks in `text` (the caller decides: TTY, NO_COLOR,
    /// `--color`).
    pub color: bool,
    /// Where `text` wraps long lines.
    pub width: usize,
    /// msmigrate's version, recorded by SARIF.
    pub tool_version: &'static str,
    /// The absolute directory the relative paths are relative to. SARIF
    /// records it as `%SRCROOT%` when given; leave it `None` for output
    /// that does not depend on where it was produced.
    pub src_root: Option<String>,
}

impl RenderOptions {
    /// Plain output for `version`, 100 columns wide, no source root.
    pub fn new(tool_version: &'static str) -> RenderOptions {
        RenderOptions {
            color: false,
            width: 100,
            tool_version,
            src_root: None,
        }
    }
}

/// Writes `report` to `out` in `format`.
pub fn render(
    format: Format,
    report: &Report,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Text => text::render(report, options, out),
        Format::Json => json::render(report, out),
        Format::Sarif => sarif::render(report, options, out),
        Format::Rdjson => rdjson::render(report, out),
        Format::Rdjsonl => rdjson::render_lines(report, out),
        Format::Github => github::render(report, out),
        Format::Checkstyle => checkstyle::render(report, out),
        Format::Codeclimate => codeclimate::render(report, out),
        Format::Markdown => markdown::render(report, out),
    }
}

/// Every finding with its file, in report order.
fn findings(report: &Report) -> impl Iterator<Item = (&LintedFile, &Finding)> {
    report
        .files
        .iter()
        .flat_map(|file| file.findings.iter().map(move |f| (file, f)))
}

/// [`findings`] with each file's line index, built once per file: finding
/// a line by scanning the text for every finding is quadratic.
fn findings_with_lines(
    report: &Report,
) -> impl Iterator<Item = (&LintedFile, Rc<LineIndex<'_>>, &Finding)> {
    report.files.iter().flat_map(|file| {
        let lines = Rc::new(LineIndex::new(&file.source));
        file.findings
            .iter()
            .map(move |f| (file, Rc::clone(&lines), f))
    })
}

/// "3 findings (1 warning, 2 info) in 2 files", or "no findings in 2
/// files".
fn summary(report: &Report) -> String {
    let mut by_severity = [0usize; 4];
    for (_, f) in findings(report) {
        by_severity[f.severity as usize] += 1;
    }
    let total: usize = by_severity.iter().sum();
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("{n} {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    if total == 0 {
        return format!("no findings in {}", plural(report.files.len(), "file"));
    }
    let files = report
        .files
        .iter()
        .filter(|f| !f.findings.is_empty())
        .count();
    let parts: Vec<String> = [
        Severity::Error,
        Severity::Warning,
        Severity::Info,
        Severity::Style,
    ]
    .iter()
    .filter(|&&s| by_severity[s as usize] > 0)
    .map(|&s| {
        let n = by_severity[s as usize];
        match s {
            Severity::Error | Severity::Warning => plural(n, s.as_str()),
            Severity::Info | Severity::Style => format!("{n} {}", s.as_str()),
        }
    })
    .collect();
    format!(
        "{} ({}) in {}",
        plural(total, "finding"),
        parts.join(", "),
        plural(files, "file")
    )
}

/// How many findings carry a mechanical fix.
fn fixable(report: &Report) -> usize {
    findings(report).filter(|(_, f)| f.fix.is_some()).count()
}

/// The last line a range touches: a range that ends at column 1 of a later
/// line (a whole line with its line break) does not touch that line.
fn last_line(range: &Range) -> usize {
    if range.end.column == 1 && range.end.line > range.start.line {
        range.end.line - 1
    } else {
        range.end.line.max(range.start.line)
    }
}

/// The last line a range touches and the (exclusive) column where the
/// range ends on it: a range ending with a line break ends just past the
/// last character of the line before.
fn end_on_last_line(lines: &LineIndex, range: &Range) -> (usize, usize) {
    let line = last_line(range);
    if line == range.end.line {
        (line, range.end.column)
    } else {
        (line, lines.line_text(line).chars().count() + 1)
    }
}

/// The source text a range covers.
fn snippet<'a>(source: &'a str, range: &Range) -> Option<&'a str> {
    source.get(range.span.start..range.span.end)
}

/// Fingerprint inputs of a file's findings, in order: the whitespace-
/// normalized text of the finding's first line, and how many earlier
/// findings of the same rule had the same text (0 for the first). Neither
/// depends on line numbers, so a finding keeps its fingerprint when lines
/// are added above it.
fn fingerprint_keys(file: &LintedFile) -> Vec<(String, usize)> {
    let lines = LineIndex::new(&file.source);
    let mut seen: HashMap<(&str, String), usize> = HashMap::new();
    file.findings
        .iter()
        .map(|f| {
            let text = lines
                .line_text(f.range.start.line)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let count = seen.entry((f.rule.as_str(), text.clone())).or_insert(0);
            let occurrence = *count;
            *count += 1;
            (text, occurrence)
        })
        .collect()
}

/// Lower-case hex of the SHA-256 of `parts` joined by NUL, cut to `len`
/// digits.
fn hash_hex(parts: &[&str], len: usize) -> String {
    let mut hasher = Sha256::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            hasher.update([0u8]);
        }
        hasher.update(part.as_bytes());
    }
    let digest = hasher.finalize();
    let mut hex = String::with_capacity(64);
    for byte in digest.iter() {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex.truncate(len);
    hex
}

/// Writes `value` as pretty JSON and a final newline.
fn write_json<T: serde::Serialize>(out: &mut dyn Write, value: &T) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    out.write_all(b"\n")
}

/// The rule metadata for `id`, when the report has it.
fn rule_meta<'a>(report: &'a Report, id: &str) -> Option<&'a super::finding::RuleMeta> {
    report.rules.iter().find(|r| r.id == id)
}
