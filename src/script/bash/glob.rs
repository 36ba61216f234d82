//! Shell patterns (globs) and brace expansion.

use super::ast::WP;
use super::{MAX_BRACE_WORDS, MAX_PATTERN_SUBJECT};
use crate::script::trace::Part;

// ---------------------------------------------------------------------------
// Globs and brace expansion
// ---------------------------------------------------------------------------

/// The text of a pattern as (text, active) pieces; `None` when a part is
/// not known.
pub(super) fn pattern_of(segs: &[(Part, bool)]) -> Option<Vec<(String, bool)>> {
    segs.iter()
        .map(|(p, active)| match p {
            Part::Lit(s) => Some((s.clone(), *active)),
            _ => None,
        })
        .collect()
}

/// True when an unquoted glob character is in the field.
pub(super) fn has_glob(segs: &[(Part, bool)]) -> bool {
    segs.iter().any(|(p, active)| {
        *active && matches!(p, Part::Lit(s) if s.contains(['*', '?']) || s.find('[').is_some_and(|i| s[i..].contains(']')))
    })
}

#[derive(Debug, Clone)]
pub(super) enum GTok {
    Ch(char),
    Any,
    Star,
    Class(Vec<(char, char)>, bool),
}

pub(super) fn compile_glob(pat: &[(String, bool)]) -> Vec<GTok> {
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
pub(super) fn parse_class(chars: &[(char, bool)]) -> Option<(GTok, usize)> {
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

pub(super) fn glob_match(p: &[GTok], s: &[char]) -> bool {
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
pub(super) fn brace_expand(parts: Vec<WP>, out: &mut Vec<Vec<WP>>) {
    brace_expand_at(parts, out, 0);
}

pub(super) fn brace_expand_at(parts: Vec<WP>, out: &mut Vec<Vec<WP>>, depth: usize) {
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
pub(super) fn brace_split(s: &str) -> Option<(String, Vec<String>, String)> {
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
pub(super) fn brace_sequence(inner: &str) -> Option<Vec<String>> {
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
