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

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

use tree_sitter::{Node, Parser};

use super::trace::{
    Arg, Command, Condition, FileId, Location, Note, Part, Redirect, Trace, Unknown, Value,
};
use crate::dockerfile::Span;

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

// ---------------------------------------------------------------------------
// AST
// ---------------------------------------------------------------------------

/// A statement, lowered from tree-sitter's tree.
#[derive(Debug)]
enum Stmt {
    Simple(Simple),
    Pipeline(Vec<Stmt>),
    Not(Box<Stmt>),
    /// `a && b || c`: the first statement and (is `&&`, statement) pairs.
    AndOr(Box<Stmt>, Vec<(bool, Stmt)>),
    Subshell(Vec<Stmt>),
    Group(Vec<Stmt>),
    /// `if` / `elif` branches as (condition, body), then the `else` body.
    If(Vec<(Vec<Stmt>, Vec<Stmt>)>, Option<Vec<Stmt>>, Location),
    Case(Word, Vec<CaseItem>, Location),
    For {
        var: String,
        list: Option<Vec<Word>>,
        body: Vec<Stmt>,
        at: Location,
    },
    CFor {
        init: Option<Word>,
        cond: Option<Word>,
        step: Option<Word>,
        body: Vec<Stmt>,
        at: Location,
    },
    While {
        until: bool,
        cond: Vec<Stmt>,
        body: Vec<Stmt>,
        at: Location,
    },
    Func(String, Rc<Stmt>),
    /// `[ ... ]` (false) or `[[ ... ]]` (true): the words between.
    Test(bool, Vec<Word>, Location),
    Arith(Word),
    Redirected(Box<Stmt>, Vec<Redir>),
    Background(Box<Stmt>),
}

/// A simple command (also declaration commands and bare assignments).
#[derive(Debug)]
struct Simple {
    assigns: Vec<Assign>,
    args: Vec<ArgAst>,
    redirs: Vec<Redir>,
    at: Location,
}

#[derive(Debug)]
enum ArgAst {
    Word(Word),
    /// An assignment argument of `export`/`local`/`declare`/...
    Assign(Assign),
}

#[derive(Debug, Clone)]
struct Assign {
    name: String,
    index: Option<Word>,
    append: bool,
    value: AssignVal,
    at: Location,
}

#[derive(Debug, Clone)]
enum AssignVal {
    Scalar(Word),
    Array(Vec<Word>),
}

#[derive(Debug, Clone)]
struct Redir {
    fd: Option<u32>,
    op: String,
    target: Option<Word>,
}

#[derive(Debug)]
struct CaseItem {
    patterns: Vec<Word>,
    body: Vec<Stmt>,
    /// `;&` (run the next body too) or `;;&` (keep testing).
    fallthrough: Option<bool>,
}

/// A shell word: its pieces, where it is and how it was written.
#[derive(Debug, Clone)]
struct Word {
    parts: Vec<WP>,
    at: Location,
    text: String,
}

/// A piece of a word. The `bool`s say whether it was quoted.
#[derive(Debug, Clone)]
enum WP {
    Lit(String, bool),
    Param(Rc<Param>, bool),
    Sub(Rc<Sub>, bool),
    Arith(Rc<Word>, bool),
    /// A leading `~` or `~user`.
    Tilde(String, Location),
    /// An already evaluated part (from `eval`/`trap` strings).
    Fixed(Part),
    ProcSub(Rc<Sub>),
}

/// `$(...)`, backticks, `<(...)`.
#[derive(Debug)]
struct Sub {
    body: Vec<Stmt>,
    /// `$(<file)`.
    read_file: Option<Word>,
    at: Location,
    text: String,
}

/// `$x`, `${x...}`.
#[derive(Debug)]
struct Param {
    name: String,
    index: Option<Word>,
    op: POp,
    at: Location,
    text: String,
}

#[derive(Debug)]
enum POp {
    Plain,
    Length,
    Indirect,
    /// `:-` / `-` (the bool: with colon).
    Default(bool, Word),
    Assign(bool, Word),
    Alt(bool, Word),
    Error(bool, Word),
    /// `#`/`##` (the bool: longest).
    TrimPrefix(bool, Word),
    TrimSuffix(bool, Word),
    /// Mode `/`, `//`, `/#`, `/%`; pattern; replacement.
    Replace(&'static str, Word, Word),
    /// `^`/`^^` (true) or `,`/`,,`; the bool: every character.
    Case(bool, bool),
    Substr(Word, Option<Word>),
    Unsupported,
}

// ---------------------------------------------------------------------------
// Lowering tree-sitter's tree into the AST
// ---------------------------------------------------------------------------

/// How literal text inside a word is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Outside quotes: backslash quotes the next character.
    Unquoted,
    /// Inside `"..."`: backslash only quotes `$`, `` ` ``, `"`, `\`.
    Double,
    /// A here-document body; `strip` for `<<-`, `expand` unless the
    /// delimiter was quoted.
    Heredoc { strip: bool, expand: bool },
    /// Inside `$((...))`: no escapes, nothing is split.
    Arith,
}

/// Node kinds that are a unit of a word with their own meaning.
const ATOMS: &[&str] = &[
    "string",
    "raw_string",
    "ansi_c_string",
    "translated_string",
    "simple_expansion",
    "expansion",
    "command_substitution",
    "arithmetic_expansion",
    "process_substitution",
];
/// The atoms that are special inside double quotes and here-documents.
const DQ_ATOMS: &[&str] = &[
    "simple_expansion",
    "expansion",
    "command_substitution",
    "arithmetic_expansion",
];
/// Leaves of a `[ ... ]` / `[[ ... ]]` expression that are (parts of) words.
const TEST_LEAVES: &[&str] = &[
    "word",
    "number",
    "regex",
    "extglob_pattern",
    "test_operator",
    "variable_name",
    "special_variable_name",
    "concatenation",
];

/// Node kinds that are statements.
const STATEMENTS: &[&str] = &[
    "command",
    "declaration_command",
    "unset_command",
    "variable_assignment",
    "variable_assignments",
    "pipeline",
    "list",
    "negated_command",
    "subshell",
    "compound_statement",
    "if_statement",
    "case_statement",
    "for_statement",
    "c_style_for_statement",
    "while_statement",
    "function_definition",
    "test_command",
    "redirected_statement",
];

/// Private-use characters that delimit a placeholder for an evaluated part
/// when a string with unknown parts is parsed again (`eval "$cmd"`).
const HOLE_OPEN: char = '\u{E000}';
const HOLE_CLOSE: char = '\u{E001}';

/// A node's children with their field names, read with a cursor (indexing
/// children is quadratic in tree-sitter).
fn kids<'t>(n: Node<'t>) -> Vec<(Node<'t>, Option<&'static str>)> {
    let mut out = Vec::new();
    let mut c = n.walk();
    if c.goto_first_child() {
        loop {
            out.push((c.node(), c.field_name()));
            if !c.goto_next_sibling() {
                break;
            }
        }
    }
    out
}

/// Lowers one parsed text (the script, a sourced file, an `eval` string).
struct Lower<'a> {
    src: &'a str,
    file: FileId,
    /// Offset of `src` in the file, when locations map exactly.
    base: usize,
    exact: bool,
    /// Where everything points when they do not (text built at run time).
    anchor: Span,
    holes: &'a [Part],
    notes: Vec<Note>,
    depth: usize,
    deep_noted: bool,
}

impl<'a> Lower<'a> {
    fn loc_at(&self, a: usize, b: usize) -> Location {
        let span = if self.exact {
            Span::new(self.base + a, self.base + b)
        } else {
            self.anchor
        };
        Location {
            file: self.file,
            span,
        }
    }

    fn loc(&self, n: Node) -> Location {
        self.loc_at(n.start_byte(), n.end_byte())
    }

    fn text(&self, a: usize, b: usize) -> &'a str {
        self.src.get(a..b).unwrap_or("")
    }

    fn node_text(&self, n: Node) -> &'a str {
        self.text(n.start_byte(), n.end_byte())
    }

    fn note(&mut self, message: impl Into<String>, at: Location) {
        self.notes.push(Note {
            message: message.into(),
            at,
        });
    }

    /// Notes every syntax error (ERROR and MISSING nodes), outermost only.
    fn syntax_errors(&mut self, root: Node) {
        let mut stack = vec![root];
        let mut count = 0;
        while let Some(n) = stack.pop() {
            if n.is_error() || n.is_missing() {
                count += 1;
                if count <= MAX_SYNTAX_NOTES {
                    let msg = if n.is_missing() {
                        format!("syntax error: missing `{}`", n.kind())
                    } else {
                        let t: String = self
                            .node_text(n)
                            .lines()
                            .next()
                            .unwrap_or("")
                            .chars()
                            .take(40)
                            .collect();
                        format!("syntax error near `{}`", t.trim())
                    };
                    let at = self.loc(n);
                    self.note(msg, at);
                }
                continue;
            }
            if !n.has_error() {
                continue;
            }
            for (c, _) in kids(n).into_iter().rev() {
                stack.push(c);
            }
        }
        if count > MAX_SYNTAX_NOTES {
            let at = self.loc(root);
            self.note(
                format!("{} more syntax errors", count - MAX_SYNTAX_NOTES),
                at,
            );
        }
    }

    /// The statements among a node's children (a program, a group, a body).
    fn body(&mut self, n: Node) -> Vec<Stmt> {
        let mut out = Vec::new();
        for (c, field) in kids(n) {
            if !c.is_named() {
                if c.kind() == "&"
                    && let Some(last) = out.pop()
                {
                    out.push(Stmt::Background(Box::new(last)));
                }
                continue;
            }
            if field == Some("redirect") {
                continue;
            }
            match c.kind() {
                "comment" | "heredoc_body" | "heredoc_end" => {}
                // Recover what was parsed inside an error; the error itself
                // was noted by `syntax_errors`.
                "ERROR" => out.extend(self.recover(c)),
                _ => out.extend(self.stmt(c)),
            }
        }
        out
    }

    /// The statements tree-sitter recognised inside an ERROR node; the
    /// fragments around them are dropped silently (the error was noted).
    fn recover(&mut self, n: Node) -> Vec<Stmt> {
        let mut out = Vec::new();
        if self.depth >= MAX_SYNTAX_DEPTH {
            return out;
        }
        self.depth += 1;
        for (c, _) in kids(n) {
            if c.kind() == "ERROR" {
                out.extend(self.recover(c));
            } else if STATEMENTS.contains(&c.kind()) {
                out.extend(self.stmt(c));
            }
        }
        self.depth -= 1;
        out
    }

    fn stmt(&mut self, n: Node) -> Option<Stmt> {
        if self.depth >= MAX_SYNTAX_DEPTH {
            if !self.deep_noted {
                self.deep_noted = true;
                let at = self.loc(n);
                self.note("nesting too deep; the inner part was skipped", at);
            }
            return None;
        }
        self.depth += 1;
        let s = self.stmt_inner(n);
        self.depth -= 1;
        s
    }

    fn stmt_inner(&mut self, n: Node) -> Option<Stmt> {
        Some(match n.kind() {
            "command" => self.command(n),
            "declaration_command" | "unset_command" => self.declaration(n),
            "variable_assignment" => Stmt::Simple(Simple {
                assigns: vec![self.assign(n)],
                args: Vec::new(),
                redirs: Vec::new(),
                at: self.loc(n),
            }),
            "variable_assignments" => {
                let assigns = kids(n)
                    .into_iter()
                    .filter(|(c, _)| c.kind() == "variable_assignment")
                    .map(|(c, _)| self.assign(c))
                    .collect();
                Stmt::Simple(Simple {
                    assigns,
                    args: Vec::new(),
                    redirs: Vec::new(),
                    at: self.loc(n),
                })
            }
            "pipeline" => self.pipeline(n),
            "list" => self.list(n),
            "negated_command" => {
                let inner = kids(n)
                    .into_iter()
                    .find(|(c, _)| c.is_named() && c.kind() != "comment");
                let inner = inner.and_then(|(c, _)| self.stmt(c))?;
                Stmt::Not(Box::new(inner))
            }
            "subshell" => Stmt::Subshell(self.body(n)),
            "compound_statement" => {
                let ks = kids(n);
                match ks.first() {
                    Some((open, _)) if open.kind() == "((" => {
                        let end = ks
                            .iter()
                            .rev()
                            .find(|(c, _)| c.kind() == "))")
                            .map_or(n.end_byte(), |(c, _)| c.start_byte());
                        Stmt::Arith(self.word_at(n, open.end_byte(), end, Mode::Arith))
                    }
                    _ => Stmt::Group(self.body(n)),
                }
            }
            "if_statement" => self.if_statement(n),
            "case_statement" => self.case_statement(n),
            "for_statement" => self.for_statement(n),
            "c_style_for_statement" => self.c_for(n),
            "while_statement" => {
                let mut until = false;
                let mut cond = Vec::new();
                let mut body = Vec::new();
                for (c, field) in kids(n) {
                    match field {
                        _ if c.kind() == "until" => until = true,
                        Some("condition") if c.is_named() => cond.extend(self.stmt(c)),
                        Some("body") => body = self.body(c),
                        _ => {}
                    }
                }
                Stmt::While {
                    until,
                    cond,
                    body,
                    at: self.loc(n),
                }
            }
            "function_definition" => {
                let name = n
                    .child_by_field_name("name")
                    .map(|c| self.node_text(c).to_string())?;
                let body = n.child_by_field_name("body").and_then(|b| self.stmt(b))?;
                Stmt::Func(name, Rc::new(body))
            }
            "test_command" => self.test_command(n),
            "redirected_statement" => self.redirected(n),
            "ERROR" => Stmt::Group(self.recover(n)),
            "comment" => return None,
            other => {
                let at = self.loc(n);
                self.note(format!("unsupported construct `{other}` skipped"), at);
                return None;
            }
        })
    }

    fn command(&mut self, n: Node) -> Stmt {
        let mut assigns = Vec::new();
        let mut args = Vec::new();
        let mut redirs = Vec::new();
        let mut name_start = None;
        let mut assigns_end = None;
        // tree-sitter-bash splits `ab\<newline>cd` in two words; bash
        // removes the line continuation and reads one.
        let mut ranges: Vec<(usize, usize, Vec<Node>)> = Vec::new();
        for (c, field) in kids(n) {
            if field == Some("argument") {
                match ranges.last_mut() {
                    Some(last) if self.text(last.1, c.start_byte()) == "\\\n" => {
                        last.1 = c.end_byte();
                        last.2.push(c);
                    }
                    _ => ranges.push((c.start_byte(), c.end_byte(), vec![c])),
                }
            }
        }
        let mut ranges = ranges.into_iter().peekable();
        for (c, field) in kids(n) {
            match field {
                Some("name") => {
                    name_start = Some(c.start_byte());
                    args.push(ArgAst::Word(self.word(c)));
                }
                Some("argument") => {
                    if let Some((a, b, nodes)) = ranges.next_if(|r| r.0 == c.start_byte()) {
                        let mut w = self.word_in(&nodes, a, b, Mode::Unquoted);
                        tilde(&mut w);
                        args.push(ArgAst::Word(w));
                    }
                }
                Some("redirect") => redirs.extend(self.redirect(c)),
                _ if c.kind() == "variable_assignment" => {
                    assigns_end = Some(c.end_byte());
                    assigns.push(self.assign(c));
                }
                _ => {}
            }
        }
        let at = self.loc(n);
        if let (Some(ArgAst::Word(w)), true) = (args.first(), assigns.is_empty())
            && matches!(
                w.text.as_str(),
                "fi" | "then" | "else" | "elif" | "do" | "done" | "esac" | "in" | "}" | ")"
            )
        {
            // tree-sitter-bash reads a stray keyword as a command; bash
            // rejects it.
            self.note(
                format!("syntax error near unexpected token `{}`", w.text),
                w.at,
            );
            return Stmt::Group(Vec::new());
        }
        // tree-sitter-bash joins `A=1 B=2 ` (trailing blank) with the next
        // line's command; split them again where an unescaped newline lies
        // between the assignments and the name.
        if let (Some(a), Some(b)) = (assigns_end, name_start) {
            let gap = self.text(a, b);
            if gap.contains('\n') && !gap.trim_end_matches([' ', '\t', '\n']).ends_with('\\') {
                let first = Stmt::Simple(Simple {
                    assigns,
                    args: Vec::new(),
                    redirs: Vec::new(),
                    at,
                });
                let second = Stmt::Simple(Simple {
                    assigns: Vec::new(),
                    args,
                    redirs,
                    at: self.loc_at(b, n.end_byte()),
                });
                return Stmt::Group(vec![first, second]);
            }
        }
        Stmt::Simple(Simple {
            assigns,
            args,
            redirs,
            at,
        })
    }

    /// `export`/`local`/`declare`/`typeset`/`readonly`/`unset`.
    fn declaration(&mut self, n: Node) -> Stmt {
        let mut args = Vec::new();
        let mut redirs = Vec::new();
        for (c, field) in kids(n) {
            if field == Some("redirect") || c.kind().ends_with("_redirect") {
                redirs.extend(self.redirect(c));
            } else if !c.is_named() {
                if args.is_empty() {
                    args.push(ArgAst::Word(self.plain_word(c.start_byte(), c.end_byte())));
                }
            } else if c.kind() == "variable_assignment" {
                args.push(ArgAst::Assign(self.assign(c)));
            } else if c.kind() != "comment" {
                args.push(ArgAst::Word(self.word(c)));
            }
        }
        Stmt::Simple(Simple {
            assigns: Vec::new(),
            args,
            redirs,
            at: self.loc(n),
        })
    }

    fn assign(&mut self, n: Node) -> Assign {
        let mut name = String::new();
        let mut index = None;
        let mut append = false;
        let mut op_end = None;
        for (c, field) in kids(n) {
            match field {
                Some("name") => {
                    if c.kind() == "subscript" {
                        if let Some(v) = c.child_by_field_name("name") {
                            name = self.node_text(v).to_string();
                        }
                        index = c.child_by_field_name("index").map(|i| self.word(i));
                    } else {
                        name = self.node_text(c).to_string();
                    }
                }
                _ if !c.is_named() && (c.kind() == "=" || c.kind() == "+=") && op_end.is_none() => {
                    append = c.kind() == "+=";
                    op_end = Some(c.end_byte());
                }
                _ => {}
            }
        }
        let at = self.loc(n);
        let value = match (op_end, n.child_by_field_name("value")) {
            (Some(_), Some(v)) if v.kind() == "array" => AssignVal::Array(
                kids(v)
                    .into_iter()
                    .filter(|(c, _)| c.is_named() && c.kind() != "comment")
                    .map(|(c, _)| self.word(c))
                    .collect(),
            ),
            (Some(e), _) => {
                let mut w = self.word_at(n, e, n.end_byte(), Mode::Unquoted);
                tilde(&mut w);
                AssignVal::Scalar(w)
            }
            (None, _) => AssignVal::Scalar(self.plain_word(n.end_byte(), n.end_byte())),
        };
        Assign {
            name,
            index,
            append,
            value,
            at,
        }
    }

    fn pipeline(&mut self, n: Node) -> Stmt {
        let mut items: Vec<Stmt> = Vec::new();
        for (c, _) in kids(n) {
            if !c.is_named() {
                // `a |& b` is `a 2>&1 | b`.
                if c.kind() == "|&"
                    && let Some(last) = items.pop()
                {
                    items.push(with_redirs(last, vec![stderr_to_stdout()]));
                }
                continue;
            }
            if c.kind() != "comment" {
                items.extend(self.stmt(c));
            }
        }
        if items.len() == 1 {
            items.pop().unwrap_or(Stmt::Group(Vec::new()))
        } else {
            Stmt::Pipeline(items)
        }
    }

    fn list(&mut self, n: Node) -> Stmt {
        // `a && b || c` nests to the left; walk the spine without recursing
        // so long chains are not cut by the nesting bound.
        let mut spine = Vec::new();
        let mut cur = n;
        loop {
            let ks = kids(cur);
            let inner = ks
                .iter()
                .find(|(c, _)| c.is_named() && c.kind() != "comment")
                .map(|(c, _)| *c);
            spine.push(ks);
            match inner {
                Some(c) if c.kind() == "list" => cur = c,
                _ => break,
            }
        }
        let mut first: Option<Stmt> = None;
        let mut rest = Vec::new();
        let mut and = true;
        let children = spine.into_iter().rev().enumerate().flat_map(|(i, ks)| {
            let mut skipped = i == 0;
            ks.into_iter().filter(move |(c, _)| {
                if !skipped && c.is_named() && c.kind() != "comment" {
                    skipped = true;
                    return false;
                }
                true
            })
        });
        for (c, _) in children.collect::<Vec<_>>() {
            if !c.is_named() {
                match c.kind() {
                    "&&" => and = true,
                    "||" => and = false,
                    _ => {}
                }
                continue;
            }
            if c.kind() == "comment" {
                continue;
            }
            let Some(s) = self.stmt(c) else { continue };
            if first.is_none() {
                first = Some(s);
            } else {
                rest.push((and, s));
            }
        }
        match first {
            Some(f) => Stmt::AndOr(Box::new(f), rest),
            None => Stmt::Group(Vec::new()),
        }
    }

    fn if_statement(&mut self, n: Node) -> Stmt {
        let mut branches = Vec::new();
        let mut else_body = None;
        let (mut cond, mut body, mut in_body) = (Vec::new(), Vec::new(), false);
        for (c, _) in kids(n) {
            match c.kind() {
                "then" => in_body = true,
                "elif_clause" => {
                    if in_body {
                        branches.push((std::mem::take(&mut cond), std::mem::take(&mut body)));
                        in_body = false;
                    }
                    branches.push(self.elif_clause(c));
                }
                "else_clause" => {
                    if in_body {
                        branches.push((std::mem::take(&mut cond), std::mem::take(&mut body)));
                        in_body = false;
                    }
                    else_body = Some(self.body(c));
                }
                "comment" => {}
                _ if c.is_named() => {
                    let s = self.stmt(c);
                    if in_body {
                        body.extend(s)
                    } else {
                        cond.extend(s)
                    }
                }
                _ => {}
            }
        }
        if in_body {
            branches.insert(0, (cond, body));
        }
        Stmt::If(branches, else_body, self.loc(n))
    }

    fn elif_clause(&mut self, n: Node) -> (Vec<Stmt>, Vec<Stmt>) {
        let (mut cond, mut body, mut in_body) = (Vec::new(), Vec::new(), false);
        for (c, _) in kids(n) {
            if c.kind() == "then" {
                in_body = true;
            } else if c.is_named() && c.kind() != "comment" {
                let s = self.stmt(c);
                if in_body {
                    body.extend(s)
                } else {
                    cond.extend(s)
                }
            }
        }
        (cond, body)
    }

    fn case_statement(&mut self, n: Node) -> Stmt {
        let subject = match n.child_by_field_name("value") {
            Some(v) => self.word(v),
            None => self.plain_word(n.start_byte(), n.start_byte()),
        };
        let mut items = Vec::new();
        for (c, _) in kids(n) {
            if c.kind() != "case_item" {
                continue;
            }
            let mut patterns = Vec::new();
            let mut body = Vec::new();
            let mut fallthrough = None;
            for (k, field) in kids(c) {
                match field {
                    Some("value") => patterns.push(self.word(k)),
                    Some("fallthrough") => fallthrough = Some(k.kind() == ";;&"),
                    Some(_) => {}
                    None if k.is_named() && k.kind() != "comment" => body.extend(self.stmt(k)),
                    None => {}
                }
            }
            items.push(CaseItem {
                patterns,
                body,
                fallthrough,
            });
        }
        Stmt::Case(subject, items, self.loc(n))
    }

    fn for_statement(&mut self, n: Node) -> Stmt {
        let mut var = String::new();
        let mut list = None;
        let mut body = Vec::new();
        for (c, field) in kids(n) {
            match field {
                Some("variable") => var = self.node_text(c).to_string(),
                Some("value") => list.get_or_insert_with(Vec::new).push(self.word(c)),
                Some("body") => body = self.body(c),
                _ if c.kind() == "in" => {
                    list.get_or_insert_with(Vec::new);
                }
                _ => {}
            }
        }
        Stmt::For {
            var,
            list,
            body,
            at: self.loc(n),
        }
    }

    fn c_for(&mut self, n: Node) -> Stmt {
        let ks = kids(n);
        let mut marks = Vec::new();
        let mut body = Vec::new();
        for (c, field) in &ks {
            match c.kind() {
                "((" | ";" | "))" if !c.is_named() && marks.len() < 4 => {
                    marks.push((c.start_byte(), c.end_byte()))
                }
                _ if *field == Some("body") => body = self.body(*c),
                _ => {}
            }
        }
        let mut clause = |i: usize| -> Option<Word> {
            let (a, b) = (marks.get(i)?.1, marks.get(i + 1)?.0);
            if self.text(a, b).trim().is_empty() {
                return None;
            }
            Some(self.word_at(n, a, b, Mode::Arith))
        };
        let (init, cond, step) = (clause(0), clause(1), clause(2));
        Stmt::CFor {
            init,
            cond,
            step,
            body,
            at: self.loc(n),
        }
    }

    /// `[ ... ]` and `[[ ... ]]`: rebuilt as the words between the
    /// brackets, which is what `test` sees, then evaluated by our own parser.
    fn test_command(&mut self, n: Node) -> Stmt {
        let ks = kids(n);
        let double = ks.first().is_some_and(|(c, _)| c.kind() == "[[");
        let mut leaves: Vec<Node> = Vec::new();
        let inner: Vec<Node> = ks
            .iter()
            .enumerate()
            .filter(|(i, (c, _))| {
                !((*i == 0 && !c.is_named())
                    || (*i + 1 == ks.len() && matches!(c.kind(), "]" | "]]")))
            })
            .map(|(_, (c, _))| *c)
            .collect();
        let mut stack: Vec<Node> = inner.into_iter().rev().collect();
        while let Some(c) = stack.pop() {
            if c.kind() == "comment" {
                continue;
            }
            if !c.is_named() || ATOMS.contains(&c.kind()) || TEST_LEAVES.contains(&c.kind()) {
                if c.start_byte() < c.end_byte() {
                    leaves.push(c);
                }
            } else {
                for (k, _) in kids(c).into_iter().rev() {
                    stack.push(k);
                }
            }
        }
        // Adjacent leaves form one word (`"$a"x`), except the punctuation
        // of `[[`.
        let punct = |c: &Node| !c.is_named() && matches!(c.kind(), "(" | ")" | "&&" | "||" | "!");
        let mut groups: Vec<(usize, usize, Vec<Node>)> = Vec::new();
        let mut prev_punct = true;
        for leaf in leaves {
            let p = double && punct(&leaf);
            match groups.last_mut() {
                Some(last) if last.1 == leaf.start_byte() && !p && !prev_punct => {
                    last.1 = leaf.end_byte();
                    last.2.push(leaf);
                }
                _ => groups.push((leaf.start_byte(), leaf.end_byte(), vec![leaf])),
            }
            prev_punct = p;
        }
        let words = groups
            .into_iter()
            .map(|(a, b, nodes)| self.word_in(&nodes, a, b, Mode::Unquoted))
            .collect();
        Stmt::Test(double, words, self.loc(n))
    }

    fn redirected(&mut self, n: Node) -> Stmt {
        let body_node = n.child_by_field_name("body");
        let mut redirs = Vec::new();
        let mut tail = Vec::new();
        let mut andor = None;
        let mut covered = Vec::new();
        for (c, _) in kids(n) {
            if Some(c) == body_node {
                continue;
            }
            covered.push((c.start_byte(), c.end_byte()));
            match c.kind() {
                "heredoc_redirect" => self.heredoc(c, &mut redirs, &mut tail, &mut andor),
                "file_redirect" | "herestring_redirect" => redirs.extend(self.redirect(c)),
                _ => {}
            }
        }
        let mut stmt = match body_node.and_then(|b| self.stmt(b)) {
            Some(s) => s,
            None => Stmt::Simple(Simple {
                assigns: Vec::new(),
                args: Vec::new(),
                redirs: Vec::new(),
                at: self.loc(n),
            }),
        };
        // tree-sitter-bash drops a word standing between a command and a
        // here-document (`docker build -t x - <<EOF`); take it back from the
        // text no child covers.
        if let (Some(b), Stmt::Simple(s)) = (body_node, &mut stmt)
            && b.kind() == "command"
        {
            let mut pos = b.end_byte();
            covered.sort();
            let mut gaps = Vec::new();
            for &(a, e) in &covered {
                if a > pos {
                    gaps.push((pos, a));
                }
                pos = pos.max(e);
            }
            if n.end_byte() > pos {
                gaps.push((pos, n.end_byte()));
            }
            for (a, e) in gaps {
                for (ta, tb) in blank_split(self.text(a, e)) {
                    if self.text(a + ta, a + tb).starts_with('#') {
                        break;
                    }
                    s.args.push(ArgAst::Word(self.plain_word(a + ta, a + tb)));
                }
            }
        }
        // tree-sitter-bash hangs `a && b > f` and `a | b > f` on the whole
        // list or pipeline; in bash the redirection is `b`'s.
        let mut out = match body_node.map(|b| b.kind()) {
            Some("list" | "pipeline") => redirect_last(stmt, redirs),
            _ => with_redirs(stmt, redirs),
        };
        if !tail.is_empty() {
            let mut items = vec![out];
            items.extend(tail);
            out = Stmt::Pipeline(items);
        }
        if let Some((and, right)) = andor {
            out = Stmt::AndOr(Box::new(out), vec![(and, right)]);
        }
        out
    }

    /// A here-document, plus what tree-sitter-bash nests inside it: further
    /// redirections, the rest of a pipeline, a following `&&`/`||`.
    fn heredoc(
        &mut self,
        n: Node,
        redirs: &mut Vec<Redir>,
        tail: &mut Vec<Stmt>,
        andor: &mut Option<(bool, Stmt)>,
    ) {
        let mut op = "<<".to_string();
        let mut fd = None;
        let mut quoted = false;
        let mut body = None;
        let mut extra = Vec::new();
        let mut and = true;
        for (c, field) in kids(n) {
            match (c.kind(), field) {
                ("<<" | "<<-", _) => op = c.kind().to_string(),
                (_, Some("descriptor")) => fd = self.node_text(c).parse().ok(),
                ("heredoc_start", _) => quoted = self.node_text(c).contains(['\'', '"', '\\']),
                ("heredoc_body", _) => body = Some(c),
                (_, Some("redirect")) => extra.extend(self.redirect(c)),
                ("&&", _) => and = true,
                ("||", _) => and = false,
                (_, Some("right")) => *andor = self.stmt(c).map(|s| (and, s)),
                ("pipeline", _) => {
                    for (k, _) in kids(c) {
                        if k.is_named() && k.kind() != "comment" {
                            tail.extend(self.stmt(k));
                        }
                    }
                }
                _ => {}
            }
        }
        let mode = Mode::Heredoc {
            strip: op == "<<-",
            expand: !quoted,
        };
        let target = match body {
            Some(b) => self.word_at(b, b.start_byte(), b.end_byte(), mode),
            None => self.plain_word(n.end_byte(), n.end_byte()),
        };
        redirs.push(Redir {
            fd,
            op,
            target: Some(target),
        });
        redirs.extend(extra);
    }

    fn redirect(&mut self, n: Node) -> Option<Redir> {
        let mut fd = None;
        let mut op = String::new();
        let mut dest: Option<(usize, usize)> = None;
        for (c, field) in kids(n) {
            match field {
                Some("descriptor") => fd = self.node_text(c).parse().ok(),
                Some("destination") => {
                    dest = Some(match dest {
                        Some((a, _)) => (a, c.end_byte()),
                        None => (c.start_byte(), c.end_byte()),
                    })
                }
                _ if !c.is_named() && op.is_empty() => op = c.kind().to_string(),
                _ if n.kind() == "herestring_redirect" && c.is_named() => {
                    dest = Some((c.start_byte(), c.end_byte()))
                }
                _ => {}
            }
        }
        if op.is_empty() {
            return None;
        }
        let target = dest.map(|(a, b)| self.word_at(n, a, b, Mode::Unquoted));
        Some(Redir { fd, op, target })
    }

    /// One shell word from a node.
    fn word(&mut self, n: Node) -> Word {
        let mut w = self.word_at(n, n.start_byte(), n.end_byte(), Mode::Unquoted);
        tilde(&mut w);
        w
    }

    /// A word of plain text (no node), for recovered words and keywords.
    fn plain_word(&mut self, a: usize, b: usize) -> Word {
        let mut parts = Vec::new();
        let mut line_start = false;
        self.lit(
            self.text(a, b),
            a,
            Mode::Unquoted,
            &mut parts,
            &mut line_start,
        );
        Word {
            parts,
            at: self.loc_at(a, b),
            text: self.text(a, b).to_string(),
        }
    }

    /// The word made of the text `[a, b)` under `root`: the atoms found
    /// there keep their meaning, the text between them is literal.
    fn word_at(&mut self, root: Node, a: usize, b: usize, mode: Mode) -> Word {
        self.word_in(&[root], a, b, mode)
    }

    /// Like [`Lower::word_at`] for text spread over sibling nodes; looking
    /// only under them keeps lowering linear.
    fn word_in(&mut self, roots: &[Node], a: usize, b: usize, mode: Mode) -> Word {
        let parts = self.parts_in(roots, a, b, mode);
        Word {
            parts,
            at: self.loc_at(a, b),
            text: self.text(a, b).to_string(),
        }
    }

    fn parts(&mut self, root: Node, a: usize, b: usize, mode: Mode) -> Vec<WP> {
        self.parts_in(&[root], a, b, mode)
    }

    fn parts_in(&mut self, roots: &[Node], a: usize, b: usize, mode: Mode) -> Vec<WP> {
        let kinds: &[&str] = match mode {
            Mode::Unquoted => ATOMS,
            Mode::Heredoc { expand: false, .. } => &[],
            _ => DQ_ATOMS,
        };
        let atoms: Vec<Node> = roots
            .iter()
            .flat_map(|r| find_atoms(*r, a, b, kinds))
            .collect();
        let mut parts = Vec::new();
        let mut pos = a;
        let mut line_start = true;
        let quoted = mode != Mode::Unquoted;
        for atom in atoms {
            // tree-sitter-bash puts the blanks before an expansion that
            // follows another one inside quotes into the expansion's node.
            let text = self.node_text(atom);
            let start = atom.start_byte() + (text.len() - text.trim_start().len());
            if start > pos {
                self.lit(
                    self.text(pos, start),
                    pos,
                    mode,
                    &mut parts,
                    &mut line_start,
                );
            }
            parts.extend(self.atom(atom, start, quoted));
            line_start = false;
            pos = atom.end_byte();
        }
        if b > pos {
            self.lit(self.text(pos, b), pos, mode, &mut parts, &mut line_start);
        }
        parts
    }

    /// Literal text of a word in `mode`, starting at byte `off`.
    fn lit(
        &mut self,
        text: &str,
        off: usize,
        mode: Mode,
        parts: &mut Vec<WP>,
        line_start: &mut bool,
    ) {
        let quoted = mode != Mode::Unquoted;
        let mut buf = String::new();
        let flush = |buf: &mut String, parts: &mut Vec<WP>| {
            if !buf.is_empty() {
                parts.push(WP::Lit(std::mem::take(buf), quoted));
            }
        };
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let mut i = 0;
        while i < chars.len() {
            let (pos, ch) = chars[i];
            let next = chars.get(i + 1).map(|&(_, c)| c);
            if let Mode::Heredoc { strip: true, .. } = mode
                && *line_start
                && ch == '\t'
            {
                i += 1;
                continue;
            }
            *line_start = ch == '\n';
            let expand = !matches!(mode, Mode::Heredoc { expand: false, .. });
            match ch {
                '\\' if expand && mode != Mode::Arith => {
                    let escapable = match mode {
                        Mode::Unquoted => next.is_some(),
                        Mode::Double => matches!(next, Some('$' | '`' | '"' | '\\' | '\n')),
                        _ => matches!(next, Some('$' | '`' | '\\' | '\n')),
                    };
                    if !escapable {
                        buf.push('\\');
                        i += 1;
                        continue;
                    }
                    let c = next.unwrap_or('\\');
                    i += 2;
                    if c == '\n' {
                        continue;
                    }
                    if quoted {
                        buf.push(c);
                    } else {
                        flush(&mut buf, parts);
                        parts.push(WP::Lit(c.to_string(), true));
                    }
                }
                '$' if expand => {
                    // A `$name` tree-sitter left inside plain text.
                    let mut j = i + 1;
                    match next {
                        Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                            while chars
                                .get(j)
                                .is_some_and(|&(_, c)| c.is_ascii_alphanumeric() || c == '_')
                            {
                                j += 1;
                            }
                        }
                        Some(c) if c.is_ascii_digit() || "@*#?$!-".contains(c) => j += 1,
                        _ => {
                            buf.push('$');
                            i += 1;
                            continue;
                        }
                    }
                    let end = chars.get(j).map_or(text.len(), |&(p, _)| p);
                    flush(&mut buf, parts);
                    let at = self.loc_at(off + pos, off + end);
                    let name = text[pos + 1..end].to_string();
                    let p = Param {
                        name,
                        index: None,
                        op: POp::Plain,
                        at,
                        text: text[pos..end].to_string(),
                    };
                    parts.push(WP::Param(Rc::new(p), quoted));
                    i = j;
                }
                HOLE_OPEN => {
                    let mut j = i + 1;
                    let mut digits = String::new();
                    while let Some(&(_, c)) = chars.get(j) {
                        if !c.is_ascii_digit() {
                            break;
                        }
                        digits.push(c);
                        j += 1;
                    }
                    let hole = digits.parse::<usize>().ok().and_then(|k| self.holes.get(k));
                    match (hole, chars.get(j)) {
                        (Some(part), Some(&(_, HOLE_CLOSE))) => {
                            flush(&mut buf, parts);
                            parts.push(WP::Fixed(part.clone()));
                            i = j + 1;
                        }
                        _ => {
                            buf.push(ch);
                            i += 1;
                        }
                    }
                }
                _ => {
                    buf.push(ch);
                    i += 1;
                }
            }
        }
        flush(&mut buf, parts);
    }

    /// An atom (a quoted string, an expansion) whose text starts at `s`.
    fn atom(&mut self, n: Node, s: usize, quoted: bool) -> Vec<WP> {
        if self.depth >= MAX_SYNTAX_DEPTH {
            return vec![WP::Lit(self.text(s, n.end_byte()).to_string(), true)];
        }
        self.depth += 1;
        let parts = self.atom_inner(n, s, quoted);
        self.depth -= 1;
        parts
    }

    fn atom_inner(&mut self, n: Node, s: usize, quoted: bool) -> Vec<WP> {
        let e = n.end_byte();
        let text = self.text(s, e);
        let at = self.loc_at(s, e);
        match n.kind() {
            "string" | "translated_string" => {
                let open = if text.starts_with('$') { 2 } else { 1 };
                let close = usize::from(text.len() > open && text.ends_with('"'));
                let mut parts = self.parts(n, (s + open).min(e), e - close, Mode::Double);
                if parts.is_empty() {
                    parts.push(WP::Lit(String::new(), true));
                }
                parts
            }
            "raw_string" => {
                let inner = text.strip_prefix('\'').unwrap_or(text);
                let inner = inner.strip_suffix('\'').unwrap_or(inner);
                vec![WP::Lit(inner.to_string(), true)]
            }
            "ansi_c_string" => {
                let inner = text.strip_prefix("$'").unwrap_or(text);
                let inner = inner.strip_suffix('\'').unwrap_or(inner);
                vec![WP::Lit(ansi_c(inner), true)]
            }
            "simple_expansion" => {
                let name = text.strip_prefix('$').unwrap_or(text).to_string();
                if name.is_empty() {
                    return vec![WP::Lit(text.to_string(), quoted)];
                }
                let p = Param {
                    name,
                    index: None,
                    op: POp::Plain,
                    at,
                    text: text.to_string(),
                };
                vec![WP::Param(Rc::new(p), quoted)]
            }
            "expansion" => vec![WP::Param(Rc::new(self.param(n, s, quoted)), quoted)],
            "command_substitution" => vec![WP::Sub(Rc::new(self.subst(n, s)), quoted)],
            "process_substitution" => vec![WP::ProcSub(Rc::new(self.subst(n, s)))],
            "arithmetic_expansion" => {
                let open = if text.starts_with("$((") { 3 } else { 2 };
                let close = if text.ends_with("))") {
                    2
                } else {
                    usize::from(text.ends_with(']'))
                };
                let (a, b) = (
                    (s + open).min(e),
                    e.saturating_sub(close).max((s + open).min(e)),
                );
                let w = self.word_at(n, a, b, Mode::Arith);
                vec![WP::Arith(
                    Rc::new(Word {
                        at,
                        text: text.to_string(),
                        ..w
                    }),
                    quoted,
                )]
            }
            _ => vec![WP::Lit(text.to_string(), quoted)],
        }
    }

    fn subst(&mut self, n: Node, s: usize) -> Sub {
        let text = self.text(s, n.end_byte());
        let at = self.loc_at(s, n.end_byte());
        // Inside backticks `\``, `\$` and `\\` are escapes (nested
        // substitution); tree-sitter-bash does not undo them, so parse the
        // unescaped text again.
        if let Some(inner) = text.strip_prefix('`') {
            let inner = inner.strip_suffix('`').unwrap_or(inner);
            let unescaped = unescape_backticks(inner);
            if unescaped != inner {
                let body = self.reparse(&unescaped, at);
                return Sub {
                    body,
                    read_file: None,
                    at,
                    text: text.to_string(),
                };
            }
        }
        let mut body = Vec::new();
        let mut read_file = None;
        for (c, field) in kids(n) {
            if field == Some("redirect") {
                if let Some(r) = self.redirect(c)
                    && r.op == "<"
                {
                    read_file = r.target;
                }
            } else if c.is_named() && c.kind() != "comment" {
                if c.kind() == "ERROR" {
                    body.extend(self.recover(c));
                } else {
                    body.extend(self.stmt(c));
                }
            }
        }
        if !body.is_empty() {
            read_file = None;
        }
        Sub {
            body,
            read_file,
            at: self.loc_at(s, n.end_byte()),
            text: self.text(s, n.end_byte()).to_string(),
        }
    }

    /// Statements of a text built from this one (its locations all point
    /// at `at`).
    fn reparse(&mut self, text: &str, at: Location) -> Vec<Stmt> {
        if self.depth >= MAX_SYNTAX_DEPTH {
            return Vec::new();
        }
        let mut parser = Parser::new();
        let Some(tree) = parser
            .set_language(&tree_sitter_bash::LANGUAGE.into())
            .ok()
            .and_then(|_| parser.parse(text, None))
        else {
            return Vec::new();
        };
        let mut inner = Lower {
            src: text,
            file: self.file,
            base: 0,
            exact: false,
            anchor: at.span,
            holes: self.holes,
            notes: Vec::new(),
            depth: self.depth + 1,
            deep_noted: self.deep_noted,
        };
        inner.syntax_errors(tree.root_node());
        let body = inner.body(tree.root_node());
        self.deep_noted |= inner.deep_noted;
        self.notes.extend(inner.notes);
        body
    }

    /// `${...}`, parsed from its text because tree-sitter-bash's parse of
    /// the operand is unreliable (`${x//a\/b/c}`); atoms inside keep their
    /// meaning.
    fn param(&mut self, n: Node, s: usize, quoted: bool) -> Param {
        let e = n.end_byte();
        let text = self.text(s, e).to_string();
        let at = self.loc_at(s, e);
        let unsupported = |name: String| Param {
            name,
            index: None,
            op: POp::Unsupported,
            at,
            text: text.clone(),
        };
        if !text.starts_with("${") || !text.ends_with('}') || text.len() < 4 {
            return unsupported(String::new());
        }
        let end = e - 1;
        let atoms = find_atoms(n, s + 2, end, ATOMS);
        let bytes = self.src.as_bytes();
        let at_byte = |p: usize| if p < end { bytes.get(p).copied() } else { None };
        let mut p = s + 2;
        let mut length = false;
        let mut indirect = false;
        if at_byte(p) == Some(b'#') && p + 1 < end {
            length = true;
            p += 1;
        } else if at_byte(p) == Some(b'!') && p + 1 < end {
            indirect = true;
            p += 1;
        }
        let name_start = p;
        match at_byte(p) {
            Some(c) if c.is_ascii_alphabetic() || c == b'_' => {
                while at_byte(p).is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_') {
                    p += 1;
                }
            }
            Some(c) if c.is_ascii_digit() => {
                while at_byte(p).is_some_and(|c| c.is_ascii_digit()) {
                    p += 1;
                }
            }
            Some(b'@' | b'*' | b'#' | b'?' | b'$' | b'!' | b'-') => p += 1,
            _ => return unsupported(String::new()),
        }
        let name = self.text(name_start, p).to_string();
        let mut index = None;
        if at_byte(p) == Some(b'[') {
            let Some(close) = scan_to(self.src, p + 1, end, &atoms, |c, depth| {
                c == b']' && depth == 0
            }) else {
                return unsupported(name);
            };
            index = Some(self.word_at(n, p + 1, close, Mode::Unquoted));
            p = close + 1;
        }
        let mk = |op: POp, index: Option<Word>| Param {
            name: name.clone(),
            index,
            op,
            at,
            text: text.clone(),
        };
        if p >= end {
            let op = if length {
                POp::Length
            } else if indirect {
                POp::Indirect
            } else {
                POp::Plain
            };
            return mk(op, index);
        }
        if length || indirect {
            return mk(POp::Unsupported, index);
        }
        const OPS: &[&str] = &[
            ":-", ":=", ":+", ":?", "##", "%%", "//", "/#", "/%", "^^", ",,", "-", "=", "+", "?",
            "#", "%", "/", "^", ",", ":", "@",
        ];
        let rest = self.text(p, end);
        let Some(op) = OPS.iter().find(|o| rest.starts_with(**o)) else {
            return mk(POp::Unsupported, index);
        };
        let a = p + op.len();
        // `value`: a value operand (not a pattern); `replacement`: tilde
        // expansion applies even inside double quotes.
        let operand =
            |this: &mut Self, a: usize, b: usize, value: bool, replacement: bool| -> Word {
                let mut w = this.word_at(n, a, b, Mode::Unquoted);
                if value && (!quoted || replacement) {
                    tilde(&mut w);
                }
                if value && quoted {
                    for part in &mut w.parts {
                        mark_quoted(part);
                    }
                }
                w
            };
        let op = match *op {
            ":-" | "-" => POp::Default(op.starts_with(':'), operand(self, a, end, true, false)),
            ":=" | "=" => POp::Assign(op.starts_with(':'), operand(self, a, end, true, false)),
            ":+" | "+" => POp::Alt(op.starts_with(':'), operand(self, a, end, true, false)),
            ":?" | "?" => POp::Error(op.starts_with(':'), operand(self, a, end, true, false)),
            "#" | "##" => POp::TrimPrefix(op.len() == 2, operand(self, a, end, false, false)),
            "%" | "%%" => POp::TrimSuffix(op.len() == 2, operand(self, a, end, false, false)),
            "/" | "//" | "/#" | "/%" => {
                let mode = match *op {
                    "//" => "//",
                    "/#" => "/#",
                    "/%" => "/%",
                    _ => "/",
                };
                let sep = scan_to(self.src, a, end, &atoms, |c, _| c == b'/');
                let (pat_end, rep_start) = sep.map_or((end, end), |q| (q, q + 1));
                let pat = operand(self, a, pat_end, false, false);
                let rep = operand(self, rep_start, end, true, true);
                POp::Replace(mode, pat, rep)
            }
            "^^" | "^" | ",," | "," if a == end => POp::Case(op.starts_with('^'), op.len() == 2),
            ":" => {
                let sep = scan_to(self.src, a, end, &atoms, |c, depth| c == b':' && depth == 0);
                let off = self.word_at(n, a, sep.unwrap_or(end), Mode::Arith);
                let len = sep.map(|q| self.word_at(n, q + 1, end, Mode::Arith));
                POp::Substr(off, len)
            }
            _ => POp::Unsupported,
        };
        mk(op, index)
    }
}

/// The text inside backticks with its escapes undone.
fn unescape_backticks(s: &str) -> String {
    let mut out = String::new();
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        match (c, it.peek()) {
            ('\\', Some('`' | '$' | '\\')) => out.extend(it.next()),
            _ => out.push(c),
        }
    }
    out
}

/// Marks a part as written inside double quotes.
fn mark_quoted(part: &mut WP) {
    match part {
        WP::Lit(_, q) | WP::Param(_, q) | WP::Sub(_, q) | WP::Arith(_, q) => *q = true,
        _ => {}
    }
}

/// The first position in `[a, b)` whose byte satisfies `stop` (given the
/// bracket depth), skipping atoms and backslash-escaped bytes.
fn scan_to(
    src: &str,
    a: usize,
    b: usize,
    atoms: &[Node],
    stop: impl Fn(u8, usize) -> bool,
) -> Option<usize> {
    let bytes = src.as_bytes();
    let mut p = a;
    let mut depth = 0usize;
    let mut next = 0;
    while p < b {
        while atoms.get(next).is_some_and(|n| n.start_byte() < p) {
            next += 1;
        }
        if let Some(atom) = atoms.get(next).filter(|n| n.start_byte() == p) {
            p = atom.end_byte().max(p + 1);
            continue;
        }
        let c = *bytes.get(p)?;
        if stop(c, depth) {
            return Some(p);
        }
        match c {
            b'\\' => p += 1,
            b'[' => depth += 1,
            b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        p += 1;
    }
    None
}

/// The nodes of the kinds `kinds` under `root` lying inside `[a, b)`,
/// outermost only, in order.
fn find_atoms<'t>(root: Node<'t>, a: usize, b: usize, kinds: &[&str]) -> Vec<Node<'t>> {
    let mut out = Vec::new();
    if kinds.is_empty() {
        return out;
    }
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        let (s, e) = (n.start_byte(), n.end_byte());
        if e <= a || s >= b || s == e {
            continue;
        }
        if kinds.contains(&n.kind()) && s >= a && e <= b {
            out.push(n);
            continue;
        }
        for (c, _) in kids(n).into_iter().rev() {
            stack.push(c);
        }
    }
    out
}

/// Byte ranges of the blank-separated tokens of `text`.
fn blank_split(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let blank = c == b' '
            || c == b'\t'
            || c == b'\n'
            || (c == b'\\' && bytes.get(i + 1) == Some(&b'\n'));
        if blank {
            if let Some(s) = start.take() {
                out.push((s, i));
            }
            i += if c == b'\\' { 2 } else { 1 };
            continue;
        }
        start.get_or_insert(i);
        i += 1;
    }
    if let Some(s) = start {
        out.push((s, bytes.len()));
    }
    out
}

/// Tilde expansion of a word's leading `~` or `~user` (followed by `/` or
/// the end of the word).
fn tilde(w: &mut Word) {
    let Some(WP::Lit(s, false)) = w.parts.first() else {
        return;
    };
    if !s.starts_with('~') {
        return;
    }
    let prefix_end = s.find('/').unwrap_or(s.len());
    if prefix_end == s.len() && w.parts.len() > 1 {
        return;
    }
    let user = s[1..prefix_end].to_string();
    if !user
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
    {
        return;
    }
    let rest = s[prefix_end..].to_string();
    let at = w.at;
    w.parts.remove(0);
    if !rest.is_empty() {
        w.parts.insert(0, WP::Lit(rest, false));
    }
    w.parts.insert(0, WP::Tilde(user, at));
}

/// `2>&1`, for `|&`.
fn stderr_to_stdout() -> Redir {
    let one = Word {
        parts: vec![WP::Lit("1".into(), false)],
        at: Location {
            file: 0,
            span: Span::default(),
        },
        text: "1".into(),
    };
    Redir {
        fd: Some(2),
        op: ">&".into(),
        target: Some(one),
    }
}

/// Adds redirections to the last command of a list or pipeline.
fn redirect_last(stmt: Stmt, redirs: Vec<Redir>) -> Stmt {
    match stmt {
        Stmt::AndOr(first, mut rest) => match rest.pop() {
            Some((and, last)) => {
                rest.push((and, redirect_last(last, redirs)));
                Stmt::AndOr(first, rest)
            }
            None => Stmt::AndOr(Box::new(redirect_last(*first, redirs)), rest),
        },
        Stmt::Pipeline(mut items) => match items.pop() {
            Some(last) => {
                items.push(redirect_last(last, redirs));
                Stmt::Pipeline(items)
            }
            None => Stmt::Pipeline(items),
        },
        Stmt::Not(inner) => Stmt::Not(Box::new(redirect_last(*inner, redirs))),
        other => with_redirs(other, redirs),
    }
}

/// Adds redirections to a statement: into a simple command, else around it.
fn with_redirs(stmt: Stmt, redirs: Vec<Redir>) -> Stmt {
    if redirs.is_empty() {
        return stmt;
    }
    match stmt {
        Stmt::Simple(mut s) => {
            s.redirs.extend(redirs);
            Stmt::Simple(s)
        }
        other => Stmt::Redirected(Box::new(other), redirs),
    }
}

/// Decodes the body of `$'...'`.
fn ansi_c(s: &str) -> String {
    let mut out = String::new();
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = it.next() else {
            out.push('\\');
            break;
        };
        let mut number = |radix: u32, max: usize, first: Option<char>| -> Option<char> {
            let mut digits: String = first.into_iter().collect();
            while digits.len() < max {
                match it.peek() {
                    Some(d) if d.is_digit(radix) => {
                        digits.push(*d);
                        it.next();
                    }
                    _ => break,
                }
            }
            u32::from_str_radix(&digits, radix)
                .ok()
                .and_then(char::from_u32)
        };
        match e {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'a' => out.push('\u{7}'),
            'b' => out.push('\u{8}'),
            'e' | 'E' => out.push('\u{1b}'),
            'f' => out.push('\u{c}'),
            'v' => out.push('\u{b}'),
            '\\' | '\'' | '"' | '?' => out.push(e),
            'x' => out.extend(number(16, 2, None)),
            'u' => out.extend(number(16, 4, None)),
            'U' => out.extend(number(16, 8, None)),
            '0'..='7' => out.extend(number(8, 3, Some(e))),
            'c' => {
                if let Some(x) = it.next() {
                    out.push(char::from((x as u8) & 0x1f));
                }
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Evaluation state
// ---------------------------------------------------------------------------

/// The exit status of what ran last, as far as it is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    /// Known exactly (`true`, `false`, a decided test, `return 3`).
    Code(i32),
    /// A command that succeeds on the normal path but may fail; what runs
    /// only when it fails is [`Condition::OnFailure`].
    Ok,
    /// The negation of [`Status::Ok`] (`! cmd`): fails on the normal path.
    NotOk,
    /// A genuine condition (`grep -q`, `[ -z "$X" ]` with `X` unknown).
    Unknown,
}

impl Status {
    fn negate(self) -> Status {
        match self {
            Status::Code(0) => Status::Code(1),
            Status::Code(_) => Status::Code(0),
            Status::Ok => Status::NotOk,
            Status::NotOk => Status::Ok,
            Status::Unknown => Status::Unknown,
        }
    }

    /// True when it counts as success on the normal path.
    fn succeeds(self) -> Option<bool> {
        match self {
            Status::Code(c) => Some(c == 0),
            Status::Ok => Some(true),
            Status::NotOk => Some(false),
            Status::Unknown => None,
        }
    }
}

/// How evaluation of a statement ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Next,
    Break(usize),
    Continue(usize),
    Return,
    Exit,
    /// An expansion error (`$((1/0))`): bash abandons the complete command
    /// being run and goes on with the next one of the file.
    Abort,
}

/// A variable's value.
#[derive(Debug, Clone, PartialEq)]
enum VarVal {
    Scalar(Value),
    Indexed(BTreeMap<usize, Value>),
    Assoc(BTreeMap<String, Value>),
    /// Declared or `unset` in the script: known to have no value (unlike a
    /// variable the script never sets, which may come from the environment).
    Unset,
}

#[derive(Debug, Clone)]
struct Var {
    val: VarVal,
    readonly: bool,
}

/// The value of an assignment's right-hand side.
#[derive(Debug, Clone)]
enum AVal {
    Scalar(Value),
    Array(Vec<Value>),
}

impl AVal {
    fn scalar(&self) -> Value {
        match self {
            AVal::Scalar(v) => v.clone(),
            AVal::Array(vs) => join_values(vs, " "),
        }
    }
}

/// What a parameter expands to before its operator is applied.
#[derive(Debug, Clone)]
enum PVal {
    /// Known to have no value.
    Unset,
    /// Not set by the script and not given: an input of unknown value.
    Absent(Unknown),
    Scalar(Value),
    /// `$@`, `${a[@]}`: one field per element when quoted.
    List(Vec<Value>),
    /// `$*`, `${a[*]}`: joined with spaces.
    Star(Vec<Value>),
}

/// An `EXIT` trap: the handler text and where it was written.
#[derive(Debug, Clone)]
struct Trap {
    value: Value,
    at: Location,
    /// Offset of the handler text in its file, when locations map exactly.
    exact: Option<usize>,
}

/// The state a subshell copies.
#[derive(Debug, Clone)]
struct Shell {
    /// Shared until written: subshells and branch snapshots copy the shell
    /// state often, and scripts can have many variables.
    globals: Rc<BTreeMap<String, Var>>,
    /// Function scopes, innermost last.
    locals: Vec<BTreeMap<String, Var>>,
    /// `None` when the script's arguments were not given.
    positional: Option<Vec<Value>>,
    /// Functions, with the `BASH_SOURCE` of the file defining them.
    funcs: BTreeMap<String, (Rc<Stmt>, Value)>,
    cwd: Value,
    oldpwd: Option<Value>,
    dirstack: Vec<Value>,
    status: Status,
    exit_trap: Option<Trap>,
    funcnames: Vec<String>,
    /// `BASH_SOURCE`, innermost last.
    sources: Vec<Value>,
}

/// The state before a branch that may not run, to merge with after it.
struct Snapshot {
    globals: Rc<BTreeMap<String, Var>>,
    locals: Vec<BTreeMap<String, Var>>,
    cwd: Value,
    /// Length of [`Eval::writes`] then.
    writes: usize,
}

/// An item of a declaration command (`export A=1 B`).
enum DeclItem<'s> {
    Word(Value, Location),
    Assign(&'s Assign, AVal),
}

/// Accumulates the fields of word expansion. Every segment carries whether
/// it is "active": unquoted, so glob characters in it are pattern
/// characters.
#[derive(Default)]
struct Fields {
    done: Vec<Vec<(Part, bool)>>,
    cur: Vec<(Part, bool)>,
    has: bool,
    /// Field splitting applies (command arguments), not in assignments.
    split: bool,
    /// An unquoted value not known statically was expanded: how many
    /// fields there are is not known.
    uncertain: bool,
}

impl Fields {
    fn new(split: bool) -> Fields {
        Fields {
            split,
            ..Fields::default()
        }
    }

    fn seg(&mut self, part: Part, active: bool) {
        if let (Part::Lit(s), Some((Part::Lit(last), last_active))) = (&part, self.cur.last_mut())
            && *last_active == active
        {
            last.push_str(s);
            return;
        }
        self.cur.push((part, active));
    }

    /// Literal text: written in the word (`expanded` false) or the result
    /// of an expansion, which is split when unquoted.
    fn lit(&mut self, s: &str, quoted: bool, expanded: bool) {
        if quoted || !expanded || !self.split {
            if quoted || !s.is_empty() {
                self.has = true;
            }
            self.seg(Part::Lit(s.to_string()), !quoted);
            return;
        }
        let mut buf = String::new();
        for ch in s.chars() {
            if matches!(ch, ' ' | '\t' | '\n') {
                if !buf.is_empty() {
                    self.seg(Part::Lit(std::mem::take(&mut buf)), true);
                }
                self.end();
            } else {
                buf.push(ch);
                self.has = true;
            }
        }
        if !buf.is_empty() {
            self.seg(Part::Lit(buf), true);
        }
    }

    fn part(&mut self, part: Part, quoted: bool) {
        if let Part::Lit(s) = &part {
            let s = s.clone();
            self.lit(&s, quoted, true);
            return;
        }
        if !quoted && self.split {
            self.uncertain = true;
        }
        self.has = true;
        self.seg(part, !quoted);
    }

    fn end(&mut self) {
        if self.has {
            self.done.push(std::mem::take(&mut self.cur));
            self.has = false;
        } else {
            self.cur.clear();
        }
    }

    fn finish(mut self) -> (Vec<Vec<(Part, bool)>>, bool) {
        self.end();
        (self.done, self.uncertain)
    }
}

/// The value of a field's segments.
fn seg_value(segs: &[(Part, bool)]) -> Value {
    let mut v = Value::default();
    for (p, _) in segs {
        push_part(&mut v, p.clone());
    }
    v
}

/// Appends a part, merging adjacent literals.
fn push_part(v: &mut Value, p: Part) {
    if let (Part::Lit(s), Some(Part::Lit(last))) = (&p, v.parts.last_mut()) {
        last.push_str(s);
        return;
    }
    if matches!(&p, Part::Lit(s) if s.is_empty()) {
        return;
    }
    v.parts.push(p);
}

fn concat(a: &Value, b: &Value) -> Value {
    let mut v = a.clone();
    for p in &b.parts {
        push_part(&mut v, p.clone());
    }
    v
}

fn join_values(vs: &[Value], sep: &str) -> Value {
    let mut v = Value::default();
    for (i, x) in vs.iter().enumerate() {
        if i > 0 {
            push_part(&mut v, Part::Lit(sep.to_string()));
        }
        for p in &x.parts {
            push_part(&mut v, p.clone());
        }
    }
    v
}

/// True for a value that is only an input that was not given (`$1`, an
/// unset environment variable): a default replaces it.
fn is_absent_input(v: &Value) -> bool {
    matches!(v.parts.as_slice(), [Part::Unknown(u)] if u.reason.starts_with(REASON_ENV) || u.reason.starts_with(REASON_ARG))
}

fn is_known_empty(v: &Value) -> bool {
    v.parts
        .iter()
        .all(|p| matches!(p, Part::Lit(s) if s.is_empty()))
}

/// How two nested conditions combine.
fn combine(outer: Condition, inner: Condition) -> Condition {
    use Condition::*;
    match (outer, inner) {
        (AtExit, _) => AtExit,
        (_, Always) => outer,
        (Always, x) => x,
        (OnFailure, _) | (_, OnFailure) => OnFailure,
        _ => Maybe,
    }
}

/// Builtins that create no file, for the record of paths the script may
/// have written.
const READ_ONLY_COMMANDS: &[&str] = &[
    "echo", "printf", "cd", "pushd", "popd", "pwd", "export", "local", "declare", "typeset",
    "readonly", "unset", "set", "shift", "source", ".", "eval", "trap", "exit", "return", "break",
    "continue", ":", "true", "false", "read", "test", "[", "dirname", "basename", "realpath",
    "readlink", "cat", "grep", "egrep", "fgrep", "ls", "which", "type", "command", "hash", "sleep",
    "wait", "id", "whoami", "date", "uname", "env", "printenv",
];

/// The evaluator.
struct Eval<'f> {
    sh: Shell,
    files: &'f dyn Files,
    opts: &'f Options,
    trace: Trace,
    script_path: String,
    /// Condition of what runs now.
    cond: Condition,
    /// Depth of `$(...)` nesting.
    captured: usize,
    pipeline: Option<(usize, usize)>,
    pipelines: usize,
    /// Redirections of enclosing compound commands (`{ ...; } > log`).
    inherited: Vec<Redirect>,
    /// `VAR=x` written before the enclosing function calls (`VAR=x f`).
    call_env: Vec<(String, Value)>,
    steps: usize,
    halted: bool,
    depth: usize,
    source_depth: usize,
    /// Parsing spent on `eval` texts (see [`MAX_EVAL_PARSE_COST`]).
    eval_parse_cost: u64,
    eval_limit_noted: bool,
    /// Each sourced file's text and statements, parsed once: a file sourced
    /// in a loop or by itself is read again and again (and its syntax notes
    /// are given once).
    sourced: HashMap<FileId, (String, Rc<[Stmt]>)>,
    /// Statuses that `$?` stood for where it was expanded, so that
    /// `[ $? -ne 0 ]` (also via `rc=$?`) can be read as a failure check.
    status_marks: HashMap<(FileId, usize, usize), Status>,
    /// Paths the script may have created or changed, which file tests
    /// must not decide from the files as they are now.
    written: BTreeSet<String>,
    /// Output of recorded commands computed statically (`dirname`, `pwd`).
    pure: HashMap<usize, String>,
    /// For each recorded command, how many `$(...)` enclose it.
    levels: Vec<usize>,
    /// Status of the last command substitution of the current command.
    sub_status: Option<Status>,
    /// `${X:?}` failed: the shell exits.
    fatal: bool,
    /// An arithmetic error: the complete command is abandoned.
    aborting: bool,
    /// Variables read while they held an input not given (an unset
    /// environment variable, `$1`), in order: what a condition tested.
    refs: Vec<String>,
    /// The variables the condition of the next branch tested.
    branch_refs: BTreeSet<String>,
    /// How many branches that may not run enclose what runs now.
    maybe_depth: usize,
    /// Variables assigned inside such branches, in order.
    writes: Vec<String>,
    /// Location of the command being evaluated, for notes.
    here: Location,
    noted: BTreeSet<(String, FileId, usize, usize)>,
}

impl<'f> Eval<'f> {
    fn new(script_path: &str, files: &'f dyn Files, opts: &'f Options) -> Self {
        let positional = if opts.args.is_empty() {
            None
        } else {
            Some(opts.args.iter().map(Value::lit).collect())
        };
        Eval {
            sh: Shell {
                globals: Rc::new(BTreeMap::new()),
                locals: Vec::new(),
                positional,
                funcs: BTreeMap::new(),
                cwd: Value::lit("."),
                oldpwd: None,
                dirstack: Vec::new(),
                status: Status::Code(0),
                exit_trap: None,
                funcnames: Vec::new(),
                sources: vec![Value::lit(script_path)],
            },
            files,
            opts,
            trace: Trace::default(),
            script_path: script_path.to_string(),
            cond: Condition::Always,
            captured: 0,
            pipeline: None,
            pipelines: 0,
            inherited: Vec::new(),
            call_env: Vec::new(),
            steps: 0,
            halted: false,
            depth: 0,
            source_depth: 0,
            eval_parse_cost: 0,
            eval_limit_noted: false,
            sourced: HashMap::new(),
            status_marks: HashMap::new(),
            written: BTreeSet::new(),
            pure: HashMap::new(),
            levels: Vec::new(),
            sub_status: None,
            fatal: false,
            aborting: false,
            refs: Vec::new(),
            branch_refs: BTreeSet::new(),
            maybe_depth: 0,
            writes: Vec::new(),
            here: Location {
                file: 0,
                span: Span::default(),
            },
            noted: BTreeSet::new(),
        }
    }

    fn note(&mut self, message: impl Into<String>, at: Location) {
        let message = message.into();
        if self
            .noted
            .insert((message.clone(), at.file, at.span.start, at.span.end))
        {
            self.trace.notes.push(Note { message, at });
        }
    }

    /// Parses and lowers a text; syntax errors become notes.
    fn parse_source(
        &mut self,
        text: &str,
        file: FileId,
        base: usize,
        exact: bool,
        anchor: Span,
        holes: &[Part],
    ) -> Vec<Stmt> {
        let at = Location { file, span: anchor };
        let mut parser = Parser::new();
        if parser
            .set_language(&tree_sitter_bash::LANGUAGE.into())
            .is_err()
        {
            self.note("the bash grammar could not be loaded", at);
            return Vec::new();
        }
        let Some(tree) = parser.parse(text, None) else {
            self.note("the script could not be parsed", at);
            return Vec::new();
        };
        let mut lower = Lower {
            src: text,
            file,
            base,
            exact,
            anchor,
            holes,
            notes: Vec::new(),
            depth: 0,
            deep_noted: false,
        };
        lower.syntax_errors(tree.root_node());
        let stmts = lower.body(tree.root_node());
        for n in lower.notes {
            self.note(n.message, n.at);
        }
        stmts
    }

    /// Counts a step; true when the bound is reached and evaluation stops.
    fn step(&mut self, at: Location) -> bool {
        if self.halted {
            return true;
        }
        self.steps += 1;
        if self.steps > self.opts.max_steps {
            self.halted = true;
            let max = self.opts.max_steps;
            self.note(
                format!("evaluation stopped after {max} steps (commands, loop iterations, calls)"),
                at,
            );
        }
        self.halted
    }

    /// Runs the `EXIT` trap, once, when the script ends.
    fn finish(&mut self) {
        if self.halted {
            return;
        }
        if let Some(trap) = self.sh.exit_trap.take() {
            self.cond = Condition::AtExit;
            self.captured = 0;
            self.pipeline = None;
            self.inherited.clear();
            self.depth = 0;
            let _ = self.eval_value(&trap.value, trap.at, trap.exact);
        }
    }

    // -- statements ---------------------------------------------------------

    /// The complete commands of a file: an abandoned one (`$((1/0))`) does
    /// not stop the next.
    fn run_file(&mut self, body: &[Stmt]) -> Flow {
        for s in body {
            // No condition spans complete commands.
            self.refs.clear();
            match self.run(s) {
                Flow::Next | Flow::Abort => {}
                other => return other,
            }
            if self.halted {
                return Flow::Exit;
            }
        }
        Flow::Next
    }

    fn run_body(&mut self, body: &[Stmt]) -> Flow {
        for s in body {
            let flow = self.run(s);
            if flow != Flow::Next {
                return flow;
            }
            if self.halted {
                return Flow::Exit;
            }
        }
        Flow::Next
    }

    fn run(&mut self, s: &Stmt) -> Flow {
        if self.halted {
            return Flow::Exit;
        }
        if self.depth >= MAX_EVAL_DEPTH {
            let at = self.here;
            self.note(
                "evaluation nested too deeply; the inner part was skipped",
                at,
            );
            return Flow::Next;
        }
        self.depth += 1;
        let flow = self.run_inner(s);
        self.depth -= 1;
        flow
    }

    fn run_inner(&mut self, s: &Stmt) -> Flow {
        match s {
            Stmt::Simple(c) => self.simple(c),
            Stmt::Pipeline(items) => {
                let id = self.pipelines;
                self.pipelines += 1;
                let saved = self.pipeline;
                for (i, item) in items.iter().enumerate() {
                    self.pipeline = Some((id, i));
                    self.subshell(|e| e.run(item));
                    if self.halted {
                        break;
                    }
                }
                self.pipeline = saved;
                Flow::Next
            }
            Stmt::Not(inner) => {
                let flow = self.run(inner);
                self.sh.status = self.sh.status.negate();
                flow
            }
            Stmt::AndOr(first, rest) => self.and_or(first, rest),
            Stmt::Subshell(body) => {
                self.subshell(|e| e.run_body(body));
                Flow::Next
            }
            Stmt::Group(body) => self.run_body(body),
            Stmt::If(branches, els, at) => {
                self.here = *at;
                self.if_chain(branches, els.as_deref())
            }
            Stmt::Case(subject, items, at) => {
                self.here = *at;
                self.case(subject, items)
            }
            Stmt::For {
                var,
                list,
                body,
                at,
            } => self.for_loop(var, list.as_deref(), body, *at),
            Stmt::CFor {
                init,
                cond,
                step,
                body,
                at,
            } => self.c_for(init.as_ref(), cond.as_ref(), step.as_ref(), body, *at),
            Stmt::While {
                until,
                cond,
                body,
                at,
            } => self.while_loop(*until, cond, body, *at),
            Stmt::Func(name, body) => {
                let source = self.sh.sources.last().cloned().unwrap_or_default();
                self.sh.funcs.insert(name.clone(), (body.clone(), source));
                self.sh.status = Status::Code(0);
                Flow::Next
            }
            Stmt::Test(double, words, at) => {
                self.here = *at;
                self.sub_status = None;
                let args: Vec<TestWord> = words
                    .iter()
                    .map(|w| {
                        let segs = self.expand_pattern(w);
                        let op = w.parts.iter().all(|p| matches!(p, WP::Lit(_, false)));
                        (seg_value(&segs), segs, op)
                    })
                    .collect();
                self.sh.status = self.test(&args, *double);
                self.pending()
            }
            Stmt::Arith(w) => {
                self.sh.status = match self.arith_word(w) {
                    Ok(n) => Status::Code(i32::from(n == 0)),
                    Err(reason) if reason == DIVISION_BY_ZERO => {
                        self.note(
                            format!("`{}`: {reason}; bash abandons this command", w.text),
                            w.at,
                        );
                        self.aborting = true;
                        Status::Code(1)
                    }
                    Err(_) => Status::Unknown,
                };
                self.pending()
            }
            Stmt::Redirected(body, redirs) => {
                let rs = self.redirects(redirs);
                let n = self.inherited.len();
                self.inherited.extend(rs);
                let flow = self.run(body);
                self.inherited.truncate(n);
                flow
            }
            Stmt::Background(inner) => {
                self.subshell(|e| e.run(inner));
                self.sh.status = Status::Code(0);
                Flow::Next
            }
        }
    }

    /// The variables recorded in [`Eval::refs`] since `mark`, which are
    /// forgotten.
    fn take_refs(&mut self, mark: usize) -> BTreeSet<String> {
        let refs = self
            .refs
            .get(mark..)
            .unwrap_or_default()
            .iter()
            .cloned()
            .collect();
        self.refs.truncate(mark);
        refs
    }

    /// Runs `f` in a copy of the shell state, as bash runs subshells,
    /// pipeline elements and command substitutions.
    fn subshell<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        let saved = self.sh.clone();
        let r = f(self);
        let status = self.sh.status;
        self.sh = saved;
        self.sh.status = status;
        r
    }

    /// Runs `f` under condition `c`. A branch that may not run at all ends
    /// only itself when it exits or returns: the normal path goes on.
    fn branch(&mut self, c: Condition, f: impl FnOnce(&mut Self) -> Flow) -> Flow {
        let saved = self.cond;
        let at = self.here;
        let refs = std::mem::take(&mut self.branch_refs);
        let before = (c == Condition::Maybe).then(|| Snapshot {
            globals: self.sh.globals.clone(),
            locals: self.sh.locals.clone(),
            cwd: self.sh.cwd.clone(),
            writes: self.writes.len(),
        });
        if before.is_some() {
            self.maybe_depth += 1;
        }
        self.cond = combine(saved, c);
        let flow = f(self);
        self.cond = saved;
        if let Some(before) = before {
            self.maybe_depth -= 1;
            self.merge_maybe(before, &refs, at);
        }
        if c == Condition::Always {
            flow
        } else {
            Flow::Next
        }
    }

    /// After a branch that may not have run: a variable it changed no longer
    /// has one known value. Except for an input not given that the branch's
    /// condition tested (`[ -z "$TAG" ] && TAG=latest`): the branch supplies
    /// its default, as `${TAG:-latest}` would. The same for the working
    /// directory.
    fn merge_maybe(&mut self, before: Snapshot, refs: &BTreeSet<String>, at: Location) {
        let Snapshot {
            globals,
            locals,
            cwd,
            writes,
        } = before;
        // Only the variables written in the branch can differ.
        let written: BTreeSet<String> = self
            .writes
            .get(writes..)
            .unwrap_or_default()
            .iter()
            .cloned()
            .collect();
        if self.maybe_depth == 0 {
            self.writes.clear();
        }
        let merge = |old: Option<&Var>, new: &mut Var, name: &str| {
            let already_merged = matches!(&new.val, VarVal::Scalar(Value { parts })
                if matches!(parts.as_slice(), [Part::Unknown(u)] if u.reason.starts_with(MERGED)));
            let keep_new = match old.map(|v| &v.val) {
                _ if already_merged => true,
                Some(old) if *old == new.val => true,
                None => refs.contains(name),
                Some(VarVal::Scalar(v)) => is_absent_input(v) && refs.contains(name),
                Some(_) => false,
            };
            if !keep_new {
                let reason = format!(
                    "{MERGED}: {} or {}",
                    short(&new.val),
                    old.map_or_else(|| "unset".to_string(), |o| short(&o.val))
                );
                new.val = VarVal::Scalar(unknown_value(&format!("${name}"), &reason, at));
            }
        };
        for name in &written {
            if self.sh.globals.contains_key(name)
                && let Some(var) = Rc::make_mut(&mut self.sh.globals).get_mut(name)
            {
                merge(globals.get(name), var, name);
            }
            if locals.len() == self.sh.locals.len() {
                for (old, new) in locals.iter().zip(self.sh.locals.iter_mut()) {
                    if let Some(var) = new.get_mut(name) {
                        merge(old.get(name), var, name);
                    }
                }
            }
        }
        if self.sh.cwd != cwd {
            let reason = format!(
                "directory changed under a condition not known statically: `{}` or `{cwd}`",
                self.sh.cwd
            );
            self.sh.cwd = unknown_value("$PWD", &reason, at);
        }
    }

    /// A failure branch: runs under [`Condition::OnFailure`] on a copy of
    /// the state, since on the normal path it does not run at all.
    fn failure_branch(&mut self, f: impl FnOnce(&mut Self) -> Flow) -> Status {
        let saved = self.sh.clone();
        self.branch(Condition::OnFailure, f);
        let status = self.sh.status;
        self.sh = saved;
        status
    }

    fn and_or(&mut self, first: &Stmt, rest: &[(bool, Stmt)]) -> Flow {
        // A failed `cd dir || exit` did not change directory.
        let mut cwd_before = self.sh.cwd.clone();
        let mark = self.refs.len();
        let flow = self.run(first);
        if flow != Flow::Next {
            return flow;
        }
        for (and, s) in rest {
            let sa = self.sh.status;
            let before = std::mem::replace(&mut cwd_before, self.sh.cwd.clone());
            let st = match (*and, sa) {
                (true, Status::Code(0)) | (false, Status::Code(1..) | Status::Code(..=-1)) => {
                    let flow = self.run(s);
                    if flow != Flow::Next {
                        return flow;
                    }
                    self.sh.status
                }
                (true, Status::Code(_)) | (false, Status::Code(0)) => sa,
                (true, Status::Ok) => {
                    let flow = self.run(s);
                    if flow != Flow::Next {
                        return flow;
                    }
                    match self.sh.status.succeeds() {
                        Some(true) => Status::Ok,
                        Some(false) => Status::Code(1),
                        None => Status::Unknown,
                    }
                }
                (false, Status::NotOk) => {
                    let flow = self.run(s);
                    if flow != Flow::Next {
                        return flow;
                    }
                    match self.sh.status.succeeds() {
                        Some(true) => Status::Code(0),
                        Some(false) => Status::NotOk,
                        None => Status::Unknown,
                    }
                }
                (true, Status::NotOk) => match self.failure_branch(|e| e.run(s)).succeeds() {
                    Some(true) => Status::NotOk,
                    Some(false) => Status::Code(1),
                    None => Status::Unknown,
                },
                (false, Status::Ok) => match self
                    .failure_branch(|e| {
                        e.sh.cwd = before;
                        e.run(s)
                    })
                    .succeeds()
                {
                    Some(true) => Status::Code(0),
                    _ => Status::Ok,
                },
                (_, Status::Unknown) => {
                    self.branch_refs = self.take_refs(mark);
                    self.branch(Condition::Maybe, |e| e.run(s));
                    match (*and, self.sh.status) {
                        (true, Status::Code(c)) if c != 0 => Status::Code(1),
                        (false, Status::Code(0)) => Status::Code(0),
                        _ => Status::Unknown,
                    }
                }
            };
            self.sh.status = st;
            if self.halted {
                return Flow::Exit;
            }
        }
        Flow::Next
    }

    fn if_chain(&mut self, branches: &[(Vec<Stmt>, Vec<Stmt>)], els: Option<&[Stmt]>) -> Flow {
        // Each `elif` nests one level deeper.
        if self.depth >= MAX_EVAL_DEPTH {
            let at = self.here;
            self.note(
                "evaluation nested too deeply; the inner part was skipped",
                at,
            );
            return Flow::Next;
        }
        self.depth += 1;
        let flow = self.if_chain_inner(branches, els);
        self.depth -= 1;
        flow
    }

    fn if_chain_inner(
        &mut self,
        branches: &[(Vec<Stmt>, Vec<Stmt>)],
        els: Option<&[Stmt]>,
    ) -> Flow {
        let mark = self.refs.len();
        let Some(((cond, body), rest)) = branches.split_first() else {
            return match els {
                Some(b) => self.run_body(b),
                None => {
                    self.sh.status = Status::Code(0);
                    Flow::Next
                }
            };
        };
        let flow = self.run_body(cond);
        if flow != Flow::Next {
            return flow;
        }
        match self.sh.status {
            Status::Code(0) => self.run_body(body),
            Status::Code(_) => self.if_chain(rest, els),
            Status::Ok => {
                let before = self.sh.clone();
                let flow = self.run_body(body);
                let after = std::mem::replace(&mut self.sh, before);
                self.branch(Condition::OnFailure, |e| e.if_chain(rest, els));
                self.sh = after;
                flow
            }
            Status::NotOk => {
                self.failure_branch(|e| e.run_body(body));
                self.if_chain(rest, els)
            }
            Status::Unknown => {
                let refs = self.take_refs(mark);
                self.branch_refs = refs.clone();
                self.branch(Condition::Maybe, |e| e.run_body(body));
                self.branch_refs = refs;
                self.branch(Condition::Maybe, |e| e.if_chain(rest, els));
                Flow::Next
            }
        }
    }

    fn case(&mut self, subject: &Word, items: &[CaseItem]) -> Flow {
        let mark = self.refs.len();
        let value = self.expand_string(subject);
        let refs = self.take_refs(mark);
        self.sh.status = Status::Code(0);
        let mut maybe = false;
        // Set when the previous body falls through into this one.
        let mut fall: Option<bool> = None;
        for item in items {
            let m = match fall.take() {
                Some(definite) => Some(true).filter(|_| definite),
                None => self.case_match(&value, &item.patterns),
            };
            let cond = match m {
                Some(false) => continue,
                Some(true) if !maybe => Condition::Always,
                _ => Condition::Maybe,
            };
            if cond == Condition::Maybe {
                maybe = true;
                self.branch_refs = refs.clone();
            }
            let flow = self.branch(cond, |e| e.run_body(&item.body));
            if flow != Flow::Next {
                return flow;
            }
            match item.fallthrough {
                Some(false) => fall = Some(cond == Condition::Always),
                Some(true) => {}
                None if cond == Condition::Always => return Flow::Next,
                None => {}
            }
        }
        Flow::Next
    }

    /// Whether `value` matches one of `patterns`; `None` when unknown.
    fn case_match(&mut self, value: &Value, patterns: &[Word]) -> Option<bool> {
        let mut result = Some(false);
        for p in patterns {
            let segs = self.expand_pattern(p);
            let m = match (value.as_lit(), pattern_of(&segs)) {
                (_, Some(pat))
                    if pat
                        .iter()
                        .all(|(s, active)| *active && s.chars().all(|c| c == '*')) =>
                {
                    Some(true)
                }
                (Some(s), Some(pat)) => Some(glob_match(
                    &compile_glob(&pat),
                    &s.chars().collect::<Vec<_>>(),
                )),
                _ => None,
            };
            match m {
                Some(true) => return Some(true),
                None => result = None,
                Some(false) => {}
            }
        }
        result
    }

    fn for_loop(&mut self, var: &str, list: Option<&[Word]>, body: &[Stmt], at: Location) -> Flow {
        self.here = at;
        let (values, certain) = match list {
            Some(words) => {
                let mut values = Vec::new();
                let mut certain = true;
                for w in words {
                    let (vs, uncertain) = self.expand_fields(w);
                    certain &= !uncertain;
                    values.extend(vs);
                }
                (values, certain)
            }
            None => match &self.sh.positional {
                Some(vs) => (vs.clone(), true),
                None => {
                    let u = Unknown {
                        text: "$@".into(),
                        reason: format!("{REASON_ARG}s of the script are not given"),
                        at,
                    };
                    (
                        vec![Value {
                            parts: vec![Part::Unknown(u)],
                        }],
                        false,
                    )
                }
            },
        };
        self.sh.status = Status::Code(0);
        if !certain {
            self.note(
                format!("`for {var}` over a list not known statically: body evaluated once"),
                at,
            );
            let list_text = list.map_or_else(
                || "\"$@\"".to_string(),
                |ws| {
                    ws.iter()
                        .map(|w| w.text.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                },
            );
            let v = values
                .into_iter()
                .find(|v| !v.is_known())
                .unwrap_or_else(|| {
                    unknown_value(
                        &format!("${var}"),
                        &format!("an item of `{list_text}`, not known statically"),
                        at,
                    )
                });
            self.set_scalar(var, v);
            self.branch(Condition::Maybe, |e| e.run_body(body));
            return Flow::Next;
        }
        for v in values {
            if self.step(at) {
                return Flow::Exit;
            }
            self.set_scalar(var, v);
            match self.run_body(body) {
                Flow::Next => {}
                Flow::Break(n) if n > 1 => return Flow::Break(n - 1),
                Flow::Break(_) => break,
                Flow::Continue(n) if n > 1 => return Flow::Continue(n - 1),
                Flow::Continue(_) => {}
                other => return other,
            }
        }
        Flow::Next
    }

    fn c_for(
        &mut self,
        init: Option<&Word>,
        cond: Option<&Word>,
        step: Option<&Word>,
        body: &[Stmt],
        at: Location,
    ) -> Flow {
        self.here = at;
        let known = init.is_none_or(|w| self.arith_word(w).is_ok());
        self.sh.status = Status::Code(0);
        if known {
            loop {
                let go = match cond {
                    None => Some(true),
                    Some(w) => self.arith_word(w).ok().map(|n| n != 0),
                };
                match go {
                    Some(false) => return Flow::Next,
                    Some(true) => {}
                    None => break,
                }
                if self.step(at) {
                    return Flow::Exit;
                }
                match self.run_body(body) {
                    Flow::Next => {}
                    Flow::Break(n) if n > 1 => return Flow::Break(n - 1),
                    Flow::Break(_) => return Flow::Next,
                    Flow::Continue(n) if n > 1 => return Flow::Continue(n - 1),
                    Flow::Continue(_) => {}
                    other => return other,
                }
                if let Some(w) = step
                    && self.arith_word(w).is_err()
                {
                    break;
                }
            }
        }
        self.note(
            "`for ((...))` with bounds not known statically: body evaluated once",
            at,
        );
        self.branch(Condition::Maybe, |e| e.run_body(body));
        Flow::Next
    }

    fn while_loop(&mut self, until: bool, cond: &[Stmt], body: &[Stmt], at: Location) -> Flow {
        self.here = at;
        let flow = self.run_body(cond);
        if flow != Flow::Next {
            return flow;
        }
        let st = if until {
            self.sh.status.negate()
        } else {
            self.sh.status
        };
        if let Status::Code(c) = st
            && c != 0
        {
            self.sh.status = Status::Code(0);
            return Flow::Next;
        }
        if self.step(at) {
            return Flow::Exit;
        }
        let kw = if until { "until" } else { "while" };
        let msg = if st == Status::Code(0) {
            format!("`{kw}` loop whose condition always holds: body evaluated once")
        } else {
            format!("`{kw}` loop: body evaluated once (its iterations are not known statically)")
        };
        self.note(msg, at);
        self.branch(Condition::Maybe, |e| e.run_body(body));
        self.sh.status = Status::Code(0);
        Flow::Next
    }
}

// ---------------------------------------------------------------------------
// Simple commands and builtins
// ---------------------------------------------------------------------------

impl<'f> Eval<'f> {
    /// What an expansion error makes of the command: after `${X:?}` the
    /// shell exits, after `$((1/0))` the complete command is abandoned.
    fn pending(&mut self) -> Flow {
        if std::mem::take(&mut self.fatal) {
            self.aborting = false;
            self.sh.status = Status::Code(1);
            Flow::Exit
        } else if std::mem::take(&mut self.aborting) {
            self.sh.status = Status::Code(1);
            Flow::Abort
        } else {
            Flow::Next
        }
    }

    fn simple(&mut self, c: &Simple) -> Flow {
        self.here = c.at;
        self.sub_status = None;
        let mut argv = Vec::new();
        let mut items = Vec::new();
        // Only declaration commands need their arguments as items; the
        // keyword may follow a prefix (`command export ...`).
        let declaration = c.args.iter().any(|a| match a {
            ArgAst::Assign(_) => true,
            ArgAst::Word(w) => matches!(
                w.text.as_str(),
                "export" | "local" | "declare" | "typeset" | "readonly"
            ),
        });
        for a in &c.args {
            match a {
                ArgAst::Word(w) => {
                    let (fields, _) = self.expand_fields(w);
                    for v in fields {
                        if declaration {
                            items.push(DeclItem::Word(v.clone(), w.at));
                        }
                        argv.push(Arg { value: v, at: w.at });
                    }
                }
                ArgAst::Assign(asg) => {
                    let val = self.assign_value(asg);
                    let mut shown = Value::lit(format!(
                        "{}{}=",
                        asg.name,
                        if asg.append { "+" } else { "" }
                    ));
                    shown = match &val {
                        AVal::Scalar(v) => concat(&shown, v),
                        AVal::Array(vs) => {
                            let inner = concat(&Value::lit("("), &join_values(vs, " "));
                            concat(&shown, &concat(&inner, &Value::lit(")")))
                        }
                    };
                    argv.push(Arg {
                        value: shown,
                        at: asg.at,
                    });
                    items.push(DeclItem::Assign(asg, val));
                }
            }
        }
        // Bound what doubling loops (`set -- "$@" "$@"`) can build.
        if argv.len() > MAX_ARGS {
            argv.truncate(MAX_ARGS);
            items.truncate(MAX_ARGS);
            self.note(
                format!("more than {MAX_ARGS} arguments: the rest is dropped"),
                c.at,
            );
        }
        for a in argv.iter_mut() {
            if value_size(&a.value) > MAX_VALUE_LEN {
                a.value = unknown_value(
                    &a.value.to_string().chars().take(40).collect::<String>(),
                    "argument too large to follow",
                    a.at,
                );
            }
        }
        if argv.is_empty() {
            // Only assignments (or words that expanded to nothing): they
            // apply to the shell itself.
            for a in &c.assigns {
                let v = self.assign_value(a);
                self.assign(a, v, Scope::Normal);
            }
            let redirects = self.redirects(&c.redirs);
            self.note_written(&redirects);
            self.sh.status = self.sub_status.unwrap_or(Status::Code(0));
            return self.pending();
        }
        let mut env = Vec::new();
        for a in &c.assigns {
            let v = self.assign_value(a).scalar();
            env.push((a.name.clone(), v));
        }
        let redirects = self.redirects(&c.redirs);
        let flow = self.pending();
        if flow != Flow::Next {
            return flow;
        }
        self.dispatch(argv, env, redirects, items, c.at)
    }

    /// Records a command in the trace; its index, unless the step bound
    /// was reached.
    fn emit(
        &mut self,
        argv: &[Arg],
        env: &[(String, Value)],
        redirects: &[Redirect],
        at: Location,
    ) -> Option<usize> {
        if self.step(at) {
            return None;
        }
        let mut all = redirects.to_vec();
        all.extend(self.inherited.iter().cloned());
        self.note_written(&all);
        self.record_writes(argv);
        let mut env_all = self.call_env.clone();
        env_all.extend_from_slice(env);
        let index = self.trace.commands.len();
        self.levels.push(self.captured);
        self.trace.commands.push(Command {
            argv: argv.to_vec(),
            env: env_all,
            redirects: all,
            cwd: self.sh.cwd.clone(),
            pipeline: self.pipeline,
            captured: self.captured > 0,
            condition: self.cond,
            at,
        });
        Some(index)
    }

    /// Records the paths a command may create or change, so that file
    /// tests after it are not decided from the files as they are now.
    fn record_writes(&mut self, argv: &[Arg]) {
        let words: Vec<Option<String>> = argv.iter().map(|a| a.value.as_lit()).collect();
        let mut start = 0;
        // `sudo docker`, `env A=1 docker`.
        while let Some(Some(w)) = words.get(start) {
            if w == "sudo" || w == "env" || w.starts_with('-') || (start > 0 && w.contains('=')) {
                start += 1;
            } else {
                break;
            }
        }
        let Some(Some(name)) = words.get(start) else {
            return;
        };
        if READ_ONLY_COMMANDS.contains(&name.as_str()) {
            return;
        }
        let rest = &words[start + 1..];
        let mut paths: Vec<String> = Vec::new();
        // `-o FILE`, `--output FILE`, `--output=type=local,dest=DIR`.
        for (i, w) in rest.iter().enumerate() {
            let Some(w) = w else { continue };
            let value = match w.as_str() {
                "-o" | "--output" => rest.get(i + 1).cloned().flatten(),
                _ => w.strip_prefix("--output=").map(str::to_string),
            };
            if let Some(v) = value {
                let dest = v
                    .split(',')
                    .find_map(|kv| kv.strip_prefix("dest="))
                    .unwrap_or(&v);
                paths.push(dest.to_string());
            }
        }
        if matches!(name.as_str(), "docker" | "podman" | "nerdctl") {
            let sub: Vec<&str> = rest
                .iter()
                .take(2)
                .map(|w| w.as_deref().unwrap_or(""))
                .collect();
            match sub.as_slice() {
                ["cp", ..] | ["container", "cp"] => {
                    if let Some(Some(dest)) = rest.last() {
                        paths.push(dest.clone());
                    }
                }
                // What a container writes through a bind mount.
                ["run", ..] | ["container", "run"] => {
                    for (i, w) in rest.iter().enumerate() {
                        let mount = match w.as_deref() {
                            Some("-v" | "--volume") => rest.get(i + 1).cloned().flatten(),
                            Some(w) => w
                                .strip_prefix("--volume=")
                                .or_else(|| w.strip_prefix("-v"))
                                .map(str::to_string),
                            None => None,
                        };
                        if let Some(m) = mount.filter(|m| !m.is_empty()) {
                            paths.push(m.split(':').next().unwrap_or("").to_string());
                        }
                    }
                }
                _ => {}
            }
        } else {
            for w in rest.iter().flatten() {
                if !(w.is_empty() || w.starts_with('-') || w.contains("://") || w.contains('=')) {
                    paths.push(w.clone());
                }
            }
        }
        let cwd = self.sh.cwd.as_lit();
        for p in paths {
            if p.is_empty() {
                continue;
            }
            if let Some(p) = self.resolve(&Value::lit(p)).as_lit() {
                // A bind mount of the working directory (`-v "$PWD":/src`)
                // may change anything in it; other commands naming it
                // (`docker build .`) do not.
                let is_cwd = cwd.as_deref() == Some(p.as_str())
                    && !matches!(name.as_str(), "docker" | "podman" | "nerdctl");
                if !is_cwd {
                    self.written.insert(p);
                }
            }
        }
    }

    fn note_written(&mut self, redirects: &[Redirect]) {
        for r in redirects {
            if matches!(r.op.as_str(), ">" | ">>" | "&>" | "&>>" | ">|" | "<>")
                && let Some(p) = self.resolve(&r.target).as_lit()
                && !p.starts_with("/dev/")
            {
                self.written.insert(p);
            }
        }
    }

    fn dispatch(
        &mut self,
        mut argv: Vec<Arg>,
        env: Vec<(String, Value)>,
        redirects: Vec<Redirect>,
        mut items: Vec<DeclItem>,
        at: Location,
    ) -> Flow {
        // Prefixes that only change how the rest runs.
        let mut exec = false;
        let mut no_functions = false;
        while argv.len() > 1 {
            let name = argv[0].value.as_lit().unwrap_or_default();
            let next = argv[1].value.as_lit().unwrap_or_default();
            match name.as_str() {
                "command" if !next.starts_with('-') => no_functions = true,
                "command" if next == "-p" && argv.len() > 2 => {
                    argv.remove(0);
                    if !items.is_empty() {
                        items.remove(0);
                    }
                    no_functions = true;
                }
                "builtin" => no_functions = true,
                "exec" if !next.starts_with('-') => exec = true,
                "time" if next == "-p" && argv.len() > 2 => {
                    argv.remove(0);
                    if !items.is_empty() {
                        items.remove(0);
                    }
                }
                "time" | "nohup" => {}
                _ => break,
            }
            argv.remove(0);
            if !items.is_empty() {
                items.remove(0);
            }
        }
        let flow = self.command(argv, env, redirects, items, at, no_functions);
        if exec && flow == Flow::Next {
            // `exec cmd` replaces the shell: nothing after it runs, not even
            // its EXIT trap.
            self.sh.exit_trap = None;
            return Flow::Exit;
        }
        flow
    }

    fn command(
        &mut self,
        argv: Vec<Arg>,
        env: Vec<(String, Value)>,
        redirects: Vec<Redirect>,
        items: Vec<DeclItem>,
        at: Location,
        no_functions: bool,
    ) -> Flow {
        let name = argv.first().and_then(|a| a.value.as_lit());
        if let Some(n) = &name
            && !no_functions
            && let Some((body, source)) = self.sh.funcs.get(n).cloned()
        {
            return self.call(n, body, source, &argv, env, at);
        }
        let lit = |i: usize| argv.get(i).and_then(|a| a.value.as_lit());
        let Some(name) = name else {
            self.emit(&argv, &env, &redirects, at);
            self.sh.status = Status::Ok;
            return Flow::Next;
        };
        // Tests are conditions, not actions: they are not recorded.
        if name == "test" || name == "[" {
            let mut args: Vec<&Arg> = argv.iter().skip(1).collect();
            if name == "[" && args.last().and_then(|a| a.value.as_lit()).as_deref() == Some("]") {
                args.pop();
            }
            let targs: Vec<TestWord> = args
                .iter()
                .map(|a| {
                    let segs = a.value.parts.iter().map(|p| (p.clone(), false)).collect();
                    (a.value.clone(), segs, a.value.is_known())
                })
                .collect();
            self.sh.status = self.test(&targs, false);
            return Flow::Next;
        }
        if name == "let" {
            let mut status = Status::Code(1);
            for a in argv.iter().skip(1) {
                status = match a.value.as_lit().map(|s| self.arith_text(&s, 0)) {
                    Some(Ok(n)) => Status::Code(i32::from(n == 0)),
                    _ => Status::Unknown,
                };
            }
            self.sh.status = status;
            return Flow::Next;
        }
        let Some(index) = self.emit(&argv, &env, &redirects, at) else {
            return Flow::Exit;
        };
        let mut status = Status::Code(0);
        let mut flow = Flow::Next;
        match name.as_str() {
            ":" | "true" => {}
            "false" => status = Status::Code(1),
            "echo" => {
                if let Some(out) = echo(&argv) {
                    self.pure.insert(index, out);
                }
            }
            "printf" => self.printf(&argv, index),
            "pwd" => {
                if let Some(cwd) = self.sh.cwd.as_lit() {
                    self.pure.insert(index, format!("{cwd}\n"));
                }
            }
            "cd" => {
                status = Status::Ok;
                let mut args = argv.iter().skip(1).skip_while(|a| {
                    a.value
                        .as_lit()
                        .is_some_and(|s| s.len() > 1 && s.starts_with('-') && s != "--")
                });
                let mut target = args.next();
                if target.and_then(|a| a.value.as_lit()).as_deref() == Some("--") {
                    target = args.next();
                }
                self.cd(target.map(|a| &a.value), at);
            }
            "pushd" => {
                status = Status::Ok;
                match argv
                    .iter()
                    .skip(1)
                    .find(|a| !a.value.as_lit().is_some_and(|s| s.starts_with('-')))
                {
                    Some(a) => {
                        let target = a.value.clone();
                        self.sh.dirstack.push(self.sh.cwd.clone());
                        self.cd(Some(&target), at);
                    }
                    None => self.note("`pushd` without a directory is not followed", at),
                }
            }
            "popd" => {
                status = Status::Ok;
                match self.sh.dirstack.pop() {
                    Some(d) => {
                        self.sh.oldpwd = Some(std::mem::replace(&mut self.sh.cwd, d));
                    }
                    None => self.note("`popd` with an empty directory stack", at),
                }
            }
            "export" | "readonly" | "declare" | "typeset" | "local" => self.declare(&name, items),
            "unset" => self.unset(&argv),
            "shift" => {
                let n = lit(1).and_then(|s| s.parse::<usize>().ok()).unwrap_or(1);
                match &mut self.sh.positional {
                    Some(vs) if n <= vs.len() => {
                        vs.drain(..n);
                    }
                    Some(_) => status = Status::Code(1),
                    None => {}
                }
            }
            "set" => self.set(&argv),
            "read" | "getopts" | "mapfile" | "readarray" => {
                status = Status::Unknown;
                self.read(&name, &argv);
            }
            "source" | "." => {
                flow = self.source(&argv, at);
                status = self.sh.status;
            }
            "eval" => {
                let anchor = Location {
                    file: at.file,
                    span: at.span,
                };
                let value = join_values(
                    &argv
                        .iter()
                        .skip(1)
                        .map(|a| a.value.clone())
                        .collect::<Vec<_>>(),
                    " ",
                );
                let exact = if argv.len() == 2 {
                    self.exact_base(&argv[1])
                } else {
                    None
                };
                flow = self.eval_value(
                    &value,
                    if argv.len() == 2 { argv[1].at } else { anchor },
                    exact,
                );
                status = self.sh.status;
            }
            "exit" | "return" => {
                status = match lit(1) {
                    Some(s) => s
                        .trim()
                        .parse::<i32>()
                        .map_or(Status::Code(2), |n| Status::Code(n & 0xff)),
                    None if argv.len() > 1 => Status::Unknown,
                    None => self.sh.status,
                };
                flow = if name == "exit" {
                    Flow::Exit
                } else {
                    Flow::Return
                };
            }
            "break" | "continue" => {
                let n = lit(1)
                    .and_then(|s| s.parse::<usize>().ok())
                    .unwrap_or(1)
                    .max(1);
                flow = if name == "break" {
                    Flow::Break(n)
                } else {
                    Flow::Continue(n)
                };
            }
            "trap" => self.trap(&argv),
            "dirname" | "basename" | "realpath" | "readlink" | "cat" => {
                status = Status::Ok;
                if let Some(out) = self.pure_output(&name, &argv) {
                    self.pure.insert(index, out);
                }
            }
            "exec" => self.note("`exec` redirecting the shell itself is not followed", at),
            _ => {
                status = if is_predicate(&argv) {
                    Status::Unknown
                } else {
                    Status::Ok
                }
            }
        }
        self.sh.status = status;
        flow
    }

    fn call(
        &mut self,
        name: &str,
        body: Rc<Stmt>,
        source: Value,
        argv: &[Arg],
        env: Vec<(String, Value)>,
        at: Location,
    ) -> Flow {
        if self.step(at) {
            return Flow::Exit;
        }
        if self.sh.funcnames.len() >= MAX_CALL_DEPTH {
            self.note(
                format!("calls of function `{name}` nested too deeply (recursion?): not followed"),
                at,
            );
            self.sh.status = Status::Unknown;
            return Flow::Next;
        }
        let args = argv.iter().skip(1).map(|a| a.value.clone()).collect();
        let saved = self.sh.positional.replace(args);
        // `VAR=x f` sets VAR for the duration of the call, and the commands
        // it runs get it in their environment.
        let env_mark = self.call_env.len();
        self.call_env.extend(env.iter().cloned());
        let scope = env
            .into_iter()
            .map(|(k, v)| {
                (
                    k,
                    Var {
                        val: VarVal::Scalar(v),
                        readonly: false,
                    },
                )
            })
            .collect();
        self.sh.locals.push(scope);
        self.sh.funcnames.push(name.to_string());
        self.sh.sources.push(source);
        let flow = self.run(&body);
        self.sh.sources.pop();
        self.sh.funcnames.pop();
        self.sh.locals.pop();
        self.sh.positional = saved;
        self.call_env.truncate(env_mark);
        match flow {
            Flow::Exit | Flow::Abort => flow,
            _ => Flow::Next,
        }
    }

    /// Where a path written in the script points, relative to the
    /// directory the script runs from. A value starting with something not
    /// known (`$ROOT/x`) is taken as absolute: such values are almost always
    /// `$(pwd)`, `$HOME` or `$(git rev-parse --show-toplevel)`.
    fn resolve(&self, v: &Value) -> Value {
        match v.parts.first() {
            None => return self.sh.cwd.clone(),
            Some(Part::Lit(s)) if s.starts_with('/') => {
                return match v.as_lit() {
                    Some(s) => Value::lit(norm_path(&s)),
                    None => v.clone(),
                };
            }
            Some(Part::Lit(_)) => {}
            Some(_) => return v.clone(),
        }
        if let (Some(cwd), Some(s)) = (self.sh.cwd.as_lit(), v.as_lit()) {
            return Value::lit(join_path(&cwd, &s));
        }
        if self.sh.cwd.as_lit().as_deref() == Some(".") {
            return v.clone();
        }
        concat(&concat(&self.sh.cwd, &Value::lit("/")), v)
    }

    fn cd(&mut self, target: Option<&Value>, at: Location) {
        let target = match target {
            None => self.home(at),
            Some(v) if v.as_lit().as_deref() == Some("-") => match self.sh.oldpwd.clone() {
                // Already relative to the script's directory, not to the
                // current one.
                Some(old) => {
                    self.sh.oldpwd = Some(std::mem::replace(&mut self.sh.cwd, old));
                    return;
                }
                None => {
                    self.note("`cd -` without a previous directory", at);
                    return;
                }
            },
            Some(v) if v.as_lit().is_some_and(|s| s.is_empty()) => return,
            Some(v) => v.clone(),
        };
        let new = self.resolve(&target);
        self.sh.oldpwd = Some(std::mem::replace(&mut self.sh.cwd, new));
    }

    fn home(&self, at: Location) -> Value {
        match self.opts.env.get("HOME") {
            Some(h) => Value::lit(h.clone()),
            None => unknown_value(
                "~",
                &format!("home directory ({REASON_ENV} HOME is not set)"),
                at,
            ),
        }
    }

    fn declare(&mut self, kw: &str, items: Vec<DeclItem>) {
        let mut flags = String::new();
        let mut names = Vec::new();
        let mut assigns = Vec::new();
        for item in items.into_iter().skip(1) {
            match item {
                DeclItem::Word(v, at) => match v.as_lit() {
                    Some(s) if (s.starts_with('-') || s.starts_with('+')) && s.len() > 1 => {
                        if let Some(f) = s.strip_prefix('-') {
                            flags.push_str(f);
                        }
                    }
                    Some(s) if is_name(&s) => names.push(s),
                    _ => {
                        // `export "A=1"`, `export $(cat .env)`: an assignment
                        // made by expansion.
                        if let Some((name, value)) = split_assignment(&v) {
                            assigns.push((name, AVal::Scalar(value), false, at));
                        }
                    }
                },
                DeclItem::Assign(a, v) => {
                    if a.index.is_none() {
                        assigns.push((a.name.clone(), v, a.append, a.at));
                    } else {
                        self.assign(a, v, Scope::Normal);
                    }
                }
            }
        }
        if flags.contains('f') || flags.contains('p') && names.is_empty() && assigns.is_empty() {
            return;
        }
        let local = kw == "local" || (matches!(kw, "declare" | "typeset") && !flags.contains('g'));
        let scope = if local && !self.sh.locals.is_empty() {
            Scope::Local
        } else {
            Scope::Normal
        };
        let readonly = kw == "readonly" || flags.contains('r');
        let assoc = flags.contains('A');
        let array = flags.contains('a');
        for (name, value, append, _at) in assigns {
            let value = match value {
                AVal::Array(vs) if assoc => {
                    let mut map = BTreeMap::new();
                    for v in vs {
                        if let Some(s) = v.as_lit()
                            && let Some((k, val)) =
                                s.strip_prefix('[').and_then(|r| r.split_once("]="))
                        {
                            map.insert(k.to_string(), Value::lit(val));
                        }
                    }
                    self.set_var(&name, VarVal::Assoc(map), scope);
                    self.mark(&name, readonly);
                    continue;
                }
                other => other,
            };
            self.assign_named(&name, None, append, value, scope);
            self.mark(&name, readonly);
        }
        for name in names {
            let exists = self.lookup(&name).is_some();
            match scope {
                Scope::Local => {
                    let val = if assoc {
                        VarVal::Assoc(BTreeMap::new())
                    } else if array {
                        VarVal::Indexed(BTreeMap::new())
                    } else {
                        VarVal::Unset
                    };
                    self.set_var(&name, val, Scope::Local);
                }
                _ if !exists && (assoc || array) => {
                    let val = if assoc {
                        VarVal::Assoc(BTreeMap::new())
                    } else {
                        VarVal::Indexed(BTreeMap::new())
                    };
                    self.set_var(&name, val, scope);
                }
                _ => {}
            }
            self.mark(&name, readonly);
        }
    }

    fn mark(&mut self, name: &str, readonly: bool) {
        if !readonly {
            return;
        }
        if let Some(v) = self.lookup_mut(name) {
            v.readonly = true;
        }
    }

    fn unset(&mut self, argv: &[Arg]) {
        let mut functions = false;
        for a in argv.iter().skip(1) {
            let Some(s) = a.value.as_lit() else { continue };
            match s.as_str() {
                "-f" => functions = true,
                "-v" | "-n" => functions = false,
                _ if functions => {
                    self.sh.funcs.remove(&s);
                }
                _ if is_name(&s) => {
                    if self.sh.funcs.contains_key(&s) && self.lookup(&s).is_none() {
                        self.sh.funcs.remove(&s);
                    } else {
                        self.set_var(&s, VarVal::Unset, Scope::Normal);
                    }
                }
                _ => {}
            }
        }
    }

    fn set(&mut self, argv: &[Arg]) {
        let mut i = 1;
        while i < argv.len() {
            let Some(s) = argv[i].value.as_lit() else {
                break;
            };
            if s == "--" {
                self.sh.positional = Some(argv[i + 1..].iter().map(|a| a.value.clone()).collect());
                return;
            }
            if s == "-o" || s == "+o" {
                if s == "-o"
                    && argv.get(i + 1).and_then(|a| a.value.as_lit()).as_deref() == Some("errexit")
                {
                    self.trace.errexit = true;
                }
                i += 2;
                continue;
            }
            if let Some(flags) = s.strip_prefix('-') {
                if flags.contains('e') {
                    self.trace.errexit = true;
                }
                if flags.contains('o') {
                    if argv.get(i + 1).and_then(|a| a.value.as_lit()).as_deref() == Some("errexit")
                    {
                        self.trace.errexit = true;
                    }
                    i += 1;
                }
            } else if !s.starts_with('+') {
                // `set a b`: new positional parameters.
                self.sh.positional = Some(argv[i..].iter().map(|a| a.value.clone()).collect());
                return;
            }
            i += 1;
        }
    }

    fn read(&mut self, name: &str, argv: &[Arg]) {
        let mut vars = Vec::new();
        let mut i = 1;
        let with_value = |f: &str| {
            matches!(
                f,
                "-p" | "-t" | "-n" | "-N" | "-d" | "-u" | "-i" | "-a" | "-C" | "-c" | "-s" | "-O"
            )
        };
        let mut array = None;
        while i < argv.len() {
            let s = argv[i].value.as_lit().unwrap_or_default();
            if s.starts_with('-') && s.len() > 1 {
                if name == "read" && s == "-a" {
                    array = argv.get(i + 1).and_then(|a| a.value.as_lit());
                }
                i += if with_value(&s) && name == "read" && s != "-s" {
                    2
                } else {
                    1
                };
                continue;
            }
            vars.push((s, argv[i].at));
            i += 1;
        }
        let reason = format!("read at run time by `{name}`");
        match name {
            "getopts" => {
                // getopts OPTSTRING NAME
                if let Some((v, at)) = vars.get(1) {
                    self.set_scalar(v, unknown_value(&format!("${v}"), &reason, *at));
                }
                let at = self.here;
                self.set_scalar("OPTARG", unknown_value("$OPTARG", &reason, at));
            }
            "mapfile" | "readarray" => {
                let (v, at) = vars
                    .last()
                    .cloned()
                    .unwrap_or(("MAPFILE".into(), self.here));
                self.set_scalar(&v, unknown_value(&format!("${v}"), &reason, at));
            }
            _ => {
                if let Some(a) = &array {
                    let at = self.here;
                    self.set_scalar(a, unknown_value(&format!("${a}"), &reason, at));
                }
                if vars.is_empty() && array.is_none() {
                    vars.push(("REPLY".into(), self.here));
                }
                for (v, at) in vars {
                    if is_name(&v) {
                        self.set_scalar(&v, unknown_value(&format!("${v}"), &reason, at));
                    }
                }
            }
        }
    }

    fn trap(&mut self, argv: &[Arg]) {
        let mut args: Vec<&Arg> = argv.iter().skip(1).collect();
        if args.first().and_then(|a| a.value.as_lit()).as_deref() == Some("--") {
            args.remove(0);
        }
        let Some(first) = args.first() else { return };
        if first
            .value
            .as_lit()
            .is_some_and(|s| s.starts_with('-') && s.len() > 1)
        {
            return;
        }
        let (handler, signals) = if args.len() == 1 {
            (None, &args[..])
        } else {
            (Some(args[0]), &args[1..])
        };
        let exits = signals.iter().any(|s| {
            s.value.as_lit().is_some_and(|s| {
                matches!(s.to_ascii_uppercase().as_str(), "EXIT" | "0" | "SIGEXIT")
            })
        });
        if !exits {
            return;
        }
        self.sh.exit_trap = match handler {
            Some(h) if !matches!(h.value.as_lit().as_deref(), Some("-" | "")) => Some(Trap {
                value: h.value.clone(),
                at: h.at,
                exact: self.exact_base(h),
            }),
            _ => None,
        };
    }

    /// Where the text of an argument starts in its file, when the argument
    /// is written so that its value is exactly its text (`'...'`, a plain
    /// word): then code parsed from it can point into the file.
    fn exact_base(&self, a: &Arg) -> Option<usize> {
        let value = a.value.as_lit()?;
        let file = &self.trace.files.get(a.at.file)?.1;
        let text = file.get(a.at.span.start..a.at.span.end)?;
        if text == value {
            Some(a.at.span.start)
        } else if text.len() == value.len() + 2
            && text.starts_with('\'')
            && text.ends_with('\'')
            && text[1..text.len() - 1] == value
        {
            Some(a.at.span.start + 1)
        } else {
            None
        }
    }

    /// Parses and runs a string (`eval`, a trap handler) in this shell.
    fn eval_value(&mut self, v: &Value, anchor: Location, exact: Option<usize>) -> Flow {
        if self.source_depth >= MAX_SOURCE_DEPTH {
            self.note("`eval`/`source` nested too deeply: not followed", anchor);
            return Flow::Next;
        }
        if !v
            .parts
            .iter()
            .any(|p| matches!(p, Part::Lit(s) if !s.trim().is_empty()))
        {
            self.note(
                format!("code `{v}` not known statically: not evaluated"),
                anchor,
            );
            return Flow::Next;
        }
        let mut text = String::new();
        let mut holes = Vec::new();
        for p in &v.parts {
            match p {
                Part::Lit(s) => text.push_str(s),
                other => {
                    let _ = write!(text, "{HOLE_OPEN}{}{HOLE_CLOSE}", holes.len());
                    holes.push(other.clone());
                }
            }
        }
        let (base, is_exact) = match exact {
            Some(b) if holes.is_empty() => (b, true),
            _ => (0, false),
        };
        let len = text.len() as u64;
        self.eval_parse_cost = self.eval_parse_cost.saturating_add(len.saturating_mul(len));
        if self.eval_parse_cost > MAX_EVAL_PARSE_COST {
            if !self.eval_limit_noted {
                self.eval_limit_noted = true;
                self.note("`eval` not followed: too much text evaluated", anchor);
            }
            return Flow::Next;
        }
        let stmts = self.parse_source(&text, anchor.file, base, is_exact, anchor.span, &holes);
        self.source_depth += 1;
        let flow = self.run_body(&stmts);
        self.source_depth -= 1;
        match flow {
            Flow::Exit | Flow::Abort => flow,
            _ => Flow::Next,
        }
    }

    fn source(&mut self, argv: &[Arg], at: Location) -> Flow {
        self.sh.status = Status::Ok;
        let Some(arg) = argv.get(1) else {
            return Flow::Next;
        };
        let path = self.resolve(&arg.value);
        let Some(path) = path.as_lit() else {
            self.note(
                format!(
                    "cannot source `{}`: its path is not known statically",
                    arg.value
                ),
                at,
            );
            return Flow::Next;
        };
        if self.source_depth >= MAX_SOURCE_DEPTH {
            self.note("`eval`/`source` nested too deeply: not followed", at);
            return Flow::Next;
        }
        let Some(text) = self.files.read(&path) else {
            self.note(format!("sourced file `{path}` not found"), at);
            return Flow::Next;
        };
        let file = match self.trace.files.iter().position(|(p, _)| *p == path) {
            Some(i) => i,
            None => {
                self.trace.files.push((path.clone(), text.clone()));
                self.trace.files.len() - 1
            }
        };
        self.sh.status = Status::Code(0);
        let stmts = match self.sourced.get(&file) {
            Some((parsed, stmts)) if *parsed == text => Rc::clone(stmts),
            _ => {
                let stmts: Rc<[Stmt]> = self
                    .parse_source(&text, file, 0, true, Span::new(0, text.len()), &[])
                    .into();
                self.sourced.insert(file, (text, Rc::clone(&stmts)));
                stmts
            }
        };
        let saved = (argv.len() > 2).then(|| {
            let args = argv[2..].iter().map(|a| a.value.clone()).collect();
            self.sh.positional.replace(args)
        });
        self.sh.sources.push(arg.value.clone());
        self.source_depth += 1;
        let flow = self.run_file(&stmts);
        self.source_depth -= 1;
        self.sh.sources.pop();
        if let Some(p) = saved {
            self.sh.positional = p;
        }
        match flow {
            Flow::Return => Flow::Next,
            other => other,
        }
    }

    fn printf(&mut self, argv: &[Arg], index: usize) {
        let mut args: Vec<&Arg> = argv.iter().skip(1).collect();
        let mut target = None;
        if args.first().and_then(|a| a.value.as_lit()).as_deref() == Some("-v") && args.len() > 1 {
            target = args[1].value.as_lit();
            args.drain(..2);
        }
        if args.first().and_then(|a| a.value.as_lit()).as_deref() == Some("--") {
            args.remove(0);
        }
        let vals: Option<Vec<String>> = args.iter().map(|a| a.value.as_lit()).collect();
        let out = vals.and_then(|v| printf_format(v.first()?, &v[1..]));
        match (target, out) {
            (Some(var), Some(out)) => self.set_scalar(&var, Value::lit(out)),
            (Some(var), None) => {
                let at = self.here;
                self.set_scalar(
                    &var,
                    unknown_value(
                        &format!("${var}"),
                        "output of `printf` not known statically",
                        at,
                    ),
                );
            }
            (None, Some(out)) => {
                self.pure.insert(index, out);
            }
            (None, None) => {}
        }
    }

    /// The output of `dirname`, `basename`, `realpath`, `readlink -f`,
    /// `cat` when it follows from known inputs.
    fn pure_output(&mut self, name: &str, argv: &[Arg]) -> Option<String> {
        let args: Vec<String> = argv
            .iter()
            .skip(1)
            .map(|a| a.value.as_lit())
            .collect::<Option<_>>()?;
        let (flags, operands): (Vec<&String>, Vec<&String>) =
            args.iter().partition(|s| s.starts_with('-') && s.len() > 1);
        let line = |s: String| Some(format!("{s}\n"));
        match name {
            "dirname" if !operands.is_empty() && flags.is_empty() => Some(
                operands
                    .iter()
                    .map(|o| format!("{}\n", dirname(o)))
                    .collect(),
            ),
            "basename" if !operands.is_empty() => {
                let suffix = flags
                    .iter()
                    .find_map(|f| f.strip_prefix("--suffix=").map(str::to_string))
                    .or_else(|| {
                        let i = args.iter().position(|a| a == "-s")?;
                        args.get(i + 1).cloned()
                    });
                let (path, suffix) = match suffix {
                    Some(s) => (operands.iter().find(|o| ***o != s)?.to_string(), Some(s)),
                    None => (
                        operands[0].to_string(),
                        operands.get(1).map(|s| s.to_string()),
                    ),
                };
                let base = basename(&path);
                // The name of `.` is the directory's real name: unknown here.
                if base == "." || base == ".." {
                    return None;
                }
                match suffix {
                    Some(s) if base.ends_with(&s) && base != s => {
                        line(base[..base.len() - s.len()].to_string())
                    }
                    _ => line(base),
                }
            }
            "realpath" | "readlink" if operands.len() == 1 => {
                if name == "readlink"
                    && !flags
                        .iter()
                        .any(|f| f.contains('f') || f.contains('e') || f.contains('m'))
                {
                    return None;
                }
                self.resolve(&Value::lit(operands[0].as_str()))
                    .as_lit()
                    .and_then(line)
            }
            "cat" if !operands.is_empty() && flags.is_empty() => {
                let mut out = String::new();
                for o in operands {
                    let path = self.resolve(&Value::lit(o.as_str())).as_lit()?;
                    if self.maybe_written(&path) {
                        return None;
                    }
                    out.push_str(&self.files.read(&path)?);
                }
                Some(out)
            }
            _ => None,
        }
    }

    /// True when the script may have created or changed `path` (or
    /// something under or above it) earlier.
    fn maybe_written(&self, path: &str) -> bool {
        // `.` (a bind mount of the working directory) covers every relative
        // path.
        if self.written.contains(".") && !path.starts_with('/') && !path.starts_with("..") {
            return true;
        }
        // The path or a directory above it.
        let mut p = path;
        loop {
            if self.written.contains(p) {
                return true;
            }
            match p.rfind('/') {
                Some(0) if p.len() > 1 => p = "/",
                Some(i) if i > 0 => p = &p[..i],
                _ => break,
            }
        }
        // Something under it.
        let prefix = if path.ends_with('/') {
            path.to_string()
        } else {
            format!("{path}/")
        };
        path == "." && !self.written.is_empty()
            || self
                .written
                .range(prefix.clone()..)
                .next()
                .is_some_and(|w| w.starts_with(&prefix))
    }
}

/// Commands that print nothing on standard output (or whose output goes
/// elsewhere), for the value of `$(...)`.
fn prints_nothing(c: &Command) -> bool {
    let redirected = c.redirects.iter().any(|r| {
        (r.fd == 1 && matches!(r.op.as_str(), ">" | ">>" | ">|"))
            || matches!(r.op.as_str(), "&>" | "&>>")
    });
    let name = c
        .argv
        .first()
        .and_then(|a| a.value.as_lit())
        .unwrap_or_default();
    redirected
        || matches!(
            name.as_str(),
            "cd" | "export"
                | "local"
                | "declare"
                | "typeset"
                | "readonly"
                | "unset"
                | "set"
                | "shift"
                | "true"
                | "false"
                | ":"
                | "trap"
                | "read"
                | "wait"
                | "sleep"
                | "mkdir"
                | "rm"
                | "cp"
                | "mv"
                | "touch"
                | "ln"
                | "chmod"
                | "chown"
                | "exit"
                | "return"
                | "break"
                | "continue"
        )
}

/// Commands whose exit status is usually a genuine condition rather than
/// success or failure: both outcomes are normal.
fn is_predicate(argv: &[Arg]) -> bool {
    let words: Vec<String> = argv
        .iter()
        .map(|a| a.value.as_lit().unwrap_or_default())
        .collect();
    let start = usize::from(words.first().is_some_and(|w| w == "sudo"));
    let w = &words[start.min(words.len())..];
    let Some(first) = w.first() else { return false };
    match first.as_str() {
        "grep" | "egrep" | "fgrep" | "which" | "type" | "hash" | "diff" | "cmp" | "pgrep"
        | "getent" | "ping" => true,
        "command" => w.get(1).is_some_and(|a| a == "-v" || a == "-V"),
        // `docker image inspect x`, `podman image exists x`.
        "docker" | "podman" => w
            .iter()
            .skip(1)
            .take(3)
            .any(|a| a == "inspect" || a == "exists"),
        "git" => w
            .iter()
            .any(|a| a == "--quiet" || a == "--exit-code" || a == "--verify"),
        _ => false,
    }
}

/// `A=b` made by an expansion: the name and the value.
fn split_assignment(v: &Value) -> Option<(String, Value)> {
    let Some(Part::Lit(first)) = v.parts.first() else {
        return None;
    };
    let (name, rest) = first.split_once('=')?;
    if !is_name(name) {
        return None;
    }
    let mut value = Value::lit(rest);
    for p in &v.parts[1..] {
        push_part(&mut value, p.clone());
    }
    Some((name.to_string(), value))
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn unknown_value(text: &str, reason: &str, at: Location) -> Value {
    Value {
        parts: vec![Part::Unknown(Unknown {
            text: text.to_string(),
            reason: reason.to_string(),
            at,
        })],
    }
}

/// What `echo` prints, when its arguments are known.
fn echo(argv: &[Arg]) -> Option<String> {
    let args: Vec<String> = argv
        .iter()
        .skip(1)
        .map(|a| a.value.as_lit())
        .collect::<Option<_>>()?;
    let mut newline = true;
    let mut escapes = false;
    let mut i = 0;
    while let Some(a) = args.get(i) {
        let Some(flags) = a.strip_prefix('-') else {
            break;
        };
        if flags.is_empty() || !flags.chars().all(|c| matches!(c, 'n' | 'e' | 'E')) {
            break;
        }
        newline &= !flags.contains('n');
        escapes = flags.contains('e');
        i += 1;
    }
    let mut out = args[i..].join(" ");
    if escapes {
        if let Some(cut) = out.find("\\c") {
            out.truncate(cut);
            newline = false;
        }
        out = ansi_c(&out);
    }
    if newline {
        out.push('\n');
    }
    Some(out)
}

/// A small `printf`: `%s`, `%d`, `%i`, `%%` and backslash escapes; the
/// format is reused while arguments remain, as bash does.
fn printf_format(format: &str, args: &[String]) -> Option<String> {
    let format = ansi_c(format);
    let mut out = String::new();
    let mut next = 0;
    loop {
        let mut used = false;
        let mut chars = format.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            match chars.next()? {
                '%' => out.push('%'),
                's' => {
                    out.push_str(args.get(next).map_or("", String::as_str));
                    next += 1;
                    used = true;
                }
                'd' | 'i' => {
                    let a = args.get(next).map_or("0", String::as_str);
                    out.push_str(&a.trim().parse::<i64>().ok()?.to_string());
                    next += 1;
                    used = true;
                }
                _ => return None,
            }
        }
        if !used || next >= args.len() || out.len() > MAX_VALUE_LEN {
            return Some(out);
        }
    }
}

fn dirname(p: &str) -> String {
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return if p.starts_with('/') {
            "/".into()
        } else {
            ".".into()
        };
    }
    match t.rfind('/') {
        None => ".".into(),
        Some(i) => {
            let d = t[..i].trim_end_matches('/');
            if d.is_empty() { "/".into() } else { d.into() }
        }
    }
}

fn basename(p: &str) -> String {
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return if p.starts_with('/') {
            "/".into()
        } else {
            String::new()
        };
    }
    t.rsplit('/').next().unwrap_or(t).to_string()
}

/// Lexically normalised path: `./a/../b/` is `b`, the empty path `.`.
pub(crate) fn norm_path(p: &str) -> String {
    let absolute = p.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for c in Path::new(p).components() {
        match c {
            Component::Normal(s) => out.push(s.to_str().unwrap_or("")),
            Component::ParentDir => match out.last() {
                Some(&"..") | None if !absolute => out.push(".."),
                None => {}
                Some(_) => {
                    out.pop();
                }
            },
            _ => {}
        }
    }
    let joined = out.join("/");
    match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// `p` resolved against the directory `dir`, normalised.
pub(crate) fn join_path(dir: &str, p: &str) -> String {
    if p.starts_with('/') {
        norm_path(p)
    } else {
        norm_path(&format!("{dir}/{p}"))
    }
}

/// `#!/bin/bash -e` (or `-ex`, `-eu`...) turns errexit on.
fn shebang_errexit(text: &str) -> bool {
    let Some(line) = text.lines().next().and_then(|l| l.strip_prefix("#!")) else {
        return false;
    };
    line.split_whitespace().skip(1).any(|w| {
        w.strip_prefix('-').is_some_and(|f| {
            !f.starts_with('-') && f.chars().all(|c| c.is_ascii_alphabetic()) && f.contains('e')
        })
    })
}

// ---------------------------------------------------------------------------
// Variables and expansion
// ---------------------------------------------------------------------------

/// Where an assignment goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// The innermost scope that has the variable, else global.
    Normal,
    /// The current function's scope (`local`, `declare` in a function).
    Local,
}

/// A `${x...}` operator with its operands evaluated once, so that it can be
/// applied to each element of an array.
enum Prep {
    Trim {
        suffix: bool,
        long: bool,
        pat: Option<Vec<(String, bool)>>,
    },
    Replace {
        mode: &'static str,
        pat: Option<Vec<(String, bool)>>,
        rep: Value,
    },
    Case {
        upper: bool,
        all: bool,
    },
    Substr {
        off: Option<i64>,
        len: Option<Option<i64>>,
    },
}

impl<'f> Eval<'f> {
    fn lookup(&self, name: &str) -> Option<&Var> {
        self.sh
            .locals
            .iter()
            .rev()
            .find_map(|s| s.get(name))
            .or_else(|| self.sh.globals.get(name))
    }

    fn lookup_mut(&mut self, name: &str) -> Option<&mut Var> {
        if let Some(i) = self.sh.locals.iter().rposition(|s| s.contains_key(name)) {
            return self.sh.locals[i].get_mut(name);
        }
        Rc::make_mut(&mut self.sh.globals).get_mut(name)
    }

    fn set_var(&mut self, name: &str, val: VarVal, scope: Scope) {
        if self.lookup(name).is_some_and(|v| v.readonly) && scope == Scope::Normal {
            let at = self.here;
            self.note(format!("readonly variable `{name}` not changed"), at);
            return;
        }
        let size = match &val {
            VarVal::Scalar(v) => value_size(v),
            VarVal::Indexed(m) => m.values().map(value_size).sum::<usize>() + m.len() * 16,
            VarVal::Assoc(m) => {
                m.iter()
                    .map(|(k, v)| k.len() + value_size(v))
                    .sum::<usize>()
                    + m.len() * 16
            }
            VarVal::Unset => 0,
        };
        if self.maybe_depth > 0 {
            self.writes.push(name.to_string());
        }
        let elements = match &val {
            VarVal::Indexed(m) => m.len(),
            VarVal::Assoc(m) => m.len(),
            _ => 0,
        };
        let val = if size > MAX_VALUE_LEN || elements > MAX_ARRAY_LEN {
            let at = self.here;
            VarVal::Scalar(unknown_value(
                &format!("${name}"),
                "value too large to follow",
                at,
            ))
        } else {
            val
        };
        match (scope, self.sh.locals.last_mut()) {
            (Scope::Local, Some(top)) => {
                top.insert(
                    name.to_string(),
                    Var {
                        val,
                        readonly: false,
                    },
                );
            }
            _ => match self.lookup_mut(name) {
                Some(v) => v.val = val,
                None => {
                    Rc::make_mut(&mut self.sh.globals).insert(
                        name.to_string(),
                        Var {
                            val,
                            readonly: false,
                        },
                    );
                }
            },
        }
    }

    fn set_scalar(&mut self, name: &str, v: Value) {
        self.set_var(name, VarVal::Scalar(v), Scope::Normal);
    }

    fn assign_value(&mut self, a: &Assign) -> AVal {
        match &a.value {
            AssignVal::Scalar(w) => AVal::Scalar(self.expand_string(w)),
            AssignVal::Array(words) => {
                let mut vs = Vec::new();
                for w in words {
                    // `([key]=value ...)` is not a glob.
                    vs.extend(self.expand_fields_globs(w, !w.text.starts_with('[')).0);
                }
                AVal::Array(vs)
            }
        }
    }

    fn assign(&mut self, a: &Assign, v: AVal, scope: Scope) {
        let index = a.index.as_ref().map(|w| self.expand_string(w));
        self.assign_named(&a.name, index, a.append, v, scope);
    }

    fn assign_named(
        &mut self,
        name: &str,
        index: Option<Value>,
        append: bool,
        v: AVal,
        scope: Scope,
    ) {
        if !is_name(name) {
            return;
        }
        let cur = self.lookup(name).map(|v| v.val.clone());
        let new = match (index, v) {
            (Some(ix), AVal::Scalar(val)) => match cur {
                Some(VarVal::Assoc(mut m)) => {
                    let Some(k) = ix.as_lit() else {
                        return self.unknown_index(name);
                    };
                    let val = match (append, m.get(&k)) {
                        (true, Some(old)) => concat(old, &val),
                        _ => val,
                    };
                    m.insert(k, val);
                    VarVal::Assoc(m)
                }
                other => {
                    let mut m = match other {
                        Some(VarVal::Indexed(m)) => m,
                        Some(VarVal::Scalar(s)) => BTreeMap::from([(0, s)]),
                        _ => BTreeMap::new(),
                    };
                    let i = ix.as_lit().and_then(|s| self.arith_text(&s, 0).ok());
                    let Some(i) = i.and_then(|i| usize::try_from(i).ok()) else {
                        return self.unknown_index(name);
                    };
                    let val = match (append, m.get(&i)) {
                        (true, Some(old)) => concat(old, &val),
                        _ => val,
                    };
                    m.insert(i, val);
                    VarVal::Indexed(m)
                }
            },
            (Some(_), AVal::Array(_)) => return,
            (None, AVal::Array(vs)) => match cur {
                Some(VarVal::Indexed(mut m)) if append => {
                    let start = m.keys().next_back().map_or(0, |k| k + 1);
                    for (i, v) in vs.into_iter().enumerate() {
                        m.insert(start + i, v);
                    }
                    VarVal::Indexed(m)
                }
                Some(VarVal::Scalar(s)) if append => {
                    VarVal::Indexed(std::iter::once(s).chain(vs).enumerate().collect())
                }
                Some(VarVal::Assoc(mut m)) => {
                    if !append {
                        m.clear();
                    }
                    for v in vs {
                        if let Some(s) = v.as_lit()
                            && let Some((k, val)) =
                                s.strip_prefix('[').and_then(|r| r.split_once("]="))
                        {
                            m.insert(k.to_string(), Value::lit(val));
                        }
                    }
                    VarVal::Assoc(m)
                }
                _ => VarVal::Indexed(vs.into_iter().enumerate().collect()),
            },
            (None, AVal::Scalar(val)) => match cur {
                Some(VarVal::Indexed(mut m)) => {
                    let val = match (append, m.get(&0)) {
                        (true, Some(old)) => concat(old, &val),
                        _ => val,
                    };
                    m.insert(0, val);
                    VarVal::Indexed(m)
                }
                Some(VarVal::Scalar(old)) if append => VarVal::Scalar(concat(&old, &val)),
                _ => VarVal::Scalar(val),
            },
        };
        self.set_var(name, new, scope);
    }

    fn unknown_index(&mut self, name: &str) {
        let at = self.here;
        self.note(
            format!("index into `{name}` not known statically: assignment skipped"),
            at,
        );
    }

    /// A word's fields: brace expansion, expansions, field splitting. The
    /// flag is true when how many fields there are is not known.
    fn expand_fields(&mut self, w: &Word) -> (Vec<Value>, bool) {
        self.expand_fields_globs(w, true)
    }

    fn expand_fields_globs(&mut self, w: &Word, note_globs: bool) -> (Vec<Value>, bool) {
        let mut alternatives = Vec::new();
        brace_expand(w.parts.clone(), &mut alternatives);
        let mut out = Vec::new();
        let mut uncertain = false;
        for parts in alternatives {
            let mut f = Fields::new(true);
            self.expand_into(&parts, &mut f);
            let (fields, u) = f.finish();
            uncertain |= u;
            for segs in fields {
                let v = seg_value(&segs);
                if note_globs && has_glob(&segs) {
                    self.note(format!("glob `{v}` kept literal (not expanded)"), w.at);
                    // It stands for as many words as there are matching files.
                    uncertain = true;
                }
                out.push(v);
            }
        }
        (out, uncertain)
    }

    /// A word expanded without field splitting (assignments, redirection
    /// targets, `case` subjects, here-documents).
    fn expand_string(&mut self, w: &Word) -> Value {
        seg_value(&self.expand_pattern(w))
    }

    /// Like [`Eval::expand_string`], keeping which segments are unquoted
    /// (active in a pattern).
    fn expand_pattern(&mut self, w: &Word) -> Vec<(Part, bool)> {
        let mut f = Fields::new(false);
        self.expand_into(&w.parts, &mut f);
        let (fields, _) = f.finish();
        fields.into_iter().flatten().collect()
    }

    fn expand_into(&mut self, parts: &[WP], f: &mut Fields) {
        for p in parts {
            match p {
                WP::Lit(s, q) => f.lit(s, *q, false),
                WP::Fixed(part) => f.part(part.clone(), true),
                WP::Tilde(user, at) => {
                    let v = if user.is_empty() {
                        self.home(*at)
                    } else {
                        unknown_value(&format!("~{user}"), "home directory of another user", *at)
                    };
                    f.lit("", true, true);
                    for part in v.parts {
                        f.part(part, true);
                    }
                }
                WP::Param(param, q) => self.expand_param(param, *q, f),
                WP::Sub(sub, q) => {
                    let part = self.command_subst(sub);
                    if *q {
                        f.lit("", true, true);
                    }
                    f.part(part, *q);
                }
                WP::Arith(w, q) => {
                    let part = match self.arith_word(w) {
                        Ok(n) => Part::Lit(n.to_string()),
                        Err(reason) => {
                            if reason == DIVISION_BY_ZERO {
                                self.note(
                                    format!("`{}`: {reason}; bash abandons this command", w.text),
                                    w.at,
                                );
                                self.aborting = true;
                            }
                            Part::Unknown(Unknown {
                                text: w.text.clone(),
                                reason,
                                at: w.at,
                            })
                        }
                    };
                    f.part(part, *q);
                }
                WP::ProcSub(sub) => {
                    let _ = self.captured_run(sub);
                    let reason = "process substitution (a path to a pipe)".to_string();
                    f.part(
                        Part::Unknown(Unknown {
                            text: sub.text.clone(),
                            reason,
                            at: sub.at,
                        }),
                        true,
                    );
                }
            }
        }
    }

    /// Runs the body of a substitution as bash does: in a subshell, output
    /// captured. Returns the index of its last recorded command.
    fn captured_run(&mut self, sub: &Sub) -> std::ops::Range<usize> {
        let start = self.trace.commands.len();
        let saved_pipe = self.pipeline.take();
        let saved_redirects = std::mem::take(&mut self.inherited);
        self.captured += 1;
        self.subshell(|e| e.run_body(&sub.body));
        self.captured -= 1;
        self.pipeline = saved_pipe;
        self.inherited = saved_redirects;
        self.sub_status = Some(self.sh.status);
        start..self.trace.commands.len()
    }

    /// `$(...)`: what its commands print on the normal path. Computed when
    /// every command that prints is pure with known inputs (`dirname`,
    /// `pwd`, `echo`) and the others print nothing (`cd`); else the output
    /// of the last command that prints, symbolically.
    fn command_subst(&mut self, sub: &Sub) -> Part {
        if let Some(w) = &sub.read_file {
            let v = self.expand_string(w);
            let path = self.resolve(&v);
            if let Some(p) = path.as_lit()
                && !self.maybe_written(&p)
                && let Some(text) = self.files.read(&p)
            {
                return Part::Lit(text.trim_end_matches('\n').to_string());
            }
            let reason = format!("contents of `{path}`, not readable statically");
            return Part::Unknown(Unknown {
                text: sub.text.clone(),
                reason,
                at: sub.at,
            });
        }
        let cond = self.cond;
        let level = self.captured + 1;
        let range = self.captured_run(sub);
        let commands = &self.trace.commands;
        // This substitution's own commands (not those of nested ones).
        let own: Vec<usize> = range
            .filter(|&i| self.levels.get(i) == Some(&level))
            .collect();
        let normal: Vec<usize> = own
            .iter()
            .copied()
            .filter(|&i| commands[i].condition == cond)
            .collect();
        // In a pipeline only the last command's output comes out.
        let printing: Vec<usize> = normal
            .iter()
            .copied()
            .filter(|&i| match commands[i].pipeline {
                Some((id, pos)) => !normal.iter().any(
                    |&j| matches!(commands[j].pipeline, Some((jd, jp)) if jd == id && jp > pos),
                ),
                None => true,
            })
            .collect();
        let mut out = String::new();
        for &i in &printing {
            match self.pure.get(&i) {
                Some(text) => out.push_str(text),
                None if prints_nothing(&commands[i]) => {}
                None => return Part::Output(i),
            }
        }
        match (printing.is_empty(), own.last()) {
            // Only commands that may not run: their output, symbolically.
            (true, Some(&last)) if !normal.contains(&last) => Part::Output(last),
            _ => Part::Lit(out.trim_end_matches('\n').to_string()),
        }
    }

    fn param_value(&mut self, p: &Param) -> PVal {
        let name = p.name.as_str();
        let at = p.at;
        let absent = |reason: String| {
            PVal::Absent(Unknown {
                text: p.text.clone(),
                reason,
                at,
            })
        };
        let unknown = |reason: &str| PVal::Scalar(unknown_value(&p.text, reason, at));
        match name {
            "@" | "*" => match &self.sh.positional {
                Some(vs) if name == "@" => PVal::List(vs.clone()),
                Some(vs) => PVal::Star(vs.clone()),
                None => absent(format!("{REASON_ARG}s of the script are not given")),
            },
            "#" => match &self.sh.positional {
                Some(vs) => PVal::Scalar(Value::lit(vs.len().to_string())),
                None => absent(format!("{REASON_ARG}s of the script are not given")),
            },
            "0" => PVal::Scalar(Value::lit(self.script_path.clone())),
            "?" => match self.sh.status {
                Status::Code(c) => PVal::Scalar(Value::lit(c.to_string())),
                st => {
                    self.status_marks
                        .insert((at.file, at.span.start, at.span.end), st);
                    unknown("exit status of an earlier command")
                }
            },
            "$" => unknown("process id"),
            "!" => unknown("process id of the last background command"),
            "-" => unknown("flags of the running shell"),
            "_" => unknown("last argument of the previous command"),
            _ if name.bytes().all(|b| b.is_ascii_digit()) => {
                let n: usize = name.parse().unwrap_or(usize::MAX);
                match &self.sh.positional {
                    Some(vs) => vs
                        .get(n.wrapping_sub(1))
                        .map_or(PVal::Unset, |v| PVal::Scalar(v.clone())),
                    None => absent(format!("{REASON_ARG} ${n} is not given")),
                }
            }
            _ => {
                let index = p.index.as_ref().map(|w| self.expand_string(w));
                if let Some(var) = self.lookup(name) {
                    let val = var.val.clone();
                    if matches!(&val, VarVal::Scalar(v) if is_absent_input(v)) {
                        self.note_ref(name);
                    }
                    return self.index_var(val, index, p);
                }
                let special = match name {
                    "PWD" => Some(VarVal::Scalar(self.sh.cwd.clone())),
                    "OLDPWD" => Some(self.sh.oldpwd.clone().map_or(VarVal::Unset, VarVal::Scalar)),
                    "BASH_SOURCE" => Some(VarVal::Indexed(
                        self.sh.sources.iter().rev().cloned().enumerate().collect(),
                    )),
                    "FUNCNAME" => Some(VarVal::Indexed(
                        self.sh
                            .funcnames
                            .iter()
                            .rev()
                            .map(Value::lit)
                            .enumerate()
                            .collect(),
                    )),
                    "LINENO" => {
                        let line = self
                            .trace
                            .files
                            .get(at.file)
                            .map_or(0, |(_, t)| line_col(t, at.span.start).0);
                        Some(VarVal::Scalar(Value::lit(line.to_string())))
                    }
                    "IFS" => Some(VarVal::Scalar(Value::lit(" \t\n"))),
                    _ => None,
                };
                if let Some(val) = special {
                    return self.index_var(val, index, p);
                }
                match name {
                    "RANDOM" | "SRANDOM" => return unknown("random number"),
                    "SECONDS" | "EPOCHSECONDS" | "EPOCHREALTIME" => {
                        return unknown("time of the run");
                    }
                    "BASHPID" | "PPID" => return unknown("process id"),
                    _ => {}
                }
                if let Some(v) = self.opts.env.get(name) {
                    return self.index_var(VarVal::Scalar(Value::lit(v.clone())), index, p);
                }
                self.note_ref(name);
                absent(format!("{REASON_ENV} {name} is not set"))
            }
        }
    }

    fn note_ref(&mut self, name: &str) {
        // Bounded within one complete command (see `run_file`).
        if self.refs.len() < 4096 {
            self.refs.push(name.to_string());
        }
    }

    fn index_var(&mut self, val: VarVal, index: Option<Value>, p: &Param) -> PVal {
        let values = |val: &VarVal| -> Vec<Value> {
            match val {
                VarVal::Scalar(v) => vec![v.clone()],
                VarVal::Indexed(m) => m.values().cloned().collect(),
                VarVal::Assoc(m) => m.values().cloned().collect(),
                VarVal::Unset => Vec::new(),
            }
        };
        let Some(ix) = index else {
            return match val {
                VarVal::Scalar(v) => PVal::Scalar(v),
                VarVal::Indexed(m) => m.get(&0).cloned().map_or(PVal::Unset, PVal::Scalar),
                VarVal::Assoc(m) => m.get("0").cloned().map_or(PVal::Unset, PVal::Scalar),
                VarVal::Unset => PVal::Unset,
            };
        };
        let Some(k) = ix.as_lit() else {
            return PVal::Scalar(unknown_value(
                &p.text,
                "array index not known statically",
                p.at,
            ));
        };
        match k.as_str() {
            "@" => return PVal::List(values(&val)),
            "*" => return PVal::Star(values(&val)),
            _ => {}
        }
        let numeric = |this: &mut Self| this.arith_text(&k, 0).ok();
        match val {
            VarVal::Assoc(m) => m.get(&k).cloned().map_or(PVal::Unset, PVal::Scalar),
            VarVal::Indexed(m) => match numeric(self) {
                Some(i) if i < 0 => {
                    let n = m.keys().next_back().map_or(0, |k| k + 1) as i128;
                    usize::try_from(n + i128::from(i))
                        .ok()
                        .and_then(|i| m.get(&i))
                        .cloned()
                        .map_or(PVal::Unset, PVal::Scalar)
                }
                Some(i) => usize::try_from(i)
                    .ok()
                    .and_then(|i| m.get(&i))
                    .cloned()
                    .map_or(PVal::Unset, PVal::Scalar),
                None => PVal::Scalar(unknown_value(
                    &p.text,
                    "array index not known statically",
                    p.at,
                )),
            },
            VarVal::Scalar(v) => match numeric(self) {
                Some(0) => PVal::Scalar(v),
                _ => PVal::Unset,
            },
            VarVal::Unset => PVal::Unset,
        }
    }

    fn push_pval(&mut self, v: PVal, quoted: bool, f: &mut Fields) {
        match v {
            PVal::Unset => {
                if quoted {
                    f.lit("", true, true);
                }
            }
            PVal::Absent(u) => f.part(Part::Unknown(u), quoted),
            PVal::Scalar(v) => {
                if quoted {
                    f.lit("", true, true);
                }
                for part in v.parts {
                    f.part(part, quoted);
                }
            }
            PVal::List(vs) if f.split => {
                for (i, v) in vs.into_iter().enumerate() {
                    if i > 0 {
                        f.end();
                    }
                    self.push_pval(PVal::Scalar(v), quoted, f);
                }
            }
            PVal::List(vs) | PVal::Star(vs) => {
                self.push_pval(PVal::Scalar(join_values(&vs, " ")), quoted, f)
            }
        }
    }

    /// Whether `${X:-d}` takes the default: unset, an input not given, or
    /// (with the colon) known to be empty.
    fn use_default(v: &PVal, colon: bool) -> bool {
        match v {
            PVal::Unset | PVal::Absent(_) => true,
            PVal::Scalar(x) => is_absent_input(x) || (colon && is_known_empty(x)),
            PVal::List(vs) | PVal::Star(vs) => {
                vs.is_empty() || (colon && vs.iter().all(is_known_empty))
            }
        }
    }

    fn expand_param(&mut self, p: &Param, quoted: bool, f: &mut Fields) {
        match &p.op {
            POp::Plain => {
                let v = self.param_value(p);
                self.push_pval(v, quoted, f);
            }
            POp::Length => {
                let n = match self.param_value(p) {
                    PVal::Unset => Ok(0),
                    PVal::Absent(u) => Err(u.reason),
                    PVal::Scalar(v) => v
                        .as_lit()
                        .map(|s| s.chars().count())
                        .ok_or_else(|| derived_reason(&v)),
                    PVal::List(vs) | PVal::Star(vs) => Ok(vs.len()),
                };
                let part = match n {
                    Ok(n) => Part::Lit(n.to_string()),
                    Err(reason) => Part::Unknown(Unknown {
                        text: p.text.clone(),
                        reason,
                        at: p.at,
                    }),
                };
                f.part(part, quoted);
            }
            POp::Indirect => {
                let keys = p
                    .index
                    .as_ref()
                    .is_some_and(|w| matches!(w.text.as_str(), "@" | "*"));
                if keys {
                    let ks: Vec<Value> = match self.lookup(&p.name).map(|v| v.val.clone()) {
                        Some(VarVal::Indexed(m)) => {
                            m.keys().map(|k| Value::lit(k.to_string())).collect()
                        }
                        Some(VarVal::Assoc(m)) => m.keys().map(Value::lit).collect(),
                        Some(VarVal::Scalar(_)) => vec![Value::lit("0")],
                        _ => Vec::new(),
                    };
                    self.push_pval(PVal::List(ks), quoted, f);
                    return;
                }
                let target = match self.param_value(p) {
                    PVal::Scalar(v) => v
                        .as_lit()
                        .filter(|s| is_name(s) || s.bytes().all(|b| b.is_ascii_digit())),
                    _ => None,
                };
                match target {
                    Some(name) => {
                        let inner = Param {
                            name,
                            index: None,
                            op: POp::Plain,
                            at: p.at,
                            text: p.text.clone(),
                        };
                        let v = self.param_value(&inner);
                        self.push_pval(v, quoted, f);
                    }
                    None => {
                        let u = unknown_value(
                            &p.text,
                            "indirect reference to a name not known statically",
                            p.at,
                        );
                        self.push_pval(PVal::Scalar(u), quoted, f);
                    }
                }
            }
            POp::Default(colon, w) | POp::Assign(colon, w) => {
                let v = self.param_value(p);
                if !Self::use_default(&v, *colon) {
                    self.push_pval(v, quoted, f);
                } else if matches!(p.op, POp::Assign(..)) {
                    let val = self.expand_string(w);
                    if is_name(&p.name) {
                        let index = p.index.as_ref().map(|w| self.expand_string(w));
                        self.assign_named(
                            &p.name,
                            index,
                            false,
                            AVal::Scalar(val.clone()),
                            Scope::Normal,
                        );
                    } else {
                        self.note(
                            format!("cannot assign to `${}` in `{}`", p.name, p.text),
                            p.at,
                        );
                    }
                    self.push_pval(PVal::Scalar(val), quoted, f);
                } else {
                    if quoted {
                        f.lit("", true, true);
                    }
                    self.expand_into(&w.parts, f);
                }
            }
            POp::Alt(colon, w) => {
                let v = self.param_value(p);
                if quoted {
                    f.lit("", true, true);
                }
                if !Self::use_default(&v, *colon) {
                    self.expand_into(&w.parts, f);
                }
            }
            POp::Error(colon, w) => {
                let v = self.param_value(p);
                let fails = match &v {
                    PVal::Unset => true,
                    PVal::Scalar(x) => *colon && is_known_empty(x),
                    _ => false,
                };
                if fails {
                    let msg = self.expand_string(w);
                    let msg = if is_known_empty(&msg) {
                        "parameter null or not set".to_string()
                    } else {
                        msg.to_string()
                    };
                    self.note(format!("`{}`: {msg}; the script stops here", p.text), p.at);
                    self.fatal = true;
                }
                self.push_pval(v, quoted, f);
            }
            POp::Unsupported => {
                self.note(
                    format!("unsupported parameter expansion `{}`", p.text),
                    p.at,
                );
                let u = Unknown {
                    text: p.text.clone(),
                    reason: "unsupported parameter expansion".into(),
                    at: p.at,
                };
                f.part(Part::Unknown(u), quoted);
            }
            _ => {
                let v = self.param_value(p);
                let prep = self.prepare(p);
                let r = self.transform(p, v, &prep);
                self.push_pval(r, quoted, f);
            }
        }
    }

    fn prepare(&mut self, p: &Param) -> Prep {
        let pattern = |this: &mut Self, w: &Word| pattern_of(&this.expand_pattern(w));
        match &p.op {
            POp::TrimPrefix(long, w) => Prep::Trim {
                suffix: false,
                long: *long,
                pat: pattern(self, w),
            },
            POp::TrimSuffix(long, w) => Prep::Trim {
                suffix: true,
                long: *long,
                pat: pattern(self, w),
            },
            POp::Replace(mode, pat, rep) => {
                let pat = pattern(self, pat);
                let rep = self.expand_string(rep);
                Prep::Replace { mode, pat, rep }
            }
            POp::Case(upper, all) => Prep::Case {
                upper: *upper,
                all: *all,
            },
            POp::Substr(off, len) => {
                let off = self.arith_word(off).ok();
                let len = match len {
                    None => Some(None),
                    Some(w) => self.arith_word(w).ok().map(Some),
                };
                Prep::Substr { off, len }
            }
            _ => Prep::Case {
                upper: false,
                all: false,
            },
        }
    }

    fn transform(&mut self, p: &Param, v: PVal, prep: &Prep) -> PVal {
        match v {
            PVal::Unset => PVal::Unset,
            PVal::Absent(u) => PVal::Absent(Unknown {
                text: p.text.clone(),
                ..u
            }),
            PVal::Scalar(x) => PVal::Scalar(apply_op(p, &x, prep)),
            PVal::List(vs) | PVal::Star(vs) if matches!(prep, Prep::Substr { .. }) => {
                let Prep::Substr {
                    off: Some(off),
                    len: Some(len),
                } = prep
                else {
                    return PVal::Scalar(unknown_value(
                        &p.text,
                        "offset or length not known statically",
                        p.at,
                    ));
                };
                // `${@:1}` starts at `$1`.
                let shift = i64::from(p.name == "@" || p.name == "*");
                let n = vs.len() as i64;
                let start = if *off < 0 { n + off } else { off - shift }.clamp(0, n);
                let end = match len {
                    None => n,
                    Some(l) if *l < 0 => n + l,
                    Some(l) => start.saturating_add(*l),
                }
                .clamp(start, n);
                let slice = vs[start as usize..end as usize].to_vec();
                if p.name == "*" {
                    PVal::Star(slice)
                } else {
                    PVal::List(slice)
                }
            }
            PVal::List(vs) => PVal::List(vs.iter().map(|x| apply_op(p, x, prep)).collect()),
            PVal::Star(vs) => PVal::Star(vs.iter().map(|x| apply_op(p, x, prep)).collect()),
        }
    }
}

/// Why a value derived from `v` is not known.
fn derived_reason(v: &Value) -> String {
    for p in &v.parts {
        match p {
            Part::Unknown(u) => return u.reason.clone(),
            Part::Output(i) => return format!("derived from the output of command #{i}"),
            Part::Lit(_) => {}
        }
    }
    "not known statically".into()
}

fn apply_op(p: &Param, x: &Value, prep: &Prep) -> Value {
    let unknown = |reason: String| unknown_value(&p.text, &reason, p.at);
    let Some(s) = x.as_lit() else {
        return unknown(derived_reason(x));
    };
    let chars: Vec<char> = s.chars().collect();
    let too_long = chars.len() > MAX_PATTERN_SUBJECT;
    match prep {
        Prep::Trim { pat: None, .. } | Prep::Replace { pat: None, .. } => {
            unknown("pattern not known statically".into())
        }
        Prep::Trim { .. } | Prep::Replace { .. } if too_long => {
            unknown("value too long to match".into())
        }
        Prep::Trim {
            suffix,
            long,
            pat: Some(pat),
        } => {
            let toks = compile_glob(pat);
            let n = chars.len();
            let found = if *suffix {
                let mut order: Box<dyn Iterator<Item = usize>> = if *long {
                    Box::new(0..=n)
                } else {
                    Box::new((0..=n).rev())
                };
                order
                    .find(|&i| glob_match(&toks, &chars[i..]))
                    .map(|i| chars[..i].iter().collect())
            } else {
                let mut order: Box<dyn Iterator<Item = usize>> = if *long {
                    Box::new((0..=n).rev())
                } else {
                    Box::new(0..=n)
                };
                order
                    .find(|&i| glob_match(&toks, &chars[..i]))
                    .map(|i| chars[i..].iter().collect())
            };
            Value::lit(found.unwrap_or(s))
        }
        Prep::Replace {
            mode,
            pat: Some(pat),
            rep,
        } => {
            let toks = compile_glob(pat);
            if toks.is_empty() {
                return x.clone();
            }
            let n = chars.len();
            let mut out = Value::default();
            let mut i = 0;
            let mut replaced = false;
            while i <= n {
                let may_start = match *mode {
                    "/#" => i == 0,
                    "/%" => true,
                    _ => !replaced || *mode == "//",
                };
                let end = if may_start {
                    if *mode == "/%" {
                        glob_match(&toks, &chars[i..]).then_some(n)
                    } else {
                        (i..=n)
                            .rev()
                            .find(|&e| e > i && glob_match(&toks, &chars[i..e]))
                    }
                } else {
                    None
                };
                match end {
                    Some(e) if e > i || *mode == "/%" => {
                        for p in &rep.parts {
                            push_part(&mut out, p.clone());
                        }
                        replaced = true;
                        i = e;
                        if *mode == "/%" || i >= n {
                            break;
                        }
                    }
                    _ => {
                        if i < n {
                            push_part(&mut out, Part::Lit(chars[i].to_string()));
                        }
                        i += 1;
                    }
                }
            }
            out
        }
        Prep::Case { upper, all } => {
            let conv = |c: char| {
                if *upper {
                    c.to_uppercase().collect::<String>()
                } else {
                    c.to_lowercase().collect()
                }
            };
            let out: String = if *all {
                chars.iter().map(|&c| conv(c)).collect()
            } else {
                chars
                    .iter()
                    .enumerate()
                    .map(|(i, &c)| if i == 0 { conv(c) } else { c.to_string() })
                    .collect()
            };
            Value::lit(out)
        }
        Prep::Substr {
            off: Some(off),
            len: Some(len),
        } => {
            let n = chars.len() as i64;
            let start = if *off < 0 { n + off } else { *off };
            if start < 0 || start > n {
                return Value::lit("");
            }
            let end = match len {
                None => n,
                Some(l) if *l < 0 => n + l,
                Some(l) => start.saturating_add(*l).min(n),
            };
            if end < start {
                return Value::lit("");
            }
            Value::lit(
                chars[start as usize..end as usize]
                    .iter()
                    .collect::<String>(),
            )
        }
        Prep::Substr { .. } => unknown("offset or length not known statically".into()),
    }
}

/// A value shortened for a message.
fn short(v: &VarVal) -> String {
    let s = match v {
        VarVal::Scalar(v) => format!("`{v}`"),
        VarVal::Unset => "unset".into(),
        _ => "an array".into(),
    };
    if s.chars().count() > 48 {
        format!("{}...`", s.chars().take(44).collect::<String>())
    } else {
        s
    }
}

/// Roughly how much memory a value takes, to bound growth.
fn value_size(v: &Value) -> usize {
    v.parts
        .iter()
        .map(|p| {
            if let Part::Lit(s) = p {
                s.len() + 16
            } else {
                64
            }
        })
        .sum()
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, col)
}

// ---------------------------------------------------------------------------
// Globs and brace expansion
// ---------------------------------------------------------------------------

/// The text of a pattern as (text, active) pieces; `None` when a part is
/// not known.
fn pattern_of(segs: &[(Part, bool)]) -> Option<Vec<(String, bool)>> {
    segs.iter()
        .map(|(p, active)| match p {
            Part::Lit(s) => Some((s.clone(), *active)),
            _ => None,
        })
        .collect()
}

/// True when an unquoted glob character is in the field.
fn has_glob(segs: &[(Part, bool)]) -> bool {
    segs.iter().any(|(p, active)| {
        *active && matches!(p, Part::Lit(s) if s.contains(['*', '?']) || s.find('[').is_some_and(|i| s[i..].contains(']')))
    })
}

#[derive(Debug, Clone)]
enum GTok {
    Ch(char),
    Any,
    Star,
    Class(Vec<(char, char)>, bool),
}

fn compile_glob(pat: &[(String, bool)]) -> Vec<GTok> {
    let chars: Vec<(char, bool)> = pat
        .iter()
        .flat_map(|(s, a)| s.chars().map(move |c| (c, *a)))
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (c, active) = chars[i];
        i += 1;
        if !active {
            out.push(GTok::Ch(c));
            continue;
        }
        match c {
            '*' => {
                if !matches!(out.last(), Some(GTok::Star)) {
                    out.push(GTok::Star);
                }
            }
            '?' => out.push(GTok::Any),
            '\\' if i < chars.len() => {
                out.push(GTok::Ch(chars[i].0));
                i += 1;
            }
            '[' => match parse_class(&chars[i..]) {
                Some((tok, used)) => {
                    out.push(tok);
                    i += used;
                }
                None => out.push(GTok::Ch('[')),
            },
            _ => out.push(GTok::Ch(c)),
        }
    }
    out
}

/// A bracket expression after its `[`: the token and how many characters
/// it used.
fn parse_class(chars: &[(char, bool)]) -> Option<(GTok, usize)> {
    let mut i = 0;
    let negate = matches!(chars.first(), Some(('!' | '^', _)));
    if negate {
        i += 1;
    }
    let mut ranges = Vec::new();
    let mut first = true;
    while i < chars.len() {
        let c = chars[i].0;
        if c == ']' && !first {
            return Some((GTok::Class(ranges, negate), i + 1));
        }
        first = false;
        if c == '[' && chars.get(i + 1).map(|x| x.0) == Some(':') {
            let rest: String = chars[i + 2..].iter().map(|x| x.0).collect();
            if let Some(end) = rest.find(":]") {
                let class: &[(char, char)] = match &rest[..end] {
                    "alpha" => &[('a', 'z'), ('A', 'Z')],
                    "digit" => &[('0', '9')],
                    "alnum" => &[('a', 'z'), ('A', 'Z'), ('0', '9')],
                    "upper" => &[('A', 'Z')],
                    "lower" => &[('a', 'z')],
                    "space" => &[(' ', ' '), ('\t', '\r')],
                    "xdigit" => &[('0', '9'), ('a', 'f'), ('A', 'F')],
                    "punct" => &[('!', '/'), (':', '@'), ('[', '`'), ('{', '~')],
                    _ => &[],
                };
                ranges.extend_from_slice(class);
                i += 2 + rest[..end].chars().count() + 2;
                continue;
            }
        }
        if chars.get(i + 1).map(|x| x.0) == Some('-')
            && chars.get(i + 2).is_some_and(|x| x.0 != ']')
        {
            ranges.push((c, chars[i + 2].0));
            i += 3;
        } else {
            ranges.push((c, c));
            i += 1;
        }
    }
    None
}

fn glob_match(p: &[GTok], s: &[char]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if let Some(tok) = p.get(pi) {
            let ok = match tok {
                GTok::Star => {
                    star = Some((pi, si));
                    pi += 1;
                    continue;
                }
                GTok::Any => true,
                GTok::Ch(c) => *c == s[si],
                GTok::Class(ranges, negate) => {
                    ranges.iter().any(|(a, b)| (*a..=*b).contains(&s[si])) != *negate
                }
            };
            if ok {
                pi += 1;
                si += 1;
                continue;
            }
        }
        match star {
            Some((sp, ss)) => {
                pi = sp + 1;
                si = ss + 1;
                star = Some((sp, ss + 1));
            }
            None => return false,
        }
    }
    p[pi.min(p.len())..].iter().all(|t| matches!(t, GTok::Star))
}

/// Brace expansion of a word's unquoted literal text: `{a,b}` and
/// `{1..3}`.
fn brace_expand(parts: Vec<WP>, out: &mut Vec<Vec<WP>>) {
    brace_expand_at(parts, out, 0);
}

fn brace_expand_at(parts: Vec<WP>, out: &mut Vec<Vec<WP>>, depth: usize) {
    if out.len() >= MAX_BRACE_WORDS || depth > 16 {
        out.push(parts);
        return;
    }
    for (i, p) in parts.iter().enumerate() {
        let WP::Lit(s, false) = p else { continue };
        // Each alternative copies the text: bound the work on huge words.
        if s.len() > MAX_PATTERN_SUBJECT {
            continue;
        }
        let Some((pre, alternatives, post)) = brace_split(s) else {
            continue;
        };
        for alt in alternatives {
            if out.len() >= MAX_BRACE_WORDS {
                break;
            }
            let mut next = parts[..i].to_vec();
            next.push(WP::Lit(format!("{pre}{alt}{post}"), false));
            next.extend_from_slice(&parts[i + 1..]);
            brace_expand_at(next, out, depth + 1);
        }
        return;
    }
    out.push(parts);
}

/// The first brace expression of `s`: text before, alternatives, text after.
fn brace_split(s: &str) -> Option<(String, Vec<String>, String)> {
    let chars: Vec<char> = s.chars().collect();
    for open in 0..chars.len() {
        if chars[open] != '{' || (open > 0 && chars[open - 1] == '$') {
            continue;
        }
        let mut depth = 0;
        let mut commas = Vec::new();
        let mut close = None;
        for (j, &c) in chars.iter().enumerate().skip(open) {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        close = Some(j);
                        break;
                    }
                }
                ',' if depth == 1 => commas.push(j),
                _ => {}
            }
        }
        let Some(close) = close else { continue };
        let pre: String = chars[..open].iter().collect();
        let post: String = chars[close + 1..].iter().collect();
        let inner: String = chars[open + 1..close].iter().collect();
        if !commas.is_empty() {
            let mut alts = Vec::new();
            let mut start = open + 1;
            for &c in commas.iter().chain(std::iter::once(&close)) {
                alts.push(chars[start..c].iter().collect());
                start = c + 1;
            }
            return Some((pre, alts, post));
        }
        if let Some(seq) = brace_sequence(&inner) {
            return Some((pre, seq, post));
        }
    }
    None
}

/// `1..5`, `a..e`, `01..10`, `1..10..2`.
fn brace_sequence(inner: &str) -> Option<Vec<String>> {
    let parts: Vec<&str> = inner.split("..").collect();
    if parts.len() != 2 && parts.len() != 3 {
        return None;
    }
    let step = match parts.get(2) {
        Some(s) => s.parse::<i64>().ok()?.unsigned_abs().max(1),
        None => 1,
    };
    if let (Ok(a), Ok(b)) = (parts[0].parse::<i64>(), parts[1].parse::<i64>()) {
        let count = a.abs_diff(b) / step + 1;
        if count > MAX_BRACE_WORDS as u64 {
            return None;
        }
        let width = if parts[0].starts_with('0') || parts[1].starts_with('0') {
            parts[0].len().max(parts[1].len())
        } else {
            0
        };
        let dir: i128 = if b >= a { 1 } else { -1 };
        return Some(
            (0..count as i128)
                .map(|k| {
                    format!(
                        "{:0width$}",
                        i128::from(a) + dir * k * i128::from(step),
                        width = width
                    )
                })
                .collect(),
        );
    }
    let (a, b) = (
        parts[0].chars().collect::<Vec<_>>(),
        parts[1].chars().collect::<Vec<_>>(),
    );
    match (a.as_slice(), b.as_slice()) {
        ([x], [y]) if x.is_ascii_alphabetic() && y.is_ascii_alphabetic() => {
            let (x, y) = (*x as u8, *y as u8);
            let range: Vec<u8> = if x <= y {
                (x..=y).step_by(step as usize).collect()
            } else {
                (y..=x).rev().step_by(step as usize).collect()
            };
            Some(range.into_iter().map(|c| (c as char).to_string()).collect())
        }
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Arithmetic
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum ATok {
    Num(i64),
    Ident(String),
    Op(&'static str),
}

#[derive(Debug)]
enum AExpr {
    Num(i64),
    Var(String, Option<Box<AExpr>>),
    Unary(&'static str, Box<AExpr>),
    Binary(&'static str, Box<AExpr>, Box<AExpr>),
    Assign(&'static str, String, Box<AExpr>),
    Inc(String, i64, bool),
    Cond(Box<AExpr>, Box<AExpr>, Box<AExpr>),
}

const ARITH_OPS: &[&str] = &[
    "<<=", ">>=", "**", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "++", "--", "+=", "-=",
    "*=", "/=", "%=", "&=", "^=", "|=", "+", "-", "*", "/", "%", "<", ">", "=", "!", "~", "&", "^",
    "|", "?", ":", ",", "(", ")", "[", "]",
];

/// An integer constant as bash reads it: `10`, `0x1f`, `017`, `2#101`.
fn parse_int(s: &str) -> Option<i64> {
    let s = s.trim();
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let v = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        i64::from_str_radix(h, 16).ok()?
    } else if let Some((base, digits)) = s.split_once('#') {
        let base: u32 = base.parse().ok().filter(|b| (2..=36).contains(b))?;
        i64::from_str_radix(digits, base).ok()?
    } else if s.len() > 1 && s.starts_with('0') {
        i64::from_str_radix(&s[1..], 8).ok()?
    } else {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse::<i64>().ok()?
    };
    Some(if neg { v.wrapping_neg() } else { v })
}

fn arith_tokens(s: &str) -> Result<Vec<ATok>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || chars[i] == '#' || chars[i] == '_')
            {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            out.push(ATok::Num(
                parse_int(&text).ok_or_else(|| format!("invalid number `{text}`"))?,
            ));
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(ATok::Ident(chars[start..i].iter().collect()));
        } else {
            let rest: String = chars[i..chars.len().min(i + 3)].iter().collect();
            let op = ARITH_OPS
                .iter()
                .find(|o| rest.starts_with(**o))
                .ok_or_else(|| format!("arithmetic syntax error near `{c}`"))?;
            out.push(ATok::Op(op));
            i += op.chars().count();
        }
    }
    Ok(out)
}

/// Precedence levels of the left-associative binary operators, loosest
/// first.
const ARITH_LEVELS: &[&[&str]] = &[
    &["||"],
    &["&&"],
    &["|"],
    &["^"],
    &["&"],
    &["==", "!="],
    &["<", ">", "<=", ">="],
    &["<<", ">>"],
    &["+", "-"],
    &["*", "/", "%"],
];

struct AParser {
    toks: Vec<ATok>,
    pos: usize,
    depth: usize,
}

impl AParser {
    fn peek_op(&self) -> Option<&'static str> {
        match self.toks.get(self.pos) {
            Some(ATok::Op(o)) => Some(o),
            _ => None,
        }
    }

    fn eat(&mut self, op: &str) -> bool {
        if self.peek_op() == Some(op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn enter(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > 64 {
            Err("arithmetic nested too deeply".into())
        } else {
            Ok(())
        }
    }

    fn comma(&mut self) -> Result<AExpr, String> {
        let mut e = self.assign()?;
        while self.eat(",") {
            let r = self.assign()?;
            e = AExpr::Binary(",", Box::new(e), Box::new(r));
        }
        Ok(e)
    }

    fn assign(&mut self) -> Result<AExpr, String> {
        if let (Some(ATok::Ident(name)), Some(ATok::Op(op))) =
            (self.toks.get(self.pos), self.toks.get(self.pos + 1))
            && matches!(
                *op,
                "=" | "+=" | "-=" | "*=" | "/=" | "%=" | "<<=" | ">>=" | "&=" | "^=" | "|="
            )
        {
            let (name, op) = (name.clone(), *op);
            self.pos += 2;
            self.enter()?;
            let value = self.assign()?;
            self.depth -= 1;
            return Ok(AExpr::Assign(op, name, Box::new(value)));
        }
        self.ternary()
    }

    fn ternary(&mut self) -> Result<AExpr, String> {
        let c = self.binary(0)?;
        if !self.eat("?") {
            return Ok(c);
        }
        self.enter()?;
        let t = self.comma()?;
        if !self.eat(":") {
            return Err("`:` expected in arithmetic".into());
        }
        let f = self.ternary()?;
        self.depth -= 1;
        Ok(AExpr::Cond(Box::new(c), Box::new(t), Box::new(f)))
    }

    fn binary(&mut self, level: usize) -> Result<AExpr, String> {
        let Some(ops) = ARITH_LEVELS.get(level) else {
            return self.power();
        };
        let mut l = self.binary(level + 1)?;
        while let Some(op) = self.peek_op().filter(|o| ops.contains(o)) {
            self.pos += 1;
            let r = self.binary(level + 1)?;
            l = AExpr::Binary(op, Box::new(l), Box::new(r));
        }
        Ok(l)
    }

    fn power(&mut self) -> Result<AExpr, String> {
        let base = self.unary()?;
        if self.eat("**") {
            self.enter()?;
            let exp = self.power()?;
            self.depth -= 1;
            return Ok(AExpr::Binary("**", Box::new(base), Box::new(exp)));
        }
        Ok(base)
    }

    fn unary(&mut self) -> Result<AExpr, String> {
        self.enter()?;
        let e = match self.peek_op() {
            Some(op @ ("!" | "~" | "-" | "+")) => {
                self.pos += 1;
                AExpr::Unary(op, Box::new(self.unary()?))
            }
            Some(op @ ("++" | "--")) => {
                self.pos += 1;
                match self.toks.get(self.pos) {
                    Some(ATok::Ident(name)) => {
                        let name = name.clone();
                        self.pos += 1;
                        AExpr::Inc(name, if op == "++" { 1 } else { -1 }, false)
                    }
                    _ => return Err(format!("`{op}` needs a variable")),
                }
            }
            _ => self.postfix()?,
        };
        self.depth -= 1;
        Ok(e)
    }

    fn postfix(&mut self) -> Result<AExpr, String> {
        let e = self.primary()?;
        if let AExpr::Var(name, None) = &e {
            for (op, delta) in [("++", 1), ("--", -1)] {
                if self.eat(op) {
                    return Ok(AExpr::Inc(name.clone(), delta, true));
                }
            }
        }
        Ok(e)
    }

    fn primary(&mut self) -> Result<AExpr, String> {
        let tok = self.toks.get(self.pos).cloned();
        self.pos += 1;
        match tok {
            Some(ATok::Num(n)) => Ok(AExpr::Num(n)),
            Some(ATok::Ident(name)) => {
                if self.eat("[") {
                    let index = self.comma()?;
                    if !self.eat("]") {
                        return Err("`]` expected in arithmetic".into());
                    }
                    return Ok(AExpr::Var(name, Some(Box::new(index))));
                }
                Ok(AExpr::Var(name, None))
            }
            Some(ATok::Op("(")) => {
                let e = self.comma()?;
                if !self.eat(")") {
                    return Err("`)` expected in arithmetic".into());
                }
                Ok(e)
            }
            _ => Err("arithmetic syntax error".into()),
        }
    }
}

impl<'f> Eval<'f> {
    /// `$((...))`: the word's value evaluated as an arithmetic expression;
    /// the error is why it is not known.
    fn arith_word(&mut self, w: &Word) -> Result<i64, String> {
        let v = self.expand_string(w);
        match v.as_lit() {
            Some(s) => self.arith_text(&s, 0),
            None => Err(derived_reason(&v)),
        }
    }

    fn arith_text(&mut self, s: &str, depth: usize) -> Result<i64, String> {
        if depth > 8 {
            return Err("arithmetic nested too deeply".into());
        }
        let toks = arith_tokens(s)?;
        if toks.is_empty() {
            return Ok(0);
        }
        // Evaluation recurses over the expression tree.
        if toks.len() > 512 {
            return Err("arithmetic expression too long to follow".into());
        }
        let mut p = AParser {
            toks,
            pos: 0,
            depth: 0,
        };
        let e = p.comma()?;
        if p.pos < p.toks.len() {
            return Err(format!("arithmetic syntax error in `{s}`"));
        }
        self.arith_eval(&e, depth)
    }

    fn arith_var(&mut self, name: &str, index: Option<i64>, depth: usize) -> Result<i64, String> {
        let param = Param {
            name: name.to_string(),
            index: None,
            op: POp::Plain,
            at: self.here,
            text: format!("${name}"),
        };
        let v = match index {
            None => self.param_value(&param),
            Some(i) => match self.lookup(name).map(|v| v.val.clone()) {
                Some(val) => self.index_var(val, Some(Value::lit(i.to_string())), &param),
                None => self.param_value(&param),
            },
        };
        match v {
            PVal::Unset => Ok(0),
            PVal::Absent(u) => Err(u.reason),
            PVal::Scalar(v) => match v.as_lit() {
                Some(s) if s.trim().is_empty() => Ok(0),
                Some(s) => match parse_int(&s) {
                    Some(n) => Ok(n),
                    None => self.arith_text(&s, depth + 1),
                },
                None => Err(derived_reason(&v)),
            },
            PVal::List(vs) | PVal::Star(vs) => match vs.first().and_then(Value::as_lit) {
                Some(s) => parse_int(&s).ok_or_else(|| "not a number".into()),
                None => Ok(0),
            },
        }
    }

    fn arith_eval(&mut self, e: &AExpr, depth: usize) -> Result<i64, String> {
        Ok(match e {
            AExpr::Num(n) => *n,
            AExpr::Var(name, index) => {
                let i = match index {
                    Some(ix) => Some(self.arith_eval(ix, depth)?),
                    None => None,
                };
                self.arith_var(name, i, depth)?
            }
            AExpr::Unary(op, x) => {
                let v = self.arith_eval(x, depth)?;
                match *op {
                    "!" => i64::from(v == 0),
                    "~" => !v,
                    "-" => v.wrapping_neg(),
                    _ => v,
                }
            }
            AExpr::Binary("&&", l, r) => {
                i64::from(self.arith_eval(l, depth)? != 0 && self.arith_eval(r, depth)? != 0)
            }
            AExpr::Binary("||", l, r) => {
                i64::from(self.arith_eval(l, depth)? != 0 || self.arith_eval(r, depth)? != 0)
            }
            AExpr::Binary(op, l, r) => {
                let a = self.arith_eval(l, depth)?;
                let b = self.arith_eval(r, depth)?;
                binary_arith(op, a, b)?
            }
            AExpr::Assign(op, name, x) => {
                let v = self.arith_eval(x, depth)?;
                let v = match op.strip_suffix('=').filter(|o| !o.is_empty()) {
                    Some(bop) => {
                        let cur = self.arith_var(name, None, depth)?;
                        binary_arith(bop, cur, v)?
                    }
                    None => v,
                };
                self.set_scalar(name, Value::lit(v.to_string()));
                v
            }
            AExpr::Inc(name, delta, post) => {
                let cur = self.arith_var(name, None, depth)?;
                let new = cur.wrapping_add(*delta);
                self.set_scalar(name, Value::lit(new.to_string()));
                if *post { cur } else { new }
            }
            AExpr::Cond(c, t, f) => {
                if self.arith_eval(c, depth)? != 0 {
                    self.arith_eval(t, depth)?
                } else {
                    self.arith_eval(f, depth)?
                }
            }
        })
    }
}

fn binary_arith(op: &str, a: i64, b: i64) -> Result<i64, String> {
    Ok(match op {
        "," => b,
        "|" => a | b,
        "^" => a ^ b,
        "&" => a & b,
        "==" => i64::from(a == b),
        "!=" => i64::from(a != b),
        "<" => i64::from(a < b),
        ">" => i64::from(a > b),
        "<=" => i64::from(a <= b),
        ">=" => i64::from(a >= b),
        "<<" => a.wrapping_shl((b & 63) as u32),
        ">>" => a.wrapping_shr((b & 63) as u32),
        "+" => a.wrapping_add(b),
        "-" => a.wrapping_sub(b),
        "*" => a.wrapping_mul(b),
        "/" | "%" if b == 0 => return Err(DIVISION_BY_ZERO.into()),
        "/" => a.wrapping_div(b),
        "%" => a.wrapping_rem(b),
        "**" if b < 0 => return Err("negative exponent".into()),
        "**" => a.wrapping_pow(u32::try_from(b).unwrap_or(u32::MAX)),
        _ => return Err(format!("unsupported arithmetic operator `{op}`")),
    })
}

// ---------------------------------------------------------------------------
// Tests: `[`, `[[`, `test`
// ---------------------------------------------------------------------------

const UNARY_TESTS: &[&str] = &[
    "-a", "-b", "-c", "-d", "-e", "-f", "-g", "-h", "-k", "-p", "-r", "-s", "-t", "-u", "-w", "-x",
    "-G", "-L", "-N", "-O", "-S", "-z", "-n", "-v", "-o", "-R",
];
const BINARY_TESTS: &[&str] = &[
    "=", "==", "!=", "<", ">", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-nt", "-ot", "-ef", "=~",
];

/// A word of a test as expanded: its value, its segments with whether
/// each is unquoted (for `[[ x == pattern ]]`), and whether it may be an
/// operator (written as plain unquoted text).
type TestWord = (Value, Vec<(Part, bool)>, bool);

/// A test argument: its text (`None` when not known), whether it may be an
/// operator (written unquoted), and its pattern form for `[[ == ]]`.
struct TArg {
    s: Option<String>,
    op: bool,
    pat: Option<Vec<(String, bool)>>,
}

struct TestP<'e, 'f> {
    ev: &'e Eval<'f>,
    args: &'e [TArg],
    pos: usize,
    double: bool,
    depth: usize,
    error: bool,
}

impl TestP<'_, '_> {
    fn is_op(&self, i: usize, ops: &[&str]) -> bool {
        self.args
            .get(i)
            .is_some_and(|a| a.op && a.s.as_deref().is_some_and(|s| ops.contains(&s)))
    }

    fn is_binary(&self, i: usize) -> bool {
        self.is_op(i, BINARY_TESTS) && (self.double || !self.is_op(i, &["=~"]))
    }

    fn run(&mut self) -> Option<bool> {
        let n = self.args.len();
        let nonempty = |a: &TArg| a.s.as_ref().map(|s| !s.is_empty());
        if !self.double {
            // POSIX decides by the number of arguments first.
            match n {
                0 => return Some(false),
                1 => return nonempty(&self.args[0]),
                2 if self.is_op(0, &["!"]) => return nonempty(&self.args[1]).map(|b| !b),
                3 if self.is_binary(1) => return self.binary(0),
                4 if self.is_op(0, &["!"]) && self.is_binary(2) => {
                    return self.binary(1).map(|b| !b);
                }
                _ => {}
            }
        }
        let r = self.or();
        if self.error || self.pos != n { None } else { r }
    }

    fn or(&mut self) -> Option<bool> {
        let ops: &[&str] = if self.double { &["||"] } else { &["-o"] };
        let mut l = self.and();
        while !self.error && self.is_op(self.pos, ops) {
            self.pos += 1;
            let r = self.and();
            l = match (l, r) {
                (Some(true), _) | (_, Some(true)) => Some(true),
                (Some(false), Some(false)) => Some(false),
                _ => None,
            };
        }
        l
    }

    fn and(&mut self) -> Option<bool> {
        let ops: &[&str] = if self.double { &["&&"] } else { &["-a"] };
        let mut l = self.not();
        while !self.error && self.is_op(self.pos, ops) {
            self.pos += 1;
            let r = self.not();
            l = match (l, r) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            };
        }
        l
    }

    fn not(&mut self) -> Option<bool> {
        let mut negate = false;
        while self.is_op(self.pos, &["!"]) && self.pos + 1 < self.args.len() {
            negate = !negate;
            self.pos += 1;
        }
        self.primary().map(|b| b != negate)
    }

    fn primary(&mut self) -> Option<bool> {
        let i = self.pos;
        let Some(a) = self.args.get(i) else {
            self.error = true;
            return None;
        };
        if self.is_op(i, &["("]) {
            self.depth += 1;
            if self.depth > 32 {
                self.error = true;
                return None;
            }
            self.pos += 1;
            let r = self.or();
            self.depth -= 1;
            if self.is_op(self.pos, &[")"]) {
                self.pos += 1;
            } else {
                self.error = true;
            }
            return r;
        }
        if i + 2 < self.args.len() && self.is_binary(i + 1) {
            self.pos += 3;
            return self.binary(i);
        }
        if a.op
            && a.s.as_deref().is_some_and(|s| UNARY_TESTS.contains(&s))
            && i + 1 < self.args.len()
        {
            self.pos += 2;
            return self.unary(a.s.as_deref().unwrap_or(""), &self.args[i + 1]);
        }
        self.pos += 1;
        a.s.as_ref().map(|s| !s.is_empty())
    }

    fn binary(&self, i: usize) -> Option<bool> {
        let (l, r) = (&self.args[i], &self.args[i + 2]);
        let op = self.args[i + 1].s.as_deref()?;
        let ls = l.s.as_deref()?;
        match op {
            "=" | "==" | "!=" => {
                let eq = if self.double {
                    let pat = r.pat.as_ref()?;
                    glob_match(&compile_glob(pat), &ls.chars().collect::<Vec<_>>())
                } else {
                    ls == r.s.as_deref()?
                };
                Some(eq != (op == "!="))
            }
            "<" => Some(ls < r.s.as_deref()?),
            ">" => Some(ls > r.s.as_deref()?),
            "-eq" | "-ne" | "-lt" | "-le" | "-gt" | "-ge" => {
                let a = parse_int(ls)?;
                let b = parse_int(r.s.as_deref()?)?;
                Some(match op {
                    "-eq" => a == b,
                    "-ne" => a != b,
                    "-lt" => a < b,
                    "-le" => a <= b,
                    "-gt" => a > b,
                    _ => a >= b,
                })
            }
            _ => None,
        }
    }

    fn unary(&self, op: &str, arg: &TArg) -> Option<bool> {
        let s = arg.s.as_deref()?;
        match op {
            "-z" => return Some(s.is_empty()),
            "-n" => return Some(!s.is_empty()),
            "-v" => {
                let set = self
                    .ev
                    .lookup(s)
                    .is_some_and(|v| !matches!(v.val, VarVal::Unset))
                    || self.ev.opts.env.contains_key(s);
                return set.then_some(true);
            }
            "-o" | "-t" | "-R" => return None,
            _ => {}
        }
        let path = self.ev.resolve(&Value::lit(s)).as_lit()?;
        if self.ev.maybe_written(&path) {
            return None;
        }
        match self.ev.files.entry(&path)? {
            Entry::Missing => Some(false),
            Entry::File => match op {
                "-e" | "-a" | "-f" | "-r" => Some(true),
                "-d" | "-p" | "-S" | "-b" | "-c" => Some(false),
                "-s" => self.ev.files.read(&path).map(|t| !t.is_empty()),
                _ => None,
            },
            Entry::Dir => match op {
                "-e" | "-a" | "-d" | "-r" | "-x" => Some(true),
                "-f" | "-p" | "-S" | "-b" | "-c" => Some(false),
                _ => None,
            },
        }
    }
}

impl<'f> Eval<'f> {
    /// Evaluates a test. Where `$?` of a command that succeeds on the normal
    /// path is tested, the result under both outcomes tells whether this is
    /// a failure check ([`Status::NotOk`]: true only on failure).
    fn test(&mut self, args: &[TestWord], double: bool) -> Status {
        let has_status = args.iter().any(|(v, _, _)| self.status_in(v));
        let normal = self.test_under(args, double, false);
        if !has_status {
            return match normal {
                Some(b) => Status::Code(i32::from(!b)),
                None => Status::Unknown,
            };
        }
        match (normal, self.test_under(args, double, true)) {
            (Some(a), Some(b)) if a == b => Status::Code(i32::from(!a)),
            (Some(true), Some(false)) => Status::Ok,
            (Some(false), Some(true)) => Status::NotOk,
            _ => Status::Unknown,
        }
    }

    fn status_mark(&self, u: &Unknown) -> Option<Status> {
        self.status_marks
            .get(&(u.at.file, u.at.span.start, u.at.span.end))
            .copied()
    }

    fn status_in(&self, v: &Value) -> bool {
        v.parts
            .iter()
            .any(|p| matches!(p, Part::Unknown(u) if self.status_mark(u).is_some()))
    }

    /// The text of a test argument with `$?` read as 0 (normal path) or 1
    /// (`failed`).
    fn test_text(&self, v: &Value, failed: bool) -> Option<String> {
        let mut s = String::new();
        for p in &v.parts {
            match p {
                Part::Lit(t) => s.push_str(t),
                Part::Unknown(u) => {
                    let ok = match (self.status_mark(u)?, failed) {
                        (Status::Ok, f) => !f,
                        (Status::NotOk, f) => f,
                        _ => return None,
                    };
                    s.push_str(if ok { "0" } else { "1" });
                }
                Part::Output(_) => return None,
            }
        }
        Some(s)
    }

    fn test_under(&self, args: &[TestWord], double: bool, failed: bool) -> Option<bool> {
        let targs: Vec<TArg> = args
            .iter()
            .map(|(v, segs, op)| {
                let pat = segs
                    .iter()
                    .map(|(p, active)| match p {
                        Part::Lit(s) => Some((s.clone(), *active)),
                        Part::Unknown(_) => self
                            .test_text(
                                &Value {
                                    parts: vec![p.clone()],
                                },
                                failed,
                            )
                            .map(|s| (s, false)),
                        Part::Output(_) => None,
                    })
                    .collect();
                TArg {
                    s: self.test_text(v, failed),
                    op: *op,
                    pat,
                }
            })
            .collect();
        TestP {
            ev: self,
            args: &targs,
            pos: 0,
            double,
            depth: 0,
            error: false,
        }
        .run()
    }

    fn redirects(&mut self, rs: &[Redir]) -> Vec<Redirect> {
        let mut out = Vec::new();
        for r in rs {
            let fd = r.fd.unwrap_or(if r.op.starts_with('<') { 0 } else { 1 });
            let target = match &r.target {
                Some(w) => self.expand_string(w),
                None => Value::default(),
            };
            out.push(Redirect {
                fd,
                op: r.op.clone(),
                target,
            });
        }
        out
    }
}

// ---------------------------------------------------------------------------
// Dump
// ---------------------------------------------------------------------------

/// Renders a trace readably: the files, whether errexit is on, one line per
/// command (condition, working directory, `$`, argv, redirections,
/// pipeline `|id.position`, `captured`, `@line:column`), each unknown part
/// with its reason below its command, then the notes. The test fixtures'
/// expected files are in this form.
pub fn dump(trace: &Trace) -> String {
    let mut out = String::new();
    let files: Vec<&str> = trace.files.iter().map(|(p, _)| p.as_str()).collect();
    let _ = writeln!(out, "files: {}", files.join(" "));
    let _ = writeln!(out, "errexit: {}", trace.errexit);
    for (i, c) in trace.commands.iter().enumerate() {
        let cond = match c.condition {
            Condition::Always => "always",
            Condition::Maybe => "maybe",
            Condition::OnFailure => "on-failure",
            Condition::AtExit => "at-exit",
        };
        let mut line = format!("#{i} {cond} [{}]", c.cwd);
        for (k, v) in &c.env {
            let _ = write!(line, " {k}={}", quote(v));
        }
        line.push_str(" $");
        for a in &c.argv {
            line.push(' ');
            line.push_str(&quote(&a.value));
        }
        for r in &c.redirects {
            line.push(' ');
            line.push_str(&redirect_text(r));
        }
        if let Some((id, pos)) = c.pipeline {
            let _ = write!(line, "  |{id}.{pos}");
        }
        if c.captured {
            line.push_str("  captured");
        }
        let _ = writeln!(out, "{line}  @{}", loc_text(trace, c.at));
        let mut seen: Vec<&Unknown> = Vec::new();
        let values = c
            .argv
            .iter()
            .map(|a| &a.value)
            .chain(c.env.iter().map(|(_, v)| v));
        let values = values
            .chain(c.redirects.iter().map(|r| &r.target))
            .chain(std::iter::once(&c.cwd));
        for p in values.flat_map(|v| &v.parts) {
            if let Part::Unknown(u) = p
                && !seen.contains(&u)
            {
                seen.push(u);
                let _ = writeln!(
                    out,
                    "    ⟨{}⟩ {} @{}",
                    u.text,
                    u.reason,
                    loc_text(trace, u.at)
                );
            }
        }
    }
    for n in &trace.notes {
        let _ = writeln!(out, "note @{}: {}", loc_text(trace, n.at), n.message);
    }
    out
}

fn quote(v: &Value) -> String {
    let s = v.to_string();
    if s.is_empty()
        || s.chars()
            .any(|c| c.is_whitespace() || c.is_control() || "'\"\\".contains(c))
    {
        format!("{s:?}")
    } else {
        s
    }
}

fn redirect_text(r: &Redirect) -> String {
    let default_fd = if r.op.starts_with('<') { 0 } else { 1 };
    let fd = if r.op.starts_with('&') || r.fd == default_fd {
        String::new()
    } else {
        r.fd.to_string()
    };
    if r.target.parts.is_empty() && r.op.ends_with('-') {
        return format!("{fd}{}", r.op);
    }
    format!("{fd}{}{}", r.op, quote(&r.target))
}

fn loc_text(trace: &Trace, at: Location) -> String {
    let Some((path, text)) = trace.files.get(at.file) else {
        return format!("?:{}", at.span.start);
    };
    let (line, col) = line_col(text, at.span.start);
    if at.file == 0 {
        format!("{line}:{col}")
    } else {
        format!("{path}:{line}:{col}")
    }
}
