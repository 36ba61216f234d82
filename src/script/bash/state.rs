//! Evaluation state: exit statuses, control flow, variables' values, the
//! shell, and the fields of word expansion.

use std::collections::BTreeMap;
use std::rc::Rc;

use super::ast::{Assign, Stmt};
use super::{REASON_ARG, REASON_ENV};
use crate::script::trace::{Condition, Location, Part, Unknown, Value};

// ---------------------------------------------------------------------------
// Evaluation state
// ---------------------------------------------------------------------------

/// The exit status of what ran last, as far as it is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Status {
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
    pub(super) fn negate(self) -> Status {
        match self {
            Status::Code(0) => Status::Code(1),
            Status::Code(_) => Status::Code(0),
            Status::Ok => Status::NotOk,
            Status::NotOk => Status::Ok,
            Status::Unknown => Status::Unknown,
        }
    }

    /// True when it counts as success on the normal path.
    pub(super) fn succeeds(self) -> Option<bool> {
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
pub(super) enum Flow {
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
pub(super) enum VarVal {
    Scalar(Value),
    Indexed(BTreeMap<usize, Value>),
    Assoc(BTreeMap<String, Value>),
    /// Declared or `unset` in the script: known to have no value (unlike a
    /// variable the script never sets, which may come from the environment).
    Unset,
}

#[derive(Debug, Clone)]
pub(super) struct Var {
    pub(super) val: VarVal,
    pub(super) readonly: bool,
}

/// The value of an assignment's right-hand side.
#[derive(Debug, Clone)]
pub(super) enum AVal {
    Scalar(Value),
    Array(Vec<Value>),
}

impl AVal {
    pub(super) fn scalar(&self) -> Value {
        match self {
            AVal::Scalar(v) => v.clone(),
            AVal::Array(vs) => join_values(vs, " "),
        }
    }
}

/// What a parameter expands to before its operator is applied.
#[derive(Debug, Clone)]
pub(super) enum PVal {
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
pub(super) struct Trap {
    pub(super) value: Value,
    pub(super) at: Location,
    /// Offset of the handler text in its file, when locations map exactly.
    pub(super) exact: Option<usize>,
}

/// The state a subshell copies.
#[derive(Debug, Clone)]
pub(super) struct Shell {
    /// Shared until written: subshells and branch snapshots copy the shell
    /// state often, and scripts can have many variables.
    pub(super) globals: Rc<BTreeMap<String, Var>>,
    /// Function scopes, innermost last.
    pub(super) locals: Vec<BTreeMap<String, Var>>,
    /// `None` when the script's arguments were not given.
    pub(super) positional: Option<Vec<Value>>,
    /// Functions, with the `BASH_SOURCE` of the file defining them.
    pub(super) funcs: BTreeMap<String, (Rc<Stmt>, Value)>,
    pub(super) cwd: Value,
    pub(super) oldpwd: Option<Value>,
    pub(super) dirstack: Vec<Value>,
    pub(super) status: Status,
    pub(super) exit_trap: Option<Trap>,
    pub(super) funcnames: Vec<String>,
    /// `BASH_SOURCE`, innermost last.
    pub(super) sources: Vec<Value>,
}

/// The state before a branch that may not run, to merge with after it.
pub(super) struct Snapshot {
    pub(super) globals: Rc<BTreeMap<String, Var>>,
    pub(super) locals: Vec<BTreeMap<String, Var>>,
    pub(super) cwd: Value,
    /// Length of [`Eval::writes`] then.
    pub(super) writes: usize,
}

/// An item of a declaration command (`export A=1 B`).
pub(super) enum DeclItem<'s> {
    Word(Value, Location),
    Assign(&'s Assign, AVal),
}

/// Accumulates the fields of word expansion. Every segment carries whether
/// it is "active": unquoted, so glob characters in it are pattern
/// characters.
#[derive(Default)]
pub(super) struct Fields {
    pub(super) done: Vec<Vec<(Part, bool)>>,
    pub(super) cur: Vec<(Part, bool)>,
    pub(super) has: bool,
    /// Field splitting applies (command arguments), not in assignments.
    pub(super) split: bool,
    /// An unquoted value not known statically was expanded: how many
    /// fields there are is not known.
    pub(super) uncertain: bool,
}

impl Fields {
    pub(super) fn new(split: bool) -> Fields {
        Fields {
            split,
            ..Fields::default()
        }
    }

    pub(super) fn seg(&mut self, part: Part, active: bool) {
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
    pub(super) fn lit(&mut self, s: &str, quoted: bool, expanded: bool) {
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

    pub(super) fn part(&mut self, part: Part, quoted: bool) {
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

    pub(super) fn end(&mut self) {
        if self.has {
            self.done.push(std::mem::take(&mut self.cur));
            self.has = false;
        } else {
            self.cur.clear();
        }
    }

    pub(super) fn finish(mut self) -> (Vec<Vec<(Part, bool)>>, bool) {
        self.end();
        (self.done, self.uncertain)
    }
}

/// The value of a field's segments.
pub(super) fn seg_value(segs: &[(Part, bool)]) -> Value {
    let mut v = Value::default();
    for (p, _) in segs {
        push_part(&mut v, p.clone());
    }
    v
}

/// Appends a part, merging adjacent literals.
pub(super) fn push_part(v: &mut Value, p: Part) {
    if let (Part::Lit(s), Some(Part::Lit(last))) = (&p, v.parts.last_mut()) {
        last.push_str(s);
        return;
    }
    if matches!(&p, Part::Lit(s) if s.is_empty()) {
        return;
    }
    v.parts.push(p);
}

pub(super) fn concat(a: &Value, b: &Value) -> Value {
    let mut v = a.clone();
    for p in &b.parts {
        push_part(&mut v, p.clone());
    }
    v
}

pub(super) fn join_values(vs: &[Value], sep: &str) -> Value {
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
pub(super) fn is_absent_input(v: &Value) -> bool {
    matches!(v.parts.as_slice(), [Part::Unknown(u)] if u.reason.starts_with(REASON_ENV) || u.reason.starts_with(REASON_ARG))
}

pub(super) fn is_known_empty(v: &Value) -> bool {
    v.parts
        .iter()
        .all(|p| matches!(p, Part::Lit(s) if s.is_empty()))
}

/// How two nested conditions combine.
pub(super) fn combine(outer: Condition, inner: Condition) -> Condition {
    use Condition::*;
    match (outer, inner) {
        (AtExit, _) => AtExit,
        (_, Always) => outer,
        (Always, x) => x,
        (OnFailure, _) | (_, OnFailure) => OnFailure,
        _ => Maybe,
    }
}
