//! The lowered AST: statements, words and their parts.

use std::rc::Rc;

use crate::script::trace::{Location, Part};

// ---------------------------------------------------------------------------
// AST
// ---------------------------------------------------------------------------

/// A statement, lowered from tree-sitter's tree.
#[derive(Debug)]
pub(super) enum Stmt {
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
pub(super) struct Simple {
    pub(super) assigns: Vec<Assign>,
    pub(super) args: Vec<ArgAst>,
    pub(super) redirs: Vec<Redir>,
    pub(super) at: Location,
}

#[derive(Debug)]
pub(super) enum ArgAst {
    Word(Word),
    /// An assignment argument of `export`/`local`/`declare`/...
    Assign(Assign),
}

#[derive(Debug, Clone)]
pub(super) struct Assign {
    pub(super) name: String,
    pub(super) index: Option<Word>,
    pub(super) append: bool,
    pub(super) value: AssignVal,
    pub(super) at: Location,
}

#[derive(Debug, Clone)]
pub(super) enum AssignVal {
    Scalar(Word),
    Array(Vec<Word>),
}

#[derive(Debug, Clone)]
pub(super) struct Redir {
    pub(super) fd: Option<u32>,
    pub(super) op: String,
    pub(super) target: Option<Word>,
}

#[derive(Debug)]
pub(super) struct CaseItem {
    pub(super) patterns: Vec<Word>,
    pub(super) body: Vec<Stmt>,
    /// `;&` (run the next body too) or `;;&` (keep testing).
    pub(super) fallthrough: Option<bool>,
}

/// A shell word: its pieces, where it is and how it was written.
#[derive(Debug, Clone)]
pub(super) struct Word {
    pub(super) parts: Vec<WP>,
    pub(super) at: Location,
    pub(super) text: String,
}

/// A piece of a word. The `bool`s say whether it was quoted.
#[derive(Debug, Clone)]
pub(super) enum WP {
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
pub(super) struct Sub {
    pub(super) body: Vec<Stmt>,
    /// `$(<file)`.
    pub(super) read_file: Option<Word>,
    pub(super) at: Location,
    pub(super) text: String,
}

/// `$x`, `${x...}`.
#[derive(Debug)]
pub(super) struct Param {
    pub(super) name: String,
    pub(super) index: Option<Word>,
    pub(super) op: POp,
    pub(super) at: Location,
    pub(super) text: String,
}

#[derive(Debug)]
pub(super) enum POp {
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
