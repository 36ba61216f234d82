//! The trace rendered as text.

use std::fmt::Write as _;

use crate::script::trace::{Condition, Location, Part, Redirect, Trace, Unknown, Value};

// ---------------------------------------------------------------------------
// Dump
// ---------------------------------------------------------------------------

/// Renders a trace readably: the files, whether errexit is on, one line per
/// command (condition, working directory, `$`, argv, redirections,
/// pipeline `|id.position`, `captured`, `@line:column`), each unknown part
/// with its reason below its command, then the notes. The test fixtures'
/// expected files are in this form.
pub fn dump(trace: &Trace) -> String {
    let mut out = String::new();
    let files: Vec<&str> = trace.files.iter().map(|(p, _)| p.as_str()).collect();
    let _ = writeln!(out, "files: {}", files.join(" "));
    let _ = writeln!(out, "errexit: {}", trace.errexit);
    for (i, c) in trace.commands.iter().enumerate() {
        let cond = match c.condition {
            Condition::Always => "always",
            Condition::Maybe => "maybe",
            Condition::OnFailure => "on-failure",
            Condition::AtExit => "at-exit",
        };
        let mut line = format!("#{i} {cond} [{}]", c.cwd);
        for (k, v) in &c.env {
            let _ = write!(line, " {k}={}", quote(v));
        }
        line.push_str(" $");
        for a in &c.argv {
            line.push(' ');
            line.push_str(&quote(&a.value));
        }
        for r in &c.redirects {
            line.push(' ');
            line.push_str(&redirect_text(r));
        }
        if let Some((id, pos)) = c.pipeline {
            let _ = write!(line, "  |{id}.{pos}");
        }
        if c.captured {
            line.push_str("  captured");
        }
        let _ = writeln!(out, "{line}  @{}", loc_text(trace, c.at));
        let mut seen: Vec<&Unknown> = Vec::new();
        let values = c
            .argv
            .iter()
            .map(|a| &a.value)
            .chain(c.env.iter().map(|(_, v)| v));
        let values = values
            .chain(c.redirects.iter().map(|r| &r.target))
            .chain(std::iter::once(&c.cwd));
        for p in values.flat_map(|v| &v.parts) {
            if let Part::Unknown(u) = p
                && !seen.contains(&u)
            {
                seen.push(u);
                let _ = writeln!(
                    out,
                    "    ⟨{}⟩ {} @{}",
                    u.text,
                    u.reason,
                    loc_text(trace, u.at)
                );
            }
        }
    }
    for n in &trace.notes {
        let _ = writeln!(out, "note @{}: {}", loc_text(trace, n.at), n.message);
    }
    out
}

pub(super) fn quote(v: &Value) -> String {
    let s = v.to_string();
    if s.is_empty()
        || s.chars()
            .any(|c| c.is_whitespace() || c.is_control() || "'\"\\".contains(c))
    {
        format!("{s:?}")
    } else {
        s
    }
}

pub(super) fn redirect_text(r: &Redirect) -> String {
    let default_fd = if r.op.starts_with('<') { 0 } else { 1 };
    let fd = if r.op.starts_with('&') || r.fd == default_fd {
        String::new()
    } else {
        r.fd.to_string()
    };
    if r.target.parts.is_empty() && r.op.ends_with('-') {
        return format!("{fd}{}", r.op);
    }
    format!("{fd}{}{}", r.op, quote(&r.target))
}

pub(super) fn loc_text(trace: &Trace, at: Location) -> String {
    let Some((path, text)) = trace.files.get(at.file) else {
        return format!("?:{}", at.span.start);
    };
    let (line, col) = line_col(text, at.span.start);
    if at.file == 0 {
        format!("{line}:{col}")
    } else {
        format!("{path}:{line}:{col}")
    }
}

/// 1-based line and column of a byte offset.
pub(super) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, col)
}
