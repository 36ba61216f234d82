//! Suppression comments: msmigrate's own, hadolint's (for rules that map to
//! a hadolint rule) and BuildKit's `check=skip`.
//!
//! - `# msmigrate ignore=MS101,MS102 [reason]`: the next instruction;
//! - `# msmigrate global ignore=MS101 [reason]`: the whole file;
//! - `# hadolint ignore=DL3008` / `# hadolint global ignore=…`;
//! - `# check=skip=Rule,…` as the file's directive, or directly above an
//!   instruction (BuildKit ≥ 1.21), `skip=all` included.

use crate::dockerfile::{Dockerfile, Span};

/// Who wrote the pragma, which decides how its codes map to rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// `MS###` ids or rule names.
    Msmigrate,
    /// `DL####` codes.
    Hadolint,
    /// BuildKit check names, or `all`.
    Buildkit,
}

/// One code of one pragma.
#[derive(Debug, Clone)]
pub struct Code {
    /// As written.
    pub text: String,
    /// Where it is written.
    pub span: Span,
}

/// A parsed suppression comment.
#[derive(Debug, Clone)]
pub struct Pragma {
    /// Whose syntax.
    pub dialect: Dialect,
    /// The codes it lists.
    pub codes: Vec<Code>,
    /// The instruction it covers (`None`: the whole file).
    pub scope: Option<Span>,
    /// The comment line, without its line break.
    pub line: Span,
}

/// Finds every suppression comment of a file.
pub fn pragmas(df: &Dockerfile) -> Vec<Pragma> {
    let source = &df.source;
    let mut found = Vec::new();
    // Comment lines inside an instruction (heredoc bodies, comments in a
    // continuation) are not pragmas.
    let inside = |offset: usize| {
        df.instructions
            .iter()
            .any(|i| i.span.start < offset && offset < i.span.end)
    };
    let mut offset = 0;
    for raw in source.split_inclusive('\n') {
        let line_start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let indent = line.len() - line.trim_start().len();
        let Some(body) = line.trim_start().strip_prefix('#') else {
            continue;
        };
        if inside(line_start + indent) {
            continue;
        }
        let body_start = line_start + indent + 1;
        let line_span = Span::new(line_start, line_start + line.len());
        let next = df
            .instructions
            .iter()
            .find(|i| i.span.start >= line_span.end)
            .map(|i| i.span);
        if let Some(p) = parse(body, body_start, line_span, next, df) {
            found.push(p);
        }
    }
    found
}

fn parse(body: &str, at: usize, line: Span, next: Option<Span>, df: &Dockerfile) -> Option<Pragma> {
    let trimmed = body.trim_start();
    let mut pos = at + (body.len() - trimmed.len());
    let mut words = trimmed;
    let mut take = |prefix: &str, words: &mut &str| -> bool {
        match words.strip_prefix(prefix) {
            Some(rest) => {
                let rest_trim = rest.trim_start();
                pos += prefix.len() + (rest.len() - rest_trim.len());
                *words = rest_trim;
                true
            }
            None => false,
        }
    };
    let (dialect, global) = if take("msmigrate", &mut words) {
        (Dialect::Msmigrate, take("global", &mut words))
    } else if take("hadolint", &mut words) {
        (Dialect::Hadolint, take("global", &mut words))
    } else if words.starts_with("check=") {
        // A `check` directive at the top is file-wide; the parser recorded it.
        let directive = df
            .directive("check")
            .is_some_and(|d| d.span.start <= line.end && line.start <= d.span.start);
        (Dialect::Buildkit, directive)
    } else {
        return None;
    };
    let (key, list_start) = match dialect {
        Dialect::Buildkit => {
            // `check=skip=A,B;error=true`: take the skip part.
            let i = words.find("skip=")?;
            (&words[i..], pos + i)
        }
        _ => (words, pos),
    };
    let prefix = if dialect == Dialect::Buildkit {
        "skip="
    } else {
        "ignore="
    };
    let list = key.strip_prefix(prefix)?;
    let list_start = list_start + prefix.len();
    let end = list
        .find(|c: char| c.is_whitespace() || c == ';')
        .unwrap_or(list.len());
    let mut codes = Vec::new();
    let mut offset = list_start;
    for code in list[..end].split(',') {
        if !code.is_empty() {
            codes.push(Code {
                text: code.to_string(),
                span: Span::new(offset, offset + code.len()),
            });
        }
        offset += code.len() + 1;
    }
    if codes.is_empty() {
        return None;
    }
    let scope = if global { None } else { Some(next?) };
    Some(Pragma {
        dialect,
        codes,
        scope,
        line,
    })
}
