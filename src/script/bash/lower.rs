//! Lowering tree-sitter's tree into the AST: statements and redirections.

use std::rc::Rc;

use tree_sitter::Node;

use super::ast::{ArgAst, Assign, AssignVal, CaseItem, Redir, Simple, Stmt, WP, Word};
use super::lower_word::{blank_split, tilde};
use super::{MAX_SYNTAX_DEPTH, MAX_SYNTAX_NOTES};
use crate::dockerfile::Span;
use crate::script::trace::{FileId, Location, Note, Part};

// ---------------------------------------------------------------------------
// Lowering tree-sitter's tree into the AST
// ---------------------------------------------------------------------------

/// How literal text inside a word is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// Outside quotes: backslash quotes the next character.
    Unquoted,
    /// Inside `"..."`: backslash only quotes `$`, `` ` ``, `"`, `\`.
    Double,
    /// A here-document body; `strip` for `<<-`, `expand` unless the
    /// delimiter was quoted.
    Heredoc { strip: bool, expand: bool },
    /// Inside `$((...))`: no escapes, nothing is split.
    Arith,
}

/// Node kinds that are a unit of a word with their own meaning.
pub(super) const ATOMS: &[&str] = &[
    "string",
    "raw_string",
    "ansi_c_string",
    "translated_string",
    "simple_expansion",
    "expansion",
    "command_substitution",
    "arithmetic_expansion",
    "process_substitution",
];
/// The atoms that are special inside double quotes and here-documents.
pub(super) const DQ_ATOMS: &[&str] = &[
    "simple_expansion",
    "expansion",
    "command_substitution",
    "arithmetic_expansion",
];
/// Leaves of a `[ ... ]` / `[[ ... ]]` expression that are (parts of) words.
pub(super) const TEST_LEAVES: &[&str] = &[
    "word",
    "number",
    "regex",
    "extglob_pattern",
    "test_operator",
    "variable_name",
    "special_variable_name",
    "concatenation",
];

/// Node kinds that are statements.
pub(super) const STATEMENTS: &[&str] = &[
    "command",
    "declaration_command",
    "unset_command",
    "variable_assignment",
    "variable_assignments",
    "pipeline",
    "list",
    "negated_command",
    "subshell",
    "compound_statement",
    "if_statement",
    "case_statement",
    "for_statement",
    "c_style_for_statement",
    "while_statement",
    "function_definition",
    "test_command",
    "redirected_statement",
];

/// Private-use characters that delimit a placeholder for an evaluated part
/// when a string with unknown parts is parsed again (`eval "$cmd"`).
pub(super) const HOLE_OPEN: char = '\u{E000}';
pub(super) const HOLE_CLOSE: char = '\u{E001}';

/// A node's children with their field names, read with a cursor (indexing
/// children is quadratic in tree-sitter).
pub(super) fn kids<'t>(n: Node<'t>) -> Vec<(Node<'t>, Option<&'static str>)> {
    let mut out = Vec::new();
    let mut c = n.walk();
    if c.goto_first_child() {
        loop {
            out.push((c.node(), c.field_name()));
            if !c.goto_next_sibling() {
                break;
            }
        }
    }
    out
}

/// Lowers one parsed text (the script, a sourced file, an `eval` string).
pub(super) struct Lower<'a> {
    pub(super) src: &'a str,
    pub(super) file: FileId,
    /// Offset of `src` in the file, when locations map exactly.
    pub(super) base: usize,
    pub(super) exact: bool,
    /// Where everything points when they do not (text built at run time).
    pub(super) anchor: Span,
    pub(super) holes: &'a [Part],
    pub(super) notes: Vec<Note>,
    pub(super) depth: usize,
    pub(super) deep_noted: bool,
}

impl<'a> Lower<'a> {
    pub(super) fn loc_at(&self, a: usize, b: usize) -> Location {
        let span = if self.exact {
            Span::new(self.base + a, self.base + b)
        } else {
            self.anchor
        };
        Location {
            file: self.file,
            span,
        }
    }

    pub(super) fn loc(&self, n: Node) -> Location {
        self.loc_at(n.start_byte(), n.end_byte())
    }

    pub(super) fn text(&self, a: usize, b: usize) -> &'a str {
        self.src.get(a..b).unwrap_or("")
    }

    pub(super) fn node_text(&self, n: Node) -> &'a str {
        self.text(n.start_byte(), n.end_byte())
    }

    pub(super) fn note(&mut self, message: impl Into<String>, at: Location) {
        self.notes.push(Note {
            message: message.into(),
            at,
        });
    }

    /// Notes every syntax error (ERROR and MISSING nodes), outermost only.
    pub(super) fn syntax_errors(&mut self, root: Node) {
        let mut stack = vec![root];
        let mut count = 0;
        while let Some(n) = stack.pop() {
            if n.is_error() || n.is_missing() {
                count += 1;
                if count <= MAX_SYNTAX_NOTES {
                    let msg = if n.is_missing() {
                        format!("syntax error: missing `{}`", n.kind())
                    } else {
                        let t: String = self
                            .node_text(n)
                            .lines()
                            .next()
                            .unwrap_or("")
                            .chars()
                            .take(40)
                            .collect();
                        format!("syntax error near `{}`", t.trim())
                    };
                    let at = self.loc(n);
                    self.note(msg, at);
                }
                continue;
            }
            if !n.has_error() {
                continue;
            }
            for (c, _) in kids(n).into_iter().rev() {
                stack.push(c);
            }
        }
        if count > MAX_SYNTAX_NOTES {
            let at = self.loc(root);
            self.note(
                format!("{} more syntax errors", count - MAX_SYNTAX_NOTES),
                at,
            );
        }
    }

    /// The statements among a node's children (a program, a group, a body).
    pub(super) fn body(&mut self, n: Node) -> Vec<Stmt> {
        let mut out = Vec::new();
        for (c, field) in kids(n) {
            if !c.is_named() {
                if c.kind() == "&"
                    && let Some(last) = out.pop()
                {
                    out.push(Stmt::Background(Box::new(last)));
                }
                continue;
            }
            if field == Some("redirect") {
                continue;
            }
            match c.kind() {
                "comment" | "heredoc_body" | "heredoc_end" => {}
                // Recover what was parsed inside an error; the error itself
                // was noted by `syntax_errors`.
                "ERROR" => out.extend(self.recover(c)),
                _ => out.extend(self.stmt(c)),
            }
        }
        out
    }

    /// The statements tree-sitter recognised inside an ERROR node; the
    /// fragments around them are dropped silently (the error was noted).
    pub(super) fn recover(&mut self, n: Node) -> Vec<Stmt> {
        let mut out = Vec::new();
        if self.depth >= MAX_SYNTAX_DEPTH {
            return out;
        }
        self.depth += 1;
        for (c, _) in kids(n) {
            if c.kind() == "ERROR" {
                out.extend(self.recover(c));
            } else if STATEMENTS.contains(&c.kind()) {
                out.extend(self.stmt(c));
            }
        }
        self.depth -= 1;
        out
    }

    pub(super) fn stmt(&mut self, n: Node) -> Option<Stmt> {
        if self.depth >= MAX_SYNTAX_DEPTH {
            if !self.deep_noted {
                self.deep_noted = true;
                let at = self.loc(n);
                self.note("nesting too deep; the inner part was skipped", at);
            }
            return None;
        }
        self.depth += 1;
        let s = self.stmt_inner(n);
        self.depth -= 1;
        s
    }

    pub(super) fn stmt_inner(&mut self, n: Node) -> Option<Stmt> {
        Some(match n.kind() {
            "command" => self.command(n),
            "declaration_command" | "unset_command" => self.declaration(n),
            "variable_assignment" => Stmt::Simple(Simple {
                assigns: vec![self.assign(n)],
                args: Vec::new(),
                redirs: Vec::new(),
                at: self.loc(n),
            }),
            "variable_assignments" => {
                let assigns = kids(n)
                    .into_iter()
                    .filter(|(c, _)| c.kind() == "variable_assignment")
                    .map(|(c, _)| self.assign(c))
                    .collect();
                Stmt::Simple(Simple {
                    assigns,
                    args: Vec::new(),
                    redirs: Vec::new(),
                    at: self.loc(n),
                })
            }
            "pipeline" => self.pipeline(n),
            "list" => self.list(n),
            "negated_command" => {
                let inner = kids(n)
                    .into_iter()
                    .find(|(c, _)| c.is_named() && c.kind() != "comment");
                let inner = inner.and_then(|(c, _)| self.stmt(c))?;
                Stmt::Not(Box::new(inner))
            }
            "subshell" => Stmt::Subshell(self.body(n)),
            "compound_statement" => {
                let ks = kids(n);
                match ks.first() {
                    Some((open, _)) if open.kind() == "((" => {
                        let end = ks
                            .iter()
                            .rev()
                            .find(|(c, _)| c.kind() == "))")
                            .map_or(n.end_byte(), |(c, _)| c.start_byte());
                        Stmt::Arith(self.word_at(n, open.end_byte(), end, Mode::Arith))
                    }
                    _ => Stmt::Group(self.body(n)),
                }
            }
            "if_statement" => self.if_statement(n),
            "case_statement" => self.case_statement(n),
            "for_statement" => self.for_statement(n),
            "c_style_for_statement" => self.c_for(n),
            "while_statement" => {
                let mut until = false;
                let mut cond = Vec::new();
                let mut body = Vec::new();
                for (c, field) in kids(n) {
                    match field {
                        _ if c.kind() == "until" => until = true,
                        Some("condition") if c.is_named() => cond.extend(self.stmt(c)),
                        Some("body") => body = self.body(c),
                        _ => {}
                    }
                }
                Stmt::While {
                    until,
                    cond,
                    body,
                    at: self.loc(n),
                }
            }
            "function_definition" => {
                let name = n
                    .child_by_field_name("name")
                    .map(|c| self.node_text(c).to_string())?;
                let body = n.child_by_field_name("body").and_then(|b| self.stmt(b))?;
                Stmt::Func(name, Rc::new(body))
            }
            "test_command" => self.test_command(n),
            "redirected_statement" => self.redirected(n),
            "ERROR" => Stmt::Group(self.recover(n)),
            "comment" => return None,
            other => {
                let at = self.loc(n);
                self.note(format!("unsupported construct `{other}` skipped"), at);
                return None;
            }
        })
    }

    pub(super) fn command(&mut self, n: Node) -> Stmt {
        let mut assigns = Vec::new();
        let mut args = Vec::new();
        let mut redirs = Vec::new();
        let mut name_start = None;
        let mut assigns_end = None;
        // tree-sitter-bash splits `ab\<newline>cd` in two words; bash
        // removes the line continuation and reads one.
        let mut ranges: Vec<(usize, usize, Vec<Node>)> = Vec::new();
        for (c, field) in kids(n) {
            if field == Some("argument") {
                match ranges.last_mut() {
                    Some(last) if self.text(last.1, c.start_byte()) == "\\\n" => {
                        last.1 = c.end_byte();
                        last.2.push(c);
                    }
                    _ => ranges.push((c.start_byte(), c.end_byte(), vec![c])),
                }
            }
        }
        let mut ranges = ranges.into_iter().peekable();
        for (c, field) in kids(n) {
            match field {
                Some("name") => {
                    name_start = Some(c.start_byte());
                    args.push(ArgAst::Word(self.word(c)));
                }
                Some("argument") => {
                    if let Some((a, b, nodes)) = ranges.next_if(|r| r.0 == c.start_byte()) {
                        let mut w = self.word_in(&nodes, a, b, Mode::Unquoted);
                        tilde(&mut w);
                        args.push(ArgAst::Word(w));
                    }
                }
                Some("redirect") => redirs.extend(self.redirect(c)),
                _ if c.kind() == "variable_assignment" => {
                    assigns_end = Some(c.end_byte());
                    assigns.push(self.assign(c));
                }
                _ => {}
            }
        }
        let at = self.loc(n);
        if let (Some(ArgAst::Word(w)), true) = (args.first(), assigns.is_empty())
            && matches!(
                w.text.as_str(),
                "fi" | "then" | "else" | "elif" | "do" | "done" | "esac" | "in" | "}" | ")"
            )
        {
            // tree-sitter-bash reads a stray keyword as a command; bash
            // rejects it.
            self.note(
                format!("syntax error near unexpected token `{}`", w.text),
                w.at,
            );
            return Stmt::Group(Vec::new());
        }
        // tree-sitter-bash joins `A=1 B=2 ` (trailing blank) with the next
        // line's command; split them again where an unescaped newline lies
        // between the assignments and the name.
        if let (Some(a), Some(b)) = (assigns_end, name_start) {
            let gap = self.text(a, b);
            if gap.contains('\n') && !gap.trim_end_matches([' ', '\t', '\n']).ends_with('\\') {
                let first = Stmt::Simple(Simple {
                    assigns,
                    args: Vec::new(),
                    redirs: Vec::new(),
                    at,
                });
                let second = Stmt::Simple(Simple {
                    assigns: Vec::new(),
                    args,
                    redirs,
                    at: self.loc_at(b, n.end_byte()),
                });
                return Stmt::Group(vec![first, second]);
            }
        }
        Stmt::Simple(Simple {
            assigns,
            args,
            redirs,
            at,
        })
    }

    /// `export`/`local`/`declare`/`typeset`/`readonly`/`unset`.
    pub(super) fn declaration(&mut self, n: Node) -> Stmt {
        let mut args = Vec::new();
        let mut redirs = Vec::new();
        for (c, field) in kids(n) {
            if field == Some("redirect") || c.kind().ends_with("_redirect") {
                redirs.extend(self.redirect(c));
            } else if !c.is_named() {
                if args.is_empty() {
                    args.push(ArgAst::Word(self.plain_word(c.start_byte(), c.end_byte())));
                }
            } else if c.kind() == "variable_assignment" {
                args.push(ArgAst::Assign(self.assign(c)));
            } else if c.kind() != "comment" {
                args.push(ArgAst::Word(self.word(c)));
            }
        }
        Stmt::Simple(Simple {
            assigns: Vec::new(),
            args,
            redirs,
            at: self.loc(n),
        })
    }

    pub(super) fn assign(&mut self, n: Node) -> Assign {
        let mut name = String::new();
        let mut index = None;
        let mut append = false;
        let mut op_end = None;
        for (c, field) in kids(n) {
            match field {
                Some("name") => {
                    if c.kind() == "subscript" {
                        if let Some(v) = c.child_by_field_name("name") {
                            name = self.node_text(v).to_string();
                        }
                        index = c.child_by_field_name("index").map(|i| self.word(i));
                    } else {
                        name = self.node_text(c).to_string();
                    }
                }
                _ if !c.is_named() && (c.kind() == "=" || c.kind() == "+=") && op_end.is_none() => {
                    append = c.kind() == "+=";
                    op_end = Some(c.end_byte());
                }
                _ => {}
            }
        }
        let at = self.loc(n);
        let value = match (op_end, n.child_by_field_name("value")) {
            (Some(_), Some(v)) if v.kind() == "array" => AssignVal::Array(
                kids(v)
                    .into_iter()
                    .filter(|(c, _)| c.is_named() && c.kind() != "comment")
                    .map(|(c, _)| self.word(c))
                    .collect(),
            ),
            (Some(e), _) => {
                let mut w = self.word_at(n, e, n.end_byte(), Mode::Unquoted);
                tilde(&mut w);
                AssignVal::Scalar(w)
            }
            (None, _) => AssignVal::Scalar(self.plain_word(n.end_byte(), n.end_byte())),
        };
        Assign {
            name,
            index,
            append,
            value,
            at,
        }
    }

    pub(super) fn pipeline(&mut self, n: Node) -> Stmt {
        let mut items: Vec<Stmt> = Vec::new();
        for (c, _) in kids(n) {
            if !c.is_named() {
                // `a |& b` is `a 2>&1 | b`.
                if c.kind() == "|&"
                    && let Some(last) = items.pop()
                {
                    items.push(with_redirs(last, vec![stderr_to_stdout()]));
                }
                continue;
            }
            if c.kind() != "comment" {
                items.extend(self.stmt(c));
            }
        }
        if items.len() == 1 {
            items.pop().unwrap_or(Stmt::Group(Vec::new()))
        } else {
            Stmt::Pipeline(items)
        }
    }

    pub(super) fn list(&mut self, n: Node) -> Stmt {
        // `a && b || c` nests to the left; walk the spine without recursing
        // so long chains are not cut by the nesting bound.
        let mut spine = Vec::new();
        let mut cur = n;
        loop {
            let ks = kids(cur);
            let inner = ks
                .iter()
                .find(|(c, _)| c.is_named() && c.kind() != "comment")
                .map(|(c, _)| *c);
            spine.push(ks);
            match inner {
                Some(c) if c.kind() == "list" => cur = c,
                _ => break,
            }
        }
        let mut first: Option<Stmt> = None;
        let mut rest = Vec::new();
        let mut and = true;
        let children = spine.into_iter().rev().enumerate().flat_map(|(i, ks)| {
            let mut skipped = i == 0;
            ks.into_iter().filter(move |(c, _)| {
                if !skipped && c.is_named() && c.kind() != "comment" {
                    skipped = true;
                    return false;
                }
                true
            })
        });
        for (c, _) in children.collect::<Vec<_>>() {
            if !c.is_named() {
                match c.kind() {
                    "&&" => and = true,
                    "||" => and = false,
                    _ => {}
                }
                continue;
            }
            if c.kind() == "comment" {
                continue;
            }
            let Some(s) = self.stmt(c) else { continue };
            if first.is_none() {
                first = Some(s);
            } else {
                rest.push((and, s));
            }
        }
        match first {
            Some(f) => Stmt::AndOr(Box::new(f), rest),
            None => Stmt::Group(Vec::new()),
        }
    }

    pub(super) fn if_statement(&mut self, n: Node) -> Stmt {
        let mut branches = Vec::new();
        let mut else_body = None;
        let (mut cond, mut body, mut in_body) = (Vec::new(), Vec::new(), false);
        for (c, _) in kids(n) {
            match c.kind() {
                "then" => in_body = true,
                "elif_clause" => {
                    if in_body {
                        branches.push((std::mem::take(&mut cond), std::mem::take(&mut body)));
                        in_body = false;
                    }
                    branches.push(self.elif_clause(c));
                }
                "else_clause" => {
                    if in_body {
                        branches.push((std::mem::take(&mut cond), std::mem::take(&mut body)));
                        in_body = false;
                    }
                    else_body = Some(self.body(c));
                }
                "comment" => {}
                _ if c.is_named() => {
                    let s = self.stmt(c);
                    if in_body {
                        body.extend(s)
                    } else {
                        cond.extend(s)
                    }
                }
                _ => {}
            }
        }
        if in_body {
            branches.insert(0, (cond, body));
        }
        Stmt::If(branches, else_body, self.loc(n))
    }

    pub(super) fn elif_clause(&mut self, n: Node) -> (Vec<Stmt>, Vec<Stmt>) {
        let (mut cond, mut body, mut in_body) = (Vec::new(), Vec::new(), false);
        for (c, _) in kids(n) {
            if c.kind() == "then" {
                in_body = true;
            } else if c.is_named() && c.kind() != "comment" {
                let s = self.stmt(c);
                if in_body {
                    body.extend(s)
                } else {
                    cond.extend(s)
                }
            }
        }
        (cond, body)
    }

    pub(super) fn case_statement(&mut self, n: Node) -> Stmt {
        let subject = match n.child_by_field_name("value") {
            Some(v) => self.word(v),
            None => self.plain_word(n.start_byte(), n.start_byte()),
        };
        let mut items = Vec::new();
        for (c, _) in kids(n) {
            if c.kind() != "case_item" {
                continue;
            }
            let mut patterns = Vec::new();
            let mut body = Vec::new();
            let mut fallthrough = None;
            for (k, field) in kids(c) {
                match field {
                    Some("value") => patterns.push(self.word(k)),
                    Some("fallthrough") => fallthrough = Some(k.kind() == ";;&"),
                    Some(_) => {}
                    None if k.is_named() && k.kind() != "comment" => body.extend(self.stmt(k)),
                    None => {}
                }
            }
            items.push(CaseItem {
                patterns,
                body,
                fallthrough,
            });
        }
        Stmt::Case(subject, items, self.loc(n))
    }

    pub(super) fn for_statement(&mut self, n: Node) -> Stmt {
        let mut var = String::new();
        let mut list = None;
        let mut body = Vec::new();
        for (c, field) in kids(n) {
            match field {
                Some("variable") => var = self.node_text(c).to_string(),
                Some("value") => list.get_or_insert_with(Vec::new).push(self.word(c)),
                Some("body") => body = self.body(c),
                _ if c.kind() == "in" => {
                    list.get_or_insert_with(Vec::new);
                }
                _ => {}
            }
        }
        Stmt::For {
            var,
            list,
            body,
            at: self.loc(n),
        }
    }

    pub(super) fn c_for(&mut self, n: Node) -> Stmt {
        let ks = kids(n);
        let mut marks = Vec::new();
        let mut body = Vec::new();
        for (c, field) in &ks {
            match c.kind() {
                "((" | ";" | "))" if !c.is_named() && marks.len() < 4 => {
                    marks.push((c.start_byte(), c.end_byte()))
                }
                _ if *field == Some("body") => body = self.body(*c),
                _ => {}
            }
        }
        let mut clause = |i: usize| -> Option<Word> {
            let (a, b) = (marks.get(i)?.1, marks.get(i + 1)?.0);
            if self.text(a, b).trim().is_empty() {
                return None;
            }
            Some(self.word_at(n, a, b, Mode::Arith))
        };
        let (init, cond, step) = (clause(0), clause(1), clause(2));
        Stmt::CFor {
            init,
            cond,
            step,
            body,
            at: self.loc(n),
        }
    }

    /// `[ ... ]` and `[[ ... ]]`: rebuilt as the words between the
    /// brackets, which is what `test` sees, then evaluated by our own parser.
    pub(super) fn test_command(&mut self, n: Node) -> Stmt {
        let ks = kids(n);
        let double = ks.first().is_some_and(|(c, _)| c.kind() == "[[");
        let mut leaves: Vec<Node> = Vec::new();
        let inner: Vec<Node> = ks
            .iter()
            .enumerate()
            .filter(|(i, (c, _))| {
                !((*i == 0 && !c.is_named())
                    || (*i + 1 == ks.len() && matches!(c.kind(), "]" | "]]")))
            })
            .map(|(_, (c, _))| *c)
            .collect();
        let mut stack: Vec<Node> = inner.into_iter().rev().collect();
        while let Some(c) = stack.pop() {
            if c.kind() == "comment" {
                continue;
            }
            if !c.is_named() || ATOMS.contains(&c.kind()) || TEST_LEAVES.contains(&c.kind()) {
                if c.start_byte() < c.end_byte() {
                    leaves.push(c);
                }
            } else {
                for (k, _) in kids(c).into_iter().rev() {
                    stack.push(k);
                }
            }
        }
        // Adjacent leaves form one word (`"$a"x`), except the punctuation
        // of `[[`.
        let punct = |c: &Node| !c.is_named() && matches!(c.kind(), "(" | ")" | "&&" | "||" | "!");
        let mut groups: Vec<(usize, usize, Vec<Node>)> = Vec::new();
        let mut prev_punct = true;
        for leaf in leaves {
            let p = double && punct(&leaf);
            match groups.last_mut() {
                Some(last) if last.1 == leaf.start_byte() && !p && !prev_punct => {
                    last.1 = leaf.end_byte();
                    last.2.push(leaf);
                }
                _ => groups.push((leaf.start_byte(), leaf.end_byte(), vec![leaf])),
            }
            prev_punct = p;
        }
        let words = groups
            .into_iter()
            .map(|(a, b, nodes)| self.word_in(&nodes, a, b, Mode::Unquoted))
            .collect();
        Stmt::Test(double, words, self.loc(n))
    }

    pub(super) fn redirected(&mut self, n: Node) -> Stmt {
        let body_node = n.child_by_field_name("body");
        let mut redirs = Vec::new();
        let mut tail = Vec::new();
        let mut andor = None;
        let mut covered = Vec::new();
        for (c, _) in kids(n) {
            if Some(c) == body_node {
                continue;
            }
            covered.push((c.start_byte(), c.end_byte()));
            match c.kind() {
                "heredoc_redirect" => self.heredoc(c, &mut redirs, &mut tail, &mut andor),
                "file_redirect" | "herestring_redirect" => redirs.extend(self.redirect(c)),
                _ => {}
            }
        }
        let mut stmt = match body_node.and_then(|b| self.stmt(b)) {
            Some(s) => s,
            None => Stmt::Simple(Simple {
                assigns: Vec::new(),
                args: Vec::new(),
                redirs: Vec::new(),
                at: self.loc(n),
            }),
        };
        // tree-sitter-bash drops a word standing between a command and a
        // here-document (`docker build -t x - <<EOF`); take it back from the
        // text no child covers.
        if let (Some(b), Stmt::Simple(s)) = (body_node, &mut stmt)
            && b.kind() == "command"
        {
            let mut pos = b.end_byte();
            covered.sort();
            let mut gaps = Vec::new();
            for &(a, e) in &covered {
                if a > pos {
                    gaps.push((pos, a));
                }
                pos = pos.max(e);
            }
            if n.end_byte() > pos {
                gaps.push((pos, n.end_byte()));
            }
            for (a, e) in gaps {
                for (ta, tb) in blank_split(self.text(a, e)) {
                    if self.text(a + ta, a + tb).starts_with('#') {
                        break;
                    }
                    s.args.push(ArgAst::Word(self.plain_word(a + ta, a + tb)));
                }
            }
        }
        // tree-sitter-bash hangs `a && b > f` and `a | b > f` on the whole
        // list or pipeline; in bash the redirection is `b`'s.
        let mut out = match body_node.map(|b| b.kind()) {
            Some("list" | "pipeline") => redirect_last(stmt, redirs),
            _ => with_redirs(stmt, redirs),
        };
        if !tail.is_empty() {
            let mut items = vec![out];
            items.extend(tail);
            out = Stmt::Pipeline(items);
        }
        if let Some((and, right)) = andor {
            out = Stmt::AndOr(Box::new(out), vec![(and, right)]);
        }
        out
    }

    /// A here-document, plus what tree-sitter-bash nests inside it: further
    /// redirections, the rest of a pipeline, a following `&&`/`||`.
    pub(super) fn heredoc(
        &mut self,
        n: Node,
        redirs: &mut Vec<Redir>,
        tail: &mut Vec<Stmt>,
        andor: &mut Option<(bool, Stmt)>,
    ) {
        let mut op = "<<".to_string();
        let mut fd = None;
        let mut quoted = false;
        let mut body = None;
        let mut extra = Vec::new();
        let mut and = true;
        for (c, field) in kids(n) {
            match (c.kind(), field) {
                ("<<" | "<<-", _) => op = c.kind().to_string(),
                (_, Some("descriptor")) => fd = self.node_text(c).parse().ok(),
                ("heredoc_start", _) => quoted = self.node_text(c).contains(['\'', '"', '\\']),
                ("heredoc_body", _) => body = Some(c),
                (_, Some("redirect")) => extra.extend(self.redirect(c)),
                ("&&", _) => and = true,
                ("||", _) => and = false,
                (_, Some("right")) => *andor = self.stmt(c).map(|s| (and, s)),
                ("pipeline", _) => {
                    for (k, _) in kids(c) {
                        if k.is_named() && k.kind() != "comment" {
                            tail.extend(self.stmt(k));
                        }
                    }
                }
                _ => {}
            }
        }
        let mode = Mode::Heredoc {
            strip: op == "<<-",
            expand: !quoted,
        };
        let target = match body {
            Some(b) => self.word_at(b, b.start_byte(), b.end_byte(), mode),
            None => self.plain_word(n.end_byte(), n.end_byte()),
        };
        redirs.push(Redir {
            fd,
            op,
            target: Some(target),
        });
        redirs.extend(extra);
    }

    pub(super) fn redirect(&mut self, n: Node) -> Option<Redir> {
        let mut fd = None;
        let mut op = String::new();
        let mut dest: Option<(usize, usize)> = None;
        for (c, field) in kids(n) {
            match field {
                Some("descriptor") => fd = self.node_text(c).parse().ok(),
                Some("destination") => {
                    dest = Some(match dest {
                        Some((a, _)) => (a, c.end_byte()),
                        None => (c.start_byte(), c.end_byte()),
                    })
                }
                _ if !c.is_named() && op.is_empty() => op = c.kind().to_string(),
                _ if n.kind() == "herestring_redirect" && c.is_named() => {
                    dest = Some((c.start_byte(), c.end_byte()))
                }
                _ => {}
            }
        }
        if op.is_empty() {
            return None;
        }
        let target = dest.map(|(a, b)| self.word_at(n, a, b, Mode::Unquoted));
        Some(Redir { fd, op, target })
    }
}

/// `2>&1`, for `|&`.
pub(super) fn stderr_to_stdout() -> Redir {
    let one = Word {
        parts: vec![WP::Lit("1".into(), false)],
        at: Location {
            file: 0,
            span: Span::default(),
        },
        text: "1".into(),
    };
    Redir {
        fd: Some(2),
        op: ">&".into(),
        target: Some(one),
    }
}

/// Adds redirections to the last command of a list or pipeline.
pub(super) fn redirect_last(stmt: Stmt, redirs: Vec<Redir>) -> Stmt {
    match stmt {
        Stmt::AndOr(first, mut rest) => match rest.pop() {
            Some((and, last)) => {
                rest.push((and, redirect_last(last, redirs)));
                Stmt::AndOr(first, rest)
            }
            None => Stmt::AndOr(Box::new(redirect_last(*first, redirs)), rest),
        },
        Stmt::Pipeline(mut items) => match items.pop() {
            Some(last) => {
                items.push(redirect_last(last, redirs));
                Stmt::Pipeline(items)
            }
            None => Stmt::Pipeline(items),
        },
        Stmt::Not(inner) => Stmt::Not(Box::new(redirect_last(*inner, redirs))),
        other => with_redirs(other, redirs),
    }
}

/// Adds redirections to a statement: into a simple command, else around it.
pub(super) fn with_redirs(stmt: Stmt, redirs: Vec<Redir>) -> Stmt {
    if redirs.is_empty() {
        return stmt;
    }
    match stmt {
        Stmt::Simple(mut s) => {
            s.redirs.extend(redirs);
            Stmt::Simple(s)
        }
        other => Stmt::Redirected(Box::new(other), redirs),
    }
}
