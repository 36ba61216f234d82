//! Arithmetic: `$((...))`, `((...))`, `let`.

use super::DIVISION_BY_ZERO;
use super::ast::{POp, Param, Word};
use super::eval::Eval;
use super::param::derived_reason;
use super::state::PVal;
use crate::script::trace::Value;

// ---------------------------------------------------------------------------
// Arithmetic
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
pub(super) enum ATok {
    Num(i64),
    Ident(String),
    Op(&'static str),
}

#[derive(Debug)]
pub(super) enum AExpr {
    Num(i64),
    Var(String, Option<Box<AExpr>>),
    Unary(&'static str, Box<AExpr>),
    Binary(&'static str, Box<AExpr>, Box<AExpr>),
    Assign(&'static str, String, Box<AExpr>),
    Inc(String, i64, bool),
    Cond(Box<AExpr>, Box<AExpr>, Box<AExpr>),
}

pub(super) const ARITH_OPS: &[&str] = &[
    "<<=", ">>=", "**", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "++", "--", "+=", "-=",
    "*=", "/=", "%=", "&=", "^=", "|=", "+", "-", "*", "/", "%", "<", ">", "=", "!", "~", "&", "^",
    "|", "?", ":", ",", "(", ")", "[", "]",
];

/// An integer constant as bash reads it: `10`, `0x1f`, `017`, `2#101`.
pub(super) fn parse_int(s: &str) -> Option<i64> {
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

pub(super) fn arith_tokens(s: &str) -> Result<Vec<ATok>, String> {
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
pub(super) const ARITH_LEVELS: &[&[&str]] = &[
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

pub(super) struct AParser {
    pub(super) toks: Vec<ATok>,
    pub(super) pos: usize,
    pub(super) depth: usize,
}

impl AParser {
    pub(super) fn peek_op(&self) -> Option<&'static str> {
        match self.toks.get(self.pos) {
            Some(ATok::Op(o)) => Some(o),
            _ => None,
        }
    }

    pub(super) fn eat(&mut self, op: &str) -> bool {
        if self.peek_op() == Some(op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub(super) fn enter(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > 64 {
            Err("arithmetic nested too deeply".into())
        } else {
            Ok(())
        }
    }

    pub(super) fn comma(&mut self) -> Result<AExpr, String> {
        let mut e = self.assign()?;
        while self.eat(",") {
            let r = self.assign()?;
            e = AExpr::Binary(",", Box::new(e), Box::new(r));
        }
        Ok(e)
    }

    pub(super) fn assign(&mut self) -> Result<AExpr, String> {
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

    pub(super) fn ternary(&mut self) -> Result<AExpr, String> {
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

    pub(super) fn binary(&mut self, level: usize) -> Result<AExpr, String> {
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

    pub(super) fn power(&mut self) -> Result<AExpr, String> {
        let base = self.unary()?;
        if self.eat("**") {
            self.enter()?;
            let exp = self.power()?;
            self.depth -= 1;
            return Ok(AExpr::Binary("**", Box::new(base), Box::new(exp)));
        }
        Ok(base)
    }

    pub(super) fn unary(&mut self) -> Result<AExpr, String> {
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

    pub(super) fn postfix(&mut self) -> Result<AExpr, String> {
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

    pub(super) fn primary(&mut self) -> Result<AExpr, String> {
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
    pub(super) fn arith_word(&mut self, w: &Word) -> Result<i64, String> {
        let v = self.expand_string(w);
        match v.as_lit() {
            Some(s) => self.arith_text(&s, 0),
            None => Err(derived_reason(&v)),
        }
    }

    pub(super) fn arith_text(&mut self, s: &str, depth: usize) -> Result<i64, String> {
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

    pub(super) fn arith_var(
        &mut self,
        name: &str,
        index: Option<i64>,
        depth: usize,
    ) -> Result<i64, String> {
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

    pub(super) fn arith_eval(&mut self, e: &AExpr, depth: usize) -> Result<i64, String> {
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

pub(super) fn binary_arith(op: &str, a: i64, b: i64) -> Result<i64, String> {
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
