//! The error a Dockerfile fails to parse with.

use std::fmt;

use super::ast::Span;

/// A syntax error, with BuildKit's message and the span it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    message: String,
    span: Span,
    label: Option<String>,
    help: Option<String>,
}

impl ParseError {
    pub(crate) fn new(message: impl Into<String>, span: Span) -> Self {
        ParseError {
            message: message.into(),
            span,
            label: None,
            help: None,
        }
    }

    pub(crate) fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub(crate) fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// BuildKit's message for this error, e.g. `unterminated heredoc`.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The part of the source the error is about.
    pub fn span(&self) -> Span {
        self.span
    }

    /// A short text for the span's label, if any.
    pub fn label(&self) -> Option<&str> {
        self.label.as_deref()
    }

    /// A hint on how to fix the input, if any.
    pub fn help(&self) -> Option<&str> {
        self.help.as_deref()
    }

    /// The error as a miette diagnostic over the named source, for rendering.
    pub fn to_diagnostic(&self, name: &str, source: &str) -> SourceDiagnostic {
        let (shown, span) = clip_for_display(source, self.span);
        SourceDiagnostic {
            message: self.message.clone(),
            src: miette::NamedSource::new(name, shown),
            span: span.into(),
            label: self.label.clone().unwrap_or_else(|| "here".to_string()),
            help: self.help.clone(),
        }
    }
}

/// Longest line shown whole in a snippet.
const MAX_SHOWN_LINE: usize = 400;

/// The part of `source` a snippet needs, with the span moved into it. A
/// snippet prints whole lines, and a 10 MB line must not end up on a
/// terminal: text after the span's line is dropped when that line is long,
/// and the span's line is cut a little after the span.
fn clip_for_display(source: &str, span: Span) -> (String, Span) {
    let start = span.start.min(source.len());
    let line_end = source[start..]
        .find('\n')
        .map_or(source.len(), |i| start + i);
    let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
    if line_end - line_start <= MAX_SHOWN_LINE {
        return (source.to_string(), span);
    }
    let mut cut = (span.end.max(start) + 80)
        .min(start + MAX_SHOWN_LINE)
        .min(line_end);
    while !source.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut shown = source[..cut].to_string();
    shown.push_str(" …");
    let end = span.end.clamp(start, cut);
    (shown, Span::new(start, end))
}

impl SourceDiagnostic {
    /// A diagnostic for `message` with `label` at `span` of the named source.
    pub fn new(
        name: &str,
        source: &str,
        span: Span,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) -> SourceDiagnostic {
        let (shown, span) = clip_for_display(source, span);
        SourceDiagnostic {
            message: message.into(),
            src: miette::NamedSource::new(name, shown),
            span: span.into(),
            label: label.into(),
            help,
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParseError {}

/// A message with a labelled span into a named source file: the form every
/// input error takes when shown to a person.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
pub struct SourceDiagnostic {
    message: String,
    #[source_code]
    src: miette::NamedSource<String>,
    #[label("{label}")]
    span: miette::SourceSpan,
    label: String,
    #[help]
    help: Option<String>,
}
