//! `--format text`: findings for people, each rendered by miette with its
//! source lines, the primary range, the labels and the help, the rule as the
//! diagnostic code; then a one-line summary. Without color the theme is
//! plain ASCII, like the other commands' diagnostics off a terminal.

use std::fmt;
use std::io::Write;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents, ThemeCharacters, ThemeStyles,
};

use super::{RenderOptions, fixable, rule_meta, summary};
use crate::lint::finding::{Finding, Report, Severity};

pub(super) fn render(
    report: &Report,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let theme = if options.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme {
            characters: ThemeCharacters::ascii(),
            styles: ThemeStyles::none(),
        }
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(options.width)
        .with_links(options.color)
        .with_urls(options.color)
        .without_syntax_highlighting();
    for file in &report.files {
        let source = Source::new(&file.path, &file.source);
        for finding in &file.findings {
            let diagnostic = FindingDiagnostic::new(report, finding, &source);
            let mut rendered = String::new();
            handler
                .render_report(&mut rendered, &diagnostic)
                .map_err(|_| std::io::Error::other("cannot render a finding"))?;
            out.write_all(rendered.as_bytes())?;
            writeln!(out)?;
        }
    }
    let mut line = summary(report);
    let fixes = fixable(report);
    if fixes > 0 {
        line.push_str(&format!(", {fixes} fixable with --fix"));
    }
    writeln!(out, "{line}")
}

/// A linted file as miette source code, borrowed rather than copied into a
/// `NamedSource` for every finding. Columns count characters, as in every
/// other format (miette's own `str` source counts bytes).
///
/// miette reads a span by scanning the text from its start, so rendering
/// every finding of a long file was quadratic (10,000 findings took 13 s).
/// Here it scans only a window of lines around the span, found through
/// the line index, and the line numbers are shifted back: the same output.
struct Source<'a> {
    name: &'a str,
    text: &'a str,
    /// The offset after every line break, counted as miette counts them
    /// (`\n`, `\r`, and `\r\n` as one).
    line_starts: Vec<usize>,
}

impl<'a> Source<'a> {
    fn new(name: &'a str, text: &'a str) -> Self {
        let bytes = text.as_bytes();
        let mut line_starts = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                    i += 1;
                    line_starts.push(i + 1);
                }
                b'\r' | b'\n' => line_starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        Source {
            name,
            text,
            line_starts,
        }
    }

    /// Line breaks before `offset`.
    fn breaks_before(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&start| start <= offset)
    }
}

impl SourceCode for Source<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let end = span.offset() + span.len();
        // A window from a line start with one line more than the context
        // on each side: miette's scan of it ends where the whole text's
        // would, and starts with the same lines kept.
        let (window_start, skipped) = if end > self.text.len() {
            (0, 0) // out of bounds: miette says so
        } else {
            let first = self
                .breaks_before(span.offset())
                .saturating_sub(context_lines_before + 1);
            (
                first.checked_sub(1).map_or(0, |k| self.line_starts[k]),
                first,
            )
        };
        let window_end = self
            .line_starts
            .get(self.breaks_before(end) + context_lines_after + 1)
            .copied()
            .unwrap_or(self.text.len())
            .max(window_start);
        let window = &self.text[window_start..window_end];
        let local = SourceSpan::new(
            span.offset().saturating_sub(window_start).into(),
            span.len(),
        );
        let inner = window.read_span(&local, context_lines_before, context_lines_after)?;
        let offset = inner.span().offset() + window_start;
        let mut at = offset.min(self.text.len());
        while !self.text.is_char_boundary(at) {
            at -= 1; // a span inside a character: count up to it
        }
        let line_start = self.text[..at].rfind('\n').map_or(0, |i| i + 1);
        let column = self.text[line_start..at].chars().count();
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_string(),
            inner.data(),
            SourceSpan::new(offset.into(), inner.span().len()),
            inner.line() + skipped,
            column,
            inner.line_count() + skipped,
        )))
    }
}

struct FindingDiagnostic<'a> {
    finding: &'a Finding,
    code: String,
    url: Option<&'a str>,
    help: Option<String>,
    source: &'a Source<'a>,
}

impl<'a> FindingDiagnostic<'a> {
    fn new(report: &'a Report, finding: &'a Finding, source: &'a Source<'a>) -> Self {
        let mut help = finding.help.clone();
        if let Some(fix) = &finding.fix {
            let line = format!("fixable with --fix: {}", fix.description);
            help = Some(match help {
                Some(h) => format!("{h}\n{line}"),
                None => line,
            });
        }
        FindingDiagnostic {
            finding,
            code: format!("{}/{}", finding.rule, finding.name),
            url: rule_meta(report, &finding.rule)
                .map(|r| r.help_uri.as_str())
                .filter(|u| !u.is_empty()),
            help,
            source,
        }
    }
}

impl fmt::Debug for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FindingDiagnostic")
            .field("finding", self.finding)
            .finish()
    }
}

impl fmt::Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl std::error::Error for FindingDiagnostic<'_> {}

impl Diagnostic for FindingDiagnostic<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info | Severity::Style => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.url.map(|u| Box::new(u) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let primary =
            LabeledSpan::new_primary_with_span(None, SourceSpan::from(self.finding.range.span));
        let secondary = self.finding.labels.iter().map(|l| {
            LabeledSpan::new_with_span(Some(l.message.clone()), SourceSpan::from(l.range.span))
        });
        Some(Box::new(std::iter::once(primary).chain(secondary)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The windowed read gives what miette's scan of the whole text gives,
    /// for every span, context and kind of line break.
    #[test]
    fn windowed_spans_equal_whole_text_scans() {
        let texts = [
            "FROM a\nRUN b\n\nRUN c\\\n  d\nCMD e",
            "FROM a\r\nRUN b\r\n\r\nRUN c\r\nCMD e\r\n",
            "FROM a\rRUN b\r\rRUN é\rCMD e",
            "\n\n\nx\n\n\n",
            "",
        ];
        for text in texts {
            let source = Source::new("Dockerfile", text);
            for offset in 0..=text.len() {
                for len in 0..=(text.len() - offset).min(12) {
                    for context in 0..3 {
                        let span = SourceSpan::new(offset.into(), len);
                        let ours = source.read_span(&span, context, context).unwrap();
                        let whole = text.read_span(&span, context, context).unwrap();
                        let what = format!("{text:?} at {offset}+{len}, context {context}");
                        assert_eq!(ours.data(), whole.data(), "{what}");
                        assert_eq!(ours.span(), whole.span(), "{what}");
                        assert_eq!(ours.line(), whole.line(), "{what}");
                        assert_eq!(ours.line_count(), whole.line_count(), "{what}");
                    }
                }
            }
        }
    }
}
