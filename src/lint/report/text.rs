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
        let source = Source {
            name: &file.path,
            text: &file.source,
        };
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
struct Source<'a> {
    name: &'a str,
    text: &'a str,
}

impl SourceCode for Source<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        let offset = inner.span().offset().min(self.text.len());
        let line_start = self.text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let column = self.text[line_start..offset].chars().count();
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_string(),
            inner.data(),
            *inner.span(),
            inner.line(),
            column,
            inner.line_count(),
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
