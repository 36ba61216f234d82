//! Tests: `[`, `[[`, `test`.

use super::Entry;
use super::arith::parse_int;
use super::eval::Eval;
use super::glob::{compile_glob, glob_match};
use super::state::{Status, VarVal};
use crate::script::trace::{Part, Unknown, Value};

// ---------------------------------------------------------------------------
// Tests: `[`, `[[`, `test`
// ---------------------------------------------------------------------------

pub(super) const UNARY_TESTS: &[&str] = &[
    "-a", "-b", "-c", "-d", "-e", "-f", "-g", "-h", "-k", "-p", "-r", "-s", "-t", "-u", "-w", "-x",
    "-G", "-L", "-N", "-O", "-S", "-z", "-n", "-v", "-o", "-R",
];
pub(super) const BINARY_TESTS: &[&str] = &[
    "=", "==", "!=", "<", ">", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-nt", "-ot", "-ef", "=~",
];

/// A word of a test as expanded: its value, its segments with whether
/// each is unquoted (for `[[ x == pattern ]]`), and whether it may be an
/// operator (written as plain unquoted text).
pub(super) type TestWord = (Value, Vec<(Part, bool)>, bool);

/// A test argument: its text (`None` when not known), whether it may be an
/// operator (written unquoted), and its pattern form for `[[ == ]]`.
pub(super) struct TArg {
    pub(super) s: Option<String>,
    pub(super) op: bool,
    pub(super) pat: Option<Vec<(String, bool)>>,
}

pub(super) struct TestP<'e, 'f> {
    pub(super) ev: &'e Eval<'f>,
    pub(super) args: &'e [TArg],
    pub(super) pos: usize,
    pub(super) double: bool,
    pub(super) depth: usize,
    pub(super) error: bool,
}

impl TestP<'_, '_> {
    pub(super) fn is_op(&self, i: usize, ops: &[&str]) -> bool {
        self.args
            .get(i)
            .is_some_and(|a| a.op && a.s.as_deref().is_some_and(|s| ops.contains(&s)))
    }

    pub(super) fn is_binary(&self, i: usize) -> bool {
        self.is_op(i, BINARY_TESTS) && (self.double || !self.is_op(i, &["=~"]))
    }

    pub(super) fn run(&mut self) -> Option<bool> {
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

    pub(super) fn or(&mut self) -> Option<bool> {
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

    pub(super) fn and(&mut self) -> Option<bool> {
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

    pub(super) fn not(&mut self) -> Option<bool> {
        let mut negate = false;
        while self.is_op(self.pos, &["!"]) && self.pos + 1 < self.args.len() {
            negate = !negate;
            self.pos += 1;
        }
        self.primary().map(|b| b != negate)
    }

    pub(super) fn primary(&mut self) -> Option<bool> {
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

    pub(super) fn binary(&self, i: usize) -> Option<bool> {
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

    pub(super) fn unary(&self, op: &str, arg: &TArg) -> Option<bool> {
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
    pub(super) fn test(&mut self, args: &[TestWord], double: bool) -> Status {
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

    pub(super) fn status_mark(&self, u: &Unknown) -> Option<Status> {
        self.status_marks
            .get(&(u.at.file, u.at.span.start, u.at.span.end))
            .copied()
    }

    pub(super) fn status_in(&self, v: &Value) -> bool {
        v.parts
            .iter()
            .any(|p| matches!(p, Part::Unknown(u) if self.status_mark(u).is_some()))
    }

    /// The text of a test argument with `$?` read as 0 (normal path) or 1
    /// (`failed`).
    pub(super) fn test_text(&self, v: &Value, failed: bool) -> Option<String> {
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

    pub(super) fn test_under(&self, args: &[TestWord], double: bool, failed: bool) -> Option<bool> {
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
}
