//! Variables: lookup, scopes, assignment.

use std::collections::BTreeMap;
use std::rc::Rc;

use super::ast::{Assign, AssignVal};
use super::builtin::{is_name, unknown_value};
use super::eval::Eval;
use super::state::{AVal, Var, VarVal, concat};
use super::{MAX_ARRAY_LEN, MAX_VALUE_LEN};
use crate::script::trace::{Part, Value};

// ---------------------------------------------------------------------------
// Variables and expansion
// ---------------------------------------------------------------------------

/// Where an assignment goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scope {
    /// The innermost scope that has the variable, else global.
    Normal,
    /// The current function's scope (`local`, `declare` in a function).
    Local,
}

impl<'f> Eval<'f> {
    pub(super) fn lookup(&self, name: &str) -> Option<&Var> {
        self.sh
            .locals
            .iter()
            .rev()
            .find_map(|s| s.get(name))
            .or_else(|| self.sh.globals.get(name))
    }

    pub(super) fn lookup_mut(&mut self, name: &str) -> Option<&mut Var> {
        if let Some(i) = self.sh.locals.iter().rposition(|s| s.contains_key(name)) {
            return self.sh.locals[i].get_mut(name);
        }
        Rc::make_mut(&mut self.sh.globals).get_mut(name)
    }

    pub(super) fn set_var(&mut self, name: &str, val: VarVal, scope: Scope) {
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

    pub(super) fn set_scalar(&mut self, name: &str, v: Value) {
        self.set_var(name, VarVal::Scalar(v), Scope::Normal);
    }

    pub(super) fn assign_value(&mut self, a: &Assign) -> AVal {
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

    pub(super) fn assign(&mut self, a: &Assign, v: AVal, scope: Scope) {
        let index = a.index.as_ref().map(|w| self.expand_string(w));
        self.assign_named(&a.name, index, a.append, v, scope);
    }

    pub(super) fn assign_named(
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

    pub(super) fn unknown_index(&mut self, name: &str) {
        let at = self.here;
        self.note(
            format!("index into `{name}` not known statically: assignment skipped"),
            at,
        );
    }
}

/// A value shortened for a message.
pub(super) fn short(v: &VarVal) -> String {
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
pub(super) fn value_size(v: &Value) -> usize {
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
