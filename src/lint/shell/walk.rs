//! Finding the simple commands of a shell script with tree-sitter-bash,
//! unwrapping `sudo`-style wrappers and descending into `sh -c` strings and
//! heredocs fed to a shell.

use std::cell::RefCell;

use tree_sitter::{Node, Parser, Tree};

use super::text::Mapped;
use super::{Arg, Command};
use crate::dockerfile::Span;

/// Nested scripts (`sh -c` in a heredoc in `bash -c`...) followed.
const MAX_SCRIPT_DEPTH: usize = 8;
/// Syntax tree levels descended; deeper constructs are skipped, not crashed on.
const MAX_NODE_DEPTH: usize = 256;
/// Wrappers unwrapped in a row (`sudo env nice time cmd`).
const MAX_WRAPPERS: usize = 16;
/// Larger scripts are not parsed; no real RUN comes near.
const MAX_TEXT: usize = 4 << 20;
/// Commands reported for one instruction.
const MAX_COMMANDS: usize = 100_000;

/// The shells whose `-c` string and standard input are shell scripts.
pub(super) const SHELLS: &[&str] = &["sh", "bash", "dash", "ash", "ksh", "mksh", "zsh"];

thread_local! {
    // Creating a parser and loading the grammar costs more than parsing a
    // typical RUN, so each thread keeps one.
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

fn parse(text: &str) -> Option<Tree> {
    PARSER.with(|cell| {
        let mut slot = cell.try_borrow_mut().ok()?;
        if slot.is_none() {
            let mut parser = Parser::new();
            parser
                .set_language(&tree_sitter_bash::LANGUAGE.into())
                .ok()?;
            *slot = Some(parser);
        }
        slot.as_mut()?.parse(text, None)
    })
}

/// One word of a command line after expansion and field splitting.
#[derive(Debug, Clone)]
pub(super) struct W {
    /// The value with per-byte origins; `None` when it cannot be known.
    pub value: Option<Mapped>,
    /// As written.
    pub raw: String,
    /// Where it is written.
    pub span: Span,
}

impl W {
    fn val(&self) -> Option<&str> {
        self.value.as_ref().map(|m| m.text.as_str())
    }
}

/// What a command runs besides itself.
enum Inner {
    None,
    /// The words from this index on (counted in the arguments) are a command;
    /// with `true`, it gets more arguments nobody can see (`xargs`).
    Command(usize, bool),
    /// The argument at this index is a shell script (`sh -c`).
    Script(usize),
    /// A shell that reads its script from standard input.
    StdinShell,
}

/// Collects the commands of one instruction.
pub(super) struct Walker<'a> {
    vars: &'a dyn Fn(&str) -> Option<String>,
    /// Variables assigned by the script itself, latest last; `None` for a
    /// value that cannot be known.
    locals: Vec<(String, Option<String>)>,
    /// Shells reading standard input seen so far (heredocs feed them).
    stdin_shells: usize,
    pub out: Vec<Command>,
}

impl<'a> Walker<'a> {
    pub fn new(vars: &'a dyn Fn(&str) -> Option<String>) -> Walker<'a> {
        Walker {
            vars,
            locals: Vec::new(),
            stdin_shells: 0,
            out: Vec::new(),
        }
    }

    /// Parses `m` as a shell script and collects its commands.
    pub fn script(&mut self, m: &Mapped, depth: usize) {
        if depth > MAX_SCRIPT_DEPTH || m.len() > MAX_TEXT || self.full() {
            return;
        }
        let Some(tree) = parse(&m.text) else { return };
        self.walk(tree.root_node(), m, depth, 0);
    }

    /// An exec-form command line: the words as they are.
    pub fn exec(&mut self, words: &[W], span: Span) {
        self.emit(words, span, 0, 0);
    }

    fn full(&self) -> bool {
        self.out.len() >= MAX_COMMANDS
    }

    fn walk(&mut self, node: Node, m: &Mapped, depth: usize, level: usize) {
        if level > MAX_NODE_DEPTH || self.full() {
            return;
        }
        match node.kind() {
            "command" => self.command(node, &[], m, depth, level),
            "variable_assignment" => {
                self.assign(node, m);
                self.substitutions(node, m, depth, level);
            }
            "declaration_command" => {
                let mut cursor = node.walk();
                for child in node.named_children(&mut cursor) {
                    if child.kind() == "variable_assignment" {
                        self.assign(child, m);
                    }
                }
                self.substitutions(node, m, depth, level);
            }
            "for_statement" => {
                if let Some(var) = node.child_by_field_name("variable") {
                    let name = text(var, m).to_string();
                    self.locals.push((name, None));
                }
                self.children(node, m, depth, level);
            }
            "redirected_statement" => self.redirected(node, m, depth, level),
            "list" | "pipeline" => {
                // `a && b && c` nests to the left, one level per command:
                // flatten it so long chains are not cut by the depth bound.
                let mut stack = vec![node];
                while let Some(n) = stack.pop() {
                    if n.kind() == node.kind() {
                        let mut cursor = n.walk();
                        let children: Vec<Node> = n.named_children(&mut cursor).collect();
                        stack.extend(children.into_iter().rev());
                    } else {
                        self.walk(n, m, depth, level + 1);
                    }
                }
            }
            "heredoc_body" | "comment" => {}
            _ => self.children(node, m, depth, level),
        }
    }

    fn children(&mut self, node: Node, m: &Mapped, depth: usize, level: usize) {
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            self.walk(child, m, depth, level + 1);
        }
    }

    /// Walks the command and process substitutions inside `node`.
    fn substitutions(&mut self, node: Node, m: &Mapped, depth: usize, level: usize) {
        if level > MAX_NODE_DEPTH {
            return;
        }
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            match child.kind() {
                "command_substitution" | "process_substitution" => {
                    self.children(child, m, depth, level + 1)
                }
                _ => self.substitutions(child, m, depth, level + 1),
            }
        }
    }

    /// A statement with redirections; heredocs fed to a shell are scripts.
    fn redirected(&mut self, node: Node, m: &Mapped, depth: usize, level: usize) {
        let shells_before = self.stdin_shells;
        let body = node.child_by_field_name("body");
        match body {
            Some(body) if body.kind() == "command" => {
                // tree-sitter-bash files the words after a redirection
                // (`apk add a >/dev/null b`) as further destinations of the
                // redirection; they are arguments of the command.
                let mut extra = Vec::new();
                let mut cursor = node.walk();
                for r in node.named_children(&mut cursor) {
                    if r.kind() == "file_redirect" {
                        let mut c = r.walk();
                        extra.extend(r.children_by_field_name("destination", &mut c).skip(1));
                    }
                }
                self.command(body, &extra, m, depth, level + 1);
            }
            Some(body) => self.walk(body, m, depth, level + 1),
            None => {}
        }
        let body_is_shell = self.stdin_shells > shells_before;
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            if Some(child) == body {
                continue;
            }
            if child.kind() != "heredoc_redirect" {
                self.substitutions(child, m, depth, level + 1);
                continue;
            }
            // A pipeline after the heredoc start (`cat <<EOF | sh`) is a
            // child of the redirect.
            let before = self.stdin_shells;
            let mut heredoc = None;
            let mut inner = child.walk();
            for part in child.named_children(&mut inner) {
                match part.kind() {
                    "heredoc_body" => heredoc = Some(part),
                    "heredoc_start" | "heredoc_end" => {}
                    _ => self.walk(part, m, depth, level + 1),
                }
            }
            if let Some(heredoc) = heredoc
                && (body_is_shell || self.stdin_shells > before)
            {
                self.script(&m.slice(heredoc.byte_range()), depth + 1);
            }
        }
    }

    /// A simple command; `extra` are argument words tree-sitter put
    /// elsewhere.
    fn command(&mut self, node: Node, extra: &[Node], m: &Mapped, depth: usize, level: usize) {
        let mut words = Vec::new();
        let mut cursor = node.walk();
        if cursor.goto_first_child() {
            loop {
                if matches!(cursor.field_name(), Some("name" | "argument")) {
                    words.extend(self.word(cursor.node(), m));
                }
                if !cursor.goto_next_sibling() {
                    break;
                }
            }
        }
        let mut span = m.span(node.byte_range());
        for e in extra {
            words.extend(self.word(*e, m));
            span = span.join(m.span(e.byte_range()));
        }
        self.emit(&words, span, depth, 0);
        self.substitutions(node, m, depth, level);
    }

    /// Records `words` as a command, then whatever it runs in turn.
    fn emit(&mut self, words: &[W], span: Span, depth: usize, hops: usize) {
        let Some((name_word, args)) = words.split_first() else {
            return;
        };
        if hops > MAX_WRAPPERS || self.full() {
            return;
        }
        let name = basename(name_word.val().unwrap_or(&name_word.raw)).to_string();
        self.out.push(Command {
            name: name.clone(),
            args: args.iter().map(to_arg).collect(),
            span,
            name_span: name_word.span,
        });
        match inner(&name, args) {
            Inner::None => {}
            Inner::Command(at, unknown_tail) => {
                let Some(rest) = args.get(at..).filter(|r| !r.is_empty()) else {
                    return;
                };
                let start = rest[0].span.start;
                let inner_span = Span::new(start, span.end.max(start));
                if unknown_tail {
                    let mut rest = rest.to_vec();
                    rest.push(W {
                        value: None,
                        raw: String::new(),
                        span: Span::new(inner_span.end, inner_span.end),
                    });
                    self.emit(&rest, inner_span, depth, hops + 1);
                } else {
                    self.emit(rest, inner_span, depth, hops + 1);
                }
            }
            Inner::Script(i) => {
                if let Some(script) = args.get(i).and_then(|w| w.value.as_ref()) {
                    let script = script.clone();
                    self.script(&script, depth + 1);
                }
            }
            Inner::StdinShell => self.stdin_shells += 1,
        }
    }

    /// `NAME=value` outside a command: later expansions of NAME see it.
    fn assign(&mut self, node: Node, m: &Mapped) {
        let Some(name) = node.child_by_field_name("name") else {
            return;
        };
        let name_text = text(name, m).to_string();
        let appends = text(node, m)
            .get(name_text.len()..)
            .is_some_and(|s| s.starts_with("+="));
        let value = match node.child_by_field_name("value") {
            _ if appends => None,
            None => Some(String::new()),
            Some(v) if v.kind() == "array" => None,
            Some(v) => {
                let mut out = Mapped::empty(0);
                self.eval(v, m, &mut out, true).then_some(out.text)
            }
        };
        self.locals.push((name_text, value));
    }

    fn lookup(&self, name: &str) -> Option<String> {
        match self.locals.iter().rev().find(|(n, _)| n == name) {
            Some((_, v)) => v.clone(),
            None => (self.vars)(name),
        }
    }

    /// The fields one word of a command line expands to.
    fn word(&self, node: Node, m: &Mapped) -> Vec<W> {
        let r = node.byte_range();
        let raw = m.text.get(r.clone()).unwrap_or("").to_string();
        let span = m.span(r);
        let mut v = Mapped::empty(span.start);
        if !self.eval(node, m, &mut v, false) {
            return vec![W {
                value: None,
                raw,
                span,
            }];
        }
        if !v.has_split() {
            return vec![W {
                value: Some(v),
                raw,
                span,
            }];
        }
        let bytes = v.text.as_bytes();
        let mut fields = Vec::new();
        let mut start = None;
        for i in 0..=bytes.len() {
            let sep =
                i == bytes.len() || (v.splits_at(i) && matches!(bytes[i], b' ' | b'\t' | b'\n'));
            match (sep, start) {
                (true, Some(s)) => {
                    let piece = v.slice(s..i);
                    fields.push(W {
                        span: v.span(s..i),
                        value: Some(piece),
                        raw: raw.clone(),
                    });
                    start = None;
                }
                (false, None) => start = Some(i),
                _ => {}
            }
        }
        fields
    }

    /// Appends the value of the word `node` to `out`; false when it cannot
    /// be known.
    fn eval(&self, node: Node, m: &Mapped, out: &mut Mapped, quoted: bool) -> bool {
        let r = node.byte_range();
        match node.kind() {
            "command_name" => {
                let mut cursor = node.walk();
                let children: Vec<Node> = node.named_children(&mut cursor).collect();
                children.into_iter().all(|c| self.eval(c, m, out, quoted))
            }
            "word" | "number" | "brace_expression" => {
                unquoted(m, r, out);
                true
            }
            "raw_string" => {
                out.push_from(m, inner_range(m, r, 1, "'"));
                true
            }
            "string" => self.double_quoted(node, m, out),
            "translated_string" => {
                let mut cursor = node.walk();
                let children: Vec<Node> = node.named_children(&mut cursor).collect();
                children.into_iter().all(|c| self.eval(c, m, out, true))
            }
            "ansi_c_string" => {
                let inner = inner_range(m, r, 2, "'");
                let raw = m.text.get(inner.clone()).unwrap_or("");
                if raw.contains('\\') {
                    out.push_for_range(&ansi_c(raw), m, inner, false);
                } else {
                    out.push_from(m, inner);
                }
                true
            }
            "concatenation" => {
                let mut pos = r.start;
                let mut cursor = node.walk();
                let children: Vec<Node> = node.children(&mut cursor).collect();
                for child in children {
                    let cr = child.byte_range();
                    if cr.start > pos {
                        unquoted(m, pos..cr.start, out);
                    }
                    if !child.is_named() {
                        unquoted(m, cr.clone(), out);
                    } else if !self.eval(child, m, out, quoted) {
                        return false;
                    }
                    pos = pos.max(cr.end);
                }
                if r.end > pos {
                    unquoted(m, pos..r.end, out);
                }
                true
            }
            "simple_expansion" | "expansion" => self.expansion(node, m, out, quoted),
            _ => false,
        }
    }

    fn double_quoted(&self, node: Node, m: &Mapped, out: &mut Mapped) -> bool {
        let inner = inner_range(m, node.byte_range(), 1, "\"");
        let mut pos = inner.start;
        let mut cursor = node.walk();
        let children: Vec<Node> = node.named_children(&mut cursor).collect();
        for child in children {
            if child.kind() == "string_content" {
                continue;
            }
            let cr = child.byte_range();
            if cr.start > pos {
                double_quoted_text(m, pos..cr.start.min(inner.end), out);
            }
            if !self.eval(child, m, out, true) {
                return false;
            }
            pos = pos.max(cr.end);
        }
        if inner.end > pos {
            double_quoted_text(m, pos..inner.end, out);
        }
        true
    }

    /// `$NAME`, `${NAME}` and the default/alternative forms
    /// (`${NAME:-word}`, `${NAME-word}`, `${NAME:=word}`, `${NAME:+word}`).
    fn expansion(&self, node: Node, m: &Mapped, out: &mut Mapped, quoted: bool) -> bool {
        let r = node.byte_range();
        let t = m.text.get(r.clone()).unwrap_or("");
        let body = if node.kind() == "simple_expansion" {
            t.strip_prefix('$')
        } else {
            t.strip_prefix("${").and_then(|s| s.strip_suffix('}'))
        };
        let Some(body) = body else { return false };
        let name_len = body
            .bytes()
            .enumerate()
            .take_while(|&(i, b)| {
                b == b'_' || b.is_ascii_alphabetic() || (i > 0 && b.is_ascii_digit())
            })
            .count();
        if name_len == 0 {
            return false;
        }
        let (name, rest) = body.split_at(name_len);
        let Some(value) = self.lookup(name) else {
            return false;
        };
        let value = if rest.is_empty() {
            value
        } else {
            let ops = [":-", ":=", ":+", "-", "=", "+"];
            let Some(op) = ops.iter().find(|op| rest.starts_with(**op)) else {
                return false;
            };
            let word = &rest[op.len()..];
            if word.contains(['$', '`', '\\', '\'', '"']) {
                return false;
            }
            match *op {
                ":-" | ":=" if value.is_empty() => word.to_string(),
                ":+" if !value.is_empty() => word.to_string(),
                "+" => word.to_string(),
                ":+" => String::new(),
                _ => value,
            }
        };
        out.push_for_range(&value, m, r, !quoted);
        true
    }
}

fn text<'t>(node: Node, m: &'t Mapped) -> &'t str {
    m.text.get(node.byte_range()).unwrap_or("")
}

/// `r` without `open` bytes at the front and the `close` text at the back.
fn inner_range(
    m: &Mapped,
    r: std::ops::Range<usize>,
    open: usize,
    close: &str,
) -> std::ops::Range<usize> {
    let t = m.text.get(r.clone()).unwrap_or("");
    let end = if t.len() > open && t.ends_with(close) {
        r.end - close.len()
    } else {
        r.end
    };
    (r.start + open).min(end)..end
}

/// Unquoted text: a backslash quotes the next character, and a backslash
/// before a newline removes both.
fn unquoted(m: &Mapped, r: std::ops::Range<usize>, out: &mut Mapped) {
    escaped(m, r, out, |_| true);
}

/// Double-quoted text: a backslash is special only before `$`, `` ` ``,
/// `"`, `\` and a newline.
fn double_quoted_text(m: &Mapped, r: std::ops::Range<usize>, out: &mut Mapped) {
    escaped(m, r, out, |c| matches!(c, '$' | '`' | '"' | '\\' | '\n'));
}

fn escaped(
    m: &Mapped,
    r: std::ops::Range<usize>,
    out: &mut Mapped,
    special: impl Fn(char) -> bool,
) {
    let Some(s) = m.text.get(r.clone()) else {
        return;
    };
    let mut run_start = 0;
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            continue;
        }
        let Some(&(j, next)) = chars.peek() else {
            break;
        };
        if !special(next) {
            continue;
        }
        chars.next();
        out.push_from(m, r.start + run_start..r.start + i);
        let end = j + next.len_utf8();
        if next != '\n' {
            let mut buf = [0u8; 4];
            out.push_for_range(
                next.encode_utf8(&mut buf),
                m,
                r.start + i..r.start + end,
                false,
            );
        }
        run_start = end;
    }
    out.push_from(m, r.start + run_start..r.end);
}

/// Decodes the escapes of a `$'...'` string.
fn ansi_c(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('a') => out.push('\u{7}'),
            Some('b') => out.push('\u{8}'),
            Some('e' | 'E') => out.push('\u{1b}'),
            Some('f') => out.push('\u{c}'),
            Some('v') => out.push('\u{b}'),
            Some(c @ ('\\' | '\'' | '"' | '?')) => out.push(c),
            Some(c) => {
                out.push('\\');
                out.push(c);
            }
            None => out.push('\\'),
        }
    }
    out
}

fn to_arg(w: &W) -> Arg {
    Arg {
        value: w.value.as_ref().map(|m| m.text.clone()),
        raw: w.raw.clone(),
        span: w.span,
    }
}

/// `/usr/bin/apt-get` -> `apt-get`.
pub(super) fn basename(s: &str) -> &str {
    let t = s.trim_end_matches('/');
    t.rsplit('/').next().filter(|b| !b.is_empty()).unwrap_or(s)
}

fn is_assignment(v: &str) -> bool {
    v.split_once('=').is_some_and(|(n, _)| {
        !n.is_empty()
            && !n.starts_with(|c: char| c.is_ascii_digit())
            && n.bytes().all(|b| b == b'_' || b.is_ascii_alphanumeric())
    })
}

/// The index of the first operand of `args`, skipping options. `short` are
/// the single-letter options taking a value, `long` the long ones taking
/// the next word as value; with `assignments`, `NAME=value` words are
/// skipped too (`env`, `sudo`).
fn skip_options(args: &[W], short: &str, long: &[&str], assignments: bool) -> usize {
    let mut i = 0;
    while let Some(v) = args.get(i).and_then(W::val) {
        if v == "--" {
            return i + 1;
        }
        if v == "-" {
            i += 1;
        } else if v.starts_with("--") {
            i += if !v.contains('=') && long.contains(&v) {
                2
            } else {
                1
            };
        } else if let Some(letters) = v.strip_prefix('-') {
            i += 1;
            if let Some(k) = letters.find(|c| short.contains(c))
                && k + 1 == letters.len()
            {
                i += 1;
            }
        } else if assignments && is_assignment(v) {
            i += 1;
        } else {
            return i;
        }
    }
    i.min(args.len())
}

/// Options of `sh`/`bash`: `-c` makes the first operand the script; without
/// operands (or with `-s`) the script comes from standard input.
fn shell_inner(args: &[W]) -> Inner {
    let (mut i, mut c, mut s) = (0, false, false);
    while let Some(v) = args.get(i).and_then(W::val) {
        if v == "--" || v == "-" {
            i += 1;
            break;
        }
        if v.starts_with("--") {
            i += if matches!(v, "--rcfile" | "--init-file") {
                2
            } else {
                1
            };
            continue;
        }
        let Some(letters) = v.strip_prefix(['-', '+']).filter(|l| !l.is_empty()) else {
            break;
        };
        c |= letters.contains('c');
        s |= letters.contains('s');
        i += 1;
        if letters.contains(['o', 'O']) {
            i += 1;
        }
    }
    if c {
        if i < args.len() {
            Inner::Script(i)
        } else {
            Inner::None
        }
    } else if i >= args.len() || s {
        Inner::StdinShell
    } else {
        Inner::None
    }
}

/// What a command named `name` with arguments `args` runs.
fn inner(name: &str, args: &[W]) -> Inner {
    let at = |i: usize| Inner::Command(i, false);
    let opts = |short, long| at(skip_options(args, short, long, false));
    match name {
        _ if SHELLS.contains(&name) => shell_inner(args),
        "sudo" => at(skip_options(
            args,
            "ugpChDrtUTR",
            &[
                "--user",
                "--group",
                "--prompt",
                "--close-from",
                "--chdir",
                "--role",
                "--type",
                "--other-user",
                "--command-timeout",
                "--host",
                "--chroot",
            ],
            true,
        )),
        "doas" => opts("uC", &[]),
        "env" => at(skip_options(
            args,
            "uCS",
            &["--unset", "--chdir", "--split-string"],
            true,
        )),
        "nice" => opts("n", &["--adjustment"]),
        "ionice" => opts("cnp", &["--class", "--classdata", "--pid"]),
        "nohup" | "builtin" | "eatmydata" | "chronic" | "busybox" | "fakeroot" | "unbuffer" => {
            opts("", &[])
        }
        "time" => opts("fo", &["--format", "--output"]),
        "stdbuf" => opts("ioe", &["--input", "--output", "--error"]),
        "timeout" => at(skip_options(args, "sk", &["--signal", "--kill-after"], false) + 1),
        "chroot" => at(skip_options(args, "", &["--userspec", "--groups"], false) + 1),
        "gosu" | "su-exec" => at(1),
        "xargs" => Inner::Command(
            skip_options(
                args,
                "adEILnPs",
                &[
                    "--arg-file",
                    "--delimiter",
                    "--max-lines",
                    "--max-args",
                    "--max-procs",
                    "--max-chars",
                    "--process-slot-var",
                ],
                false,
            ),
            true,
        ),
        "exec" => opts("a", &[]),
        "command" => {
            let end = skip_options(args, "", &[], false);
            let query = args[..end]
                .iter()
                .filter_map(W::val)
                .any(|v| v.starts_with('-') && v.contains(['v', 'V']));
            if query { Inner::None } else { at(end) }
        }
        "su" | "runuser" => {
            let c = args
                .iter()
                .position(|w| matches!(w.val(), Some("-c" | "--command" | "--session-command")));
            match c {
                Some(i) => Inner::Script(i + 1),
                None if name == "runuser" => opts("ugs", &["--user", "--group", "--shell"]),
                None => Inner::None,
            }
        }
        _ => Inner::None,
    }
}
