//! The evaluator: its state, statements, compound commands and control flow.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

use tree_sitter::Parser;

use super::ast::{CaseItem, Stmt, WP, Word};
use super::builtin::unknown_value;
use super::cond::TestWord;
use super::glob::{compile_glob, glob_match, pattern_of};
use super::lower::Lower;
use super::state::{
    Flow, Shell, Snapshot, Status, Var, VarVal, combine, is_absent_input, seg_value,
};
use super::vars::short;
use super::{DIVISION_BY_ZERO, Files, MAX_EVAL_DEPTH, MERGED, Options, REASON_ARG};
use crate::dockerfile::Span;
use crate::script::trace::{
    Condition, FileId, Location, Note, Part, Redirect, Trace, Unknown, Value,
};

/// Builtins that create no file, for the record of paths the script may
/// have written.
pub(super) const READ_ONLY_COMMANDS: &[&str] = &[
    "echo", "printf", "cd", "pushd", "popd", "pwd", "export", "local", "declare", "typeset",
    "readonly", "unset", "set", "shift", "source", ".", "eval", "trap", "exit", "return", "break",
    "continue", ":", "true", "false", "read", "test", "[", "dirname", "basename", "realpath",
    "readlink", "cat", "grep", "egrep", "fgrep", "ls", "which", "type", "command", "hash", "sleep",
    "wait", "id", "whoami", "date", "uname", "env", "printenv",
];

/// The evaluator.
pub(super) struct Eval<'f> {
    pub(super) sh: Shell,
    pub(super) files: &'f dyn Files,
    pub(super) opts: &'f Options,
    pub(super) trace: Trace,
    pub(super) script_path: String,
    /// Condition of what runs now.
    pub(super) cond: Condition,
    /// Depth of `$(...)` nesting.
    pub(super) captured: usize,
    pub(super) pipeline: Option<(usize, usize)>,
    pub(super) pipelines: usize,
    /// Redirections of enclosing compound commands (`{ ...; } > log`).
    pub(super) inherited: Vec<Redirect>,
    /// `VAR=x` written before the enclosing function calls (`VAR=x f`).
    pub(super) call_env: Vec<(String, Value)>,
    pub(super) steps: usize,
    pub(super) halted: bool,
    pub(super) depth: usize,
    pub(super) source_depth: usize,
    /// Parsing spent on `eval` texts (see [`MAX_EVAL_PARSE_COST`]).
    pub(super) eval_parse_cost: u64,
    pub(super) eval_limit_noted: bool,
    /// Each sourced file's text and statements, parsed once: a file sourced
    /// in a loop or by itself is read again and again (and its syntax notes
    /// are given once).
    pub(super) sourced: HashMap<FileId, (String, Rc<[Stmt]>)>,
    /// Statuses that `$?` stood for where it was expanded, so that
    /// `[ $? -ne 0 ]` (also via `rc=$?`) can be read as a failure check.
    pub(super) status_marks: HashMap<(FileId, usize, usize), Status>,
    /// Paths the script may have created or changed, which file tests
    /// must not decide from the files as they are now.
    pub(super) written: BTreeSet<String>,
    /// Output of recorded commands computed statically (`dirname`, `pwd`).
    pub(super) pure: HashMap<usize, String>,
    /// For each recorded command, how many `$(...)` enclose it.
    pub(super) levels: Vec<usize>,
    /// Status of the last command substitution of the current command.
    pub(super) sub_status: Option<Status>,
    /// `${X:?}` failed: the shell exits.
    pub(super) fatal: bool,
    /// An arithmetic error: the complete command is abandoned.
    pub(super) aborting: bool,
    /// Variables read while they held an input not given (an unset
    /// environment variable, `$1`), in order: what a condition tested.
    pub(super) refs: Vec<String>,
    /// The variables the condition of the next branch tested.
    pub(super) branch_refs: BTreeSet<String>,
    /// How many branches that may not run enclose what runs now.
    pub(super) maybe_depth: usize,
    /// Variables assigned inside such branches, in order.
    pub(super) writes: Vec<String>,
    /// Location of the command being evaluated, for notes.
    pub(super) here: Location,
    pub(super) noted: BTreeSet<(String, FileId, usize, usize)>,
}

impl<'f> Eval<'f> {
    pub(super) fn new(script_path: &str, files: &'f dyn Files, opts: &'f Options) -> Self {
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

    pub(super) fn note(&mut self, message: impl Into<String>, at: Location) {
        let message = message.into();
        if self
            .noted
            .insert((message.clone(), at.file, at.span.start, at.span.end))
        {
            self.trace.notes.push(Note { message, at });
        }
    }

    /// Parses and lowers a text; syntax errors become notes.
    pub(super) fn parse_source(
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
    pub(super) fn step(&mut self, at: Location) -> bool {
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
    pub(super) fn finish(&mut self) {
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
    pub(super) fn run_file(&mut self, body: &[Stmt]) -> Flow {
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

    pub(super) fn run_body(&mut self, body: &[Stmt]) -> Flow {
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

    pub(super) fn run(&mut self, s: &Stmt) -> Flow {
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

    pub(super) fn run_inner(&mut self, s: &Stmt) -> Flow {
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
    pub(super) fn take_refs(&mut self, mark: usize) -> BTreeSet<String> {
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
    pub(super) fn subshell<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        let saved = self.sh.clone();
        let r = f(self);
        let status = self.sh.status;
        self.sh = saved;
        self.sh.status = status;
        r
    }

    /// Runs `f` under condition `c`. A branch that may not run at all ends
    /// only itself when it exits or returns: the normal path goes on.
    pub(super) fn branch(&mut self, c: Condition, f: impl FnOnce(&mut Self) -> Flow) -> Flow {
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
    pub(super) fn merge_maybe(&mut self, before: Snapshot, refs: &BTreeSet<String>, at: Location) {
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
    pub(super) fn failure_branch(&mut self, f: impl FnOnce(&mut Self) -> Flow) -> Status {
        let saved = self.sh.clone();
        self.branch(Condition::OnFailure, f);
        let status = self.sh.status;
        self.sh = saved;
        status
    }

    pub(super) fn and_or(&mut self, first: &Stmt, rest: &[(bool, Stmt)]) -> Flow {
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

    pub(super) fn if_chain(
        &mut self,
        branches: &[(Vec<Stmt>, Vec<Stmt>)],
        els: Option<&[Stmt]>,
    ) -> Flow {
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

    pub(super) fn if_chain_inner(
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

    pub(super) fn case(&mut self, subject: &Word, items: &[CaseItem]) -> Flow {
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
    pub(super) fn case_match(&mut self, value: &Value, patterns: &[Word]) -> Option<bool> {
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

    pub(super) fn for_loop(
        &mut self,
        var: &str,
        list: Option<&[Word]>,
        body: &[Stmt],
        at: Location,
    ) -> Flow {
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

    pub(super) fn c_for(
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

    pub(super) fn while_loop(
        &mut self,
        until: bool,
        cond: &[Stmt],
        body: &[Stmt],
        at: Location,
    ) -> Flow {
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
