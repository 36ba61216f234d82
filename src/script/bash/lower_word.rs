//! Lowering words: literal text, quoting, expansions, `${...}`, `$'...'`.

use std::rc::Rc;

use tree_sitter::{Node, Parser};

use super::MAX_SYNTAX_DEPTH;
use super::ast::{POp, Param, Stmt, Sub, WP, Word};
use super::lower::{ATOMS, DQ_ATOMS, HOLE_CLOSE, HOLE_OPEN, Lower, Mode, kids};
use crate::script::trace::Location;

// ---------------------------------------------------------------------------
// Lowering words
// ---------------------------------------------------------------------------

impl<'a> Lower<'a> {
    /// One shell word from a node.
    pub(super) fn word(&mut self, n: Node) -> Word {
        let mut w = self.word_at(n, n.start_byte(), n.end_byte(), Mode::Unquoted);
        tilde(&mut w);
        w
    }

    /// A word of plain text (no node), for recovered words and keywords.
    pub(super) fn plain_word(&mut self, a: usize, b: usize) -> Word {
        let mut parts = Vec::new();
        let mut line_start = false;
        self.lit(
            self.text(a, b),
            a,
            Mode::Unquoted,
            &mut parts,
            &mut line_start,
        );
        Word {
            parts,
            at: self.loc_at(a, b),
            text: self.text(a, b).to_string(),
        }
    }

    /// The word made of the text `[a, b)` under `root`: the atoms found
    /// there keep their meaning, the text between them is literal.
    pub(super) fn word_at(&mut self, root: Node, a: usize, b: usize, mode: Mode) -> Word {
        self.word_in(&[root], a, b, mode)
    }

    /// Like [`Lower::word_at`] for text spread over sibling nodes; looking
    /// only under them keeps lowering linear.
    pub(super) fn word_in(&mut self, roots: &[Node], a: usize, b: usize, mode: Mode) -> Word {
        let parts = self.parts_in(roots, a, b, mode);
        Word {
            parts,
            at: self.loc_at(a, b),
            text: self.text(a, b).to_string(),
        }
    }

    pub(super) fn parts(&mut self, root: Node, a: usize, b: usize, mode: Mode) -> Vec<WP> {
        self.parts_in(&[root], a, b, mode)
    }

    pub(super) fn parts_in(&mut self, roots: &[Node], a: usize, b: usize, mode: Mode) -> Vec<WP> {
        let kinds: &[&str] = match mode {
            Mode::Unquoted => ATOMS,
            Mode::Heredoc { expand: false, .. } => &[],
            _ => DQ_ATOMS,
        };
        let atoms: Vec<Node> = roots
            .iter()
            .flat_map(|r| find_atoms(*r, a, b, kinds))
            .collect();
        let mut parts = Vec::new();
        let mut pos = a;
        let mut line_start = true;
        let quoted = mode != Mode::Unquoted;
        for atom in atoms {
            // tree-sitter-bash puts the blanks before an expansion that
            // follows another one inside quotes into the expansion's node.
            let text = self.node_text(atom);
            let start = atom.start_byte() + (text.len() - text.trim_start().len());
            if start > pos {
                self.lit(
                    self.text(pos, start),
                    pos,
                    mode,
                    &mut parts,
                    &mut line_start,
                );
            }
            parts.extend(self.atom(atom, start, quoted));
            line_start = false;
            pos = atom.end_byte();
        }
        if b > pos {
            self.lit(self.text(pos, b), pos, mode, &mut parts, &mut line_start);
        }
        parts
    }

    /// Literal text of a word in `mode`, starting at byte `off`.
    pub(super) fn lit(
        &mut self,
        text: &str,
        off: usize,
        mode: Mode,
        parts: &mut Vec<WP>,
        line_start: &mut bool,
    ) {
        let quoted = mode != Mode::Unquoted;
        let mut buf = String::new();
        let flush = |buf: &mut String, parts: &mut Vec<WP>| {
            if !buf.is_empty() {
                parts.push(WP::Lit(std::mem::take(buf), quoted));
            }
        };
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let mut i = 0;
        while i < chars.len() {
            let (pos, ch) = chars[i];
            let next = chars.get(i + 1).map(|&(_, c)| c);
            if let Mode::Heredoc { strip: true, .. } = mode
                && *line_start
                && ch == '\t'
            {
                i += 1;
                continue;
            }
            *line_start = ch == '\n';
            let expand = !matches!(mode, Mode::Heredoc { expand: false, .. });
            match ch {
                '\\' if expand && mode != Mode::Arith => {
                    let escapable = match mode {
                        Mode::Unquoted => next.is_some(),
                        Mode::Double => matches!(next, Some('$' | '`' | '"' | '\\' | '\n')),
                        _ => matches!(next, Some('$' | '`' | '\\' | '\n')),
                    };
                    if !escapable {
                        buf.push('\\');
                        i += 1;
                        continue;
                    }
                    let c = next.unwrap_or('\\');
                    i += 2;
                    if c == '\n' {
                        continue;
                    }
                    if quoted {
                        buf.push(c);
                    } else {
                        flush(&mut buf, parts);
                        parts.push(WP::Lit(c.to_string(), true));
                    }
                }
                '$' if expand => {
                    // A `$name` tree-sitter left inside plain text.
                    let mut j = i + 1;
                    match next {
                        Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                            while chars
                                .get(j)
                                .is_some_and(|&(_, c)| c.is_ascii_alphanumeric() || c == '_')
                            {
                                j += 1;
                            }
                        }
                        Some(c) if c.is_ascii_digit() || "@*#?$!-".contains(c) => j += 1,
                        _ => {
                            buf.push('$');
                            i += 1;
                            continue;
                        }
                    }
                    let end = chars.get(j).map_or(text.len(), |&(p, _)| p);
                    flush(&mut buf, parts);
                    let at = self.loc_at(off + pos, off + end);
                    let name = text[pos + 1..end].to_string();
                    let p = Param {
                        name,
                        index: None,
                        op: POp::Plain,
                        at,
                        text: text[pos..end].to_string(),
                    };
                    parts.push(WP::Param(Rc::new(p), quoted));
                    i = j;
                }
                HOLE_OPEN => {
                    let mut j = i + 1;
                    let mut digits = String::new();
                    while let Some(&(_, c)) = chars.get(j) {
                        if !c.is_ascii_digit() {
                            break;
                        }
                        digits.push(c);
                        j += 1;
                    }
                    let hole = digits.parse::<usize>().ok().and_then(|k| self.holes.get(k));
                    match (hole, chars.get(j)) {
                        (Some(part), Some(&(_, HOLE_CLOSE))) => {
                            flush(&mut buf, parts);
                            parts.push(WP::Fixed(part.clone()));
                            i = j + 1;
                        }
                        _ => {
                            buf.push(ch);
                            i += 1;
                        }
                    }
                }
                _ => {
                    buf.push(ch);
                    i += 1;
                }
            }
        }
        flush(&mut buf, parts);
    }

    /// An atom (a quoted string, an expansion) whose text starts at `s`.
    pub(super) fn atom(&mut self, n: Node, s: usize, quoted: bool) -> Vec<WP> {
        if self.depth >= MAX_SYNTAX_DEPTH {
            return vec![WP::Lit(self.text(s, n.end_byte()).to_string(), true)];
        }
        self.depth += 1;
        let parts = self.atom_inner(n, s, quoted);
        self.depth -= 1;
        parts
    }

    pub(super) fn atom_inner(&mut self, n: Node, s: usize, quoted: bool) -> Vec<WP> {
        let e = n.end_byte();
        let text = self.text(s, e);
        let at = self.loc_at(s, e);
        match n.kind() {
            "string" | "translated_string" => {
                let open = if text.starts_with('$') { 2 } else { 1 };
                let close = usize::from(text.len() > open && text.ends_with('"'));
                let mut parts = self.parts(n, (s + open).min(e), e - close, Mode::Double);
                if parts.is_empty() {
                    parts.push(WP::Lit(String::new(), true));
                }
                parts
            }
            "raw_string" => {
                let inner = text.strip_prefix('\'').unwrap_or(text);
                let inner = inner.strip_suffix('\'').unwrap_or(inner);
                vec![WP::Lit(inner.to_string(), true)]
            }
            "ansi_c_string" => {
                let inner = text.strip_prefix("$'").unwrap_or(text);
                let inner = inner.strip_suffix('\'').unwrap_or(inner);
                vec![WP::Lit(ansi_c(inner), true)]
            }
            "simple_expansion" => {
                let name = text.strip_prefix('$').unwrap_or(text).to_string();
                if name.is_empty() {
                    return vec![WP::Lit(text.to_string(), quoted)];
                }
                let p = Param {
                    name,
                    index: None,
                    op: POp::Plain,
                    at,
                    text: text.to_string(),
                };
                vec![WP::Param(Rc::new(p), quoted)]
            }
            "expansion" => vec![WP::Param(Rc::new(self.param(n, s, quoted)), quoted)],
            "command_substitution" => vec![WP::Sub(Rc::new(self.subst(n, s)), quoted)],
            "process_substitution" => vec![WP::ProcSub(Rc::new(self.subst(n, s)))],
            "arithmetic_expansion" => {
                let open = if text.starts_with("$((") { 3 } else { 2 };
                let close = if text.ends_with("))") {
                    2
                } else {
                    usize::from(text.ends_with(']'))
                };
                let (a, b) = (
                    (s + open).min(e),
                    e.saturating_sub(close).max((s + open).min(e)),
                );
                let w = self.word_at(n, a, b, Mode::Arith);
                vec![WP::Arith(
                    Rc::new(Word {
                        at,
                        text: text.to_string(),
                        ..w
                    }),
                    quoted,
                )]
            }
            _ => vec![WP::Lit(text.to_string(), quoted)],
        }
    }

    pub(super) fn subst(&mut self, n: Node, s: usize) -> Sub {
        let text = self.text(s, n.end_byte());
        let at = self.loc_at(s, n.end_byte());
        // Inside backticks `\``, `\$` and `\\` are escapes (nested
        // substitution); tree-sitter-bash does not undo them, so parse the
        // unescaped text again.
        if let Some(inner) = text.strip_prefix('`') {
            let inner = inner.strip_suffix('`').unwrap_or(inner);
            let unescaped = unescape_backticks(inner);
            if unescaped != inner {
                let body = self.reparse(&unescaped, at);
                return Sub {
                    body,
                    read_file: None,
                    at,
                    text: text.to_string(),
                };
            }
        }
        let mut body = Vec::new();
        let mut read_file = None;
        for (c, field) in kids(n) {
            if field == Some("redirect") {
                if let Some(r) = self.redirect(c)
                    && r.op == "<"
                {
                    read_file = r.target;
                }
            } else if c.is_named() && c.kind() != "comment" {
                if c.kind() == "ERROR" {
                    body.extend(self.recover(c));
                } else {
                    body.extend(self.stmt(c));
                }
            }
        }
        if !body.is_empty() {
            read_file = None;
        }
        Sub {
            body,
            read_file,
            at: self.loc_at(s, n.end_byte()),
            text: self.text(s, n.end_byte()).to_string(),
        }
    }

    /// Statements of a text built from this one (its locations all point
    /// at `at`).
    pub(super) fn reparse(&mut self, text: &str, at: Location) -> Vec<Stmt> {
        if self.depth >= MAX_SYNTAX_DEPTH {
            return Vec::new();
        }
        let mut parser = Parser::new();
        let Some(tree) = parser
            .set_language(&tree_sitter_bash::LANGUAGE.into())
            .ok()
            .and_then(|_| parser.parse(text, None))
        else {
            return Vec::new();
        };
        let mut inner = Lower {
            src: text,
            file: self.file,
            base: 0,
            exact: false,
            anchor: at.span,
            holes: self.holes,
            notes: Vec::new(),
            depth: self.depth + 1,
            deep_noted: self.deep_noted,
        };
        inner.syntax_errors(tree.root_node());
        let body = inner.body(tree.root_node());
        self.deep_noted |= inner.deep_noted;
        self.notes.extend(inner.notes);
        body
    }

    /// `${...}`, parsed from its text because tree-sitter-bash's parse of
    /// the operand is unreliable (`${x//a\/b/c}`); atoms inside keep their
    /// meaning.
    pub(super) fn param(&mut self, n: Node, s: usize, quoted: bool) -> Param {
        let e = n.end_byte();
        let text = self.text(s, e).to_string();
        let at = self.loc_at(s, e);
        let unsupported = |name: String| Param {
            name,
            index: None,
            op: POp::Unsupported,
            at,
            text: text.clone(),
        };
        if !text.starts_with("${") || !text.ends_with('}') || text.len() < 4 {
            return unsupported(String::new());
        }
        let end = e - 1;
        let atoms = find_atoms(n, s + 2, end, ATOMS);
        let bytes = self.src.as_bytes();
        let at_byte = |p: usize| if p < end { bytes.get(p).copied() } else { None };
        let mut p = s + 2;
        let mut length = false;
        let mut indirect = false;
        if at_byte(p) == Some(b'#') && p + 1 < end {
            length = true;
            p += 1;
        } else if at_byte(p) == Some(b'!') && p + 1 < end {
            indirect = true;
            p += 1;
        }
        let name_start = p;
        match at_byte(p) {
            Some(c) if c.is_ascii_alphabetic() || c == b'_' => {
                while at_byte(p).is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_') {
                    p += 1;
                }
            }
            Some(c) if c.is_ascii_digit() => {
                while at_byte(p).is_some_and(|c| c.is_ascii_digit()) {
                    p += 1;
                }
            }
            Some(b'@' | b'*' | b'#' | b'?' | b'$' | b'!' | b'-') => p += 1,
            _ => return unsupported(String::new()),
        }
        let name = self.text(name_start, p).to_string();
        let mut index = None;
        if at_byte(p) == Some(b'[') {
            let Some(close) = scan_to(self.src, p + 1, end, &atoms, |c, depth| {
                c == b']' && depth == 0
            }) else {
                return unsupported(name);
            };
            index = Some(self.word_at(n, p + 1, close, Mode::Unquoted));
            p = close + 1;
        }
        let mk = |op: POp, index: Option<Word>| Param {
            name: name.clone(),
            index,
            op,
            at,
            text: text.clone(),
        };
        if p >= end {
            let op = if length {
                POp::Length
            } else if indirect {
                POp::Indirect
            } else {
                POp::Plain
            };
            return mk(op, index);
        }
        if length || indirect {
            return mk(POp::Unsupported, index);
        }
        const OPS: &[&str] = &[
            ":-", ":=", ":+", ":?", "##", "%%", "//", "/#", "/%", "^^", ",,", "-", "=", "+", "?",
            "#", "%", "/", "^", ",", ":", "@",
        ];
        let rest = self.text(p, end);
        let Some(op) = OPS.iter().find(|o| rest.starts_with(**o)) else {
            return mk(POp::Unsupported, index);
        };
        let a = p + op.len();
        // `value`: a value operand (not a pattern); `replacement`: tilde
        // expansion applies even inside double quotes.
        let operand =
            |this: &mut Self, a: usize, b: usize, value: bool, replacement: bool| -> Word {
                let mut w = this.word_at(n, a, b, Mode::Unquoted);
                if value && (!quoted || replacement) {
                    tilde(&mut w);
                }
                if value && quoted {
                    for part in &mut w.parts {
                        mark_quoted(part);
                    }
                }
                w
            };
        let op = match *op {
            ":-" | "-" => POp::Default(op.starts_with(':'), operand(self, a, end, true, false)),
            ":=" | "=" => POp::Assign(op.starts_with(':'), operand(self, a, end, true, false)),
            ":+" | "+" => POp::Alt(op.starts_with(':'), operand(self, a, end, true, false)),
            ":?" | "?" => POp::Error(op.starts_with(':'), operand(self, a, end, true, false)),
            "#" | "##" => POp::TrimPrefix(op.len() == 2, operand(self, a, end, false, false)),
            "%" | "%%" => POp::TrimSuffix(op.len() == 2, operand(self, a, end, false, false)),
            "/" | "//" | "/#" | "/%" => {
                let mode = match *op {
                    "//" => "//",
                    "/#" => "/#",
                    "/%" => "/%",
                    _ => "/",
                };
                let sep = scan_to(self.src, a, end, &atoms, |c, _| c == b'/');
                let (pat_end, rep_start) = sep.map_or((end, end), |q| (q, q + 1));
                let pat = operand(self, a, pat_end, false, false);
                let rep = operand(self, rep_start, end, true, true);
                POp::Replace(mode, pat, rep)
            }
            "^^" | "^" | ",," | "," if a == end => POp::Case(op.starts_with('^'), op.len() == 2),
            ":" => {
                let sep = scan_to(self.src, a, end, &atoms, |c, depth| c == b':' && depth == 0);
                let off = self.word_at(n, a, sep.unwrap_or(end), Mode::Arith);
                let len = sep.map(|q| self.word_at(n, q + 1, end, Mode::Arith));
                POp::Substr(off, len)
            }
            _ => POp::Unsupported,
        };
        mk(op, index)
    }
}

/// The text inside backticks with its escapes undone.
pub(super) fn unescape_backticks(s: &str) -> String {
    let mut out = String::new();
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        match (c, it.peek()) {
            ('\\', Some('`' | '$' | '\\')) => out.extend(it.next()),
            _ => out.push(c),
        }
    }
    out
}

/// Marks a part as written inside double quotes.
pub(super) fn mark_quoted(part: &mut WP) {
    match part {
        WP::Lit(_, q) | WP::Param(_, q) | WP::Sub(_, q) | WP::Arith(_, q) => *q = true,
        _ => {}
    }
}

/// The first position in `[a, b)` whose byte satisfies `stop` (given the
/// bracket depth), skipping atoms and backslash-escaped bytes.
pub(super) fn scan_to(
    src: &str,
    a: usize,
    b: usize,
    atoms: &[Node],
    stop: impl Fn(u8, usize) -> bool,
) -> Option<usize> {
    let bytes = src.as_bytes();
    let mut p = a;
    let mut depth = 0usize;
    let mut next = 0;
    while p < b {
        while atoms.get(next).is_some_and(|n| n.start_byte() < p) {
            next += 1;
        }
        if let Some(atom) = atoms.get(next).filter(|n| n.start_byte() == p) {
            p = atom.end_byte().max(p + 1);
            continue;
        }
        let c = *bytes.get(p)?;
        if stop(c, depth) {
            return Some(p);
        }
        match c {
            b'\\' => p += 1,
            b'[' => depth += 1,
            b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        p += 1;
    }
    None
}

/// The nodes of the kinds `kinds` under `root` lying inside `[a, b)`,
/// outermost only, in order.
pub(super) fn find_atoms<'t>(root: Node<'t>, a: usize, b: usize, kinds: &[&str]) -> Vec<Node<'t>> {
    let mut out = Vec::new();
    if kinds.is_empty() {
        return out;
    }
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        let (s, e) = (n.start_byte(), n.end_byte());
        if e <= a || s >= b || s == e {
            continue;
        }
        if kinds.contains(&n.kind()) && s >= a && e <= b {
            out.push(n);
            continue;
        }
        for (c, _) in kids(n).into_iter().rev() {
            stack.push(c);
        }
    }
    out
}

/// Byte ranges of the blank-separated tokens of `text`.
pub(super) fn blank_split(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let blank = c == b' '
            || c == b'\t'
            || c == b'\n'
            || (c == b'\\' && bytes.get(i + 1) == Some(&b'\n'));
        if blank {
            if let Some(s) = start.take() {
                out.push((s, i));
            }
            i += if c == b'\\' { 2 } else { 1 };
            continue;
        }
        start.get_or_insert(i);
        i += 1;
    }
    if let Some(s) = start {
        out.push((s, bytes.len()));
    }
    out
}

/// Tilde expansion of a word's leading `~` or `~user` (followed by `/` or
/// the end of the word).
pub(super) fn tilde(w: &mut Word) {
    let Some(WP::Lit(s, false)) = w.parts.first() else {
        return;
    };
    if !s.starts_with('~') {
        return;
    }
    let prefix_end = s.find('/').unwrap_or(s.len());
    if prefix_end == s.len() && w.parts.len() > 1 {
        return;
    }
    let user = s[1..prefix_end].to_string();
    if !user
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
    {
        return;
    }
    let rest = s[prefix_end..].to_string();
    let at = w.at;
    w.parts.remove(0);
    if !rest.is_empty() {
        w.parts.insert(0, WP::Lit(rest, false));
    }
    w.parts.insert(0, WP::Tilde(user, at));
}

/// Decodes the body of `$'...'`.
pub(super) fn ansi_c(s: &str) -> String {
    let mut out = String::new();
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = it.next() else {
            out.push('\\');
            break;
        };
        let mut number = |radix: u32, max: usize, first: Option<char>| -> Option<char> {
            let mut digits: String = first.into_iter().collect();
            while digits.len() < max {
                match it.peek() {
                    Some(d) if d.is_digit(radix) => {
                        digits.push(*d);
                        it.next();
                    }
                    _ => break,
                }
            }
            u32::from_str_radix(&digits, radix)
                .ok()
                .and_then(char::from_u32)
        };
        match e {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'a' => out.push('\u{7}'),
            'b' => out.push('\u{8}'),
            'e' | 'E' => out.push('\u{1b}'),
            'f' => out.push('\u{c}'),
            'v' => out.push('\u{b}'),
            '\\' | '\'' | '"' | '?' => out.push(e),
            'x' => out.extend(number(16, 2, None)),
            'u' => out.extend(number(16, 4, None)),
            'U' => out.extend(number(16, 8, None)),
            '0'..='7' => out.extend(number(8, 3, Some(e))),
            'c' => {
                if let Some(x) = it.next() {
                    out.push(char::from((x as u8) & 0x1f));
                }
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    out
}
