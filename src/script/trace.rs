//! What static evaluation of a build script yields: the simple commands the
//! script would run, in order, with their arguments evaluated as far as
//! they can be known without running anything.
//!
//! A value that cannot be known (a `$1`, a `$(date)`, a container ID) is
//! kept symbolic rather than guessed, so later stages can say precisely what
//! they could not resolve and point at the script text that produced it.

use std::fmt;

use crate::dockerfile::Span;

/// Which script file a span points into (the driver, or a file it sources).
pub type FileId = usize;

/// A byte range in one of the script files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Location {
    /// Which file (index into [`Trace::files`]).
    pub file: FileId,
    /// Where in it.
    pub span: Span,
}

/// One piece of an evaluated word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Text known statically.
    Lit(String),
    /// The standard output of an earlier command of the trace (its index),
    /// as captured by `$(...)` or backticks, with trailing newlines removed.
    Output(usize),
    /// Something that cannot be known statically.
    Unknown(Unknown),
}

/// Why a value is not known, and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown {
    /// The source text, e.g. `$1` or `$(git describe)`.
    pub text: String,
    /// Why it cannot be known, e.g. "positional parameter of the script".
    pub reason: String,
    /// Where it was written.
    pub at: Location,
}

/// An evaluated word: concatenated parts. After field splitting one shell
/// word may become several `Value`s.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Value {
    /// The parts, adjacent literals merged.
    pub parts: Vec<Part>,
}

impl Value {
    /// A fully known value.
    pub fn lit(s: impl Into<String>) -> Value {
        Value {
            parts: vec![Part::Lit(s.into())],
        }
    }

    /// The text when every part is literal.
    pub fn as_lit(&self) -> Option<String> {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                Part::Lit(s) => out.push_str(s),
                _ => return None,
            }
        }
        Some(out)
    }

    /// True when every part is literal.
    pub fn is_known(&self) -> bool {
        self.parts.iter().all(|p| matches!(p, Part::Lit(_)))
    }
}

impl fmt::Display for Value {
    /// A readable form: literals as is, `$(#3)` for command output,
    /// `⟨$1⟩` for unknowns.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.parts {
            match p {
                Part::Lit(s) => f.write_str(s)?,
                Part::Output(i) => write!(f, "$(#{i})")?,
                Part::Unknown(u) => write!(f, "⟨{}⟩", u.text)?,
            }
        }
        Ok(())
    }
}

/// An evaluated argument with where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    /// The value after expansion (one field after splitting).
    pub value: Value,
    /// The shell word it came from.
    pub at: Location,
}

/// A redirection of a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// The file descriptor (1 for `>`, 0 for `<`).
    pub fd: u32,
    /// `>`, `>>`, `<`, `2>&1`, `&>` ... as written.
    pub op: String,
    /// The target path or descriptor.
    pub target: Value,
}

/// Under what condition a command runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// On the normal path of the script.
    Always,
    /// In a branch or loop whose condition could not be decided statically.
    Maybe,
    /// Only when an earlier command failed (`|| exit 1`, `if [ $? -ne 0 ]`).
    OnFailure,
    /// From a `trap ... EXIT` handler, when the script exits.
    AtExit,
}

/// One simple command the script would run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// Arguments after expansion and field splitting; `argv[0]` is the
    /// command name. `sudo` and `env VAR=x` prefixes are kept as written
    /// (recognizers strip them).
    pub argv: Vec<Arg>,
    /// `VAR=value` assignments written before the command.
    pub env: Vec<(String, Value)>,
    /// Redirections.
    pub redirects: Vec<Redirect>,
    /// The working directory the command runs in, relative to the
    /// directory the script is run from (`.`), or absolute.
    pub cwd: Value,
    /// For a command in a pipeline `a | b | c`: the pipeline's id and this
    /// command's position in it.
    pub pipeline: Option<(usize, usize)>,
    /// True when the command runs inside `$(...)` whose output is captured.
    pub captured: bool,
    /// When it runs.
    pub condition: Condition,
    /// The whole command in the script.
    pub at: Location,
}

/// A problem met while evaluating, e.g. a construct that was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// What happened.
    pub message: String,
    /// Where.
    pub at: Location,
}

/// The evaluated script.
#[derive(Debug, Clone, Default)]
pub struct Trace {
    /// The files read: the script itself first, then sourced files, as
    /// (path relative to the script's directory, text).
    pub files: Vec<(String, String)>,
    /// The commands, in execution order (function calls and loops expanded).
    pub commands: Vec<Command>,
    /// What could not be evaluated.
    pub notes: Vec<Note>,
    /// True when `set -e` (or `-o errexit`, or a `#!... -e` shebang) is in effect.
    pub errexit: bool,
}
