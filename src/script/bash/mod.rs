//! Static evaluation of bash scripts with tree-sitter-bash.
//!
//! A builder-pattern setup is driven by a shell script (`build.sh`) that runs
//! `docker build`, `docker create`, `docker cp` and friends. To migrate it we
//! must know which commands it runs, with which arguments, in which
//! directory, without running anything. [`evaluate`] does that: it parses the
//! script with tree-sitter-bash, lowers the syntax tree into a small AST of
//! its own (which also papers over the grammar's known quirks), and then
//! interprets that AST the way bash would, except that
//!
//! - no external program runs: a command is recorded in the [`Trace`], its
//!   exit status is assumed to be success on the normal path (failure
//!   handlers are recorded with [`Condition::OnFailure`]), and its output, if
//!   captured by `$(...)`, is the symbolic [`Part::Output`];
//! - what cannot be known (arguments and environment that were not given,
//!   `$$`, `read`) becomes [`Part::Unknown`] with the reason and the place it
//!   was written, instead of a guess;
//! - a condition that cannot be decided evaluates every branch, marked
//!   [`Condition::Maybe`]; a `while` loop runs its body once, marked the same.
//!
//! A few commands whose output is a pure function of known inputs (`dirname`,
//! `basename`, `pwd`, `echo`, `printf`, `cat` of a file that exists, ...)
//! are still recorded but their output is computed, because scripts use them
//! to find their own directory and that must stay known.
//!
//! The evaluator never panics and always terminates: evaluated commands and
//! loop iterations are bounded by [`Options::max_steps`], and nesting
//! (syntax, function calls, `source`, `eval`) by fixed depths. Whatever it
//! skips or cannot follow is reported as a [`Note`].
//!
//! Paths are kept relative to the directory the script is run from (`.`),
//! which is assumed to be the script's own directory; [`Files`] reads sourced
//! files and answers file tests relative to it. `$PWD` and `$(pwd)` are that
//! relative form. A directory whose value is not known (`cd "$ROOT"`) is
//! taken as absolute.
//!
//! Policies worth knowing when reading a trace:
//!
//! - Inputs that were not given (an empty [`Options::args`], an environment
//!   variable missing from [`Options::env`]) are unknown, but a default the
//!   script gives them is taken: `${1:-latest}` is `latest`, and so is `TAG`
//!   after `[ -z "$TAG" ] && TAG=latest`. A variable set in a branch that may
//!   not run otherwise becomes unknown ("set under a condition ...").
//! - Exit statuses: an external command succeeds on the normal path; what
//!   runs only if it fails (`|| exit 1`, `if ! cmd`, `if [ $? -ne 0 ]`) is
//!   [`Condition::OnFailure`] and does not end the normal path. Commands
//!   whose status is a genuine answer (`grep`, `docker image inspect`,
//!   `command -v`) make both outcomes [`Condition::Maybe`].
//! - Recorded: every simple command that runs, builtins included (`cd`,
//!   `export`, `echo`, `exit`), except function calls (their bodies are
//!   recorded instead), tests (`[`, `[[`, `test`, `((`, `let`) and pure
//!   assignments. Inside a call `VAR=x f`, commands get `VAR=x` in
//!   [`Command::env`].
//!
//! [`dump`] renders a trace as text for tests and debugging.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use self::builtin::shebang_errexit;
use self::eval::Eval;
use super::trace::Trace;
use crate::dockerfile::Span;
// Named only in the links of the documentation above.
#[cfg(doc)]
use super::trace::{Command, Condition, Note, Part};

mod arith;
mod ast;
mod builtin;
mod command;
mod cond;
mod dump;
mod eval;
mod expand;
mod glob;
mod lower;
mod lower_word;
mod param;
mod state;
mod vars;

pub(crate) use self::builtin::{join_path, norm_path};
pub use self::dump::dump;

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

/// What a path is, as far as a [`Files`] source can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// A regular file (or anything readable as one).
    File,
    /// A directory.
    Dir,
    /// Nothing exists at that path.
    Missing,
}

/// Where sourced files are read from, and what file tests (`[ -f x ]`) look
/// at, so tests can use an in-memory tree.
///
/// Paths are relative to the script's directory and normalised (`a/b`, never
/// `./a/../a/b`), or absolute.
pub trait Files {
    /// The text of the file at `path`, or `None` when it cannot be read.
    fn read(&self, path: &str) -> Option<String>;

    /// What is at `path`; `None` when the source cannot tell. The default
    /// only knows that readable paths are files.
    fn entry(&self, path: &str) -> Option<Entry> {
        self.read(path).map(|_| Entry::File)
    }
}

/// Reads from a real directory, refusing paths that escape it (`..` above
/// the root, absolute paths outside it, symbolic links pointing outside).
#[derive(Debug, Clone)]
pub struct DirFiles(pub PathBuf);

impl DirFiles {
    /// The real path for `path`, if it stays inside the root.
    fn resolve(&self, path: &str) -> Option<PathBuf> {
        let root = self.0.canonicalize().ok()?;
        let relative = if path.starts_with('/') {
            let p = Path::new(path);
            match p.strip_prefix(&root) {
                Ok(rest) => rest.to_string_lossy().into_owned(),
                Err(_) => p.strip_prefix(&self.0).ok()?.to_string_lossy().into_owned(),
            }
        } else {
            path.to_string()
        };
        let normal = norm_path(&relative);
        if normal.starts_with("..") || normal.starts_with('/') {
            return None;
        }
        let joined = if normal == "." {
            root.clone()
        } else {
            root.join(&normal)
        };
        // A symbolic link may still lead outside; check the real target when
        // there is one.
        match joined.canonicalize() {
            Ok(real) if real.starts_with(&root) => Some(real),
            Ok(_) => None,
            Err(_) => Some(joined),
        }
    }
}

impl Files for DirFiles {
    fn read(&self, path: &str) -> Option<String> {
        let real = self.resolve(path)?;
        if !real.is_file() {
            return None;
        }
        let bytes = std::fs::read(real).ok()?;
        Some(String::from_utf8_lossy(&bytes).into_owned())
    }

    fn entry(&self, path: &str) -> Option<Entry> {
        let real = self.resolve(path)?;
        match std::fs::metadata(real) {
            Ok(m) if m.is_dir() => Some(Entry::Dir),
            Ok(_) => Some(Entry::File),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some(Entry::Missing),
            Err(_) => None,
        }
    }
}

/// An in-memory tree: normalised relative path to content. Directories are
/// implied by the paths of the files in them.
impl Files for BTreeMap<String, String> {
    fn read(&self, path: &str) -> Option<String> {
        self.get(&norm_path(path)).cloned()
    }

    fn entry(&self, path: &str) -> Option<Entry> {
        let p = norm_path(path);
        if self.contains_key(&p) {
            return Some(Entry::File);
        }
        let prefix = if p == "." {
            String::new()
        } else {
            format!("{p}/")
        };
        if self.keys().any(|k| k.starts_with(&prefix)) {
            Some(Entry::Dir)
        } else {
            Some(Entry::Missing)
        }
    }
}

/// How to evaluate a script.
#[derive(Debug, Clone)]
pub struct Options {
    /// Positional parameters `$1`...; when empty they are not known
    /// (`$1` is [`Part::Unknown`]) rather than known to be absent.
    pub args: Vec<String>,
    /// The environment; a variable neither set by the script nor here is
    /// unknown ("environment variable X is not set") unless the script gives
    /// it a default (`${X:-d}`).
    pub env: BTreeMap<String, String>,
    /// Bound on evaluated commands and loop iterations.
    pub max_steps: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            args: Vec::new(),
            env: BTreeMap::new(),
            max_steps: 10_000,
        }
    }
}

/// Evaluates the script `text`, invoked as `script_path` (what `$0` is, e.g.
/// `./build.sh`) from the directory `files` is rooted at.
///
/// Never panics and always returns: syntax errors and unsupported constructs
/// become [`Note`]s and evaluation continues around them.
pub fn evaluate(script_path: &str, text: &str, files: &dyn Files, options: &Options) -> Trace {
    let mut ev = Eval::new(script_path, files, options);
    ev.trace
        .files
        .push((norm_path(script_path), text.to_string()));
    ev.trace.errexit = shebang_errexit(text);
    let stmts = ev.parse_source(text, 0, 0, true, Span::new(0, text.len()), &[]);
    ev.run_file(&stmts);
    ev.finish();
    ev.trace
}

// ---------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------

/// Deepest syntax nesting lowered into the AST; deeper input is noted and
/// skipped, so recursion on hostile input stays within a thread's stack.
const MAX_SYNTAX_DEPTH: usize = 64;
/// Deepest nesting of evaluation (statements, function calls, `source`,
/// `eval`, command substitutions) before giving up on that branch.
const MAX_EVAL_DEPTH: usize = 160;
/// Deepest function call chain; deeper calls (usually recursion) stop.
const MAX_CALL_DEPTH: usize = 24;
/// Deepest `source`/`eval` nesting.
const MAX_SOURCE_DEPTH: usize = 12;
/// Longest value kept literally; longer ones become unknown so that
/// doubling loops cannot exhaust memory.
const MAX_VALUE_LEN: usize = 64 * 1024;
/// Most arguments of one command kept.
const MAX_ARGS: usize = 1024;
/// Most elements of an array kept: no command could take more of them, and
/// each `"${a[@]}"` copies them all, so an array grown by a self-sourcing
/// script made every step slow (found by fuzzing).
const MAX_ARRAY_LEN: usize = MAX_ARGS;
/// Longest string a glob pattern operation (`${x%%*.}`) is applied to;
/// matching is quadratic.
const MAX_PATTERN_SUBJECT: usize = 4096;
/// Largest brace expansion (`{1..100000}`) carried out.
const MAX_BRACE_WORDS: usize = 1024;
/// Syntax-error notes per parsed text, so mutated input cannot flood notes.
const MAX_SYNTAX_NOTES: usize = 8;
/// Budget for parsing `eval` texts: the sum of their squared lengths.
/// tree-sitter-bash's scanner rescans the rest of the line at every
/// position of malformed text, so a parse can be quadratic (0.5 s for a
/// 14 KB garbage line); a script that evals a growing variable and sources
/// itself twice per level stayed within the step bound while its parses took
/// 20 s (found by fuzzing: `testdata/fuzz/script_bash/`). 2^28 is one eval
/// of 16 KiB, or ten thousand of 160 bytes.
const MAX_EVAL_PARSE_COST: u64 = 1 << 28;

// Reasons of unknowns that stand for inputs not given. A default
// (`${X:-d}`) replaces them, unlike the output of a command.
const REASON_ENV: &str = "environment variable";
const REASON_ARG: &str = "positional parameter";
const DIVISION_BY_ZERO: &str = "division by zero";
/// Reason of a variable set in a branch that may not run.
const MERGED: &str = "set under a condition not known statically";
