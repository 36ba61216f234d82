//! Builtins: `cd`, `pushd`, declarations, `unset`, `set`, `read`, `trap`,
//! `eval`, `source`, `printf`, and the commands whose output is computed.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Component, Path};
use std::rc::Rc;

use super::ast::Stmt;
use super::command::is_predicate;
use super::eval::Eval;
use super::lower::{HOLE_CLOSE, HOLE_OPEN};
use super::lower_word::ansi_c;
use super::state::{AVal, DeclItem, Flow, Status, Trap, VarVal, join_values, push_part};
use super::vars::Scope;
use super::{MAX_EVAL_PARSE_COST, MAX_SOURCE_DEPTH, MAX_VALUE_LEN, REASON_ENV};
use crate::dockerfile::Span;
use crate::script::trace::{Arg, Location, Part, Unknown, Value};

// ---------------------------------------------------------------------------
// Builtins
// ---------------------------------------------------------------------------

impl<'f> Eval<'f> {
    /// A recorded command run as a builtin, or as an external command when
    /// it is none: its exit status and how evaluation goes on. `index` is the
    /// command's index in the trace, for output that is computed.
    pub(super) fn builtin(
        &mut self,
        name: &str,
        argv: &[Arg],
        items: Vec<DeclItem>,
        index: usize,
        at: Location,
    ) -> (Status, Flow) {
        let lit = |i: usize| argv.get(i).and_then(|a| a.value.as_lit());
        let mut status = Status::Code(0);
        let mut flow = Flow::Next;
        match name {
            ":" | "true" => {}
            "false" => status = Status::Code(1),
            "echo" => {
                if let Some(out) = echo(argv) {
                    self.pure.insert(index, out);
                }
            }
            "printf" => self.printf(argv, index),
            "pwd" => {
                if let Some(cwd) = self.sh.cwd.as_lit() {
                    self.pure.insert(index, format!("{cwd}\n"));
                }
            }
            "cd" => {
                status = Status::Ok;
                self.cd_builtin(argv, at);
            }
            "pushd" => {
                status = Status::Ok;
                self.pushd(argv, at);
            }
            "popd" => {
                status = Status::Ok;
                self.popd(at);
            }
            "export" | "readonly" | "declare" | "typeset" | "local" => self.declare(name, items),
            "unset" => self.unset(argv),
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
            "set" => self.set(argv),
            "read" | "getopts" | "mapfile" | "readarray" => {
                status = Status::Unknown;
                self.read(name, argv);
            }
            "source" | "." => {
                flow = self.source(argv, at);
                status = self.sh.status;
            }
            "eval" => {
                flow = self.eval_builtin(argv, at);
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
            "trap" => self.trap(argv),
            "dirname" | "basename" | "realpath" | "readlink" | "cat" => {
                status = Status::Ok;
                if let Some(out) = self.pure_output(name, argv) {
                    self.pure.insert(index, out);
                }
            }
            "exec" => self.note("`exec` redirecting the shell itself is not followed", at),
            _ => {
                status = if is_predicate(argv) {
                    Status::Unknown
                } else {
                    Status::Ok
                }
            }
        }
        (status, flow)
    }

    /// `cd [-L|-P|...] [--] [dir]`.
    pub(super) fn cd_builtin(&mut self, argv: &[Arg], at: Location) {
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

    pub(super) fn pushd(&mut self, argv: &[Arg], at: Location) {
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

    pub(super) fn popd(&mut self, at: Location) {
        match self.sh.dirstack.pop() {
            Some(d) => {
                self.sh.oldpwd = Some(std::mem::replace(&mut self.sh.cwd, d));
            }
            None => self.note("`popd` with an empty directory stack", at),
        }
    }

    /// `eval ARGS...`: the arguments joined by spaces, evaluated as a script.
    pub(super) fn eval_builtin(&mut self, argv: &[Arg], at: Location) -> Flow {
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
        self.eval_value(
            &value,
            if argv.len() == 2 { argv[1].at } else { anchor },
            exact,
        )
    }

    pub(super) fn cd(&mut self, target: Option<&Value>, at: Location) {
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

    pub(super) fn home(&self, at: Location) -> Value {
        match self.opts.env.get("HOME") {
            Some(h) => Value::lit(h.clone()),
            None => unknown_value(
                "~",
                &format!("home directory ({REASON_ENV} HOME is not set)"),
                at,
            ),
        }
    }

    pub(super) fn declare(&mut self, kw: &str, items: Vec<DeclItem>) {
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

    pub(super) fn mark(&mut self, name: &str, readonly: bool) {
        if !readonly {
            return;
        }
        if let Some(v) = self.lookup_mut(name) {
            v.readonly = true;
        }
    }

    pub(super) fn unset(&mut self, argv: &[Arg]) {
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

    pub(super) fn set(&mut self, argv: &[Arg]) {
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

    pub(super) fn read(&mut self, name: &str, argv: &[Arg]) {
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

    pub(super) fn trap(&mut self, argv: &[Arg]) {
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
    pub(super) fn exact_base(&self, a: &Arg) -> Option<usize> {
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
    pub(super) fn eval_value(&mut self, v: &Value, anchor: Location, exact: Option<usize>) -> Flow {
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

    pub(super) fn source(&mut self, argv: &[Arg], at: Location) -> Flow {
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

    pub(super) fn printf(&mut self, argv: &[Arg], index: usize) {
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
    pub(super) fn pure_output(&mut self, name: &str, argv: &[Arg]) -> Option<String> {
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
    pub(super) fn maybe_written(&self, path: &str) -> bool {
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

/// `A=b` made by an expansion: the name and the value.
pub(super) fn split_assignment(v: &Value) -> Option<(String, Value)> {
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

pub(super) fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub(super) fn unknown_value(text: &str, reason: &str, at: Location) -> Value {
    Value {
        parts: vec![Part::Unknown(Unknown {
            text: text.to_string(),
            reason: reason.to_string(),
            at,
        })],
    }
}

/// What `echo` prints, when its arguments are known.
pub(super) fn echo(argv: &[Arg]) -> Option<String> {
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
pub(super) fn printf_format(format: &str, args: &[String]) -> Option<String> {
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

pub(super) fn dirname(p: &str) -> String {
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

pub(super) fn basename(p: &str) -> String {
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
pub(super) fn shebang_errexit(text: &str) -> bool {
    let Some(line) = text.lines().next().and_then(|l| l.strip_prefix("#!")) else {
        return false;
    };
    line.split_whitespace().skip(1).any(|w| {
        w.strip_prefix('-').is_some_and(|f| {
            !f.starts_with('-') && f.chars().all(|c| c.is_ascii_alphabetic()) && f.contains('e')
        })
    })
}
