//! Parameter expansion: `$x`, `${x...}` and their operators.

use super::ast::{POp, Param, Word};
use super::builtin::{is_name, unknown_value};
use super::dump::line_col;
use super::eval::Eval;
use super::glob::{compile_glob, glob_match, pattern_of};
use super::state::{
    AVal, Fields, PVal, Status, VarVal, is_absent_input, is_known_empty, join_values, push_part,
};
use super::vars::Scope;
use super::{MAX_PATTERN_SUBJECT, REASON_ARG, REASON_ENV};
use crate::script::trace::{Part, Unknown, Value};

// ---------------------------------------------------------------------------
// Parameter expansion
// ---------------------------------------------------------------------------

/// A `${x...}` operator with its operands evaluated once, so that it can be
/// applied to each element of an array.
pub(super) enum Prep {
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
    pub(super) fn param_value(&mut self, p: &Param) -> PVal {
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

    pub(super) fn note_ref(&mut self, name: &str) {
        // Bounded within one complete command (see `run_file`).
        if self.refs.len() < 4096 {
            self.refs.push(name.to_string());
        }
    }

    pub(super) fn index_var(&mut self, val: VarVal, index: Option<Value>, p: &Param) -> PVal {
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

    pub(super) fn push_pval(&mut self, v: PVal, quoted: bool, f: &mut Fields) {
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
    pub(super) fn use_default(v: &PVal, colon: bool) -> bool {
        match v {
            PVal::Unset | PVal::Absent(_) => true,
            PVal::Scalar(x) => is_absent_input(x) || (colon && is_known_empty(x)),
            PVal::List(vs) | PVal::Star(vs) => {
                vs.is_empty() || (colon && vs.iter().all(is_known_empty))
            }
        }
    }

    pub(super) fn expand_param(&mut self, p: &Param, quoted: bool, f: &mut Fields) {
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

    pub(super) fn prepare(&mut self, p: &Param) -> Prep {
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

    pub(super) fn transform(&mut self, p: &Param, v: PVal, prep: &Prep) -> PVal {
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
pub(super) fn derived_reason(v: &Value) -> String {
    for p in &v.parts {
        match p {
            Part::Unknown(u) => return u.reason.clone(),
            Part::Output(i) => return format!("derived from the output of command #{i}"),
            Part::Lit(_) => {}
        }
    }
    "not known statically".into()
}

pub(super) fn apply_op(p: &Param, x: &Value, prep: &Prep) -> Value {
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
