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
