//! What a lint run produces: findings with spans, labels and fixes, the
//! metadata of the rules that ran, and the per-file grouping every reporter
//! reads. Reporters never look anywhere else, so all formats agree.

use serde::Serialize;

use crate::dockerfile::Span;

/// How serious a finding is. Ordered from most to least severe, so
/// `severity <= threshold` means "at or above the failure threshold".
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Breaks the build or the image.
    Error,
    /// Bloat or a likely mistake.
    Warning,
    /// Worth knowing; often a size or hygiene improvement.
    Info,
    /// Style and consistency.
    Style,
}

impl Severity {
    /// The lower-case name used in every format.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
            Severity::Style => "style",
        }
    }
}

/// What kind of problem a rule is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// Things in the final image that it does not need.
    Bloat,
    /// Builder-pattern leftovers and multi-stage migration mistakes.
    Migration,
    /// Stage-graph and instruction mistakes.
    Correctness,
    /// Secrets, root, unpinned sources.
    Security,
}

impl Category {
    /// The lower-case name used in every format.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Bloat => "bloat",
            Category::Migration => "migration",
            Category::Correctness => "correctness",
            Category::Security => "security",
        }
    }
}

/// A 1-based line and column. Columns count Unicode scalar values (not
/// bytes, not UTF-16 units), so SARIF output declares `unicodeCodePoints`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// A located range: the byte span and its start and end positions. `end` is
/// exclusive: the column just past the last character, as SARIF and
/// reviewdog expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub struct Range {
    /// Bytes in the linted file's source.
    pub span: Span,
    /// Where the range starts.
    pub start: Position,
    /// Where the range ends (exclusive).
    pub end: Position,
}

impl Range {
    /// Locates `span` in `source`.
    pub fn locate(source: &str, span: Span) -> Range {
        Range {
            span,
            start: position_of(source, span.start),
            end: position_of(source, span.end),
        }
    }
}

/// Where each line of a text starts, to locate many offsets in one file
/// without rescanning it from the top each time.
#[derive(Debug, Clone)]
pub struct LineIndex<'a> {
    source: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    /// Indexes `source`.
    pub fn new(source: &'a str) -> LineIndex<'a> {
        let mut starts = vec![0];
        starts.extend(
            source
                .bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { source, starts }
    }

    /// Same as [`position_of`].
    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.source.len());
        while !self.source.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset);
        let line_start = self.starts[line - 1];
        let column = self.source[line_start..offset].chars().count() + 1;
        Position { line, column }
    }

    /// The text of 1-based `line`, without its line break ("" past the
    /// end).
    pub fn line_text(&self, line: usize) -> &'a str {
        let Some(&start) = self.starts.get(line.saturating_sub(1)) else {
            return "";
        };
        let end = self
            .starts
            .get(line.max(1))
            .map_or(self.source.len(), |&next| next - 1);
        let text = &self.source[start..end];
        text.strip_suffix('\r').unwrap_or(text)
    }

    /// The offset where 1-based `line` starts (`None` past the end).
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.starts.get(line.checked_sub(1)?).copied()
    }

    /// The 1-based line and 1-based UTF-8 byte column of byte `offset`
    /// (clamped to the source and to a character boundary).
    pub fn byte_position(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.source.len());
        while !self.source.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset);
        (line, offset - self.starts[line - 1] + 1)
    }

    /// Same as [`Range::locate`].
    pub fn range(&self, span: Span) -> Range {
        Range {
            span,
            start: self.position(span.start),
            end: self.position(span.end),
        }
    }
}

/// The line and column of byte `offset` (clamped to the source and to a
/// character boundary).
pub fn position_of(source: &str, offset: usize) -> Position {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &source[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = source[line_start..offset].chars().count() + 1;
    Position { line, column }
}

/// A secondary location that explains a finding ("the builder stage is
/// here", "installed here").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Label {
    /// Where.
    pub range: Range,
    /// What this place has to do with the finding.
    pub message: String,
}

/// One replacement of source text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edit {
    /// The text replaced (empty span: an insertion).
    pub range: Range,
    /// The new text.
    pub replacement: String,
}

/// A safe, mechanical fix: applying all edits (they never overlap) gives a
/// Dockerfile without this finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// One line saying what the fix does.
    pub description: String,
    /// The edits, in source order.
    pub edits: Vec<Edit>,
}

/// One problem found in one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule id, `MS###`.
    pub rule: String,
    /// The rule's kebab-case name.
    pub name: String,
    /// Severity after configuration overrides.
    pub severity: Severity,
    /// The rule's category.
    pub category: Category,
    /// The rendered message.
    pub message: String,
    /// The primary location.
    pub range: Range,
    /// Secondary locations.
    pub labels: Vec<Label>,
    /// How to fix it, in words (from the rule's docs, possibly specialised).
    pub help: Option<String>,
    /// A mechanical fix, when one is safe.
    pub fix: Option<Fix>,
}

/// The documentation of a rule, as reporters need it (SARIF `rules[]`, the
/// markdown table, `msmigrate rule`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleMeta {
    /// `MS###`.
    pub id: String,
    /// Kebab-case name of the bad pattern.
    pub name: String,
    /// Default severity.
    pub severity: Severity,
    /// Category.
    pub category: Category,
    /// One sentence: what the rule flags.
    pub summary: String,
    /// Why it matters.
    pub why: String,
    /// How to fix it.
    pub fix: String,
    /// Where the rule is documented for people (the README's rule table).
    pub help_uri: String,
}

/// The findings of one file, with the text they point into.
#[derive(Debug, Clone)]
pub struct LintedFile {
    /// The path as the user gave it or as the walk found it (relative to the
    /// current directory when possible, `/` separators).
    pub path: String,
    /// The file's text (lossily decoded).
    pub source: String,
    /// Findings sorted by position, then rule.
    pub findings: Vec<Finding>,
}

/// Everything a reporter needs.
#[derive(Debug, Clone)]
pub struct Report {
    /// The files linted, in the order given or walked (sorted).
    pub files: Vec<LintedFile>,
    /// Every rule that was enabled for this run, sorted by id.
    pub rules: Vec<RuleMeta>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_agrees_with_a_scan() {
        let text = "ab\néé x\n\nlast";
        let index = LineIndex::new(text);
        for offset in 0..=text.len() + 2 {
            assert_eq!(
                index.position(offset),
                position_of(text, offset),
                "offset {offset}"
            );
        }
    }

    /// The reporters' line lookups, against the scans they replaced.
    #[test]
    fn line_lookups_agree_with_scans() {
        for text in ["ab\r\néé x\n\nlast", "", "\n", "x\r\n", "one"] {
            let index = LineIndex::new(text);
            let lines: Vec<&str> = text.split('\n').collect();
            for line in 0..lines.len() + 3 {
                let scanned = lines.get(line.saturating_sub(1)).copied().unwrap_or("");
                let scanned = scanned.strip_suffix('\r').unwrap_or(scanned);
                assert_eq!(index.line_text(line), scanned, "{text:?} line {line}");
                let start = std::iter::once(0)
                    .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                    .nth(line.wrapping_sub(1));
                assert_eq!(index.line_start(line), start, "{text:?} line {line}");
            }
            for offset in 0..=text.len() + 2 {
                let mut at = offset.min(text.len());
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                let before = &text.as_bytes()[..at];
                let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
                let start = before
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |i| i + 1);
                assert_eq!(
                    index.byte_position(offset),
                    (line, at - start + 1),
                    "{text:?} offset {offset}"
                );
            }
        }
    }
}
