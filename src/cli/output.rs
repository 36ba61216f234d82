//! Terminal conventions shared by all commands: color, and quiet exits on a
//! closed pipe.

use std::io::IsTerminal;

/// The `--color` choice.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Color {
    /// Color when the output is a terminal and NO_COLOR is not set.
    Auto,
    /// Always color.
    Always,
    /// Never color.
    Never,
}

/// Whether stderr diagnostics get color.
pub fn use_color(choice: Color) -> bool {
    match choice {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stderr().is_terminal()
        }
    }
}

/// Whether output written to stdout (reports) gets color.
pub fn use_color_stdout(choice: Color) -> bool {
    match choice {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

/// Installs the diagnostic renderer: graphical with spans, colored only when
/// [`use_color`] says so.
pub fn init(choice: Color) {
    let color = use_color(choice);
    let _ = miette::set_hook(Box::new(move |_| {
        let theme = if color {
            miette::GraphicalTheme::unicode()
        } else if std::io::stderr().is_terminal() {
            miette::GraphicalTheme::unicode_nocolor()
        } else {
            miette::GraphicalTheme {
                characters: miette::ThemeCharacters::ascii(),
                styles: miette::ThemeStyles::none(),
            }
        };
        Box::new(
            miette::MietteHandlerOpts::new()
                .graphical_theme(theme)
                .build(),
        )
    }));
}

/// True when the error is a write to a closed pipe (`msmigrate ... | head`),
/// which is not a failure.
pub fn is_broken_pipe(report: &miette::Report) -> bool {
    report.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Reads a file argument, `-` meaning standard input.
pub fn read_input(path: &std::path::Path) -> miette::Result<Vec<u8>> {
    use miette::{IntoDiagnostic, WrapErr};
    if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)
            .into_diagnostic()
            .wrap_err("cannot read standard input")?;
        return Ok(buf);
    }
    std::fs::read(path)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot read {}", path.display()))
}

/// Writes `path` through a temporary file in the same directory and a
/// rename, keeping the file's mode, so a crash or Ctrl-C never leaves a
/// half-written file.
pub fn write_atomically(path: &std::path::Path, content: &[u8]) -> miette::Result<()> {
    use miette::{IntoDiagnostic, WrapErr};
    use std::io::Write;
    let dir = path.parent().unwrap_or(std::path::Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.msmigrate-{}.tmp", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(content)?;
        f.sync_all()?;
        if let Ok(meta) = std::fs::metadata(path) {
            std::fs::set_permissions(&tmp, meta.permissions())?;
        }
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot write {}", path.display()))
}

/// A finding about a file, rendered with its source snippet.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct FileDiagnostic {
    code: String,
    message: String,
    src: miette::NamedSource<String>,
    span: Option<miette::SourceSpan>,
    severity: miette::Severity,
    help: Option<String>,
}

impl FileDiagnostic {
    /// A diagnostic over `source` (the text of `file`).
    pub fn new(
        code: &str,
        message: &str,
        file: &str,
        source: String,
        span: Option<msmigrate::dockerfile::Span>,
        severity: miette::Severity,
        help: Option<String>,
    ) -> Self {
        FileDiagnostic {
            code: code.to_string(),
            message: message.to_string(),
            src: miette::NamedSource::new(file, source),
            span: span.map(Into::into),
            severity,
            help,
        }
    }
}

impl miette::Diagnostic for FileDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.span.map(|_| &self.src as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let span = self.span?;
        Some(Box::new(std::iter::once(
            miette::LabeledSpan::new_with_span(Some("here".to_string()), span),
        )))
    }
}
