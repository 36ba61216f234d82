//! Simple commands: expansion, recording, dispatch to builtins, function calls, redirections.

use std::rc::Rc;

use super::ast::{ArgAst, Redir, Simple, Stmt};
use super::builtin::{join_path, norm_path, unknown_value};
use super::cond::TestWord;
use super::eval::{Eval, READ_ONLY_COMMANDS};
use super::state::{AVal, DeclItem, Flow, Status, Var, VarVal, concat, join_values};
use super::vars::{Scope, value_size};
use super::{MAX_ARGS, MAX_CALL_DEPTH, MAX_VALUE_LEN};
use crate::script::trace::{Arg, Command, Location, Part, Redirect, Value};

// ---------------------------------------------------------------------------
// Simple commands and builtins
// ---------------------------------------------------------------------------

impl<'f> Eval<'f> {
    /// What an expansion error makes of the command: after `${X:?}` the
    /// shell exits, after `$((1/0))` the complete command is abandoned.
    pub(super) fn pending(&mut self) -> Flow {
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

    pub(super) fn simple(&mut self, c: &Simple) -> Flow {
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
    pub(super) fn emit(
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
    pub(super) fn record_writes(&mut self, argv: &[Arg]) {
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

    pub(super) fn note_written(&mut self, redirects: &[Redirect]) {
        for r in redirects {
            if matches!(r.op.as_str(), ">" | ">>" | "&>" | "&>>" | ">|" | "<>")
                && let Some(p) = self.resolve(&r.target).as_lit()
                && !p.starts_with("/dev/")
            {
                self.written.insert(p);
            }
        }
    }

    pub(super) fn dispatch(
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

    pub(super) fn command(
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
        let Some(name) = name else {
            self.emit(&argv, &env, &redirects, at);
            self.sh.status = Status::Ok;
            return Flow::Next;
        };
        // Tests are conditions, not actions: they are not recorded.
        if name == "test" || name == "[" {
            self.sh.status = self.test_builtin(&name, &argv);
            return Flow::Next;
        }
        if name == "let" {
            self.sh.status = self.let_builtin(&argv);
            return Flow::Next;
        }
        let Some(index) = self.emit(&argv, &env, &redirects, at) else {
            return Flow::Exit;
        };
        let (status, flow) = self.builtin(&name, &argv, items, index, at);
        self.sh.status = status;
        flow
    }

    /// `test` and `[`: the status of the test, nothing recorded.
    pub(super) fn test_builtin(&mut self, name: &str, argv: &[Arg]) -> Status {
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
        self.test(&targs, false)
    }

    /// `let`: the status of its last expression, nothing recorded.
    pub(super) fn let_builtin(&mut self, argv: &[Arg]) -> Status {
        let mut status = Status::Code(1);
        for a in argv.iter().skip(1) {
            status = match a.value.as_lit().map(|s| self.arith_text(&s, 0)) {
                Some(Ok(n)) => Status::Code(i32::from(n == 0)),
                _ => Status::Unknown,
            };
        }
        status
    }

    pub(super) fn call(
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
    pub(super) fn resolve(&self, v: &Value) -> Value {
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

    pub(super) fn redirects(&mut self, rs: &[Redir]) -> Vec<Redirect> {
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

/// Commands that print nothing on standard output (or whose output goes
/// elsewhere), for the value of `$(...)`.
pub(super) fn prints_nothing(c: &Command) -> bool {
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
pub(super) fn is_predicate(argv: &[Arg]) -> bool {
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
