//! The JSON form of the syntax tree that conformance checks compare.
//!
//! One object per instruction, field for field what the widely used wrapper
//! of BuildKit's parser (the `dockerfile` Python package) reports, except that
//! `cmd` and `sub_cmd` are lower-cased as BuildKit dispatches on them. For
//! ONBUILD the wrapped instruction supplies `sub_cmd`, `json` and `value`,
//! while `flags` and `original` stay those of the ONBUILD line. A command
//! with heredocs has their bodies and terminators appended to `original`.

use serde::Serialize;

use super::ast::{Dockerfile, Instruction};

/// One instruction in the conformance JSON.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct DumpedInstruction {
    /// Lower-cased instruction name.
    pub cmd: String,
    /// Lower-cased name of the instruction ONBUILD wraps.
    pub sub_cmd: Option<String>,
    /// True for the exec (JSON) form.
    pub json: bool,
    /// The logical line, plus heredoc bodies.
    pub original: String,
    /// First line, 1-based.
    pub start_line: usize,
    /// Last line, 1-based.
    pub end_line: usize,
    /// Flags, verbatim.
    pub flags: Vec<String>,
    /// Arguments as BuildKit's AST splits them.
    pub value: Vec<String>,
    /// Heredoc bodies.
    pub heredocs: Vec<DumpedHeredoc>,
}

/// One heredoc in the conformance JSON.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct DumpedHeredoc {
    /// Delimiter word.
    pub name: String,
    /// File descriptor (0 unless written as `3<<EOF`). The reference wrapper
    /// hands Go's unsigned value over as a signed 64-bit integer, so values
    /// past `i64::MAX` wrap negative; the contract keeps that.
    pub file_descriptor: i64,
    /// Raw body.
    pub content: String,
}

/// The conformance JSON of a whole file.
pub fn dump(dockerfile: &Dockerfile) -> Vec<DumpedInstruction> {
    dockerfile
        .instructions
        .iter()
        .map(dump_instruction)
        .collect()
}

fn dump_instruction(top: &Instruction) -> DumpedInstruction {
    let inner = top.onbuild.as_deref().unwrap_or(top);
    let mut original = top.original.clone();
    if !inner.heredocs.is_empty() {
        original.push('\n');
        for h in &inner.heredocs {
            original.push_str(&h.content);
            original.push_str(&h.name);
            original.push('\n');
        }
    }
    DumpedInstruction {
        cmd: top.cmd(),
        sub_cmd: top.onbuild.as_ref().map(|s| s.cmd()),
        json: inner.json,
        original,
        start_line: top.start_line,
        end_line: top.end_line,
        flags: top.flags.iter().map(|f| f.text.clone()).collect(),
        value: inner.args.iter().map(|w| w.text.clone()).collect(),
        heredocs: inner
            .heredocs
            .iter()
            .map(|h| DumpedHeredoc {
                name: h.name.clone(),
                file_descriptor: h.file_descriptor as i64,
                content: h.content.clone(),
            })
            .collect(),
    }
}
