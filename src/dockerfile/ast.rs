//! The syntax tree of a Dockerfile, shaped like BuildKit's `parser.Node`.
//!
//! BuildKit represents an instruction as a node whose `Next` chain holds the
//! arguments as the instruction's line parser split them. [`Instruction::args`]
//! is that chain, word for word, so every consumer (lint, convert, build) sees
//! exactly what BuildKit would. On top of BuildKit's data every piece carries a
//! byte [`Span`] into [`Dockerfile::source`], so diagnostics and autofixes can
//! point at the flag or word they are about.

use serde::Serialize;

/// A half-open byte range `[start, end)` into [`Dockerfile::source`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end`.
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// True when the span covers no byte.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// The smallest span covering both.
    pub fn join(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(s: Span) -> Self {
        (s.start, s.len()).into()
    }
}

/// A parsed Dockerfile.
#[derive(Debug, Clone)]
pub struct Dockerfile {
    /// The text that was parsed; every [`Span`] points into it. Input that is
    /// not UTF-8 has been decoded lossily (invalid bytes became U+FFFD).
    pub source: String,
    /// The escape character in effect: `\` or `` ` ``.
    pub escape: char,
    /// Parser directives from the top of the file (`syntax`, `escape`, `check`).
    pub directives: Vec<Directive>,
    /// The instructions, in file order.
    pub instructions: Vec<Instruction>,
    /// Non-fatal observations BuildKit also reports (empty continuation lines).
    pub warnings: Vec<Warning>,
}

impl Dockerfile {
    /// The value of a parser directive such as `syntax` or `check`, if present.
    pub fn directive(&self, name: &str) -> Option<&Directive> {
        self.directives.iter().find(|d| d.name == name)
    }
}

/// A parser directive such as `# escape=``.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Directive {
    /// Lower-cased name: `syntax`, `escape` or `check`.
    pub name: String,
    /// The value, trimmed.
    pub value: String,
    /// The whole comment line.
    pub span: Span,
}

/// A non-fatal parse observation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// What was found.
    pub message: String,
    /// Where.
    pub span: Span,
}

/// The instructions BuildKit's parser knows. Anything else parses (BuildKit
/// ignores it at this level) and is reported by later stages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[allow(missing_docs)]
pub enum Keyword {
    Add,
    Arg,
    Cmd,
    Copy,
    Entrypoint,
    Env,
    Expose,
    From,
    Healthcheck,
    Label,
    Maintainer,
    Onbuild,
    Run,
    Shell,
    Stopsignal,
    User,
    Volume,
    Workdir,
    Unknown,
}

impl Keyword {
    /// Classifies an instruction name, in any case.
    pub fn from_name(name: &str) -> Keyword {
        match name.to_ascii_lowercase().as_str() {
            "add" => Keyword::Add,
            "arg" => Keyword::Arg,
            "cmd" => Keyword::Cmd,
            "copy" => Keyword::Copy,
            "entrypoint" => Keyword::Entrypoint,
            "env" => Keyword::Env,
            "expose" => Keyword::Expose,
            "from" => Keyword::From,
            "healthcheck" => Keyword::Healthcheck,
            "label" => Keyword::Label,
            "maintainer" => Keyword::Maintainer,
            "onbuild" => Keyword::Onbuild,
            "run" => Keyword::Run,
            "shell" => Keyword::Shell,
            "stopsignal" => Keyword::Stopsignal,
            "user" => Keyword::User,
            "volume" => Keyword::Volume,
            "workdir" => Keyword::Workdir,
            _ => Keyword::Unknown,
        }
    }
}

/// One instruction: a logical line plus any heredoc bodies that follow it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// The instruction name as written (`RUN`, `run`, `Run`).
    pub name: String,
    /// Which instruction this is.
    pub keyword: Keyword,
    /// Where the name is.
    pub name_span: Span,
    /// Flags such as `--from=build`, verbatim as BuildKit extracts them: a
    /// space-separated value (`--from x`) is not joined, quotes are removed.
    pub flags: Vec<Flag>,
    /// The arguments as BuildKit's line parser for this instruction splits
    /// them (its `Next` chain).
    pub args: Vec<Word>,
    /// True when the arguments were written in JSON (exec) form.
    pub json: bool,
    /// The heredocs whose bodies follow this line, in order.
    pub heredocs: Vec<Heredoc>,
    /// For `ONBUILD`, the wrapped instruction.
    pub onbuild: Option<Box<Instruction>>,
    /// BuildKit's `Original`: the logical line, continuations joined and
    /// comment lines dropped, without the heredoc bodies.
    pub original: String,
    /// First physical line, 1-based.
    pub start_line: usize,
    /// Last physical line, 1-based, including heredoc bodies.
    pub end_line: usize,
    /// The whole instruction in the source, heredoc bodies included.
    pub span: Span,
    /// The comment lines directly above the instruction (BuildKit's `PrevComment`).
    pub comments: Vec<String>,
}

impl Instruction {
    /// The lower-cased instruction name, as BuildKit dispatches on it.
    pub fn cmd(&self) -> String {
        self.name.to_lowercase()
    }

    /// The first flag named `name` (without the dashes), e.g. `from`.
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().find(|f| f.name() == name)
    }

    /// The argument texts.
    pub fn arg_texts(&self) -> impl Iterator<Item = &str> {
        self.args.iter().map(|w| w.text.as_str())
    }
}

/// A builder flag such as `--chown=app:app`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    /// The flag as BuildKit records it, e.g. `--mount=type=cache,target=/x`.
    pub text: String,
    /// Where the flag is written.
    pub span: Span,
}

impl Flag {
    /// The name without leading dashes and without the value: `mount`.
    pub fn name(&self) -> &str {
        let body = self.text.trim_start_matches('-');
        body.split_once('=').map_or(body, |(n, _)| n)
    }

    /// The value after the first `=`, if any.
    pub fn value(&self) -> Option<&str> {
        self.text.split_once('=').map(|(_, v)| v)
    }
}

/// One argument of an instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The text as BuildKit's AST holds it (quotes kept in shell form,
    /// decoded in JSON form).
    pub text: String,
    /// Where it is written. For text BuildKit synthesizes (the empty value of
    /// an unknown instruction) the span is empty.
    pub span: Span,
}

/// A heredoc body attached to an instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    /// The delimiter word, quotes removed: `EOF`.
    pub name: String,
    /// The file descriptor before `<<` (`3<<EOF`), 0 when absent.
    pub file_descriptor: u64,
    /// False when the delimiter was quoted: the body is not expanded.
    pub expand: bool,
    /// True for `<<-`: leading tabs are stripped when the body is used.
    pub chomp: bool,
    /// The body, raw, with its line endings; the terminator line excluded.
    pub content: String,
    /// The body and the terminator line.
    pub span: Span,
}
